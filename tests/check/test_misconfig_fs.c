/* test_misconfig_fs.c - the filesystem checks on merged views built from
 * in-memory layers, each with a case that fires and cases that must stay
 * quiet: setuid/setgid (package-owned across the usr-merge "bin ->
 * usr/bin" symlink, known-good, build-added, --setuid-allow),
 * world-writable, ssh host keys and private keys (content sniffed, also
 * split across chunks), tools and sudo by path and by package (one finding
 * per tool, busybox applets skipped), package caches, the per-rule cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "misconfig_test.h"

static int run(const struct mc_layer *layers, size_t n, const struct moat_inventory *inv,
               struct moat_misconfig_opts *o, bool sniff, struct moat_findings *out)
{
    struct moat_misconfig_sniffer *sn = NULL;
    struct moat_fs *fs = mc_build(layers, n, sniff ? &sn : NULL);
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_misconfig_opts none = {0};
    int rc;

    assert_non_null(fs);
    if (o == NULL)
        o = &none;
    o->sniffer = sn;
    rc = moat_misconfig_run(NULL, fs, inv, o, out, &err);
    if (rc < 0)
        fprintf(stderr, "run: %s\n", moat_err_msg(&err));
    moat_err_clear(&err);
    moat_fs_free(fs);
    moat_misconfig_sniffer_free(sn);
    o->sniffer = NULL;
    mc_dump(out);
    return rc;
}

/* A usr-merged base: bin -> usr/bin, the setuid files Debian ships. */
static const struct mem_entry base[] = {
    MD("usr", 0755),
    MD("usr/bin", 0755),
    MD("usr/sbin", 0755),
    {MOAT_FT_SYMLINK, "bin", "usr/bin", NULL, 0, 0777},
    {MOAT_FT_SYMLINK, "sbin", "usr/sbin", NULL, 0, 0777},
    MF("usr/bin/su", "ELF", 04755),
    MF("usr/bin/passwd", "ELF", 04755),
    MF("usr/sbin/unix_chkpwd", "ELF", 02755),
    MF("usr/bin/weird", "ELF", 04755),
    MF("usr/bin/ls", "ELF", 0755),
    MD("tmp", 01777),
    MD("var", 0755),
    MD("var/mail", 02775), /* setgid directory: fine */
    MD("var/tmp", 01777),
};

static char *util_files[] = {"bin/su", "usr/share/doc/util-linux"};
static char *passwd_files[] = {"usr/bin/passwd"};
static char *pam_files[] = {"sbin/unix_chkpwd"};
static char *weird_files[] = {"bin/weird"};
static struct moat_pkg base_pkgs[] = {
    {.type = MOAT_PKG_DEB,
     .name = "libpam-modules-bin",
     .version = "1.5",
     .files = pam_files,
     .n_files = 1,
     .layer = 0},
    {.type = MOAT_PKG_DEB,
     .name = "passwd",
     .version = "1:4.13",
     .files = passwd_files,
     .n_files = 1,
     .layer = 0},
    {.type = MOAT_PKG_DEB,
     .name = "util-linux",
     .version = "2.38",
     .files = util_files,
     .n_files = 2,
     .layer = 0},
    {.type = MOAT_PKG_DEB,
     .name = "weird",
     .version = "1.0",
     .files = weird_files,
     .n_files = 1,
     .layer = 0},
};
static const struct moat_inventory base_inv = {.pkgs = base_pkgs, .n_pkgs = 4};

