/*
 * cmd_lint.c - `moat lint [Dockerfile...]`: parse Dockerfiles (the build
 * stage, before any image exists), run the check/lint rules, filter by
 * severity and write the findings through the shared report writers.
 * --exit-code turns findings into a failing status for CI gates.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/base/finding.h"
#include "moat/check/dockerfile.h"
#include "moat/check/lint.h"
#include "moat/report/report.h"

#define LINT_MAX_LIST 64

static void lint_usage(FILE *f)
{
    fputs("Usage: moat lint [OPTIONS] [DOCKERFILE...]\n"
          "\n"
          "Check Dockerfiles before anything is built: base images pinned by tag and\n"
          "digest, no :latest, a non-root final USER, apt-get/apk/pip hygiene and pinning,\n"
          "COPY rather than ADD, no sudo, absolute WORKDIR, no cd in RUN, no curl|sh,\n"
          "no secrets in ARG/ENV, stage references, and more (rules MDL001-MDL037, with\n"
          "the hadolint DL id where one matches; see docs/lint-rules.md).\n"
          "\n"
          "With no file, ./Dockerfile is read; '-' reads standard input. The parser\n"
          "follows BuildKit: '# escape=' and '# syntax=' directives, line continuations,\n"
          "heredocs, JSON and shell forms, ARG/ENV expansion in FROM, WORKDIR and USER.\n"
          "A file that cannot be parsed is reported as FILE:LINE: problem (exit 1).\n"
          "\n"
          "Suppress a rule for one instruction with a comment on the line before it:\n"
          "  # moat ignore=MDL009,MDL006      (hadolint's '# hadolint ignore=DL3008' works too)\n"
          "\n"
          "Options:\n"
          "  -f, --format FORMAT        table, json or sarif. Default: table on a terminal,\n"
          "                             json otherwise.\n"
          "  -o, --output FILE          write to FILE (replaced atomically) instead of stdout\n"
          "      --color WHEN           colour severities in the table: auto, always, never\n"
          "  -s, --severity LIST        report only these severities, e.g. HIGH,CRITICAL\n"
          "                             (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL; default all)\n"
          "      --exit-code N          exit with N when anything is reported (default 0)\n"
          "      --ignore ID[,ID]       skip rules everywhere (MDL001 or DL3006; repeatable)\n"
          "      --trusted-registry L   allow base images only from these registries or\n"
          "                             prefixes, e.g. docker.io,ghcr.io/org (repeatable);\n"
          "                             others are reported as MDL026\n"
          "      --list-rules           print the rules (id, hadolint id, severity, title)\n"
          "  -h, --help                 show this help\n"
          "\n"
          "Exit status: 0 (or N from --exit-code when findings remain), 1 when a file\n"
          "cannot be read or parsed, 2 on a usage error.\n"
          "\n"
          "Examples:\n"
          "  moat lint\n"
          "  moat lint --severity MEDIUM,HIGH,CRITICAL --exit-code 1 build/Dockerfile\n"
          "  moat lint -f sarif -o lint.sarif --trusted-registry ghcr.io/acme Dockerfile\n"
          "  cat Dockerfile | moat lint -f json -\n",
          f);
}

struct lint_args {
    const char *format, *output, *color;
    int severity_mask, exit_code;
    char *lists[2][LINT_MAX_LIST]; /* [0] ignore, [1] trusted: owned copies */
    size_t n_list[2];
};

/* Split "a,b" into args->lists[which]; -1 when the list is full or out of memory. */
static int add_list(struct lint_args *a, int which, const char *s)
{
    char *copy = strdup(s), *save = NULL, *tok;
    int rc = 0;

    if (copy == NULL)
        return -1;
    for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
        if (a->n_list[which] == LINT_MAX_LIST ||
            (a->lists[which][a->n_list[which]] = strdup(tok)) == NULL) {
            rc = -1;
            break;
        }
        a->n_list[which]++;
    }
    free(copy);
    return rc;
}

static void free_lists(struct lint_args *a)
{
    for (int w = 0; w < 2; w++)
        for (size_t i = 0; i < a->n_list[w]; i++)
            free(a->lists[w][i]);
}

/* Rule-level SARIF text from the rule table: a finding's description is its rule's rationale. */
static bool lint_rule_info(void *arg, const struct moat_finding *f, struct moat_report_rule *out)
{
    const struct moat_lint_rule *r = moat_lint_rule_find(f->rule_id);

    (void)arg;
    if (r == NULL)
        return false;
    out->title = r->title;
    out->description = r->rationale;
    out->remediation = r->remediation;
    return true;
}

