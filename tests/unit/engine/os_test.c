/*
** Tests of engine/src/os_posix.c: reserving and committing address space,
** and wf__os_clear, which must leave every page it is given reading zero
** whether it writes the few touched pages or gives many back at once.
*/
#include "os.h"
#include "test.h"

/* Whether [p, p + size) reads as zero. */
static bool all_zero(const uint8_t *p, size_t size)
{
    for (size_t i = 0; i < size; i++)
        if (p[i])
            return false;
    return true;
}

static void test_reserve_commit(void)
{
    size_t page = wf__os_page_size();
    CHECK(page >= 4096 && (page & (page - 1)) == 0);
    uint8_t *base = wf__os_reserve(16 * page);
    CHECK(base != NULL);
    if (!base)
        return;
    CHECK(wf__os_commit(base, 4 * page));
    CHECK(all_zero(base, 4 * page));
    base[4 * page - 1] = 1;
    CHECK(wf__os_zero(base, 4 * page));
    CHECK(all_zero(base, 4 * page));
    CHECK(wf__os_decommit(base + 2 * page, 2 * page));
    wf__os_release(base, 16 * page);
}

/* Commits pages pages, writes 0xA5 at each page in touched[], clears, checks. */
static void clear_case(size_t pages, const size_t *touched, size_t n, bool read_others)
{
    size_t page = wf__os_page_size();
    uint8_t *base = wf__os_reserve(pages * page);
    CHECK(base != NULL);
    if (!base)
        return;
    CHECK(wf__os_commit(base, pages * page));
    volatile uint8_t sink = 0;
    if (read_others)
        for (size_t i = 0; i < pages; i += 3)
            sink ^= base[i * page]; /* read-only touches: resident zero pages */
    (void)sink;
    for (size_t i = 0; i < n; i++) {
        base[touched[i] * page] = 0xA5;
        base[touched[i] * page + page - 1] = 0x5A;
    }
    CHECK(wf__os_clear(base, pages * page));
    CHECK(all_zero(base, pages * page));
    /* still committed and writable */
    base[(pages - 1) * page] = 1;
    CHECK_INT(base[(pages - 1) * page], 1);
    CHECK(wf__os_clear(base, pages * page));
    CHECK_INT(base[(pages - 1) * page], 0);
    wf__os_release(base, pages * page);
}

static void test_clear(void)
{
    static const size_t few[] = {0, 1, 7, 15};
    clear_case(16, few, 4, false);
    clear_case(16, NULL, 0, false);
    clear_case(16, few, 4, true);
    /* more touched pages than are worth writing: the rest is given back */
    size_t many[300];
    for (size_t i = 0; i < 300; i++)
        many[i] = i * 3;
    clear_case(1024, many, 300, false);
    /* touched pages past the first mincore chunk (4096 pages) */
    static const size_t far[] = {3, 4095, 4096, 9000, 10239};
    clear_case(10240, far, 5, false);
}

int main(void)
{
    test_reserve_commit();
    test_clear();
    return TEST_DONE();
}
