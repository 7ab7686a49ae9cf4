/*
 * misconfig_config.c - checks on the image config: the user the container
 * runs as (a name is resolved through the image's etc/passwd when the
 * sniffer kept it), port 22, HEALTHCHECK, secrets in Env (the value never
 * leaves this file: evidence is "NAME=****"), ADD of a URL and downloads
 * piped to a shell in the history, and the image's age.
 */
#include "misconfig_int.h"
#include "moat/base/time.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* uid of name in an etc/passwd text, or -1. */
static long passwd_uid(const char *pw, size_t len, const char *name, size_t nlen)
{
    const char *p = pw, *end = pw + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl != NULL ? nl : end;
        const char *f = p;
        int field = 0;

        if ((size_t)(le - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == ':') {
            for (; f < le && field < 2; f++)
                if (*f == ':')
                    field++;
            if (field == 2 && f < le && isdigit((unsigned char)*f)) {
                long uid = 0;

                for (; f < le && isdigit((unsigned char)*f) && uid < 100000000; f++)
                    uid = uid * 10 + (*f - '0');
                return uid;
            }
            return -1;
        }
        p = le + 1;
    }
    return -1;
}

static int check_user(struct mc_ctx *c)
{
    const char *user = c->meta->user != NULL ? c->meta->user : "";
    size_t n = strcspn(user, ":");
    struct mc_where w = {.path = "config:User", .layer = -1};
    char ev[160];
    bool digits = n > 0 && strspn(user, "0123456789") >= n;

    if (n == 0) {
        w.match = "USER not set";
        return mc_emit(c, MC_ROOT, &w,
                       "The image config sets no User, so the container runs as root (uid 0)");
    }
    snprintf(ev, sizeof(ev), "USER %.*s", (int)(strlen(user) < 120 ? strlen(user) : 120), user);
    w.match = ev;
    if (digits) {
        if (strtoul(user, NULL, 10) != 0 || n > 9)
            return 0;
        return mc_emit(c, MC_ROOT, &w, "The image config sets User to uid 0 (root)");
    }
    if (n == 4 && memcmp(user, "root", 4) == 0)
        return mc_emit(c, MC_ROOT, &w, "The image config sets User to root");
    if (c->fs != NULL && c->opts->sniffer != NULL) {
        const struct moat_fs_node *pw;
        const char *txt;
        size_t len;

        if (moat_fs_lookup(c->fs, "etc/passwd", true, &pw, NULL) == 0 &&
            (txt = moat_misconfig_sniffed_passwd(c->opts->sniffer, pw->layer, &len)) != NULL &&
            passwd_uid(txt, len, user, n) == 0)
            return mc_emit(c, MC_ROOT, &w,
                           "The image config sets User to '%.*s', which etc/passwd maps to uid 0 "
                           "(root)",
                           (int)(n < 64 ? n : 64), user);
    }
    return 0;
}

static int check_ports(struct mc_ctx *c)
{
    for (size_t i = 0; i < c->meta->n_exposed_ports; i++) {
        const char *p = c->meta->exposed_ports[i];
        struct mc_where w = {.path = "config:ExposedPorts", .layer = -1, .match = p};

        if (p == NULL || strncmp(p, "22", 2) != 0 || (p[2] != '\0' && strcmp(p + 2, "/tcp") != 0))
            continue;
        return mc_emit(c, MC_PORT22, &w, "The image config exposes port %s (ssh)", p);
    }
    return 0;
}

static int check_healthcheck(struct mc_ctx *c)
{
    struct mc_where w = {.path = "config:Healthcheck", .layer = -1};

    if (c->meta->healthcheck == NULL || c->meta->n_healthcheck == 0) {
        w.match = "Healthcheck not set";
        return mc_emit(c, MC_HEALTHCHECK, &w,
                       "The image config has no Healthcheck, so the engine cannot tell a hung "
                       "service from a healthy one");
    }
    if (c->meta->healthcheck[0] != NULL && strcmp(c->meta->healthcheck[0], "NONE") == 0) {
        w.match = "HEALTHCHECK NONE";
        return mc_emit(c, MC_HEALTHCHECK, &w,
                       "The image config disables the health check (HEALTHCHECK NONE)");
    }
    return 0;
}

