/*
 * custody.h - the chain of custody: signing keys, DSSE envelopes carrying
 * in-toto Statement v1 attestations, cosign-compatible simple signing, and
 * where attestations are stored (an in-toto JSON Lines bundle file, or OCI
 * 1.1 referrers inside an OCI image layout).
 *
 * The subject of every attestation is the image: its name and its digest,
 * moat_custody_subject_digest() (the manifest digest when the transport has
 * one, the config digest - the image id - for docker-archive, whose layers
 * the config binds through diff_ids).
 *
 * Must not: trust anything unsigned, print, or let a private key or
 * passphrase reach an error message, a log or an unencrypted file.
 *
 * Header notes from the verify side (additive): moat_key_parse_public()
 * (inline PEM keys in custody.yaml); moat_verified_phase.key, the policy's
 * name for the key that verified the phase.
 */
/*
 * Notes from the keys/DSSE/statement/storage side (additive changes only):
 * - Added: moat_predicate_phase,
 *   moat_predicate_scan (statement.c); moat_simplesign_* (simplesign.c);
 *   moat_referrer_store_annotated,
 *   moat_custody_oci_dir (ref -> layout dir), moat_envelope_load_file,
 *   moat_att_last_phase (store.c); MOAT_MEDIA_* / MOAT_ANNOTATION_*.
 * - Referrers: artifactType and layer mediaType MOAT_MEDIA_DSSE; the layer
 *   annotation MOAT_ANNOTATION_PREDICATE_TYPE names the predicate type.
 *   moat_referrers_load returns only DSSE referrers (not `moat sign`'s
 *   simple-signing ones). A layout with referrers lists several manifests
 *   in index.json, so refer to the image by tag (oci:DIR:TAG).
 * - `moat sign --bundle` writes a DSSE envelope whose payloadType is
 *   MOAT_MEDIA_SIMPLESIGNING (not in-toto): skip such envelopes when
 *   looking for statements.
 * - Private keys: moat_key_load_private refuses mode & 077 != 0 (-MOAT_E_UNSAFE),
 *   unencrypted PKCS#8 (-MOAT_E_FORMAT), a wrong passphrase (-MOAT_E_AUTH,
 *   "FILE: wrong passphrase").
 * - moat_dsse.digest is sha256 over exactly the bytes given to
 *   moat_dsse_parse: for a bundle that is one line without its "\n" (a
 *   trailing "\r" is dropped too), for an OCI referrer the layer blob. The
 *   phase predicate's "previous" is "sha256:" + hex of that digest.
 * - keyid is a hint: moat_dsse_verify tries every signature with every key.
 * - Phase predicate (MOAT_PREDICATE_PHASE): {"phase","time","builder",
 *   "previous"? , "scan"? , "attached"?}. `moat attest --phase P
 *   --scan-result S` puts the scan summary (the same object as a
 *   MOAT_PREDICATE_SCAN predicate) under "scan", signed by the phase key;
 *   without --phase it emits a standalone MOAT_PREDICATE_SCAN statement.
 *   --phase with --predicate F --type URI puts {"predicateType": URI,
 *   "predicate": {...}} under "attached"; without --phase it is a plain
 *   custom statement. So a verifier looking for scan results reads either
 *   a scan statement's predicate or a phase predicate's "scan".
 * - Scan predicate: {"scanner":{"name","version"},"time" (the scan's own
 *   timestamp),"image":{"manifest_digest","config_digest"},"max_severity":
 *   "CRITICAL"|"HIGH"|"MEDIUM"|"LOW"|"UNKNOWN"|"NONE","severity_counts":
 *   {CRITICAL..UNKNOWN: n},"kind_counts":{"vulnerability","secret",
 *   "misconfiguration","policy": n},"total","suppressed","packages_scanned"
 *   (n|null),"db_note" (string|null)}. UNKNOWN ranks below LOW.
 */
