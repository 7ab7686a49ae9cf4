/*
 * cmd_attest.c - `moat attest`: sign an in-toto Statement v1 about an image
 * in a DSSE envelope. With --phase the predicate is a build-phase record
 * chained to the previous phase's envelope (found in the bundle or among
 * the image's referrers, or named with --previous); --scan-result adds a
 * `moat scan` summary, --predicate a custom predicate. Without --phase the
 * statement is a plain scan or custom attestation. See docs/attestations.md.
 *
 * Everything is checked (image, inputs, previous envelope) before the
 * passphrase is asked for; nothing is written unless signing succeeded.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "moat/base/json.h"
#include "moat/base/time.h"
#include "moat/custody/custody.h"
#include "passphrase.h"
#include "moat/source/image.h"

#define PREDICATE_MAX (1u << 20) /* bytes of a --predicate file */

static void attest_usage(FILE *f)
{
    fputs("Usage: moat attest --key KEY.key [--phase NAME] [--scan-result SCAN.json]\n"
          "                   [--predicate FILE --type URI] [--bundle FILE] [-o FILE]\n"
          "                   [--previous ENVELOPE] [--builder WHO] REF\n"
          "\n"
          "Sign an in-toto Statement v1 about the image REF (subject: its name and\n"
          "manifest digest; the image id for docker-archive) in a DSSE envelope.\n"
          "\n"
          "  --phase NAME          a build-phase record (https://moat.dev/attestation/phase/v1):\n"
          "                        phase, time, builder, and the sha256 of the previous\n"
          "                        phase's envelope, so the phases form a chain. The previous\n"
          "                        envelope is the newest phase attestation of this image in\n"
          "                        --bundle (or, for oci: without --bundle, among its referrers).\n"
          "  --scan-result FILE    a `moat scan --format json` result of this image: with\n"
          "                        --phase its summary goes into the phase record (\"scan\"),\n"
          "                        without it the statement is a scan attestation\n"
          "                        (https://moat.dev/attestation/scan/v1). The summary keeps\n"
          "                        which scanners ran: a secrets requirement needs a scan\n"
          "                        with --scanners including secret\n"
          "  --predicate FILE      a JSON object as custom predicate, with --type URI; with\n"
          "                        --phase it is carried as \"attached\" in the phase record\n"
          "\n"
          "Options:\n"
          "  -k, --key FILE        encrypted private key (moat key generate); passphrase from\n"
          "                        MOAT_PASSWORD or the terminal\n"
          "      --bundle FILE     append the envelope to this in-toto JSON Lines bundle\n"
          "  -o, --output FILE     write the envelope to FILE ('-' = stdout)\n"
          "                        Without --bundle or -o, an oci:DIR image gets the envelope\n"
          "                        as an OCI 1.1 referrer inside the layout.\n"
          "      --previous FILE   chain to this envelope instead of looking for one\n"
          "      --builder WHO     who ran the phase (default $USER@hostname)\n"
          "      --time T          the phase time, RFC 3339 (default now; for backfilling)\n"
          "      --platform P      os/arch[/variant] in a multi-platform index\n"
          "  -h, --help            show this help\n"
          "\n"
          "Examples:\n"
          "  moat attest --phase build --key build.key --bundle app.att.jsonl "
          "docker-archive:app.tar\n"
          "  moat scan --scanners vuln,secret -f json -o scan.json oci:./app:1.0\n"
          "  moat attest --phase test --key test.key --scan-result scan.json oci:./app:1.0\n",
          f);
}

struct attest_args {
    const char *phase, *key, *scan, *predicate, *type, *bundle, *output, *previous, *builder;
    const char *time, *ref;
    struct moat_open_opts open;
};