/* Does NAME (up to '=') look like it holds a secret? */
static bool secret_name(const char *name, size_t n)
{
    static const char *const subs[] = {"PASSWORD", "PASSWD",    "PASSPHRASE", "SECRET",
                                       "APIKEY",   "API_KEY",   "ACCESS_KEY", "PRIVATE_KEY",
                                       "AUTH_KEY", "CREDENTIAL"};
    static const char *const suffix_skip[] = {"_FILE", "_PATH", "_DIR", "_URL", "_ENDPOINT"};
    char up[256];
    char *tok, *save = NULL;

    if (n == 0 || n >= sizeof(up))
        return false;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[n] = '\0';
    for (size_t i = 0; i < sizeof(suffix_skip) / sizeof(suffix_skip[0]); i++) {
        size_t l = strlen(suffix_skip[i]);

        if (n > l && strcmp(up + n - l, suffix_skip[i]) == 0)
            return false; /* a pointer to the secret, the recommended way */
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (strstr(up, subs[i]) != NULL)
            return true;
    /* TOKEN as a whole word only: not TOKENIZERS_PARALLELISM */
    for (tok = strtok_r(up, "_", &save); tok != NULL; tok = strtok_r(NULL, "_", &save))
        if (strcmp(tok, "TOKEN") == 0 || strcmp(tok, "PASS") == 0 || strcmp(tok, "PWD") == 0)
            return n != 3; /* PWD itself is the working directory */
    return false;
}

/* Values that say "fill me in" rather than being a secret. */
static bool placeholder(const char *v)
{
    static const char *const words[] = {
        "none",     "null",        "nil",      "false", "true", "yes", "no",       "on",
        "off",      "undefined",   "unset",    "empty", "0",    "1",   "changeme", "change_me",
        "changeit", "placeholder", "redacted", "todo",  "tbd",  "-"};
    size_t n = strlen(v);
    bool same = true;

    if (n == 0 || v[0] == '$' || v[0] == '/' || (v[0] == '<' && v[n - 1] == '>') ||
        (n >= 4 && strncmp(v, "{{", 2) == 0 && strcmp(v + n - 2, "}}") == 0))
        return true;
    for (size_t i = 1; i < n; i++)
        same = same && v[i] == v[0];
    if (same && (v[0] == '*' || v[0] == 'x' || v[0] == 'X' || v[0] == '.'))
        return true;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(v, words[i]) == 0)
            return true;
    return false;
}