static int run_lint(struct lint_args *a, enum moat_report_format fmt, char **files, size_t n)
{
    static char *const deflt[] = {"Dockerfile"};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings findings = {0};
    struct moat_lint_opts opts = {0};
    struct moat_report_ctx ctx = {0};
    struct cli_output out = {0};
    int rc = MOAT_EXIT_FAIL;

    if (n == 0) {
        files = (char **)deflt;
        n = 1;
    }
    if (cli_output_check(a->output, &err) < 0)
        goto out;
    opts.ignore = (const char *const *)a->lists[0];
    opts.n_ignore = a->n_list[0];
    opts.trusted = (const char *const *)a->lists[1];
    opts.n_trusted = a->n_list[1];
    for (size_t i = 0; i < n; i++) {
        struct moat_dockerfile df;
        const char *name = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];

        if (moat_dockerfile_load(files[i], &df, &err) < 0)
            goto out;
        if (moat_lint_dockerfile(&df, name, &opts, &findings, &err) < 0) {
            moat_dockerfile_free(&df);
            goto out;
        }
        moat_dockerfile_free(&df);
    }
    moat_findings_filter(&findings, a->severity_mask, NULL);
    moat_findings_sort(&findings);
    ctx.tool_version = MOAT_VERSION;
    ctx.target = n == 1 ? (strcmp(files[0], "-") == 0 ? "<stdin>" : files[0]) : "Dockerfiles";
    ctx.rule_info = lint_rule_info;
    ctx.width = cli_term_width(a->output);
    ctx.color =
        cli_color_parse(a->color, &ctx.color) == 0 && ctx.color && cli_output_is_stdout(a->output);
    if (cli_output_open(&out, a->output, &err) < 0)
        goto out;
    if (moat_report_write(out.f, fmt, &ctx, &findings, &err) < 0) {
        cli_output_abort(&out);
        goto out;
    }
    if (cli_output_commit(&out, &err) < 0)
        goto out;
    rc = findings.n > 0 ? a->exit_code : MOAT_EXIT_OK;
out:
    if (err.code != 0)
        cli_fail(&err);
    moat_findings_free(&findings);
    moat_err_clear(&err);
    return rc;
}

static void list_rules(void)
{
    size_t n;
    const struct moat_lint_rule *r = moat_lint_rules(&n);

    for (size_t i = 0; i < n; i++)
        printf("%-7s %-7s %-8s %s\n", r[i].id, r[i].hadolint != NULL ? r[i].hadolint : "-",
               moat_severity_name(r[i].severity), r[i].title);
}

int moat_cmd_lint(int argc, char **argv)
{
    enum { OPT_EXIT = 256, OPT_IGNORE, OPT_TRUSTED, OPT_LIST, OPT_COLOR };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"severity", required_argument, NULL, 's'},
        {"exit-code", required_argument, NULL, OPT_EXIT},
        {"ignore", required_argument, NULL, OPT_IGNORE},
        {"trusted-registry", required_argument, NULL, OPT_TRUSTED},
        {"list-rules", no_argument, NULL, OPT_LIST},
        {"color", required_argument, NULL, OPT_COLOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct lint_args a = {0};
    enum moat_report_format fmt;
    int c, rc = MOAT_EXIT_USAGE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            a.format = optarg;
            break;
        case 'o':
            a.output = optarg;
            break;
        case 's':
            if ((a.severity_mask = cli_parse_severities(optarg)) <= 0) {
                cli_error("lint: --severity: expected a list of UNKNOWN, LOW, MEDIUM, HIGH, "
                          "CRITICAL, got '%s'",
                          optarg);
                goto out;
            }
            break;
        case OPT_EXIT:
            if (cli_parse_exit_code(optarg, &a.exit_code) < 0) {
                cli_error("lint: --exit-code: expected 0-255, got '%s'", optarg);
                goto out;
            }
            break;
        case OPT_IGNORE:
        case OPT_TRUSTED:
            if (add_list(&a, c == OPT_IGNORE ? 0 : 1, optarg) < 0) {
                cli_error("lint: too many entries in --ignore/--trusted-registry");
                goto out;
            }
            break;
        case OPT_COLOR:
            if (cli_color_parse(optarg, &(bool){false}) < 0) {
                cli_error("lint: --color: expected auto, always or never, got '%s'", optarg);
                rc = MOAT_EXIT_USAGE;
                goto out;
            }
            a.color = optarg;
            break;
        case OPT_LIST:
            list_rules();
            rc = MOAT_EXIT_OK;
            goto out;
        case 'h':
            lint_usage(stdout);
            rc = MOAT_EXIT_OK;
            goto out;
        default:
            cli_usage_error(argv[0]);
            goto out;
        }
    }
    for (size_t i = 0; i < a.n_list[0]; i++)
        if (moat_lint_rule_find(a.lists[0][i]) == NULL) {
            cli_error("lint: --ignore: unknown rule '%s' (see 'moat lint --list-rules')",
                      a.lists[0][i]);
            goto out;
        }
    if (a.format == NULL)
        fmt = (a.output == NULL && isatty(STDOUT_FILENO)) ? MOAT_REPORT_TABLE : MOAT_REPORT_JSON;
    else if (moat_report_format_parse(a.format, &fmt) < 0 ||
             (fmt != MOAT_REPORT_TABLE && fmt != MOAT_REPORT_JSON && fmt != MOAT_REPORT_SARIF)) {
        cli_error("lint: unknown format '%s' (table, json, sarif)", a.format);
        goto out;
    }
    rc = run_lint(&a, fmt, argv + optind, (size_t)(argc - optind));
out:
    free_lists(&a);
    return rc;
}
