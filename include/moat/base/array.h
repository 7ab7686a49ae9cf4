/*
 * array.h - the growth rule for arrays that gain one element at a time:
 * capacity doubles (from 8), so n appends cost O(n) copying in all instead
 * of the O(n^2) of growing by one each time. The count and capacity arithmetic
 * is checked, so a hostile count cannot overflow the allocation size.
 */
#ifndef MOAT_BASE_ARRAY_H
#define MOAT_BASE_ARRAY_H

#include <stddef.h>

/*
 * Make room for at least one more element of size elem in *v, which holds
 * n of its *cap. 0, or -MOAT_E_NOMEM (then *v and *cap are unchanged).
 * Call as moat_array_grow((void **)&a, &cap, n, sizeof(*a)).
 */
int moat_array_grow(void **v, size_t *cap, size_t n, size_t elem);

#endif
