/*
 * source_internal.h - what the files of source/ share with each other (and
 * with the fuzz targets and unit tests): byte ranges, the outer-tar index,
 * the blob -> hash -> decompress -> libarchive layer pipeline, the JSON
 * helpers and the manifest/index/config parsers.
 *
 * Nothing here is part of libmoat's public API; other rooms use image.h and
 * entry.h only. Names are source_* (static ones are unprefixed).
 */
#ifndef MOAT_SOURCE_INTERNAL_H
#define MOAT_SOURCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "moat/base/error.h"
#include "moat/source/entry.h"
#include "moat/source/image.h"

#define SOURCE_IO_CHUNK (256u << 10)     /* read and inflate buffers */
#define SOURCE_DIGEST_LEN 71u            /* "sha256:" + 64 hex */
#define SOURCE_RATIO_GRACE (64ull << 20) /* bytes out before the ratio applies */
#define SOURCE_MAX_INDEX_DEPTH 4u        /* nested image indexes followed */
#define SOURCE_MAX_TAR_MEMBERS 1000000u  /* members in an outer tar */

/* ---- digest.c: "sha256:<64 lowercase hex>" ---- */

/* 1 when s is exactly sha256 + ':' + 64 lowercase hex digits. */
int source_digest_valid(const char *s);
/* 0, or -MOAT_E_FORMAT naming what (e.g. "img.tar: manifest.json: Layers[2]"). */
int source_digest_check(const char *s, const char *what, struct moat_err *err);
/* Format a 32-byte SHA-256 as "sha256:<hex>" into out (SOURCE_DIGEST_LEN + 1 bytes). */
void source_digest_format(const unsigned char md[32], char *out);
/* SHA-256 of a buffer, formatted. */
int source_sha256(const void *data, size_t len, char *out, struct moat_err *err);

/* ---- range.c: a byte range of a file or of memory ---- */

struct source_range {
    int fd;                   /* -1 for a memory range */
    int own_fd;               /* close fd in source_range_close() */
    const unsigned char *mem; /* memory source when fd < 0 */
    uint64_t off, size;
};

/* Read up to n bytes at pos (relative to the range); *got < n only at the range end. */
int source_range_pread(const struct source_range *r, void *buf, size_t n, uint64_t pos, size_t *got,
                       const char *label, struct moat_err *err);
/*
 * Load the whole range (at most max bytes, else -MOAT_E_LIMIT) into a new
 * NUL-terminated buffer the caller frees.
 */
int source_range_load(const struct source_range *r, size_t max, const char *label, char **data,
                      size_t *len, struct moat_err *err);
void source_range_close(struct source_range *r);

/* ---- blob.c: sequential reader over a range that hashes what it reads ---- */

struct source_blob {
    struct source_range r;
    uint64_t pos;
    void *md;           /* EVP_MD_CTX *, NULL when not hashing */
    unsigned char *buf; /* SOURCE_IO_CHUNK bytes; NULL for memory ranges (zero copy) */
    const char *label;
    struct blob_hasher *hasher; /* big file blobs: hashed by a second thread */
};

int source_blob_init(struct source_blob *b, const struct source_range *r, int hash,
                     const char *label, struct moat_err *err);
/* Next chunk: returns bytes (>0) with *p pointing at them until the next call, 0 at the end. */
ssize_t source_blob_read(struct source_blob *b, const unsigned char **p, struct moat_err *err);
/* Finish the hash into out ("sha256:<hex>"). */
int source_blob_digest(struct source_blob *b, char *out, struct moat_err *err);
void source_blob_free(struct source_blob *b);

/* ---- decompress.c: gzip (multi-member) / zstd / none, detected by magic ---- */

enum source_comp { SOURCE_COMP_UNKNOWN = 0, SOURCE_COMP_NONE, SOURCE_COMP_GZIP, SOURCE_COMP_ZSTD };

struct source_limits {
    uint64_t max_out; /* bytes out of one layer */
    uint64_t grace;   /* bytes out before the ratio applies */
    uint64_t ratio;   /* max out/in after grace */
};

struct source_decomp;

/* Default limits from limits.h. */
void source_limits_default(struct source_limits *l);
/* 1 when `out` bytes from `in` compressed bytes are within l. */
int source_limits_ok(const struct source_limits *l, uint64_t in, uint64_t out);

