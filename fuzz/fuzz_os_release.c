/* room: catalog */
/* fuzz_os_release.c - libFuzzer target for os-release and the release-file fallbacks. */
#include <stdint.h>

#include "fuzz.h"
#include "moat/catalog/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"etc/debian_version", "etc/alpine-release",
                                        "etc/redhat-release"};
    struct moat_os os = {0};
    struct moat_err err = MOAT_ERR_INIT;

    moat_os_release_parse(data, size, &os, &err);
    moat_os_free(&os);
    for (size_t i = 0; i < 3; i++) {
        moat_os_release_fallback(names[i], data, size, &os, &err);
        moat_os_free(&os);
    }
    moat_err_clear(&err);
    return 0;
}
