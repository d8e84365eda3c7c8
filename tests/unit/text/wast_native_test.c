/*
** The native source of `wafer wast` (server/wast_native.c; kept with the
** text tests because it is the text unit's consumer): a script with every
** kind of command runs through wf_wast_run_native and each command passes,
** and a script with deliberately wrong expectations fails each of them.
*/
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "wast_native.h"

static const char passing[] =
    "(module $M\n"
    "  (global (export \"g\") i32 (i32.const 7))\n"
    "  (func (export \"add\") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))\n"
    "  (func (export \"nan\") (result f32) (f32.div (f32.const 0) (f32.const 0)))\n"
    "  (func (export \"id\") (param externref) (result externref) (local.get 0))\n"
    "  (func (export \"trap\") unreachable)\n"
    "  (func $r (export \"rec\") (call $r)))\n"
    "(register \"m\" $M)\n"
    "(assert_return (invoke \"add\" (i32.const 1) (i32.const -2)) (i32.const -1))\n"
    "(assert_return (invoke $M \"nan\") (f32.const nan:canonical))\n"
    "(assert_return (invoke \"id\" (ref.extern 3)) (ref.extern 3))\n"
    "(assert_return (invoke \"id\" (ref.null extern)) (ref.null extern))\n"
    "(assert_return (get \"g\") (i32.const 7))\n"
    "(invoke \"add\" (i32.const 0) (i32.const 0))\n"
    "(assert_trap (invoke \"trap\") \"unreachable\")\n"
    "(assert_exhaustion (invoke \"rec\") \"call stack exhausted\")\n"
    "(assert_malformed (module quote \"(func i32.const0)\") \"unknown operator\")\n"
    "(assert_malformed (module binary \"\\00asm\\02\\00\\00\\00\") \"unknown binary version\")\n"
    "(assert_invalid (module (func (result i32))) \"type mismatch\")\n"
    "(assert_unlinkable (module (import \"m\" \"nope\" (func))) \"unknown import\")\n"
    "(assert_trap (module (func $s unreachable) (start $s)) \"unreachable\")\n"
    "(module (import \"m\" \"add\" (func (param i32 i32) (result i32))))\n";

static const char failing[] = "(module (func (export \"one\") (result i32) (i32.const 1)))\n"
                              "(assert_return (invoke \"one\") (i32.const 2))\n"
                              "(assert_trap (invoke \"one\") \"unreachable\")\n"
                              "(assert_malformed (module quote \"(func)\") \"unexpected token\")\n"
                              "(assert_invalid (module (func)) \"type mismatch\")\n"
                              "(module (func (bogus)))\n";

/* Writes text to a temporary .wast file and runs it; returns the counts. */
static wf_wast_counts_t run(const char *text)
{
    char path[] = "/tmp/wafer-wast-native-XXXXXX";
    wf_wast_counts_t counts = {0};
    int fd = mkstemp(path);
    if (fd < 0)
        return counts;
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        counts.failed = 1000;
    close(fd);
    FILE *out = tmpfile();
    wf_wast_options_t options = {.verbose = false, .strict_messages = false, .out = out};
    wf_wast_run_native(path, &options, &counts);
    if (out)
        fclose(out);
    unlink(path);
    return counts;
}

int main(void)
{
    wf_wast_counts_t counts = run(passing);
    CHECK_INT(counts.failed, 0);
    CHECK_INT(counts.passed, 16);
    counts = run(failing);
    CHECK_INT(counts.passed, 1);
    CHECK_INT(counts.failed, 5);
    return TEST_DONE();
}
