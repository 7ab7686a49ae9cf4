/*
 * blob.c - read a blob sequentially in SOURCE_IO_CHUNK pieces, hashing the
 * raw bytes (SHA-256, OpenSSL EVP) as they pass, so the blob digest costs
 * no second read. Memory ranges are handed out without copying.
 *
 * A big blob in a file is hashed by a second thread while the caller works
 * on the bytes: SHA-256 is as costly as parsing a layer of small files, so
 * this halves the time to read one on two cores. The chunks go round a
 * ring of HASH_RING buffers; a buffer is read into again only once the
 * hasher is done with it and the caller has asked for a later chunk (a
 * chunk stays valid until the next call, as before). The digest waits for
 * the hasher to catch up. Nothing but the hasher touches md meanwhile.
 * Must not interpret the bytes (decompress.c does that).
 */
#include "source_internal.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define HASH_RING 4
#define HASH_THREAD_MIN (4ull * SOURCE_IO_CHUNK) /* smaller blobs are hashed inline */

struct blob_hasher {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned char *buf[HASH_RING];
    size_t len[HASH_RING];
    uint64_t queued, hashed; /* chunks handed to the hasher, chunks it finished */
    int stop, failed;
    EVP_MD_CTX *md;
};

static void *hasher_main(void *arg)
{
    struct blob_hasher *h = arg;

    pthread_mutex_lock(&h->mu);
    for (;;) {
        size_t slot;
        int ok;

        while (!h->stop && h->hashed == h->queued)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->hashed == h->queued)
            break; /* stopped, and nothing left */
        slot = h->hashed % HASH_RING;
        pthread_mutex_unlock(&h->mu);
        ok = EVP_DigestUpdate(h->md, h->buf[slot], h->len[slot]) == 1;
        pthread_mutex_lock(&h->mu);
        h->failed = h->failed || !ok;
        h->hashed++;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static void hasher_free(struct blob_hasher *h)
{
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = 1;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    for (size_t i = 0; i < HASH_RING; i++)
        free(h->buf[i]);
    free(h);
}

/* A hasher thread for b, or NULL to hash inline (small blob, or no memory or thread). */
static struct blob_hasher *hasher_new(struct source_blob *b)
{
    struct blob_hasher *h;

    if (b->md == NULL || b->r.fd < 0 || b->r.size < HASH_THREAD_MIN)
        return NULL;
    h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    for (size_t i = 0; i < HASH_RING; i++) {
        if ((h->buf[i] = malloc(SOURCE_IO_CHUNK)) == NULL)
            goto fail;
    }
    h->md = b->md;
    if (pthread_mutex_init(&h->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&h->cv, NULL) != 0) {
        pthread_mutex_destroy(&h->mu);
        goto fail;
    }
    if (pthread_create(&h->thread, NULL, hasher_main, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        goto fail;
    }
    return h;
fail:
    for (size_t i = 0; i < HASH_RING; i++)
        free(h->buf[i]);
    free(h);
    return NULL;
}

/* Wait until the hasher has no more than `ahead` chunks left; 0, or -1 if hashing failed. */
static int hasher_wait(struct blob_hasher *h, uint64_t ahead)
{
    int failed;

    pthread_mutex_lock(&h->mu);
    while (h->queued - h->hashed > ahead)
        pthread_cond_wait(&h->cv, &h->mu);
    failed = h->failed;
    pthread_mutex_unlock(&h->mu);
    return failed ? -1 : 0;
}

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
        b->hasher = hasher_new(b);
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
    if (b->hasher != NULL) {
        struct blob_hasher *h = b->hasher;
        size_t slot = h->queued % HASH_RING;

        /* the slot's last chunk must be hashed (the caller is done with it: a later one came) */
        if (hasher_wait(h, HASH_RING - 1) < 0)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: sha256 failed", b->label);
        rc = source_range_pread(&b->r, h->buf[slot], n, b->pos, &got, b->label, err);
        if (rc < 0)
            return rc;
        h->len[slot] = got;
        pthread_mutex_lock(&h->mu);
        h->queued++;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        *p = h->buf[slot];
        b->pos += got;
        return (ssize_t)got;
    }
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

    if (b->hasher != NULL && hasher_wait(b->hasher, 0) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: sha256 failed", b->label);
    if (b->md == NULL || EVP_DigestFinal_ex(b->md, md, &mdlen) != 1 || mdlen != 32)
        return moat_err_set(err, MOAT_E_ARG, "%s: blob not hashed", b->label);
    source_digest_format(md, out);
    return 0;
}

void source_blob_free(struct source_blob *b)
{
    if (b == NULL)
        return;
    hasher_free(b->hasher); /* first: it may still be using md */
    b->hasher = NULL;
    EVP_MD_CTX_free(b->md);
    free(b->buf);
    b->md = NULL;
    b->buf = NULL;
}
