/*
 * arena.c - bump allocator for the nodes and names of one view: few
 * mallocs, no per-node header, everything freed at once by moat_fs_free().
 * It must not be used for data whose lifetime is shorter than the view
 * (captured content has its own reference-counted blobs).
 */
#include "fs_int.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64u * 1024u)

struct fs_arena_block {
    struct fs_arena_block *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char mem[];
};

static void *arena_take(struct fs_arena *a, size_t n, size_t align)
{
    struct fs_arena_block *b = a->head;
    size_t cap, at = 0;
    void *p;

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
    p = b->mem + at;
    b->used = at + n;
    return p;
}

void *fs_arena_alloc(struct fs_arena *a, size_t n)
{
    return arena_take(a, n, alignof(max_align_t));
}

char *fs_arena_strndup(struct fs_arena *a, const char *s, size_t n)
{
    char *d;

    if (n == SIZE_MAX)
        return NULL;
    d = arena_take(a, n + 1, 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
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
