/*
 * The contiguous loops, written once on GCC/Clang vector types and compiled
 * once per instruction set: each contiguous_<target>.c sets the vector width
 * and a few primitives, switches the compiler's target, and includes this file.
 * It defines the table `mitchell_contig_table_<target>`.
 *
 * The including file defines:
 *   MITCHELL_SIMD_NAME      target name (token), e.g. avx2
 *   MITCHELL_SIMD_BYTES     vector width in bytes
 *   MITCHELL_SIMD_ANY(v)    nonzero if any bit of the vector v is set
 *   MITCHELL_SIMD_MIN16/32/64(x, y), MITCHELL_SIMD_MAX16/32/64(x, y)
 *                           lane-wise signed min and max (or leave undefined
 *                           for the generic compare-and-select)
 *
 * Why it is fast: a vector of results costs about 18 integer operations and
 * no branch per lane.  Each lane computes the one-addition result and three
 * masks: `lo` (an operand or the result is below the normal range, or the
 * sum wrapped), `hi` (an operand is inf/NaN or the result is past the largest
 * finite value) and `z` (the zero-operand case, whose result is the sign
 * alone).  Lanes that are neither plain nor zero are rare; when a block of two
 * vectors has one, the whole block is recomputed element by element by the
 * scalar kernel of kernels.h before anything is stored.  So every value
 * (and every flag) comes from the kernel's definition, exact aliasing
 * (out is a) is harmless, and no flag is raised by the vector code at all:
 * it is integer arithmetic only.
 */

#include "contiguous.h"
#include "kernels.h"

#include <string.h>

#define SIMD_PASTE_(a, b) a##_##b
#define SIMD_PASTE(a, b) SIMD_PASTE_(a, b)
#define SIMD_TABLE SIMD_PASTE(mitchell_contig_table, MITCHELL_SIMD_NAME)

/* Generic lane-wise signed min/max: one compare and a select. */
#define SIMD_GENERIC_MIN(x, y) ((((x) < (y)) & (x)) | (~((x) < (y)) & (y)))
#define SIMD_GENERIC_MAX(x, y) ((((x) > (y)) & (x)) | (~((x) > (y)) & (y)))
#ifndef MITCHELL_SIMD_MIN16
#define MITCHELL_SIMD_MIN16 SIMD_GENERIC_MIN
#define MITCHELL_SIMD_MAX16 SIMD_GENERIC_MAX
#endif
#ifndef MITCHELL_SIMD_MIN32
#define MITCHELL_SIMD_MIN32 SIMD_GENERIC_MIN
#define MITCHELL_SIMD_MAX32 SIMD_GENERIC_MAX
#endif
#ifndef MITCHELL_SIMD_MIN64
#define MITCHELL_SIMD_MIN64 SIMD_GENERIC_MIN
#define MITCHELL_SIMD_MAX64 SIMD_GENERIC_MAX
#endif

/*
 * One vector of Mitchell products or quotients.  All masks are signed lane
 * masks (all ones or zero); magnitudes are below 2^(width-1), so signed
 * compares order them correctly, and a sum that wrapped past 2^(width-1)
 * reads as negative and lands in `lo`.
 *
 * A lane is final exactly when the scalar kernel would take its one-addition
 * path (both operands normal, result in [min normal, inf)) or its zero path
 * (mul: a zero operand and no inf/NaN; div: a zero dividend and a finite
 * nonzero divisor), so its value equals the kernel's.  div sends 0 / inf to
 * the kernel too (it is rare; the kernel gives the signed zero).
 */
