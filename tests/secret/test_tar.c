/* test_tar.c - tar archives inside layers (x.tar, x.tar.gz, x.tgz, x.tar.zst):
 * each member is scanned on its own and a finding keeps the archive's path and
 * names the member; binary members are skipped, not the archive; GNU and pax
 * long names are read; a truncated archive is a warning with the complete
 * members still reported; a header checksummed over signed bytes (old Solaris, HP-UX and
 * BSD tars) is accepted as GNU tar accepts it. The archives are made by tar(1), gzip(1),
 * zstd(1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/stat.h>

#include "moat/secret/scanner.h"
#include "moat/secret/tar.h"
#include "moat/base/decomp.h"
#include "secret_test.h"

#define TOKEN "ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo"
#define LONG_DIR                                                                                   \
    "very/long/directory/name/that/goes/on/and/on/past/the/hundred/bytes/of/a/plain/tar/header/"   \
    "field"

static char dir[64];

static void sh(const char *cmd)
{
    char line[4096];

    snprintf(line, sizeof line, "cd %s && %s", dir, cmd);
    if (system(line) != 0)
        fail_msg("failed: %s", line);
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/moat-secret-tar-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    sh("mkdir -p src/etc/app src/bin src/" LONG_DIR " && printf 'user=app\\nGH=" TOKEN
       "\\n' > src/etc/app/.env"
       " && printf '\\177ELF\\0\\0" TOKEN "' > src/bin/tool"
       " && printf 'AWS=AKIAZ7VQ4XJ2MRTN6KWB\\n' > src/" LONG_DIR "/deep.ini"
       " && printf 'GH=" TOKEN "\\n' > src/copy.env"
       " && tar -C src --format=gnu -cf gnu.tar etc bin very copy.env"
       " && tar -C src --format=pax -cf pax.tar etc bin very copy.env"
       " && gzip -c gnu.tar > gnu.tar.gz && cp gnu.tar.gz gnu.tgz && zstd -q -c pax.tar > "
       "pax.tar.zst"
       " && head -c 3000 gnu.tar > cut.tar");
    return 0;
}

static int teardown(void **state)
{
    char line[128];

    (void)state;
    snprintf(line, sizeof line, "rm -rf %s", dir);
    return system(line) == 0 ? 0 : -1;
}

struct counts {
    uint64_t binary, corrupt;
};

static void scan_archive(const char *file, const char *path, struct moat_findings *fs,
                         struct counts *c)
{
    struct moat_secret_scanner *sc = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs_node node = {0};
    struct moat_fs_visitor v;
    char full[128];
    size_t len = 0;
    char *data;
    bool want = false;

    snprintf(full, sizeof full, "%s/%s", dir, file);
    data = slurp(full, &len);
    assert_non_null(data);
    assert_int_equal(moat_secret_scanner_new(NULL, &sc, &err), 0);
    v = moat_secret_scanner_visitor(sc);
    node.type = MOAT_FT_REG;
    node.size = len;
    node.deleted_in = -1;
    assert_int_equal(v.begin(v.ctx, 1, path, &node, &want, &err), 0);
    assert_true(want);
    for (size_t at = 0; at < len; at += 777) /* chunks that straddle tar blocks */
        assert_int_equal(v.chunk(v.ctx, data + at, len - at < 777 ? len - at : 777, &err), 0);
    assert_int_equal(v.end(v.ctx, &err), 0);
    assert_int_equal(moat_secret_scanner_take(sc, fs, &err), 0);
    moat_findings_sort(fs);
    c->binary = moat_secret_scanner_skipped_binary(sc);
    c->corrupt = moat_secret_scanner_corrupt_compressed(sc);
    moat_secret_scanner_free(sc);
    free(data);
}

/* The finding of rule whose description names member; fails if absent. */
static const struct moat_finding *in_member(const struct moat_findings *fs, const char *rule,
                                            const char *member)
{
    char want[512];

    snprintf(want, sizeof want, "member '%s'", member);
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].rule_id, rule) == 0 && fs->v[i].description &&
            strstr(fs->v[i].description, want))
            return &fs->v[i];
    fail_msg("no %s in member %s", rule, member);
    return NULL;
}

static void check_members(const char *file, const char *path)
{
    struct moat_findings fs = {0};
    struct counts c = {0};
    const struct moat_finding *f;

    scan_archive(file, path, &fs, &c);
    assert_int_equal(fs.n, 3); /* .env and copy.env (same token, two members), deep.ini */
    f = in_member(&fs, "secret-github-token", "etc/app/.env");
    assert_string_equal(f->path, path);
    assert_int_equal(f->line, 2);
    assert_int_equal(f->layer, 1);
    f = in_member(&fs, "secret-github-token", "copy.env");
    assert_int_equal(f->line, 1);
    in_member(&fs, "secret-aws-access-key-id", LONG_DIR "/deep.ini");
    assert_int_equal(c.binary, 1); /* bin/tool, not the archive */
    assert_int_equal(c.corrupt, 0);
    moat_findings_free(&fs);
}

static void test_named(void **state)
{
    (void)state;
    assert_true(moat_secret_tar_named("a/b.tar"));
    assert_true(moat_secret_tar_named("b.tgz"));
    assert_true(moat_secret_tar_named("b.tar.zst"));
    assert_false(moat_secret_tar_named("b.gz"));
    assert_false(moat_secret_tar_named("tar"));
}

