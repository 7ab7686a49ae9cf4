/*
 * passphrase.c - read a key's passphrase from MOAT_PASSWORD or the
 * terminal (never from stdin, which may be a pipe carrying data), with echo
 * off, into a locked buffer that is wiped on free. The passphrase never
 * appears in a message.
 */
#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#define PASS_MAX 4096u

void cli_harden_process(void)
{
    struct rlimit no_core = {0, 0};

    (void)setrlimit(RLIMIT_CORE, &no_core);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static char *secure_alloc(size_t n)
{
    char *p = calloc(1, n);

    if (p != NULL)
        (void)mlock(p, n); /* best effort: RLIMIT_MEMLOCK may be small */
    return p;
}

void cli_passphrase_free(char *pass, size_t len)
{
    (void)len;
    if (pass == NULL)
        return;
    OPENSSL_cleanse(pass, PASS_MAX + 2);
    (void)munlock(pass, PASS_MAX + 2);
    free(pass);
}

/* One line from the terminal with echo off into buf (PASS_MAX + 2 bytes); its length or -1. */
static long tty_read(int fd, const char *prompt, char *buf)
{
    struct termios old, quiet;
    size_t n = 0;
    bool restore = false;
    long r = -1;

    /* echo off before the prompt, so nothing typed after it is ever shown */
    if (tcgetattr(fd, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        if (restore)
            (void)tcsetattr(fd, TCSAFLUSH, &old);
        return -1;
    }
    for (;;) {
        char c;
        ssize_t got = read(fd, &c, 1);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (c == '\n' || c == '\r') {
            r = (long)n;
            break;
        }
        if (n >= PASS_MAX) { /* too long: keep reading to the newline, then fail */
            n = PASS_MAX + 1;
            continue;
        }
        buf[n++] = c;
    }
    if (restore)
        (void)tcsetattr(fd, TCSAFLUSH, &old);
    /* the newline the user typed was not echoed; a failure to show it changes nothing */
    if (write(fd, "\n", 1) < 0)
        errno = 0;
    if (n > PASS_MAX)
        r = -2;
    return r;
}

int cli_passphrase_get(const char *what, bool confirm, char **pass, size_t *len,
                       struct moat_err *err)
{
    const char *env = getenv("MOAT_PASSWORD");
    char *p = NULL, *again = NULL, prompt[512];
    long n, m;
    int fd, r = 0;

    *pass = NULL;
    *len = 0;
    p = secure_alloc(PASS_MAX + 2);
    if (p == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    if (env != NULL) {
        size_t l = strlen(env);

        if (l > PASS_MAX) {
            cli_passphrase_free(p, 0);
            return moat_err_set(err, MOAT_E_LIMIT, "MOAT_PASSWORD is longer than %u bytes",
                                PASS_MAX);
        }
        memcpy(p, env, l);
        *pass = p;
        *len = l;
        return 0;
    }
    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        cli_passphrase_free(p, 0);
        return moat_err_set(err, MOAT_E_AUTH,
                            "%s: no passphrase: set MOAT_PASSWORD or run on a terminal", what);
    }
    snprintf(prompt, sizeof(prompt), "Passphrase for %s: ", what);
    n = tty_read(fd, prompt, p);
    if (n >= 0 && confirm) {
        again = secure_alloc(PASS_MAX + 2);
        if (again == NULL) {
            r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            goto out;
        }
        m = tty_read(fd, "Repeat the passphrase: ", again);
        if (m != n || memcmp(p, again, (size_t)n) != 0) {
            r = moat_err_set(err, MOAT_E_AUTH, "%s: the passphrases differ", what);
            goto out;
        }
    }
    if (n == -2)
        r = moat_err_set(err, MOAT_E_LIMIT, "%s: passphrase longer than %u bytes", what, PASS_MAX);
    else if (n < 0)
        r = moat_err_set(err, MOAT_E_AUTH, "%s: no passphrase read from the terminal", what);
out:
    close(fd);
    cli_passphrase_free(again, 0);
    if (r < 0) {
        cli_passphrase_free(p, 0);
        return r;
    }
    *pass = p;
    *len = (size_t)n;
    return 0;
}
