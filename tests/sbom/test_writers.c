/*
 * test_writers.c - the native JSON (docs/sbom-json.md) parsed back with
 * jansson, the table, format names, license normalisation and errors, and a
 * 50k-package inventory through every streamed writer.
 */
#include <ctype.h>
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

#define BIG_N 50000

/*
 * BIG_N packages: every 100th repeats the one before it (same purl and
 * SPDXID, so it takes "#2" / "-2"), licenses cycle through none, a listed id,
 * one needing LicenseRef-BSD, and every 1000th a LicenseRef of its own.
 */
static struct moat_pkg *big_pkgs(void)
{
    struct moat_pkg *v = calloc(BIG_N, sizeof(*v));
    size_t i;

    assert_non_null(v);
    for (i = 0; i < BIG_N; i++) {
        size_t id = i % 100 == 99 ? i - 1 : i;
        struct moat_pkg *p = &v[i];

        p->type = MOAT_PKG_DEB;
        assert_true(asprintf(&p->name, "pkg%05zu", id) > 0);
        assert_true(asprintf(&p->version, "1.%zu-1", id) > 0);
        p->layer = -1; /* no arch, layer or db path: small documents parse faster */
        p->license = i % 4 == 1 ? "MIT" : i % 4 == 2 ? "GPL-2.0+ and BSD" : NULL;
        if (i % 1000 == 0)
            assert_true(asprintf(&p->license, "Custom-%zu", i) > 0);
    }
    return v;
}

static void big_free(struct moat_pkg *v)
{
    size_t i;

    for (i = 0; i < BIG_N; i++) {
        free(v[i].name);
        free(v[i].version);
        if (i % 1000 == 0)
            free(v[i].license);
    }
    free(v);
}

/*
 * A strict JSON checker (RFC 8259 grammar, UTF-8 strings), independent of
 * jansson and fast enough for documents of tens of MB, which jansson parses
 * far more slowly than the writers write them. For each target it counts the
 * members of the array under that top-level key and keeps the text of member
 * number want for jansson to parse.
 */
struct jc_target {
    const char *key;
    size_t want;
    long count; /* -1: key not found */
    const char *span, *span_end;
};

struct jc {
    const char *p, *end;
    int depth;
    struct jc_target *t;
    size_t n_t;
};

static int jc_value(struct jc *c, struct jc_target *count);

static void jc_ws(struct jc *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

static int jc_string(struct jc *c, const char **s, size_t *n)
{
    const char *start;

    if (c->p >= c->end || *c->p != '"')
        return -1;
    start = ++c->p;
    while (c->p < c->end && *c->p != '"') {
        unsigned char ch = (unsigned char)*c->p;
        size_t len, i;

        if (ch < 0x20)
            return -1;
        if (ch == '\\') {
            if (++c->p >= c->end)
                return -1;
            if (*c->p == 'u') {
                for (i = 1; i <= 4; i++)
                    if (c->p + i >= c->end || !isxdigit((unsigned char)c->p[i]))
                        return -1;
                c->p += 5;
            } else if (*c->p != '\0' && strchr("\"\\/bfnrt", *c->p) != NULL) {
                c->p++;
            } else {
                return -1;
            }
            continue;
        }
        len = ch < 0x80                  ? 1
              : ch >= 0xc2 && ch <= 0xdf ? 2
              : ch >= 0xe0 && ch <= 0xef ? 3
              : ch >= 0xf0 && ch <= 0xf4 ? 4
                                         : 0;
        if (len == 0 || (size_t)(c->end - c->p) < len)
            return -1;
        for (i = 1; i < len; i++)
            if (((unsigned char)c->p[i] & 0xc0) != 0x80)
                return -1;
        c->p += len;
    }
    if (c->p >= c->end)
        return -1;
    *s = start;
    *n = (size_t)(c->p - start);
    c->p++;
    return 0;
}

static int jc_digits(struct jc *c)
{
    const char *s = c->p;

    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return c->p > s ? 0 : -1;
}

static int jc_number(struct jc *c)
{
    if (*c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (jc_digits(c) < 0)
        return -1;
    if (c->p < c->end && *c->p == '.' && (c->p++, jc_digits(c) < 0))
        return -1;
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        return jc_digits(c);
    }
    return 0;
}

static int jc_literal(struct jc *c, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return -1;
    c->p += n;
    return 0;
}

static int jc_container(struct jc *c, char close, struct jc_target *count)
{
    size_t i, n = 0;

    c->p++;
    jc_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        struct jc_target *sub = NULL;
        const char *start;

        jc_ws(c);
        if (close == '}') {
            const char *k;
            size_t kn;

            if (jc_string(c, &k, &kn) < 0)
                return -1;
            for (i = 0; c->depth == 1 && i < c->n_t; i++)
                if (strlen(c->t[i].key) == kn && memcmp(c->t[i].key, k, kn) == 0)
                    sub = &c->t[i];
            jc_ws(c);
            if (c->p >= c->end || *c->p++ != ':')
                return -1;
            jc_ws(c);
        }
        start = c->p;
        if (jc_value(c, sub) < 0)
            return -1;
        if (count != NULL && n == count->want) {
            count->span = start;
            count->span_end = c->p;
        }
        n++;
        jc_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            break;
        }
        return -1;
    }
    if (count != NULL)
        count->count = (long)n;
    return 0;
}

