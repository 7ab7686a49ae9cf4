/*
 * debian_tracker.c - the Debian Security Tracker's JSON dump.
 *
 * JSON (security-tracker.debian.org/tracker/data/json):
 *   {SRC_PKG: {CVE_ID: {description, scope, debianbug,
 *      releases: {CODENAME: {status: resolved|open|undetermined, repositories,
 *                            fixed_version, urgency, nodsa, nodsa_reason}}}}}
 * resolved with fixed_version "0" means never affected (not stored); resolved
 * with a version is "introduced 0, fixed V"; open is "introduced 0" with a
 * status: nodsa_reason "postponed"/"ignored", else "no-dsa" when nodsa is
 * set, else "end-of-life" for that urgency, else "unfixed"; undetermined is
 * kept as "introduced 0" with status "undetermined". Urgency (trailing "*"
 * removed, "not yet assigned" dropped) becomes the distro severity.
 *
 * The list files (data/CVE/list, data/DSA/list, data/DLA/list) are read by
 * debian_list.c.
 *
 * Ecosystem "Debian:<release number>" (sid: "Debian:unstable"), package the
 * source package, source "debian-tracker", feed "debian-tracker" (a dump
 * replaces the feed).
 */
#include "vuln_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_CVE "debian-tracker"

struct rel_row {
    char eco[32];
    char ranges[VDB_MAX_VERSION_LEN + 16];
    const char *status, *urgency;
    char urg[32];
};

/* 0 stored/nothing to store, 1 malformed (why), <0 database error. */
static int release(json_t *r, const char *codename, struct rel_row *row, bool *store,
                   const char **why)
{
    const char *rel = vdb_debian_release(codename), *status = NULL, *fixed = NULL, *urg = NULL,
               *reason = NULL;
    json_t *nodsa;

    *store = false;
    if (!json_is_object(r)) {
        *why = "expected object";
        return 1;
    }
    if (vdb_json_str(r, "status", 64, true, &status, why) < 0 ||
        vdb_json_str(r, "fixed_version", VDB_MAX_VERSION_LEN, true, &fixed, why) < 0 ||
        vdb_json_str(r, "urgency", 64, true, &urg, why) < 0 ||
        vdb_json_str(r, "nodsa_reason", 64, true, &reason, why) < 0)
        return 1;
    if (status == NULL) {
        *why = "status: missing";
        return 1;
    }
    if (rel == NULL)
        return 0; /* a release moat does not know (e.g. a future codename): skip it */
    snprintf(row->eco, sizeof(row->eco), "Debian:%s", rel);
    row->urgency = NULL;
    if (urg != NULL) {
        size_t n = strcspn(urg, "*");

        if (n > 0 && n < sizeof(row->urg) && strncmp(urg, "not yet assigned", n) != 0) {
            memcpy(row->urg, urg, n);
            row->urg[n] = '\0';
            row->urgency = row->urg;
        }
    }
    nodsa = json_object_get(r, "nodsa");
    row->status = NULL;
    if (strcmp(status, "resolved") == 0) {
        if (fixed == NULL || *fixed == '\0') {
            *why = "resolved without fixed_version";
            return 1;
        }
        if (strcmp(fixed, "0") == 0)
            return 0;
        snprintf(row->ranges, sizeof(row->ranges), "R1\ni0\nf%s\n", fixed);
    } else if (strcmp(status, "open") == 0) {
        snprintf(row->ranges, sizeof(row->ranges), "R1\ni0\n");
        if (reason != NULL && strcmp(reason, "postponed") == 0)
            row->status = "postponed";
        else if (reason != NULL && strcmp(reason, "ignored") == 0)
            row->status = "ignored";
        else if (nodsa != NULL && !json_is_null(nodsa))
            row->status = "no-dsa";
        else if (row->urgency != NULL && strcmp(row->urgency, "end-of-life") == 0)
            row->status = "end-of-life";
        else
            row->status = "unfixed";
    } else if (strcmp(status, "undetermined") == 0) {
        snprintf(row->ranges, sizeof(row->ranges), "R1\ni0\n");
        row->status = "undetermined";
    } else {
        *why = "unknown status";
        return 1;
    }
    *store = true;
    return 0;
}

