/*
 * source_test_util.h - fixtures for the source/ tests, built in the test
 * itself: layer tars and outer tars written with libarchive's writer into
 * memory or a temp directory, gzip/zstd compression, OCI layouts and
 * docker-archives assembled from them. Test-only; header-only so each test
 * executable stays one file.
 */
#ifndef MOAT_TEST_SOURCE_UTIL_H
#define MOAT_TEST_SOURCE_UTIL_H

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "source/source_internal.h"

struct tbuf {
    unsigned char *p;
    size_t n, cap;
};

static __attribute__((unused)) void tb_add(struct tbuf *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;

        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (b->p == NULL)
            abort();
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
}

static __attribute__((unused)) void tb_free(struct tbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static __attribute__((unused)) la_ssize_t tb_write_cb(struct archive *a, void *ctx, const void *buf,
                                                      size_t n)
{
    (void)a;
    tb_add(ctx, buf, n);
    return (la_ssize_t)n;
}

/* 'f' file (data), 'd' dir, 'l' symlink (data = target), 'h' hard link (data = target) */
struct tentry {
    const char *path;
    char type;
    const char *data;
};

static __attribute__((unused)) struct tbuf tar_build(const struct tentry *e, size_t n)
{
    struct tbuf out = {0};
    struct archive *a = archive_write_new();
    struct archive_entry *ae = archive_entry_new();

    archive_write_set_format_pax_restricted(a);
    archive_write_open(a, &out, NULL, tb_write_cb, NULL);
    for (size_t i = 0; i < n; i++) {
        size_t len = e[i].type == 'f' && e[i].data ? strlen(e[i].data) : 0;

        archive_entry_clear(ae);
        archive_entry_set_pathname(ae, e[i].path);
        archive_entry_set_mtime(ae, 1700000000, 0);
        archive_entry_set_uid(ae, 1000);
        archive_entry_set_gid(ae, 1000);
        switch (e[i].type) {
        case 'd':
            archive_entry_set_filetype(ae, AE_IFDIR);
            archive_entry_set_perm(ae, 0755);
            break;
        case 'l':
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_perm(ae, 0777);
            archive_entry_set_symlink(ae, e[i].data);
            break;
        case 'h':
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 0644);
            archive_entry_set_hardlink(ae, e[i].data);
            break;
        default:
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 04755);
            archive_entry_set_size(ae, (la_int64_t)len);
        }
        archive_write_header(a, ae);
        if (len > 0)
            archive_write_data(a, e[i].data, len);
    }
    archive_entry_free(ae);
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

/* An outer tar of named members, in the given order. */
struct tmember {
    const char *name;
    const void *data;
    size_t len;
};

static __attribute__((unused)) struct tbuf outer_build(const struct tmember *m, size_t n)
{
    struct tbuf out = {0};
    struct archive *a = archive_write_new();
    struct archive_entry *ae = archive_entry_new();

    archive_write_set_format_pax_restricted(a);
    archive_write_open(a, &out, NULL, tb_write_cb, NULL);
    for (size_t i = 0; i < n; i++) {
        archive_entry_clear(ae);
        archive_entry_set_pathname(ae, m[i].name);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)m[i].len);
        archive_write_header(a, ae);
        archive_write_data(a, m[i].data, m[i].len);
    }
    archive_entry_free(ae);
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

static __attribute__((unused)) struct tbuf gz_build(const struct tbuf *in)
{
    struct tbuf out = {0};
    z_stream zs;
    unsigned char buf[65536];
    int zr;

    memset(&zs, 0, sizeof(zs));
    deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = in->p;
    zs.avail_in = (uInt)in->n;
    do {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);
        zr = deflate(&zs, Z_FINISH);
        tb_add(&out, buf, sizeof(buf) - zs.avail_out);
    } while (zr != Z_STREAM_END);
    deflateEnd(&zs);
    return out;
}

static __attribute__((unused)) struct tbuf zst_build(const struct tbuf *in)
{
    struct tbuf out = {0};
    size_t cap = ZSTD_compressBound(in->n), n;

    out.p = malloc(cap + 1);
    n = ZSTD_compress(out.p, cap, in->p, in->n, 3);
    out.n = n;
    out.cap = cap + 1;
    return out;
}

static __attribute__((unused)) void tdigest(const void *p, size_t n, char *out)
{
    source_sha256(p, n, out, NULL);
}

static __attribute__((unused)) void write_file(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        abort();
    if (n > 0 && fwrite(p, 1, n, f) != n)
        abort();
    fclose(f);
}

