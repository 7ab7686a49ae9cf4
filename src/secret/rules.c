/*
 * rules.c - the built-in secret rules and their validators. Patterns are
 * Hyperscan regexes with bounded repeats so every match fits in
 * MOAT_SECRET_MAX_MATCH; validators (entropy, placeholder values) keep the
 * generic rules quiet on ordinary distribution files.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hs.h>

#include "secret.h"

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
    {.id = "secret-generic-assignment",
     .severity = MOAT_SEV_HIGH,
     .title = "Hard-coded password, secret or token",
     .description =
         "A variable or key named like a credential (password, secret, token, api_key, "
         "client_secret, ...) assigned a literal value of 12 or more characters that looks random "
         "(an entropy test) and is not a placeholder. A hard-coded credential can be read by "
         "anyone who can pull the image, and is often reused on other systems.",
     .pattern = "(password|passwd|secret|token|api_?key|access_?key|auth_?token|client_?secret|"
                "secret_?key)"
                "[\"']?[ \\t]{0,4}[:=][ \\t]{0,4}[\"']?[A-Za-z0-9+/_.@!#%^&*~-]{12,}\\(?",
     .hs_flags = HS_FLAG_CASELESS,
     .keywords = "password,secret,token,api_key",
     .check = MOAT_SECRET_CHECK_VALUE_ENTROPY,
     .min_entropy = 3.5,
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

static int is_placeholder(const char *v, size_t n)
{
    static const char *const words[] = {"example",  "changeme", "password", "xxxx",
                                        "your_",    "your-",    "dummy",    "placeholder",
                                        "redacted", "sample",   "****",
                                        "%20" /* an URL-encoded space: prose, not a key */};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (strncasecmp(v + i, words[w], wl) == 0)
                return 1;
    }
    return 0;
}

int moat_secret_rule_accepts(const struct moat_secret_rule *r, const char *text, size_t n)
{
    const char *v = text;
    size_t vn = n;

    switch (r->check) {
    case MOAT_SECRET_CHECK_NONE:
        return 1;
    case MOAT_SECRET_CHECK_ENTROPY:
        return !is_placeholder(text, n) && moat_secret_entropy(text, n) >= r->min_entropy;
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
        if (vn < 8 || is_placeholder(v, vn))
            return 0;
        return moat_secret_entropy(v, vn) >= r->min_entropy;
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