/* count: the target whose array this value is, or NULL. */
static int jc_value(struct jc *c, struct jc_target *count)
{
    const char *s;
    size_t n;
    int r;

    if (c->p >= c->end || c->depth > 64)
        return -1;
    switch (*c->p) {
    case '{':
    case '[':
        c->depth++;
        r = jc_container(c, *c->p == '{' ? '}' : ']', *c->p == '[' ? count : NULL);
        c->depth--;
        return r;
    case '"':
        return jc_string(c, &s, &n);
    case 't':
        return jc_literal(c, "true");
    case 'f':
        return jc_literal(c, "false");
    case 'n':
        return jc_literal(c, "null");
    default:
        return *c->p == '-' || (*c->p >= '0' && *c->p <= '9') ? jc_number(c) : -1;
    }
}

/* Check doc is one JSON value; fill the targets. */
static void check_json(const char *doc, struct jc_target *t, size_t n_t)
{
    struct jc c = {doc, doc + strlen(doc), 0, t, n_t};
    size_t i;

    for (i = 0; i < n_t; i++)
        t[i].count = -1;
    jc_ws(&c);
    assert_int_equal(jc_value(&c, NULL), 0);
    jc_ws(&c);
    assert_true(c.p == c.end);
}

/* Member t->want of the array of t, parsed by jansson. */
static json_t *jc_member(const struct jc_target *t)
{
    json_error_t jerr;
    json_t *v;

    assert_non_null(t->span);
    v = json_loadb(t->span, (size_t)(t->span_end - t->span), JSON_DECODE_ANY, &jerr);
    assert_non_null(v);
    return v;
}

/*
 * Every value of "key": "..." in doc is distinct; returns how many, and how
 * many end in suffix. A plain scan: sanitizers' strstr() is quadratic here.
 */
static size_t count_unique(const char *doc, const char *key, const char *suffix, size_t *n_suffixed)
{
    json_t *seen = json_object();
    char pat[64];
    const char *p, *end = doc + strlen(doc);
    size_t n = 0, ls = strlen(suffix), lp;

    assert_non_null(seen);
    snprintf(pat, sizeof(pat), "\"%s\": \"", key);
    lp = strlen(pat);
    *n_suffixed = 0;
    for (p = doc; (size_t)(end - p) > lp; p++) {
        const char *v = p + lp, *q = v;
        char *s;

        if (*p != '"' || memcmp(p, pat, lp) != 0)
            continue;
        while (q < end && *q != '"')
            q++;
        assert_true(q < end);
        s = strndup(v, (size_t)(q - v));
        assert_non_null(s);
        assert_null(json_object_get(seen, s));
        assert_int_equal(json_object_set_new(seen, s, json_true()), 0);
        if ((size_t)(q - v) > ls && memcmp(q - ls, suffix, ls) == 0)
            (*n_suffixed)++;
        free(s);
        n++;
        p = q;
    }
    json_decref(seen);
    return n;
}

/* The checker itself: it must reject what is not JSON, or the test below proves nothing. */
static void test_checker(void **state)
{
    static const char *const bad[] = {
        "",      "{",      "{\"a\" 1}",     "{\"a\": 1,}", "[1 2]",      "[01]",
        "[1.]",  "[-]",    "\"\\x\"",       "\"a\nb\"",    "[\"\xff\"]", "[\"\xc3\"]",
        "[tru]", "{1: 2}", "[\"\\u12g4\"]", "[1] [2]",
    };
    struct jc_target t = {"a", 1, 0, NULL, NULL};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct jc c = {bad[i], bad[i] + strlen(bad[i]), 0, &t, 1};

        jc_ws(&c);
        if (jc_value(&c, NULL) == 0) {
            jc_ws(&c);
            assert_true(c.p != c.end); /* trailing text */
        }
    }
    check_json(
        " {\"a\": [1, -2.5e+3, {\"b\": [true, false, null]}, \"\\u00e9\xc3\xa9\"], \"c\": {}} ", &t,
        1);
    assert_int_equal(t.count, 4);
    assert_int_equal(t.span_end - t.span, 7); /* "-2.5e+3" */
}

