/* test_admit.c - admit.yaml parsing (strict, with line numbers), the image and
 * container checks with their exact reasons, Docker's name normalisation,
 * prefix matching at component boundaries, and root detection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/json.h"
#include "moat/policy/admit.h"
#include "moat/source/docker_name.h"

static struct moat_admit_policy *parse(const char *yaml)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *p = NULL;

    if (moat_admit_policy_parse("admit.yaml", yaml, strlen(yaml), "/etc/moat", &p, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    return p;
}

static void parse_fails(const char *yaml, const char *msg)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *p = NULL;

    assert_true(moat_admit_policy_parse("admit.yaml", yaml, strlen(yaml), ".", &p, &err) < 0);
    assert_null(p);
    if (strstr(moat_err_msg(&err), msg) == NULL)
        fail_msg("expected '%s' in: %s", msg, moat_err_msg(&err));
    moat_err_clear(&err);
}

static void test_parse_full(void **state)
{
    struct moat_admit_policy *p;

    (void)state;
    p = parse("registries: [registry.example.com/team/, docker.io/library/]\n"
              "custody: custody.yaml\n"
              "attestations: [att/, /var/lib/moat/extra.jsonl]\n"
              "scan: {max_severity: high, max_age: 7d, secrets: 0}\n"
              "fresh_scan: true\n"
              "non_root: true\n"
              "no_secrets: true\n"
              "deny_privileged: true\n"
              "deny_host_namespaces: true\n"
              "deny_socket_mounts: true\n"
              "deny_cap_add: [SYS_ADMIN, cap_net_raw]\n");
    assert_int_equal(p->n_registries, 2);
    assert_string_equal(p->registries[1], "docker.io/library/");
    assert_string_equal(p->custody_path, "/etc/moat/custody.yaml");
    assert_int_equal(p->n_attestations, 2);
    assert_string_equal(p->attestations[0], "/etc/moat/att/");
    assert_string_equal(p->attestations[1], "/var/lib/moat/extra.jsonl");
    assert_true(p->has_scan && p->has_max_severity);
    assert_int_equal(p->max_severity, MOAT_SEV_HIGH);
    assert_int_equal(p->max_age, 7 * 86400);
    assert_int_equal(p->max_secrets, 0);
    assert_true(p->fresh_scan && p->non_root && p->no_secrets && p->deny_privileged &&
                p->deny_host_namespaces && p->deny_socket_mounts);
    assert_int_equal(p->n_deny_cap_add, 2);
    assert_string_equal(p->deny_cap_add[1], "NET_RAW");
    moat_admit_policy_free(p);

    p = parse("attestations: bundle.jsonl\n"); /* one path without a list */
    assert_int_equal(p->n_attestations, 1);
    assert_int_equal(p->max_secrets, -1);
    assert_false(p->has_registries);
    moat_admit_policy_free(p);
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_fails("registries: [docker.io/library/]\nnon_rot: true\n",
                "admit.yaml: line 2: unknown key 'non_rot'");
    parse_fails("non_root: yes\n", "admit.yaml: line 1: non_root: expected true or false");
    parse_fails("non_root: \"true\"\n", "non_root: expected true or false");
    parse_fails("non_root: true\nnon_root: false\n", "line 2: duplicate key 'non_root'");
    parse_fails("scan: {max_severity: SEVERE}\n", "line 1: scan.max_severity: expected UNKNOWN");
    parse_fails("scan:\n  max_age: 7 days\n", "line 2: scan.max_age: expected a duration");
    parse_fails("scan:\n  secrets: -1\n", "line 2: scan.secrets: expected a whole number");
    parse_fails("scan:\n  maxage: 7d\n", "line 2: scan: unknown key 'maxage'");
    parse_fails("scan: {}\n", "scan: give at least one of");
    parse_fails("registries: [team/app]\n", "must start with a registry host");
    parse_fails("registries: docker.io/library/\n", "line 1: registries: expected a list");
    parse_fails("deny_cap_add: [SYS ADMIN]\n", "is not a capability name");
    parse_fails("a: &x true\nnon_root: *x\n", "line 2: aliases are not allowed");
    parse_fails("non_root: true\n---\nnon_root: false\n", "more than one document");
    parse_fails("- non_root\n", "line 1: policy: expected a mapping");
    parse_fails("non_root: [true\n", "admit.yaml: line 2:");
    parse_fails("", "empty policy");
}

