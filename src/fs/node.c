/*
 * node.c - public nodes (struct moat_fs_node) made from records on demand:
 * the first lookup, first_child or next_sibling that reaches a record makes
 * its node, and the nodes it points to (parent, earlier version, hard-link
 * target); later calls return the same pointer. Records that change
 * afterwards refresh their node (fs_pub_touch), so a node always describes
 * its record. Nodes live until moat_fs_free().
 *
 * Lookups take a const view but make nodes: the view is logically const
 * (nothing a caller can see changes) and not safe to share between threads.
 * Must not change records.
 */
#include "fs_int.h"

#include <stdlib.h>
#include <string.h>

#define PUBMAP_MIN 64u

static size_t slot_of(fs_ref r, size_t mask)
{
    return ((size_t)r * 2654435761u) & mask;
}

static struct fs_pub *map_get(const struct fs_pubmap *m, fs_ref r)
{
    size_t i;

    if (m->slots == NULL)
        return NULL;
    for (i = slot_of(r, m->mask); m->slots[i] != NULL; i = (i + 1) & m->mask)
        if (m->slots[i]->ref == r)
            return m->slots[i];
    return NULL;
}

static int map_put(struct fs_pubmap *m, struct fs_pub *p)
{
    size_t i;

    if ((m->used + 1) * 4 > (m->mask + 1) * 3 || m->slots == NULL) {
        size_t size = m->slots == NULL ? PUBMAP_MIN : (m->mask + 1) * 2;
        struct fs_pub **slots = calloc(size, sizeof(*slots));

        if (slots == NULL)
            return -MOAT_E_NOMEM;
        for (i = 0; m->slots != NULL && i <= m->mask; i++) {
            size_t j;

            if (m->slots[i] == NULL)
                continue;
            for (j = slot_of(m->slots[i]->ref, size - 1); slots[j] != NULL;
                 j = (j + 1) & (size - 1))
                ;
            slots[j] = m->slots[i];
        }
        free(m->slots);
        m->slots = slots;
        m->mask = size - 1;
    }
    for (i = slot_of(p->ref, m->mask); m->slots[i] != NULL; i = (i + 1) & m->mask)
        ;
    m->slots[i] = p;
    m->used++;
    return 0;
}

