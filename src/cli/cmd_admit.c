/* cmd_admit.c - placeholder until the subcommand lands (being written this session). */
#include "cli.h"

int moat_cmd_admit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("admit: not built yet");
    return MOAT_EXIT_FAIL;
}
