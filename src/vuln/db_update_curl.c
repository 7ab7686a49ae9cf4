/*
 * db_update_curl.c - the real downloader for `db update`: libcurl, HTTPS
 * verification on (libcurl's default, never turned off), http and https
 * only, redirects bounded, connect and stall timeouts, and a hard size cap
 * enforced while writing. Kept apart from db_update.c so tests of the update
 * logic link without libcurl.
 */
#include "vuln_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

struct sink {
    int fd;
    uint64_t written;
    int werr;  /* errno of a failed write */
    int limit; /* the cap was hit */
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    struct sink *s = ctx;
    size_t len = size * n, off = 0;

    if (len > MOAT_VULNDB_MAX_DOWNLOAD - s->written) {
        s->limit = 1;
        return 0;
    }
    while (off < len) {
        ssize_t w = write(s->fd, p + off, len - off);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            s->werr = errno;
            return 0;
        }
        off += (size_t)w;
    }
    s->written += len;
    return len;
}

int moat_vulndb_fetch_curl(void *ctx, const char *url, int fd, struct moat_err *err)
{
    char ebuf[CURL_ERROR_SIZE] = "";
    struct sink s = {.fd = fd};
    CURL *c = curl_easy_init();
    CURLcode rc;
    int r = 0;

    (void)ctx;
    if (c == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: cannot start a download", url);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L); /* bytes/s ... */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);    /* ... for a minute: stalled */
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)MOAT_VULNDB_MAX_DOWNLOAD);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "moat/" MOAT_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    rc = curl_easy_perform(c);
    if (s.limit)
        r = moat_err_set(err, MOAT_E_LIMIT, "%s: larger than %llu bytes", url,
                         (unsigned long long)MOAT_VULNDB_MAX_DOWNLOAD);
    else if (s.werr)
        r = moat_err_set(err, MOAT_E_IO, "%s: cannot save download: %s", url, strerror(s.werr));
    else if (rc != CURLE_OK)
        r = moat_err_set(err, MOAT_E_IO, "%s: download failed: %s", url,
                         ebuf[0] ? ebuf : curl_easy_strerror(rc));
    curl_easy_cleanup(c);
    return r;
}