#ifndef MOAT_CUSTODY_CUSTODY_H
#define MOAT_CUSTODY_CUSTODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "moat/base/error.h"
#include "moat/base/time.h"
#include "moat/source/image.h"

#define MOAT_DSSE_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define MOAT_INTOTO_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define MOAT_PREDICATE_SCAN "https://moat.dev/attestation/scan/v1"
#define MOAT_PREDICATE_PHASE "https://moat.dev/attestation/phase/v1"
#define MOAT_MAX_ENVELOPE (4u << 20) /* bytes of one DSSE envelope we parse */
#define MOAT_MAX_BUNDLE (64u << 20)  /* bytes of one bundle file */

/* ---- keys (key.c) ---- */

enum moat_key_alg {
    MOAT_KEY_ECDSA_P256 = 1, /* cosign's default; signatures are DER ECDSA over SHA-256 */
    MOAT_KEY_ED25519,        /* pure Ed25519 over the message */
};

struct moat_key;

int moat_key_generate(enum moat_key_alg alg, struct moat_key **out, struct moat_err *err);
/*
 * PKCS#8 EncryptedPrivateKeyInfo PEM, PBES2 with scrypt and AES-256-CBC;
 * created with mode 0600 (never readable by group/other), written to a
 * temporary file and renamed, so a failure leaves nothing half-written.
 * Refuses to replace an existing file.
 */
int moat_key_write_private(const struct moat_key *k, const char *path, const char *pass,
                           size_t pass_len, struct moat_err *err);
/* SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC KEY-----"), mode 0644. */
int moat_key_write_public(const struct moat_key *k, const char *path, struct moat_err *err);
/* -MOAT_E_AUTH on a wrong passphrase; refuses a file readable by group/other. */
int moat_key_load_private(const char *path, const char *pass, size_t pass_len,
                          struct moat_key **out, struct moat_err *err);
int moat_key_load_public(const char *path, struct moat_key **out, struct moat_err *err);
/* The same from len bytes of SPKI PEM in memory (not NUL-terminated); `where` names it in errors.
 */
int moat_key_parse_public(const char *where, const void *pem, size_t len, struct moat_key **out,
                          struct moat_err *err);
enum moat_key_alg moat_key_alg(const struct moat_key *k);
/* Key id: lowercase hex sha256 of the DER SubjectPublicKeyInfo (64 chars + NUL). */
void moat_key_id(const struct moat_key *k, char out[65]);
int moat_key_sign(const struct moat_key *k, const void *msg, size_t len, unsigned char **sig,
                  size_t *sig_len, struct moat_err *err);
/* 0 when valid, -MOAT_E_VERIFY when not. */
int moat_key_verify(const struct moat_key *k, const void *msg, size_t len, const unsigned char *sig,
                    size_t sig_len, struct moat_err *err);
void moat_key_free(struct moat_key *k);

/* ---- DSSE (dsse.c) ---- */

/* PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body; caller frees *out. */
int moat_dsse_pae(const char *type, const void *body, size_t len, unsigned char **out,
                  size_t *out_len, struct moat_err *err);

struct moat_dsse_sig {
    char *keyid; /* may be NULL or "" */
    unsigned char *sig;
    size_t sig_len;
};

struct moat_dsse {
    char *payload_type;
    unsigned char *payload; /* decoded; NUL-terminated after payload_len */
    size_t payload_len;
    struct moat_dsse_sig *sigs;
    size_t n_sigs;
    unsigned char digest[32]; /* sha256 of the envelope's canonical JSON as stored */
};

/* Sign payload with k; *json_out is the envelope (compact JSON, one line). */
int moat_dsse_sign(const struct moat_key *k, const char *payload_type, const void *payload,
                   size_t len, char **json_out, struct moat_err *err);
/* Parse an envelope (bounded by MOAT_MAX_ENVELOPE); `where` names it in errors. */
int moat_dsse_parse(const char *where, const void *json, size_t len, struct moat_dsse *out,
                    struct moat_err *err);
