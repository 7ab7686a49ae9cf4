/*
 * moat_test.h - what every cmocka unit test shares; tests/CMakeLists.txt
 * includes it ahead of each test file (-include), so a test needs nothing more.
 *
 * Skips are skips: a test whose data (../shared/data), reference tool or
 * device is missing calls moat_skip("why") and stops. The reason is printed
 * as "SKIP: why", and when no test of the executable failed, the executable
 * exits 77 (MOAT_TEST_SKIPPED), which ctest reports as Skipped
 * (SKIP_RETURN_CODE), never as Passed; `make test` lists every skip and
 * fails in CI (tests/run-ctest.sh). A bare skip() counts the same way.
 */
#ifndef MOAT_TEST_H
#define MOAT_TEST_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define MOAT_TEST_SKIPPED 77

static unsigned moat_test_skips;

__attribute__((format(printf, 3, 4), noreturn)) static inline void
moat_skip_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_message("SKIP: ");
    vprint_message(fmt, ap);
    print_message("\n");
    va_end(ap);
    moat_test_skips++;
    _skip(file, line);
    abort(); /* _skip() does not return inside a test */
}

/* moat_skip(FORMAT, ...) - end this test as skipped, saying why. */
#define moat_skip(...) moat_skip_at(__FILE__, __LINE__, __VA_ARGS__)

/* moat_need_file(PATH) - skip this test unless PATH can be read. */
#define moat_need_file(path)                                                                       \
    do {                                                                                           \
        if (access((path), R_OK) != 0)                                                             \
            moat_skip("%s: %s", (path), strerror(errno));                                          \
    } while (0)

#undef skip
#define skip() moat_skip("%s:%d: skip() without a reason", __FILE__, __LINE__)

/* The executable's exit status: 1 if a test failed, else 77 if one skipped, else 0. */
static inline int moat_test_status(int failed)
{
    if (failed != 0)
        return 1;
    if (moat_test_skips > 0) {
        print_message("%u test(s) skipped: the executable reports a skip (exit %d)\n",
                      moat_test_skips, MOAT_TEST_SKIPPED);
        return MOAT_TEST_SKIPPED;
    }
    return 0;
}

#undef cmocka_run_group_tests
#define cmocka_run_group_tests(group, setup, teardown)                                             \
    moat_test_status(_cmocka_run_group_tests(#group, group, sizeof(group) / sizeof((group)[0]),    \
                                             setup, teardown))

#endif
