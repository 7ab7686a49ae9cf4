/*
 * test_purl.c - Package URLs. The "build" cases of the purl-spec test suite
 * (tests/types/{deb,rpm,apk,oci}-test.json in package-url/purl-spec) are
 * reproduced here as assertions; then moat_purl() on catalog packages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sbom/sbom_int.h"

#define Q(k, v) ((struct moat_purl_qual){(k), (v)})

static void check_build(const char *type, const char *ns, const char *name, const char *version,
                        const struct moat_purl_qual *q, size_t nq, const char *want)
{
    char *got = sbom_purl_build(type, ns, name, version, q, nq);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_spec_deb(void **state)
{
    struct moat_purl_qual q[2];

    (void)state;
    q[0] = Q("arch", "i386");
    q[1] = Q("distro", "jessie");
    check_build("deb", "debian", "curl", "7.50.3-1", q, 2,
                "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie");
    q[0] = Q("arch", "amd64");
    q[1] = Q("distro", "stretch");
    check_build("deb", "debian", "dpkg", "1.19.0.4", q, 2,
                "pkg:deb/debian/dpkg@1.19.0.4?arch=amd64&distro=stretch");
    check_build("deb", "ubuntu", "dpkg", "1.19.0.4", q, 1,
                "pkg:deb/ubuntu/dpkg@1.19.0.4?arch=amd64");
    q[0] = Q("arch", "source");
    check_build("deb", "debian", "attr", "1:2.4.47-2", q, 1,
                "pkg:deb/debian/attr@1:2.4.47-2?arch=source");
    q[0] = Q("arch", "amd64");
    check_build("deb", "debian", "attr", "1:2.4.47-2+b1", q, 1,
                "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64");
}

static void test_spec_rpm(void **state)
{
    struct moat_purl_qual q[3];

    (void)state;
    q[0] = Q("arch", "i386");
    q[1] = Q("distro", "fedora-25");
    check_build("rpm", "fedora", "curl", "7.50.3-1.fc25", q, 2,
                "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25");
    check_build("Rpm", "fedora", "curl", "7.50.3-1.fc25", q, 2,
                "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25");
    /* given out of order: arch, epoch, distro; canonical sorts them */
    q[0] = Q("arch", "i686");
    q[1] = Q("epoch", "1");
    q[2] = Q("distro", "fedora-25");
    check_build("rpm", "fedora", "centerim", "4.22.10-1.el6", q, 3,
                "pkg:rpm/fedora/centerim@4.22.10-1.el6?arch=i686&distro=fedora-25&epoch=1");
}

static void test_spec_apk(void **state)
{
    struct moat_purl_qual q[1] = {Q("arch", "x86")};

    (void)state;
    check_build("apk", "alpine", "curl", "7.83.0-r0", q, 1,
                "pkg:apk/alpine/curl@7.83.0-r0?arch=x86");
    check_build("apk", "alpine", "apk", "2.12.9-r3", q, 1, "pkg:apk/alpine/apk@2.12.9-r3?arch=x86");
}

static void test_spec_oci(void **state)
{
    struct moat_purl_qual q[3];

    (void)state;
    q[0] = Q("arch", "amd64");
    q[1] = Q("repository_url", "docker.io/library/debian");
    q[2] = Q("tag", "latest");
    check_build("oci", NULL, "debian", "sha256:244fd47e07d10", q, 3,
                "pkg:oci/debian@sha256:244fd47e07d10?arch=amd64&repository_url=docker.io%2Flibrary%"
                "2Fdebian&tag=latest");
    q[0] = Q("repository_url", "ghcr.io/debian");
    q[1] = Q("tag", "bullseye");
    check_build("oci", NULL, "debian", "sha256:244fd47e07d10", q, 2,
                "pkg:oci/debian@sha256:244fd47e07d10?repository_url=ghcr.io%2Fdebian&tag=bullseye");
    q[0] = Q("repository_url", "gcr.io/distroless/static");
    q[1] = Q("tag", "latest");
    check_build("oci", NULL, "static", "sha256:244fd47e07d10", q, 2,
                "pkg:oci/static@sha256:244fd47e07d10?repository_url=gcr.io%2Fdistroless%2Fstatic&"
                "tag=latest");
    q[0] = Q("tag", "v1");
    check_build("oci", NULL, "hello-wasm", "sha256:244fd47e07d10", q, 1,
                "pkg:oci/hello-wasm@sha256:244fd47e07d10?tag=v1");
}

static void test_encoding(void **state)
{
    struct moat_purl_qual q[3];

    (void)state;
    /* space -> %20, UTF-8 bytes encoded, '~' '_' '.' '-' ':' kept, '/' in name encoded */
    q[0] = Q("arch", "");     /* empty value: dropped */
    q[1] = Q("distro", NULL); /* NULL value: dropped */
    q[2] = Q("note", "a b&c=d?e#f");
    check_build("generic", "a b/c", "n\xc3\xa4me/x", "1.0~rc1_2:3", q, 3,
                "pkg:generic/a%20b/c/n%C3%A4me%2Fx@1.0~rc1_2:3?note=a%20b%26c%3Dd%3Fe%23f");
    /* no version, no qualifiers, leading/trailing/double slashes in namespace dropped */
    check_build("deb", "/debian//", "bash", NULL, NULL, 0, "pkg:deb/debian/bash");
    /* bad arguments */
    assert_null(sbom_purl_build(NULL, NULL, "x", NULL, NULL, 0));
    assert_null(sbom_purl_build("deb", NULL, "", NULL, NULL, 0));
    q[0] = Q("Arch", "x"); /* keys must be lowercase */
    assert_null(sbom_purl_build("deb", NULL, "x", NULL, q, 1));
    q[0] = Q("arch", "x");
    q[1] = Q("arch", "y"); /* keys must be unique */
    assert_null(sbom_purl_build("deb", NULL, "x", NULL, q, 2));
}

