/*
 * test_verify.c - moat_custody_verify() on real signed envelopes (keys made
 * by key.c, envelopes by dsse.c, statements by statement.c, predicates
 * written here from the documented format): a good chain verifies, and each
 * way of breaking it is refused with its own one-line reason - another
 * phase's key, an unknown key, a changed payload or signature, a replay
 * onto another image, a missing phase, phases out of order by chain or by
 * time, a broken link, an expired or future attestation, a builder or scan
 * requirement not met - and every reason is listed, not only the first.
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

#include "custody/verify_int.h"

#define IMG "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define NOW 1796086689 /* 2026-12-01T00:58:09Z */

enum { K_BUILD, K_TEST, K_STRANGER, N_KEYS };
static const char *const key_names[] = {"build", "test", "stranger"};

static char tmpdir[64];
static struct moat_key *keys[N_KEYS];
static char key_ids[N_KEYS][65];
static struct moat_custody_policy *policy;

/* A set of envelopes under construction; the JSON is kept so digests can be checked. */
struct set {
    struct moat_att_set atts;
};

static int setup(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char path[256], text[2048];

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-verify.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    for (int i = 0; i < N_KEYS; i++) {
        if (moat_key_generate(i == K_TEST ? MOAT_KEY_ED25519 : MOAT_KEY_ECDSA_P256, &keys[i],
                              &err) < 0)
            return -1;
        moat_key_id(keys[i], key_ids[i]);
        snprintf(path, sizeof(path), "%s/%s.pub", tmpdir, key_names[i]);
        if (moat_key_write_public(keys[i], path, &err) < 0)
            return -1;
    }
    snprintf(text, sizeof(text),
             "version: 1\n"
             "keys:\n  build: build.pub\n  test: test.pub\n"
             "phases:\n"
             "  - name: build\n    keys: [build]\n    max_age: 30d\n"
             "    require:\n      builder: 'https://ci.example.com/*'\n"
             "  - name: test\n    keys: [test]\n    max_age: 7d\n");
    if (moat_custody_policy_parse("custody.yaml", text, strlen(text), tmpdir, &policy, &err) < 0) {
        fprintf(stderr, "%s\n", moat_err_msg(&err));
        return -1;
    }
    moat_err_clear(&err);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    for (int i = 0; i < N_KEYS; i++)
        moat_key_free(keys[i]);
    moat_custody_policy_free(policy);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Sign a statement about subject with predicate (stolen) and add it to s; returns its index. */
static size_t add_statement(struct set *s, int key, const char *subject, const char *type,
                            json_t *pred)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *stmt = NULL, *env = NULL;
    struct moat_dsse *grown;

    assert_int_equal(moat_statement_build("example.com/app:1", subject, type, pred, &stmt, &err),
                     0);
    json_decref(pred);
    assert_int_equal(
        moat_dsse_sign(keys[key], MOAT_DSSE_PAYLOAD_TYPE, stmt, strlen(stmt), &env, &err), 0);
    grown = realloc(s->atts.v, (s->atts.n + 1) * sizeof(*grown));
    assert_non_null(grown);
    s->atts.v = grown;
    assert_int_equal(moat_dsse_parse("test", env, strlen(env), &s->atts.v[s->atts.n], &err), 0);
    free(stmt);
    free(env);
    moat_err_clear(&err);
    return s->atts.n++;
}

/* A phase attestation; prev is the index of the previous envelope in s, or -1. */
static size_t add_phase(struct set *s, int key, const char *subject, const char *phase,
                        int64_t when, int prev)
{
    char ts[32], prevs[80];
    json_t *pred;

    (void)moat_time_format(when, ts);
    pred = json_pack("{s:s, s:s, s:s}", "phase", phase, "time", ts, "builder",
                     "https://ci.example.com/job/42");
    assert_non_null(pred);
    if (prev >= 0) {
        memcpy(prevs, "sha256:", 7);
        for (size_t i = 0; i < 32; i++)
            snprintf(prevs + 7 + 2 * i, 3, "%02x", s->atts.v[prev].digest[i]);
        assert_int_equal(json_object_set_new(pred, "previous", json_string(prevs)), 0);
    }
    return add_statement(s, key, subject, MOAT_PREDICATE_PHASE, pred);
}

