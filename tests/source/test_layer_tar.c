/*
 * test_layer_tar.c - the layer tar reader against libarchive's: archives
 * written by libarchive in every tar dialect it writes (ustar, pax, pax
 * restricted, GNU, v7) with long names and links, big ids, pre-1970 times,
 * devices, non-UTF-8 names and sizes around the block size, read plain,
 * gzip'd and zstd'd (so headers straddle decompressed chunks), must give
 * exactly what libarchive's reader gives. Then hand-made headers for what
 * libarchive's writer never makes: bad checksums, sparse and multi-volume
 * files (refused), extension headers without an entry, global and volume
 * headers, hard links carrying data, truncation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source/tar_header.h"
#include "source_test_util.h"

struct want {
    char path[1024];
    int type; /* enum moat_ftype */
    uint32_t mode, uid, gid;
    uint64_t size;
    int64_t mtime;
    char link[1024];
    uint64_t sum; /* of the content bytes */
};

struct spec {
    const char *path;
    char type; /* f d l h p c b */
    const char *link;
    size_t size;
    uint32_t mode;
    int64_t uid, mtime;
};

static unsigned char byte_at(size_t i)
{
    return (unsigned char)((i * 2654435761u) >> 11);
}

static char long_name[400], long_link[300];

static const struct spec specs[] = {
    {"etc/", 'd', NULL, 0, 0755, 0, 1700000000},
    {"etc/passwd", 'f', NULL, 30, 04755, 0, 1700000000},
    {"etc/empty", 'f', NULL, 0, 0600, 1000, 1700000001},
    {"b/511", 'f', NULL, 511, 0644, 1000, 1},
    {"b/512", 'f', NULL, 512, 0644, 1000, 2},
    {"b/513", 'f', NULL, 513, 0644, 1000, 3},
    {"b/big", 'f', NULL, 300000, 0644, 1000, 4},
    {"old/pre-1970", 'f', NULL, 5, 0644, 0, -86400},
    {"ids/big-uid", 'f', NULL, 7, 0640, 3000000, 1700000000},
    {long_name, 'f', NULL, 9, 0644, 0, 1700000000}, /* past 100 and past 255 bytes */
    {"usr/share/\xc3\xa7\x61/\xc3\xbc.txt", 'f', NULL, 3, 0644, 0, 1700000000},
    {"bin/\xff\xfe-not-utf8", 'f', NULL, 3, 0755, 0, 1700000000},
    {"bin/sh", 'l', "busybox", 0, 0777, 0, 1700000000},
    {"bin/far", 'l', long_link, 0, 0777, 0, 1700000000},
    {"bin/ash", 'h', "etc/passwd", 0, 0644, 0, 1700000000},
    {"dev/fifo", 'p', NULL, 0, 0600, 0, 1700000000},
    {"dev/null", 'c', NULL, 0, 0666, 0, 1700000000},
    {"dev/sda", 'b', NULL, 0, 0660, 0, 1700000000},
    {"end", 'f', NULL, 1, 0644, 0, 1700000000},
};

static struct tbuf write_tar(int (*set_format)(struct archive *))
{
    struct tbuf out = {0};
    struct archive *a = archive_write_new();
    struct archive_entry *ae = archive_entry_new();
    unsigned char *data = malloc(300000);

    for (size_t i = 0; i < 300000; i++)
        data[i] = byte_at(i);
    set_format(a);
    archive_write_set_bytes_in_last_block(a, 1);
    archive_write_open(a, &out, NULL, tb_write_cb, NULL);
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        const struct spec *s = &specs[i];
        static const int types[] = {
            ['f'] = AE_IFREG, ['d'] = AE_IFDIR, ['l'] = AE_IFLNK, ['h'] = AE_IFREG,
            ['p'] = AE_IFIFO, ['c'] = AE_IFCHR, ['b'] = AE_IFBLK};

