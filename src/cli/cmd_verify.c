/*
 * cmd_verify.c - `moat verify --policy custody.yaml [--bundle FILE]... REF`:
 * check an image's chain of custody. Every layer is streamed through its
 * digest check (one changed byte anywhere is refused, not only a changed
 * signature), attestations come from bundle files and, for oci: layouts,
 * from the OCI 1.1 referrers of the image, and custody/verify.c judges them
 * against the policy. Success prints the verified chain; failure prints
 * every reason, one line each, and exits 1.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "moat/base/json.h"
#include "moat/custody/custody.h"
#include "moat/source/image.h"

#define VERIFY_MAX_BUNDLES 64

static void verify_usage(FILE *f)
{
    fputs("Usage: moat verify --policy FILE [OPTIONS] IMAGE\n"
          "       moat verify --key KEY.pub [--signature F --payload F] [--name REPO] IMAGE\n"
          "\n"
          "Verify an image's chain of custody: that each phase the policy requires\n"
          "(build, test, release, ...) signed an attestation of this very image, in\n"
          "order, with a key the policy allows for that phase, recently enough, and\n"
          "with the predicate contents the policy demands (e.g. a scan with nothing\n"
          "above HIGH and no secrets).\n"
          "\n"
          "Checked, and each failure reported on its own line:\n"
          "  - every layer of IMAGE is read and matched against its digest, so a\n"
          "    changed byte in a layer, the manifest or the config is refused;\n"
          "  - each attestation's DSSE signature verifies with a key allowed for its\n"
          "    phase (a phase signed with another phase's key is refused);\n"
          "  - every subject digest is IMAGE's digest (no replay onto another image);\n"
          "  - phase N names the sha256 of phase N-1's envelope as `previous`, and\n"
          "    times never go backwards (no phase skipped, reordered or swapped);\n"
          "  - no attestation is from the future or older than its phase's max_age;\n"
          "  - the phase's `require:` entries (builder, scan.* limits) hold.\n"
          "\n"
          "A policy (docs/custody-policy.md has the whole format):\n"
          "  version: 1\n"
          "  keys:                        # public keys, relative to the policy file\n"
          "    build: keys/build.pub\n"
          "    test: keys/test.pub\n"
          "  phases:                      # required, in chain order\n"
          "    - name: build\n"
          "      keys: [build]\n"
          "      max_age: 30d\n"
          "    - name: test\n"
          "      keys: [test]\n"
          "      max_age: 7d\n"
          "      require: {scan.max_severity: HIGH, scan.secrets: 0}\n"
          "\n"
          "IMAGE is docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG] or a path.\n"
          "Attestations are read from every --bundle file (in-toto JSON Lines, as\n"
          "written by `moat attest --bundle`) and, for an oci: layout, from the\n"
          "referrers stored in it (`moat attest` without --bundle).\n"
          "\n"
          "With --key, check the image's cosign simple signatures (moat sign, cosign\n"
          "sign --key) instead: at least one must verify with KEY.pub, sign this image's\n"
          "digest and name its repository (from --name, else the image's tag when it\n"
          "names one). Signatures come from --signature/--payload files, --bundle DSSE\n"
          "envelopes and the oci: layout's referrers; each one that fails says why.\n"
          "\n"
          "Options:\n"
          "  -p, --policy FILE      the custody policy (custody.yaml)\n"
          "  -k, --key FILE         a public key (moat key generate, cosign): check simple\n"
          "                         signatures instead of a custody chain\n"
          "      --signature F      with --key: a base64 signature file (moat sign\n"
          "                         --output-signature, cosign's .sig)\n"
          "      --payload F        with --key: the payload the signature covers\n"
          "      --name REPO        with --key: the repository the image must be signed as\n"
          "  -b, --bundle FILE      read attestations from FILE (repeatable)\n"
          "      --no-referrers     ignore the referrers of an oci: layout\n"
          "  -f, --format FORMAT    text (default) or json\n"
          "      --platform P       os/arch[/variant] to pick from a multi-platform index\n"
          "  -q, --quiet            print nothing on success (reasons are still printed)\n"
          "  -h, --help             show this help\n"
          "\n"
          "Output: on success `verified: NAME (sha256:...)` and the chain, one phase a\n"
          "line, on stdout. On failure one `moat: verify: REASON` line per reason on\n"
          "stderr. With --format json a single object on stdout in every case (an\n"
          "image or policy that cannot be read too, its error as the one reason):\n"
          "{\"verified\", \"image\": {\"ref\", \"name\", \"digest\"}, \"layers\",\n"
          " \"attestations\", \"phases\": [{\"phase\", \"key\", \"keyid\", \"time\",\n"
          " \"envelope\"}], \"reasons\": [...], \"scan\"}.\n"
          "\n"
          "Exit status: 0 verified, 1 not verified or an error (unreadable image,\n"
          "policy or bundle), 2 on a usage error.\n"
          "\n"
          "Examples:\n"
          "  moat verify --policy custody.yaml --bundle app.intoto.jsonl docker-archive:app.tar\n"
          "  moat verify -p custody.yaml oci:build/app:1.0\n"
          "  moat verify -p custody.yaml -f json oci:build/app:1.0 | jq .reasons\n",
          f);
}

struct verify_args {
    const char *policy, *format, *key, *signature, *payload, *name;
    const char *bundles[VERIFY_MAX_BUNDLES];
    size_t n_bundles;
    bool no_referrers, quiet, json;
    struct moat_open_opts open_opts;
};

static void hex32(const unsigned char d[32], char out[65])
{
    for (size_t i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static int print_json(const struct moat_image_meta *meta, const char *digest,
                      const struct moat_custody_result *res)
{
    json_t *o = json_object(), *img = json_object(), *ph = json_array(), *rv = json_array();
    json_t *layers = json_object();
    char *s = NULL;
    int rc = -1;

    if (o == NULL || img == NULL || ph == NULL || rv == NULL || layers == NULL)
        goto out;
    if (json_object_set_new(o, "verified", json_boolean(res->ok)) != 0 ||
        moat_json_set_str(img, "ref", meta->ref) != 0 ||
        moat_json_set_str(img, "name", meta->name) != 0 ||
        moat_json_set_str(img, "digest", digest) != 0 || json_object_set(o, "image", img) != 0 ||
        json_object_set_new(layers, "count", json_integer((json_int_t)res->n_layers)) != 0 ||
        json_object_set_new(layers, "verified", json_integer((json_int_t)res->n_layers_ok)) != 0 ||
        json_object_set(o, "layers", layers) != 0 ||
        json_object_set_new(o, "attestations", json_integer((json_int_t)res->n_attestations)) != 0)
        goto out;
    for (size_t i = 0; i < res->n_phases; i++) {
        json_t *p = json_object();
        char hex[65], env[72];

        hex32(res->phases[i].envelope_digest, hex);
        snprintf(env, sizeof(env), "sha256:%s", hex);
        if (p == NULL || json_array_append_new(ph, p) != 0 ||
            moat_json_set_str(p, "phase", res->phases[i].phase) != 0 ||
            moat_json_set_str(p, "key", res->phases[i].key) != 0 ||
            moat_json_set_str(p, "keyid", res->phases[i].keyid) != 0 ||
            moat_json_set_str(p, "time", res->phases[i].time) != 0 ||
            moat_json_set_str(p, "envelope", env) != 0)
            goto out;
    }
    for (size_t i = 0; i < res->n_reasons; i++)
        if (json_array_append_new(rv, moat_json_str(res->reasons[i])) != 0)
            goto out;
    if (json_object_set(o, "phases", ph) != 0 || json_object_set(o, "reasons", rv) != 0 ||
        json_object_set_new(o, "scan", res->scan != NULL ? json_incref(res->scan) : json_null()) !=
            0)
        goto out;
    s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s == NULL)
        goto out;
    puts(s);
    rc = 0;
out:
    free(s);
    json_decref(o);
    json_decref(img);
    json_decref(ph);
    json_decref(rv);
    json_decref(layers);
    return rc;
}

/* The JSON shape for a run that stopped early (unreadable policy, image or bundle). */
static void print_json_error(const char *ref, const char *msg)
{
    json_t *o = json_pack("{s:b, s:{s:o, s:n, s:n}, s:n, s:i, s:[], s:[o], s:n}", "verified", 0,
                          "image", "ref", moat_json_str(ref), "name", "digest", "layers",
                          "attestations", 0, "phases", "reasons", moat_json_str(msg), "scan");
    char *s = o != NULL ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;

    if (s != NULL)
        puts(s);
    free(s);
    json_decref(o);
}

