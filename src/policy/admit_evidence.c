/*
 * admit_evidence.c - gather what admission needs to know about an image from
 * its attestations: load the policy's bundle files and directories (and any
 * extra bundles, and the OCI referrers of an oci: image), keep the envelopes
 * whose statement names this image's digest, and verify them against the
 * custody policy. Verification itself belongs to custody/; this file only
 * collects and hands over.
 */
#include "moat/policy/evidence.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "moat/custody/custody.h"

#define MAX_BUNDLE_FILES 1024u /* files read from one attestations directory */

/* Move every envelope of src onto dst (src is left empty). */
static int absorb(struct moat_att_set *dst, struct moat_att_set *src, struct moat_err *err)
{
    struct moat_dsse *grown;

    if (src->n == 0)
        return 0;
    grown = realloc(dst->v, (dst->n + src->n) * sizeof *grown);
    if (grown == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    memcpy(grown + dst->n, src->v, src->n * sizeof *grown);
    dst->v = grown;
    dst->n += src->n;
    free(src->v);
    src->v = NULL;
    src->n = 0;
    return 0;
}

static int load_file(const char *path, struct moat_att_set *all, struct moat_err *err)
{
    struct moat_att_set one = {0};
    int rc;

    if ((rc = moat_bundle_load(path, &one, err)) < 0)
        return rc;
    rc = absorb(all, &one, err);
    moat_att_set_free(&one);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order (so decisions do not depend on readdir order). */
static int load_dir(const char *dir, struct moat_att_set *all, struct moat_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int rc = 0;

    if (d == NULL)
        return moat_err_set(err, MOAT_E_IO, "%s: %s", dir, strerror(errno));
    names = calloc(MAX_BUNDLE_FILES, sizeof *names);
    if (names == NULL) {
        closedir(d);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    while ((de = readdir(d)) != NULL && rc == 0) {
        char *path = NULL;
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
            rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            break;
        }
        if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == MAX_BUNDLE_FILES) {
            free(path);
            rc = moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u attestation files", dir,
                              MAX_BUNDLE_FILES);
            break;
        }
        names[n++] = path;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_file(names[i], all, err);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* Keep the envelopes whose in-toto statement names hex (the subject digest) among its subjects. */
static int keep_subject(struct moat_att_set *all, const char *hex, struct moat_err *err)
{
    size_t kept = 0;

    for (size_t i = 0; i < all->n; i++) {
        struct moat_dsse *env = &all->v[i];
        struct moat_statement st = {0};
        bool match = false;

        if (env->payload_type != NULL && strcmp(env->payload_type, MOAT_DSSE_PAYLOAD_TYPE) == 0 &&
            moat_statement_parse("attestation", env->payload, env->payload_len, &st, NULL) == 0) {
            for (size_t k = 0; k < st.n_subjects && !match; k++)
                match = st.subject_sha256[k] != NULL && strcmp(st.subject_sha256[k], hex) == 0;
            moat_statement_free(&st);
        }
        if (match)
            all->v[kept++] = *env;
        else
            moat_dsse_free(env);
    }
    all->n = kept;
    (void)err;
    return 0;
}

static int own_reasons(struct moat_admit_evidence *out, char *const *r, size_t n,
                       struct moat_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (moat_strv_push(&out->owned, r[i]) < 0)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    out->custody.reasons = out->owned.v;
    out->custody.n_reasons = out->owned.n;
    return 0;
}

int moat_admit_evidence_gather(const struct moat_admit_policy *p,
                               const struct moat_image_meta *meta, const char *const *extra,
                               size_t n_extra, int64_t now, struct moat_admit_evidence *out,
                               struct moat_err *err)
{
    struct moat_custody_policy *cp = NULL;
    struct moat_custody_result res = {0};
    struct moat_att_set all = {0};
    const char *subject = moat_custody_subject_digest(meta);
    char *oci_dir = NULL;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (p->custody_path == NULL)
        return 0; /* nothing can be verified without keys: no custody, no attested scan */
    if ((rc = moat_custody_policy_load(p->custody_path, &cp, err)) < 0)
        return rc;
    out->custody.checked = true;
    if (subject == NULL || strncmp(subject, "sha256:", 7) != 0) {
        const char *why = "the image has no digest to match attestations against";

        rc = own_reasons(out, (char *const *)&why, 1, err);
        goto out;
    }
    for (size_t i = 0; i < p->n_attestations && rc == 0; i++) {
        struct stat st;

        if (stat(p->attestations[i], &st) != 0)
            rc = moat_err_set(err, MOAT_E_NOTFOUND, "%s: %s", p->attestations[i], strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = load_dir(p->attestations[i], &all, err);
        else
            rc = load_file(p->attestations[i], &all, err);
    }
    for (size_t i = 0; i < n_extra && rc == 0; i++)
        rc = load_file(extra[i], &all, err);
    if (rc == 0 && meta->ref != NULL && moat_custody_oci_dir(meta->ref, &oci_dir, NULL) == 1) {
        struct moat_att_set refs = {0};

        if ((rc = moat_referrers_load(oci_dir, meta, &refs, err)) == 0)
            rc = absorb(&all, &refs, err);
        moat_att_set_free(&refs);
    }
    if (rc < 0)
        goto out;
    keep_subject(&all, subject + 7, err);
    if ((rc = moat_custody_verify(cp, meta, &all, now, &res, err)) < 0)
        goto out;
    out->custody.ok = res.ok;
    if ((rc = own_reasons(out, res.reasons, res.n_reasons, err)) < 0)
        goto out;
    if (res.scan != NULL) {
        struct moat_err e2 = MOAT_ERR_INIT;

        /* a signed but unreadable summary counts as no scan; say why */
        if (moat_scan_summary_from_predicate(res.scan, &out->scan, &e2) < 0) {
            const char *why = moat_err_msg(&e2);

            rc = own_reasons(out, (char *const *)&why, 1, err);
        }
        moat_err_clear(&e2);
    }
out:
    free(oci_dir);
    moat_custody_result_free(&res);
    moat_att_set_free(&all);
    moat_custody_policy_free(cp);
    return rc;
}