/* 0 and *which (index into keys) when some signature verifies with one of keys. */
int moat_dsse_verify(const struct moat_dsse *env, struct moat_key *const *keys, size_t n_keys,
                     size_t *which, struct moat_err *err);
void moat_dsse_free(struct moat_dsse *env);

/* ---- in-toto statements and moat's predicates (statement.c) ---- */

/* "sha256:<hex>" of the image as attestations name it; NULL when it has none. */
const char *moat_custody_subject_digest(const struct moat_image_meta *meta);

/* Statement v1 JSON for one subject; predicate is borrowed. Caller frees *json_out. */
int moat_statement_build(const char *subject_name, const char *subject_digest,
                         const char *predicate_type, json_t *predicate, char **json_out,
                         struct moat_err *err);

struct moat_statement {
    char *predicate_type;
    json_t *predicate;     /* owned */
    char **subject_names;  /* parallel arrays */
    char **subject_sha256; /* lowercase hex */
    size_t n_subjects;
};
int moat_statement_parse(const char *where, const unsigned char *json, size_t len,
                         struct moat_statement *out, struct moat_err *err);
void moat_statement_free(struct moat_statement *st);

/*
 * Build the phase predicate (previous: the 32-byte sha256 of the previous
 * phase's envelope bytes, or NULL for the first phase). *out is new.
 */
int moat_predicate_phase(const char *phase, const char *time_str, const char *builder,
                         const unsigned char *previous, json_t **out, struct moat_err *err);
/*
 * Build the scan predicate from a parsed `moat scan --format json` report.
 * With meta, refuses (-MOAT_E_VERIFY) a report whose image digest is not
 * meta's. *out is new.
 */
int moat_predicate_scan(const char *where, json_t *report, const struct moat_image_meta *meta,
                        json_t **out, struct moat_err *err);

/*
 * The phase predicate: {"phase": NAME, "time": RFC 3339 UTC, "builder": WHO,
 * "previous": "sha256:<hex of the previous phase's envelope>" or absent}.
 * The scan predicate (MOAT_PREDICATE_SCAN) is documented in docs/attestations.md:
 * scanner, time, counts per severity and kind, max_severity, database info.
 */

/* ---- cosign simple signing (simplesign.c) ---- */

/*
 * The payload {"critical":{"identity":{"docker-reference": NAME},"image":
 * {"docker-manifest-digest":DIGEST},"type":"cosign container image
 * signature"},"optional":null}, signed as is (ECDSA: DER over its SHA-256) -
 * the signature cosign verifies with `cosign verify --key`. docker_reference
 * is the repository without tag or digest. Caller frees.
 */
int moat_simplesign_payload(const char *docker_reference, const char *digest, char **json_out,
                            struct moat_err *err);
/*
 * 0 when payload is a simple-signing payload naming digest and (repo non-NULL)
 * the repository repo ("domain/path", compared as the engine normalises
 * names); -MOAT_E_VERIFY / -MOAT_E_FORMAT, where naming the payload.
 */
int moat_simplesign_check(const char *where, const void *payload, size_t len, const char *digest,
                          const char *repo, struct moat_err *err);
/*
 * The repository an image is signed as, "domain/path" normalised: name when
 * given (--name), else the first tag that names a repository (RepoTags of a
 * docker-archive, a reference as an OCI ref name). A layout that names the
 * image only by a tag ("1") gives no repository: -MOAT_E_ARG asking for
 * --name. Caller frees *repo.
 */
int moat_simplesign_identity(const struct moat_image_meta *meta, const char *name, char **repo,
                             struct moat_err *err);

/* Where an image's simple signatures are (see moat_simplesign_verify_image). */
struct moat_simplesign_sources {
    const char *signature, *payload; /* base64 signature and payload files, or NULL */
    const char *const *bundles;      /* DSSE envelopes of simple-signing payloads */
    size_t n_bundles;
    bool no_referrers; /* do not look among an oci: layout's referrers */
};

