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

/*
 * A variant's correction of the log sum (docs/semantics.md, "Variants"):
 * kappa, in units of 2^-frac_bits, is added to the fixed-point L before the
 * antilog.  It is `constant`, or, when `table` is set, the entry
 * table[(i << r) | j] where i and j are the leading r = index_bits bits of
 * the two operands' (normalised) fraction fields.  Plain Mitchell is the
 * zero correction; the values of every variant live in mitchell/_spec.py.
 */
typedef struct {
    int64_t constant;
    const int64_t *table;
    unsigned index_bits;
} mitchell_correction;

static const mitchell_correction mitchell_plain = {0, NULL, 0};

MITCHELL_INLINE int64_t mitchell_kappa(const mitchell_correction *k, uint64_t fa, uint64_t fb_, unsigned fb)
{
    if (k->table == NULL)
        return k->constant;
    const unsigned r = k->index_bits, s = fb - r;
    return k->table[((fa >> s) << r) | (fb_ >> s)];
}

/*
 * L = log(a) + log(b) + kappa and L = log(a) - log(b) + kappa of two finite
 * nonzero magnitudes, in fixed point: returns floor(L) and stores the
 * fraction field of frac(L) in *M.  Shared by every format's general path.
 */
MITCHELL_INLINE int64_t mitchell_log_combine(uint64_t ma, uint64_t mb, int negate_b, unsigned eb, unsigned fb,
                                             const mitchell_correction *k, uint64_t *M)
{
    int64_t ea, eb_;
    uint64_t fa = mitchell_decode(ma, eb, fb, &ea);
    uint64_t fb_ = mitchell_decode(mb, eb, fb, &eb_);
    /* the fraction part, |frac| < 2^(fb+2): carried (or borrowed) into E by
     * floor division, written out because >> of a negative is not portable C */
    int64_t frac = negate_b ? (int64_t)fa - (int64_t)fb_ : (int64_t)fa + (int64_t)fb_;
    frac += mitchell_kappa(k, fa, fb_, fb);
    const int64_t unit = (int64_t)1 << fb;
    int64_t carry = frac >= 0 ? frac >> fb : -((-frac + unit - 1) >> fb);
    *M = (uint64_t)(frac - carry * unit);
    return (negate_b ? ea - eb_ : ea + eb_) + carry;
}

/* Everything the one-addition fast path does not cover: specials, subnormal
 * operands, and results outside the normal range. */
static uint64_t mitchell_mul_general(uint64_t a, uint64_t b, unsigned eb, unsigned fb,
                                     const mitchell_correction *k, unsigned *flags)
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

    uint64_t M;
    int64_t E = mitchell_log_combine(ma, mb, 0, eb, fb, k, &M);
    return mitchell_encode(sign, E, M, eb, fb, flags);
}

static uint64_t mitchell_div_general(uint64_t a, uint64_t b, unsigned eb, unsigned fb,
                                     const mitchell_correction *k, unsigned *flags)
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

    uint64_t M;
    int64_t E = mitchell_log_combine(ma, mb, 1, eb, fb, k, &M);
    return mitchell_encode(sign, E, M, eb, fb, flags);
}

/*
 * mul: sign is the XOR; for normal operands the magnitude is
 * |a| + |b| + kappa - one, exact whenever it lands in [min normal, inf).  The
 * sum cannot wrap: both magnitudes are below inf < 2^(width-1) and
 * |kappa| < 2^frac_bits <= |a| + |b|.
 */
