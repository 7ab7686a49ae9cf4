/*
 * about.c - libmoat's version and its libraries' own answers (about.h).
 */
#include "moat/base/about.h"

#include <archive.h>
#include <curl/curl.h>
#include <hs/hs.h>
#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <yaml.h>
#include <zlib.h>
#include <zstd.h>

const char *moat_version(void)
{
    return MOAT_VERSION;
}

size_t moat_about_libs(struct moat_about_lib *out, size_t cap)
{
    /* every version is a static string the library owns */
    const struct moat_about_lib libs[MOAT_ABOUT_LIBS] = {
        {"libarchive", archive_version_string()},
        {"jansson", jansson_version_str()},
        {"OpenSSL", OpenSSL_version(OPENSSL_VERSION_STRING)},
        {"SQLite", sqlite3_libversion()},
        {"Hyperscan", hs_version()},
        {"libyaml", yaml_get_version_string()},
        {"libcurl", curl_version_info(CURLVERSION_NOW)->version},
        {"libmicrohttpd", MHD_get_version()},
        {"zlib", zlibVersion()},
        {"zstd", ZSTD_versionString()},
    };

    for (size_t i = 0; i < cap && i < MOAT_ABOUT_LIBS; i++)
        out[i] = libs[i];
    return MOAT_ABOUT_LIBS;
}
