/*
 * cmd_admit.c - `moat admit --policy admit.yaml REF`: may this image run?
 * Gathers the evidence (attestations verified against the custody policy,
 * or a fresh vulnerability and secret scan when the policy asks for one),
 * hands it to the policy room and prints allow or deny with every reason.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "moat/base/json.h"
#include "moat/event/audit.h"
#include "moat/policy/admit.h"
#include "moat/policy/evidence.h"
#include "moat/scan/scan.h"
#include "moat/source/image.h"

enum { MOAT_EXIT_DENY = 3 };

static void admit_usage(FILE *f)
{
    fputs("Usage: moat admit --policy admit.yaml [OPTIONS] REF\n"
          "\n"
          "Decide whether the image REF may run under the admission policy: trusted\n"
          "registry prefixes, the custody chain (custody.yaml and attestations), scan\n"
          "thresholds from a verified scan attestation or a fresh scan, non-root user, no\n"
          "secrets. Prints allow or deny and every reason, one per line.\n"
          "\n"
          "Options:\n"
          "  -p, --policy FILE     admission policy (docs/admission.md)\n"
          "  -b, --bundle FILE     more attestations (in-toto JSON Lines bundle; repeatable)\n"
          "      --name NAME       the name the image will be pulled as, for the registry\n"
          "                        check (repeatable; default: the image's repo tags)\n"
          "  -f, --format FORMAT   text (default) or json\n"
          "      --audit-log FILE  append the decision to this hash-chained audit log\n"
          "      --db PATH         vulnerability database for fresh_scan (default $MOAT_DB,\n"
          "                        else ~/.cache/moat/vuln.db)\n"
          "      --platform P      os/arch[/variant] to pick from a multi-platform index\n"
          "  -h, --help            show this help\n"
          "\n"
          "Exit status: 0 allow, 3 deny, 1 error (the policy or image cannot be read),\n"
          "2 usage error.\n",
          f);
}

struct admit_args {
    const char *policy, *ref, *format, *audit, *db;
    const char *bundles[64];
    size_t n_bundles;
    const char *names[64];
    size_t n_names;
    struct moat_open_opts open_opts;
};

/*
 * Secrets (always: no_secrets and scan.secrets need them, and they count
 * towards max_severity) and, when the policy has a max_severity,
 * vulnerabilities, found now by the scan pipeline in one pass over the
 * layers. No admission rule is about misconfigurations, so that scanner
 * does not run. The summary records which scanners ran.
 */
static int fresh_scan(const struct admit_args *a, const struct moat_admit_policy *p,
                      struct moat_image *img, int64_t now, struct moat_scan_summary *out,
                      struct moat_err *err)
{
    struct moat_scan_opts o = {0};
    struct moat_scan_result r = {0};
    int rc;

    o.ref = a->ref;
    o.image = img;
    o.scanners = MOAT_SCANNER_SECRET | (p->has_max_severity ? MOAT_SCANNER_VULN : 0);
    o.db_path = a->db;
    o.now = now;
    if ((rc = moat_scan_run(&o, &r, err)) < 0) {
        moat_err_prefix(err, "fresh_scan");
    } else {
        cli_print_warnings(&r.warnings, false);
        moat_scan_summary_from_findings(&r.findings, now, r.scanners, out);
    }
    moat_scan_result_free(&r);
    return rc;
}

static void print_text(const char *ref, const struct moat_decision *d)
{
    printf("%s %s\n", d->allow ? "allow" : "deny", ref);
    for (size_t i = 0; i < d->n_reasons; i++)
        printf("  - %s\n", d->reasons[i]);
}

static int print_json(const char *ref, const struct moat_image_meta *meta,
                      const struct moat_decision *d)
{
    json_t *o = json_object();
    int bad;

    bad = o == NULL || moat_json_set_str(o, "ref", ref) ||
          moat_json_set_str(o, "image_name", meta->name) ||
          moat_json_set_str(o, "config_digest", meta->config_digest) ||
          moat_json_set_str(o, "manifest_digest", meta->manifest_digest) ||
          json_object_set_new(o, "decision", json_string(d->allow ? "allow" : "deny")) ||
          json_object_set_new(o, "allow", json_boolean(d->allow)) ||
          json_object_set_new(o, "reasons", moat_json_str_array(d->reasons, d->n_reasons));
    if (!bad)
        bad = json_dumpf(o, stdout, JSON_INDENT(2)) != 0 || fputc('\n', stdout) == EOF;
    json_decref(o);
    return bad ? -1 : 0;
}

