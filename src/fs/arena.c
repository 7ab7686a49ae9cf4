/*
 * arena.c - the storage of one view, all of it freed at once by
 * moat_fs_free(): a bump allocator (public nodes), chunked arrays (records,
 * extensions, metadata tuples) and a string pool (names, symlink targets).
 * Nothing here ever moves once allocated: indexes and pointers stay valid
 * for the life of the view, and growing never copies (no realloc peak of
 * twice the data). Captured content has its own reference-counted blobs.
 */
#include "fs_int.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u * 1024u)
#define POOL_CHUNK (1u << FS_POOL_SHIFT)
#define POOL_MAX_CHUNKS (1u << (32 - FS_POOL_SHIFT)) /* 32-bit offsets */

struct fs_arena_block {
    struct fs_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char mem[];
};

void *fs_arena_alloc(struct fs_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    struct fs_arena_block *b = a->head;
    size_t cap, at = 0;

    if (n > SIZE_MAX / 2)
        return NULL;
    if (b != NULL) {
        at = (b->used + align - 1) & ~(align - 1);
        if (at > b->cap || b->cap - at < n)
            b = NULL;
    }
    if (b == NULL) {
        cap = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK - sizeof(*b);
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->used = 0;
        b->cap = cap;
        at = 0;
        if (a->head != NULL && n > ARENA_BLOCK / 4) {
            /* a big one-off: keep the current block open for small requests */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
        a->bytes += sizeof(*b) + cap;
    }
    b->used = at + n;
    return b->mem + at;
}

void fs_arena_free(struct fs_arena *a)
{
    struct fs_arena_block *b = a->head, *next;

    while (b != NULL) {
        next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->bytes = 0;
}

/* Make room for one more chunk pointer in *chunks. */
static int grow_chunks(void *chunks_p, size_t n, size_t *cap, size_t elem)
{
    void **chunks = chunks_p;
    size_t want = *cap != 0 ? *cap * 2 : 16;
    void *p;

    if (n < *cap)
        return 0;
    if (want > SIZE_MAX / elem)
        return -MOAT_E_NOMEM;
    p = realloc(*chunks, want * elem);
    if (p == NULL)
        return -MOAT_E_NOMEM;
    *chunks = p;
    *cap = want;
    return 0;
}

void fs_vec_init(struct fs_vec *v, uint32_t size, uint32_t shift)
{
    memset(v, 0, sizeof(*v));
    v->size = size;
    v->shift = shift;
}

int fs_vec_push(struct fs_vec *v, uint32_t *idx)
{
    uint32_t per = 1u << v->shift;
    unsigned char *c;

    if (v->n == UINT32_MAX)
        return -MOAT_E_NOMEM;
    if ((v->n & (per - 1)) == 0 && v->n >> v->shift == v->n_chunks) {
        if (grow_chunks(&v->chunks, v->n_chunks, &v->cap_chunks, sizeof(*v->chunks)) < 0)
            return -MOAT_E_NOMEM;
        /* calloc: untouched parts of a chunk cost no memory until used */
        c = calloc(per, v->size);
        if (c == NULL)
            return -MOAT_E_NOMEM;
        v->chunks[v->n_chunks++] = c;
    }
    *idx = v->n++;
    return 0;
}

void fs_vec_free(struct fs_vec *v)
{
    for (size_t i = 0; i < v->n_chunks; i++)
        free(v->chunks[i]);
    free(v->chunks);
    v->chunks = NULL;
    v->n_chunks = v->cap_chunks = 0;
    v->n = 0;
}

int fs_pool_add(struct fs_pool *p, const char *s, size_t n, uint32_t *off)
{
    char *c;

    if (n >= POOL_CHUNK)
        return -MOAT_E_LIMIT;
    if (p->n_chunks == 0 || POOL_CHUNK - p->used < n + 1) {
        if (p->n_chunks == POOL_MAX_CHUNKS)
            return -MOAT_E_LIMIT;
        if (grow_chunks(&p->chunks, p->n_chunks, &p->cap_chunks, sizeof(*p->chunks)) < 0)
            return -MOAT_E_NOMEM;
        c = malloc(POOL_CHUNK);
        if (c == NULL)
            return -MOAT_E_NOMEM;
        p->chunks[p->n_chunks++] = c;
        p->used = 0;
    }
    c = p->chunks[p->n_chunks - 1] + p->used;
    memcpy(c, s, n);
    c[n] = '\0';
    *off = (uint32_t)((p->n_chunks - 1) << FS_POOL_SHIFT | p->used);
    p->used += n + 1;
    p->bytes += n + 1;
    return 0;
}

void fs_pool_free(struct fs_pool *p)
{
    for (size_t i = 0; i < p->n_chunks; i++)
        free(p->chunks[i]);
    free(p->chunks);
    memset(p, 0, sizeof(*p));
}

size_t fs_mem_bytes(const struct moat_fs *fs)
{
    size_t n = (size_t)fs->recs.n * fs->recs.size + (size_t)fs->exts.n * fs->exts.size +
               (size_t)fs->metas.n * fs->metas.size + (size_t)fs->kids.n * fs->kids.size +
               fs->pool.bytes + ((size_t)fs->mtable.mask + 1) * sizeof(uint32_t) +
               (fs->pubs.mask + 1) * sizeof(*fs->pubs.slots) + fs->arena.bytes;

    for (uint32_t i = 1; i < fs->kids.n; i++)
        n += ((size_t)((const struct fs_table *)fs_vec_at(&fs->kids, i))->mask + 1) *
             sizeof(uint32_t);
    return n;
}
