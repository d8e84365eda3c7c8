/*
** `wafer wast` with wafer's own WAST parser: a script is parsed and its
** modules encoded by the engine's text unit (wf_wast_parse), turned into the
** command document wast_runner.c runs, and its module bytes are served from
** memory. Replaces the wast2json conversion.
*/
#ifndef WF_WAST_NATIVE_H
#define WF_WAST_NATIVE_H

#include "wast_runner.h"

/*
** Runs one .wast script, adding to counts. Problems with the script itself
** (unreadable, not well-formed) print "SCRIPT:LINE:COL: message" and count
** as one failure. While the engine cannot load SIMD modules, commands that
** need one count as skipped. Borrows everything.
*/
void wf_wast_run_native(const char *script, const wf_wast_options_t *options,
                        wf_wast_counts_t *counts);

#endif
