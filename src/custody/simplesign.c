/*
 * simplesign.c - cosign's simple signing, both ways: the payload `moat
 * sign` writes, the repository it names, and the check of an image's
 * simple signatures against one public key (`moat verify --key`), found
 * where moat sign puts them: signature and payload files, DSSE envelopes
 * of the payload in a bundle, and referrers of an oci: layout (the payload
 * as the layer, the signature in its annotation, as cosign stores it).
 *
 * A signature counts only when it verifies with the key, names this image's
 * digest, and names the repository the image goes by. Each one that fails
 * says why, on its own line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/base64.h"
#include "moat/base/file.h"
#include "moat/base/json.h"
#include "moat/base/strv.h"
#include "moat/custody/custody.h"
#include "moat/source/docker_name.h"

#define SIMPLESIGN_MAX_SIG 4096u /* bytes of a signature (an ECDSA DER one is ~72) */
#define SIMPLESIGN_MAX_PAYLOAD (64u << 10)
#define SIMPLESIGN_MAX_REASONS 64u

int moat_simplesign_payload(const char *docker_reference, const char *digest, char **json_out,
                            struct moat_err *err)
{
    json_t *p;
    size_t n;

    *json_out = NULL;
    n = digest != NULL
            ? strspn(digest + (strncmp(digest, "sha256:", 7) == 0 ? 7 : 0), "0123456789abcdef")
            : 0;
    if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 || n != 64 || digest[71] != '\0')
        return moat_err_set(err, MOAT_E_ARG, "simple signing: \"%.80s\" is not a sha256 digest",
                            digest != NULL ? digest : "(none)");
    /* key order as cosign's Go structs marshal it */
    p = json_pack("{s:{s:{s:o}, s:{s:s}, s:s}, s:n}", "critical", "identity", "docker-reference",
                  moat_json_str(docker_reference != NULL ? docker_reference : ""), "image",
                  "docker-manifest-digest", digest, "type", "cosign container image signature",
                  "optional");
    if (p == NULL || (*json_out = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
        json_decref(p);
        return moat_err_set(err, MOAT_E_NOMEM, "simple signing: out of memory");
    }
    json_decref(p);
    return 0;
}

