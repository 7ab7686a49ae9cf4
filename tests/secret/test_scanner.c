/* test_scanner.c - the fs visitor: text files are scanned, binaries and files
 * over the size cap are skipped and counted, the same secret in two layers is
 * reported once, the files skipped are named in the per-file warnings, and the image
 * config is scanned as config:Env/Labels/history with Env and label findings naming their
 * variable (value redacted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "moat/secret/scanner.h"
#include "secret_test.h"

static void feed_file(struct moat_fs_visitor *v, uint32_t layer, const char *path, const char *data,
                      size_t len, uint64_t size)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs_node node = {0};
    bool want = false;

    node.type = MOAT_FT_REG;
    node.size = size;
    node.deleted_in = -1;
    assert_int_equal(v->begin(v->ctx, layer, path, &node, &want, &err), 0);
    if (want) {
        for (size_t at = 0; at < len; at += 7) {
            size_t n = len - at < 7 ? len - at : 7;
            assert_int_equal(v->chunk(v->ctx, data + at, n, &err), 0);
        }
    }
    assert_int_equal(v->end(v->ctx, &err), 0);
}

static void test_visitor(void **state)
{
    struct moat_secret_scanner_opts opts = {.max_file_size = 1000};
    struct moat_secret_scanner *sc = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    struct moat_fs_visitor v;
    const char *text = "x\nGH=ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo\n";
    char bin[64] = "ELF\0ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo";

    (void)state;
    assert_int_equal(moat_secret_scanner_new(&opts, &sc, &err), 0);
    v = moat_secret_scanner_visitor(sc);
    feed_file(&v, 0, "etc/a", text, strlen(text), strlen(text));
    feed_file(&v, 1, "etc/a", text, strlen(text), strlen(text)); /* same secret again */
    feed_file(&v, 1, "bin/b", bin, sizeof bin, sizeof bin);
    feed_file(&v, 2, "big", text, strlen(text), 5000);
    assert_int_equal(moat_secret_scanner_take(sc, &fs, &err), 0);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.v[0].path, "etc/a");
    assert_int_equal(fs.v[0].layer, 0);
    assert_int_equal(fs.v[0].line, 2);
    assert_int_equal(moat_secret_scanner_skipped_binary(sc), 1);
    assert_int_equal(moat_secret_scanner_skipped_large(sc), 1);
    size_t nw = 0;
    uint64_t dropped = 9;
    const char *const *w = moat_secret_scanner_warnings(sc, &nw, &dropped);
    assert_int_equal(nw, 1);
    assert_int_equal(dropped, 0);
    assert_string_equal(w[0],
                        "big: larger than the secret scan's size cap (1000 bytes), not scanned");
    moat_findings_free(&fs);
    moat_secret_scanner_free(sc);
}

static void test_config(void **state)
{
    struct moat_secret_scanner *sc = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    struct moat_image_meta meta = {0};
    /* a newline inside an entry (hostile) must not shift the next entries' lines */
    char *env[] = {"PATH=/usr/bin", "GITLAB_TOKEN=glpat-QCyEZDz-TddJ8HyS5SUk", "A=\nB\r\n",
                   "DB_PASSWORD=Xk9#mQ2!vL7pR4tZ"};
    struct moat_kv labels[] = {{"maintainer", "x"},
                               {"npm", "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"}};
    struct moat_history hist[] = {
        {NULL, "/bin/sh -c #(nop) ADD file", NULL, 0},
        {NULL, "|1 T=ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo /bin/sh -c make", NULL, 1}};

    (void)state;
    meta.env = env;
    meta.n_env = 4;
    meta.labels = labels;
    meta.n_labels = 2;
    meta.history = hist;
    meta.n_history = 2;
    assert_int_equal(moat_secret_scanner_new(NULL, &sc, &err), 0);
    assert_int_equal(moat_secret_scan_config(sc, &meta, &err), 0);
    assert_int_equal(moat_secret_scanner_take(sc, &fs, &err), 0);
    moat_findings_sort(&fs);
    assert_int_equal(fs.n, 4);
    for (size_t i = 0; i < fs.n; i++) {
        assert_int_equal(fs.v[i].layer, -1);
        if (strcmp(fs.v[i].rule_id, "secret-gitlab-token") == 0) {
            assert_string_equal(fs.v[i].path, "config:Env");
            assert_int_equal(fs.v[i].line, 2);
            assert_string_equal(fs.v[i].match, "GITLAB_TOKEN=****");
            assert_string_equal(fs.v[i].description, "in Env GITLAB_TOKEN of the image config");
        } else if (strcmp(fs.v[i].rule_id, "secret-generic-assignment") == 0) {
            assert_string_equal(fs.v[i].path, "config:Env");
            assert_int_equal(fs.v[i].line, 4);
            assert_string_equal(fs.v[i].match, "DB_PASSWORD=****");
            assert_string_equal(fs.v[i].description, "in Env DB_PASSWORD of the image config");
        } else if (strcmp(fs.v[i].rule_id, "secret-npm-token") == 0) {
            assert_string_equal(fs.v[i].path, "config:Labels");
            assert_string_equal(fs.v[i].match, "npm=****");
            assert_string_equal(fs.v[i].description, "in label npm of the image config");
        } else {
            assert_string_equal(fs.v[i].rule_id, "secret-github-token");
            assert_string_equal(fs.v[i].path, "config:history");
            assert_int_equal(fs.v[i].line, 2);
        }
    }
    moat_findings_free(&fs);
    moat_secret_scanner_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_visitor),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
