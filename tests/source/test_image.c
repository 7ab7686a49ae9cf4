/*
 * test_image.c - moat_image_open() and layer reading over docker-archive,
 * oci-archive, oci: and dir: images built here, plus the hostile cases:
 * traversal digests, bad/deep/huge JSON, missing layers, wrong counts,
 * compressed outer tars, digest mismatches.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source_test_util.h"

/* A set of named blobs, written either as a directory or as an outer tar. */
struct mset {
    struct tmember m[16];
    char *names[16];
    void *owned[16];
    size_t n;
};

static void ms_add(struct mset *s, const char *name, const void *data, size_t len)
{
    void *copy = malloc(len + 1);

    memcpy(copy, data, len);
    s->names[s->n] = strdup(name);
    s->owned[s->n] = copy;
    s->m[s->n] = (struct tmember){s->names[s->n], copy, len};
    s->n++;
}

/* Add a blob under blobs/sha256/<hex>; its digest goes to dg. */
static void ms_blob(struct mset *s, const void *data, size_t len, char *dg)
{
    char name[128];

    tdigest(data, len, dg);
    snprintf(name, sizeof(name), "blobs/sha256/%s", dg + 7);
    ms_add(s, name, data, len);
}

static void ms_free(struct mset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->names[i]);
        free(s->owned[i]);
    }
    s->n = 0;
}

static void ms_write_tar(const struct mset *s, const char *path)
{
    struct tbuf t = outer_build(s->m, s->n);

    write_file(path, t.p, t.n);
    tb_free(&t);
}

static void ms_write_dir(const struct mset *s, const char *dir)
{
    mkdir(dir, 0755);
    for (size_t i = 0; i < s->n; i++) {
        char p[1024];
        size_t start = strlen(dir) + 1;

        snprintf(p, sizeof(p), "%s/%s", dir, s->m[i].name);
        for (size_t k = start; p[k] != '\0'; k++) {
            if (p[k] != '/')
                continue;
            p[k] = '\0';
            mkdir(p, 0755);
            p[k] = '/';
        }
        write_file(p, s->m[i].data, s->m[i].len);
    }
}

static const struct tentry base_layer[] = {
    {"etc/", 'd', NULL},
    {"etc/os-release", 'f', "ID=moat\n"},
    {"bin/", 'd', NULL},
    {"bin/sh", 'f', "#!shell"},
};
static const struct tentry top_layer[] = {
    {"etc/motd", 'f', "hi\n"},
    {"etc/.wh.os-release", 'f', ""},
};

