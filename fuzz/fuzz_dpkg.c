/* room: catalog */
/*
 * fuzz_dpkg.c - libFuzzer target for the dpkg status parser and the
 * .list / .md5sums / copyright readers (one input drives all four).
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "moat/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_pkg p = {0};
    char *lic = NULL;

    moat_dpkg_parse_status("status", data, size, &inv, &err);
    moat_inventory_sort(&inv);
    moat_inventory_free(&inv);
    moat_dpkg_parse_list("x.list", data, size, &p, &err);
    moat_dpkg_parse_md5sums("x.md5sums", data, size, &p, &err);
    moat_pkg_free(&p);
    moat_dpkg_parse_copyright("copyright", data, size, &lic, &err);
    free(lic);
    moat_err_clear(&err);
    return 0;
}
