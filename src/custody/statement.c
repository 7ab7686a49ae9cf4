/*
 * statement.c - in-toto Statement v1 (github.com/in-toto/attestation,
 * spec/v1/statement.md) and moat's two predicates: the build-phase record
 * and the scan summary (docs/attestations.md).
 *
 * The parser keeps only subjects that carry a sha256 digest (the only one
 * moat compares) and refuses a statement that has none; it accepts the
 * older _type "https://in-toto.io/Statement/v0.1", which cosign still emits
 * and whose fields are the same.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/json.h"
#include "moat/custody/custody.h"
#include "custody_int.h"

#define STMT_MAX_SUBJECTS 1024u
#define STMT_MAX_NAME 4096u
#define STMT_MAX_TYPE 1024u

const char *moat_custody_subject_digest(const struct moat_image_meta *meta)
{
    if (meta == NULL)
        return NULL;
    if (meta->manifest_digest != NULL && meta->manifest_digest[0] != '\0')
        return meta->manifest_digest;
    if (meta->config_digest != NULL && meta->config_digest[0] != '\0')
        return meta->config_digest;
    return NULL;
}

/* "sha256:<hex>" or "<hex>" -> the hex, or NULL when it is neither. */
static const char *digest_hex(const char *d)
{
    if (d == NULL)
        return NULL;
    if (strncmp(d, "sha256:", 7) == 0)
        d += 7;
    return custody_hex64_valid(d) ? d : NULL;
}

int moat_statement_build(const char *subject_name, const char *subject_digest,
                         const char *predicate_type, json_t *predicate, char **json_out,
                         struct moat_err *err)
{
    const char *hex = digest_hex(subject_digest);
    json_t *st;
    int r = 0;

