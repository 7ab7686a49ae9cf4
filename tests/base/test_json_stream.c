/* test_json_stream.c - the streaming JSON reader: what it hands over equals what jansson
 * parses from the same text, in any chunking; every bound and malformation is refused with a
 * message naming the document and the member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/error.h"
#include "moat/base/json_stream.h"

static const struct moat_json_limits LIM = {.max_bytes = 1u << 20,
                                            .max_value = 1u << 16,
                                            .max_items = 1000,
                                            .max_depth = 16,
                                            .max_string = 4096};

/* Collects what it is handed: root members into root, EACH children into each[parent]. */
struct sink {
    json_t *root, *each, *skipped;
    const char *each_key; /* pick EACH for this member */
    const char *skip_key; /* pick SKIP for this member */
    size_t stop_after;    /* stop after this many items (0: never) */
    size_t n;
    int fail_at; /* return -MOAT_E_FORMAT at this item (1-based; 0: never) */
};

static enum moat_json_pick pick(void *ctx, const char *key)
{
    struct sink *s = ctx;

    if (s->each_key != NULL && strcmp(key, s->each_key) == 0)
        return MOAT_JSON_EACH;
    if (s->skip_key != NULL && strcmp(key, s->skip_key) == 0)
        return MOAT_JSON_SKIP;
    return MOAT_JSON_KEEP;
}

static int item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct sink *s = ctx;
    json_t *v = it->value;

    s->n++;
    if (s->fail_at > 0 && s->n == (size_t)s->fail_at)
        return moat_err_set(err, MOAT_E_FORMAT, "visitor refused item %zu", s->n);
    if (v == NULL) {
        json_array_append_new(s->skipped, json_integer(it->type));
    } else if (it->parent != NULL || it->key == NULL) {
        /* EACH children by parent, root array elements under "" */
        const char *k = it->parent != NULL ? it->parent : "";
        json_t *a = json_object_get(s->each, k);

        if (a == NULL) {
            a = json_array();
            json_object_set_new(s->each, k, a);
        }
        assert_int_equal(it->index, json_array_size(a));
        assert_true(it->size > 0);
        json_array_append(a, v);
    } else {
        json_object_set(s->root, it->key, v);
    }
    return s->stop_after > 0 && s->n >= s->stop_after ? 1 : 0;
}

static void sink_init(struct sink *s)
{
    memset(s, 0, sizeof(*s));
    s->root = json_object();
    s->each = json_object();
    s->skipped = json_array();
}

static void sink_free(struct sink *s)
{
    json_decref(s->root);
    json_decref(s->each);
    json_decref(s->skipped);
}

static int stream(const char *text, struct sink *s, struct moat_json_visitor *v,
                  const struct moat_json_limits *lim, struct moat_err *err)
{
    v->pick = pick;
    v->item = item;
    v->ctx = s;
    return moat_json_stream_mem(text, strlen(text), "doc.json", lim, v, err);
}

/* A reader that hands over `step` bytes at a time, to cut every token in two. */
struct dribble {
    const char *p;
    size_t left, step;
};

static int dribble(void *rctx, void *buf, size_t cap, size_t *got, struct moat_err *err)
{
    struct dribble *d = rctx;
    size_t n = d->left < d->step ? d->left : d->step;

    (void)err;
    if (n > cap)
        n = cap;
    memcpy(buf, d->p, n);
    d->p += n;
    d->left -= n;
    *got = n;
    return 0;
}

static const char *const DOCS[] = {
    "{\"a\":1,\"b\":[true,false,null,-0,1.5e3,\"x\\u00e9\\ud83d\\ude00\\n\"],"
    "\"c\":{\"d\":{\"e\":[[],{}]}},\"big\":9223372036854775807,\"neg\":-9223372036854775808,"
    "\"r\":0.1,\"s\":\"\\u00ffin the middle\"}",
    "{}",
    "{\"only\":\"one\"}",
    " \n\t{\"ws\" :\n [ 1 , 2 ] } \n",
};

/* Every root member kept: the members equal jansson's parse, also when fed a byte at a time. */
static void test_same_as_jansson(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(DOCS) / sizeof(DOCS[0]); i++) {
        json_t *want = json_loads(DOCS[i], 0, NULL);
        struct moat_err err = MOAT_ERR_INIT;
        struct moat_json_visitor v = {0};
        struct sink s;

        assert_non_null(want);
        for (size_t step = 0; step < 3; step++) {
            struct dribble d = {DOCS[i], strlen(DOCS[i]), step == 0 ? 1 : step == 1 ? 7 : 1 << 20};

            sink_init(&s);
            v.pick = pick;
            v.item = item;
            v.ctx = &s;
            assert_int_equal(moat_json_stream_read(dribble, &d, "doc.json", &LIM, &v, &err), 0);
            assert_int_equal(v.root, JSON_OBJECT);
            assert_true(json_equal(want, s.root));
            sink_free(&s);
        }
        json_decref(want);
    }
}

