/*
 * NumPy inner loops (PyUFuncGenericFunction signature, with npy_intp spelled
 * intptr_t so that this code needs no NumPy header).
 *
 * `data` is the variant: a `const mitchell_correction *` (kernels.h) for the
 * float loops, the integer loops' `_corrected` forms and the integer div
 * loops (NULL: plain Mitchell), or a `const unsigned *` count of correction
 * terms for the iterative multiplier.  mitchell/_ufuncs.pyx registers one
 * ufunc per variant of mitchell/_spec.py with these loops.
 */
#ifndef MITCHELL_LOOPS_H
#define MITCHELL_LOOPS_H

#include "ieee754.h"

#include <stdint.h>

#define MITCHELL_LOOP_SIGNATURE                                                        \
    (char **args, const intptr_t *dimensions, const intptr_t *steps, void *data)

/* Float formats: (T, T) -> T. */
#define MITCHELL_DECLARE_FLOAT_LOOPS(NAME, UINT, EB, FB, FN)                           \
    void mitchell_loop_mul_##NAME MITCHELL_LOOP_SIGNATURE;                             \
    void mitchell_loop_div_##NAME MITCHELL_LOOP_SIGNATURE;
MITCHELL_FLOAT_FORMATS(MITCHELL_DECLARE_FLOAT_LOOPS)
#undef MITCHELL_DECLARE_FLOAT_LOOPS

/* Integers up to 32 bits: mul (intN, intN) -> int2N, plain Mitchell (no
 * data), a variant through float64 (_corrected) and the iterative
 * multiplier (ilm); div (intN, intN) -> float64. */
#define MITCHELL_DECLARE_INT_LOOPS(NAME, IN, OUT, SIGNED)                              \
    void mitchell_loop_mul_##NAME MITCHELL_LOOP_SIGNATURE;                             \
    void mitchell_loop_mul_##NAME##_corrected MITCHELL_LOOP_SIGNATURE;                 \
    void mitchell_loop_ilm_##NAME MITCHELL_LOOP_SIGNATURE;                             \
    void mitchell_loop_div_##NAME MITCHELL_LOOP_SIGNATURE;
MITCHELL_WIDENING_INTEGERS(MITCHELL_DECLARE_INT_LOOPS)
#undef MITCHELL_DECLARE_INT_LOOPS

/* 64-bit integers: (T, T) -> T, saturating (plain Mitchell only). */
void mitchell_loop_mul_i64 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_u64 MITCHELL_LOOP_SIGNATURE;

#endif