/* Validate (write=false) or store one (package, CVE) entry. */
static int cve_entry(struct vdb_imp *im, const char *pkg, const char *id, json_t *e, bool write,
                     const char **why, const char **where, struct moat_err *err)
{
    const char *desc = NULL, *codename;
    json_t *rels, *r;
    int64_t vid = 0;
    bool have_vuln = false;
    int rc;

    if (!json_is_object(e)) {
        *why = "expected object";
        return 1;
    }
    if (vdb_json_str(e, "description", VDB_MAX_STR_LEN, false, &desc, why) < 0) {
        *where = "description";
        return 1;
    }
    rels = json_object_get(e, "releases");
    if (rels == NULL || json_is_null(rels))
        return 0;
    if (!json_is_object(rels)) {
        *where = "releases";
        *why = "expected object";
        return 1;
    }
    json_object_foreach(rels, codename, r)
    {
        struct rel_row row;
        bool store;

        if ((rc = release(r, codename, &row, &store, why)) != 0) {
            *where = codename;
            return rc;
        }
        if (!store || !write)
            continue;
        if (!have_vuln) {
            struct vdb_vuln v = {
                .id = id, .source = VDB_SRC_TRACKER, .feed = FEED_CVE, .details = desc};

            if ((rc = vdb_put_vuln(im, &v, false, &vid, err)) < 0)
                return rc;
            have_vuln = true;
        }
        {
            struct vdb_affected a = {.ecosystem = row.eco,
                                     .package = pkg,
                                     .ranges = row.ranges,
                                     .distro_status = row.status,
                                     .distro_severity = row.urgency};

            if ((rc = vdb_put_affected(im, vid, id, VDB_SRC_TRACKER, FEED_CVE, &a, err)) < 0)
                return rc;
        }
    }
    if (write && have_vuln)
        im->rep->records++;
    return 0;
}

int vdb_tracker_json_begin(struct vdb_imp *im, struct moat_err *err)
{
    int r;

    /* the dump replaces what the list files gave, notes included (debian_list.c) */
    if ((r = vdb_drop_feed(im, FEED_CVE, err)) < 0 || (r = vdb_touch_feed(im, FEED_CVE, err)) < 0 ||
        (r = vdb_exec(im->vdb->db, im->vdb->path, "DELETE FROM tracker_notes", err)) < 0)
        return r;
    return 0;
}

int vdb_tracker_json_package(struct vdb_imp *im, const char *name, const char *pkg, json_t *cves,
                             struct moat_err *err)
{
    const char *id;
    json_t *e;
    int r;

    if (!vdb_id_ok(pkg, strlen(pkg)) || !json_is_object(cves)) {
        vdb_skip(im, FEED_CVE, "%s: %.64s: %s", name, pkg,
                 json_is_object(cves) ? "bad package name" : "expected object");
        return 0;
    }
    json_object_foreach(cves, id, e)
    {
        const char *why = NULL, *where = "";

        if (!vdb_id_ok(id, strlen(id))) {
            vdb_skip(im, FEED_CVE, "%s: %s: %.64s: bad id", name, pkg, id);
            continue;
        }
        r = cve_entry(im, pkg, id, e, false, &why, &where, err);
        if (r == 0)
            r = cve_entry(im, pkg, id, e, true, &why, &where, err);
        if (r < 0)
            return r;
        if (r > 0)
            vdb_skip(im, FEED_CVE, "%s: %s: %s: %s%s%s", name, pkg, id, where, *where ? ": " : "",
                     why ? why : "malformed");
    }
    return 0;
}
