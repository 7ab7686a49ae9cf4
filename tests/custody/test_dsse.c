/*
 * test_dsse.c - DSSE: PAE against the spec's own example, sign/parse/verify
 * round trips, tampering, the strict parser, and envelopes made outside moat
 * (python3 PAE + openssl signatures, tests/data/custody/make_envelope.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "moat/custody/custody.h"

#define DATA MOAT_TEST_DATA "/custody"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void test_pae_spec_example(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    unsigned char *p = NULL;
    size_t n = 0;
    static const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";

    (void)state;
    /* the example in the DSSE protocol document */
    assert_int_equal(
        moat_dsse_pae("http://example.com/HelloWorld", "hello world", 11, &p, &n, &err), 0);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    free(p);
    assert_int_equal(moat_dsse_pae("t", "", 0, &p, &n, &err), 0);
    assert_int_equal(n, 13);
    assert_memory_equal(p, "DSSEv1 1 t 0 ", 13);
    free(p);
    /* body bytes are taken as they are, NULs included */
    assert_int_equal(moat_dsse_pae("", "a\0b", 3, &p, &n, &err), 0);
    assert_int_equal(n, 15);
    assert_memory_equal(p, "DSSEv1 0  3 a\0b", 15);
    free(p);
}

static void sign_verify(enum moat_key_alg alg)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL, *other = NULL;
    struct moat_dsse env;
    char *json = NULL, id[65];
    unsigned char md[32];
    unsigned int mdlen;
    size_t which = 99;
    static const char payload[] = "{\"hello\":\"world\"}";

    assert_int_equal(moat_key_generate(alg, &k, &err), 0);
    assert_int_equal(moat_key_generate(alg, &other, &err), 0);
    assert_int_equal(
        moat_dsse_sign(k, MOAT_DSSE_PAYLOAD_TYPE, payload, strlen(payload), &json, &err), 0);
    assert_null(strchr(json, '\n'));
    assert_int_equal(moat_dsse_parse("env", json, strlen(json), &env, &err), 0);
    assert_string_equal(env.payload_type, MOAT_DSSE_PAYLOAD_TYPE);
    assert_int_equal(env.payload_len, strlen(payload));
    assert_string_equal((char *)env.payload, payload);
    assert_int_equal(env.n_sigs, 1);
    moat_key_id(k, id);
    assert_string_equal(env.sigs[0].keyid, id);
    EVP_Digest(json, strlen(json), md, &mdlen, EVP_sha256(), NULL);
    assert_memory_equal(env.digest, md, 32);

    {
        struct moat_key *keys[2] = {other, k};

        assert_int_equal(moat_dsse_verify(&env, keys, 2, &which, &err), 0);
        assert_int_equal(which, 1);
        assert_int_equal(moat_dsse_verify(&env, keys, 1, &which, &err), -MOAT_E_VERIFY);
        assert_int_equal(moat_dsse_verify(&env, keys, 0, &which, &err), -MOAT_E_VERIFY);
    }
    /* one byte of the payload changed */
    env.payload[2] ^= 1;
    assert_int_equal(moat_dsse_verify(&env, &k, 1, NULL, &err), -MOAT_E_VERIFY);
    env.payload[2] ^= 1;
    /* the type changed: PAE binds it */
    env.payload_type[0] = 'b';
    assert_int_equal(moat_dsse_verify(&env, &k, 1, NULL, &err), -MOAT_E_VERIFY);
    env.payload_type[0] = 'a';
    assert_int_equal(moat_dsse_verify(&env, &k, 1, NULL, &err), 0);
    /* one bit of the signature */
    env.sigs[0].sig[env.sigs[0].sig_len - 1] ^= 0x40;
    assert_int_equal(moat_dsse_verify(&env, &k, 1, NULL, &err), -MOAT_E_VERIFY);
    moat_dsse_free(&env);
    free(json);
    moat_key_free(k);
    moat_key_free(other);
    moat_err_clear(&err);
}

static void test_sign_verify_p256(void **state)
{
    (void)state;
    sign_verify(MOAT_KEY_ECDSA_P256);
}

static void test_sign_verify_ed25519(void **state)
{
    (void)state;
    sign_verify(MOAT_KEY_ED25519);
}

static int parse_str(const char *s)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_dsse env;
    int r = moat_dsse_parse("t.json", s, strlen(s), &env, &err);

    if (r == 0)
        moat_dsse_free(&env);
    else
        assert_non_null(strstr(moat_err_msg(&err), "t.json"));
    moat_err_clear(&err);
    return r;
}