struct fixture {
    char *dir;
    struct tbuf l0, l1;
    char diff[2][72];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    f->dir = tmp_dir();
    f->l0 = tar_build(base_layer, 4);
    f->l1 = tar_build(top_layer, 2);
    tdigest(f->l0.p, f->l0.n, f->diff[0]);
    tdigest(f->l1.p, f->l1.n, f->diff[1]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    rm_rf(f->dir);
    free(f->dir);
    tb_free(&f->l0);
    tb_free(&f->l1);
    free(f);
    return 0;
}

/* Open ref, read every layer, return 0 or the first error (and check counts). */
static int read_image(const char *ref, const char *platform, long *entries, struct moat_err *err)
{
    struct moat_open_opts opts = {platform};
    struct moat_image *img = NULL;
    const struct moat_image_meta *m;
    long total = 0;
    int rc;

    rc = moat_image_open(ref, &opts, &img, err);
    if (rc < 0)
        return rc;
    m = moat_image_meta(img);
    for (size_t i = 0; i < m->n_layers; i++) {
        struct moat_entry_reader *r = NULL;
        long n;

        rc = moat_image_layer_open(img, i, &r, err);
        if (rc < 0)
            break;
        n = read_all(r, NULL, err);
        rc = moat_entry_reader_close(r, n < 0 ? NULL : err);
        if (n < 0)
            rc = (int)n;
        if (rc < 0)
            break;
        total += n;
    }
    if (entries)
        *entries = total;
    moat_image_free(img);
    return rc;
}

/* docker-archive with the layers first and manifest.json last. */
static char *make_docker_archive(struct fixture *f, const char *name, int blobs_layout,
                                 const char *manifest_override, const char *config_override)
{
    struct mset s = {0};
    char *cfg = config_build(f->diff, 2), *manifest = NULL, *path = path_join(f->dir, name);
    char cdg[72], l0name[128], l1name[128], cname[128];

    if (config_override != NULL) {
        free(cfg);
        cfg = strdup(config_override);
    }
    tdigest(cfg, strlen(cfg), cdg);
    if (blobs_layout) {
        snprintf(l0name, sizeof(l0name), "blobs/sha256/%s", f->diff[0] + 7);
        snprintf(l1name, sizeof(l1name), "blobs/sha256/%s", f->diff[1] + 7);
        snprintf(cname, sizeof(cname), "blobs/sha256/%s", cdg + 7);
    } else {
        snprintf(l0name, sizeof(l0name), "0123abcd/layer.tar");
        snprintf(l1name, sizeof(l1name), "%s.tar", f->diff[1] + 7);
        snprintf(cname, sizeof(cname), "%s.json", cdg + 7);
    }
    ms_add(&s, l0name, f->l0.p, f->l0.n);
    ms_add(&s, l1name, f->l1.p, f->l1.n);
    ms_add(&s, cname, cfg, strlen(cfg));
    if (manifest_override != NULL)
        manifest = strdup(manifest_override);
    else if (asprintf(&manifest,
                      "[{\"Config\":\"%s\",\"RepoTags\":[\"example.com/moat/test:1\"],"
                      "\"Layers\":[\"%s\",\"%s\"]}]",
                      cname, l0name, l1name) < 0)
        abort();
    ms_add(&s, "manifest.json", manifest, strlen(manifest));
    ms_write_tar(&s, path);
    ms_free(&s);
    free(cfg);
    free(manifest);
    return path;
}

static void test_docker_archive(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    const struct moat_image_meta *m;
    char *ref = NULL;
    long entries = 0;

    for (int layout = 0; layout < 2; layout++) {
        char *path = make_docker_archive(f, layout ? "new.tar" : "old.tar", layout, NULL, NULL);

        assert_int_equal(moat_image_open(path, NULL, &img, &err), 0);
        m = moat_image_meta(img);
        assert_string_equal(m->transport, "docker-archive");
        assert_string_equal(m->name, "example.com/moat/test:1");
        assert_null(m->manifest_digest);
        assert_non_null(m->config_digest);
        assert_int_equal(m->n_layers, 2);
        assert_string_equal(m->layers[0].diff_id, f->diff[0]);
        if (layout)
            assert_string_equal(m->layers[0].digest, f->diff[0]);
        else
            assert_null(m->layers[0].digest);
        assert_string_equal(m->layers[1].digest, f->diff[1]);
        assert_int_equal(m->layers[1].size, f->l1.n);
        assert_string_equal(m->os, "linux");
        assert_string_equal(m->architecture, "amd64");
        assert_string_equal(m->author, "moat tests");
        assert_string_equal(m->user, "app");
        assert_int_equal(m->n_env, 2);
        assert_int_equal(m->n_entrypoint, 2);
        assert_string_equal(m->cmd[0], "/bin/sh");
        assert_int_equal(m->n_exposed_ports, 2);
        assert_string_equal(m->labels[0].key, "k");
        assert_string_equal(m->labels[0].value, "v");
        assert_string_equal(m->working_dir, "/srv");
        assert_string_equal(m->stop_signal, "SIGTERM");
        assert_int_equal(m->n_healthcheck, 2);
        assert_int_equal(m->n_history, 2);
        assert_int_equal(m->history[1].empty_layer, 1);
        moat_image_free(img);
        img = NULL;
        assert_int_equal(asprintf(&ref, "docker-archive:%s", path), (int)strlen(path) + 15);
        assert_int_equal(read_image(ref, NULL, &entries, &err), 0);
        assert_int_equal(entries, 6);
        free(ref);
        free(path);
    }
    moat_err_clear(&err);
}

static void test_docker_archive_hostile(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    char *path, deep[300];

    /* a layer missing from the archive */
    path = make_docker_archive(f, "missing.tar", 1, NULL, NULL);
    free(path);
    {
        char *cfg = config_build(f->diff, 2), cdg[72], man[512];

        tdigest(cfg, strlen(cfg), cdg);
        snprintf(man, sizeof(man),
                 "[{\"Config\":\"blobs/sha256/%s\",\"Layers\":[\"blobs/sha256/%s\",\"nope.tar\"]}]",
                 cdg + 7, f->diff[0] + 7);
        path = make_docker_archive(f, "missing.tar", 1, man, NULL);
        assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_NOTFOUND);
        assert_non_null(strstr(moat_err_msg(&err), "manifest.json: layer 1 (nope.tar) missing"));
        free(path);
        /* a member name leaving the archive */
        snprintf(man, sizeof(man),
                 "[{\"Config\":\"blobs/sha256/%s\",\"Layers\":[\"../../etc/passwd\",\"x\"]}]",
                 cdg + 7);
        path = make_docker_archive(f, "escape.tar", 1, man, NULL);
        assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_UNSAFE);
        free(path);
        /* one layer named, two diff_ids */
        snprintf(man, sizeof(man),
                 "[{\"Config\":\"blobs/sha256/%s\",\"Layers\":[\"blobs/sha256/%s\"]}]", cdg + 7,
                 f->diff[0] + 7);
        path = make_docker_archive(f, "count.tar", 1, man, NULL);
        assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_FORMAT);
        assert_non_null(strstr(moat_err_msg(&err), "diff_ids"));
        free(path);
        free(cfg);
    }
    /* wrong types and malformed JSON */
    path = make_docker_archive(f, "type.tar", 1, "[{\"Config\":7,\"Layers\":[]}]", NULL);
    assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "Config"));
    free(path);
    path = make_docker_archive(f, "bad.tar", 1, "[{\"Config\":", NULL);
    assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_FORMAT);
    free(path);
    memset(deep, '[', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    path = make_docker_archive(f, "deep.tar", 1, deep, NULL);
    assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_LIMIT);
    free(path);
    /* config with a bad diff_id and a config with a wrong-typed Env */
    path = make_docker_archive(f, "diffid.tar", 1, NULL,
                               "{\"rootfs\":{\"diff_ids\":[\"sha256:../../x\",\"sha256:0\"]}}");
    assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "invalid digest"));
    free(path);
    path = make_docker_archive(f, "env.tar", 1, NULL,
                               "{\"config\":{\"Env\":[1]},\"rootfs\":{\"diff_ids\":[]}}");
    assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "Env[0]"));
    free(path);
    moat_err_clear(&err);
}

