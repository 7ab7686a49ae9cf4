/*
 * fuzz.h - the libFuzzer entry point every fuzz_<parser>.c defines, declared
 * once so the targets (and tests/replay_main.c, which drives them as ordinary
 * tests) compile under -Wmissing-prototypes.
 */
#ifndef MOAT_FUZZ_H
#define MOAT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
