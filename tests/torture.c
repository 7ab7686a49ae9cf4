/*
 * torture.c - the allocation counter behind the replay executables'
 * allocation-failure mode (curl's "torture" tests, SQLite's fault
 * simulation); tests/replay_main.c --torture drives it.
 *
 * moat's own allocations reach it through the linker: the replay executables
 * are linked with -Wl,--wrap=malloc,... (tests/CMakeLists.txt), so every call
 * libmoat and the fuzz target make to one of the wrapped functions lands in
 * __wrap_X, which fails it when its turn has come and otherwise calls the
 * real one (__real_X: glibc's, or ASan's interceptor). The libraries that let
 * a program supply an allocator get the same counter: jansson
 * (json_set_alloc_funcs), SQLite (SQLITE_CONFIG_MALLOC) and Hyperscan
 * (hs_set_allocator), except inside jansson's parser (json_loadb, wrapped
 * too): jansson 2.14 drops a byte when its lexer's buffer cannot grow and then
 * crashes (akheron/jansson#362), a bug of its own that moat cannot fix, while
 * its other failures (json_object, json_string, json_dumps...) moat must
 * handle. Allocations libraries make without such a hook (libarchive,
 * libyaml, zlib, zstd, libc internals) are not counted.
 *
 * Single-threaded, like the fuzz targets it serves.
 */
#include "torture.h"

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs.h>
#include <jansson.h>
#include <sqlite3.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
FILE *__real_open_memstream(char **buf, size_t *size);
json_t *__real_json_loadb(const char *buf, size_t n, size_t flags, json_error_t *error);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
int __wrap_asprintf(char **out, const char *fmt, ...);
FILE *__wrap_open_memstream(char **buf, size_t *size);
json_t *__wrap_json_loadb(const char *buf, size_t n, size_t flags, json_error_t *error);

static struct {
    bool armed, injected, paused;
    unsigned long n, fail_at;
    void *site;
} t;

/* Count one allocation; true when it is the one to fail (errno is then ENOMEM). */
static bool fail_now(void *site)
{
    if (!t.armed || t.paused || ++t.n != t.fail_at)
        return false;
    t.injected = true;
    t.site = site;
    errno = ENOMEM;
    return true;
}

#define FAIL_HERE() fail_now(__builtin_extract_return_addr(__builtin_return_address(0)))

void *__wrap_malloc(size_t n)
{
    return FAIL_HERE() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return FAIL_HERE() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return FAIL_HERE() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return FAIL_HERE() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return FAIL_HERE() ? NULL : __real_strndup(s, n);
}

/* On failure *out is left alone, as glibc leaves it undefined. */
int __wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
    return FAIL_HERE() ? -1 : __real_vasprintf(out, fmt, ap);
}

int __wrap_asprintf(char **out, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (FAIL_HERE())
        return -1;
    va_start(ap, fmt);
    r = __real_vasprintf(out, fmt, ap);
    va_end(ap);
    return r;
}

FILE *__wrap_open_memstream(char **buf, size_t *size)
{
    return FAIL_HERE() ? NULL : __real_open_memstream(buf, size);
}

/* jansson's parser allocates without failing (see the top of the file). */
json_t *__wrap_json_loadb(const char *buf, size_t n, size_t flags, json_error_t *error)
{
    bool paused = t.paused;
    json_t *j;

    t.paused = true;
    j = __real_json_loadb(buf, n, flags, error);
    t.paused = paused;
    return j;
}

/* The libraries' hooks. */
static void *lib_malloc(size_t n)
{
    return FAIL_HERE() ? NULL : __real_malloc(n);
}

static void *sqlite_malloc(int n)
{
    return n <= 0 || FAIL_HERE() ? NULL : __real_malloc((size_t)n);
}

static void *sqlite_realloc(void *p, int n)
{
    return n <= 0 || FAIL_HERE() ? NULL : __real_realloc(p, (size_t)n);
}

static int sqlite_size(void *p)
{
    return p != NULL ? (int)malloc_usable_size(p) : 0;
}

static int sqlite_roundup(int n)
{
    return (n + 7) & ~7;
}

static int sqlite_init(void *ctx)
{
    (void)ctx;
    return SQLITE_OK;
}

static void sqlite_shutdown(void *ctx)
{
    (void)ctx;
}

void torture_setup(void)
{
    static const sqlite3_mem_methods mem = {
        sqlite_malloc,  free,        sqlite_realloc,  sqlite_size,
        sqlite_roundup, sqlite_init, sqlite_shutdown, NULL};

    json_set_alloc_funcs(lib_malloc, free);
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &mem) != SQLITE_OK ||
        hs_set_allocator(lib_malloc, free) != HS_SUCCESS) {
        fprintf(stderr, "torture: cannot install the library allocators\n");
        abort();
    }
}

void torture_arm(unsigned long fail_at)
{
    t.armed = true;
    t.injected = false;
    t.n = 0;
    t.fail_at = fail_at;
    t.site = NULL;
}

unsigned long torture_disarm(void)
{
    t.armed = false;
    return t.n;
}

bool torture_injected(void)
{
    return t.armed && t.injected;
}

void *torture_site(void)
{
    return t.site;
}