static void test_docker_archive_flipped_layer(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    char *path;
    unsigned char *hit;

    /* flip one byte of layer 1's file data: the manifest and the tar parse, close() refuses */
    hit = memmem(f->l1.p, f->l1.n, "hi\n", 3);
    assert_non_null(hit);
    hit[0] = 'H';
    path = make_docker_archive(f, "flip.tar", 0, NULL, NULL);
    hit[0] = 'h';
    assert_int_equal(read_image(path, NULL, NULL, &err), -MOAT_E_DIGEST);
    assert_non_null(strstr(moat_err_msg(&err), "layer 1"));
    free(path);
    moat_err_clear(&err);
}

static void test_docker_archive_config_digest(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct mset s = {0};
    char *cfg = config_build(f->diff, 2), *path = path_join(f->dir, "cfg.tar"), cdg[72];
    char cname[128], man[512];

    /* the config is named by its digest, but its content was changed afterwards */
    tdigest(cfg, strlen(cfg), cdg);
    snprintf(cname, sizeof(cname), "%s.json", cdg + 7);
    cfg[strlen(cfg) - 2] = ' ';
    ms_add(&s, "l0.tar", f->l0.p, f->l0.n);
    ms_add(&s, "l1.tar", f->l1.p, f->l1.n);
    ms_add(&s, cname, cfg, strlen(cfg));
    snprintf(man, sizeof(man), "[{\"Config\":\"%s\",\"Layers\":[\"l0.tar\",\"l1.tar\"]}]", cname);
    ms_add(&s, "manifest.json", man, strlen(man));
    ms_write_tar(&s, path);
    assert_int_equal(moat_image_open(path, NULL, &img, &err), -MOAT_E_DIGEST);
    assert_non_null(strstr(moat_err_msg(&err), "config"));
    ms_free(&s);
    free(cfg);
    free(path);
    moat_err_clear(&err);
}

