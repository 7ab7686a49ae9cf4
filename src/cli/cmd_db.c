/*
 * cmd_db.c - `moat db import|update|info`: build and inspect the local
 * vulnerability database (vuln/vulndb.h). Imports run in one transaction per
 * path and updates swap a finished copy into place, so an interrupted
 * command never leaves a half-written database.
 */
#include "cli.h"

#include "moat/base/time.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "moat/vuln/vulndb.h"

static void db_usage(FILE *f)
{
    fputs("Usage: moat db import [OPTIONS] PATH...\n"
          "       moat db update [OPTIONS]\n"
          "       moat db info [OPTIONS]\n"
          "\n"
          "Manage the local vulnerability database that scans match packages against.\n"
          "\n"
          "  import PATH...  read vulnerability records into the database: OSV JSON records,\n"
          "                  osv.dev API answers ({\"vulns\": [...]}), the per-ecosystem zips\n"
          "                  osv.dev publishes, the Debian Security Tracker JSON dump or its\n"
          "                  list files (CVE.list, DSA.list, DLA.list or data/CVE/list,\n"
          "                  data/DSA/list, data/DLA/list, in any order, also in separate\n"
          "                  imports), Alpine secdb JSON, NVD CVE API 2.0 records, answers\n"
          "                  and yearly feeds (nvdcve-2.0-YYYY.json.gz: CVSS severities for\n"
          "                  findings their advisory does not rate), or directories of them\n"
          "                  (recursive; symlinks are not followed). JSON is read as a\n"
          "                  stream, also gzip-compressed. Records replace earlier ones with\n"
          "                  the same id; a tracker or secdb file replaces that feed.\n"
          "                  Malformed records are skipped and counted; a damaged zip is\n"
          "                  refused whole. A line on stderr says what the database cannot\n"
          "                  know (the tracker's CVE list without its DSA or DLA list).\n"
          "  update          download the OSV zip of each ecosystem already in the database\n"
          "                  (or those named) and swap the result in atomically: a failed\n"
          "                  or interrupted update leaves the old database working.\n"
          "  info            show the sources, record counts and age of the database.\n"
          "\n"
          "Options:\n"
          "      --db PATH          the database (default: $MOAT_DB, else\n"
          "                         $XDG_CACHE_HOME/moat/vuln.db, else ~/.cache/moat/vuln.db)\n"
          "  -e, --ecosystem NAME   update: an OSV ecosystem to download (repeatable), e.g.\n"
          "                         Debian, Alpine, PyPI, Go, npm, crates.io, Maven\n"
          "      --url-base URL     update: where the zips are (default\n"
          "                         " MOAT_VULNDB_DEFAULT_URL ");\n"
          "                         URL/<ECOSYSTEM>/all.zip is fetched\n"
          "  -f, --format FORMAT    info: table (default) or json\n"
          "  -q, --quiet            no progress on stderr\n"
          "  -h, --help             show this help\n"
          "\n"
          "Exit status: 0 success (also when malformed records were skipped), 1 when an\n"
          "input was refused or the database could not be used, 2 usage error.\n"
          "\n"
          "Examples:\n"
          "  moat db import ~/osv/Debian.zip ~/osv/PyPI.zip\n"
          "  moat db import CVE.list DSA.list DLA.list nvdcve-2.0-2024.json.gz\n"
          "  moat db import --db ./vuln.db security-tracker.json v3.20-main.json\n"
          "  moat db update -e Debian -e Alpine\n"
          "  moat db info -f json\n",
          f);
}

/* mkdir -p for the directory holding path (0700: a per-user cache). */
static int make_parent(const char *path, struct moat_err *err)
{
    char *dir = strdup(path);
    int r = 0;

    if (dir == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    for (char *p = dir + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            r = moat_err_set(err, MOAT_E_IO, "%s: cannot create: %s", dir, strerror(errno));
            break;
        }
        *p = '/';
    }
    free(dir);
    return r;
}

