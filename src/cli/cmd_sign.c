/*
 * cmd_sign.c - `moat sign`: a cosign-compatible simple signing signature
 * of an image: the payload names the repository and the manifest digest,
 * the signature is over the payload bytes as they are (ECDSA P-256: DER
 * over their SHA-256, base64 on output, as cosign writes and verifies it).
 * Stored as cosign stores it in a layout (an OCI 1.1 referrer, the
 * signature in the layer annotation), or written to files, or wrapped in a
 * DSSE envelope in a bundle.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "moat/base/base64.h"
#include "moat/custody/custody.h"
#include "passphrase.h"
#include "moat/source/image.h"

static void sign_usage(FILE *f)
{
    fputs("Usage: moat sign --key KEY.key [--output-signature F --output-payload F]\n"
          "                 [--bundle FILE] REF\n"
          "\n"
          "Sign the image REF the way cosign does (simple signing): the payload names\n"
          "the repository and the image digest (the manifest digest; the image id for\n"
          "docker-archive), the signature covers the payload bytes.\n"
          "\n"
          "Options:\n"
          "  -k, --key FILE             encrypted private key (moat key generate);\n"
          "                             passphrase from MOAT_PASSWORD or the terminal\n"
          "      --output-signature F   write the base64 signature to F\n"
          "      --output-payload F     write the payload to F\n"
          "      --bundle FILE          append a DSSE envelope of the payload (payloadType\n"
          "                             application/vnd.dev.cosign.simplesigning.v1+json)\n"
          "                             Without any of these, an oci:DIR image gets the\n"
          "                             signature as an OCI 1.1 referrer inside the layout.\n"
          "      --name REPOSITORY      the repository the image is pulled as, for the\n"
          "                             payload's docker-reference (default: the image's\n"
          "                             tag, when it names a repository; an oci: layout\n"
          "                             tagged only '1' needs --name)\n"
          "      --platform P           os/arch[/variant] in a multi-platform index\n"
          "  -h, --help                 show this help\n"
          "\n"
          "Check with moat: moat verify --key KEY.pub [--signature F --payload F] REF\n"
          "or with openssl:\n"
          "  base64 -d sig > sig.der\n"
          "  openssl dgst -sha256 -verify KEY.pub -signature sig.der payload.json\n",
          f);
}

int moat_cmd_sign(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"key", required_argument, NULL, 'k'},
        {"output-signature", required_argument, NULL, 'S'},
        {"output-payload", required_argument, NULL, 'P'},
        {"bundle", required_argument, NULL, 'b'},
        {"platform", required_argument, NULL, 'L'},
        {"name", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_open_opts open_opts = {0};
    struct moat_image *img = NULL;
    struct moat_key *key = NULL;
    const struct moat_image_meta *meta;
    const char *keyfile = NULL, *out_sig = NULL, *out_payload = NULL, *bundle = NULL, *digest;
    const char *where = NULL, *name = NULL;
    char *repo = NULL, *payload = NULL, *b64 = NULL, *env = NULL, *pass = NULL, *dir = NULL, id[65];
    unsigned char *sig = NULL;
    size_t sig_len = 0, pass_len = 0;
    int c, rc = MOAT_EXIT_FAIL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "k:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'k':
            keyfile = optarg;
            break;
        case 'S':
            out_sig = optarg;
            break;
        case 'P':
            out_payload = optarg;
            break;
        case 'b':
            bundle = optarg;
            break;
        case 'L':
            open_opts.platform = optarg;
            break;
        case 'N':
            name = optarg;
            break;
        case 'h':
            sign_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (optind != argc - 1 || keyfile == NULL) {
        cli_error("sign: --key KEY.key and one image reference are required (see 'moat sign "
                  "--help')");
        return MOAT_EXIT_USAGE;
    }
    if ((out_sig != NULL) != (out_payload != NULL)) {
        cli_error("sign: --output-signature and --output-payload go together");
        return MOAT_EXIT_USAGE;
    }
    cli_harden_process();

    if (moat_image_open(argv[optind], &open_opts, &img, &err) < 0)
        goto out;
    meta = moat_image_meta(img);
    digest = moat_custody_subject_digest(meta);
    if (digest == NULL) {
        moat_err_set(&err, MOAT_E_UNSUPPORTED, "%s: the image has no digest to sign", argv[optind]);
        goto out;
    }
    if (out_sig == NULL && bundle == NULL) {
        int r = moat_custody_oci_dir(argv[optind], &dir, &err);

        if (r < 0)
            goto out;
        if (r == 0) {
            moat_err_set(&err, MOAT_E_ARG,
                         "%s: only oci: layouts hold referrers; use --output-signature and "
                         "--output-payload, or --bundle",
                         argv[optind]);
            goto out;
        }
    }
    if (moat_simplesign_identity(meta, name, &repo, &err) < 0)
        goto out;
    if (moat_simplesign_payload(repo, digest, &payload, &err) < 0)
        goto out;
    if (cli_passphrase_get(keyfile, false, &pass, &pass_len, &err) < 0 ||
        moat_key_load_private(keyfile, pass, pass_len, &key, &err) < 0)
        goto out;
    cli_passphrase_free(pass, pass_len);
    pass = NULL;
    if (moat_key_sign(key, payload, strlen(payload), &sig, &sig_len, &err) < 0)
        goto out;
    /* standard base64, one line, as cosign writes signatures */
    if ((b64 = moat_base64_encode(sig, sig_len)) == NULL) {
        moat_err_set(&err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    if (out_sig != NULL) {
        if (cli_write_file(out_payload, payload, strlen(payload), &err) < 0 ||
            cli_write_file(out_sig, b64, strlen(b64), &err) < 0)
            goto out;
        where = out_sig;
    }
    if (bundle != NULL) {
        if (moat_dsse_sign(key, MOAT_MEDIA_SIMPLESIGNING, payload, strlen(payload), &env, &err) <
                0 ||
            moat_bundle_append(bundle, env, &err) < 0)
            goto out;
        where = bundle;
    }
    if (dir != NULL) {
        const char *ann[] = {MOAT_ANNOTATION_COSIGN_SIG, b64, NULL};

        if (moat_referrer_store_annotated(dir, meta, MOAT_MEDIA_SIMPLESIGNING,
                                          MOAT_MEDIA_SIMPLESIGNING, payload, strlen(payload), ann,
                                          &err) < 0)
            goto out;
        where = "the OCI layout (referrer)";
    }
    moat_key_id(key, id);
    fprintf(stderr, "moat: signed %s (%s) with key %.16s -> %s\n", repo, digest, id, where);
    rc = MOAT_EXIT_OK;
out:
    if (rc != MOAT_EXIT_OK)
        cli_fail(&err);
    cli_passphrase_free(pass, pass_len);
    moat_key_free(key);
    free(env);
    free(b64);
    free(sig);
    free(payload);
    free(repo);
    free(dir);
    moat_image_free(img);
    moat_err_clear(&err);
    return rc;
}
