/*
 * cmd_key.c - `moat key generate --out NAME` writes NAME.key (encrypted
 * PKCS#8, mode 0600) and NAME.pub (SPKI PEM) and prints the key id;
 * `moat key id FILE` prints the id of a public key. One key per build phase.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/custody/custody.h"
#include "passphrase.h"

static void key_usage(FILE *f)
{
    fputs("Usage: moat key generate --out NAME [--alg ecdsa-p256|ed25519]\n"
          "       moat key id FILE.pub\n"
          "\n"
          "generate: create a signing key pair, NAME.key (the private key, PKCS#8\n"
          "encrypted with scrypt and AES-256-CBC, mode 0600) and NAME.pub (the public\n"
          "key, SubjectPublicKeyInfo PEM), and print the key id (sha256 of the public\n"
          "key). Neither file may exist. Use one key per build phase.\n"
          "\n"
          "The passphrase comes from MOAT_PASSWORD, else it is asked twice on the\n"
          "terminal. Keys and passphrases are never printed.\n"
          "\n"
          "id: print the key id of a public key, as policies and envelopes name it.\n"
          "\n"
          "Options:\n"
          "  -o, --out NAME        write NAME.key and NAME.pub\n"
          "      --alg ALG         ecdsa-p256 (default, cosign's) or ed25519\n"
          "  -h, --help            show this help\n"
          "\n"
          "Examples:\n"
          "  moat key generate --out build\n"
          "  MOAT_PASSWORD=... moat key generate --out test --alg ed25519\n"
          "  moat key id build.pub\n",
          f);
}

static int key_id(int argc, char **argv)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL;
    char id[65];

    if (argc != 3) {
        cli_error("key id: expected one public key file (see 'moat key --help')");
        return MOAT_EXIT_USAGE;
    }
    if (moat_key_load_public(argv[2], &k, &err) < 0) {
        cli_fail(&err);
        moat_err_clear(&err);
        return MOAT_EXIT_FAIL;
    }
    moat_key_id(k, id);
    printf("%s\n", id);
    moat_key_free(k);
    return MOAT_EXIT_OK;
}

static int key_generate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},
        {"alg", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL;
    enum moat_key_alg alg = MOAT_KEY_ECDSA_P256;
    char *priv = NULL, *pub = NULL, *pass = NULL, id[65];
    const char *out = NULL;
    size_t pass_len = 0, n;
    int c, rc = MOAT_EXIT_FAIL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'a':
            if (strcmp(optarg, "ecdsa-p256") == 0 || strcmp(optarg, "p256") == 0)
                alg = MOAT_KEY_ECDSA_P256;
            else if (strcmp(optarg, "ed25519") == 0)
                alg = MOAT_KEY_ED25519;
            else {
                cli_error("key generate: unknown --alg '%s' (ecdsa-p256, ed25519)", optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case 'h':
            key_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error("moat key");
        }
    }
    if (out == NULL || out[0] == '\0' || optind != argc) {
        cli_error("key generate: --out NAME is required, and nothing else (see 'moat key --help')");
        return MOAT_EXIT_USAGE;
    }
    cli_harden_process();
    n = strlen(out);
    if (n > 4 && strcmp(out + n - 4, ".key") == 0)
        n -= 4; /* --out build.key means build */
    if (asprintf(&priv, "%.*s.key", (int)n, out) < 0 ||
        asprintf(&pub, "%.*s.pub", (int)n, out) < 0) {
        priv = pub = NULL;
        moat_err_set(&err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    /* fail before asking for a passphrase when the files are there already */
    if (access(priv, F_OK) == 0 || access(pub, F_OK) == 0) {
        moat_err_set(&err, MOAT_E_IO, "%s: already exists, not replaced",
                     access(priv, F_OK) == 0 ? priv : pub);
        goto out;
    }
    if (cli_passphrase_get(priv, true, &pass, &pass_len, &err) < 0)
        goto out;
    if (pass_len == 0) {
        moat_err_set(&err, MOAT_E_ARG, "%s: refusing an empty passphrase", priv);
        goto out;
    }
    if (moat_key_generate(alg, &k, &err) < 0 ||
        moat_key_write_private(k, priv, pass, pass_len, &err) < 0)
        goto out;
    if (moat_key_write_public(k, pub, &err) < 0) {
        unlink(priv); /* ours: written exclusively a moment ago */
        goto out;
    }
    moat_key_id(k, id);
    printf("key id: %s\n", id);
    fprintf(stderr, "moat: wrote %s (private, encrypted, mode 0600) and %s (%s)\n", priv, pub,
            alg == MOAT_KEY_ED25519 ? "Ed25519" : "ECDSA P-256");
    rc = MOAT_EXIT_OK;
out:
    if (rc != MOAT_EXIT_OK)
        cli_fail(&err);
    cli_passphrase_free(pass, pass_len);
    moat_key_free(k);
    free(priv);
    free(pub);
    moat_err_clear(&err);
    return rc;
}

int moat_cmd_key(int argc, char **argv)
{
    static char generate[] = "moat key generate"; /* getopt's name in its complaints */

    if (argc >= 2 && strcmp(argv[1], "generate") == 0) {
        argv[1] = generate;
        return key_generate(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "id") == 0)
        return key_id(argc, argv);
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        key_usage(stdout);
        return MOAT_EXIT_OK;
    }
    if (argc >= 2)
        cli_error("key: unknown subcommand '%s' (generate, id)", argv[1]);
    else
        cli_error("key: expected a subcommand (generate, id)");
    return cli_usage_error("moat key");
}
