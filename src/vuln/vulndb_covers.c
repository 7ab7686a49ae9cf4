/*
 * vulndb_covers.c - does the database hold any advisory for an ecosystem?
 * An Alpine image matched against a Debian-only database finds nothing,
 * and "nothing" must not read as "clean": the scan pipeline asks this for
 * every ecosystem its packages fall in and warns where the answer is no.
 */
#include <sqlite3.h>

#include "vuln/vuln_int.h"
#include "moat/vuln/vulndb.h"

int moat_vulndb_covers(struct moat_vulndb *db, const char *ecosystem, bool *out,
                       struct moat_err *err)
{
    char key[VDB_MAX_ID_LEN * 2], base[VDB_MAX_ID_LEN * 2];
    sqlite3_stmt *st = NULL;
    int r = 0, s;

    *out = false;
    if (vdb_eco_key(ecosystem, key, sizeof(key)) < 0 || vdb_eco_base(key, base, sizeof(base)) < 0)
        return 0; /* longer than anything the importer stores */
    /* the same rows moat_vulndb_each_affected reads: this release, or the ecosystem as a whole */
    if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM affected WHERE eco_key IN (?1, ?2) LIMIT 1", -1,
                           &st, NULL) != SQLITE_OK)
        return vdb_sqlerr(db->db, db->path, "coverage query", err);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, base, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *out = true;
    else if (s != SQLITE_DONE)
        r = vdb_sqlerr(db->db, db->path, "coverage query", err);
    sqlite3_finalize(st);
    return r;
}
