/* Tests of engine/src/numeric.h: the bit-exact numeric helpers. */
#include <math.h>

#include "numeric.h"
#include "test.h"

static void test_bits(void)
{
    CHECK_INT(wf__clz32(0), 32);
    CHECK_INT(wf__clz32(1), 31);
    CHECK_INT(wf__ctz32(0), 32);
    CHECK_INT(wf__ctz32(0x80000000u), 31);
    CHECK_INT(wf__popcnt32(0xFFFFFFFFu), 32);
    CHECK_INT(wf__clz64(0), 64);
    CHECK_INT(wf__ctz64(0), 64);
    CHECK_INT(wf__popcnt64(UINT64_MAX), 64);
    CHECK_INT(wf__rotl32(0x80000001u, 1), 3);
    CHECK_INT(wf__rotl32(0x12345678u, 32), 0x12345678u);
    CHECK_INT(wf__rotr32(1, 1), 0x80000000u);
    CHECK(wf__rotl64(UINT64_C(0x8000000000000001), 65) == 3);
    CHECK(wf__rotr64(1, 64) == 1);
    CHECK_INT(wf__shr_s32(0x80000000u, 31), 0xFFFFFFFFu);
    CHECK_INT(wf__shr_s32(0x80000000u, 32), 0x80000000u); /* shift count mod 32 */
    CHECK_INT(wf__shr_s32(0x40000000u, 30), 1);
    CHECK(wf__shr_s64(UINT64_C(0x8000000000000000), 63) == UINT64_MAX);
    CHECK(wf__shr_s64(UINT64_C(0x8000000000000000), 0) == UINT64_C(0x8000000000000000));
}