static __attribute__((unused)) char *tmp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *t = NULL;

    if (asprintf(&t, "%s/moat-source-XXXXXX", base ? base : "/tmp") < 0 || mkdtemp(t) == NULL)
        abort();
    return t;
}

static __attribute__((unused)) char *path_join(const char *a, const char *b)
{
    char *s = NULL;

    if (asprintf(&s, "%s/%s", a, b) < 0)
        abort();
    return s;
}

static __attribute__((unused)) void rm_rf(const char *path)
{
    char *cmd = NULL;

    if (asprintf(&cmd, "rm -rf '%s'", path) < 0)
        abort();
    if (system(cmd) != 0)
        fprintf(stderr, "rm -rf %s failed\n", path);
    free(cmd);
}

/* A config with every field moat reads; diff_ids joined as JSON strings. */
static __attribute__((unused)) char *config_build(char (*diff_ids)[72], size_t n)
{
    struct tbuf ids = {0};
    char *s = NULL;

    tb_add(&ids, "", 0);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            tb_add(&ids, ",", 1);
        tb_add(&ids, "\"", 1);
        tb_add(&ids, diff_ids[i], strlen(diff_ids[i]));
        tb_add(&ids, "\"", 1);
    }
    if (asprintf(
            &s,
            "{\"created\":\"2024-01-02T03:04:05Z\",\"architecture\":\"amd64\",\"os\":\"linux\","
            "\"author\":\"moat tests\",\"config\":{\"User\":\"app\",\"Env\":[\"PATH=/bin\","
            "\"A=b\"],\"Cmd\":[\"/bin/sh\"],\"Entrypoint\":[\"/init\",\"-x\"],"
            "\"ExposedPorts\":{\"22/tcp\":{},\"80/tcp\":{}},\"Labels\":{\"k\":\"v\"},"
            "\"WorkingDir\":\"/srv\",\"StopSignal\":\"SIGTERM\",\"Healthcheck\":{\"Test\":"
            "[\"CMD\",\"true\"]}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[%s]},"
            "\"history\":[{\"created\":\"2024-01-02T03:04:05Z\",\"created_by\":\"ADD x /\"},"
            "{\"created_by\":\"ENV A=b\",\"empty_layer\":true}]}",
            (char *)ids.p) < 0)
        abort();
    tb_free(&ids);
    return s;
}

/*
 * A docker-archive at path of two layer tars (l1 may hold whiteouts) and a
 * config from config_build(), tagged repo_tag. The digests are taken before
 * tamper (may be NULL) changes the first occurrence of its 4 bytes in l1 to
 * "9...", so a tampered layer no longer matches its diff_id.
 */
static __attribute__((unused)) void docker_archive_write(const char *path, const struct tbuf *l0,
                                                         struct tbuf *l1, const char *repo_tag,
                                                         const char *tamper)
{
    char diff[2][72], cdg[72], cname[80], man[512], *cfg;
    struct tbuf outer;

    tdigest(l0->p, l0->n, diff[0]);
    tdigest(l1->p, l1->n, diff[1]);
    cfg = config_build(diff, 2);
    tdigest(cfg, strlen(cfg), cdg);
    if (tamper != NULL) {
        unsigned char *hit = memmem(l1->p, l1->n, tamper, 4);

        if (hit == NULL)
            abort();
        hit[0] = '9';
    }
    snprintf(cname, sizeof(cname), "%s.json", cdg + 7);
    snprintf(man, sizeof(man),
             "[{\"Config\":\"%s\",\"RepoTags\":[\"%s\"],\"Layers\":[\"l0.tar\",\"l1.tar\"]}]",
             cname, repo_tag);
    {
        const struct tmember m[] = {{"l0.tar", l0->p, l0->n},
                                    {"l1.tar", l1->p, l1->n},
                                    {cname, cfg, strlen(cfg)},
                                    {"manifest.json", man, strlen(man)}};

        outer = outer_build(m, 4);
    }
    write_file(path, outer.p, outer.n);
    tb_free(&outer);
    free(cfg);
}

/* Count entries of a reader, reading all content; returns entries or <0. */
static __attribute__((unused)) long read_all(struct moat_entry_reader *r, uint64_t *bytes,
                                             struct moat_err *err)
{
    struct moat_entry e;
    char buf[4096];
    long n = 0;
    int rc;

    if (bytes)
        *bytes = 0;
    while ((rc = moat_entry_next(r, &e, err)) > 0) {
        ssize_t k;

        n++;
        while ((k = moat_entry_read(r, buf, sizeof(buf), err)) > 0)
            if (bytes)
                *bytes += (uint64_t)k;
        if (k < 0)
            return k;
    }
    return rc < 0 ? rc : n;
}

#endif
