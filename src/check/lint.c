/*
 * lint.c - the Dockerfile rules (see lint.h and docs/lint-rules.md).
 *
 * Instruction rules look at one instruction; stage rules (USER, CMD counts,
 * HEALTHCHECK) at the instructions of a stage. RUN commands are read with a
 * small shell word splitter: commands are cut at && || | ; & newlines and
 * parentheses, quotes are honoured, leading VAR=x assignments and wrappers
 * (sudo, env, exec, time, !) are looked through. This is a linter, not a
 * shell: it never expands or runs anything.
 */
#include "moat/check/lint.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "moat/base/buf.h"
#include "moat/base/strv.h"
#include "moat/source/docker_name.h"

enum {
    R_TAG,
    R_DIGEST,
    R_LATEST,
    R_ROOT,
    R_NOUSER,
    R_APT_RECOMMENDS,
    R_APT_YES,
    R_APT_LISTS,
    R_APT_PIN,
    R_APK_CACHE,
    R_APK_PIN,
    R_PIP_PIN,
    R_PIP_CACHE,
    R_ADD_LOCAL,
    R_ADD_URL,
    R_SUDO,
    R_WORKDIR,
    R_CD,
    R_PIPE_SHELL,
    R_SECRET,
    R_MAINTAINER,
    R_MULTI_CMD,
    R_MULTI_ENTRYPOINT,
    R_SSH_PORT,
    R_HEALTHCHECK,
    R_REGISTRY,
    R_COPY_FROM,
    R_ALIAS_REUSE,
    R_BAD_JSON,
    R_COPY_FROM_SELF,
    R_PORT_RANGE,
    R_WGET_CURL,
    R_MULTI_HEALTHCHECK,
    R_COPY_DEST,
    R_RPM_CLEAN,
    R_UPGRADE,
    R_UPDATE_ALONE,
    R_COUNT
};

