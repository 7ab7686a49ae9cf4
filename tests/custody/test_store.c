/*
 * test_store.c - attestation storage: bundle files (JSON Lines) and OCI 1.1
 * referrers in an image layout built here (one image, tagged), read back
 * through moat_image_open so the layout stays an image after attesting.
 */
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
#include <openssl/evp.h>

#include "moat/custody/custody.h"
#include "moat/source/image.h"

static char tmpdir[64];
static struct moat_key *key;

static int setup(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-store.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return moat_key_generate(MOAT_KEY_ED25519, &key, &err);
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    moat_key_free(key);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *in_tmp(const char *name)
{
    static char p[4][256];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
    return p[i];
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return p;
}

static char *envelope(const char *text)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *json = NULL;

    assert_int_equal(moat_dsse_sign(key, "text/plain", text, strlen(text), &json, &err), 0);
    return json;
}

static void sha256(const void *p, size_t n, unsigned char md[32])
{
    unsigned int l;

    EVP_Digest(p, n, md, &l, EVP_sha256(), NULL);
}

static void test_bundle(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_att_set set;
    char *e1 = envelope("one"), *e2 = envelope("two"), *data, *nl;
    const char *b = in_tmp("b.jsonl");
    unsigned char md[32];
    struct stat st;
    size_t len;

    (void)state;
    assert_int_equal(moat_bundle_load(b, &set, &err), -MOAT_E_NOTFOUND);
    assert_int_equal(moat_bundle_append(b, e1, &err), 0);
    assert_int_equal(moat_bundle_append(b, e2, &err), 0);
    assert_int_equal(stat(b, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    data = read_all(b, &len);
    nl = strchr(data, '\n');
    assert_non_null(nl);
    assert_int_equal(len, strlen(e1) + strlen(e2) + 2);
    assert_int_equal(moat_bundle_load(b, &set, &err), 0);
    assert_int_equal(set.n, 2);
    assert_string_equal((char *)set.v[0].payload, "one");
    assert_string_equal((char *)set.v[1].payload, "two");
    /* the digest is over the line's bytes without the newline */
    sha256(data, (size_t)(nl - data), md);
    assert_memory_equal(set.v[0].digest, md, 32);
    sha256(e2, strlen(e2), md);
    assert_memory_equal(set.v[1].digest, md, 32);
    moat_att_set_free(&set);
    free(data);

    /* refused: not one line, not an envelope; the bundle is unchanged */
    assert_int_equal(moat_bundle_append(b, "{\"payloadType\":\"t\",\n\"payload\":\"\"}", &err),
                     -MOAT_E_ARG);
    assert_true(moat_bundle_append(b, "{}", &err) < 0);
    data = read_all(b, &len);
    assert_int_equal(len, strlen(e1) + strlen(e2) + 2);
    free(data);

    /* CRLF, blank lines and a missing final newline are read; garbage names its line */
    {
        char buf[4096];
        int n = snprintf(buf, sizeof(buf), "%s\r\n\n  \n%s", e1, e2);

        write_file(in_tmp("crlf.jsonl"), buf, (size_t)n);
        assert_int_equal(moat_bundle_load(in_tmp("crlf.jsonl"), &set, &err), 0);
        assert_int_equal(set.n, 2);
        sha256(e1, strlen(e1), md);
        assert_memory_equal(set.v[0].digest, md, 32);
        moat_att_set_free(&set);
        /* appending to a file without a final newline starts a new line */
        assert_int_equal(moat_bundle_append(in_tmp("crlf.jsonl"), e1, &err), 0);
        assert_int_equal(moat_bundle_load(in_tmp("crlf.jsonl"), &set, &err), 0);
        assert_int_equal(set.n, 3);
        moat_att_set_free(&set);
        n = snprintf(buf, sizeof(buf), "%s\n{\"payloadType\":\"t\"}\n", e1);
        write_file(in_tmp("bad.jsonl"), buf, (size_t)n);
        assert_int_equal(moat_bundle_load(in_tmp("bad.jsonl"), &set, &err), -MOAT_E_FORMAT);
        assert_non_null(strstr(moat_err_msg(&err), "bad.jsonl:2:"));
        assert_int_equal(set.n, 0);
    }
    free(e1);
    free(e2);
    moat_err_clear(&err);
}

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Write blob data into layout dir; digest "sha256:<hex>" into d. */
static void put_blob(const char *dir, const char *data, char d[72])
{
    unsigned char md[32];
    char path[512];
    static const char hex[] = "0123456789abcdef";

    sha256(data, strlen(data), md);
    memcpy(d, "sha256:", 7);
    for (int i = 0; i < 32; i++) {
        d[7 + 2 * i] = hex[md[i] >> 4];
        d[8 + 2 * i] = hex[md[i] & 15];
    }
    d[71] = 0;
    snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, d + 7);
    write_file(path, data, strlen(data));
}

/* A one-image layout with no layers, tagged "1"; returns the manifest digest in man. */
static void make_layout(const char *dir, const char *created, char man[72])
{
    char cfg_json[512], man_json[1024], ix[1024], cfg[72], path[512];
    int n;

    snprintf(path, sizeof(path), "mkdir -p '%s/blobs/sha256'", dir);
    assert_int_equal(system(path), 0);
    snprintf(path, sizeof(path), "%s/oci-layout", dir);
    write_file(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    snprintf(cfg_json, sizeof(cfg_json),
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"%s\",\"config\":{},"
             "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
             created);
    put_blob(dir, cfg_json, cfg);
    snprintf(man_json, sizeof(man_json),
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
             "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
             "\"%s\",\"size\":%zu},\"layers\":[]}",
             cfg, strlen(cfg_json));
    put_blob(dir, man_json, man);
    n = snprintf(ix, sizeof(ix),
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image."
                 "manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":{\"org."
                 "opencontainers.image.ref.name\":\"1\"}}]}",
                 man, strlen(man_json));
    snprintf(path, sizeof(path), "%s/index.json", dir);
    write_file(path, ix, (size_t)n);
}

static void test_referrers(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_att_set set;
    struct moat_image *img = NULL;
    struct moat_image_meta other = {0};
    const struct moat_image_meta *meta;
    char man[72], ref[300], *e1 = envelope("first"), *e2 = envelope("second"), *data;
    const char *dir = in_tmp("layout");
    const char *ann[] = {MOAT_ANNOTATION_PREDICATE_TYPE, "https://x", NULL};
    size_t len, before;
    json_t *ix, *mans, *d;

    (void)state;
    make_layout(dir, "2025-01-01T00:00:00Z", man);
    snprintf(ref, sizeof(ref), "oci:%s:1", dir);
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), 0);
    meta = moat_image_meta(img);
    assert_string_equal(meta->manifest_digest, man);

    assert_int_equal(moat_referrers_load(dir, meta, &set, &err), 0);
    assert_int_equal(set.n, 0);
    assert_int_equal(moat_referrer_store_annotated(dir, meta, MOAT_MEDIA_DSSE, MOAT_MEDIA_DSSE, e1,
                                                   strlen(e1), ann, &err),
                     0);
    assert_int_equal(
        moat_referrer_store(dir, meta, MOAT_MEDIA_DSSE, MOAT_MEDIA_DSSE, e2, strlen(e2), &err), 0);
    /* a simple-signing referrer is not a DSSE envelope: not loaded as one */
    assert_int_equal(moat_referrer_store(dir, meta, MOAT_MEDIA_SIMPLESIGNING,
                                         MOAT_MEDIA_SIMPLESIGNING, "{}", 2, &err),
                     0);
    /* index.json: the image plus three artifact manifests whose subject is the image */
    data = read_all(in_tmp("layout/index.json"), &len);
    ix = json_loads(data, 0, NULL);
    free(data);
    assert_non_null(ix);
    mans = json_object_get(ix, "manifests");
    assert_int_equal(json_array_size(mans), 4);
    d = json_array_get(mans, 1);
    assert_string_equal(json_string_value(json_object_get(d, "artifactType")), MOAT_MEDIA_DSSE);
    {
        char path[512];
        json_t *m;

        snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir,
                 json_string_value(json_object_get(d, "digest")) + 7);
        data = read_all(path, &len);
        m = json_loads(data, 0, NULL);
        free(data);
        assert_non_null(m);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(m, "subject"), "digest")), man);
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(m, "config"), "mediaType")),
            "application/vnd.oci.empty.v1+json");
        assert_string_equal(
            json_string_value(json_object_get(
                json_object_get(json_array_get(json_object_get(m, "layers"), 0), "annotations"),
                MOAT_ANNOTATION_PREDICATE_TYPE)),
            "https://x");
        json_decref(m);
    }
    json_decref(ix);

    assert_int_equal(moat_referrers_load(dir, meta, &set, &err), 0);
    assert_int_equal(set.n, 2);
    assert_string_equal((char *)set.v[0].payload, "first");
    assert_string_equal((char *)set.v[1].payload, "second");
    {
        unsigned char md[32];

        sha256(e2, strlen(e2), md);
        assert_memory_equal(set.v[1].digest, md, 32);
    }
    moat_att_set_free(&set);

    /* storing the same thing twice adds nothing */
    before = 4;
    assert_int_equal(moat_referrer_store_annotated(dir, meta, MOAT_MEDIA_DSSE, MOAT_MEDIA_DSSE, e1,
                                                   strlen(e1), ann, &err),
                     0);
    data = read_all(in_tmp("layout/index.json"), &len);
    ix = json_loads(data, 0, NULL);
    free(data);
    /* (created time may differ by a second: then it is a new manifest) */
    assert_true(json_array_size(json_object_get(ix, "manifests")) <= before + 1);
    json_decref(ix);

    /* the layout still opens as the same image */
    moat_image_free(img);
    img = NULL;
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), 0);
    assert_string_equal(moat_image_meta(img)->manifest_digest, man);

    /* another image's referrers are not this one's */
    other.manifest_digest = "sha256:" H64;
    assert_int_equal(moat_referrers_load(dir, &other, &set, &err), 0);
    assert_int_equal(set.n, 0);
    moat_image_free(img);
    free(e1);
    free(e2);
    moat_err_clear(&err);
}

