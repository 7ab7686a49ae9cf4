/*
 * test_schema.c - the CycloneDX and SPDX writers against the official
 * schemas (tests/data/schemas/), checked by an independent validator
 * (tests/sbom/validate-schema.py, python3-jsonschema, offline). The
 * validator must also reject a broken document, or this test proves nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "moat/sbom/sbom.h"
#include "sbom_fixture.h"

#define SCHEMAS MOAT_TEST_DATA "/schemas"
#define VALIDATOR MOAT_TEST_DATA "/../sbom/validate-schema.py"
#define CDX_SCHEMA "bom-1.5.SNAPSHOT.schema.json"
#define SPDX_SCHEMA "spdx-schema-2.3.json"

static const struct moat_sbom_opts fx_opts = {"0.1.0", "2024-06-03T10:20:30Z",
                                              "0F8FAD5B-D9CB-469F-A165-70867728950E", 1};

/* Write the SBOM to a new temp file; the path is returned in buf. */
static void write_tmp(char *path, size_t n, enum moat_sbom_format fmt,
                      const struct moat_image_meta *m, const struct moat_inventory *inv,
                      const struct moat_sbom_opts *opts)
{
    struct moat_err err = MOAT_ERR_INIT;
    FILE *f;
    int fd, r;

    snprintf(path, n, "/tmp/moat-sbom-test-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    r = moat_sbom_write(f, fmt, m, inv, opts, &err);
    if (r != 0)
        fprintf(stderr, "moat_sbom_write: %s\n", moat_err_msg(&err));
    assert_int_equal(r, 0);
    assert_int_equal(fclose(f), 0);
    moat_err_clear(&err);
}

/* python3-jsonschema (Debian) is the reference validator: without it the schema tests skip
 * (doc, when given, is removed first). */
static void need_validator(const char *doc)
{
    static int have = -1;

    if (have < 0)
        have = system("/usr/bin/python3 -c 'import jsonschema' 2>/dev/null") == 0;
    if (have)
        return;
    if (doc != NULL)
        unlink(doc);
    moat_skip("python3-jsonschema not installed (apt-get install python3-jsonschema)");
}

/* Exit status of the validator on doc. */
static int validate(const char *schema, const char *doc)
{
    char cmd[1024];
    int st;

    need_validator(doc);
    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' '%s' '%s'", VALIDATOR, SCHEMAS, schema,
             doc);
    st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static void test_validator_available(void **state)
{
    (void)state;
    need_validator(NULL);
}

static void test_cyclonedx_valid(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    char path[64];

    (void)state;
    fx_build(&m, &inv);
    write_tmp(path, sizeof(path), MOAT_SBOM_CYCLONEDX, &m, &inv, &fx_opts);
    assert_int_equal(validate(CDX_SCHEMA, path), 0);
    unlink(path);
}

static void test_cyclonedx_minimal_valid(void **state)
{
    /* dir: image (no digests, no tags), unknown distro, no packages, defaults for opts */
    struct moat_image_meta m = {0};
    struct moat_inventory inv = {0};
    char path[64];

    (void)state;
    m.transport = "dir";
    m.ref = "dir:/srv/rootfs";
    m.name = "/srv/rootfs";
    write_tmp(path, sizeof(path), MOAT_SBOM_CYCLONEDX, &m, &inv, NULL);
    assert_int_equal(validate(CDX_SCHEMA, path), 0);
    unlink(path);
    write_tmp(path, sizeof(path), MOAT_SBOM_SPDX, &m, &inv, NULL);
    assert_int_equal(validate(SPDX_SCHEMA, path), 0);
    unlink(path);
}

static void test_spdx_valid(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    char path[64];

    (void)state;
    fx_build(&m, &inv);
    write_tmp(path, sizeof(path), MOAT_SBOM_SPDX, &m, &inv, &fx_opts);
    assert_int_equal(validate(SPDX_SCHEMA, path), 0);
    unlink(path);
}

/* Corrupt one field of a valid document and expect the validator to say no. */
static void expect_rejected(enum moat_sbom_format fmt, const char *schema, const char *key,
                            json_t *value)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    json_error_t jerr;
    json_t *doc;
    char path[64];

    fx_build(&m, &inv);
    write_tmp(path, sizeof(path), fmt, &m, &inv, &fx_opts);
    doc = json_load_file(path, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_object_set_new(doc, key, value), 0);
    assert_int_equal(json_dump_file(doc, path, JSON_INDENT(2)), 0);
    json_decref(doc);
    assert_int_equal(validate(schema, path), 1);
    unlink(path);
}

