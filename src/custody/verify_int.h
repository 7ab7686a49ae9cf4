/*
 * verify_int.h - what policy.c (the custody.yaml parser) hands to verify.c
 * (the chain check): the parsed policy, plus the time and duration parsers
 * both use. Not part of libmoat's public API; custody.h is the contract.
 */
#ifndef MOAT_CUSTODY_VERIFY_INT_H
#define MOAT_CUSTODY_VERIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/custody/custody.h"

#define CUSTODY_MAX_POLICY_BYTES (1u << 20)        /* custody.yaml */
#define CUSTODY_MAX_KEYS 64u                       /* named keys in one policy */
#define CUSTODY_MAX_PHASES 32u                     /* phases in one chain */
#define CUSTODY_MAX_PHASE_KEYS 16u                 /* keys allowed for one phase */
#define CUSTODY_MAX_NAME 64u                       /* bytes in a key or phase name */
#define CUSTODY_MAX_PEM (16u << 10)                /* bytes of one inline PEM key */
#define CUSTODY_MAX_PATTERN 512u                   /* bytes of a builder pattern */
#define CUSTODY_MAX_EVENTS 20000u                  /* YAML events in one policy */
#define CUSTODY_MAX_DURATION (100ll * 366 * 86400) /* seconds: 100 years */
#define CUSTODY_DEFAULT_SKEW 300                   /* seconds a signer's clock may run ahead */
#define CUSTODY_MAX_SKEW 3600

struct custody_key {
    char *name;
    struct moat_key *key;
    char id[65]; /* lowercase hex sha256 of the SPKI */
};

/* Limits on the newest scan attestation a phase must carry; -1 = no limit. */
struct custody_scan_req {
    bool any;             /* at least one scan.* requirement: a scan attestation is required */
    int max_severity;     /* enum moat_severity, -1 none */
    int64_t max_count[5]; /* findings per severity (UNKNOWN..CRITICAL) */
    int64_t max_secrets, max_vulns, max_misconfigs;
    int64_t max_age; /* seconds since the scan's time, -1 none */
};

struct custody_phase {
    char *name;
    size_t keys[CUSTODY_MAX_PHASE_KEYS]; /* indexes into policy keys */
    size_t n_keys;
    int64_t max_age; /* seconds, -1 none */
    char *builder;   /* fnmatch pattern the phase predicate's builder must match, or NULL */
    struct custody_scan_req scan;
    size_t line; /* in the policy file, for messages */
};

struct moat_custody_policy {
    char *where; /* the policy's name in messages */
    struct custody_key *keys;
    size_t n_keys;
    struct custody_phase *phases;
    size_t n_phases;
    int64_t skew; /* seconds of clock skew allowed for "not in the future" */
};

/*
 * "30d", "12h", "1d12h", "90m", "45s", "2w": positive, at most
 * CUSTODY_MAX_DURATION seconds. 0 and *out, or -1.
 */
int custody_duration_parse(const char *s, int64_t *out);
/* Format seconds as the largest units, e.g. "31d", "2d3h", "45s" (buffer of 32). */
void custody_duration_format(int64_t secs, char out[32]);

#endif
