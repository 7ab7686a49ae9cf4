/*
 * test_writers.c - the native JSON (docs/sbom-json.md) parsed back with
 * jansson, the table, format names, license normalisation and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sbom/sbom_int.h"
#include "sbom_fixture.h"

static const struct moat_sbom_opts fx_opts = {"9.9.9", "2024-06-03T10:20:30Z",
                                              "0f8fad5b-d9cb-469f-a165-70867728950e", 0};

/* Run the writer into memory; caller frees. */
static char *render(enum moat_sbom_format fmt, const struct moat_image_meta *m,
                    const struct moat_inventory *inv, const struct moat_sbom_opts *opts)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int r;

    assert_non_null(f);
    r = moat_sbom_write(f, fmt, m, inv, opts, &err);
    if (r != 0)
        fprintf(stderr, "%s\n", moat_err_msg(&err));
    assert_int_equal(r, 0);
    assert_int_equal(fclose(f), 0);
    moat_err_clear(&err);
    return buf;
}

static void test_format_parse(void **state)
{
    enum moat_sbom_format f = 0;

    (void)state;
    assert_int_equal(moat_sbom_format_parse("table", &f), 0);
    assert_int_equal(f, MOAT_SBOM_TABLE);
    assert_int_equal(moat_sbom_format_parse("json", &f), 0);
    assert_int_equal(f, MOAT_SBOM_JSON);
    assert_int_equal(moat_sbom_format_parse("cyclonedx", &f), 0);
    assert_int_equal(f, MOAT_SBOM_CYCLONEDX);
    assert_int_equal(moat_sbom_format_parse("spdx", &f), 0);
    assert_int_equal(f, MOAT_SBOM_SPDX);
    assert_int_equal(moat_sbom_format_parse("spdx-json", &f), 0);
    assert_int_equal(f, MOAT_SBOM_SPDX);
    assert_int_equal(moat_sbom_format_parse("xml", &f), -MOAT_E_ARG);
    assert_int_equal(moat_sbom_format_parse("", &f), -MOAT_E_ARG);
    assert_int_equal(moat_sbom_format_parse(NULL, &f), -MOAT_E_ARG);
}

#define S(o, k) json_string_value(json_object_get((o), (k)))
#define I(o, k) json_integer_value(json_object_get((o), (k)))