static void show_progress(void *ctx, const struct moat_import_report *rep)
{
    (void)ctx;
    fprintf(stderr, "\rmoat: %llu files, %llu records, %llu skipped",
            (unsigned long long)rep->files, (unsigned long long)rep->records,
            (unsigned long long)rep->skipped);
    fflush(stderr);
}

static void end_progress(bool on)
{
    if (on) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static void print_report(const char *verb, const char *db, const struct moat_import_report *rep)
{
    printf("%s %llu records (%llu affected entries) from %llu files into %s\n", verb,
           (unsigned long long)rep->records, (unsigned long long)rep->affected,
           (unsigned long long)rep->files, db);
    if (rep->unknown_ecosystems > 0)
        printf("kept %llu affected entries of ecosystems moat does not know\n",
               (unsigned long long)rep->unknown_ecosystems);
    if (rep->skipped > 0) {
        printf("skipped %llu malformed records:", (unsigned long long)rep->skipped);
        for (size_t i = 0; i < rep->n_reasons; i++)
            printf("%s %s", i ? ";" : "", rep->reasons[i]);
        if (rep->skipped > rep->n_reasons)
            printf("; ...");
        putchar('\n');
    }
}

static int do_import(const char *db_path, char **paths, int n, bool quiet)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_import_report rep = {0};
    struct moat_vulndb *db = NULL;
    bool progress = cli_progress_enabled(quiet), refused = false;
    char **warn = NULL;
    size_t n_warn = 0;
    int rc = MOAT_EXIT_FAIL;

    if (make_parent(db_path, &err) < 0 || moat_vulndb_open(db_path, 1, &db, &err) < 0)
        goto out;
    if (progress)
        moat_vulndb_set_progress(db, show_progress, NULL);
    for (int i = 0; i < n; i++) {
        int r = moat_vulndb_import_path(db, paths[i], &rep, &err);

        if (r == -MOAT_E_FORMAT || r == -MOAT_E_LIMIT || r == -MOAT_E_IO) {
            /* this input was refused; the others still count */
            end_progress(progress);
            cli_fail(&err);
            moat_err_clear(&err);
            refused = true;
            continue;
        }
        if (r < 0) {
            end_progress(progress);
            goto out;
        }
    }
    end_progress(progress);
    print_report("imported", db_path, &rep);
    if (moat_vulndb_warnings(db, &warn, &n_warn, &err) < 0)
        goto out;
    for (size_t i = 0; i < n_warn; i++)
        cli_error("warning: %s", warn[i]);
    rc = refused ? MOAT_EXIT_FAIL : MOAT_EXIT_OK;
    moat_vulndb_close(db);
    db = NULL;
out:
    if (db != NULL || (rc == MOAT_EXIT_FAIL && err.code != 0))
        cli_fail(&err);
    moat_vulndb_close(db);
    moat_vulndb_warnings_free(warn, n_warn);
    moat_import_report_free(&rep);
    moat_err_clear(&err);
    return rc;
}

static int do_update(const char *db_path, const char **ecos, size_t n_ecos, const char *url_base,
                     bool quiet)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_import_report rep = {0};
    struct moat_vulndb_update_opts o = {
        .ecosystems = ecos,
        .n_ecosystems = n_ecos,
        .url_base = url_base,
        .fetch = moat_vulndb_fetch_curl,
    };
    bool progress = cli_progress_enabled(quiet);
    int rc = MOAT_EXIT_FAIL;

    if (progress) {
        o.progress = show_progress;
        fputs("moat: downloading...", stderr);
        fflush(stderr);
    }
    if (make_parent(db_path, &err) < 0 || moat_vulndb_update(db_path, &o, &rep, &err) < 0) {
        end_progress(progress);
        cli_fail(&err);
        goto out;
    }
    end_progress(progress);
    print_report("updated: imported", db_path, &rep);
    rc = MOAT_EXIT_OK;
out:
    moat_import_report_free(&rep);
    moat_err_clear(&err);
    return rc;
}

