/*
 * dsse.c - DSSE envelopes (github.com/secure-systems-lab/dsse, v1.0).
 *
 * Signatures cover PAE(payloadType, payload) = "DSSEv1" SP LEN(type) SP type
 * SP LEN(body) SP body, LEN in ASCII decimal without leading zeros. ECDSA
 * signs SHA-256 of the PAE (DER), as cosign and sigstore-js do; Ed25519 signs
 * the PAE itself. keyid is a hint only: every signature is tried against
 * every allowed key, so envelopes from tools with other keyid schemes verify.
 *
 * The parser is strict: bounded size, duplicate JSON keys refused, payload
 * and sig must be canonical base64, at least one signature. Unknown fields
 * are ignored as the spec asks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "moat/base/base64.h"
#include "moat/base/json.h"
#include "moat/custody/custody.h"
#include "custody_int.h"

#define DSSE_MAX_SIGS 64u
#define DSSE_MAX_TYPE 1024u
#define DSSE_MAX_KEYID 1024u
/* "Either standard or URL-safe encoding is allowed" (DSSE envelope.md); padding optional. */
#define DSSE_BASE64 (MOAT_BASE64_URLSAFE | MOAT_BASE64_NOPAD)

int moat_dsse_pae(const char *type, const void *body, size_t len, unsigned char **out,
                  size_t *out_len, struct moat_err *err)
{
    size_t tlen = strlen(type), head_len, total;
    char head[96];
    unsigned char *p;
    int n;

    *out = NULL;
    *out_len = 0;
    n = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
    if (n < 0 || (size_t)n >= sizeof(head))
        return moat_err_set(err, MOAT_E_ARG, "PAE: bad type");
    head_len = (size_t)n;
    if (tlen > MOAT_MAX_ENVELOPE || len > MOAT_MAX_ENVELOPE)
        return moat_err_set(err, MOAT_E_LIMIT, "PAE: payload larger than %u bytes",
                            MOAT_MAX_ENVELOPE);
    total = head_len + tlen + 1 + 21 + 1 + len;
    p = malloc(total + 1);
    if (p == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "PAE: out of memory");
    memcpy(p, head, head_len);
    memcpy(p + head_len, type, tlen);
    n = snprintf((char *)p + head_len + tlen, 24, " %zu ", len);
    if (n < 0 || n >= 24) {
        free(p);
        return moat_err_set(err, MOAT_E_ARG, "PAE: bad length");
    }
    total = head_len + tlen + (size_t)n;
    if (len > 0)
        memcpy(p + total, body, len);
    total += len;
    p[total] = 0;
    *out = p;
    *out_len = total;
    return 0;
}

int moat_dsse_sign(const struct moat_key *k, const char *payload_type, const void *payload,
                   size_t len, char **json_out, struct moat_err *err)
{
    unsigned char *pae = NULL, *sig = NULL;
    size_t pae_len = 0, sig_len = 0;
    char *b64_payload = NULL, *b64_sig = NULL, keyid[65];
    json_t *env = NULL, *sigs, *s;
    int r;

    *json_out = NULL;
    r = moat_dsse_pae(payload_type, payload, len, &pae, &pae_len, err);
    if (r < 0)
        return r;
    r = moat_key_sign(k, pae, pae_len, &sig, &sig_len, err);
    if (r < 0)
        goto out;
    moat_key_id(k, keyid);
    b64_payload = moat_base64_encode(payload, len);
    b64_sig = moat_base64_encode(sig, sig_len);
    env = json_object();
    sigs = json_array();
    s = json_object();
    if (b64_payload == NULL || b64_sig == NULL || env == NULL || sigs == NULL || s == NULL ||
        json_object_set_new(s, "keyid", json_string(keyid)) != 0 ||
        json_object_set_new(s, "sig", json_string(b64_sig)) != 0 ||
        json_array_append_new(sigs, s) != 0 ||
        json_object_set_new(env, "payloadType", json_string(payload_type)) != 0 ||
        json_object_set_new(env, "payload", json_string(b64_payload)) != 0 ||
        json_object_set_new(env, "signatures", sigs) != 0 ||
        (*json_out = json_dumps(env, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "DSSE: out of memory");
        goto out;
    }
    r = 0;
out:
    json_decref(env);
    free(b64_payload);
    free(b64_sig);
    free(sig);
    free(pae);
    return r;
}

/* obj[key] as a string (length in *n); NULL when absent or not a string. */
static const char *get_str(json_t *obj, const char *key, size_t *n)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        return NULL;
    *n = json_string_length(v);
    return json_string_value(v);
}

