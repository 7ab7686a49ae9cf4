/*
 * array.c - geometric growth for append-one arrays (see array.h).
 */
#include "moat/base/array.h"

#include <stdint.h>
#include <stdlib.h>

#include "moat/base/error.h"

int moat_array_grow(void **v, size_t *cap, size_t n, size_t elem)
{
    size_t ncap;
    void *nv;

    if (n < *cap && *v != NULL)
        return 0;
    /* at least n + 1, doubling; a stale *cap below n (a caller that built v by hand) is fine */
    ncap = n < 4 ? 8 : n * 2;
    if (n >= SIZE_MAX / 2 || elem == 0 || ncap > SIZE_MAX / elem)
        return -MOAT_E_NOMEM;
    if ((nv = realloc(*v, ncap * elem)) == NULL)
        return -MOAT_E_NOMEM;
    *v = nv;
    *cap = ncap;
    return 0;
}