/* "domain/path" of a name, as the engine normalises it; -MOAT_E_FORMAT when it is none. */
static int repository(const char *name, char **out, struct moat_err *err)
{
    struct moat_docker_name n;
    int r;

    if ((r = moat_docker_name_parse(name, &n, err)) < 0)
        return r;
    if (asprintf(out, "%s/%s", n.domain, n.path) < 0) {
        *out = NULL;
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    return 0;
}

int moat_simplesign_check(const char *where, const void *payload, size_t len, const char *digest,
                          const char *repo, struct moat_err *err)
{
    json_t *root = NULL, *crit, *type, *d, *ref;
    char *claimed = NULL;
    int r;

    r = moat_json_parse(payload, len, SIMPLESIGN_MAX_PAYLOAD, where, &root, err);
    if (r < 0)
        return r;
    crit = json_object_get(root, "critical");
    type = json_object_get(crit, "type");
    d = json_object_get(json_object_get(crit, "image"), "docker-manifest-digest");
    ref = json_object_get(json_object_get(crit, "identity"), "docker-reference");
    if (!json_is_string(type) ||
        strcmp(json_string_value(type), "cosign container image signature") != 0 ||
        !json_is_string(d) || !json_is_string(ref))
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: not a cosign simple-signing payload", where);
    else if (digest == NULL || strcmp(json_string_value(d), digest) != 0)
        r = moat_err_set(err, MOAT_E_VERIFY, "%s: signs %.80s, not this image (%s)", where,
                         json_string_value(d), digest != NULL ? digest : "no digest");
    else if (repo != NULL &&
             (repository(json_string_value(ref), &claimed, NULL) < 0 || strcmp(claimed, repo) != 0))
        /* compared as the engine reads names: index.docker.io/x is docker.io/library/x */
        r = moat_err_set(err, MOAT_E_VERIFY, "%s: signs the repository \"%.120s\", not %s", where,
                         json_string_value(ref), repo);
    free(claimed);
    json_decref(root);
    return r;
}

/* A tag alone ("1", as skopeo writes oci:DIR:1) names no repository; a reference does. */
static bool names_repository(const char *transport, const char *tag)
{
    if (transport != NULL &&
        (strcmp(transport, "oci") == 0 || strcmp(transport, "oci-archive") == 0))
        return strchr(tag, '/') != NULL || strchr(tag, ':') != NULL;
    return true;
}

int moat_simplesign_identity(const struct moat_image_meta *meta, const char *name, char **repo,
                             struct moat_err *err)
{
    *repo = NULL;
    if (name != NULL)
        return repository(name, repo, err) < 0 ? moat_err_prefix(err, "--name") : 0;
    for (size_t i = 0; i < meta->n_tags; i++)
        if (names_repository(meta->transport, meta->tags[i]))
            return repository(meta->tags[i], repo, err) < 0
                       ? moat_err_prefix(err, "%s: tag", meta->ref)
                       : 0;
    if (meta->n_tags > 0)
        return moat_err_set(err, MOAT_E_ARG,
                            "%s: the layout names the image only by its tag '%.64s', not by a "
                            "repository; give --name REPOSITORY",
                            meta->ref, meta->tags[0]);
    return moat_err_set(err, MOAT_E_ARG,
                        "%s: the image names no repository; give --name REPOSITORY", meta->ref);
}

/* ---- verification ---- */

struct vctx {
    const struct moat_key *key;
    const char *digest, *repo;
    struct moat_simplesign_result *out;
    struct moat_strv reasons;
};

/* A verdict on one signature: counted, and its reason kept when it fails. */
static int verdict(struct vctx *c, int r, struct moat_err *lerr)
{
    c->out->n_signatures++;
    if (r == 0) {
        c->out->n_valid++;
        return 0;
    }
    if (r == -MOAT_E_NOMEM)
        return r;
    return moat_reason_add(&c->reasons, SIMPLESIGN_MAX_REASONS, "%s", moat_err_msg(lerr)) < 0
               ? -MOAT_E_NOMEM
               : 0;
}

/* A raw signature over the payload bytes (files, oci: referrers). */
static int check_raw(struct vctx *c, const char *where, const char *payload, size_t len,
                     const char *b64, size_t b64_len)
{
    struct moat_err lerr = MOAT_ERR_INIT;
    unsigned char *sig = NULL;
    size_t sig_len = 0;
    char id[65];
    int r;

    while (b64_len > 0 && (b64[b64_len - 1] == '\n' || b64[b64_len - 1] == '\r'))
        b64_len--; /* a file written with a trailing newline */
    r = moat_base64_decode(b64, b64_len, 0, SIMPLESIGN_MAX_SIG, &sig, &sig_len);
    if (r < 0)
        r = moat_err_set(&lerr, MOAT_E_FORMAT, "%s: the signature is not base64", where);
    else if (moat_key_verify(c->key, payload, len, sig, sig_len, NULL) < 0) {
        moat_key_id(c->key, id);
        r = moat_err_set(&lerr, MOAT_E_VERIFY, "%s: the signature does not verify with key %.16s",
                         where, id);
    } else {
        r = moat_simplesign_check(where, payload, len, c->digest, c->repo, &lerr);
    }
    free(sig);
    r = verdict(c, r, &lerr);
    moat_err_clear(&lerr);
    return r;
}

static int on_referrer(void *ctx, const char *where, const char *data, size_t len,
                       const json_t *layer, struct moat_err *err)
{
    const json_t *sig =
        json_object_get(json_object_get(layer, "annotations"), MOAT_ANNOTATION_COSIGN_SIG);
    struct vctx *c = ctx;
    int r;

    if (json_is_string(sig)) {
        r = check_raw(c, where, data, len, json_string_value(sig), json_string_length(sig));
    } else { /* a payload without its signature */
        c->out->n_signatures++;
        r = moat_reason_add(&c->reasons, SIMPLESIGN_MAX_REASONS, "%s: no signature annotation (%s)",
                            where, MOAT_ANNOTATION_COSIGN_SIG);
    }
    return r < 0 ? moat_err_set(err, MOAT_E_NOMEM, "out of memory") : 0;
}

static int check_files(struct vctx *c, const char *sig_path, const char *payload_path,
                       struct moat_err *err)
{
    char *sig = NULL, *payload = NULL;
    size_t sig_len = 0, len = 0;
    int r;

    if ((r = moat_file_read(sig_path, SIMPLESIGN_MAX_SIG, &sig, &sig_len, err)) == 0 &&
        (r = moat_file_read(payload_path, SIMPLESIGN_MAX_PAYLOAD, &payload, &len, err)) == 0 &&
        check_raw(c, sig_path, payload, len, sig, sig_len) < 0)
        r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    free(sig);
    free(payload);
    return r;
}

/* DSSE envelopes of simple-signing payloads (moat sign --bundle). */
static int check_bundle(struct vctx *c, const char *path, struct moat_err *err)
{
    struct moat_att_set set = {0};
    struct moat_key *keys[1] = {(struct moat_key *)c->key};
    int r = moat_bundle_load(path, &set, err);

    for (size_t i = 0; r == 0 && i < set.n; i++) {
        struct moat_err lerr = MOAT_ERR_INIT;
        char where[512];
        size_t which;
        int v;

        if (strcmp(set.v[i].payload_type, MOAT_MEDIA_SIMPLESIGNING) != 0)
            continue; /* an in-toto attestation, not a signature */
        snprintf(where, sizeof(where), "%s: line %zu", path, i + 1);
        v = moat_dsse_verify(&set.v[i], keys, 1, &which, &lerr);
        if (v < 0 && v != -MOAT_E_NOMEM)
            moat_err_prefix(&lerr, "%s", where);
        else if (v == 0)
            v = moat_simplesign_check(where, set.v[i].payload, set.v[i].payload_len, c->digest,
                                      c->repo, &lerr);
        if (verdict(c, v, &lerr) < 0)
            r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        moat_err_clear(&lerr);
    }
    moat_att_set_free(&set);
    return r;
}

int moat_simplesign_verify_image(const struct moat_key *key, const struct moat_image_meta *meta,
                                 const char *repo, const struct moat_simplesign_sources *src,
                                 struct moat_simplesign_result *out, struct moat_err *err)
{
    struct vctx c = {key, moat_custody_subject_digest(meta), repo, out, MOAT_STRV_INIT};
    char *dir = NULL;
    int r = 0;

    memset(out, 0, sizeof(*out));
    if (c.digest == NULL)
        return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: the image has no digest to verify",
                            meta->ref);
    if (src->signature != NULL)
        r = check_files(&c, src->signature, src->payload, err);
    for (size_t i = 0; r == 0 && i < src->n_bundles; i++)
        r = check_bundle(&c, src->bundles[i], err);
    if (r == 0 && !src->no_referrers && (r = moat_custody_oci_dir(meta->ref, &dir, err)) == 1)
        r = moat_referrers_each(dir, meta, MOAT_MEDIA_SIMPLESIGNING, SIMPLESIGN_MAX_PAYLOAD,
                                on_referrer, &c, err);
    free(dir);
    if (r == 0 && out->n_signatures == 0 &&
        moat_reason_add(&c.reasons, SIZE_MAX,
                        "no simple signatures found for %s (give --signature and --payload, "
                        "--bundle, or sign into the oci: layout)",
                        meta->name != NULL ? meta->name : meta->ref) < 0)
        r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    if (r < 0) {
        moat_strv_free(&c.reasons);
        return r;
    }
    out->ok = out->n_valid > 0;
    if (out->ok)
        moat_strv_free(&c.reasons); /* one good signature is the verdict, as cosign reads it */
    out->reasons = c.reasons.v;
    out->n_reasons = c.reasons.n;
    return 0;
}

void moat_simplesign_result_free(struct moat_simplesign_result *r)
{
    struct moat_strv sv = moat_strv_view(r->reasons, r->n_reasons);

    moat_strv_free(&sv);
    memset(r, 0, sizeof(*r));
}
