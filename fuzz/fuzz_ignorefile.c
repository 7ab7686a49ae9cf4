/* room: scan */
/* fuzz_ignorefile.c - libFuzzer target for the ignore file (.moatignore / .trivyignore format). */
#include <stdint.h>

#include "fuzz.h"
#include "moat/scan/ignore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_ignore *ig = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    char *aliases[] = {"DSA-1"};
    struct moat_finding f = {.rule_id = "CVE-2024-1", .aliases = aliases, .n_aliases = 1};

    if (moat_ignore_parse("fuzz", (const char *)data, size, &ig, &err) == 0) {
        (void)moat_ignore_match(ig, &f, 1700000000, NULL);
        moat_ignore_free(ig);
    }
    moat_err_clear(&err);
    return 0;
}
