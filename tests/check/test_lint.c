/* test_lint.c - every Dockerfile rule fires on a positive case and stays quiet on a negative one;
 * suppressions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "moat/check/dockerfile.h"
#include "moat/check/lint.h"

#define GOOD_TAIL "USER app\nHEALTHCHECK CMD true\n"
#define PINNED                                                                                     \
    "FROM debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"

struct rule_case {
    const char *id;
    const char *bad;
    uint32_t line; /* where the finding must point */
    const char *good;
};

static const struct rule_case cases[] = {
    {"MDL001", "FROM debian\n", 1, "FROM debian:12\n"},
    {"MDL002", "FROM debian:12\n", 1, PINNED},
    {"MDL003", "FROM debian:latest\n", 1, "FROM debian:12\n"},
    {"MDL004", PINNED "USER app\nUSER root\n", 3, PINNED "USER root\nRUN true\nUSER 1000:1000\n"},
    {"MDL005", PINNED "RUN true\n", 1, "FROM debian:12 AS base\nUSER app\nFROM base\n"},
    {"MDL006",
     PINNED "RUN apt-get update && apt-get install -y curl=7 \\\n && rm -rf /var/lib/apt/lists/*\n",
     2,
     PINNED "RUN apt-get update && apt-get install -y --no-install-recommends curl=7 && rm -rf "
            "/var/lib/apt/lists/*\n"},
    {"MDL007", PINNED "RUN apt-get install --no-install-recommends curl=7\n", 2,
     PINNED "RUN apt-get -qy install --no-install-recommends curl=7\n"},
    {"MDL008", PINNED "RUN apt-get update && apt-get install -y --no-install-recommends curl=7\n",
     2,
     PINNED "RUN apt-get update && apt-get install -y --no-install-recommends curl=7 \\\n"
            "    && rm -rf /var/lib/apt/lists/*\n"},
    {"MDL009", PINNED "\nRUN apt-get install -y --no-install-recommends curl\n", 3,
     PINNED "RUN apt-get install -y --no-install-recommends curl=7.88 \"lib$X\"\n"},
    {"MDL010", PINNED "RUN apk add curl=8.5\n", 2, PINNED "RUN apk add --no-cache curl=8.5\n"},
    {"MDL011", PINNED "RUN apk add --no-cache --virtual .deps curl\n", 2,
     PINNED "RUN apk add --no-cache --virtual .deps curl=8.5\n"},
    {"MDL012", PINNED "RUN pip install --no-cache-dir flask\n", 2,
     PINNED "RUN pip3 install --no-cache-dir flask==3.0 'wheel<0.46' && pip install --no-cache-dir "
            "-r req.txt\n"},
    {"MDL013", PINNED "RUN python3 -m pip install flask==3.0\n", 2,
     PINNED "RUN python3 -m pip install --no-cache-dir flask==3.0\n"},
    {"MDL014", PINNED "ADD app.jar /app/\n", 2, PINNED "ADD rootfs.tar.gz /\nCOPY app.jar /app/\n"},
    {"MDL015", PINNED "ADD https://example.com/x.sh /x.sh\n", 2,
     PINNED "ADD --checksum=sha256:00 https://example.com/x.sh /x.sh\n"},
    {"MDL016", PINNED "RUN sudo apt-get update\n", 2, PINNED "RUN echo sudo is a word here\n"},
    {"MDL017", PINNED "WORKDIR app\n", 2,
     PINNED "ENV APP=/srv\nWORKDIR $APP/app\nWORKDIR \"/x y\"\n"},
    {"MDL018", PINNED "RUN cd /tmp && make\n", 2, PINNED "WORKDIR /tmp\nRUN make && echo cd\n"},
    {"MDL019", PINNED "RUN curl -fsSL https://get.example.com | sh\n", 2,
     PINNED "RUN curl -fsSLo x.sh https://get.example.com && sha256sum -c x.sha && sh x.sh\n"},
    {"MDL020", PINNED "ENV DB_PASSWORD=hunter2\n", 2,
     PINNED "ENV POSTGRES_PASSWORD_FILE=/run/secrets/pw GPG_KEY=ABCDEF PASSWORD_LEN=\n"},
    {"MDL021", PINNED "MAINTAINER me <me@example.com>\n", 2,
     PINNED "LABEL org.opencontainers.image.authors=me\n"},
    {"MDL022", PINNED "CMD [\"a\"]\nCMD [\"b\"]\n", 3,
     "FROM debian:12 AS a\nCMD [\"a\"]\nFROM a\nCMD [\"b\"]\n"},
    {"MDL023", PINNED "ENTRYPOINT [\"a\"]\nENTRYPOINT [\"b\"]\n", 3,
     PINNED "ENTRYPOINT [\"a\"]\nCMD [\"b\"]\n"},
    {"MDL024", PINNED "EXPOSE 80 22/tcp\n", 2, PINNED "EXPOSE 80 2222 443/udp\n"},
    {"MDL025", PINNED "USER app\n", 1, PINNED "HEALTHCHECK NONE\n"},
    {"MDL026", "FROM quay.io/evil/image:1\n", 1, "FROM ghcr.io/acme/base:1\nFROM nginx:1.27\n"},
    {"MDL027", PINNED "COPY --from=biuld /out /out\n", 2,
     "FROM golang:1.22 AS build\nFROM debian:12\nCOPY --from=build /out /out\nCOPY --from=0 /a /a\n"
     "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n"},
    {"MDL028", "FROM debian:12 AS x\nFROM alpine:3 AS x\n", 2,
     "FROM debian:12 AS x\nFROM alpine:3 AS y\n"},
    {"MDL029", PINNED "CMD ['app']\n", 2, PINNED "CMD [\"app\"]\n"},
    {"MDL030", "FROM debian:12 AS x\nCOPY --from=x /a /b\n", 2,
     "FROM debian:12 AS x\nFROM x AS y\nCOPY --from=x /a /b\n"},
    {"MDL031", PINNED "EXPOSE 80000\n", 2, PINNED "EXPOSE 8000-8080\n"},
    {"MDL032", PINNED "RUN wget -q http://a/x\nRUN curl -fsS http://b/y\n", 3,
     PINNED "RUN curl -fsS http://a/x\nFROM debian:12\nRUN curl http://b/y\n"},
    {"MDL033", PINNED "HEALTHCHECK CMD a\nHEALTHCHECK CMD b\n", 3, PINNED "HEALTHCHECK CMD a\n"},
    {"MDL034", PINNED "COPY [\"a\", \"b\", \"dest\"]\n", 2,
     PINNED "COPY [\"a\", \"b\", \"dest/\"]\nCOPY a b \"/d e/\"\nCOPY a /file\n"},
    {"MDL035", "FROM fedora:40\nRUN dnf install -y git\n", 2,
     "FROM fedora:40\nRUN dnf install -y git && dnf clean all\nRUN zypper in x && zypper cc\n"},
    {"MDL036", PINNED "RUN apt-get update && apt-get dist-upgrade -y\n", 2,
     PINNED "RUN apt-get update && apt-get install -y --no-install-recommends x=1\n"},
    {"MDL037", PINNED "RUN apt-get update\nRUN apt-get install -y x=1\n", 2,
     PINNED "RUN <<EOF\napt-get update\napt-get install -y x=1\nEOF\n"},
};

