/*
 * fs.h - the merged, read-only view of an image's layers.
 *
 * moat_fs_build() reads every layer once, in order, applying OCI whiteouts
 * (".wh.NAME", ".wh..wh..opq"), hard links and overrides to an in-memory
 * tree of metadata. Nothing is extracted to the host. Each node remembers
 * the layer that wrote it; files a later layer deleted or replaced stay
 * reachable (moat_fs_node.prev, deleted_in) because secrets hide there.
 *
 * File contents are not kept, except files whose normalised path matches a
 * "capture" pattern a consumer registered (package databases): those are
 * held in memory, bounded by MOAT_MAX_CAPTURE_*. Consumers that need every
 * byte of every layer (the secret scanner) register a visitor instead; the
 * walker streams each file's content to all visitors in one pass.
 *
 * Paths in this API are normalised: relative to the image root, no leading
 * "/" or "./", no "." or ".." components, no trailing "/"; the root is "".
 *
 * Memory: the view keeps about 24 bytes per path version plus its name and
 * a table slot (about 50 bytes per file in all, see fs_int.h), whatever
 * the image; a struct moat_fs_node is made only when a caller asks for one
 * (lookup, root, first_child, next_sibling) and then kept, so asking twice
 * gives the same pointer. A view is not safe to use from two threads at
 * once, lookups included.
 */
#ifndef MOAT_FS_FS_H
#define MOAT_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/source/entry.h"
#include "moat/source/image.h"

struct moat_fs_node {
    const char *name;            /* last path component ("" for the root) */
    struct moat_fs_node *parent; /* NULL for the root */
    enum moat_ftype type;        /* hard links appear as MOAT_FT_REG with hardlink set */
    uint32_t mode, uid, gid;
    uint64_t size;
    int64_t mtime;
    const char *link;              /* symlink target as recorded; NULL otherwise */
    struct moat_fs_node *hardlink; /* the node this hard link shares content with */
    uint32_t layer;                /* index of the layer that wrote this version */
    int32_t deleted_in;            /* layer whose whiteout removed it, or -1 */
    bool implicit;                 /* directory created only because a child needed it */
    struct moat_fs_node *prev;     /* earlier version of the same path (replaced or deleted) */
    const unsigned char *data;     /* captured content, or NULL when not captured */
    size_t data_len;
};

/* Called for each entry as it streams, before the tree is updated. */
struct moat_fs_visitor {
    void *ctx;
    /*
     * A new entry in layer `layer` at normalised `path` (node holds its
     * metadata only: no parent, not yet in the tree; a hard link's
     * hardlink is a temporary with its target's metadata). Set *want_content to
     * receive its bytes through chunk(); only regular files that are not
     * hard links carry bytes. Whiteout entries are reported with type 0 at
     * their own path ("etc/.wh.shadow", "d/.wh..wh..opq") and not streamed.
     * end() follows every begin(), after the last chunk. All content is
     * read once, whatever the number of visitors; content nobody wants (and
     * that is not captured) is never read.
     */
    int (*begin)(void *ctx, uint32_t layer, const char *path, const struct moat_fs_node *node,
                 bool *want_content, struct moat_err *err);
    int (*chunk)(void *ctx, const void *data, size_t len, struct moat_err *err);
    int (*end)(void *ctx, struct moat_err *err);
};

struct moat_fs_opts {
    /* fnmatch(3) patterns (FNM_PATHNAME) on normalised paths, e.g. "var/lib/dpkg/status" */
    const char *const *capture;
    size_t n_capture;
    const struct moat_fs_visitor *visitors;
    size_t n_visitors;
    /* Progress: after each layer, with the content bytes of the layers so far; may be NULL. */
    void (*progress)(void *ctx, size_t layer, size_t n_layers, uint64_t bytes);
    void *progress_ctx;
};

struct moat_fs;

/*
 * Read all layers of img into a merged view. Fails (and frees everything) on
 * any layer digest mismatch, unsafe path or exceeded bound; the error names
 * the layer and the entry.
 */
int moat_fs_build(struct moat_image *img, const struct moat_fs_opts *opts, struct moat_fs **out,
                  struct moat_err *err);
void moat_fs_free(struct moat_fs *fs);

/*
 * The two steps moat_fs_build() is made of, for callers (and tests) that
 * read layers themselves. moat_fs_new() makes an empty view (a root
 * directory only) for n_layers layers; opts (may be NULL) is copied, but the
 * patterns and visitors it points to must outlive the view. Free with
 * moat_fs_free().
 *
 * moat_fs_apply_layer() merges one layer read from r; layers must be applied
 * in increasing order and below n_layers. It does NOT close r: the caller
 * closes it and must discard the view if close() reports a digest mismatch.
 * On error the view is left consistent but partial; free it.
 */
int moat_fs_new(size_t n_layers, const struct moat_fs_opts *opts, struct moat_fs **out,
                struct moat_err *err);
int moat_fs_apply_layer(struct moat_fs *fs, uint32_t layer, struct moat_entry_reader *r,
                        struct moat_err *err);

const struct moat_fs_node *moat_fs_root(const struct moat_fs *fs);
size_t moat_fs_layer_count(const struct moat_fs *fs);

/*
 * Look up a normalised or absolute path in the merged view, following
 * symlinks only inside the image root ("/.." stays at "/", absolute targets
 * restart at the image root, at most MOAT_MAX_LINK_HOPS hops). With
 * follow_last false the final component is not followed (lstat). Returns 0
 * and *out, -MOAT_E_NOTFOUND, or -MOAT_E_LIMIT on a loop. Deleted nodes are
 * invisible here.
 */
int moat_fs_lookup(const struct moat_fs *fs, const char *path, bool follow_last,
                   const struct moat_fs_node **out, struct moat_err *err);

/*
 * Content captured for a path (after lookup, following hard links); NULL if
 * not captured. Owned by the view; NUL-terminated after *len bytes. A hard
 * link shares its target's content only when the target's own path was
 * captured (the link entry carries no bytes).
 */
const unsigned char *moat_fs_content(const struct moat_fs_node *node, size_t *len);

/* Write the normalised path of node into buf (cap bytes incl. NUL). -MOAT_E_LIMIT if too small. */
int moat_fs_node_path(const struct moat_fs_node *node, char *buf, size_t cap);

/*
 * Children of a directory (live and deleted; the current version of each
 * child path, in no particular order); iterate with first/next. A path
 * that was a directory and became a file keeps the old children under the
 * old version (node->prev). Entries a layer wrote through a symlinked
 * directory ("lib/x" while "lib" -> "usr/lib") stay under the symlink as
 * recorded: never resolved at insert time, reached by walk, not by lookup.
 */
const struct moat_fs_node *moat_fs_first_child(const struct moat_fs_node *dir);
const struct moat_fs_node *moat_fs_next_sibling(const struct moat_fs_node *node);

/*
 * Visit every live node depth-first (parents before children, siblings in
 * strcmp order of their names), starting with the root at path "". fn
 * returns 0 to continue, >0 to stop early (returned as is), <0 on error.
 * A node a caller already obtained (lookup, root, first_child,
 * next_sibling) is passed as that same pointer; any other node, and its
 * parent chain, is a temporary that is valid only until fn returns (look
 * the path up to keep one). Its hardlink and prev are kept nodes.
 */
int moat_fs_walk(const struct moat_fs *fs,
                 int (*fn)(void *ctx, const char *path, const struct moat_fs_node *node),
                 void *ctx);

#endif
