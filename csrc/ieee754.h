/*
 * IEEE-754 binary interchange formats, described by their field widths.
 *
 * Every mask, bias and special bit pattern used by mitchell is derived here
 * from (exp_bits, frac_bits); no other file spells a format constant in hex.
 * The helpers are constant-folded when called with literal widths.
 */
#ifndef MITCHELL_IEEE754_H
#define MITCHELL_IEEE754_H

#include <stdint.h>
#include <string.h>

/* (exponent field width, fraction field width) of each supported format */
#define MITCHELL_F16_EXP_BITS 5
#define MITCHELL_F16_FRAC_BITS 10
#define MITCHELL_BF16_EXP_BITS 8
#define MITCHELL_BF16_FRAC_BITS 7
#define MITCHELL_F32_EXP_BITS 8
#define MITCHELL_F32_FRAC_BITS 23
#define MITCHELL_F64_EXP_BITS 11
#define MITCHELL_F64_FRAC_BITS 52
/* The two 8-bit floats of ml_dtypes (OCP FP8).  E5M2 is IEEE-like; E4M3FN
 * ("finite, NaN") has no infinity: exponent field all ones is an ordinary
 * binade except for the all-ones fraction, its only NaN, so its largest
 * finite value is 2^8 * 1.75 = 448. */
#define MITCHELL_F8E5M2_EXP_BITS 5
#define MITCHELL_F8E5M2_FRAC_BITS 2
#define MITCHELL_F8E4M3FN_EXP_BITS 4
#define MITCHELL_F8E4M3FN_FRAC_BITS 3

#if defined(__GNUC__) || defined(__clang__)
#define MITCHELL_INLINE static inline __attribute__((always_inline))
#else
#define MITCHELL_INLINE static __forceinline
#endif

MITCHELL_INLINE uint64_t ieee_sign_mask(unsigned eb, unsigned fb) { return (uint64_t)1 << (eb + fb); }
MITCHELL_INLINE uint64_t ieee_abs_mask(unsigned eb, unsigned fb) { return ieee_sign_mask(eb, fb) - 1; }
MITCHELL_INLINE uint64_t ieee_frac_mask(unsigned fb) { return ((uint64_t)1 << fb) - 1; }
MITCHELL_INLINE uint64_t ieee_implicit_one(unsigned fb) { return (uint64_t)1 << fb; }
/* The all-ones exponent field: +inf, and the lower limit of NaN magnitudes. */
MITCHELL_INLINE uint64_t ieee_inf_bits(unsigned eb, unsigned fb) { return (((uint64_t)1 << eb) - 1) << fb; }
/* Canonical quiet NaN: positive, top fraction bit set, no payload. */
MITCHELL_INLINE uint64_t ieee_qnan_bits(unsigned eb, unsigned fb) { return ieee_inf_bits(eb, fb) | ((uint64_t)1 << (fb - 1)); }
MITCHELL_INLINE int64_t ieee_bias(unsigned eb) { return ((int64_t)1 << (eb - 1)) - 1; }
MITCHELL_INLINE int64_t ieee_emin(unsigned eb) { return 1 - ieee_bias(eb); }
MITCHELL_INLINE int64_t ieee_emax(unsigned eb) { return ieee_bias(eb); }
/* Bit pattern of 1.0, i.e. the bias shifted into the exponent field. */
MITCHELL_INLINE uint64_t ieee_one_bits(unsigned eb, unsigned fb) { return (uint64_t)ieee_bias(eb) << fb; }
/* Bit pattern of the smallest positive normal number. */
MITCHELL_INLINE uint64_t ieee_min_normal_bits(unsigned fb) { return ieee_implicit_one(fb); }

/* Finite-only formats (E4M3FN): the exponent field all ones is a normal
 * binade, so emax is one above the IEEE value; the all-ones magnitude is the
 * single (quiet) NaN, and the largest finite magnitude is just below it. */
MITCHELL_INLINE int64_t ieee_fn_emax(unsigned eb) { return ieee_bias(eb) + 1; }
MITCHELL_INLINE uint64_t ieee_fn_nan_bits(unsigned eb, unsigned fb) { return ieee_abs_mask(eb, fb); }

/* Index of the most significant set bit of a nonzero word. */
MITCHELL_INLINE int ieee_msb_index(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    return 63 - __builtin_clzll(x);
#else
    int i = 0;
    while (x >>= 1) ++i;
    return i;
#endif
}

/* Bit casts go through memcpy: defined behaviour, compiled to a register move. */
MITCHELL_INLINE uint32_t ieee_f32_to_bits(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
MITCHELL_INLINE float ieee_f32_from_bits(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
MITCHELL_INLINE uint64_t ieee_f64_to_bits(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
MITCHELL_INLINE double ieee_f64_from_bits(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

#endif
