/* room: catalog */
/*
 * fuzz_rpm_db.c - libFuzzer target for whole rpm databases: the input is
 * tried as an rpmdb.sqlite file and as a Berkeley DB hash "Packages" file.
 */
#include <stdint.h>

#include "fuzz.h"
#include "moat/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    moat_rpm_parse_sqlite("rpmdb.sqlite", data, size, &inv, &err);
    moat_inventory_free(&inv);
    moat_rpm_parse_bdb("Packages", data, size, &inv, &err);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    return 0;
}
