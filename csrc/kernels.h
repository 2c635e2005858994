/*
 * Mitchell's approximate multiply and divide on IEEE-754 bit patterns.
 *
 * This header is the single source of truth for the arithmetic: one generic
 * definition per operation, parametrised by the format's field widths, and one
 * named instance per (operation, format) below.  Every loop, SIMD path and
 * backend is tested bit for bit against these functions.  The contract they
 * implement is docs/semantics.md.
 *
 * A finite nonzero x = (-1)^s 2^e (1+f) has the Mitchell logarithm e + f.  In
 * fixed point with frac_bits fractional bits that logarithm is the bit pattern
 * of |x| minus the bias shifted into the exponent field, so for normal inputs
 * and a normal result the whole multiplication is one integer addition.
 *
 * Kernels never touch the floating-point unit: they report the IEEE
 * exceptions they would raise through *flags and the loops raise them once.
 */
#ifndef MITCHELL_KERNELS_H
#define MITCHELL_KERNELS_H

#include "ieee754.h"

#define MITCHELL_FLAG_INVALID 1u
#define MITCHELL_FLAG_DIVIDE 2u
#define MITCHELL_FLAG_OVERFLOW 4u
#define MITCHELL_FLAG_UNDERFLOW 8u

/*
 * Exact normalisation of a finite nonzero magnitude: returns the fraction
 * field of (1+f) and stores the unbiased exponent e.  Subnormals get an
 * exponent below emin; nothing is flushed.
 */
MITCHELL_INLINE uint64_t mitchell_decode(uint64_t mag, unsigned eb, unsigned fb, int64_t *e)
{
    uint64_t field = mag >> fb;
    uint64_t frac = mag & ieee_frac_mask(fb);
    if (field != 0) {
        *e = (int64_t)field - ieee_bias(eb);
        return frac;
    }
    int lead = ieee_msb_index(frac);
    *e = ieee_emin(eb) - ((int64_t)fb - lead);
    return (frac << (fb - lead)) & ieee_frac_mask(fb);
}

/*
 * The antilog 2^E (1 + M / 2^fb) with the overflow and gradual-underflow
 * rules: above the largest finite value is infinity; below the normal range
 * the value is rounded to nearest, ties to even, on the subnormal grid.
 */
MITCHELL_INLINE uint64_t mitchell_encode(uint64_t sign, int64_t E, uint64_t M,
                                         unsigned eb, unsigned fb, unsigned *flags)
{
    if (E > ieee_emax(eb)) {
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return sign | ieee_inf_bits(eb, fb);
    }
    if (E >= ieee_emin(eb))
        return sign | ((uint64_t)(E + ieee_bias(eb)) << fb) | M;

    /* value / (smallest subnormal) = sig >> shift, rounded */
    uint64_t sig = ieee_implicit_one(fb) | M;
    int64_t shift = ieee_emin(eb) - E;
    uint64_t q;
    int inexact;
    if (shift > (int64_t)fb + 1) {
        q = 0; /* value < half the smallest subnormal */
        inexact = 1;
    } else {
        uint64_t rem = sig & (((uint64_t)1 << shift) - 1);
        uint64_t half = (uint64_t)1 << (shift - 1);
        q = sig >> shift;
        if (rem > half || (rem == half && (q & 1)))
            q += 1; /* may carry into the smallest normal, whose encoding is q */
        inexact = rem != 0;
    }
    if (inexact)
        *flags |= MITCHELL_FLAG_UNDERFLOW;
    return sign | q;
}

/* Everything the one-addition fast path does not cover: specials, subnormal
 * operands, and results outside the normal range. */
static uint64_t mitchell_mul_general(uint64_t a, uint64_t b, unsigned eb, unsigned fb, unsigned *flags)
{
    const uint64_t inf = ieee_inf_bits(eb, fb);
    uint64_t sign = (a ^ b) & ieee_sign_mask(eb, fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);

    if (ma > inf || mb > inf)
        return ieee_qnan_bits(eb, fb);
    if (ma == inf || mb == inf) {
        if (ma == 0 || mb == 0) {
            *flags |= MITCHELL_FLAG_INVALID;
            return ieee_qnan_bits(eb, fb);
        }
        return sign | inf;
    }
    if (ma == 0 || mb == 0)
        return sign;

    int64_t ea, eb_;
    uint64_t fa = mitchell_decode(ma, eb, fb, &ea);
    uint64_t fb_ = mitchell_decode(mb, eb, fb, &eb_);
    int64_t E = ea + eb_;
    uint64_t M = fa + fb_;
    if (M >= ieee_implicit_one(fb)) { /* frac(L) wrapped: carry into floor(L) */
        E += 1;
        M -= ieee_implicit_one(fb);
    }
    return mitchell_encode(sign, E, M, eb, fb, flags);
}

