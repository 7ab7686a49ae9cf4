/*
 * cli.h - shared pieces of the moat command: subcommand entry points,
 * exit codes, messages and safe output files. Only cli/ prints or exits.
 */
#ifndef MOAT_CLI_CLI_H
#define MOAT_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "moat/base/error.h"
#include "moat/base/file.h"
#include "moat/base/finding.h"
#include "moat/base/warning.h"

enum {
    MOAT_EXIT_OK = 0,
    MOAT_EXIT_FAIL = 1,  /* bad input or runtime error */
    MOAT_EXIT_USAGE = 2, /* bad command line */
};

int moat_cmd_sbom(int argc, char **argv);
int moat_cmd_db(int argc, char **argv);
int moat_cmd_scan(int argc, char **argv);
int moat_cmd_lint(int argc, char **argv);
int moat_cmd_key(int argc, char **argv);
int moat_cmd_attest(int argc, char **argv);
int moat_cmd_sign(int argc, char **argv);
int moat_cmd_verify(int argc, char **argv);
int moat_cmd_admit(int argc, char **argv);
int moat_cmd_authz(int argc, char **argv);

/* "moat: <message>" on stderr, one line (newlines in the message are flattened). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "Try 'CMD --help' for more information." after getopt's one-line complaint; returns
 * MOAT_EXIT_USAGE. */
int cli_usage_error(const char *cmd);
/* cli_error with the error context's message; returns MOAT_EXIT_FAIL. */
int cli_fail(const struct moat_err *err);

/*
 * An output that is either stdout or FILE written atomically through
 * moat_file_atomic (base/file.h): data goes to a temporary file beside FILE
 * and replaces it only on cli_output_commit(), so a failed run never leaves a
 * half-written or truncated result. A device, FIFO or symlink (/dev/null,
 * /dev/stdout) is written in place.
 */
struct cli_output {
    FILE *f;
    struct moat_file_atomic file; /* file.path NULL for stdout */
};

int cli_output_open(struct cli_output *o, const char *path, struct moat_err *err);
/* Whether PATH's directory exists and is writable, so a long scan does not fail only at the
 * end; 0 for stdout. */
int cli_output_check(const char *path, struct moat_err *err);
int cli_output_commit(struct cli_output *o, struct moat_err *err);
void cli_output_abort(struct cli_output *o);
/* data to PATH ("-" = stdout) through cli_output: atomic for a regular file. */
int cli_write_file(const char *path, const void *data, size_t len, struct moat_err *err);

/* "LOW,HIGH" -> a bitmask of 1 << severity; -1 on an unknown name. */
int cli_parse_severities(const char *list);
/* --exit-code: 0..255 into *out, -1 otherwise. */
int cli_parse_exit_code(const char *s, int *out);
/* One "moat: warning: MESSAGE" line on stderr per warning, unless quiet. */
void cli_print_warnings(const struct moat_warnings *w, bool quiet);

/* --color auto|always|never (NULL = auto: stdout a terminal and NO_COLOR unset or empty)
 * into *out; -1 on another word. */
int cli_color_parse(const char *mode, bool *out);
/* Columns a table on stdout may use: the terminal's, else $COLUMNS, else 0 (no limit);
 * 0 when the output goes to a file (output non-NULL and not "-"). */
int cli_term_width(const char *output);
/* Whether -o OUTPUT means stdout (NULL or "-"). */
bool cli_output_is_stdout(const char *output);

/* True when progress lines may be drawn (stderr is a terminal and not quiet). */
bool cli_progress_enabled(bool quiet);
/* A moat_fs_opts.progress callback: "reading layer i/n (x MiB)" redrawn on stderr. */
void cli_show_progress(void *ctx, size_t layer, size_t n_layers, uint64_t bytes);

#endif
