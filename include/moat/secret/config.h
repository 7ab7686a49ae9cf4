/*
 * config.h - user secret rules and allow-lists from a YAML file in the
 * format of Trivy's trivy-secret.yaml (docs/secret-rules.md): rules,
 * allow-rules, disable-rules, disable-allow-rules, enable-builtin-rules.
 * Parsing works on bytes so it can be tested and fuzzed; every regex is
 * checked with Hyperscan's parser here, so a bad one is reported with its
 * line ("FILE: line N: rule 'ID': problem") before anything is compiled.
 *
 * Must not: compile databases (engine.c does), read anything but the file.
 */
#ifndef MOAT_SECRET_CONFIG_H
#define MOAT_SECRET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/finding.h"

#define MOAT_SECRET_CFG_MAX_BYTES (1u << 20) /* the YAML file */
#define MOAT_SECRET_CFG_MAX_RULES 512u       /* user rules */
#define MOAT_SECRET_CFG_MAX_ALLOW 512u       /* allow rules, top level and per rule */
#define MOAT_SECRET_CFG_MAX_LIST 1024u       /* items in any list (ids, keywords, paths) */
#define MOAT_SECRET_CFG_MAX_PATTERN 1024u    /* bytes in one regex */
#define MOAT_SECRET_CFG_MAX_STRING 4096u     /* bytes in any other scalar */
#define MOAT_SECRET_CFG_MAX_ID 128u          /* bytes in a rule id */
#define MOAT_SECRET_CFG_MAX_NODES 200000u    /* YAML nodes in the document */
#define MOAT_SECRET_CFG_MAX_DEPTH 16u        /* YAML nesting */

/* A list of owned strings with the line of each. */
struct moat_secret_strlist {
    char **v;
    uint32_t *line;
    size_t n;
};

struct moat_secret_allow_rule {
    char *id;
    char *description;                /* or NULL */
    char *regex;                      /* on the matched text, or NULL */
    struct moat_secret_strlist paths; /* regexes on the file path; any one allows */
    uint32_t line;
};

struct moat_secret_user_rule {
    char *id, *category, *title; /* category may be NULL; title defaults to the id */
    char *regex;                 /* Hyperscan syntax, bounded, non-empty matches */
    enum moat_severity severity;
    struct moat_secret_strlist keywords; /* kept for reports; Hyperscan needs no prefilter */
    struct moat_secret_strlist paths;    /* the rule applies only to matching paths; none = all */
    struct moat_secret_allow_rule *allow;
    size_t n_allow;
    uint32_t line;
};

struct moat_secret_config {
    char *name; /* the file name used in messages */
    struct moat_secret_user_rule *rules;
    size_t n_rules;
    struct moat_secret_allow_rule *allow;
    size_t n_allow;
    struct moat_secret_strlist disable, disable_allow, enable_builtin;
    int has_enable_builtin; /* the key was present (an empty list keeps every built-in rule) */
};

/*
 * Parse a YAML document; name is used in messages only. On success *out is
 * owned by the caller (moat_secret_config_free). On error *out is NULL and
 * err holds "name: line N: problem".
 */
int moat_secret_config_parse(const char *name, const void *data, size_t len,
                             struct moat_secret_config **out, struct moat_err *err);

/* Read (at most MOAT_SECRET_CFG_MAX_BYTES) and parse path. */
int moat_secret_config_load(const char *path, struct moat_secret_config **out,
                            struct moat_err *err);

void moat_secret_config_free(struct moat_secret_config *c);

/* Whether list holds s. */
int moat_secret_strlist_has(const struct moat_secret_strlist *l, const char *s);

#endif