struct moat_simplesign_result {
    bool ok;             /* at least one signature holds */
    size_t n_signatures; /* signatures found */
    size_t n_valid;      /* of which hold */
    char **reasons;      /* when !ok: why each failed, one line each */
    size_t n_reasons;
};

/*
 * Check the image's simple signatures against key: each must verify, sign
 * this image's digest and (repo non-NULL) name repo. Returns 0 with out
 * filled (out->ok false and the reasons when none holds), or <0 for errors
 * that are not verdicts (an unreadable file, out of memory).
 */
int moat_simplesign_verify_image(const struct moat_key *key, const struct moat_image_meta *meta,
                                 const char *repo, const struct moat_simplesign_sources *src,
                                 struct moat_simplesign_result *out, struct moat_err *err);
void moat_simplesign_result_free(struct moat_simplesign_result *r);

/* ---- storage (store.c) ---- */

/*
 * Attestations for an image: from a bundle file (in-toto JSON Lines, one
 * envelope per line) and/or the OCI 1.1 referrers of an oci: layout (the
 * index.json manifests whose subject is the image). Raw envelopes are kept
 * so their digests chain.
 */
struct moat_att_set {
    struct moat_dsse *v;
    size_t n;
};
/* Append the envelope JSON as one line to the bundle (created 0644 if missing; rewritten
 * atomically). */
int moat_bundle_append(const char *path, const char *envelope_json, struct moat_err *err);
int moat_bundle_load(const char *path, struct moat_att_set *out, struct moat_err *err);
/* For an oci:DIR reference: store an envelope as a referrer artifact of the image. */
int moat_referrer_store(const char *oci_dir, const struct moat_image_meta *meta,
                        const char *artifact_type, const char *media_type, const void *blob,
                        size_t len, struct moat_err *err);
#define MOAT_MEDIA_DSSE "application/vnd.dsse.envelope.v1+json" /* artifactType and layer */
#define MOAT_MEDIA_SIMPLESIGNING "application/vnd.dev.cosign.simplesigning.v1+json"
#define MOAT_ANNOTATION_COSIGN_SIG "dev.cosignproject.cosign/signature"
#define MOAT_ANNOTATION_PREDICATE_TYPE "in-toto.io/predicate-type"
/* The same with layer annotations: key, value, key, value, ..., NULL (or annotations NULL). */
int moat_referrer_store_annotated(const char *oci_dir, const struct moat_image_meta *meta,
                                  const char *artifact_type, const char *media_type,
                                  const void *blob, size_t len, const char *const *annotations,
                                  struct moat_err *err);
/*
 * For "oci:DIR[:TAG]": 1 and *dir (malloc'd) = DIR, split as the source room
 * does (the whole rest when it exists as a path); 0 for other transports.
 */
int moat_custody_oci_dir(const char *ref, char **dir, struct moat_err *err);
/*
 * Each referrer of the image in oci_dir whose one layer has media_type: fn
 * gets its blob (digest and size checked, at most max bytes), `where` naming
 * it, and the layer descriptor (for its annotations). fn returns 0 or <0 to
 * stop with that error.
 */
int moat_referrers_each(const char *oci_dir, const struct moat_image_meta *meta,
                        const char *media_type, size_t max,
                        int (*fn)(void *ctx, const char *where, const char *data, size_t len,
                                  const json_t *layer, struct moat_err *err),
                        void *ctx, struct moat_err *err);
/* Load the DSSE envelopes that are referrers of the image in oci_dir. */
int moat_referrers_load(const char *oci_dir, const struct moat_image_meta *meta,
                        struct moat_att_set *out, struct moat_err *err);
void moat_att_set_free(struct moat_att_set *s);
/*
 * One envelope in a file of its own (trailing newline allowed, one line
 * only); out->digest is over the line without its newline, as in a bundle.
 */
int moat_envelope_load_file(const char *path, struct moat_dsse *out, struct moat_err *err);
/*
 * The newest (last stored) envelope in s that carries an in-toto phase
 * statement (MOAT_PREDICATE_PHASE) whose subject is subject_digest
 * ("sha256:<hex>"), signature not checked: 1 and *idx, or 0 when none.
 */