/* An OCI layout: layer 0 gzip, layer 1 zstd, tag "t1". */
static void make_oci(struct fixture *f, struct mset *s, char *manifest_dg)
{
    struct tbuf g = gz_build(&f->l0), z = zst_build(&f->l1);
    char *cfg = config_build(f->diff, 2), *man = NULL, *index = NULL;
    char cdg[72], g_dg[72], z_dg[72], mdg[72];

    ms_blob(s, g.p, g.n, g_dg);
    ms_blob(s, z.p, z.n, z_dg);
    ms_blob(s, cfg, strlen(cfg), cdg);
    if (asprintf(
            &man,
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
            "\"digest\":\"%s\",\"size\":%zu},\"layers\":["
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
            "\"size\":%zu},"
            "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"%s\","
            "\"size\":%zu}]}",
            cdg, strlen(cfg), g_dg, g.n, z_dg, z.n) < 0)
        abort();
    ms_blob(s, man, strlen(man), mdg);
    if (asprintf(&index,
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                 "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
                 "\"annotations\":{\"org.opencontainers.image.ref.name\":\"t1\"}}]}",
                 mdg, strlen(man)) < 0)
        abort();
    ms_add(s, "index.json", index, strlen(index));
    ms_add(s, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    if (manifest_dg != NULL)
        memcpy(manifest_dg, mdg, 72);
    tb_free(&g);
    tb_free(&z);
    free(cfg);
    free(man);
    free(index);
}

/* Referrers stored beside the image (signatures, attestations) carry an
 * artifactType; an untagged oci:DIR still means the one image. */
static void test_oci_skips_artifacts(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct mset s = {0};
    char *dir = path_join(f->dir, "with-referrer"), *idx, *ref = NULL, *index = NULL;
    char mdg[72], *image_entry = NULL;
    FILE *fp;

    make_oci(f, &s, mdg);
    ms_write_dir(&s, dir);
    ms_free(&s);
    idx = path_join(dir, "index.json");
    {
        /* the image's own entry, read back from the layout make_oci wrote */
        char orig[4096];
        size_t n;
        char *entry;

        assert_non_null(fp = fopen(idx, "r"));
        n = fread(orig, 1, sizeof(orig) - 1, fp);
        fclose(fp);
        orig[n] = '\0';
        assert_non_null(entry = strstr(orig, "\"manifests\":["));
        entry += strlen("\"manifests\":[");
        orig[strlen(orig) - 2] = '\0'; /* drop "]}" */
        image_entry = strdup(entry);
    }
    for (int only_artifact = 0; only_artifact < 2; only_artifact++) {
        assert_true(
            asprintf(&index,
                     "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                     "\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":"
                     "\"application/vnd.dsse.envelope.v1+json\",\"digest\":\"sha256:%064d\","
                     "\"size\":10}%s%s]}",
                     0, only_artifact ? "" : ",", only_artifact ? "" : image_entry) > 0);
        assert_non_null(fp = fopen(idx, "w"));
        fputs(index, fp);
        fclose(fp);
        free(index);
        assert_true(asprintf(&ref, "oci:%s", dir) > 0);
        if (only_artifact) {
            assert_int_equal(moat_image_open(ref, NULL, &img, &err), -MOAT_E_NOTFOUND);
            assert_non_null(strstr(moat_err_msg(&err), "only artifacts"));
        } else {
            assert_int_equal(moat_image_open(ref, NULL, &img, &err), 0);
            assert_string_equal(moat_image_meta(img)->manifest_digest, mdg);
            moat_image_free(img);
            img = NULL;
        }
        free(ref);
    }
    moat_err_clear(&err);
    free(image_entry);
    free(idx);
    free(dir);
}

static void test_oci_layout_and_archive(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct mset s = {0};
    char *dir = path_join(f->dir, "layout"), *tar = path_join(f->dir, "oci.tar"), *ref = NULL;
    char mdg[72];
    long entries;

    make_oci(f, &s, mdg);
    ms_write_dir(&s, dir);
    ms_write_tar(&s, tar);
    ms_free(&s);
    static const char *const refs[][2] = {
        {"oci:", ":t1"}, {"oci:", ""}, {"", ""}, {"oci-archive:", ""}, {"oci-archive:", ":t1"}};
    for (size_t i = 0; i < 5; i++) {
        const struct moat_image_meta *m;

        assert_true(asprintf(&ref, "%s%s%s", refs[i][0], i < 3 ? dir : tar, refs[i][1]) > 0);
        assert_int_equal(moat_image_open(ref, NULL, &img, &err), 0);
        m = moat_image_meta(img);
        assert_string_equal(m->transport, i < 3 ? "oci" : "oci-archive");
        assert_string_equal(m->manifest_digest, mdg);
        assert_string_equal(m->name,
                            i < 3 ? "layout:t1" : "oci.tar:t1"); /* bare tag: shown with its file */
        assert_string_equal(m->layers[0].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
        assert_string_equal(m->layers[1].diff_id, f->diff[1]);
        moat_image_free(img);
        img = NULL;
        assert_int_equal(read_image(ref, NULL, &entries, &err), 0);
        assert_int_equal(entries, 6);
        free(ref);
    }
    /* a tag that is not there */
    assert_true(asprintf(&ref, "oci:%s:nope", dir) > 0);
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), -MOAT_E_NOTFOUND);
    free(ref);
    /* a layer blob with a flipped byte in the layout dir */
    {
        char *cmd = NULL;
        FILE *p;
        char blob[512];

        assert_true(asprintf(&cmd,
                             "grep -l -r 'tar+zstd' %s/blobs >/dev/null; "
                             "ls -S %s/blobs/sha256 | head -1",
                             dir, dir) > 0);
        p = popen(cmd, "r");
        assert_non_null(fgets(blob, sizeof(blob), p));
        pclose(p);
        free(cmd);
        blob[strcspn(blob, "\n")] = '\0';
        assert_true(asprintf(&cmd, "%s/blobs/sha256/%s", dir, blob) > 0);
        {
            int fd = open(cmd, O_RDWR);
            unsigned char c;

            assert_true(fd >= 0);
            assert_int_equal(pread(fd, &c, 1, 20), 1);
            c ^= 1;
            assert_int_equal(pwrite(fd, &c, 1, 20), 1);
            close(fd);
        }
        free(cmd);
        assert_true(read_image(dir, NULL, NULL, &err) < 0);
    }
    /* a symlinked blob directory is refused */
    {
        char *blobs = path_join(dir, "blobs"), *moved = path_join(f->dir, "moved-blobs");

        assert_int_equal(rename(blobs, moved), 0);
        assert_int_equal(symlink(moved, blobs), 0);
        assert_int_equal(moat_image_open(dir, NULL, &img, &err), -MOAT_E_UNSAFE);
        free(blobs);
        free(moved);
    }
    free(dir);
    free(tar);
    moat_err_clear(&err);
}

