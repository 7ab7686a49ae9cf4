/*
 * test_scan.c - moat_scan_run(), the pipeline every front end calls, on
 * images built here: a dir: root and a docker-archive with a Debian release,
 * a dpkg database, a planted secret and a setuid file, matched against a
 * database imported from one OSV record. Checks the findings of each
 * scanner, that the one pass serves them all, VEX and the severity filter,
 * and each warning where it applies and not on a normal scan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../source/source_test_util.h"
#include "moat/scan/scan.h"
#include "moat/vuln/vulndb.h"

static const char OS_RELEASE[] = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
                                 "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
static const char DPKG_STATUS[] = "Package: openssh-client\n"
                                  "Status: install ok installed\n"
                                  "Architecture: amd64\n"
                                  "Source: openssh\n"
                                  "Version: 1:9.2p1-2+deb12u1\n"
                                  "Description: secure shell client\n"
                                  "\n"
                                  "Package: base-files\n"
                                  "Status: install ok installed\n"
                                  "Architecture: amd64\n"
                                  "Version: 12.4+deb12u5\n"
                                  "Description: base system miscellaneous files\n";
static const char APK_INSTALLED[] = "P:musl\nV:1.2.5-r0\nA:x86_64\no:musl\n\n";
static const char ALPINE_RELEASE[] = "ID=alpine\nVERSION_ID=3.20.3\n";
static const char SECRET_FILE[] = "[default]\naws_access_key_id = AKIAZ7VQ4XJ2MRTN6KWB\n";
static const char OSV[] =
    "{\"id\":\"CVE-2099-0001\",\"modified\":\"2026-01-01T00:00:00Z\",\"summary\":\"test\","
    "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssh\"},"
    "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
    "{\"fixed\":\"1:9.2p1-2+deb12u3\"}]}]}]}";

struct fx {
    char *dir, *db, *debian, *alpine, *empty, *archive, *vex;
};

static void put(const char *root, const char *rel, const char *data, mode_t mode)
{
    char *p = path_join(root, rel);
    size_t start = strlen(root) + 1;

    /* create the parents of rel one by one */
    for (size_t i = start; p[i] != '\0'; i++) {
        if (p[i] != '/')
            continue;
        p[i] = '\0';
        mkdir(p, 0755);
        p[i] = '/';
    }
    write_file(p, data, strlen(data));
    assert_int_equal(chmod(p, mode), 0);
    free(p);
}

/* A docker-archive of two layers: the Debian root, then a layer deleting the secret. */
static char *make_archive(const char *dir)
{
    const struct tentry l0e[] = {
        {"etc/", 'd', NULL},
        {"etc/os-release", 'f', OS_RELEASE},
        {"var/lib/dpkg/status", 'f', DPKG_STATUS},
        {"root/.aws/credentials", 'f', SECRET_FILE},
    };
    const struct tentry l1e[] = {{"root/.aws/.wh.credentials", 'f', ""}};
    struct tbuf l0 = tar_build(l0e, 4), l1 = tar_build(l1e, 1);
    char *path = path_join(dir, "img.tar");

    docker_archive_write(path, &l0, &l1, "example.com/moat/scan:1", NULL);
    tb_free(&l0);
    tb_free(&l1);
    return path;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vulndb *db = NULL;
    struct moat_import_report rep;
    static const char vex[] =
        "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"@id\":\"https://x/vex-1\","
        "\"author\":\"t\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"version\":1,"
        "\"statements\":[{\"vulnerability\":{\"name\":\"CVE-2099-0001\"},"
        "\"products\":[{\"@id\":\"pkg:deb/debian/openssh-client\"}],"
        "\"status\":\"not_affected\",\"justification\":\"vulnerable_code_not_present\"}]}";

    f->dir = tmp_dir();
    f->db = path_join(f->dir, "vuln.db");
    f->debian = path_join(f->dir, "debian");
    f->alpine = path_join(f->dir, "alpine");
    f->empty = path_join(f->dir, "empty");
    f->vex = path_join(f->dir, "vex.json");
    write_file(f->vex, vex, strlen(vex));
    mkdir(f->debian, 0755);
    mkdir(f->alpine, 0755);
    mkdir(f->empty, 0755);
    put(f->debian, "etc/os-release", OS_RELEASE, 0644);
    put(f->debian, "var/lib/dpkg/status", DPKG_STATUS, 0644);
    put(f->debian, "root/.aws/credentials", SECRET_FILE, 0600);
    put(f->debian, "usr/local/bin/helper", "#!/bin/sh\n", 04755);
    put(f->alpine, "etc/os-release", ALPINE_RELEASE, 0644);
    put(f->alpine, "lib/apk/db/installed", APK_INSTALLED, 0644);
    f->archive = make_archive(f->dir);
    memset(&rep, 0, sizeof(rep));
    assert_int_equal(moat_vulndb_open(f->db, 1, &db, &err), 0);
    assert_int_equal(moat_vulndb_import_mem(db, "t.json", OSV, strlen(OSV), &rep, &err), 0);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    rm_rf(f->dir);
    free(f->dir);
    free(f->db);
    free(f->debian);
    free(f->alpine);
    free(f->empty);
    free(f->archive);
    free(f->vex);
    free(f);
    return 0;
}

