/*
 * test_simplesign.c - cosign simple signing (custody/simplesign.c): the
 * payload byte for byte as cosign writes it, the repository an image is
 * signed as (a bare OCI tag names none), and verification of signatures in
 * files and bundles with a real key: a good one holds; a changed payload,
 * another key, another image and another repository each fail with their
 * own reason.
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

#include "moat/base/base64.h"
#include "moat/custody/custody.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define OTHER "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

static void test_payload_and_check(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *p = NULL;

    (void)state;
    assert_int_equal(moat_simplesign_payload("example.com/app", "sha256:" H64, &p, &err), 0);
    /* byte for byte what cosign writes */
    assert_string_equal(p, "{\"critical\":{\"identity\":{\"docker-reference\":\"example.com/app\"},"
                           "\"image\":{\"docker-manifest-digest\":\"sha256:" H64 "\"},"
                           "\"type\":\"cosign container image signature\"},\"optional\":null}");
    assert_int_equal(moat_simplesign_check("p", p, strlen(p), "sha256:" H64, NULL, &err), 0);
    assert_int_equal(
        moat_simplesign_check("p", p, strlen(p), "sha256:" H64, "example.com/app", &err), 0);
    assert_int_equal(moat_simplesign_check("p", p, strlen(p), OTHER, NULL, &err), -MOAT_E_VERIFY);
    assert_int_equal(
        moat_simplesign_check("p", p, strlen(p), "sha256:" H64, "example.com/other", &err),
        -MOAT_E_VERIFY);
    assert_non_null(strstr(moat_err_msg(&err), "signs the repository \"example.com/app\""));
    assert_int_equal(moat_simplesign_check("p", "{}", 2, "sha256:" H64, NULL, &err),
                     -MOAT_E_FORMAT);
    free(p);
    /* names compared as the engine reads them: cosign writes index.docker.io/library/x */
    assert_int_equal(
        moat_simplesign_payload("index.docker.io/library/debian", "sha256:" H64, &p, &err), 0);
    assert_int_equal(
        moat_simplesign_check("p", p, strlen(p), "sha256:" H64, "docker.io/library/debian", &err),
        0);
    free(p);
    assert_int_equal(moat_simplesign_payload("x", "md5:00", &p, &err), -MOAT_E_ARG);
    assert_int_equal(moat_simplesign_payload("x", "sha256:" H64 "0", &p, &err), -MOAT_E_ARG);
    moat_err_clear(&err);
}

static void test_identity(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *tags_archive[] = {"example.com/team/app:1.0"}, *tags_bare[] = {"1"},
         *tags_ref[] = {"localhost:5000/app:2"}, *tags_hub[] = {"debian:12"};
    struct moat_image_meta m = {.transport = "docker-archive", .ref = "img.tar"};
    char *repo = NULL;

    (void)state;
    m.tags = tags_archive;
    m.n_tags = 1;
    assert_int_equal(moat_simplesign_identity(&m, NULL, &repo, &err), 0);
    assert_string_equal(repo, "example.com/team/app");
    free(repo);
    m.tags = tags_hub;
    assert_int_equal(moat_simplesign_identity(&m, NULL, &repo, &err), 0);
    assert_string_equal(repo, "docker.io/library/debian");
    free(repo);
    /* skopeo's oci:DIR:1 names a tag, not a repository: no "1" as the repository */
    m.transport = "oci";
    m.ref = "oci:layout:1";
    m.tags = tags_bare;
    assert_int_equal(moat_simplesign_identity(&m, NULL, &repo, &err), -MOAT_E_ARG);
    assert_null(repo);
    assert_non_null(strstr(moat_err_msg(&err), "only by its tag '1'"));
    assert_non_null(strstr(moat_err_msg(&err), "--name"));
    assert_int_equal(moat_simplesign_identity(&m, "registry.example.com/app:1", &repo, &err), 0);
    assert_string_equal(repo, "registry.example.com/app");
    free(repo);
    m.tags = tags_ref;
    assert_int_equal(moat_simplesign_identity(&m, NULL, &repo, &err), 0);
    assert_string_equal(repo, "localhost:5000/app");
    free(repo);
    assert_int_equal(moat_simplesign_identity(&m, "Not/A..Name", &repo, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "--name"));
    moat_err_clear(&err);
}

struct fx {
    char dir[64];
    struct moat_key *key, *other;
};

static char *path_in(struct fx *f, const char *name)
{
    char *p = NULL;

    assert_true(asprintf(&p, "%s/%s", f->dir, name) > 0);
    return p;
}

static void put(const char *path, const char *data)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(data, fp) >= 0, 1);
    fclose(fp);
}

/* Sign payload with k and write signature (base64) and payload files. */
static void sign_files(struct fx *f, struct moat_key *k, const char *payload, const char *sig_name,
                       const char *payload_name)
{
    struct moat_err err = MOAT_ERR_INIT;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char *b64, *sp = path_in(f, sig_name), *pp = path_in(f, payload_name);

    assert_int_equal(moat_key_sign(k, payload, strlen(payload), &sig, &sig_len, &err), 0);
    b64 = moat_base64_encode(sig, sig_len);
    assert_non_null(b64);
    put(sp, b64);
    put(pp, payload);
    free(b64);
    free(sig);
    free(sp);
    free(pp);
}