static void test_native_json(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    struct moat_sbom_opts opts = fx_opts;
    json_error_t jerr;
    json_t *doc, *img, *p, *l, *h;
    char *out;
    size_t i;

    (void)state;
    fx_build(&m, &inv);
    out = render(MOAT_SBOM_JSON, &m, &inv, &opts);
    doc = json_loads(out, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(S(doc, "schema"), "moat-sbom/1");
    assert_string_equal(S(json_object_get(doc, "tool"), "name"), "moat");
    assert_string_equal(S(json_object_get(doc, "tool"), "version"), "9.9.9");
    img = json_object_get(doc, "image");
    assert_string_equal(S(img, "transport"), "docker-archive");
    assert_string_equal(S(img, "ref"), "docker-archive:/tmp/debian 12.tar");
    assert_string_equal(S(img, "manifest_digest"), FX_MANIFEST);
    assert_string_equal(S(img, "config_digest"), FX_CONFIG);
    assert_int_equal(json_array_size(json_object_get(img, "tags")), 2);
    assert_string_equal(S(img, "architecture"), "amd64");
    assert_string_equal(S(img, "user"), "");
    assert_true(json_is_null(json_object_get(img, "working_dir")));
    assert_int_equal(json_array_size(json_object_get(img, "entrypoint")), 0);
    assert_string_equal(S(json_object_get(img, "labels"), "org.opencontainers.image.title"),
                        "dëbian");
    assert_string_equal(json_string_value(json_array_get(json_object_get(img, "exposed_ports"), 0)),
                        "22/tcp");
    l = json_array_get(json_object_get(img, "layers"), 1);
    assert_int_equal(I(l, "index"), 1);
    assert_string_equal(S(l, "diff_id"), FX_DIFF1);
    assert_int_equal(I(l, "size"), 5678);
    h = json_array_get(json_object_get(img, "history"), 1);
    assert_true(json_is_true(json_object_get(h, "empty_layer")));
    assert_string_equal(S(json_object_get(doc, "distro"), "id"), "debian");
    assert_string_equal(S(json_object_get(doc, "distro"), "version_id"), "12");
    assert_string_equal(S(json_object_get(doc, "distro"), "pretty_name"),
                        "Debian GNU/Linux 12 (bookworm)");
    assert_int_equal(json_array_size(json_object_get(doc, "packages")), inv.n_pkgs);
    json_array_foreach(json_object_get(doc, "packages"), i, p)
    {
        /* every documented key, always; files only with --files */
        static const char *const keys[] = {"type",        "name",           "version", "arch",
                                           "source_name", "source_version", "license", "epoch",
                                           "layer",       "layer_diff_id",  "purl",    "db_path"};
        const char *k;
        json_t *v;
        size_t n = 0;

        json_object_foreach(p, k, v)
        {
            assert_true(n < 12);
            assert_string_equal(k, keys[n]); /* order as documented */
            n++;
        }
        assert_int_equal(n, 12);
        assert_string_equal(S(p, "name"), inv.pkgs[i].name);
    }
    p = json_array_get(json_object_get(doc, "packages"), 0);
    assert_string_equal(S(p, "type"), "deb");
    assert_string_equal(S(p, "version"), "1:2.5.1-4+b1");
    assert_string_equal(S(p, "source_version"), "1:2.5.1-4");
    assert_true(json_is_null(json_object_get(p, "license")));
    assert_int_equal(I(p, "epoch"), 1);
    assert_int_equal(I(p, "layer"), 0);
    assert_string_equal(S(p, "layer_diff_id"), FX_DIFF0);
    assert_string_equal(S(p, "purl"),
                        "pkg:deb/debian/attr@1:2.5.1-4%2Bb1?arch=amd64&distro=debian-12");
    assert_string_equal(S(p, "db_path"), "var/lib/dpkg/status");
    /* source falls back to the binary package */
    p = json_array_get(json_object_get(doc, "packages"), 4);
    assert_string_equal(S(p, "name"), "lib+foo");
    assert_string_equal(S(p, "source_name"), "lib+foo");
    assert_string_equal(S(p, "source_version"), "1.0");
    /* unknown layer */
    p = json_array_get(json_object_get(doc, "packages"), 7);
    assert_string_equal(S(p, "name"), "busybox");
    assert_int_equal(I(p, "layer"), -1);
    assert_true(json_is_null(json_object_get(p, "layer_diff_id")));
    /* invalid UTF-8 never breaks the document */
    p = json_array_get(json_object_get(doc, "packages"), 10);
    assert_string_equal(S(p, "license"), "zlib AND (MIT OR Apache-2.0)");
    json_decref(doc);
    free(out);

    opts.with_files = 1;
    out = render(MOAT_SBOM_JSON, &m, &inv, &opts);
    doc = json_loads(out, 0, &jerr);
    assert_non_null(doc);
    p = json_array_get(json_object_get(doc, "packages"), 1);
    assert_string_equal(S(p, "name"), "bash");
    assert_int_equal(json_array_size(json_object_get(p, "files")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "files"), 0)),
                        "bin/bash");
    p = json_array_get(json_object_get(doc, "packages"), 0);
    assert_int_equal(json_array_size(json_object_get(p, "files")), 0);
    json_decref(doc);
    free(out);
}

static void test_native_json_empty(void **state)
{
    struct moat_image_meta m = {0};
    struct moat_inventory inv = {0};
    json_error_t jerr;
    json_t *doc, *img;
    char *out;

    (void)state;
    m.transport = "dir";
    m.ref = "dir:/srv/rootfs";
    out = render(MOAT_SBOM_JSON, &m, &inv, NULL);
    doc = json_loads(out, 0, &jerr);
    assert_non_null(doc);
    img = json_object_get(doc, "image");
    assert_true(json_is_null(json_object_get(img, "manifest_digest")));
    assert_true(json_is_null(json_object_get(img, "config_digest")));
    assert_int_equal(json_array_size(json_object_get(img, "layers")), 0);
    assert_true(json_is_null(json_object_get(json_object_get(doc, "distro"), "id")));
    assert_int_equal(json_array_size(json_object_get(doc, "packages")), 0);
    assert_string_equal(S(json_object_get(doc, "tool"), "version"), MOAT_VERSION);
    json_decref(doc);
    free(out);
}

