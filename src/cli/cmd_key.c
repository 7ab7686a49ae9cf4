/* cmd_key.c - placeholder until the subcommand lands (being written this session). */
#include "cli.h"

int moat_cmd_key(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("key: not built yet");
    return MOAT_EXIT_FAIL;
}
