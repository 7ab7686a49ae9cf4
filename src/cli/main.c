/*
 * main.c - the moat command: dispatch to one subcommand per file
 * (cmd_<name>.c). All logic lives in libmoat; this only wires arguments.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "moat/base/about.h"

struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"sbom", moat_cmd_sbom, "inventory an image's packages (CycloneDX, SPDX, JSON, table)"},
    {"scan", moat_cmd_scan, "find known vulnerabilities in an image or a stored SBOM"},
    {"db", moat_cmd_db, "import, update and inspect the vulnerability database"},
    {"lint", moat_cmd_lint,
     "check Dockerfiles before building (pinning, root, apt/apk/pip, secrets)"},
    {"key", moat_cmd_key, "generate signing keys for each phase of the build"},
    {"attest", moat_cmd_attest,
     "sign an in-toto attestation (scan result, build phase) for an image"},
    {"sign", moat_cmd_sign, "sign an image (cosign-compatible simple signing)"},
    {"verify", moat_cmd_verify,
     "verify an image's signatures and chain of custody against a policy"},
    {"admit", moat_cmd_admit, "decide whether an image may run: allow or deny, with every reason"},
    {"authz", moat_cmd_authz, "serve admission decisions as a Docker Engine authorization plugin"},
};

static void usage(FILE *f)
{
    fputs("Usage: moat [--version] [--help] COMMAND [ARGS]\n"
          "\n"
          "moat is a container security toolkit. It reads images without extracting them,\n"
          "verifies every layer against its digest, and reports what is inside.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("\n"
          "Image references (skopeo transport names):\n"
          "  docker-archive:PATH   a `docker save` / `podman save` tarball\n"
          "  oci-archive:PATH      a tarball of an OCI image layout\n"
          "  oci:DIR[:TAG]         an OCI image layout directory\n"
          "  dir:PATH              an unpacked root filesystem\n"
          "  PATH                  any of the above, detected from its contents\n"
          "\n"
          "Run 'moat COMMAND --help' (or 'moat help COMMAND') for a command's options;\n"
          "'moat --version --format json' names the libraries moat runs on.\n"
          "Exit status: 0 success, 1 error in the input or while running, 2 usage error.\n",
          f);
}

/* `moat --version [--format json]`: moat's version and its libraries' own. */
static int version(int argc, char **argv)
{
    struct moat_about_lib libs[MOAT_ABOUT_LIBS];
    size_t n = moat_about_libs(libs, MOAT_ABOUT_LIBS);
    bool json = argc == 3 && (strcmp(argv[2], "--json") == 0 || strcmp(argv[2], "-fjson") == 0);

    if (argc == 4 && (strcmp(argv[2], "--format") == 0 || strcmp(argv[2], "-f") == 0))
        json = strcmp(argv[3], "json") == 0;
    if (!json && argc > 2 && !(argc == 4 && strcmp(argv[3], "text") == 0)) {
        cli_error("--version: expected nothing, --json or --format text|json");
        return cli_usage_error("moat");
    }
    if (!json) {
        printf("moat %s\n", moat_version());
        return MOAT_EXIT_OK;
    }
    {
        json_t *o =
            json_pack("{s:s, s:s, s:{}}", "name", "moat", "version", moat_version(), "libraries");
        json_t *l = json_object_get(o, "libraries");
        int bad = o == NULL;

        for (size_t i = 0; !bad && i < n; i++)
            bad = json_object_set_new(l, libs[i].name, json_string(libs[i].version)) != 0;
        bad = bad || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 ||
              fputc('\n', stdout) == EOF;
        json_decref(o);
        if (bad) {
            cli_error("--version: cannot write");
            return MOAT_EXIT_FAIL;
        }
    }
    return MOAT_EXIT_OK;
}

static const struct subcommand *find(const char *name)
{
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        if (strcmp(name, subcommands[i].name) == 0)
            return &subcommands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct subcommand *sc;
    char name[64];

    if (argc < 2) {
        usage(stderr);
        return MOAT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        usage(stdout);
        return MOAT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0)
        return version(argc, argv);
    if (strcmp(argv[1], "help") == 0) { /* moat help CMD = moat CMD --help */
        char *help_argv[] = {name, "--help", NULL};

        if (argc != 3 || (sc = find(argv[2])) == NULL) {
            cli_error("help: expected one command name (see 'moat --help')");
            return MOAT_EXIT_USAGE;
        }
        snprintf(name, sizeof(name), "moat %s", sc->name);
        return sc->run(2, help_argv);
    }
    if ((sc = find(argv[1])) == NULL) {
        cli_error("unknown command '%s' (see 'moat --help')", argv[1]);
        return MOAT_EXIT_USAGE;
    }
    /* getopt names the command in its complaints: "moat scan: unrecognized option" */
    snprintf(name, sizeof(name), "moat %s", sc->name);
    argv[1] = name;
    return sc->run(argc - 1, argv + 1);
}
