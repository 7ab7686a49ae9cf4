/*
 * tree.c - the records of the merged tree and their mutations: intern
 * metadata, find a child, write a new version of a path, implicit parents
 * (with the last directory remembered, as layers list a directory's
 * entries together), whiteout deletion and opaque directories. See
 * fs_int.h for the model (current record per path, history on prev).
 * Errors here carry no layer or entry name; layer.c adds them. This file
 * must not read entries or content.
 */
#include "fs_int.h"

#include "moat/base/hash.h"

#include <string.h>

#define DIR_SCAN_MAX 8u /* children found by scanning the list before a directory gets a table */

struct name_key {
    const char *name;
    size_t len;
};

static uint32_t fold(uint64_t h)
{
    return (uint32_t)(h ^ (h >> 32));
}

static uint32_t name_hash(const struct moat_fs *fs, const char *name, size_t len)
{
    return fold(moat_siphash13(fs->key, name, len));
}

static bool name_eq(const struct moat_fs *fs, uint32_t r, const void *key)
{
    const struct name_key *k = key;
    const char *name = fs_name(fs, r);

    return memcmp(name, k->name, k->len) == 0 && name[k->len] == '\0';
}

/* The current children of dir, for growing its table. */
static uint32_t kid_members(const struct moat_fs *fs, uint32_t dir, uint32_t *cursor,
                            uint32_t *hash)
{
    fs_ref c = *cursor == 0 ? fs_first(fs, dir) : fs_rec(fs, *cursor)->next;

    for (; c != FS_NONE; c = fs_rec(fs, c)->next) {
        const char *name;

        if (!(fs_rec(fs, c)->flags & FS_R_KEYED))
            continue;
        name = fs_name(fs, c);
        *hash = name_hash(fs, name, strlen(name));
        *cursor = c;
        return c;
    }
    return 0;
}

static uint32_t meta_hash(const struct moat_fs *fs, const struct fs_meta *m)
{
    return fold(moat_siphash13(fs->key, m, sizeof(*m)));
}

static uint32_t meta_members(const struct moat_fs *fs, uint32_t ctx, uint32_t *cursor,
                             uint32_t *hash)
{
    (void)ctx;
    if (++*cursor >= fs->metas.n)
        return 0;
    *hash = meta_hash(fs, fs_vec_at(&fs->metas, *cursor));
    return *cursor;
}

static bool meta_eq(const struct moat_fs *fs, uint32_t i, const void *key)
{
    return memcmp(fs_vec_at(&fs->metas, i), key, sizeof(struct fs_meta)) == 0;
}

static int nomem(struct moat_err *err)
{
    return moat_err_set(err, MOAT_E_NOMEM, "out of memory for the merged view");
}

/* The index of the tuple *m, added when new. */
static int meta_intern(struct moat_fs *fs, const struct fs_meta *m, uint32_t *out,
                       struct moat_err *err)
{
    uint32_t h, *slot, i;

    if (fs->last_meta != 0 && meta_eq(fs, fs->last_meta, m)) {
        *out = fs->last_meta;
        return 0;
    }
    h = meta_hash(fs, m);
    slot = fs_table_probe(&fs->mtable, h, meta_eq, fs, m);
    if (*slot != 0) {
        *out = fs->last_meta = *slot & FS_REF_MASK;
        return 0;
    }
    if (fs->metas.n > FS_REF_MASK - 1 || fs_vec_push(&fs->metas, &i) < 0)
        return nomem(err);
    memcpy(fs_vec_at(&fs->metas, i), m, sizeof(*m));
    if (fs_table_insert(&fs->mtable, fs, i, h, meta_members, 0) < 0)
        return nomem(err);
    *out = fs->last_meta = i;
    return 0;
}

