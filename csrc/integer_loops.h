/* NumPy inner loops of Mitchell's integer algorithm (see kernels.h). */
#ifndef MITCHELL_INTEGER_LOOPS_H
#define MITCHELL_INTEGER_LOOPS_H

#include "loops.h"

/* mul: (int8, int8) -> int16, ..., (uint32, uint32) -> uint64; 64-bit
 * inputs saturate to their own type. */
void mitchell_loop_mul_i8 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_u8 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_i16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_u16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_i32 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_u32 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_i64 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_u64 MITCHELL_LOOP_SIGNATURE;

/* div: (intN, intN) -> float64 for N <= 32. */
void mitchell_loop_div_i8 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_u8 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_i16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_u16 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_i32 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_u32 MITCHELL_LOOP_SIGNATURE;

#endif
