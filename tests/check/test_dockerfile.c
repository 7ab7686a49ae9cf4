/* test_dockerfile.c - the Dockerfile parser: continuations, directives, heredocs, forms, expansion,
 * limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/check/dockerfile.h"

static void parse_ok(const char *text, struct moat_dockerfile *df)
{
    struct moat_err err = MOAT_ERR_INIT;
    int rc = moat_dockerfile_parse("Dockerfile", text, strlen(text), df, &err);

    if (rc != 0)
        fprintf(stderr, "unexpected error: %s\n", moat_err_msg(&err));
    assert_int_equal(rc, 0);
    moat_err_clear(&err);
}

static void test_continuations(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("FROM debian:12\n"
             "RUN apt-get update \\\n"
             "# a comment inside\n"
             "\n"
             "    && apt-get install -y curl \\  \n"
             "    && true\n"
             "CMD [\"sh\"]\n",
             &df);
    assert_int_equal(df.n, 3);
    assert_string_equal(df.v[1].cmd, "RUN");
    assert_int_equal(df.v[1].line, 2);
    assert_int_equal(df.v[1].end_line, 6);
    assert_non_null(strstr(df.v[1].args, "install -y curl"));
    assert_null(strstr(df.v[1].args, "comment"));
    assert_int_equal(df.v[2].line, 7);
    moat_dockerfile_free(&df);
}

static void test_crlf_and_bom(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("\xEF\xBB\xBF# escape=\\\r\nFROM alpine:3.20\r\nRUN apk add \\\r\n    curl\r\n"
             "onbuild run true\r\n",
             &df);
    assert_int_equal(df.n, 3);
    assert_string_equal(df.stages[0].image, "alpine:3.20");
    assert_string_equal(df.v[1].args, "apk add     curl");
    assert_string_equal(df.v[2].cmd, "ONBUILD");
    assert_int_equal(df.v[2].line, 5);
    moat_dockerfile_free(&df);
}

static void test_escape_directive(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("# syntax=docker/dockerfile:1\n"
             "# escape=`\n"
             "\n"
             "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
             "RUN dir `\n"
             "    C:\\Windows\n"
             "WORKDIR C:\\app\n",
             &df);
    assert_int_equal(df.escape, '`');
    assert_string_equal(df.syntax, "docker/dockerfile:1");
    assert_int_equal(df.n, 3);
    assert_non_null(strstr(df.v[1].args, "C:\\Windows"));
    assert_int_equal(df.v[2].line, 7);
    moat_dockerfile_free(&df);
}

static void test_heredocs(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("FROM alpine:3.20\n"
             "RUN <<EOF\n"
             "apk add curl\n"
             "echo done\n"
             "EOF\n"
             "COPY <<-'END' /etc/motd\n"
             "\thello\n"
             "\tEND\n"
             "USER app\n",
             &df);
    assert_int_equal(df.n, 4);
    assert_string_equal(df.v[1].heredoc, "apk add curl\necho done\n");
    assert_int_equal(df.v[1].end_line, 5);
    assert_string_equal(df.v[2].heredoc, "hello\n");
    assert_int_equal(df.v[3].line, 9);
    moat_dockerfile_free(&df);
}

static void test_json_and_shell_forms(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("FROM scratch\n"
             "ENTRYPOINT [\"/bin/app\", \"--serve\"]\n"
             "CMD [\"broken\", ]\n"
             "RUN echo hi there\n"
             "COPY --from=build --chown=1:1 /a /b\n",
             &df);
    assert_true(df.v[1].json);
    assert_int_equal(df.v[1].argc, 2);
    assert_string_equal(df.v[1].argv[1], "--serve");
    assert_false(df.v[2].json);
    assert_true(df.v[2].json_malformed);
    assert_false(df.v[3].json);
    assert_int_equal(df.v[3].argc, 3);
    assert_string_equal(moat_df_flag(&df.v[4], "from", NULL), "build");
    assert_string_equal(moat_df_flag(&df.v[4], "chown", NULL), "1:1");
    assert_string_equal(df.v[4].args, "/a /b");
    moat_dockerfile_free(&df);
}

static void test_arg_expansion_and_stages(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("ARG REG=docker.io\n"
             "ARG TAG\n"
             "FROM ${REG}/library/golang:${TAG:-1.22} AS Build\n"
             "ARG REG\n"
             "ENV APP=/srv/app HOME_DIR=\"/home/x y\"\n"
             "WORKDIR $APP/src\n"
             "USER ${UID:-1000}\n"
             "FROM $BASE\n"
             "ENV legacy value with spaces\n"
             "WORKDIR ${legacy:+/opt}/w\n",
             &df);
    assert_int_equal(df.n_stages, 2);
    assert_string_equal(df.stages[0].image, "docker.io/library/golang:1.22");
    assert_string_equal(df.stages[0].name, "build");
    assert_false(df.stages[0].unresolved);
    assert_string_equal(df.v[5].expanded, "/srv/app/src");
    assert_string_equal(df.v[6].expanded, "1000");
    assert_true(df.stages[1].unresolved);
    assert_string_equal(df.stages[1].image, "");
    assert_string_equal(df.v[9].expanded, "/opt/w");
    assert_int_equal(df.v[9].stage, 1);
    assert_int_equal(df.v[0].stage, -1);
    moat_dockerfile_free(&df);
}

static void test_ignores(void **state)
{
    struct moat_dockerfile df;

    (void)state;
    parse_ok("FROM debian\n"
             "# moat ignore=MDL001,MDL002\n"
             "# hadolint ignore=DL3008 DL3015\n"
             "RUN apt-get install curl\n"
             "\n"
             "RUN true\n",
             &df);
    assert_int_equal(df.v[1].n_ignores, 4);
    assert_string_equal(df.v[1].ignores[0], "MDL001");
    assert_string_equal(df.v[1].ignores[3], "DL3015");
    assert_int_equal(df.v[2].n_ignores, 0);
    moat_dockerfile_free(&df);
}

static void expect_error(const char *text, size_t len, int code, const char *msg)
{
    struct moat_dockerfile df;
    struct moat_err err = MOAT_ERR_INIT;

    assert_int_equal(moat_dockerfile_parse("Dockerfile", text, len, &df, &err), -code);
    assert_non_null(strstr(moat_err_msg(&err), msg));
    assert_int_equal(df.n, 0);
    moat_err_clear(&err);
}

/* BuildKit refuses both; so does moat, naming the line and the nearest instruction. */
static void test_unknown_and_empty(void **state)
{
    (void)state;
    expect_error("FROM debian\nFROOM x\n", 20, MOAT_E_FORMAT,
                 "Dockerfile:2: unknown instruction: FROOM (did you mean FROM?)");
    expect_error("FROM debian\nRUNN true\n", 22, MOAT_E_FORMAT,
                 "Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)");
    expect_error("{{ if env.x }}\nFROM debian\n", 27, MOAT_E_FORMAT,
                 "Dockerfile:1: unknown instruction: {{");
    expect_error("FROM debian\nXYZZYQ a\n", 21, MOAT_E_FORMAT,
                 "Dockerfile:2: unknown instruction: XYZZYQ");
    expect_error("FROM debian\nR\x01N x\n", 19, MOAT_E_FORMAT, "Dockerfile:2: unknown instruction");
    expect_error("", 0, MOAT_E_FORMAT, "Dockerfile: the Dockerfile has no instructions");
    expect_error("# only a comment\n\n", 18, MOAT_E_FORMAT, "has no instructions");
}