        archive_entry_clear(ae);
        archive_entry_set_pathname(ae, s->path);
        archive_entry_set_filetype(ae, (unsigned)types[(int)s->type]);
        archive_entry_set_perm(ae, s->mode);
        archive_entry_set_uid(ae, s->uid);
        archive_entry_set_gid(ae, s->uid + 1);
        archive_entry_set_mtime(ae, s->mtime, 0);
        if (s->type == 'l')
            archive_entry_set_symlink(ae, s->link);
        if (s->type == 'h')
            archive_entry_set_hardlink(ae, s->link);
        if (s->type == 'c' || s->type == 'b')
            archive_entry_set_rdev(ae, 0x0801);
        if (s->type == 'f')
            archive_entry_set_size(ae, (la_int64_t)s->size);
        /* a dialect that cannot hold an entry fails it; libarchive's reader decides what is there
         */
        if (archive_write_header(a, ae) >= ARCHIVE_WARN && s->size > 0)
            archive_write_data(a, data, s->size);
    }
    archive_entry_free(ae);
    archive_write_close(a);
    archive_write_free(a);
    free(data);
    return out;
}

static int ftype_of(struct archive_entry *ae)
{
    if (archive_entry_hardlink(ae) != NULL)
        return MOAT_FT_HARDLINK;
    switch (archive_entry_filetype(ae)) {
    case AE_IFDIR:
        return MOAT_FT_DIR;
    case AE_IFLNK:
        return MOAT_FT_SYMLINK;
    case AE_IFCHR:
        return MOAT_FT_CHR;
    case AE_IFBLK:
        return MOAT_FT_BLK;
    case AE_IFIFO:
        return MOAT_FT_FIFO;
    default:
        return MOAT_FT_REG;
    }
}

/* What libarchive's tar reader (as moat used it before) finds in the archive. */
static size_t libarchive_read(const struct tbuf *t, struct want *w, size_t cap)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    size_t n = 0;

    archive_read_support_format_tar(a);
    archive_read_support_format_empty(a);
    assert_int_equal(archive_read_open_memory(a, t->p, t->n), ARCHIVE_OK);
    while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
        const char *link;
        unsigned char buf[8192];
        la_ssize_t k;

        assert_true(n < cap);
        memset(&w[n], 0, sizeof(w[n]));
        snprintf(w[n].path, sizeof(w[n].path), "%s", archive_entry_pathname(ae));
        w[n].type = ftype_of(ae);
        w[n].mode = (uint32_t)archive_entry_mode(ae) & 07777;
        w[n].uid = (uint32_t)archive_entry_uid(ae);
        w[n].gid = (uint32_t)archive_entry_gid(ae);
        w[n].size = w[n].type == MOAT_FT_REG ? (uint64_t)archive_entry_size(ae) : 0;
        w[n].mtime = archive_entry_mtime(ae);
        link = w[n].type == MOAT_FT_HARDLINK  ? archive_entry_hardlink(ae)
               : w[n].type == MOAT_FT_SYMLINK ? archive_entry_symlink(ae)
                                              : NULL;
        snprintf(w[n].link, sizeof(w[n].link), "%s", link ? link : "");
        /* a hard link's bytes are its target's: moat skips what a pax hard link carries */
        while (w[n].type == MOAT_FT_REG && (k = archive_read_data(a, buf, sizeof(buf))) > 0)
            for (la_ssize_t i = 0; i < k; i++)
                w[n].sum = w[n].sum * 31 + buf[i];
        n++;
    }
    archive_read_free(a);
    return n;
}

static int open_blob(const struct tbuf *b, struct moat_entry_reader **r, struct moat_err *err)
{
    struct source_range range = {-1, 0, b->p, 0, b->n};
    struct source_layer_spec spec = {"mem.tar", 0, NULL, NULL, UINT64_MAX, NULL, NULL, NULL};

    return source_layer_tar_open(&range, &spec, r, err);
}

/* What reader r finds (it is closed); 0 or the first error. */
static int reader_read(struct moat_entry_reader *r, struct want *w, size_t cap, size_t *n,
                       struct moat_err *err)
{
    struct moat_entry e;
    int rc, crc;