static int check_env(struct mc_ctx *c)
{
    for (size_t i = 0; i < c->meta->n_env; i++) {
        const char *e = c->meta->env[i], *eq;
        struct mc_where w = {.path = "config:Env", .layer = -1, .line = (uint32_t)(i + 1)};
        char ev[160];
        size_t n;
        int rc;

        if (e == NULL || (eq = strchr(e, '=')) == NULL)
            continue;
        n = (size_t)(eq - e);
        if (!secret_name(e, n) || placeholder(eq + 1))
            continue;
        snprintf(ev, sizeof(ev), "%.*s=****", (int)(n < 120 ? n : 120), e);
        w.match = ev;
        rc = mc_emit(c, MC_ENV_SECRET, &w,
                     "The image config sets %.*s to a literal value; anyone who can pull the "
                     "image can read it",
                     (int)(n < 120 ? n : 120), e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The layer a history entry made: entries with empty_layer make none. -1 when unknown. */
static int32_t history_layer(const struct moat_image_meta *m, size_t idx)
{
    size_t made = 0, layer = 0;

    for (size_t i = 0; i < m->n_history; i++)
        made += m->history[i].empty_layer ? 0 : 1;
    if (made != m->n_layers || m->history[idx].empty_layer)
        return -1;
    for (size_t i = 0; i < idx; i++)
        layer += m->history[i].empty_layer ? 0 : 1;
    return (int32_t)layer;
}

static bool word_at(const char *s, const char *at, const char *w)
{
    size_t n = strlen(w);

    return strncmp(at, w, n) == 0 && (at == s || !isalnum((unsigned char)at[-1])) &&
           (at[n] == ' ' || at[n] == '\t');
}

/*
 * "ADD [--flags] http(s)://..." as builders record the instruction: BuildKit
 * "ADD https://x /d # buildkit" (at the start), the classic builder and
 * buildah "/bin/sh -c #(nop) ADD ...". Not "RUN echo ADD https://...".
 */
static const char *add_url(const char *s)
{
    const char *p = s, *nop = strstr(s, "#(nop)"), *q;

    p += strspn(p, " \t");
    if (strncmp(p, "ADD ", 4) != 0) {
        if (nop == NULL)
            return NULL;
        p = nop + 6;
        p += strspn(p, " \t");
        if (strncmp(p, "ADD ", 4) != 0)
            return NULL;
    }
    for (q = p + 4;;) {
        size_t len;

        q += strspn(q, " \t");
        len = strcspn(q, " \t");
        if (len == 0)
            return NULL;
        if (strncmp(q, "https://", 8) == 0 || strncmp(q, "http://", 7) == 0)
            return q;
        if (strncmp(q, "--", 2) != 0)
            return NULL; /* the first source is local ("file:<hash>", "app.tar") */
        q += len;
    }
}

static bool shell_word(const char *p, size_t n)
{
    static const char *const shells[] = {"sh", "bash", "dash", "ash", "zsh", "ksh"};
    const char *slash = memrchr(p, '/', n);

    if (slash != NULL) {
        n -= (size_t)(slash + 1 - p);
        p = slash + 1;
    }
    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
        if (strlen(shells[i]) == n && memcmp(p, shells[i], n) == 0)
            return true;
    return false;
}

/* After a pipe: is the command a shell (past sudo, env, their options and VAR=value)? */
static bool pipe_to_shell(const char *q)
{
    for (;;) {
        size_t len;

        q += strspn(q, " \t");
        len = strcspn(q, " \t;&|)\n");
        if (len == 0)
            return false;
        if (shell_word(q, len))
            return true;
        if (!((len == 4 && memcmp(q, "sudo", 4) == 0) || (len == 3 && memcmp(q, "env", 3) == 0) ||
              (len == 12 && memcmp(q, "/usr/bin/env", 12) == 0) || *q == '-' ||
              memchr(q, '=', len) != NULL))
            return false;
        q += len;
    }
}

/*
 * curl/wget ... | [sudo] [env] sh, or sh -c "$(curl ...)", or bash <(curl ...).
 * One pass: a download seen in the current command (up to ; & || or a newline)
 * makes the next pipe into a shell a hit. Linear in the length of s, whatever
 * it holds.
 */
static bool curl_pipe_sh(const char *s)
{
    bool dl = false;

    for (const char *p = s; *p != '\0'; p++) {
        if (word_at(s, p, "curl") || word_at(s, p, "wget")) {
            if (p >= s + 2 && (strncmp(p - 2, "$(", 2) == 0 || strncmp(p - 2, "<(", 2) == 0))
                return true;
            dl = true;
        } else if (*p == ';' || *p == '&' || *p == '\n') {
            dl = false;
        } else if (*p == '|') {
            if (p[1] == '|') {
                dl = false;
                p++;
            } else if (dl && pipe_to_shell(p + 1)) {
                return true;
            }
        }
    }
    return false;
}

static int check_history(struct mc_ctx *c)
{
    for (size_t i = 0; i < c->meta->n_history; i++) {
        const char *cb = c->meta->history[i].created_by, *url;
        struct mc_where w = {.path = "config:history", .line = (uint32_t)(i + 1)};
        char ev[200];
        int rc;

        if (cb == NULL)
            continue;
        w.layer = history_layer(c->meta, i);
        snprintf(ev, sizeof(ev), "%.180s%s", cb, strlen(cb) > 180 ? "..." : "");
        w.match = ev;
        if ((url = add_url(cb)) != NULL) {
            rc = mc_emit(c, MC_ADD_URL, &w,
                         "History step %zu adds %.*s with ADD: the download is not verified", i + 1,
                         (int)(strcspn(url, " \t") < 200 ? strcspn(url, " \t") : 200), url);
            if (rc < 0)
                return rc;
        }
        if (curl_pipe_sh(cb)) {
            rc = mc_emit(c, MC_CURL_SH, &w,
                         "History step %zu runs a downloaded script in a shell without "
                         "verifying it",
                         i + 1);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int check_age(struct mc_ctx *c)
{
    uint32_t max =
        c->opts->max_age_days ? c->opts->max_age_days : MOAT_MISCONFIG_DEFAULT_MAX_AGE_DAYS;
    int64_t now = c->opts->now ? c->opts->now : (int64_t)time(NULL), created, days;
    struct mc_where w = {.path = "config:Created", .layer = -1, .match = c->meta->created};

    if (c->meta->created == NULL || moat_time_parse(c->meta->created, &created) < 0)
        return 0;
    if (now - created <= (int64_t)max * 86400)
        return 0;
    days = (now - created) / 86400;
    return mc_emit(c, MC_AGE, &w, "The image was created %lld days ago (more than %u days)",
                   (long long)days, max);
}

int mc_check_config(struct mc_ctx *c)
{
    int rc;

    if ((rc = check_user(c)) < 0 || (rc = check_ports(c)) < 0 || (rc = check_healthcheck(c)) < 0 ||
        (rc = check_env(c)) < 0 || (rc = check_history(c)) < 0 || (rc = check_age(c)) < 0)
        return rc;
    return 0;
}