MITCHELL_INLINE uint64_t mitchell_mul_corrected(uint64_t a, uint64_t b, unsigned eb, unsigned fb,
                                                const mitchell_correction *k, unsigned *flags)
{
    const uint64_t inf = ieee_inf_bits(eb, fb), minn = ieee_min_normal_bits(fb);
    const uint64_t one = ieee_one_bits(eb, fb), fm = ieee_frac_mask(fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);
    if (ma - minn < inf - minn && mb - minn < inf - minn) {
        uint64_t s = ma + mb + (uint64_t)mitchell_kappa(k, ma & fm, mb & fm, fb);
        if (s - minn >= one && s - one < inf)
            return ((a ^ b) & ieee_sign_mask(eb, fb)) | (s - one);
    }
    return mitchell_mul_general(a, b, eb, fb, k, flags);
}

/* div: for normal operands the magnitude is |a| - |b| + kappa + one. */
MITCHELL_INLINE uint64_t mitchell_div_corrected(uint64_t a, uint64_t b, unsigned eb, unsigned fb,
                                                const mitchell_correction *k, unsigned *flags)
{
    const uint64_t inf = ieee_inf_bits(eb, fb), minn = ieee_min_normal_bits(fb);
    const uint64_t one = ieee_one_bits(eb, fb), fm = ieee_frac_mask(fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);
    if (ma - minn < inf - minn && mb - minn < inf - minn) {
        uint64_t s = ma + one + (uint64_t)mitchell_kappa(k, ma & fm, mb & fm, fb);
        if (s >= mb + minn && s - mb < inf)
            return ((a ^ b) & ieee_sign_mask(eb, fb)) | (s - mb);
    }
    return mitchell_div_general(a, b, eb, fb, k, flags);
}

MITCHELL_INLINE uint64_t mitchell_mul_bits(uint64_t a, uint64_t b, unsigned eb, unsigned fb, unsigned *flags)
{
    return mitchell_mul_corrected(a, b, eb, fb, &mitchell_plain, flags);
}

