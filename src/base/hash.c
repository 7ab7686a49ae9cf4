/*
 * hash.c - keyed SipHash (see hash.h). One core with the number of
 * compression and finalisation rounds as parameters.
 */
#include "moat/base/hash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                                                   \
    do {                                                                                           \
        v0 += v1;                                                                                  \
        v1 = ROTL(v1, 13);                                                                         \
        v1 ^= v0;                                                                                  \
        v0 = ROTL(v0, 32);                                                                         \
        v2 += v3;                                                                                  \
        v3 = ROTL(v3, 16);                                                                         \
        v3 ^= v2;                                                                                  \
        v0 += v3;                                                                                  \
        v3 = ROTL(v3, 21);                                                                         \
        v3 ^= v0;                                                                                  \
        v2 += v1;                                                                                  \
        v1 = ROTL(v1, 17);                                                                         \
        v1 ^= v2;                                                                                  \
        v2 = ROTL(v2, 32);                                                                         \
    } while (0)

void moat_hash_key(uint64_t key[2])
{
    if (getrandom(key, 2 * sizeof(key[0]), GRND_NONBLOCK) != (ssize_t)(2 * sizeof(key[0]))) {
        /* no entropy yet: still unpredictable enough per process */
        key[0] = (uint64_t)(uintptr_t)key ^ (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL;
        key[1] = (uint64_t)(uintptr_t)&moat_hash_key ^ (uint64_t)clock();
    }
}

static uint64_t siphash(const uint64_t key[2], const unsigned char *in, size_t n, int c, int d)
{
    uint64_t v0 = 0x736f6d6570736575ULL ^ key[0], v1 = 0x646f72616e646f6dULL ^ key[1];
    uint64_t v2 = 0x6c7967656e657261ULL ^ key[0], v3 = 0x7465646279746573ULL ^ key[1];
    uint64_t b = (uint64_t)n << 56, m;
    size_t i, left = n & 7;
    int r;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&m, in + i, 8); /* host byte order: the value only has to be stable in one run */
        v3 ^= m;
        for (r = 0; r < c; r++)
            SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; j < left; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    v3 ^= b;
    for (r = 0; r < c; r++)
        SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    for (r = 0; r < d; r++)
        SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t moat_siphash13(const uint64_t key[2], const void *p, size_t n)
{
    return siphash(key, p, n, 1, 3);
}

uint64_t moat_siphash24(const uint64_t key[2], const void *p, size_t n)
{
    return siphash(key, p, n, 2, 4);
}
