/*
 * sbom_fixture.h - a hand-built image and inventory for the sbom/ tests,
 * shaped like what source/ and catalog/ produce, with the awkward cases in
 * it: a deb epoch, '+' in versions, a source package, apk and rpm (epoch)
 * packages, licenses that are not SPDX ids, an empty license, non-ASCII
 * text, invalid UTF-8, and two packages whose SPDXIDs would collide.
 * Everything points at static storage, so nothing needs freeing.
 */
#ifndef MOAT_TESTS_SBOM_FIXTURE_H
#define MOAT_TESTS_SBOM_FIXTURE_H

#include "moat/catalog/catalog.h"
#include "moat/source/image.h"

#define FX_CONFIG "sha256:4f1e4fd0cbd2e7ee9d0b7b0c4c13a6e5e6e3f1a3c1b7d0f3a4e5b6c7d8e9f0a1"
#define FX_MANIFEST "sha256:0d3e5c1f2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f"
#define FX_DIFF0 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define FX_DIFF1 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static char *fx_tags[] = {"docker.io/library/debian:12", "localhost/mine:latest"};
static char *fx_env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
static char *fx_cmd[] = {"bash"};
static char *fx_ports[] = {"22/tcp"};
static struct moat_kv fx_labels[] = {{"org.opencontainers.image.title", "dëbian"}};
static struct moat_history fx_hist[] = {
    {"2024-06-01T00:00:00Z", "/bin/sh -c #(nop) ADD file:abc in /", NULL, 0},
    {"2024-06-01T00:00:01Z", "/bin/sh -c #(nop) CMD [\"bash\"]", NULL, 1},
    {"2024-06-02T00:00:00Z", "/bin/sh -c apt-get install -y curl", NULL, 0},
};
static struct moat_layer_info fx_layers[] = {
    {"sha256:aaaa", FX_DIFF0, "application/vnd.oci.image.layer.v1.tar+gzip", 1234},
    {"sha256:bbbb", FX_DIFF1, "application/vnd.oci.image.layer.v1.tar+gzip", 5678},
};
static char *fx_files_bash[] = {"bin/bash", "usr/share/doc/bash/copyright"};

static struct moat_pkg fx_pkgs[] = {
    /* deb: epoch, '+' in version, distinct source package */
    {MOAT_PKG_DEB, "attr", "1:2.5.1-4+b1", "amd64", "attr", "1:2.5.1-4", NULL,
     "Debian Attr Maintainers <attr@example.org>", "utilities for extended attributes", 1, 0,
     "var/lib/dpkg/status", NULL, 0},
    {MOAT_PKG_DEB, "bash", "5.2.15-2+b2", "amd64", "bash", "5.2.15-2", NULL,
     "Matthias Klose <doko@debian.org>", "GNU Bourne Again SHell", 0, 0, "var/lib/dpkg/status",
     fx_files_bash, 2},
    /* multiarch twins: same name and version, SPDXIDs must still differ */
    {MOAT_PKG_DEB, "libc6", "2.36-9+deb12u4", "amd64", "glibc", NULL, NULL,
     "GNU Libc Maintainers <debian-glibc@lists.debian.org>", NULL, 0, 0, "var/lib/dpkg/status",
     NULL, 0},
    {MOAT_PKG_DEB, "libc6", "2.36-9+deb12u4", "amd64", "glibc", NULL, NULL, NULL, NULL, 0, 1,
     "var/lib/dpkg/status", NULL, 0},
    /* names that sanitise to the same SPDXID part */
    {MOAT_PKG_DEB, "lib+foo", "1.0", "amd64", NULL, NULL, "", NULL, NULL, 0, 1,
     "var/lib/dpkg/status", NULL, 0},
    {MOAT_PKG_DEB, "lib_foo", "1.0", "amd64", NULL, NULL, "MIT", NULL, NULL, 0, 1,
     "var/lib/dpkg/status", NULL, 0},
    /* apk with an apk-style license and a unicode description / maintainer */
    {MOAT_PKG_APK, "musl", "1.2.5-r0", "x86_64", "musl", NULL, "MIT",
     "Timo Teräs <timo@example.org>", "the musl c library (libc) — implementation", 0, 1,
     "lib/apk/db/installed", NULL, 0},
    {MOAT_PKG_APK, "busybox", "1.36.1-r29", "x86_64", "busybox", NULL, "GPL-2.0-only", NULL, NULL,
     0, -1, "lib/apk/db/installed", NULL, 0},
    /* rpm: epoch, rpm-style license expression, weird text */
    {MOAT_PKG_RPM, "openssl-libs", "1:3.0.7-27.el9", "x86_64", "openssl", "3.0.7-27.el9",
     "GPL-2.0+ and BSD", "Red Hat, Inc. <http://bugzilla.redhat.com/bugzilla>", NULL, 1, 1,
     "var/lib/rpm/rpmdb.sqlite", NULL, 0},
    {MOAT_PKG_RPM, "Perl-Weird", "0.1-1", "noarch", NULL, NULL,
     "(GPL+ or Artistic) and Public Domain", NULL, NULL, 0, 1, "var/lib/rpm/rpmdb.sqlite", NULL, 0},
    {MOAT_PKG_RPM, "zlib", "1.2.11-40.el9", "x86_64", NULL, NULL, "zlib AND (MIT OR Apache-2.0)",
     NULL, "bad \xff\xfe utf8", 0, 1, "var/lib/rpm/rpmdb.sqlite", NULL, 0},
    {MOAT_PKG_RPM, "gcc-libs", "11.4.1-3.el9", "x86_64", NULL, NULL,
     "GPLv3+ and GPLv3+ with exceptions and GPLv2+ with exceptions", NULL, NULL, 0, 1,
     "var/lib/rpm/rpmdb.sqlite", NULL, 0},
    {MOAT_PKG_RPM, "libgcc", "11.4.1-3.el9", "x86_64", NULL, NULL,
     "GPL-3.0-or-later WITH GCC-exception-3.1", NULL, NULL, 0, 1, "var/lib/rpm/rpmdb.sqlite", NULL,
     0},
};

static void fx_build(struct moat_image_meta *m, struct moat_inventory *inv)
{
    memset(m, 0, sizeof(*m));
    m->transport = "docker-archive";
    m->ref = "docker-archive:/tmp/debian 12.tar";
    m->name = "docker.io/library/debian:12";
    m->manifest_digest = FX_MANIFEST;
    m->config_digest = FX_CONFIG;
    m->tags = fx_tags;
    m->n_tags = 2;
    m->created = "2024-06-02T00:00:00Z";
    m->os = "linux";
    m->architecture = "amd64";
    m->user = "";
    m->env = fx_env;
    m->n_env = 1;
    m->cmd = fx_cmd;
    m->n_cmd = 1;
    m->exposed_ports = fx_ports;
    m->n_exposed_ports = 1;
    m->labels = fx_labels;
    m->n_labels = 1;
    m->history = fx_hist;
    m->n_history = 3;
    m->layers = fx_layers;
    m->n_layers = 2;

    memset(inv, 0, sizeof(*inv));
    inv->os.id = "debian";
    inv->os.version_id = "12";
    inv->os.pretty_name = "Debian GNU/Linux 12 (bookworm)";
    inv->os.codename = "bookworm";
    inv->pkgs = fx_pkgs;
    inv->n_pkgs = sizeof(fx_pkgs) / sizeof(fx_pkgs[0]);
}

#endif
