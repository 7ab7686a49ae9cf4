/*
 * scanner.c - the fs visitor side of the secret scanner: one engine scan per
 * regular file as its bytes stream by, never the file itself in memory.
 * Findings are collected per image and de-duplicated when taken, so the
 * same secret copied through several layers is reported once (at the
 * earliest layer, which is also where a later-deleted file lived).
 *
 * A gzip or zstd file (by its first bytes, whatever its name: Debian's
 * alternatives/x.7.gz are plain text) is decompressed as it streams (base/decomp.h) and its
 * decompressed content goes through the same binary sniff, size cap and
 * engine as a plain file; findings keep the file's own path and say in
 * their description that the match is in the decompressed content. The
 * members of a tar archive (tar.h) are scanned one by one, each with its own
 * sniff and line numbers, under the archive's path. Plain
 * files pay one extra branch per chunk for this.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/cache.h"
#include "moat/base/decomp.h"
#include "moat/secret/config.h"
#include "moat/secret/scanner.h"
#include "moat/secret/secret.h"
#include "moat/secret/tar.h"

struct moat_secret_scanner {
    struct moat_secret_engine *engine;
    uint64_t max_file;
    int scan_binaries;
    struct moat_secret_scan *cur; /* the file being streamed, or NULL */
    uint64_t cur_bytes;
    struct moat_findings found;
    uint64_t skipped_large, skipped_binary;
    struct moat_decomp *dc; /* created on the first compressed file */
    unsigned char *unbuf;   /* its output, MOAT_SECRET_UNPACK_CHUNK bytes */
    int unpacking;          /* the current file is compressed */
    int unpack_stopped;     /* its content was dropped (binary, too large): stop decompressing */
    enum moat_codec codec;  /* its compression */
    struct moat_secret_tar *tar; /* created on the first tar archive */
    int tarring;                 /* the current file is a tar archive */
    char *cur_path;              /* its path and layer, for its members' scans */
    int32_t cur_layer;
    struct moat_secret_scan *member; /* the member being scanned, or NULL */
    uint64_t member_bytes;
    uint64_t unpacked_total; /* decompressed bytes, all files (MOAT_SECRET_MAX_UNPACK_TOTAL) */
    uint64_t skipped_compressed, corrupt_compressed;
    int sniffing; /* the current file's first bytes are being collected to pick its codec */
    unsigned char sniff[MOAT_CODEC_SNIFF];
    size_t sniff_len;
    char **warn; /* "path: reason", one per file a bound or damage kept from being read whole */
    size_t n_warn;
    uint64_t warn_dropped;
};

int moat_secret_scanner_new(const struct moat_secret_scanner_opts *opts,
                            struct moat_secret_scanner **out, struct moat_err *err)
{
    struct moat_secret_scanner *sc = calloc(1, sizeof *sc);
    const char *cache = opts ? opts->cache_dir : NULL;
    char dir[4096];
    int rc;

    *out = NULL;
    if (!sc)
        return moat_err_set(err, MOAT_E_NOMEM, "secret scanner");
    sc->max_file = opts && opts->max_file_size ? opts->max_file_size : MOAT_SECRET_DEFAULT_MAX_FILE;
    sc->scan_binaries = opts ? opts->scan_binaries : 0;
    if (!cache) /* the default; "" turns the cache off */
        cache = moat_cache_dir(dir, sizeof dir) == 0 ? dir : "";
    if (opts && opts->config_path) {
        struct moat_secret_config *cfg = NULL;
        if ((rc = moat_secret_config_load(opts->config_path, &cfg, err)) < 0) {
            free(sc);
            return rc;
        }
        rc = moat_secret_engine_new_cached(cfg, cache, &sc->engine, err);
    } else {
        rc = moat_secret_engine_new_cached(NULL, cache, &sc->engine, err);
    }
    if (rc < 0) {
        free(sc);
        return rc;
    }
    *out = sc;
    return 0;
}

