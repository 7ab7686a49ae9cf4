/*
 * ref.c - parse an image reference: "docker-archive:PATH[:REF]",
 * "oci-archive:PATH[:REF]", "oci:DIR[:TAG]", "dir:PATH" (skopeo's names; as
 * skopeo, the first ':' after the path ends it unless the whole string names
 * an existing file), or a bare path auto-detected from what is there: a
 * directory with oci-layout is oci:, another directory dir:, a tar with
 * manifest.json docker-archive:, a tar with oci-layout + index.json
 * oci-archive:.
 * Must not open images beyond peeking at the outer tar's member names.
 */
#include "source_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *prefix;
    enum source_transport t;
} transports[] = {
    {"docker-archive:", SOURCE_T_DOCKER_ARCHIVE},
    {"oci-archive:", SOURCE_T_OCI_ARCHIVE},
    {"oci:", SOURCE_T_OCI},
    {"dir:", SOURCE_T_DIR},
};

static const char *const later[] = {"docker://",
                                    "docker-daemon:", "containers-storage:", "ostree:", "sif:"};

/* Peek into a tar file to tell docker-archive from oci-archive. */
static int detect_tar(const char *path, int fd, const struct stat *st, enum source_transport *out,
                      struct moat_err *err)
{
    struct source_range r = {fd, 0, NULL, 0, (uint64_t)st->st_size};
    struct source_tar_index ix;
    const struct source_tar_member *m;
    int rc;

    rc = source_tar_index_build(&r, path, &ix, err);
    if (rc < 0)
        return rc;
    if (source_tar_find(&ix, "manifest.json", path, &m, NULL) == 0)
        *out = SOURCE_T_DOCKER_ARCHIVE;
    else if (source_tar_find(&ix, "oci-layout", path, &m, NULL) == 0 &&
             source_tar_find(&ix, "index.json", path, &m, NULL) == 0)
        *out = SOURCE_T_OCI_ARCHIVE;
    else
        rc = moat_err_set(err, MOAT_E_UNSUPPORTED,
                          "%s: a tar archive but neither a docker-archive (no manifest.json) nor "
                          "an oci-archive (no oci-layout/index.json)",
                          path);
    source_tar_index_free(&ix);
    return rc;
}

static int autodetect(const char *path, struct source_ref *out, struct moat_err *err)
{
    struct stat st;
    int fd = -1, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO,
                          "%s: %s (not a file, directory or known transport)", path,
                          strerror(errno));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        out->transport = faccessat(fd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? SOURCE_T_OCI
                                                                                     : SOURCE_T_DIR;
    } else if (S_ISREG(st.st_mode)) {
        rc = detect_tar(path, fd, &st, &out->transport, err);
    } else {
        rc = moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: neither a file nor a directory", path);
    }
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Split "PATH[:REF]" as skopeo does, unless the whole string exists. */
static int split_path(const char *rest, struct source_ref *out, struct moat_err *err)
{
    const char *colon = strchr(rest, ':');
    struct stat st;

    if (colon == NULL || stat(rest, &st) == 0) {
        out->path = strdup(rest);
    } else {
        out->path = strndup(rest, (size_t)(colon - rest));
        out->tag = strdup(colon + 1);
        if (out->tag == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        if (out->tag[0] == '\0') {
            free(out->tag);
            out->tag = NULL;
        }
    }
    if (out->path == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    return 0;
}

int source_ref_parse(const char *ref, struct source_ref *out, struct moat_err *err)
{
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (ref == NULL || ref[0] == '\0')
        return moat_err_set(err, MOAT_E_ARG, "empty image reference");
    for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
        if (strncmp(ref, later[i], strlen(later[i])) == 0)
            return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: transport not supported yet", ref);
    for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
        size_t plen = strlen(transports[i].prefix);

        if (strncmp(ref, transports[i].prefix, plen) != 0)
            continue;
        out->transport = transports[i].t;
        if (ref[plen] == '\0') {
            rc = moat_err_set(err, MOAT_E_ARG, "%s: no path", ref);
            goto out;
        }
        if (out->transport == SOURCE_T_DIR) {
            out->path = strdup(ref + plen);
            if (out->path == NULL)
                rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        } else {
            rc = split_path(ref + plen, out, err);
        }
        goto out;
    }
    out->path = strdup(ref);
    if (out->path == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    rc = autodetect(ref, out, err);
out:
    if (rc < 0)
        source_ref_free(out);
    return rc;
}

void source_ref_free(struct source_ref *r)
{
    if (r == NULL)
        return;
    free(r->path);
    free(r->tag);
    memset(r, 0, sizeof(*r));
}