static void test_oci_hostile(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct mset s = {0};
    char *dir, *idx, *big;
    static const char *bad_index[] = {
        "{\"manifests\":[{\"digest\":\"sha256:../../../../etc/passwd\",\"size\":1}]}",
        "{\"manifests\":[{\"digest\":\"sha256:ABCDEF\",\"size\":1}]}",
        "{\"manifests\":[{\"digest\":\"sha512:00\",\"size\":1}]}",
        "{\"manifests\":[{\"digest\":7,\"size\":1}]}",
        ("{\"manifests\":[{\"digest\":\"sha256:"
         "0000000000000000000000000000000000000000000000000000000000000000\",\"size\":-1}]}"),
        "{\"manifests\":{}}",
        "{\"manifests\":[]}",
        "[1,2,3]",
        "{\"manifests\":[1]}",
        "{",
    };

    make_oci(f, &s, NULL);
    for (size_t i = 0; i < sizeof(bad_index) / sizeof(bad_index[0]); i++) {
        char name[32];

        snprintf(name, sizeof(name), "bad%zu", i);
        dir = path_join(f->dir, name);
        ms_write_dir(&s, dir);
        idx = path_join(dir, "index.json");
        write_file(idx, bad_index[i], strlen(bad_index[i]));
        assert_int_equal(moat_image_open(dir, NULL, &img, &err), -MOAT_E_FORMAT);
        assert_null(img);
        free(idx);
        free(dir);
    }
    /* index.json larger than MOAT_MAX_JSON_BYTES */
    dir = path_join(f->dir, "huge");
    ms_write_dir(&s, dir);
    idx = path_join(dir, "index.json");
    big = malloc((17u << 20));
    memset(big, ' ', 17u << 20);
    big[0] = '{';
    big[(17u << 20) - 1] = '}';
    write_file(idx, big, 17u << 20);
    assert_int_equal(moat_image_open(dir, NULL, &img, &err), -MOAT_E_LIMIT);
    free(big);
    free(idx);
    free(dir);
    ms_free(&s);
    moat_err_clear(&err);
}

