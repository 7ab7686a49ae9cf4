/*
 * audit.c - the hash-chained audit log (see audit.h for the line format).
 *
 * Appends hold a mutex (the authz server answers from several threads) and
 * an exclusive flock for the life of the handle (other processes); each line
 * is written with one write() on an O_APPEND descriptor and synced before the
 * caller may act on the decision it records.
 */
#include "moat/event/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "moat/base/buf.h"
#include "moat/base/json.h"

#define HASH_KEY ",\"hash\":\""
#define HASH_KEY_LEN (sizeof(HASH_KEY) - 1)
#define TAIL_LEN (HASH_KEY_LEN + 64 + 2) /* ,"hash":"<64 hex>"} */

struct moat_audit {
    int fd;
    char *path;
    pthread_mutex_t lock;
    uint64_t seq;  /* of the last line */
    char prev[65]; /* sha256 of the last line */
    int broken;    /* a failed write may have left a partial line */
    /* background sync (moat_audit_sync_every) */
    unsigned interval_ms;
    int dirty, stopping, syncer_running;
    pthread_t syncer;
    pthread_cond_t wake;
};

static void sha256_hex(const void *p, size_t n, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    unsigned int len = 0;

    if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
        memset(md, 0, sizeof md); /* never matches a real hash, so verification fails */
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static int is_hex64(const char *s)
{
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

/*
 * Check one line (len bytes, no newline): its hash member is last and right,
 * it is a JSON object with an integer seq and a prev string. Fills *seq and
 * prev. The message names the problem only; callers add "PATH: line N: ".
 */
static int check_line(const char *line, size_t len, uint64_t *seq, char prev[65],
                      struct moat_err *err)
{
    char want[65], *body = NULL;
    json_t *o = NULL, *js, *jp;
    int rc;

    if (len < TAIL_LEN + 2 || line[0] != '{' ||
        memcmp(line + len - TAIL_LEN, HASH_KEY, HASH_KEY_LEN) != 0 ||
        memcmp(line + len - 2, "\"}", 2) != 0 || !is_hex64(line + len - 66))
        return moat_err_set(err, MOAT_E_VERIFY, "no \"hash\" member at the end of the line");
    if (memchr(line, '\0', len) != NULL)
        return moat_err_set(err, MOAT_E_VERIFY, "NUL byte in the line");
    body = malloc(len - TAIL_LEN + 1);
    if (body == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    memcpy(body, line, len - TAIL_LEN);
    body[len - TAIL_LEN] = '}';
    sha256_hex(body, len - TAIL_LEN + 1, want);
    free(body);
    if (memcmp(want, line + len - 66, 64) != 0)
        return moat_err_set(err, MOAT_E_VERIFY, "hash does not match the line (edited)");
    rc = moat_json_parse(line, len, MOAT_AUDIT_MAX_LINE, "line", &o, err);
    if (rc < 0) {
        if (err != NULL)
            err->code = MOAT_E_VERIFY; /* unparsable is a broken chain, not an I/O error */
        return -MOAT_E_VERIFY;
    }
    js = json_object_get(o, "seq");
    jp = json_object_get(o, "prev");
    if (!json_is_object(o) || !json_is_integer(js) || json_integer_value(js) < 1 ||
        !json_is_string(jp) || json_string_length(jp) != 64 || !is_hex64(json_string_value(jp))) {
        json_decref(o);
        return moat_err_set(err, MOAT_E_VERIFY, "missing or malformed \"seq\" or \"prev\"");
    }
    *seq = (uint64_t)json_integer_value(js);
    memcpy(prev, json_string_value(jp), 65);
    json_decref(o);
    return 0;
}

/* Read the last line of fd (size bytes) into a fresh buffer; -MOAT_E_VERIFY if incomplete. */
static int read_tail(int fd, off_t size, const char *path, char **line, size_t *len,
                     struct moat_err *err)
{
    size_t want = (uint64_t)size > MOAT_AUDIT_MAX_LINE + 1 ? MOAT_AUDIT_MAX_LINE + 1 : (size_t)size;
    char *buf = malloc(want), *start;
    ssize_t got;

    if (buf == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    got = pread(fd, buf, want, size - (off_t)want);
    if (got != (ssize_t)want) {
        free(buf);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot read the last line", path);
    }
    if (buf[want - 1] != '\n') {
        free(buf);
        return moat_err_set(err, MOAT_E_VERIFY,
                            "%s: the last line is incomplete (cut while written?); "
                            "refusing to extend a damaged log",
                            path);
    }
    start = memrchr(buf, '\n', want - 1);
    if (start == NULL && want < (size_t)size) {
        free(buf);
        return moat_err_set(err, MOAT_E_LIMIT, "%s: last line longer than %u bytes", path,
                            MOAT_AUDIT_MAX_LINE);
    }
    start = start != NULL ? start + 1 : buf;
    *len = (size_t)(buf + want - 1 - start);
    memmove(buf, start, *len);
    *line = buf;
    return 0;
}

int moat_audit_open(const char *path, struct moat_audit **out, struct moat_err *err)
{
    struct moat_audit *a;
    struct stat st;
    char *line = NULL, prev[65];
    size_t len = 0;
    int rc;

    *out = NULL;
    a = calloc(1, sizeof *a);
    if (a == NULL || (a->path = strdup(path)) == NULL) {
        free(a);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    a->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (a->fd < 0) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (fstat(a->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: not a regular file", path);
        goto fail;
    }
    if (flock(a->fd, LOCK_EX | LOCK_NB) != 0) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: %s", path,
                          errno == EWOULDBLOCK ? "in use by another process" : strerror(errno));
        goto fail;
    }
    memset(a->prev, '0', 64);
    if (st.st_size > 0) {
        if ((rc = read_tail(a->fd, st.st_size, path, &line, &len, err)) < 0)
            goto fail;
        if ((rc = check_line(line, len, &a->seq, prev, err)) < 0) {
            moat_err_prefix(err, "%s: last line", path);
            goto fail;
        }
        sha256_hex(line, len, a->prev);
        free(line);
        line = NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    *out = a;
    return 0;
fail:
    free(line);
    if (a->fd >= 0)
        close(a->fd);
    free(a->path);
    free(a);
    return rc;
}

/* The line for ev after (seq, prev), newline included; caller frees. */
static int build_line(const struct moat_event *ev, uint64_t seq, const char *prev, char **out,
                      size_t *out_len, struct moat_err *err)
{
    json_t *o = json_object(), *e = moat_event_to_json(ev);
    struct moat_buf b = {NULL, 0, 0, MOAT_AUDIT_MAX_LINE};
    char *body = NULL, hash[65];
    size_t n;
    int rc = 0;

    if (o == NULL || e == NULL || json_object_set_new(o, "seq", json_integer((json_int_t)seq)) ||
        json_object_update(o, e) || json_object_set_new(o, "prev", json_string(prev)) ||
        (body = json_dumps(o, JSON_COMPACT)) == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    n = strlen(body);
    sha256_hex(body, n, hash);
    if (moat_buf_append(&b, body, n - 1) < 0 || moat_buf_append(&b, HASH_KEY, HASH_KEY_LEN) < 0 ||
        moat_buf_append(&b, hash, 64) < 0 || moat_buf_append(&b, "\"}\n", 3) < 0) {
        rc = moat_err_set(err, MOAT_E_LIMIT, "audit event longer than %u bytes",
                          MOAT_AUDIT_MAX_LINE);
        goto out;
    }
    *out = moat_buf_steal(&b, out_len);
out:
    moat_buf_free(&b);
    free(body);
    json_decref(e);
    json_decref(o);
    return rc;
}

int moat_audit_append(struct moat_audit *a, const struct moat_event *ev, struct moat_err *err)
{
    char *line = NULL;
    size_t len = 0, done = 0;
    int rc;

    pthread_mutex_lock(&a->lock);
    if (a->broken) {
        rc = moat_err_set(err, MOAT_E_IO, "%s: an earlier write failed; log not extended", a->path);
        goto out;
    }
    if ((rc = build_line(ev, a->seq + 1, a->prev, &line, &len, err)) < 0)
        goto out;
    while (done < len) {
        ssize_t w = write(a->fd, line + done, len - done);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            a->broken = done > 0;
            rc = moat_err_set(err, MOAT_E_IO, "%s: %s", a->path,
                              w < 0 ? strerror(errno) : "short write");
            goto out;
        }
        done += (size_t)w;
    }
    if (a->interval_ms > 0) {
        a->dirty = 1;
    } else if (fdatasync(a->fd) != 0) {
        a->broken = 1;
        rc = moat_err_set(err, MOAT_E_IO, "%s: sync: %s", a->path, strerror(errno));
        goto out;
    }
    a->seq++;
    sha256_hex(line, len - 1, a->prev);
out:
    pthread_mutex_unlock(&a->lock);
    free(line);
    return rc;
}

/* The background syncer: flush what was appended, then sleep; a failed flush breaks the log. */
static void *syncer(void *arg)
{
    struct moat_audit *a = arg;

    pthread_mutex_lock(&a->lock);
    while (!a->stopping) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(a->interval_ms % 1000) * 1000000L;
        until.tv_sec += a->interval_ms / 1000 + until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&a->wake, &a->lock, &until);
        if (a->dirty) {
            a->dirty = 0;
            pthread_mutex_unlock(&a->lock); /* appends go on while the disk flushes */
            int rc = fdatasync(a->fd);
            pthread_mutex_lock(&a->lock);
            if (rc != 0)
                a->broken = 1;
        }
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

int moat_audit_sync_every(struct moat_audit *a, unsigned interval_ms, struct moat_err *err)
{
    if (interval_ms == 0 || a->syncer_running)
        return 0;
    if (interval_ms > 60000)
        return moat_err_set(err, MOAT_E_ARG, "audit sync interval above 60 s");
    a->interval_ms = interval_ms;
    pthread_cond_init(&a->wake, NULL);
    if (pthread_create(&a->syncer, NULL, syncer, a) != 0) {
        a->interval_ms = 0;
        pthread_cond_destroy(&a->wake);
        return moat_err_set(err, MOAT_E_IO, "%s: cannot start the sync thread", a->path);
    }
    a->syncer_running = 1;
    return 0;
}

void moat_audit_close(struct moat_audit *a)
{
    if (a == NULL)
        return;
    if (a->syncer_running) {
        pthread_mutex_lock(&a->lock);
        a->stopping = 1;
        pthread_cond_signal(&a->wake);
        pthread_mutex_unlock(&a->lock);
        pthread_join(a->syncer, NULL);
        pthread_cond_destroy(&a->wake);
    }
    fdatasync(a->fd);
    close(a->fd); /* releases the flock */
    pthread_mutex_destroy(&a->lock);
    free(a->path);
    free(a);
}

/* Bounded line reader over a descriptor. */
struct reader {
    int fd;
    char *buf;
    size_t len, pos;
    int eof;
};

/* 1 and the next line (without newline) in *line and *len; 0 at the end; <0 on error. */
static int next_line(struct reader *r, const char *path, uint64_t lineno, char **line, size_t *len,
                     struct moat_err *err)
{
    for (;;) {
        char *nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);

        if (nl != NULL) {
            *line = r->buf + r->pos;
            *len = (size_t)(nl - *line);
            r->pos += *len + 1;
            return 1;
        }
        if (r->eof) {
            if (r->pos == r->len)
                return 0;
            return moat_err_set(err, MOAT_E_VERIFY, "%s: line %llu: incomplete (no newline)", path,
                                (unsigned long long)lineno);
        }
        if (r->len - r->pos > MOAT_AUDIT_MAX_LINE)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: line %llu: longer than %u bytes", path,
                                (unsigned long long)lineno, MOAT_AUDIT_MAX_LINE);
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        ssize_t got = read(r->fd, r->buf + r->len, 2 * (size_t)MOAT_AUDIT_MAX_LINE + 2 - r->len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return moat_err_set(err, MOAT_E_IO, "%s: %s", path, strerror(errno));
        if (got == 0)
            r->eof = 1;
        r->len += (size_t)got;
    }
}

int moat_audit_verify(const char *path, struct moat_audit_head *head, struct moat_err *err)
{
    struct reader r = {-1, NULL, 0, 0, 0};
    char prev[65], want_prev[65];
    uint64_t n = 0, seq = 0;
    char *line = NULL;
    size_t len = 0;
    int rc;

    memset(want_prev, '0', 64);
    want_prev[64] = '\0';
    r.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0)
        return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                            strerror(errno));
    r.buf = malloc(2 * (size_t)MOAT_AUDIT_MAX_LINE + 2);
    if (r.buf == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    while ((rc = next_line(&r, path, n + 1, &line, &len, err)) == 1) {
        n++;
        if ((rc = check_line(line, len, &seq, prev, err)) < 0) {
            moat_err_prefix(err, "%s: line %llu", path, (unsigned long long)n);
            goto out;
        }
        if (seq != n) {
            rc = moat_err_set(err, MOAT_E_VERIFY,
                              "%s: line %llu: seq is %llu (lines deleted, inserted or reordered)",
                              path, (unsigned long long)n, (unsigned long long)seq);
            goto out;
        }
        if (memcmp(prev, want_prev, 64) != 0) {
            rc = moat_err_set(err, MOAT_E_VERIFY,
                              "%s: line %llu: prev does not match the line before it "
                              "(a line was deleted, edited or reordered)",
                              path, (unsigned long long)n);
            goto out;
        }
        sha256_hex(line, len, want_prev);
    }
    if (rc == 0 && head != NULL) {
        head->lines = n;
        if (n > 0)
            memcpy(head->hash, want_prev, 65);
        else
            head->hash[0] = '\0';
    }
out:
    free(r.buf);
    close(r.fd);
    return rc < 0 ? rc : 0;
}