    *n = 0;
    while ((rc = moat_entry_next(r, &e, err)) == 1) {
        unsigned char buf[7000]; /* not a divisor of anything: reads end mid-chunk */
        ssize_t k;

        assert_true(*n < cap);
        memset(&w[*n], 0, sizeof(w[*n]));
        assert_int_equal(strlen(e.path), e.path_len);
        snprintf(w[*n].path, sizeof(w[*n].path), "%s", e.path);
        w[*n].type = e.type;
        w[*n].mode = e.mode;
        w[*n].uid = e.uid;
        w[*n].gid = e.gid;
        w[*n].size = e.size;
        w[*n].mtime = e.mtime;
        snprintf(w[*n].link, sizeof(w[*n].link), "%s", e.link ? e.link : "");
        while ((k = moat_entry_read(r, buf, sizeof(buf), err)) > 0)
            for (ssize_t i = 0; i < k; i++)
                w[*n].sum = w[*n].sum * 31 + buf[i];
        if (k < 0) {
            rc = (int)k;
            break;
        }
        (*n)++;
    }
    crc = moat_entry_reader_close(r, rc < 0 ? NULL : err);
    return rc < 0 ? rc : crc;
}

/* What ours finds in a blob in memory; 0 or the first error. */
static int moat_read(const struct tbuf *blob, struct want *w, size_t cap, size_t *n,
                     struct moat_err *err)
{
    struct moat_entry_reader *r = NULL;
    int rc;

    *n = 0;
    if ((rc = open_blob(blob, &r, err)) < 0)
        return rc;
    return reader_read(r, w, cap, n, err);
}

static void same(const struct want *a, size_t na, const struct want *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].path, b[i].path);
        assert_int_equal(a[i].type, b[i].type);
        assert_int_equal(a[i].mode, b[i].mode);
        assert_int_equal(a[i].uid, b[i].uid);
        assert_int_equal(a[i].gid, b[i].gid);
        assert_int_equal(a[i].size, b[i].size);
        assert_int_equal(a[i].mtime, b[i].mtime);
        assert_string_equal(a[i].link, b[i].link);
        assert_int_equal(a[i].sum, b[i].sum);
    }
}

static void test_same_as_libarchive(void **state)
{
    static int (*const formats[])(struct archive *) = {
        archive_write_set_format_ustar, archive_write_set_format_pax,
        archive_write_set_format_pax_restricted, archive_write_set_format_gnutar,
        archive_write_set_format_v7tar};
    struct want *la = calloc(64, sizeof(*la)), *us = calloc(64, sizeof(*us));
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    memset(long_name, 'n', sizeof(long_name) - 1);
    memcpy(long_name, "usr/lib/", 8);
    for (size_t i = 40; i < sizeof(long_name) - 1; i += 40)
        long_name[i] = '/';
    memset(long_link, 'l', sizeof(long_link) - 1);
    long_link[0] = '/';
    for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
        struct tbuf t = write_tar(formats[f]);
        struct tbuf comp[3] = {t, gz_build(&t), zst_build(&t)};
        size_t nla = libarchive_read(&t, la, 64), nus;

        assert_true(nla >= 12); /* every dialect holds most of them */
        if (formats[f] != archive_write_set_format_ustar &&
            formats[f] != archive_write_set_format_v7tar)
            assert_int_equal(nla, sizeof(specs) / sizeof(specs[0])); /* these hold them all */
        for (size_t c = 0; c < 3; c++) {
            assert_int_equal(moat_read(&comp[c], us, 64, &nus, &err), 0);
            same(la, nla, us, nus);
        }
        tb_free(&comp[1]);
        tb_free(&comp[2]);
        tb_free(&t);
    }
    moat_err_clear(&err);
    free(la);
    free(us);
}

/*
 * A layer of a few MiB in a file is hashed by a second thread (blob.c)
 * while it is parsed: the same entries as from memory and the digest checked; a
 * flipped byte, a wrong diff_id and a file cut short caught; a close before
 * any read still drains and verifies.
 */
