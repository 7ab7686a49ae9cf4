/*
 * misconfig.c - the rule table of the image and content checks, the driver
 * that runs the config checks (misconfig_config.c) and the filesystem
 * checks (misconfig_fs.c), and what they share: emitting a finding (at most
 * MOAT_MISCONFIG_MAX_PER_RULE per rule, then one summary finding), and
 * package ownership of a path. Package file lists record paths as the
 * package ships them ("bin/su") while a usr-merged image stores the file
 * under "usr/bin/su" behind a "bin -> usr/bin" symlink, so ownership is
 * asked under every alias the image's top-level symlinks give a path.
 */
#include "misconfig_int.h"

#include "../base/limits.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct moat_misconfig_rule rules[MC__COUNT] = {
    [MC_ROOT] = {"MIC001", MOAT_SEV_HIGH, "Image runs as root",
                 "Create an unprivileged user in the image and switch to it with USER "
                 "(e.g. RUN useradd -r app, then USER app)",
                 "4.1"},
    [MC_REMOTE] = {"MIC002", MOAT_SEV_HIGH, "Remote-access server installed",
                   "Remove the server (ssh, telnet, rsh/rlogin) from the image; use "
                   "'podman exec'/'kubectl exec' to get into a running container",
                   "4.3"},
    [MC_DEBUG] = {"MIC003", MOAT_SEV_MEDIUM, "Network or debugging tool installed",
                  "Remove the tool from the runtime image (a multi-stage build keeps it in "
                  "the build stage); attach a debug container when one is needed",
                  "4.3"},
    [MC_COMPILER] = {"MIC004", MOAT_SEV_LOW, "Compiler or build tool installed",
                     "Build in an earlier stage of a multi-stage build and copy only the "
                     "artifacts into the runtime image",
                     "4.3"},
    [MC_PORT22] = {"MIC005", MOAT_SEV_MEDIUM, "Port 22 (ssh) exposed",
                   "Remove 'EXPOSE 22' and the ssh server it serves", NULL},
    [MC_SUID_NOPKG] = {"MIC006", MOAT_SEV_HIGH, "Setuid/setgid file not installed by a package",
                       "Remove the file or its setuid/setgid bits (chmod u-s,g-s) in the same "
                       "build step that adds it; allow a reviewed one with --setuid-allow",
                       "4.8"},
    [MC_SUID_PKG] = {"MIC007", MOAT_SEV_LOW, "Setuid/setgid file not in the known-good list",
                     "Remove the package if the container does not need it, or strip the bits "
                     "(chmod u-s,g-s); allow a reviewed one with --setuid-allow",
                     "4.8"},
    [MC_WORLD_WRITABLE] = {"MIC008", MOAT_SEV_MEDIUM, "World-writable file or directory",
                           "Remove write permission for others (chmod o-w), or set the sticky "
                           "bit on shared directories (chmod +t)",
                           NULL},
    [MC_HOSTKEY] = {"MIC009", MOAT_SEV_HIGH, "SSH host private key baked into the image",
                    "Delete the host keys in the build step that creates them (rm "
                    "/etc/ssh/ssh_host_*) and generate them when the container starts, or "
                    "better remove the ssh server",
                    "4.10"},
    [MC_PRIVKEY] = {"MIC010", MOAT_SEV_HIGH, "Private key file baked into the image",
                    "Remove the key from the image (and rotate it: anyone with the image has "
                    "it); mount keys at run time from a secret store",
                    "4.10"},
    [MC_SUDO] = {"MIC011", MOAT_SEV_MEDIUM, "sudo installed",
                 "Remove sudo; run the steps that need root before switching USER, and use "
                 "gosu/su-exec only to drop privileges in an entrypoint",
                 NULL},
    [MC_CACHE] = {"MIC012", MOAT_SEV_LOW, "Package-manager cache left in the image",
                  "Clean the cache in the same RUN step that fills it (apt-get clean && rm -rf "
                  "/var/lib/apt/lists/*, apk add --no-cache, dnf clean all, pip "
                  "--no-cache-dir, npm cache clean --force)",
                  NULL},
    [MC_ADD_URL] = {"MIC013", MOAT_SEV_MEDIUM, "ADD of a remote URL",
                    "Download with curl/wget in a RUN step and verify a checksum or signature, "
                    "or use COPY for local files",
                    "4.9"},
    [MC_CURL_SH] = {"MIC014", MOAT_SEV_MEDIUM, "Downloaded script piped to a shell",
                    "Download the script to a file, verify its checksum or signature, then run "
                    "it",
                    NULL},
    [MC_ENV_SECRET] = {"MIC015", MOAT_SEV_HIGH, "Secret in an ENV variable",
                       "Do not bake secrets into ENV (every image user can read them): pass "
                       "them at run time or mount them from a secret store, and rotate the "
                       "exposed one",
                       "4.10"},
    [MC_HEALTHCHECK] = {"MIC016", MOAT_SEV_LOW, "No HEALTHCHECK",
                        "Add a HEALTHCHECK instruction that probes the service "
                        "(e.g. HEALTHCHECK CMD curl -f http://localhost/ || exit 1)",
                        "4.6"},
    [MC_AGE] = {"MIC017", MOAT_SEV_MEDIUM, "Image is older than the maximum age",
                "Rebuild the image on a current base image to pick up security updates, and "
                "rebuild regularly",
                "4.4"},
};

