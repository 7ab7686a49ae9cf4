/* room: secret */
/*
 * fuzz_secret_credential.c - libFuzzer target for the generic credential rule's validator
 * (src/secret/credential.c): the first byte splits the input into the line before a match
 * (at most MOAT_SECRET_BEFORE bytes) and the match itself, whose forms it parses (KEY = VALUE,
 * XML elements and key/value attributes, user/password pairs, XML entities) before the
 * randomness test. Checks: no crash, p-values are probabilities, and a value accepted as
 * random has a length in bounds and no reason attached.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "moat/secret/secret.h"

static void check(const struct moat_secret_randomness *r, int ok)
{
    if (r->p_distinct < 0 || r->p_distinct > 1.0000001 || r->p_cluster < 0 || r->p_case < 0 ||
        r->p_case > 1.0000001)
        abort();
    if (ok && (r->why != NULL || r->n < MOAT_SECRET_MIN_VALUE || r->distinct > r->n))
        abort();
    if (!ok && r->why == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_secret_randomness r;
    size_t nb;

    if (size == 0)
        return 0;
    nb = data[0] % (MOAT_SECRET_BEFORE + 1);
    if (nb > size - 1)
        nb = size - 1;
    const char *before = (const char *)data + 1, *text = before + nb;
    size_t n = size - 1 - nb;
    for (unsigned where = 0; where <= MOAT_SECRET_IN_CODE; where++) {
        struct moat_secret_context ctx = {before, nb, where};
        check(&r, moat_secret_credential(text, n, &ctx, &r));
    }
    check(&r, moat_secret_random(text, n, &r));
    return 0;
}