static void test_setuid(void **state)
{
    static const struct mem_entry l1[] = {
        MD("usr/local", 0755),
        MD("usr/local/bin", 0755),
        MF("usr/local/bin/helper", "ELF", 04755),
        MF("usr/local/bin/gid", "ELF", 02711),
        MF("usr/local/bin/noexec", "x", 04644), /* setuid without exec: nothing runs */
    };
    const struct mc_layer layers[] = {LAYER(base), LAYER(l1)};
    const char *allow[] = {"/usr/bin/weird", "usr/local/bin/gid"};
    struct moat_misconfig_opts o = {.setuid_allow = allow, .n_setuid_allow = 2};
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    assert_int_equal(run(layers, 2, &base_inv, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC006"), 2);
    assert_int_equal(mc_count(&out, "MIC007"), 1);
    assert_int_equal(out.n, 3);
    f = mc_find(&out, "MIC006", "usr/local/bin/helper");
    assert_non_null(f);
    assert_int_equal(f->severity, MOAT_SEV_HIGH);
    assert_int_equal(f->layer, 1);
    assert_string_equal(f->cis, "4.8");
    assert_non_null(strstr(f->match, "4755"));
    assert_non_null(mc_find(&out, "MIC006", "usr/local/bin/gid"));
    f = mc_find(&out, "MIC007", "usr/bin/weird");
    assert_non_null(f);
    assert_int_equal(f->severity, MOAT_SEV_LOW);
    assert_string_equal(f->pkg_name, "weird");
    moat_findings_free(&out);

    /* --setuid-allow clears both kinds */
    assert_int_equal(run(layers, 2, &base_inv, &o, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC006"), 1);
    assert_int_equal(mc_count(&out, "MIC007"), 0);
    moat_findings_free(&out);

    /* without an inventory nothing is a package file, not even su */
    assert_int_equal(run(layers, 1, NULL, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC006"), 4);
    moat_findings_free(&out);

    /* the base alone: all package-owned and known good */
    assert_int_equal(run(layers, 1, &base_inv, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC006"), 0);
    assert_int_equal(mc_count(&out, "MIC007"), 1);
    moat_findings_free(&out);
}

static void test_world_writable(void **state)
{
    static const struct mem_entry l0[] = {
        MD("tmp", 01777),
        MD("srv", 0755),
        MD("srv/shared", 0777),
        MF("srv/app.conf", "x", 0666),
        MF("srv/ok.conf", "x", 0664),
        {MOAT_FT_SYMLINK, "srv/link", "app.conf", NULL, 0, 0777},
        {MOAT_FT_CHR, "dev-null", NULL, NULL, 0, 0666},
    };
    const struct mc_layer layers[] = {LAYER(l0)};
    struct moat_findings out = {0};

    (void)state;
    assert_int_equal(run(layers, 1, NULL, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC008"), 2);
    assert_int_equal(out.n, 2);
    assert_non_null(mc_find(&out, "MIC008", "srv/shared"));
    assert_non_null(mc_find(&out, "MIC008", "srv/app.conf"));
    moat_findings_free(&out);
}

/* A layer that makes the image root itself world-writable. */
static void test_world_writable_root(void **state)
{
    static const struct mem_entry l0[] = {MD("./", 0777), MF("a", "x", 0644)};
    static const struct mem_entry l1[] = {MD("./", 0755)};
    const struct mc_layer layers[] = {LAYER(l0), LAYER(l1)};
    struct moat_findings out = {0};

    (void)state;
    assert_int_equal(run(layers, 1, NULL, NULL, true, &out), 0);
    assert_int_equal(out.n, 1);
    assert_non_null(mc_find(&out, "MIC008", "/"));
    moat_findings_free(&out);
    assert_int_equal(run(layers, 2, NULL, NULL, true, &out), 0);
    assert_int_equal(out.n, 0);
    moat_findings_free(&out);
}

static void test_keys(void **state)
{
    static const struct mem_entry l0[] = {
        MD("etc", 0755),
        MD("etc/ssh", 0755),
        MF("etc/ssh/ssh_host_ed25519_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n", 0600),
        MF("etc/ssh/ssh_host_ed25519_key.pub", "ssh-ed25519 AAAA root@x\n", 0644),
        MF("etc/ssh/ssh_config", "Host *\n", 0644),
        MD("etc/ssl", 0755),
        MF("etc/ssl/cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
           0644),
        MD("root", 0700),
        MD("root/.ssh", 0700),
        MF("root/.ssh/id_rsa", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", 0600),
        MF("root/.ssh/id_rsa.pub", "ssh-rsa AAAA\n", 0644),
        MD("srv", 0755),
        MF("srv/server.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n", 0600),
        MF("srv/notes.txt", "-----BEGIN PRIVATE KEY-----\n", 0644), /* not a key file name */
        MF("srv/empty.key", "", 0600),
        MD("usr", 0755),
        MD("usr/share", 0755),
        MF("usr/share/test.key", "-----BEGIN EC PRIVATE KEY-----\n", 0644), /* package's */
    };
    /* a later layer replaces the key with a certificate: no longer a key */
    static const struct mem_entry l1[] = {
        MF("srv/server.key", "-----BEGIN CERTIFICATE-----\n", 0644),
        MF("srv/bundle.pem",
           "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
           "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n",
           0600),
    };
    static char *files[] = {"usr/share/test.key"};
    static struct moat_pkg pkg = {.type = MOAT_PKG_DEB,
                                  .name = "t",
                                  .version = "1",
                                  .files = files,
                                  .n_files = 1,
                                  .layer = 0};
    const struct moat_inventory inv = {.pkgs = &pkg, .n_pkgs = 1};
    const struct mc_layer layers[] = {LAYER(l0), LAYER(l1)};
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    assert_int_equal(run(layers, 1, &inv, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC009"), 1);
    assert_int_equal(mc_count(&out, "MIC010"), 2);
    assert_int_equal(out.n, 3);
    f = mc_find(&out, "MIC009", "etc/ssh/ssh_host_ed25519_key");
    assert_non_null(f);
    assert_int_equal(f->severity, MOAT_SEV_HIGH);
    assert_non_null(mc_find(&out, "MIC010", "root/.ssh/id_rsa"));
    assert_non_null(mc_find(&out, "MIC010", "srv/server.key"));
    moat_findings_free(&out);

    assert_int_equal(run(layers, 2, &inv, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC010"), 2);
    assert_null(mc_find(&out, "MIC010", "srv/server.key"));
    f = mc_find(&out, "MIC010", "srv/bundle.pem");
    assert_non_null(f);
    assert_int_equal(f->layer, 1);
    moat_findings_free(&out);

    /* without the sniffer: only the ssh client key is judged by its path */
    assert_int_equal(run(layers, 1, &inv, NULL, false, &out), 0);
    assert_int_equal(mc_count(&out, "MIC009"), 1);
    assert_int_equal(mc_count(&out, "MIC010"), 1);
    assert_non_null(mc_find(&out, "MIC010", "root/.ssh/id_rsa"));
    moat_findings_free(&out);
}

/* The sniffer sees a marker split across chunks, and only in key-named files. */
static void test_sniffer_chunks(void **state)
{
    const char *text = "garbage line\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n";
    struct moat_misconfig_sniffer *sn = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs_visitor v;
    struct moat_fs_node node = {0};
    size_t len = strlen(text);

    (void)state;
    assert_int_equal(moat_misconfig_sniffer_new(&sn, &err), 0);
    v = moat_misconfig_sniffer_visitor(sn);
    node.type = MOAT_FT_REG;
    node.size = len;
    for (size_t step = 1; step <= 9; step += 4) {
        const char *paths[] = {"a/id_ed25519", "a/readme"};

        for (size_t p = 0; p < 2; p++) {
            bool want = false;

            assert_int_equal(v.begin(v.ctx, (uint32_t)step, paths[p], &node, &want, &err), 0);
            assert_int_equal(want, p == 0);
            for (size_t at = 0; want && at < len; at += step)
                assert_int_equal(v.chunk(v.ctx, text + at, len - at < step ? len - at : step, &err),
                                 0);
            assert_int_equal(v.end(v.ctx, &err), 0);
        }
        assert_true(moat_misconfig_sniffed_key(sn, (uint32_t)step, "a/id_ed25519"));
        assert_false(moat_misconfig_sniffed_key(sn, (uint32_t)step, "a/readme"));
        assert_false(moat_misconfig_sniffed_key(sn, (uint32_t)step + 1, "a/id_ed25519"));
    }
    /* too large to read */
    node.size = MOAT_MISCONFIG_SNIFF_MAX + 1;
    {
        bool want = false;

        assert_int_equal(v.begin(v.ctx, 0, "big.pem", &node, &want, &err), 0);
        assert_false(want);
        assert_int_equal(v.end(v.ctx, &err), 0);
    }
    moat_misconfig_sniffer_free(sn);
}

static void test_tools(void **state)
{
    static const struct mem_entry l0[] = {
        MD("usr", 0755),
        MD("usr/bin", 0755),
        MD("usr/sbin", 0755),
        {MOAT_FT_SYMLINK, "bin", "usr/bin", NULL, 0, 0777},
        MF("usr/sbin/sshd", "ELF", 0755),
        MF("usr/bin/gcc-12", "ELF", 0755),
        {MOAT_FT_SYMLINK, "usr/bin/gcc", "gcc-12", NULL, 0, 0777},
        {MOAT_FT_SYMLINK, "usr/bin/cc", "gcc", NULL, 0, 0777},
        MF("usr/bin/busybox", "ELF", 0755),
        {MOAT_FT_SYMLINK, "usr/bin/nc", "/bin/busybox", NULL, 0, 0777},     /* an applet */
        {MOAT_FT_SYMLINK, "usr/bin/strace", "/nonexistent", NULL, 0, 0777}, /* dangling */
        MF("usr/bin/tcpdump.txt", "x", 0644),
        MF("usr/bin/nc.openbsd", "ELF", 0755),
        MD("opt", 0755),
        MF("opt/socat", "ELF", 0755), /* not in an executable directory */
    };
    static const struct mem_entry l1[] = {
        MF("usr/bin/sudo", "ELF", 0755),
        MF("usr/bin/make", "ELF", 0755),
    };
    static char *ssh_files[] = {"usr/sbin/sshd"};
    static char *gcc_files[] = {"usr/bin/gcc-12"};
    static char *nc_files[] = {"bin/nc.openbsd", "usr/share/man/man1/nc_openbsd.1.gz"};
    static struct moat_pkg pkgs[] = {
        {.type = MOAT_PKG_DEB,
         .name = "gcc-12",
         .version = "12.2.0",
         .files = gcc_files,
         .n_files = 1,
         .layer = 0},
        {.type = MOAT_PKG_DEB, .name = "gcc-12-base", .version = "12.2.0", .layer = 0},
        {.type = MOAT_PKG_DEB,
         .name = "netcat-openbsd",
         .version = "1.219",
         .files = nc_files,
         .n_files = 2,
         .layer = 0},
        {.type = MOAT_PKG_DEB,
         .name = "openssh-server",
         .version = "1:9.2p1",
         .files = ssh_files,
         .n_files = 1,
         .layer = 0},
    };
    const struct moat_inventory inv = {.pkgs = pkgs, .n_pkgs = 4};
    const struct mc_layer layers[] = {LAYER(l0), LAYER(l1)};
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    assert_int_equal(run(layers, 2, &inv, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC002"), 1);
    assert_int_equal(mc_count(&out, "MIC003"), 1);
    assert_int_equal(mc_count(&out, "MIC004"), 2); /* gcc and make; cc is gcc */
    assert_int_equal(mc_count(&out, "MIC011"), 1);
    assert_int_equal(out.n, 5);
    /* the package says bin/nc.openbsd; the image has it under usr/bin (bin -> usr/bin) */
    f = mc_find(&out, "MIC003", "usr/bin/nc.openbsd");
    assert_non_null(f);
    assert_string_equal(f->pkg_name, "netcat-openbsd");
    f = mc_find(&out, "MIC002", "usr/sbin/sshd");
    assert_non_null(f);
    assert_string_equal(f->pkg_name, "openssh-server");
    assert_string_equal(f->cis, "4.3");
    assert_non_null(strstr(f->match, "openssh-server"));
    f = mc_find(&out, "MIC004", "usr/bin/gcc-12");
    assert_non_null(f);
    assert_string_equal(f->pkg_name, "gcc-12");
    f = mc_find(&out, "MIC011", "usr/bin/sudo");
    assert_non_null(f);
    assert_null(f->pkg_name);
    assert_int_equal(f->layer, 1);
    f = mc_find(&out, "MIC004", "usr/bin/make");
    assert_non_null(f);
    moat_findings_free(&out);

    /* no inventory: found by path, the symlinked gcc and the real gcc-12 are one tool;
     * nc is a busybox applet, nc.openbsd a real netcat */
    assert_int_equal(run(layers, 1, NULL, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC002"), 1);
    assert_int_equal(mc_count(&out, "MIC004"), 1);
    assert_non_null(mc_find(&out, "MIC003", "usr/bin/nc.openbsd"));
    assert_int_equal(out.n, 3);
    moat_findings_free(&out);
}

static void test_sudo_package(void **state)
{
    static const struct mem_entry l0[] = {MD("etc", 0755)};
    static struct moat_pkg pkgs[] = {
        {.type = MOAT_PKG_APK,
         .name = "sudo",
         .version = "1.9.15",
         .layer = 0,
         .db_path = "lib/apk/db/installed"},
    };
    const struct moat_inventory inv = {.pkgs = pkgs, .n_pkgs = 1};
    const struct mc_layer layers[] = {LAYER(l0)};
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    assert_int_equal(run(layers, 1, &inv, NULL, true, &out), 0);
    assert_int_equal(out.n, 1);
    f = mc_find(&out, "MIC011", "lib/apk/db/installed");
    assert_non_null(f);
    assert_string_equal(f->pkg_type, "apk");
    moat_findings_free(&out);
}

static void test_caches(void **state)
{
    static const struct mem_entry l0[] = {
        MD("var", 0755),
        MD("var/cache", 0755),
        MD("var/cache/apt", 0755),
        MD("var/cache/apt/archives", 0755),
        MD("var/cache/apt/archives/partial", 0700),
        MF("var/cache/apt/archives/lock", "", 0640),
        MD("var/lib", 0755),
        MD("var/lib/apt", 0755),
        MD("var/lib/apt/lists", 0755),
        MD("var/lib/apt/lists/partial", 0700),
        MF("var/lib/apt/lists/lock", "", 0640),
        MF("var/cache/debconf.dat", "not a package cache", 0644),
    };
    static const struct mem_entry l1[] = {
        MF("var/cache/apt/archives/curl_7.88_amd64.deb", "0123456789", 0644),
        MF("var/cache/apt/archives/libc6_2.36_amd64.deb", "01234", 0644),
        MF("var/lib/apt/lists/deb.debian.org_Packages", "Package: x\n", 0644),
        MF("var/cache/apt/pkgcache.bin", "abc", 0644),
        MD("root", 0700),
        MD("root/.cache", 0755),
        MD("root/.cache/pip", 0755),
        MD("root/.cache/pip/http", 0755),
        MF("root/.cache/pip/http/a", "12", 0644),
        MD("home", 0755),
        MD("home/app", 0755),
        MD("home/app/.npm", 0755),
        MF("home/app/.npm/x.json", "{}", 0644),
    };
    const struct mc_layer layers[] = {LAYER(l0), LAYER(l1)};
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    assert_int_equal(run(layers, 1, NULL, NULL, true, &out), 0);
    assert_int_equal(out.n, 0);
    moat_findings_free(&out);
    assert_int_equal(run(layers, 2, NULL, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC012"), 5);
    f = mc_find(&out, "MIC012", "var/cache/apt/archives");
    assert_non_null(f);
    assert_string_equal(f->match, "2 files, 15 bytes");
    assert_int_equal(f->layer, 1);
    f = mc_find(&out, "MIC012", "var/lib/apt/lists");
    assert_string_equal(f->match, "1 files, 11 bytes");
    assert_non_null(mc_find(&out, "MIC012", "var/cache/apt"));
    assert_non_null(mc_find(&out, "MIC012", "root/.cache/pip"));
    assert_non_null(mc_find(&out, "MIC012", "home/app/.npm"));
    moat_findings_free(&out);
}

/* 150 world-writable files: 100 listed, then one finding with the count of the rest. */
static void test_cap(void **state)
{
    struct mem_entry e[151];
    char names[150][32];
    struct mc_layer layer = {e, 151};
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    e[0] = (struct mem_entry)MD("w", 0755);
    for (int i = 0; i < 150; i++) {
        snprintf(names[i], sizeof(names[i]), "w/f%03d", i);
        e[i + 1] = (struct mem_entry)MF(names[i], "x", 0666);
    }
    assert_int_equal(run(&layer, 1, NULL, NULL, true, &out), 0);
    assert_int_equal(mc_count(&out, "MIC008"), 101);
    f = mc_find(&out, "MIC008", "(more)");
    assert_non_null(f);
    assert_non_null(strstr(f->description, "50 more"));
    moat_findings_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setuid),
        cmocka_unit_test(test_world_writable),
        cmocka_unit_test(test_world_writable_root),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_sniffer_chunks),
        cmocka_unit_test(test_tools),
        cmocka_unit_test(test_sudo_package),
        cmocka_unit_test(test_caches),
        cmocka_unit_test(test_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
