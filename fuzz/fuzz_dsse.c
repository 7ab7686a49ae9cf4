/* room: custody */
/*
 * fuzz_dsse.c - libFuzzer target for the DSSE envelope parser: parse the
 * input; when it parses, verify it against two fixed public keys (P-256 and
 * Ed25519, the tests/data/custody openssl keys, so the seed envelopes made
 * with them really verify) and parse the payload as an in-toto statement.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/custody/custody.h"

static const char p256_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                               "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESG4PtdFw3eJfmp0ZLUYi0o5vzrzm\n"
                               "RMDWV3nYJvtqtaA8F1Kz37W+fUHl4SVfi5qB5Wsn9YTBJ5OHN3QPKH7Ddg==\n"
                               "-----END PUBLIC KEY-----\n";
static const char ed_pem[] = "-----BEGIN PUBLIC KEY-----\n"
                             "MCowBQYDK2VwAyEAEH8DxchLjFDA0C+rK8a/p5bKKjuBAL4UaZYpYn5daeE=\n"
                             "-----END PUBLIC KEY-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct moat_key *keys[2];
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_dsse env;

    if (keys[0] == NULL) {
        if (moat_key_parse_public("p256", p256_pem, sizeof(p256_pem) - 1, &keys[0], &err) < 0 ||
            moat_key_parse_public("ed", ed_pem, sizeof(ed_pem) - 1, &keys[1], &err) < 0)
            abort();
    }
    if (moat_dsse_parse("fuzz.json", data, size, &env, &err) == 0) {
        struct moat_statement st;
        size_t which;

        if (env.payload[env.payload_len] != 0 || env.n_sigs == 0)
            abort();
        (void)moat_dsse_verify(&env, keys, 2, &which, &err);
        if (moat_statement_parse("payload", env.payload, env.payload_len, &st, &err) == 0)
            moat_statement_free(&st);
        moat_dsse_free(&env);
    }
    moat_err_clear(&err);
    return 0;
}
