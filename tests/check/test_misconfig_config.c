/* test_misconfig_config.c - the config checks, each with a case that fires
 * and cases that must stay quiet: root user (also a name etc/passwd maps
 * to uid 0), port 22, HEALTHCHECK, secrets in ENV (never printed), ADD of
 * a URL and curl|sh in the history (with the layer each step made), age. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "misconfig_test.h"

#define NOW 1796083200 /* 2026-12-01T00:00:00Z */

static void run_meta(const struct moat_image_meta *m, struct moat_findings *out)
{
    struct moat_misconfig_opts o = {.now = NOW};
    struct moat_err err = MOAT_ERR_INIT;

    assert_int_equal(moat_misconfig_run(m, NULL, NULL, &o, out, &err), 0);
}

/* A config that passes every check except what a test changes. */
static struct moat_image_meta clean_meta(void)
{
    static char *hc[] = {"CMD", "true"};
    struct moat_image_meta m = {0};

    m.user = "app";
    m.healthcheck = hc;
    m.n_healthcheck = 2;
    m.created = "2026-11-01T00:00:00Z";
    return m;
}

static void test_clean(void **state)
{
    struct moat_image_meta m = clean_meta();
    struct moat_findings out = {0};

    (void)state;
    run_meta(&m, &out);
    mc_dump(&out);
    assert_int_equal(out.n, 0);
    moat_findings_free(&out);
}

static void test_root_user(void **state)
{
    static const char *const root[] = {NULL, "", "root", "0", "0:0", "root:x", "root:1000"};
    static const char *const other[] = {"app", "1000", "1000:0", "app:root", "rooter", "10"};
    struct moat_image_meta m = clean_meta();

    (void)state;
    for (size_t i = 0; i < sizeof(root) / sizeof(root[0]); i++) {
        struct moat_findings out = {0};
        const struct moat_finding *f;

        m.user = (char *)root[i];
        run_meta(&m, &out);
        assert_int_equal(out.n, 1);
        f = mc_find(&out, "MIC001", "config:User");
        assert_non_null(f);
        assert_int_equal(f->kind, MOAT_FINDING_MISCONFIG);
        assert_int_equal(f->severity, MOAT_SEV_HIGH);
        assert_string_equal(f->cis, "4.1");
        assert_non_null(f->remediation);
        assert_int_equal(f->layer, -1);
        moat_findings_free(&out);
    }
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        struct moat_findings out = {0};

        m.user = (char *)other[i];
        run_meta(&m, &out);
        assert_int_equal(mc_count(&out, "MIC001"), 0);
        moat_findings_free(&out);
    }
}

/* USER toor is root when the image's etc/passwd says uid 0. */
static void test_root_by_passwd(void **state)
{
    static const struct mem_entry l0[] = {
        MD("etc", 0755),
        MF("etc/passwd",
           "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/:/bin/sh\n"
           "app:x:1000:1000::/home/app:/bin/sh\n",
           0644),
    };
    const struct mc_layer layers[] = {LAYER(l0)};
    struct moat_misconfig_sniffer *sn = NULL;
    struct moat_fs *fs = mc_build(layers, 1, &sn);
    struct moat_misconfig_opts o = {.now = NOW, .sniffer = sn};
    struct moat_image_meta m = clean_meta();
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings out = {0};

    (void)state;
    assert_non_null(fs);
    m.user = "toor:toor";
    assert_int_equal(moat_misconfig_run(&m, fs, NULL, &o, &out, &err), 0);
    assert_non_null(mc_find(&out, "MIC001", "config:User"));
    moat_findings_free(&out);
    m.user = "app";
    assert_int_equal(moat_misconfig_run(&m, fs, NULL, &o, &out, &err), 0);
    assert_int_equal(mc_count(&out, "MIC001"), 0);
    moat_findings_free(&out);
    moat_fs_free(fs);
    moat_misconfig_sniffer_free(sn);
}