size_t moat_misconfig_rules(const struct moat_misconfig_rule **out)
{
    *out = rules;
    return MC__COUNT;
}

const struct moat_misconfig_rule *moat_misconfig_rule_find(const char *id)
{
    for (size_t i = 0; id != NULL && i < MC__COUNT; i++)
        if (strcasecmp(rules[i].id, id) == 0)
            return &rules[i];
    return NULL;
}

static char *dup_or_null(const char *s, int *bad)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    if (d == NULL)
        *bad = 1;
    return d;
}

static int add_finding(struct mc_ctx *c, enum mc_rule rule, const struct mc_where *w, char *desc)
{
    const struct moat_misconfig_rule *r = &rules[rule];
    struct moat_finding f = {0};
    int bad = desc == NULL;

    f.kind = MOAT_FINDING_MISCONFIG;
    f.severity = r->severity;
    f.cvss_score = -1;
    f.layer = w->layer;
    f.line = w->line;
    f.description = desc;
    f.rule_id = dup_or_null(r->id, &bad);
    f.title = dup_or_null(r->title, &bad);
    f.remediation = dup_or_null(r->remediation, &bad);
    f.cis = dup_or_null(r->cis, &bad);
    f.path = dup_or_null(w->path, &bad);
    f.match = dup_or_null(w->match, &bad);
    f.data_source = dup_or_null("moat-misconfig", &bad);
    if (w->pkg != NULL) {
        static const char *const types[] = {"", "deb", "apk", "rpm"};

        f.pkg_type = dup_or_null(w->pkg->type <= MOAT_PKG_RPM ? types[w->pkg->type] : "", &bad);
        f.pkg_name = dup_or_null(w->pkg->name, &bad);
        f.pkg_version = dup_or_null(w->pkg->version, &bad);
    }
    if (bad) {
        moat_finding_free(&f);
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    }
    return moat_findings_add(c->out, &f, c->err);
}

int mc_emit(struct mc_ctx *c, enum mc_rule rule, const struct mc_where *w, const char *fmt, ...)
{
    char *desc = NULL;
    va_list ap;
    int r;

    if (c->count[rule] >= MOAT_MISCONFIG_MAX_PER_RULE) {
        c->dropped[rule]++;
        return 0;
    }
    c->count[rule]++;
    va_start(ap, fmt);
    r = vasprintf(&desc, fmt, ap);
    va_end(ap);
    return add_finding(c, rule, w, r < 0 ? NULL : desc);
}

/* One finding per capped rule saying how many were not listed. */
static int emit_dropped(struct mc_ctx *c)
{
    for (size_t i = 0; i < MC__COUNT; i++) {
        struct mc_where w = {.path = "(more)", .layer = -1};
        char *desc = NULL;

        if (c->dropped[i] == 0)
            continue;
        if (asprintf(&desc,
                     "%u more findings of %s were not listed (at most %u per rule are "
                     "reported)",
                     c->dropped[i], rules[i].id, MOAT_MISCONFIG_MAX_PER_RULE) < 0)
            desc = NULL;
        if (add_finding(c, (enum mc_rule)i, &w, desc) < 0)
            return -c->err->code;
    }
    return 0;
}

const char *mc_base(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t l = strlen(suffix);

    return n >= l && memcmp(s + n - l, suffix, l) == 0;
}

/* Called for every file of every layer: plain suffix tests, no fnmatch. */
bool mc_key_name(const char *base)
{
    static const char *const suffixes[] = {".pem",  ".key", ".ppk", ".p8",    ".pk8",
                                           ".priv", "_rsa", "_dsa", "_ecdsa", "_ed25519"};
    size_t n = strlen(base);

    if (ends_with(base, n, ".pub"))
        return false;
    if (strncmp(base, "id_", 3) == 0 && n > 3)
        return true;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (n > strlen(suffixes[i]) && ends_with(base, n, suffixes[i]))
            return true;
    return false;
}

/* "/usr/bin/", "./usr/bin" -> "usr/bin" into buf; false when it does not fit or climbs. */
static bool norm_target(const char *link, char *buf, size_t cap)
{
    size_t n;

    while (*link == '/' || (link[0] == '.' && link[1] == '/'))
        link += *link == '/' ? 1 : 2;
    n = strlen(link);
    while (n > 0 && link[n - 1] == '/')
        n--;
    if (n == 0 || n >= cap || strstr(link, "..") != NULL)
        return false;
    memcpy(buf, link, n);
    buf[n] = '\0';
    return true;
}