static void test_names(void **state)
{
    /* expected values: what distribution/reference ParseNormalizedNamed gives, plus the Hub's
     * API host registry-1.docker.io read as docker.io and the domain lower-cased */
    static const char *const cases[][2] = {
        {"ubuntu", "docker.io/library/ubuntu"},
        {"ubuntu:24.04", "docker.io/library/ubuntu:24.04"},
        {"me/app:1", "docker.io/me/app:1"},
        {"index.docker.io/library/debian:12", "docker.io/library/debian:12"},
        {"registry-1.docker.io/library/debian:12", "docker.io/library/debian:12"},
        {"registry-1.docker.io/debian", "docker.io/library/debian"},
        {"docker.io/debian", "docker.io/library/debian"},
        {"Registry.Example.COM/team/app", "registry.example.com/team/app"},
        {"localhost/moat-test/alpine:1", "localhost/moat-test/alpine:1"},
        {"localhost:5000/app", "localhost:5000/app"},
        {"localhost:5000", "docker.io/library/localhost:5000"},
        {"a__b/c-d.e_f--g:Tag_1.x-", "docker.io/a__b/c-d.e_f--g:Tag_1.x-"},
        {"registry.example.com/team/app@sha256:"
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
         "registry.example.com/team/app@sha256:"
         "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    };
    static const char *const bad[] = {
        "registry.example.com/team/../evil/x",
        "a b",
        "",
        "Ubuntu", /* repository names are lower case */
        "docker.io/Library/x",
        "x/./y",
        "x//y",
        "-x",
        "x-",
        "x...y",
        "x___y",
        "x:",
        ":x",
        "x:.tag",
        "x@sha256:abc", /* digests are complete */
        "x@md5:d41d8cd98f00b204e9800998ecf8427e",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", /* an id */
        "-bad.example.com/x",
        "bad..example.com/x",
        "host:port/x",
    };
    struct moat_err err = MOAT_ERR_INIT;
    char *out = NULL;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (moat_docker_name_normalize(cases[i][0], &out, &err) != 0)
            fail_msg("'%s': %s", cases[i][0], moat_err_msg(&err));
        assert_string_equal(out, cases[i][1]);
        free(out);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (moat_docker_name_normalize(bad[i], &out, &err) != -MOAT_E_FORMAT)
            fail_msg("'%s' accepted", bad[i]);
    moat_err_clear(&err);

    assert_true(
        moat_docker_name_under("registry.example.com/team/", "registry.example.com/team/app:1"));
    assert_true(
        moat_docker_name_under("registry.example.com/team", "registry.example.com/team/app:1"));
    assert_true(
        moat_docker_name_under("REGISTRY.example.com/team", "registry.example.com/team/app"));
    assert_false(
        moat_docker_name_under("registry.example.com/team", "registry.example.com/teamevil/app:1"));
    assert_false(moat_docker_name_under("docker.io/library/", "docker.io/libraryx/a"));
    assert_true(moat_docker_name_under("docker.io/library/debian", "docker.io/library/debian:12"));
    assert_true(moat_docker_name_under("index.docker.io/library/", "docker.io/library/debian"));
    assert_true(moat_docker_name_under("registry-1.docker.io/me/", "docker.io/me/app"));
    assert_true(moat_docker_name_under("docker.io/nginx", "docker.io/library/nginx:1.27"));
    assert_false(moat_docker_name_under("docker.io/nginx", "docker.io/library/nginxx"));
    assert_false(moat_docker_name_under("docker.io/team/", "docker.io/library/team"));
    assert_true(moat_docker_name_under("docker.io", "docker.io/library/nginx"));
    assert_false(moat_docker_name_under("docker.io", "docker.iox/x"));

    assert_true(moat_user_is_root(""));
    assert_true(moat_user_is_root("root"));
    assert_true(moat_user_is_root("0"));
    assert_true(moat_user_is_root("00:1000"));
    assert_true(moat_user_is_root("root:staff"));
    assert_false(moat_user_is_root("1000"));
    assert_false(moat_user_is_root("app:app"));
    assert_false(moat_user_is_root("10"));
    /* strconv.Atoi: a sign is allowed, so these are uid 0 too */
    assert_true(moat_user_is_root("+0"));
    assert_true(moat_user_is_root("-0"));
    assert_true(moat_user_is_root("+00:0"));
    assert_true(moat_user_is_root("-000:1000"));
    assert_false(moat_user_is_root("+"));
    assert_false(moat_user_is_root("+-0"));
    assert_false(moat_user_is_root(" 0"));
    assert_false(moat_user_is_root("0x0"));
    assert_false(moat_user_is_root("+1000"));
}

static void expect_reasons(const struct moat_decision *d, const char *const *want, size_t n)
{
    if (d->n_reasons != n) {
        for (size_t i = 0; i < d->n_reasons; i++)
            print_message("reason: %s\n", d->reasons[i]);
        fail_msg("%zu reasons, expected %zu", d->n_reasons, n);
    }
    for (size_t i = 0; i < n; i++)
        assert_string_equal(d->reasons[i], want[i]);
    assert_true(d->allow == (n == 0));
}

static void test_image_checks(void **state)
{
    struct moat_admit_policy *p =
        parse("registries: [registry.example.com/team/]\ncustody: c.yaml\n"
              "scan: {max_severity: MEDIUM, max_age: 2d, secrets: 0}\n"
              "non_root: true\nno_secrets: true\n");
    const char *names[] = {"registry.example.com/team/app:1", "docker.io/library/app:1"};
    const char *custody_reasons[] = {"phase test: missing: no attestation for this phase"};
    struct moat_admit_image img = {0};
    struct moat_decision d = {true, NULL, 0};
    struct moat_err err = MOAT_ERR_INIT;
    static const char *const want[] = {
        "registry: docker.io/library/app:1 is not under a trusted registry prefix",
        "custody: phase test: missing: no attestation for this phase",
        "scan: 2 CRITICAL findings in the attested scan (allowed up to MEDIUM)",
        "scan: 5 HIGH findings in the attested scan (allowed up to MEDIUM)",
        "scan: the attested scan is 3d old (max_age 2d)",
        "scan: 1 secrets in the attested scan (allowed 0)",
        "non_root: runs as root (user '0:0')",
        "no_secrets: 1 secrets in the attested scan",
    };

    (void)state;
    img.names = names;
    img.n_names = 2;
    img.user = "0:0";
    img.custody.checked = true;
    img.custody.reasons = (char *const *)custody_reasons;
    img.custody.n_reasons = 1;
    img.scan.present = true;
    img.scan.source = "attested scan";
    img.scan.scanners = MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET;
    img.now = 1796000000;
    img.scan.time = img.now - 3 * 86400;
    /* (other durations are formatted like 1h30m, 45s) */
    img.scan.by_severity[MOAT_SEV_CRITICAL] = 2;
    img.scan.by_severity[MOAT_SEV_HIGH] = 5;
    img.scan.by_severity[MOAT_SEV_MEDIUM] = 9; /* allowed */
    img.scan.secrets = 1;
    assert_int_equal(moat_admit_check_image(p, &img, &d, &err), 0);
    expect_reasons(&d, want, sizeof want / sizeof want[0]);
    moat_decision_free(&d);

    /* the same evidence, all good: allowed, nothing said */
    d.allow = true;
    img.n_names = 1;
    img.user = "1000";
    img.custody.checked = true;
    img.custody.ok = true;
    img.custody.n_reasons = 0;
    img.scan.time = img.now - 3600;
    img.scan.by_severity[MOAT_SEV_CRITICAL] = img.scan.by_severity[MOAT_SEV_HIGH] = 0;
    img.scan.secrets = 0;
    assert_int_equal(moat_admit_check_image(p, &img, &d, &err), 0);
    expect_reasons(&d, NULL, 0);

    /* nothing known: every requirement says why */
    memset(&img, 0, sizeof img);
    d.allow = true;
    assert_int_equal(moat_admit_check_image(p, &img, &d, &err), 0);
    {
        static const char *const none[] = {
            "registry: the image has no name to check against the trusted registries",
            "custody: not verified",
            "scan: no verified scan attestation",
            "non_root: the user the container runs as is unknown",
            "no_secrets: no verified scan attestation",
        };
        expect_reasons(&d, none, sizeof none / sizeof none[0]);
    }
    moat_decision_free(&d);
    moat_admit_policy_free(p);
}

static void age_reason(const char *yaml, int64_t age, const char *want)
{
    struct moat_admit_policy *p = parse(yaml);
    struct moat_admit_image img = {0};
    struct moat_decision d = {true, NULL, 0};
    struct moat_err err = MOAT_ERR_INIT;

    img.now = 1796000000;
    img.scan.present = true;
    img.scan.source = "attested scan";
    img.scan.time = img.now - age;
    assert_int_equal(moat_admit_check_image(p, &img, &d, &err), 0);
    expect_reasons(&d, &want, 1);
    moat_decision_free(&d);
    moat_admit_policy_free(p);
}

static void test_scan_age(void **state)
{
    (void)state;
    age_reason("scan: {max_age: 90m}\n", 2 * 3600 + 300,
               "scan: the attested scan is 2h5m old (max_age 1h30m)");
    age_reason("scan: {max_age: 30s}\n", 45, "scan: the attested scan is 45s old (max_age 30s)");
    age_reason("scan: {max_age: 1d}\n", 86400 + 3600 + 60,
               "scan: the attested scan is 1d1h old (max_age 1d)");
    age_reason("scan: {max_age: 1h}\n", -3600, "scan: the attested scan is dated in the future");
}

static void test_fresh_summary(void **state)
{
    struct moat_findings fs = {0};
    struct moat_finding f = {0};
    struct moat_scan_summary s;
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    f.kind = MOAT_FINDING_SECRET;
    f.severity = MOAT_SEV_HIGH;
    f.rule_id = strdup("secret-aws-access-key-id");
    assert_int_equal(moat_findings_add(&fs, &f, &err), 0);
    f.kind = MOAT_FINDING_VULN;
    f.severity = MOAT_SEV_CRITICAL;
    f.rule_id = strdup("CVE-2024-0001");
    f.vex = MOAT_VEX_NOT_AFFECTED; /* settled by VEX: does not count */
    assert_int_equal(moat_findings_add(&fs, &f, &err), 0);
    moat_scan_summary_from_findings(&fs, 42, MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET, &s);
    assert_true(s.present);
    assert_int_equal(s.scanners, MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET);
    assert_int_equal(s.time, 42);
    assert_int_equal(s.secrets, 1);
    assert_int_equal(s.by_severity[MOAT_SEV_HIGH], 1);
    assert_int_equal(s.by_severity[MOAT_SEV_CRITICAL], 0);
    moat_findings_free(&fs);
}

static void test_predicate_summary(void **state)
{
    /* the scan predicate as docs/attestations.md shows it */
    const char *pred = "{\"scanner\":{\"name\":\"moat\",\"version\":\"0.1.0\"},"
                       "\"time\":\"2026-11-30T10:00:00+01:00\","
                       "\"severity_counts\":{\"CRITICAL\":0,\"HIGH\":3,\"MEDIUM\":1,\"LOW\":0,"
                       "\"UNKNOWN\":2},"
                       "\"kind_counts\":{\"vulnerability\":6,\"secret\":2,\"misconfiguration\":0,"
                       "\"policy\":0},\"max_severity\":\"HIGH\",\"total\":6}";
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_scan_summary s;
    json_t *j = NULL;

    (void)state;
    assert_int_equal(moat_json_parse(pred, strlen(pred), 1 << 20, "p", &j, &err), 0);
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), 0);
    assert_int_equal(s.time, 1796029200); /* date -u -d 2026-11-30T09:00:00Z +%s */
    assert_int_equal(s.by_severity[MOAT_SEV_HIGH], 3);
    assert_int_equal(s.by_severity[MOAT_SEV_UNKNOWN], 2);
    assert_int_equal(s.secrets, 2);
    assert_int_equal(s.scanners, 0); /* an older summary does not say which scanners ran */
    json_object_set_new(j, "scanners", json_pack("[s,s,s]", "vuln", "secret", "license"));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), 0);
    assert_int_equal(s.scanners, MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET);
    json_object_set_new(j, "scanners", json_pack("[s]", "misconfig"));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), 0);
    assert_int_equal(s.scanners, MOAT_SCANNER_MISCONFIG);
    json_object_set_new(j, "scanners", json_pack("[s,i]", "secret", 1));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), -MOAT_E_FORMAT);
    json_object_set_new(j, "scanners", json_string("secret"));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), -MOAT_E_FORMAT);
    json_object_del(j, "scanners");
    json_object_set_new(j, "time", json_string("yesterday"));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), -MOAT_E_FORMAT);
    /* base/time.c: a day the calendar does not have is refused (the old copy took it) */
    json_object_set_new(j, "time", json_string("2026-02-31T10:00:00Z"));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), -MOAT_E_FORMAT);
    json_object_set_new(j, "time", json_string("2026-11-30T10:00:00Z"));
    json_object_set_new(json_object_get(j, "kind_counts"), "secret", json_integer(-1));
    assert_int_equal(moat_scan_summary_from_predicate(j, &s, &err), -MOAT_E_FORMAT);
    moat_err_clear(&err);
    json_decref(j);
}

