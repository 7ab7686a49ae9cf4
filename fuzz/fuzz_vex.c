/* room: vex */
/*
 * fuzz_vex.c - libFuzzer target for the VEX reader (OpenVEX and CycloneDX
 * VEX): load the input, then apply it to a small fixed set of findings so
 * the purl matcher and the id index run on whatever loaded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/vex/vex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const purls[] = {
        "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12",
        "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64",
        "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3",
        "pkg:%zz/@?&=#",
    };
    static const char *const ids[] = {"CVE-2023-12345", "CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q",
                                      "CVE-2024-0001"};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vex *v = NULL;
    struct moat_findings fs = {0};

    if (moat_vex_load_mem("fuzz.json", data, size, &v, &err) == 0) {
        for (size_t i = 0; i < 4; i++) {
            struct moat_finding f = {0};

            f.kind = i == 3 ? MOAT_FINDING_SECRET : MOAT_FINDING_VULN;
            f.rule_id = strdup(ids[i]);
            f.pkg_purl = strdup(purls[i]);
            f.aliases = calloc(1, sizeof(char *));
            if (f.aliases != NULL) {
                f.aliases[0] = strdup(ids[(i + 1) % 4]);
                f.n_aliases = 1;
            }
            f.cvss_score = -1;
            f.layer = -1;
            if (moat_findings_add(&fs, &f, NULL) < 0)
                moat_finding_free(&f);
        }
        moat_vex_apply(v, &fs, &err);
        moat_findings_free(&fs);
        moat_vex_free(v);
    }
    moat_err_clear(&err);
    return 0;
}
