/* Tests of engine/src/table.c: creation, get/set, growth rules. */
#include "objects.h"
#include "test.h"

static void test_funcref(void)
{
    wf_limits_t limits = {.min = 2, .max = 5, .has_max = true};
    wf_table_t *table;
    CHECK_INT(wf_table_new(&limits, WF_FUNCREF, &table), WF_OK);
    CHECK_INT(wf_table_size(table), 2);

    wf_val_t v;
    CHECK_INT(wf_table_get(table, 0, &v), WF_OK);
    CHECK_INT(v.type, WF_FUNCREF);
    CHECK(v.of.funcref == NULL);
    CHECK_INT(wf_table_get(table, 2, &v), WF_ERR_TRAP_TABLE_OOB);

    wf_func_t *fake = (wf_func_t *)&limits; /* never dereferenced by a table */
    wf_val_t ref = {.type = WF_FUNCREF, .of.funcref = fake};
    CHECK_INT(wf_table_set(table, 1, &ref), WF_OK);
    CHECK_INT(wf_table_get(table, 1, &v), WF_OK);
    CHECK(v.of.funcref == fake);
    CHECK_INT(wf_table_set(table, 2, &ref), WF_ERR_TRAP_TABLE_OOB);
    wf_val_t wrong = {.type = WF_EXTERNREF, .of.externref = fake};
    CHECK_INT(wf_table_set(table, 0, &wrong), WF_ERR_ARGUMENT);
    wf_val_t number = {.type = WF_I32, .of.i32 = 1};
    CHECK_INT(wf_table_set(table, 0, &number), WF_ERR_ARGUMENT);

    CHECK_INT(wf_table_grow(table, 2, &ref), 2);
    CHECK_INT(wf_table_size(table), 4);
    CHECK_INT(wf_table_get(table, 3, &v), WF_OK);
    CHECK(v.of.funcref == fake);
    CHECK_INT(wf_table_get(table, 1, &v), WF_OK);
    CHECK(v.of.funcref == fake);                  /* kept across the reallocation */
    CHECK_INT(wf_table_grow(table, 2, NULL), -1); /* past the max */
    CHECK_INT(wf_table_grow(table, 0, NULL), 4);
    CHECK_INT(wf_table_grow(table, 1, NULL), 4);
    CHECK_INT(wf_table_get(table, 4, &v), WF_OK);
    CHECK(v.of.funcref == NULL);
    CHECK_INT(wf_table_grow(table, 1, NULL), -1);
    CHECK_INT(wf_table_grow(table, 0, &wrong), -1); /* wrong init type */

    CHECK(wf_table_retain(table) == table);
    wf_table_free(table);
    CHECK_INT(wf_table_size(table), 5);
    wf_table_free(table);
    wf_table_free(NULL);
}

static void test_externref_and_limits(void)
{
    wf_limits_t limits = {.min = 0};
    wf_table_t *table;
    CHECK_INT(wf_table_new(&limits, WF_EXTERNREF, &table), WF_OK);
    CHECK_INT(wf_table_size(table), 0);
    int host_object;
    for (uint32_t i = 0; i < 1000; i++)
        CHECK_INT(wf__table_grow(table, 1, &host_object), i);
    wf_val_t v;
    CHECK_INT(wf_table_get(table, 999, &v), WF_OK);
    CHECK_INT(v.type, WF_EXTERNREF);
    CHECK(v.of.externref == &host_object);
    CHECK_INT(wf__table_grow(table, UINT32_MAX, NULL), -1); /* past the default cap */
    CHECK_INT(wf_table_size(table), 1000);
    wf_table_free(table);

    /* The instance limit caps growth. */
    limits = (wf_limits_t){.min = 1};
    CHECK_INT(wf__table_new(NULL, &limits, WF_FUNCREF, 3, &table), WF_OK);
    CHECK_INT(wf__table_grow(table, 2, NULL), 1);
    CHECK_INT(wf__table_grow(table, 1, NULL), -1);
    wf_table_free(table);
    limits = (wf_limits_t){.min = 4};
    CHECK_INT(wf__table_new(NULL, &limits, WF_FUNCREF, 3, &table), WF_ERR_LIMIT);
    CHECK(table == NULL);

    limits = (wf_limits_t){.min = 0};
    CHECK_INT(wf_table_new(&limits, WF_I32, &table), WF_ERR_ARGUMENT);
    limits = (wf_limits_t){.min = 2, .max = 1, .has_max = true};
    CHECK_INT(wf_table_new(&limits, WF_FUNCREF, &table), WF_ERR_ARGUMENT);
}

int main(void)
{
    test_funcref();
    test_externref_and_limits();
    return TEST_DONE();
}
