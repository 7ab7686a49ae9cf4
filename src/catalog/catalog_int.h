/*
 * catalog_int.h - helpers the catalogers share (util.c): a line cursor over
 * untrusted bytes, bounded string copies and a bounded, sortable list of
 * installed-file paths. Nothing here assumes NUL-terminated input.
 */
#ifndef MOAT_CATALOG_INT_H
#define MOAT_CATALOG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/catalog/catalog.h"

/* Lines of a buffer: "\n" separated, a trailing "\r" dropped, the last line may lack "\n". */
struct cat_lines {
    const unsigned char *p, *end;
    size_t lineno; /* 1-based number of the line last returned */
};

void cat_lines_init(struct cat_lines *l, const unsigned char *data, size_t len);
/* 1 and the line (without its terminator), or 0 at the end. */
int cat_lines_next(struct cat_lines *l, const unsigned char **line, size_t *len);

/* Trim ASCII blanks (space, tab, CR) on both sides. */
void cat_trim(const unsigned char **p, size_t *n);

/*
 * Copy n bytes into a new NUL-terminated string in *out. -MOAT_E_FORMAT if
 * the bytes hold a NUL, -MOAT_E_LIMIT past MOAT_MAX_FIELD_LEN, naming
 * `where` and `lineno` (0 = no line) in err.
 */
int cat_dup(const char *where, size_t lineno, const void *p, size_t n, char **out,
            struct moat_err *err);

/* Numeric epoch of a version "E:rest": 0 when there is no ':'; -1 when E is not a uint32. */
int cat_epoch(const char *version, uint32_t *epoch);

/* A growing list of owned strings, bounded by MOAT_MAX_FILES_PER_PACKAGE. */
struct cat_strv {
    char **v;
    size_t n, cap;
};

/* Append dir + "/" + name (dir may be empty), leading '/' stripped. */
int cat_strv_add_path(struct cat_strv *s, const char *where, const void *dir, size_t dlen,
                      const void *name, size_t nlen, struct moat_err *err);
/* Sort, drop duplicates, and move into p->files (p->files must be empty). */
void cat_strv_to_pkg(struct cat_strv *s, struct moat_pkg *p);
void cat_strv_free(struct cat_strv *s);

/* Set p->src_name / src_version, leaving NULL when equal to name / version. */
int cat_set_source(struct moat_pkg *p, const char *where, size_t lineno, const void *name,
                   size_t nlen, const void *ver, size_t vlen, struct moat_err *err);

#endif
