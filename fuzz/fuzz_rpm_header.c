/* room: catalog */
/* fuzz_rpm_header.c - libFuzzer target for one rpm header blob. */
#include <stdint.h>

#include "fuzz.h"
#include "moat/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_pkg p = {0};
    struct moat_err err = MOAT_ERR_INIT;

    moat_rpm_parse_header("header", data, size, &p, &err);
    moat_pkg_free(&p);
    moat_err_clear(&err);
    return 0;
}
