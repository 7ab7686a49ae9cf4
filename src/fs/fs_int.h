/*
 * fs_int.h - internals shared by the files of the fs/ room; nothing outside
 * src/fs may include it (but the room's tests).
 *
 * Model: the tree is keyed by path. Every path that any layer wrote has one
 * *current* record (live, or deleted by a whiteout) reachable from the root
 * through the child lists, and by name in its directory: through the
 * directory's own hash table once it has more than a few entries, by
 * scanning its list before (FS_R_KEYED marks what a name finds). Older
 * versions of a path hang off ext.prev and are found by no name.
 *
 * A directory record stays a directory for its whole life: rewriting a live
 * directory with a directory updates it in place (children stay attached)
 * and pushes a snapshot of the old metadata onto prev. Every other rewrite,
 * including re-creating a deleted directory, makes a new record that is
 * linked in front of the old one in its parent's list (the old one stays
 * there flagged FS_R_HIST and is skipped) and takes its place by name,
 * so hard links keep pointing at the version they named and a deleted
 * subtree stays with the version it belonged to (no rescans). Hence only
 * directories and symlinks have children (a layer may write through a
 * symlink; such children are stored as recorded, never resolved).
 *
 * Memory, per record (a file, directory or link; history included): a
 * 24-byte struct fs_rec in a chunked array, its name once in a string pool,
 * and a 4-byte slot in its directory's table, kept at most 7/8 full (about
 * 48 bytes in all for a million files). Metadata tuples (type, mode, owner,
 * mtime, layer) are interned: images reuse a handful. What only some
 * records need (children and their table, symlink target, hard link,
 * history, captured content, sizes >= 4 GiB) lives in a 48-byte struct
 * fs_ext. No pointer is stored per record, and nothing is ever moved:
 * chunks of records, extensions and strings stay where they were allocated.
 * Per-directory tables keep the probes of a directory's entries, which
 * layers list together, in a few cache lines.
 *
 * Public nodes (struct moat_fs_node) are made on demand, after lookup and
 * friends ask for one, and kept (one per record) so the same path gives the
 * same pointer; mutations keep them current. The walker hands out a
 * temporary node for records nobody asked for before.
 */
#ifndef MOAT_FS_FS_INT_H
#define MOAT_FS_FS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/base/limits.h"
#include "moat/fs/fs.h"

#define FS_CHUNK_BYTES (256u * 1024u) /* content streamed to visitors per read() */

typedef uint32_t fs_ref; /* record number; 0 is no record */
#define FS_NONE 0u
#define FS_ROOT 1u
#define FS_REF_BITS 23u /* table slots keep 9 bits of hash beside a ref */
#define FS_REF_MASK ((1u << FS_REF_BITS) - 1)
_Static_assert(MOAT_MAX_NODES < FS_REF_MASK - 1, "refs must fit in FS_REF_BITS");
_Static_assert(MOAT_MAX_LAYERS < UINT16_MAX - 1, "layers are stored in 16 bits");

#define FS_NOSTR UINT32_MAX /* no string-pool offset */

/* struct fs_rec.flags */
#define FS_R_EXT 0x1u   /* aux is an fs_ext index */
#define FS_R_HIST 0x2u  /* an earlier version: in no table, skipped in child lists */
#define FS_R_MAT 0x4u   /* a public node was made for it */
#define FS_R_KEYED 0x8u /* found by its name in its parent (the current version) */

struct fs_rec {
    fs_ref parent;    /* FS_NONE for the root */
    fs_ref next;      /* next record in the parent's child list */
    uint32_t name;    /* string-pool offset of the last component */
    uint32_t meta;    /* interned struct fs_meta */
    uint32_t aux;     /* FS_R_EXT: ext index; else a regular file's size */
    uint16_t deleted; /* 1 + the layer whose whiteout removed it; 0 when live */
    uint16_t flags;
};

_Static_assert(sizeof(struct fs_rec) == 24, "a record is the per-file cost: keep it small");

struct fs_ext {
    uint64_t size;         /* a regular file's size */
    fs_ref first_child;    /* directories and symlinks written through */
    fs_ref prev;           /* the earlier version of this path */
    fs_ref hardlink;       /* the record this hard link shares content with */
    uint32_t link;         /* string-pool offset of a symlink's target, or FS_NOSTR */
    uint32_t opaque_layer; /* 1 + layer of the last opaque whiteout applied here, 0 none */
    uint32_t kids;         /* index of this directory's name table in fs->kids, 0 none yet */
    uint32_t listed;       /* records ever put in the child list */
    struct fs_blob *blob;  /* captured content */
};

