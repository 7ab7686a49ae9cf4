/*
 * torture.h - allocation-failure injection for the replay executables
 * (tests/torture.c, driven by tests/replay_main.c --torture).
 *
 * Every allocation moat makes (malloc, calloc, realloc, strdup, strndup,
 * asprintf, vasprintf, open_memstream, linked with -Wl,--wrap) and every one
 * jansson, SQLite and Hyperscan make (their allocator hooks) is counted while
 * the mode is armed (but those of jansson's parser: tests/torture.c says
 * why); the fail_at-th of them returns NULL with errno ENOMEM. libarchive,
 * libyaml, zlib, zstd and libc's internal allocations have no hook and are
 * not failed.
 */
#ifndef MOAT_TESTS_TORTURE_H
#define MOAT_TESTS_TORTURE_H

#include <stdbool.h>

/* Route the libraries' allocations through the counter; call once, first thing in main. */
void torture_setup(void);

/* Count allocations from now on and fail the fail_at-th (1-based; 0 fails none). */
void torture_arm(unsigned long fail_at);

/* Stop counting; returns the number of allocations seen since torture_arm(). */
unsigned long torture_disarm(void);

/* Whether the armed run has failed an allocation yet (fuzz/fuzz.h asks this). */
bool torture_injected(void);

/* Where the failed allocation was called from (a code address), or NULL. */
void *torture_site(void);

#endif
