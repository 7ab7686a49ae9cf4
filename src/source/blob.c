/*
 * blob.c - read a blob sequentially in SOURCE_IO_CHUNK pieces, hashing the
 * raw bytes (SHA-256, OpenSSL EVP) as they pass, so the blob digest costs
 * no second read. Memory ranges are handed out without copying.
 * Must not interpret the bytes (decompress.c does that).
 */
#include "source_internal.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

int source_blob_init(struct source_blob *b, const struct source_range *r, int hash,
                     const char *label, struct moat_err *err)
{
    int rc = 0;

    memset(b, 0, sizeof(*b));
    b->r = *r;
    b->label = label;
    if (r->fd >= 0) {
        b->buf = malloc(SOURCE_IO_CHUNK);
        if (b->buf == NULL) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
            goto out;
        }
        (void)posix_fadvise(r->fd, (off_t)r->off, (off_t)r->size, POSIX_FADV_SEQUENTIAL);
    }
    if (hash) {
        b->md = EVP_MD_CTX_new();
        if (b->md == NULL || EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "%s: cannot start sha256", label);
            goto out;
        }
    }
out:
    if (rc < 0)
        source_blob_free(b);
    return rc;
}

ssize_t source_blob_read(struct source_blob *b, const unsigned char **p, struct moat_err *err)
{
    size_t n = SOURCE_IO_CHUNK, got = 0;
    int rc;

    if (b->pos >= b->r.size)
        return 0;
    if (n > b->r.size - b->pos)
        n = (size_t)(b->r.size - b->pos);
    if (b->r.fd < 0) {
        *p = b->r.mem + b->r.off + b->pos;
        got = n;
    } else {
        rc = source_range_pread(&b->r, b->buf, n, b->pos, &got, b->label, err);
        if (rc < 0)
            return rc;
        *p = b->buf;
    }
    if (b->md != NULL && EVP_DigestUpdate(b->md, *p, got) != 1)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: sha256 failed", b->label);
    b->pos += got;
    return (ssize_t)got;
}

int source_blob_digest(struct source_blob *b, char *out, struct moat_err *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (b->md == NULL || EVP_DigestFinal_ex(b->md, md, &mdlen) != 1 || mdlen != 32)
        return moat_err_set(err, MOAT_E_ARG, "%s: blob not hashed", b->label);
    source_digest_format(md, out);
    return 0;
}

void source_blob_free(struct source_blob *b)
{
    if (b == NULL)
        return;
    EVP_MD_CTX_free(b->md);
    free(b->buf);
    b->md = NULL;
    b->buf = NULL;
}