struct fs_meta {
    int64_t mtime;
    uint32_t uid, gid;
    uint16_t mode; /* 07777 */
    uint16_t layer;
    uint8_t type; /* enum moat_ftype */
    uint8_t implicit;
    uint8_t pad[2]; /* zero: tuples are hashed and compared as bytes */
};

/* Metadata of a version about to be written (what layer.c knows of an entry). */
struct fs_attr {
    struct fs_meta m;
    uint64_t size;
    uint32_t link;   /* string-pool offset of the symlink target, or FS_NOSTR */
    fs_ref hardlink; /* FS_NONE unless a hard link */
};

/* A public node: the struct consumers see, plus where it came from. */
struct fs_pub {
    struct moat_fs_node pub; /* must stay first */
    struct moat_fs *fs;
    fs_ref ref;
};

static inline struct fs_pub *fs_pub_of(const struct moat_fs_node *p)
{
    return (struct fs_pub *)(uintptr_t)p;
}

/*
 * Put "what: " in front of the message a callee left for rc (or the bare
 * code's text when it left none) and return rc itself.
 */
static inline int fs_err_prefix(struct moat_err *err, int rc, const char *what)
{
    if (err == NULL)
        return rc;
    if (err->code == 0 || err->msg == NULL)
        return moat_err_set(err, -rc, "%s: %s", what, moat_strerror(rc));
    err->code = rc < 0 ? -rc : rc;
    moat_err_prefix(err, "%s", what);
    return rc;
}

/* Bump allocator for public nodes: freed all at once. */
struct fs_arena_block;
struct fs_arena {
    struct fs_arena_block *head;
    size_t bytes; /* total bytes obtained from malloc */
};

/* An array of fixed-size elements in chunks of 1 << shift that never move. */
struct fs_vec {
    unsigned char **chunks;
    size_t n_chunks, cap_chunks;
    uint32_t n;     /* elements in use */
    uint32_t shift; /* elements per chunk = 1 << shift */
    uint32_t size;  /* bytes per element */
};

/* NUL-terminated strings in 1 MiB chunks, named by a 32-bit offset. */
#define FS_POOL_SHIFT 20u
struct fs_pool {
    char **chunks;
    size_t n_chunks, cap_chunks;
    size_t used; /* bytes used in the last chunk */
    size_t bytes;
};

/*
 * Open-addressing table of 32-bit values (refs or meta indexes, below
 * 1 << FS_REF_BITS) with 9 bits of each value's hash kept in its slot, so a
 * probe rarely has to look at a record that does not match. Linear probing,
 * at most 7/8 full; values are replaced in place, never removed.
 */
struct fs_table {
    uint32_t *slots;
    uint32_t mask; /* slots - 1; slots is a power of two */
    uint32_t used;
};

/*
 * The values a table holds, for growing it: the next one after *cursor (0
 * to start) with its hash, 0 after the last. They come in the order they
 * are kept in memory, so growing reads records and names sequentially.
 */
typedef uint32_t (*fs_members_fn)(const struct moat_fs *fs, uint32_t ctx, uint32_t *cursor,
                                  uint32_t *hash);

/* Public nodes made so far, by ref. */
struct fs_pubmap {
    struct fs_pub **slots;
    size_t mask, used;
};

/* Captured content, reference-counted so hard links can share it. */
struct fs_blob {
    struct fs_blob *next, *prev; /* all live blobs, for moat_fs_free() */
    size_t refs;
    size_t len;
    unsigned char data[];
};

/* A capture pattern with its literal head, which rejects most paths with one memcmp. */
struct fs_capture {
    const char *pat;
    size_t len;
    size_t head;  /* bytes before the first wildcard or backslash */
    bool literal; /* no wildcard at all: a plain comparison decides */
};

struct moat_fs {
    struct fs_vec recs, exts, metas;
    struct fs_pool pool;
    struct fs_vec kids;     /* struct fs_table per big directory: name -> current child */
    struct fs_table mtable; /* struct fs_meta -> index in metas */
    uint64_t key[2];        /* SipHash key, random per view: names are hostile */
    uint32_t last_meta;     /* the tuple interned last (entries come in runs) */
    uint32_t empty_name;    /* pool offset of "" */
    struct fs_pubmap pubs;
    struct fs_arena arena; /* public nodes */
    size_t n_layers;
    int64_t last_layer;       /* last layer applied, -1 before the first */
    size_t n_nodes;           /* all records incl. history, against MOAT_MAX_NODES */
    struct moat_fs_opts opts; /* copy; pointed-to arrays belong to the caller */
    struct fs_capture *capture;
    bool *want;           /* per visitor, for the entry being streamed */
    unsigned char *chunk; /* FS_CHUNK_BYTES read buffer */
    struct fs_blob *blobs;
    size_t capture_total; /* bytes in live blobs, against MOAT_MAX_CAPTURE_TOTAL */
    uint64_t bytes;       /* declared content bytes of all entries so far */
    bool reader_failed;   /* the last error came from the layer reader (already labelled) */
    /* the directory the last entry went into: entries come grouped by directory */
    fs_ref dir_ref;
    size_t dir_len;
    char dir_path[MOAT_MAX_PATH_LEN + 1];
};