static const struct moat_lint_rule rules[R_COUNT] = {
    [R_TAG] = {"MDL001", "DL3006", MOAT_SEV_MEDIUM, "Base image has no tag",
               "Without a tag FROM means :latest, so every build may get a different base image.",
               "Name a version: FROM debian:12.5 (and pin the digest, see MDL002)."},
    [R_DIGEST] =
        {"MDL002", NULL, MOAT_SEV_LOW, "Base image is not pinned by digest",
         "Tags move; only a digest names exactly the bytes that were reviewed and scanned.",
         "Add the digest: FROM debian:12.5@sha256:<digest>, updated by a bot."},
    [R_LATEST] = {"MDL003", "DL3007", MOAT_SEV_MEDIUM, "Base image uses the latest tag",
                  "latest changes under you and makes builds unreproducible and unauditable.",
                  "Use a specific version tag, ideally with a digest."},
    [R_ROOT] = {"MDL004", "DL3002", MOAT_SEV_HIGH, "Last USER is root",
                "A container that runs as root turns any code execution into root in the "
                "container and widens every escape.",
                "Switch to an unprivileged user at the end: USER 10001 (or a named user)."},
    [R_NOUSER] = {"MDL005", NULL, MOAT_SEV_LOW, "Final stage sets no USER",
                  "Without USER the image runs as root unless the runtime overrides it.",
                  "Create an unprivileged user and add USER to the final stage."},
    [R_APT_RECOMMENDS] = {"MDL006", "DL3015", MOAT_SEV_LOW,
                          "apt-get install without --no-install-recommends",
                          "Recommended packages add size and attack surface nobody asked for.",
                          "apt-get install -y --no-install-recommends PKG..."},
    [R_APT_YES] = {"MDL007", "DL3014", MOAT_SEV_MEDIUM, "apt-get install without -y",
                   "Without -y apt-get waits for an answer and the build fails or hangs.",
                   "apt-get install -y PKG..."},
    [R_APT_LISTS] = {"MDL008", "DL3009", MOAT_SEV_LOW, "apt lists not removed after install",
                     "The package lists stay in the layer: megabytes of stale metadata.",
                     "End the same RUN with && rm -rf /var/lib/apt/lists/*."},
    [R_APT_PIN] = {"MDL009", "DL3008", MOAT_SEV_LOW, "apt-get install without pinned versions",
                   "Unpinned packages make the build depend on the day it ran.",
                   "Pin versions: apt-get install -y curl=7.88.1-10+deb12u5."},
    [R_APK_CACHE] = {"MDL010", "DL3019", MOAT_SEV_LOW, "apk add without --no-cache",
                     "The apk index cache stays in the layer.", "apk add --no-cache PKG..."},
    [R_APK_PIN] = {"MDL011", "DL3018", MOAT_SEV_LOW, "apk add without pinned versions",
                   "Unpinned packages make the build depend on the day it ran.",
                   "Pin versions: apk add --no-cache curl=8.5.0-r0."},
    [R_PIP_PIN] = {"MDL012", "DL3013", MOAT_SEV_LOW, "pip install without pinned versions",
                   "Unpinned Python packages make builds unreproducible and open them to "
                   "hijacked releases.",
                   "Pin versions (pip install flask==3.0.3) or install from a hashed requirements "
                   "file."},
    [R_PIP_CACHE] = {"MDL013", "DL3042", MOAT_SEV_LOW, "pip install without --no-cache-dir",
                     "pip's cache stays in the layer.", "pip install --no-cache-dir PKG..."},
    [R_ADD_LOCAL] =
        {"MDL014", "DL3020", MOAT_SEV_LOW, "ADD used for local files",
         "ADD silently extracts archives and fetches URLs; COPY does only what it says.",
         "Use COPY for files and directories; keep ADD for local tar archives."},
    [R_ADD_URL] = {"MDL015", NULL, MOAT_SEV_MEDIUM, "ADD fetches a remote URL",
                   "The download is not verified and its content can change between builds.",
                   "Download with curl/wget and check a checksum in RUN, or use ADD --checksum."},
    [R_SUDO] = {"MDL016", "DL3004", MOAT_SEV_MEDIUM, "sudo used in RUN",
                "RUN already runs as the current USER; sudo adds a setuid binary and its "
                "configuration to the image.",
                "Drop sudo; switch USER around the commands that need root."},
    [R_WORKDIR] = {"MDL017", "DL3000", MOAT_SEV_MEDIUM, "WORKDIR is not absolute",
                   "A relative WORKDIR depends on the previous one and is easy to get wrong.",
                   "Use an absolute path: WORKDIR /app."},
    [R_CD] = {"MDL018", "DL3003", MOAT_SEV_LOW, "cd used in RUN instead of WORKDIR",
              "cd only lasts for one RUN; WORKDIR says where commands run for every later "
              "instruction.",
              "Use WORKDIR /path before the commands."},
    [R_PIPE_SHELL] = {"MDL019", NULL, MOAT_SEV_HIGH, "Remote script piped into a shell",
                      "curl|sh runs whatever the server returns at build time, unverified.",
                      "Download to a file, verify its checksum or signature, then run it."},
    [R_SECRET] = {"MDL020", NULL, MOAT_SEV_HIGH, "Secret in ARG or ENV",
                  "ENV values and build args are stored in the image config and history, "
                  "readable by anyone who can pull the image.",
                  "Use build secrets (RUN --mount=type=secret) or inject the value at run "
                  "time."},
    [R_MAINTAINER] = {"MDL021", "DL4000", MOAT_SEV_LOW, "MAINTAINER is deprecated",
                      "MAINTAINER was deprecated in Docker 1.13.",
                      "Use LABEL org.opencontainers.image.authors=\"...\"."},
    [R_MULTI_CMD] = {"MDL022", "DL4003", MOAT_SEV_MEDIUM, "Multiple CMD instructions",
                     "Only the last CMD of a stage takes effect; the others mislead.",
                     "Keep one CMD per stage."},
    [R_MULTI_ENTRYPOINT] = {"MDL023", "DL4004", MOAT_SEV_MEDIUM, "Multiple ENTRYPOINT instructions",
                            "Only the last ENTRYPOINT of a stage takes effect; the others mislead.",
                            "Keep one ENTRYPOINT per stage."},
    [R_SSH_PORT] = {"MDL024", NULL, MOAT_SEV_MEDIUM, "Port 22 exposed",
                    "Running sshd in a container adds keys and a remote login to maintain; use "
                    "docker exec.",
                    "Remove EXPOSE 22 and the SSH server."},
    [R_HEALTHCHECK] = {"MDL025", NULL, MOAT_SEV_LOW, "No HEALTHCHECK in the final stage",
                       "Without a health check the engine cannot tell a hung service from a "
                       "working one (informational).",
                       "Add HEALTHCHECK CMD ... (or HEALTHCHECK NONE to say it is deliberate)."},
    [R_REGISTRY] = {"MDL026", NULL, MOAT_SEV_HIGH, "Base image from an untrusted registry",
                    "The base image does not come from a registry on the allow-list.",
                    "Pull base images from an allowed registry (--trusted-registry)."},
    [R_COPY_FROM] = {"MDL027", "DL3022", MOAT_SEV_MEDIUM, "COPY --from names no previous stage",
                     "A --from that is not an earlier stage alias is pulled as an image, "
                     "usually a typo.",
                     "Name an earlier FROM ... AS alias, or a full image reference."},
    [R_ALIAS_REUSE] = {"MDL028", "DL3024", MOAT_SEV_MEDIUM, "FROM alias used twice",
                       "Two stages with one name make COPY --from ambiguous.",
                       "Give every stage a unique name."},
    [R_BAD_JSON] = {"MDL029", NULL, MOAT_SEV_MEDIUM, "Malformed JSON exec form",
                    "A '[' that is not valid JSON is run as a shell command, brackets and all.",
                    "Fix the JSON: double quotes, no trailing comma: CMD [\"app\", \"--serve\"]."},
    [R_COPY_FROM_SELF] = {"MDL030", "DL3023", MOAT_SEV_HIGH, "COPY --from refers to its own stage",
                          "A stage cannot copy from itself; the build fails.",
                          "Name an earlier stage."},
    [R_PORT_RANGE] = {"MDL031", "DL3011", MOAT_SEV_HIGH, "EXPOSE port out of range",
                      "Valid ports are 0 to 65535.", "Fix the port number."},
    [R_WGET_CURL] = {"MDL032", "DL4001", MOAT_SEV_LOW, "Both wget and curl used",
                     "Two download tools where one does: more packages and more attack surface.",
                     "Pick one of curl or wget for the whole Dockerfile."},
    [R_MULTI_HEALTHCHECK] =
        {"MDL033", "DL3012", MOAT_SEV_MEDIUM, "Multiple HEALTHCHECK instructions",
         "Only the last HEALTHCHECK of a stage takes effect; the others mislead.",
         "Keep one HEALTHCHECK per stage."},
    [R_COPY_DEST] = {"MDL034", "DL3021", MOAT_SEV_HIGH,
                     "COPY/ADD with several sources to a destination without a trailing /",
                     "With more than one source the destination must be a directory ending "
                     "in /; the build fails otherwise.",
                     "End the destination with a slash: COPY a b /dest/."},
    [R_RPM_CLEAN] = {"MDL035", "DL3032", MOAT_SEV_LOW, "yum/dnf/zypper install without clean",
                     "The package manager's cache stays in the layer (hadolint DL3032 yum, "
                     "DL3040 dnf, DL3036 zypper).",
                     "End the same RUN with yum clean all / dnf clean all / zypper clean."},
    [R_UPGRADE] = {"MDL036", "DL3005", MOAT_SEV_LOW, "apt-get upgrade or dist-upgrade in RUN",
                   "Upgrading everything in a build makes the result depend on the day; "
                   "rebuild on a newer base image instead.",
                   "Remove the upgrade and update the base image tag or digest."},
    [R_UPDATE_ALONE] = {"MDL037", NULL, MOAT_SEV_LOW, "apt-get update alone in a RUN",
                        "A cached 'RUN apt-get update' layer makes later installs use stale "
                        "package lists.",
                        "Update and install in the same RUN: apt-get update && apt-get install "
                        "-y ..."},
};