static int rec_new(struct moat_fs *fs, fs_ref *out, struct moat_err *err)
{
    uint32_t i = 0;

    if (fs->n_nodes >= MOAT_MAX_NODES)
        return moat_err_set(err, MOAT_E_LIMIT, "the merged view would exceed %u nodes",
                            MOAT_MAX_NODES);
    if (fs_vec_push(&fs->recs, &i) < 0)
        return nomem(err);
    fs->n_nodes++;
    *out = i;
    return 0;
}

/* r's extension, made (with the size moved into it) when it has none. */
static int ext_get(struct moat_fs *fs, fs_ref r, struct fs_ext **out, struct moat_err *err)
{
    struct fs_rec *x = fs_rec(fs, r);
    struct fs_ext *e;
    uint32_t i = 0;

    if (!(x->flags & FS_R_EXT)) {
        if (fs_vec_push(&fs->exts, &i) < 0)
            return nomem(err);
        e = fs_vec_at(&fs->exts, i);
        e->size = x->aux;
        e->link = FS_NOSTR;
        x->aux = i;
        x->flags |= FS_R_EXT;
    }
    *out = fs_vec_at(&fs->exts, x->aux);
    return 0;
}

/* Give r the metadata a (r is new, or a live directory rewritten in place). */
static int set_attr(struct moat_fs *fs, fs_ref r, const struct fs_attr *a, struct moat_err *err)
{
    struct fs_rec *x = fs_rec(fs, r);
    struct fs_ext *e = NULL;
    uint32_t meta = 0;
    int rc;

    if ((rc = meta_intern(fs, &a->m, &meta, err)) < 0)
        return rc;
    /* directories and symlinks may get children; the rest only when they need it */
    if ((x->flags & FS_R_EXT) || a->m.type == MOAT_FT_DIR || a->m.type == MOAT_FT_SYMLINK ||
        a->link != FS_NOSTR || a->hardlink != FS_NONE || a->size >= UINT32_MAX) {
        if ((rc = ext_get(fs, r, &e, err)) < 0)
            return rc;
        e->size = a->size;
        e->link = a->link;
        e->hardlink = a->hardlink;
    } else {
        x->aux = (uint32_t)a->size;
    }
    x->meta = meta;
    x->deleted = 0;
    return 0;
}

static int attach_blob(struct moat_fs *fs, fs_ref r, struct fs_blob *blob, struct moat_err *err)
{
    struct fs_ext *e;
    int rc;

    if (blob == NULL)
        return 0;
    if ((rc = ext_get(fs, r, &e, err)) < 0)
        return rc;
    fs_blob_ref(blob);
    e->blob = blob;
    return 0;
}

static void link_child(struct moat_fs *fs, fs_ref dir, fs_ref n)
{
    struct fs_ext *d = fs_ext(fs, dir);
    struct fs_rec *x = fs_rec(fs, n);

    x->parent = dir;
    x->next = d->first_child;
    d->first_child = n;
    d->listed++;
}

/*
 * Make n, just linked under dir, findable by its name: in dir's table, or,
 * while the list is short, by scanning it (a table is made when it grows).
 */
static int index_child(struct moat_fs *fs, fs_ref dir, fs_ref n, const char *name, size_t len,
                       uint32_t hash)
{
    struct fs_ext *d = fs_ext(fs, dir);
    struct fs_table *t;
    uint32_t i, cursor = 0, h, v, count = 0;

    if (d->kids != 0) {
        t = fs_vec_at(&fs->kids, d->kids);
        if (hash == 0)
            hash = name_hash(fs, name, len);
        if (fs_table_insert(t, fs, n, hash, kid_members, dir) < 0)
            return -MOAT_E_NOMEM;
        fs_rec(fs, n)->flags |= FS_R_KEYED;
        return 0;
    }
    fs_rec(fs, n)->flags |= FS_R_KEYED;
    if (d->listed <= DIR_SCAN_MAX)
        return 0;
    if (fs_vec_push(&fs->kids, &i) < 0)
        goto nomem;
    while (kid_members(fs, dir, &cursor, &h) != 0)
        count++;
    t = fs_vec_at(&fs->kids, i);
    /* room for all of them at once: the inserts below never grow it */
    if (fs_table_init(t, count * 2) < 0)
        goto nomem;
    cursor = 0;
    while ((v = kid_members(fs, dir, &cursor, &h)) != 0)
        if (fs_table_insert(t, fs, v, h, kid_members, dir) < 0)
            goto nomem;
    d->kids = i;
    return 0;
nomem:
    fs_rec(fs, n)->flags &= (uint16_t)~FS_R_KEYED;
    return -MOAT_E_NOMEM;
}