/* ---- storage: arena.c ---------------------------------------------------- */

void *fs_arena_alloc(struct fs_arena *a, size_t n);
void fs_arena_free(struct fs_arena *a);

void fs_vec_init(struct fs_vec *v, uint32_t size, uint32_t shift);
/* Append a zeroed element; 0 or -MOAT_E_NOMEM. */
int fs_vec_push(struct fs_vec *v, uint32_t *idx);
void fs_vec_free(struct fs_vec *v);

static inline void *fs_vec_at(const struct fs_vec *v, uint32_t i)
{
    return v->chunks[i >> v->shift] + (size_t)(i & ((1u << v->shift) - 1)) * v->size;
}

/* Copy s[0..n) and a NUL into the pool; 0, -MOAT_E_NOMEM or -MOAT_E_LIMIT (4 GiB of names). */
int fs_pool_add(struct fs_pool *p, const char *s, size_t n, uint32_t *off);
void fs_pool_free(struct fs_pool *p);

static inline const char *fs_pool_str(const struct fs_pool *p, uint32_t off)
{
    return p->chunks[off >> FS_POOL_SHIFT] + (off & ((1u << FS_POOL_SHIFT) - 1));
}

/* Bytes the view holds (records, strings, tables, public nodes; not captured content). */
size_t fs_mem_bytes(const struct moat_fs *fs);

/* ---- tables: table.c ------------------------------------------------------- */

/* An empty table of at least min_slots (a power of two); 0 or -MOAT_E_NOMEM. */
int fs_table_init(struct fs_table *t, uint32_t min_slots);
void fs_table_free(struct fs_table *t);
/*
 * The slot holding the value for which eq() is true among those with this
 * hash, or the empty slot where it would go (*slot == 0).
 */
uint32_t *fs_table_probe(const struct fs_table *t, uint32_t hash,
                         bool (*eq)(const struct moat_fs *fs, uint32_t v, const void *key),
                         const struct moat_fs *fs, const void *key);
/* Store v (not present yet) under hash, growing from members(fs, ctx); 0 or -MOAT_E_NOMEM. */
int fs_table_insert(struct fs_table *t, const struct moat_fs *fs, uint32_t v, uint32_t hash,
                    fs_members_fn members, uint32_t ctx);
/* Put v in the slot that holds old (same key). */
void fs_table_replace(struct fs_table *t, uint32_t old, uint32_t v, uint32_t hash);

/* ---- records: tree.c --------------------------------------------------------- */

static inline struct fs_rec *fs_rec(const struct moat_fs *fs, fs_ref r)
{
    return fs_vec_at(&fs->recs, r);
}

static inline struct fs_ext *fs_ext(const struct moat_fs *fs, fs_ref r)
{
    const struct fs_rec *x = fs_rec(fs, r);

    return (x->flags & FS_R_EXT) ? fs_vec_at(&fs->exts, x->aux) : NULL;
}

static inline const struct fs_meta *fs_meta(const struct moat_fs *fs, fs_ref r)
{
    return fs_vec_at(&fs->metas, fs_rec(fs, r)->meta);
}

static inline const char *fs_name(const struct moat_fs *fs, fs_ref r)
{
    return fs_pool_str(&fs->pool, fs_rec(fs, r)->name);
}

static inline enum moat_ftype fs_type(const struct moat_fs *fs, fs_ref r)
{
    return (enum moat_ftype)fs_meta(fs, r)->type;
}

static inline bool fs_live(const struct moat_fs *fs, fs_ref r)
{
    return fs_rec(fs, r)->deleted == 0;
}

static inline uint64_t fs_size(const struct moat_fs *fs, fs_ref r)
{
    const struct fs_rec *x = fs_rec(fs, r);

    if (x->flags & FS_R_EXT)
        return ((const struct fs_ext *)fs_vec_at(&fs->exts, x->aux))->size;
    return fs_type(fs, r) == MOAT_FT_REG ? x->aux : 0;
}