const struct moat_lint_rule *moat_lint_rules(size_t *n)
{
    *n = R_COUNT;
    return rules;
}

const struct moat_lint_rule *moat_lint_rule_find(const char *id)
{
    for (size_t i = 0; i < R_COUNT; i++)
        if (strcasecmp(id, rules[i].id) == 0 ||
            (rules[i].hadolint != NULL && strcasecmp(id, rules[i].hadolint) == 0))
            return &rules[i];
    return NULL;
}

struct ctx {
    const struct moat_dockerfile *df;
    const char *path;
    const struct moat_lint_opts *opts;
    struct moat_findings *out;
    struct moat_err *err;
    const char *downloader; /* first of curl/wget seen */
    bool downloader_reported;
};

static bool id_matches(const struct moat_lint_rule *r, const char *id)
{
    return strcasecmp(id, r->id) == 0 || (r->hadolint != NULL && strcasecmp(id, r->hadolint) == 0);
}

static bool suppressed(const struct ctx *c, const struct moat_lint_rule *r,
                       const struct moat_df_instr *in)
{
    for (size_t i = 0; i < c->opts->n_ignore; i++)
        if (id_matches(r, c->opts->ignore[i]))
            return true;
    if (in != NULL)
        for (size_t i = 0; i < in->n_ignores; i++)
            if (id_matches(r, in->ignores[i]))
                return true;
    return false;
}

/* Report rule `rule` at instruction in (its line) with evidence text. 0 or -MOAT_E_NOMEM. */
static int report(struct ctx *c, int rule, const struct moat_df_instr *in, const char *evidence)
{
    const struct moat_lint_rule *r = &rules[rule];
    struct moat_finding f = {0};
    char url[96];
    int rc;

    if (suppressed(c, r, in))
        return 0;
    /* one finding per rule and instruction: look back over this line's findings */
    for (size_t i = c->out->n; i-- > 0;) {
        const struct moat_finding *p = &c->out->v[i];

        if (p->line != (in != NULL ? in->line : 0) || p->path == NULL ||
            strcmp(p->path, c->path) != 0)
            break;
        if (strcmp(p->rule_id, r->id) == 0)
            return 0;
    }
    f.kind = MOAT_FINDING_MISCONFIG;
    f.severity = r->severity;
    f.cvss_score = -1;
    f.layer = -1;
    f.line = in != NULL ? in->line : 0;
    f.rule_id = strdup(r->id);
    f.title = strdup(r->title);
    f.description = strdup(r->rationale);
    f.remediation = strdup(r->remediation);
    f.path = strdup(c->path);
    f.data_source = strdup("moat-lint");
    f.match = evidence != NULL ? strndup(evidence, 200) : NULL;
    if (r->hadolint != NULL) {
        snprintf(url, sizeof(url), "https://github.com/hadolint/hadolint/wiki/%s", r->hadolint);
        f.primary_url = strdup(url);
        f.aliases = calloc(1, sizeof(char *));
        if (f.aliases != NULL && (f.aliases[0] = strdup(r->hadolint)) != NULL)
            f.n_aliases = 1;
    }
    if (f.rule_id == NULL || f.title == NULL || f.description == NULL || f.remediation == NULL ||
        f.path == NULL || f.data_source == NULL || (evidence != NULL && f.match == NULL) ||
        (r->hadolint != NULL && (f.primary_url == NULL || f.n_aliases == 0))) {
        moat_finding_free(&f);
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    }
    if ((rc = moat_findings_add(c->out, &f, c->err)) < 0)
        moat_finding_free(&f); /* not moved on failure */
    return rc;
}

static bool is_cmd(const struct moat_df_instr *in, const char *name)
{
    return strcmp(in->cmd, name) == 0;
}

/* ---- shell commands ---- */

struct command {
    struct moat_strv w;
    char sep_before; /* '|' when piped from the previous command, else 0 */
};

struct script {
    struct command *v;
    size_t n, cap;
};