/* build -> test, both good, at NOW-2h and NOW-1h. */
static void good_chain(struct set *s)
{
    size_t b = add_phase(s, K_BUILD, IMG, "build", NOW - 7200, -1);

    add_phase(s, K_TEST, IMG, "test", NOW - 3600, (int)b);
}

static struct moat_image_meta meta_for(const char *digest)
{
    struct moat_image_meta m;

    memset(&m, 0, sizeof(m));
    m.transport = "oci";
    m.ref = (char *)"oci:/tmp/app:1";
    m.name = (char *)"example.com/app:1";
    m.manifest_digest = (char *)digest;
    m.config_digest = (char *)OTHER;
    return m;
}

static void verify_with(const struct moat_custody_policy *p, struct set *s, const char *digest,
                        int64_t now, struct moat_custody_result *r)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image_meta m = meta_for(digest);

    assert_int_equal(moat_custody_verify(p, &m, &s->atts, now, r, &err), 0);
    moat_err_clear(&err);
}

static void verify(struct set *s, const char *digest, int64_t now, struct moat_custody_result *r)
{
    verify_with(policy, s, digest, now, r);
}

/* Some reason contains want; print them all when none does. */
static void has_reason(const struct moat_custody_result *r, const char *want)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strstr(r->reasons[i], want) != NULL)
            return;
    for (size_t i = 0; i < r->n_reasons; i++)
        fprintf(stderr, "reason: %s\n", r->reasons[i]);
    fail_msg("no reason contains \"%s\" (%zu reasons)", want, r->n_reasons);
}

/* Local, so these tests need only key.c, dsse.c and statement.c. */
static void set_free(struct set *s)
{
    for (size_t i = 0; i < s->atts.n; i++)
        moat_dsse_free(&s->atts.v[i]);
    free(s->atts.v);
    s->atts.v = NULL;
    s->atts.n = 0;
}

static void done(struct set *s, struct moat_custody_result *r)
{
    moat_custody_result_free(r);
    set_free(s);
}

static void test_good_chain(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;
    char hex[65];

    (void)state;
    good_chain(&s);
    verify(&s, IMG, NOW, &r);
    for (size_t i = 0; i < r.n_reasons; i++)
        fprintf(stderr, "unexpected: %s\n", r.reasons[i]);
    assert_true(r.ok);
    assert_int_equal(r.n_reasons, 0);
    assert_int_equal(r.n_phases, 2);
    assert_string_equal(r.phases[0].phase, "build");
    assert_string_equal(r.phases[0].keyid, key_ids[K_BUILD]);
    assert_string_equal(r.phases[0].time, "2026-11-30T22:58:09Z");
    assert_memory_equal(r.phases[0].envelope_digest, s.atts.v[0].digest, 32);
    assert_string_equal(r.phases[1].phase, "test");
    assert_string_equal(r.phases[1].keyid, key_ids[K_TEST]);
    assert_memory_equal(r.phases[1].envelope_digest, s.atts.v[1].digest, 32);
    assert_null(r.scan);
    /* The chain holds whatever order the envelopes come in, and duplicates do not matter. */
    {
        struct moat_dsse t = s.atts.v[0];
        struct moat_custody_result r2;

        s.atts.v[0] = s.atts.v[1];
        s.atts.v[1] = t;
        verify(&s, IMG, NOW, &r2);
        assert_true(r2.ok);
        moat_custody_result_free(&r2);
    }
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", r.phases[0].envelope_digest[i]);
    assert_int_equal(strlen(hex), 64);
    done(&s, &r);
}

static void test_signed_with_other_phase_key(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;
    char want[256];

    (void)state;
    add_phase(&s, K_TEST, IMG, "test", NOW - 3600,
              (int)add_phase(&s, K_BUILD, IMG, "build", NOW - 7200, -1));
    /* Re-sign the test phase with the build key: replace the good one. */
    moat_dsse_free(&s.atts.v[1]);
    s.atts.n = 1;
    add_phase(&s, K_BUILD, IMG, "test", NOW - 3600, 0);
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    snprintf(want, sizeof(want),
             "phase test: signed by key build (sha256:%.16s), policy allows only test",
             key_ids[K_BUILD]);
    has_reason(&r, want);
    assert_int_equal(r.n_reasons, 1);
    assert_int_equal(r.n_phases, 1); /* build still verified */
    done(&s, &r);
}