/* EACH hands over the elements one by one, SKIP builds nothing but reports the type. */
static void test_each_and_skip(void **state)
{
    const char *doc =
        "{\"bomFormat\":\"CycloneDX\",\"components\":[{\"n\":1},{\"n\":2},{\"n\":[3]}],"
        "\"dependencies\":[{\"ref\":\"x\"}],\"metadata\":{\"component\":{\"name\":"
        "\"img\"}}}";
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_json_visitor v = {0};
    struct sink s;
    json_t *comps;

    (void)state;
    sink_init(&s);
    s.each_key = "components";
    s.skip_key = "dependencies";
    if (stream(doc, &s, &v, &LIM, &err) != 0)
        fail_msg("%s", moat_err_msg(&err));
    comps = json_object_get(s.each, "components");
    assert_int_equal(json_array_size(comps), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(comps, 1), "n")), 2);
    assert_null(json_object_get(s.root, "components"));
    assert_null(json_object_get(s.root, "dependencies"));
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(s.root, "metadata"), "component"), "name")),
        "img");
    /* the EACH member after its children, and the skipped one, with their types */
    assert_int_equal(json_array_size(s.skipped), 2);
    assert_int_equal(json_integer_value(json_array_get(s.skipped, 0)), JSON_ARRAY);
    assert_int_equal(json_integer_value(json_array_get(s.skipped, 1)), JSON_ARRAY);
    sink_free(&s);

    /* EACH of an object hands over its members with their keys; EACH of a scalar keeps it */
    sink_init(&s);
    s.each_key = "m";
    assert_int_equal(stream("{\"m\":{\"x\":1,\"y\":2}}", &s, &v, &LIM, &err), 0);
    assert_int_equal(json_array_size(json_object_get(s.each, "m")), 2);
    assert_int_equal(json_integer_value(json_array_get(s.skipped, 0)), JSON_OBJECT);
    sink_free(&s);
    sink_init(&s);
    s.each_key = "m";
    assert_int_equal(stream("{\"m\":5}", &s, &v, &LIM, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(s.root, "m")), 5);
    sink_free(&s);
}

/* A root array's elements come one by one; the visitor can stop early or fail. */
static void test_root_array_and_stop(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_json_visitor v = {0};
    struct sink s;

    (void)state;
    sink_init(&s);
    assert_int_equal(stream("[{\"id\":\"A\"},{\"id\":\"B\"},3]", &s, &v, &LIM, &err), 0);
    assert_int_equal(v.root, JSON_ARRAY);
    assert_int_equal(json_array_size(json_object_get(s.each, "")), 3);
    sink_free(&s);

    /* stopping after the first item: the rest (even if broken) is never read */
    sink_init(&s);
    s.stop_after = 1;
    assert_int_equal(stream("{\"a\":1,\"b\":2,\"c\":", &s, &v, &LIM, &err), 0);
    assert_int_equal(s.n, 1);
    sink_free(&s);

    sink_init(&s);
    s.fail_at = 2;
    assert_int_equal(stream("[1,2,3]", &s, &v, &LIM, &err), -MOAT_E_FORMAT);
    assert_string_equal(moat_err_msg(&err), "visitor refused item 2");
    moat_err_clear(&err);
    sink_free(&s);
}

static void refused(const char *doc, const struct moat_json_limits *lim, int code,
                    const char *msg_part)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_json_visitor v = {0};
    struct sink s;

    sink_init(&s);
    s.each_key = "list";
    s.skip_key = "skip";
    assert_int_equal(stream(doc, &s, &v, lim, &err), -code);
    if (strstr(moat_err_msg(&err), msg_part) == NULL ||
        strncmp(moat_err_msg(&err), "doc.json: ", 10))
        fail_msg("%s: got \"%s\", want \"%s\"", doc, moat_err_msg(&err), msg_part);
    assert_null(strchr(moat_err_msg(&err), '\n'));
    moat_err_clear(&err);
    sink_free(&s);
}

