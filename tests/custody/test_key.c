/*
 * test_key.c - signing keys: generation, the encrypted PKCS#8 file and its
 * mode, wrong passphrases, key ids checked against the openssl CLI, and a
 * key made by openssl (tests/data/custody/openssl-p256.key, pass
 * "interop-pass") loading and signing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/custody/custody.h"

#define DATA MOAT_TEST_DATA "/custody"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-key.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *path_in(const char *name)
{
    static char p[4][256];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
    return p[i];
}

/* First line of a shell command's output, trimmed. */
static void run(const char *cmd, char *out, size_t n)
{
    FILE *f = popen(cmd, "r");

    assert_non_null(f);
    out[0] = '\0';
    if (fgets(out, (int)n, f) == NULL)
        out[0] = '\0';
    pclose(f);
    out[strcspn(out, " \n")] = '\0';
}

static void roundtrip(enum moat_key_alg alg, const char *stem)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL, *priv = NULL, *pub = NULL;
    char id[65], id2[65], id3[65], want[128], cmd[512], keyp[256], pubp[256], buf[64];
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    struct stat st;
    FILE *f;

    snprintf(keyp, sizeof(keyp), "%s/%s.key", tmpdir, stem);
    snprintf(pubp, sizeof(pubp), "%s/%s.pub", tmpdir, stem);
    assert_int_equal(moat_key_generate(alg, &k, &err), 0);
    assert_int_equal(moat_key_alg(k), alg);
    assert_int_equal(moat_key_write_private(k, keyp, "correct horse", 13, &err), 0);
    assert_int_equal(moat_key_write_public(k, pubp, &err), 0);
    assert_int_equal(stat(keyp, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(pubp, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);

    /* the file is encrypted PKCS#8, as the header line says */
    f = fopen(keyp, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    assert_string_equal(buf, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n");

    /* a second write refuses to replace it */
    assert_int_equal(moat_key_write_private(k, keyp, "x", 1, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "already exists"));

    /* key id = sha256 of the DER SPKI, by the openssl CLI */
    moat_key_id(k, id);
    snprintf(cmd, sizeof(cmd), "openssl pkey -pubin -in '%s' -outform DER | sha256sum", pubp);
    run(cmd, want, sizeof(want));
    assert_string_equal(id, want);

    assert_int_equal(moat_key_load_private(keyp, "correct horse", 13, &priv, &err), 0);
    moat_key_id(priv, id2);
    assert_string_equal(id, id2);
    assert_int_equal(moat_key_load_public(pubp, &pub, &err), 0);
    moat_key_id(pub, id3);
    assert_string_equal(id, id3);

    /* sign with the loaded private key, verify with the public one */
    assert_int_equal(moat_key_sign(priv, "message", 7, &sig, &sig_len, &err), 0);
    assert_int_equal(moat_key_verify(pub, "message", 7, sig, sig_len, &err), 0);
    assert_int_equal(moat_key_verify(pub, "messagf", 7, sig, sig_len, &err), -MOAT_E_VERIFY);
    sig[sig_len / 2] ^= 1;
    assert_int_equal(moat_key_verify(pub, "message", 7, sig, sig_len, &err), -MOAT_E_VERIFY);
    free(sig);
    /* a public key cannot sign */
    assert_true(moat_key_sign(pub, "m", 1, &sig, &sig_len, &err) < 0);
    assert_null(sig);

    moat_key_free(k);
    moat_key_free(priv);
    moat_key_free(pub);
    moat_err_clear(&err);
}

static void test_p256_roundtrip(void **state)
{
    (void)state;
    roundtrip(MOAT_KEY_ECDSA_P256, "p256");
}

static void test_ed25519_roundtrip(void **state)
{
    (void)state;
    roundtrip(MOAT_KEY_ED25519, "ed");
}

static void test_scrypt_and_openssl_decrypts(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL;
    char cmd[512], out[128];

    (void)state;
    assert_int_equal(moat_key_generate(MOAT_KEY_ECDSA_P256, &k, &err), 0);
    assert_int_equal(moat_key_write_private(k, path_in("s.key"), "pw", 2, &err), 0);
    snprintf(cmd, sizeof(cmd), "openssl asn1parse -in '%s' | grep -c 'OBJECT *:scrypt$'",
             path_in("s.key"));
    run(cmd, out, sizeof(out));
    assert_string_equal(out, "1");
    snprintf(cmd, sizeof(cmd), "openssl asn1parse -in '%s' | grep -c 'aes-256-cbc'",
             path_in("s.key"));
    run(cmd, out, sizeof(out));
    assert_string_equal(out, "1");
    snprintf(cmd, sizeof(cmd), "openssl pkey -in '%s' -passin pass:pw -noout && echo decrypted",
             path_in("s.key"));
    run(cmd, out, sizeof(out));
    assert_string_equal(out, "decrypted");
    moat_key_free(k);
}

static void test_wrong_passphrase(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL, *l = NULL;
    char want[300];

    (void)state;
    assert_int_equal(moat_key_generate(MOAT_KEY_ED25519, &k, &err), 0);
    assert_int_equal(moat_key_write_private(k, path_in("w.key"), "right-pass", 10, &err), 0);
    assert_int_equal(moat_key_load_private(path_in("w.key"), "wrong-pass", 10, &l, &err),
                     -MOAT_E_AUTH);
    assert_null(l);
    snprintf(want, sizeof(want), "%s: wrong passphrase", path_in("w.key"));
    assert_string_equal(moat_err_msg(&err), want);
    /* a prefix of the right passphrase is wrong too */
    assert_int_equal(moat_key_load_private(path_in("w.key"), "right-pas", 9, &l, &err),
                     -MOAT_E_AUTH);
    assert_int_equal(moat_key_write_private(k, path_in("e.key"), "", 0, &err), -MOAT_E_ARG);
    assert_int_equal(access(path_in("e.key"), F_OK), -1);
    moat_key_free(k);
    moat_err_clear(&err);
}

static void test_refuses_readable_key(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL, *l = NULL;

    (void)state;
    assert_int_equal(moat_key_generate(MOAT_KEY_ECDSA_P256, &k, &err), 0);
    assert_int_equal(moat_key_write_private(k, path_in("r.key"), "pw", 2, &err), 0);
    assert_int_equal(chmod(path_in("r.key"), 0640), 0);
    assert_int_equal(moat_key_load_private(path_in("r.key"), "pw", 2, &l, &err), -MOAT_E_UNSAFE);
    assert_non_null(strstr(moat_err_msg(&err), "group/other"));
    assert_int_equal(chmod(path_in("r.key"), 0604), 0);
    assert_int_equal(moat_key_load_private(path_in("r.key"), "pw", 2, &l, &err), -MOAT_E_UNSAFE);
    assert_int_equal(chmod(path_in("r.key"), 0400), 0);
    assert_int_equal(moat_key_load_private(path_in("r.key"), "pw", 2, &l, &err), 0);
    moat_key_free(l);
    moat_key_free(k);
    moat_err_clear(&err);
}

static void test_openssl_made_key(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL, *pub = NULL;
    char cmd[512], want[128], id[65], id2[65];
    unsigned char *sig = NULL;
    size_t sig_len = 0;

    (void)state;
    /* git keeps no file modes: copy to 0600 first */
    snprintf(cmd, sizeof(cmd), "install -m 600 '%s/openssl-p256.key' '%s'", DATA, path_in("o.key"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(moat_key_load_private(path_in("o.key"), "interop-pass", 12, &k, &err), 0);
    assert_int_equal(moat_key_alg(k), MOAT_KEY_ECDSA_P256);
    assert_int_equal(moat_key_load_public(DATA "/openssl-p256.pub", &pub, &err), 0);
    moat_key_id(k, id);
    moat_key_id(pub, id2);
    assert_string_equal(id, id2);
    snprintf(cmd, sizeof(cmd),
             "openssl pkey -pubin -in '%s/openssl-p256.pub' -outform DER | sha256sum", DATA);
    run(cmd, want, sizeof(want));
    assert_string_equal(id, want);
    assert_int_equal(moat_key_sign(k, "x", 1, &sig, &sig_len, &err), 0);
    assert_int_equal(moat_key_verify(pub, "x", 1, sig, sig_len, &err), 0);
    free(sig);
    moat_key_free(k);
    moat_key_free(pub);
}

static void test_rejects_other_keys(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL;
    char cmd[512];

    (void)state;
    /* an unencrypted key */
    snprintf(cmd, sizeof(cmd),
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '%s' 2>/dev/null"
             " && chmod 600 '%s'",
             path_in("plain.key"), path_in("plain.key"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(moat_key_load_private(path_in("plain.key"), "x", 1, &k, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "not an encrypted PKCS#8"));
    /* another curve */
    snprintf(cmd, sizeof(cmd),
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 2>/dev/null | "
             "openssl pkey -pubout -out '%s'",
             path_in("p384.pub"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(moat_key_load_public(path_in("p384.pub"), &k, &err), -MOAT_E_UNSUPPORTED);
    /* not a key */
    assert_int_equal(moat_key_load_public(DATA "/openssl-p256.envelope.json", &k, &err),
                     -MOAT_E_FORMAT);
    assert_int_equal(moat_key_load_public(path_in("missing.pub"), &k, &err), -MOAT_E_NOTFOUND);
    /* inline PEM (a policy file): not NUL-terminated, length given */
    {
        static const char junk[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
        char pem[512];
        FILE *f = fopen(DATA "/openssl-ed25519.pub", "r");
        size_t n;

        assert_non_null(f);
        n = fread(pem, 1, sizeof(pem), f);
        fclose(f);
        assert_int_equal(moat_key_parse_public("policy.yaml", pem, n, &k, &err), 0);
        assert_int_equal(moat_key_alg(k), MOAT_KEY_ED25519);
        moat_key_free(k);
        k = NULL;
        assert_int_equal(moat_key_parse_public("policy.yaml", pem, n / 2, &k, &err),
                         -MOAT_E_FORMAT);
        assert_int_equal(moat_key_parse_public("p", junk, sizeof(junk) - 1, &k, &err),
                         -MOAT_E_FORMAT);
    }
    assert_null(k);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p256_roundtrip),
        cmocka_unit_test(test_ed25519_roundtrip),
        cmocka_unit_test(test_scrypt_and_openssl_decrypts),
        cmocka_unit_test(test_wrong_passphrase),
        cmocka_unit_test(test_refuses_readable_key),
        cmocka_unit_test(test_openssl_made_key),
        cmocka_unit_test(test_rejects_other_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
