/* secret_test.h - helpers shared by the secret scanner's unit tests. */
#ifndef MOAT_TEST_SECRET_H
#define MOAT_TEST_SECRET_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret/secret.h"

/* Findings of rule id (NULL = any) in fs. */
static inline size_t count_rule(const struct moat_findings *fs, const char *id)
{
    size_t c = 0;

    for (size_t i = 0; i < fs->n; i++)
        if (!id || strcmp(fs->v[i].rule_id, id) == 0)
            c++;
    return c;
}

/* Read a whole (small) test file; caller frees. NULL if absent. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = 0;
    }
    fclose(f);
    return buf;
}

#endif