static void lint_text(const char *text, const char *const *ignore, size_t n_ignore,
                      struct moat_findings *out)
{
    static const char *const trusted[] = {"docker.io", "ghcr.io/acme"};
    struct moat_lint_opts opts = {ignore, n_ignore, trusted, 2};
    struct moat_dockerfile df;
    struct moat_err err = MOAT_ERR_INIT;

    memset(out, 0, sizeof(*out));
    assert_int_equal(moat_dockerfile_parse("Dockerfile", text, strlen(text), &df, &err), 0);
    assert_int_equal(moat_lint_dockerfile(&df, "Dockerfile", &opts, out, &err), 0);
    moat_dockerfile_free(&df);
    moat_err_clear(&err);
}

static const struct moat_finding *find(const struct moat_findings *fs, const char *id)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].rule_id, id) == 0)
            return &fs->v[i];
    return NULL;
}

static void test_every_rule_has_a_case(void **state)
{
    size_t n;
    const struct moat_lint_rule *r = moat_lint_rules(&n);

    (void)state;
    assert_int_equal(n, sizeof(cases) / sizeof(cases[0]));
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(r[i].id, cases[i].id);
        assert_non_null(r[i].title);
        assert_non_null(r[i].remediation);
        assert_non_null(r[i].rationale);
    }
    assert_ptr_equal(moat_lint_rule_find("dl3006"), &r[0]);
    assert_null(moat_lint_rule_find("DL9999"));
}

static void test_positive_and_negative(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct moat_findings fs;
        const struct moat_finding *f;
        const struct moat_lint_rule *r = moat_lint_rule_find(cases[i].id);

        lint_text(cases[i].bad, NULL, 0, &fs);
        f = find(&fs, cases[i].id);
        if (f == NULL)
            fail_msg("%s did not fire on:\n%s", cases[i].id, cases[i].bad);
        if (f->line != cases[i].line)
            fail_msg("%s fired on line %u, want %u", cases[i].id, f->line, cases[i].line);
        assert_int_equal(f->kind, MOAT_FINDING_MISCONFIG);
        assert_int_equal(f->severity, r->severity);
        assert_string_equal(f->path, "Dockerfile");
        assert_string_equal(f->title, r->title);
        if (r->hadolint != NULL) {
            assert_int_equal(f->n_aliases, 1);
            assert_string_equal(f->aliases[0], r->hadolint);
            assert_non_null(strstr(f->primary_url, r->hadolint));
        }
        moat_findings_free(&fs);
        lint_text(cases[i].good, NULL, 0, &fs);
        if ((f = find(&fs, cases[i].id)) != NULL)
            fail_msg("%s fired on the negative case (line %u, %s):\n%s", cases[i].id, f->line,
                     f->match != NULL ? f->match : "", cases[i].good);
        moat_findings_free(&fs);
    }
}