static void test_validator_rejects_broken(void **state)
{
    (void)state;
    expect_rejected(MOAT_SBOM_CYCLONEDX, CDX_SCHEMA, "bomFormat", json_string("SPDX"));
    expect_rejected(MOAT_SBOM_CYCLONEDX, CDX_SCHEMA, "components",
                    json_pack("[{s:s, s:s}]", "type", "libary", "name", "x"));
    /* resolved through the local spdx.SNAPSHOT.schema.json: not a listed id */
    expect_rejected(MOAT_SBOM_CYCLONEDX, CDX_SCHEMA, "components",
                    json_pack("[{s:s, s:s, s:[{s:{s:s}}]}]", "type", "library", "name", "x",
                              "licenses", "license", "id", "GPLv2+"));
    expect_rejected(MOAT_SBOM_CYCLONEDX, CDX_SCHEMA, "serialNumber", json_string("not-a-urn"));
    expect_rejected(MOAT_SBOM_SPDX, SPDX_SCHEMA, "relationships",
                    json_pack("[{s:s, s:s, s:s}]", "spdxElementId", "SPDXRef-DOCUMENT",
                              "relatedSpdxElement", "SPDXRef-Image", "relationshipType",
                              "IS_FRIENDS_WITH"));
    expect_rejected(MOAT_SBOM_SPDX, SPDX_SCHEMA, "packages",
                    json_pack("[{s:s}]", "SPDXID", "SPDXRef-x")); /* name, downloadLocation */
}

static int spdxid_ok(const char *s)
{
    if (strncmp(s, "SPDXRef-", 8) != 0 || s[8] == '\0')
        return 0;
    return strspn(s + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") ==
           strlen(s + 8);
}

/*
 * What the SPDX 2.3 schema cannot check: SPDXIDs are well formed (the later
 * 2.3.1 schema's pattern) and unique, relationships point at real elements,
 * every LicenseRef used is defined, and the bits the brief asks for are there.
 */
static void test_spdx_semantics(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    json_error_t jerr;
    json_t *doc, *ids, *pkgs, *p, *rels, *r, *x;
    char path[64];
    size_t i, n_contains = 0;

    (void)state;
    fx_build(&m, &inv);
    write_tmp(path, sizeof(path), MOAT_SBOM_SPDX, &m, &inv, &fx_opts);
    doc = json_load_file(path, 0, &jerr);
    assert_non_null(doc);
    unlink(path);
    assert_string_equal(json_string_value(json_object_get(doc, "spdxVersion")), "SPDX-2.3");
    assert_string_equal(json_string_value(json_object_get(doc, "documentNamespace")),
                        "https://moat.invalid/spdx/docker.io-library-debian-12-"
                        "0f8fad5b-d9cb-469f-a165-70867728950e");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(doc, "creationInfo"), "created")),
        "2024-06-03T10:20:30Z");
    ids = json_object();
    json_object_set_new(ids, "SPDXRef-DOCUMENT", json_true());
    pkgs = json_object_get(doc, "packages");
    assert_int_equal(json_array_size(pkgs), 2 + inv.n_pkgs);
    json_array_foreach(pkgs, i, p)
    {
        const char *id = json_string_value(json_object_get(p, "SPDXID"));
        const char *lic = json_string_value(json_object_get(p, "licenseDeclared"));

        assert_true(spdxid_ok(id));
        assert_null(json_object_get(ids, id)); /* unique */
        json_object_set_new(ids, id, json_true());
        assert_non_null(lic);
        /* every LicenseRef-x in the expression is defined */
        for (const char *c = strstr(lic, "LicenseRef-"); c != NULL;
             c = strstr(c + 1, "LicenseRef-")) {
            size_t len = strspn(c + 11, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                        "0123456789.-") +
                         11;
            int found = 0;
            size_t j;
            json_array_foreach(json_object_get(doc, "hasExtractedLicensingInfos"), j, x)
            {
                const char *lid = json_string_value(json_object_get(x, "licenseId"));
                found |= strlen(lid) == len && strncmp(lid, c, len) == 0;
            }
            assert_true(found);
        }
    }
    p = json_array_get(pkgs, 0);
    assert_string_equal(json_string_value(json_object_get(p, "primaryPackagePurpose")),
                        "CONTAINER");
    p = json_array_get(pkgs, 1);
    assert_string_equal(json_string_value(json_object_get(p, "primaryPackagePurpose")),
                        "OPERATING_SYSTEM");
    /* attr: purl ref, supplier, source info */
    p = json_array_get(pkgs, 2);
    assert_string_equal(json_string_value(json_object_get(p, "name")), "attr");
    assert_string_equal(json_string_value(json_object_get(p, "supplier")),
                        "Organization: Debian Attr Maintainers (attr@example.org)");
    assert_string_equal(json_string_value(json_object_get(p, "sourceInfo")),
                        "built package from: attr 1:2.5.1-4");
    x = json_array_get(json_object_get(p, "externalRefs"), 0);
    assert_string_equal(json_string_value(json_object_get(x, "referenceLocator")),
                        "pkg:deb/debian/attr@1:2.5.1-4%2Bb1?arch=amd64&distro=debian-12");
    /* rpm license normalised */
    json_array_foreach(pkgs, i, p)
    {
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *lic = json_string_value(json_object_get(p, "licenseDeclared"));
        if (strcmp(name, "openssl-libs") == 0)
            assert_string_equal(lic, "GPL-2.0+ AND LicenseRef-BSD");
        if (strcmp(name, "zlib") == 0)
            assert_string_equal(lic, "Zlib AND (MIT OR Apache-2.0)");
        if (strcmp(name, "libgcc") == 0)
            assert_string_equal(lic, "GPL-3.0-or-later WITH GCC-exception-3.1");
        if (strcmp(name, "busybox") == 0)
            assert_string_equal(lic, "GPL-2.0-only");
        if (strcmp(name, "bash") == 0 || strcmp(name, "lib+foo") == 0)
            assert_string_equal(lic, "NOASSERTION");
    }
    rels = json_object_get(doc, "relationships");
    json_array_foreach(rels, i, r)
    {
        const char *a = json_string_value(json_object_get(r, "spdxElementId"));
        const char *b = json_string_value(json_object_get(r, "relatedSpdxElement"));
        const char *t = json_string_value(json_object_get(r, "relationshipType"));

        assert_non_null(json_object_get(ids, a));
        assert_non_null(json_object_get(ids, b));
        if (i == 0) {
            assert_string_equal(a, "SPDXRef-DOCUMENT");
            assert_string_equal(t, "DESCRIBES");
        } else {
            assert_string_equal(t, "CONTAINS");
            n_contains++;
        }
    }
    assert_int_equal(n_contains, 1 + inv.n_pkgs);
    json_decref(ids);
    json_decref(doc);
}

