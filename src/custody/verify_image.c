/*
 * verify_image.c - custody of a whole image, as `moat verify` and the
 * attest side need it: every layer streamed through its digest check (a
 * changed byte anywhere is refused, not only a changed signature), the
 * attestations gathered from bundles and the layout's referrers, and the
 * chain judged against the policy (verify.c); and, for a new phase, the
 * envelope it chains to. Only verdicts are reasons; a reason never stops
 * the other checks, so every failure is reported at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/strv.h"
#include "moat/custody/custody.h"

int moat_custody_check_layers(struct moat_image *img, size_t *n_ok,
                              int (*reason)(void *ctx, const char *msg), void *ctx,
                              struct moat_err *err)
{
    const struct moat_image_meta *m = moat_image_meta(img);

    *n_ok = 0;
    for (size_t i = 0; i < m->n_layers; i++) {
        struct moat_err lerr = MOAT_ERR_INIT;
        struct moat_entry_reader *r = NULL;
        struct moat_entry e;
        int rc = moat_image_layer_open(img, i, &r, &lerr);

        while (rc >= 0 && (rc = moat_entry_next(r, &e, &lerr)) > 0)
            ;
        if (r != NULL) {
            struct moat_err cerr = MOAT_ERR_INIT;
            int crc = moat_entry_reader_close(r, &cerr);

            /* The digest verdict of close() explains a mismatch better than a tar error. */
            if (crc < 0 && (rc >= 0 || crc == -MOAT_E_DIGEST)) {
                moat_err_clear(&lerr);
                lerr = cerr;
                rc = crc;
            } else {
                moat_err_clear(&cerr);
            }
        }
        if (rc == -MOAT_E_NOMEM) {
            moat_err_clear(&lerr);
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        }
        /* The source's message names the layer (0-based) and its digest. */
        if (rc < 0 && reason(ctx, moat_err_msg(&lerr)) < 0) {
            moat_err_clear(&lerr);
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        }
        *n_ok += rc >= 0;
        moat_err_clear(&lerr);
    }
    return 0;
}

/* Move the envelopes of src to the end of dst. */
static int att_merge(struct moat_att_set *dst, struct moat_att_set *src, struct moat_err *err)
{
    struct moat_dsse *v;

    if (src->n == 0)
        return 0;
    v = realloc(dst->v, (dst->n + src->n) * sizeof(*v));
    if (v == NULL) {
        moat_att_set_free(src);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    memcpy(v + dst->n, src->v, src->n * sizeof(*v));
    dst->v = v;
    dst->n += src->n;
    free(src->v);
    src->v = NULL;
    src->n = 0;
    return 0;
}

int moat_custody_gather(const struct moat_image_meta *meta, const struct moat_custody_sources *src,
                        struct moat_att_set *all, struct moat_err *err)
{
    for (size_t i = 0; i < src->n_bundles; i++) {
        struct moat_att_set s = {0};
        int rc = moat_bundle_load(src->bundles[i], &s, err);

        if (rc < 0 || (rc = att_merge(all, &s, err)) < 0)
            return rc;
    }
    if (!src->no_referrers && meta->transport != NULL && strcmp(meta->transport, "oci") == 0) {
        struct moat_att_set s = {0};
        char *dir = NULL;
        int rc = moat_custody_oci_dir(meta->ref, &dir, err);

        if (rc == 1)
            rc = moat_referrers_load(dir, meta, &s, err);
        free(dir);
        if (rc < 0 || (rc = att_merge(all, &s, err)) < 0)
            return rc;
    }
    return 0;
}

static int pre_reason(void *ctx, const char *msg)
{
    return moat_strv_push(ctx, msg);
}

/* The reasons found first (pre, emptied) ahead of the chain's own in res. */
static int prepend(struct moat_custody_result *res, struct moat_strv *pre, struct moat_err *err)
{
    if (pre->n == 0)
        return 0;
    for (size_t i = 0; i < res->n_reasons; i++)
        if (moat_strv_push(pre, res->reasons[i]) < 0)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < res->n_reasons; i++)
        free(res->reasons[i]);
    free(res->reasons);
    res->reasons = pre->v;
    res->n_reasons = pre->n;
    res->ok = false;
    memset(pre, 0, sizeof(*pre));
    return 0;
}

int moat_custody_verify_image(const struct moat_custody_policy *pol, struct moat_image *img,
                              const struct moat_custody_sources *src, int64_t now,
                              struct moat_custody_result *out, struct moat_err *err)
{
    const struct moat_image_meta *meta = moat_image_meta(img);
    struct moat_att_set atts = {0};
    struct moat_strv pre = MOAT_STRV_INIT;
    size_t n_ok = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = moat_custody_check_layers(img, &n_ok, pre_reason, &pre, err)) < 0 ||
        (rc = moat_custody_gather(meta, src, &atts, err)) < 0)
        goto out;
    if (atts.n == 0 &&
        moat_strv_pushf(&pre, "no attestations found for %s (give --bundle FILE%s)",
                        meta->name != NULL ? meta->name : meta->ref,
                        meta->transport != NULL && strcmp(meta->transport, "oci") == 0
                            ? ", or attest into the oci: layout"
                            : "") < 0) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    if ((rc = moat_custody_verify(pol, meta, &atts, now, out, err)) < 0 ||
        (rc = prepend(out, &pre, err)) < 0)
        goto out;
    out->n_layers = meta->n_layers;
    out->n_layers_ok = n_ok;
    out->n_attestations = atts.n;
out:
    moat_strv_free(&pre);
    moat_att_set_free(&atts);
    return rc;
}

int moat_custody_previous(const struct moat_image_meta *meta, const char *digest,
                          const char *previous, const char *bundle, unsigned char prev[32],
                          bool *have, struct moat_err *err)
{
    struct moat_att_set set = {0};
    struct moat_custody_sources src = {0};
    size_t idx;
    int r;

    *have = false;
    if (previous != NULL) {
        struct moat_dsse env;
        struct moat_statement st;
        bool same = false;

        if ((r = moat_envelope_load_file(previous, &env, err)) < 0)
            return r;
        r = moat_statement_parse(previous, env.payload, env.payload_len, &st, err);
        if (r == 0) {
            for (size_t i = 0; i < st.n_subjects; i++)
                same = same || strcmp(st.subject_sha256[i], digest + 7) == 0;
            if (!same)
                r = moat_err_set(err, MOAT_E_VERIFY,
                                 "%s: the previous envelope is about another image", previous);
            moat_statement_free(&st);
        }
        memcpy(prev, env.digest, 32);
        moat_dsse_free(&env);
        *have = r == 0;
        return r;
    }
    /* the bundle the new envelope goes to, else the layout's referrers */
    src.bundles = &bundle;
    src.n_bundles = bundle != NULL;
    src.no_referrers = bundle != NULL;
    r = moat_custody_gather(meta, &src, &set, err);
    if (r == -MOAT_E_NOTFOUND && bundle != NULL) { /* a new bundle: this is the first phase */
        moat_err_clear(err);
        return 0;
    }
    if (r == 0 && moat_att_last_phase(&set, digest, &idx) == 1) {
        memcpy(prev, set.v[idx].digest, 32);
        *have = true;
    }
    moat_att_set_free(&set);
    return r;
}
