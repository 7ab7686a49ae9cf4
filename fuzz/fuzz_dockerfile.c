/* room: check */
/* fuzz_dockerfile.c - libFuzzer target for the Dockerfile parser and the lint rules over what it
 * parses. */
#include <stdint.h>

#include "fuzz.h"
#include "moat/check/dockerfile.h"
#include "moat/check/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const trusted[] = {"docker.io", "ghcr.io/org"};
    struct moat_lint_opts opts = {NULL, 0, trusted, 2};
    struct moat_dockerfile df;
    struct moat_findings fs = {0};
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_dockerfile_parse("fuzz", (const char *)data, size, &df, &err) == 0) {
        moat_lint_dockerfile(&df, "fuzz", &opts, &fs, &err);
        moat_findings_free(&fs);
        moat_dockerfile_free(&df);
    }
    moat_err_clear(&err);
    return 0;
}