static void test_verify(void **state)
{
    struct fx f;
    struct moat_err err = MOAT_ERR_INIT;
    char *tags[] = {"example.com/app:1"};
    struct moat_image_meta m = {.transport = "docker-archive",
                                .ref = "img.tar",
                                .name = "example.com/app:1",
                                .config_digest = "sha256:" H64,
                                .tags = tags,
                                .n_tags = 1};
    struct moat_simplesign_sources src = {0};
    struct moat_simplesign_result res;
    char *payload = NULL, *other_img = NULL, *other_repo = NULL, *sig, *pay, *bundle, *env = NULL;

    (void)state;
    snprintf(f.dir, sizeof(f.dir), "/tmp/moat-ss-XXXXXX");
    assert_non_null(mkdtemp(f.dir));
    assert_int_equal(moat_key_generate(MOAT_KEY_ECDSA_P256, &f.key, &err), 0);
    assert_int_equal(moat_key_generate(MOAT_KEY_ED25519, &f.other, &err), 0);
    assert_int_equal(moat_simplesign_payload("example.com/app", "sha256:" H64, &payload, &err), 0);
    assert_int_equal(moat_simplesign_payload("example.com/app", OTHER, &other_img, &err), 0);
    assert_int_equal(moat_simplesign_payload("evil.example/app", "sha256:" H64, &other_repo, &err),
                     0);
    sig = path_in(&f, "good.sig");
    pay = path_in(&f, "good.json");
    src.signature = sig;
    src.payload = pay;
    src.no_referrers = true;

    /* a good signature holds */
    sign_files(&f, f.key, payload, "good.sig", "good.json");
    assert_int_equal(moat_simplesign_verify_image(f.key, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_true(res.ok);
    assert_int_equal(res.n_signatures, 1);
    assert_int_equal(res.n_reasons, 0);
    moat_simplesign_result_free(&res);

    /* the same signature checked with another key */
    assert_int_equal(moat_simplesign_verify_image(f.other, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_false(res.ok);
    assert_int_equal(res.n_reasons, 1);
    assert_non_null(strstr(res.reasons[0], "does not verify with key"));
    moat_simplesign_result_free(&res);

    /* one changed byte in the payload */
    put(pay, other_repo);
    assert_int_equal(moat_simplesign_verify_image(f.key, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_false(res.ok);
    assert_non_null(strstr(res.reasons[0], "does not verify"));
    moat_simplesign_result_free(&res);

    /* validly signed, but for another image, and for another repository */
    sign_files(&f, f.key, other_img, "good.sig", "good.json");
    assert_int_equal(moat_simplesign_verify_image(f.key, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_false(res.ok);
    assert_non_null(strstr(res.reasons[0], "not this image"));
    moat_simplesign_result_free(&res);
    sign_files(&f, f.key, other_repo, "good.sig", "good.json");
    assert_int_equal(moat_simplesign_verify_image(f.key, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_false(res.ok);
    assert_non_null(strstr(res.reasons[0], "signs the repository \"evil.example/app\""));
    moat_simplesign_result_free(&res);

    /* a DSSE envelope of the payload in a bundle, as moat sign --bundle writes it */
    bundle = path_in(&f, "sig.jsonl");
    assert_int_equal(
        moat_dsse_sign(f.key, MOAT_MEDIA_SIMPLESIGNING, payload, strlen(payload), &env, &err), 0);
    assert_int_equal(moat_bundle_append(bundle, env, &err), 0);
    memset(&src, 0, sizeof(src));
    src.bundles = (const char *const *)&bundle;
    src.n_bundles = 1;
    src.no_referrers = true;
    assert_int_equal(moat_simplesign_verify_image(f.key, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_true(res.ok);
    moat_simplesign_result_free(&res);
    assert_int_equal(moat_simplesign_verify_image(f.other, &m, "example.com/app", &src, &res, &err),
                     0);
    assert_false(res.ok);
    assert_non_null(strstr(res.reasons[0], "sig.jsonl: line 1"));
    moat_simplesign_result_free(&res);

    /* nothing to check is a reason, not a pass */
    memset(&src, 0, sizeof(src));
    assert_int_equal(moat_simplesign_verify_image(f.key, &m, NULL, &src, &res, &err), 0);
    assert_false(res.ok);
    assert_non_null(strstr(res.reasons[0], "no simple signatures found for example.com/app:1"));
    moat_simplesign_result_free(&res);

    unlink(sig);
    unlink(pay);
    unlink(bundle);
    rmdir(f.dir);
    free(sig);
    free(pay);
    free(bundle);
    free(env);
    free(payload);
    free(other_img);
    free(other_repo);
    moat_key_free(f.key);
    moat_key_free(f.other);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_and_check),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_verify),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
