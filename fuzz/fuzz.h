/*
 * fuzz.h - what the fuzz targets share.
 *
 * The targets also run as tests (tests/replay_main.c), once as they are and
 * once in the allocation-failure mode (--torture), where any allocation may
 * fail: a call that cannot fail on good memory then may, and must fail
 * cleanly. A target's "this must not fail" check therefore holds only when no
 * failure was injected: write it as
 *     if (rc < 0 && !fuzz_alloc_failed()) abort();
 * and after such a failure return instead of going on.
 */
#ifndef MOAT_FUZZ_H
#define MOAT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/torture.c; absent (NULL) in libFuzzer builds */
bool torture_injected(void) __attribute__((weak));

static inline bool fuzz_alloc_failed(void)
{
    return torture_injected != NULL && torture_injected();
}

#endif