static void fmt_time(int64_t t, char *buf, size_t cap)
{
    char s[MOAT_TIME_LEN];

    snprintf(buf, cap, "%s", t > 0 && moat_time_format(t, s) == 0 ? s : "never");
}

static int info_json(const char *db_path, const struct moat_vulndb_stats *s, long long size)
{
    json_t *o = json_object(), *srcs = json_array();
    char t[40];
    int r;

    if (o == NULL || srcs == NULL)
        return -1;
    json_object_set_new(o, "path", json_string(db_path));
    json_object_set_new(o, "schema_version", json_integer(s->schema_version));
    json_object_set_new(o, "size_bytes", json_integer(size));
    json_object_set_new(o, "vulnerabilities", json_integer((json_int_t)s->vulns));
    json_object_set_new(o, "affected", json_integer((json_int_t)s->affected));
    json_object_set_new(o, "aliases", json_integer((json_int_t)s->aliases));
    json_object_set_new(o, "oldest_modified",
                        s->oldest_modified ? json_string(s->oldest_modified) : json_null());
    json_object_set_new(o, "newest_modified",
                        s->newest_modified ? json_string(s->newest_modified) : json_null());
    fmt_time(s->newest_import, t, sizeof(t));
    json_object_set_new(o, "updated", s->newest_import > 0 ? json_string(t) : json_null());
    json_object_set_new(o, "stale",
                        json_boolean(time(NULL) - s->newest_import > MOAT_VULNDB_STALE_SECS));
    for (size_t i = 0; i < s->n_sources; i++) {
        const struct moat_vulndb_source *src = &s->sources[i];
        json_t *j = json_object();

        fmt_time(src->imported_at, t, sizeof(t));
        json_object_set_new(j, "name", json_string(src->name ? src->name : ""));
        json_object_set_new(j, "kind", json_string(src->kind ? src->kind : ""));
        json_object_set_new(j, "origin", src->origin ? json_string(src->origin) : json_null());
        json_object_set_new(j, "imported_at", json_string(t));
        json_object_set_new(j, "records", json_integer((json_int_t)src->records));
        json_object_set_new(j, "affected", json_integer((json_int_t)src->affected));
        json_object_set_new(j, "skipped", json_integer((json_int_t)src->skipped));
        json_array_append_new(srcs, j);
    }
    json_object_set_new(o, "sources", srcs);
    r = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    putchar('\n');
    json_decref(o);
    return r;
}

static void info_table(const char *db_path, const struct moat_vulndb_stats *s, long long size)
{
    char t[40];

    printf("database  %s (schema %d, %.1f MiB)\n", db_path, s->schema_version,
           (double)size / (1024.0 * 1024.0));
    printf("records   %llu vulnerabilities, %llu affected entries, %llu aliases\n",
           (unsigned long long)s->vulns, (unsigned long long)s->affected,
           (unsigned long long)s->aliases);
    if (s->oldest_modified != NULL)
        printf("modified  %s .. %s\n", s->oldest_modified, s->newest_modified);
    fmt_time(s->newest_import, t, sizeof(t));
    if (s->newest_import > 0)
        printf("updated   %s (%lld days ago)\n", t,
               (long long)((time(NULL) - s->newest_import) / 86400));
    else
        printf("updated   never\n");
    printf("\n%-28s %-15s %9s %9s %8s  %-20s  %s\n", "SOURCE", "KIND", "RECORDS", "AFFECTED",
           "SKIPPED", "IMPORTED", "ORIGIN");
    for (size_t i = 0; i < s->n_sources; i++) {
        const struct moat_vulndb_source *src = &s->sources[i];

        fmt_time(src->imported_at, t, sizeof(t));
        printf("%-28s %-15s %9llu %9llu %8llu  %-20s  %s\n", src->name ? src->name : "",
               src->kind ? src->kind : "", (unsigned long long)src->records,
               (unsigned long long)src->affected, (unsigned long long)src->skipped, t,
               src->origin ? src->origin : "");
    }
}