static char *dir_ref(const char *path)
{
    char *r = NULL;

    assert_true(asprintf(&r, "dir:%s", path) > 0);
    return r;
}

static size_t count_kind(const struct moat_scan_result *r, enum moat_finding_kind k,
                         const char *rule)
{
    size_t n = 0;

    for (size_t i = 0; i < r->findings.n; i++)
        n += r->findings.v[i].kind == k &&
             (rule == NULL || strcmp(r->findings.v[i].rule_id, rule) == 0);
    return n;
}

static void run_ok(struct moat_scan_opts *o, struct moat_scan_result *r)
{
    struct moat_err err = MOAT_ERR_INIT;
    int rc = moat_scan_run(o, r, &err);

    if (rc < 0)
        fail_msg("moat_scan_run: %s", moat_err_msg(&err));
    moat_err_clear(&err);
}

/* All three scanners in one pass over a dir: root; no warning on a normal scan but the missing
 * config. */
static void test_dir_all_scanners(void **state)
{
    struct fx *f = *state;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;
    char *ref = dir_ref(f->debian);

    o.ref = ref;
    o.db_path = f->db;
    o.scanners = MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET | MOAT_SCANNER_MISCONFIG;
    run_ok(&o, &r);
    assert_int_equal(r.inv.n_pkgs, 2);
    assert_string_equal(r.inv.os.id, "debian");
    assert_int_equal(count_kind(&r, MOAT_FINDING_VULN, "CVE-2099-0001"), 1);
    for (size_t i = 0; i < r.findings.n; i++)
        if (r.findings.v[i].kind == MOAT_FINDING_VULN) {
            assert_string_equal(r.findings.v[i].pkg_name, "openssh-client");
            assert_string_equal(r.findings.v[i].fixed_version, "1:9.2p1-2+deb12u3");
        }
    assert_true(count_kind(&r, MOAT_FINDING_SECRET, NULL) >= 1);
    assert_true(count_kind(&r, MOAT_FINDING_MISCONFIG, NULL) >= 1); /* the setuid helper */
    /* a dir: root has no config: no "runs as root" and no healthcheck finding, but a warning */
    assert_int_equal(count_kind(&r, MOAT_FINDING_MISCONFIG, "MIC001"), 0);
    assert_int_equal(count_kind(&r, MOAT_FINDING_MISCONFIG, "MIC016"), 0);
    assert_int_equal(r.warnings.n, 1);
    assert_string_equal(r.warnings.v[0].code, "no-image-config");
    assert_int_equal(r.scanners, o.scanners);
    assert_int_equal(r.n_scanner_names, 3);
    assert_string_equal(r.db_path, f->db);
    /* sorted: severities never increase */
    for (size_t i = 1; i < r.findings.n; i++)
        assert_true(r.findings.v[i - 1].severity >= r.findings.v[i].severity);
    moat_scan_result_free(&r);

    /* vuln only: no warning at all */
    o.scanners = MOAT_SCANNER_VULN;
    run_ok(&o, &r);
    assert_int_equal(r.warnings.n, 0);
    assert_int_equal(r.findings.n, 1);
    assert_int_equal(r.n_scanner_names, 1);
    moat_scan_result_free(&r);
    free(ref);
}

