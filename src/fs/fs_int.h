/*
 * fs_int.h - internals shared by the files of the fs/ room; nothing outside
 * src/fs may include it.
 *
 * Model: the tree is keyed by path. Every path that any layer wrote has one
 * *current* node (live, or deleted by a whiteout) reachable from the root
 * through first_child/next_sib and through the (parent, name) hash table.
 * Older versions of a path hang off pub.prev and are in neither.
 *
 * A directory object stays a directory for its whole life: rewriting a
 * live directory with a directory updates it in place (children stay
 * attached) and pushes a snapshot of the old metadata onto prev. Every
 * other rewrite, including re-creating a deleted directory, allocates a new
 * node that takes the old one's place in its parent's list and in the
 * table, so hard links keep pointing at the version they named and a
 * deleted subtree stays with the version it belonged to (no rescans).
 * Hence a non-directory object never has children, except that a symlink
 * may gain children when a layer writes through it (stored as recorded,
 * never resolved at insert time).
 */
#ifndef MOAT_FS_FS_INT_H
#define MOAT_FS_FS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/error.h"
#include "fs.h"

#define FS_CHUNK_BYTES (256u * 1024u) /* content streamed to visitors per read() */

struct fs_node {
    struct moat_fs_node pub;     /* must stay first: public pointers are fs_node pointers */
    struct fs_node *first_child; /* current version of each child path */
    struct fs_node *next_sib, *prev_sib;
    uint32_t hash;               /* of (parent, name), for table growth */
    uint32_t opaque_layer;       /* 1 + layer of the last opaque whiteout applied here, 0 none */
};

/* The internal node behind a public pointer (all nodes are fs_nodes). */
static inline struct fs_node *fs_node_of(const struct moat_fs_node *p)
{
    return (struct fs_node *)(uintptr_t)p;
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

/* Bump allocator for nodes and strings: freed all at once. */
struct fs_arena_block;
struct fs_arena {
    struct fs_arena_block *head;
    size_t bytes; /* total bytes obtained from malloc */
};

/* Open-addressing table of current nodes keyed by (parent pointer, name). */
struct fs_table {
    struct fs_node **slots;
    size_t mask;  /* slots - 1; slots is a power of two */
    size_t used;
    uint64_t key[2]; /* SipHash key, random per view: names are hostile */
};

/* Captured content, reference-counted so hard links can share it. */
struct fs_blob {
    struct fs_blob *next, *prev; /* all live blobs, for moat_fs_free() */
    size_t refs;
    size_t len;
    unsigned char data[];
};

struct moat_fs {
    struct fs_arena arena;
    struct fs_table table;
    struct fs_node *root;
    size_t n_layers;
    int64_t last_layer;       /* last layer applied, -1 before the first */
    size_t n_nodes;           /* all nodes incl. history, against MOAT_MAX_NODES */
    struct moat_fs_opts opts; /* copy; pointed-to arrays belong to the caller */
    bool *want;               /* per visitor, for the entry being streamed */
    unsigned char *chunk;     /* FS_CHUNK_BYTES read buffer */
    struct fs_blob *blobs;
    size_t capture_total;     /* bytes in live blobs, against MOAT_MAX_CAPTURE_TOTAL */
    uint64_t bytes;           /* declared content bytes of all entries so far */
    bool reader_failed;       /* the last error came from the layer reader (already labelled) */
};

/* arena.c */
void *fs_arena_alloc(struct fs_arena *a, size_t n);
char *fs_arena_strndup(struct fs_arena *a, const char *s, size_t n);
void fs_arena_free(struct fs_arena *a);

/* table.c */
int fs_table_init(struct fs_table *t);
void fs_table_free(struct fs_table *t);
uint32_t fs_table_hash(const struct fs_table *t, const struct fs_node *parent, const char *name,
                       size_t len);
struct fs_node *fs_table_find(const struct fs_table *t, const struct fs_node *parent,
                              const char *name, size_t len);
/* Insert n (its hash already set); 0 or -MOAT_E_NOMEM. */
int fs_table_insert(struct fs_table *t, struct fs_node *n);
/* Put n in the slot that holds old (same parent and name). */
void fs_table_replace(struct fs_table *t, struct fs_node *old, struct fs_node *n);

/* path.c */
/*
 * Normalise in[0..in_len) into out (MOAT_MAX_PATH_LEN + 1 bytes). On failure
 * returns -MOAT_E_* and sets *why to a static reason.
 */
int fs_path_normalise(const char *in, size_t in_len, char *out, size_t *out_len,
                      const char **why);
/* A printable, bounded copy of hostile text for error messages, in out (cap >= 8). */
const char *fs_path_quote(const char *s, size_t len, char *out, size_t cap);
#define FS_QUOTE_CAP 256

/* tree.c */
int fs_node_new(struct moat_fs *fs, struct fs_node **out, struct moat_err *err);
struct fs_node *fs_child(const struct moat_fs *fs, const struct fs_node *dir, const char *name,
                         size_t len);
/* Find the current node at a normalised path without following symlinks; NULL if none. */
struct fs_node *fs_find_exact(const struct moat_fs *fs, const char *path, size_t len);
/*
 * Make every parent component of path a live directory (or keep a live
 * symlink as it is) and return the node that will hold the last component.
 */
int fs_ensure_parents(struct moat_fs *fs, uint32_t layer, const char *path, size_t len,
                      struct fs_node **parent, struct moat_err *err);
/*
 * Write a new version of the child `name` of parent with metadata from m
 * (name/parent/prev/deleted_in ignored). Takes a new reference on blob
 * (may be NULL). *out is the current node afterwards.
 */
int fs_put(struct moat_fs *fs, struct fs_node *parent, const char *name, size_t len,
           const struct moat_fs_node *m, struct fs_blob *blob, struct fs_node **out,
           struct moat_err *err);
/* Update the root directory's metadata in place. */
int fs_put_root(struct moat_fs *fs, const struct moat_fs_node *m, struct moat_err *err);
/* Mark n and every live node below it deleted in layer. */
void fs_mark_deleted(struct moat_fs *fs, struct fs_node *n, uint32_t layer);
/* Opaque whiteout: delete what lower layers put below dir, keep this layer's. */
void fs_make_opaque(struct moat_fs *fs, struct fs_node *dir, uint32_t layer);

/* content.c */
struct fs_blob *fs_blob_new(struct moat_fs *fs, size_t len);
void fs_blob_ref(struct fs_blob *b);
void fs_blob_unref(struct moat_fs *fs, struct fs_blob *b);
struct fs_blob *fs_blob_of(const unsigned char *data);
/* Drop the captured content a node holds (replaced or deleted versions). */
void fs_node_drop_data(struct moat_fs *fs, struct fs_node *n);
bool fs_capture_match(const struct moat_fs *fs, const char *path);
/*
 * Report one entry to the visitors and, for regular files, stream its
 * content in one read pass to those that want it and into a capture blob
 * when capture is set (*blob, caller unrefs). `what` names the entry in
 * errors ("layer 3: entry 'x'").
 */
int fs_stream_entry(struct moat_fs *fs, uint32_t layer, const char *path,
                    const struct moat_fs_node *node, bool capture, struct moat_entry_reader *r,
                    const char *what, struct fs_blob **blob, struct moat_err *err);

#endif
