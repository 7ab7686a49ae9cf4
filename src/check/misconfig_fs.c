/*
 * misconfig_fs.c - checks on the merged filesystem, in one walk: setuid and
 * setgid files (package-owned and in the known-good list, or allowed by the
 * caller, are fine), world-writable files and directories, ssh host keys
 * and other private keys, package-manager caches (summed per cache), and
 * the executables of remote-access, debugging and build tools and sudo
 * (also found through the package inventory, for one finding per tool).
 */
#include "misconfig_int.h"

#include "moat/base/limits.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/*
 * Setuid/setgid files the usual Debian, Ubuntu, Alpine and RHEL-family
 * packages ship, as fnmatch patterns on the path with a leading "usr/"
 * removed (so "bin/su" also matches "usr/bin/su").
 */
static const char *const known_suid[] = {
    "bin/passwd",
    "bin/chsh",
    "bin/chfn",
    "bin/gpasswd",
    "bin/newgrp",
    "bin/su",
    "bin/mount",
    "bin/umount",
    "bin/chage",
    "bin/expiry",
    "bin/sudo",
    "bin/sudoedit",
    "bin/crontab",
    "bin/wall",
    "bin/write",
    "bin/write.ul",
    "bin/bsd-write",
    "bin/dotlockfile",
    "bin/at",
    "bin/fusermount",
    "bin/fusermount3",
    "bin/pkexec",
    "bin/newuidmap",
    "bin/newgidmap",
    "bin/ping",
    "bin/ping6",
    "bin/ssh-agent",
    "bin/mlocate",
    "bin/plocate",
    "bin/locate",
    "bin/screen",
    "bin/ksu",
    "bin/doas",
    "bin/bbsuid",
    "bin/mail-lock",
    "bin/mail-unlock",
    "bin/mail-touchlock",
    "bin/staprun",
    "bin/bwrap",
    "sbin/unix_chkpwd",
    "sbin/unix2_chkpwd",
    "sbin/pam_timestamp_check",
    "sbin/pam_extrausers_chkpwd",
    "sbin/userhelper",
    "sbin/postdrop",
    "sbin/postqueue",
    "sbin/mount.nfs",
    "sbin/grub2-set-bootflag",
    "sbin/usernetctl",
    "sbin/netreport",
    "lib/openssh/ssh-keysign",
    "libexec/openssh/ssh-keysign",
    "lib/ssh/ssh-keysign",
    "lib/dbus-1.0/dbus-daemon-launch-helper",
    "libexec/dbus-daemon-launch-helper",
    "libexec/dbus-1/dbus-daemon-launch-helper",
    "lib/polkit-1/polkit-agent-helper-1",
    "lib/policykit-1/polkit-agent-helper-1",
    "libexec/polkit-agent-helper-1",
    "lib/eject/dmcrypt-get-device",
    "libexec/utempter/utempter",
    "lib/*/utempter/utempter",
    "lib/utempter/utempter",
    "lib/xorg/Xorg.wrap",
    "libexec/Xorg.wrap",
};

enum tool_flag {
    TOOL_IF_NONE_BEFORE = 1, /* only when no earlier tool of the same rule was found (cc) */
};

struct tool {
    const char *name;
    enum mc_rule rule;
    const char *const *pkgs; /* fnmatch patterns on package names, NULL-terminated */
    const char *const *bins; /* fnmatch patterns on executable names, NULL-terminated */
    unsigned flags;
};

#define L(...)                                                                                     \
    (const char *const[])                                                                          \
    {                                                                                              \
        __VA_ARGS__, NULL                                                                          \
    }

