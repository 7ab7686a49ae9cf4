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
    {"secret-private-key-pem", MOAT_SEV_CRITICAL, "PEM private key",
     "-----BEGIN (RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----", 0, "private key",
     MOAT_SECRET_CHECK_NONE, 0,
     "Remove the private key from the image; mount it at run time instead.", 0},
    {"secret-private-key-openssh", MOAT_SEV_CRITICAL, "OpenSSH private key",
     "-----BEGIN OPENSSH PRIVATE KEY-----", 0, "openssh", MOAT_SECRET_CHECK_NONE, 0,
     "Remove the SSH key from the image; use build secrets or an agent.", 0},
    {"secret-private-key-putty", MOAT_SEV_CRITICAL, "PuTTY private key",
     "PuTTY-User-Key-File-[23]: (ssh-rsa|ssh-dss|ssh-ed25519|ecdsa-sha2-nistp[0-9]{3})", 0, "putty",
     MOAT_SECRET_CHECK_NONE, 0, "Remove the PuTTY key from the image.", 0},
    {"secret-private-key-pgp", MOAT_SEV_CRITICAL, "PGP private key block",
     "-----BEGIN PGP PRIVATE KEY BLOCK-----", 0, "pgp", MOAT_SECRET_CHECK_NONE, 0,
     "Remove the PGP secret key from the image.", 0},
    {"secret-aws-access-key-id", MOAT_SEV_CRITICAL, "AWS access key ID",
     "\\b(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\\b", 0, "AKIA,ASIA",
     MOAT_SECRET_CHECK_ENTROPY, 3.0, ROTATE, 0},
    {"secret-aws-secret-access-key", MOAT_SEV_CRITICAL, "AWS secret access key",
     "aws_?secret_?(access_?)?key[\"']?\\s{0,8}[:=]\\s{0,8}[\"']?[A-Za-z0-9/+]{40}",
     HS_FLAG_CASELESS, "aws_secret", MOAT_SECRET_CHECK_VALUE_ENTROPY, 4.0, ROTATE, 0},
    {"secret-gcp-service-account", MOAT_SEV_CRITICAL, "GCP service account key",
     "\"private_key_id\"\\s{0,8}:\\s{0,8}\"[a-f0-9]{40}\"", 0, "private_key_id,service_account",
     MOAT_SECRET_CHECK_NONE, 0, ROTATE, 0},
    {"secret-azure-storage-key", MOAT_SEV_CRITICAL, "Azure storage account key",
     "AccountKey=[A-Za-z0-9+/]{86}==", 0, "AccountKey", MOAT_SECRET_CHECK_ENTROPY, 4.0, ROTATE, 0},
    {"secret-azure-client-secret", MOAT_SEV_HIGH, "Azure AD client secret",
     "\\b[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}\\b", 0, "Q~", MOAT_SECRET_CHECK_ENTROPY,
     4.0, ROTATE, 0},
    {"secret-github-token", MOAT_SEV_CRITICAL, "GitHub token",
     "\\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\\b", 0,
     "ghp_,gho_,ghu_,ghs_,ghr_,github_pat_", MOAT_SECRET_CHECK_ENTROPY, 3.0, ROTATE, 0},
    {"secret-gitlab-token", MOAT_SEV_CRITICAL, "GitLab personal access token",
     "\\bglpat-[A-Za-z0-9_-]{20}\\b", 0, "glpat-", MOAT_SECRET_CHECK_ENTROPY, 3.0, ROTATE, 0},
    {"secret-slack-token", MOAT_SEV_HIGH, "Slack token",
     "\\bxox[baprs]-[0-9]{10,13}-[0-9A-Za-z-]{10,}", 0, "xoxb-,xoxp-,xoxa-", MOAT_SECRET_CHECK_NONE,
     0, ROTATE, 0},
    {"secret-slack-webhook", MOAT_SEV_MEDIUM, "Slack webhook URL",
     "https://hooks\\.slack\\.com/services/T[A-Z0-9]{8,10}/B[A-Z0-9]{8,10}/[A-Za-z0-9]{24}", 0,
     "hooks.slack.com", MOAT_SECRET_CHECK_NONE, 0, ROTATE, 0},
    {"secret-stripe-key", MOAT_SEV_CRITICAL, "Stripe live secret key",
     "\\b[sr]k_live_[0-9A-Za-z]{24,}\\b", 0, "sk_live_,rk_live_", MOAT_SECRET_CHECK_ENTROPY, 3.0,
     ROTATE, 0},
    {"secret-npm-token", MOAT_SEV_CRITICAL, "npm access token", "\\bnpm_[A-Za-z0-9]{36}\\b", 0,
     "npm_", MOAT_SECRET_CHECK_ENTROPY, 3.0, ROTATE, 0},
    {"secret-pypi-token", MOAT_SEV_CRITICAL, "PyPI upload token",
     "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", 0, "pypi-AgEIcHlwaS5vcmc", MOAT_SECRET_CHECK_NONE, 0,
     ROTATE, 0},
    {"secret-docker-config-auth", MOAT_SEV_HIGH, "Docker registry credentials (config.json auth)",
     "\"auth\"\\s{0,8}:\\s{0,8}\"[A-Za-z0-9+/]{12,}={0,2}\"", 0, "auths,auth",
     MOAT_SECRET_CHECK_VALUE_ENTROPY, 3.0, "Remove the registry credentials; log in at run time.",
     0},
    {"secret-jwt", MOAT_SEV_MEDIUM, "JSON Web Token",
     "\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}", 0, "eyJ",
     MOAT_SECRET_CHECK_ENTROPY, 3.0, ROTATE, 0},
    {"secret-generic-assignment", MOAT_SEV_HIGH, "Hard-coded password, secret or token",
     "(password|passwd|secret|token|api_?key|access_?key|auth_?token|client_?secret|secret_?key)"
     "[\"']?[ \\t]{0,4}[:=][ \\t]{0,4}[\"']?[A-Za-z0-9+/_.@!#%^&*~-]{12,}\\(?",
     HS_FLAG_CASELESS, "password,secret,token,api_key", MOAT_SECRET_CHECK_VALUE_ENTROPY, 3.5,
     ROTATE, 1},
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
