/*
 * misconfig_sniff.c - the fs visitor that reads what the misconfig checks
 * must look into, during the one build pass: files named like key material
 * (mc_key_name, at most MOAT_MISCONFIG_SNIFF_MAX bytes) are searched for
 * the markers of a private key, and only the (layer, path) of those that
 * hold one is kept (at most MOAT_MISCONFIG_SNIFF_HITS); etc/passwd is kept
 * (the last version, at most MOAT_MISCONFIG_PASSWD_MAX bytes) to resolve a
 * USER name. The checks later ask about the version the merged view shows,
 * by the layer that wrote it.
 */
#include "misconfig_int.h"

#include "moat/base/array.h"
#include "moat/base/buf.h"
#include "moat/base/limits.h"

#include <stdlib.h>
#include <string.h>

#define CARRY 32 /* longer than every marker */

static const char *const markers[] = {
    "PRIVATE KEY-----",       /* PEM: RSA, EC, DSA, PKCS#8, ENCRYPTED, OPENSSH */
    "PuTTY-User-Key-File-",   /* PuTTY .ppk */
    "PRIVATE KEY BLOCK-----", /* PGP secret key */
};

struct hit {
    uint32_t layer;
    char *path;
};

struct moat_misconfig_sniffer {
    /* the entry being streamed */
    enum { S_NONE, S_KEY, S_PASSWD } what;
    uint32_t layer;
    char path[MOAT_MAX_PATH_LEN + 1];
    bool found;
    unsigned char carry[CARRY];
    size_t n_carry;
    struct moat_buf pw; /* etc/passwd being read */
    /* results */
    struct hit *hits;
    size_t n_hits, cap_hits;
    char *passwd;
    size_t passwd_len;
    uint32_t passwd_layer;
    bool have_passwd;
};

int moat_misconfig_sniffer_new(struct moat_misconfig_sniffer **out, struct moat_err *err)
{
    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    return 0;
}

void moat_misconfig_sniffer_free(struct moat_misconfig_sniffer *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_hits; i++)
        free(s->hits[i].path);
    free(s->hits);
    moat_buf_free(&s->pw);
    free(s->passwd);
    free(s);
}

static int s_begin(void *ctx, uint32_t layer, const char *path, const struct moat_fs_node *node,
                   bool *want, struct moat_err *err)
{
    struct moat_misconfig_sniffer *s = ctx;
    size_t n = strlen(path);

    (void)err;
    s->what = S_NONE;
    if (node->type != MOAT_FT_REG || node->hardlink != NULL || n > MOAT_MAX_PATH_LEN)
        return 0;
    if (strcmp(path, "etc/passwd") == 0)
        s->what = S_PASSWD;
    else if (node->size <= MOAT_MISCONFIG_SNIFF_MAX && s->n_hits < MOAT_MISCONFIG_SNIFF_HITS &&
             mc_key_name(mc_base(path)))
        s->what = S_KEY;
    if (s->what == S_NONE)
        return 0;
    s->layer = layer;
    memcpy(s->path, path, n + 1);
    s->found = false;
    s->n_carry = 0;
    s->pw.len = 0;
    *want = true;
    return 0;
}

static bool has_marker(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (memmem(p, n, markers[i], strlen(markers[i])) != NULL)
            return true;
    return false;
}

static void key_chunk(struct moat_misconfig_sniffer *s, const unsigned char *p, size_t n)
{
    unsigned char edge[2 * CARRY];
    size_t head = n < CARRY ? n : CARRY, keep;

    if (s->found)
        return;
    /* a marker split across the previous chunk and this one */
    memcpy(edge, s->carry, s->n_carry);
    memcpy(edge + s->n_carry, p, head);
    if (has_marker(edge, s->n_carry + head) || has_marker(p, n)) {
        s->found = true;
        return;
    }
    if (n >= CARRY) {
        memcpy(s->carry, p + n - CARRY, CARRY);
        s->n_carry = CARRY;
    } else {
        keep = s->n_carry + n > CARRY ? CARRY - n : s->n_carry;
        memmove(s->carry, s->carry + s->n_carry - keep, keep);
        memcpy(s->carry + keep, p, n);
        s->n_carry = keep + n;
    }
}

static int s_chunk(void *ctx, const void *data, size_t len, struct moat_err *err)
{
    struct moat_misconfig_sniffer *s = ctx;
    size_t room;

    if (s->what == S_KEY) {
        key_chunk(s, data, len);
        return 0;
    }
    if (s->what != S_PASSWD)
        return 0;
    room = MOAT_MISCONFIG_PASSWD_MAX - s->pw.len;
    if (len > room)
        len = room; /* the rest is ignored: the first entries are what matters */
    if (len > 0 && moat_buf_append(&s->pw, data, len) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory reading etc/passwd");
    return 0;
}

/* Order of the hits: by path, then layer (kept sorted as they come, for bsearch). */
static int hit_cmp(const char *path, uint32_t layer, const struct hit *h)
{
    int c = strcmp(path, h->path);

    return c != 0 ? c : layer < h->layer ? -1 : layer > h->layer ? 1 : 0;
}

/* Index of the first hit not ordered before (path, layer). */
static size_t hit_lower(const struct moat_misconfig_sniffer *s, const char *path, uint32_t layer)
{
    size_t lo = 0, hi = s->n_hits;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (hit_cmp(path, layer, &s->hits[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int add_hit(struct moat_misconfig_sniffer *s, struct moat_err *err)
{
    size_t at = hit_lower(s, s->path, s->layer);
    struct hit *h;
    char *path;

    if (at < s->n_hits && hit_cmp(s->path, s->layer, &s->hits[at]) == 0)
        return 0;
    if (moat_array_grow((void **)&s->hits, &s->cap_hits, s->n_hits, sizeof(*s->hits)) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    h = s->hits;
    if ((path = strdup(s->path)) == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    memmove(&h[at + 1], &h[at], (s->n_hits - at) * sizeof(*h));
    h[at].layer = s->layer;
    h[at].path = path;
    s->n_hits++;
    return 0;
}

static int s_end(void *ctx, struct moat_err *err)
{
    struct moat_misconfig_sniffer *s = ctx;
    int rc = 0;

    if (s->what == S_KEY && s->found) {
        rc = add_hit(s, err);
    } else if (s->what == S_PASSWD) {
        free(s->passwd);
        s->passwd = moat_buf_steal(&s->pw, &s->passwd_len);
        s->passwd_layer = s->layer;
        s->have_passwd = true;
    }
    s->what = S_NONE;
    return rc;
}

struct moat_fs_visitor moat_misconfig_sniffer_visitor(struct moat_misconfig_sniffer *s)
{
    struct moat_fs_visitor v = {s, s_begin, s_chunk, s_end};

    return v;
}

bool moat_misconfig_sniffed_key(const struct moat_misconfig_sniffer *s, uint32_t layer,
                                const char *path)
{
    size_t at;

    if (s == NULL || path == NULL)
        return false;
    at = hit_lower(s, path, layer);
    return at < s->n_hits && hit_cmp(path, layer, &s->hits[at]) == 0;
}

const char *moat_misconfig_sniffed_passwd(const struct moat_misconfig_sniffer *s, uint32_t layer,
                                          size_t *len)
{
    if (s == NULL || !s->have_passwd || s->passwd_layer != layer) {
        *len = 0;
        return NULL;
    }
    *len = s->passwd_len;
    return s->passwd != NULL ? s->passwd : "";
}
