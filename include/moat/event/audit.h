/*
 * audit.h - the audit log: events appended as JSON Lines, hash-chained so
 * that editing, deleting or reordering a line is detected.
 *
 * Each line is one compact JSON object:
 *   {"seq":N,"time":...,"kind":...,...,"prev":"<hex>","hash":"<hex>"}
 * seq counts from 1; prev is the sha256 of the previous line's bytes (without
 * its newline; 64 zeros on the first line); hash is the sha256 of this line's
 * bytes up to the ',"hash"' that ends it, with '}' appended - that is, of the
 * object without its hash member. Every append is one write(), so the line
 * is in the kernel (it survives moat crashing) before the caller acts on it.
 * By default it is also fdatasync()ed before the append returns; with
 * moat_audit_sync_every() a background thread syncs instead, at most every
 * N ms, for servers that cannot wait a disk flush per decision (a flush
 * took 3-4 ms on the test VM, most of a 5 ms budget). close() always syncs.
 *
 * A hash chain cannot show that lines were cut from the end: keep the head
 * (count and last hash, moat_audit_verify() reports both) somewhere else if
 * that matters.
 */
#ifndef MOAT_EVENT_AUDIT_H
#define MOAT_EVENT_AUDIT_H

#include <stdint.h>

#include "moat/base/error.h"
#include "moat/event/event.h"

#define MOAT_AUDIT_MAX_LINE (1u << 20) /* bytes in one line */

struct moat_audit;

/*
 * Open (create with mode 0600 when missing) the log at path for appending and
 * take an exclusive lock on it (flock), so two writers never interleave a
 * chain; a log held by another process is -MOAT_E_IO "in use". The last line
 * is checked (complete, its own hash right) so the chain continues from it; a
 * damaged tail is refused rather than extended.
 */
int moat_audit_open(const char *path, struct moat_audit **out, struct moat_err *err);

/*
 * Sync from a background thread at most every interval_ms instead of on
 * each append (0 = on each append, the default). Call before appending.
 */
int moat_audit_sync_every(struct moat_audit *a, unsigned interval_ms, struct moat_err *err);

/* Append one event (thread-safe): written, and synced unless moat_audit_sync_every() was used. */
int moat_audit_append(struct moat_audit *a, const struct moat_event *ev, struct moat_err *err);

/* Close and unlock; NULL is allowed. */
void moat_audit_close(struct moat_audit *a);

struct moat_audit_head {
    uint64_t lines;
    char hash[65]; /* sha256 of the last line (the next line's prev); "" when empty */
};

/*
 * Verify the whole chain. 0 when intact (head filled when non-NULL);
 * -MOAT_E_VERIFY with "PATH: line N: <what is wrong>" for the first broken
 * line; other negative codes when the file cannot be read.
 */
int moat_audit_verify(const char *path, struct moat_audit_head *head, struct moat_err *err);

#endif
