/* room: vuln */
/* fuzz_cvss.c - libFuzzer target for CVSS vector parsing and scoring (every version). */
#include <stdint.h>

#include "fuzz.h"
#include "moat/vuln/cvss.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum moat_cvss_version ver;
    double score = -1;
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_cvss_score((const char *)data, size, &ver, &score, &err) == 0 &&
        (score < 0 || score > 10 ||
         (ver != MOAT_CVSS_V2 && ver != MOAT_CVSS_V30 && ver != MOAT_CVSS_V31 &&
          ver != MOAT_CVSS_V40)))
        __builtin_trap();
    moat_err_clear(&err);
    return 0;
}