/* The docker-archive: the secret a later layer deleted is still found; the config is checked. */
static void test_archive(void **state)
{
    struct fx *f = *state;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;

    o.ref = f->archive;
    o.db_path = f->db;
    o.scanners = MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET | MOAT_SCANNER_MISCONFIG;
    run_ok(&o, &r);
    assert_non_null(r.meta);
    assert_string_equal(r.meta->name, "example.com/moat/scan:1");
    assert_int_equal(count_kind(&r, MOAT_FINDING_VULN, "CVE-2099-0001"), 1);
    assert_true(count_kind(&r, MOAT_FINDING_SECRET, NULL) >= 1);
    /* the config exposes 22/tcp: the port check runs on an image with a config */
    assert_true(count_kind(&r, MOAT_FINDING_MISCONFIG, NULL) >= 1);
    assert_int_equal(moat_warnings_count(&r.warnings, "no-image-config"), 0);
    moat_scan_result_free(&r);

    /* no scanners: the inventory only (moat sbom), no database needed */
    memset(&o, 0, sizeof(o));
    o.ref = f->archive;
    o.db_path = "/nonexistent/vuln.db";
    run_ok(&o, &r);
    assert_int_equal(r.inv.n_pkgs, 2);
    assert_int_equal(r.findings.n, 0);
    assert_int_equal(r.warnings.n, 0);
    assert_null(r.db_path);
    moat_scan_result_free(&r);
}

/* An image the caller opened (moat admit) is scanned, not reopened, and stays the caller's. */
static void test_borrowed_image(void **state)
{
    struct fx *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;
    struct moat_image *img = NULL;

    assert_int_equal(moat_image_open(f->archive, NULL, &img, &err), 0);
    o.ref = "borrowed";
    o.image = img;
    o.db_path = f->db;
    o.scanners = MOAT_SCANNER_SECRET | MOAT_SCANNER_VULN;
    run_ok(&o, &r);
    assert_null(r.image);
    assert_ptr_equal(r.meta, moat_image_meta(img));
    assert_int_equal(count_kind(&r, MOAT_FINDING_VULN, NULL), 1);
    moat_scan_result_free(&r);
    moat_image_free(img);
}

/* What limits the answer is said: no OS, no packages, no advisories, stale database. */
static void test_warnings(void **state)
{
    struct fx *f = *state;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;
    char *empty = dir_ref(f->empty), *alpine = dir_ref(f->alpine), *debian = dir_ref(f->debian);

    o.db_path = f->db;
    o.scanners = MOAT_SCANNER_VULN | MOAT_SCANNER_MISCONFIG;
    o.ref = empty;
    run_ok(&o, &r);
    assert_int_equal(r.findings.n, 0);
    assert_int_equal(moat_warnings_count(&r.warnings, "os-not-detected"), 1);
    assert_int_equal(moat_warnings_count(&r.warnings, "no-packages"), 1);
    assert_int_equal(moat_warnings_count(&r.warnings, "no-image-config"), 1);
    moat_scan_result_free(&r);

    /* an Alpine root against a Debian-only database */
    o.scanners = MOAT_SCANNER_VULN;
    o.ref = alpine;
    run_ok(&o, &r);
    assert_int_equal(r.findings.n, 0);
    assert_int_equal(r.warnings.n, 1);
    assert_string_equal(r.warnings.v[0].code, "db-no-advisories");
    assert_non_null(strstr(r.warnings.v[0].message, "Alpine:v3.20"));
    moat_scan_result_free(&r);

    /* the same database, a month later */
    o.ref = debian;
    o.now = (int64_t)time(NULL) + 30 * 86400;
    run_ok(&o, &r);
    assert_int_equal(r.warnings.n, 1);
    assert_string_equal(r.warnings.v[0].code, "db-stale");
    moat_scan_result_free(&r);
    free(empty);
    free(alpine);
    free(debian);
}

/* VEX settles a finding; the severity filter counts what it left out, unknown apart. */
static void test_vex_and_filter(void **state)
{
    struct fx *f = *state;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;
    const char *vex[] = {f->vex};
    char *ref = dir_ref(f->debian);

    o.ref = ref;
    o.db_path = f->db;
    o.scanners = MOAT_SCANNER_VULN;
    o.vex = vex;
    o.n_vex = 1;
    run_ok(&o, &r);
    assert_int_equal(r.findings.n, 0);
    assert_int_equal(r.dropped.vex_suppressed, 1);
    moat_scan_result_free(&r);

    /* the OSV record has no severity: UNKNOWN, left out by a HIGH,CRITICAL gate and counted */
    o.n_vex = 0;
    o.severity_mask = (1 << MOAT_SEV_HIGH) | (1 << MOAT_SEV_CRITICAL);
    run_ok(&o, &r);
    assert_int_equal(r.findings.n, 0);
    assert_int_equal(r.dropped.filtered, 1);
    assert_int_equal(r.dropped.filtered_unknown, 1);
    moat_scan_result_free(&r);
    free(ref);
}

