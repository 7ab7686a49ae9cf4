/* cmd_verify.c - placeholder until the subcommand lands (being written this session). */
#include "cli.h"

int moat_cmd_verify(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("verify: not built yet");
    return MOAT_EXIT_FAIL;
}