static int do_info(const char *db_path, const char *format)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vulndb_stats s = {0};
    struct moat_vulndb *db = NULL;
    struct stat sb;
    long long size = 0;
    int rc = MOAT_EXIT_FAIL;

    if (moat_vulndb_open(db_path, 0, &db, &err) < 0 || moat_vulndb_info(db, &s, &err) < 0) {
        cli_fail(&err);
        goto out;
    }
    if (stat(db_path, &sb) == 0)
        size = (long long)sb.st_size;
    if (strcmp(format, "json") == 0) {
        if (info_json(db_path, &s, size) < 0) {
            cli_error("info: out of memory");
            goto out;
        }
    } else {
        info_table(db_path, &s, size);
    }
    if (s.newest_import > 0 && time(NULL) - s.newest_import > MOAT_VULNDB_STALE_SECS)
        cli_error("warning: %s was last updated %lld days ago (run 'moat db update')", db_path,
                  (long long)((time(NULL) - s.newest_import) / 86400));
    rc = fflush(stdout) == 0 ? MOAT_EXIT_OK : MOAT_EXIT_FAIL;
out:
    moat_vulndb_stats_free(&s);
    moat_vulndb_close(db);
    moat_err_clear(&err);
    return rc;
}

int moat_cmd_db(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"ecosystem", required_argument, NULL, 'e'},
        {"url-base", required_argument, NULL, 'u'},
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char **ecos = NULL;
    const char *db_opt = NULL, *url_base = NULL, *format = "table", *verb;
    char db_path[4096], name[48];
    size_t n_ecos = 0;
    bool quiet = false;
    int c, rc = MOAT_EXIT_USAGE;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        db_usage(stdout);
        return MOAT_EXIT_OK;
    }
    if (argc < 2 || argv[1][0] == '-') {
        cli_error("db: expected import, update or info (see 'moat db --help')");
        return MOAT_EXIT_USAGE;
    }
    verb = argv[1];
    argc--;
    argv++;
    argv[0] = name; /* getopt's name in its complaints */
    snprintf(name, sizeof(name), "moat db %.32s", verb);
    ecos = calloc((size_t)argc + 1, sizeof(*ecos));
    if (ecos == NULL) {
        cli_error("db: out of memory");
        return MOAT_EXIT_FAIL;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "e:f:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'e':
            ecos[n_ecos++] = optarg;
            break;
        case 'u':
            url_base = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            db_usage(stdout);
            rc = MOAT_EXIT_OK;
            goto out;
        default:
            cli_usage_error("moat db");
            goto out;
        }
    }
    if (db_opt != NULL) {
        if (snprintf(db_path, sizeof(db_path), "%s", db_opt) >= (int)sizeof(db_path)) {
            cli_error("db: --db path too long");
            goto out;
        }
    } else if (moat_vulndb_default_path_buf(db_path, sizeof(db_path)) < 0) {
        cli_error("db: no default database path (set HOME or MOAT_DB, or pass --db)");
        goto out;
    }
    if (strcmp(verb, "import") == 0) {
        if (optind >= argc) {
            cli_error("db import: expected at least one PATH (see 'moat db --help')");
            goto out;
        }
        rc = do_import(db_path, argv + optind, argc - optind, quiet);
    } else if (strcmp(verb, "update") == 0) {
        if (optind != argc) {
            cli_error("db update: unexpected argument '%s'", argv[optind]);
            goto out;
        }
        rc = do_update(db_path, ecos, n_ecos, url_base, quiet);
    } else if (strcmp(verb, "info") == 0) {
        if (optind != argc) {
            cli_error("db info: unexpected argument '%s'", argv[optind]);
            goto out;
        }
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0) {
            cli_error("db info: unknown format '%s' (table, json)", format);
            goto out;
        }
        rc = do_info(db_path, format);
    } else {
        cli_error("db: unknown subcommand '%s' (import, update, info)", verb);
    }
out:
    free(ecos);
    return rc;
}