/* bom-refs are unique, dependencies refer to them, licenses use ids only from the list. */
static void test_cyclonedx_semantics(void **state)
{
    struct moat_image_meta m;
    struct moat_inventory inv;
    json_error_t jerr;
    json_t *doc, *refs, *comps, *c, *dep, *img, *x;
    char path[64];
    size_t i;

    (void)state;
    fx_build(&m, &inv);
    write_tmp(path, sizeof(path), MOAT_SBOM_CYCLONEDX, &m, &inv, &fx_opts);
    doc = json_load_file(path, 0, &jerr);
    assert_non_null(doc);
    unlink(path);
    assert_string_equal(json_string_value(json_object_get(doc, "serialNumber")),
                        "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e");
    img = json_object_get(json_object_get(doc, "metadata"), "component");
    assert_string_equal(json_string_value(json_object_get(img, "type")), "container");
    assert_string_equal(json_string_value(json_object_get(img, "purl")),
                        "pkg:oci/debian@" FX_MANIFEST
                        "?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=12");
    refs = json_object();
    json_object_set_new(refs, json_string_value(json_object_get(img, "bom-ref")), json_true());
    comps = json_object_get(doc, "components");
    assert_int_equal(json_array_size(comps), 1 + inv.n_pkgs);
    assert_string_equal(json_string_value(json_object_get(json_array_get(comps, 0), "type")),
                        "operating-system");
    json_array_foreach(comps, i, c)
    {
        const char *ref = json_string_value(json_object_get(c, "bom-ref"));
        assert_non_null(ref);
        assert_null(json_object_get(refs, ref));
        json_object_set_new(refs, ref, json_true());
    }
    /* the twin libc6 gets a suffixed bom-ref */
    assert_string_equal(json_string_value(json_object_get(json_array_get(comps, 4), "bom-ref")),
                        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12#2");
    dep = json_array_get(json_object_get(doc, "dependencies"), 0);
    assert_string_equal(json_string_value(json_object_get(dep, "ref")),
                        json_string_value(json_object_get(img, "bom-ref")));
    assert_int_equal(json_array_size(json_object_get(dep, "dependsOn")), 1 + inv.n_pkgs);
    json_array_foreach(json_object_get(dep, "dependsOn"), i, x)
        assert_non_null(json_object_get(refs, json_string_value(x)));
    /* licenses: busybox id, zlib expression, openssl-libs name */
    json_array_foreach(comps, i, c)
    {
        const char *name = json_string_value(json_object_get(c, "name"));
        json_t *l = json_array_get(json_object_get(c, "licenses"), 0);
        if (strcmp(name, "busybox") == 0)
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(l, "license"), "id")),
                "GPL-2.0-only");
        if (strcmp(name, "zlib") == 0)
            assert_string_equal(json_string_value(json_object_get(l, "expression")),
                                "Zlib AND (MIT OR Apache-2.0)");
        if (strcmp(name, "openssl-libs") == 0)
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(l, "license"), "name")),
                "GPL-2.0+ and BSD");
        if (strcmp(name, "lib+foo") == 0)
            assert_null(l);
        if (strcmp(name, "zlib") == 0) /* invalid UTF-8 repaired, not dropped */
            assert_string_equal(json_string_value(json_object_get(c, "description")),
                                "bad \xef\xbf\xbd\xef\xbf\xbd utf8");
    }
    json_decref(refs);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validator_available),
        cmocka_unit_test(test_cyclonedx_valid),
        cmocka_unit_test(test_spdx_valid),
        cmocka_unit_test(test_cyclonedx_minimal_valid),
        cmocka_unit_test(test_validator_rejects_broken),
        cmocka_unit_test(test_spdx_semantics),
        cmocka_unit_test(test_cyclonedx_semantics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