    *json_out = NULL;
    if (hex == NULL)
        return moat_err_set(err, MOAT_E_ARG, "statement: subject digest \"%.80s\" is not sha256",
                            subject_digest != NULL ? subject_digest : "(none)");
    if (predicate_type == NULL || predicate_type[0] == '\0' || !json_is_object(predicate))
        return moat_err_set(err, MOAT_E_ARG, "statement: predicate type and object required");
    /* "o" steals references, also on failure, so nothing leaks or is freed twice */
    st = json_pack("{s:s, s:[{s:o, s:{s:s}}], s:o, s:O}", "_type", MOAT_INTOTO_STATEMENT_V1,
                   "subject", "name", moat_json_str(subject_name != NULL ? subject_name : ""),
                   "digest", "sha256", hex, "predicateType", moat_json_str(predicate_type),
                   "predicate", predicate);
    if (st == NULL || (*json_out = json_dumps(st, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
        r = moat_err_set(err, MOAT_E_NOMEM, "statement: out of memory");
    json_decref(st);
    return r;
}

int moat_statement_parse(const char *where, const unsigned char *json, size_t len,
                         struct moat_statement *out, struct moat_err *err)
{
    json_t *root = NULL, *t, *subj, *s, *pred;
    size_t i, n;
    int r;

    memset(out, 0, sizeof(*out));
    r = moat_json_parse((const char *)json, len, MOAT_MAX_ENVELOPE, where, &root, err);
    if (r < 0)
        return r;
    if (!json_is_object(root)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: the statement is not a JSON object", where);
        goto fail;
    }
    t = json_object_get(root, "_type");
    if (!json_is_string(t) ||
        (strcmp(json_string_value(t), MOAT_INTOTO_STATEMENT_V1) != 0 &&
         strcmp(json_string_value(t), "https://in-toto.io/Statement/v0.1") != 0)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: not an in-toto Statement (_type %s)", where,
                         json_is_string(t) ? "unknown" : "missing");
        goto fail;
    }
    t = json_object_get(root, "predicateType");
    if (!json_is_string(t) || json_string_length(t) == 0 || json_string_length(t) > STMT_MAX_TYPE ||
        strlen(json_string_value(t)) != json_string_length(t)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: missing or invalid \"predicateType\"", where);
        goto fail;
    }
    if ((out->predicate_type = strdup(json_string_value(t))) == NULL)
        goto nomem;
    pred = json_object_get(root, "predicate");
    if (pred != NULL && !json_is_object(pred)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: \"predicate\" is not an object", where);
        goto fail;
    }
    out->predicate = pred != NULL ? json_incref(pred) : json_object();
    if (out->predicate == NULL)
        goto nomem;
    subj = json_object_get(root, "subject");
    if (!json_is_array(subj) || json_array_size(subj) == 0) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: no \"subject\"", where);
        goto fail;
    }
    n = json_array_size(subj);
    if (n > STMT_MAX_SUBJECTS) {
        r = moat_err_set(err, MOAT_E_LIMIT, "%s: %zu subjects, more than the %u allowed", where, n,
                         STMT_MAX_SUBJECTS);
        goto fail;
    }
    out->subject_names = calloc(n, sizeof(char *));
    out->subject_sha256 = calloc(n, sizeof(char *));
    if (out->subject_names == NULL || out->subject_sha256 == NULL)
        goto nomem;
    json_array_foreach(subj, i, s)
    {
        json_t *name, *dig, *sha;
        char hex[65];

        if (!json_is_object(s)) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: subject %zu is not an object", where, i);
            goto fail;
        }
        name = json_object_get(s, "name");
        dig = json_object_get(s, "digest");
        if ((name != NULL && (!json_is_string(name) || json_string_length(name) > STMT_MAX_NAME ||
                              strlen(json_string_value(name)) != json_string_length(name))) ||
            !json_is_object(dig)) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: subject %zu: invalid name or digest", where,
                             i);
            goto fail;
        }
        sha = json_object_get(dig, "sha256");
        if (sha == NULL)
            continue; /* another algorithm only: nothing moat can compare */
        if (!json_is_string(sha) || json_string_length(sha) != 64) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: subject %zu: invalid sha256 digest", where,
                             i);
            goto fail;
        }
        for (size_t j = 0; j < 64; j++)
            hex[j] = (char)tolower((unsigned char)json_string_value(sha)[j]);
        hex[64] = '\0';
        if (!custody_hex64_valid(hex)) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: subject %zu: invalid sha256 digest", where,
                             i);
            goto fail;
        }
        out->subject_names[out->n_subjects] = strdup(name != NULL ? json_string_value(name) : "");
        out->subject_sha256[out->n_subjects] = strdup(hex);
        out->n_subjects++;
        if (out->subject_names[out->n_subjects - 1] == NULL ||
            out->subject_sha256[out->n_subjects - 1] == NULL)
            goto nomem;
    }
    if (out->n_subjects == 0) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: no subject has a sha256 digest", where);
        goto fail;
    }
    json_decref(root);
    return 0;
nomem:
    r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
fail:
    json_decref(root);
    moat_statement_free(out);
    return r;
}

void moat_statement_free(struct moat_statement *st)
{
    if (st == NULL)
        return;
    free(st->predicate_type);
    json_decref(st->predicate);
    for (size_t i = 0; i < st->n_subjects; i++) {
        free(st->subject_names[i]);
        free(st->subject_sha256[i]);
    }
    free(st->subject_names);
    free(st->subject_sha256);
    memset(st, 0, sizeof(*st));
}

/* ---- predicates ---- */

int moat_predicate_phase(const char *phase, const char *time_str, const char *builder,
                         const unsigned char *previous, json_t **out, struct moat_err *err)
{
    json_t *p;
    char prev[7 + 65];

    *out = NULL;
    if (phase == NULL || phase[0] == '\0' || time_str == NULL)
        return moat_err_set(err, MOAT_E_ARG, "phase predicate: phase and time required");
    p = json_object();
    if (p == NULL || moat_json_set_str(p, "phase", phase) != 0 ||
        moat_json_set_str(p, "time", time_str) != 0 ||
        moat_json_set_str(p, "builder", builder != NULL ? builder : "") != 0)
        goto nomem;
    if (previous != NULL) {
        memcpy(prev, "sha256:", 7);
        custody_hex(previous, 32, prev + 7);
        if (moat_json_set_str(p, "previous", prev) != 0)
            goto nomem;
    }
    *out = p;
    return 0;
nomem:
    json_decref(p);
    return moat_err_set(err, MOAT_E_NOMEM, "phase predicate: out of memory");
}

