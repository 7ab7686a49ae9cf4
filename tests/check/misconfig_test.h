/* misconfig_test.h - helpers shared by the misconfig unit tests: a merged
 * view built from in-memory layers (with the sniffer watching, as in
 * `moat scan`), and lookups in the findings. */
#ifndef MOAT_TEST_MISCONFIG_H
#define MOAT_TEST_MISCONFIG_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fs/mem_reader.h"
#include "moat/check/misconfig.h"

/* An entry with explicit mode bits. */
#define MF(p, d, m)                                                                                \
    {                                                                                              \
        MOAT_FT_REG, (p), NULL, (d), 0, (m)                                                        \
    }
#define MD(p, m)                                                                                   \
    {                                                                                              \
        MOAT_FT_DIR, (p), NULL, NULL, 0, (m)                                                       \
    }

struct mc_layer {
    const struct mem_entry *e;
    size_t n;
};

#define LAYER(arr)                                                                                 \
    {                                                                                              \
        (arr), sizeof(arr) / sizeof((arr)[0])                                                      \
    }

/* A whole (small) text file, NUL-terminated; caller frees. NULL if it cannot be read. */
static inline char *mc_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) != NULL)
        buf[fread(buf, 1, (size_t)n, f)] = '\0';
    fclose(f);
    return buf;
}

/* Build a view of the layers; *sniff (if sniff != NULL) watched the build. */
static inline struct moat_fs *mc_build(const struct mc_layer *layers, size_t n,
                                       struct moat_misconfig_sniffer **sniff)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs_visitor v;
    struct moat_fs_opts opts = {0};
    struct moat_fs *fs = NULL;

    if (sniff != NULL) {
        if (moat_misconfig_sniffer_new(sniff, &err) < 0)
            return NULL;
        v = moat_misconfig_sniffer_visitor(*sniff);
        opts.visitors = &v;
        opts.n_visitors = 1;
    }
    if (moat_fs_new(n, &opts, &fs, &err) < 0)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (mem_apply(fs, (uint32_t)i, layers[i].e, layers[i].n, &err) < 0) {
            fprintf(stderr, "mc_build: %s\n", moat_err_msg(&err));
            moat_fs_free(fs);
            moat_err_clear(&err);
            return NULL;
        }
    }
    return fs;
}

static inline size_t mc_count(const struct moat_findings *fs, const char *id)
{
    size_t c = 0;

    for (size_t i = 0; i < fs->n; i++)
        if (id == NULL || strcmp(fs->v[i].rule_id, id) == 0)
            c++;
    return c;
}

/* The finding of rule id at path (NULL = any path), or NULL. */
static inline const struct moat_finding *mc_find(const struct moat_findings *fs, const char *id,
                                                 const char *path)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].rule_id, id) == 0 &&
            (path == NULL || (fs->v[i].path != NULL && strcmp(fs->v[i].path, path) == 0)))
            return &fs->v[i];
    return NULL;
}

/* The findings on stderr, with MOAT_TEST_VERBOSE set. */
static inline void mc_dump(const struct moat_findings *fs)
{
    if (getenv("MOAT_TEST_VERBOSE") == NULL)
        return;
    for (size_t i = 0; i < fs->n; i++)
        fprintf(stderr, "  %s %s %s [%s] %s\n", fs->v[i].rule_id,
                moat_severity_name(fs->v[i].severity), fs->v[i].path ? fs->v[i].path : "-",
                fs->v[i].match ? fs->v[i].match : "", fs->v[i].description);
}

#endif
