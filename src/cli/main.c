/*
 * main.c - the moat command: dispatch to one subcommand per file
 * (cmd_<name>.c). All logic lives in libmoat; this only wires arguments.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

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
    {"attest", moat_cmd_attest, "sign an in-toto attestation (scan result, build phase) for an image"},
    {"sign", moat_cmd_sign, "sign an image (cosign-compatible simple signing)"},
    {"verify", moat_cmd_verify, "verify an image's signatures and chain of custody against a policy"},
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
          "Run 'moat COMMAND --help' for a command's options.\n"
          "Exit status: 0 success, 1 error in the input or while running, 2 usage error.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MOAT_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return MOAT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("moat %s\n", MOAT_VERSION);
        return MOAT_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see 'moat --help')", argv[1]);
    return MOAT_EXIT_USAGE;
}
