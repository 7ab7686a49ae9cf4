/*
 * dbcache.c - the secret rule database cache (dbcache.h). File layout, little-endian:
 *
 *   "MOATHSDB"  u32 format (1)  u32 0  key[32]  u64 payload length  sha256(payload)[32]
 *   payload: hs_serialize_database() output
 *
 * named "secret-<first 16 hex digits of the key>.hsdb" in the cache directory.
 */
#include "dbcache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "moat/base/cache.h"
#include "moat/base/file.h"

#define MAGIC "MOATHSDB"
#define FORMAT 1u
#define HDR (8 + 4 + 4 + 32 + 8 + 32)

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;

    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

/* The key: everything the compiled database depends on, each part length-prefixed. */
static int cache_key(const char *const *pats, const unsigned *flags, const unsigned *ids, size_t n,
                     unsigned mode, unsigned char key[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    hs_platform_info_t plat;
    unsigned char b[8];
    unsigned int kn = 0;
    int ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             hs_populate_platform(&plat) == HS_SUCCESS;

#define FEED(p, len)                                                                               \
    do {                                                                                           \
        put_u64(b, (uint64_t)(len));                                                               \
        ok = ok && EVP_DigestUpdate(md, b, 8) == 1 && EVP_DigestUpdate(md, (p), (len)) == 1;       \
    } while (0)
    FEED("moat secret hsdb", 16);
    put_u32(b, FORMAT);
    ok = ok && EVP_DigestUpdate(md, b, 4) == 1;
    FEED(hs_version(), strlen(hs_version()));
    if (ok) {
        put_u32(b, plat.tune);
        ok = EVP_DigestUpdate(md, b, 4) == 1;
        put_u64(b, plat.cpu_features);
        ok = ok && EVP_DigestUpdate(md, b, 8) == 1;
    }
    put_u32(b, mode);
    ok = ok && EVP_DigestUpdate(md, b, 4) == 1;
    for (size_t i = 0; i < n && ok; i++) {
        FEED(pats[i], strlen(pats[i]));
        put_u32(b, flags[i]);
        ok = ok && EVP_DigestUpdate(md, b, 4) == 1;
        put_u32(b, ids[i]);
        ok = ok && EVP_DigestUpdate(md, b, 4) == 1;
    }
#undef FEED
    ok = ok && EVP_DigestFinal_ex(md, key, &kn) == 1 && kn == 32;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

/* The database in the cache file, if the file is ours, whole, for this key and deserialises.
 * Returns 1 on a hit, 0 when there is no file, -1 when there is one but it is unusable. */
static int load(const char *path, const unsigned char key[32], hs_database_t **db)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct stat st;
    unsigned char sum[32];
    char *data = NULL;
    size_t len = 0;
    int rc = moat_file_read_stat(path, MOAT_SECRET_DBCACHE_MAX, &data, &len, &st, &err), ok;

    if (rc < 0) {
        moat_err_clear(&err);
        return rc == -MOAT_E_NOTFOUND ? 0 : -1;
    }
    const unsigned char *p = (const unsigned char *)data;
    ok = st.st_uid == geteuid() && !(st.st_mode & 022) && len >= HDR && memcmp(p, MAGIC, 8) == 0 &&
         p[8] == FORMAT && !p[9] && !p[10] && !p[11] && memcmp(p + 16, key, 32) == 0 &&
         get_u64(p + 48) == len - HDR && sha256(p + HDR, len - HDR, sum) == 0 &&
         memcmp(p + 56, sum, 32) == 0 &&
         hs_deserialize_database(data + HDR, len - HDR, db) == HS_SUCCESS;
    free(data);
    return ok ? 1 : -1;
}

/* Serialise db into the cache file. */
static int store(const char *dir, const char *path, const unsigned char key[32],
                 const hs_database_t *db)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *bytes = NULL;
    size_t n = 0;
    unsigned char *file = NULL;
    int rc = -1;

    if (hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
        return -1;
    if (n <= MOAT_SECRET_DBCACHE_MAX - HDR && (file = malloc(HDR + n)) != NULL) {
        memcpy(file, MAGIC, 8);
        put_u32(file + 8, FORMAT);
        put_u32(file + 12, 0);
        memcpy(file + 16, key, 32);
        put_u64(file + 48, n);
        memcpy(file + HDR, bytes, n);
        if (sha256(bytes, n, file + 56) == 0 && moat_mkdirs(dir, &err) == 0 &&
            moat_file_write_atomic(path, file, HDR + n, 0600, 0, &err) == 0)
            rc = 0;
    }
    moat_err_clear(&err);
    free(file);
    free(bytes); /* hs_serialize_database allocates with malloc (hs_set_misc_allocator unset) */
    return rc;
}

hs_error_t secret_db_build(const char *const *pats, const unsigned *flags, const unsigned *ids,
                           size_t n, unsigned mode, const char *dir, hs_database_t **db,
                           hs_compile_error_t **cerr, enum moat_secret_cache *how)
{
    unsigned char key[32];
    char path[4096];
    int found = 0, len;
    hs_error_t hr;

    *how = MOAT_SECRET_CACHE_OFF;
    *db = NULL;
    if (dir && *dir && cache_key(pats, flags, ids, n, mode, key) == 0 &&
        (len = snprintf(path, sizeof path, "%s/secret-%02x%02x%02x%02x%02x%02x%02x%02x.hsdb", dir,
                        key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7])) > 0 &&
        (size_t)len < sizeof path) {
        found = load(path, key, db);
        if (found == 1) {
            *how = MOAT_SECRET_CACHE_HIT;
            return HS_SUCCESS;
        }
        *how = found < 0 ? MOAT_SECRET_CACHE_REPLACED : MOAT_SECRET_CACHE_STORED;
    }
    hr = hs_compile_multi(pats, flags, ids, (unsigned)n, mode, NULL, db, cerr);
    if (hr == HS_SUCCESS && *how != MOAT_SECRET_CACHE_OFF && store(dir, path, key, *db) < 0)
        *how = MOAT_SECRET_CACHE_UNWRITABLE;
    return hr;
}