void moat_secret_scanner_free(struct moat_secret_scanner *sc)
{
    if (!sc)
        return;
    moat_secret_scan_abort(sc->cur);
    moat_secret_scan_abort(sc->member);
    moat_decomp_free(sc->dc);
    free(sc->unbuf);
    moat_secret_tar_free(sc->tar);
    free(sc->cur_path);
    moat_secret_engine_free(sc->engine);
    moat_findings_free(&sc->found);
    for (size_t i = 0; i < sc->n_warn; i++)
        free(sc->warn[i]);
    free(sc->warn);
    free(sc);
}

/* Note why a file was not read whole: "path: reason" (path made printable), once per file and
 * reason, at most MOAT_SECRET_MAX_WARNINGS kept. Out of memory only loses the note. */
__attribute__((format(printf, 3, 4))) static void warn(struct moat_secret_scanner *sc,
                                                       const char *path, const char *fmt, ...)
{
    char reason[256], *w = NULL;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (asprintf(&w, "%.1024s: %s", path, reason) < 0)
        return;
    for (char *c = w; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    for (size_t i = 0; i < sc->n_warn; i++) {
        if (strcmp(sc->warn[i], w) == 0) {
            free(w);
            return;
        }
    }
    if (sc->n_warn >= MOAT_SECRET_MAX_WARNINGS) {
        sc->warn_dropped++;
        free(w);
        return;
    }
    char **v = realloc(sc->warn, (sc->n_warn + 1) * sizeof *v);
    if (!v) {
        free(w);
        return;
    }
    sc->warn = v;
    sc->warn[sc->n_warn++] = w;
}

static void drop_member(struct moat_secret_scanner *sc)
{
    moat_secret_scan_abort(sc->member);
    sc->member = NULL;
}

static int v_begin(void *ctx, uint32_t layer, const char *path, const struct moat_fs_node *node,
                   bool *want, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;
    *want = false;
    if (node->type != MOAT_FT_REG || node->hardlink || node->size == 0 ||
        sc->found.n >= MOAT_SECRET_MAX_PER_IMAGE)
        return 0;
    if (node->size > sc->max_file) {
        sc->skipped_large++;
        warn(sc, path, "larger than the secret scan's size cap (%llu bytes), not scanned",
             (unsigned long long)sc->max_file);
        return 0;
    }
    moat_secret_scan_abort(sc->cur);
    sc->cur = NULL;
    drop_member(sc);
    sc->cur_bytes = 0;
    sc->unpacking = sc->unpack_stopped = 0;
    sc->codec = MOAT_CODEC_NONE;
    sc->tarring = moat_secret_tar_named(path); /* its compression comes from the bytes */
    if (moat_secret_scan_open(sc->engine, path, (int32_t)layer, &sc->cur, err) < 0)
        return -err->code;
    if (moat_secret_scan_idle(sc->cur)) { /* allowed by the config: do not even read it */
        moat_secret_scan_abort(sc->cur);
        sc->cur = NULL;
        return 0;
    }
    free(sc->cur_path);
    if (!(sc->cur_path = strdup(path)))
        return moat_err_set(err, MOAT_E_NOMEM, "secret scan of %s", path);
    sc->cur_layer = (int32_t)layer;
    if (sc->tarring) {
        if (!sc->tar && moat_secret_tar_new(&sc->tar, err) < 0)
            return -err->code;
        moat_secret_tar_reset(sc->tar);
    }
    sc->sniffing = 1;
    sc->sniff_len = 0;
    *want = true;
    return 0;
}

/* The first bytes are in: a gzip or zstd stream is decompressed, anything else read as is. */
static int pick_codec(struct moat_secret_scanner *sc, struct moat_err *err)
{
    uint64_t left = MOAT_SECRET_MAX_UNPACK_TOTAL - sc->unpacked_total;

    sc->sniffing = 0;
    sc->codec = moat_codec_sniff(sc->sniff, sc->sniff_len);
    if (sc->codec == MOAT_CODEC_NONE)
        return 0;
    if (sc->unpacked_total >= MOAT_SECRET_MAX_UNPACK_TOTAL) {
        sc->skipped_compressed++;
        warn(sc, sc->cur_path,
             "%s-compressed, not decompressed: the image's budget of %llu decompressed bytes "
             "is spent",
             moat_codec_name(sc->codec), (unsigned long long)MOAT_SECRET_MAX_UNPACK_TOTAL);
        moat_secret_scan_abort(sc->cur);
        sc->cur = NULL;
        return 0;
    }
    const struct moat_decomp_limits lim = {left < sc->max_file ? left : sc->max_file,
                                           MOAT_SECRET_UNPACK_RATIO_AFTER, MOAT_SECRET_UNPACK_RATIO,
                                           MOAT_SECRET_ZSTD_WINDOW_LOG};
    if (!sc->unbuf && !(sc->unbuf = malloc(MOAT_SECRET_UNPACK_CHUNK)))
        return moat_err_set(err, MOAT_E_NOMEM, "secret scan of %s", sc->cur_path);
    if ((!sc->dc && moat_decomp_new(&sc->dc, err) < 0) ||
        moat_decomp_reset(sc->dc, sc->codec, &lim, err) < 0 ||
        moat_secret_scan_set_note(sc->cur,
                                  sc->codec == MOAT_CODEC_GZIP
                                      ? "in the gzip-decompressed content of the file "
                                        "(line numbers count decompressed lines)"
                                      : "in the zstd-decompressed content of the file "
                                        "(line numbers count decompressed lines)",
                                  err) < 0)
        return -err->code;
    sc->unpacking = 1;
    return 0;
}

/* Content of a file or an archive member (plain or decompressed): sniff, cap, scan. Returns 1
 * when the scan *s was dropped. */
static int scan_bytes(struct moat_secret_scanner *sc, struct moat_secret_scan **s, uint64_t *seen,
                      const void *data, size_t len, struct moat_err *err)
{
    if (!*s)
        return 1;
    if (!sc->scan_binaries && *seen < MOAT_SECRET_BINARY_SNIFF) {
        size_t n = MOAT_SECRET_BINARY_SNIFF - *seen;
        if (memchr(data, 0, n < len ? n : len)) {
            moat_secret_scan_abort(*s);
            *s = NULL;
            sc->skipped_binary++;
            return 1;
        }
    }
    *seen += len;
    if (*seen > sc->max_file) { /* the header lied about the size */
        moat_secret_scan_abort(*s);
        *s = NULL;
        sc->skipped_large++;
        return 1;
    }
    return moat_secret_scan_feed(*s, data, len, err);
}

/* ---- tar members: each is scanned on its own, under the archive's path ---- */

static int m_begin(void *ctx, const char *name, uint64_t size, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;
    char note[MOAT_SECRET_TAR_NAME + 128];

    (void)size;
    drop_member(sc);
    sc->member_bytes = 0;
    if (sc->found.n >= MOAT_SECRET_MAX_PER_IMAGE)
        return 1;
    snprintf(note, sizeof note,
             "in member '%s' of the %starchive (line numbers count lines of the member)", name,
             sc->codec == MOAT_CODEC_GZIP   ? "gzip-compressed "
             : sc->codec == MOAT_CODEC_ZSTD ? "zstd-compressed "
                                            : "tar ");
    if (moat_secret_scan_open(sc->engine, sc->cur_path, sc->cur_layer, &sc->member, err) < 0 ||
        moat_secret_scan_set_note(sc->member, note, err) < 0)
        return -err->code;
    return 0;
}

static int m_data(void *ctx, const void *d, size_t n, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;

    return scan_bytes(sc, &sc->member, &sc->member_bytes, d, n, err);
}

static int m_end(void *ctx, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;
    struct moat_secret_scan *s = sc->member;

    sc->member = NULL;
    return s ? moat_secret_scan_close(s, &sc->found, err) : 0;
}

/* Bytes of the file after decompression: to the tar reader or straight to the engine. */
static int content(void *ctx, const void *data, size_t len, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;

    if (sc->tarring) {
        const struct moat_secret_tar_cb cb = {sc, m_begin, m_data, m_end};
        return moat_secret_tar_feed(sc->tar, data, len, &cb, err);
    }
    return scan_bytes(sc, &sc->cur, &sc->cur_bytes, data, len, err);
}

/* Decompress a piece of the current file (len 0: drain what the decoder holds) into its
 * content, until the decoder needs more input, stops, or the content was dropped. */
static int inflate_into(struct moat_secret_scanner *sc, const void *data, size_t len,
                        struct moat_err *err)
{
    const unsigned char *in = data;
    size_t made;
    int rc;

    while (!sc->unpack_stopped &&
           (made = moat_decomp_step(sc->dc, &in, &len, sc->unbuf, MOAT_SECRET_UNPACK_CHUNK)) > 0) {
        sc->unpacked_total += made;
        if ((rc = content(sc, sc->unbuf, made, err)) < 0)
            return rc;
        sc->unpack_stopped = rc > 0 || (!sc->tarring && !sc->cur);
    }
    return 0;
}

/* Bytes of the current file as stored: straight to the engine, or through the decompressor
 * and/or the tar reader. */
static int file_bytes(struct moat_secret_scanner *sc, const void *data, size_t len,
                      struct moat_err *err)
{
    if (!sc->cur || len == 0)
        return 0;
    if (!sc->unpacking && !sc->tarring)
        return scan_bytes(sc, &sc->cur, &sc->cur_bytes, data, len, err) < 0 ? -err->code : 0;
    if (!sc->unpacking)
        return content(sc, data, len, err) < 0 ? -err->code : 0;
    return inflate_into(sc, data, len, err);
}

/* After the codec is known, the bytes kept to pick it. */
static int sniffed(struct moat_secret_scanner *sc, struct moat_err *err)
{
    int rc = pick_codec(sc, err);

    return rc < 0 ? rc : file_bytes(sc, sc->sniff, sc->sniff_len, err);
}

static int v_chunk(void *ctx, const void *data, size_t len, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;
    int rc;

    if (sc->cur && sc->sniffing) {
        size_t take =
            MOAT_CODEC_SNIFF - sc->sniff_len < len ? MOAT_CODEC_SNIFF - sc->sniff_len : len;
        memcpy(sc->sniff + sc->sniff_len, data, take);
        sc->sniff_len += take;
        data = (const unsigned char *)data + take;
        len -= take;
        if (sc->sniff_len < MOAT_CODEC_SNIFF)
            return 0;
        if ((rc = sniffed(sc, err)) < 0)
            return rc;
    }
    return file_bytes(sc, data, len, err);
}

static int v_end(void *ctx, struct moat_err *err)
{
    struct moat_secret_scanner *sc = ctx;
    struct moat_secret_scan *s;
    enum moat_decomp_state us = MOAT_DECOMP_DONE;
    const char *codec;
    int rc = 0;

    if (sc->cur && sc->sniffing && (rc = sniffed(sc, err)) < 0) /* a file of 1 to 3 bytes */
        return rc;
    s = sc->cur;
    sc->cur = NULL;
    codec = moat_codec_name(sc->codec);
    if (sc->unpacking && !sc->unpack_stopped) {
        sc->cur = s; /* drain what the decoder holds into the scan */
        rc = inflate_into(sc, NULL, 0, err);
        s = sc->cur;
        sc->cur = NULL;
        if (rc < 0) {
            moat_secret_scan_abort(s);
            return rc;
        }
        us = moat_decomp_finish(sc->dc);
        if (us == MOAT_DECOMP_LIMIT) { /* what was decompressed before the bound is reported */
            sc->skipped_compressed++;
            warn(sc, sc->cur_path,
                 "%s decompression stopped at the size cap or the %u:1 ratio bound (a possible "
                 "bomb); what came out before was scanned",
                 codec, MOAT_SECRET_UNPACK_RATIO);
        } else if (us != MOAT_DECOMP_DONE) {
            sc->corrupt_compressed++;
            warn(sc, sc->cur_path,
                 us == MOAT_DECOMP_TRUNCATED ? "truncated %s stream, scanned up to where it ends"
                 : us == MOAT_DECOMP_GARBAGE ? "data after the end of the %s stream, not read"
                                             : "corrupt %s data, scanned up to the damage",
                 codec);
        }
    }
    if (sc->tarring && s) {
        const struct moat_secret_tar_cb cb = {sc, m_begin, m_data, m_end};
        enum moat_secret_tar_state ts;
        rc = moat_secret_tar_finish(sc->tar, &cb, &ts, err);
        if (rc == 0 && ts != MOAT_TAR_DONE && us == MOAT_DECOMP_DONE) {
            sc->corrupt_compressed++;
            warn(sc, sc->cur_path,
                 ts == MOAT_TAR_CORRUPT
                     ? "tar archive with a bad header or too many members, members before it "
                       "were scanned"
                     : "tar archive cut short, the members before the cut were scanned");
        }
    }
    sc->unpacking = sc->tarring = sc->sniffing = sc->unpack_stopped = 0;
    drop_member(sc);
    if (!s)
        return rc;
    if (rc < 0) {
        moat_secret_scan_abort(s);
        return rc;
    }
    return moat_secret_scan_close(s, &sc->found, err);
}

struct moat_fs_visitor moat_secret_scanner_visitor(struct moat_secret_scanner *sc)
{
    struct moat_fs_visitor v = {sc, v_begin, v_chunk, v_end};
    return v;
}

/* Feed a config string as one line: a newline inside it (hostile) becomes a space, so line
 * numbers keep naming entries. */
static int feed_line(struct moat_secret_scan *s, const char *str, struct moat_err *err)
{
    int rc = 0;

    for (size_t n; rc == 0 && *str; str += n) {
        n = strcspn(str, "\r\n");
        if (n > 0)
            rc = moat_secret_scan_feed(s, str, n, err);
        else if (*str) {
            rc = moat_secret_scan_feed(s, " ", 1, err);
            n = 1;
        }
    }
    return rc;
}

/* Scan a list of strings as one pseudo-file, one string per line. */
static int scan_lines(struct moat_secret_scanner *sc, const char *name, const char *const *lines,
                      const char *const *keys, size_t n, struct moat_err *err)
{
    struct moat_secret_scan *s = NULL;
    int rc = moat_secret_scan_open(sc->engine, name, -1, &s, err);

    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (keys && keys[i] &&
            ((rc = feed_line(s, keys[i], err)) < 0 ||
             (rc = moat_secret_scan_feed(s, "=", 1, err)) < 0))
            break;
        if (lines[i] && (rc = feed_line(s, lines[i], err)) < 0)
            break;
        rc = moat_secret_scan_feed(s, "\n", 1, err);
    }
    if (rc < 0) {
        moat_secret_scan_abort(s);
        return rc;
    }
    return s ? moat_secret_scan_close(s, &sc->found, err) : rc;
}

