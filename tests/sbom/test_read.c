/* test_read.c - purl parsing and reading SBOMs back (moat's own, Trivy-style, Syft-style). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/catalog/catalog.h"
#include "moat/sbom/sbom.h"
#include "moat/sbom/sbom_read.h"

static void test_purl_parse(void **state)
{
    struct moat_purl_parts p;
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(
        moat_purl_parse("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12", &p, &err),
        0);
    assert_string_equal(p.type, "deb");
    assert_string_equal(p.namespace_, "debian");
    assert_string_equal(p.name, "bash");
    assert_string_equal(p.version, "5.2.15-2+b2");
    assert_string_equal(moat_purl_qualifier(&p, "arch"), "amd64");
    assert_string_equal(moat_purl_qualifier(&p, "distro"), "debian-12");
    assert_null(moat_purl_qualifier(&p, "epoch"));
    moat_purl_parts_free(&p);

    assert_int_equal(
        moat_purl_parse("pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&epoch=1#sub/p", &p, &err), 0);
    assert_string_equal(p.version, "7.50.3-1.fc25");
    assert_string_equal(moat_purl_qualifier(&p, "epoch"), "1");
    assert_string_equal(p.subpath, "sub/p");
    moat_purl_parts_free(&p);

    assert_int_equal(moat_purl_parse("pkg:maven/org.apache/commons-io@1.0", &p, &err), 0);
    assert_string_equal(p.namespace_, "org.apache");
    moat_purl_parts_free(&p);
    assert_int_equal(moat_purl_parse("pkg:npm/%40angular/core@1.0", &p, &err), 0);
    assert_string_equal(p.namespace_, "@angular");
    moat_purl_parts_free(&p);

    assert_int_equal(moat_purl_parse("pkg:deb/debian/a@1%2", &p, &err), -MOAT_E_FORMAT);
    assert_int_equal(moat_purl_parse("pkg:deb/debian/a@1%00", &p, &err), -MOAT_E_FORMAT);
    assert_int_equal(moat_purl_parse("http://x/y", &p, &err), -MOAT_E_FORMAT);
    assert_int_equal(moat_purl_parse("pkg:deb", &p, &err), -MOAT_E_FORMAT);
    assert_int_equal(moat_purl_parse("pkg:deb/debian/a@1?=x", &p, &err), -MOAT_E_FORMAT);
    moat_err_clear(&err);
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/moat-test-read-XXXXXX");
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_roundtrip_moat(void **state)
{
    struct moat_pkg pkgs[2] = {
        {.type = MOAT_PKG_DEB,
         .name = "libc6",
         .version = "2.36-9+deb12u4",
         .arch = "amd64",
         .src_name = "glibc",
         .src_version = "2.36-9+deb12u4",
         .layer = 0},
        {.type = MOAT_PKG_DEB,
         .name = "bash",
         .version = "5.2.15-2+b2",
         .arch = "amd64",
         .src_name = "bash",
         .src_version = "5.2.15-2",
         .layer = 0},
    };
    struct moat_inventory inv = {
        .os = {.id = "debian", .version_id = "12"}, .pkgs = pkgs, .n_pkgs = 2};
    struct moat_image_meta meta = {.transport = "dir", .ref = "dir:/x", .name = "/x"};
    struct moat_sbom_opts opts = {.tool_version = "t",
                                  .timestamp = "2026-01-01T00:00:00Z",
                                  .uuid = "3f2c1c9e-8a8b-4b7a-9c1d-2f8e5d6c7b8a"};
    static const enum moat_sbom_format fmts[] = {MOAT_SBOM_CYCLONEDX, MOAT_SBOM_SPDX,
                                                 MOAT_SBOM_JSON};

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        char path[] = "/tmp/moat-test-rt-XXXXXX";
        struct moat_inventory back = {0};
        struct moat_err err = MOAT_ERR_INIT;
        int fd = mkstemp(path);
        FILE *f = fdopen(fd, "w");

        assert_int_equal(moat_sbom_write(f, fmts[i], &meta, &inv, &opts, &err), 0);
        fclose(f);
        assert_true(moat_sbom_sniff(path));
        assert_int_equal(moat_sbom_read(path, &back, NULL, &err), 0);
        assert_string_equal(back.os.id, "debian");
        assert_string_equal(back.os.version_id, "12");
        assert_int_equal(back.n_pkgs, 2);
        /* sorted: bash, libc6 */
        assert_string_equal(back.pkgs[0].name, "bash");
        assert_string_equal(back.pkgs[0].version, "5.2.15-2+b2");
        assert_string_equal(back.pkgs[0].src_version, "5.2.15-2");
        assert_string_equal(back.pkgs[1].src_name, "glibc");
        assert_string_equal(back.pkgs[1].arch, "amd64");
        /* bash's source is named like the package: no distinct source name */
        assert_true(back.pkgs[0].src_name == NULL || strcmp(back.pkgs[0].src_name, "bash") == 0);
        moat_inventory_free(&back);
        unlink(path);
        moat_err_clear(&err);
    }
}

