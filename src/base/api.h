/*
 * api.h - MOAT_API marks a function of the public API, the only kind that
 * libmoat.so is meant to export. Put it on the declarations in include/moat/:
 *
 *     MOAT_API const char *moat_strerror(int rc);
 *
 * Today the shared library exports every moat_* symbol through its version
 * script (cmake/libmoat.map); once the public headers are marked, libmoat is
 * compiled with -fvisibility=hidden and exports exactly what carries MOAT_API.
 */
#ifndef MOAT_BASE_API_H
#define MOAT_BASE_API_H

#if defined(__GNUC__) || defined(__clang__)
#define MOAT_API __attribute__((visibility("default")))
#else
#define MOAT_API
#endif

#endif