static void test_division(void)
{
    uint32_t r32 = 7;
    uint64_t r64 = 7;
    CHECK_INT(wf__i32_div_s(1, 0, &r32), WF_ERR_TRAP_DIV_ZERO);
    CHECK_INT(wf__i32_div_s(0x80000000u, 0xFFFFFFFFu, &r32), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(r32, 7); /* untouched on a trap */
    CHECK_INT(wf__i32_div_s((uint32_t)-7, 2, &r32), 0);
    CHECK_INT((int32_t)r32, -3);
    CHECK_INT(wf__i32_rem_s(0x80000000u, 0xFFFFFFFFu, &r32), 0);
    CHECK_INT(r32, 0);
    CHECK_INT(wf__i32_rem_s((uint32_t)-7, 2, &r32), 0);
    CHECK_INT((int32_t)r32, -1);
    CHECK_INT(wf__i32_rem_u(7, 0, &r32), WF_ERR_TRAP_DIV_ZERO);
    CHECK_INT(wf__i32_div_u(0xFFFFFFFFu, 2, &r32), 0);
    CHECK_INT(r32, 0x7FFFFFFFu);
    CHECK_INT(wf__i64_div_s(UINT64_C(0x8000000000000000), UINT64_MAX, &r64),
              WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i64_rem_s(UINT64_C(0x8000000000000000), UINT64_MAX, &r64), 0);
    CHECK(r64 == 0);
    CHECK_INT(wf__i64_div_u(1, 0, &r64), WF_ERR_TRAP_DIV_ZERO);
}

static void test_min_max(void)
{
    CHECK(wf__f32_bits(wf__f32_min(0.0f, -0.0f)) == 0x80000000u);
    CHECK(wf__f32_bits(wf__f32_min(-0.0f, 0.0f)) == 0x80000000u);
    CHECK(wf__f32_bits(wf__f32_max(-0.0f, 0.0f)) == 0);
    CHECK(wf__f64_bits(wf__f64_max(0.0, -0.0)) == 0);
    CHECK(wf__f64_bits(wf__f64_min(0.0, -0.0)) == UINT64_C(0x8000000000000000));
    CHECK(isnan(wf__f32_min(NAN, 1.0f)));
    CHECK(isnan(wf__f64_max(1.0, NAN)));
    CHECK(wf__f32_min(1.0f, 2.0f) == 1.0f);
    CHECK(wf__f64_max(-INFINITY, 2.0) == 2.0);
    /* A signalling NaN operand comes back quiet. */
    float snan = wf__f32_from_bits(0x7FA00000u);
    CHECK((wf__f32_bits(wf__f32_min(snan, 1.0f)) & 0x00400000u) != 0);
}

static void test_rounding(void)
{
    CHECK(wf__f32_nearest(2.5f) == 2.0f);
    CHECK(wf__f32_nearest(3.5f) == 4.0f);
    CHECK(wf__f32_bits(wf__f32_nearest(-0.5f)) == 0x80000000u);
    CHECK(wf__f64_nearest(-1.5) == -2.0);
    CHECK(wf__f64_bits(wf__f64_ceil(-0.5)) == UINT64_C(0x8000000000000000));
    CHECK(wf__f32_floor(-0.5f) == -1.0f);
    CHECK(wf__f64_trunc(-1.9) == -1.0);
    float snan = wf__f32_from_bits(0x7FA00000u);
    CHECK(wf__f32_bits(wf__f32_floor(snan)) == 0x7FE00000u);
    double dsnan = wf__f64_from_bits(UINT64_C(0x7FF4000000000000));
    CHECK(wf__f64_bits(wf__f64_trunc(dsnan)) == UINT64_C(0x7FFC000000000000));
}

static void test_truncation(void)
{
    uint32_t r32 = 0;
    uint64_t r64 = 0;
    CHECK_INT(wf__i32_trunc_f32_s(NAN, &r32), WF_ERR_TRAP_BAD_CONVERSION);
    CHECK_INT(wf__i32_trunc_f32_s(2147483648.0f, &r32), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i32_trunc_f32_s(-2147483648.0f, &r32), 0);
    CHECK_INT(r32, 0x80000000u);
    CHECK_INT(wf__i32_trunc_f32_s(-2147483904.0f, &r32), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i32_trunc_f64_s(-2147483648.9, &r32), 0);
    CHECK_INT((int32_t)r32, INT32_MIN);
    CHECK_INT(wf__i32_trunc_f64_s(-2147483649.0, &r32), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i32_trunc_f64_s(2147483647.9, &r32), 0);
    CHECK_INT(r32, 0x7FFFFFFFu);
    CHECK_INT(wf__i32_trunc_f32_u(-0.9f, &r32), 0);
    CHECK_INT(r32, 0);
    CHECK_INT(wf__i32_trunc_f32_u(-1.0f, &r32), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i32_trunc_f64_u(4294967295.9, &r32), 0);
    CHECK_INT(r32, 0xFFFFFFFFu);
    CHECK_INT(wf__i32_trunc_f64_u(4294967296.0, &r32), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i64_trunc_f64_s(9223372036854775808.0, &r64), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i64_trunc_f64_s(-9223372036854775808.0, &r64), 0);
    CHECK(r64 == UINT64_C(0x8000000000000000));
    CHECK_INT(wf__i64_trunc_f32_u(18446744073709551616.0f, &r64), WF_ERR_TRAP_INT_OVERFLOW);
    CHECK_INT(wf__i64_trunc_f64_u(18446744073709549568.0, &r64), 0);
    CHECK(r64 == UINT64_C(18446744073709549568));
    CHECK_INT(wf__i64_trunc_f64_u(INFINITY, &r64), WF_ERR_TRAP_INT_OVERFLOW);

    CHECK_INT(wf__i32_trunc_f32_s_sat(NAN), 0);
    CHECK_INT(wf__i32_trunc_f32_s_sat(3e9f), 0x7FFFFFFFu);
    CHECK_INT(wf__i32_trunc_f32_s_sat(-3e9f), 0x80000000u);
    CHECK_INT(wf__i32_trunc_f64_u_sat(-5.0), 0);
    CHECK_INT(wf__i32_trunc_f64_u_sat(1e10), 0xFFFFFFFFu);
    CHECK(wf__i64_trunc_f64_s_sat(-INFINITY) == UINT64_C(0x8000000000000000));
    CHECK(wf__i64_trunc_f32_u_sat(INFINITY) == UINT64_MAX);
    CHECK(wf__i64_trunc_f64_s_sat(-1.5) == (uint64_t)-1);
}

int main(void)
{
    test_bits();
    test_division();
    test_min_max();
    test_rounding();
    test_truncation();
    return TEST_DONE();
}
