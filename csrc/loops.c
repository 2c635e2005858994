#include "loops.h"
#include "contiguous.h"
#include "kernels.h"
#include "fpflags.h"
#include "strided_loop.h"

#include <string.h>

/* The correction a loop's data pointer names (NULL: plain Mitchell). */
static inline const mitchell_correction *correction_of(const void *data)
{
    return data != NULL ? (const mitchell_correction *)data : &mitchell_plain;
}

/*
 * Float loops.  Contiguous operands (or one scalar operand, stride 0) with a
 * contiguous output take the vectorised loop of the active instruction set
 * when the format has one and there are at least MITCHELL_CONTIG_MIN_ELEMENTS
 * elements; anything else, including two scalar operands (the vector loops
 * read at most one operand as a scalar) and reductions whose output stride
 * is 0, walks element by element through the same scalar kernel.
 */
#define MITCHELL_DEFINE_FLOAT_LOOP(OP, NAME, UINT)                                     \
    void mitchell_loop_##OP##_##NAME MITCHELL_LOOP_SIGNATURE                           \
    {                                                                                  \
        const mitchell_correction *k = correction_of(data);                            \
        const intptr_t n = dimensions[0], size = (intptr_t)sizeof(UINT);               \
        const intptr_t sa = steps[0], sb = steps[1], so = steps[2];                    \
        char *pa = args[0], *pb = args[1], *po = args[2];                              \
        unsigned flags = 0;                                                            \
        unsigned (*contig) MITCHELL_CONTIG_SIGNATURE(UINT) = mitchell_contig()->OP##_##NAME; \
        if (contig != NULL && n >= MITCHELL_CONTIG_MIN_ELEMENTS                          \
            && k->index_bits <= MITCHELL_CONTIG_MAX_INDEX_BITS && so == size            \
            && (sa == size || sa == 0) && (sb == size || sb == 0) && (sa || sb)) {     \
            flags = contig((const UINT *)pa, sa != 0, (const UINT *)pb, sb != 0,       \
                           (UINT *)po, n, k);                                          \
        } else {                                                                       \
            for (intptr_t i = 0; i < n; i++, pa += sa, pb += sb, po += so) {           \
                UINT x, y, r;                                                          \
                memcpy(&x, pa, sizeof x);                                              \
                memcpy(&y, pb, sizeof y);                                              \
                r = mitchell_##OP##_##NAME##_corrected(x, y, k, &flags);               \
                memcpy(po, &r, sizeof r);                                              \
            }                                                                          \
        }                                                                              \
        mitchell_raise_flags(flags);                                                   \
    }
#define MITCHELL_DEFINE_FLOAT_LOOPS(NAME, UINT, EB, FB, FN)                            \
    MITCHELL_DEFINE_FLOAT_LOOP(mul, NAME, UINT)                                        \
    MITCHELL_DEFINE_FLOAT_LOOP(div, NAME, UINT)
MITCHELL_FLOAT_FORMATS(MITCHELL_DEFINE_FLOAT_LOOPS)

/*
 * Integer loops.  Plain products up to 32 bits fit their widened type and
 * raise nothing (kernels.h computes them through binary32/64 patterns, which
 * compilers vectorise); a variant's products are rounded from float64 and
 * may saturate; the iterative multiplier never exceeds the exact product.
 */
#define MITCHELL_DEFINE_INT_LOOPS(NAME, IN, OUT, SIGNED)                               \
    static inline OUT plain_mul_##NAME(IN a, IN b, void *data, unsigned *flags)        \
    { (void)data; (void)flags; return mitchell_mul_##NAME(a, b); }                     \
    static inline OUT corrected_mul_##NAME(IN a, IN b, void *data, unsigned *flags)    \
    { return mitchell_mul_##NAME##_corrected(a, b, correction_of(data), flags); }      \
    static inline OUT ilm_##NAME(IN a, IN b, void *data, unsigned *flags)              \
    { (void)flags; return mitchell_ilm_##NAME(a, b, *(const unsigned *)data); }        \
    static inline double corrected_div_##NAME(IN a, IN b, void *data, unsigned *flags) \
    { return mitchell_div_##NAME##_corrected(a, b, correction_of(data), flags); }      \
    MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_##NAME, IN, OUT, plain_mul_##NAME)  \
    MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_##NAME##_corrected, IN, OUT, corrected_mul_##NAME) \
    MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_ilm_##NAME, IN, OUT, ilm_##NAME)        \
    MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_div_##NAME, IN, double, corrected_div_##NAME)
MITCHELL_WIDENING_INTEGERS(MITCHELL_DEFINE_INT_LOOPS)

/* 64-bit integers have no wider type: the products saturate. */
static inline int64_t plain_mul_i64(int64_t a, int64_t b, void *data, unsigned *flags)
{ (void)data; return mitchell_mul_i64(a, b, flags); }
static inline uint64_t plain_mul_u64(uint64_t a, uint64_t b, void *data, unsigned *flags)
{ (void)data; return mitchell_mul_u64(a, b, flags); }
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_i64, int64_t, int64_t, plain_mul_i64)
MITCHELL_DEFINE_STRIDED_LOOP(mitchell_loop_mul_u64, uint64_t, uint64_t, plain_mul_u64)
