/*
** Arguments, environment and exit codes. Prints argc and every argument but
** argv[0] (which differs between the native and the wasm run), the variables
** named WF_*, and whether HOME is set; then exits with the code given by
** "--exit N" (through exit(), or by returning from main with "--return N").
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("argc: %d\n", argc);
    int code = 0, use_return = 0;
    for (int i = 1; i < argc; i++) {
        printf("argv[%d]: [%s]\n", i, argv[i]);
        if (!strcmp(argv[i], "--exit") && i + 1 < argc)
            code = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--return") && i + 1 < argc) {
            code = atoi(argv[i + 1]);
            use_return = 1;
        }
    }
    int count = 0;
    for (char **e = environ; *e; e++)
        if (!strncmp(*e, "WF_", 3)) {
            printf("env: %s\n", *e);
            count++;
        }
    printf("WF_ variables: %d\n", count);
    const char *greeting = getenv("WF_GREETING");
    printf("getenv WF_GREETING: %s\n", greeting ? greeting : "(unset)");
    printf("getenv WF_MISSING: %s\n", getenv("WF_MISSING") ? "set" : "(unset)");
    fflush(stdout);
    if (use_return)
        return code;
    exit(code);
}