static void test_table(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    struct moat_pkg pkgs[3];
    char *out, *line2, *line3;
    char longname[80];

    (void)state;
    fx_build(&m, &inv);
    out = render(MOAT_SBOM_TABLE, &m, &inv, NULL);
    assert_memory_equal(out,
                        "Image: docker.io/library/debian:12  Distro: Debian GNU/Linux 12 "
                        "(bookworm)  Packages: 13\n",
                        strlen("Image: docker.io/library/debian:12  Distro: Debian GNU/Linux 12 "
                               "(bookworm)  Packages: 13\n"));
    line2 = strchr(out, '\n') + 1;
    /* widths from the data: NAME fits "openssl-libs", VERSION "1:3.0.7-27.el9" */
    assert_memory_equal(line2, "NAME          VERSION         TYPE  ARCH    LAYER\n",
                        strlen("NAME          VERSION         TYPE  ARCH    LAYER\n"));
    line3 = strchr(line2, '\n') + 1;
    assert_memory_equal(line3, "attr          1:2.5.1-4+b1    deb   amd64   0\n",
                        strlen("attr          1:2.5.1-4+b1    deb   amd64   0\n"));
    assert_non_null(strstr(out, "\nbusybox       1.36.1-r29      apk   x86_64  -\n"));
    free(out);

    /* a long name is cut at 48 characters with an ellipsis; controls shown as '?' */
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    longname[0] = '\033';
    memset(pkgs, 0, sizeof(pkgs));
    pkgs[0] = (struct moat_pkg){.type = MOAT_PKG_DEB, .name = longname, .version = "1", .layer = 2};
    pkgs[1] = (struct moat_pkg){.type = MOAT_PKG_APK, .name = "ünï", .version = "2", .layer = -1};
    inv.pkgs = pkgs;
    inv.n_pkgs = 2;
    inv.os.pretty_name = NULL;
    out = render(MOAT_SBOM_TABLE, &m, &inv, NULL);
    assert_non_null(strstr(out, "Distro: debian 12  Packages: 2\n"));
    assert_non_null(strstr(
        out,
        "\n?xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xe2\x80\xa6  1        deb   -     2\n"));
    assert_non_null(strstr(out, "\nünï"));
    assert_null(strchr(out, '\033'));
    free(out);
}

static void check_license(const char *raw, enum sbom_lic_kind kind, const char *expr, size_t n_refs)
{
    struct sbom_license l;

    assert_int_equal(sbom_license_parse(raw, &l), 0);
    assert_int_equal(l.kind, kind);
    if (expr == NULL)
        assert_null(l.expr);
    else
        assert_string_equal(l.expr, expr);
    assert_int_equal(l.n_refs, n_refs);
    sbom_license_free(&l);
}

