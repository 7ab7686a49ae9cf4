/*
 * store.c - where attestations live.
 *
 * Bundles: in-toto JSON Lines, one DSSE envelope per line. Appending
 * rewrites the file through a temporary and a rename, so a reader never
 * sees half a line; the digest that chains phases is over each line's bytes
 * without the newline (and without a "\r" before it).
 *
 * OCI 1.1 referrers in an oci: layout: the envelope is a blob, described by
 * an image manifest with artifactType, the empty config
 * (application/vnd.oci.empty.v1+json) and subject = the image manifest's
 * descriptor; the manifest is added to index.json (no ref.name) under an
 * exclusive flock on the layout directory. Reading back checks every blob
 * against its digest and size, opens nothing through a symlink, and keeps
 * only manifests whose subject is the image.
 *
 * Must not: trust a blob before its digest matched, or leave index.json
 * half-written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "moat/base/array.h"
#include "moat/base/file.h"
#include "moat/base/json.h"
#include "moat/base/limits.h"
#include "moat/custody/custody.h"
#include "custody_int.h"

#define MAX_ATTESTATIONS 4096u
#define MAX_INDEX_ENTRIES 16384u
#define MEDIA_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_EMPTY "application/vnd.oci.empty.v1+json"
#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

/* Append *env to s, whose allocation holds *cap (the loaders start from an empty set). */
static int set_push(struct moat_att_set *s, size_t *cap, struct moat_dsse *env,
                    struct moat_err *err, const char *where)
{
    if (s->n >= MAX_ATTESTATIONS)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u attestations", where,
                            MAX_ATTESTATIONS);
    if (moat_array_grow((void **)&s->v, cap, s->n, sizeof(*s->v)) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
    s->v[s->n++] = *env;
    return 0;
}

