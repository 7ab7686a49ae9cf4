/* cmd_authz.c - placeholder until the subcommand lands (being written this session). */
#include "cli.h"

int moat_cmd_authz(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("authz: not built yet");
    return MOAT_EXIT_FAIL;
}
