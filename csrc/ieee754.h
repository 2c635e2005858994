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

/*
 * The bit pattern, in a format (eb, fb) that is not wider, of a value given
 * by its bit pattern in a wider format (EB, FB) where the value is exactly
 * representable in the narrow one (as float16 and bfloat16 values converted
 * to float32 are); and back.  Normal, subnormal, zero, inf and NaN alike.
 */
MITCHELL_INLINE uint64_t ieee_narrow_exact(uint64_t x, unsigned EB, unsigned FB, unsigned eb, unsigned fb)
{
    uint64_t sign = (x >> (EB + FB)) & 1, mag = x & ieee_abs_mask(EB, FB);
    uint64_t out_sign = sign << (eb + fb);
    if (mag >= ieee_inf_bits(EB, FB)) /* inf keeps its fraction 0; NaN keeps a quiet bit */
        return out_sign | ieee_inf_bits(eb, fb) | (mag > ieee_inf_bits(EB, FB) ? (uint64_t)1 << (fb - 1) : 0);
    if (mag == 0)
        return out_sign;
    int64_t e = (int64_t)(mag >> FB) - ieee_bias(EB);
    uint64_t frac = mag & ieee_frac_mask(FB);
    if (mag < ieee_min_normal_bits(FB)) { /* a subnormal of the wide format: normalise */
        int lead = ieee_msb_index(frac);
        e = ieee_emin(EB) - ((int64_t)FB - lead);
        frac = (frac << (FB - lead)) & ieee_frac_mask(FB);
    }
    if (e >= ieee_emin(eb))
        return out_sign | ((uint64_t)(e + ieee_bias(eb)) << fb) | (frac >> (FB - fb));
    /* a subnormal of the narrow format: (1 + f) 2^e on the grid 2^(emin - fb) */
    return out_sign | ((ieee_implicit_one(FB) | frac) >> (FB - fb + (unsigned)(ieee_emin(eb) - e)));
}

MITCHELL_INLINE uint64_t ieee_widen_exact(uint64_t x, unsigned eb, unsigned fb, unsigned EB, unsigned FB)
{
    uint64_t sign = (x >> (eb + fb)) & 1, mag = x & ieee_abs_mask(eb, fb);
    uint64_t out_sign = sign << (EB + FB);
    if (mag >= ieee_inf_bits(eb, fb))
        return out_sign | ieee_inf_bits(EB, FB) | ((mag & ieee_frac_mask(fb)) << (FB - fb));
    if (mag == 0)
        return out_sign;
    int64_t e = (int64_t)(mag >> fb) - ieee_bias(eb);
    uint64_t frac = mag & ieee_frac_mask(fb);
    if (mag < ieee_min_normal_bits(fb)) { /* subnormal: normalise */
        int lead = ieee_msb_index(frac);
        e = ieee_emin(eb) - ((int64_t)fb - lead);
        frac = (frac << (fb - lead)) & ieee_frac_mask(fb);
    }
    if (e < ieee_emin(EB)) /* a subnormal of the wide format (exact: fewer fraction bits) */
        return out_sign | ((ieee_implicit_one(FB) | (frac << (FB - fb))) >> (ieee_emin(EB) - e));
    return out_sign | ((uint64_t)(e + ieee_bias(EB)) << FB) | (frac << (FB - fb));
}

/* Bit casts go through memcpy: defined behaviour, compiled to a register move. */
MITCHELL_INLINE uint32_t ieee_f32_to_bits(float x) { uint32_t u; memcpy(&u, &x, sizeof u); return u; }
MITCHELL_INLINE float ieee_f32_from_bits(uint32_t u) { float x; memcpy(&x, &u, sizeof x); return x; }
MITCHELL_INLINE uint64_t ieee_f64_to_bits(double x) { uint64_t u; memcpy(&u, &x, sizeof u); return u; }
MITCHELL_INLINE double ieee_f64_from_bits(uint64_t u) { double x; memcpy(&x, &u, sizeof x); return x; }

#endif