void mc_find_aliases(struct mc_ctx *c)
{
    const struct moat_fs_node *root, *n, *t;

    c->n_aliases = 0;
    if (c->fs == NULL || (root = moat_fs_root(c->fs)) == NULL)
        return;
    for (n = moat_fs_first_child(root); n != NULL && c->n_aliases < MC_MAX_ALIASES;
         n = moat_fs_next_sibling(n)) {
        struct mc_alias *a = &c->aliases[c->n_aliases];

        if (n->type != MOAT_FT_SYMLINK || n->deleted_in >= 0 || n->link == NULL ||
            strlen(n->name) >= sizeof(a->link) ||
            !norm_target(n->link, a->target, sizeof(a->target)))
            continue;
        if (moat_fs_lookup(c->fs, a->target, true, &t, NULL) < 0 || t->type != MOAT_FT_DIR)
            continue;
        memcpy(a->link, n->name, strlen(n->name) + 1);
        c->n_aliases++;
    }
}

static int cmp_owned(const void *x, const void *y)
{
    return strcmp(((const struct mc_owned *)x)->path, ((const struct mc_owned *)y)->path);
}

/* Sort every package file once: a lookup is then one binary search, however many packages. */
static void build_owned(struct mc_ctx *c)
{
    size_t total = 0, k = 0;

    c->owned_tried = true;
    for (size_t i = 0; i < c->inv->n_pkgs; i++) {
        if (c->inv->pkgs[i].n_files > SIZE_MAX / sizeof(*c->owned) - total)
            return;
        total += c->inv->pkgs[i].n_files;
    }
    if (total == 0 || (c->owned = malloc(total * sizeof(*c->owned))) == NULL)
        return; /* owner_slow() still answers */
    for (size_t i = 0; i < c->inv->n_pkgs; i++)
        for (size_t j = 0; j < c->inv->pkgs[i].n_files; j++)
            if (c->inv->pkgs[i].files[j] != NULL)
                c->owned[k++] = (struct mc_owned){c->inv->pkgs[i].files[j], &c->inv->pkgs[i]};
    c->n_owned = k;
    qsort(c->owned, k, sizeof(*c->owned), cmp_owned);
}

static int cmp_path(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(char *const *)elem);
}

static const struct moat_pkg *owner_exact(struct mc_ctx *c, const char *path)
{
    const struct mc_owned key = {path, NULL}, *hit;

    if (!c->owned_tried)
        build_owned(c);
    if (c->owned != NULL) {
        hit = bsearch(&key, c->owned, c->n_owned, sizeof(*c->owned), cmp_owned);
        return hit != NULL ? hit->pkg : NULL;
    }
    for (size_t i = 0; i < c->inv->n_pkgs; i++) {
        const struct moat_pkg *p = &c->inv->pkgs[i];

        if (p->n_files > 0 && bsearch(path, p->files, p->n_files, sizeof(char *), cmp_path))
            return p;
    }
    return NULL;
}

/* If path starts with prefix + "/", write repl + the rest into buf. */
static bool swap_prefix(const char *path, const char *prefix, const char *repl, char *buf,
                        size_t cap)
{
    size_t pl = strlen(prefix);

    if (strncmp(path, prefix, pl) != 0 || path[pl] != '/')
        return false;
    return (size_t)snprintf(buf, cap, "%s%s", repl, path + pl) < cap;
}

const struct moat_pkg *mc_owner(struct mc_ctx *c, const char *path)
{
    char alt[MOAT_MAX_PATH_LEN + 320];
    const struct moat_pkg *p;

    if (c->inv == NULL || c->inv->n_pkgs == 0)
        return NULL;
    if ((p = owner_exact(c, path)) != NULL)
        return p;
    for (size_t i = 0; i < c->n_aliases; i++) {
        const struct mc_alias *a = &c->aliases[i];

        if ((swap_prefix(path, a->target, a->link, alt, sizeof(alt)) ||
             swap_prefix(path, a->link, a->target, alt, sizeof(alt))) &&
            (p = owner_exact(c, alt)) != NULL)
            return p;
    }
    return NULL;
}

int moat_misconfig_run(const struct moat_image_meta *meta, const struct moat_fs *fs,
                       const struct moat_inventory *inv, const struct moat_misconfig_opts *opts,
                       struct moat_findings *out, struct moat_err *err)
{
    static const struct moat_misconfig_opts none = {0};
    struct mc_ctx *c;
    int rc = 0;

    if (out == NULL)
        return moat_err_set(err, MOAT_E_ARG, "moat_misconfig_run: no output");
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    c->meta = meta;
    c->fs = fs;
    c->inv = inv;
    c->opts = opts != NULL ? opts : &none;
    c->out = out;
    c->err = err;
    mc_find_aliases(c);
    if (meta != NULL)
        rc = mc_check_config(c);
    if (rc == 0 && fs != NULL)
        rc = mc_check_fs(c);
    if (rc == 0)
        rc = emit_dropped(c);
    free(c->owned);
    free(c);
    return rc;
}