static void test_errors_and_limits(void **state)
{
    const char *unterminated = "FROM alpine\nRUN <<EOF\necho hi\n";
    size_t big = MOAT_DF_MAX_LINE + 10;
    char *huge = malloc(big + 1);

    (void)state;
    expect_error(unterminated, strlen(unterminated), MOAT_E_FORMAT,
                 "Dockerfile:2: unterminated heredoc <<EOF");
    expect_error("# escape=x\nFROM a\n", 18, MOAT_E_FORMAT, "Dockerfile:1: invalid escape");
    assert_non_null(huge);
    memcpy(huge, "RUN ", 4);
    memset(huge + 4, 'a', big - 4);
    huge[big] = '\0';
    expect_error(huge, big, MOAT_E_LIMIT, "Dockerfile:1: line longer than");
    /* a long instruction made of many continued lines */
    free(huge);
    big = (size_t)MOAT_DF_MAX_LOGICAL * 2;
    huge = malloc(big);
    assert_non_null(huge);
    for (size_t i = 0; i < big; i += 64) {
        memset(huge + i, 'b', 62);
        huge[i + 62] = '\\';
        huge[i + 63] = '\n';
    }
    memcpy(huge, "RUN ", 4);
    expect_error(huge, big, MOAT_E_LIMIT, "instruction longer than");
    free(huge);
}

