/*
** Tables of references. Elements are pointers (funcref: wf_func_t *,
** externref: the embedder's pointer); NULL is the null reference. A table
** belongs to one thread at a time, so its element array may be reallocated
** when it grows.
*/
#include "objects.h"

#define DEFAULT_MAX_TABLE_ELEMS 10000000u

wf_err_t wf__table_new(const wf_allocator_t *allocator, const wf_limits_t *limits,
                       uint8_t elem_type, uint64_t cap_elems, wf_table_t **out)
{
    static const wf_allocator_t libc_allocator = {0};
    if (!allocator)
        allocator = &libc_allocator;
    *out = NULL;
    if ((elem_type != WF_FUNCREF && elem_type != WF_EXTERNREF) || limits->min > WF_MAX_TABLE_SIZE ||
        (limits->has_max && limits->max < limits->min) ||
        (limits->has_max && limits->max > WF_MAX_TABLE_SIZE) || limits->shared)
        return WF_ERR_ARGUMENT;
    uint64_t max = limits->has_max ? limits->max : WF_MAX_TABLE_SIZE;
    if (cap_elems == 0)
        cap_elems = DEFAULT_MAX_TABLE_ELEMS;
    if (max > cap_elems)
        max = cap_elems;
    if (limits->min > max)
        return WF_ERR_LIMIT;

    wf_table_t *table = wf__calloc(allocator, 1, sizeof *table);
    if (!table)
        return WF_ERR_NOMEM;
    table->allocator = *allocator;
    atomic_init(&table->refcount, 1);
    table->elem_type = elem_type;
    table->limits = *limits;
    table->max = max;
    table->size = (uint32_t)limits->min;
    table->capacity = table->size;
    if (table->capacity) {
        table->elems = wf__calloc(allocator, table->capacity, sizeof *table->elems);
        if (!table->elems) {
            wf__free(allocator, table, sizeof *table);
            return WF_ERR_NOMEM;
        }
    }
    *out = table;
    return WF_OK;
}

wf_err_t wf_table_new(const wf_limits_t *limits, wf_valtype_t elem_type, wf_table_t **out)
{
    *out = NULL;
    if (!limits)
        return WF_ERR_ARGUMENT;
    return wf__table_new(NULL, limits, (uint8_t)elem_type, DEFAULT_MAX_TABLE_ELEMS, out);
}

wf_table_t *wf_table_retain(wf_table_t *table)
{
    if (table)
        atomic_fetch_add_explicit(&table->refcount, 1, memory_order_relaxed);
    return table;
}

void wf_table_free(wf_table_t *table)
{
    if (!table)
        return;
    if (atomic_fetch_sub_explicit(&table->refcount, 1, memory_order_acq_rel) != 1)
        return;
    if (table->kept_count && wf__table_release_kept(table))
        return;
    wf_allocator_t allocator = table->allocator;
    wf__free(&allocator, table->elems, (size_t)table->capacity * sizeof *table->elems);
    wf__free(&allocator, table, sizeof *table);
}

uint32_t wf_table_size(const wf_table_t *table)
{
    return table->size;
}

wf_err_t wf_table_get(const wf_table_t *table, uint32_t index, wf_val_t *out)
{
    if (index >= table->size)
        return WF_ERR_TRAP_TABLE_OOB;
    memset(out, 0, sizeof *out);
    out->type = (wf_valtype_t)table->elem_type;
    if (table->elem_type == WF_FUNCREF)
        out->of.funcref = table->elems[index];
    else
        out->of.externref = table->elems[index];
    return WF_OK;
}

/* The element pointer a value stands for, or false if its type differs. */
static bool ref_of(const wf_table_t *table, const wf_val_t *value, void **ref)
{
    if (!value || (uint8_t)value->type != table->elem_type)
        return false;
    *ref = table->elem_type == WF_FUNCREF ? (void *)value->of.funcref : value->of.externref;
    return true;
}

wf_err_t wf_table_set(wf_table_t *table, uint32_t index, const wf_val_t *value)
{
    void *ref;
    if (!ref_of(table, value, &ref))
        return WF_ERR_ARGUMENT;
    if (index >= table->size)
        return WF_ERR_TRAP_TABLE_OOB;
    table->elems[index] = ref;
    return WF_OK;
}

/*
** table.grow: the old size, or -1 if size + delta passes the effective
** maximum (declared, instance limit) or memory runs out. Capacity at least
** doubles so that a loop of small grows stays linear.
*/
int64_t wf__table_grow(wf_table_t *table, uint32_t delta, void *init)
{
    uint32_t old_size = table->size;
    if ((uint64_t)delta > table->max - old_size)
        return -1;
    uint32_t new_size = old_size + delta;
    if (new_size > table->capacity) {
        uint64_t capacity = (uint64_t)table->capacity * 2;
        if (capacity < new_size)
            capacity = new_size;
        if (capacity < 8)
            capacity = 8;
        if (capacity > table->max)
            capacity = table->max;
        if (capacity > SIZE_MAX / sizeof *table->elems)
            return -1;
        void **elems =
            wf__realloc(&table->allocator, table->elems, (size_t)table->capacity * sizeof *elems,
                        (size_t)capacity * sizeof *elems);
        if (!elems)
            return -1;
        table->elems = elems;
        table->capacity = (uint32_t)capacity;
    }
    for (uint32_t i = old_size; i < new_size; i++)
        table->elems[i] = init;
    table->size = new_size;
    return old_size;
}

int64_t wf_table_grow(wf_table_t *table, uint32_t delta, const wf_val_t *init)
{
    void *ref = NULL;
    if (init && !ref_of(table, init, &ref))
        return -1;
    return wf__table_grow(table, delta, ref);
}
