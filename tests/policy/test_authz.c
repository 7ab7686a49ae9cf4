/* test_authz.c - the plugin protocol without HTTP: routes as Docker's router
 * sees them, every fail-closed path of a create request (base64 itself is
 * tests/base/test_base64.c), answers and audit lines; and the LRU+TTL cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/audit.h"
#include "policy/admit.h"
#include "policy/authz.h"
#include "policy/cache.h"

static void test_routes(void **state)
{
    (void)state;
    assert_int_equal(moat_authz_route("POST", "/v1.47/containers/create"), MOAT_AUTHZ_ROUTE_CREATE);
    assert_int_equal(moat_authz_route("POST", "/containers/create?name=web"),
                     MOAT_AUTHZ_ROUTE_CREATE);
    assert_int_equal(moat_authz_route("POST", "/v1/containers/create"), MOAT_AUTHZ_ROUTE_CREATE);
    assert_int_equal(moat_authz_route("POST", "//v1.41/containers//./create"),
                     MOAT_AUTHZ_ROUTE_CREATE);
    assert_int_equal(moat_authz_route("POST", "/v1.41/containers/%63reate"),
                     MOAT_AUTHZ_ROUTE_CREATE);
    assert_int_equal(moat_authz_route("POST", "/v1.41/images/../containers/create"),
                     MOAT_AUTHZ_ROUTE_CREATE);
    assert_int_equal(moat_authz_route("POST", "/v1.41/containers/abc/exec"), MOAT_AUTHZ_ROUTE_EXEC);
    assert_int_equal(moat_authz_route("GET", "/v1.47/containers/create"), MOAT_AUTHZ_ROUTE_OTHER);
    assert_int_equal(moat_authz_route("POST", "/v1.47/containers/abc/start"),
                     MOAT_AUTHZ_ROUTE_OTHER);
    assert_int_equal(moat_authz_route("POST", "/v1.47/containers/created"), MOAT_AUTHZ_ROUTE_OTHER);
}

static char dir[] = "/tmp/moat-authz-XXXXXX";

static char *ask(struct moat_authz *az, const char *ep, const char *req, unsigned *status)
{
    char *resp = NULL;
    unsigned st = 0;

    assert_int_equal(moat_authz_handle(az, ep, req, strlen(req), &resp, &st), 0);
    assert_non_null(resp);
    if (status != NULL)
        *status = st;
    return resp;
}

static void expect(struct moat_authz *az, const char *req, const char *want)
{
    char *resp = ask(az, "/AuthZPlugin.AuthZReq", req, NULL);

    if (strstr(resp, want) == NULL)
        fail_msg("expected '%s' in %s", want, resp);
    free(resp);
}

static void test_handle(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *p = NULL;
    struct moat_audit *audit = NULL;
    struct moat_audit_head head;
    struct moat_authz_opts o = {0};
    struct moat_authz *az = NULL;
    const char *yaml = "registries: [docker.io/library/]\ndeny_privileged: true\nnon_root: true\n";
    char log[300], *resp;
    unsigned st;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(log, sizeof log, "%s/audit.jsonl", dir);
    assert_int_equal(moat_admit_policy_parse("admit.yaml", yaml, strlen(yaml), ".", &p, &err), 0);
    assert_int_equal(moat_audit_open(log, &audit, &err), 0);
    o.policy = p;
    o.audit = audit;
    assert_int_equal(moat_authz_new(&o, &az, &err), 0);

    resp = ask(az, "/Plugin.Activate", "", &st);
    assert_string_equal(resp, "{\"Implements\":[\"authz\"]}");
    free(resp);
    resp = ask(az, "/Nope", "{}", &st);
    assert_int_equal(st, 404);
    free(resp);

    /* {"Image":"debian:12","User":"1000"} and with Privileged, base64 by `base64 -w0` */
    expect(az,
           "{\"User\":\"bob\",\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/"
           "create\",\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbjoxMiIsIlVzZXIiOiIxMDAwIn0=\"}",
           "{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbjoxMiIsIlVzZXIiOiIxMDAwIiwiSG9zdENvbmZpZyI6eyJQ"
           "cml2aWxlZ2VkIjp0cnVlfX0=\"}",
           "\"Msg\":\"privileged container (HostConfig.Privileged)\"");
    /* {"Image":"quay.io/x/y"}: untrusted, and root without an engine to say otherwise */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6InF1YXkuaW8veC95In0=\"}",
           "registry: quay.io/x/y is not under a trusted registry prefix; non_root: the user is "
           "unknown");
    /* {"Image":"debian","User":"root"} */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbiIsIlVzZXIiOiJyb290In0=\"}",
           "non_root: runs as root (user 'root')");
    /* fail closed */
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\"}",
           "request body missing");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":null}",
           "request body missing");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":\"\"}",
           "request body is empty");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbjox\"}", /* {"Image":"debian:1 */
           "not a complete JSON object");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbjoxMiIsIlVzZXIiOiIxMDAwIn0\"}",
           "not valid base64");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestHeaders\":{\"Content-Length\":\"0\"},"
           "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbjoxMiIsIlVzZXIiOiIxMDAwIn0=\"}",
           "but Content-Length says 0");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":7}",
           "RequestBody is not a base64 string");
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":7}", "malformed plugin request");
    expect(az, "[]", "malformed plugin request");
    expect(az, "", "malformed plugin request");
    /* privileged exec; plain exec passes */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/abc/exec\","
           "\"RequestBody\":\"eyJQcml2aWxlZ2VkIjp0cnVlLCJDbWQiOlsic2giXX0=\"}",
           "privileged exec");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/abc/exec\","
           "\"RequestBody\":\"eyJDbWQiOlsic2giXX0=\"}",
           "\"Allow\":true");
    /* other requests pass, responses pass */
    expect(az, "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/v1.47/info\"}", "\"Allow\":true");
    resp = ask(az, "/AuthZPlugin.AuthZRes",
               "{\"RequestMethod\":\"GET\",\"RequestUri\":\"/_ping\",\"ResponseStatusCode\":200}",
               NULL);
    assert_string_equal(resp, "{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}");
    free(resp);

    moat_authz_free(az);
    moat_audit_close(audit);
    assert_int_equal(moat_audit_verify(log, &head, &err), 0);
    assert_int_equal(head.lines, 18); /* every AuthZReq and AuthZRes, not Activate or 404 */
    moat_admit_policy_free(p);
    unlink(log);
    rmdir(dir);
}