static const char *const sev_names[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"};
static const char *const kind_names[] = {"vulnerability", "secret", "misconfiguration", "policy"};

/* A count from obj[key]: a non-negative integer, or 0 when absent. -1 when invalid. */
static json_int_t count_of(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    return json_integer_value(v);
}

/* Copy src[key] (a string or null) to dst[key]; absent becomes null. */
static int copy_str_or_null(json_t *dst, const char *key, json_t *src)
{
    json_t *v = json_object_get(src, key);

    if (!json_is_string(v))
        return json_object_set_new(dst, key, json_null());
    return json_object_set_new(dst, key, json_string(json_string_value(v)));
}

/*
 * The report's "scanners" (which scanners ran) copied to *out: a short list
 * of distinct short lowercase names. Absent or null (a report from before
 * moat recorded it) leaves *out NULL: the summary then says nothing about
 * which scanners ran, and a policy that needs one refuses it. 0, -1 when
 * malformed, -2 when out of memory.
 */
#define SCAN_MAX_SCANNERS 16u
#define SCAN_MAX_SCANNER_NAME 32u

static int scanners_copy(json_t *report, json_t **out)
{
    json_t *v = json_object_get(report, "scanners"), *e;
    size_t i;

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > SCAN_MAX_SCANNERS)
        return -1;
    json_array_foreach(v, i, e)
    {
        const char *n = json_string_value(e);
        size_t len = n != NULL ? json_string_length(e) : 0;

        if (len == 0 || len > SCAN_MAX_SCANNER_NAME || strlen(n) != len)
            return -1;
        for (size_t k = 0; k < len; k++)
            if (!((n[k] >= 'a' && n[k] <= 'z') || (n[k] >= '0' && n[k] <= '9') || n[k] == '-' ||
                  n[k] == '_'))
                return -1;
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_array_get(v, k)), n) == 0)
                return -1;
    }
    *out = json_deep_copy(v);
    return *out != NULL ? 0 : -2;
}

