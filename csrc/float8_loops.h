/* NumPy inner loops for ml_dtypes' 8-bit floats, registered at import time
 * when ml_dtypes is installed (their type numbers are only known then). */
#ifndef MITCHELL_FLOAT8_LOOPS_H
#define MITCHELL_FLOAT8_LOOPS_H

#include "loops.h"

void mitchell_loop_mul_f8e4m3fn MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_f8e4m3fn MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_mul_f8e5m2 MITCHELL_LOOP_SIGNATURE;
void mitchell_loop_div_f8e5m2 MITCHELL_LOOP_SIGNATURE;

#endif
