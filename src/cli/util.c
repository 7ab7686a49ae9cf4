/*
 * util.c - messages, atomic output files and terminal detection for the
 * subcommands.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (msg == NULL) {
        fputs("moat: error\n", stderr);
        return;
    }
    for (char *p = msg; *p != '\0'; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(stderr, "moat: %s\n", msg);
    free(msg);
}

int cli_usage_error(const char *cmd)
{
    fprintf(stderr, "Try '%s --help' for more information.\n", cmd);
    return MOAT_EXIT_USAGE;
}

int cli_fail(const struct moat_err *err)
{
    cli_error("%s", moat_err_msg(err));
    return MOAT_EXIT_FAIL;
}

int cli_output_check(const char *path, struct moat_err *err)
{
    const char *slash;
    char *dir;
    struct stat st;
    int rc = 0;

    if (path == NULL || strcmp(path, "-") == 0)
        return 0;
    /* the directory the output (and its temporary file) will be written in */
    slash = strrchr(path, '/');
    dir = slash == NULL   ? strdup(".")
          : slash == path ? strdup("/")
                          : strndup(path, (size_t)(slash - path));
    if (dir == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    if (stat(dir, &st) != 0)
        rc = moat_err_set(err, MOAT_E_NOTFOUND, "%s: cannot write there: directory %s: %s", path,
                          dir, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        rc = moat_err_set(err, MOAT_E_ARG, "%s: cannot write there: %s is not a directory", path,
                          dir);
    else if (access(dir, W_OK) != 0)
        rc = moat_err_set(err, MOAT_E_IO, "%s: cannot write there: directory %s: %s", path, dir,
                          strerror(errno));
    free(dir);
    return rc;
}

int cli_output_open(struct cli_output *o, const char *path, struct moat_err *err)
{
    int fd, r;

    memset(o, 0, sizeof(*o));
    o->file.fd = -1;
    if (path == NULL || strcmp(path, "-") == 0) {
        o->f = stdout;
        return 0;
    }
    if ((r = moat_file_atomic_open(&o->file, path, 0644, 0, err)) < 0)
        return r;
    /* stdio gets its own descriptor: fclose closes it, the commit syncs and closes the other */
    if ((fd = dup(o->file.fd)) < 0 || (o->f = fdopen(fd, "w")) == NULL) {
        if (fd >= 0)
            close(fd);
        cli_output_abort(o);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    }
    return 0;
}

int cli_output_commit(struct cli_output *o, struct moat_err *err)
{
    int r = 0;

    if (o->file.path == NULL) {
        if (fflush(stdout) != 0 || ferror(stdout))
            r = moat_err_set(err, MOAT_E_IO, "stdout: write failed: %s", strerror(errno));
        return r;
    }
    r = fflush(o->f) != 0 || ferror(o->f);
    r |= fclose(o->f) != 0;
    o->f = NULL;
    if (r != 0) {
        r = moat_err_set(err, MOAT_E_IO, "%s: write failed: %s", o->file.path, strerror(errno));
        cli_output_abort(o);
        return r;
    }
    return moat_file_atomic_commit(&o->file, err);
}

void cli_output_abort(struct cli_output *o)
{
    if (o->f != NULL && o->f != stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->file.path != NULL)
        moat_file_atomic_abort(&o->file);
}

int cli_write_file(const char *path, const void *data, size_t len, struct moat_err *err)
{
    struct cli_output out;
    int r;

    if ((r = cli_output_open(&out, path, err)) < 0)
        return r;
    if (fwrite(data, 1, len, out.f) != len) {
        cli_output_abort(&out);
        return moat_err_set(err, MOAT_E_IO, "%s: write failed", path);
    }
    return cli_output_commit(&out, err);
}

bool cli_progress_enabled(bool quiet)
{
    const char *ci = getenv("CI");

    if (quiet || (ci != NULL && *ci != '\0'))
        return false;
    return isatty(STDERR_FILENO) == 1;
}

int cli_parse_severities(const char *list)
{
    char *copy = strdup(list), *save = NULL, *tok;
    int mask = 0;

    if (copy == NULL)
        return -1;
    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        enum moat_severity s;

        if (moat_severity_parse(tok, &s) < 0) {
            free(copy);
            return -1;
        }
        mask |= 1 << s;
    }
    free(copy);
    return mask;
}

int cli_parse_exit_code(const char *s, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < 0 || v > 255)
        return -1;
    *out = (int)v;
    return 0;
}

void cli_print_warnings(const struct moat_warnings *w, bool quiet)
{
    if (quiet)
        return;
    for (size_t i = 0; i < w->n; i++)
        fprintf(stderr, "moat: warning: %s\n", w->v[i].message);
    if (w->dropped > 0)
        fprintf(stderr, "moat: warning: %zu more warnings not shown\n", w->dropped);
}

void cli_show_progress(void *ctx, size_t layer, size_t n_layers, uint64_t bytes)
{
    (void)ctx;
    fprintf(stderr, "\rmoat: reading layer %zu/%zu (%.1f MiB)", layer + 1, n_layers,
            (double)bytes / (1024.0 * 1024.0));
    if (layer + 1 == n_layers)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

int cli_color_parse(const char *mode, bool *out)
{
    const char *no = getenv("NO_COLOR");

    if (mode == NULL || strcmp(mode, "auto") == 0)
        /* https://no-color.org: present and not empty turns colour off by default */
        *out = isatty(STDOUT_FILENO) == 1 && (no == NULL || no[0] == '\0');
    else if (strcmp(mode, "always") == 0)
        *out = true;
    else if (strcmp(mode, "never") == 0)
        *out = false;
    else
        return -1;
    return 0;
}

bool cli_output_is_stdout(const char *output)
{
    return output == NULL || strcmp(output, "-") == 0;
}

int cli_term_width(const char *output)
{
    struct winsize ws;
    const char *cols = getenv("COLUMNS");
    long n;
    char *end;

    if (!cli_output_is_stdout(output))
        return 0; /* a file: whole lines */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    if (cols != NULL && (n = strtol(cols, &end, 10)) > 0 && *end == '\0' && n < 10000)
        return (int)n;
    return 0;
}