static void test_unknown_signer(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    add_phase(&s, K_TEST, IMG, "test", NOW - 3600,
              (int)add_phase(&s, K_STRANGER, IMG, "build", NOW - 7200, -1));
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase build: signature does not verify with key build: the envelope was "
                   "altered or signed by a key the policy does not know");
    done(&s, &r);
}

static void test_tampered_payload_and_signature(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;
    char *p;

    (void)state;
    good_chain(&s);
    /* One byte of the build statement (inside the builder URL). */
    p = strstr((char *)s.atts.v[0].payload, "job/42");
    assert_non_null(p);
    p[5] = '3';
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase build: signature does not verify with key build");
    moat_custody_result_free(&r);
    p[5] = '2';
    verify(&s, IMG, NOW, &r);
    assert_true(r.ok);
    moat_custody_result_free(&r);
    /* One bit of the test signature. */
    s.atts.v[1].sigs[0].sig[10] ^= 0x01;
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: signature does not verify with key test");
    done(&s, &r);
}

static void test_replay_onto_other_image(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    good_chain(&s);
    verify(&s, OTHER, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase build: attestation is for another image (subject "
                   "sha256:1111111111111111), not this one (sha256:2222222222222222)");
    has_reason(&r, "phase test: attestation is for another image");
    assert_int_equal(r.n_phases, 0);
    done(&s, &r);
}

static void test_missing_phase(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    add_phase(&s, K_BUILD, IMG, "build", NOW - 7200, -1);
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: missing: no attestation for this phase");
    assert_int_equal(r.n_reasons, 1);
    done(&s, &r);
    /* Nothing at all: both missing. */
    verify(&s, IMG, NOW, &r);
    has_reason(&r, "phase build: missing");
    has_reason(&r, "phase test: missing");
    done(&s, &r);
}

static void test_out_of_order(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    /* Test signed first, build chained after it. */
    add_phase(&s, K_BUILD, IMG, "build", NOW - 3600,
              (int)add_phase(&s, K_TEST, IMG, "test", NOW - 7200, -1));
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phases out of order: build comes after test in the chain; the policy requires "
                   "build before test");
    assert_int_equal(r.n_reasons, 1);
    done(&s, &r);
    /* Linked the right way, but the test phase claims to be older than the build. */
    add_phase(&s, K_TEST, IMG, "test", NOW - 7200,
              (int)add_phase(&s, K_BUILD, IMG, "build", NOW - 3600, -1));
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phases out of order: test was signed at 2026-11-30T22:58:09Z, before build "
                   "(2026-11-30T23:58:09Z)");
    done(&s, &r);
}

static void test_broken_links(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;
    size_t b;

    (void)state;
    b = add_phase(&s, K_BUILD, IMG, "build", NOW - 7200, -1);
    add_phase(&s, K_TEST, IMG, "test", NOW - 3600, -1);
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: not chained to phase build: it names no previous envelope");
    done(&s, &r);
    /* Chained to another build run than the one present. */
    b = add_phase(&s, K_BUILD, IMG, "build", NOW - 7200, -1);
    add_phase(&s, K_BUILD, IMG, "build", NOW - 7100, -1); /* index 1: a different run */
    add_phase(&s, K_TEST, IMG, "test", NOW - 3600, 1);
    moat_dsse_free(&s.atts.v[1]);
    s.atts.v[1] = s.atts.v[2];
    s.atts.n = 2;
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: not chained to phase build: previous is sha256:");
    done(&s, &r);
    (void)b;
}

static void test_two_runs(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    /* Run 1 complete; run 2 rebuilt later but never tested: run 1's chain holds. */
    good_chain(&s);
    add_phase(&s, K_BUILD, IMG, "build", NOW - 600, -1);
    verify(&s, IMG, NOW, &r);
    assert_true(r.ok);
    assert_memory_equal(r.phases[0].envelope_digest, s.atts.v[0].digest, 32);
    done(&s, &r);
    /* Two complete runs: the newest wins. */
    good_chain(&s);
    add_phase(&s, K_TEST, IMG, "test", NOW - 60,
              (int)add_phase(&s, K_BUILD, IMG, "build", NOW - 600, -1));
    verify(&s, IMG, NOW, &r);
    assert_true(r.ok);
    assert_memory_equal(r.phases[0].envelope_digest, s.atts.v[2].digest, 32);
    assert_memory_equal(r.phases[1].envelope_digest, s.atts.v[3].digest, 32);
    done(&s, &r);
}

