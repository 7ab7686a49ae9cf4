/* room: catalog */
/* fuzz_apk.c - libFuzzer target for the apk installed-db parser. */
#include <stdint.h>

#include "fuzz.h"
#include "moat/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    moat_apk_parse_installed("installed", data, size, &inv, &err);
    moat_inventory_sort(&inv);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    return 0;
}
