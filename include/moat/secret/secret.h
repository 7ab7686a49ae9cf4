/*
 * secret.h - the secret scanner: a built-in rule table compiled once into a
 * Hyperscan streaming database, and a per-file scan that is fed content in
 * chunks of any size (matches spanning chunk boundaries are found) and holds
 * only a bounded tail of the stream, never the whole file. Findings are of
 * kind MOAT_FINDING_SECRET and carry redacted evidence only.
 *
 * Must not: decide exit codes, print, or keep a secret in any output.
 */
#ifndef MOAT_SECRET_SECRET_H
#define MOAT_SECRET_SECRET_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"

#define MOAT_SECRET_MAX_MATCH 1024u   /* bytes of one match kept for validation */
#define MOAT_SECRET_MAX_PER_FILE 100u /* findings reported for one file */
#define MOAT_SECRET_BEFORE 64u        /* bytes of the line before a match given to validators */

enum moat_secret_check {
    MOAT_SECRET_CHECK_NONE = 0,
    MOAT_SECRET_CHECK_ENTROPY,       /* Shannon entropy of the whole match >= min_entropy */
    MOAT_SECRET_CHECK_VALUE_ENTROPY, /* value after the last '=' or ':' >= min_entropy, no
                                        placeholder */
    MOAT_SECRET_CHECK_CREDENTIAL, /* a literal value that looks random: moat_secret_credential() */
};

struct moat_secret_rule {
    const char *id; /* stable, "secret-aws-access-key-id" */
    enum moat_severity severity;
    const char *title;
    /* What it detects and why that matters (the SARIF rule text). NULL for a
     * user rule: Trivy's rule format has no description. */
    const char *description;
    const char *pattern; /* Hyperscan syntax, bounded repeats only */
    /* more patterns of the same rule (NULL-terminated, or NULL): forms that do not fit in one
     * start-of-match pattern */
    const char *const *more_patterns;
    unsigned hs_flags;    /* extra HS_FLAG_* (SOM_LEFTMOST is always added) */
    const char *keywords; /* comma-separated, for docs and user rules */
    enum moat_secret_check check;
    double min_entropy; /* bits per character */
    const char *remediation;
    int generic; /* dropped on a line where a specific rule already fired */
};

/* The built-in table (static storage, never freed). */
size_t moat_secret_builtin_rules(const struct moat_secret_rule **out);

/*
 * Whether name names built-in rule r: its id, or the id of the Trivy
 * built-in rule it covers ("github-pat", "private-key", ...), so a
 * trivy-secret.yaml's disable-rules and enable-builtin-rules work as is.
 */
int moat_secret_builtin_named(const struct moat_secret_rule *r, const char *name);

/* Shannon entropy in bits per byte of s[0..n). */
double moat_secret_entropy(const char *s, size_t n);

/* Whether a matched text passes the rule's validator (in a file that is not source code, with
 * nothing before it on its line). */
int moat_secret_rule_accepts(const struct moat_secret_rule *r, const char *text, size_t n);

#define MOAT_SECRET_IN_CODE 1u /* the file is source code or a man page: see path_is_code */

/* Where a match was found: the bytes of its line before it, and the file (MOAT_SECRET_IN_*). */
struct moat_secret_context {
    const char *before;
    size_t before_len; /* at most MOAT_SECRET_BEFORE */
    unsigned where;
};

/* The same, with the match's context (ctx may be NULL). */
int moat_secret_rule_check(const struct moat_secret_rule *r, const char *text, size_t n,
                           const struct moat_secret_context *ctx);

/* Whether a path names source code or roff/texinfo documentation by its extension (after
 * .gz/.zst): there an unquoted assignment is an expression, not a literal value. */
int moat_secret_path_is_code(const char *path);

#define MOAT_SECRET_MIN_VALUE 12u     /* characters of a generic credential value */
#define MOAT_SECRET_RANDOM_ALPHA 1e-3 /* each randomness statistic's rejection level */

/* Why a value does or does not look random (moat_secret_random). */
struct moat_secret_randomness {
    size_t n, alphabet, distinct; /* length, implied alphabet size, distinct characters */
    double p_distinct; /* P(this few distinct characters or fewer | random over the alphabet) */
    double p_cluster;  /* P(this few runs of a class | its count), times the classes tested */
    double p_case;     /* two-sided P(this split of upper and lower case letters) */
    const char *why;   /* NULL when it looks random, else the reason in words */
};