static void test_big_file_layer(void **state)
{
    struct want *mem = calloc(512, sizeof(*mem)), *file = calloc(512, sizeof(*file));
    struct tbuf t = write_tar(archive_write_set_format_pax), big = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    char *dir = tmp_dir(), path[512], diff[72], wrong[72];
    const uint64_t off =
        (7u << 20) - 3; /* other members first: the layer starts at an odd offset */
    size_t nmem, nfile;
    unsigned char *hit;

    (void)state;
    {
        unsigned char *zero = calloc(1, off);

        tb_add(&big, zero, off);
        free(zero);
    }
    for (int copies = 0; copies < 16; copies++) /* one tar of 16 times the entries: 5 MiB */
        tb_add(&big, t.p, t.n - (copies < 15 ? 2 * TAR_BLOCK : 0));
    {
        struct tbuf layer = {big.p + off, big.n - off, 0};

        tdigest(layer.p, layer.n, diff);
        assert_true(layer.n > 16 * SOURCE_IO_CHUNK); /* the ring goes round several times */
        assert_int_equal(moat_read(&layer, mem, 512, &nmem, &err), 0);
    }
    snprintf(path, sizeof(path), "%s/big.tar", dir);
    for (int pass = 0; pass < 5; pass++) {
        struct source_layer_spec spec = {"file.tar", 0, NULL, diff, UINT64_MAX, NULL, NULL, NULL};
        struct source_range range = {-1, 1, NULL, off, big.n - off};

        if (pass == 2) {
            memcpy(wrong, diff, sizeof(wrong));
            wrong[20] = wrong[20] == 'a' ? 'b' : 'a';
            spec.diff_id = wrong;
        }
        if (pass == 3) {
            hit = memmem(big.p + big.n - 600000, 500000, "\x01", 1);
            assert_non_null(hit);
            *hit ^= 0x20; /* in file data of the last copy, chunks after the first */
        }
        write_file(path, big.p, pass == 4 ? big.n - 5000 : big.n);
        range.fd = open(path, O_RDONLY);
        assert_true(range.fd >= 0);
        assert_int_equal(source_layer_tar_open(&range, &spec, &r, &err), 0);
        if (pass == 1) {
            assert_int_equal(moat_entry_reader_close(r, &err), 0); /* drained and verified */
            continue;
        }
        assert_int_equal(reader_read(r, file, 512, &nfile, &err), pass < 2    ? 0
                                                                  : pass == 4 ? -MOAT_E_FORMAT
                                                                              : -MOAT_E_DIGEST);
        if (pass == 0)
            same(mem, nmem, file, nfile);
        else if (pass == 4)
            assert_non_null(strstr(moat_err_msg(&err), "truncated"));
        else
            assert_non_null(strstr(moat_err_msg(&err), "digest mismatch"));
        if (pass == 3)
            *hit ^= 0x20;
    }
    unlink(path);
    rmdir(dir);
    free(dir);
    tb_free(&big);
    tb_free(&t);
    moat_err_clear(&err);
    free(mem);
    free(file);
}

/* ---- hand-made headers -------------------------------------------------------- */

/* v in octal, zero-padded to fill n - 1 bytes, then a NUL. */
static void octal(unsigned char *f, size_t n, uint64_t v)
{
    for (size_t i = n - 1; i-- > 0; v >>= 3)
        f[i] = (unsigned char)('0' + (v & 7));
    f[n - 1] = '\0';
}

static void header(struct tbuf *t, const char *name, char type, uint64_t size, const char *linkname)
{
    unsigned char h[TAR_BLOCK] = {0};
    unsigned sum = 0;

    snprintf((char *)h + TAR_NAME, 100, "%s", name);
    octal(h + TAR_MODE, 8, 0644);
    octal(h + TAR_UID, 8, 0);
    octal(h + TAR_GID, 8, 0);
    octal(h + TAR_SIZE, 12, size);
    octal(h + TAR_MTIME, 12, 1700000000);
    h[TAR_TYPE] = (unsigned char)type;
    if (linkname != NULL)
        snprintf((char *)h + TAR_LINKNAME, 100, "%s", linkname);
    memcpy(h + TAR_MAGIC,
           "ustar\0"
           "00",
           8);
    memset(h + TAR_CHKSUM, ' ', 8);
    for (size_t i = 0; i < TAR_BLOCK; i++)
        sum += h[i];
    octal(h + TAR_CHKSUM, 7, sum);
    tb_add(t, h, TAR_BLOCK);
}

static void body(struct tbuf *t, const char *data, size_t n)
{
    static const unsigned char zero[TAR_BLOCK];

    tb_add(t, data, n);
    tb_add(t, zero, (TAR_BLOCK - n % TAR_BLOCK) % TAR_BLOCK);
}

static void pax(struct tbuf *t, char type, const char *records)
{
    header(t, "PaxHeader", type, strlen(records), NULL);
    body(t, records, strlen(records));
}

