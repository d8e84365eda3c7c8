/*
** A minimal unit-test harness: each test file is one process (CTest runs it
** with a timeout); checks print both sides and the location, and the process
** exits non-zero if any check failed.
*/
#ifndef WF_TEST_H
#define WF_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wf_test_failures;
static int wf_test_checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        wf_test_checks++;                                                    \
        if (!(cond)) {                                                       \
            wf_test_failures++;                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_INT(actual, expected)                                               \
    do {                                                                          \
        long long a_ = (long long)(actual), e_ = (long long)(expected);           \
        wf_test_checks++;                                                         \
        if (a_ != e_) {                                                           \
            wf_test_failures++;                                                   \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
                    __LINE__, #actual, a_, #expected, e_);                        \
        }                                                                         \
    } while (0)

#define CHECK_STR(actual, expected)                                                  \
    do {                                                                             \
        const char *a_ = (actual), *e_ = (expected);                                 \
        wf_test_checks++;                                                            \
        if (!a_ || !e_ || strcmp(a_, e_) != 0) {                                     \
            wf_test_failures++;                                                      \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__,      \
                    __LINE__, #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)");      \
        }                                                                            \
    } while (0)

/* Ends main(): prints the tally and returns the exit status. */
#define TEST_DONE()                                                                   \
    (printf("%d passed, %d failed\n", wf_test_checks - wf_test_failures, wf_test_failures), \
     wf_test_failures ? 1 : 0)

#endif
