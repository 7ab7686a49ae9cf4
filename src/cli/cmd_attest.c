/* cmd_attest.c - placeholder until the subcommand lands (being written this session). */
#include "cli.h"

int moat_cmd_attest(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("attest: not built yet");
    return MOAT_EXIT_FAIL;
}