static void test_expired_and_future(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    good_chain(&s);
    /* 31 days later the build (max_age 30d) and the test (7d) have expired. */
    verify(&s, IMG, NOW + 31 * 86400, &r);
    assert_false(r.ok);
    has_reason(&r, "phase build: attestation expired: signed 2026-11-30T22:58:09Z, 31d2h ago; "
                   "policy max_age is 30d");
    has_reason(&r, "phase test: attestation expired: signed 2026-11-30T23:58:09Z, 31d1h ago; "
                   "policy max_age is 7d");
    assert_int_equal(r.n_reasons, 2);
    done(&s, &r);
    /* 8 days later only the test phase. */
    good_chain(&s);
    verify(&s, IMG, NOW + 8 * 86400, &r);
    has_reason(&r, "phase test: attestation expired");
    assert_int_equal(r.n_reasons, 1);
    done(&s, &r);
    /* Seen from before it was signed (past the 5 minute skew): in the future. */
    good_chain(&s);
    verify(&s, IMG, NOW - 3 * 3600, &r);
    has_reason(&r, "phase build: signed in the future (2026-11-30T22:58:09Z; now is "
                   "2026-11-30T21:58:09Z)");
    done(&s, &r);
    /* Within the skew: fine. */
    good_chain(&s);
    verify(&s, IMG, NOW - 3600 - 200, &r);
    assert_true(r.ok);
    done(&s, &r);
}

static void test_builder_requirement(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;
    json_t *pred;

    (void)state;
    pred = json_pack("{s:s, s:s, s:s}", "phase", "build", "time", "2026-11-30T22:58:09Z", "builder",
                     "laptop\x1b[31m");
    add_statement(&s, K_BUILD, IMG, MOAT_PREDICATE_PHASE, pred);
    verify(&s, IMG, NOW, &r);
    has_reason(&r, "phase build: builder 'laptop?[31m' does not match the policy's "
                   "'https://ci.example.com/*'");
    done(&s, &r);
}