static const struct tool tools[] = {
    {"sshd", MC_REMOTE, L("openssh-server", "openssh-server-pam", "openssh-sshd"), L("sshd"), 0},
    {"dropbear", MC_REMOTE, L("dropbear", "dropbear-bin"), L("dropbear"), 0},
    {"telnetd", MC_REMOTE, L("telnetd", "inetutils-telnetd", "telnet-server", "telnetd-ssl"),
     L("in.telnetd", "telnetd"), 0},
    {"rsh/rlogin server", MC_REMOTE, L("rsh-server", "rsh-redone-server", "inetutils-rshd"),
     L("in.rshd", "in.rlogind", "in.rexecd", "rshd", "rlogind", "rexecd"), 0},
    {"netcat", MC_DEBUG, L("netcat", "netcat-openbsd", "netcat-traditional", "nmap-ncat", "ncat"),
     L("nc", "netcat", "ncat", "nc.openbsd", "nc.traditional"), 0},
    {"socat", MC_DEBUG, L("socat"), L("socat"), 0},
    {"tcpdump", MC_DEBUG, L("tcpdump"), L("tcpdump"), 0},
    {"nmap", MC_DEBUG, L("nmap"), L("nmap"), 0},
    {"gdb", MC_DEBUG, L("gdb", "gdb-minimal", "gdb-multiarch"), L("gdb", "gdb-multiarch"), 0},
    {"strace", MC_DEBUG, L("strace"), L("strace"), 0},
    {"ltrace", MC_DEBUG, L("ltrace"), L("ltrace"), 0},
    {"gcc", MC_COMPILER, L("gcc", "gcc-[0-9]", "gcc-[0-9][0-9]"),
     L("gcc", "gcc-[0-9]", "gcc-[0-9][0-9]"), 0},
    {"clang", MC_COMPILER, L("clang", "clang-[0-9]", "clang-[0-9][0-9]"),
     L("clang", "clang-[0-9]", "clang-[0-9][0-9]"), 0},
    {"cc", MC_COMPILER, L("tcc"), L("cc", "c89", "c99", "tcc"), TOOL_IF_NONE_BEFORE},
    {"make", MC_COMPILER, L("make", "make-guile"), L("make", "gmake"), 0},
    {"sudo", MC_SUDO, L("sudo", "sudo-ldap", "doas", "opendoas"), L("sudo", "doas"), 0},
};

#define N_TOOLS (sizeof(tools) / sizeof(tools[0]))

/* Directories whose executables count as installed tools. */
static const char *const exec_dirs[] = {"bin",      "sbin",          "usr/bin",
                                        "usr/sbin", "usr/local/bin", "usr/local/sbin"};

enum cache_kind { C_APT_DEBS, C_APT_LISTS, C_APT_BIN, C_APK, C_YUM, C_DNF, C_ZYPP, C_PIP, C_NPM };

static const struct {
    const char *dir; /* shown as the finding's path */
    const char *what;
} caches[] = {
    [C_APT_DEBS] = {"var/cache/apt/archives", "downloaded .deb packages"},
    [C_APT_LISTS] = {"var/lib/apt/lists", "apt package lists"},
    [C_APT_BIN] = {"var/cache/apt", "apt package cache (*.bin)"},
    [C_APK] = {"var/cache/apk", "apk package cache"},
    [C_YUM] = {"var/cache/yum", "yum cache"},
    [C_DNF] = {"var/cache/dnf", "dnf cache"},
    [C_ZYPP] = {"var/cache/zypp", "zypper cache"},
    [C_PIP] = {"root/.cache/pip", "pip cache"},
    [C_NPM] = {"root/.npm", "npm cache"},
};

#define N_CACHES (sizeof(caches) / sizeof(caches[0]))

struct cache_sum {
    uint64_t files, bytes;
    int32_t layer; /* newest layer that left a file */
    char where[128];
};

struct tool_seen {
    bool found;
    int32_t layer;
    char path[256];
    char link[128]; /* symlink target as recorded, or "" */
};

struct walk_ctx {
    struct mc_ctx *c;
    const struct moat_fs_node *busybox; /* bin/busybox (resolved), applets linking to it skip */
    struct cache_sum cache[N_CACHES];
    struct tool_seen seen[N_TOOLS];
};

static bool starts_dir(const char *path, const char *dir, const char **rest)
{
    size_t n = strlen(dir);

    if (strncmp(path, dir, n) != 0 || path[n] != '/')
        return false;
    *rest = path + n + 1;
    return true;
}