static void test_suppressions(void **state)
{
    static const char *const ignore[] = {"DL3015"};
    struct moat_findings fs;

    (void)state;
    lint_text(PINNED "# moat ignore=MDL009,MDL008\n"
                     "RUN apt-get install -y curl\n"
                     "# hadolint ignore=DL3003\n"
                     "RUN cd /x\n"
                     "RUN cd /y\n" GOOD_TAIL,
              ignore, 1, &fs);
    assert_null(find(&fs, "MDL009"));
    assert_null(find(&fs, "MDL008"));
    assert_null(find(&fs, "MDL006")); /* --ignore DL3015 */
    assert_non_null(find(&fs, "MDL018"));
    assert_int_equal(find(&fs, "MDL018")->line, 6);
    for (size_t i = 0; i < fs.n; i++)
        assert_true(strcmp(fs.v[i].rule_id, "MDL018") != 0 || fs.v[i].line == 6);
    moat_findings_free(&fs);
}

/* MDL026 reads names with source/docker_name, the same rules as admission's registries. */
static void test_trusted_registry_names(void **state)
{
    static const struct {
        const char *from;
        bool trusted;
    } names[] = {
        {"registry-1.docker.io/library/nginx:1.27", true}, /* the Hub's API host is docker.io */
        {"index.docker.io/nginx:1.27", true},
        {"GHCR.io/acme/base:1", true}, /* the domain is case-insensitive */
        {"ghcr.io/acme/sub/base:1", true},
        {"ghcr.io/Acme/base:1", false}, /* an upper-case repository is not a name */
        {"ghcr.io/acme/../evil/base:1", false},
        {"ghcr.io/acmeevil/base:1", false},
        {"docker.io.evil.example/x:1", false},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char text[300];
        struct moat_findings fs;

        snprintf(text, sizeof(text), "FROM %s\n", names[i].from);
        lint_text(text, NULL, 0, &fs);
        if ((find(&fs, "MDL026") == NULL) != names[i].trusted)
            fail_msg("FROM %s: expected %s", names[i].from,
                     names[i].trusted ? "trusted" : "MDL026");
        moat_findings_free(&fs);
    }
}

static void test_secrets_are_redacted(void **state)
{
    struct moat_findings fs;
    const struct moat_finding *f;

    (void)state;
    lint_text(PINNED "ARG GITHUB_TOKEN\nENV API_KEY sk-live-123456\n" GOOD_TAIL, NULL, 0, &fs);
    f = find(&fs, "MDL020");
    assert_non_null(f);
    assert_int_equal(f->line, 2);
    for (size_t i = 0; i < fs.n; i++)
        assert_null(fs.v[i].match != NULL ? strstr(fs.v[i].match, "sk-live") : NULL);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
}

static void test_clean_file_is_quiet(void **state)
{
    struct moat_findings fs;

    (void)state;
    lint_text(
        "# syntax=docker/dockerfile:1\n"
        "ARG "
        "BASE=debian:12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
        "FROM ${BASE} AS build\n"
        "RUN <<EOF\n"
        "set -e\n"
        "apt-get update\n"
        "apt-get install -y --no-install-recommends gcc=12\n"
        "rm -rf /var/lib/apt/lists/*\n"
        "EOF\n"
        "FROM build\n"
        "WORKDIR /app\n"
        "COPY --from=build /out /app\n"
        "USER 10001\n"
        "HEALTHCHECK CMD [\"/app/health\"]\n"
        "ENTRYPOINT [\"/app/run\"]\n",
        NULL, 0, &fs);
    for (size_t i = 0; i < fs.n; i++)
        fprintf(stderr, "unexpected %s line %u: %s\n", fs.v[i].rule_id, fs.v[i].line,
                fs.v[i].match != NULL ? fs.v[i].match : "");
    assert_int_equal(fs.n, 0);
    moat_findings_free(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rule_has_a_case), cmocka_unit_test(test_positive_and_negative),
        cmocka_unit_test(test_suppressions),          cmocka_unit_test(test_trusted_registry_names),
        cmocka_unit_test(test_secrets_are_redacted),  cmocka_unit_test(test_clean_file_is_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