static void print_text(const struct moat_image_meta *meta, const char *digest,
                       const struct moat_custody_result *res)
{
    int w = 0, kw = 0;

    printf("verified: %s (%s)\n", meta->name != NULL ? meta->name : meta->ref, digest);
    for (size_t i = 0; i < res->n_phases; i++) {
        if ((int)strlen(res->phases[i].phase) > w)
            w = (int)strlen(res->phases[i].phase);
        if ((int)strlen(res->phases[i].key) > kw)
            kw = (int)strlen(res->phases[i].key);
    }
    for (size_t i = 0; i < res->n_phases; i++) {
        char hex[65];

        hex32(res->phases[i].envelope_digest, hex);
        printf("  %zu. %-*s  %s  signed by %-*s (sha256:%.16s)  envelope sha256:%.16s\n", i + 1, w,
               res->phases[i].phase, res->phases[i].time, kw, res->phases[i].key,
               res->phases[i].keyid, hex);
    }
    printf("  layers: %zu of %zu match their digests\n", res->n_layers_ok, res->n_layers);
}

static int run_verify(const struct verify_args *a, const char *ref)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_custody_policy *pol = NULL;
    struct moat_image *img = NULL;
    struct moat_custody_result res = {0};
    struct moat_custody_sources src = {a->bundles, a->n_bundles, a->no_referrers};
    const struct moat_image_meta *meta;
    const char *digest;
    int rc = MOAT_EXIT_FAIL;

    /* The policy first: a policy naming an unknown key is refused before anything else. */
    if (moat_custody_policy_load(a->policy, &pol, &err) < 0 ||
        moat_image_open(ref, &a->open_opts, &img, &err) < 0)
        goto fail;
    meta = moat_image_meta(img);
    digest = moat_custody_subject_digest(meta);
    if (moat_custody_verify_image(pol, img, &src, (int64_t)time(NULL), &res, &err) < 0)
        goto fail;
    for (size_t i = 0; i < res.n_reasons; i++)
        cli_error("verify: %s", res.reasons[i]);
    if (a->json) {
        if (print_json(meta, digest, &res) < 0) {
            moat_err_set(&err, MOAT_E_NOMEM, "out of memory");
            goto fail;
        }
    } else if (res.ok && !a->quiet) {
        print_text(meta, digest, &res);
    }
    if (fflush(stdout) != 0) {
        moat_err_set(&err, MOAT_E_IO, "stdout: write failed");
        goto fail;
    }
    rc = res.ok ? MOAT_EXIT_OK : MOAT_EXIT_FAIL;
    goto out;