/* fs_child(), also giving name's hash when it took one (*hash stays 0 when it did not). */
static fs_ref child(const struct moat_fs *fs, fs_ref dir, const char *name, size_t len,
                    uint32_t *hash)
{
    const struct fs_ext *d = fs_ext(fs, dir);
    struct name_key k = {name, len};
    const struct fs_table *t;

    if (d == NULL)
        return FS_NONE;
    if (d->kids == 0) {
        for (fs_ref c = d->first_child; c != FS_NONE; c = fs_rec(fs, c)->next)
            if ((fs_rec(fs, c)->flags & FS_R_KEYED) && name_eq(fs, c, &k))
                return c;
        return FS_NONE;
    }
    t = fs_vec_at(&fs->kids, d->kids);
    *hash = name_hash(fs, name, len);
    return *fs_table_probe(t, *hash, name_eq, fs, &k) & FS_REF_MASK;
}

fs_ref fs_child(const struct moat_fs *fs, fs_ref dir, const char *name, size_t len)
{
    uint32_t hash = 0;

    return child(fs, dir, name, len, &hash);
}

fs_ref fs_find_exact(const struct moat_fs *fs, const char *path, size_t len)
{
    fs_ref cur = FS_ROOT;
    size_t i = 0;

    while (cur != FS_NONE && i < len) {
        const char *slash = memchr(path + i, '/', len - i);
        size_t j = slash != NULL ? (size_t)(slash - path) : len;

        cur = fs_child(fs, cur, path + i, j - i);
        i = j + 1;
    }
    return cur;
}

/* A directory rewritten by a directory: does the old version deserve a history record? */
static bool needs_snapshot(const struct moat_fs *fs, fs_ref x, const struct fs_meta *m)
{
    const struct fs_meta *o = fs_meta(fs, x);

    if (!fs_live(fs, x))
        return true; /* only the root: other deleted directories are replaced */
    if (o->implicit && (m->implicit || o->layer == m->layer))
        return false; /* a placeholder being filled in */
    return o->mode != m->mode || o->uid != m->uid || o->gid != m->gid || o->mtime != m->mtime ||
           o->implicit != m->implicit;
}

static int update_dir(struct moat_fs *fs, fs_ref x, const struct fs_attr *a, struct moat_err *err)
{
    struct fs_ext *xe, *he;
    struct fs_rec *h;
    fs_ref hr = FS_NONE;
    int rc;

    if (needs_snapshot(fs, x, &a->m)) {
        if ((rc = rec_new(fs, &hr, err)) < 0)
            return rc;
        h = fs_rec(fs, hr);
        *h = *fs_rec(fs, x);
        h->next = FS_NONE;
        h->flags = FS_R_HIST;
        h->aux = 0;
        xe = fs_ext(fs, x);
        if (xe->prev != FS_NONE) {
            if ((rc = ext_get(fs, hr, &he, err)) < 0)
                return rc;
            he->prev = xe->prev;
        }
        xe->prev = hr;
    }
    if ((rc = set_attr(fs, x, a, err)) < 0)
        return rc;
    fs_pub_touch(fs, x);
    return 0;
}

int fs_put(struct moat_fs *fs, fs_ref parent, const char *name, size_t len, const struct fs_attr *a,
           struct fs_blob *blob, fs_ref *out, struct moat_err *err)
{
    uint32_t hash = 0; /* name's, once child() or index_child() needed it; 0 not yet */
    fs_ref x = child(fs, parent, name, len, &hash), n = FS_NONE;
    struct fs_ext *ne;
    uint32_t off;
    int rc;

