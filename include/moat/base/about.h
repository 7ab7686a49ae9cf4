/*
 * about.h - what this libmoat is built from: its version and the version
 * of each library it runs on, as those libraries report themselves at run
 * time (so a user reporting a bug, or a packager, sees what is really
 * loaded, not what the headers said at build time).
 */
#ifndef MOAT_BASE_ABOUT_H
#define MOAT_BASE_ABOUT_H

#include <stddef.h>

struct moat_about_lib {
    const char *name;    /* "libarchive", "OpenSSL", ... */
    const char *version; /* as the library reports it */
};

/* libmoat's own version ("0.1.0"). */
const char *moat_version(void);
#define MOAT_ABOUT_LIBS 10u

/* Fill out (cap entries) with the libraries libmoat is linked with; returns how many there are. */
size_t moat_about_libs(struct moat_about_lib *out, size_t cap);

#endif