void fs_pubmap_free(struct fs_pubmap *m)
{
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* The fields of a node that come from r itself. */
static void fill_own(const struct moat_fs *fs, fs_ref r, struct moat_fs_node *n)
{
    const struct fs_rec *x = fs_rec(fs, r);
    const struct fs_meta *m = fs_meta(fs, r);
    const struct fs_ext *e = fs_ext(fs, r);

    n->name = fs_pool_str(&fs->pool, x->name);
    n->type = (enum moat_ftype)m->type;
    n->mode = m->mode;
    n->uid = m->uid;
    n->gid = m->gid;
    n->size = fs_size(fs, r);
    n->mtime = m->mtime;
    n->layer = m->layer;
    n->implicit = m->implicit != 0;
    n->deleted_in = x->deleted != 0 ? (int32_t)x->deleted - 1 : -1;
    n->link = e != NULL && e->link != FS_NOSTR ? fs_pool_str(&fs->pool, e->link) : NULL;
    n->data = e != NULL && e->blob != NULL ? e->blob->data : NULL;
    n->data_len = e != NULL && e->blob != NULL ? e->blob->len : 0;
}

static struct fs_pub *make(struct moat_fs *fs, fs_ref r);

/* The node of r, made if need be (or, when make is false, only if it exists). */
static struct moat_fs_node *link_to(struct moat_fs *fs, fs_ref r, bool make_it)
{
    struct fs_pub *p;

    if (r == FS_NONE)
        return NULL;
    p = map_get(&fs->pubs, r);
    if (p == NULL && make_it)
        p = make(fs, r);
    return p != NULL ? &p->pub : NULL;
}

/* Refill r's node from its record. */
static void sync(struct moat_fs *fs, fs_ref r, bool make_links)
{
    struct fs_pub *p = map_get(&fs->pubs, r);
    const struct fs_ext *e = fs_ext(fs, r);

    if (p == NULL)
        return;
    fill_own(fs, r, &p->pub);
    p->pub.parent = link_to(fs, fs_rec(fs, r)->parent, make_links);
    p->pub.prev = e != NULL ? link_to(fs, e->prev, make_links) : NULL;
    p->pub.hardlink = e != NULL ? link_to(fs, e->hardlink, make_links) : NULL;
}

/* Append r to a growing array of refs. */
static int push(fs_ref **v, size_t *n, size_t *cap, fs_ref r)
{
    if (*n == *cap) {
        size_t want = *cap != 0 ? *cap * 2 : 32;
        fs_ref *p = realloc(*v, want * sizeof(**v));

        if (p == NULL)
            return -1;
        *v = p;
        *cap = want;
    }
    (*v)[(*n)++] = r;
    return 0;
}

/*
 * Make the nodes of r and of every record its node points to, without
 * recursion (history chains can be long), then fill them in.
 */
static struct fs_pub *make(struct moat_fs *fs, fs_ref r)
{
    fs_ref *todo = NULL, *made = NULL;
    size_t n_todo = 0, c_todo = 0, n_made = 0, c_made = 0;
    bool ok = push(&todo, &n_todo, &c_todo, r) == 0;

    while (ok && n_todo > 0) {
        fs_ref x = todo[--n_todo];
        const struct fs_ext *e = fs_ext(fs, x);
        struct fs_pub *p;

        if (fs_rec(fs, x)->flags & FS_R_MAT)
            continue;
        p = fs_arena_alloc(&fs->arena, sizeof(*p));
        if (p == NULL || push(&made, &n_made, &c_made, x) < 0) {
            ok = false;
            break;
        }
        memset(p, 0, sizeof(*p));
        p->fs = fs;
        p->ref = x;
        if (map_put(&fs->pubs, p) < 0) {
            n_made--;
            ok = false;
            break;
        }
        fs_rec(fs, x)->flags |= FS_R_MAT;
        ok = (fs_rec(fs, x)->parent == FS_NONE ||
              push(&todo, &n_todo, &c_todo, fs_rec(fs, x)->parent) == 0) &&
             (e == NULL || e->prev == FS_NONE || push(&todo, &n_todo, &c_todo, e->prev) == 0) &&
             (e == NULL || e->hardlink == FS_NONE ||
              push(&todo, &n_todo, &c_todo, e->hardlink) == 0);
    }
    /* fill what was made, even after a failure: a node never holds garbage */
    for (size_t i = 0; i < n_made; i++)
        sync(fs, made[i], false);
    free(todo);
    free(made);
    return ok ? map_get(&fs->pubs, r) : NULL;
}

const struct moat_fs_node *fs_pub(const struct moat_fs *cfs, fs_ref r)
{
    struct moat_fs *fs = (struct moat_fs *)(uintptr_t)cfs; /* see the top of this file */
    struct fs_pub *p;

    if (r == FS_NONE)
        return NULL;
    p = (fs_rec(fs, r)->flags & FS_R_MAT) ? map_get(&fs->pubs, r) : make(fs, r);
    return p != NULL ? &p->pub : NULL;
}

void fs_pub_sync(struct moat_fs *fs, fs_ref r)
{
    sync(fs, r, true);
}

int fs_pub_fill(const struct moat_fs *cfs, fs_ref r, struct fs_pub *p,
                const struct moat_fs_node *parent)
{
    struct moat_fs *fs = (struct moat_fs *)(uintptr_t)cfs; /* see the top of this file */
    const struct fs_ext *e = fs_ext(fs, r);

    memset(p, 0, sizeof(*p));
    p->fs = fs;
    p->ref = r;
    fill_own(fs, r, &p->pub);
    p->pub.parent = (struct moat_fs_node *)(uintptr_t)parent;
    if (e != NULL && e->prev != FS_NONE && (p->pub.prev = link_to(fs, e->prev, true)) == NULL)
        return -MOAT_E_NOMEM;
    if (e != NULL && e->hardlink != FS_NONE &&
        (p->pub.hardlink = link_to(fs, e->hardlink, true)) == NULL)
        return -MOAT_E_NOMEM;
    return 0;
}

const struct moat_fs_node *moat_fs_root(const struct moat_fs *fs)
{
    return fs != NULL ? fs_pub(fs, FS_ROOT) : NULL;
}

/* r, or the first record after it in its list that is a current version. */
static fs_ref current_from(const struct moat_fs *fs, fs_ref r)
{
    while (r != FS_NONE && (fs_rec(fs, r)->flags & FS_R_HIST))
        r = fs_rec(fs, r)->next;
    return r;
}

const struct moat_fs_node *moat_fs_first_child(const struct moat_fs_node *dir)
{
    const struct fs_pub *d = fs_pub_of(dir);

    if (d == NULL)
        return NULL;
    return fs_pub(d->fs, current_from(d->fs, fs_first(d->fs, d->ref)));
}

const struct moat_fs_node *moat_fs_next_sibling(const struct moat_fs_node *node)
{
    const struct fs_pub *n = fs_pub_of(node);

    if (n == NULL)
        return NULL;
    return fs_pub(n->fs, current_from(n->fs, fs_rec(n->fs, n->ref)->next));
}