    /* a live directory rewritten as one keeps its children; a deleted one keeps them as history */
    if (x != FS_NONE && fs_live(fs, x) && fs_type(fs, x) == MOAT_FT_DIR &&
        a->m.type == MOAT_FT_DIR) {
        rc = update_dir(fs, x, a, err);
        if (rc == 0)
            *out = x;
        return rc;
    }
    if ((rc = rec_new(fs, &n, err)) < 0 || (rc = set_attr(fs, n, a, err)) < 0 ||
        (rc = attach_blob(fs, n, blob, err)) < 0)
        return rc;
    if (x == FS_NONE) {
        if ((rc = fs_pool_add(&fs->pool, name, len, &off)) < 0)
            return rc == -MOAT_E_LIMIT
                       ? moat_err_set(err, MOAT_E_LIMIT, "the merged view's names exceed 4 GiB")
                       : nomem(err);
        fs_rec(fs, n)->name = off;
        link_child(fs, parent, n);
        if (index_child(fs, parent, n, name, len, hash) < 0) {
            /* keep the tree consistent: the record stays listed but deleted */
            fs_rec(fs, n)->deleted = (uint16_t)(a->m.layer + 1);
            fs_rec_drop_data(fs, n);
            return nomem(err);
        }
    } else {
        if ((rc = ext_get(fs, n, &ne, err)) < 0)
            return rc;
        ne->prev = x;
        fs_rec(fs, n)->name = fs_rec(fs, x)->name;
        /* whatever was below the old version is gone now (already so when it was deleted) */
        if (fs_live(fs, x))
            for (fs_ref c = fs_first(fs, x); c != FS_NONE; c = fs_rec(fs, c)->next)
                if (!(fs_rec(fs, c)->flags & FS_R_HIST))
                    fs_mark_deleted(fs, c, a->m.layer);
        fs_rec_drop_data(fs, x);
        fs_rec(fs, x)->flags = (uint16_t)((fs_rec(fs, x)->flags & ~FS_R_KEYED) | FS_R_HIST);
        fs_rec(fs, n)->flags |= FS_R_KEYED;
        link_child(fs, parent, n);
        if (fs_ext(fs, parent)->kids != 0)
            fs_table_replace(fs_vec_at(&fs->kids, fs_ext(fs, parent)->kids), x, n,
                             hash != 0 ? hash : name_hash(fs, name, len));
        fs_pub_touch(fs, x);
    }
    *out = n;
    return 0;
}

int fs_put_root(struct moat_fs *fs, const struct fs_attr *a, struct moat_err *err)
{
    return update_dir(fs, FS_ROOT, a, err);
}

/* The last directory used is still the current, live record at its path. */
static bool dir_cached(const struct moat_fs *fs, const char *path, size_t dlen)
{
    const struct fs_rec *d;

    if (fs->dir_ref == FS_NONE || fs->dir_len != dlen || memcmp(fs->dir_path, path, dlen) != 0)
        return false;
    /*
     * Whatever replaced or deleted a directory on the way to it also deleted
     * it or made it history (fs_put, fs_mark_deleted), so this suffices.
     */
    d = fs_rec(fs, fs->dir_ref);
    return d->deleted == 0 && !(d->flags & FS_R_HIST);
}