void moat_att_set_free(struct moat_att_set *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        moat_dsse_free(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---- bundles ---- */

int moat_bundle_append(const char *path, const char *envelope_json, struct moat_err *err)
{
    struct moat_dsse env;
    char *old = NULL, *all = NULL;
    size_t old_len = 0, n = strlen(envelope_json), total;
    int r;

    if (memchr(envelope_json, '\n', n) != NULL || memchr(envelope_json, '\r', n) != NULL)
        return moat_err_set(err, MOAT_E_ARG, "%s: an envelope must be one line", path);
    r = moat_dsse_parse(path, envelope_json, n, &env, err);
    if (r < 0)
        return r;
    moat_dsse_free(&env);
    r = moat_file_read(path, MOAT_MAX_BUNDLE, &old, &old_len, err);
    if (r == -MOAT_E_NOTFOUND) {
        moat_err_clear(err);
        r = 0;
    }
    if (r < 0)
        return r;
    total = old_len + 1 + n + 1;
    if (total > MOAT_MAX_BUNDLE) {
        free(old);
        return moat_err_set(err, MOAT_E_LIMIT, "%s: bundle would pass %u bytes", path,
                            MOAT_MAX_BUNDLE);
    }
    all = malloc(total);
    if (all == NULL) {
        free(old);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
    }
    total = 0;
    if (old_len > 0) {
        memcpy(all, old, old_len);
        total = old_len;
        if (all[total - 1] != '\n')
            all[total++] = '\n';
    }
    memcpy(all + total, envelope_json, n);
    total += n;
    all[total++] = '\n';
    r = moat_file_write_atomic(path, all, total, 0644, 0, err);
    free(all);
    free(old);
    return r;
}

int moat_bundle_load(const char *path, struct moat_att_set *out, struct moat_err *err)
{
    char *data = NULL, *where = NULL;
    size_t len = 0, line = 0, pos = 0, cap = 0;
    int r;

    memset(out, 0, sizeof(*out));
    r = moat_file_read(path, MOAT_MAX_BUNDLE, &data, &len, err);
    if (r < 0)
        return r;
    while (pos < len) {
        char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl != NULL ? (size_t)(nl - data) : len, llen = end - pos;
        struct moat_dsse env;
        bool blank = true;

        line++;
        if (llen > 0 && data[pos + llen - 1] == '\r')
            llen--;
        for (size_t i = 0; i < llen && blank; i++)
            blank = data[pos + i] == ' ' || data[pos + i] == '\t';
        if (!blank) {
            free(where);
            if (asprintf(&where, "%s:%zu", path, line) < 0) {
                where = NULL;
                r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
                goto fail;
            }
            r = moat_dsse_parse(where, data + pos, llen, &env, err);
            if (r < 0)
                goto fail;
            r = set_push(out, &cap, &env, err, path);
            if (r < 0) {
                moat_dsse_free(&env);
                goto fail;
            }
        }
        pos = end + 1;
    }
    free(where);
    free(data);
    return 0;
fail:
    free(where);
    free(data);
    moat_att_set_free(out);
    return r;
}

/* ---- OCI layouts ---- */

/* A layout file read without following symlinks: rel is "index.json" or a blob digest. */
static int layout_read(int dfd, const char *dir, const char *rel_or_digest, size_t max, char **out,
                       size_t *len, struct moat_err *err)
{
    const char *hex = NULL;
    char *buf = NULL, *blob_dir;
    size_t got = 0, n;
    int b, s, e, r;

    *out = NULL;
    *len = 0;
    if (strncmp(rel_or_digest, "sha256:", 7) != 0) {
        r = moat_file_read_at(dfd, dir, rel_or_digest, max, &buf, &got, err);
    } else {
        hex = rel_or_digest + 7;
        if (!custody_hex64_valid(hex))
            return moat_err_set(err, MOAT_E_FORMAT, "%s: invalid digest \"%.80s\"", dir,
                                rel_or_digest);
        /* Each directory on the way is opened without following a symlink too. */
        b = openat(dfd, "blobs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        s = b < 0 ? -1 : openat(b, "sha256", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        e = errno;
        if (b >= 0)
            close(b);
        if (s < 0)
            return moat_err_set(err, e == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s: %s", dir,
                                rel_or_digest, e == ELOOP ? "is a symlink" : strerror(e));
        n = strlen(dir) + sizeof("/blobs/sha256");
        if ((blob_dir = malloc(n)) == NULL) {
            close(s);
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", dir);
        }
        snprintf(blob_dir, n, "%s/blobs/sha256", dir);
        r = moat_file_read_at(s, blob_dir, hex, max, &buf, &got, err);
        free(blob_dir);
        close(s);
    }
    if (r < 0)
        return r;
    if (hex != NULL) {
        unsigned char md[32];
        unsigned int mdlen = 0;
        char h[65];

        if (EVP_Digest(buf, got, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
            free(buf);
            return moat_err_set(err, MOAT_E_NOMEM, "%s: sha256 failed", dir);
        }
        custody_hex(md, 32, h);
        if (strcmp(h, hex) != 0) {
            free(buf);
            return moat_err_set(err, MOAT_E_DIGEST, "%s: blob %s does not match its digest", dir,
                                rel_or_digest);
        }
    }
    *out = buf;
    *len = got;
    return 0;
}

/* "sha256:<hex>" of data into out (72 bytes). */
static void digest_of(const void *data, size_t len, char out[72])
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    memcpy(out, "sha256:", 7);
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        memset(md, 0, sizeof(md));
    custody_hex(md, 32, out + 7);
}

/* Store a blob under blobs/sha256/ unless it is there already. */
static int blob_put(const char *dir, const void *data, size_t len, char digest[72],
                    struct moat_err *err)
{
    char *path = NULL;
    struct stat st;
    int r;

    digest_of(data, len, digest);
    if (asprintf(&path, "%s/blobs/sha256/%s", dir, digest + 7) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", dir);
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len) {
        free(path);
        return 0; /* content-addressed: same name, same bytes (checked when read) */
    }
    r = moat_file_write_atomic(path, data, len, 0644, 0, err);
    free(path);
    return r;
}

/* The image manifest's descriptor: media type, digest, size, read from the layout. */
static int subject_desc(int dfd, const char *dir, const struct moat_image_meta *meta, json_t **out,
                        struct moat_err *err)
{
    json_t *man = NULL, *mt;
    char *data = NULL;
    size_t len = 0;
    int r;

    *out = NULL;
    if (meta->manifest_digest == NULL)
        return moat_err_set(err, MOAT_E_ARG, "%s: the image has no manifest digest", dir);
    r = layout_read(dfd, dir, meta->manifest_digest, MOAT_MAX_JSON_BYTES, &data, &len, err);
    if (r < 0)
        return r;
    r = moat_json_parse(data, len, MOAT_MAX_JSON_BYTES, meta->manifest_digest, &man, err);
    if (r < 0) {
        free(data);
        return r;
    }
    mt = json_object_get(man, "mediaType");
    *out = json_pack("{s:s, s:s, s:I}", "mediaType",
                     json_is_string(mt) ? json_string_value(mt) : MEDIA_MANIFEST, "digest",
                     meta->manifest_digest, "size", (json_int_t)len);
    json_decref(man);
    free(data);
    if (*out == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", dir);
    return 0;
}

int moat_referrer_store_annotated(const char *oci_dir, const struct moat_image_meta *meta,
                                  const char *artifact_type, const char *media_type,
                                  const void *blob, size_t len, const char *const *annotations,
                                  struct moat_err *err)
{
    json_t *subject = NULL, *man = NULL, *ann = NULL, *ix = NULL, *mans, *d;
    char blob_digest[72], man_digest[72], now[21], *man_json = NULL, *ix_data = NULL,
                                                   *ix_json = NULL, *ix_path = NULL;
    size_t ix_len = 0, i;
    int dfd, r;

    dfd = open(oci_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", oci_dir,
                            strerror(errno));
    /* one writer of index.json at a time */
    if (flock(dfd, LOCK_EX) != 0) {
        r = moat_err_set(err, MOAT_E_IO, "%s: cannot lock: %s", oci_dir, strerror(errno));
        goto out;
    }
    r = subject_desc(dfd, oci_dir, meta, &subject, err);
    if (r < 0)
        goto out;
    if ((r = blob_put(oci_dir, blob, len, blob_digest, err)) < 0 ||
        (r = blob_put(oci_dir, "{}", 2, man_digest, err)) < 0)
        goto out;
    ann = json_object();
    for (i = 0;
         ann != NULL && annotations != NULL && annotations[i] != NULL && annotations[i + 1] != NULL;
         i += 2)
        if (moat_json_set_str(ann, annotations[i], annotations[i + 1]) != 0)
            break;
    (void)moat_time_format((int64_t)time(NULL), now);
    man = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i, s:s}, s:[{s:s, s:s, s:I, s:O}], s:O, "
                    "s:{s:s}}",
                    "schemaVersion", 2, "mediaType", MEDIA_MANIFEST, "artifactType", artifact_type,
                    "config", "mediaType", MEDIA_EMPTY, "digest", EMPTY_DIGEST, "size", 2, "data",
                    "e30=", "layers", "mediaType", media_type, "digest", blob_digest, "size",
                    (json_int_t)len, "annotations", ann, "subject", subject, "annotations",
                    "org.opencontainers.image.created", now);
    if (ann == NULL || man == NULL ||
        (man_json = json_dumps(man, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", oci_dir);
        goto out;
    }
    r = blob_put(oci_dir, man_json, strlen(man_json), man_digest, err);
    if (r < 0)
        goto out;

    r = layout_read(dfd, oci_dir, "index.json", MOAT_MAX_JSON_BYTES, &ix_data, &ix_len, err);
    if (r < 0)
        goto out;
    r = moat_json_parse(ix_data, ix_len, MOAT_MAX_JSON_BYTES, "index.json", &ix, err);
    if (r < 0) {
        moat_err_prefix(err, "%s", oci_dir);
        goto out;
    }
    mans = json_object_get(ix, "manifests");
    if (!json_is_object(ix) || !json_is_array(mans)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: index.json has no \"manifests\"", oci_dir);
        goto out;
    }
    json_array_foreach(mans, i, d)
    {
        json_t *dg = json_object_get(d, "digest");

        if (json_is_string(dg) && strcmp(json_string_value(dg), man_digest) == 0)
            goto out; /* stored already (r == 0) */
    }
    if (json_array_append_new(mans,
                              json_pack("{s:s, s:s, s:I, s:s}", "mediaType", MEDIA_MANIFEST,
                                        "digest", man_digest, "size", (json_int_t)strlen(man_json),
                                        "artifactType", artifact_type)) != 0 ||
        (ix_json = json_dumps(ix, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL ||
        asprintf(&ix_path, "%s/index.json", oci_dir) < 0) {
        ix_path = NULL;
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", oci_dir);
        goto out;
    }
    r = moat_file_write_atomic(ix_path, ix_json, strlen(ix_json), 0644, 0, err);
out:
    free(ix_path);
    free(ix_json);
    json_decref(ix);
    free(ix_data);
    free(man_json);
    json_decref(man);
    json_decref(ann);
    json_decref(subject);
    close(dfd); /* drops the lock */
    return r;
}

int moat_referrer_store(const char *oci_dir, const struct moat_image_meta *meta,
                        const char *artifact_type, const char *media_type, const void *blob,
                        size_t len, struct moat_err *err)
{
    return moat_referrer_store_annotated(oci_dir, meta, artifact_type, media_type, blob, len, NULL,
                                         err);
}

/* For one index.json descriptor: 1 and the layer descriptor when it is a referrer of the image. */
static int referrer_layer(int dfd, const char *dir, json_t *desc, const char *subject_digest,
                          const char *want_media, json_t **man_out, json_t **layer,
                          struct moat_err *err)
{
    json_t *dg = json_object_get(desc, "digest"), *sz = json_object_get(desc, "size"), *man = NULL;
    json_t *subj, *layers;
    char *data = NULL;
    size_t len = 0;
    int r;

    *layer = NULL;
    *man_out = NULL;
    if (!json_is_string(dg) || !json_is_integer(sz))
        return 0;
    if (strcmp(json_string_value(dg), subject_digest) == 0)
        return 0; /* the image itself */
    r = layout_read(dfd, dir, json_string_value(dg), MOAT_MAX_JSON_BYTES, &data, &len, err);
    if (r < 0)
        return r;
    if ((json_int_t)len != json_integer_value(sz)) {
        free(data);
        return moat_err_set(err, MOAT_E_DIGEST, "%s: %s: size differs from index.json", dir,
                            json_string_value(dg));
    }
    r = moat_json_parse(data, len, MOAT_MAX_JSON_BYTES, json_string_value(dg), &man, err);
    free(data);
    if (r < 0)
        return r;
    subj = json_object_get(man, "subject");
    layers = json_object_get(man, "layers");
    if (!json_is_object(man) || !json_is_string(json_object_get(subj, "digest")) ||
        strcmp(json_string_value(json_object_get(subj, "digest")), subject_digest) != 0 ||
        !json_is_array(layers) || json_array_size(layers) != 1 ||
        !json_is_string(json_object_get(json_array_get(layers, 0), "mediaType")) ||
        strcmp(json_string_value(json_object_get(json_array_get(layers, 0), "mediaType")),
               want_media) != 0) {
        json_decref(man);
        return 0; /* another image's referrer, or not one of ours */
    }
    *man_out = man;
    *layer = json_array_get(layers, 0);
    return 1;
}

int moat_referrers_each(const char *oci_dir, const struct moat_image_meta *meta,
                        const char *media_type, size_t max,
                        int (*fn)(void *ctx, const char *where, const char *data, size_t len,
                                  const json_t *layer, struct moat_err *err),
                        void *ctx, struct moat_err *err)
{
    json_t *ix = NULL, *mans, *d;
    char *data = NULL, *where = NULL;
    size_t len = 0, i;
    int dfd, r;

    if (meta->manifest_digest == NULL)
        return moat_err_set(err, MOAT_E_ARG, "%s: the image has no manifest digest", oci_dir);
    dfd = open(oci_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", oci_dir,
                            strerror(errno));
    r = layout_read(dfd, oci_dir, "index.json", MOAT_MAX_JSON_BYTES, &data, &len, err);
    if (r == 0)
        r = moat_json_parse(data, len, MOAT_MAX_JSON_BYTES, "index.json", &ix, err);
    free(data);
    data = NULL;
    if (r < 0)
        goto out;
    mans = json_object_get(ix, "manifests");
    if (!json_is_array(mans)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: index.json has no \"manifests\"", oci_dir);
        goto out;
    }
    /* each entry may cost a manifest read: bound them, not only the matches */
    if (json_array_size(mans) > MAX_INDEX_ENTRIES) {
        r = moat_err_set(err, MOAT_E_LIMIT, "%s: index.json lists %zu manifests, more than %u",
                         oci_dir, json_array_size(mans), MAX_INDEX_ENTRIES);
        goto out;
    }
    json_array_foreach(mans, i, d)
    {
        json_t *man = NULL, *layer = NULL, *ld, *ls;

        r = referrer_layer(dfd, oci_dir, d, meta->manifest_digest, media_type, &man, &layer, err);
        if (r < 0)
            goto out;
        if (r == 0)
            continue;
        ld = json_object_get(layer, "digest");
        ls = json_object_get(layer, "size");
        if (!json_is_string(ld) || !json_is_integer(ls)) {
            json_decref(man);
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: referrer %zu: bad layer descriptor", oci_dir,
                             i);
            goto out;
        }
        r = layout_read(dfd, oci_dir, json_string_value(ld), max, &data, &len, err);
        if (r == 0 && (json_int_t)len != json_integer_value(ls))
            r = moat_err_set(err, MOAT_E_DIGEST, "%s: %s: size differs from its descriptor",
                             oci_dir, json_string_value(ld));
        free(where);
        if (r == 0 && asprintf(&where, "%s: %s", oci_dir, json_string_value(ld)) < 0) {
            where = NULL;
            r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        }
        if (r == 0)
            r = fn(ctx, where, data, len, layer, err);
        json_decref(man);
        free(data);
        data = NULL;
        if (r < 0)
            goto out;
    }
    r = 0;
out:
    free(where);
    json_decref(ix);
    close(dfd);
    return r;
}

struct envelopes {
    struct moat_att_set *out;
    size_t cap;
};

/* One DSSE referrer into the set. */
static int push_envelope(void *ctx, const char *where, const char *data, size_t len,
                         const json_t *layer, struct moat_err *err)
{
    struct envelopes *e = ctx;
    struct moat_dsse env;
    int r;

    (void)layer;
    if ((r = moat_dsse_parse(where, data, len, &env, err)) < 0)
        return r;
    if ((r = set_push(e->out, &e->cap, &env, err, where)) < 0)
        moat_dsse_free(&env);
    return r;
}

int moat_referrers_load(const char *oci_dir, const struct moat_image_meta *meta,
                        struct moat_att_set *out, struct moat_err *err)
{
    struct envelopes e = {out, 0};
    int r;

    memset(out, 0, sizeof(*out));
    r = moat_referrers_each(oci_dir, meta, MOAT_MEDIA_DSSE, MOAT_MAX_ENVELOPE, push_envelope, &e,
                            err);
    if (r < 0)
        moat_att_set_free(out);
    return r;
}

int moat_custody_oci_dir(const char *ref, char **dir, struct moat_err *err)
{
    const char *rest, *colon;
    struct stat st;

    *dir = NULL;
    if (ref == NULL)
        return 0;
    if (strncmp(ref, "oci:", 4) != 0) {
        /* a bare path that is an image layout (source/ detects it the same way) */
        char *marker = NULL;
        int is_layout;

        if (asprintf(&marker, "%s/oci-layout", ref) < 0)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        is_layout = strchr(ref, ':') == NULL && stat(marker, &st) == 0 && S_ISREG(st.st_mode);
        free(marker);
        if (!is_layout)
            return 0;
        if ((*dir = strdup(ref)) == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        return 1;
    }
    rest = ref + 4;
    /* skopeo's rule, as source/ref.c: a colon splits off the tag unless the whole path exists */
    colon = strchr(rest, ':');
    if (colon == NULL || stat(rest, &st) == 0)
        *dir = strdup(rest);
    else
        *dir = strndup(rest, (size_t)(colon - rest));
    if (*dir == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    if ((*dir)[0] == '\0') {
        free(*dir);
        *dir = NULL;
        return moat_err_set(err, MOAT_E_ARG, "%s: no path", ref);
    }
    return 1;
}

int moat_envelope_load_file(const char *path, struct moat_dsse *out, struct moat_err *err)
{
    char *data = NULL;
    size_t len = 0;
    int r;

    memset(out, 0, sizeof(*out));
    r = moat_file_read(path, MOAT_MAX_ENVELOPE + 2, &data, &len, err);
    if (r < 0)
        return r;
    if (len > 0 && data[len - 1] == '\n')
        len--;
    if (len > 0 && data[len - 1] == '\r')
        len--;
    if (memchr(data, '\n', len) != NULL)
        r = moat_err_set(err, MOAT_E_FORMAT,
                         "%s: more than one line; give one envelope (or a bundle with --bundle)",
                         path);
    else
        r = moat_dsse_parse(path, data, len, out, err);
    free(data);
    return r;
}

int moat_att_last_phase(const struct moat_att_set *s, const char *subject_digest, size_t *idx)
{
    const char *want;

    if (subject_digest == NULL || strncmp(subject_digest, "sha256:", 7) != 0)
        return 0;
    want = subject_digest + 7;
    for (size_t i = s->n; i-- > 0;) {
        const struct moat_dsse *e = &s->v[i];
        struct moat_statement st;
        bool match = false;

        if (strcmp(e->payload_type, MOAT_DSSE_PAYLOAD_TYPE) != 0 ||
            moat_statement_parse("envelope", e->payload, e->payload_len, &st, NULL) < 0)
            continue;
        if (strcmp(st.predicate_type, MOAT_PREDICATE_PHASE) == 0)
            for (size_t j = 0; j < st.n_subjects && !match; j++)
                match = strcmp(st.subject_sha256[j], want) == 0;
        moat_statement_free(&st);
        if (match) {
            *idx = i;
            return 1;
        }
    }
    return 0;
}