/*
 * A decompressor reading from in (not owned; it must outlive d). hash: keep
 * a SHA-256 of the output. limits may be NULL (defaults).
 */
int source_decomp_new(struct source_blob *in, const struct source_limits *limits, int hash,
                      const char *label, struct source_decomp **out, struct moat_err *err);
/* Next output chunk (>0) valid until the next call, 0 at the end, <0 error. */
ssize_t source_decomp_read(struct source_decomp *d, const unsigned char **p, struct moat_err *err);
/* Read and discard everything left. */
int source_decomp_drain(struct source_decomp *d, struct moat_err *err);
uint64_t source_decomp_total(const struct source_decomp *d);
enum source_comp source_decomp_kind(const struct source_decomp *d);
/* Digest of the output; for SOURCE_COMP_NONE the input's digest is the output's. */
int source_decomp_digest(struct source_decomp *d, char *out, struct moat_err *err);
void source_decomp_free(struct source_decomp *d);

/* ---- layer_tar.c: a layer blob as an entry reader ---- */

struct source_layer_spec {
    const char *label;                  /* file named in messages */
    size_t index;                       /* layer number in messages */
    const char *digest;                 /* expected blob digest, or NULL */
    const char *diff_id;                /* expected uncompressed digest, or NULL */
    uint64_t size;                      /* expected blob size, or UINT64_MAX when unknown */
    int *busy;                          /* cleared at close when not NULL */
    uint64_t *image_total;              /* uncompressed bytes of the image so far, or NULL */
    const struct source_limits *limits; /* NULL = defaults */
};

/* Takes ownership of r (closes an owned fd), also on failure. */
int source_layer_tar_open(struct source_range *r, const struct source_layer_spec *spec,
                          struct moat_entry_reader **out, struct moat_err *err);

/* ---- layer_dir.c: an unpacked root directory as one layer ---- */

int source_layer_dir_open(const char *path, int *busy, struct moat_entry_reader **out,
                          struct moat_err *err);

/* ---- tar_index.c: the outer (uncompressed) tar, indexed once ---- */

struct source_tar_member {
    char *name;   /* normalised: no leading "./" or "/" */
    char *link;   /* symlink / hard-link target, else NULL */
    char type;    /* '0' file, '1' hard link, '2' symlink */
    uint64_t off; /* data offset in the file */
    uint64_t size;
};

struct source_tar_index {
    struct source_tar_member *m; /* sorted by name */
    size_t n, cap;
};

/*
 * Index the tar in r (label names it in messages). A compressed file gives
 * -MOAT_E_UNSUPPORTED; a bad header -MOAT_E_FORMAT.
 */
int source_tar_index_build(const struct source_range *r, const char *label,
                           struct source_tar_index *out, struct moat_err *err);
/* Find a regular member by name, following links inside the archive. -MOAT_E_NOTFOUND if absent. */
int source_tar_find(const struct source_tar_index *ix, const char *name, const char *label,
                    const struct source_tar_member **out, struct moat_err *err);
void source_tar_index_free(struct source_tar_index *ix);
/* Which compression, if any, the first bytes show: NULL for none, else its name. */
const char *source_compressed_magic(const unsigned char *p, size_t n);

/* ---- json_util.c: bounded, typed JSON ---- */

/* Parse data (len bytes) after checking size and nesting depth. */
int source_json_parse(const char *data, size_t len, const char *what, json_t **out,
                      struct moat_err *err);
/* Nesting depth of the JSON text (brackets outside strings). */
/*
 * Typed getters: a missing key or null gives NULL/0 and returns 0; a wrong
 * type returns -MOAT_E_FORMAT naming "what.key". Strings are copied.
 */
int source_json_str(const json_t *obj, const char *key, const char *what, char **out,
                    struct moat_err *err);
int source_json_strv(const json_t *obj, const char *key, const char *what, char ***out, size_t *n,
                     struct moat_err *err);
int source_json_u64(const json_t *obj, const char *key, const char *what, int required,
                    uint64_t *out, struct moat_err *err);
/* Object or array member with its type checked; NULL when absent or null. */
int source_json_obj(const json_t *obj, const char *key, const char *what, json_t **out,
                    struct moat_err *err);