static void test_license(void **state)
{
    struct sbom_license l;

    (void)state;
    check_license(NULL, SBOM_LIC_NONE, NULL, 0);
    check_license("  ", SBOM_LIC_NONE, NULL, 0);
    check_license("NOASSERTION", SBOM_LIC_NONE, NULL, 0);
    check_license("MIT", SBOM_LIC_ID, "MIT", 0);
    check_license("mit", SBOM_LIC_ID, "MIT", 0);                   /* canonical case */
    check_license("GPL-2.0+", SBOM_LIC_ID, "GPL-2.0+", 0);         /* a (deprecated) listed id */
    check_license("Apache-2.0+", SBOM_LIC_EXPR, "Apache-2.0+", 0); /* id "+", not an id */
    check_license("MIT or apache-2.0", SBOM_LIC_EXPR, "MIT OR Apache-2.0", 0);
    check_license("(MIT OR BSD-3-Clause) AND Zlib", SBOM_LIC_EXPR, "(MIT OR BSD-3-Clause) AND Zlib",
                  0);
    check_license("GPL-2.0-or-later with Classpath-exception-2.0", SBOM_LIC_EXPR,
                  "GPL-2.0-or-later WITH Classpath-exception-2.0", 0);
    check_license("GPL-2.0+ and BSD", SBOM_LIC_REF, "GPL-2.0+ AND LicenseRef-BSD", 1);
    check_license("GPLv2+", SBOM_LIC_REF, "LicenseRef-GPLv2-", 1);
    check_license("LicenseRef-mine", SBOM_LIC_REF, "LicenseRef-mine", 1);
    /* not expressions: the whole text becomes one LicenseRef */
    check_license("GPL2 BSD", SBOM_LIC_REF, "LicenseRef-GPL2-BSD", 1);
    check_license("Public Domain", SBOM_LIC_REF, "LicenseRef-Public-Domain", 1);
    check_license("(MIT", SBOM_LIC_REF, "LicenseRef--MIT", 1);
    check_license("MIT AND", SBOM_LIC_REF, "LicenseRef-MIT-AND", 1);
    check_license("GPLv3+ with exceptions", SBOM_LIC_REF, "LicenseRef-GPLv3--with-exceptions", 1);
    check_license("Lizenz für Ünïcode", SBOM_LIC_REF, "LicenseRef-Lizenz-f--r---n--code", 1);

    assert_int_equal(sbom_license_parse("BSD and BSD or Foo", &l), 0);
    assert_string_equal(l.expr, "LicenseRef-BSD AND LicenseRef-BSD OR LicenseRef-Foo");
    assert_int_equal(l.n_refs, 2); /* each ref once */
    assert_string_equal(l.refs[0].id, "LicenseRef-BSD");
    assert_string_equal(l.refs[0].text, "BSD");
    sbom_license_free(&l);
}

static void test_errors(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    struct moat_sbom_opts opts = fx_opts;
    struct moat_err err = MOAT_ERR_INIT;
    FILE *f;

    (void)state;
    fx_build(&m, &inv);
    f = fopen("/dev/null", "w");
    assert_non_null(f);
    opts.uuid = "not-a-uuid";
    assert_int_equal(moat_sbom_write(f, MOAT_SBOM_CYCLONEDX, &m, &inv, &opts, &err), -MOAT_E_ARG);
    assert_non_null(strstr(moat_err_msg(&err), "not a UUID"));
    moat_err_clear(&err);
    assert_int_equal(moat_sbom_write(f, MOAT_SBOM_JSON, NULL, &inv, NULL, &err), -MOAT_E_ARG);
    moat_err_clear(&err);
    assert_int_equal(moat_sbom_write(f, 42, &m, &inv, NULL, &err), -MOAT_E_ARG);
    moat_err_clear(&err);
    fclose(f);
    /* a full disk is an error, never a silently short SBOM */
    f = fopen("/dev/full", "w");
    if (f != NULL) {
        setvbuf(f, NULL, _IONBF, 0);
        assert_int_equal(moat_sbom_write(f, MOAT_SBOM_SPDX, &m, &inv, NULL, &err), -MOAT_E_IO);
        moat_err_clear(&err);
        assert_int_equal(moat_sbom_write(f, MOAT_SBOM_TABLE, &m, &inv, NULL, &err), -MOAT_E_IO);
        moat_err_clear(&err);
        fclose(f);
    }
}

static void test_random_uuid(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    json_error_t jerr;
    json_t *a, *b;
    char *x, *y;
    const char *s;

    (void)state;
    fx_build(&m, &inv);
    x = render(MOAT_SBOM_CYCLONEDX, &m, &inv, NULL);
    y = render(MOAT_SBOM_CYCLONEDX, &m, &inv, NULL);
    a = json_loads(x, 0, &jerr);
    b = json_loads(y, 0, &jerr);
    s = S(a, "serialNumber");
    assert_int_equal(strlen(s), 45);
    assert_int_equal(s[23], '4'); /* version 4 */
    assert_non_null(strchr("89ab", s[28]));
    assert_string_not_equal(s, S(b, "serialNumber"));
    /* timestamp defaults to now, RFC 3339 UTC */
    s = S(json_object_get(a, "metadata"), "timestamp");
    assert_int_equal(strlen(s), 20);
    assert_int_equal(s[19], 'Z');
    json_decref(a);
    json_decref(b);
    free(x);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),      cmocka_unit_test(test_native_json),
        cmocka_unit_test(test_native_json_empty), cmocka_unit_test(test_table),
        cmocka_unit_test(test_license),           cmocka_unit_test(test_errors),
        cmocka_unit_test(test_random_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
