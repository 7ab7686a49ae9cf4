/*
 * layer_dir.c - an unpacked root filesystem on the host (dir:PATH) as one
 * layer: a depth-first walk in sorted name order (deterministic), read-only,
 * that never follows a host symlink (openat/fstatat with O_NOFOLLOW and
 * AT_SYMLINK_NOFOLLOW; symlinks are reported with their target), does not
 * cross into other file systems (like find -xdev: /proc under a root stays
 * unread) and is bounded in depth and path length.
 * Must not write, chmod or follow anything on the host; has no digests.
 */
#include "source_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/base/limits.h"

struct level {
    int fd;
    char **names;
    size_t n, i;
    size_t prefix; /* bytes of path before this directory's children */
};

struct layer_dir {
    struct moat_entry_reader base;
    char *root;
    dev_t dev;
    struct level *lv;
    size_t depth;
    uint64_t entries;
    char path[MOAT_MAX_PATH_LEN + 2];
    char link[MOAT_MAX_PATH_LEN + 2];
    /* the current regular file */
    int cur_parent;
    const char *cur_name;
    struct stat cur_st;
    int cur_fd;
    uint64_t cur_left;
    int *busy;
};

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **v, size_t n)
{
    source_strv_free(v, n);
}

/* Take ownership of fd (an open directory) and push its sorted entries. */
static int push(struct layer_dir *d, int fd, size_t prefix, struct moat_err *err)
{
    DIR *dir = NULL;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int dfd = -1, rc = 0;

    if (d->depth >= MOAT_MAX_PATH_DEPTH) {
        rc = moat_err_set(err, MOAT_E_LIMIT, "%s: %.200s: deeper than %u directories", d->root,
                          d->path, MOAT_MAX_PATH_DEPTH);
        goto out;
    }
    dfd = dup(fd);
    if (dfd < 0 || (dir = fdopendir(dfd)) == NULL) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path, strerror(errno));
        goto out;
    }
    dfd = -1;
    errno = 0;
    while ((de = readdir(dir)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (d->entries + n >= MOAT_MAX_ENTRIES_PER_LAYER) {
            rc = moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u entries", d->root,
                              MOAT_MAX_ENTRIES_PER_LAYER);
            goto out;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **nn = realloc(names, nc * sizeof(*nn));

            if (nn == NULL) {
                rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", d->root);
                goto out;
            }
            names = nn;
            cap = nc;
        }
        names[n] = strdup(de->d_name);
        if (names[n] == NULL) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", d->root);
            goto out;
        }
        n++;
        errno = 0;
    }
    if (errno != 0) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path, strerror(errno));
        goto out;
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_name);
    d->lv[d->depth].fd = fd;
    d->lv[d->depth].names = names;
    d->lv[d->depth].n = n;
    d->lv[d->depth].i = 0;
    d->lv[d->depth].prefix = prefix;
    d->depth++;
    names = NULL;
    fd = -1;
out:
    if (dir != NULL)
        closedir(dir);
    if (dfd >= 0)
        close(dfd);
    if (fd >= 0)
        close(fd);
    free_names(names, n);
    return rc;
}

static void pop(struct layer_dir *d)
{
    struct level *l = &d->lv[--d->depth];

    close(l->fd);
    free_names(l->names, l->n);
    memset(l, 0, sizeof(*l));
}

static void end_file(struct layer_dir *d)
{
    if (d->cur_fd >= 0)
        close(d->cur_fd);
    d->cur_fd = -1;
    d->cur_name = NULL;
    d->cur_left = 0;
}

static int fill(struct layer_dir *d, struct level *l, const char *name, struct stat *st,
                struct moat_entry *e, struct moat_err *err)
{
    memset(e, 0, sizeof(*e));
    e->path = d->path;
    e->path_len = strlen(d->path);
    e->mode = (uint32_t)st->st_mode & 07777u;
    e->uid = (uint32_t)st->st_uid;
    e->gid = (uint32_t)st->st_gid;
    e->mtime = (int64_t)st->st_mtime;
    switch (st->st_mode & S_IFMT) {
    case S_IFREG:
        e->type = MOAT_FT_REG;
        e->size = (uint64_t)st->st_size;
        d->cur_parent = l->fd;
        d->cur_name = name;
        d->cur_st = *st;
        d->cur_left = e->size;
        break;
    case S_IFDIR:
        e->type = MOAT_FT_DIR;
        break;
    case S_IFCHR:
        e->type = MOAT_FT_CHR;
        break;
    case S_IFBLK:
        e->type = MOAT_FT_BLK;
        break;
    case S_IFIFO:
        e->type = MOAT_FT_FIFO;
        break;
    case S_IFSOCK:
        e->type = MOAT_FT_SOCK;
        break;
    case S_IFLNK: {
        ssize_t k = readlinkat(l->fd, name, d->link, MOAT_MAX_PATH_LEN + 1);

        if (k < 0)
            return moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path,
                                strerror(errno));
        if ((size_t)k > MOAT_MAX_PATH_LEN)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: %.200s: link target too long", d->root,
                                d->path);
        d->link[k] = '\0';
        e->type = MOAT_FT_SYMLINK;
        e->link = d->link;
        e->link_len = (size_t)k;
        break;
    }
    default:
        return moat_err_set(err, MOAT_E_FORMAT, "%s: %.200s: unknown file type", d->root, d->path);
    }
    return 1;
}