/*
 * Findings [from, end) of a config field scanned one entry per line: name the entry
 * ("Env DB_PASSWORD") in the description and show it as the evidence, value redacted
 * ("DB_PASSWORD=****"). names[i] is entry i's name, up to the first '=' (hostile: made
 * printable and cut at 120 bytes).
 */
static int name_entries(struct moat_secret_scanner *sc, size_t from, const char *field,
                        const char *const *names, size_t n, struct moat_err *err)
{
    for (size_t i = from; i < sc->found.n; i++) {
        struct moat_finding *f = &sc->found.v[i];
        const char *name = f->line >= 1 && f->line <= n ? names[f->line - 1] : NULL;
        char clean[121];
        size_t k = 0;

        if (!name)
            continue;
        for (; name[k] && name[k] != '=' && k < sizeof clean - 1; k++)
            clean[k] = (unsigned char)name[k] < 0x20 || name[k] == 0x7f ? '?' : name[k];
        clean[k] = 0;
        free(f->match);
        free(f->description);
        f->match = f->description = NULL;
        if (asprintf(&f->match, "%s=****", clean) < 0 ||
            asprintf(&f->description, "in %s %s of the image config", field, clean) < 0) {
            f->match = f->description = NULL;
            return moat_err_set(err, MOAT_E_NOMEM, "secret scan of the image config");
        }
    }
    return 0;
}

