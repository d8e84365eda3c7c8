/*
** wafer: the command-line entry point. Dispatches to a subcommand.
*/
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "wf/wf.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"serve", wf_cmd_serve, "serve a directory of modules over HTTP"},
    {"run", wf_cmd_run, "run a WASI command, or call an export (--invoke)"},
    {"wast", wf_cmd_wast, "run WebAssembly spec scripts"},
    {"validate", wf_cmd_validate, "decode and validate a module"},
    {"compile", wf_cmd_compile, "translate WAT text to a binary module"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: wafer COMMAND [OPTIONS] [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
    fprintf(out, "\n'wafer COMMAND --help' describes a command's options; "
                 "'wafer --version' names the build.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("wafer %s (interpreter: %s dispatch, %s bounds checks)\n", WF_VERSION,
               wf_interp_dispatch(), wf_bounds_checks());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wafer: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