static void test_malformed(void **state)
{
    (void)state;
    refused("", &LIM, MOAT_E_FORMAT, "invalid JSON at byte 0");
    refused("{\"a\":1", &LIM, MOAT_E_FORMAT, "invalid JSON");
    refused("{\"a\":1} x", &LIM, MOAT_E_FORMAT, "invalid JSON at byte");
    refused("{\"a\":1}{}", &LIM, MOAT_E_FORMAT, "invalid JSON");
    refused("{\"a\":tru}", &LIM, MOAT_E_FORMAT, "invalid JSON");
    refused("{\"a\":\"\xff\"}", &LIM, MOAT_E_FORMAT, "invalid JSON");
    refused("{/*c*/\"a\":1}", &LIM, MOAT_E_FORMAT, "invalid JSON");
    refused("\"just a string\"", &LIM, MOAT_E_FORMAT, "not an object or array");
    refused("42", &LIM, MOAT_E_FORMAT, "not an object or array");
    refused("{\"a\":1,\"a\":2}", &LIM, MOAT_E_FORMAT, "duplicate object key \"a\"");
    refused("{\"a\":{\"k\":1,\"k\":2}}", &LIM, MOAT_E_FORMAT, "a: duplicate object key \"k\"");
    refused("{\"list\":[{\"k\":1,\"k\":2}]}", &LIM, MOAT_E_FORMAT, "list[0]: duplicate object key");
    refused("{\"list\":{\"k\":1,\"k\":2}}", &LIM, MOAT_E_FORMAT, "duplicate object key \"k\"");
    refused("{\"a\\u0000b\":1}", &LIM, MOAT_E_FORMAT, "NUL byte in object key");
    refused("{\"list\":[\"a\\u0000b\"]}", &LIM, MOAT_E_FORMAT, "list[0]: NUL byte in string");
    refused("{\"a\":9223372036854775808}", &LIM, MOAT_E_FORMAT, "a: integer out of range");
    refused("{\"a\":1e400}", &LIM, MOAT_E_FORMAT, "real number out of range");
}

static void test_limits(void **state)
{
    struct moat_json_limits lim = LIM;
    char *doc;
    size_t n;

    (void)state;
    /* depth: 16 open, 17 refused (the root counts) */
    refused("{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}", &lim, MOAT_E_LIMIT, "nested more than 16");
    /* a value larger than max_value, named by its place */
    lim.max_value = 100;
    refused("{\"list\":[1,{\"s\":\"0123456789012345678901234567890123456789012345678901234567890"
            "1234567890123456789\"}]}",
            &lim, MOAT_E_LIMIT, "list[1]: value larger than 100 bytes");
    lim = LIM;
    lim.max_items = 3;
    refused("{\"list\":[1,2,3,4]}", &lim, MOAT_E_LIMIT, "more than 3 elements");
    refused("[1,2,3,4]", &lim, MOAT_E_LIMIT, "more than 3 elements");
    refused("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", &lim, MOAT_E_LIMIT, "more than 3 members");
    lim = LIM;
    lim.max_string = 8;
    refused("{\"a\":\"123456789\"}", &lim, MOAT_E_LIMIT, "string longer than 8 bytes");
    refused("{\"123456789\":1}", &lim, MOAT_E_LIMIT, "key longer than 8 bytes");
    refused("{\"a\":1234567890}", &lim, MOAT_E_LIMIT, "number longer than 8 bytes");
    /* a skipped string is bounded too */
    refused("{\"skip\":[\"123456789\"]}", &lim, MOAT_E_LIMIT, "string longer than 8 bytes");
    lim = LIM;
    lim.max_bytes = 10;
    refused("{\"a\":\"0123456789\"}", &lim, MOAT_E_LIMIT, "more than 10 bytes of JSON");

    /* a string longer than the chunks yajl buffers: stopped before it is all in memory */
    lim = LIM;
    lim.max_bytes = 8u << 20;
    n = 4u << 20;
    doc = malloc(n + 16);
    assert_non_null(doc);
    memcpy(doc, "{\"a\":\"", 6);
    memset(doc + 6, 'x', n);
    memcpy(doc + 6 + n, "\"}", 3);
    refused(doc, &lim, MOAT_E_LIMIT, "longer than 4096 bytes before byte");
    free(doc);
}

/* Many elements: each one is built and freed, so the count is only bounded by max_items. */
static void test_many(void **state)
{
    struct moat_json_limits lim = LIM;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_json_visitor v = {0};
    struct sink s;
    size_t n = 100000, len = 0;
    char *doc = malloc(n * 16 + 64);

    (void)state;
    assert_non_null(doc);
    len += (size_t)snprintf(doc, 32, "{\"list\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(doc + len, 32, "%s{\"i\":%zu}", i ? "," : "", i);
    memcpy(doc + len, "]}", 3);
    lim.max_items = n;
    lim.max_bytes = len + 2;
    sink_init(&s);
    s.each_key = "list";
    assert_int_equal(stream(doc, &s, &v, &lim, &err), 0);
    assert_int_equal(s.n, n + 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(json_object_get(s.each, "list"), n - 1), "i")),
                     n - 1);
    sink_free(&s);
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_jansson),
        cmocka_unit_test(test_each_and_skip),
        cmocka_unit_test(test_root_array_and_stop),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_many),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
