/* test_recall.c - recall of the generic credential rule on freshly generated random
 * credentials: 8 config formats (YAML, .env, JSON, INI, shell export, XML, Java properties,
 * TOML) x 8 alphabets real generators use (alphanumeric, hex, base64, base64url, alphanumeric
 * with !@#$%^&*, printable ASCII, lower case + digits, upper case + digits), 12 to 24
 * characters, each in a small realistic document of its format under a credential-like key
 * name. New values every run: the seed is printed, and MOAT_TEST_SEED=N replays a run. At
 * least 99% must be found, each on its own line. The values are random, not secrets, so the
 * misses are printed in full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secret_test.h"

#define PER_FORMAT 256 /* 8 formats x 256 = 2048 credentials per run */
#define MIN_LEN 12
#define MAX_LEN 24

static size_t pick(size_t n)
{
    return (size_t)(test_rnd() % n);
}

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

static const struct {
    const char *name, *chars;
} alphabets[] = {
    {"alnum", LOWER UPPER DIGITS},
    {"hex", DIGITS "abcdef"},
    {"base64", LOWER UPPER DIGITS "+/"},
    {"base64url", LOWER UPPER DIGITS "-_"},
    {"alnum+sym", LOWER UPPER DIGITS "!@#$%^&*"},
    /* printable ASCII but space, quotes, backslash and backquote (which every format
     * would have to escape differently) */
    {"printable", LOWER UPPER DIGITS "!#$%&()*+,-./:;<=>?@[]^_{|}~"},
    {"lower+digits", LOWER DIGITS},
    {"upper+digits", UPPER DIGITS},
};
#define N_ALPHA (sizeof alphabets / sizeof alphabets[0])

enum format { F_YAML, F_ENV, F_JSON, F_INI, F_SHELL, F_XML, F_PROPS, F_TOML, N_FORMAT };

static const char *const format_names[] = {"yaml",  "env", "json",       "ini",
                                           "shell", "xml", "properties", "toml"};
static const char *const file_names[] = {"app/config.yaml",
                                         "app/.env",
                                         "app/config.json",
                                         "etc/app.ini",
                                         "etc/profile.d/app.sh",
                                         "app/web.config",
                                         "app/application.properties",
                                         "app/config.toml"};

static const char *const snake_keys[] = {
    "password",     "db_password", "api_key", "client_secret", "secret_key",    "auth_token",
    "access_token", "secret",      "passwd",  "token",         "smtp_password", "passphrase"};
static const char *const camel_keys[] = {"password",  "dbPassword", "apiKey",      "clientSecret",
                                         "secretKey", "authToken",  "accessToken", "secret"};
static const char *const env_keys[] = {
    "DB_PASSWORD",  "POSTGRES_PASSWORD",     "API_KEY",         "SECRET_KEY",
    "AUTH_TOKEN",   "CLIENT_SECRET",         "JWT_SECRET",      "REDIS_PASSWORD",
    "ACCESS_TOKEN", "AWS_SECRET_ACCESS_KEY", "SMTP_PASS_TOKEN", "APP_SECRET"};
static const char *const prop_keys[] = {
    "db.password", "spring.datasource.password", "mail.smtp.password", "api.key", "app.secret",
    "jwt.secret",  "oauth.client-secret",        "security.token"};

#define PICK(a) (a[pick(sizeof a / sizeof a[0])])

static void random_value(char *out, size_t *alpha)
{
    size_t n = MIN_LEN + pick(MAX_LEN - MIN_LEN + 1);

    *alpha = pick(N_ALPHA);
    for (size_t i = 0; i < n; i++) {
        const char *c = alphabets[*alpha].chars;
        out[i] = c[pick(strlen(c))];
    }
    out[n] = 0;
}

static bool all_of(const char *v, const char *set)
{
    return strspn(v, set) == strlen(v);
}

/* The value as the format writes it: XML escapes & < > ", other formats quote when a
 * character would otherwise end or change the value. */
static void escaped(char *out, size_t cap, const char *v, enum format f, char quote)
{
    size_t k = 0;

    for (; *v && k + 7 < cap; v++) {
        const char *e = NULL;
        if (f == F_XML)
            e = *v == '&'   ? "&amp;"
                : *v == '<' ? "&lt;"
                : *v == '>' ? "&gt;"
                : *v == '"' ? "&quot;"
                            : NULL;
        else if (quote == '"' && f != F_SHELL && *v == '"')
            e = "\\\"";
        if (e) {
            memcpy(out + k, e, strlen(e));
            k += strlen(e);
        } else {
            out[k++] = *v;
        }
    }
    out[k] = 0;
}