static void test_every_reason_listed(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    /* Build signed by a stranger and test missing: two reasons. */
    add_phase(&s, K_STRANGER, IMG, "build", NOW - 7200, -1);
    verify(&s, OTHER, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase build: signature does not verify");
    has_reason(&r, "phase test: missing");
    assert_int_equal(r.n_reasons, 2);
    done(&s, &r);
}

static void test_unreadable_and_foreign(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct set s = {0};
    struct moat_custody_result r;
    char *env = NULL;

    (void)state;
    good_chain(&s);
    /* An envelope that is not in-toto, and a statement of another predicate type: ignored. */
    assert_int_equal(moat_dsse_sign(keys[K_BUILD], "text/plain", "hello", 5, &env, &err), 0);
    s.atts.v = realloc(s.atts.v, (s.atts.n + 2) * sizeof(*s.atts.v));
    assert_non_null(s.atts.v);
    assert_int_equal(moat_dsse_parse("x", env, strlen(env), &s.atts.v[s.atts.n++], &err), 0);
    free(env);
    add_statement(&s, K_TEST, IMG, "https://slsa.dev/provenance/v1", json_pack("{s:s}", "a", "b"));
    verify(&s, IMG, NOW, &r);
    assert_true(r.ok);
    done(&s, &r);
    /* Alone, the unreadable one is mentioned where the phases are missing. */
    assert_int_equal(moat_dsse_sign(keys[K_BUILD], "text/plain", "hello", 5, &env, &err), 0);
    s.atts.v = calloc(1, sizeof(*s.atts.v));
    assert_non_null(s.atts.v);
    assert_int_equal(moat_dsse_parse("x", env, strlen(env), &s.atts.v[0], &err), 0);
    s.atts.n = 1;
    free(env);
    verify(&s, IMG, NOW, &r);
    has_reason(&r, "phase build: missing: no attestation for this phase (1 attestation could not "
                   "be read)");
    done(&s, &r);
    moat_err_clear(&err);
}

/* Sign a build phase with key, then give the envelope n_sigs copies of its signature. */
static void add_multisig(struct set *s, int key, int64_t when, size_t n_sigs)
{
    struct moat_err err = MOAT_ERR_INIT;
    char ts[32], *stmt = NULL, *env = NULL, *out;
    json_t *pred, *root, *sigs, *one;
    struct moat_dsse *grown;

    (void)moat_time_format(when, ts);
    pred = json_pack("{s:s, s:s, s:s}", "phase", "build", "time", ts, "builder", "x");
    assert_int_equal(moat_statement_build("app", IMG, MOAT_PREDICATE_PHASE, pred, &stmt, &err), 0);
    json_decref(pred);
    assert_int_equal(
        moat_dsse_sign(keys[key], MOAT_DSSE_PAYLOAD_TYPE, stmt, strlen(stmt), &env, &err), 0);
    root = json_loads(env, 0, NULL);
    assert_non_null(root);
    sigs = json_object_get(root, "signatures");
    one = json_deep_copy(json_array_get(sigs, 0));
    for (size_t i = 1; i < n_sigs; i++)
        json_array_append(sigs, one);
    json_decref(one);
    out = json_dumps(root, JSON_COMPACT);
    grown = realloc(s->atts.v, (s->atts.n + 1) * sizeof(*grown));
    assert_non_null(grown);
    s->atts.v = grown;
    assert_int_equal(moat_dsse_parse("t", out, strlen(out), &s->atts.v[s->atts.n++], &err), 0);
    free(out);
    json_decref(root);
    free(stmt);
    free(env);
    moat_err_clear(&err);
}

static void test_floods_are_bounded(void **state)
{
    struct set s = {0};
    struct moat_custody_result r;

    (void)state;
    /* The same envelopes twice (bundle + referrers): counted once, still verified. */
    good_chain(&s);
    {
        struct set twice = {0};

        twice.atts.v = calloc(4, sizeof(*twice.atts.v));
        assert_non_null(twice.atts.v);
        for (size_t i = 0; i < 4; i++) {
            const struct moat_dsse *d = &s.atts.v[i % 2];
            /* A field-by-field copy: digests equal, memory separate. */
            struct moat_dsse *t = &twice.atts.v[i];

            t->payload_type = strdup(d->payload_type);
            t->payload = malloc(d->payload_len + 1);
            memcpy(t->payload, d->payload, d->payload_len + 1);
            t->payload_len = d->payload_len;
            t->sigs = calloc(d->n_sigs, sizeof(*t->sigs));
            for (size_t j = 0; j < d->n_sigs; j++) {
                t->sigs[j].sig = malloc(d->sigs[j].sig_len);
                memcpy(t->sigs[j].sig, d->sigs[j].sig, d->sigs[j].sig_len);
                t->sigs[j].sig_len = d->sigs[j].sig_len;
            }
            t->n_sigs = d->n_sigs;
            memcpy(t->digest, d->digest, 32);
        }
        twice.atts.n = 4;
        verify(&twice, IMG, NOW, &r);
        assert_true(r.ok);
        assert_int_equal(r.n_phases, 2);
        done(&twice, &r);
    }
    set_free(&s);
    /* 1100 envelopes claiming the build phase, none verifiable: refused as a flood. */
    for (int i = 0; i < 1100; i++)
        add_phase(&s, K_STRANGER, IMG, "build", NOW - 7200 - i, -1);
    verify(&s, IMG, NOW, &r);
    has_reason(&r, "phase build: 1100 attestations claim this phase, more than the 1024 "
                   "examined: refusing a flood");
    done(&s, &r);
    /* Envelopes with 64 signatures each: the signature budget stops the work, failing closed. */
    for (int i = 0; i < 200; i++)
        add_multisig(&s, K_STRANGER, NOW - 7200 - i, 64);
    verify(&s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "stopped after 20000 signature checks: too many attestations or signatures "
                   "(200 envelopes)");
    done(&s, &r);
}

static void test_no_image_digest(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct set s = {0};
    struct moat_custody_result r;
    struct moat_image_meta m = meta_for(NULL);

    (void)state;
    m.config_digest = NULL;
    m.transport = "dir";
    good_chain(&s);
    assert_int_equal(moat_custody_verify(policy, &m, &s.atts, NOW, &r, &err), 0);
    assert_false(r.ok);
    has_reason(&r, "example.com/app:1: the image has no digest to verify attestations against");
    done(&s, &r);
}

/* A scan predicate as statement.c builds it (docs/attestations.md). */
static json_t *scan_pred(const char *when, int crit, int high, int secrets)
{
    return json_pack("{s:{s:s, s:s}, s:s, s:{s:s, s:n}, s:{s:i, s:i, s:i, s:i, s:i}, "
                     "s:{s:i, s:i, s:i, s:i}, s:s, s:i, s:[s,s]}",
                     "scanner", "name", "moat", "version", "0.1.0", "time", when, "image",
                     "manifest_digest", IMG, "config_digest", "severity_counts", "CRITICAL", crit,
                     "HIGH", high, "MEDIUM", 4, "LOW", 7, "UNKNOWN", 1, "kind_counts",
                     "vulnerability", crit + high + 12, "secret", secrets, "misconfiguration", 0,
                     "policy", 0, "max_severity", crit ? "CRITICAL" : "HIGH", "total",
                     crit + high + 12 + secrets, "scanners", "vuln", "secret");
}

static void test_scan_requirements(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_custody_policy *p = NULL;
    struct set s = {0};
    struct moat_custody_result r;
    const char *text = "version: 1\n"
                       "keys:\n  build: build.pub\n  test: test.pub\n"
                       "phases:\n"
                       "  - name: build\n    keys: [build]\n"
                       "  - name: test\n    keys: [test]\n"
                       "    require:\n"
                       "      scan.max_severity: HIGH\n"
                       "      scan.secrets: 0\n"
                       "      scan.high: 5\n"
                       "      scan.max_age: 7d\n";

    (void)state;
    assert_int_equal(
        moat_custody_policy_parse("custody.yaml", text, strlen(text), tmpdir, &p, &err), 0);
    /* No scan attestation at all. */
    good_chain(&s);
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: no scan results for this image signed by test (the policy "
                   "requires a scan)");
    moat_custody_result_free(&r);
    /* A clean scan by the test key: verified, and returned. */
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, scan_pred("2026-11-30T23:00:00Z", 0, 3, 0));
    verify_with(p, &s, IMG, NOW, &r);
    assert_true(r.ok);
    assert_non_null(r.scan);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(r.scan, "severity_counts"), "HIGH")), 3);
    moat_custody_result_free(&r);
    /* A newer scan with a CRITICAL, 6 HIGH and 2 secrets: three reasons. */
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, scan_pred("2026-11-30T23:30:00Z", 1, 6, 2));
    verify_with(p, &s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: scan found CRITICAL findings, policy allows nothing above HIGH");
    has_reason(&r, "phase test: scan found 6 HIGH findings, policy allows at most 5");
    has_reason(&r, "phase test: scan found 2 secrets, policy allows at most 0");
    assert_int_equal(r.n_reasons, 3);
    moat_custody_result_free(&r);
    set_free(&s);
    /* A scan signed by the build key does not count for the test phase; an old one is too old. */
    good_chain(&s);
    add_statement(&s, K_BUILD, IMG, MOAT_PREDICATE_SCAN,
                  scan_pred("2026-11-30T23:00:00Z", 0, 0, 0));
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: no scan results");
    moat_custody_result_free(&r);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, scan_pred("2026-11-20T00:00:00Z", 0, 0, 0));
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: scan is too old: scanned 2026-11-20T00:00:00Z, 11d ago; policy "
                   "scan.max_age is 7d");
    /* A scan of another image never counts: by subject, or by what the summary says it scanned. */
    moat_custody_result_free(&r);
    set_free(&s);
    good_chain(&s);
    add_statement(&s, K_TEST, OTHER, MOAT_PREDICATE_SCAN,
                  scan_pred("2026-11-30T23:00:00Z", 0, 0, 0));
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: no scan results");
    moat_custody_result_free(&r);
    {
        json_t *pred = scan_pred("2026-11-30T23:00:00Z", 0, 0, 0);

        json_object_set_new(json_object_get(pred, "image"), "manifest_digest", json_string(OTHER));
        add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, pred);
    }
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: no scan results");
    done(&s, &r);
    /* The scan summary inside the test phase's own attestation counts too. */
    {
        size_t b = add_phase(&s, K_BUILD, IMG, "build", NOW - 7200, -1);
        char ts[32], prev[80];
        json_t *pred;

        (void)moat_time_format(NOW - 3600, ts);
        memcpy(prev, "sha256:", 7);
        for (size_t i = 0; i < 32; i++)
            snprintf(prev + 7 + 2 * i, 3, "%02x", s.atts.v[b].digest[i]);
        pred = json_pack("{s:s, s:s, s:s, s:s, s:o}", "phase", "test", "time", ts, "builder", "ci",
                         "previous", prev, "scan", scan_pred("2026-11-30T23:00:00Z", 0, 6, 0));
        add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_PHASE, pred);
        verify_with(p, &s, IMG, NOW, &r);
        has_reason(&r, "phase test: scan found 6 HIGH findings, policy allows at most 5");
        assert_int_equal(r.n_reasons, 1);
        assert_non_null(r.scan);
        done(&s, &r);
    }
    moat_custody_policy_free(p);
    moat_err_clear(&err);
}