/* Admit a scan summary with the given scanners (0 secrets found) against yaml. */
static void secrets_case(const char *yaml, unsigned scanners, const char *source,
                         const char *const *want, size_t n)
{
    struct moat_admit_policy *p = parse(yaml);
    struct moat_admit_image img = {0};
    struct moat_decision d = {true, NULL, 0};
    struct moat_err err = MOAT_ERR_INIT;

    img.now = 1796000000;
    img.scan.present = true;
    img.scan.source = source;
    img.scan.time = img.now - 60;
    img.scan.scanners = scanners;
    assert_int_equal(moat_admit_check_image(p, &img, &d, &err), 0);
    expect_reasons(&d, want, n);
    moat_decision_free(&d);
    moat_admit_policy_free(p);
}

/* "0 secrets" from a scan that never looked for secrets satisfies neither secrets rule. */
static void test_secrets_need_secret_scanner(void **state)
{
    static const char *const yaml = "scan: {secrets: 0}\nno_secrets: true\n";
    static const char *const vuln_only[] = {
        "scan: the attested scan did not run the secret scanner; policy requires scan.secrets",
        "no_secrets: the attested scan did not run the secret scanner; policy requires no_secrets",
    };
    static const char *const unknown[] = {
        "scan: the attested scan does not say which scanners ran; policy requires scan.secrets, "
        "which needs the secret scanner",
        "no_secrets: the attested scan does not say which scanners ran; policy requires "
        "no_secrets, which needs the secret scanner",
    };

    static const char *const secret_only[] = {
        "scan: the attested scan did not run the vuln scanner; policy requires scan.max_severity",
    };
    static const char *const sev_unknown[] = {
        "scan: the attested scan does not say which scanners ran; policy requires "
        "scan.max_severity, which needs the vuln scanner",
    };

    (void)state;
    secrets_case(yaml, MOAT_SCANNER_VULN, "attested scan", vuln_only, 2);
    secrets_case(yaml, MOAT_SCANNER_VULN | MOAT_SCANNER_MISCONFIG, "attested scan", vuln_only, 2);
    secrets_case(yaml, 0, "attested scan", unknown, 2);
    secrets_case(yaml, MOAT_SCANNER_VULN | MOAT_SCANNER_SECRET, "attested scan", NULL, 0);
    secrets_case(yaml, MOAT_SCANNER_SECRET, "fresh scan", NULL, 0);
    /* max_severity needs the vulnerability scanner: a secret-only scan is not "nothing above" */
    secrets_case("scan: {max_severity: HIGH}\n", MOAT_SCANNER_VULN, "attested scan", NULL, 0);
    secrets_case("scan: {max_severity: HIGH}\n", MOAT_SCANNER_SECRET, "attested scan", secret_only,
                 1);
    secrets_case("scan: {max_severity: HIGH}\n", 0, "attested scan", sev_unknown, 1);
}

