/*
 * resolve.c - find nodes by path the way the kernel would inside a chroot
 * of the image: a component walk that follows symlinks, where absolute
 * targets restart at the image root, ".." at the root stays there, and at
 * most MOAT_MAX_LINK_HOPS links are followed. Deleted nodes are invisible.
 * Also turns a node back into its normalised path. Must not change the tree
 * and must never look outside it (there is no host filesystem here).
 */
#include "fs_int.h"

#include "moat/base/limits.h"

#include <string.h>

#define LOOKUP_CAP (2 * MOAT_MAX_PATH_LEN + 2)

static int lookup_fail(struct moat_err *err, int code, const char *path, const char *why)
{
    char q[FS_QUOTE_CAP];

    return moat_err_set(err, code, "'%s' %s", fs_path_quote(path, strlen(path), q, sizeof(q)), why);
}

int moat_fs_lookup(const struct moat_fs *fs, const char *path, bool follow_last,
                   const struct moat_fs_node **out, struct moat_err *err)
{
    char buf[LOOKUP_CAP]; /* the components still to walk */
    fs_ref cur, c;
    size_t len, pos = 0, end, hops = 0;

    if (out != NULL)
        *out = NULL;
    if (fs == NULL || path == NULL || out == NULL)
        return moat_err_set(err, MOAT_E_ARG, "moat_fs_lookup: missing argument");
    len = strlen(path);
    if (len > MOAT_MAX_PATH_LEN)
        return lookup_fail(err, MOAT_E_LIMIT, path, "is longer than MOAT_MAX_PATH_LEN");
    memcpy(buf, path, len);
    end = len;
    cur = FS_ROOT;
    while (pos < end) {
        size_t j, k, clen;
        bool last;

        while (pos < end && buf[pos] == '/')
            pos++;
        if (pos == end)
            break;
        for (j = pos; j < end && buf[j] != '/'; j++)
            ;
        for (k = j; k < end && buf[k] == '/'; k++)
            ;
        last = k == end;
        clen = j - pos;
        if (fs_type(fs, cur) != MOAT_FT_DIR)
            return lookup_fail(err, MOAT_E_NOTFOUND, path, "has a non-directory in its path");
        if (clen == 1 && buf[pos] == '.') {
            pos = j;
            continue;
        }
        if (clen == 2 && buf[pos] == '.' && buf[pos + 1] == '.') {
            if (fs_rec(fs, cur)->parent != FS_NONE)
                cur = fs_rec(fs, cur)->parent;
            pos = j;
            continue;
        }
        c = fs_child(fs, cur, buf + pos, clen);
        if (c == FS_NONE || !fs_live(fs, c))
            return lookup_fail(err, MOAT_E_NOTFOUND, path, "not found in the image");
        pos = j;
        if (fs_type(fs, c) == MOAT_FT_SYMLINK && (!last || follow_last)) {
            const struct fs_ext *e = fs_ext(fs, c);
            const char *link =
                e != NULL && e->link != FS_NOSTR ? fs_pool_str(&fs->pool, e->link) : NULL;
            size_t llen = link != NULL ? strlen(link) : 0, rest = end - pos;

            if (++hops > MOAT_MAX_LINK_HOPS)
                return lookup_fail(err, MOAT_E_LIMIT, path, "runs into a symlink loop");
            if (llen == 0)
                return lookup_fail(err, MOAT_E_NOTFOUND, path, "goes through an empty symlink");
            if (llen > LOOKUP_CAP - 1 - rest)
                return lookup_fail(err, MOAT_E_LIMIT, path,
                                   "grows too long while following symlinks");
            /* the rest of the path now follows the link's target */
            memmove(buf + llen + 1, buf + pos, rest);
            memcpy(buf, link, llen);
            buf[llen] = '/';
            end = llen + 1 + rest;
            pos = 0;
            if (link[0] == '/')
                cur = FS_ROOT;
            continue;
        }
        cur = c;
    }
    *out = fs_pub(fs, cur);
    if (*out == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory looking up a path");
    return 0;
}

int moat_fs_node_path(const struct moat_fs_node *node, char *buf, size_t cap)
{
    size_t len = 0, at;

    if (node == NULL || buf == NULL || cap == 0)
        return -MOAT_E_ARG;
    for (const struct moat_fs_node *n = node; n->parent != NULL; n = n->parent)
        len += strlen(n->name) + (n->parent->parent != NULL ? 1 : 0);
    if (len >= cap)
        return -MOAT_E_LIMIT;
    buf[len] = '\0';
    at = len;
    for (const struct moat_fs_node *n = node; n->parent != NULL; n = n->parent) {
        size_t nl = strlen(n->name);

        at -= nl;
        memcpy(buf + at, n->name, nl);
        if (n->parent->parent != NULL)
            buf[--at] = '/';
    }
    return 0;
}
