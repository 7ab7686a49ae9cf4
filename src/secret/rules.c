/*
 * rules.c - the built-in secret rules and their validators. Patterns are
 * Hyperscan regexes with bounded repeats so every match fits in
 * MOAT_SECRET_MAX_MATCH; validators (entropy, placeholder values) keep the
 * generic rules quiet on ordinary distribution files.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hs.h>

#include "moat/secret/secret.h"

/* The generic rule's parts: a credential-like key name, and a value of 12 to 100 printable
 * ASCII characters: inside double quotes, single quotes, an XML element, or bare (up to a
 * space or a quote). */
#define GENERIC_KEY                                                                                \
    "(password|passwd|passphrase|secret|token|api[._-]?key|access[._-]?key|auth[._-]?token|"       \
    "client[._-]?secret|secret[._-]?key)"
#define DQ_VALUE "[!#-~]{12,100}"
#define SQ_VALUE "[!-&(-~]{12,100}"
#define PLAIN_VALUE "[!#-&(-_a-~]{12,100}"
#define EL_VALUE "[!-;=-~]{12,100}" /* XML element content: up to the '<' */

static const char *const generic_xml[] = {
    GENERIC_KEY "[\"']?>[ \t]{0,4}" EL_VALUE,
    GENERIC_KEY "[\"'][ \t]{1,20}value[ \t]{0,4}=[ \t]{0,4}(\"" DQ_VALUE "|'" SQ_VALUE ")", NULL};

#define ROTATE "Revoke and rotate this credential, then remove it from the image and its history."