/*
 * Whether v[0..n) looks like a string drawn uniformly at random from the alphabet its
 * character classes imply: enough distinct characters for its length, classes mixed as
 * chance mixes them, upper and lower case balanced. Each test rejects a truly random
 * value with probability at most MOAT_SECRET_RANDOM_ALPHA. why (may be NULL) says why.
 */
int moat_secret_random(const char *v, size_t n, struct moat_secret_randomness *why);

/* The generic rule's validator: the value of the match text[0..n), which starts at the key
 * (KEY = VALUE, KEY: "VALUE", KEY>VALUE after "<" or key=", KEY" value="VALUE"), is a literal
 * (no reference, template, placeholder, URL or number) and looks random. ctx may be NULL. */
int moat_secret_credential(const char *text, size_t n, const struct moat_secret_context *ctx,
                           struct moat_secret_randomness *why);

/* Placeholder words ("changeme", "example", ...) and typed runs ("123456") in a value. */
int moat_secret_placeholder(const char *v, size_t n);
int moat_secret_has_sequence(const char *v, size_t n);

/* "AKIA****": the first 4 bytes (fewer if shorter) then "****". Caller frees; NULL on OOM. */
char *moat_secret_redact(const char *text, size_t n);

struct moat_secret_engine;

struct moat_secret_config;

/* Compile the built-in rules. Free with moat_secret_engine_free(). */
int moat_secret_engine_new(struct moat_secret_engine **out, struct moat_err *err);

/*
 * Compile the built-in rules as a user config (config.h) selects them, plus
 * its rules and allow-lists. Takes ownership of cfg (freed also on error);
 * NULL = built-ins only. A regex Hyperscan cannot compile fails with
 * "FILE: line N: rule 'ID': problem".
 */
int moat_secret_engine_new_config(struct moat_secret_config *cfg, struct moat_secret_engine **out,
                                  struct moat_err *err);

/* What the rule database cache did for an engine (dbcache.h). */
enum moat_secret_cache {
    MOAT_SECRET_CACHE_OFF = 0,    /* no cache directory */
    MOAT_SECRET_CACHE_HIT,        /* loaded from the cache, not compiled */
    MOAT_SECRET_CACHE_STORED,     /* compiled, and stored for the next run */
    MOAT_SECRET_CACHE_REPLACED,   /* the cache file was unusable (corrupt, foreign): compiled,
                                     replaced */
    MOAT_SECRET_CACHE_UNWRITABLE, /* compiled; the cache could not be written */
};

/*
 * moat_secret_engine_new_config, with the compiled streaming database loaded from (or stored
 * into) the cache directory cache_dir (NULL: compile, no cache). A bad cache file is never an
 * error: the rules are compiled and the file replaced.
 */
int moat_secret_engine_new_cached(struct moat_secret_config *cfg, const char *cache_dir,
                                  struct moat_secret_engine **out, struct moat_err *err);

/* What the cache did when e was made. */
enum moat_secret_cache moat_secret_engine_cache(const struct moat_secret_engine *e);

/* The enabled rules (owned by the engine). */
size_t moat_secret_engine_rules(const struct moat_secret_engine *e,
                                const struct moat_secret_rule **out);
void moat_secret_engine_free(struct moat_secret_engine *e);

/*
 * One file's scan. path is copied; layer is reported as is (-1 for config).
 * The engine must outlive the scan and run one scan at a time (it owns the
 * Hyperscan scratch).
 */
struct moat_secret_scan;
int moat_secret_scan_open(struct moat_secret_engine *e, const char *path, int32_t layer,
                          struct moat_secret_scan **out, struct moat_err *err);
int moat_secret_scan_feed(struct moat_secret_scan *s, const void *data, size_t len,
                          struct moat_err *err);
/* Flush pending matches, append findings to out (moved), free s (also on error). */
int moat_secret_scan_close(struct moat_secret_scan *s, struct moat_findings *out,
                           struct moat_err *err);
void moat_secret_scan_abort(struct moat_secret_scan *s);

/* Whether the scan will find nothing whatever it is fed (its path is allowed, or no rule
 * applies to it): the caller may skip reading the content. */
int moat_secret_scan_idle(const struct moat_secret_scan *s);

/* note (copied) becomes the description of the scan's findings. */
int moat_secret_scan_set_note(struct moat_secret_scan *s, const char *note, struct moat_err *err);

/* Convenience: one buffer as one file. */
int moat_secret_scan_buffer(struct moat_secret_engine *e, const char *path, int32_t layer,
                            const void *data, size_t len, struct moat_findings *out,
                            struct moat_err *err);

#endif
