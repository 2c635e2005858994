#include "loops.h"
#include "contiguous.h"
#include "kernels.h"
#include "fpflags.h"

#include <string.h>

/*
 * Contiguous operands (or a scalar operand, stride 0) with a contiguous output
 * take the vectorised loop; anything else, including reductions whose output
 * stride is 0, walks element by element through the same scalar kernel.
 */
#define MITCHELL_DEFINE_LOOP(OP, NAME, UINT)                                           \
    void mitchell_loop_##OP##_##NAME MITCHELL_LOOP_SIGNATURE                           \
    {                                                                                  \
        (void)data;                                                                    \
        const intptr_t n = dimensions[0], size = (intptr_t)sizeof(UINT);               \
        const intptr_t sa = steps[0], sb = steps[1], so = steps[2];                    \
        char *pa = args[0], *pb = args[1], *po = args[2];                              \
        unsigned flags = 0;                                                            \
        if (so == size && (sa == size || sa == 0) && (sb == size || sb == 0)) {        \
            flags = mitchell_contig.OP##_##NAME((const UINT *)pa, sa != 0,            \
                                                 (const UINT *)pb, sb != 0,            \
                                                 (UINT *)po, n);                       \
        } else {                                                                       \
            for (intptr_t i = 0; i < n; i++, pa += sa, pb += sb, po += so) {           \
                UINT x, y, r;                                                          \
                memcpy(&x, pa, sizeof x);                                              \
                memcpy(&y, pb, sizeof y);                                              \
                r = mitchell_##OP##_##NAME(x, y, &flags);                              \
                memcpy(po, &r, sizeof r);                                              \
            }                                                                          \
        }                                                                              \
        mitchell_raise_flags(flags);                                                   \
    }

MITCHELL_DEFINE_LOOP(mul, f16, uint16_t)
MITCHELL_DEFINE_LOOP(div, f16, uint16_t)
MITCHELL_DEFINE_LOOP(mul, bf16, uint16_t)
MITCHELL_DEFINE_LOOP(div, bf16, uint16_t)
MITCHELL_DEFINE_LOOP(mul, f32, uint32_t)
MITCHELL_DEFINE_LOOP(div, f32, uint32_t)
MITCHELL_DEFINE_LOOP(mul, f64, uint64_t)
MITCHELL_DEFINE_LOOP(div, f64, uint64_t)