/* A `moat scan --format json` report of IMG, as json.c writes it; scanners NULL = an older report.
 */
static json_t *scan_report(const char *scanners_json, int secrets)
{
    json_t *r = json_pack("{s:s, s:{s:s, s:s}, s:s, s:{s:s, s:n}, s:i, s:n, s:{s:i, s:i, s:{s:i, "
                          "s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}}, s:[]}",
                          "schema", "moat-scan/1", "tool", "name", "moat", "version", "0.1.0",
                          "timestamp", "2026-11-30T23:00:00Z", "image", "manifest_digest", IMG,
                          "config_digest", "packages_scanned", 88, "db_note", "summary", "total",
                          2 + secrets, "suppressed", 0, "by_severity", "CRITICAL", 0, "HIGH",
                          secrets, "MEDIUM", 1, "LOW", 1, "UNKNOWN", 0, "by_kind", "vulnerability",
                          2, "secret", secrets, "misconfiguration", 0, "policy", 0, "findings");

    assert_non_null(r);
    if (scanners_json != NULL) {
        json_t *v = json_loads(scanners_json, JSON_DECODE_ANY, NULL);

        assert_non_null(v);
        json_object_set_new(r, "scanners", v);
    }
    return r;
}

/* The summary `moat attest --scan-result` signs, from that report. */
static json_t *attested_summary(const char *scanners_json, int secrets)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image_meta m = meta_for(IMG);
    json_t *report = scan_report(scanners_json, secrets), *pred = NULL;

    if (moat_predicate_scan("scan.json", report, &m, &pred, &err) != 0)
        fail_msg("moat_predicate_scan: %s", moat_err_msg(&err));
    json_decref(report);
    moat_err_clear(&err);
    return pred;
}

