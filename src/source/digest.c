/*
 * digest.c - the one digest form moat accepts, "sha256:" + 64 lowercase hex,
 * and SHA-256 formatting. A digest is checked here before it is ever used to
 * build a path (blobs/sha256/<hex>), so "sha256:../../x" never reaches open().
 * Must not accept other algorithms or upper-case hex.
 */
#include "source_internal.h"

#include <string.h>

#include <openssl/evp.h>

int source_digest_valid(const char *s)
{
    if (s == NULL || strncmp(s, "sha256:", 7) != 0)
        return 0;
    for (size_t i = 7; i < SOURCE_DIGEST_LEN; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    return s[SOURCE_DIGEST_LEN] == '\0';
}

int source_digest_check(const char *s, const char *what, struct moat_err *err)
{
    if (source_digest_valid(s))
        return 0;
    if (s == NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: missing digest", what);
    return moat_err_set(err, MOAT_E_FORMAT, "%s: invalid digest \"%.80s\" (want sha256:<64 hex>)",
                        what, s);
}

void source_digest_format(const unsigned char md[32], char *out)
{
    static const char hex[] = "0123456789abcdef";

    memcpy(out, "sha256:", 7);
    for (size_t i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[SOURCE_DIGEST_LEN] = '\0';
}

int source_sha256(const void *data, size_t len, char *out, struct moat_err *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return moat_err_set(err, MOAT_E_NOMEM, "sha256 failed");
    source_digest_format(md, out);
    return 0;
}