static void check_pkg(const struct moat_pkg *p, const struct moat_os *os, const char *want)
{
    char *got = moat_purl(p, os);

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_moat_purl(void **state)
{
    struct moat_os debian = {"debian", "12", NULL, "bookworm"};
    struct moat_os sid = {"Debian", NULL, NULL, "trixie"};
    struct moat_os alpine = {"alpine", "3.20.3", NULL, NULL};
    struct moat_os rhel = {"rhel", "9.4", NULL, NULL};
    struct moat_os none = {0};
    struct moat_pkg p = {0};

    (void)state;
    p.type = MOAT_PKG_DEB;
    p.name = "bash";
    p.version = "5.2.15-2+b2";
    p.arch = "amd64";
    check_pkg(&p, &debian, "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12");
    /* the deb epoch stays in the version (spec example attr@1:2.4.47-2) */
    p.name = "Attr";
    p.version = "1:2.5.1-4+b1";
    p.epoch = 1;
    check_pkg(&p, &debian, "pkg:deb/debian/attr@1:2.5.1-4%2Bb1?arch=amd64&distro=debian-12");
    /* namespace lowercased; no VERSION_ID: the codename; no os: debian, no distro */
    check_pkg(&p, &sid, "pkg:deb/debian/attr@1:2.5.1-4%2Bb1?arch=amd64&distro=trixie");
    check_pkg(&p, &none, "pkg:deb/debian/attr@1:2.5.1-4%2Bb1?arch=amd64");
    check_pkg(&p, NULL, "pkg:deb/debian/attr@1:2.5.1-4%2Bb1?arch=amd64");

    p = (struct moat_pkg){0};
    p.type = MOAT_PKG_APK;
    p.name = "musl";
    p.version = "1.2.5-r0";
    p.arch = "x86_64";
    check_pkg(&p, &alpine, "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3");
    p.arch = NULL;
    check_pkg(&p, &none, "pkg:apk/alpine/musl@1.2.5-r0");

    /* rpm: epoch out of the version into the qualifier; name keeps its case */
    p = (struct moat_pkg){0};
    p.type = MOAT_PKG_RPM;
    p.name = "NetworkManager";
    p.version = "1:1.46.0-4.el9";
    p.arch = "x86_64";
    p.epoch = 1;
    check_pkg(&p, &rhel,
              "pkg:rpm/rhel/NetworkManager@1.46.0-4.el9?arch=x86_64&distro=rhel-9.4&epoch=1");
    p.epoch = 0; /* epoch only in the version string */
    check_pkg(&p, &rhel,
              "pkg:rpm/rhel/NetworkManager@1.46.0-4.el9?arch=x86_64&distro=rhel-9.4&epoch=1");
    p.version = "3.0.7-27.el9";
    check_pkg(&p, &rhel, "pkg:rpm/rhel/NetworkManager@3.0.7-27.el9?arch=x86_64&distro=rhel-9.4");
    /* no vendor known: no namespace rather than a guessed one */
    check_pkg(&p, &none, "pkg:rpm/NetworkManager@3.0.7-27.el9?arch=x86_64");

    p.name = NULL;
    assert_null(moat_purl(&p, &rhel));
    p.name = "x";
    p.type = 99;
    assert_null(moat_purl(&p, &rhel));
}

static void test_image_purl(void **state)
{
    char *tags[] = {"registry.example.com:5000/team/App:v1.2"};
    struct moat_image_meta m = {0};
    char *got;

    (void)state;
    m.name = "registry.example.com:5000/team/App:v1.2";
    assert_null(sbom_purl_image(&m)); /* no digest, no purl */
    m.config_digest = "sha256:abc";
    got = sbom_purl_image(&m); /* untagged: no repository_url or tag */
    assert_string_equal(got, "pkg:oci/app@sha256:abc");
    free(got);
    m.tags = tags;
    m.n_tags = 1;
    m.manifest_digest = "sha256:def";
    m.architecture = "arm64";
    got = sbom_purl_image(&m);
    assert_string_equal(got, "pkg:oci/app@sha256:def?arch=arm64&repository_url=registry.example."
                             "com:5000%2Fteam%2FApp&tag=v1.2");
    free(got);
    tags[0] = "busybox"; /* a bare name is not a location */
    got = sbom_purl_image(&m);
    assert_string_equal(got, "pkg:oci/busybox@sha256:def?arch=arm64");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_deb),   cmocka_unit_test(test_spec_rpm),
        cmocka_unit_test(test_spec_apk),   cmocka_unit_test(test_spec_oci),
        cmocka_unit_test(test_encoding),   cmocka_unit_test(test_moat_purl),
        cmocka_unit_test(test_image_purl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
