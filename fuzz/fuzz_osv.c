/* room: vuln */
/* fuzz_osv.c - libFuzzer target for the OSV record parser (single records, API answers, arrays,
 * zips of records). */
#include <stdint.h>

#include "fuzz.h"
#include "moat/vuln/vulndb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vulndb *db = NULL;

    if (moat_vulndb_open(":memory:", 1, &db, &err) == 0) {
        moat_vulndb_import_mem(db, "fuzz", data, size, &rep, &err);
        moat_vulndb_close(db);
    }
    moat_import_report_free(&rep);
    moat_err_clear(&err);
    return 0;
}