fail:
    cli_error("verify: %s", moat_err_msg(&err));
    if (a->json)
        print_json_error(ref, moat_err_msg(&err));
out:
    moat_custody_result_free(&res);
    moat_image_free(img);
    moat_custody_policy_free(pol);
    moat_err_clear(&err);
    return rc;
}

/* `moat verify --key PUB REF`: the image's cosign simple signatures against one key. */
static int run_verify_key(const struct verify_args *a, const char *ref)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *key = NULL;
    struct moat_image *img = NULL;
    struct moat_simplesign_result res = {0};
    struct moat_simplesign_sources src = {a->signature, a->payload, a->bundles, a->n_bundles,
                                          a->no_referrers};
    const struct moat_image_meta *meta;
    char *repo = NULL, id[65];
    int rc = MOAT_EXIT_FAIL;

    if (moat_key_load_public(a->key, &key, &err) < 0 ||
        moat_image_open(ref, &a->open_opts, &img, &err) < 0)
        goto fail;
    meta = moat_image_meta(img);
    /* the repository is checked when the image or --name says which it is */
    if (moat_simplesign_identity(meta, a->name, &repo, &err) < 0) {
        if (a->name != NULL)
            goto fail;
        moat_err_clear(&err);
    }
    if (moat_simplesign_verify_image(key, meta, repo, &src, &res, &err) < 0)
        goto fail;
    for (size_t i = 0; i < res.n_reasons; i++)
        cli_error("verify: %s", res.reasons[i]);
    moat_key_id(key, id);
    if (a->json) {
        json_t *o = json_pack(
            "{s:b, s:{s:s, s:s?, s:s?}, s:s?, s:s, s:I, s:I, s:o}", "verified", res.ok, "image",
            "ref", ref, "name", meta->name, "digest", moat_custody_subject_digest(meta),
            "repository", repo, "keyid", id, "signatures", (json_int_t)res.n_signatures, "valid",
            (json_int_t)res.n_valid, "reasons", moat_json_str_array(res.reasons, res.n_reasons));

        if (o == NULL || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
            fputc('\n', stdout) == EOF) {
            json_decref(o);
            moat_err_set(&err, MOAT_E_IO, "stdout: write failed");
            goto fail;
        }
        json_decref(o);
    } else if (res.ok && !a->quiet) {
        printf("verified: %s (%s)\n  signed by key sha256:%.16s%s%s (%zu of %zu signatures)\n",
               meta->name != NULL ? meta->name : ref, moat_custody_subject_digest(meta), id,
               repo != NULL ? " as " : "", repo != NULL ? repo : "", res.n_valid, res.n_signatures);
        if (repo == NULL)
            printf("  repository not checked: the image names none (give --name REPOSITORY)\n");
    }
    rc = res.ok ? MOAT_EXIT_OK : MOAT_EXIT_FAIL;
    goto out;