/* The first record of r's child list, current or not (FS_NONE when none). */
static inline fs_ref fs_first(const struct moat_fs *fs, fs_ref r)
{
    const struct fs_ext *e = fs_ext(fs, r);

    return e != NULL ? e->first_child : FS_NONE;
}

/* The current child of dir called name[0..len), live or deleted; FS_NONE if none. */
fs_ref fs_child(const struct moat_fs *fs, fs_ref dir, const char *name, size_t len);
/* Find the current record at a normalised path without following symlinks. */
fs_ref fs_find_exact(const struct moat_fs *fs, const char *path, size_t len);
/*
 * Make every parent component of path a live directory (or keep a live
 * symlink as it is) and return the record that will hold the last component.
 */
int fs_ensure_parents(struct moat_fs *fs, uint32_t layer, const char *path, size_t len,
                      fs_ref *parent, struct moat_err *err);
/*
 * Write a new version of the child `name` of parent (a->m.implicit etc. as
 * given). Takes a new reference on blob (may be NULL). *out is the current
 * record afterwards.
 */
int fs_put(struct moat_fs *fs, fs_ref parent, const char *name, size_t len, const struct fs_attr *a,
           struct fs_blob *blob, fs_ref *out, struct moat_err *err);
/* Update the root directory's metadata in place. */
int fs_put_root(struct moat_fs *fs, const struct fs_attr *a, struct moat_err *err);
/* Mark r and every live record below it deleted in layer. */
void fs_mark_deleted(struct moat_fs *fs, fs_ref r, uint32_t layer);
/* Opaque whiteout: delete what lower layers put below dir, keep this layer's. */
void fs_make_opaque(struct moat_fs *fs, fs_ref dir, uint32_t layer);
/* Make the root record (ref FS_ROOT) of an empty view. */
int fs_tree_init(struct moat_fs *fs, struct moat_err *err);

/* ---- public nodes: node.c -------------------------------------------------------- */

/* The public node of r, made on first use; NULL when out of memory. */
const struct moat_fs_node *fs_pub(const struct moat_fs *fs, fs_ref r);
/* Fill a node for r in place (the walker's temporaries); links to other nodes are made. */
int fs_pub_fill(const struct moat_fs *fs, fs_ref r, struct fs_pub *p,
                const struct moat_fs_node *parent);
/* Refill r's public node from its record. */
void fs_pub_sync(struct moat_fs *fs, fs_ref r);
/* After r changed: bring its public node (if any) up to date. */
static inline void fs_pub_touch(struct moat_fs *fs, fs_ref r)
{
    if (fs_rec(fs, r)->flags & FS_R_MAT)
        fs_pub_sync(fs, r);
}
void fs_pubmap_free(struct fs_pubmap *m);

/* ---- paths: path.c ----------------------------------------------------------- */

/*
 * Normalise in[0..in_len) into out (MOAT_MAX_PATH_LEN + 1 bytes). On failure
 * returns -MOAT_E_* and sets *why to a static reason.
 */
int fs_path_normalise(const char *in, size_t in_len, char *out, size_t *out_len, const char **why);
/* A printable, bounded copy of hostile text for error messages, in out (cap >= 8). */
const char *fs_path_quote(const char *s, size_t len, char *out, size_t cap);
#define FS_QUOTE_CAP 256

/* "layer N: entry 'p'" for errors, formatted on first use only. */
struct fs_what {
    uint32_t layer;
    const char *raw; /* the path as the layer recorded it */
    size_t raw_len;
    bool done;
    char buf[FS_QUOTE_CAP + 48];
};
const char *fs_what(struct fs_what *w);

/* ---- content: content.c ---------------------------------------------------------- */

struct fs_blob *fs_blob_new(struct moat_fs *fs, size_t len);
void fs_blob_ref(struct fs_blob *b);
void fs_blob_unref(struct moat_fs *fs, struct fs_blob *b);
/* Drop the captured content a record holds (replaced or deleted versions). */
void fs_rec_drop_data(struct moat_fs *fs, fs_ref r);
/* Compile opts->capture for fs_capture_match(); 0 or -MOAT_E_NOMEM. */
int fs_capture_init(struct moat_fs *fs);
bool fs_capture_match(const struct moat_fs *fs, const char *path, size_t len);
/*
 * Report one entry to the visitors and, for regular files, stream its
 * content in one read pass to those that want it and into a capture blob
 * when capture is set (*blob, caller unrefs). `what` names the entry in
 * errors.
 */
int fs_stream_entry(struct moat_fs *fs, uint32_t layer, const char *path,
                    const struct moat_fs_node *node, bool capture, struct moat_entry_reader *r,
                    struct fs_what *what, struct fs_blob **blob, struct moat_err *err);

#endif
