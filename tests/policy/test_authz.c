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

#include "moat/event/audit.h"
#include "moat/policy/admit.h"
#include "moat/policy/authz.h"
#include "moat/policy/cache.h"
#include "moat/policy/route.h"

static int route(const char *method, const char *uri, const char *name)
{
    struct moat_route_match m;

    if (moat_route_parse(method, uri, &m) < 0)
        return -1;
    if (name != NULL && strcmp(m.name, name) != 0)
        fail_msg("%s %s: name '%s', want '%s'", method, uri, m.name, name);
    return (int)m.route;
}

/* Targets as Go's net/http + gorilla/mux route them (moby api/server/server.go). */
static void test_routes(void **state)
{
    struct moat_route_match m;

    (void)state;
    assert_int_equal(route("POST", "/v1.47/containers/create", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "/containers/create?name=web", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "/v1/containers/create", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "//v1.41/containers//./create", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "/v1.41/containers/%63reate", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "/v1.41/images/../containers/create", ""), MOAT_ROUTE_CREATE);
    /* absolute form: Go routes on the path of the URL */
    assert_int_equal(route("POST", "http://docker/v1.41/containers/create", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "HTTP://user@docker:2375/containers/create?x=1", ""),
                     MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "unix:///v1.41/containers/create", ""), MOAT_ROUTE_CREATE);
    assert_int_equal(route("POST", "x-y+z.1:/containers/create", ""), MOAT_ROUTE_CREATE);
    /* the path ends at '?', not at '#' (ParseRequestURI keeps fragments in the path) */
    assert_int_equal(route("POST", "/containers/abc#/exec", "abc#"), MOAT_ROUTE_EXEC);
    /* names with '/' (legacy link aliases), also percent-encoded */
    assert_int_equal(route("POST", "/v1.41/containers/abc/exec", "abc"), MOAT_ROUTE_EXEC);
    assert_int_equal(route("POST", "/v1.41/containers/web/db/exec", "web/db"), MOAT_ROUTE_EXEC);
    assert_int_equal(route("POST", "/containers/web%2Fdb/exec", "web/db"), MOAT_ROUTE_EXEC);
    assert_int_equal(route("POST", "/containers/web%2fdb/start", "web/db"), MOAT_ROUTE_START);
    assert_int_equal(route("POST", "/containers/a/exec/start", "a/exec"), MOAT_ROUTE_START);
    assert_int_equal(route("POST", "/containers/web/db/update", "web/db"), MOAT_ROUTE_UPDATE);
    assert_int_equal(route("POST", "/containers/x/restart", "x"), MOAT_ROUTE_RESTART);
    assert_int_equal(route("POST", "/volumes/create", ""), MOAT_ROUTE_VOLUME_CREATE);
    assert_int_equal(route("POST", "/v1.41/build?networkmode=host", ""), MOAT_ROUTE_BUILD);
    assert_int_equal(route("POST", "/plugins/pull?remote=x", ""), MOAT_ROUTE_PLUGIN_INSTALL);
    assert_int_equal(route("POST", "/plugins/vieux/sshfs:latest/set", "vieux/sshfs:latest"),
                     MOAT_ROUTE_PLUGIN_SET);
    assert_int_equal(route("POST", "/services/abc/update", "abc"), MOAT_ROUTE_SERVICE);
    assert_int_equal(route("POST", "/services/a/b/update", NULL), MOAT_ROUTE_UNKNOWN);
    /* known, no rule about them */
    assert_int_equal(route("GET", "/v1.47/containers/create", NULL), MOAT_ROUTE_UNKNOWN);
    assert_int_equal(route("GET", "/v1.41/containers/json?all=1", ""), MOAT_ROUTE_OTHER);
    assert_int_equal(route("POST", "/v1.47/containers/abc/stop", "abc"), MOAT_ROUTE_OTHER);
    assert_int_equal(route("DELETE", "/containers/web/db", "web/db"), MOAT_ROUTE_OTHER);
    assert_int_equal(route("GET", "/_ping", ""), MOAT_ROUTE_OTHER);
    assert_int_equal(route("PATCH", "/debug/vars", ""), MOAT_ROUTE_OTHER);
    assert_int_equal(route("OPTIONS", "/anything/at/all", ""), MOAT_ROUTE_OTHER);
    /* not routes */
    assert_int_equal(route("POST", "/v1.47/containers/created", NULL), MOAT_ROUTE_UNKNOWN);
    assert_int_equal(route("POST", "/Containers/create", NULL), MOAT_ROUTE_UNKNOWN);
    assert_int_equal(route("POST", "/v1.41/containers/create/", NULL), MOAT_ROUTE_UNKNOWN);
    assert_int_equal(route("POST", "/v1.41/frobnicate", NULL), MOAT_ROUTE_UNKNOWN);
    /* targets Go refuses: never routed, so never allowed */
    assert_int_equal(route("POST", "/containers/%zzcreate", NULL), -1);
    assert_int_equal(route("POST", "/containers/create%", NULL), -1);
    assert_int_equal(route("POST", "/containers/a%00b/exec", NULL), -1);
    assert_int_equal(route("POST", "containers/create", NULL), -1);
    assert_int_equal(route("POST", "http:containers/create", NULL), -1);
    assert_int_equal(route("POST", "http://docker?/containers/create", NULL), -1);
    assert_int_equal(route("POST", "/containers/create\r", NULL), -1);
    assert_int_equal(route("POST", "", NULL), -1);
    /* the version and the query */
    assert_int_equal(moat_route_parse("POST", "/v1.23/containers/x/start?a=b", &m), 0);
    assert_string_equal(m.version, "1.23");
    assert_string_equal(m.query, "a=b");
    assert_string_equal(m.path, "/containers/x/start");
    assert_int_equal(moat_route_parse("POST", "/containers/x/start", &m), 0);
    assert_string_equal(m.version, "");
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
           "\"Msg\":\"deny_privileged: privileged container (HostConfig.Privileged, CIS 5.4)\"");
    /* {"Image":"quay.io/x/y"}: untrusted, and root without an engine to say otherwise */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6InF1YXkuaW8veC95In0=\"}",
           "registry: quay.io/x/y is not under a trusted registry prefix; non_root: the container: "
           "the user is unknown");
    /* {"Image":"debian","User":"root"} */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/create\","
           "\"RequestBody\":\"eyJJbWFnZSI6ImRlYmlhbiIsIlVzZXIiOiJyb290In0=\"}",
           "non_root: the container runs as root (user 'root', which the daemon reads as uid 0)");
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
           "deny_privileged: privileged exec (Privileged, CIS 5.22)");
    expect(
        az,
        "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.47/containers/abc/exec\","
        "\"RequestBody\":\"eyJDbWQiOlsic2giXSwiVXNlciI6IjEwMDAifQ==\"}", /* {"Cmd":["sh"],"User":"1000"}
                                                                          */
        "\"Allow\":true");
    /* non_root: exec as uid 0 in any spelling strconv.Atoi reads; without a User the container's
     * user counts, which only the engine knows */
    expect(
        az,
        "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/web/db/exec\","
        "\"RequestBody\":\"eyJDbWQiOlsic2giXSwiVXNlciI6IiswOjAifQ==\"}", /* {"Cmd":["sh"],"User":"+0:0"}
                                                                          */
        "non_root: exec (CIS 5.23) runs as root (user '+0:0', which the daemon reads as uid 0)");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/containers/abc/exec\","
           "\"RequestBody\":\"eyJDbWQiOlsic2giXX0=\"}", /* {"Cmd":["sh"]} */
           "non_root: exec: the user is unknown");
    /* absolute-form targets are routed on their path */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"http://docker/v1.41/containers/"
           "create\",\"RequestBody\":"
           "\"eyJJbWFnZSI6ImRlYmlhbjoxMiIsIlVzZXIiOiIxMDAwIiwiSG9zdENvbmZpZyI6eyJQ"
           "cml2aWxlZ2VkIjp0cnVlfX0=\"}",
           "deny_privileged: privileged container");
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/%zz/start\"}",
           "is not a request-target the daemon would route");
    /* endpoints moat does not know: denied by default, naming the endpoint */
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.99/frobnicate?x=1\"}",
           "unknown_endpoints: POST /frobnicate is not an endpoint this moat knows");
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/plugins/pull?remote=x\"}",
           "deny_privileged: plugin install (POST /plugins/pull)");
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/services/create\"}",
           "deny_privileged: swarm service");
    /* build options as Go's FormValue reads them: the first value, %XX decoded, ';' pairs dropped
     */
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/build?networkmode=none;x&"
           "networkmode=%68ost&networkmode=none\"}",
           "deny_privileged: build with networkmode=host");
    expect(az,
           "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/build?t=x\",\"RequestHeaders\":"
           "{\"Content-Type\":\"application/x-www-form-urlencoded; charset=utf-8\"}}",
           "build: a form body");
    expect(az, "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/build?networkmode=none\"}",
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
    assert_int_equal(head.lines, 28); /* every AuthZReq and AuthZRes, not Activate or 404 */
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