int moat_predicate_scan(const char *where, json_t *report, const struct moat_image_meta *meta,
                        json_t **out, struct moat_err *err)
{
    json_t *schema, *summary, *bysev, *bykind, *tool, *image, *p = NULL, *sc = NULL, *kc = NULL;
    json_t *scanner = NULL, *img = NULL, *scanners = NULL, *ts, *v;
    const char *max_sev = "NONE";
    json_int_t n;

    *out = NULL;
    schema = json_object_get(report, "schema");
    if (!json_is_string(schema) || strncmp(json_string_value(schema), "moat-scan/", 10) != 0)
        return moat_err_set(err, MOAT_E_FORMAT,
                            "%s: not a `moat scan --format json` result (no \"schema\": "
                            "\"moat-scan/1\")",
                            where);
    if (strcmp(json_string_value(schema), "moat-scan/1") != 0)
        return moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: scan schema %.40s is not supported",
                            where, json_string_value(schema));
    summary = json_object_get(report, "summary");
    bysev = json_object_get(summary, "by_severity");
    bykind = json_object_get(summary, "by_kind");
    ts = json_object_get(report, "timestamp");
    if (!json_is_object(bysev) || !json_is_object(bykind) || !json_is_string(ts))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: missing summary counts or timestamp", where);
    {
        int64_t t;

        if (moat_time_parse(json_string_value(ts), &t) < 0)
            return moat_err_set(err, MOAT_E_FORMAT, "%s: timestamp is not RFC 3339", where);
    }
    switch (scanners_copy(report, &scanners)) {
    case -1:
        return moat_err_set(err, MOAT_E_FORMAT,
                            "%s: \"scanners\" is not a list of distinct scanner names", where);
    case -2:
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
    }
    /* the scan must be of this very image, or attesting it means nothing */
    image = json_object_get(report, "image");
    if (meta != NULL) {
        const char *want = moat_custody_subject_digest(meta);
        json_t *md = json_object_get(image, "manifest_digest");
        json_t *cd = json_object_get(image, "config_digest");
        bool same = false;

        if (want != NULL) {
            if (meta->manifest_digest != NULL && json_is_string(md))
                same = strcmp(json_string_value(md), meta->manifest_digest) == 0;
            else if (meta->config_digest != NULL && json_is_string(cd))
                same = strcmp(json_string_value(cd), meta->config_digest) == 0;
        }
        if (!same) {
            json_decref(scanners);
            return moat_err_set(err, MOAT_E_VERIFY,
                                "%s: the scan result is not of this image (digest %s)", where,
                                want != NULL ? want : "unknown");
        }
    }
    /* children are attached first, then filled through borrowed pointers */
    p = json_object();
    if (p == NULL || json_object_set_new(p, "scanner", scanner = json_object()) != 0 ||
        json_object_set_new(p, "time", json_string(json_string_value(ts))) != 0 ||
        json_object_set_new(p, "image", img = json_object()) != 0 ||
        json_object_set_new(p, "severity_counts", sc = json_object()) != 0 ||
        json_object_set_new(p, "kind_counts", kc = json_object()) != 0)
        goto nomem;
    /* only when the report said: an old report's summary claims nothing about what ran */
    if (scanners != NULL) {
        int r = json_object_set_new(p, "scanners", scanners);

        scanners = NULL; /* set_new took it, also on failure */
        if (r != 0)
            goto nomem;
    }
    for (size_t i = 0; i < sizeof(sev_names) / sizeof(sev_names[0]); i++) {
        n = count_of(bysev, sev_names[i]);
        if (n < 0)
            goto bad;
        if (n > 0 && strcmp(max_sev, "NONE") == 0)
            max_sev = sev_names[i];
        if (json_object_set_new(sc, sev_names[i], json_integer(n)) != 0)
            goto nomem;
    }
    for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
        n = count_of(bykind, kind_names[i]);
        if (n < 0)
            goto bad;
        if (json_object_set_new(kc, kind_names[i], json_integer(n)) != 0)
            goto nomem;
    }
    tool = json_object_get(report, "tool");
    if (copy_str_or_null(scanner, "name", tool) != 0 ||
        copy_str_or_null(scanner, "version", tool) != 0 ||
        copy_str_or_null(img, "manifest_digest", image) != 0 ||
        copy_str_or_null(img, "config_digest", image) != 0)
        goto nomem;
    if ((n = count_of(summary, "total")) < 0)
        goto bad;
    if (json_object_set_new(p, "max_severity", json_string(max_sev)) != 0 ||
        json_object_set_new(p, "total", json_integer(n)) != 0)
        goto nomem;
    if ((n = count_of(summary, "suppressed")) < 0)
        goto bad;
    if (json_object_set_new(p, "suppressed", json_integer(n)) != 0)
        goto nomem;
    v = json_object_get(report, "packages_scanned");
    if (json_object_set_new(p, "packages_scanned",
                            json_is_integer(v) ? json_integer(json_integer_value(v))
                                               : json_null()) != 0 ||
        copy_str_or_null(p, "db_note", report) != 0)
        goto nomem;
    *out = p;
    return 0;
bad:
    json_decref(p);
    json_decref(scanners);
    return moat_err_set(err, MOAT_E_FORMAT, "%s: summary counts are not non-negative integers",
                        where);
nomem:
    json_decref(p);
    json_decref(scanners);
    return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
}

/* ---- cosign simple signing ---- */
