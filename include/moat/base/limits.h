/*
 * limits.h - the safety bounds applied to hostile input, in one place so
 * they are easy to audit. Each bound turns into a MOAT_E_LIMIT error that
 * names the input, never into a crash or unbounded allocation.
 */
#ifndef MOAT_BASE_LIMITS_H
#define MOAT_BASE_LIMITS_H

#include <stdint.h>

#define MOAT_MAX_PATH_LEN 4096u  /* bytes in one path inside an image */
#define MOAT_MAX_PATH_DEPTH 256u /* components in one path */
#define MOAT_MAX_LINK_HOPS 40u   /* symlinks followed while resolving (as Linux) */
#define MOAT_MAX_LAYERS 1024u    /* layers in one image */
#define MOAT_MAX_ENTRIES_PER_LAYER 4000000u
#define MOAT_MAX_NODES 8000000u         /* nodes in the merged view, all layers */
#define MOAT_MAX_JSON_BYTES (16u << 20) /* manifest, config, index, docker manifest.json */
#define MOAT_MAX_JSON_DEPTH 64u
#define MOAT_MAX_LAYER_BYTES (64ull << 30)  /* uncompressed bytes in one layer */
#define MOAT_MAX_IMAGE_BYTES (256ull << 30) /* uncompressed bytes in all layers */
#define MOAT_MAX_INFLATE_RATIO 1024u        /* uncompressed/compressed, after the first 64 MiB */
#define MOAT_MAX_CAPTURE_BYTES (64u << 20)  /* one file kept in memory for a cataloger */
#define MOAT_MAX_CAPTURE_TOTAL (256u << 20) /* all captured files at once */
#define MOAT_MAX_FIELD_LEN (1u << 20)       /* one field of a package database record */
#define MOAT_MAX_PACKAGES 200000u
#define MOAT_MAX_FILES_PER_PACKAGE 1000000u
#define MOAT_MAX_TAR_HEADER_EXT (1u << 20) /* pax / GNU long-name data in the outer tar */

#endif