static void test_referrer_tamper(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_att_set set;
    struct moat_image_meta meta = {0};
    char man[72], *e = envelope("payload"), path[512], blob[72];
    const char *dir = in_tmp("tamper");
    unsigned char md[32];
    static const char hex[] = "0123456789abcdef";

    (void)state;
    make_layout(dir, "2025-02-02T00:00:00Z", man);
    meta.manifest_digest = man;
    assert_int_equal(
        moat_referrer_store(dir, &meta, MOAT_MEDIA_DSSE, MOAT_MEDIA_DSSE, e, strlen(e), &err), 0);
    assert_int_equal(moat_referrers_load(dir, &meta, &set, &err), 0);
    assert_int_equal(set.n, 1);
    moat_att_set_free(&set);
    /* one byte of the envelope blob changed: refused by digest */
    sha256(e, strlen(e), md);
    for (int i = 0; i < 32; i++) {
        blob[2 * i] = hex[md[i] >> 4];
        blob[2 * i + 1] = hex[md[i] & 15];
    }
    blob[64] = 0;
    snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir, blob);
    e[10] ^= 1;
    write_file(path, e, strlen(e));
    assert_int_equal(moat_referrers_load(dir, &meta, &set, &err), -MOAT_E_DIGEST);
    assert_non_null(strstr(moat_err_msg(&err), blob));
    /* a symlinked blob is not followed */
    unlink(path);
    assert_int_equal(symlink("/etc/hostname", path), 0);
    assert_true(moat_referrers_load(dir, &meta, &set, &err) < 0);
    assert_non_null(strstr(moat_err_msg(&err), "symlink"));
    /* storing needs the image manifest in the layout */
    meta.manifest_digest = "sha256:" H64;
    assert_int_equal(
        moat_referrer_store(dir, &meta, MOAT_MEDIA_DSSE, MOAT_MEDIA_DSSE, "x", 1, &err),
        -MOAT_E_NOTFOUND);
    free(e);
    moat_err_clear(&err);
}

static void test_oci_dir(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *d = NULL;

    (void)state;
    assert_int_equal(moat_custody_oci_dir("docker-archive:x.tar", &d, &err), 0);
    assert_null(d);
    assert_int_equal(moat_custody_oci_dir("oci:/no/such/dir:1.0", &d, &err), 1);
    assert_string_equal(d, "/no/such/dir");
    free(d);
    assert_int_equal(moat_custody_oci_dir("oci:/no/such/dir", &d, &err), 1);
    assert_string_equal(d, "/no/such/dir");
    free(d);
    assert_int_equal(moat_custody_oci_dir("oci:", &d, &err), -MOAT_E_ARG);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_referrers),
        cmocka_unit_test(test_referrer_tamper),
        cmocka_unit_test(test_oci_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