static void test_port22(void **state)
{
    char *yes[] = {"80/tcp", "22/tcp"}, *yes2[] = {"22"};
    char *no[] = {"2222/tcp", "22/udp", "220/tcp", "443/tcp"};
    struct moat_image_meta m = clean_meta();
    struct moat_findings out = {0};

    (void)state;
    m.exposed_ports = yes;
    m.n_exposed_ports = 2;
    run_meta(&m, &out);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.v[0].rule_id, "MIC005");
    assert_string_equal(out.v[0].match, "22/tcp");
    moat_findings_free(&out);
    m.exposed_ports = yes2;
    m.n_exposed_ports = 1;
    run_meta(&m, &out);
    assert_int_equal(mc_count(&out, "MIC005"), 1);
    moat_findings_free(&out);
    m.exposed_ports = no;
    m.n_exposed_ports = 4;
    run_meta(&m, &out);
    assert_int_equal(out.n, 0);
    moat_findings_free(&out);
}

static void test_healthcheck(void **state)
{
    char *none[] = {"NONE"}, *shell[] = {"CMD-SHELL", "curl -f http://localhost/"};
    struct moat_image_meta m = clean_meta();
    struct moat_findings out = {0};

    (void)state;
    m.healthcheck = NULL;
    m.n_healthcheck = 0;
    run_meta(&m, &out);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.v[0].rule_id, "MIC016");
    assert_string_equal(out.v[0].cis, "4.6");
    moat_findings_free(&out);
    m.healthcheck = none;
    m.n_healthcheck = 1;
    run_meta(&m, &out);
    assert_int_equal(mc_count(&out, "MIC016"), 1);
    moat_findings_free(&out);
    m.healthcheck = shell;
    m.n_healthcheck = 2;
    run_meta(&m, &out);
    assert_int_equal(out.n, 0);
    moat_findings_free(&out);
}

static void test_env_secret(void **state)
{
    char *env[] = {
        "PATH=/usr/local/sbin:/usr/bin",
        "DB_PASSWORD=hunter2-Sup3r",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "GITHUB_TOKEN=ghp_R4nd0mT0k3nV4lu3xxxxxxxxxxxxxxxxxxx",
        "api_key=abc123def",
        "SSL_KEY_PASSPHRASE=correct horse",
        /* quiet: pointers to secrets, placeholders, empty, not secret names */
        "DB_PASSWORD_FILE=/run/secrets/db",
        "TOKENIZERS_PARALLELISM=false",
        "API_KEY=",
        "SECRET_KEY=${SECRET_KEY}",
        "REDIS_PASSWORD=changeme",
        "MYSQL_PASSWORD=<set me>",
        "APP_TOKEN=********",
        "PWD=/srv",
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        "NOEQUALS",
    };
    struct moat_image_meta m = clean_meta();
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    m.env = env;
    m.n_env = sizeof(env) / sizeof(env[0]);
    run_meta(&m, &out);
    mc_dump(&out);
    assert_int_equal(mc_count(&out, "MIC015"), 5);
    assert_int_equal(out.n, 5);
    f = mc_find(&out, "MIC015", "config:Env");
    assert_string_equal(f->match, "DB_PASSWORD=****");
    assert_int_equal(f->line, 2);
    assert_string_equal(f->cis, "4.10");
    /* the values appear nowhere */
    for (size_t i = 0; i < out.n; i++) {
        const char *fields[] = {out.v[i].match, out.v[i].description, out.v[i].title};

        for (size_t k = 0; k < 3; k++) {
            assert_null(strstr(fields[k], "hunter2"));
            assert_null(strstr(fields[k], "wJalr"));
            assert_null(strstr(fields[k], "ghp_"));
            assert_null(strstr(fields[k], "abc123"));
            assert_null(strstr(fields[k], "horse"));
        }
    }
    moat_findings_free(&out);
}

