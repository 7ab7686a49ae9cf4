/*
 * test_real_image.c - real images from real tools: the Alpine minirootfs is
 * imported with podman, saved as docker-archive and oci-archive, copied
 * with skopeo to an OCI layout; each is opened, every layer read and
 * verified, and the entry count compared with `tar tf` of the rootfs.
 * Fixtures live under $TMPDIR and are removed afterwards. Skips only when
 * podman or skopeo is not installed, or the shared minirootfs is missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source_test_util.h"

#define ROOTFS MOAT_SHARED_DATA "/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"
#define PODMAN "podman --runtime runc --cgroup-manager cgroupfs"

struct real {
    char *dir;
    char *tag;
    long want_entries;
};

static int run(const char *cmd)
{
    int rc = system(cmd);

    if (rc != 0)
        fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc;
}

static long count_lines(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    long n = 0;
    int c;

    if (p == NULL)
        return -1;
    while ((c = fgetc(p)) != EOF)
        if (c == '\n')
            n++;
    pclose(p);
    return n;
}

/* Why the group has no fixture (setup left *state NULL). */
static const char *no_fixture;

static int setup(void **state)
{
    struct real *r;
    char *cmd = NULL;

    *state = NULL;
    if (system("command -v podman >/dev/null 2>&1 && command -v skopeo >/dev/null 2>&1") != 0)
        no_fixture = "podman or skopeo not installed (apt-get install podman skopeo)";
    else if (access(ROOTFS, R_OK) != 0)
        no_fixture = ROOTFS " missing (../shared/data)";
    if (no_fixture != NULL)
        return 0;
    r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->dir = tmp_dir();
    if (asprintf(&r->tag, "localhost/moat-source-test:%d", (int)getpid()) < 0)
        abort();
    if (asprintf(&cmd,
                 "set -e; cd '%s'; " PODMAN " import -q '" ROOTFS "' %s >/dev/null; " PODMAN
                 " save -q --format docker-archive -o docker.tar %s; " PODMAN
                 " save -q --format oci-archive -o oci.tar %s; "
                 "skopeo copy -q containers-storage:%s oci:layout:t1; "
                 "skopeo copy -q --dest-compress-format zstd containers-storage:%s "
                 "oci:zlayout:z; " PODMAN " rmi -f %s >/dev/null",
                 r->dir, r->tag, r->tag, r->tag, r->tag, r->tag, r->tag) < 0)
        abort();
    assert_int_equal(run(cmd), 0);
    free(cmd);
    r->want_entries = count_lines("tar tzf '" ROOTFS "'");
    assert_true(r->want_entries > 50);
    *state = r;
    return 0;
}

static int teardown(void **state)
{
    struct real *r = *state;

    if (r == NULL)
        return 0;
    rm_rf(r->dir);
    free(r->dir);
    free(r->tag);
    free(r);
    return 0;
}

static void check(struct real *r, const char *fmt_prefix, const char *rel, const char *suffix,
                  const char *transport, int has_manifest_digest)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    const struct moat_image_meta *m;
    char *ref = NULL;
    long entries = 0;
    uint64_t bytes = 0;

    assert_true(asprintf(&ref, "%s%s/%s%s", fmt_prefix, r->dir, rel, suffix) > 0);
    if (moat_image_open(ref, NULL, &img, &err) != 0)
        fail_msg("%s: %s", ref, moat_err_msg(&err));
    m = moat_image_meta(img);
    assert_string_equal(m->transport, transport);
    assert_int_equal(m->n_layers, 1);
    assert_string_equal(m->os, "linux");
    assert_string_equal(m->architecture, "amd64");
    assert_true(source_digest_valid(m->config_digest));
    assert_true(source_digest_valid(m->layers[0].diff_id));
    assert_int_equal(m->manifest_digest != NULL, has_manifest_digest);
    assert_true(m->n_history >= 1);
    for (size_t i = 0; i < m->n_layers; i++) {
        struct moat_entry_reader *lr = NULL;
        long n;
        uint64_t b;

        assert_int_equal(moat_image_layer_open(img, i, &lr, &err), 0);
        n = read_all(lr, &b, &err);
        if (n < 0)
            fail_msg("%s: %s", ref, moat_err_msg(&err));
        if (moat_entry_reader_close(lr, &err) != 0)
            fail_msg("%s: %s", ref, moat_err_msg(&err));
        entries += n;
        bytes += b;
    }
    /* podman import may add the root "./" entry or not; tar tf lists it */
    assert_true(entries == r->want_entries || entries == r->want_entries - 1);
    assert_true(bytes > 1000000);
    moat_image_free(img);
    free(ref);
    moat_err_clear(&err);
}

static void test_podman_docker_archive(void **state)
{
    if (*state == NULL)
        moat_skip("%s", no_fixture);
    check(*state, "docker-archive:", "docker.tar", "", "docker-archive", 0);
    check(*state, "", "docker.tar", "", "docker-archive", 0);
}

static void test_podman_oci_archive(void **state)
{
    if (*state == NULL)
        moat_skip("%s", no_fixture);
    check(*state, "oci-archive:", "oci.tar", "", "oci-archive", 1);
    check(*state, "", "oci.tar", "", "oci-archive", 1);
}

static void test_skopeo_oci_layout(void **state)
{
    if (*state == NULL)
        moat_skip("%s", no_fixture);
    check(*state, "oci:", "layout", ":t1", "oci", 1);
    check(*state, "", "layout", "", "oci", 1);
    check(*state, "oci:", "zlayout", ":z", "oci", 1);
}

static void test_tampered_layer_blob(void **state)
{
    struct real *r = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct moat_entry_reader *lr = NULL;
    char *cmd = NULL, *ref = NULL;

    if (r == NULL)
        moat_skip("%s", no_fixture);
    /* copy the layout and flip one byte in the middle of its (largest) layer blob */
    assert_true(asprintf(&cmd,
                         "set -e; cd '%s'; cp -r layout bad; b=bad/blobs/sha256/$(ls -S "
                         "bad/blobs/sha256 | head -1); chmod u+w \"$b\"; printf '\\x00' | dd "
                         "of=\"$b\" bs=1 seek=100000 conv=notrunc status=none",
                         r->dir) > 0);
    assert_int_equal(run(cmd), 0);
    assert_true(asprintf(&ref, "oci:%s/bad:t1", r->dir) > 0);
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), 0);
    assert_int_equal(moat_image_layer_open(img, 0, &lr, &err), 0);
    if (read_all(lr, NULL, &err) < 0)
        moat_entry_reader_close(lr, NULL); /* corrupt deflate data: caught while reading */
    else
        assert_true(moat_entry_reader_close(lr, &err) < 0);
    assert_true(err.code == MOAT_E_DIGEST || err.code == MOAT_E_FORMAT);
    moat_image_free(img);
    free(cmd);
    free(ref);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_podman_docker_archive),
        cmocka_unit_test(test_podman_oci_archive),
        cmocka_unit_test(test_skopeo_oci_layout),
        cmocka_unit_test(test_tampered_layer_blob),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