/* Two platforms behind a nested image index. */
static void test_multi_platform(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    struct mset s = {0};
    char *dir = path_join(f->dir, "multi"), *man[2] = {NULL, NULL}, *cfg[2], *list = NULL;
    char *index = NULL, mdg[2][72], cdg[2][72], ldg[2][72], listdg[72];
    const char *arch[2] = {"amd64", "arm64"};
    struct tbuf *layer[2] = {&f->l0, &f->l1};

    for (int i = 0; i < 2; i++) {
        char *c = NULL;

        if (asprintf(&c,
                     "{\"architecture\":\"%s\",\"os\":\"linux\",\"rootfs\":{\"type\":"
                     "\"layers\",\"diff_ids\":[\"%s\"]}}",
                     arch[i], f->diff[i]) < 0)
            abort();
        cfg[i] = c;
        ms_blob(&s, layer[i]->p, layer[i]->n, ldg[i]);
        ms_blob(&s, cfg[i], strlen(cfg[i]), cdg[i]);
        if (asprintf(&man[i],
                     "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker."
                     "distribution.manifest.v2+json\",\"config\":{\"mediaType\":\"application/vnd."
                     "docker.container.image.v1+json\",\"digest\":\"%s\",\"size\":%zu},\"layers\":"
                     "[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
                     "\"digest\":\"%s\",\"size\":%zu}]}",
                     cdg[i], strlen(cfg[i]), ldg[i], layer[i]->n) < 0)
            abort();
        ms_blob(&s, man[i], strlen(man[i]), mdg[i]);
    }
    if (asprintf(&list,
                 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution."
                 "manifest.list.v2+json\",\"manifests\":["
                 "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                 "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":"
                 "\"arm64\",\"variant\":\"v8\"}},"
                 "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                 "\"digest\":\"%s\",\"size\":%zu,\"platform\":{\"os\":\"linux\",\"architecture\":"
                 "\"amd64\"}}]}",
                 mdg[1], strlen(man[1]), mdg[0], strlen(man[0])) < 0)
        abort();
    ms_blob(&s, list, strlen(list), listdg);
    if (asprintf(&index,
                 "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd."
                 "oci.image.index.v1+json\",\"digest\":\"%s\",\"size\":%zu,\"annotations\":"
                 "{\"org.opencontainers.image.ref.name\":\"multi\"}}]}",
                 listdg, strlen(list)) < 0)
        abort();
    ms_add(&s, "index.json", index, strlen(index));
    ms_add(&s, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    ms_write_dir(&s, dir);
    {
        static const struct {
            const char *platform;
            int want; /* index into arch, or -1 for not found */
        } cases[] = {{NULL, 0},
                     {"linux/amd64", 0},
                     {"linux/arm64", 1},
                     {"linux/arm64/v8", 1},
                     {"linux/aarch64", 1},
                     {"linux/s390x", -1},
                     {"windows/amd64", -1}};

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct moat_open_opts o = {cases[i].platform};
            int rc = moat_image_open(dir, &o, &img, &err);

            if (cases[i].want < 0) {
                assert_int_equal(rc, -MOAT_E_NOTFOUND);
                continue;
            }
            if (rc != 0)
                fprintf(stderr, "platform %s: %s\n", cases[i].platform, moat_err_msg(&err));
            assert_int_equal(rc, 0);
            assert_string_equal(moat_image_meta(img)->architecture, arch[cases[i].want]);
            assert_string_equal(moat_image_meta(img)->manifest_digest, mdg[cases[i].want]);
            assert_string_equal(moat_image_meta(img)->name, "multi:multi");
            moat_image_free(img);
            img = NULL;
        }
        {
            struct moat_open_opts o = {"linux"};

            assert_int_equal(moat_image_open(dir, &o, &img, &err), -MOAT_E_ARG);
        }
    }
    {
        long entries = 0;

        assert_int_equal(read_image(dir, "linux/arm64", &entries, &err), 0);
        assert_int_equal(entries, 2);
    }
    ms_free(&s);
    for (int i = 0; i < 2; i++) {
        free(man[i]);
        free(cfg[i]);
    }
    free(list);
    free(index);
    free(dir);
    moat_err_clear(&err);
}

