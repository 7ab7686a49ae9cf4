/* room: policy */
/*
 * fuzz_authz_request.c - libFuzzer target for the AuthZ plugin's request
 * handling: the input is a plugin request body sent to /AuthZPlugin.AuthZReq
 * and /AuthZPlugin.AuthZRes under a policy with every container rule on (no
 * engine, no audit log). Also feeds it to the request-target router, Go's
 * query, integer and upper-case readings, the image-name parser and the
 * base64 decoder directly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/base64.h"
#include "fuzz.h"
#include "moat/policy/admit.h"
#include "moat/policy/authz.h"
#include "moat/policy/gosem.h"
#include "moat/policy/route.h"
#include "moat/source/docker_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char yaml[] = "registries: [docker.io/library/]\nnon_root: true\n"
                               "deny_privileged: true\ndeny_host_namespaces: true\n"
                               "deny_socket_mounts: true\ndeny_host_mounts: true\n"
                               "deny_cap_add: [SYS_ADMIN]\n";
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
    if (moat_base64_decode((const char *)data, size, 0, 1 << 20, &raw, &raw_len) == 0)
        free(raw);
    if (moat_base64_decode((const char *)data, size, MOAT_BASE64_URLSAFE | MOAT_BASE64_NOPAD,
                           1 << 20, &raw, &raw_len) == 0)
        free(raw);
    text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, data, size);
        text[size] = '\0';
        struct moat_route_match m;
        struct moat_docker_name n;
        char out[256];
        long long v;

        moat_route_parse("POST", text, &m);
        moat_go_query_get(text, "networkmode", out, sizeof out);
        moat_go_upper_ascii(text, size, out, sizeof out);
        moat_go_atoi(text, size, &v);
        moat_go_version_cmp(text, "1.24");
        moat_user_is_root(text);
        moat_docker_name_parse(text, &n, NULL);
        free(text);
    }
    return 0;
}