static void test_history(void **state)
{
    struct moat_history h[] = {
        {NULL, "/bin/sh -c #(nop) ADD file:4f1b in / ", NULL, 0},
        {NULL, "/bin/sh -c #(nop)  CMD [\"bash\"]", NULL, 1},
        {NULL, "ADD --chown=1000 https://example.com/app.tar.gz /opt/ # buildkit", NULL, 0},
        {NULL, "RUN /bin/sh -c curl -fsSL https://get.example.com | sh # buildkit", NULL, 0},
        {NULL, "/bin/sh -c wget -qO- https://x.example/i.sh | sudo -E bash -", NULL, 0},
        {NULL, "/bin/sh -c sh -c \"$(curl -fsSL https://x.example/i.sh)\"", NULL, 0},
        /* quiet */
        {NULL, "/bin/sh -c curl -fsSLo /tmp/a.tgz https://x && echo ok | sha256sum -c", NULL, 0},
        {NULL, "/bin/sh -c curl -fsSL https://x/a.tgz | tar xz -C /opt", NULL, 0},
        {NULL, "/bin/sh -c echo ADDRESS=http://x > /etc/app", NULL, 0},
        {NULL, "COPY https-notes.txt /srv/ # buildkit", NULL, 0},
        {NULL, "/bin/sh -c echo ADD https://x.example/a /b", NULL, 0},
        {NULL, "/bin/sh -c curl https://x || sh -c 'echo fallback'", NULL, 0},
    };
    struct moat_image_meta m = clean_meta();
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    m.history = h;
    m.n_history = sizeof(h) / sizeof(h[0]);
    m.n_layers = 11; /* 12 entries, one empty */
    run_meta(&m, &out);
    mc_dump(&out);
    assert_int_equal(mc_count(&out, "MIC013"), 1);
    assert_int_equal(mc_count(&out, "MIC014"), 3);
    assert_int_equal(out.n, 4);
    f = mc_find(&out, "MIC013", "config:history");
    assert_int_equal(f->line, 3);
    assert_int_equal(f->layer, 1); /* the second layer: entry 2 made none */
    assert_string_equal(f->cis, "4.9");
    assert_non_null(strstr(f->description, "https://example.com/app.tar.gz"));
    for (size_t i = 0; i < out.n; i++)
        if (strcmp(out.v[i].rule_id, "MIC014") == 0)
            assert_true(out.v[i].line >= 4 && out.v[i].line <= 6);
    moat_findings_free(&out);
    /* history that does not add up to the layers: no layer claimed */
    m.n_layers = 3;
    run_meta(&m, &out);
    assert_int_equal(mc_find(&out, "MIC013", NULL)->layer, -1);
    moat_findings_free(&out);
}

/* 8 MiB of "curl | sudo " with no shell: linear, so this returns at once. */
static void test_hostile_history(void **state)
{
    const char unit[] = "curl | sudo -x ";
    size_t n = 8u << 20, k = strlen(unit);
    char *big = malloc(n + 1);
    struct moat_history h[1] = {{NULL, big, NULL, 1}};
    struct moat_image_meta m = clean_meta();
    struct moat_findings out = {0};

    (void)state;
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = unit[i % k];
    big[n] = '\0';
    m.history = h;
    m.n_history = 1;
    run_meta(&m, &out);
    assert_int_equal(out.n, 0);
    memcpy(big + n - 12, " curl x | sh", 12); /* now the last pipe feeds a shell */
    run_meta(&m, &out);
    assert_int_equal(mc_count(&out, "MIC014"), 1);
    assert_true(strlen(out.v[0].match) < 200);
    moat_findings_free(&out);
    free(big);
}

