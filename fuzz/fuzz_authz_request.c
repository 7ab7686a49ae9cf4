/* room: policy */
/*
 * fuzz_authz_request.c - libFuzzer target for the AuthZ plugin's request
 * handling: the input is a plugin request body sent to /AuthZPlugin.AuthZReq
 * and /AuthZPlugin.AuthZRes under a policy with every container rule on (no
 * engine, no audit log). Also feeds it to the route classifier and the
 * base64 decoder directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "policy/admit.h"
#include "policy/authz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char yaml[] = "registries: [docker.io/library/]\nnon_root: true\n"
                               "deny_privileged: true\ndeny_host_namespaces: true\n"
                               "deny_socket_mounts: true\ndeny_cap_add: [SYS_ADMIN]\n";
    static struct moat_admit_policy *p;
    static struct moat_authz *az;
    struct moat_err err = MOAT_ERR_INIT;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    char *resp = NULL, *text;
    unsigned status;

    if (az == NULL) {
        struct moat_authz_opts o = {0};

        if (moat_admit_policy_parse("fuzz.yaml", yaml, sizeof yaml - 1, ".", &p, &err) < 0)
            abort();
        o.policy = p;
        if (moat_authz_new(&o, &az, &err) < 0)
            abort();
    }
    moat_authz_handle(az, "/AuthZPlugin.AuthZReq", (const char *)data, size, &resp, &status);
    free(resp);
    moat_authz_handle(az, "/AuthZPlugin.AuthZRes", (const char *)data, size, &resp, &status);
    free(resp);
    if (moat_base64_decode((const char *)data, size, 1 << 20, &raw, &raw_len) == 0)
        free(raw);
    text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, data, size);
        text[size] = '\0';
        moat_authz_route("POST", text);
        free(text);
    }
    return 0;
}