static uint64_t mitchell_div_general(uint64_t a, uint64_t b, unsigned eb, unsigned fb, unsigned *flags)
{
    const uint64_t inf = ieee_inf_bits(eb, fb);
    uint64_t sign = (a ^ b) & ieee_sign_mask(eb, fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);

    if (ma > inf || mb > inf)
        return ieee_qnan_bits(eb, fb);
    if (ma == inf) {
        if (mb == inf) {
            *flags |= MITCHELL_FLAG_INVALID;
            return ieee_qnan_bits(eb, fb);
        }
        return sign | inf; /* inf / finite, inf / 0: exact, no flag */
    }
    if (mb == inf)
        return sign;
    if (mb == 0) {
        if (ma == 0) {
            *flags |= MITCHELL_FLAG_INVALID;
            return ieee_qnan_bits(eb, fb);
        }
        *flags |= MITCHELL_FLAG_DIVIDE;
        return sign | inf;
    }
    if (ma == 0)
        return sign;

    int64_t ea, eb_;
    uint64_t fa = mitchell_decode(ma, eb, fb, &ea);
    uint64_t fb_ = mitchell_decode(mb, eb, fb, &eb_);
    int64_t E = ea - eb_;
    uint64_t M;
    if (fa >= fb_) {
        M = fa - fb_;
    } else { /* frac(L) negative: borrow from floor(L) */
        E -= 1;
        M = fa + ieee_implicit_one(fb) - fb_;
    }
    return mitchell_encode(sign, E, M, eb, fb, flags);
}

/*
 * mul: sign is the XOR; for normal operands the magnitude is |a| + |b| - one,
 * exact whenever it lands in [min normal, inf).  The sum cannot wrap: both
 * magnitudes are below inf < 2^(width-1).
 */
MITCHELL_INLINE uint64_t mitchell_mul_bits(uint64_t a, uint64_t b, unsigned eb, unsigned fb, unsigned *flags)
{
    const uint64_t inf = ieee_inf_bits(eb, fb), minn = ieee_min_normal_bits(fb);
    const uint64_t one = ieee_one_bits(eb, fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);
    if (ma - minn < inf - minn && mb - minn < inf - minn) {
        uint64_t s = ma + mb;
        if (s - minn >= one && s - one < inf)
            return ((a ^ b) & ieee_sign_mask(eb, fb)) | (s - one);
    }
    return mitchell_mul_general(a, b, eb, fb, flags);
}

/* div: for normal operands the magnitude is |a| - |b| + one. */
MITCHELL_INLINE uint64_t mitchell_div_bits(uint64_t a, uint64_t b, unsigned eb, unsigned fb, unsigned *flags)
{
    const uint64_t inf = ieee_inf_bits(eb, fb), minn = ieee_min_normal_bits(fb);
    const uint64_t one = ieee_one_bits(eb, fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);
    if (ma - minn < inf - minn && mb - minn < inf - minn) {
        uint64_t s = ma + one;
        if (s >= mb + minn && s - mb < inf)
            return ((a ^ b) & ieee_sign_mask(eb, fb)) | (s - mb);
    }
    return mitchell_div_general(a, b, eb, fb, flags);
}

/*
 * Mitchell's original integer algorithm on magnitudes below 2^32: with
 * a = 2^k1 + x1 and b = 2^k2 + x2 (leading-one detection), the Mitchell
 * product 2^(k1+k2) (1 + x1/2^k1 + x2/2^k2) is the integer
 * 2^(k1+k2) + x1 2^k2 + x2 2^k1, or 2 (x1 2^k2 + x2 2^k1) when the two
 * fractions add up to 1 or more.  Exact, never above a*b, zero for zero.
 */
MITCHELL_INLINE uint64_t mitchell_imul_magnitude(uint64_t a, uint64_t b)
{
    if (a == 0 || b == 0)
        return 0;
    int k1 = ieee_msb_index(a), k2 = ieee_msb_index(b);
    uint64_t x1 = a - ((uint64_t)1 << k1), x2 = b - ((uint64_t)1 << k2);
    uint64_t unit = (uint64_t)1 << (k1 + k2);
    uint64_t cross = (x1 << k2) + (x2 << k1); /* unit * (f1 + f2) */
    return cross < unit ? unit + cross : 2 * cross;
}

/* One named kernel per (operation, format): mitchell_mul_f32(a_bits, b_bits, &flags). */
#define MITCHELL_DEFINE_FORMAT(NAME, UINT, EB, FB)                                     \
    MITCHELL_INLINE UINT mitchell_mul_##NAME(UINT a, UINT b, unsigned *flags)          \
    { return (UINT)mitchell_mul_bits(a, b, EB, FB, flags); }                           \
    MITCHELL_INLINE UINT mitchell_div_##NAME(UINT a, UINT b, unsigned *flags)          \
    { return (UINT)mitchell_div_bits(a, b, EB, FB, flags); }

MITCHELL_DEFINE_FORMAT(f16, uint16_t, MITCHELL_F16_EXP_BITS, MITCHELL_F16_FRAC_BITS)
MITCHELL_DEFINE_FORMAT(bf16, uint16_t, MITCHELL_BF16_EXP_BITS, MITCHELL_BF16_FRAC_BITS)
MITCHELL_DEFINE_FORMAT(f32, uint32_t, MITCHELL_F32_EXP_BITS, MITCHELL_F32_FRAC_BITS)
MITCHELL_DEFINE_FORMAT(f64, uint64_t, MITCHELL_F64_EXP_BITS, MITCHELL_F64_FRAC_BITS)

#endif
