/*
 * mem_reader.h - an in-memory struct moat_entry_reader for the fs/ tests:
 * a layer is an array of struct mem_entry. Content is the given bytes, or
 * when data is NULL a deterministic pattern of `size` bytes (so tests can
 * stream large files without holding them). Counts the bytes read so tests
 * can check that unwanted content is skipped; and lookups the tests share.
 * Header-only: each test file is its own executable.
 */
#ifndef MOAT_TEST_FS_MEM_READER_H
#define MOAT_TEST_FS_MEM_READER_H

#include <stdint.h>
#include <string.h>

#include "moat/fs/fs.h"

struct mem_entry {
    enum moat_ftype type;
    const char *path;
    const char *link; /* symlink/hard-link target */
    const char *data; /* content; NULL = pattern of `size` bytes */
    uint64_t size;    /* used when data is NULL */
    uint32_t mode;
};

struct mem_reader {
    struct moat_entry_reader base;
    const struct mem_entry *ents;
    size_t n, i;  /* i: index of the next entry */
    uint64_t off; /* offset in the current entry's content */
    uint64_t bytes_read;
    int fail_read; /* make read() fail with -MOAT_E_IO */
};

static inline unsigned char mem_pattern(uint64_t off)
{
    return (unsigned char)((off * 2654435761u) >> 13);
}

static inline uint64_t mem_size(const struct mem_entry *m)
{
    if (m->type != MOAT_FT_REG)
        return 0;
    return m->data != NULL ? strlen(m->data) : m->size;
}

static inline int mem_next(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err)
{
    struct mem_reader *m = (struct mem_reader *)r;
    const struct mem_entry *x;

    (void)err;
    if (m->i >= m->n)
        return 0;
    x = &m->ents[m->i++];
    m->off = 0;
    memset(e, 0, sizeof(*e));
    e->path = x->path;
    e->path_len = strlen(x->path);
    e->type = x->type;
    e->mode = x->mode ? x->mode : (x->type == MOAT_FT_DIR ? 0755 : 0644);
    e->size = mem_size(x);
    e->mtime = 1700000000;
    e->link = x->link;
    e->link_len = x->link ? strlen(x->link) : 0;
    return 1;
}

static inline ssize_t mem_read(struct moat_entry_reader *r, void *buf, size_t n,
                               struct moat_err *err)
{
    struct mem_reader *m = (struct mem_reader *)r;
    const struct mem_entry *x;
    uint64_t left;

    if (m->fail_read)
        return moat_err_set(err, MOAT_E_IO, "simulated read failure");
    if (m->i == 0)
        return 0;
    x = &m->ents[m->i - 1];
    left = mem_size(x) - m->off;
    if (n > left)
        n = (size_t)left;
    for (size_t k = 0; k < n; k++)
        ((unsigned char *)buf)[k] =
            x->data ? (unsigned char)x->data[m->off + k] : mem_pattern(m->off + k);
    m->off += n;
    m->bytes_read += n;
    return (ssize_t)n;
}

static inline int mem_close(struct moat_entry_reader *r, struct moat_err *err)
{
    (void)r;
    (void)err;
    return 0;
}

static const struct moat_entry_reader_ops mem_ops = {mem_next, mem_read, mem_close};

static inline void mem_reader_init(struct mem_reader *m, const struct mem_entry *ents, size_t n)
{
    memset(m, 0, sizeof(*m));
    m->base.ops = &mem_ops;
    m->ents = ents;
    m->n = n;
}

/* Apply one layer given as an array. */
static inline int mem_apply(struct moat_fs *fs, uint32_t layer, const struct mem_entry *ents,
                            size_t n, struct moat_err *err)
{
    struct mem_reader m;

    mem_reader_init(&m, ents, n);
    return moat_fs_apply_layer(fs, layer, &m.base, err);
}

#define MEM_APPLY(fs, layer, arr, err)                                                             \
    mem_apply((fs), (layer), (arr), sizeof(arr) / sizeof((arr)[0]), (err))

/* The node at a path, or NULL (lookup hides deleted nodes). */
static inline const struct moat_fs_node *mem_get(const struct moat_fs *fs, const char *path)
{
    const struct moat_fs_node *n = NULL;

    return moat_fs_lookup(fs, path, false, &n, NULL) == 0 ? n : NULL;
}

/* The current node at path among its parent's children, live or deleted. */
static inline const struct moat_fs_node *mem_raw(const struct moat_fs *fs, const char *path)
{
    const struct moat_fs_node *n = moat_fs_root(fs);

    while (*path != '\0' && n != NULL) {
        size_t len = strcspn(path, "/");
        const struct moat_fs_node *c = moat_fs_first_child(n);

        while (c && (strncmp(c->name, path, len) != 0 || c->name[len] != '\0'))
            c = moat_fs_next_sibling(c);
        n = c;
        path += len;
        path += *path == '/';
    }
    return n;
}

/* Sanitizers slow everything down several times: time bounds are for real builds. */
#if defined(__SANITIZE_ADDRESS__)
#define MEM_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEM_SLOW_BUILD 1
#endif
#endif

#define REG(p, d)                                                                                  \
    {                                                                                              \
        MOAT_FT_REG, (p), NULL, (d), 0, 0                                                          \
    }
#define BIG(p, n)                                                                                  \
    {                                                                                              \
        MOAT_FT_REG, (p), NULL, NULL, (n), 0                                                       \
    }
#define DIR_(p)                                                                                    \
    {                                                                                              \
        MOAT_FT_DIR, (p), NULL, NULL, 0, 0                                                         \
    }
#define SYM(p, l)                                                                                  \
    {                                                                                              \
        MOAT_FT_SYMLINK, (p), (l), NULL, 0, 0                                                      \
    }
#define HARD(p, l)                                                                                 \
    {                                                                                              \
        MOAT_FT_HARDLINK, (p), (l), NULL, 0, 0                                                     \
    }

#endif