int moat_secret_scan_config(struct moat_secret_scanner *sc, const struct moat_image_meta *meta,
                            struct moat_err *err)
{
    const char **keys = NULL, **vals = NULL;
    size_t n = meta->n_labels > meta->n_history ? meta->n_labels : meta->n_history;
    size_t from = sc->found.n;
    int rc;

    if ((rc = scan_lines(sc, "config:Env", (const char *const *)meta->env, NULL, meta->n_env,
                         err)) < 0 ||
        (rc = name_entries(sc, from, "Env", (const char *const *)meta->env, meta->n_env, err)) < 0)
        return rc;
    keys = calloc(n + 1, sizeof *keys);
    vals = calloc(n + 1, sizeof *vals);
    if (!keys || !vals) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "secret scan of the image config");
        goto out;
    }
    for (size_t i = 0; i < meta->n_labels; i++) {
        keys[i] = meta->labels[i].key;
        vals[i] = meta->labels[i].value;
    }
    from = sc->found.n;
    if ((rc = scan_lines(sc, "config:Labels", vals, keys, meta->n_labels, err)) < 0 ||
        (rc = name_entries(sc, from, "label", keys, meta->n_labels, err)) < 0)
        goto out;
    for (size_t i = 0; i < meta->n_history; i++)
        vals[i] = meta->history[i].created_by;
    rc = scan_lines(sc, "config:history", vals, NULL, meta->n_history, err);