static const struct moat_secret_rule builtin[] = {
    {.id = "secret-private-key-pem",
     .severity = MOAT_SEV_CRITICAL,
     .title = "PEM private key",
     .description =
         "A PEM-encoded private key (RSA, EC, DSA or PKCS#8, encrypted or not) in a file, an "
         "environment variable or a build step. Anyone who can pull the image can copy the key and "
         "use it to impersonate the server or user it belongs to, or to decrypt traffic meant for "
         "them; an encrypted key can still be attacked offline.",
     .pattern = "-----BEGIN (RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----",
     .keywords = "private key",
     .remediation = "Remove the private key from the image; mount it at run time instead."},
    {.id = "secret-private-key-openssh",
     .severity = MOAT_SEV_CRITICAL,
     .title = "OpenSSH private key",
     .description = "An OpenSSH private key, in the format ssh-keygen writes (BEGIN OPENSSH "
                    "PRIVATE KEY). Anyone who can pull the image can copy it and log in wherever "
                    "the matching public key is authorized.",
     .pattern = "-----BEGIN OPENSSH PRIVATE KEY-----",
     .keywords = "openssh",
     .remediation = "Remove the SSH key from the image; use build secrets or an agent."},
    {.id = "secret-private-key-putty",
     .severity = MOAT_SEV_CRITICAL,
     .title = "PuTTY private key",
     .description =
         "A PuTTY private key file (.ppk, format 2 or 3). Anyone who can pull the image can copy "
         "it and log in over SSH wherever the matching public key is authorized.",
     .pattern = "PuTTY-User-Key-File-[23]: (ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistp[0-9]{3})",
     .keywords = "putty",
     .remediation = "Remove the PuTTY key from the image."},
    {.id = "secret-private-key-pgp",
     .severity = MOAT_SEV_CRITICAL,
     .title = "PGP private key block",
     .description =
         "An armored PGP (GnuPG) secret key block. With it anyone who can pull the image can sign "
         "as the key's owner (packages, commits, releases) and read messages encrypted to them.",
     .pattern = "-----BEGIN PGP PRIVATE KEY BLOCK-----",
     .keywords = "pgp",
     .remediation = "Remove the PGP secret key from the image."},
    {.id = "secret-aws-access-key-id",
     .severity = MOAT_SEV_CRITICAL,
     .title = "AWS access key ID",
     .description =
         "An AWS access key ID: AKIA for a long-term IAM user key, ASIA for a temporary one, and "
         "the other IAM prefixes. It names the key and is usually stored next to the secret access "
         "key; together they give whatever access the key has in the AWS account.",
     .pattern = "\\b(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\\b",
     .keywords = "AKIA,ASIA",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-aws-secret-access-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "AWS secret access key",
     .description = "An AWS secret access key assigned to aws_secret_access_key, as in an AWS "
                    "credentials file or an env file. With its access key ID it lets anyone call "
                    "the AWS APIs with every permission of that IAM user or role.",
     .pattern = "aws_?secret_?(access_?)?key[\"']?\\s{0,8}[:=]\\s{0,8}[\"']?[A-Za-z0-9/+]{40}",
     .hs_flags = HS_FLAG_CASELESS,
     .keywords = "aws_secret",
     .check = MOAT_SECRET_CHECK_VALUE_ENTROPY,
     .min_entropy = 4.0,
     .remediation = ROTATE},
    {.id = "secret-gcp-service-account",
     .severity = MOAT_SEV_CRITICAL,
     .title = "GCP service account key",
     .description = "A Google Cloud service-account key file (JSON with a private_key_id and the "
                    "private key itself). Anyone with the file can act as the service account in "
                    "Google Cloud, with every role granted to it.",
     .pattern = "\"private_key_id\"\\s{0,8}:\\s{0,8}\"[a-f0-9]{40}\"",
     .keywords = "private_key_id,service_account",
     .remediation = ROTATE},
    {.id = "secret-azure-storage-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "Azure storage account key",
     .description = "An Azure Storage account key in a connection string (AccountKey=...). The "
                    "account key gives full read, write and delete access to every blob, file, "
                    "queue and table of the storage account.",
     .pattern = "AccountKey=[A-Za-z0-9+/]{86}==",
     .keywords = "AccountKey",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 4.0,
     .remediation = ROTATE},
    {.id = "secret-azure-client-secret",
     .severity = MOAT_SEV_HIGH,
     .title = "Azure AD client secret",
     .description = "An Azure AD (Microsoft Entra ID) application client secret. With the "
                    "application's client ID, which is not secret, anyone can sign in as the "
                    "application and use every permission granted to it.",
     .pattern = "\\b[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}\\b",
     .keywords = "Q~",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 4.0,
     .remediation = ROTATE},
    {.id = "secret-github-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "GitHub token",
     .description = "A GitHub token: a personal access token (classic ghp_ or fine-grained "
                    "github_pat_), an OAuth token (gho_), or a GitHub App user, installation or "
                    "refresh token (ghu_, ghs_, ghr_). It gives access to the repositories and "
                    "organizations of the user or app that owns it, often with write rights, so it "
                    "can be used to steal code or push malicious changes.",
     .pattern = "\\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\\b",
     .keywords = "ghp_,gho_,ghu_,ghs_,ghr_,github_pat_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-gitlab-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "GitLab personal access token",
     .description =
         "A GitLab personal access token (glpat-). It acts as the user who created it, within its "
         "scopes, on GitLab's API, git over HTTPS and the container registry.",
     .pattern = "\\bglpat-[A-Za-z0-9_-]{20}\\b",
     .keywords = "glpat-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-slack-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Slack token",
     .description = "A Slack bot, user, app, refresh or session token (xoxb-, xoxp-, xoxa-, xoxr-, "
                    "xoxs-). Within its scopes it lets anyone read and post messages and files in "
                    "the workspace as that bot or user.",
     .pattern = "\\bxox[baprs]-[0-9]{10,13}-[0-9A-Za-z-]{10,}",
     .keywords = "xoxb-,xoxp-,xoxa-",
     .remediation = ROTATE},
    {.id = "secret-slack-webhook",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Slack webhook URL",
     .description =
         "A Slack incoming-webhook URL. Anyone who has it can post messages to the channel behind "
         "it, for example phishing messages that seem to come from your own tooling.",
     .pattern =
         "https://hooks\\.slack\\.com/services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/[A-Za-z0-9]{24}",
     .keywords = "hooks.slack.com",
     .remediation = ROTATE},
    {.id = "secret-stripe-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "Stripe live secret key",
     .description = "A Stripe live secret or restricted API key (sk_live_, rk_live_). It calls the "
                    "Stripe API on the live account: charges, refunds, payouts and customer data, "
                    "within the key's permissions.",
     .pattern = "\\b[sr]k_live_[0-9A-Za-z]{24,}\\b",
     .keywords = "sk_live_,rk_live_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-npm-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "npm access token",
     .description = "An npm access token (npm_). A token with publish rights lets anyone publish "
                    "new versions of your packages to the npm registry, a supply-chain attack on "
                    "everyone who installs them.",
     .pattern = "\\bnpm_[A-Za-z0-9]{36}\\b",
     .keywords = "npm_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-pypi-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "PyPI upload token",
     .description = "A PyPI API token (pypi-AgEIcHlwaS5vcmc...). It can upload releases of the "
                    "projects it is scoped to, so anyone who has it can push malicious versions to "
                    "everyone who installs them.",
     .pattern = "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
     .keywords = "pypi-AgEIcHlwaS5vcmc",
     .remediation = ROTATE},
    {.id = "secret-docker-config-auth",
     .severity = MOAT_SEV_HIGH,
     .title = "Docker registry credentials (config.json auth)",
     .description = "A registry login in the auth field of a Docker or Podman config.json: the "
                    "base64 of user:password (or of a token), which anyone can decode. With it "
                    "anyone who can pull the image can log in to the registry, pull private images "
                    "and, with write rights, push altered ones.",
     .pattern = "\"auth\"\\s{0,8}:\\s{0,8}\"[A-Za-z0-9+/]{12,}={0,2}\"",
     .keywords = "auths,auth",
     .check = MOAT_SECRET_CHECK_VALUE_ENTROPY,
     .min_entropy = 3.0,
     .remediation = "Remove the registry credentials; log in at run time."},
    {.id = "secret-jwt",
     .severity = MOAT_SEV_MEDIUM,
     .title = "JSON Web Token",
     .description =
         "A JSON Web Token: three base64url parts, the first two (header and payload) starting "
         "with eyJ. A JWT is a bearer credential: until it expires, anyone who holds it can call "
         "the services that accept it as the user or service it was issued to.",
     .pattern = "\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}",
     .keywords = "eyJ",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    /* Token families with a documented prefix: the prefix is a literal Hyperscan can
     * look for, so each rule costs little per byte. A long or variable-length token is
     * matched on a fixed run of its minimum length (a longer one still matches its
     * start): wide bounded repeats make a start-of-match database too large. */
    {.id = "secret-sendgrid-api-key",
     .severity = MOAT_SEV_HIGH,
     .title = "SendGrid API key",
     .description = "A Twilio SendGrid API key (SG. then two base64url parts). It sends email "
                    "from your verified domains and, with full access, reads contacts and "
                    "changes the account, so it is a ready tool for phishing in your name.",
     .pattern = "\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}",
     .keywords = "SG.",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-stripe-publishable-key",
     .severity = MOAT_SEV_LOW,
     .title = "Stripe live publishable key",
     .description = "A Stripe live publishable key (pk_live_). It is meant to be shipped to "
                    "browsers and cannot move money, but it names the live account and is "
                    "often stored next to the secret key, so its presence is worth a look.",
     .pattern = "\\bpk_live_[0-9A-Za-z]{24}",
     .keywords = "pk_live_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = "Check that the live secret key is not stored alongside it; publishable "
                    "keys need no rotation unless they are abused."},
    {.id = "secret-age-secret-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "age secret key",
     .description = "An age (or SOPS with age) identity: AGE-SECRET-KEY-1 then 58 bech32 "
                    "characters. Anyone who has it can decrypt every file and secret encrypted "
                    "to the matching age recipient.",
     .pattern = "\\bAGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}\\b",
     .keywords = "AGE-SECRET-KEY-1",
     .remediation = "Remove the age identity from the image, generate a new one and re-encrypt "
                    "what the old one protected."},
    {.id = "secret-shopify-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Shopify access token or shared secret",
     .description = "A Shopify Admin API access token (shpat_, shpca_, shppa_) or app shared "
                    "secret (shpss_). It reads and changes the store's orders, customers and "
                    "products within the app's scopes.",
     .pattern = "\\bshp(at|ca|pa|ss)_[a-fA-F0-9]{32}\\b",
     .keywords = "shpat_,shpca_,shppa_,shpss_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-twilio-api-key",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Twilio API key SID",
     .description = "A Twilio API key SID (SK then 32 hex digits). It names the key and is "
                    "usually stored next to the key secret; together they send messages and "
                    "place calls billed to the Twilio account.",
     .pattern = "\\bSK[0-9a-f]{32}\\b",
     .keywords = "SK",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-vault-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "HashiCorp Vault token",
     .description = "A HashiCorp Vault service, batch or recovery token (hvs., hvb., hvr.). "
                    "Until it expires it reads, and within its policies writes, the secrets "
                    "Vault guards for every system that relies on it.",
     .pattern = "\\bhv[sbr]\\.[A-Za-z0-9_-]{24}",
     .keywords = "hvs.,hvb.,hvr.",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-terraform-cloud-token",
     .severity = MOAT_SEV_HIGH,
     .title = "HCP Terraform (Terraform Cloud) API token",
     .description = "An HCP Terraform or Terraform Enterprise user, team or organization API "
                    "token (14 characters, .atlasv1., then the secret). It runs plans and applies "
                    "and reads state files, which often hold other credentials.",
     .pattern = "\\b[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60}",
     .keywords = "atlasv1",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-mailgun-api-key",
     .severity = MOAT_SEV_HIGH,
     .title = "Mailgun API key",
     .description = "A Mailgun private API key (key- then 32 hex digits, or the newer "
                    "hex-hex-hex form) on a line that names Mailgun. It sends email from your "
                    "domains and reads the logs and lists of the account.",
     .pattern = "mailgun.{0,40}\\b(key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})\\b",
     .hs_flags = HS_FLAG_CASELESS,
     .keywords = "mailgun,key-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-mailchimp-api-key",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Mailchimp API key",
     .description = "A Mailchimp Marketing API key: 32 hex digits then the data center "
                    "(-us1 to -us99). It reads and exports the audience lists (personal data) "
                    "and sends campaigns from the account.",
     .pattern = "\\b[0-9a-f]{32}-us[0-9]{1,2}\\b",
     .keywords = "-us",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-openai-api-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "OpenAI API key",
     .description = "An OpenAI API key: a project, service-account or admin key (sk-proj-, "
                    "sk-svcacct-, sk-admin-) or a legacy user key (sk- with T3BlbkFJ inside). "
                    "It runs models billed to the organization and reads its files and "
                    "assistants.",
     .pattern = "\\bsk-(proj|svcacct|admin)-[A-Za-z0-9_-]{40}|"
                "\\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\\b",
     .keywords = "sk-proj-,sk-svcacct-,sk-admin-,T3BlbkFJ",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-anthropic-api-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "Anthropic API key",
     .description = "An Anthropic API or Admin API key (sk-ant-api03-, sk-ant-admin01-). It "
                    "calls the Claude API billed to the organization, and an admin key manages "
                    "its members and keys.",
     .pattern = "\\bsk-ant-(api|admin)[0-9]{2}-[A-Za-z0-9_-]{80}",
     .keywords = "sk-ant-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-huggingface-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Hugging Face access token",
     .description = "A Hugging Face user access token (hf_). It reads the user's private "
                    "models and datasets and, with write rights, replaces them, a supply-chain "
                    "risk for everyone who downloads them.",
     .pattern = "\\bhf_[A-Za-z0-9]{34,40}\\b",
     .keywords = "hf_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-digitalocean-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "DigitalOcean token",
     .description = "A DigitalOcean personal access, OAuth or refresh token (dop_v1_, "
                    "doo_v1_, dor_v1_). It creates, reads and destroys the droplets, databases, "
                    "volumes and registries of the team.",
     .pattern = "\\bdo[opr]_v1_[a-f0-9]{64}\\b",
     .keywords = "dop_v1_,doo_v1_,dor_v1_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-databricks-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Databricks personal access token",
     .description = "A Databricks personal access token (dapi then 32 hex digits). It acts as "
                    "its user on the workspace: notebooks, jobs, clusters and the data they can "
                    "read.",
     .pattern = "\\bdapi[a-f0-9]{32}(-[0-9]{1,2})?\\b",
     .keywords = "dapi",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-linear-api-key",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Linear API key",
     .description = "A Linear personal API key or OAuth token (lin_api_, lin_oauth_). It reads "
                    "and changes the issues, projects and comments the user can see.",
     .pattern = "\\blin_(api|oauth)_[A-Za-z0-9]{40}\\b",
     .keywords = "lin_api_,lin_oauth_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-doppler-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "Doppler token",
     .description = "A Doppler personal, CLI, service, service-account, SCIM or audit token "
                    "(dp.pt., dp.ct., dp.st., dp.sa., dp.scim., dp.audit.). A secrets manager "
                    "token: it reads the secrets of every config it is scoped to.",
     .pattern = "\\bdp\\.(pt|ct|sa|scim|audit)\\.[A-Za-z0-9]{40,44}\\b|"
                "\\bdp\\.st\\.([a-z0-9_-]{1,40}\\.)?[A-Za-z0-9]{40,44}\\b",
     .keywords = "dp.pt.,dp.st.,dp.ct.,dp.sa.",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-planetscale-token",
     .severity = MOAT_SEV_HIGH,
     .title = "PlanetScale token or password",
     .description = "A PlanetScale service token, database password or OAuth token "
                    "(pscale_tkn_, pscale_pw_, pscale_oauth_). A password connects to the "
                    "database branch; a token manages the organization's databases.",
     .pattern = "\\bpscale_(tkn|pw|oauth)_[A-Za-z0-9_.-]{32}",
     .keywords = "pscale_tkn_,pscale_pw_,pscale_oauth_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-pulumi-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Pulumi access token",
     .description = "A Pulumi Cloud access token (pul- then 40 hex digits). It reads stack "
                    "state and its decrypted secrets and runs deployments of the user's or "
                    "organization's stacks.",
     .pattern = "\\bpul-[a-f0-9]{40}\\b",
     .keywords = "pul-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-grafana-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Grafana token",
     .description = "A Grafana Cloud access-policy token (glc_), a Grafana service-account "
                    "token (glsa_) or a legacy Grafana API key (eyJrIjoi...). It reads "
                    "dashboards and data sources and, with write scopes, changes them.",
     .pattern = "\\bglc_[A-Za-z0-9+/]{32}|\\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\\b|"
                "\\beyJrIjoi[A-Za-z0-9+/]{40}",
     .keywords = "glc_,glsa_,eyJrIjoi",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-heroku-api-key",
     .severity = MOAT_SEV_HIGH,
     .title = "Heroku API key",
     .description = "A Heroku API key: the newer HRKU- token, or a UUID assigned to "
                    "HEROKU_API_KEY. It deploys, scales, reads the config vars of and deletes "
                    "the user's Heroku apps.",
     .pattern = "\\bHRKU-[A-Za-z0-9_-]{40}|(?i:heroku_?api_?key)[\"']?\\s{0,8}[:=]\\s{0,8}[\"']?"
                "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b",
     .keywords = "HRKU-,HEROKU_API_KEY",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-discord-webhook",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Discord webhook URL",
     .description = "A Discord webhook URL (discord.com/api/webhooks/ID/TOKEN). Anyone who has "
                    "it can post to the channel behind it, for example phishing messages that "
                    "seem to come from your own tooling.",
     .pattern = "https://(ptb\\.|canary\\.)?discord(app)?\\.com/api/webhooks/[0-9]{17,20}/"
                "[A-Za-z0-9_-]{60}",
     .keywords = "discord.com/api/webhooks,discordapp.com/api/webhooks",
     .remediation = ROTATE},
    {.id = "secret-telegram-bot-token",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Telegram bot token",
     .description = "A Telegram Bot API token (the bot's numeric id, a colon, then 35 "
                    "characters starting with AA). It controls the bot: reads the messages sent "
                    "to it and posts in every chat it belongs to.",
     .pattern = "\\b[0-9]{8,10}:AA[A-Za-z0-9_-]{33}",
     .keywords = ":AA",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-gitlab-service-token",
     .severity = MOAT_SEV_HIGH,
     .title = "GitLab deploy, runner, trigger or other token",
     .description = "A GitLab token other than a personal access token: deploy (gldt-), runner "
                    "(glrt-, GR1348941), pipeline trigger (glptt-), CI job (glcbt-), OAuth "
                    "application secret (gloas-), agent, feed, mail or SCIM token. Each reads "
                    "repositories or registries, runs pipelines or registers runners.",
     .pattern = "\\b(gldt|glrt|glcbt|glft|glimt|glsoat|gloas|glffct|glagent)-[A-Za-z0-9_-]{20}|"
                "\\bglptt-[0-9a-f]{40}\\b|\\bGR1348941[A-Za-z0-9_-]{20}",
     .keywords = "gldt-,glrt-,glptt-,glcbt-,gloas-,GR1348941",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-slack-app-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Slack app-level token",
     .description = "A Slack app-level token (xapp-). It opens Socket Mode connections and "
                    "reads the events of every workspace the app is installed in.",
     .pattern = "\\bxapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,14}-[a-f0-9]{64}\\b",
     .keywords = "xapp-",
     .remediation = ROTATE},
    {.id = "secret-alibaba-access-key-id",
     .severity = MOAT_SEV_HIGH,
     .title = "Alibaba Cloud AccessKey ID",
     .description = "An Alibaba Cloud AccessKey ID (LTAI). It names the key and is usually "
                    "stored next to its AccessKey secret; together they call the Alibaba Cloud "
                    "APIs with every permission of the RAM user.",
     .pattern = "\\bLTAI[A-Za-z0-9]{12,20}\\b",
     .keywords = "LTAI",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-atlassian-api-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Atlassian API token",
     .description = "An Atlassian Cloud API token (ATATT3). With the user's email it acts as "
                    "that user on Jira, Confluence and Bitbucket Cloud.",
     .pattern = "\\bATATT3[A-Za-z0-9_=-]{150}",
     .keywords = "ATATT3",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-postman-api-key",
     .severity = MOAT_SEV_HIGH,
     .title = "Postman API key",
     .description = "A Postman API key (PMAK-). It reads the user's workspaces, collections "
                    "and environments, which often hold other API credentials.",
     .pattern = "\\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\\b",
     .keywords = "PMAK-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-sentry-token",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Sentry auth token",
     .description = "A Sentry organization auth token (sntrys_) or user auth token (sntryu_). "
                    "It uploads releases and source maps and, for a user token, reads the "
                    "events of its projects, which can hold personal data.",
     .pattern = "\\bsntrys_eyJ[A-Za-z0-9+/=_-]{60}|\\bsntryu_[a-f0-9]{64}\\b",
     .keywords = "sntrys_,sntryu_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-dynatrace-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Dynatrace API token",
     .description = "A Dynatrace access token (dt0c01. then a public and a secret part). "
                    "Within its scopes it reads monitoring data, ingests data and changes the "
                    "environment's settings.",
     .pattern = "\\bdt0[a-z][0-9]{2}\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}\\b",
     .keywords = "dt0c01.",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-newrelic-user-key",
     .severity = MOAT_SEV_HIGH,
     .title = "New Relic user API key",
     .description = "A New Relic user API key (NRAK-). It calls NerdGraph as its user: reads "
                    "all the account's telemetry and changes alerts, dashboards and keys.",
     .pattern = "\\bNRAK-[A-Z0-9]{27}\\b",
     .keywords = "NRAK-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-flyio-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Fly.io token",
     .description = "A Fly.io macaroon access token (FlyV1 fm2_...) or OAuth token (fo1_). It "
                    "deploys, reads the secrets of and destroys the apps and machines of its "
                    "organization.",
     .pattern = "\\b(FlyV1 )?fm[12][ar]?_[A-Za-z0-9+/=,_-]{60}|\\bfo1_[A-Za-z0-9_-]{43}",
     .keywords = "FlyV1,fm2_,fo1_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-contentful-token",
     .severity = MOAT_SEV_HIGH,
     .title = "Contentful personal access token",
     .description = "A Contentful Content Management API personal access token (CFPAT-). It "
                    "reads, changes and publishes the content of every space its user can "
                    "reach.",
     .pattern = "\\bCFPAT-[A-Za-z0-9_-]{43}",
     .keywords = "CFPAT-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-rubygems-api-key",
     .severity = MOAT_SEV_CRITICAL,
     .title = "RubyGems API key",
     .description = "A RubyGems.org API key (rubygems_ then 48 hex digits). A key with push "
                    "rights publishes new versions of the owner's gems, a supply-chain attack "
                    "on everyone who installs them.",
     .pattern = "\\brubygems_[a-f0-9]{48}\\b",
     .keywords = "rubygems_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.0,
     .remediation = ROTATE},
    {.id = "secret-docker-hub-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "Docker Hub access token",
     .description = "A Docker Hub personal or organization access token (dckr_pat_, dckr_oat_). "
                    "With write rights it pushes images to the owner's repositories, replacing "
                    "what everyone who pulls them runs.",
     .pattern = "\\bdckr_(pat|oat)_[A-Za-z0-9_-]{24}",
     .keywords = "dckr_pat_,dckr_oat_",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-google-api-key",
     .severity = MOAT_SEV_MEDIUM,
     .title = "Google API key",
     .description = "A Google Cloud or Firebase API key (AIza then 35 characters). An "
                    "unrestricted key calls the enabled Google APIs billed to the project, and "
                    "some of them read its data.",
     .pattern = "\\bAIza[0-9A-Za-z_-]{35}",
     .keywords = "AIza",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = "Restrict the key to the APIs and callers that need it, or rotate it and "
                    "remove it from the image."},
    {.id = "secret-google-oauth-client-secret",
     .severity = MOAT_SEV_HIGH,
     .title = "Google OAuth client secret",
     .description = "A Google OAuth 2.0 client secret (GOCSPX-). With the client ID it lets "
                    "anyone pose as the application when users sign in with Google, and redeem "
                    "authorization codes for their tokens.",
     .pattern = "\\bGOCSPX-[A-Za-z0-9_-]{28}",
     .keywords = "GOCSPX-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-1password-service-account-token",
     .severity = MOAT_SEV_CRITICAL,
     .title = "1Password service account token",
     .description = "A 1Password service account token (ops_eyJ...). It reads, and with write "
                    "rights changes, every item of the vaults granted to the service account.",
     .pattern = "\\bops_eyJ[A-Za-z0-9+/=_-]{100}",
     .keywords = "ops_eyJ",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-tailscale-key",
     .severity = MOAT_SEV_HIGH,
     .title = "Tailscale auth or API key",
     .description = "A Tailscale auth key, API access token or OAuth client secret "
                    "(tskey-auth-, tskey-api-, tskey-client-). An auth key joins new machines "
                    "to the private tailnet; an API key manages its devices and access rules.",
     .pattern = "\\btskey-(auth|api|client|scim|webhook)-[A-Za-z0-9]{6,24}-[A-Za-z0-9]{20}",
     .keywords = "tskey-",
     .check = MOAT_SECRET_CHECK_ENTROPY,
     .min_entropy = 3.5,
     .remediation = ROTATE},
    {.id = "secret-generic-assignment",
     .severity = MOAT_SEV_HIGH,
     .title = "Hard-coded password, secret or token",
     .description =
         "A variable, key, XML element or attribute named like a credential (password, secret, "
         "token, api_key, client_secret, ...) given a literal value of 12 or more characters that "
         "looks randomly generated (a statistical test for its length and character classes) and "
         "is not a placeholder or a reference. A hard-coded credential can be read by anyone who "
         "can pull the image, and is often reused on other systems.",
     /* KEY = VALUE in YAML, .env, JSON, INI, shell, properties, TOML and XML attributes;
      * <KEY>VALUE< and key="..KEY">VALUE<, key="..KEY" value="VALUE" in more_patterns: in one
      * start-of-match pattern they are too large for Hyperscan */
     .pattern = GENERIC_KEY "[\"']?[ \t]{0,4}(:=|=>|[:=])[ \t]{0,4}(\"" DQ_VALUE "|'" SQ_VALUE
                            "|" PLAIN_VALUE ")",
     .more_patterns = generic_xml,
     .hs_flags = HS_FLAG_CASELESS,
     .keywords = "password,passwd,passphrase,secret,token,api_key",
     .check = MOAT_SECRET_CHECK_CREDENTIAL,
     .remediation = ROTATE,
     .generic = 1},
};

size_t moat_secret_builtin_rules(const struct moat_secret_rule **out)
{
    *out = builtin;
    return sizeof builtin / sizeof builtin[0];
}

/* Trivy's built-in rule ids and the rule of ours that covers each. */
static const struct {
    const char *trivy, *ours;
} trivy_ids[] = {
    {"aws-access-key-id", "secret-aws-access-key-id"},
    {"aws-secret-access-key", "secret-aws-secret-access-key"},
    {"github-pat", "secret-github-token"},
    {"github-oauth", "secret-github-token"},
    {"github-app-token", "secret-github-token"},
    {"github-refresh-token", "secret-github-token"},
    {"github-fine-grained-pat", "secret-github-token"},
    {"gitlab-pat", "secret-gitlab-token"},
    {"private-key", "secret-private-key-pem"},
    {"private-key", "secret-private-key-openssh"},
    {"private-key", "secret-private-key-pgp"},
    {"slack-access-token", "secret-slack-token"},
    {"slack-web-hook", "secret-slack-webhook"},
    {"stripe-secret-token", "secret-stripe-key"},
    {"pypi-upload-token", "secret-pypi-token"},
    {"gcp-service-account", "secret-gcp-service-account"},
    {"npm-access-token", "secret-npm-token"},
    {"jwt-token", "secret-jwt"},
    {"dockerconfig-secret", "secret-docker-config-auth"},
    {"sendgrid-api-token", "secret-sendgrid-api-key"},
    {"stripe-publishable-token", "secret-stripe-publishable-key"},
    {"age-secret-key", "secret-age-secret-key"},
    {"shopify-token", "secret-shopify-token"},
    {"twilio-api-key", "secret-twilio-api-key"},
    {"hashicorp-tf-api-token", "secret-terraform-cloud-token"},
    {"mailgun-token", "secret-mailgun-api-key"},
    {"mailchimp-api-key", "secret-mailchimp-api-key"},
    {"hugging-face-access-token", "secret-huggingface-token"},
    {"databricks-api-token", "secret-databricks-token"},
    {"linear-api-token", "secret-linear-api-key"},
    {"doppler-api-token", "secret-doppler-token"},
    {"planetscale-password", "secret-planetscale-token"},
    {"planetscale-api-token", "secret-planetscale-token"},
    {"pulumi-api-token", "secret-pulumi-token"},
    {"grafana-api-token", "secret-grafana-token"},
    {"heroku-api-key", "secret-heroku-api-key"},
    {"alibaba-access-key-id", "secret-alibaba-access-key-id"},
    {"atlassian-api-token", "secret-atlassian-api-token"},
    {"postman-api-token", "secret-postman-api-key"},
    {"dynatrace-api-token", "secret-dynatrace-token"},
    {"new-relic-user-api-key", "secret-newrelic-user-key"},
    {"rubygems-api-token", "secret-rubygems-api-key"},
};

int moat_secret_builtin_named(const struct moat_secret_rule *r, const char *name)
{
    if (strcmp(r->id, name) == 0)
        return 1;
    for (size_t i = 0; i < sizeof trivy_ids / sizeof trivy_ids[0]; i++)
        if (strcmp(trivy_ids[i].trivy, name) == 0 && strcmp(trivy_ids[i].ours, r->id) == 0)
            return 1;
    return 0;
}

/* log2 of a positive integer without libm: exponent plus a short atanh series for the mantissa. */
static double ilog2(size_t v)
{
    double m = (double)v, y, y2, sum = 0, term;
    int k = 0;

    while (m >= 2.0) {
        m /= 2.0;
        k++;
    }
    y = (m - 1.0) / (m + 1.0);
    y2 = y * y;
    term = y;
    for (int i = 1; i < 40; i += 2) {
        sum += term / i;
        term *= y2;
    }
    return k + 2.0 * sum / 0.69314718055994530942;
}

double moat_secret_entropy(const char *s, size_t n)
{
    size_t count[256] = {0};
    double acc = 0;

    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        count[(unsigned char)s[i]]++;
    /* H = log2(n) - (1/n) * sum c_i log2(c_i) */
    for (size_t i = 0; i < 256; i++)
        if (count[i] > 1)
            acc += (double)count[i] * ilog2(count[i]);
    return ilog2(n) - acc / (double)n;
}

int moat_secret_rule_accepts(const struct moat_secret_rule *r, const char *text, size_t n)
{
    return moat_secret_rule_check(r, text, n, NULL);
}

int moat_secret_rule_check(const struct moat_secret_rule *r, const char *text, size_t n,
                           const struct moat_secret_context *ctx)
{
    const char *v = text;
    size_t vn = n;

    switch (r->check) {
    case MOAT_SECRET_CHECK_NONE:
        return 1;
    case MOAT_SECRET_CHECK_ENTROPY:
        return !moat_secret_placeholder(text, n) && !moat_secret_has_sequence(text, n) &&
               moat_secret_entropy(text, n) >= r->min_entropy;
    case MOAT_SECRET_CHECK_VALUE_ENTROPY:
        /* "x = some_function(" is code, not a value (the generic rule matches the '(') */
        if (vn > 0 && text[vn - 1] == '(')
            return 0;
        /* the value: the last run of non-separator bytes, without quotes or base64 padding */
        while (vn > 0 && (text[vn - 1] == '"' || text[vn - 1] == '\'' || text[vn - 1] == '='))
            vn--;
        v = text + vn;
        while (v > text && !strchr(" \t\"':=", v[-1]))
            v--;
        vn = (size_t)(text + vn - v);
        if (vn < 8 || moat_secret_placeholder(v, vn))
            return 0;
        return moat_secret_entropy(v, vn) >= r->min_entropy;
    case MOAT_SECRET_CHECK_CREDENTIAL:
        return moat_secret_credential(text, n, ctx, NULL);
    }
    return 0;
}

char *moat_secret_redact(const char *text, size_t n)
{
    size_t keep = n < 4 ? n : 4;
    char *out = malloc(keep + 5);

    if (!out)
        return NULL;
    memcpy(out, text, keep);
    memcpy(out + keep, "****", 5);
    return out;
}
