/*
 * Raising the IEEE exceptions a loop's kernels reported.
 *
 * The kernels only report exceptions; raising them in the loop, once per
 * call, is what lets np.errstate / np.seterr see them exactly as for
 * np.multiply.  The FP status is never cleared.
 */
#ifndef MITCHELL_FPFLAGS_H
#define MITCHELL_FPFLAGS_H

#include "kernels.h"

#include <fenv.h>

static inline void mitchell_raise_flags(unsigned flags)
{
    int excepts = 0;
    if (flags & MITCHELL_FLAG_INVALID)
        excepts |= FE_INVALID;
    if (flags & MITCHELL_FLAG_DIVIDE)
        excepts |= FE_DIVBYZERO;
    if (flags & MITCHELL_FLAG_OVERFLOW)
        excepts |= FE_OVERFLOW;
    if (flags & MITCHELL_FLAG_UNDERFLOW)
        excepts |= FE_UNDERFLOW;
    if (excepts)
        feraiseexcept(excepts);
}

#endif