/* "home/<user>/<sub>/..." */
static bool home_dir(const char *path, const char *sub, const char **rest)
{
    const char *p;

    if (strncmp(path, "home/", 5) != 0 || (p = strchr(path + 5, '/')) == NULL)
        return false;
    return starts_dir(p + 1, sub, rest);
}

/* The cache a file belongs to, and the length of that cache's root directory in path. */
static int cache_kind(const char *path, const char *base, size_t *root_len)
{
    const char *rest = NULL;
    int k = -1;

    if (starts_dir(path, "var/cache/apt/archives", &rest))
        k = strchr(rest, '/') == NULL && fnmatch("*.deb", base, 0) == 0 ? C_APT_DEBS : -1;
    else if (starts_dir(path, "var/lib/apt/lists", &rest))
        k = strncmp(rest, "partial/", 8) == 0 || strcmp(rest, "lock") == 0 ? -1 : C_APT_LISTS;
    else if (starts_dir(path, "var/cache/apt", &rest))
        k = strchr(rest, '/') == NULL && fnmatch("*.bin", base, 0) == 0 ? C_APT_BIN : -1;
    else if (starts_dir(path, "var/cache/apk", &rest))
        k = C_APK;
    else if (starts_dir(path, "var/cache/yum", &rest))
        k = C_YUM;
    else if (starts_dir(path, "var/cache/dnf", &rest))
        k = C_DNF;
    else if (starts_dir(path, "var/cache/zypp/packages", &rest))
        k = C_ZYPP;
    else if (starts_dir(path, "root/.cache/pip", &rest) || home_dir(path, ".cache/pip", &rest))
        k = C_PIP;
    else if (starts_dir(path, "root/.npm", &rest) || home_dir(path, ".npm", &rest))
        k = C_NPM;
    if (k >= 0)
        *root_len = (size_t)(rest - path) - 1;
    return k;
}

static void note_cache(struct walk_ctx *w, const char *path, const struct moat_fs_node *n)
{
    size_t root_len = 0;
    int k = cache_kind(path, mc_base(path), &root_len);
    struct cache_sum *s;

    if (k < 0)
        return;
    s = &w->cache[k];
    if (s->files == 0) {
        s->layer = (int32_t)n->layer;
        snprintf(s->where, sizeof(s->where), "%.*s", (int)root_len, path);
    }
    s->files++;
    s->bytes += n->size;
    if ((int32_t)n->layer > s->layer)
        s->layer = (int32_t)n->layer;
}

/* In the built-in list (compared without a leading "usr/"). */
static bool known_good(const char *path)
{
    const char *p = strncmp(path, "usr/", 4) == 0 ? path + 4 : path;

    for (size_t i = 0; i < sizeof(known_suid) / sizeof(known_suid[0]); i++)
        if (fnmatch(known_suid[i], p, FNM_PATHNAME) == 0)
            return true;
    return false;
}

/* Allowed by the caller (--setuid-allow), under the path or a usr-merge alias of it. */
static bool user_allowed(const struct mc_ctx *c, const char *path)
{
    const char *p = strncmp(path, "usr/", 4) == 0 ? path + 4 : path;

    for (size_t i = 0; i < c->opts->n_setuid_allow; i++) {
        const char *a = c->opts->setuid_allow[i];

        while (a != NULL && *a == '/')
            a++;
        if (a == NULL)
            continue;
        if (strncmp(a, "usr/", 4) == 0)
            a += 4;
        if (strcmp(a, p) == 0)
            return true;
    }
    return false;
}

static const char *owner_name(uint32_t id)
{
    return id == 0 ? "root" : "non-root";
}