static void test_age(void **state)
{
    struct moat_image_meta m = clean_meta();
    struct moat_misconfig_opts o = {.now = NOW, .max_age_days = 30};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings out = {0};
    const struct moat_finding *f;

    (void)state;
    m.created = "2024-06-03T10:20:30.123456789Z";
    run_meta(&m, &out);
    assert_int_equal(out.n, 1);
    f = mc_find(&out, "MIC017", "config:Created");
    assert_non_null(f);
    assert_non_null(strstr(f->description, "910 days")); /* 2024-06-03 .. 2026-12-01 */
    assert_string_equal(f->cis, "4.4"); /* images scanned and rebuilt with security patches */
    moat_findings_free(&out);
    m.created = "1970-01-01T00:00:00Z"; /* podman build --timestamp 0 */
    run_meta(&m, &out);
    assert_int_equal(mc_count(&out, "MIC017"), 1);
    moat_findings_free(&out);
    /* quiet: recent, unparsable, absent */
    m.created = "2026-11-30T23:00:00-02:00";
    run_meta(&m, &out);
    m.created = "yesterday";
    run_meta(&m, &out);
    m.created = "2020-02-30 10:00:00Z"; /* no such day, and a space for T: not RFC 3339 */
    run_meta(&m, &out);
    m.created = NULL;
    run_meta(&m, &out);
    assert_int_equal(out.n, 0);
    /* --max-age 30: 40 days is too old, 20 is not */
    m.created = "2026-10-22T00:00:00+00:00";
    assert_int_equal(moat_misconfig_run(&m, NULL, NULL, &o, &out, &err), 0);
    assert_int_equal(mc_count(&out, "MIC017"), 1);
    moat_findings_free(&out);
    m.created = "2026-11-11T00:00:00Z";
    assert_int_equal(moat_misconfig_run(&m, NULL, NULL, &o, &out, &err), 0);
    assert_int_equal(out.n, 0);
}

/* Rule text: non-empty and bounded; in_doc: shown in a Markdown table, so no '|', '`' or newline.
 */
static void assert_rule_text(const char *id, const char *what, const char *text, size_t max,
                             bool in_doc)
{
    if (text == NULL || text[0] == '\0')
        fail_msg("%s: no %s", id, what);
    if (strlen(text) > max)
        fail_msg("%s: %s longer than %zu bytes", id, what, max);
    if (in_doc && strpbrk(text, "|`\n") != NULL)
        fail_msg("%s: %s holds '|', '`' or a newline", id, what);
}

/* Whether a line of the Markdown file starts with "| id |" and holds text. */
static bool doc_row_has(const char *doc, const char *id, const char *text)
{
    char head[64];
    size_t hl = (size_t)snprintf(head, sizeof(head), "| %s |", id);
    const char *l = doc;

    while (l != NULL) {
        const char *eol = strchr(l, '\n');
        size_t n = eol ? (size_t)(eol - l) : strlen(l);

        if (n >= hl && strncmp(l, head, hl) == 0 && memmem(l, n, text, strlen(text)) != NULL)
            return true;
        l = eol ? eol + 1 : NULL;
    }
    return false;
}

static void test_rule_table(void **state)
{
    const struct moat_misconfig_rule *r;
    size_t n = moat_misconfig_rules(&r);
    char *doc;

    (void)state;
    assert_int_equal(n, 17);
    doc = mc_slurp(MOAT_TEST_DATA "/../../docs/misconfig-checks.md");
    assert_non_null(doc);
    for (size_t i = 0; i < n; i++) {
        char id[32];

        snprintf(id, sizeof(id), "MIC%03zu", i + 1);
        assert_string_equal(r[i].id, id);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(r[j].id, r[i].id);
        assert_rule_text(id, "title", r[i].title, 80, true);
        assert_rule_text(id, "description", r[i].description, 600, true);
        assert_rule_text(id, "remediation", r[i].remediation, 400, false);
        if (r[i].description[strlen(r[i].description) - 1] != '.')
            fail_msg("%s: description does not end a sentence", id);
        assert_string_not_equal(r[i].description, r[i].title);
        assert_true(r[i].severity >= MOAT_SEV_LOW);
        assert_ptr_equal(moat_misconfig_rule_find(id), &r[i]);
        /* docs/misconfig-checks.md shows the same title and description */
        if (!doc_row_has(doc, id, r[i].title) || !doc_row_has(doc, id, r[i].description))
            fail_msg("%s: docs/misconfig-checks.md has no row with its title and description", id);
    }
    assert_null(moat_misconfig_rule_find("MIC999"));
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_root_user),
        cmocka_unit_test(test_root_by_passwd),
        cmocka_unit_test(test_port22),
        cmocka_unit_test(test_healthcheck),
        cmocka_unit_test(test_env_secret),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_hostile_history),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_rule_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
