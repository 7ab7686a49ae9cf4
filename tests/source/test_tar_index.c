/* test_tar_index.c - the outer-tar index: header forms, links, and malformed archives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source_test_util.h"

/* Members written with a chosen libarchive format; 'l' entries are symlinks. */
static struct tbuf build(int format, const struct tentry *e, size_t n)
{
    struct tbuf out = {0};
    struct archive *a = archive_write_new();
    struct archive_entry *ae = archive_entry_new();

    archive_write_set_format(a, format);
    archive_write_open(a, &out, NULL, tb_write_cb, NULL);
    for (size_t i = 0; i < n; i++) {
        archive_entry_clear(ae);
        archive_entry_set_pathname(ae, e[i].path);
        if (e[i].type == 'l') {
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e[i].data);
        } else if (e[i].type == 'h') {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_hardlink(ae, e[i].data);
        } else if (e[i].type == 'd') {
            archive_entry_set_filetype(ae, AE_IFDIR);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_size(ae, (la_int64_t)strlen(e[i].data));
        }
        archive_entry_set_perm(ae, 0644);
        archive_write_header(a, ae);
        if (e[i].type == 'f')
            archive_write_data(a, e[i].data, strlen(e[i].data));
    }
    archive_entry_free(ae);
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

static int index_of(const struct tbuf *t, struct source_tar_index *ix, struct moat_err *err)
{
    struct source_range r = {-1, 0, t->p, 0, t->n};

    return source_tar_index_build(&r, "t.tar", ix, err);
}

static void expect_member(const struct tbuf *t, const struct source_tar_index *ix, const char *name,
                          const char *content)
{
    struct moat_err err = MOAT_ERR_INIT;
    const struct source_tar_member *m = NULL;

    if (source_tar_find(ix, name, "t.tar", &m, &err) != 0)
        fail_msg("%s: %s", name, moat_err_msg(&err));
    assert_int_equal(m->size, strlen(content));
    assert_memory_equal(t->p + m->off, content, m->size);
}

static void test_formats_and_long_names(void **state)
{
    char longname[300];
    const int formats[] = {ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FORMAT_TAR_GNUTAR,
                           ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE};

    (void)state;
    memset(longname, 'n', sizeof(longname) - 1);
    memcpy(longname + 100, "/", 1);
    longname[sizeof(longname) - 1] = '\0';
    for (size_t f = 0; f < 4; f++) {
        struct tentry e[] = {
            {"./dir/", 'd', NULL},       {"./dir/a.json", 'f', "{\"a\":1}"},
            {longname, 'f', "long"},     {"abc/layer.tar", 'l', "../dir/a.json"},
            {"hard", 'h', "dir/a.json"},
        };
        struct source_tar_index ix;
        struct moat_err err = MOAT_ERR_INIT;
        struct tbuf t = build(formats[f], e, formats[f] == ARCHIVE_FORMAT_TAR_USTAR ? 2 : 5);

        assert_int_equal(index_of(&t, &ix, &err), 0);
        expect_member(&t, &ix, "dir/a.json", "{\"a\":1}");
        expect_member(&t, &ix, "./dir/a.json", "{\"a\":1}");
        if (formats[f] != ARCHIVE_FORMAT_TAR_USTAR) {
            expect_member(&t, &ix, longname, "long");
            expect_member(&t, &ix, "abc/layer.tar", "{\"a\":1}");
            expect_member(&t, &ix, "hard", "{\"a\":1}");
        }
        source_tar_index_free(&ix);
        tb_free(&t);
        moat_err_clear(&err);
    }
}