int moat_dsse_parse(const char *where, const void *json, size_t len, struct moat_dsse *out,
                    struct moat_err *err)
{
    json_t *root = NULL, *sigs, *sv;
    const char *s;
    size_t n = 0, i;
    unsigned int mdlen = 0;
    int r;

    memset(out, 0, sizeof(*out));
    r = moat_json_parse(json, len, MOAT_MAX_ENVELOPE, where, &root, err);
    if (r < 0)
        return r;
    if (!json_is_object(root)) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: a DSSE envelope must be a JSON object", where);
        goto fail;
    }
    s = get_str(root, "payloadType", &n);
    if (s == NULL || n == 0 || n > DSSE_MAX_TYPE || strlen(s) != n) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: missing or invalid \"payloadType\"", where);
        goto fail;
    }
    out->payload_type = strdup(s);
    s = get_str(root, "payload", &n);
    if (s == NULL) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: missing \"payload\" string", where);
        goto fail;
    }
    if (out->payload_type == NULL ||
        (r = moat_base64_decode(s, n, DSSE_BASE64, SIZE_MAX, &out->payload, &out->payload_len)) ==
            -MOAT_E_NOMEM) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
        goto fail;
    }
    if (r < 0) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: \"payload\" is not valid base64", where);
        goto fail;
    }
    sigs = json_object_get(root, "signatures");
    if (!json_is_array(sigs) || json_array_size(sigs) == 0) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: no \"signatures\"", where);
        goto fail;
    }
    if (json_array_size(sigs) > DSSE_MAX_SIGS) {
        r = moat_err_set(err, MOAT_E_LIMIT, "%s: %zu signatures, more than the %u allowed", where,
                         json_array_size(sigs), DSSE_MAX_SIGS);
        goto fail;
    }
    out->sigs = calloc(json_array_size(sigs), sizeof(*out->sigs));
    if (out->sigs == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
        goto fail;
    }
    json_array_foreach(sigs, i, sv)
    {
        struct moat_dsse_sig *d = &out->sigs[i];
        json_t *kid;

        out->n_sigs = i + 1;
        if (!json_is_object(sv)) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: signature %zu is not an object", where, i);
            goto fail;
        }
        kid = json_object_get(sv, "keyid");
        if (kid != NULL && !json_is_null(kid)) {
            if (!json_is_string(kid) || json_string_length(kid) > DSSE_MAX_KEYID ||
                strlen(json_string_value(kid)) != json_string_length(kid)) {
                r = moat_err_set(err, MOAT_E_FORMAT, "%s: signature %zu: invalid \"keyid\"", where,
                                 i);
                goto fail;
            }
            if ((d->keyid = strdup(json_string_value(kid))) == NULL) {
                r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
                goto fail;
            }
        }
        s = get_str(sv, "sig", &n);
        if (s == NULL || n == 0) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: signature %zu: missing \"sig\"", where, i);
            goto fail;
        }
        r = moat_base64_decode(s, n, DSSE_BASE64, SIZE_MAX, &d->sig, &d->sig_len);
        if (r == -MOAT_E_NOMEM) {
            r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
            goto fail;
        }
        if (r < 0 || d->sig_len == 0) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: signature %zu: \"sig\" is not valid base64",
                             where, i);
            goto fail;
        }
    }
    if (EVP_Digest(json, len, out->digest, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: sha256 failed", where);
        goto fail;
    }
    json_decref(root);
    return 0;
fail:
    json_decref(root);
    moat_dsse_free(out);
    return r;
}

int moat_dsse_verify(const struct moat_dsse *env, struct moat_key *const *keys, size_t n_keys,
                     size_t *which, struct moat_err *err)
{
    unsigned char *pae = NULL;
    size_t pae_len = 0;
    int r;

    r = moat_dsse_pae(env->payload_type, env->payload, env->payload_len, &pae, &pae_len, err);
    if (r < 0)
        return r;
    for (size_t k = 0; k < n_keys; k++) {
        for (size_t i = 0; i < env->n_sigs; i++) {
            if (moat_key_verify(keys[k], pae, pae_len, env->sigs[i].sig, env->sigs[i].sig_len,
                                NULL) == 0) {
                if (which != NULL)
                    *which = k;
                free(pae);
                return 0;
            }
        }
    }
    free(pae);
    return moat_err_set(err, MOAT_E_VERIFY,
                        "no signature of the envelope verifies with the %zu allowed key(s)",
                        n_keys);
}

void moat_dsse_free(struct moat_dsse *env)
{
    if (env == NULL)
        return;
    free(env->payload_type);
    free(env->payload);
    for (size_t i = 0; i < env->n_sigs; i++) {
        free(env->sigs[i].keyid);
        free(env->sigs[i].sig);
    }
    free(env->sigs);
    memset(env, 0, sizeof(*env));
}