int moat_att_last_phase(const struct moat_att_set *s, const char *subject_digest, size_t *idx);

/* ---- chain verification against a policy (policy.c, verify.c) ---- */

struct moat_custody_policy; /* parsed custody.yaml; format in docs/custody-policy.md */

int moat_custody_policy_load(const char *path, struct moat_custody_policy **out,
                             struct moat_err *err);
int moat_custody_policy_parse(const char *where, const char *yaml, size_t len, const char *base_dir,
                              struct moat_custody_policy **out, struct moat_err *err);
void moat_custody_policy_free(struct moat_custody_policy *p);

/* One phase of the chain as verified. */
struct moat_verified_phase {
    char *phase;
    char *keyid;
    char *key;  /* the policy's name for that key */
    char *time; /* from the predicate */
    unsigned char envelope_digest[32];
};

struct moat_custody_result {
    bool ok;
    char **reasons; /* one line each, why it failed (empty when ok) */
    size_t n_reasons;
    struct moat_verified_phase *phases; /* in chain order */
    size_t n_phases;
    json_t *scan; /* the newest verified scan predicate, or NULL */
    /* moat_custody_verify_image only: */
    size_t n_layers, n_layers_ok; /* layers, and those that matched their digests */
    size_t n_attestations;        /* envelopes gathered */
};

/*
 * Verify attestations `atts` for the image described by meta against the
 * policy at time `now` (unix seconds). Returns 0 with out->ok false and the
 * reasons filled when verification fails; <0 only for errors that are not
 * verdicts (out of memory).
 */
int moat_custody_verify(const struct moat_custody_policy *p, const struct moat_image_meta *meta,
                        const struct moat_att_set *atts, int64_t now,
                        struct moat_custody_result *out, struct moat_err *err);
void moat_custody_result_free(struct moat_custody_result *r);

/* ---- a whole image (verify_image.c) ---- */

/* Where an image's attestations are: bundle files and, for oci: layouts, its referrers. */
struct moat_custody_sources {
    const char *const *bundles;
    size_t n_bundles;
    bool no_referrers;
};

/*
 * Read every layer of img to its end so the source checks its blob and
 * diff_id digests; each layer that fails is a reason, handed to reason()
 * (the source's message names the layer and its digest). *n_ok counts the
 * layers that matched. <0 only for errors that are not verdicts.
 */
int moat_custody_check_layers(struct moat_image *img, size_t *n_ok,
                              int (*reason)(void *ctx, const char *msg), void *ctx,
                              struct moat_err *err);
/* Append the envelopes of every bundle and (unless no_referrers) the oci: referrers to all. */
int moat_custody_gather(const struct moat_image_meta *meta, const struct moat_custody_sources *src,
                        struct moat_att_set *all, struct moat_err *err);
/*
 * The whole custody verdict on an image: layers digest-checked, attestations
 * gathered from src, the chain judged against the policy at now. Layer and
 * "no attestations" reasons come first in out->reasons; out->ok is false
 * when there is any reason. <0 only for errors that are not verdicts (an
 * unreadable bundle, out of memory).
 */
int moat_custody_verify_image(const struct moat_custody_policy *pol, struct moat_image *img,
                              const struct moat_custody_sources *src, int64_t now,
                              struct moat_custody_result *out, struct moat_err *err);
/*
 * The envelope a new phase attestation of the image (subject digest) chains
 * to: the file previous when given (it must be about the same image), else
 * the newest phase envelope of the image in bundle (a bundle that does not
 * exist yet: none), else among the oci: layout's referrers. *have is false
 * for the first phase; prev gets the envelope's sha256.
 */
int moat_custody_previous(const struct moat_image_meta *meta, const char *digest,
                          const char *previous, const char *bundle, unsigned char prev[32],
                          bool *have, struct moat_err *err);

#endif