static void check_create(const struct moat_admit_policy *p, const char *body,
                         const char *const *want, size_t n)
{
    struct moat_decision d = {true, NULL, 0};
    struct moat_err err = MOAT_ERR_INIT;
    json_t *j = NULL;

    if (moat_json_parse(body, strlen(body), 1 << 20, "body", &j, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    assert_int_equal(moat_admit_check_create(p, j, NULL, &d, &err), 0);
    expect_reasons(&d, want, n);
    moat_decision_free(&d);
    json_decref(j);
}

static void test_create_checks(void **state)
{
    struct moat_admit_policy *p = parse("deny_privileged: true\ndeny_host_namespaces: true\n"
                                        "deny_socket_mounts: true\ndeny_cap_add: [SYS_ADMIN]\n");
    struct moat_admit_policy *all_caps = parse("deny_cap_add: [ALL]\n");
    struct moat_admit_policy *lax = parse("registries: [docker.io/library/]\n");
    struct moat_admit_policy *hostp = parse("deny_host_mounts: true\n");

    (void)state;
    check_create(p, "{\"Image\":\"ubuntu\"}", NULL, 0);
    check_create(p, "{\"Image\":\"ubuntu\",\"HostConfig\":null}", NULL, 0);
    {
        static const char *const w[] = {
            "deny_privileged: privileged container (HostConfig.Privileged, CIS 5.4)",
            "deny_privileged: capability added: NET_ADMIN (HostConfig.CapAdd, CIS 5.3)",
            "deny_cap_add: capability added: sys_admin, which the daemon reads as SYS_ADMIN "
            "(HostConfig.CapAdd, CIS 5.3)",
            "deny_cap_add: capability added: ALL (HostConfig.CapAdd, CIS 5.3)",
            "deny_host_namespaces: HostConfig.NetworkMode is host (CIS 5.9)",
            "deny_host_namespaces: HostConfig.IpcMode is host (CIS 5.16)",
            "deny_host_namespaces: HostConfig.UTSMode is host (CIS 5.20)",
            "deny_host_namespaces: HostConfig.UsernsMode is host (CIS 5.30)",
            "PidMode container:abc: no engine (--engine) to see that container's settings",
            "deny_socket_mounts: engine socket mounted: /var/run/docker.sock (HostConfig.Binds, "
            "CIS 5.31)",
            "deny_socket_mounts: engine socket mounted: /run/podman/podman.sock "
            "(HostConfig.Binds, CIS 5.31)",
            "deny_socket_mounts: engine socket mounted: /var/run holds /run/docker.sock "
            "(HostConfig.Binds, CIS 5.31)",
            "deny_socket_mounts: engine socket mounted: /home/u/.docker/run/docker.sock "
            "(HostConfig.Binds, CIS 5.31)",
            "deny_socket_mounts: engine socket mounted: /run/containerd/containerd.sock "
            "(HostConfig.Mounts, CIS 5.31)",
            "deny_socket_mounts: engine socket mounted: / holds /run/docker.sock "
            "(HostConfig.Mounts, CIS 5.31)",
            "deny_socket_mounts: engine socket mounted: /srv/../run holds /run/docker.sock "
            "(HostConfig.Mounts volume device, CIS 5.31)",
        };
        check_create(
            p,
            "{\"Image\":\"x\",\"HostConfig\":{\"Privileged\":true,\"NetworkMode\":\"host\","
            "\"PidMode\":\"container:abc\",\"IpcMode\":\"host\",\"UTSMode\":\"host\","
            "\"UsernsMode\":\"host\",\"Binds\":[\"/var/run/docker.sock:/s\","
            "\"/run/podman/podman.sock:/p:ro\",\"/var/run:/r\",\"data:/data\","
            "\"/home/u/src:/src\",\"/home/u/.docker/run/docker.sock:/d\"],"
            "\"Mounts\":[{\"Type\":\"bind\",\"Source\":"
            "\"/run/containerd/containerd.sock\",\"Target\":\"/c\"},{\"Type\":\"bind\","
            "\"Source\":\"/\",\"Target\":\"/host\"},{\"Type\":\"volume\",\"Target\":\"/v\","
            "\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{"
            "\"type\":\"none\",\"o\":\"bind\",\"device\":\"/srv/../run\"}}}}],"
            "\"CapAdd\":[\"NET_ADMIN\",\"sys_admin\",\"ALL\"]}}",
            w, sizeof w / sizeof w[0]);
    }
    {
        static const char *const w[] = {
            "HostConfig.Privileged is not a boolean", "HostConfig.CapAdd[0] is not a string",
            "HostConfig.NetworkMode is not a string", "HostConfig.Binds is not a list"};
        check_create(
            p,
            "{\"HostConfig\":{\"Privileged\":\"true\",\"NetworkMode\":1,\"Binds\":\"/:/h\","
            "\"CapAdd\":[7]}}",
            w, sizeof w / sizeof w[0]);
    }
    {
        static const char *const w[] = {
            "deny_cap_add: capability added: NET_RAW (HostConfig.CapAdd, CIS 5.3)"};
        check_create(all_caps, "{\"HostConfig\":{\"CapAdd\":[\"NET_RAW\"]}}", w, 1);
    }
    /* the daemon's Go decoder matches keys case-insensitively, Kelvin sign and long s too */
    {
        static const char *const w2[] = {
            "deny_privileged: privileged container (HostConfig.Privileged, CIS 5.4)",
            "deny_host_namespaces: HostConfig.NetworkMode is host (CIS 5.9)",
            "deny_host_namespaces: HostConfig.UsernsMode is host (CIS 5.30)",
            ("deny_socket_mounts: engine socket mounted: /run holds /run/docker.sock "
             "(HostConfig.Binds, CIS 5.31)")};
        check_create(p,
                     "{\"hostconfig\":{\"PRIVILEGED\":true,\"Networ\u212aMode\":\"host\","
                     "\"u\u017fernsmode\":\"host\",\"binds\":[\"/run:/r\"]},"
                     "\"Labels\":{\"a\":\"1\",\"A\":\"2\"}}",
                     w2, sizeof w2 / sizeof w2[0]);
    }
    /* strings.ToUpper: long s and dotless i upper-case to ASCII S and I */
    {
        static const char *const w[] = {
            "deny_cap_add: capability added: \xc5\xbfys_admin, which the daemon reads as SYS_ADMIN "
            "(HostConfig.CapAdd, CIS 5.3)",
            "deny_cap_add: capability added: CAP_SYS_ADM\xc4\xb1N, which the daemon reads as "
            "SYS_ADMIN (HostConfig.CapAdd, CIS 5.3)",
            "deny_privileged: capability added: cap_\xc5\xbfys_module, which the daemon reads as "
            "SYS_MODULE (HostConfig.CapAdd, CIS 5.3)",
            "deny_cap_add: capability added: all, which the daemon reads as ALL "
            "(HostConfig.CapAdd, CIS 5.3)"};
        check_create(p,
                     "{\"HostConfig\":{\"CapAdd\":[\"\\u017fys_admin\",\"CAP_SYS_ADM\\u0131N\","
                     "\"cap_\\u017fys_module\",\"all\",\"CHOWN\",\"SYS_ADM\\u0130N\"]}}",
                     w, sizeof w / sizeof w[0]);
    }
    /* without a HostConfig object the daemon reads HostConfig fields at the top level */
    {
        static const char *const w[] = {
            "deny_privileged: privileged container ((top level).Privileged, CIS 5.4)",
            "deny_socket_mounts: engine socket mounted: /var/run/docker.sock ((top level).Binds, "
            "CIS 5.31)"};
        check_create(
            p, "{\"Image\":\"x\",\"Privileged\":true,\"Binds\":[\"/var/run/docker.sock:/s\"]}", w,
            2);
        check_create(p,
                     "{\"Image\":\"x\",\"HostConfig\":null,\"Privileged\":true,"
                     "\"Binds\":[\"/var/run/docker.sock:/s\"]}",
                     w, 2);
        check_create(p, "{\"Image\":\"x\",\"HostConfig\":{},\"Privileged\":true}", NULL, 0);
    }
    /* privileged in effect */
    {
        static const char *const w[] = {
            "deny_privileged: host devices added (HostConfig.Devices, CIS 5.17)",
            "deny_privileged: device cgroup rules added (HostConfig.DeviceCgroupRules, CIS 5.17)",
            "deny_privileged: seccomp unconfined (CIS 5.21) (HostConfig.SecurityOpt: "
            "seccomp=unconfined)",
            "deny_privileged: AppArmor unconfined (CIS 5.1) (HostConfig.SecurityOpt: "
            "apparmor:unconfined)",
            "deny_privileged: SELinux labelling disabled (CIS 5.2) (HostConfig.SecurityOpt: "
            "label=disable)",
            "deny_privileged: SELinux labelling disabled (CIS 5.2) (HostConfig.SecurityOpt: "
            "disable)",
            "deny_privileged: /proc and /sys paths unmasked (systempaths=unconfined) "
            "(HostConfig.SecurityOpt: systempaths=unconfined)",
            "deny_privileged: seccomp unconfined (CIS 5.21) (HostConfig.SecurityOpt: "
            "seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"})",
            "deny_privileged: HostConfig.MaskedPaths leaves out /proc/asound (what "
            "systempaths=unconfined does)",
            "deny_privileged: HostConfig.ReadonlyPaths leaves out /proc/fs (what "
            "systempaths=unconfined does)",
            "deny_privileged: host cgroup namespace (HostConfig.CgroupnsMode is host)",
        };
        check_create(p,
                     "{\"HostConfig\":{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}],"
                     "\"DeviceCgroupRules\":[\"b 8:* rmw\"],\"SecurityOpt\":["
                     "\"seccomp=unconfined\",\"apparmor:unconfined\",\"label=disable\","
                     "\"disable\",\"systempaths=unconfined\",\"no-new-privileges\","
                     "\"Seccomp=unconfined\",\"apparmor=docker-default\","
                     "\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\"}\","
                     "\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ERRNO\\\"}\"],"
                     "\"MaskedPaths\":[],\"ReadonlyPaths\":[\"/proc/bus\"],"
                     "\"CgroupnsMode\":\"host\",\"Devices \":[]}}",
                     w, sizeof w / sizeof w[0]);
        check_create(p,
                     "{\"HostConfig\":{\"Devices\":[],\"MaskedPaths\":null,\"CgroupnsMode\":"
                     "\"private\",\"NetworkMode\":\"HOST\",\"SecurityOpt\":[\"label=user:u\"]}}",
                     NULL, 0);
    }
    /* Binds as moby's linuxParser splits them; /proc reaches every host file */
    {
        static const char *const w[] = {
            "deny_socket_mounts: /proc/1/root is under /proc, which reaches every host file and "
            "socket (/proc/1/root) (HostConfig.Binds)",
            "deny_socket_mounts: /proc/self/root/run is under /proc, which reaches every host "
            "file and socket (/proc/1/root) (HostConfig.Binds)",
        };
        check_create(
            p,
            "{\"HostConfig\":{\"Binds\":[\"/proc/1/root:/h\",\"/proc/self/root/run:/r:ro\","
            "\"/var/run/docker.sock\",\"/run:ro\",\"/etc:/x:ro:z:extra\"]}}",
            w, sizeof w / sizeof w[0]);
    }
    {
        static const char *const w[] = {
            "deny_host_mounts: host path / (/proc is sensitive, CIS 5.5) (HostConfig.Binds)",
            "deny_host_mounts: host path /etc (/etc/shadow is sensitive, CIS 5.5) "
            "(HostConfig.Binds)",
            "deny_host_mounts: writable host path /etc/cron.d (/etc is sensitive, CIS 5.5) "
            "(HostConfig.Binds)",
            "deny_host_mounts: host path /var/lib/docker/volumes (/var/lib/docker is sensitive, "
            "CIS 5.5) (HostConfig.Binds)",
            "deny_host_mounts: host path /dev (/dev is sensitive, CIS 5.5) (HostConfig.Mounts)",
            "deny_host_mounts: host path /var (/var/lib/docker is sensitive, CIS 5.5) "
            "(HostConfig.Mounts)",
            "deny_host_mounts: relative device path 'var/run' in a bind: the daemon resolves it "
            "against its own working directory (HostConfig.Mounts volume device)",
        };
        check_create(hostp,
                     "{\"HostConfig\":{\"Binds\":[\"/:/h:ro\",\"/etc:/e:ro\",\"/etc/cron.d:/c\","
                     "\"/etc/localtime:/etc/localtime:ro\",\"/var/lib/docker/volumes:/v\","
                     "\"/srv/data:/data\"],\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/dev\","
                     "\"Target\":\"/d\",\"ReadOnly\":true},{\"Type\":\"bind\",\"Source\":\"/var\","
                     "\"Target\":\"/v\"},{\"Type\":\"volume\",\"Target\":\"/x\",\"VolumeOptions\":{"
                     "\"DriverConfig\":{\"Options\":{\"type\":\"none\",\"o\":\"ro,rbind\","
                     "\"device\":\"var/run\"}}}}]}}",
                     w, sizeof w / sizeof w[0]);
    }
    {
        static const char *const w[] = {"HostConfig.Privileged is given twice (keys differing only "
                                        "in case)"};
        check_create(p, "{\"HostConfig\":{\"Privileged\":false,\"privileged\":true}}", w, 1);
    }
    {
        static const char *const w[] = {"HostConfig is given twice (keys differing only in case)"};
        check_create(p, "{\"HostConfig\":{},\"hostConfig\":{\"Privileged\":true}}", w, 1);
    }
    /* a policy without container rules lets everything through */
    check_create(lax, "{\"HostConfig\":{\"Privileged\":true,\"NetworkMode\":\"host\"}}", NULL, 0);
    {
        static const char *const w[] = {"create request body is not a JSON object"};
        check_create(p, "[1]", w, 1);
    }
    moat_admit_policy_free(p);
    moat_admit_policy_free(all_caps);
    moat_admit_policy_free(lax);
    moat_admit_policy_free(hostp);
}