static void test_gnu_tar(void **state)
{
    (void)state;
    check_members("gnu.tar", "srv/backup.tar");
}

static void test_gnu_tar_gz(void **state)
{
    (void)state;
    check_members("gnu.tar.gz", "srv/backup.tar.gz");
    check_members("gnu.tgz", "srv/backup.tgz");
}

static void test_pax_tar_zst(void **state)
{
    (void)state;
    check_members("pax.tar", "srv/backup.tar");
    check_members("pax.tar.zst", "srv/backup.tar.zst");
}

static void test_truncated(void **state)
{
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    scan_archive("cut.tar", "srv/cut.tar", &fs, &c);
    assert_int_equal(c.corrupt, 1);
    assert_true(fs.n >= 1); /* etc/app/.env comes first and is complete */
    in_member(&fs, "secret-github-token", "etc/app/.env");
    moat_findings_free(&fs);
    /* not a tar at all */
    scan_archive("src/etc/app/.env", "srv/fake.tar", &fs, &c);
    assert_int_equal(c.corrupt, 1);
    assert_int_equal(fs.n, 0);
    moat_findings_free(&fs);
}

/* A ustar header with a valid checksum. */
static void header(unsigned char *h, const char *name, char type, size_t size)
{
    unsigned sum = 0;

    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    memcpy(h + 100, "0000644", 7);
    char num[32];
    snprintf(num, sizeof num, "%011o", (unsigned)size & 07777777u);
    memcpy(h + 124, num, 11);
    h[156] = (unsigned char)type;
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    memset(h + 148, ' ', 8);
    for (size_t i = 0; i < 512; i++)
        sum += h[i];
    snprintf(num, sizeof num, "%06o", sum & 0777777u);
    memcpy(h + 148, num, 7);
}

static void write_file(const char *name, const void *data, size_t n)
{
    char file[128];

    snprintf(file, sizeof file, "%s/%s", dir, name);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* The checksum of a header whose name holds bytes >= 0x80, summed over signed bytes (as old
 * Solaris, HP-UX and BSD tars did): GNU tar lists it, and so must the scan; one off, GNU tar
 * and the scan both refuse it. */
static void test_signed_checksum(void **state)
{
    static const char body[] = "GH=" TOKEN "\n";
    struct moat_findings fs = {0};
    struct counts c = {0};
    char cmd[256];

    (void)state;
    for (int off = 0; off <= 1; off++) {
        unsigned char tar[512 * 4] = {0};
        char num[16];
        int sum = 0;
        header(tar, "caf\xe9/notes.env", '0', sizeof body - 1);
        memset(tar + 148, ' ', 8);
        for (size_t i = 0; i < 512; i++)
            sum += (signed char)tar[i];
        snprintf(num, sizeof num, "%06o", (unsigned)(sum + off));
        memcpy(tar + 148, num, 7);
        memcpy(tar + 512, body, sizeof body - 1);
        write_file("signed.tar", tar, sizeof tar);
        snprintf(cmd, sizeof cmd, "cd %s && tar -tf signed.tar >/dev/null 2>&1", dir);
        assert_int_equal(system(cmd) == 0, off == 0); /* GNU tar's own answer */
        scan_archive("signed.tar", "srv/old.tar", &fs, &c);
        assert_int_equal(fs.n, off == 0 ? 1 : 0);
        assert_int_equal(c.corrupt, off == 0 ? 0 : 1);
        moat_findings_free(&fs);
    }
}

/* Hostile pax records (lengths that do not cover themselves, or overrun) are ignored. */
static void test_hostile_pax(void **state)
{
    static const char *const records[] = {"1 path=evil\n", "2 path=evil\n",
                                          "99999999999 path=evil\n", "12 path=\n"};
    static const char body[] = "GH=" TOKEN "\n";
    struct moat_findings fs = {0};
    struct counts c = {0};
    char file[128];

    (void)state;
    for (size_t r = 0; r < sizeof records / sizeof records[0]; r++) {
        unsigned char tar[512 * 6] = {0};
        size_t rl = strlen(records[r]);
        header(tar, "PaxHeaders/x", 'x', rl);
        memcpy(tar + 512, records[r], rl);
        header(tar + 1024, "plain/name.env", '0', sizeof body - 1);
        memcpy(tar + 1536, body, sizeof body - 1);
        snprintf(file, sizeof file, "%s/hostile.tar", dir);
        FILE *f = fopen(file, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(tar, 1, sizeof tar, f), sizeof tar);
        fclose(f);
        scan_archive("hostile.tar", "x.tar", &fs, &c);
        assert_int_equal(fs.n, 1);
        in_member(&fs, "secret-github-token", "plain/name.env");
        assert_int_equal(c.corrupt, 0);
        moat_findings_free(&fs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named),           cmocka_unit_test(test_gnu_tar),
        cmocka_unit_test(test_gnu_tar_gz),      cmocka_unit_test(test_pax_tar_zst),
        cmocka_unit_test(test_truncated),       cmocka_unit_test(test_hostile_pax),
        cmocka_unit_test(test_signed_checksum),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