static void script_free(struct script *s)
{
    for (size_t i = 0; i < s->n; i++)
        moat_strv_free(&s->v[i].w);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int script_next(struct script *s, char sep)
{
    if (s->n > 0 && s->v[s->n - 1].w.n == 0) { /* reuse an empty command */
        if (sep == '|')
            s->v[s->n - 1].sep_before = sep;
        return 0;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct command *a = realloc(s->v, cap * sizeof(*a));

        if (a == NULL)
            return -1;
        s->v = a;
        s->cap = cap;
    }
    memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
    s->v[s->n].sep_before = sep == '|' ? '|' : 0;
    s->n++;
    return 0;
}

/* Split shell text into commands of unquoted words. 0 or -1 on no memory. */
static int shell_split(const char *t, size_t len, struct script *s)
{
    struct moat_buf word = MOAT_BUF_INIT;
    char quote = 0;
    bool in_word = false;
    int rc = -1;

    if (script_next(s, 0) < 0)
        goto out;
    for (size_t i = 0; i <= len; i++) {
        char c = i < len ? t[i] : '\n';
        char sep = 0;

        if (quote == 0 && c == '\\' && i + 1 < len) {
            if (t[i + 1] != '\n' && moat_buf_append(&word, &t[i + 1], 1) < 0)
                goto out;
            in_word = true;
            i++;
            continue;
        }
        if (quote != 0) {
            if (c == quote)
                quote = 0;
            else if (moat_buf_append(&word, &c, 1) < 0)
                goto out;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
            continue;
        }
        if (c == '#' && !in_word) { /* comment to end of line */
            while (i + 1 < len && t[i + 1] != '\n')
                i++;
            continue;
        }
        if (c == '|' || c == '&' || c == ';' || c == '\n' || c == '(' || c == ')' || c == '`' ||
            c == '{' || c == '}')
            sep = c;
        if (sep == 0 && c != ' ' && c != '\t' && c != '\r') {
            if (moat_buf_append(&word, &c, 1) < 0)
                goto out;
            in_word = true;
            continue;
        }
        if (sep == '{' || sep == '}') { /* ${VAR} stays in the word */
            if (i > 0 && (t[i - 1] == '$' || in_word)) {
                if (moat_buf_append(&word, &c, 1) < 0)
                    goto out;
                in_word = true;
                continue;
            }
        }
        if (in_word) {
            if (moat_strv_pushn(&s->v[s->n - 1].w, word.data != NULL ? word.data : "", word.len) <
                0)
                goto out;
            word.len = 0;
            in_word = false;
        }
        if (sep != 0) {
            if (sep == '|' && i + 1 < len && t[i + 1] == '|') {
                i++;
                sep = ';';
            } else if (sep == '&' && i + 1 < len && t[i + 1] == '&')
                i++;
            if (script_next(s, sep) < 0)
                goto out;
        }
    }
    rc = 0;
out:
    moat_buf_free(&word);
    return rc;
}

static const char *base_name(const char *w)
{
    const char *slash = strrchr(w, '/');

    return slash != NULL ? slash + 1 : w;
}

/* Index of the real command word: skips VAR=x, sudo/env/exec/time/!, shell keywords. */
static size_t cmd_start(const struct moat_strv *w, bool *sudo)
{
    static const char *const skip[] = {"env",   "exec",  "time",    "!",    "if",
                                       "then",  "else",  "elif",    "do",   "while",
                                       "until", "nohup", "command", "xargs"};
    size_t i = 0;

    for (; i < w->n; i++) {
        const char *b = base_name(w->v[i]);
        bool skipped = false;

        if (strchr(w->v[i], '=') != NULL && w->v[i][0] != '-' && w->v[i][0] != '=') {
            continue;
        }
        if (strcmp(b, "sudo") == 0) {
            if (sudo != NULL)
                *sudo = true;
            while (i + 1 < w->n && w->v[i + 1][0] == '-') /* sudo -u x */
                i += (strcmp(w->v[i + 1], "-u") == 0 || strcmp(w->v[i + 1], "-g") == 0) ? 2 : 1;
            continue;
        }
        for (size_t k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
            if (strcmp(b, skip[k]) == 0)
                skipped = true;
        if (!skipped)
            break;
    }
    return i;
}

static bool has_word(const struct moat_strv *w, size_t from, const char *word)
{
    for (size_t i = from; i < w->n; i++)
        if (strcmp(w->v[i], word) == 0)
            return true;
    return false;
}

/* Any short option cluster (-qy) or long option in w[from..] containing short letter / long name.
 */
static bool has_opt(const struct moat_strv *w, size_t from, char shortopt, const char *longopt)
{
    for (size_t i = from; i < w->n; i++) {
        const char *a = w->v[i];

        if (a[0] == '-' && a[1] != '-' && shortopt != 0 && strchr(a + 1, shortopt) != NULL)
            return true;
        if (longopt != NULL && a[0] == '-' && a[1] == '-' &&
            strncmp(a + 2, longopt, strlen(longopt)) == 0 &&
            (a[2 + strlen(longopt)] == '\0' || a[2 + strlen(longopt)] == '='))
            return true;
    }
    return false;
}

struct run_state {
    bool apt_used, lists_removed, apt_update, apt_install, rpm_install, rpm_clean;
    const struct moat_df_instr *in;
};

static bool is_shell(const char *b)
{
    static const char *const shells[] = {"sh",     "bash",    "zsh",  "dash", "ash", "ksh",
                                         "python", "python3", "perl", "ruby", "node"};

    for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
        if (strcmp(b, shells[i]) == 0)
            return true;
    return false;
}

/* Package words after the subcommand at index sub; options with a value named in `valued` skipped.
 */
static const char *first_unpinned(const struct moat_strv *w, size_t sub, const char *valued,
                                  bool (*pinned)(const char *))
{
    for (size_t i = sub + 1; i < w->n; i++) {
        const char *a = w->v[i];

        if (a[0] == '-') {
            if (a[1] != '-' && a[1] != '\0' && a[2] == '\0' && strchr(valued, a[1]) != NULL)
                i++;
            else if (strcmp(a, "--virtual") == 0 || strcmp(a, "--repository") == 0 ||
                     strcmp(a, "--target-release") == 0 || strcmp(a, "--option") == 0 ||
                     strcmp(a, "--index-url") == 0 || strcmp(a, "--extra-index-url") == 0 ||
                     strcmp(a, "--target") == 0 || strcmp(a, "--root") == 0 ||
                     strcmp(a, "--prefix") == 0 || strcmp(a, "--platform") == 0)
                i++;
            continue;
        }
        if (strchr(a, '$') != NULL || a[0] == '\0' || a[0] == '>' || a[0] == '<')
            continue;
        if (!pinned(a))
            return a;
    }
    return NULL;
}

static bool apt_pinned(const char *p)
{
    size_t n = strlen(p);

    return strchr(p, '=') != NULL || (n > 4 && strcmp(p + n - 4, ".deb") == 0) || p[0] == '.' ||
           p[0] == '/';
}

static bool apk_pinned(const char *p)
{
    return strchr(p, '=') != NULL || strchr(p, '<') != NULL || strchr(p, '>') != NULL ||
           p[0] == '.' || p[0] == '/';
}

static bool pip_pinned(const char *p)
{
    size_t n = strlen(p);

    return strchr(p, '=') != NULL || strchr(p, '<') != NULL || strchr(p, '>') != NULL ||
           strchr(p, '@') != NULL || strstr(p, "://") != NULL || p[0] == '.' || p[0] == '/' ||
           (n > 4 && strcmp(p + n - 4, ".whl") == 0) ||
           (n > 7 && strcmp(p + n - 7, ".tar.gz") == 0) ||
           (n > 4 && strcmp(p + n - 4, ".zip") == 0);
}

/* Checks on one simple command of a RUN. */
static int check_command(struct ctx *c, struct run_state *st, const struct script *s, size_t k)
{
    const struct moat_strv *w = &s->v[k].w;
    bool sudo = false;
    size_t i = cmd_start(w, &sudo);
    const char *b, *bad;
    char ev[256];
    int rc = 0;

    if (sudo && (rc = report(c, R_SUDO, st->in, "sudo")) < 0)
        return rc;
    if (i >= w->n)
        return 0;
    b = base_name(w->v[i]);
    if (strcmp(b, "cd") == 0)
        return report(c, R_CD, st->in, w->n > i + 1 ? w->v[i + 1] : "cd");
    if (strcmp(b, "rm") == 0) {
        for (size_t j = i + 1; j < w->n; j++) {
            if (strncmp(w->v[j], "/var/lib/apt/lists", 18) == 0)
                st->lists_removed = true;
            if (strncmp(w->v[j], "/var/cache/yum", 14) == 0 ||
                strncmp(w->v[j], "/var/cache/dnf", 14) == 0 ||
                strncmp(w->v[j], "/var/cache/zypp", 15) == 0)
                st->rpm_clean = true;
        }
        return 0;
    }
    if (strcmp(b, "curl") == 0 || strcmp(b, "wget") == 0) {
        if (c->downloader == NULL)
            c->downloader = strcmp(b, "curl") == 0 ? "curl" : "wget";
        else if (strcmp(c->downloader, b) != 0 && !c->downloader_reported) {
            c->downloader_reported = true;
            return report(c, R_WGET_CURL, st->in, "wget and curl");
        }
    }
    if (strcmp(b, "yum") == 0 || strcmp(b, "dnf") == 0 || strcmp(b, "microdnf") == 0 ||
        strcmp(b, "zypper") == 0) {
        size_t sub = i + 1;

        while (sub < w->n && w->v[sub][0] == '-')
            sub++;
        if (sub < w->n && (strcmp(w->v[sub], "install") == 0 || strcmp(w->v[sub], "in") == 0))
            st->rpm_install = true;
        if (sub < w->n && (strcmp(w->v[sub], "clean") == 0 || strcmp(w->v[sub], "cc") == 0))
            st->rpm_clean = true;
        return 0;
    }
    if (is_shell(b) && s->v[k].sep_before == '|' && k > 0) {
        const struct moat_strv *pw = &s->v[k - 1].w;
        size_t pi = cmd_start(pw, NULL);

        if (pi < pw->n && (strcmp(base_name(pw->v[pi]), "curl") == 0 ||
                           strcmp(base_name(pw->v[pi]), "wget") == 0)) {
            snprintf(ev, sizeof(ev), "%s ... | %s", base_name(pw->v[pi]), b);
            return report(c, R_PIPE_SHELL, st->in, ev);
        }
        return 0;
    }
    if (strcmp(b, "apt-get") == 0 || strcmp(b, "apt") == 0) {
        size_t sub = i + 1;

        st->apt_used = true;
        while (sub < w->n && w->v[sub][0] == '-')
            sub += (strcmp(w->v[sub], "-o") == 0 || strcmp(w->v[sub], "-t") == 0) ? 2 : 1;
        if (sub < w->n && strcmp(w->v[sub], "dist-clean") == 0)
            st->lists_removed = true;
        if (sub < w->n && strcmp(w->v[sub], "update") == 0)
            st->apt_update = true;
        if (sub < w->n &&
            (strcmp(w->v[sub], "upgrade") == 0 || strcmp(w->v[sub], "dist-upgrade") == 0 ||
             strcmp(w->v[sub], "full-upgrade") == 0)) {
            snprintf(ev, sizeof(ev), "apt-get %s", w->v[sub]);
            return report(c, R_UPGRADE, st->in, ev);
        }
        if (sub >= w->n || strcmp(w->v[sub], "install") != 0)
            return 0;
        st->apt_install = true;
        if (has_opt(w, i + 1, 's', "simulate") || has_opt(w, i + 1, 0, "dry-run") ||
            has_opt(w, i + 1, 0, "just-print"))
            return 0;
        if (!has_opt(w, i + 1, 0, "no-install-recommends") &&
            !has_word(w, i + 1, "APT::Install-Recommends=false") &&
            !has_word(w, i + 1, "APT::Install-Recommends=0") &&
            (rc = report(c, R_APT_RECOMMENDS, st->in, "apt-get install")) < 0)
            return rc;
        if (!has_opt(w, i + 1, 'y', "yes") && !has_opt(w, i + 1, 0, "assume-yes") &&
            !has_opt(w, i + 1, 0, "force-yes") &&
            (rc = report(c, R_APT_YES, st->in, "apt-get install")) < 0)
            return rc;
        if ((bad = first_unpinned(w, sub, "ot", apt_pinned)) != NULL) {
            snprintf(ev, sizeof(ev), "apt-get install %s", bad);
            return report(c, R_APT_PIN, st->in, ev);
        }
        return 0;
    }
    if (strcmp(b, "apk") == 0) {
        size_t sub = i + 1;

        while (sub < w->n && w->v[sub][0] == '-')
            sub++;
        if (sub >= w->n || strcmp(w->v[sub], "add") != 0)
            return 0;
        if (!has_opt(w, i + 1, 0, "no-cache") &&
            (rc = report(c, R_APK_CACHE, st->in, "apk add")) < 0)
            return rc;
        if ((bad = first_unpinned(w, sub, "tXp", apk_pinned)) != NULL) {
            snprintf(ev, sizeof(ev), "apk add %s", bad);
            return report(c, R_APK_PIN, st->in, ev);
        }
        return 0;
    }
    if (strncmp(b, "pip", 3) == 0 ||
        (strncmp(b, "python", 6) == 0 && i + 2 < w->n && strcmp(w->v[i + 1], "-m") == 0 &&
         strcmp(w->v[i + 2], "pip") == 0)) {
        size_t sub = strncmp(b, "pip", 3) == 0 ? i + 1 : i + 3;

        if (strncmp(b, "pip", 3) == 0 && b[3] != '\0' && !isdigit((unsigned char)b[3]))
            return 0; /* pipx, pipenv */
        while (sub < w->n && w->v[sub][0] == '-')
            sub++;
        if (sub >= w->n || strcmp(w->v[sub], "install") != 0)
            return 0;
        if (!has_opt(w, sub + 1, 0, "no-cache-dir") &&
            (rc = report(c, R_PIP_CACHE, st->in, "pip install")) < 0)
            return rc;
        if (has_opt(w, sub + 1, 'r', "requirement") || has_opt(w, sub + 1, 'c', "constraint") ||
            has_opt(w, sub + 1, 'e', "editable") || has_opt(w, sub + 1, 0, "upgrade"))
            return 0;
        if ((bad = first_unpinned(w, sub, "itf", pip_pinned)) != NULL) {
            snprintf(ev, sizeof(ev), "pip install %s", bad);
            return report(c, R_PIP_PIN, st->in, ev);
        }
    }
    return 0;
}

static int check_run(struct ctx *c, const struct moat_df_instr *in)
{
    struct script s = {0};
    struct run_state st = {.in = in};
    int rc = 0;

    if (in->json) {
        if (in->argc >= 3 && is_shell(base_name(in->argv[0])) && strcmp(in->argv[1], "-c") == 0)
            rc = shell_split(in->argv[2], strlen(in->argv[2]), &s);
        else {
            rc = script_next(&s, 0);
            for (size_t i = 0; i < in->argc && rc == 0; i++)
                rc = moat_strv_push(&s.v[0].w, in->argv[i]);
        }
    } else {
        rc = shell_split(in->args, strlen(in->args), &s);
        if (rc == 0 && in->heredoc != NULL)
            rc = shell_split(in->heredoc, strlen(in->heredoc), &s);
    }
    if (rc < 0) {
        rc = moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < s.n; k++)
        if ((rc = check_command(c, &st, &s, k)) < 0)
            goto out;
    if (st.apt_used && !st.lists_removed) {
        bool cache_mount = false;

        for (size_t i = 0; i < in->n_flags; i++)
            if (strcmp(in->flags[i].name, "mount") == 0 && in->flags[i].value != NULL &&
                strstr(in->flags[i].value, "/var/lib/apt") != NULL)
                cache_mount = true;
        if (!cache_mount &&
            (rc = report(c, R_APT_LISTS, in, "apt-get without rm -rf /var/lib/apt/lists/*")) < 0)
            goto out;
    }
    if (st.apt_update && !st.apt_install &&
        (rc = report(c, R_UPDATE_ALONE, in, "apt-get update")) < 0)
        goto out;
    if (st.rpm_install && !st.rpm_clean)
        rc = report(c, R_RPM_CLEAN, in, "install without clean");
out:
    script_free(&s);
    return rc;
}

/* ---- image references ---- */

struct imgref {
    char name[600]; /* normalised "domain/path", "" when the reference is not a valid name */
    bool has_tag, has_digest, latest;
};

/* Names follow source/docker_name (the engine's grammar); an invalid one is never trusted. */
static void parse_ref(const char *ref, struct imgref *r)
{
    struct moat_docker_name n;
    const char *last = strrchr(ref, '/');

    memset(r, 0, sizeof(*r));
    if (moat_docker_name_parse(ref, &n, NULL) == 0) {
        snprintf(r->name, sizeof(r->name), "%s/%s", n.domain, n.path);
        r->has_tag = n.tag[0] != '\0';
        r->has_digest = n.digest[0] != '\0';
        r->latest = strcmp(n.tag, "latest") == 0;
        return;
    }
    /* not a valid name: only what the text shows, for the pinning rules */
    r->has_digest = strchr(ref, '@') != NULL;
    last = strchr(last != NULL ? last : ref, ':');
    r->has_tag = last != NULL;
    r->latest =
        last != NULL && strncmp(last + 1, "latest", 6) == 0 && (last[7] == '\0' || last[7] == '@');
}

static bool trusted(const struct ctx *c, const struct imgref *r)
{
    for (size_t i = 0; r->name[0] != '\0' && i < c->opts->n_trusted; i++)
        if (moat_docker_name_under(c->opts->trusted[i], r->name))
            return true;
    return false;
}

/* Stage index whose name is `name` among stages [0, before), or -1. */
static int stage_named(const struct moat_dockerfile *df, const char *name, size_t before)
{
    for (size_t i = 0; i < before && i < df->n_stages; i++)
        if (df->stages[i].name != NULL && strcasecmp(df->stages[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int check_from(struct ctx *c, size_t si)
{
    const struct moat_df_stage *st = &c->df->stages[si];
    const struct moat_df_instr *in = &c->df->v[st->instr];
    struct imgref r;
    char ev[300];
    int rc;

    if (strstr(in->args, "{{") != NULL) /* a template, not a Dockerfile */
        return 0;
    for (size_t j = 0; j < si; j++)
        if (st->name != NULL && c->df->stages[j].name != NULL &&
            strcmp(st->name, c->df->stages[j].name) == 0) {
            snprintf(ev, sizeof(ev), "AS %s", st->name);
            if ((rc = report(c, R_ALIAS_REUSE, in, ev)) < 0)
                return rc;
            break;
        }
    if (st->unresolved || st->image[0] == '\0' || strcasecmp(st->image, "scratch") == 0 ||
        strstr(st->image, "{{") != NULL || strchr(st->image, '$') != NULL ||
        stage_named(c->df, st->image, si) >= 0)
        return 0;
    parse_ref(st->image, &r);
    snprintf(ev, sizeof(ev), "FROM %s", st->image);
    if (!r.has_tag && !r.has_digest && (rc = report(c, R_TAG, in, ev)) < 0)
        return rc;
    if (r.latest && !r.has_digest && (rc = report(c, R_LATEST, in, ev)) < 0)
        return rc;
    if (!r.has_digest && (rc = report(c, R_DIGEST, in, ev)) < 0)
        return rc;
    if (c->opts->n_trusted > 0 && !trusted(c, &r))
        return report(c, R_REGISTRY, in, ev);
    return 0;
}

static bool is_secret_name(const char *name, size_t n)
{
    static const char *const pats[] = {"PASSWORD", "PASSWD",     "SECRET",      "TOKEN",
                                       "API_KEY",  "APIKEY",     "PRIVATE_KEY", "ACCESS_KEY",
                                       "AUTH_KEY", "CREDENTIAL", "CLIENT_KEY"};
    static const char *const benign[] = {"_FILE", "_PATH", "_DIR", "_URL", "_ENDPOINT", "_NAME"};
    char up[128];

    if (n == 0 || n >= sizeof(up))
        return false;
    for (size_t i = 0; i < n; i++)
        up[i] = (char)toupper((unsigned char)name[i]);
    up[n] = '\0';
    for (size_t i = 0; i < sizeof(benign) / sizeof(benign[0]); i++) {
        size_t bl = strlen(benign[i]);

        if (n > bl && strcmp(up + n - bl, benign[i]) == 0)
            return false;
    }
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
        if (strstr(up, pats[i]) != NULL)
            return true;
    return false;
}

static int check_secrets(struct ctx *c, const struct moat_df_instr *in)
{
    bool is_env = strcmp(in->cmd, "ENV") == 0;
    char ev[200];

    if (is_env && in->argc >= 2 && strchr(in->argv[0], '=') == NULL) {
        if (is_secret_name(in->argv[0], strlen(in->argv[0]))) {
            snprintf(ev, sizeof(ev), "ENV %.100s <redacted>", in->argv[0]);
            return report(c, R_SECRET, in, ev);
        }
        return 0;
    }
    for (size_t i = 0; i < in->argc; i++) {
        const char *w = in->argv[i], *eq = strchr(w, '=');
        size_t n = eq != NULL ? (size_t)(eq - w) : strlen(w);
        bool has_value =
            eq != NULL && eq[1] != '\0' && strcmp(eq + 1, "\"\"") != 0 && strcmp(eq + 1, "''") != 0;

        if (!is_secret_name(w, n))
            continue;
        /* ENV needs a value; a value that only refers to a variable is not itself a secret */
        if (is_env && (!has_value || eq[1] == '$'))
            continue;
        snprintf(ev, sizeof(ev), "%s %.*s%s", in->cmd, (int)(n > 100 ? 100 : n), w,
                 has_value ? "=<redacted>" : " (build argument)");
        return report(c, R_SECRET, in, ev);
    }
    return 0;
}

static bool is_archive(const char *p)
{
    static const char *const ext[] = {".tar",   ".tar.gz", ".tgz", ".tar.bz2", ".tbz2",
                                      ".tbz",   ".tar.xz", ".txz", ".tar.zst", ".tzst",
                                      ".tar.Z", ".gz",     ".bz2", ".xz"};
    size_t n = strlen(p);

    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        size_t el = strlen(ext[i]);

        if (n > el && strcasecmp(p + n - el, ext[i]) == 0)
            return true;
    }
    return false;
}

static bool is_url(const char *p)
{
    return strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0 ||
           strncasecmp(p, "git@", 4) == 0 || strncasecmp(p, "git://", 6) == 0;
}

/* The source words of COPY/ADD (quotes removed for the exec form only). */
static void sources(const struct moat_df_instr *in, char *const **v, size_t *n)
{
    *v = in->argv;
    *n = in->argc > 0 ? in->argc - 1 : 0;
}

static int check_add(struct ctx *c, const struct moat_df_instr *in)
{
    char *const *src;
    size_t n;
    char ev[300];

    if (in->heredoc != NULL)
        return 0;
    sources(in, &src, &n);
    for (size_t i = 0; i < n; i++) {
        char w[1024];
        size_t l = strlen(src[i]);

        /* strip surrounding quotes of the shell form */
        if (l >= 2 && (src[i][0] == '"' || src[i][0] == '\'') && src[i][l - 1] == src[i][0])
            snprintf(w, sizeof(w), "%.*s", (int)(l - 2), src[i] + 1);
        else
            snprintf(w, sizeof(w), "%s", src[i]);
        snprintf(ev, sizeof(ev), "ADD %.200s", w);
        if (is_url(w)) {
            if (moat_df_flag(in, "checksum", NULL) == NULL)
                return report(c, R_ADD_URL, in, ev);
            return 0;
        }
        if (!is_archive(w) && strchr(w, '$') == NULL)
            return report(c, R_ADD_LOCAL, in, ev);
    }
    return 0;
}

/* More than one source needs a directory destination ending in '/'. */
static int check_copy_dest(struct ctx *c, const struct moat_df_instr *in)
{
    const char *dest;
    size_t l;

    if (in->heredoc != NULL || in->argc < 3)
        return 0;
    dest = in->argv[in->argc - 1];
    l = strlen(dest);
    if (!in->json && l >= 2 && (dest[0] == '"' || dest[0] == '\'') && dest[l - 1] == dest[0])
        l--; /* look inside quotes */
    if (l == 0 || dest[l - 1] == '/' || dest[l - 1] == '\\' || strchr(dest, '$') != NULL)
        return 0;
    return report(c, R_COPY_DEST, in, dest);
}

static int check_copy_from(struct ctx *c, const struct moat_df_instr *in)
{
    const char *from = moat_df_flag(in, "from", NULL);
    const struct moat_df_stage *cur;
    char ev[300], *end;

    if (from == NULL || in->stage < 0 || from[0] == '\0' || strchr(from, '$') != NULL)
        return 0;
    cur = &c->df->stages[in->stage];
    snprintf(ev, sizeof(ev), "--from=%.200s", from);
    if (cur->name != NULL && strcasecmp(cur->name, from) == 0)
        return report(c, R_COPY_FROM_SELF, in, ev);
    if (stage_named(c->df, from, (size_t)in->stage) >= 0)
        return 0;
    strtol(from, &end, 10);
    if (*end == '\0' && isdigit((unsigned char)from[0]))
        return strtol(from, NULL, 10) >= in->stage ? report(c, R_COPY_FROM_SELF, in, ev) : 0;
    if (strchr(from, '/') != NULL || strchr(from, ':') != NULL || strchr(from, '@') != NULL ||
        strchr(from, '.') != NULL)
        return 0; /* an image reference */
    return report(c, R_COPY_FROM, in, ev);
}

static int check_expose(struct ctx *c, const struct moat_df_instr *in)
{
    for (size_t i = 0; i < in->argc; i++) {
        const char *p = in->argv[i];
        char *end;
        long lo, hi;

        if (strchr(p, '$') != NULL || !isdigit((unsigned char)p[0]))
            continue;
        lo = strtol(p, &end, 10);
        hi = lo;
        if (*end == '-')
            hi = strtol(end + 1, &end, 10);
        if (lo > 65535 || hi > 65535) {
            if (report(c, R_PORT_RANGE, in, p) < 0)
                return -MOAT_E_NOMEM;
            continue;
        }
        if (lo <= 22 && hi >= 22 && report(c, R_SSH_PORT, in, p) < 0)
            return -MOAT_E_NOMEM;
    }
    return 0;
}

static int check_workdir(struct ctx *c, const struct moat_df_instr *in)
{
    const char *p = in->expanded != NULL ? in->expanded : in->args;

    if (in->unresolved || p[0] == '\0' || p[0] == '/' || p[0] == '\\' || p[0] == '$' ||
        (isalpha((unsigned char)p[0]) && p[1] == ':'))
        return 0;
    return report(c, R_WORKDIR, in, in->args);
}

/* USER in the final stage, following FROM <earlier stage> chains. */
static int check_user(struct ctx *c)
{
    const struct moat_dockerfile *df = c->df;
    size_t si = df->n_stages - 1;
    const struct moat_df_instr *last = NULL;

    for (int hops = 0; hops < 64; hops++) {
        int parent;

        for (size_t i = df->stages[si].instr; i < df->n && df->v[i].stage == (int)si; i++)
            if (is_cmd(&df->v[i], "USER"))
                last = &df->v[i];
        if (last != NULL)
            break;
        parent = stage_named(df, df->stages[si].image, si);
        if (parent < 0)
            break;
        si = (size_t)parent;
    }
    if (last == NULL)
        return report(c, R_NOUSER, &df->v[df->stages[df->n_stages - 1].instr],
                      "no USER instruction");
    if (!last->unresolved && last->expanded != NULL) {
        const char *u = last->expanded;
        size_t n = strcspn(u, ":");

        if ((n == 4 && strncmp(u, "root", 4) == 0) || (n == 1 && u[0] == '0'))
            return report(c, R_ROOT, last, last->args);
    }
    return 0;
}

static int check_stage_counts(struct ctx *c, size_t si, bool final)
{
    const struct moat_dockerfile *df = c->df;
    size_t ncmd = 0, nentry = 0, nhealth = 0;
    int rc;

    for (size_t i = df->stages[si].instr; i < df->n && df->v[i].stage == (int)si; i++) {
        const struct moat_df_instr *in = &df->v[i];

        if (is_cmd(in, "CMD") && ++ncmd > 1 && (rc = report(c, R_MULTI_CMD, in, "CMD")) < 0)
            return rc;
        if (is_cmd(in, "ENTRYPOINT") && ++nentry > 1 &&
            (rc = report(c, R_MULTI_ENTRYPOINT, in, "ENTRYPOINT")) < 0)
            return rc;
        if (is_cmd(in, "HEALTHCHECK") && ++nhealth > 1 &&
            (rc = report(c, R_MULTI_HEALTHCHECK, in, "HEALTHCHECK")) < 0)
            return rc;
    }
    if (final && nhealth == 0 && stage_named(df, df->stages[si].image, si) < 0)
        return report(c, R_HEALTHCHECK, &df->v[df->stages[si].instr], "no HEALTHCHECK");
    return 0;
}

int moat_lint_dockerfile(const struct moat_dockerfile *df, const char *path,
                         const struct moat_lint_opts *opts, struct moat_findings *out,
                         struct moat_err *err)
{
    static const struct moat_lint_opts none = {0};
    struct ctx c = {
        df, path != NULL ? path : "Dockerfile", opts != NULL ? opts : &none, out, err, NULL, false};
    int rc = 0;

    for (size_t si = 0; si < df->n_stages; si++) {
        if ((rc = check_from(&c, si)) < 0)
            goto out;
        if ((rc = check_stage_counts(&c, si, si + 1 == df->n_stages)) < 0)
            goto out;
    }
    for (size_t i = 0; i < df->n; i++) {
        const struct moat_df_instr *in = &df->v[i];

        if (strstr(in->args, "{{") != NULL || strstr(in->args, "}}") != NULL)
            /* template text, not Dockerfile */
            continue;
        if (in->json_malformed &&
            (is_cmd(in, "CMD") || is_cmd(in, "ENTRYPOINT") || is_cmd(in, "RUN")) &&
            (rc = report(&c, R_BAD_JSON, in, in->args)) < 0)
            goto out;
        if (is_cmd(in, "RUN"))
            rc = check_run(&c, in);
        else if (is_cmd(in, "ADD")) {
            if ((rc = check_add(&c, in)) == 0)
                rc = check_copy_dest(&c, in);
        } else if (is_cmd(in, "COPY")) {
            if ((rc = check_copy_from(&c, in)) == 0)
                rc = check_copy_dest(&c, in);
        } else if (is_cmd(in, "WORKDIR"))
            rc = check_workdir(&c, in);
        else if (is_cmd(in, "ARG") || is_cmd(in, "ENV"))
            rc = check_secrets(&c, in);
        else if (is_cmd(in, "EXPOSE"))
            rc = check_expose(&c, in);
        else if (is_cmd(in, "MAINTAINER"))
            rc = report(&c, R_MAINTAINER, in, "MAINTAINER");
        if (rc < 0)
            goto out;
    }
    if (df->n_stages > 0)
        rc = check_user(&c);
out:
    return rc;
}