static void test_links_stay_inside(void **state)
{
    struct tentry e[] = {
        {"a", 'l', "../../etc/passwd"}, {"b", 'l', "/etc/passwd"},     {"loop1", 'l', "loop2"},
        {"loop2", 'l', "loop1"},        {"etc/passwd", 'f', "inside"},
    };
    struct source_tar_index ix;
    struct moat_err err = MOAT_ERR_INIT;
    const struct source_tar_member *m;
    struct tbuf t = build(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, 5);

    (void)state;
    assert_int_equal(index_of(&t, &ix, &err), 0);
    assert_int_equal(source_tar_find(&ix, "a", "t.tar", &m, &err), -MOAT_E_UNSAFE);
    /* an absolute target is resolved at the archive root, never on the host */
    expect_member(&t, &ix, "b", "inside");
    assert_int_equal(source_tar_find(&ix, "loop1", "t.tar", &m, &err), -MOAT_E_LIMIT);
    assert_int_equal(source_tar_find(&ix, "../x", "t.tar", &m, &err), -MOAT_E_UNSAFE);
    assert_int_equal(source_tar_find(&ix, "nope", "t.tar", &m, &err), -MOAT_E_NOTFOUND);
    source_tar_index_free(&ix);
    tb_free(&t);
    moat_err_clear(&err);
}

static void test_malformed(void **state)
{
    struct tentry e[] = {{"x", 'f', "0123456789"}, {"y", 'f', "abc"}};
    struct tbuf t = build(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, e, 2), dup;
    struct source_tar_index ix;
    struct moat_err err = MOAT_ERR_INIT;
    struct tbuf cut = {0};

    (void)state;
    /* bad checksum */
    t.p[0] ^= 1;
    assert_int_equal(index_of(&t, &ix, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "checksum"));
    t.p[0] ^= 1;
    /* cut in the middle of the first member's data and of the second header */
    tb_add(&cut, t.p, 515);
    assert_int_equal(index_of(&cut, &ix, &err), -MOAT_E_FORMAT);
    cut.n = 1024 + 100;
    tb_add(&cut, t.p + 515, 1024 + 100 - 515);
    assert_int_equal(index_of(&cut, &ix, &err), -MOAT_E_FORMAT);
    /* too short, and a non-tar */
    cut.n = 100;
    assert_int_equal(index_of(&cut, &ix, &err), -MOAT_E_FORMAT);
    /* the same name twice */
    {
        struct tentry d[] = {{"x", 'f', "1"}, {"./x", 'f', "2"}};

        dup = build(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, d, 2);
        assert_int_equal(index_of(&dup, &ix, &err), -MOAT_E_FORMAT);
        assert_non_null(strstr(moat_err_msg(&err), "twice"));
        tb_free(&dup);
    }
    /* no end-of-archive blocks: tolerated when members end cleanly */
    cut.n = 0;
    tb_add(&cut, t.p, 2048);
    assert_int_equal(index_of(&cut, &ix, &err), 0);
    assert_int_equal(ix.n, 2);
    source_tar_index_free(&ix);
    /* magic numbers of compressed archives */
    assert_string_equal(source_compressed_magic((const unsigned char *)"\x1f\x8b\x08", 3), "gzip");
    assert_string_equal(source_compressed_magic((const unsigned char *)"\x28\xb5\x2f\xfd", 4),
                        "zstd");
    assert_null(source_compressed_magic((const unsigned char *)"BZhello", 7));
    tb_free(&cut);
    tb_free(&t);
    moat_err_clear(&err);
}

static void test_pax_size_and_huge_header(void **state)
{
    /* a pax header larger than MOAT_MAX_TAR_HEADER_EXT is refused without allocating it */
    unsigned char h[1024];
    struct tbuf t = {0};
    struct source_tar_index ix;
    struct moat_err err = MOAT_ERR_INIT;
    unsigned sum = 0;

    (void)state;
    memset(h, 0, sizeof(h));
    memcpy(h, "PaxHeader", 9);
    memcpy(h + 100, "0000644", 7);
    snprintf((char *)h + 124, 12, "%011o", 1u << 22);
    h[156] = 'x';
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    memset(h + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    tb_add(&t, h, 512);
    {
        char *pad = calloc(1, (1u << 22) + 1024);

        tb_add(&t, pad, (1u << 22) + 1024);
        free(pad);
    }
    assert_int_equal(index_of(&t, &ix, &err), -MOAT_E_LIMIT);
    tb_free(&t);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_and_long_names),
        cmocka_unit_test(test_links_stay_inside),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_pax_size_and_huge_header),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
