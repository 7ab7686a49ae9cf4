/* room: policy */
/*
 * fuzz_admit_policy.c - libFuzzer target for the admit.yaml parser: parse
 * the input, and when it parses run the image checks on fixed evidence and
 * the container checks on a fixed create body, so every parsed field is used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/policy/admit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char body_text[] =
        "{\"Image\":\"ubuntu\",\"HostConfig\":{\"Privileged\":true,\"NetworkMode\":\"host\","
        "\"Binds\":[\"/var/run:/r\"],\"CapAdd\":[\"SYS_ADMIN\",\"NET_RAW\"]}}";
    const char *names[] = {"registry.example.com/team/app:1", "ubuntu"};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *p = NULL;
    struct moat_decision d = {true, NULL, 0};
    struct moat_admit_image img = {0};
    json_t *body;

    if (moat_admit_policy_parse("fuzz.yaml", (const char *)data, size, "/fuzz", &p, &err) == 0) {
        img.names = names;
        img.n_names = 2;
        img.user = "0";
        img.now = 1796000000;
        img.scan.present = true;
        img.scan.source = "fresh scan";
        img.scan.time = img.now - 86400 * 3;
        img.scan.by_severity[MOAT_SEV_CRITICAL] = 1;
        img.scan.secrets = 2;
        moat_admit_check_image(p, &img, &d, &err);
        body = json_loads(body_text, 0, NULL);
        moat_admit_check_create(p, body, NULL, &d, &err);
        json_decref(body);
        free(moat_decision_summary(&d));
        moat_decision_free(&d);
        moat_admit_policy_free(p);
    }
    moat_err_clear(&err);
    return 0;
}