static void test_hostile_bytes(void **state)
{
    static const char junk[] =
        "FROM \0\xff\xfe a\nRUN [\"\\u0000\"]\nRUN <<\nRUN <<-\"x\nENV =\nARG\n"
        "FROM ${a:-${b:-${c:-${d:-${e:-${f:-${g:-${h:-${i:-${j:-x}}}}}}}}}}\n"
        "WORKDIR ${unterminated\nUSER \\";
    struct moat_dockerfile df;
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_dockerfile_parse("x", junk, sizeof(junk) - 1, &df, &err), 0);
    assert_true(df.n >= 7);
    moat_dockerfile_free(&df);
    moat_err_clear(&err);
    /* empty: an error, and nothing left to free */
    assert_int_equal(moat_dockerfile_parse("x", "", 0, &df, &err), -MOAT_E_FORMAT);
    assert_int_equal(df.n, 0);
    moat_err_clear(&err);
}

/* From a path: a regular file parses, a directory reads its Dockerfile; else one clear error. */
static void test_load_paths(void **state)
{
    char dir[64] = "/tmp/moat-df-XXXXXX", *file = NULL; /* room for "/nope" */
    struct moat_dockerfile df;
    struct moat_err err = MOAT_ERR_INIT;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_true(asprintf(&file, "%s/Dockerfile", dir) > 0);
    assert_non_null(f = fopen(file, "w"));
    fputs("FROM debian:12\nUSER app\n", f);
    fclose(f);
    assert_int_equal(moat_dockerfile_load(file, &df, &err), 0);
    moat_dockerfile_free(&df);
    /* a directory: its Dockerfile, as docker build reads a context */
    assert_int_equal(moat_dockerfile_load(dir, &df, &err), 0);
    assert_int_equal(df.n, 2);
    moat_dockerfile_free(&df);
    unlink(file);
    assert_int_equal(moat_dockerfile_load(dir, &df, &err), -MOAT_E_NOTFOUND);
    assert_non_null(strstr(moat_err_msg(&err), "no Dockerfile in this directory"));
    /* a directory named Dockerfile inside it is not a regular file */
    assert_int_equal(mkdir(file, 0755), 0);
    assert_int_equal(moat_dockerfile_load(dir, &df, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "not a regular file"));
    rmdir(file);
    memcpy(dir + strlen(dir), "/nope", 6);
    assert_int_equal(moat_dockerfile_load(dir, &df, &err), -MOAT_E_NOTFOUND);
    moat_err_clear(&err);
    dir[strlen(dir) - 5] = '\0';
    rmdir(dir);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_continuations),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_escape_directive),
        cmocka_unit_test(test_heredocs),
        cmocka_unit_test(test_json_and_shell_forms),
        cmocka_unit_test(test_arg_expansion_and_stages),
        cmocka_unit_test(test_ignores),
        cmocka_unit_test(test_unknown_and_empty),
        cmocka_unit_test(test_errors_and_limits),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_load_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