static void finish(struct tbuf *t)
{
    static const unsigned char zero[2 * TAR_BLOCK];

    tb_add(t, zero, sizeof(zero));
}

/* The error reading t gives, its message in err. */
static int read_err(struct tbuf *t, struct moat_err *err)
{
    struct want w[8];
    size_t n;

    moat_err_clear(err);
    return moat_read(t, w, 8, &n, err);
}

static void test_refused(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct tbuf t = {0};

    (void)state;
    header(&t, "ok", '0', 0, NULL);
    t.p[TAR_NAME + 1] ^= 1; /* checksum no longer holds */
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "bad header checksum"));
    tb_free(&t);

    header(&t, "sparse", 'S', 0, NULL);
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_UNSUPPORTED);
    tb_free(&t);

    pax(&t, 'x', "22 GNU.sparse.major=1\n");
    header(&t, "sparse", '0', 0, NULL);
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_UNSUPPORTED);
    tb_free(&t);

    header(&t, "volume-continued", 'M', 0, NULL);
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_UNSUPPORTED);
    tb_free(&t);

    for (int i = 0; i < 33; i++)
        pax(&t, 'x', "12 uid=1000\n");
    header(&t, "after", '0', 0, NULL);
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "extension headers"));
    tb_free(&t);

    header(&t, "././@LongLink", 'L', 8, NULL);
    body(&t, "orphan\n", 8);
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "no entry after it"));
    tb_free(&t);

    pax(&t, 'x', "13 size=abcd\n");
    header(&t, "bad-size", '0', 0, NULL);
    finish(&t);
    assert_int_equal(read_err(&t, &err), -MOAT_E_FORMAT);
    tb_free(&t);

    header(&t, "cut", '0', 2000, NULL);
    body(&t, "only a little", 13);
    assert_int_equal(read_err(&t, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "truncated"));
    tb_free(&t);

    header(&t, "big", '0', 1, NULL);
    header(&t, "half", '0', 0, NULL);
    t.n -= 100; /* a header cut short */
    assert_int_equal(read_err(&t, &err), -MOAT_E_FORMAT);
    tb_free(&t);
    moat_err_clear(&err);
}

static void test_special_headers(void **state)
{
    struct want la[16], us[16];
    struct moat_err err = MOAT_ERR_INIT;
    struct tbuf t = {0};
    size_t nla, nus;

    (void)state;
    /* global and volume headers are skipped; a pax hard link carries bytes we skip */
    header(&t, "volume", 'V', 0, NULL);
    pax(&t, 'g', "25 comment=global header\n");
    header(&t, "a", '0', 5, NULL);
    body(&t, "hello", 5);
    pax(&t, 'x', "17 path=pax-link\n");
    header(&t, "short", '1', 5, "a");
    body(&t, "HELLO", 5);
    header(&t, "olddir/", '0', 0, NULL); /* a regular file named with a slash: a directory */
    pax(&t, 'x', "19 mtime=-1.500000\n");
    header(&t, "negative", '0', 0, NULL);
    header(&t, "././@LongLink", 'L', 200, NULL);
    {
        char name[200];

        memset(name, 'x', sizeof(name));
        memcpy(name, "gnu/", 4);
        name[199] = '\0';
        body(&t, name, sizeof(name));
    }
    header(&t, "gnu-short", '0', 0, NULL);
    finish(&t);
    nla = libarchive_read(&t, la, 16);
    assert_int_equal(moat_read(&t, us, 16, &nus, &err), 0);
    same(la, nla, us, nus);
    assert_int_equal(nus, 5);
    assert_int_equal(us[1].type, MOAT_FT_HARDLINK);
    assert_string_equal(us[1].path, "pax-link");
    assert_int_equal(us[2].type, MOAT_FT_DIR);
    assert_int_equal(us[3].mtime, -1);
    assert_int_equal(strlen(us[4].path), 199);
    tb_free(&t);

    /* no end blocks at all, and an empty layer */
    header(&t, "last", '0', 3, NULL);
    body(&t, "abc", 3);
    assert_int_equal(moat_read(&t, us, 16, &nus, &err), 0);
    assert_int_equal(nus, 1);
    t.n = 0;
    assert_int_equal(moat_read(&t, us, 16, &nus, &err), 0);
    assert_int_equal(nus, 0);
    tb_free(&t);
    moat_err_clear(&err);
}

