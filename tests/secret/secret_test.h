/* secret_test.h - helpers shared by the secret scanner's unit tests. */
#ifndef MOAT_TEST_SECRET_H
#define MOAT_TEST_SECRET_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "moat/secret/secret.h"

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

/* splitmix64: small, good enough to draw test values, and replayable from its seed. */
static uint64_t test_rng_state;

static inline uint64_t test_rnd(void)
{
    uint64_t z = (test_rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Seed test_rnd() from MOAT_TEST_SEED, else fresh from getrandom(); print the seed so a failure
 * can be replayed. Returns the seed (0 when getrandom failed: the caller fails). */
static inline uint64_t test_seed(void)
{
    const char *env = getenv("MOAT_TEST_SEED");
    uint64_t seed = 0;

    if (env && *env)
        seed = strtoull(env, NULL, 0);
    else if (getrandom(&seed, sizeof seed, 0) != (ssize_t)sizeof seed)
        return 0;
    printf("seed: %llu (replay with MOAT_TEST_SEED=%llu)\n", (unsigned long long)seed,
           (unsigned long long)seed);
    test_rng_state = seed;
    return seed;
}

#endif
