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

#include "moat/base/limits.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct moat_misconfig_rule rules[MC__COUNT] = {
    [MC_ROOT] =
        {.id = "MIC001",
         .severity = MOAT_SEV_HIGH,
         .title = "Image runs as root",
         .description =
             "The image config sets no USER, or a USER that is root (the name, uid 0, or a name "
             "the image's /etc/passwd maps to uid 0), so the container's processes run as root "
             "unless the runtime overrides it. Any code execution in the container then has root "
             "privileges, and a kernel or runtime escape starts from root.",
         .remediation = "Create an unprivileged user in the image and switch to it with USER "
                        "(e.g. RUN useradd -r app, then USER app)",
         .cis = "4.1"},
    [MC_REMOTE] =
        {.id = "MIC002",
         .severity = MOAT_SEV_HIGH,
         .title = "Remote-access server installed",
         .description =
             "An ssh, dropbear, telnet or rsh/rlogin/rexec server is installed in the image. A "
             "remote-access server adds a network-facing way into the container that bypasses the "
             "orchestrator's exec and audit path, lets people change a running container outside "
             "the build process, and usually needs credentials or keys in the image.",
         .remediation = "Remove the server (ssh, telnet, rsh/rlogin) from the image; use 'podman "
                        "exec'/'kubectl exec' to get into a running container",
         .cis = "4.3"},
    [MC_DEBUG] = {.id = "MIC003",
                  .severity = MOAT_SEV_MEDIUM,
                  .title = "Network or debugging tool installed",
                  .description =
                      "A network or debugging tool (netcat, socat, tcpdump, nmap, gdb, strace, "
                      "ltrace) is installed in the image. The service does not need it to run, and "
                      "it is what an attacker with a shell in the container uses to open reverse "
                      "shells, sniff traffic, scan the network or read other processes' memory.",
                  .remediation =
                      "Remove the tool from the runtime image (a multi-stage build keeps it in "
                      "the build stage); attach a debug container when one is needed",
                  .cis = "4.3"},
    [MC_COMPILER] = {.id = "MIC004",
                     .severity = MOAT_SEV_LOW,
                     .title = "Compiler or build tool installed",
                     .description =
                         "A compiler or build tool (gcc, clang, make, cc) is installed in the "
                         "runtime image. The service does not need it to run; it makes the image "
                         "bigger, brings more packages with vulnerabilities, and lets an attacker "
                         "in the container build exploit code on the spot.",
                     .remediation =
                         "Build in an earlier stage of a multi-stage build and copy only the "
                         "artifacts into the runtime image",
                     .cis = "4.3"},
    [MC_PORT22] = {.id = "MIC005",
                   .severity = MOAT_SEV_MEDIUM,
                   .title = "Port 22 (ssh) exposed",
                   .description = "The image config exposes port 22, the ssh port. It means the "
                                  "container is meant to run an ssh server: a remote way into the "
                                  "container that bypasses the orchestrator's exec and audit path.",
                   .remediation = "Remove 'EXPOSE 22' and the ssh server it serves",
                   .cis = NULL},
    [MC_SUID_NOPKG] =
        {.id = "MIC006",
         .severity = MOAT_SEV_HIGH,
         .title = "Setuid/setgid file not installed by a package",
         .description =
             "An executable file with the setuid or setgid bit that no installed package owns: the "
             "build copied, downloaded or compiled it. A setuid or setgid program runs with the "
             "privileges of its owner or group, usually root, so an unreviewed one is a direct way "
             "for any user in the container to gain those privileges.",
         .remediation = "Remove the file or its setuid/setgid bits (chmod u-s,g-s) in the same "
                        "build step that adds it; allow a reviewed one with --setuid-allow",
         .cis = "4.8"},
    [MC_SUID_PKG] = {.id = "MIC007",
                     .severity = MOAT_SEV_LOW,
                     .title = "Setuid/setgid file not in the known-good list",
                     .description =
                         "An executable installed by a package has the setuid or setgid bit but is "
                         "not in the built-in list of well-known setuid programs (passwd, su, "
                         "mount, ...). Every setuid or setgid program is a way to gain privileges "
                         "if it has a bug, and a container seldom needs this one.",
                     .remediation =
                         "Remove the package if the container does not need it, or strip the bits "
                         "(chmod u-s,g-s); allow a reviewed one with --setuid-allow",
                     .cis = "4.8"},
    [MC_WORLD_WRITABLE] =
        {.id = "MIC008",
         .severity = MOAT_SEV_MEDIUM,
         .title = "World-writable file or directory",
         .description =
             "A file or directory that every user may write to (the others-write bit), other than "
             "a shared directory with the sticky bit such as /tmp. Any process in the container, "
             "whatever user it runs as, can change or replace it, for example to plant code or "
             "data that a more privileged process later runs or trusts.",
         .remediation = "Remove write permission for others (chmod o-w), or set the sticky bit on "
                        "shared directories (chmod +t)",
         .cis = NULL},
    [MC_HOSTKEY] = {.id = "MIC009",
                    .severity = MOAT_SEV_HIGH,
                    .title = "SSH host private key baked into the image",
                    .description =
                        "An SSH host private key (in /etc/ssh or /etc/dropbear) is stored in the "
                        "image. Every container started from the image shares the same host key, "
                        "and anyone who can pull the image has it, so they can impersonate the "
                        "server and intercept its ssh connections.",
                    .remediation =
                        "Delete the host keys in the build step that creates them (rm "
                        "/etc/ssh/ssh_host_*) and generate them when the container starts, or "
                        "better remove the ssh server",
                    .cis = "4.10"},
    [MC_PRIVKEY] = {.id = "MIC010",
                    .severity = MOAT_SEV_HIGH,
                    .title = "Private key file baked into the image",
                    .description =
                        "A file named like key material (a .pem, .key, .ppk or id_rsa file, ...) "
                        "holds a private key (PEM, OpenSSH or PuTTY) that no package installed. "
                        "Anyone who can pull the image can copy the key and use it to impersonate "
                        "the service or to get into the systems that trust it.",
                    .remediation =
                        "Remove the key from the image (and rotate it: anyone with the image has "
                        "it); mount keys at run time from a secret store",
                    .cis = "4.10"},
    [MC_SUDO] = {.id = "MIC011",
                 .severity = MOAT_SEV_MEDIUM,
                 .title = "sudo installed",
                 .description =
                     "sudo or doas is installed in the image. A container should drop privileges, "
                     "not regain them at run time: sudo gives a non-root user in the container a "
                     "way back to root, and its configuration is easy to get wrong.",
                 .remediation =
                     "Remove sudo; run the steps that need root before switching USER, and use "
                     "gosu/su-exec only to drop privileges in an entrypoint",
                 .cis = NULL},
    [MC_CACHE] =
        {.id = "MIC012",
         .severity = MOAT_SEV_LOW,
         .title = "Package-manager cache left in the image",
         .description =
             "A package-manager cache was left in the image: apt package lists or downloaded .deb "
             "files, or the apk, yum, dnf, zypper, pip or npm cache. It makes the image larger and "
             "slower to pull and scan for nothing the service uses, and stale package indexes can "
             "make a later install in a derived image pick outdated versions.",
         .remediation = "Clean the cache in the same RUN step that fills it (apt-get clean && rm "
                        "-rf /var/lib/apt/lists/*, apk add --no-cache, dnf clean all, pip "
                        "--no-cache-dir, npm cache clean --force)",
         .cis = NULL},
    [MC_ADD_URL] =
        {.id = "MIC013",
         .severity = MOAT_SEV_MEDIUM,
         .title = "ADD of a remote URL",
         .description =
             "A history step shows an ADD instruction that fetched a remote URL. ADD downloads the "
             "file at build time without checking a checksum or signature, so a compromised or "
             "changed server silently changes what goes into the image.",
         .remediation = "Download with curl/wget in a RUN step and verify a checksum or "
                        "signature, or use COPY for local files",
         .cis = "4.9"},
    [MC_CURL_SH] = {.id = "MIC014",
                    .severity = MOAT_SEV_MEDIUM,
                    .title = "Downloaded script piped to a shell",
                    .description =
                        "A history step downloads a script with curl or wget and runs it straight "
                        "in a shell (curl ... piped to sh, or $(curl ...)). Whatever the server "
                        "returns at build time runs unreviewed with the build's privileges, so a "
                        "compromised server or a tampered download ends up in the image.",
                    .remediation =
                        "Download the script to a file, verify its checksum or signature, then "
                        "run it",
                    .cis = NULL},
    [MC_ENV_SECRET] =
        {.id = "MIC015",
         .severity = MOAT_SEV_HIGH,
         .title = "Secret in an ENV variable",
         .description =
             "An Env variable named like a secret (PASSWORD, SECRET, TOKEN, API_KEY, ...) has a "
             "literal value in the image config. Anyone who can pull or inspect the image, and "
             "every process in the container, can read it; the finding never shows the value.",
         .remediation = "Do not bake secrets into ENV (every image user can read them): pass them "
                        "at run time or mount them from a secret store, and rotate the exposed "
                        "one",
         .cis = "4.10"},
    [MC_HEALTHCHECK] =
        {.id = "MIC016",
         .severity = MOAT_SEV_LOW,
         .title = "No HEALTHCHECK",
         .description = "The image config has no HEALTHCHECK, or HEALTHCHECK NONE. Without one the "
                        "container engine cannot tell a hung or broken service from a working one, "
                        "so it does not restart it or take it out of service.",
         .remediation = "Add a HEALTHCHECK instruction that probes the service (e.g. HEALTHCHECK "
                        "CMD curl -f http://localhost/ || exit 1)",
         .cis = "4.6"},
    [MC_AGE] = {.id = "MIC017",
                .severity = MOAT_SEV_MEDIUM,
                .title = "Image is older than the maximum age",
                .description = "The image was created longer ago than the maximum age (365 days "
                               "unless --max-age says otherwise). An old image most likely carries "
                               "packages with known vulnerabilities that newer releases fix; "
                               "images should be rebuilt regularly on a patched base image.",
                .remediation =
                    "Rebuild the image on a current base image to pick up security updates, "
                    "and rebuild regularly",
                .cis = "4.4"},
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
    int bad = desc == NULL, rc;

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
    if ((rc = moat_findings_add(c->out, &f, c->err)) < 0)
        moat_finding_free(&f); /* not moved on failure */
    return rc;
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