/* ---- tar_header.c ------------------------------------------------------------- */

static void test_numbers_and_checksums(void **state)
{
    unsigned char f[12], h[TAR_BLOCK];
    uint64_t u;
    int64_t s;
    int signed_sums = 0;

    (void)state;
    memcpy(f, "  0000644\0\0\0", 12);
    assert_int_equal(moat_tar_number(f, 12, &u), 0);
    assert_int_equal(u, 0644);
    memcpy(f, "0000644x\0\0\0\0", 12);
    assert_int_equal(moat_tar_number(f, 12, &u), -1);
    /* base-256, as Go and GNU tar write big and negative numbers */
    memset(f, 0, 12);
    f[0] = 0x80;
    f[11] = 0x01;
    f[10] = 0x02;
    assert_int_equal(moat_tar_snumber(f, 12, &s), 0);
    assert_int_equal(s, 0x201);
    memset(f, 0xff, 12);
    assert_int_equal(moat_tar_snumber(f, 12, &s), 0);
    assert_int_equal(s, -1);
    assert_int_equal(moat_tar_number(f, 12, &u), -1); /* a negative size */
    memset(f, 0, 12);
    f[0] = 0x80;
    f[3] = 0x01; /* more than 64 bits */
    assert_int_equal(moat_tar_snumber(f, 12, &s), -1);
    /* the word-at-a-time checksum agrees with the byte loop, signed sums included */
    srand(7);
    for (int round = 0; round < 2000; round++) {
        unsigned su = 0;
        int ss = 0;

        /* random bytes, ASCII, or ASCII with a few high bytes (a positive signed sum) */
        for (size_t i = 0; i < TAR_BLOCK; i++)
            h[i] = (unsigned char)(round % 3 == 0                  ? rand()
                                   : round % 3 == 2 && i % 16 == 5 ? 0x80 + rand() % 128
                                                                   : rand() % 128);
        memset(h + TAR_CHKSUM, ' ', 8);
        for (size_t i = 0; i < TAR_BLOCK; i++) {
            su += h[i];
            ss += (signed char)h[i];
        }
        octal(h + TAR_CHKSUM, 7, round % 2 == 0 || ss < 0 ? su : (unsigned)ss);
        signed_sums += round % 2 == 1 && ss >= 0 && (unsigned)ss != su;
        assert_true(moat_tar_checksum_ok(h));
        /* any byte but the checksum field's own */
        h[(unsigned)round % (TAR_BLOCK - 8) +
          ((unsigned)round % (TAR_BLOCK - 8) >= TAR_CHKSUM ? 8u : 0u)] ^= 0x10;
        assert_false(moat_tar_checksum_ok(h));
    }
    assert_true(signed_sums > 100);
}

static void test_pax_records(void **state)
{
    static const char rec[] = "31 path=dir/a name with spaces\n"
                              "13 uid=12345\n"
                              "19 mtime=-86400.25\n"
                              "14 size=99999\n"
                              "19 comment=ignored\n";
    struct source_tar_pax x = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(source_tar_pax_parse(rec, strlen(rec), &x, "t", &err), 0);
    assert_string_equal(x.path, "dir/a name with spaces");
    assert_true(x.have_uid && x.uid == 12345);
    assert_true(x.have_mtime && x.mtime == -86400);
    assert_true(x.have_size && x.size == 99999);
    assert_false(x.have_gid);
    source_tar_pax_reset(&x);
    assert_int_equal(source_tar_pax_parse("9 uid=-1\n", 9, &x, "t", &err), -MOAT_E_FORMAT);
    assert_int_equal(source_tar_pax_parse("99 path=x\n", 10, &x, "t", &err), -MOAT_E_FORMAT);
    assert_int_equal(source_tar_pax_parse("11 mtime=.\n", 11, &x, "t", &err), -MOAT_E_FORMAT);
    source_tar_pax_reset(&x);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_libarchive),
        cmocka_unit_test(test_big_file_layer),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_special_headers),
        cmocka_unit_test(test_numbers_and_checksums),
        cmocka_unit_test(test_pax_records),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