static void test_big_inventory(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    struct moat_pkg *pkgs = big_pkgs();
    struct jc_target t[3];
    json_t *v;
    char *out;
    size_t dup;

    (void)state;
    fx_build(&m, &inv);
    inv.pkgs = pkgs;
    inv.n_pkgs = BIG_N;

    out = render(MOAT_SBOM_JSON, &m, &inv, &fx_opts);
    t[0] = (struct jc_target){"packages", BIG_N - 1, 0, NULL, NULL};
    check_json(out, t, 1);
    assert_int_equal(t[0].count, BIG_N);
    v = jc_member(&t[0]);
    assert_string_equal(S(v, "name"), "pkg49998");
    assert_string_equal(S(v, "purl"), "pkg:deb/debian/pkg49998@1.49998-1?distro=debian-12");
    json_decref(v);
    free(out);

    out = render(MOAT_SBOM_CYCLONEDX, &m, &inv, &fx_opts);
    t[0] = (struct jc_target){"components", 100, 0, NULL, NULL};
    t[1] = (struct jc_target){"dependencies", 0, 0, NULL, NULL};
    check_json(out, t, 2);
    assert_int_equal(t[0].count, BIG_N + 1); /* + the OS */
    v = jc_member(&t[0]);
    assert_string_equal(S(v, "bom-ref"), "pkg:deb/debian/pkg00098@1.98-1?distro=debian-12#2");
    json_decref(v);
    assert_int_equal(t[1].count, 1);
    v = jc_member(&t[1]);
    assert_int_equal(json_array_size(json_object_get(v, "dependsOn")), BIG_N + 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(v, "dependsOn"), 100)),
                        "pkg:deb/debian/pkg00098@1.98-1?distro=debian-12#2");
    json_decref(v);
    /* + the image */
    assert_int_equal(count_unique(out, "bom-ref", "#2", &dup), BIG_N + 2);
    assert_int_equal(dup, BIG_N / 100);
    free(out);

    out = render(MOAT_SBOM_SPDX, &m, &inv, &fx_opts);
    t[0] = (struct jc_target){"packages", 101, 0, NULL, NULL};
    t[1] = (struct jc_target){"hasExtractedLicensingInfos", 1, 0, NULL, NULL};
    t[2] = (struct jc_target){"relationships", 101, 0, NULL, NULL};
    check_json(out, t, 3);
    assert_int_equal(t[0].count, BIG_N + 2); /* + image, OS */
    v = jc_member(&t[0]);
    assert_string_equal(S(v, "SPDXID"), "SPDXRef-Package-deb-pkg00098-1.98-1-2");
    json_decref(v);
    assert_int_equal(t[1].count, 1 + BIG_N / 1000); /* LicenseRef-BSD and each Custom-N */
    v = jc_member(&t[1]);
    assert_string_equal(S(v, "licenseId"), "LicenseRef-BSD");
    assert_string_equal(S(v, "extractedText"), "BSD");
    json_decref(v);
    assert_int_equal(t[2].count, BIG_N + 2);
    v = jc_member(&t[2]);
    assert_string_equal(S(v, "relatedSpdxElement"), "SPDXRef-Package-deb-pkg00098-1.98-1-2");
    json_decref(v);
    /* + the document */
    assert_int_equal(count_unique(out, "SPDXID", "-2", &dup), BIG_N + 3);
    assert_int_equal(dup, BIG_N / 100);
    free(out);
    big_free(pkgs);
}

/* A full disk stops a large document early, buffered or not, and is an error. */
static void test_big_full_disk(void **state)
{
    static const enum moat_sbom_format fmts[] = {MOAT_SBOM_JSON, MOAT_SBOM_CYCLONEDX,
                                                 MOAT_SBOM_SPDX};
    struct moat_image_meta m;
    struct moat_inventory inv;
    struct moat_pkg *pkgs = big_pkgs();
    struct moat_err err = MOAT_ERR_INIT;
    size_t i;

    (void)state;
    fx_build(&m, &inv);
    inv.pkgs = pkgs;
    inv.n_pkgs = BIG_N;
    for (i = 0; i < 2 * sizeof(fmts) / sizeof(fmts[0]); i++) {
        FILE *f = fopen("/dev/full", "w");

        if (f == NULL)
            break;
        if (i % 2 == 0)
            setvbuf(f, NULL, _IONBF, 0);
        assert_int_equal(moat_sbom_write(f, fmts[i / 2], &m, &inv, &fx_opts, &err), -MOAT_E_IO);
        assert_non_null(strstr(moat_err_msg(&err), "write failed"));
        moat_err_clear(&err);
        fclose(f);
    }
    big_free(pkgs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),      cmocka_unit_test(test_native_json),
        cmocka_unit_test(test_native_json_empty), cmocka_unit_test(test_table),
        cmocka_unit_test(test_license),           cmocka_unit_test(test_errors),
        cmocka_unit_test(test_random_uuid),       cmocka_unit_test(test_checker),
        cmocka_unit_test(test_big_inventory),     cmocka_unit_test(test_big_full_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
