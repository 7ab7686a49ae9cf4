/* room: custody */
/* fuzz_custody_policy.c - libFuzzer target for the custody.yaml parser; a policy that parses is
 * also run through verification with no attestations (every phase missing). */
#include <stdint.h>

#include "fuzz.h"
#include "moat/custody/custody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_custody_policy *p = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    /* Key files are looked up under a directory that does not exist; inline PEM keys parse. */
    if (moat_custody_policy_parse("custody.yaml", (const char *)data, size,
                                  "/nonexistent/moat-fuzz", &p, &err) == 0) {
        struct moat_image_meta meta = {0};
        struct moat_att_set atts = {0};
        struct moat_custody_result r;

        meta.name = (char *)"fuzz";
        meta.manifest_digest =
            (char *)"sha256:0000000000000000000000000000000000000000000000000000000000000000";
        if (moat_custody_verify(p, &meta, &atts, 1796086689, &r, &err) == 0)
            moat_custody_result_free(&r);
        moat_custody_policy_free(p);
    }
    moat_err_clear(&err);
    return 0;
}