static int check_suid(struct mc_ctx *c, const char *path, const struct moat_fs_node *n)
{
    const struct moat_pkg *pkg;
    struct mc_where w = {.path = path, .layer = (int32_t)n->layer};
    const char *bits = (n->mode & S_ISUID) && (n->mode & S_ISGID) ? "setuid and setgid"
                       : (n->mode & S_ISUID)                      ? "setuid"
                                                                  : "setgid";
    char ev[96];

    if (!(n->mode & (S_ISUID | S_ISGID)) || !(n->mode & 0111))
        return 0;
    snprintf(ev, sizeof(ev), "mode %04o uid %u gid %u", n->mode & 07777, n->uid, n->gid);
    w.match = ev;
    if (user_allowed(c, path))
        return 0;
    pkg = mc_owner(c, path);
    if (pkg == NULL) {
        /* the built-in list does not clear a file no package installed */
        return mc_emit(c, MC_SUID_NOPKG, &w,
                       "%s is %s (%s-owned) and no installed package ships it: the build added "
                       "it",
                       path, bits, owner_name((n->mode & S_ISUID) ? n->uid : n->gid));
    }
    if (known_good(path))
        return 0;
    w.pkg = pkg;
    return mc_emit(c, MC_SUID_PKG, &w,
                   "%s is %s (%s-owned); package %s ships it but it is not in the known-good "
                   "list",
                   path, bits, owner_name((n->mode & S_ISUID) ? n->uid : n->gid), pkg->name);
}

static int check_world_writable(struct mc_ctx *c, const char *path, const struct moat_fs_node *n)
{
    struct mc_where w = {.path = path, .layer = (int32_t)n->layer};
    char ev[64];

    if (!(n->mode & S_IWOTH) || (n->type != MOAT_FT_REG && n->type != MOAT_FT_DIR))
        return 0;
    if (n->type == MOAT_FT_DIR && (n->mode & S_ISVTX))
        return 0; /* /tmp-like: others cannot remove what they do not own */
    snprintf(ev, sizeof(ev), "mode %04o", n->mode & 07777);
    w.match = ev;
    return mc_emit(c, MC_WORLD_WRITABLE, &w,
                   n->type == MOAT_FT_DIR
                       ? "Directory %s is writable by every user and has no sticky bit"
                       : "File %s is writable by every user",
                   path);
}

static bool host_key_path(const char *path)
{
    const char *rest;

    if (starts_dir(path, "etc/ssh", &rest))
        return strchr(rest, '/') == NULL && fnmatch("ssh_host_*key", rest, 0) == 0;
    if (starts_dir(path, "etc/dropbear", &rest))
        return strchr(rest, '/') == NULL && fnmatch("dropbear_*_host_key", rest, 0) == 0;
    return false;
}

/* The node whose bytes a hard link shares, with its path (for the sniffer's (layer, path)). */
static const struct moat_fs_node *content_node(const struct moat_fs_node *n, const char *path,
                                               char *buf, size_t cap, const char **cpath)
{
    *cpath = path;
    if (n->hardlink == NULL)
        return n;
    if (moat_fs_node_path(n->hardlink, buf, cap) < 0)
        return NULL;
    *cpath = buf;
    return n->hardlink;
}

static int check_keys(struct mc_ctx *c, const char *path, const struct moat_fs_node *n)
{
    struct mc_where w = {.path = path, .layer = (int32_t)n->layer};
    const char *base = mc_base(path), *cpath;
    const struct moat_fs_node *cn;
    char buf[MOAT_MAX_PATH_LEN + 1];
    bool key;

    if (n->type != MOAT_FT_REG || n->size == 0)
        return 0;
    if (host_key_path(path)) {
        w.match = "ssh host private key";
        return mc_emit(c, MC_HOSTKEY, &w,
                       "%s is an ssh host private key: every container from this image shares "
                       "it, so one leak lets anyone impersonate all of them",
                       path);
    }
    if (!mc_key_name(base))
        return 0;
    if (c->opts->sniffer != NULL) {
        cn = content_node(n, path, buf, sizeof(buf), &cpath);
        key = cn != NULL && moat_misconfig_sniffed_key(c->opts->sniffer, cn->layer, cpath);
    } else {
        /* no content: only an ssh client key name in an .ssh directory is sure enough */
        key = strstr(path, ".ssh/") != NULL && (strncmp(base, "id_", 3) == 0);
    }
    if (!key || mc_owner(c, path) != NULL)
        return 0; /* a key a package ships is public test or sample data */
    w.match = c->opts->sniffer != NULL ? "PRIVATE KEY" : "ssh private key name";
    return mc_emit(c, MC_PRIVKEY, &w, "%s holds a private key that the build put in the image",
                   path);
}

