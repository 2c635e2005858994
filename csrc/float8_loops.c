#include "float8_loops.h"
#include "strided_loop.h"

MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_f8e4m3fn, uint8_t, uint8_t, mitchell_mul_f8e4m3fn)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_f8e4m3fn, uint8_t, uint8_t, mitchell_div_f8e4m3fn)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_f8e5m2, uint8_t, uint8_t, mitchell_mul_f8e5m2)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_f8e5m2, uint8_t, uint8_t, mitchell_div_f8e5m2)