/* "$USER@hostname", the default builder. */
static char *default_builder(void)
{
    const char *user = getenv("USER");
    char host[256] = "localhost", *s = NULL;
    struct passwd *pw;

    if (user == NULL || user[0] == '\0') {
        pw = getpwuid(getuid());
        user = pw != NULL ? pw->pw_name : "unknown";
    }
    if (gethostname(host, sizeof(host) - 1) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    if (asprintf(&s, "%s@%s", user, host) < 0)
        return NULL;
    return s;
}

/* The predicate type and predicate for the arguments. */
static int build_predicate(const struct attest_args *a, const struct moat_image_meta *meta,
                           const char *digest, const char **type, json_t **pred,
                           struct moat_err *err)
{
    json_t *scan = NULL, *custom = NULL, *report = NULL;
    unsigned char prev[32];
    char now[21], *builder = NULL;
    bool have_prev = false;
    int r = 0;

    *pred = NULL;
    if (a->scan != NULL) {
        r = moat_json_load_file(a->scan, MOAT_MAX_BUNDLE, &report, err);
        if (r == 0)
            r = moat_predicate_scan(a->scan, report, meta, &scan, err);
        json_decref(report);
        if (r < 0)
            goto out;
    }
    if (a->predicate != NULL) {
        r = moat_json_load_file(a->predicate, PREDICATE_MAX, &custom, err);
        if (r < 0)
            goto out;
        if (!json_is_object(custom)) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: a predicate must be a JSON object",
                             a->predicate);
            goto out;
        }
    }
    if (a->phase == NULL) {
        *type = scan != NULL ? MOAT_PREDICATE_SCAN : a->type;
        *pred = scan != NULL ? scan : custom;
        scan = custom = NULL;
        goto out;
    }
    r = moat_custody_previous(meta, digest, a->previous, a->bundle, prev, &have_prev, err);
    if (r < 0)
        goto out;
    if (a->time != NULL) {
        int64_t t;

        if (moat_time_parse(a->time, &t) < 0) {
            r = moat_err_set(err, MOAT_E_ARG, "--time '%s' is not RFC 3339", a->time);
            goto out;
        }
        (void)moat_time_format(t, now);
    } else {
        (void)moat_time_format((int64_t)time(NULL), now);
    }
    if (a->builder == NULL && (builder = default_builder()) == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    r = moat_predicate_phase(a->phase, now, a->builder != NULL ? a->builder : builder,
                             have_prev ? prev : NULL, pred, err);
    if (r < 0)
        goto out;
    *type = MOAT_PREDICATE_PHASE;
    if ((scan != NULL && json_object_set(*pred, "scan", scan) != 0) ||
        (custom != NULL && json_object_set_new(*pred, "attached",
                                               json_pack("{s:s, s:O}", "predicateType", a->type,
                                                         "predicate", custom)) != 0)) {
        json_decref(*pred);
        *pred = NULL;
        r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
out:
    free(builder);
    json_decref(scan);
    json_decref(custom);
    return r;
}

/* Write the envelope wherever the arguments say. */
static int store(const struct attest_args *a, const struct moat_image_meta *meta, const char *type,
                 const char *env, const char **where, struct moat_err *err)
{
    char *dir = NULL;
    int r;

    if (a->output != NULL) {
        char *line = NULL;

        if (asprintf(&line, "%s\n", env) < 0)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        r = cli_write_file(a->output, line, strlen(line), err);
        free(line);
        if (r < 0)
            return r;
        *where = strcmp(a->output, "-") == 0 ? "stdout" : a->output;
    }
    if (a->bundle != NULL) {
        if ((r = moat_bundle_append(a->bundle, env, err)) < 0)
            return r;
        *where = a->bundle;
    }
    if (a->output == NULL && a->bundle == NULL) {
        const char *ann[] = {MOAT_ANNOTATION_PREDICATE_TYPE, type, NULL};

        r = moat_custody_oci_dir(a->ref, &dir, err);
        if (r < 0)
            return r;
        if (r == 0)
            return moat_err_set(
                err, MOAT_E_ARG,
                "%s: only oci: layouts hold referrers; use --bundle FILE or -o FILE", a->ref);
        r = moat_referrer_store_annotated(dir, meta, MOAT_MEDIA_DSSE, MOAT_MEDIA_DSSE, env,
                                          strlen(env), ann, err);
        free(dir);
        if (r < 0)
            return r;
        *where = "the OCI layout (referrer)";
    }
    return 0;
}

int moat_cmd_attest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"phase", required_argument, NULL, 'p'},
        {"key", required_argument, NULL, 'k'},
        {"scan-result", required_argument, NULL, 's'},
        {"predicate", required_argument, NULL, 'P'},
        {"type", required_argument, NULL, 't'},
        {"bundle", required_argument, NULL, 'b'},
        {"output", required_argument, NULL, 'o'},
        {"previous", required_argument, NULL, 'r'},
        {"builder", required_argument, NULL, 'B'},
        {"time", required_argument, NULL, 'T'},
        {"platform", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct attest_args a = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct moat_key *key = NULL;
    const struct moat_image_meta *meta;
    const char *digest, *type = NULL, *where = "";
    json_t *pred = NULL;
    char *stmt = NULL, *env = NULL, *pass = NULL, id[65];
    size_t pass_len = 0;
    int c, rc = MOAT_EXIT_FAIL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "k:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            a.phase = optarg;
            break;
        case 'k':
            a.key = optarg;
            break;
        case 's':
            a.scan = optarg;
            break;
        case 'P':
            a.predicate = optarg;
            break;
        case 't':
            a.type = optarg;
            break;
        case 'b':
            a.bundle = optarg;
            break;
        case 'o':
            a.output = optarg;
            break;
        case 'r':
            a.previous = optarg;
            break;
        case 'B':
            a.builder = optarg;
            break;
        case 'T':
            a.time = optarg;
            break;
        case 'L':
            a.open.platform = optarg;
            break;
        case 'h':
            attest_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (optind != argc - 1) {
        cli_error("attest: expected exactly one image reference (see 'moat attest --help')");
        return MOAT_EXIT_USAGE;
    }
    a.ref = argv[optind];
    if (a.key == NULL) {
        cli_error("attest: --key KEY.key is required");
        return MOAT_EXIT_USAGE;
    }
    if ((a.predicate != NULL) != (a.type != NULL)) {
        cli_error("attest: --predicate FILE and --type URI go together");
        return MOAT_EXIT_USAGE;
    }
    if (a.phase == NULL && (a.scan != NULL) == (a.predicate != NULL)) {
        cli_error("attest: say what to attest: --phase NAME, --scan-result FILE or "
                  "--predicate FILE --type URI");
        return MOAT_EXIT_USAGE;
    }
    if (a.phase != NULL && a.phase[0] == '\0') {
        cli_error("attest: --phase needs a name");
        return MOAT_EXIT_USAGE;
    }
    if (a.phase == NULL && (a.previous != NULL || a.builder != NULL || a.time != NULL)) {
        cli_error("attest: --previous, --builder and --time belong to --phase");
        return MOAT_EXIT_USAGE;
    }
    cli_harden_process();

    if (moat_image_open(a.ref, &a.open, &img, &err) < 0)
        goto out;
    meta = moat_image_meta(img);
    digest = moat_custody_subject_digest(meta);
    if (digest == NULL) {
        moat_err_set(&err, MOAT_E_UNSUPPORTED, "%s: the image has no digest to attest", a.ref);
        goto out;
    }
    if (build_predicate(&a, meta, digest, &type, &pred, &err) < 0)
        goto out;
    if (moat_statement_build(meta->n_tags > 0 ? meta->tags[0] : meta->name, digest, type, pred,
                             &stmt, &err) < 0)
        goto out;
    if (cli_passphrase_get(a.key, false, &pass, &pass_len, &err) < 0 ||
        moat_key_load_private(a.key, pass, pass_len, &key, &err) < 0)
        goto out;
    cli_passphrase_free(pass, pass_len);
    pass = NULL;
    if (moat_dsse_sign(key, MOAT_DSSE_PAYLOAD_TYPE, stmt, strlen(stmt), &env, &err) < 0)
        goto out;
    if (store(&a, meta, type, env, &where, &err) < 0)
        goto out;
    moat_key_id(key, id);
    fprintf(stderr, "moat: attested %s%s%s for %s with key %.16s -> %s\n",
            a.phase != NULL ? "phase " : type, a.phase != NULL ? a.phase : "",
            a.phase != NULL && json_object_get(pred, "previous") == NULL ? " (first)" : "", digest,
            id, where);
    rc = MOAT_EXIT_OK;
out:
    if (rc != MOAT_EXIT_OK)
        cli_fail(&err);
    cli_passphrase_free(pass, pass_len);
    moat_key_free(key);
    free(env);
    free(stmt);
    json_decref(pred);
    moat_image_free(img);
    moat_err_clear(&err);
    return rc;
}