MITCHELL_INLINE uint64_t mitchell_div_bits(uint64_t a, uint64_t b, unsigned eb, unsigned fb, unsigned *flags)
{
    return mitchell_div_corrected(a, b, eb, fb, &mitchell_plain, flags);
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

/*
 * Finite-only formats (float8_e4m3fn): no infinity, one NaN magnitude (all
 * ones), the exponent field's top binade otherwise normal.  The arithmetic is
 * the generic one; only the special values differ.  Where IEEE would produce
 * an infinity (overflow, finite / 0) the result is the NaN, as ml_dtypes'
 * own conversions to this format do, and the flag IEEE would raise is raised.
 */
MITCHELL_INLINE uint64_t mitchell_fn_encode(uint64_t sign, int64_t E, uint64_t M,
                                            unsigned eb, unsigned fb, unsigned *flags)
{
    if (E > ieee_fn_emax(eb) || (E == ieee_fn_emax(eb) && M == ieee_frac_mask(fb))) {
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return ieee_fn_nan_bits(eb, fb);
    }
    if (E >= ieee_emin(eb))
        return sign | ((uint64_t)(E + ieee_bias(eb)) << fb) | M;
    return mitchell_encode(sign, E, M, eb, fb, flags); /* gradual underflow */
}

MITCHELL_INLINE uint64_t mitchell_mul_fn_corrected(uint64_t a, uint64_t b, unsigned eb, unsigned fb,
                                                   const mitchell_correction *k, unsigned *flags)
{
    const uint64_t nan = ieee_fn_nan_bits(eb, fb);
    uint64_t sign = (a ^ b) & ieee_sign_mask(eb, fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);
    if (ma == nan || mb == nan)
        return nan;
    if (ma == 0 || mb == 0)
        return sign;
    uint64_t M;
    int64_t E = mitchell_log_combine(ma, mb, 0, eb, fb, k, &M);
    return mitchell_fn_encode(sign, E, M, eb, fb, flags);
}

MITCHELL_INLINE uint64_t mitchell_div_fn_corrected(uint64_t a, uint64_t b, unsigned eb, unsigned fb,
                                                   const mitchell_correction *k, unsigned *flags)
{
    const uint64_t nan = ieee_fn_nan_bits(eb, fb);
    uint64_t sign = (a ^ b) & ieee_sign_mask(eb, fb);
    uint64_t ma = a & ieee_abs_mask(eb, fb), mb = b & ieee_abs_mask(eb, fb);
    if (ma == nan || mb == nan)
        return nan;
    if (mb == 0) {
        *flags |= ma == 0 ? MITCHELL_FLAG_INVALID : MITCHELL_FLAG_DIVIDE;
        return nan; /* 0/0, and x/0 whose infinity has no encoding */
    }
    if (ma == 0)
        return sign;
    uint64_t M;
    int64_t E = mitchell_log_combine(ma, mb, 1, eb, fb, k, &M);
    return mitchell_fn_encode(sign, E, M, eb, fb, flags);
}

/*
 * The same product for 64-bit magnitudes, where it may not fit: returns it,
 * or `limit` with the overflow flag when it exceeds `limit` (the largest
 * magnitude of the result type, at least 2^63 - 1).
 */
MITCHELL_INLINE uint64_t mitchell_imul_magnitude_sat(uint64_t a, uint64_t b, uint64_t limit, unsigned *flags)
{
    if (a == 0 || b == 0)
        return 0;
    int k1 = ieee_msb_index(a), k2 = ieee_msb_index(b);
    if (k1 + k2 > 63) { /* the product is at least 2^(k1+k2) >= 2^64 */
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return limit;
    }
    uint64_t x1 = a - ((uint64_t)1 << k1), x2 = b - ((uint64_t)1 << k2);
    uint64_t unit = (uint64_t)1 << (k1 + k2);        /* <= 2^63 */
    uint64_t cross = (x1 << k2) + (x2 << k1);        /* < 2 unit <= 2^64 */
    uint64_t m;
    if (cross < unit) {
        m = unit + cross;                            /* < 2 unit <= 2^64 */
    } else if (cross >> 63) {                        /* 2 cross >= 2^64 */
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return limit;
    } else {
        m = 2 * cross;
    }
    if (m > limit) {
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return limit;
    }
    return m;
}

/* |a| of a signed integer as an unsigned magnitude, exact for the minimum. */
MITCHELL_INLINE uint64_t mitchell_iabs(int64_t a) { return a < 0 ? 0 - (uint64_t)a : (uint64_t)a; }

/*
 * Integer mul, one named kernel per input type: the output type is twice as
 * wide, so the Mitchell product (never above |a b|) always fits.  Signs are
 * sign-magnitude: the product of the magnitudes, negated when they differ.
 * The product is the one mitchell_imul_magnitude defines, computed through
 * the float bit patterns (below), which is exact for these widths and
 * vectorises, where leading-one detection does not.
 */
/*
 * The product for |a|, |b| <= 2^15, through binary32 bit patterns.
 * Converting such an integer to float is exact and *is* the leading-one
 * detection: the exponent field holds k, the fraction field X / 2^k (at most
 * 15 of its 23 bits).  So the bit-pattern addition of mitchell_mul_f32's fast
 * path, |a| + |b| - bits(1.0), is exactly 2^(k1+k2) (1 + x1 + x2) with the
 * carry into the exponent when x1 + x2 >= 1, and the result (< 2^31, at most
 * 16 significant bits) converts back exactly.  No branches, no clz: compilers
 * vectorise it with baseline SSE2 / NEON.  Tested against the definition on
 * all int8 and uint8 pairs and random int16 pairs.
 */
MITCHELL_INLINE int32_t mitchell_imul_small(int32_t a, int32_t b)
{
    const uint32_t abs_mask = (uint32_t)ieee_abs_mask(MITCHELL_EB_f32, MITCHELL_FB_f32);
    const uint32_t one = (uint32_t)ieee_one_bits(MITCHELL_EB_f32, MITCHELL_FB_f32);
    uint32_t ua = ieee_f32_to_bits((float)a), ub = ieee_f32_to_bits((float)b);
    uint32_t ma = ua & abs_mask, mb = ub & abs_mask;
    uint32_t product = ((ua ^ ub) & ~abs_mask) | (ma + mb - one);
    return (ma == 0 || mb == 0) ? 0 : (int32_t)ieee_f32_from_bits(product);
}

/* The same through binary64 for |a|, |b| <= 2^32: exact for the same
 * reasons (at most 32 fraction bits of 52; the result, below 2^64, has at
 * most 33 significant bits).  Returns the magnitude and the sign apart so
 * that uint32 products up to 2^64 - 1 convert back exactly. */
MITCHELL_INLINE uint64_t mitchell_imul_wide(int64_t a, int64_t b)
{
    const uint64_t abs_mask = ieee_abs_mask(MITCHELL_EB_f64, MITCHELL_FB_f64);
    const uint64_t one = ieee_one_bits(MITCHELL_EB_f64, MITCHELL_FB_f64);
    uint64_t ma = ieee_f64_to_bits((double)a) & abs_mask, mb = ieee_f64_to_bits((double)b) & abs_mask;
    return (ma == 0 || mb == 0) ? 0 : (uint64_t)ieee_f64_from_bits(ma + mb - one);
}

#define MITCHELL_DEFINE_SMALL_INT_MUL(NAME, IN, OUT)                                   \
    MITCHELL_INLINE OUT mitchell_mul_##NAME(IN a, IN b)                                \
    { return (OUT)mitchell_imul_small(a, b); }
#define MITCHELL_DEFINE_WIDE_INT_MUL(NAME, IN, OUT)                                    \
    MITCHELL_INLINE OUT mitchell_mul_##NAME(IN a, IN b)                                \
    {                                                                                  \
        uint64_t m = mitchell_imul_wide(a, b);                                         \
        uint64_t negate = 0 - (uint64_t)((a < 0) != (b < 0));                          \
        return (OUT)((m ^ negate) - negate);                                           \
    }
#define MITCHELL_DEFINE_WIDE_UINT_MUL(NAME, IN, OUT)                                   \
    MITCHELL_INLINE OUT mitchell_mul_##NAME(IN a, IN b)                                \
    { return (OUT)mitchell_imul_wide(a, b); }

MITCHELL_DEFINE_SMALL_INT_MUL(i8, int8_t, int16_t)
MITCHELL_DEFINE_SMALL_INT_MUL(u8, uint8_t, uint16_t)
MITCHELL_DEFINE_SMALL_INT_MUL(i16, int16_t, int32_t)
MITCHELL_DEFINE_WIDE_UINT_MUL(u16, uint16_t, uint32_t)
MITCHELL_DEFINE_WIDE_INT_MUL(i32, int32_t, int64_t)
MITCHELL_DEFINE_WIDE_UINT_MUL(u32, uint32_t, uint64_t)

/* 64-bit inputs have no wider output type: the product saturates to the
 * int64 / uint64 range and raises the overflow flag when it does. */
MITCHELL_INLINE int64_t mitchell_mul_i64(int64_t a, int64_t b, unsigned *flags)
{
    int negative = (a < 0) != (b < 0);
    uint64_t limit = negative ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    uint64_t m = mitchell_imul_magnitude_sat(mitchell_iabs(a), mitchell_iabs(b), limit, flags);
    return negative ? (int64_t)(0 - m) : (int64_t)m; /* 0 - 2^63 is INT64_MIN's pattern */
}
MITCHELL_INLINE uint64_t mitchell_mul_u64(uint64_t a, uint64_t b, unsigned *flags)
{
    return mitchell_imul_magnitude_sat(a, b, UINT64_MAX, flags);
}

/*
 * One named kernel per (operation, format), made from the format list:
 * mitchell_mul_f32_corrected(a_bits, b_bits, &correction, &flags) and the
 * plain mitchell_mul_f32(a_bits, b_bits, &flags).  Finite-only formats
 * (float8_e4m3fn) have their own special values.
 */
#define MITCHELL_SELECT_FN_0(IEEE, FN) IEEE
#define MITCHELL_SELECT_FN_1(IEEE, FN) FN
#define MITCHELL_SELECT_FN(FINITE, IEEE, FN) MITCHELL_SELECT_FN_##FINITE(IEEE, FN)
#define MITCHELL_DEFINE_FORMAT(NAME, UINT, EB, FB, FINITE)                                       \
    MITCHELL_INLINE UINT mitchell_mul_##NAME##_corrected(UINT a, UINT b, const mitchell_correction *k, \
                                                         unsigned *flags)                        \
    { return (UINT)MITCHELL_SELECT_FN(FINITE, mitchell_mul_corrected, mitchell_mul_fn_corrected)(a, b, EB, FB, k, flags); } \
    MITCHELL_INLINE UINT mitchell_div_##NAME##_corrected(UINT a, UINT b, const mitchell_correction *k, \
                                                         unsigned *flags)                        \
    { return (UINT)MITCHELL_SELECT_FN(FINITE, mitchell_div_corrected, mitchell_div_fn_corrected)(a, b, EB, FB, k, flags); } \
    MITCHELL_INLINE UINT mitchell_mul_##NAME(UINT a, UINT b, unsigned *flags)                    \
    { return mitchell_mul_##NAME##_corrected(a, b, &mitchell_plain, flags); }                    \
    MITCHELL_INLINE UINT mitchell_div_##NAME(UINT a, UINT b, unsigned *flags)                    \
    { return mitchell_div_##NAME##_corrected(a, b, &mitchell_plain, flags); }

MITCHELL_FLOAT_FORMATS(MITCHELL_DEFINE_FORMAT)



/*
 * Integer products of the variants (docs/semantics.md, "Variants on
 * integers"): the float64 variant product of the exact operands (up to 32
 * bits, so the conversion is exact and the product a normal float64),
 * rounded to the nearest integer, ties to even, and saturated at `limit`
 * with the overflow flag.  For plain Mitchell this is the integer algorithm
 * above, whose products are integers.
 */
MITCHELL_INLINE uint64_t mitchell_round_f64_magnitude(uint64_t bits, uint64_t limit, unsigned *flags)
{
    const unsigned fb = MITCHELL_FB_f64;
    if (bits == 0)
        return 0;
    int64_t e = (int64_t)(bits >> fb) - ieee_bias(MITCHELL_EB_f64);
    uint64_t sig = ieee_implicit_one(fb) | (bits & ieee_frac_mask(fb));
    uint64_t q;
    if (e >= 64) { /* beyond every limit, UINT64_MAX included */
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return limit;
    } else if (e >= (int64_t)fb) {
        q = sig << (e - (int64_t)fb);
    } else if ((int64_t)fb - e >= 64) {
        q = 0; /* below 2^-11: rounds to 0 */
    } else {
        unsigned shift = (unsigned)((int64_t)fb - e);
        uint64_t rem = sig & (((uint64_t)1 << shift) - 1), half = (uint64_t)1 << (shift - 1);
        q = sig >> shift;
        if (rem > half || (rem == half && (q & 1)))
            q += 1;
    }
    if (q > limit) {
        *flags |= MITCHELL_FLAG_OVERFLOW;
        return limit;
    }
    return q;
}

MITCHELL_INLINE uint64_t mitchell_imul_corrected(uint64_t a, uint64_t b, const mitchell_correction *k,
                                                 uint64_t limit, unsigned *flags)
{
    if (a == 0 || b == 0)
        return 0;
    unsigned none = 0; /* nonzero integers below 2^33: a normal product, no flag */
    uint64_t r = mitchell_mul_f64_corrected(ieee_f64_to_bits((double)a), ieee_f64_to_bits((double)b), k, &none);
    return mitchell_round_f64_magnitude(r, limit, flags);
}

/*
 * Babic, Avramovic and Bulic's iterative logarithmic multiplier (2011): the
 * basic block 2^(k1+k2) + x1 2^k2 + x2 2^k1 (Mitchell's product without the
 * carry case) misses exactly x1 x2, the product of the two residues, and
 * each correction term is the basic block of those residues.  Never above
 * a b, exact as soon as a residue is 0; below 2^64 for 32-bit operands.
 */
MITCHELL_INLINE uint64_t mitchell_ilm_magnitude(uint64_t a, uint64_t b, unsigned terms)
{
    uint64_t sum = 0;
    for (unsigned i = 0; i <= terms && a != 0 && b != 0; i++) {
        int k1 = ieee_msb_index(a), k2 = ieee_msb_index(b);
        uint64_t x1 = a - ((uint64_t)1 << k1), x2 = b - ((uint64_t)1 << k2);
        sum += ((uint64_t)1 << (k1 + k2)) + (x1 << k2) + (x2 << k1);
        a = x1;
        b = x2;
    }
    return sum;
}

/*
 * Sign-magnitude wrappers per widening integer type, made from the type
 * list: mitchell_mul_i8_corrected(a, b, &correction, &flags) and
 * mitchell_ilm_i8(a, b, terms).
 */
#define MITCHELL_DEFINE_INT_VARIANTS(NAME, IN, OUT, SIGNED)                                      \
    MITCHELL_INLINE OUT mitchell_mul_##NAME##_corrected(IN a, IN b, const mitchell_correction *k, \
                                                        unsigned *flags)                         \
    {                                                                                            \
        const unsigned bits = 8 * sizeof(OUT);                                                   \
        int negative = SIGNED && ((int64_t)a < 0) != ((int64_t)b < 0);                            \
        uint64_t limit = SIGNED ? ((uint64_t)1 << (bits - 1)) - !negative                        \
                                : (bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1);         \
        uint64_t m = mitchell_imul_corrected(mitchell_iabs((int64_t)a), mitchell_iabs((int64_t)b), \
                                             k, limit, flags);                                   \
        return negative ? (OUT)(0 - m) : (OUT)m;                                                 \
    }                                                                                            \
    MITCHELL_INLINE OUT mitchell_ilm_##NAME(IN a, IN b, unsigned terms)                          \
    {                                                                                            \
        int negative = SIGNED && ((int64_t)a < 0) != ((int64_t)b < 0);                            \
        uint64_t m = mitchell_ilm_magnitude(mitchell_iabs((int64_t)a), mitchell_iabs((int64_t)b), terms); \
        return negative ? (OUT)(0 - m) : (OUT)m;                                                 \
    }

MITCHELL_WIDENING_INTEGERS(MITCHELL_DEFINE_INT_VARIANTS)

/* Integer div returns float64: operands of up to 32 bits convert to double
 * exactly, so this is the float64 semantics (of the variant) of the exact
 * operands. */
#define MITCHELL_DEFINE_INT_DIV_VARIANT(NAME, IN, OUT, SIGNED)                                   \
    MITCHELL_INLINE double mitchell_div_##NAME##_corrected(IN a, IN b, const mitchell_correction *k, \
                                                           unsigned *flags)                      \
    {                                                                                            \
        return ieee_f64_from_bits(mitchell_div_f64_corrected(ieee_f64_to_bits((double)a),         \
                                                             ieee_f64_to_bits((double)b), k, flags)); \
    }                                                                                            \
    MITCHELL_INLINE double mitchell_div_##NAME(IN a, IN b, unsigned *flags)                      \
    { return mitchell_div_##NAME##_corrected(a, b, &mitchell_plain, flags); }
MITCHELL_WIDENING_INTEGERS(MITCHELL_DEFINE_INT_DIV_VARIANT)

#endif
