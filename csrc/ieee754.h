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

/* The float formats, one X-macro list generated from mitchell/_spec.py:
 * X(short name, bits type, exp_bits, frac_bits, finite_only).  The field
 * widths of format NAME are MITCHELL_EB_NAME and MITCHELL_FB_NAME. */
#include "mitchell_formats.h"

#define MITCHELL_FORMAT_WIDTHS(NAME, UINT, EB, FB, FN) MITCHELL_EB_##NAME = EB, MITCHELL_FB_##NAME = FB,
enum { MITCHELL_FLOAT_FORMATS(MITCHELL_FORMAT_WIDTHS) };
#undef MITCHELL_FORMAT_WIDTHS

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