/* --skip-files / --skip-dirs: findings in those image files go, the rest stay. */
static void test_skip(void **state)
{
    struct fx *f = *state;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;
    const char *dirs[] = {"/root"}, *files[] = {"**/helper"};
    char *ref = dir_ref(f->debian);
    size_t secrets, misconfig;

    o.ref = ref;
    o.scanners = MOAT_SCANNER_SECRET | MOAT_SCANNER_MISCONFIG;
    run_ok(&o, &r);
    secrets = count_kind(&r, MOAT_FINDING_SECRET, NULL);
    misconfig = count_kind(&r, MOAT_FINDING_MISCONFIG, NULL);
    assert_true(secrets >= 1 && misconfig >= 1);
    moat_scan_result_free(&r);
    o.skip_dirs = dirs;
    o.n_skip_dirs = 1;
    run_ok(&o, &r);
    assert_int_equal(count_kind(&r, MOAT_FINDING_SECRET, NULL), 0);
    assert_int_equal(count_kind(&r, MOAT_FINDING_MISCONFIG, NULL), misconfig);
    assert_int_equal(r.skipped, secrets);
    moat_scan_result_free(&r);
    o.skip_files = files;
    o.n_skip_files = 1;
    run_ok(&o, &r);
    assert_int_equal(r.findings.n, 0);
    moat_scan_result_free(&r);
    free(ref);
}

/* Errors name the input; nothing is half-given. */
static void test_errors(void **state)
{
    struct fx *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_scan_opts o = {0};
    struct moat_scan_result r;
    char *ref = dir_ref(f->debian);
    char longpath[5000];

    o.ref = ref;
    o.scanners = MOAT_SCANNER_VULN;
    o.db_path = "/nonexistent/vuln.db";
    assert_true(moat_scan_run(&o, &r, &err) < 0);
    assert_non_null(strstr(moat_err_msg(&err), "/nonexistent/vuln.db"));
    assert_int_equal(r.findings.n, 0);
    moat_scan_result_free(&r);
    /* a --db longer than a path may be is refused, not cut (cmd_admit used to cut it) */
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    o.db_path = longpath;
    assert_int_equal(moat_scan_run(&o, &r, &err), -MOAT_E_ARG);
    moat_scan_result_free(&r);
    o.db_path = f->db;
    o.ref = "docker-archive:/nonexistent/img.tar";
    assert_true(moat_scan_run(&o, &r, &err) < 0);
    assert_non_null(strstr(moat_err_msg(&err), "/nonexistent/img.tar"));
    moat_scan_result_free(&r);
    moat_err_clear(&err);
    free(ref);
}

static void test_scanners_parse(void **state)
{
    unsigned s;

    (void)state;
    assert_int_equal(moat_scan_scanners_parse("vuln", &s), 0);
    assert_int_equal(s, MOAT_SCANNER_VULN);
    assert_int_equal(moat_scan_scanners_parse("secret,misconfig,vuln", &s), 0);
    assert_int_equal(s, MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET | MOAT_SCANNER_MISCONFIG);
    assert_int_equal(moat_scan_scanners_parse("", &s), -MOAT_E_ARG);
    assert_int_equal(moat_scan_scanners_parse("vuln,", &s), -MOAT_E_ARG);
    assert_int_equal(moat_scan_scanners_parse("vuln,,secret", &s), -MOAT_E_ARG);
    assert_int_equal(moat_scan_scanners_parse("vulns", &s), -MOAT_E_ARG);
    assert_int_equal(moat_scan_scanners_parse("VULN", &s), -MOAT_E_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_all_scanners), cmocka_unit_test(test_archive),
        cmocka_unit_test(test_borrowed_image),   cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_vex_and_filter),   cmocka_unit_test(test_skip),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_scanners_parse),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