static void test_parser_strict(void **state)
{
    (void)state;
    /* "aGk=" = "hi", "c2ln" = "sig" */
    assert_int_equal(parse_str("{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":"
                               "[{\"keyid\":\"\",\"sig\":\"c2ln\"}]}"),
                     0);
    /* unpadded and URL-safe base64 are allowed by the spec */
    assert_int_equal(parse_str("{\"payloadType\":\"t\",\"payload\":\"aGk\",\"signatures\":"
                               "[{\"sig\":\"-_8\"}]}"),
                     0);
    /* keyid absent, extra fields ignored */
    assert_int_equal(parse_str("{\"payloadType\":\"t\",\"payload\":\"\",\"x\":1,\"signatures\":"
                               "[{\"sig\":\"c2ln\",\"extra\":true}]}"),
                     0);
    static const char *const bad[] = {
        "[]",
        "{}",
        "not json",
        "{\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"\",\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":1,\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\"}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":{}}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[1]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[{\"keyid\":\"k\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"c2ln\",\"keyid\":5}"
        "]}",
        /* base64: bad characters, whitespace, bad padding, mixed alphabets, stray bits */
        "{\"payloadType\":\"t\",\"payload\":\"aG!=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aG k=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk==\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aG=k\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"a\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGl=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"+_8=\"}]}",
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"c2ln\\n\"}]}",
        /* duplicate keys: which payload would be meant? */
        "{\"payloadType\":\"t\",\"payload\":\"aGk=\",\"payload\":\"aGk=\",\"signatures\":"
        "[{\"sig\":\"c2ln\"}]}",
        /* NUL inside the type */
        "{\"payloadType\":\"t\\u0000x\",\"payload\":\"aGk=\",\"signatures\":[{\"sig\":\"c2ln\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse_str(bad[i]) == 0)
            fail_msg("accepted bad envelope %zu: %s", i, bad[i]);
    }
}

static void test_parser_bounds(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_dsse env;
    size_t n = MOAT_MAX_ENVELOPE + 16, off;
    char *big = malloc(n + 1), *many;

    (void)state;
    assert_non_null(big);
    off = (size_t)snprintf(
        big, n, "{\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"c2ln\"}],\"payload\":\"");
    memset(big + off, 'A', n - off - 2);
    memcpy(big + n - 2, "\"}", 2);
    big[n] = 0;
    assert_int_equal(moat_dsse_parse("big", big, n, &env, &err), -MOAT_E_LIMIT);
    free(big);
    /* 65 signatures */
    n = 65 * 16 + 128;
    many = malloc(n);
    assert_non_null(many);
    off = (size_t)snprintf(many, n, "{\"payloadType\":\"t\",\"payload\":\"\",\"signatures\":[");
    for (int i = 0; i < 65; i++)
        off += (size_t)snprintf(many + off, n - off, "%s{\"sig\":\"c2ln\"}", i ? "," : "");
    snprintf(many + off, n - off, "]}");
    assert_int_equal(moat_dsse_parse("many", many, strlen(many), &env, &err), -MOAT_E_LIMIT);
    free(many);
    moat_err_clear(&err);
}

static void verify_fixture(const char *env_file, const char *pub_file)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *pub = NULL, *other = NULL;
    struct moat_dsse env;
    struct moat_statement st;
    size_t len, which = 9;
    char *json = slurp(env_file, &len);

    /* the file ends with a newline, the envelope does not */
    while (len > 0 && json[len - 1] == '\n')
        len--;
    assert_int_equal(moat_key_load_public(pub_file, &pub, &err), 0);
    assert_int_equal(moat_key_generate(moat_key_alg(pub), &other, &err), 0);
    assert_int_equal(moat_dsse_parse(env_file, json, len, &env, &err), 0);
    {
        struct moat_key *keys[2] = {other, pub};

        assert_int_equal(moat_dsse_verify(&env, keys, 2, &which, &err), 0);
        assert_int_equal(which, 1);
        assert_int_equal(moat_dsse_verify(&env, keys, 1, &which, &err), -MOAT_E_VERIFY);
    }
    assert_int_equal(moat_statement_parse(env_file, env.payload, env.payload_len, &st, &err), 0);
    assert_string_equal(st.predicate_type, MOAT_PREDICATE_PHASE);
    assert_int_equal(st.n_subjects, 1);
    assert_string_equal(st.subject_names[0], "example.com/app:1.0");
    assert_string_equal(json_string_value(json_object_get(st.predicate, "builder")), "python");
    moat_statement_free(&st);
    moat_dsse_free(&env);
    moat_key_free(pub);
    moat_key_free(other);
    free(json);
    moat_err_clear(&err);
}

static void test_python_openssl_p256_envelope(void **state)
{
    (void)state;
    verify_fixture(DATA "/openssl-p256.envelope.json", DATA "/openssl-p256.pub");
}

static void test_python_openssl_ed25519_envelope(void **state)
{
    (void)state;
    verify_fixture(DATA "/openssl-ed25519.envelope.json", DATA "/openssl-ed25519.pub");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pae_spec_example),
        cmocka_unit_test(test_sign_verify_p256),
        cmocka_unit_test(test_sign_verify_ed25519),
        cmocka_unit_test(test_parser_strict),
        cmocka_unit_test(test_parser_bounds),
        cmocka_unit_test(test_python_openssl_p256_envelope),
        cmocka_unit_test(test_python_openssl_ed25519_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
