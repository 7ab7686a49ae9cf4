/* room: secret */
/*
 * fuzz_secret_config.c - libFuzzer target for the YAML secret config: any
 * bytes either parse or fail with one line "NAME: ...". A config that parses
 * and holds few rules is also compiled and run over a small text, so the
 * path and allow databases and the rule selection are exercised too (big
 * ones are only parsed: Hyperscan compilation would dominate the run).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/secret/config.h"
#include "moat/secret/secret.h"

static const char text[] = "GH=ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo\n"
                           "ACME_KEY=acme-9F3B27C1D04E5A68\npassword = \"Xk9#mQ2!vL7pR4tZ\"\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_secret_config *cfg = NULL;
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};

    if (moat_secret_config_parse("fuzz.yaml", data, size, &cfg, &err) < 0) {
        const char *m = moat_err_msg(&err);
        if ((strncmp(m, "fuzz.yaml", 9) != 0 || strchr(m, '\n')) && !fuzz_alloc_failed())
            abort();
        moat_err_clear(&err);
        return 0;
    }
    if (cfg->n_rules > 4 || cfg->n_allow > 16) {
        moat_secret_config_free(cfg);
        return 0;
    }
    if (moat_secret_engine_new_config(cfg, &e, &err) < 0) {
        if (strncmp(moat_err_msg(&err), "fuzz.yaml", 9) != 0 && !fuzz_alloc_failed())
            abort();
        moat_err_clear(&err);
        return 0;
    }
    if (moat_secret_scan_buffer(e, "app/.env", 0, text, sizeof text - 1, &fs, NULL) < 0 &&
        !fuzz_alloc_failed())
        abort();
    moat_findings_free(&fs);
    moat_secret_engine_free(e);
    return 0;
}
