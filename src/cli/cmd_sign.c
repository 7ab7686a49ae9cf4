/* cmd_sign.c - placeholder until the subcommand lands (being written this session). */
#include "cli.h"

int moat_cmd_sign(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("sign: not built yet");
    return MOAT_EXIT_FAIL;
}
