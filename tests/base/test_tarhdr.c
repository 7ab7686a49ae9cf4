/* test_tarhdr.c - tar header numbers and checksum (base/tarhdr.c) on headers written by GNU
 * tar itself and on headers built here: the unsigned (POSIX) and the signed sum are both
 * accepted, as GNU tar and libarchive accept them; a checksum field that is not octal, a
 * changed byte, and malformed or overflowing numbers are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/tarhdr.h"

/* The first header of an archive GNU tar writes (a member with a non-ASCII name). */
static void gnu_header(unsigned char h[512])
{
    char cmd[512];
    char dir[] = "/tmp/moat-test-tarhdr-XXXXXX";
    FILE *f;

    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd,
             "cd %s && printf x > \"$(printf 'caf\\351')\" && tar --format=ustar -cf a.tar caf* "
             "&& head -c 512 a.tar > h",
             dir);
    if (system(cmd) != 0)
        skip();
    snprintf(cmd, sizeof cmd, "%s/h", dir);
    assert_non_null(f = fopen(cmd, "rb"));
    assert_int_equal(fread(h, 1, 512, f), 512);
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void set_sum(unsigned char h[512], int sum)
{
    char num[16];

    snprintf(num, sizeof num, "%06o", (unsigned)sum);
    memcpy(h + 148, num, 7);
    h[155] = ' ';
}

static void test_checksum(void **state)
{
    unsigned char h[512];
    int uns = 0, sig = 0;

    (void)state;
    gnu_header(h);
    assert_true(moat_tar_checksum_ok(h)); /* GNU tar writes the unsigned sum */
    memset(h + 148, ' ', 8);
    for (size_t i = 0; i < 512; i++) {
        uns += h[i];
        sig += (signed char)h[i];
    }
    assert_true(uns != sig); /* the name holds a byte >= 0x80 */
    set_sum(h, sig);
    assert_true(moat_tar_checksum_ok(h));
    set_sum(h, uns);
    assert_true(moat_tar_checksum_ok(h));
    set_sum(h, uns + 1);
    assert_false(moat_tar_checksum_ok(h));
    set_sum(h, uns);
    h[10] ^= 1; /* a changed byte */
    assert_false(moat_tar_checksum_ok(h));
    h[10] ^= 1;
    /* the checksum field must be octal: base-256 or letters are refused */
    h[148] = 0x80;
    assert_false(moat_tar_checksum_ok(h));
    set_sum(h, uns);
    h[150] = 'x';
    assert_false(moat_tar_checksum_ok(h));
    memset(h + 148, ' ', 8); /* no digit at all */
    assert_false(moat_tar_checksum_ok(h));
}

static void test_number(void **state)
{
    uint64_t v = 0;
    unsigned char b256[12] = {0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00};

    (void)state;
    assert_int_equal(moat_tar_number((const unsigned char *)"00000000644\0", 12, &v), 0);
    assert_int_equal(v, 0644);
    assert_int_equal(moat_tar_number((const unsigned char *)"  17 \0\0\0", 8, &v), 0);
    assert_int_equal(v, 017);
    assert_int_equal(moat_tar_number(b256, 12, &v), 0);
    assert_int_equal(v, 256);
    b256[0] = 0xff; /* negative */
    assert_int_equal(moat_tar_number(b256, 12, &v), -1);
    b256[0] = 0x81; /* beyond 64 bits */
    assert_int_equal(moat_tar_number(b256, 12, &v), -1);
    assert_int_equal(moat_tar_number((const unsigned char *)"0000008\0", 8, &v), -1);
    assert_int_equal(moat_tar_number((const unsigned char *)"7777777777777777777777", 22, &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