static void test_refs_and_detection(void **state)
{
    struct fixture *f = *state;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image *img = NULL;
    char *path, *gzpath, *ref = NULL, *plain;
    struct tbuf t = {0}, g;

    /* a gzip-compressed docker-archive: refused with a clear message */
    path = make_docker_archive(f, "c.tar", 1, NULL, NULL);
    {
        FILE *in = fopen(path, "rb");
        char buf[65536];
        size_t n;

        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
            tb_add(&t, buf, n);
        fclose(in);
    }
    g = gz_build(&t);
    gzpath = path_join(f->dir, "c.tar.gz");
    write_file(gzpath, g.p, g.n);
    assert_int_equal(moat_image_open(gzpath, NULL, &img, &err), -MOAT_E_UNSUPPORTED);
    assert_non_null(strstr(moat_err_msg(&err), "gzip-compressed archive"));
    assert_true(asprintf(&ref, "docker-archive:%s", gzpath) > 0);
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), -MOAT_E_UNSUPPORTED);
    free(ref);
    /* docker-archive:PATH:TAG selects by RepoTag; a wrong tag is not found */
    assert_true(asprintf(&ref, "docker-archive:%s:example.com/moat/test:1", path) > 0);
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), 0);
    moat_image_free(img);
    img = NULL;
    free(ref);
    assert_true(asprintf(&ref, "docker-archive:%s:other:2", path) > 0);
    assert_int_equal(moat_image_open(ref, NULL, &img, &err), -MOAT_E_NOTFOUND);
    free(ref);
    /* unknown things */
    assert_int_equal(moat_image_open("docker://alpine", NULL, &img, &err), -MOAT_E_UNSUPPORTED);
    assert_int_equal(moat_image_open("/nonexistent/x", NULL, &img, &err), -MOAT_E_NOTFOUND);
    plain = path_join(f->dir, "plain.txt");
    write_file(plain, "hello, not a tar", 16);
    assert_true(moat_image_open(plain, NULL, &img, &err) < 0);
    assert_null(img);
    /* a tar that is neither kind */
    {
        struct tmember m = {"hello.txt", "hi", 2};
        struct tbuf o = outer_build(&m, 1);

        write_file(plain, o.p, o.n);
        assert_int_equal(moat_image_open(plain, NULL, &img, &err), -MOAT_E_UNSUPPORTED);
        tb_free(&o);
    }
    /* a plain directory is dir: with one layer and no digests */
    {
        char *root = path_join(f->dir, "rootfs"), *file;
        long entries = 0;

        mkdir(root, 0755);
        file = path_join(root, "x");
        write_file(file, "x", 1);
        assert_int_equal(moat_image_open(root, NULL, &img, &err), 0);
        assert_string_equal(moat_image_meta(img)->transport, "dir");
        assert_int_equal(moat_image_meta(img)->n_layers, 1);
        assert_null(moat_image_meta(img)->layers[0].digest);
        {
            struct moat_entry_reader *r = NULL, *r2 = NULL;

            assert_int_equal(moat_image_layer_open(img, 0, &r, &err), 0);
            assert_int_equal(moat_image_layer_open(img, 0, &r2, &err), -MOAT_E_ARG);
            assert_int_equal(moat_entry_reader_close(r, &err), 0);
            assert_int_equal(moat_image_layer_open(img, 1, &r2, &err), -MOAT_E_ARG);
        }
        moat_image_free(img);
        img = NULL;
        assert_true(asprintf(&ref, "dir:%s", root) > 0);
        assert_int_equal(read_image(ref, NULL, &entries, &err), 0);
        assert_int_equal(entries, 1);
        free(file);
        free(root);
    }
    free(ref);
    free(plain);
    free(path);
    free(gzpath);
    tb_free(&t);
    tb_free(&g);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_docker_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_archive_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_archive_flipped_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_archive_config_digest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oci_layout_and_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oci_skips_artifacts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oci_hostile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_platform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refs_and_detection, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
