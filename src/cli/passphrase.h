/*
 * passphrase.h - passphrases for private keys and the process hardening of
 * the commands that handle keys. Only the key commands (key, attest, sign)
 * use it.
 */
#ifndef MOAT_CLI_PASSPHRASE_H
#define MOAT_CLI_PASSPHRASE_H

#include <stdbool.h>
#include <stddef.h>

#include "moat/base/error.h"

/* No core dumps, no ptrace by other users: keys never reach a core file. */
void cli_harden_process(void);

/*
 * The passphrase for `what` (a key file name): from MOAT_PASSWORD when set,
 * else prompted on /dev/tty without echo (twice with confirm). With neither
 * an error that says so. *pass is locked in memory; free it with
 * cli_passphrase_free, which wipes it.
 */
int cli_passphrase_get(const char *what, bool confirm, char **pass, size_t *len,
                       struct moat_err *err);
void cli_passphrase_free(char *pass, size_t len);

#endif