/*
 * A count of a kind (scan.secrets) needs the summary to say that kind's
 * scanner ran: a vulnerability-only scan's "0 secrets" is not "no secrets".
 */
static void test_scan_needs_scanner(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_custody_policy *p = NULL;
    struct moat_image_meta m = meta_for(IMG);
    struct set s = {0};
    struct moat_custody_result r;
    json_t *pred, *report;
    const char *text = "version: 1\n"
                       "keys:\n  build: build.pub\n  test: test.pub\n"
                       "phases:\n"
                       "  - name: build\n    keys: [build]\n"
                       "  - name: test\n    keys: [test]\n"
                       "    require:\n"
                       "      scan.secrets: 0\n";
    const char *text2 = "version: 1\n"
                        "keys:\n  build: build.pub\n  test: test.pub\n"
                        "phases:\n"
                        "  - name: build\n    keys: [build]\n"
                        "  - name: test\n    keys: [test]\n"
                        "    require:\n"
                        "      scan.max_severity: HIGH\n"
                        "      scan.vulnerabilities: 10\n"
                        "      scan.misconfigurations: 0\n";

    (void)state;
    assert_int_equal(
        moat_custody_policy_parse("custody.yaml", text, strlen(text), tmpdir, &p, &err), 0);
    /* attest copies "scanners" as the report gives it, and leaves it out when the report has none
     */
    pred = attested_summary("[\"vuln\"]", 0);
    assert_int_equal(json_array_size(json_object_get(pred, "scanners")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(pred, "scanners"), 0)),
                        "vuln");
    json_decref(pred);
    pred = attested_summary(NULL, 0);
    assert_null(json_object_get(pred, "scanners"));
    json_decref(pred);
    pred = attested_summary("null", 0);
    assert_null(json_object_get(pred, "scanners"));
    json_decref(pred);
    /* a malformed list is refused, nothing is signed */
    {
        static const char *const bad[] = {
            "[]",
            "\"secret\"",
            "[\"vuln\", \"vuln\"]",
            "[\"vuln\", 3]",
            "[\"Secret\"]",
            "[\"\"]",
            ("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
             "\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]")};

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            report = scan_report(bad[i], 0);
            pred = NULL;
            assert_int_equal(moat_predicate_scan("scan.json", report, &m, &pred, &err),
                             -MOAT_E_FORMAT);
            assert_null(pred);
            assert_non_null(strstr(moat_err_msg(&err), "scan.json: \"scanners\""));
            json_decref(report);
        }
    }
    /* A vulnerability-only scan: 0 secrets, but the secret scanner never ran. */
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, attested_summary("[\"vuln\"]", 0));
    verify_with(p, &s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: scan did not run the secret scanner; policy requires scan.secrets");
    assert_int_equal(r.n_reasons, 1);
    done(&s, &r);
    /* An older report without "scanners": it cannot show a secret scan ran either. */
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, attested_summary(NULL, 0));
    verify_with(p, &s, IMG, NOW, &r);
    assert_false(r.ok);
    has_reason(&r, "phase test: scan attestation does not say which scanners ran");
    has_reason(&r, "policy requires scan.secrets, which needs the secret scanner");
    assert_int_equal(r.n_reasons, 1);
    done(&s, &r);
    /* vuln,secret with no secrets passes; with secrets it fails on the count alone */
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN,
                  attested_summary("[\"vuln\",\"secret\"]", 0));
    verify_with(p, &s, IMG, NOW, &r);
    assert_true(r.ok);
    assert_int_equal(r.n_reasons, 0);
    done(&s, &r);
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, attested_summary("[\"secret\"]", 2));
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: scan found 2 secrets, policy allows at most 0");
    assert_int_equal(r.n_reasons, 1);
    done(&s, &r);
    /* The newest scan is the one judged: a later vuln-only scan does not inherit the secret scan.
     */
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN,
                  attested_summary("[\"vuln\",\"secret\"]", 0));
    pred = attested_summary("[\"vuln\"]", 0);
    json_object_set_new(pred, "time", json_string("2026-11-30T23:30:00Z"));
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, pred);
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: scan did not run the secret scanner");
    done(&s, &r);
    moat_custody_policy_free(p);
    p = NULL;
    /* The other kinds the same way, and max_severity needs the vulnerability scanner. */
    assert_int_equal(
        moat_custody_policy_parse("custody.yaml", text2, strlen(text2), tmpdir, &p, &err), 0);
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN, attested_summary("[\"secret\"]", 0));
    verify_with(p, &s, IMG, NOW, &r);
    has_reason(&r, "phase test: scan did not run the vuln scanner; policy requires "
                   "scan.vulnerabilities");
    has_reason(&r, "phase test: scan did not run the misconfig scanner; policy requires "
                   "scan.misconfigurations");
    has_reason(&r, "phase test: scan did not run the vuln scanner; policy requires "
                   "scan.max_severity");
    assert_int_equal(r.n_reasons, 3);
    done(&s, &r);
    good_chain(&s);
    add_statement(&s, K_TEST, IMG, MOAT_PREDICATE_SCAN,
                  attested_summary("[\"vuln\",\"secret\",\"misconfig\"]", 0));
    verify_with(p, &s, IMG, NOW, &r);
    assert_true(r.ok);
    done(&s, &r);
    moat_custody_policy_free(p);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_chain),
        cmocka_unit_test(test_signed_with_other_phase_key),
        cmocka_unit_test(test_unknown_signer),
        cmocka_unit_test(test_tampered_payload_and_signature),
        cmocka_unit_test(test_replay_onto_other_image),
        cmocka_unit_test(test_missing_phase),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_broken_links),
        cmocka_unit_test(test_two_runs),
        cmocka_unit_test(test_expired_and_future),
        cmocka_unit_test(test_builder_requirement),
        cmocka_unit_test(test_every_reason_listed),
        cmocka_unit_test(test_unreadable_and_foreign),
        cmocka_unit_test(test_no_image_digest),
        cmocka_unit_test(test_floods_are_bounded),
        cmocka_unit_test(test_scan_requirements),
        cmocka_unit_test(test_scan_needs_scanner),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
