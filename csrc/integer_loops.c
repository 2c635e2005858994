#include "integer_loops.h"
#include "strided_loop.h"

/* The products of up to 32-bit operands always fit and raise nothing. */
#define NO_FLAGS(KERNEL) KERNEL##_with_flags
#define MITCHELL_WITH_FLAGS(NAME, IN, OUT)                                             \
    static inline OUT mitchell_mul_##NAME##_with_flags(IN a, IN b, unsigned *flags)    \
    { (void)flags; return mitchell_mul_##NAME(a, b); }

MITCHELL_WITH_FLAGS(i8, int8_t, int16_t)
MITCHELL_WITH_FLAGS(u8, uint8_t, uint16_t)
MITCHELL_WITH_FLAGS(i16, int16_t, int32_t)
MITCHELL_WITH_FLAGS(u16, uint16_t, uint32_t)
MITCHELL_WITH_FLAGS(i32, int32_t, int64_t)
MITCHELL_WITH_FLAGS(u32, uint32_t, uint64_t)

MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_i8, int8_t, int16_t, NO_FLAGS(mitchell_mul_i8))
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_u8, uint8_t, uint16_t, NO_FLAGS(mitchell_mul_u8))
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_i16, int16_t, int32_t, NO_FLAGS(mitchell_mul_i16))
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_u16, uint16_t, uint32_t, NO_FLAGS(mitchell_mul_u16))
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_i32, int32_t, int64_t, NO_FLAGS(mitchell_mul_i32))
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_u32, uint32_t, uint64_t, NO_FLAGS(mitchell_mul_u32))
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_i64, int64_t, int64_t, mitchell_mul_i64)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_u64, uint64_t, uint64_t, mitchell_mul_u64)

MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_i8, int8_t, double, mitchell_div_i8)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_u8, uint8_t, double, mitchell_div_u8)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_i16, int16_t, double, mitchell_div_i16)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_u16, uint16_t, double, mitchell_div_u16)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_i32, int32_t, double, mitchell_div_i32)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_u32, uint32_t, double, mitchell_div_u32)
