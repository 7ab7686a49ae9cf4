/* test_dbcache.c - the compiled rule database cache (src/secret/dbcache.c): stored 0600 on
 * the first build, loaded on the next with the same findings as a fresh compile; a corrupt,
 * truncated, foreign-keyed or group-writable file is never used but compiled afresh and
 * replaced; another rule set gets another file; an unwritable directory only costs the
 * compile; MOAT_CACHE="" turns the scanner's cache off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/secret/config.h"
#include "moat/secret/scanner.h"
#include "secret_test.h"

static char dir[64];

static const char sample[] = "GH=ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo\n"
                             "<password>Qm7#vT2pL9xR4wZs</password>\n"
                             "db_password = \"Xk9#mQ2!vL7pR4tZ\"\n"
                             "key=AKIAZ7VQ4XJ2MRTN6KWB\n";

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/moat-secret-dbcache-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The one cache file in d (fails unless exactly want files). */
static void cache_file(const char *d, size_t want, char *path, size_t cap)
{
    DIR *dd = opendir(d);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(dd);
    while ((de = readdir(dd)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        assert_non_null(strstr(de->d_name, ".hsdb")); /* no temporary file left */
        snprintf(path, cap, "%s/%s", d, de->d_name);
        n++;
    }
    closedir(dd);
    assert_int_equal(n, want);
}

/* Build an engine through the cache; return what the cache did and the sample's findings. */
static enum moat_secret_cache build(const char *d, struct moat_secret_config *cfg,
                                    struct moat_findings *fs)
{
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    enum moat_secret_cache how;

    if (moat_secret_engine_new_cached(cfg, d, &e, &err) < 0)
        fail_msg("engine: %s", moat_err_msg(&err));
    how = moat_secret_engine_cache(e);
    assert_int_equal(moat_secret_scan_buffer(e, "app/x.conf", 0, sample, strlen(sample), fs, &err),
                     0);
    moat_findings_sort(fs);
    moat_secret_engine_free(e);
    return how;
}

static void same_findings(const struct moat_findings *a, const struct moat_findings *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->v[i].rule_id, b->v[i].rule_id);
        assert_int_equal(a->v[i].line, b->v[i].line);
        assert_string_equal(a->v[i].match, b->v[i].match);
    }
}

static void damage(const char *path, long at, const char *how)
{
    FILE *f = fopen(path, "r+b");

    assert_non_null(f);
    if (strcmp(how, "flip") == 0) {
        int c;
        assert_int_equal(fseek(f, at, at < 0 ? SEEK_END : SEEK_SET), 0);
        c = fgetc(f);
        assert_int_equal(fseek(f, -1, SEEK_CUR), 0);
        fputc(c ^ 0x5a, f);
    } else {
        assert_int_equal(ftruncate(fileno(f), at), 0);
    }
    fclose(f);
}

static void test_store_load_replace(void **state)
{
    struct moat_findings fresh = {0}, fs = {0};
    char path[512];
    struct stat st;

    (void)state;
    assert_int_equal(build(NULL, NULL, &fresh), MOAT_SECRET_CACHE_OFF);
    assert_int_equal(fresh.n, 4); /* GitHub token, XML password, quoted password, AWS key id */
    moat_findings_free(&fresh);
    assert_int_equal(build(NULL, NULL, &fresh), MOAT_SECRET_CACHE_OFF);

    assert_int_equal(build(dir, NULL, &fs), MOAT_SECRET_CACHE_STORED);
    same_findings(&fs, &fresh);
    moat_findings_free(&fs);
    cache_file(dir, 1, path, sizeof path);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(build(dir, NULL, &fs), MOAT_SECRET_CACHE_HIT);
    same_findings(&fs, &fresh);
    moat_findings_free(&fs);

    /* a flipped payload byte, a flipped key byte, a cut file: compiled and replaced */
    static const struct {
        long at;
        const char *how;
    } damages[] = {{-100, "flip"}, {20, "flip"}, {1000, "cut"}, {10, "cut"}};
    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
        damage(path, damages[i].at, damages[i].how);
        assert_int_equal(build(dir, NULL, &fs), MOAT_SECRET_CACHE_REPLACED);
        same_findings(&fs, &fresh);
        moat_findings_free(&fs);
        assert_int_equal(build(dir, NULL, &fs), MOAT_SECRET_CACHE_HIT);
        moat_findings_free(&fs);
    }
    /* writable by others: not trusted */
    assert_int_equal(chmod(path, 0666), 0);
    assert_int_equal(build(dir, NULL, &fs), MOAT_SECRET_CACHE_REPLACED);
    moat_findings_free(&fs);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    moat_findings_free(&fresh);
    cache_file(dir, 1, path, sizeof path);
}

static void test_rule_sets_and_bad_dirs(void **state)
{
    struct moat_secret_config *cfg = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    char path[512], sub[600];
    static const char yaml[] = "rules:\n  - id: acme\n    severity: HIGH\n"
                               "    regex: acme-[0-9A-F]{16}\n";

    (void)state;
    snprintf(sub, sizeof sub, "%s/rulesets/a/b", dir); /* made on demand, parents too */
    assert_int_equal(build(sub, NULL, &fs), MOAT_SECRET_CACHE_STORED);
    moat_findings_free(&fs);
    assert_int_equal(moat_secret_config_parse("u.yaml", yaml, sizeof yaml - 1, &cfg, &err), 0);
    assert_int_equal(build(sub, cfg, &fs), MOAT_SECRET_CACHE_STORED); /* another key */
    moat_findings_free(&fs);
    cache_file(sub, 2, path, sizeof path);
    /* a directory that cannot be made (below a regular file): compiled, not stored */
    snprintf(sub, sizeof sub, "%s/nodir", path);
    assert_int_equal(build(sub, NULL, &fs), MOAT_SECRET_CACHE_UNWRITABLE);
    assert_int_equal(fs.n, 4);
    moat_findings_free(&fs);
}

static void test_scanner_default_dir(void **state)
{
    struct moat_secret_scanner *sc = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    char sub[600], path[700];

    (void)state;
    snprintf(sub, sizeof sub, "%s/env", dir);
    setenv("MOAT_CACHE", sub, 1);
    assert_int_equal(moat_secret_scanner_new(NULL, &sc, &err), 0);
    assert_int_equal(moat_secret_scanner_cache(sc), MOAT_SECRET_CACHE_STORED);
    moat_secret_scanner_free(sc);
    assert_int_equal(moat_secret_scanner_new(NULL, &sc, &err), 0);
    assert_int_equal(moat_secret_scanner_cache(sc), MOAT_SECRET_CACHE_HIT);
    moat_secret_scanner_free(sc);
    cache_file(sub, 1, path, sizeof path);
    setenv("MOAT_CACHE", "", 1); /* off */
    assert_int_equal(moat_secret_scanner_new(NULL, &sc, &err), 0);
    assert_int_equal(moat_secret_scanner_cache(sc), MOAT_SECRET_CACHE_OFF);
    moat_secret_scanner_free(sc);
    unsetenv("MOAT_CACHE");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_load_replace),
        cmocka_unit_test(test_rule_sets_and_bad_dirs),
        cmocka_unit_test(test_scanner_default_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