static int run_admit(const struct admit_args *a)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *p = NULL;
    struct moat_image *img = NULL;
    struct moat_admit_evidence ev = {0};
    struct moat_decision d = {true, NULL, 0};
    struct moat_admit_image in = {0};
    const struct moat_image_meta *meta;
    int rc = MOAT_EXIT_FAIL;

    if (moat_admit_policy_load(a->policy, &p, &err) < 0 ||
        moat_image_open(a->ref, &a->open_opts, &img, &err) < 0)
        goto out;
    meta = moat_image_meta(img);
    in.now = (int64_t)time(NULL);
    if (moat_admit_evidence_gather(p, meta, a->bundles, a->n_bundles, in.now, &ev, &err) < 0)
        goto out;
    in.custody = ev.custody;
    in.scan = ev.scan;
    if (p->fresh_scan && moat_admit_policy_needs_scan(p) &&
        fresh_scan(a, p, img, in.now, &in.scan, &err) < 0)
        goto out;
    if (a->n_names > 0) {
        in.names = a->names;
        in.n_names = a->n_names;
    } else {
        in.names = (const char *const *)meta->tags;
        in.n_names = meta->n_tags;
    }
    in.user = meta->user != NULL ? meta->user : "";
    if (moat_admit_check_image(p, &in, &d, &err) < 0)
        goto out;
    if (a->audit != NULL) {
        struct moat_audit *log = NULL;
        struct moat_event e = {0};
        char actor[32];

        snprintf(actor, sizeof actor, "uid:%u", (unsigned)getuid());
        e.kind = "admit";
        e.subject = a->ref;
        e.decision = d.allow ? "allow" : "deny";
        e.reasons = (const char *const *)d.reasons;
        e.n_reasons = d.n_reasons;
        e.actor = actor;
        if (moat_audit_open(a->audit, &log, &err) < 0 || moat_audit_append(log, &e, &err) < 0) {
            moat_audit_close(log);
            goto out;
        }
        moat_audit_close(log);
    }
    if (a->format != NULL && strcmp(a->format, "json") == 0) {
        if (print_json(a->ref, meta, &d) < 0) {
            moat_err_set(&err, MOAT_E_IO, "cannot write the decision");
            goto out;
        }
    } else {
        print_text(a->ref, &d);
    }
    rc = d.allow ? MOAT_EXIT_OK : MOAT_EXIT_DENY;
out:
    if (err.code != 0)
        cli_fail(&err);
    moat_decision_free(&d);
    moat_admit_evidence_free(&ev);
    moat_image_free(img);
    moat_admit_policy_free(p);
    moat_err_clear(&err);
    return rc;
}

int moat_cmd_admit(int argc, char **argv)
{
    enum { OPT_NAME = 256, OPT_AUDIT, OPT_DB, OPT_PLATFORM };
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"bundle", required_argument, NULL, 'b'},
        {"name", required_argument, NULL, OPT_NAME},
        {"format", required_argument, NULL, 'f'},
        {"audit-log", required_argument, NULL, OPT_AUDIT},
        {"db", required_argument, NULL, OPT_DB},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct admit_args a = {0};
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "p:b:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p':
            a.policy = optarg;
            break;
        case 'b':
            if (a.n_bundles == sizeof a.bundles / sizeof a.bundles[0]) {
                cli_error("admit: --bundle: at most %zu files",
                          sizeof a.bundles / sizeof a.bundles[0]);
                return MOAT_EXIT_USAGE;
            }
            a.bundles[a.n_bundles++] = optarg;
            break;
        case OPT_NAME:
            if (a.n_names == sizeof a.names / sizeof a.names[0]) {
                cli_error("admit: --name: at most %zu names", sizeof a.names / sizeof a.names[0]);
                return MOAT_EXIT_USAGE;
            }
            a.names[a.n_names++] = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
                cli_error("admit: --format: text or json, got '%s'", optarg);
                return MOAT_EXIT_USAGE;
            }
            a.format = optarg;
            break;
        case OPT_AUDIT:
            a.audit = optarg;
            break;
        case OPT_DB:
            a.db = optarg;
            break;
        case OPT_PLATFORM:
            a.open_opts.platform = optarg;
            break;
        case 'h':
            admit_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (a.policy == NULL || optind != argc - 1) {
        cli_error("admit: expected --policy FILE and exactly one image reference (see 'moat "
                  "admit --help')");
        return MOAT_EXIT_USAGE;
    }
    a.ref = argv[optind];
    return run_admit(&a);
}