int fs_ensure_parents(struct moat_fs *fs, uint32_t layer, const char *path, size_t len,
                      fs_ref *parent, struct moat_err *err)
{
    const struct fs_attr implicit = {
        .m = {.type = MOAT_FT_DIR, .mode = 0755, .layer = (uint16_t)layer, .implicit = 1},
        .link = FS_NOSTR,
    };
    const char *last = len > 0 ? memrchr(path, '/', len) : NULL;
    size_t dlen = last != NULL ? (size_t)(last - path) : 0, i = 0;
    fs_ref cur = FS_ROOT, c;
    int rc;

    if (dlen == 0) {
        *parent = FS_ROOT;
        return 0;
    }
    if (dir_cached(fs, path, dlen)) {
        *parent = fs->dir_ref;
        return 0;
    }
    while (i < dlen) {
        const char *slash = memchr(path + i, '/', dlen - i);
        size_t j = slash != NULL ? (size_t)(slash - path) : dlen;

        c = fs_child(fs, cur, path + i, j - i);
        if (c == FS_NONE || !fs_live(fs, c) ||
            (fs_type(fs, c) != MOAT_FT_DIR && fs_type(fs, c) != MOAT_FT_SYMLINK)) {
            rc = fs_put(fs, cur, path + i, j - i, &implicit, NULL, &c, err);
            if (rc < 0)
                return rc;
        }
        cur = c;
        i = j + 1;
    }
    memcpy(fs->dir_path, path, dlen);
    fs->dir_len = dlen;
    fs->dir_ref = cur;
    *parent = cur;
    return 0;
}

void fs_mark_deleted(struct moat_fs *fs, fs_ref r, uint32_t layer)
{
    struct fs_rec *x = fs_rec(fs, r);

    /* a deleted record has no live descendants, so stop there */
    if (x->deleted != 0)
        return;
    x->deleted = (uint16_t)(layer + 1);
    fs_rec_drop_data(fs, r);
    fs_pub_touch(fs, r);
    for (fs_ref c = fs_first(fs, r); c != FS_NONE; c = fs_rec(fs, c)->next)
        if (!(fs_rec(fs, c)->flags & FS_R_HIST))
            fs_mark_deleted(fs, c, layer);
}

/* Returns true when something written by `layer` survives below dir. */
static bool prune_lower(struct moat_fs *fs, fs_ref dir, uint32_t layer)
{
    bool any = false;

    for (fs_ref c = fs_first(fs, dir); c != FS_NONE; c = fs_rec(fs, c)->next) {
        bool keep;

        if (fs_rec(fs, c)->deleted != 0 || (fs_rec(fs, c)->flags & FS_R_HIST))
            continue;
        keep = fs_first(fs, c) != FS_NONE && prune_lower(fs, c, layer);
        if (fs_meta(fs, c)->layer >= layer)
            keep = true;
        if (!keep)
            fs_mark_deleted(fs, c, layer);
        any = any || keep;
    }
    return any;
}

void fs_make_opaque(struct moat_fs *fs, fs_ref dir, uint32_t layer)
{
    struct fs_ext *e = fs_ext(fs, dir);

    /* lower entries are gone after the first marker of this layer */
    if (e == NULL || e->opaque_layer == layer + 1)
        return;
    e->opaque_layer = layer + 1;
    prune_lower(fs, dir, layer);
}

int fs_tree_init(struct moat_fs *fs, struct moat_err *err)
{
    const struct fs_attr root = {
        .m = {.type = MOAT_FT_DIR, .mode = 0755, .implicit = 1},
        .link = FS_NOSTR,
    };
    uint32_t dummy;
    fs_ref r = FS_NONE;
    int rc;

    moat_hash_key(fs->key);
    if (fs_table_init(&fs->mtable, 64) < 0)
        return nomem(err);
    /* index 0 means "none" for records, tuples and tables alike */
    if (fs_vec_push(&fs->recs, &dummy) < 0 || fs_vec_push(&fs->metas, &dummy) < 0 ||
        fs_vec_push(&fs->kids, &dummy) < 0 || fs_pool_add(&fs->pool, "", 0, &fs->empty_name) < 0)
        return nomem(err);
    if ((rc = rec_new(fs, &r, err)) < 0 || (rc = set_attr(fs, r, &root, err)) < 0)
        return rc;
    fs_rec(fs, r)->name = fs->empty_name;
    return 0;
}
