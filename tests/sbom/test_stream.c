/*
 * test_stream.c - the streaming JSON writer (src/sbom/stream.c): whatever
 * pieces a document is handed over in, the bytes are those json_dumps() with
 * JSON_INDENT(2) gives for the whole tree; errors stick and are reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sbom/sbom_int.h"

static const char *doc_text =
    "{\"schema\": \"x/1\", \"empty_o\": {}, \"empty_a\": [], \"n\": null, \"t\": true,"
    " \"i\": -42, \"s\": \"line\\none\\ttab \\\"q\\\" \\u00e9\\u2603\","
    " \"o\": {\"a\": [1, [2, [], {}], {\"b\": {\"c\": [\"d\"]}}], \"e\": {\"f\": {}}},"
    " \"a\": [{\"k\": \"v\", \"l\": [\"x\", \"y\"]}, [], \"z\", [[[]]], {\"deep\": {\"er\": "
    "[{}]}}]}";

/* Write v as key: whole when level is 0 or v is a scalar, else member by member one level down. */
static void stream(struct sbom_out *o, const char *key, json_t *v, int level)
{
    const char *k;
    json_t *m;
    size_t i;

    if (level == 0 || !(json_is_object(v) || json_is_array(v))) {
        assert_int_equal(sbom_out_put(o, key, json_incref(v)), 0);
        return;
    }
    assert_int_equal(sbom_out_open(o, key, json_is_object(v) ? '{' : '['), 0);
    if (json_is_object(v)) {
        json_object_foreach(v, k, m) stream(o, k, m, level - 1);
    } else {
        json_array_foreach(v, i, m) stream(o, NULL, m, level - 1);
    }
    assert_int_equal(sbom_out_close(o), 0);
}

static void test_same_bytes_as_jansson(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    json_error_t jerr;
    json_t *doc = json_loads(doc_text, 0, &jerr);
    char *want, *got = NULL;
    size_t len = 0, wlen;
    int level;

    (void)state;
    assert_non_null(doc);
    want = json_dumps(doc, JSON_INDENT(2));
    assert_non_null(want);
    wlen = strlen(want);
    for (level = 0; level <= 6; level++) {
        struct sbom_out o;
        FILE *f = open_memstream(&got, &len);

        assert_non_null(f);
        sbom_out_init(&o, f);
        stream(&o, NULL, doc, level);
        assert_int_equal(sbom_out_end(&o, "test", &err), 0);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(len, wlen + 1);
        assert_memory_equal(got, want, wlen);
        assert_int_equal(got[wlen], '\n');
        free(got);
        got = NULL;
    }
    free(want);
    json_decref(doc);
}

static void test_errors_stick(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct sbom_out o;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    /* left open */
    sbom_out_init(&o, f);
    assert_int_equal(sbom_out_open(&o, NULL, '['), 0);
    assert_int_equal(sbom_out_end(&o, "test", &err), -MOAT_E_ARG);
    moat_err_clear(&err);
    /* a value that could not be built: out of memory, and nothing more is written */
    sbom_out_init(&o, f);
    assert_int_equal(sbom_out_open(&o, NULL, '['), 0);
    assert_int_equal(sbom_out_put(&o, NULL, NULL), -MOAT_E_NOMEM);
    assert_int_equal(sbom_out_str(&o, NULL, "later"), -MOAT_E_NOMEM);
    assert_int_equal(sbom_out_close(&o), -MOAT_E_NOMEM);
    assert_int_equal(sbom_out_end(&o, "Test", &err), -MOAT_E_NOMEM);
    assert_non_null(strstr(moat_err_msg(&err), "out of memory building Test"));
    moat_err_clear(&err);
    /* a close without an open */
    sbom_out_init(&o, f);
    assert_int_equal(sbom_out_close(&o), -MOAT_E_ARG);
    assert_int_equal(sbom_out_end(&o, "test", &err), -MOAT_E_ARG);
    moat_err_clear(&err);
    assert_int_equal(fclose(f), 0);
    assert_null(strstr(buf, "later"));
    free(buf);

    /* a full disk, unbuffered and buffered */
    f = fopen("/dev/full", "w");
    if (f != NULL) {
        int i;

        setvbuf(f, NULL, _IONBF, 0);
        sbom_out_init(&o, f);
        assert_int_equal(sbom_out_open(&o, NULL, '{'), -MOAT_E_IO);
        assert_int_equal(sbom_out_end(&o, "test", &err), -MOAT_E_IO);
        assert_non_null(strstr(moat_err_msg(&err), "write failed"));
        moat_err_clear(&err);
        fclose(f);
        f = fopen("/dev/full", "w");
        assert_non_null(f);
        sbom_out_init(&o, f);
        sbom_out_open(&o, NULL, '[');
        for (i = 0; i < 100000 && o.r == 0; i++)
            sbom_out_str(&o, NULL, "0123456789abcdef");
        assert_true(i < 100000); /* stopped at the first failed flush */
        sbom_out_close(&o);
        assert_int_equal(sbom_out_end(&o, "test", &err), -MOAT_E_IO);
        moat_err_clear(&err);
        fclose(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes_as_jansson),
        cmocka_unit_test(test_errors_stick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
