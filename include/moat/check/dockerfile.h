/*
 * dockerfile.h - a bounded Dockerfile parser (the build stage, before any
 * image exists). It follows what BuildKit's frontend does with the text:
 * parser directives (`# escape=`, `# syntax=`) at the top, line
 * continuations with the escape character (comment and empty lines inside a
 * continuation are dropped), heredocs (`<<EOF`, `<<-EOF`, quoted
 * delimiters) for RUN/COPY/ADD, JSON exec form vs shell form (malformed JSON
 * falls back to shell form, as Docker does, and is flagged), leading
 * `--flag=value` options, stage names (`FROM x AS name`), and ARG/ENV
 * expansion ($V, ${V}, ${V:-d}, ${V-d}, ${V:+x}, ${V+x}) of FROM, WORKDIR
 * and USER. An unknown instruction (a typo, template syntax) and a file with
 * no instruction are errors, as BuildKit makes them ("unknown instruction:
 * FROOM (did you mean FROM?)"). It never runs anything and computes no
 * finding.
 *
 * Limits: file size, physical line length, logical instruction length,
 * instruction count and heredoc size; passing one is -MOAT_E_LIMIT with the
 * line in the message ("Dockerfile:12: line longer than 262144 bytes").
 */
#ifndef MOAT_CHECK_DOCKERFILE_H
#define MOAT_CHECK_DOCKERFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"

#define MOAT_DF_MAX_BYTES (4u << 20)
#define MOAT_DF_MAX_LINE (256u << 10)
#define MOAT_DF_MAX_LOGICAL (1u << 20)
#define MOAT_DF_MAX_INSTRS 20000u
#define MOAT_DF_MAX_HEREDOC (1u << 20)
#define MOAT_DF_MAX_FLAGS 32u
#define MOAT_DF_MAX_ARGV 4096u

struct moat_df_flag {
    char *name;  /* without the dashes: "from", "platform", "mount" */
    char *value; /* NULL for a bare --link */
};

struct moat_df_instr {
    char *cmd;  /* keyword in upper case: "FROM", "RUN", ... */
    char *args; /* text after the keyword and the flags, continuations joined */
    struct moat_df_flag *flags;
    size_t n_flags;
    bool json;           /* exec form: argv holds the JSON array's strings */
    bool json_malformed; /* looked like JSON ('[' first) but was not: shell form */
    char **argv;         /* exec form: the elements; otherwise the whitespace-split words */
    size_t argc;
    char *heredoc;   /* the heredoc bodies, concatenated; NULL when none */
    char *expanded;  /* FROM/WORKDIR/USER: args after ARG/ENV expansion, else NULL */
    bool unresolved; /* expansion met a variable with no value */
    char **ignores;  /* rule ids from "# moat ignore=" / "# hadolint ignore=" just before */
    size_t n_ignores;
    uint32_t line;     /* first line of the instruction, 1-based */
    uint32_t end_line; /* last line (continuations and heredocs included) */
    int stage;         /* index into stages, -1 before the first FROM */
};

struct moat_df_stage {
    char *image; /* expanded image reference ("debian:12", "scratch", "${X}" unresolved -> "") */
    char *name;  /* "AS name" lower-cased, or NULL */
    uint32_t line;
    size_t instr; /* index of the FROM instruction */
    bool unresolved;
};

struct moat_dockerfile {
    struct moat_df_instr *v;
    size_t n, cap;
    struct moat_df_stage *stages;
    size_t n_stages, cap_stages;
    char escape;  /* '\\' or '`' */
    char *syntax; /* "# syntax=" value or NULL */
};

/*
 * Parse len bytes (not necessarily NUL-terminated) of the file `name` (used
 * in messages). On success *df is filled and owned by the caller
 * (moat_dockerfile_free); on failure it is left empty and err holds
 * "NAME:LINE: problem". -MOAT_E_LIMIT, -MOAT_E_FORMAT or -MOAT_E_NOMEM.
 */
int moat_dockerfile_parse(const char *name, const char *data, size_t len,
                          struct moat_dockerfile *df, struct moat_err *err);
/* Read the file at path ("-" = stdin), at most MOAT_DF_MAX_BYTES, and parse it. */
int moat_dockerfile_load(const char *path, struct moat_dockerfile *df, struct moat_err *err);
void moat_dockerfile_free(struct moat_dockerfile *df);

/* The value of flag `name` on the instruction, NULL if absent; *present tells a bare flag. */
const char *moat_df_flag(const struct moat_df_instr *in, const char *name, bool *present);

#endif
