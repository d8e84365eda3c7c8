/*
** The wafer subcommands. Each takes the arguments after its own name
** (argv[0] is the subcommand) and returns the process exit status.
*/
#ifndef WF_COMMANDS_H
#define WF_COMMANDS_H

int wf_cmd_serve(int argc, char **argv);    /* serve.c */
int wf_cmd_run(int argc, char **argv);      /* cmd_run.c */
int wf_cmd_wast(int argc, char **argv);     /* cmd_wast.c */
int wf_cmd_validate(int argc, char **argv); /* cmd_validate.c */
int wf_cmd_compile(int argc, char **argv);  /* cmd_compile.c */

#endif