/* Write one document holding credential v; *line is the line it is on. */
static void document(char *doc, size_t cap, enum format f, const char *v, uint32_t *line)
{
    char e[256];
    bool plain = all_of(v, LOWER UPPER DIGITS "_-./+");

    switch (f) {
    case F_YAML: {
        const char *q = plain && pick(2) ? "" : pick(2) ? "\"" : "'";
        escaped(e, sizeof e, v, f, *q);
        snprintf(doc, cap, "database:\n  host: db.internal\n  user: app\n  %s: %s%s%s\n  pool: 5\n",
                 pick(2) ? PICK(snake_keys) : PICK(camel_keys), q, e, q);
        *line = 4;
        break;
    }
    case F_ENV: {
        const char *q = plain && pick(2) ? "" : pick(2) ? "\"" : "'";
        escaped(e, sizeof e, v, f, *q);
        snprintf(doc, cap, "# app settings\nDB_HOST=db.internal\n%s=%s%s%s\nDEBUG=false\n",
                 PICK(env_keys), q, e, q);
        *line = 3;
        break;
    }
    case F_JSON:
        escaped(e, sizeof e, v, f, '"');
        snprintf(doc, cap,
                 "{\n  \"host\": \"db.internal\",\n  \"port\": 5432,\n  \"%s\": \"%s\"\n}\n",
                 pick(2) ? PICK(snake_keys) : PICK(camel_keys), e);
        *line = 4;
        break;
    case F_INI:
        snprintf(doc, cap, "[database]\nhost = db.internal\n%s%s%s\n\n[log]\nlevel = info\n",
                 PICK(snake_keys), pick(2) ? " = " : "=", v);
        *line = 3;
        break;
    case F_SHELL: {
        const char *q = plain && pick(2) ? "" : "'";
        snprintf(doc, cap, "#!/bin/sh\nexport DB_HOST=db.internal\nexport %s=%s%s%s\n",
                 PICK(env_keys), q, v, q);
        *line = 3;
        break;
    }
    case F_XML: {
        const char *k = pick(2) ? PICK(camel_keys) : PICK(snake_keys);
        escaped(e, sizeof e, v, f, '"');
        *line = 3;
        switch (pick(5)) {
        case 0:
            snprintf(doc, cap, "<config>\n  <host>db.internal</host>\n  <%s>%s</%s>\n</config>\n",
                     k, e, k);
            break;
        case 1:
            snprintf(
                doc, cap,
                "<config>\n  <host>db.internal</host>\n  <datasource user=\"app\" %s=\"%s\"/>\n"
                "</config>\n",
                k, e);
            break;
        case 2:
            snprintf(doc, cap,
                     "<configuration>\n <appSettings>\n  <add key=\"%s\" value=\"%s\" />\n"
                     " </appSettings>\n</configuration>\n",
                     k, e);
            break;
        case 3:
            snprintf(doc, cap,
                     "<properties>\n  <entry key=\"db.url\">jdbc:postgresql://db/app</entry>\n"
                     "  <entry key=\"db.%s\">%s</entry>\n</properties>\n",
                     k, e);
            break;
        default:
            snprintf(doc, cap,
                     "<bean id=\"ds\">\n  <property name=\"url\" value=\"jdbc:h2:mem\"/>\n"
                     "  <property name=\"%s\" value=\"%s\"/>\n</bean>\n",
                     k, e);
            break;
        }
        break;
    }
    case F_PROPS: {
        static const char *const seps[] = {"=", " = ", ": ", ":"};
        snprintf(doc, cap, "# datasource\nspring.datasource.url=jdbc:postgresql://db/app\n%s%s%s\n",
                 PICK(prop_keys), PICK(seps), v);
        *line = 3;
        break;
    }
    case F_TOML: {
        char q = pick(2) ? '"' : '\'';
        escaped(e, sizeof e, v, f, q);
        snprintf(doc, cap, "[database]\nhost = \"db.internal\"\n%s = %c%s%c\nport = 5432\n",
                 PICK(snake_keys), q, e, q);
        *line = 3;
        break;
    }
    default:
        fail();
    }
}

static void test_random_credentials(void **state)
{
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    uint64_t seed = test_seed();
    size_t found = 0, total = 0, f_miss[N_FORMAT] = {0}, a_miss[N_ALPHA] = {0};

    (void)state;
    if (seed == 0)
        fail_msg("getrandom failed");
    assert_int_equal(moat_secret_engine_new(&e, &err), 0);
    for (int f = 0; f < N_FORMAT; f++) {
        for (int i = 0; i < PER_FORMAT; i++) {
            char v[MAX_LEN + 1], doc[1024];
            size_t alpha;
            uint32_t line = 0;
            struct moat_findings fs = {0};
            bool hit = false;

            random_value(v, &alpha);
            document(doc, sizeof doc, (enum format)f, v, &line);
            assert_int_equal(
                moat_secret_scan_buffer(e, file_names[f], 0, doc, strlen(doc), &fs, &err), 0);
            for (size_t j = 0; j < fs.n; j++)
                hit |= fs.v[j].line == line;
            total++;
            if (hit) {
                found++;
            } else {
                f_miss[f]++;
                a_miss[alpha]++;
                print_message("miss: %s, %s, %zu chars:\n%s", format_names[f],
                              alphabets[alpha].name, strlen(v), doc);
            }
            moat_findings_free(&fs);
        }
    }
    print_message("found %zu of %zu random credentials (%.2f%%)\n", found, total,
                  100.0 * (double)found / (double)total);
    for (int f = 0; f < N_FORMAT; f++)
        if (f_miss[f])
            print_message("  %s: %zu missed\n", format_names[f], f_miss[f]);
    for (size_t a = 0; a < N_ALPHA; a++)
        if (a_miss[a])
            print_message("  %s: %zu missed\n", alphabets[a].name, a_miss[a]);
    moat_secret_engine_free(e);
    assert_true(total >= 400);
    if (found * 100 < total * 99)
        fail_msg("recall %.2f%% < 99%% (seed %llu)", 100.0 * (double)found / (double)total,
                 (unsigned long long)seed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
