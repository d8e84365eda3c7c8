/*
** Bit-exact numeric helpers for the interpreter: reinterpretation, bit
** counts, rotations, IEEE min/max with the spec's zero and NaN rules,
** trapping division and truncation with exact range checks, and saturating
** truncation. Everything here is free of C undefined behaviour (no signed
** overflow, no oversized shift, no float-to-int conversion out of range), so
** it runs clean under UBSan.
**
** The trapping helpers return 0 or a trap code (wf_err_t) and write their
** result through the pointer only on success.
*/
#ifndef WF_NUMERIC_H
#define WF_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "wf/error.h"

/* ---------------------------------------------------------- bit views ---- */

static inline float wf__f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint32_t wf__f32_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return bits;
}

static inline double wf__f64_from_bits(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static inline uint64_t wf__f64_bits(double d)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

/* ------------------------------------------------------------ integers ---- */

static inline uint32_t wf__clz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_clz(x) : 32u;
}
static inline uint32_t wf__ctz32(uint32_t x)
{
    return x ? (uint32_t)__builtin_ctz(x) : 32u;
}
static inline uint32_t wf__popcnt32(uint32_t x)
{
    return (uint32_t)__builtin_popcount(x);
}
static inline uint64_t wf__clz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_clzll(x) : 64u;
}
static inline uint64_t wf__ctz64(uint64_t x)
{
    return x ? (uint64_t)__builtin_ctzll(x) : 64u;
}
static inline uint64_t wf__popcnt64(uint64_t x)
{
    return (uint64_t)__builtin_popcountll(x);
}

static inline uint32_t wf__rotl32(uint32_t x, uint32_t n)
{
    return (x << (n & 31u)) | (x >> ((32u - n) & 31u));
}

static inline uint32_t wf__rotr32(uint32_t x, uint32_t n)
{
    return (x >> (n & 31u)) | (x << ((32u - n) & 31u));
}

static inline uint64_t wf__rotl64(uint64_t x, uint64_t n)
{
    return (x << (n & 63u)) | (x >> ((64u - n) & 63u));
}

static inline uint64_t wf__rotr64(uint64_t x, uint64_t n)
{
    return (x >> (n & 63u)) | (x << ((64u - n) & 63u));
}

/* Arithmetic right shift without relying on implementation-defined >>. */
static inline uint32_t wf__shr_s32(uint32_t x, uint32_t n)
{
    n &= 31u;
    uint32_t r = x >> n;
    if ((x & 0x80000000u) && n)
        r |= ~(0xFFFFFFFFu >> n);
    return r;
}

static inline uint64_t wf__shr_s64(uint64_t x, uint64_t n)
{
    n &= 63u;
    uint64_t r = x >> n;
    if ((x & 0x8000000000000000u) && n)
        r |= ~(UINT64_C(0xFFFFFFFFFFFFFFFF) >> n);
    return r;
}

static inline int wf__i32_div_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    if (a == 0x80000000u && b == 0xFFFFFFFFu)
        return WF_ERR_TRAP_INT_OVERFLOW;
    *out = (uint32_t)((int32_t)a / (int32_t)b);
    return 0;
}

static inline int wf__i32_div_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    *out = a / b;
    return 0;
}

static inline int wf__i32_rem_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    /* INT_MIN % -1 is 0 in wasm but undefined in C. */
    *out = b == 0xFFFFFFFFu ? 0u : (uint32_t)((int32_t)a % (int32_t)b);
    return 0;
}

static inline int wf__i32_rem_u(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    *out = a % b;
    return 0;
}

static inline int wf__i64_div_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    if (a == UINT64_C(0x8000000000000000) && b == UINT64_MAX)
        return WF_ERR_TRAP_INT_OVERFLOW;
    *out = (uint64_t)((int64_t)a / (int64_t)b);
    return 0;
}

static inline int wf__i64_div_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    *out = a / b;
    return 0;
}

static inline int wf__i64_rem_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    *out = b == UINT64_MAX ? 0u : (uint64_t)((int64_t)a % (int64_t)b);
    return 0;
}

static inline int wf__i64_rem_u(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return WF_ERR_TRAP_DIV_ZERO;
    *out = a % b;
    return 0;
}

/* -------------------------------------------------------------- floats ---- */

/*
** min/max: a NaN operand gives a NaN (a + b propagates a quieted payload, an
** arithmetic NaN as the spec allows); equal operands may be zeros of opposite
** signs, where min prefers -0 (OR of the bits) and max +0 (AND).
*/
static inline float wf__f32_min(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return wf__f32_from_bits(wf__f32_bits(a) | wf__f32_bits(b));
    return a < b ? a : b;
}

static inline float wf__f32_max(float a, float b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return wf__f32_from_bits(wf__f32_bits(a) & wf__f32_bits(b));
    return a > b ? a : b;
}

static inline double wf__f64_min(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return wf__f64_from_bits(wf__f64_bits(a) | wf__f64_bits(b));
    return a < b ? a : b;
}

static inline double wf__f64_max(double a, double b)
{
    if (isnan(a) || isnan(b))
        return a + b;
    if (a == b)
        return wf__f64_from_bits(wf__f64_bits(a) & wf__f64_bits(b));
    return a > b ? a : b;
}

