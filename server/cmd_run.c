/* Placeholder until this command is written. */
#include <stdio.h>

#include "commands.h"

int wf_cmd_run(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "wafer %s: not implemented yet\n", argv[0]);
    return 2;
}