/* The engine is asked only when the policy cares about the image; an unreachable one denies then.
 */
static void test_engine_only_when_needed(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_admit_policy *lax = NULL, *strict = NULL;
    struct moat_authz_opts o = {0};
    struct moat_authz *az = NULL;
    const char *req = "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
                      "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbjoxMiIsIlVzZXIiOiIxMDAwIn0=\"}";

    const char *y1 = "deny_privileged: true\n", *y2 = "registries: [docker.io/library/]\n";

    (void)state;
    assert_int_equal(moat_admit_policy_parse("a.yaml", y1, strlen(y1), ".", &lax, &err), 0);
    assert_int_equal(moat_admit_policy_parse("b.yaml", y2, strlen(y2), ".", &strict, &err), 0);
    o.engine_socket = "unix:///nonexistent/moat-test.sock";
    o.cache_ttl_ms = 1000;
    o.policy = lax;
    assert_int_equal(moat_authz_new(&o, &az, &err), 0);
    expect(az, req, "\"Allow\":true");
    moat_authz_free(az);
    o.policy = strict;
    assert_int_equal(moat_authz_new(&o, &az, &err), 0);
    expect(az, req, "image: cannot resolve 'debian:12': engine /nonexistent/moat-test.sock:");
    expect(az, req, "cannot resolve"); /* a failed lookup is not cached */
    moat_authz_free(az);
    moat_admit_policy_free(lax);
    moat_admit_policy_free(strict);
}

static void test_cache(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_cache *c = NULL, *short_lived = NULL;
    json_t *v = json_string("x"), *got;

    (void)state;
    assert_int_equal(moat_cache_new(2, 60000, &c, &err), 0);
    moat_cache_put(c, "a", v);
    moat_cache_put(c, "b", v);
    got = moat_cache_get(c, "a"); /* a is now the most recent */
    assert_ptr_equal(got, v);
    json_decref(got);
    moat_cache_put(c, "c", v); /* evicts b, the least recently used */
    assert_null(moat_cache_get(c, "b"));
    got = moat_cache_get(c, "a");
    assert_non_null(got);
    json_decref(got);
    got = moat_cache_get(c, "c");
    assert_non_null(got);
    json_decref(got);
    assert_int_equal(moat_cache_size(c), 2);
    got = json_string("replaced");
    moat_cache_put(c, "a", got); /* the cache takes its own reference */
    json_decref(got);
    got = moat_cache_get(c, "a");
    assert_string_equal(json_string_value(got), "replaced");
    json_decref(got);
    moat_cache_free(c);

    assert_int_equal(moat_cache_new(8, 30, &short_lived, &err), 0);
    moat_cache_put(short_lived, "k", v);
    got = moat_cache_get(short_lived, "k");
    assert_non_null(got);
    json_decref(got);
    usleep(60000);
    assert_null(moat_cache_get(short_lived, "k")); /* expired */
    assert_int_equal(moat_cache_size(short_lived), 0);
    moat_cache_free(short_lived);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_handle),
        cmocka_unit_test(test_engine_only_when_needed),
        cmocka_unit_test(test_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