/* Open the directory just reported and push it, unless it is on another device. */
static int descend(struct layer_dir *d, struct level *l, const char *name, const struct stat *st,
                   size_t plen, struct moat_err *err)
{
    struct stat st2;
    int fd;

    if (st->st_dev != d->dev)
        return 0;
    fd = openat(l->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path, strerror(errno));
    if (fstat(fd, &st2) < 0 || st2.st_ino != st->st_ino || st2.st_dev != st->st_dev) {
        close(fd);
        return moat_err_set(err, MOAT_E_IO, "%s: %.200s: changed while being read", d->root,
                            d->path);
    }
    if (plen + 1 > MOAT_MAX_PATH_LEN) {
        close(fd);
        return moat_err_set(err, MOAT_E_LIMIT, "%s: %.200s: path too long", d->root, d->path);
    }
    d->path[plen] = '/';
    d->path[plen + 1] = '\0';
    return push(d, fd, plen + 1, err);
}

static int d_next(struct moat_entry_reader *r, struct moat_entry *e, struct moat_err *err)
{
    struct layer_dir *d = (struct layer_dir *)r;

    end_file(d);
    while (d->depth > 0) {
        struct level *l = &d->lv[d->depth - 1];
        const char *name;
        size_t nlen, plen;
        struct stat st;
        int rc;

        if (l->i >= l->n) {
            pop(d);
            continue;
        }
        name = l->names[l->i++];
        nlen = strlen(name);
        if (l->prefix + nlen > MOAT_MAX_PATH_LEN)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: a path under %.200s is too long", d->root,
                                d->path);
        if (l->prefix > 0)
            d->path[l->prefix - 1] = '/'; /* the parent's entry ended the string there */
        memcpy(d->path + l->prefix, name, nlen + 1);
        plen = l->prefix + nlen;
        if (fstatat(l->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT)
                continue; /* removed while walking */
            return moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path,
                                strerror(errno));
        }
        d->entries++;
        rc = fill(d, l, name, &st, e, err);
        if (rc < 0)
            return rc;
        if (S_ISDIR(st.st_mode)) {
            rc = descend(d, l, name, &st, plen, err);
            if (rc < 0)
                return rc;
            d->path[plen] = '\0'; /* report "a/b", children get "a/b/" */
        }
        return 1;
    }
    return 0;
}

static ssize_t d_read(struct moat_entry_reader *r, void *buf, size_t n, struct moat_err *err)
{
    struct layer_dir *d = (struct layer_dir *)r;
    struct stat st;
    ssize_t k;

    if (d->cur_name == NULL || d->cur_left == 0)
        return 0;
    if (d->cur_fd < 0) {
        d->cur_fd = openat(d->cur_parent, d->cur_name,
                           O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (d->cur_fd < 0)
            return moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path,
                                strerror(errno));
        if (fstat(d->cur_fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != d->cur_st.st_ino ||
            st.st_dev != d->cur_st.st_dev)
            return moat_err_set(err, MOAT_E_IO, "%s: %.200s: changed while being read", d->root,
                                d->path);
    }
    if (n > d->cur_left)
        n = (size_t)d->cur_left;
    do {
        k = read(d->cur_fd, buf, n);
    } while (k < 0 && errno == EINTR);
    if (k < 0)
        return moat_err_set(err, MOAT_E_IO, "%s: %.200s: %s", d->root, d->path, strerror(errno));
    if (k == 0)
        return moat_err_set(err, MOAT_E_IO, "%s: %.200s: shrank while being read", d->root,
                            d->path);
    d->cur_left -= (uint64_t)k;
    return k;
}

static int d_close(struct moat_entry_reader *r, struct moat_err *err)
{
    struct layer_dir *d = (struct layer_dir *)r;

    (void)err;
    if (d == NULL)
        return 0;
    end_file(d);
    while (d->depth > 0)
        pop(d);
    if (d->busy != NULL)
        *d->busy = 0;
    free(d->lv);
    free(d->root);
    free(d);
    return 0;
}

static const struct moat_entry_reader_ops dir_ops = {d_next, d_read, d_close};

int source_layer_dir_open(const char *path, int *busy, struct moat_entry_reader **out,
                          struct moat_err *err)
{
    struct layer_dir *d;
    struct stat st;
    int fd = -1, rc = 0;

    *out = NULL;
    d = calloc(1, sizeof(*d));
    if (d == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    d->base.ops = &dir_ops;
    d->cur_fd = -1;
    d->root = strdup(path);
    d->lv = calloc(MOAT_MAX_PATH_DEPTH, sizeof(*d->lv));
    if (d->root == NULL || d->lv == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
        goto out;
    }
    /* the root itself may be reached through a symlink the user named; below it, never */
    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                          strerror(errno));
        goto out;
    }
    d->dev = st.st_dev;
    rc = push(d, fd, 0, err);
    fd = -1;
    if (rc < 0)
        goto out;
    *out = &d->base;
    d->busy = busy;
    d = NULL;
out:
    if (fd >= 0)
        close(fd);
    if (d != NULL)
        d_close(&d->base, NULL);
    return rc;
}
