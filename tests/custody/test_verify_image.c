/*
 * test_verify_image.c - custody of a whole image (verify_image.c): every
 * layer digest-checked, a changed byte in one layer is a reason naming that
 * layer while the other layers still count, no attestations is a reason of
 * its own, and a new phase's previous envelope in a bundle that does not
 * exist yet is "none".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../source/source_test_util.h"
#include "moat/custody/custody.h"

struct fx {
    char *dir, *good, *bad, *policy;
};

/* A docker-archive of two layers; with tamper, one byte of layer 1 changed after hashing. */
static char *make_archive(const char *dir, const char *name, bool tamper)
{
    const struct tentry l0e[] = {{"etc/hostname", 'f', "box\n"}};
    const struct tentry l1e[] = {{"srv/app.conf", 'f', "port = 8080\n"}};
    struct tbuf l0 = tar_build(l0e, 1), l1 = tar_build(l1e, 1);
    char *path = path_join(dir, name);

    docker_archive_write(path, &l0, &l1, "example.com/moat/custody:1", tamper ? "8080" : NULL);
    tb_free(&l0);
    tb_free(&l1);
    return path;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char *key = NULL;
    static const char pub[] = "-----BEGIN PUBLIC KEY-----\n"
                              "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n"
                              "-----END PUBLIC KEY-----\n";
    static const char pol[] = "version: 1\nkeys:\n  build: build.pub\n"
                              "phases:\n  - name: build\n    keys: [build]\n";

    f->dir = tmp_dir();
    f->good = make_archive(f->dir, "good.tar", false);
    f->bad = make_archive(f->dir, "bad.tar", true);
    key = path_join(f->dir, "build.pub");
    write_file(key, pub, strlen(pub));
    f->policy = path_join(f->dir, "custody.yaml");
    write_file(f->policy, pol, strlen(pol));
    free(key);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    rm_rf(f->dir);
    free(f->dir);
    free(f->good);
    free(f->bad);
    free(f->policy);
    free(f);
    return 0;
}

struct seen {
    size_t n;
    char last[512];
};

static int collect(void *ctx, const char *msg)
{
    struct seen *s = ctx;

    s->n++;
    snprintf(s->last, sizeof(s->last), "%s", msg);
    return 0;
}

static void test_check_layers(void **state)
{
    struct fx *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct seen s = {0};
    size_t ok = 0;

    assert_int_equal(moat_image_open(f->good, NULL, &img, &err), 0);
    assert_int_equal(moat_custody_check_layers(img, &ok, collect, &s, &err), 0);
    assert_int_equal(ok, 2);
    assert_int_equal(s.n, 0);
    moat_image_free(img);

    assert_int_equal(moat_image_open(f->bad, NULL, &img, &err), 0);
    assert_int_equal(moat_custody_check_layers(img, &ok, collect, &s, &err), 0);
    assert_int_equal(ok, 1); /* the untouched layer still counts */
    assert_int_equal(s.n, 1);
    assert_non_null(strstr(s.last, "layer 1"));
    moat_image_free(img);
    moat_err_clear(&err);
}

static void test_verify_image(void **state)
{
    struct fx *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_custody_policy *pol = NULL;
    struct moat_custody_result res;
    struct moat_custody_sources src = {NULL, 0, false};
    struct moat_image *img = NULL;

    assert_int_equal(moat_custody_policy_load(f->policy, &pol, &err), 0);
    assert_int_equal(moat_image_open(f->bad, NULL, &img, &err), 0);
    assert_int_equal(moat_custody_verify_image(pol, img, &src, 1700000000, &res, &err), 0);
    assert_false(res.ok);
    assert_int_equal(res.n_layers, 2);
    assert_int_equal(res.n_layers_ok, 1);
    assert_int_equal(res.n_attestations, 0);
    /* the layer first, then no attestations, then the chain's own (the phase is missing) */
    assert_true(res.n_reasons >= 3);
    assert_non_null(strstr(res.reasons[0], "layer 1"));
    assert_non_null(strstr(res.reasons[1], "no attestations found for example.com/moat/custody:1"));
    moat_custody_result_free(&res);
    moat_image_free(img);
    moat_custody_policy_free(pol);
    moat_err_clear(&err);
}

static void test_previous(void **state)
{
    struct fx *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    unsigned char prev[32];
    char *bundle = path_join(f->dir, "new.intoto.jsonl");
    bool have = true;

    assert_int_equal(moat_image_open(f->good, NULL, &img, &err), 0);
    /* a bundle that does not exist yet: this is the first phase */
    assert_int_equal(moat_custody_previous(moat_image_meta(img),
                                           moat_custody_subject_digest(moat_image_meta(img)), NULL,
                                           bundle, prev, &have, &err),
                     0);
    assert_false(have);
    /* --previous naming a file that is not there is an error naming it */
    assert_true(moat_custody_previous(moat_image_meta(img),
                                      moat_custody_subject_digest(moat_image_meta(img)), bundle,
                                      NULL, prev, &have, &err) < 0);
    assert_non_null(strstr(moat_err_msg(&err), "new.intoto.jsonl"));
    moat_image_free(img);
    moat_err_clear(&err);
    free(bundle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_layers),
        cmocka_unit_test(test_verify_image),
        cmocka_unit_test(test_previous),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