/* Is n (or where it links to) the busybox binary, so that this name is just an applet? */
static bool is_busybox_applet(const struct walk_ctx *w, const char *path,
                              const struct moat_fs_node *n)
{
    const struct moat_fs_node *t = n;

    if (w->busybox == NULL)
        return false;
    if (n->type == MOAT_FT_SYMLINK && moat_fs_lookup(w->c->fs, path, true, &t, NULL) < 0)
        return false;
    if (t->hardlink != NULL)
        t = t->hardlink;
    return t == w->busybox;
}

static void note_tool(struct walk_ctx *w, const char *path, const struct moat_fs_node *n)
{
    const char *base = mc_base(path), *dir_end = base > path ? base - 1 : path;
    bool in_exec = false;

    if (n->type != MOAT_FT_REG && n->type != MOAT_FT_SYMLINK)
        return;
    for (size_t i = 0; i < sizeof(exec_dirs) / sizeof(exec_dirs[0]); i++) {
        size_t l = strlen(exec_dirs[i]);

        if ((size_t)(dir_end - path) == l && strncmp(path, exec_dirs[i], l) == 0)
            in_exec = true;
    }
    if (!in_exec)
        return;
    for (size_t t = 0; t < N_TOOLS; t++) {
        struct tool_seen *s = &w->seen[t];
        bool match = false;

        if (s->found)
            continue;
        for (const char *const *b = tools[t].bins; *b != NULL && !match; b++)
            match = fnmatch(*b, base, 0) == 0;
        if (!match || is_busybox_applet(w, path, n))
            continue;
        if (n->type == MOAT_FT_SYMLINK) {
            const struct moat_fs_node *target;

            if (moat_fs_lookup(w->c->fs, path, true, &target, NULL) < 0)
                continue; /* dangling: nothing runs */
            snprintf(s->link, sizeof(s->link), "%s", n->link != NULL ? n->link : "");
        }
        s->found = true;
        s->layer = (int32_t)n->layer;
        snprintf(s->path, sizeof(s->path), "%s", path);
    }
}

static int visit(void *ctx, const char *path, const struct moat_fs_node *n)
{
    struct walk_ctx *w = ctx;
    int rc;

    if (path[0] == '\0')
        return check_world_writable(w->c, "/", n); /* the image root */
    if (n->type == MOAT_FT_REG) {
        if ((rc = check_suid(w->c, path, n)) < 0 || (rc = check_keys(w->c, path, n)) < 0)
            return rc;
        note_cache(w, path, n);
    }
    if ((rc = check_world_writable(w->c, path, n)) < 0)
        return rc;
    note_tool(w, path, n);
    return 0;
}

static const struct moat_pkg *tool_pkg(const struct mc_ctx *c, const struct tool *t)
{
    for (size_t i = 0; c->inv != NULL && i < c->inv->n_pkgs; i++)
        for (const char *const *p = t->pkgs; *p != NULL; p++)
            if (c->inv->pkgs[i].name != NULL && fnmatch(*p, c->inv->pkgs[i].name, 0) == 0)
                return &c->inv->pkgs[i];
    return NULL;
}

/*
 * An executable of the tool among the package's files, present in the image:
 * its path in the merged view (through usr-merge symlinks) into buf. Tool
 * names are tried in their order, so "make" wins over "gmake".
 */