/*
** Rounding. nearbyint rounds half to even in the default rounding mode,
** keeping -0. libm may hand a signalling NaN back unchanged, but the result
** must be an arithmetic (quiet) NaN: a + a quiets it.
*/
static inline float wf__f32_nearest(float a)
{
    return isnan(a) ? a + a : nearbyintf(a);
}
static inline double wf__f64_nearest(double a)
{
    return isnan(a) ? a + a : nearbyint(a);
}
static inline float wf__f32_ceil(float a)
{
    return isnan(a) ? a + a : ceilf(a);
}
static inline double wf__f64_ceil(double a)
{
    return isnan(a) ? a + a : ceil(a);
}
static inline float wf__f32_floor(float a)
{
    return isnan(a) ? a + a : floorf(a);
}
static inline double wf__f64_floor(double a)
{
    return isnan(a) ? a + a : floor(a);
}
static inline float wf__f32_trunc(float a)
{
    return isnan(a) ? a + a : truncf(a);
}
static inline double wf__f64_trunc(double a)
{
    return isnan(a) ? a + a : trunc(a);
}

/* ------------------------------------------- float-to-int truncations ---- */

/*
** The range checks compare against exactly representable bounds: for a signed
** target the lower bound -2^(N-1) is inclusive and 2^(N-1) exclusive; for an
** unsigned one the value must be > -1 and < 2^N (truncation toward zero of
** anything in (-1, 0) is 0).
*/
#define WF__TRUNC_OK_I32S_F32(x) ((x) >= -2147483648.0f && (x) < 2147483648.0f)
#define WF__TRUNC_OK_I32U_F32(x) ((x) > -1.0f && (x) < 4294967296.0f)
#define WF__TRUNC_OK_I64S_F32(x) ((x) >= -9223372036854775808.0f && (x) < 9223372036854775808.0f)
#define WF__TRUNC_OK_I64U_F32(x) ((x) > -1.0f && (x) < 18446744073709551616.0f)
#define WF__TRUNC_OK_I32S_F64(x) ((x) > -2147483649.0 && (x) < 2147483648.0)
#define WF__TRUNC_OK_I32U_F64(x) ((x) > -1.0 && (x) < 4294967296.0)
#define WF__TRUNC_OK_I64S_F64(x) ((x) >= -9223372036854775808.0 && (x) < 9223372036854775808.0)
#define WF__TRUNC_OK_I64U_F64(x) ((x) > -1.0 && (x) < 18446744073709551616.0)

#define WF__TRUNC_FNS(NAME, FT, RT, OK, SIGNED_T, MINV, MAXV)                                      \
    static inline int wf__##NAME(FT x, RT *out)                                                    \
    {                                                                                              \
        if (isnan(x))                                                                              \
            return WF_ERR_TRAP_BAD_CONVERSION;                                                     \
        if (!OK(x))                                                                                \
            return WF_ERR_TRAP_INT_OVERFLOW;                                                       \
        *out = (RT)(SIGNED_T)x;                                                                    \
        return 0;                                                                                  \
    }                                                                                              \
    static inline RT wf__##NAME##_sat(FT x)                                                        \
    {                                                                                              \
        if (isnan(x))                                                                              \
            return 0;                                                                              \
        if (!OK(x))                                                                                \
            return x < 0 ? (RT)(MINV) : (RT)(MAXV);                                                \
        return (RT)(SIGNED_T)x;                                                                    \
    }

/* clang-format off */
WF__TRUNC_FNS(i32_trunc_f32_s, float, uint32_t, WF__TRUNC_OK_I32S_F32, int32_t,
              0x80000000u, 0x7FFFFFFFu)
WF__TRUNC_FNS(i32_trunc_f32_u, float, uint32_t, WF__TRUNC_OK_I32U_F32, uint32_t,
              0u, 0xFFFFFFFFu)
WF__TRUNC_FNS(i32_trunc_f64_s, double, uint32_t, WF__TRUNC_OK_I32S_F64, int32_t,
              0x80000000u, 0x7FFFFFFFu)
WF__TRUNC_FNS(i32_trunc_f64_u, double, uint32_t, WF__TRUNC_OK_I32U_F64, uint32_t,
              0u, 0xFFFFFFFFu)
WF__TRUNC_FNS(i64_trunc_f32_s, float, uint64_t, WF__TRUNC_OK_I64S_F32, int64_t,
              UINT64_C(0x8000000000000000), UINT64_C(0x7FFFFFFFFFFFFFFF))
WF__TRUNC_FNS(i64_trunc_f32_u, float, uint64_t, WF__TRUNC_OK_I64U_F32, uint64_t,
              0u, UINT64_MAX)
WF__TRUNC_FNS(i64_trunc_f64_s, double, uint64_t, WF__TRUNC_OK_I64S_F64, int64_t,
              UINT64_C(0x8000000000000000), UINT64_C(0x7FFFFFFFFFFFFFFF))
WF__TRUNC_FNS(i64_trunc_f64_u, double, uint64_t, WF__TRUNC_OK_I64U_F64, uint64_t,
              0u, UINT64_MAX)
/* clang-format on */

#endif