/* POST /volumes/create: a local volume bound to a host path is a bind of that path. */
static void test_volume_create(void **state)
{
    struct moat_admit_policy *p = parse("deny_socket_mounts: true\ndeny_host_mounts: true\n");
    static const struct {
        const char *body, *want;
    } cases[] = {
        {"{\"Name\":\"v\",\"Driver\":\"local\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\","
         "\"device\":\"/var/run\"}}",
         "deny_socket_mounts: engine socket mounted: /var/run holds /run/docker.sock (volume "
         "create DriverOpts device, CIS 5.31)"},
        {"{\"name\":\"v\",\"driveropts\":{\"type\":\"none\",\"o\":\"rbind\",\"device\":\"run\"}}",
         "deny_socket_mounts: relative device path 'run' in a bind: the daemon resolves it "
         "against its own working directory (volume create DriverOpts device)"},
        {"{\"DriverOpts\":{\"type\":\"ext4\",\"device\":\"/dev/sda1\"}}",
         "deny_host_mounts: host path /dev/sda1 (/dev is sensitive, CIS 5.5) (volume create "
         "DriverOpts device)"},
        {"{\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/srv/data\"}}", NULL},
        {"{\"DriverOpts\":{\"type\":\"nfs\",\"o\":\"addr=10.0.0.1\",\"device\":\":/export\"}}",
         NULL},
        {"{\"Driver\":\"someplugin\",\"DriverOpts\":{\"device\":\"/\"}}", NULL},
        {"{\"DriverOpts\":{\"Device\":\"/\",\"o\":\"bind\"}}", NULL}, /* map keys are exact */
        {"{\"DriverOpts\":\"x\"}", "DriverOpts is not an object"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct moat_decision d = {true, NULL, 0};
        struct moat_err err = MOAT_ERR_INIT;
        json_t *j = json_loads(cases[i].body, 0, NULL);

        assert_non_null(j);
        assert_int_equal(moat_admit_check_volume_create(p, j, &d, &err), 0);
        expect_reasons(&d, cases[i].want != NULL ? &cases[i].want : NULL,
                       cases[i].want != NULL ? 1 : 0);
        moat_decision_free(&d);
        json_decref(j);
    }
    moat_admit_policy_free(p);
}

static void test_decision_bounds(void **state)
{
    struct moat_decision d = {true, NULL, 0};
    struct moat_err err = MOAT_ERR_INIT;
    char *s;

    (void)state;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(moat_decision_add(&d, &err, "reason %d\nsecond line", i), 0);
    assert_false(d.allow);
    assert_int_equal(d.n_reasons, MOAT_DECISION_MAX_REASONS);
    assert_string_equal(d.reasons[0], "reason 0 second line");
    moat_decision_free(&d);
    assert_int_equal(moat_decision_add(&d, &err, "a"), 0);
    assert_int_equal(moat_decision_add(&d, &err, "b"), 0);
    /* base/strv.c: a reason already given is not repeated (decide.c kept repeats) */
    assert_int_equal(moat_decision_add(&d, &err, "a"), 0);
    assert_false(d.allow);
    s = moat_decision_summary(&d);
    assert_string_equal(s, "a; b");
    free(s);
    moat_decision_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_full),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_image_checks),
        cmocka_unit_test(test_fresh_summary),
        cmocka_unit_test(test_predicate_summary),
        cmocka_unit_test(test_create_checks),
        cmocka_unit_test(test_decision_bounds),
        cmocka_unit_test(test_volume_create),
        cmocka_unit_test(test_scan_age),
        cmocka_unit_test(test_secrets_need_secret_scanner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