static bool pkg_exec(const struct mc_ctx *c, const struct moat_pkg *p, const struct tool *t,
                     char *buf, size_t cap, int32_t *layer)
{
    for (const char *const *b = t->bins; c->fs != NULL && *b != NULL; b++) {
        for (size_t i = 0; i < p->n_files; i++) {
            const char *f = p->files[i];
            const struct moat_fs_node *n;

            if (fnmatch(*b, mc_base(f), 0) != 0 || strstr(f, "bin/") == NULL ||
                moat_fs_lookup(c->fs, f, false, &n, NULL) < 0 || moat_fs_node_path(n, buf, cap) < 0)
                continue;
            *layer = (int32_t)n->layer;
            return true;
        }
    }
    return false;
}

static int emit_tools(struct walk_ctx *w)
{
    struct mc_ctx *c = w->c;
    bool rule_found[MC__COUNT] = {false};

    for (size_t t = 0; t < N_TOOLS; t++) {
        const struct tool *tool = &tools[t];
        const struct tool_seen *s = &w->seen[t];
        const struct moat_pkg *pkg = tool_pkg(c, tool);
        struct mc_where where = {.layer = -1, .pkg = pkg};
        char ev[512], exe_path[MOAT_MAX_PATH_LEN + 1];
        const char *exe;
        int rc;

        if ((tool->flags & TOOL_IF_NONE_BEFORE) && rule_found[tool->rule])
            continue;
        if (pkg != NULL) {
            int32_t layer = pkg->layer;

            exe = pkg_exec(c, pkg, tool, exe_path, sizeof(exe_path), &layer) ? exe_path : NULL;
            where.path = exe != NULL ? exe : s->found ? s->path : pkg->db_path;
            where.layer = exe != NULL ? layer : s->found ? s->layer : pkg->layer;
            snprintf(ev, sizeof(ev), "package %.100s %.100s%s%.200s%s", pkg->name,
                     pkg->version != NULL ? pkg->version : "", where.path != NULL ? " (" : "",
                     where.path != NULL ? where.path : "", where.path != NULL ? ")" : "");
            where.match = ev;
            rc = mc_emit(c, tool->rule, &where, "%s is installed by package %s %s", tool->name,
                         pkg->name, pkg->version != NULL ? pkg->version : "");
        } else if (s->found) {
            where.path = s->path;
            where.layer = s->layer;
            snprintf(ev, sizeof(ev), "%.255s%s%.127s", s->path, s->link[0] ? " -> " : "", s->link);
            where.match = ev;
            rc = mc_emit(c, tool->rule, &where, "%s is present as %s, not installed by any package",
                         tool->name, s->path);
        } else {
            continue;
        }
        if (rc < 0)
            return rc;
        rule_found[tool->rule] = true;
    }
    return 0;
}

static int emit_caches(struct walk_ctx *w)
{
    for (size_t k = 0; k < N_CACHES; k++) {
        const struct cache_sum *s = &w->cache[k];
        struct mc_where where = {.path = s->where, .layer = s->layer};
        char ev[96];
        int rc;

        if (s->files == 0)
            continue;
        snprintf(ev, sizeof(ev), "%llu files, %llu bytes", (unsigned long long)s->files,
                 (unsigned long long)s->bytes);
        where.match = ev;
        rc = mc_emit(w->c, MC_CACHE, &where, "%s: %s left in the image (%llu files, %llu bytes)",
                     s->where, caches[k].what, (unsigned long long)s->files,
                     (unsigned long long)s->bytes);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int mc_check_fs(struct mc_ctx *c)
{
    struct walk_ctx *w = calloc(1, sizeof(*w));
    const struct moat_fs_node *bb;
    int rc;

    if (w == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    w->c = c;
    if (moat_fs_lookup(c->fs, "bin/busybox", true, &bb, NULL) == 0 && bb->type == MOAT_FT_REG)
        w->busybox = bb->hardlink != NULL ? bb->hardlink : bb;
    rc = moat_fs_walk(c->fs, visit, w);
    if (rc > 0)
        rc = 0;
    if (rc < 0 && c->err->code == 0)
        moat_err_set(c->err, -rc, "misconfig: walking the image failed");
    if (rc == 0)
        rc = emit_tools(w);
    if (rc == 0)
        rc = emit_caches(w);
    free(w);
    return rc;
}