fail:
    cli_error("verify: %s", moat_err_msg(&err));
out:
    moat_simplesign_result_free(&res);
    moat_image_free(img);
    moat_key_free(key);
    free(repo);
    moat_err_clear(&err);
    return rc;
}

int moat_cmd_verify(int argc, char **argv)
{
    enum { OPT_NO_REFERRERS = 256, OPT_PLATFORM, OPT_SIGNATURE, OPT_PAYLOAD, OPT_NAME };
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"key", required_argument, NULL, 'k'},
        {"signature", required_argument, NULL, OPT_SIGNATURE},
        {"payload", required_argument, NULL, OPT_PAYLOAD},
        {"name", required_argument, NULL, OPT_NAME},
        {"bundle", required_argument, NULL, 'b'},
        {"no-referrers", no_argument, NULL, OPT_NO_REFERRERS},
        {"format", required_argument, NULL, 'f'},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct verify_args a = {0};
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "p:k:b:f:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            a.policy = optarg;
            break;
        case 'k':
            a.key = optarg;
            break;
        case OPT_SIGNATURE:
            a.signature = optarg;
            break;
        case OPT_PAYLOAD:
            a.payload = optarg;
            break;
        case OPT_NAME:
            a.name = optarg;
            break;
        case 'b':
            if (a.n_bundles == VERIFY_MAX_BUNDLES) {
                cli_error("verify: more than %d --bundle files", VERIFY_MAX_BUNDLES);
                return MOAT_EXIT_USAGE;
            }
            a.bundles[a.n_bundles++] = optarg;
            break;
        case OPT_NO_REFERRERS:
            a.no_referrers = true;
            break;
        case 'f':
            a.format = optarg;
            break;
        case OPT_PLATFORM:
            a.open_opts.platform = optarg;
            break;
        case 'q':
            a.quiet = true;
            break;
        case 'h':
            verify_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (a.format != NULL) {
        if (strcmp(a.format, "json") == 0) {
            a.json = true;
        } else if (strcmp(a.format, "text") != 0) {
            cli_error("verify: unknown format '%s' (text, json)", a.format);
            return MOAT_EXIT_USAGE;
        }
    }
    if ((a.policy == NULL) == (a.key == NULL)) {
        cli_error("verify: give --policy FILE (custody chain) or --key PUB (simple signatures), "
                  "one of them (see 'moat verify --help')");
        return MOAT_EXIT_USAGE;
    }
    if ((a.signature != NULL) != (a.payload != NULL) ||
        (a.policy != NULL && (a.signature != NULL || a.name != NULL))) {
        cli_error("verify: --signature and --payload go together, with --key; --name goes with "
                  "--key");
        return MOAT_EXIT_USAGE;
    }
    if (argc - optind != 1) {
        cli_error("verify: expected one image reference, got %d (see 'moat verify --help')",
                  argc - optind);
        return MOAT_EXIT_USAGE;
    }
    return a.key != NULL ? run_verify_key(&a, argv[optind]) : run_verify(&a, argv[optind]);
}
