/*
 * image.h - open a container image from any transport and read its layers.
 *
 * Transports (skopeo's names): docker-archive:PATH, oci-archive:PATH,
 * oci:DIR[:TAG], dir:PATH; a bare path is auto-detected. The image is never
 * extracted: layers are streamed from the file, decompressed in bounded
 * memory and verified against their digests while they stream.
 *
 * This room owns references, manifests, configs and digests; it does not
 * interpret file contents.
 */
#ifndef MOAT_SOURCE_IMAGE_H
#define MOAT_SOURCE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/source/entry.h"

struct moat_layer_info {
    char *digest;     /* blob digest "sha256:<hex>" as the manifest names it; NULL for dir: */
    char *diff_id;    /* uncompressed digest from the config; NULL for dir: */
    char *media_type; /* NULL when unknown */
    uint64_t size;    /* blob bytes as stored (compressed) */
};

struct moat_history {
    char *created;    /* RFC 3339 or NULL */
    char *created_by; /* the build step, e.g. "/bin/sh -c apt-get install ..." or NULL */
    char *comment;
    int empty_layer; /* 1 when the step made no layer */
};

struct moat_kv {
    char *key;
    char *value;
};

struct moat_image_meta {
    const char *transport; /* "docker-archive", "oci-archive", "oci", "dir" (static) */
    char *ref;             /* the reference as given */
    char *name;            /* display name: the first tag, else the path */
    char *manifest_digest; /* "sha256:<hex>" of the manifest bytes; NULL when the transport has none
                            */
    char *config_digest;   /* "sha256:<hex>" of the config (the image id); NULL for dir: */
    char **tags;           /* repo tags, e.g. "docker.io/library/debian:12" */
    size_t n_tags;
    char *created, *os, *architecture, *variant, *author;
    /* from config.config; any may be NULL/empty */
    char *user;
    char **env;
    size_t n_env;
    char **cmd;
    size_t n_cmd;
    char **entrypoint;
    size_t n_entrypoint;
    char **exposed_ports; /* "22/tcp" */
    size_t n_exposed_ports;
    struct moat_kv *labels;
    size_t n_labels;
    char *working_dir;
    char *stop_signal;
    char **healthcheck; /* config.Healthcheck.Test, NULL when absent */
    size_t n_healthcheck;
    struct moat_history *history;
    size_t n_history;
    struct moat_layer_info *layers;
    size_t n_layers;
};

struct moat_open_opts {
    const char *platform; /* "os/arch[/variant]" for multi-platform indexes; NULL = linux/amd64 */
};

struct moat_image;

/*
 * Open REF. On success *out owns everything; free with moat_image_free().
 * Errors name the file and the problem (e.g. "img.tar: manifest.json: layer
 * 2 missing from archive").
 */
int moat_image_open(const char *ref, const struct moat_open_opts *opts, struct moat_image **out,
                    struct moat_err *err);
void moat_image_free(struct moat_image *img);

const struct moat_image_meta *moat_image_meta(const struct moat_image *img);

/*
 * Open layer i (0 = base) as an entry reader; see entry.h for the reader
 * contract (close() verifies digests). One layer open at a time per image.
 */
int moat_image_layer_open(struct moat_image *img, size_t i, struct moat_entry_reader **out,
                          struct moat_err *err);

#endif