#define SIMD_DEFINE_FORMAT(NAME, UINT, SINT, EB, FB, VMIN, VMAX)                        \
    typedef UINT vu_##NAME __attribute__((vector_size(MITCHELL_SIMD_BYTES)));          \
    typedef SINT vs_##NAME __attribute__((vector_size(MITCHELL_SIMD_BYTES)));          \
    enum { LANES_##NAME = MITCHELL_SIMD_BYTES / sizeof(UINT) };                        \
                                                                                       \
    MITCHELL_INLINE vu_##NAME vec_mul_##NAME(vu_##NAME a, vu_##NAME b, vs_##NAME *ok) \
    {                                                                                  \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB), one = (UINT)ieee_one_bits(EB, FB); \
        const SINT minn = (SINT)ieee_min_normal_bits(FB);                              \
        const SINT inf = (SINT)ieee_inf_bits(EB, FB);                                  \
        vu_##NAME ma = a & absm, mb = b & absm;                                        \
        vs_##NAME mn = VMIN((vs_##NAME)ma, (vs_##NAME)mb);                             \
        vs_##NAME mx = VMAX((vs_##NAME)ma, (vs_##NAME)mb);                             \
        vu_##NAME s = ma + mb - one;                                                   \
        vs_##NAME in_lo = VMIN(mn, (vs_##NAME)s) > (SINT)(minn - 1);                   \
        vs_##NAME hi = VMAX(mx, (vs_##NAME)s) > (SINT)(inf - 1);                       \
        vs_##NAME zero = mn == 0;                                                      \
        *ok &= (in_lo | zero) & ~hi;                                                   \
        return ((vu_##NAME)in_lo & s) | ((a ^ b) & (UINT)~absm);                       \
    }                                                                                  \
                                                                                       \
    MITCHELL_INLINE vu_##NAME vec_div_##NAME(vu_##NAME a, vu_##NAME b, vs_##NAME *ok) \
    {                                                                                  \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB), one = (UINT)ieee_one_bits(EB, FB); \
        const SINT minn = (SINT)ieee_min_normal_bits(FB);                              \
        const SINT inf = (SINT)ieee_inf_bits(EB, FB);                                  \
        vu_##NAME ma = a & absm, mb = b & absm;                                        \
        vs_##NAME mn = VMIN((vs_##NAME)ma, (vs_##NAME)mb);                             \
        vs_##NAME mx = VMAX((vs_##NAME)ma, (vs_##NAME)mb);                             \
        vu_##NAME s = ma + one - mb;                                                   \
        vs_##NAME in_lo = VMIN(mn, (vs_##NAME)s) > (SINT)(minn - 1);                   \
        vs_##NAME hi = VMAX(mx, (vs_##NAME)s) > (SINT)(inf - 1);                       \
        /* ma == 0 < mb, i.e. ma < min(mb, 1) */                                       \
        vs_##NAME zero = VMIN((vs_##NAME)mb, (vs_##NAME){0} + 1) > (vs_##NAME)ma;      \
        *ok &= (in_lo | zero) & ~hi;                                                   \
        return ((vu_##NAME)in_lo & s) | ((a ^ b) & (UINT)~absm);                       \
    }

SIMD_DEFINE_FORMAT(f16, uint16_t, int16_t, MITCHELL_F16_EXP_BITS, MITCHELL_F16_FRAC_BITS,
                   MITCHELL_SIMD_MIN16, MITCHELL_SIMD_MAX16)
SIMD_DEFINE_FORMAT(bf16, uint16_t, int16_t, MITCHELL_BF16_EXP_BITS, MITCHELL_BF16_FRAC_BITS,
                   MITCHELL_SIMD_MIN16, MITCHELL_SIMD_MAX16)
SIMD_DEFINE_FORMAT(f32, uint32_t, int32_t, MITCHELL_F32_EXP_BITS, MITCHELL_F32_FRAC_BITS,
                   MITCHELL_SIMD_MIN32, MITCHELL_SIMD_MAX32)
SIMD_DEFINE_FORMAT(f64, uint64_t, int64_t, MITCHELL_F64_EXP_BITS, MITCHELL_F64_FRAC_BITS,
                   MITCHELL_SIMD_MIN64, MITCHELL_SIMD_MAX64)

/*
 * The loop over blocks of two vectors.  sa and sb are literal 0 or 1 at every
 * call site (see SIMD_DEFINE_ENTRY), so each instance is a plain contiguous
 * or scalar-broadcast loop.  The last partial block is computed in a local
 * buffer padded with 1.0 (a plain lane for both operations), so short arrays
 * and remainders are vectorised too.
 */
#define SIMD_DEFINE_LOOP(OP, NAME, UINT, EB, FB)                                        \
    MITCHELL_INLINE unsigned simd_##OP##_##NAME MITCHELL_CONTIG_SIGNATURE(UINT)         \
    {                                                                                  \
        enum { L = LANES_##NAME, BLOCK = 2 * LANES_##NAME };                           \
        unsigned flags = 0;                                                            \
        const vu_##NAME zeros = {0};                                                   \
        if (n <= 0)                                                                    \
            return 0;                                                                  \
        const UINT a_first = a[0], b_first = b[0];                                     \
        const vu_##NAME a_splat = zeros + a_first, b_splat = zeros + b_first;          \
        intptr_t i = 0;                                                                \
        for (; i + BLOCK <= n; i += BLOCK) {                                           \
            vu_##NAME a0 = a_splat, a1 = a_splat, b0 = b_splat, b1 = b_splat;          \
            if (sa) {                                                                  \
                memcpy(&a0, a + i, sizeof a0);                                         \
                memcpy(&a1, a + i + L, sizeof a1);                                     \
            }                                                                          \
            if (sb) {                                                                  \
                memcpy(&b0, b + i, sizeof b0);                                         \
                memcpy(&b1, b + i + L, sizeof b1);                                     \
            }                                                                          \
            vs_##NAME ok = ~(vs_##NAME){0};                                                       \
            vu_##NAME r0 = vec_##OP##_##NAME(a0, b0, &ok);                            \
            vu_##NAME r1 = vec_##OP##_##NAME(a1, b1, &ok);                            \
            if (__builtin_expect(!MITCHELL_SIMD_ALL(ok), 0)) {                         \
                for (intptr_t j = i; j < i + BLOCK; j++)                               \
                    out[j] = mitchell_##OP##_##NAME(a[j * sa], b[j * sb], &flags);     \
            } else {                                                                   \
                memcpy(out + i, &r0, sizeof r0);                                       \
                memcpy(out + i + L, &r1, sizeof r1);                                   \
            }                                                                          \
        }                                                                              \
        if (i < n) {                                                                   \
            const UINT one = (UINT)ieee_one_bits(EB, FB);                              \
            UINT ta[BLOCK], tb[BLOCK], tr[BLOCK];                                      \
            intptr_t m = n - i;                                                        \
            for (intptr_t j = 0; j < BLOCK; j++) {                                     \
                ta[j] = j < m ? a[(i + j) * sa] : one;                                 \
                tb[j] = j < m ? b[(i + j) * sb] : one;                                 \
            }                                                                          \
            vu_##NAME a0, a1, b0, b1;                                                  \
            memcpy(&a0, ta, sizeof a0);                                                \
            memcpy(&a1, ta + L, sizeof a1);                                            \
            memcpy(&b0, tb, sizeof b0);                                                \
            memcpy(&b1, tb + L, sizeof b1);                                            \
            vs_##NAME ok = ~(vs_##NAME){0};                                                       \
            vu_##NAME r0 = vec_##OP##_##NAME(a0, b0, &ok);                            \
            vu_##NAME r1 = vec_##OP##_##NAME(a1, b1, &ok);                            \
            memcpy(tr, &r0, sizeof r0);                                                \
            memcpy(tr + L, &r1, sizeof r1);                                            \
            if (!MITCHELL_SIMD_ALL(ok))                                                \
                for (intptr_t j = 0; j < m; j++)                                       \
                    tr[j] = mitchell_##OP##_##NAME(ta[j], tb[j], &flags);              \
            memcpy(out + i, tr, (size_t)m * sizeof(UINT));                             \
        }                                                                              \
        return flags;                                                                  \
    }

/* Entry point: picks the stride pattern so that each is a literal. */
#define SIMD_DEFINE_ENTRY(OP, NAME, UINT, EB, FB)                                       \
    SIMD_DEFINE_LOOP(OP, NAME, UINT, EB, FB)                                            \
    static unsigned contig_##OP##_##NAME MITCHELL_CONTIG_SIGNATURE(UINT)                \
    {                                                                                  \
        if (sa && sb)                                                                  \
            return simd_##OP##_##NAME(a, 1, b, 1, out, n);                             \
        if (sb)                                                                        \
            return simd_##OP##_##NAME(a, 0, b, 1, out, n);                             \
        return simd_##OP##_##NAME(a, 1, b, 0, out, n);                                 \
    }

SIMD_DEFINE_ENTRY(mul, f16, uint16_t, MITCHELL_F16_EXP_BITS, MITCHELL_F16_FRAC_BITS)
SIMD_DEFINE_ENTRY(div, f16, uint16_t, MITCHELL_F16_EXP_BITS, MITCHELL_F16_FRAC_BITS)
SIMD_DEFINE_ENTRY(mul, bf16, uint16_t, MITCHELL_BF16_EXP_BITS, MITCHELL_BF16_FRAC_BITS)
SIMD_DEFINE_ENTRY(div, bf16, uint16_t, MITCHELL_BF16_EXP_BITS, MITCHELL_BF16_FRAC_BITS)
SIMD_DEFINE_ENTRY(mul, f32, uint32_t, MITCHELL_F32_EXP_BITS, MITCHELL_F32_FRAC_BITS)
SIMD_DEFINE_ENTRY(div, f32, uint32_t, MITCHELL_F32_EXP_BITS, MITCHELL_F32_FRAC_BITS)
SIMD_DEFINE_ENTRY(mul, f64, uint64_t, MITCHELL_F64_EXP_BITS, MITCHELL_F64_FRAC_BITS)
SIMD_DEFINE_ENTRY(div, f64, uint64_t, MITCHELL_F64_EXP_BITS, MITCHELL_F64_FRAC_BITS)

#define SIMD_STRINGIFY_(x) #x
#define SIMD_STRINGIFY(x) SIMD_STRINGIFY_(x)

const mitchell_contig_table SIMD_TABLE = {
    SIMD_STRINGIFY(MITCHELL_SIMD_NAME),
    contig_mul_f16, contig_div_f16, contig_mul_bf16, contig_div_bf16,
    contig_mul_f32, contig_div_f32, contig_mul_f64, contig_div_f64,
};