int source_json_arr(const json_t *obj, const char *key, const char *what, json_t **out,
                    struct moat_err *err);
void source_strv_free(char **v, size_t n);

/* ---- config.c: image config JSON -> meta ---- */

/*
 * Fill the config fields of m (created, os, ..., history) from the config
 * JSON; diff_ids (validated digests) are returned separately.
 */
int source_config_parse(const char *data, size_t len, const char *what, struct moat_image_meta *m,
                        char ***diff_ids, size_t *n_diff_ids, struct moat_err *err);

/* ---- docker_archive.c: manifest.json ---- */

struct source_docker_image {
    char *config;
    char **layers;
    size_t n_layers;
    char **tags;
    size_t n_tags;
};

/* Choose the image of manifest.json matching want_ref (a RepoTag), or the only one. */
int source_docker_manifest_parse(const char *data, size_t len, const char *what,
                                 const char *want_ref, struct source_docker_image *out,
                                 struct moat_err *err);
void source_docker_image_free(struct source_docker_image *d);
int source_docker_archive_open(struct moat_image *img, const char *path, const char *want_ref,
                               struct moat_err *err);

/* ---- oci.c: index, manifest, platform ---- */

struct source_desc {
    char *media_type;
    char *digest;
    uint64_t size;
    char *ref_name;            /* org.opencontainers.image.ref.name */
    char *artifact_type;       /* OCI 1.1 artifactType: a referrer, not an image */
    char *os, *arch, *variant; /* platform, when given */
};

struct source_index {
    struct source_desc *m;
    size_t n;
};

struct source_manifest {
    char *media_type;
    struct source_desc config;
    struct source_desc *layers;
    size_t n_layers;
};

int source_oci_index_parse(const char *data, size_t len, const char *what, struct source_index *out,
                           struct moat_err *err);
void source_index_free(struct source_index *ix);
/*
 * Pick a descriptor: by tag (ref.name) when tag is set, then by platform
 * ("os/arch[/variant]", NULL = linux/amd64) among platform-tagged entries.
 */
int source_index_choose(const struct source_index *ix, const char *tag, const char *platform,
                        const char *what, size_t *out, struct moat_err *err);
int source_oci_manifest_parse(const char *data, size_t len, const char *what,
                              struct source_manifest *out, struct moat_err *err);
void source_manifest_free(struct source_manifest *m);
void source_desc_free(struct source_desc *d);
/* 1 for an image index / manifest list media type, 0 for a manifest, -1 unknown. */
int source_media_is_index(const char *media_type);

int source_oci_open(struct moat_image *img, const char *path, int archive, const char *tag,
                    const char *platform, struct moat_err *err);
/* A blob of the image's layout (archive: in the tar; else: in the directory) as a range. */
int source_oci_blob(struct moat_image *img, int archive, const char *digest,
                    struct source_range *out, struct moat_err *err);

/* ---- ref.c: transport parsing and auto-detection ---- */

enum source_transport {
    SOURCE_T_DOCKER_ARCHIVE = 1,
    SOURCE_T_OCI_ARCHIVE,
    SOURCE_T_OCI,
    SOURCE_T_DIR,
};

struct source_ref {
    enum source_transport transport;
    char *path;
    char *tag; /* NULL when none */
};

int source_ref_parse(const char *ref, struct source_ref *out, struct moat_err *err);
void source_ref_free(struct source_ref *r);

/* ---- image.c: the image object the transports fill ---- */

struct moat_image {
    struct moat_image_meta meta;
    enum source_transport transport;
    char *label;                 /* the path, for messages */
    int fd;                      /* archive file, or OCI layout dir; -1 for dir: */
    struct source_tar_index tar; /* archives only */
    struct source_range *blobs;  /* per layer, archives only (fd not owned) */
    char *root;                  /* dir: path */
    int busy;                    /* a layer reader is open */
    uint64_t total;              /* uncompressed bytes read so far */
};

/*
 * Add context to an error whose message already starts with "label: ":
 * "label: rest" becomes "label: CONTEXT: rest", so the input file stays the
 * first thing a message names. Other messages get "label: CONTEXT: " in front.
 * Returns -err->code.
 */
int source_err_context(struct moat_err *err, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