out:
    free(keys);
    free(vals);
    return rc;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int moat_secret_scanner_take(struct moat_secret_scanner *sc, struct moat_findings *out,
                             struct moat_err *err)
{
    unsigned char *dup = calloc(sc->found.n + 1, 1);
    int rc = 0;

    if (!dup)
        return moat_err_set(err, MOAT_E_NOMEM, "secret findings");
    for (size_t i = 0; i < sc->found.n; i++) {
        const struct moat_finding *f = &sc->found.v[i];

        for (size_t j = 0; j < i && !dup[i]; j++) {
            const struct moat_finding *g = &sc->found.v[j];
            dup[i] = g->line == f->line && same(g->rule_id, f->rule_id) && same(g->path, f->path) &&
                     same(g->match, f->match) && same(g->description, f->description);
        }
    }
    for (size_t i = 0; i < sc->found.n && rc == 0; i++)
        if (!dup[i])
            rc = moat_findings_add(out, &sc->found.v[i], err);
    free(dup);
    moat_findings_free(&sc->found);
    return rc;
}

enum moat_secret_cache moat_secret_scanner_cache(const struct moat_secret_scanner *sc)
{
    return moat_secret_engine_cache(sc->engine);
}

uint64_t moat_secret_scanner_skipped_large(const struct moat_secret_scanner *sc)
{
    return sc->skipped_large;
}

uint64_t moat_secret_scanner_skipped_binary(const struct moat_secret_scanner *sc)
{
    return sc->skipped_binary;
}

uint64_t moat_secret_scanner_skipped_compressed(const struct moat_secret_scanner *sc)
{
    return sc->skipped_compressed;
}

uint64_t moat_secret_scanner_corrupt_compressed(const struct moat_secret_scanner *sc)
{
    return sc->corrupt_compressed;
}

const char *const *moat_secret_scanner_warnings(const struct moat_secret_scanner *sc, size_t *n,
                                                uint64_t *dropped)
{
    *n = sc->n_warn;
    if (dropped)
        *dropped = sc->warn_dropped;
    return (const char *const *)sc->warn;
}
