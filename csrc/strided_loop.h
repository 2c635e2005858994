/*
 * One element-wise NumPy inner loop for kernels without a vectorised path
 * (integers, 8-bit floats): any strides, npy_intp-sized counter, operands
 * loaded with memcpy (NumPy does not promise alignment), flags raised once.
 */
#ifndef MITCHELL_STRIDED_LOOP_H
#define MITCHELL_STRIDED_LOOP_H

#include "fpflags.h"
#include "loops.h"

#include <string.h>

/* Defines `void NAME MITCHELL_LOOP_SIGNATURE`; KERNEL(x, y, data, &flags)
 * computes one OUT from two INs, `data` being the loop's data pointer (a
 * variant's correction; kernels without data or flags ignore them in a
 * wrapper). */
#define MITCHELL_DEFINE_STRIDED_LOOP(NAME, IN, OUT, KERNEL)                            \
    void NAME MITCHELL_LOOP_SIGNATURE                                                  \
    {                                                                                  \
        const intptr_t n = dimensions[0];                                              \
        const intptr_t sa = steps[0], sb = steps[1], so = steps[2];                    \
        const char *pa = args[0], *pb = args[1];                                       \
        char *po = args[2];                                                            \
        unsigned flags = 0;                                                            \
        if (sa == sizeof(IN) && sb == sizeof(IN) && so == sizeof(OUT)) {               \
            /* the same body with constant strides, which compilers vectorise */      \
            for (intptr_t i = 0; i < n; i++) {                                         \
                IN x, y;                                                               \
                OUT r;                                                                 \
                memcpy(&x, pa + i * (intptr_t)sizeof(IN), sizeof x);                   \
                memcpy(&y, pb + i * (intptr_t)sizeof(IN), sizeof y);                   \
                r = KERNEL(x, y, data, &flags);                                              \
                memcpy(po + i * (intptr_t)sizeof(OUT), &r, sizeof r);                  \
            }                                                                          \
        } else {                                                                       \
            for (intptr_t i = 0; i < n; i++, pa += sa, pb += sb, po += so) {           \
                IN x, y;                                                               \
                OUT r;                                                                 \
                memcpy(&x, pa, sizeof x);                                              \
                memcpy(&y, pb, sizeof y);                                              \
                r = KERNEL(x, y, data, &flags);                                              \
                memcpy(po, &r, sizeof r);                                              \
            }                                                                          \
        }                                                                              \
        mitchell_raise_flags(flags);                                                   \
    }

#endif