static void test_trivy_and_syft(void **state)
{
    const char *trivy =
        "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"metadata\":{\"component\":"
        "{\"name\":\"img.tar\",\"type\":\"container\"}},\"components\":["
        "{\"type\":\"operating-system\",\"name\":\"debian\",\"version\":\"12.5\"},"
        "{\"type\":\"library\",\"name\":\"libssl3\",\"version\":\"3.0.11-1~deb12u2\","
        "\"purl\":\"pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.5\","
        "\"properties\":[{\"name\":\"aquasecurity:trivy:SrcName\",\"value\":\"openssl\"},"
        "{\"name\":\"aquasecurity:trivy:SrcVersion\",\"value\":\"3.0.11\"},"
        "{\"name\":\"aquasecurity:trivy:SrcRelease\",\"value\":\"1~deb12u2\"}]},"
        "{\"type\":\"library\",\"name\":\"left-pad\",\"purl\":\"pkg:npm/left-pad@1.3.0\"}]}";
    const char *syft =
        "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"alpine\",\"packages\":["
        "{\"name\":\"busybox-binsh\",\"SPDXID\":\"SPDXRef-a\",\"versionInfo\":\"1.36.1-r29\","
        "\"sourceInfo\":\"built package from: busybox "
        "1.36.1-r29\",\"licenseDeclared\":\"GPL-2.0-only\","
        "\"externalRefs\":[{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\","
        "\"referenceLocator\":\"pkg:apk/alpine/"
        "busybox-binsh@1.36.1-r29?arch=x86_64&upstream=busybox&distro=alpine-3.20.3\"}]}]}";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char *name = NULL, *p1 = write_tmp(trivy), *p2 = write_tmp(syft), *p3 = write_tmp("{\"a\":1}");

    (void)state;
    assert_int_equal(moat_sbom_read(p1, &inv, &name, &err), 0);
    assert_string_equal(name, "img.tar");
    assert_string_equal(inv.os.id, "debian");
    assert_string_equal(inv.os.version_id, "12.5");
    assert_int_equal(inv.n_pkgs, 1); /* npm ignored for now */
    assert_string_equal(inv.pkgs[0].src_name, "openssl");
    assert_string_equal(inv.pkgs[0].src_version, "3.0.11-1~deb12u2");
    moat_inventory_free(&inv);
    free(name);

    memset(&inv, 0, sizeof(inv));
    assert_int_equal(moat_sbom_read(p2, &inv, NULL, &err), 0);
    assert_string_equal(inv.os.id, "alpine");
    assert_string_equal(inv.os.version_id, "3.20.3");
    assert_int_equal(inv.n_pkgs, 1);
    assert_int_equal(inv.pkgs[0].type, MOAT_PKG_APK);
    assert_string_equal(inv.pkgs[0].src_name, "busybox");
    assert_string_equal(inv.pkgs[0].license, "GPL-2.0-only");
    moat_inventory_free(&inv);

    memset(&inv, 0, sizeof(inv));
    assert_int_equal(moat_sbom_read(p3, &inv, NULL, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), p3));
    moat_inventory_free(&inv);
    unlink(p1);
    unlink(p2);
    unlink(p3);
    free(p1);
    free(p2);
    free(p3);
    moat_err_clear(&err);
}

static void refused(const char *text, int code, const char *part)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char *p = write_tmp(text);

    assert_int_equal(moat_sbom_read(p, &inv, NULL, &err), -code);
    if (strstr(moat_err_msg(&err), p) == NULL || strstr(moat_err_msg(&err), part) == NULL)
        fail_msg("got \"%s\", want \"%s\"", moat_err_msg(&err), part);
    assert_null(strchr(moat_err_msg(&err), '\n'));
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    unlink(p);
    free(p);
}

/* Malformed and oversized documents: one line naming the file and what is wrong. */
static void test_refused(void **state)
{
    size_t big = 9u << 20;
    char *doc = malloc(big + 256), *at;

    (void)state;
    refused("{\"bomFormat\":\"CycloneDX\",\"components\":[{\"purl\":", MOAT_E_FORMAT,
            "invalid JSON");
    refused("{\"bomFormat\":\"CycloneDX\",\"bomFormat\":\"x\"}", MOAT_E_FORMAT,
            "duplicate object key");
    refused("{\"spdxVersion\":\"SPDX-2.3\",\"packages\":{}}", MOAT_E_FORMAT, "no packages array");
    refused("{\"schema\":\"moat-sbom/1\",\"packages\":[{\"type\":\"deb\",\"name\":\"a\"}]}",
            MOAT_E_FORMAT, "packages[0]: needs a name, a version");
    refused("[1,2]", MOAT_E_FORMAT, "neither a CycloneDX");
    /* one component of 9 MiB (nine strings of 1 MiB): larger than a component may be */
    assert_non_null(doc);
    at = doc + snprintf(doc, 128, "{\"bomFormat\":\"CycloneDX\",\"components\":[{");
    for (int i = 0; i < 9; i++) {
        at += snprintf(at, 16, "%s\"k%d\":\"", i ? "," : "", i);
        memset(at, 'x', (1u << 20) - 8);
        at += (1u << 20) - 8;
        *at++ = '"';
    }
    snprintf(at, 8, "}]}");
    refused(doc, MOAT_E_LIMIT, "components[0]: value larger than");
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_purl_parse),
        cmocka_unit_test(test_roundtrip_moat),
        cmocka_unit_test(test_trivy_and_syft),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
