/*
 * The contiguous loops, written once on GCC/Clang vector types and compiled
 * once per instruction set: each contiguous_<target>.c sets the vector width
 * and a few primitives, switches the compiler's target, and includes this file.
 * It defines the table `mitchell_contig_table_<target>`.
 *
 * The including file defines:
 *   MITCHELL_SIMD_NAME      target name (token), e.g. avx2
 *   MITCHELL_SIMD_ISA       its mitchell_isa suffix (token), e.g. AVX2
 *   MITCHELL_SIMD_BYTES     vector width in bytes
 *   MITCHELL_SIMD_ALL(v)    nonzero if every lane mask of v is all ones
 *   MITCHELL_SIMD_MIN16/32/64(x, y), MITCHELL_SIMD_MAX16/32/64(x, y)
 *                           lane-wise signed min and max (or leave undefined
 *                           for the generic compare-and-select)
 *   MITCHELL_SIMD_LOOKUP16/32/64(tab, idx)
 *                           optional: the vector of tab[idx[j] & 63] for a
 *                           table of 64 lane-sized entries (a gather or
 *                           permutes; the bits of idx above 6 are junk)
 *   MITCHELL_SIMD_OPAQUE(v)  optional: an empty asm that makes the vector
 *                           variable v opaque to the optimiser
 *   MITCHELL_SIMD_STREAM(p, v), MITCHELL_SIMD_STREAM_FENCE()
 *                           optional: non-temporal store of v at the
 *                           vector-aligned p, and the fence after them
 *
 * A vector of results costs about 17 integer operations and no branch per
 * lane; about 12 against a normal finite scalar operand, whose checks are
 * made once per call (SIMD_DEFINE_OP's `known`).  Each lane computes the
 * one-addition result and two checks: `in_lo` (both operands and the result
 * are at least the smallest normal and the sum did not wrap) and a running
 * maximum that exceeds inf - 1 when an operand is inf/NaN or a result
 * overflowed; a zero-operand lane, whose result is the sign alone, passes
 * too.  Lanes that are neither plain nor zero are rare;
 * when a block of two vectors has one, the whole block is recomputed element
 * by element by the scalar kernel of kernels.h before anything is stored.  So
 * every value (and every flag) comes from the kernel's definition, exact
 * aliasing (out is a) is harmless, and no flag is raised by the vector code
 * at all: it is integer arithmetic only.
 */

#include "contiguous.h"
#include "isa.h"
#include "kernels.h"

#include <string.h>

#define SIMD_PASTE_(a, b) a##_##b
#define SIMD_PASTE(a, b) SIMD_PASTE_(a, b)
#define SIMD_TABLE SIMD_PASTE(mitchell_contig_table, MITCHELL_SIMD_NAME)

/* Generic lane-wise signed min/max: one compare and a select. */
#define SIMD_GENERIC_MIN(x, y) ((((x) < (y)) & (x)) | (~((x) < (y)) & (y)))
#define SIMD_GENERIC_MAX(x, y) ((((x) > (y)) & (x)) | (~((x) > (y)) & (y)))

/* Streaming store of one vector to an aligned address, and the fence that
 * orders such stores before the function returns. */
#ifdef MITCHELL_SIMD_STREAM
#define SIMD_CAN_STREAM 1
#define SIMD_STREAM(p, v) MITCHELL_SIMD_STREAM(p, v)
#define SIMD_STREAM_FENCE() MITCHELL_SIMD_STREAM_FENCE()
#else
#define SIMD_CAN_STREAM 0
#define SIMD_STREAM(p, v) memcpy((p), &(v), sizeof(v))
#define SIMD_STREAM_FENCE() ((void)0)
#endif

/* Keeps a vector in a register as an opaque value (see simd_consts_*). */
#ifdef MITCHELL_SIMD_OPAQUE
#define SIMD_OPAQUE(v) MITCHELL_SIMD_OPAQUE(v)
#else
#define SIMD_OPAQUE(v) ((void)0)
#endif

#ifndef MITCHELL_SIMD_MIN16
#define MITCHELL_SIMD_MIN16 SIMD_GENERIC_MIN
#define MITCHELL_SIMD_MAX16 SIMD_GENERIC_MAX
#endif
#ifdef MITCHELL_SIMD_MIN32
#define SIMD_NATIVE_MIN32 1
#else
#define SIMD_NATIVE_MIN32 0
#define MITCHELL_SIMD_MIN32 SIMD_GENERIC_MIN
#define MITCHELL_SIMD_MAX32 SIMD_GENERIC_MAX
#endif
#ifndef MITCHELL_SIMD_MIN64
#define MITCHELL_SIMD_MIN64 SIMD_GENERIC_MIN
#define MITCHELL_SIMD_MAX64 SIMD_GENERIC_MAX
#endif

/* Table lookup, lane by lane, where the target has no gather or permute;
 * the index's low 6 bits count (see simd_region_kappa). */
#define SIMD_GENERIC_LOOKUP(tab, idx)                                                  \
    ({                                                                                 \
        __typeof__(idx) looked_up_;                                                    \
        for (int j_ = 0; j_ < (int)(sizeof(idx) / sizeof((idx)[0])); j_++)             \
            looked_up_[j_] = (tab)[(idx)[j_] & 63];                                    \
        looked_up_;                                                                    \
    })
#ifndef MITCHELL_SIMD_LOOKUP16
#define MITCHELL_SIMD_LOOKUP16 SIMD_GENERIC_LOOKUP
#endif
#ifndef MITCHELL_SIMD_LOOKUP32
#define MITCHELL_SIMD_LOOKUP32 SIMD_GENERIC_LOOKUP
#endif
#ifndef MITCHELL_SIMD_LOOKUP64
#define MITCHELL_SIMD_LOOKUP64 SIMD_GENERIC_LOOKUP
#endif

/*
 * One vector of Mitchell products or quotients.  All masks are signed lane
 * masks (all ones or zero); magnitudes are below 2^(width-1), so signed
 * compares order them correctly, and a sum that wrapped past 2^(width-1)
 * reads as negative and so fails the lower check.
 *
 * A lane is final exactly when the scalar kernel would take its one-addition
 * path (both operands normal, result in [min normal, inf)) or its zero path
 * (mul: a zero operand and no inf/NaN; div: a zero dividend and a finite
 * nonzero divisor), so its value equals the kernel's.  div sends 0 / inf to
 * the kernel too (it is rare; the kernel gives the signed zero).
 *
 * The range checks run on "check lanes" of type CSINT.  For float16 and
 * float32 they are the lanes themselves.  For float64 they are the 32-bit
 * halves: every bound (min normal, inf) has a zero low half, so comparing the
 * high halves of the operands and of the 64-bit sum is exact, and 32-bit
 * min/max exist where 64-bit ones do not (AVX2, SSE4.1, NEON).  The low-half
 * check lanes carry junk and are ignored (k->ignore) by the block test.
 *
 * SUM is the magnitude of the one-addition result (in terms of ma, mb, one);
 * ZERO the full-width mask of lanes that take the kernel's zero path; WIDEN
 * turns a check-lane mask into a full-width one.  *ok collects lanes that are
 * plain or zero; *top keeps the lane-wise maximum of operand and result
 * magnitudes, above inf - 1 if an operand is inf/NaN or a result overflowed
 * (a running max costs less than a compare and an or per vector).
 *
 * known (a literal) says that a or b is a broadcast scalar whose magnitude m
 * is normal and finite, checked once per call (SIMD_DEFINE_LOOP), and c the
 * constant it folds into the sum: s = |v| + c for the array operand v, or
 * c - |v| for a scalar dividend (SIMD_KNOWN_C).  The scalar's terms then drop
 * out of every check without changing it: m is above min normal - 1, so the
 * minimum is decided by |v| and s; m is at most inf - 1, so the maximum only
 * exceeds inf - 1 through |v| or s; and m != 0, so the zero path is |v| == 0
 * (none for a scalar dividend, which would need a == 0).  s is the same sum
 * modulo 2^width, so values, the blocks handed to the kernel, and hence the
 * flags are those of the general path.
 */
enum { SIMD_KNOWN_NONE, SIMD_KNOWN_A, SIMD_KNOWN_B };
#define SIMD_IS_DIV_mul 0
#define SIMD_IS_DIV_div 1
/* The folded constant for a known scalar magnitude m (one as in k->one):
 * mul: ma + mb - one; div: ma + one - mb, with m for ma or mb. */
#define SIMD_KNOWN_C(OP, m, one, scalar_is_a)                                           \
    (!SIMD_IS_DIV_##OP ? (m) - (one) : (scalar_is_a) ? (m) + (one) : (one) - (m))

#define SIMD_DEFINE_OP(OP, NAME, VMIN, VMAX, SUM, ZERO, WIDEN)                           \
    MITCHELL_INLINE vu_##NAME vec_##OP##_##NAME(vu_##NAME a, vu_##NAME b,              \
                                                const simd_consts_##NAME *k,           \
                                                vc_##NAME *ok, vc_##NAME *top, int region, \
                                                int known, vu_##NAME c)                \
    {                                                                                  \
        const vu_##NAME one = k->one;                                                  \
        vu_##NAME ma = a & k->abs_mask, mb = b & k->abs_mask, s;                       \
        vc_##NAME in_lo, zero;                                                         \
        if (known) { /* literal: see above */                                          \
            const vu_##NAME mv = known == SIMD_KNOWN_A ? mb : ma;                      \
            const int dividend = SIMD_IS_DIV_##OP && known == SIMD_KNOWN_A;            \
            s = dividend ? c - mv : mv + c;                                            \
            in_lo = VMIN((vc_##NAME)mv, (vc_##NAME)s) > k->below_min_normal;           \
            *top = VMAX(*top, VMAX((vc_##NAME)mv, (vc_##NAME)s));                      \
            zero = dividend ? (vc_##NAME){0} : (vc_##NAME)((vs_##NAME)mv == 0);        \
        } else {                                                                       \
            vc_##NAME mn = VMIN((vc_##NAME)ma, (vc_##NAME)mb);                         \
            vc_##NAME mx = VMAX((vc_##NAME)ma, (vc_##NAME)mb);                         \
            s = SUM;                                                                   \
            if (region) /* literal: the region-table variants add kappa per lane */  \
                s += simd_region_kappa_##NAME(ma, mb, k);                              \
            in_lo = VMIN(mn, (vc_##NAME)s) > k->below_min_normal;                      \
            *top = VMAX(*top, VMAX(mx, (vc_##NAME)s));                                 \
            zero = (vc_##NAME)(ZERO);                                                  \
        }                                                                              \
        *ok &= in_lo | zero;                                                           \
        return ((vu_##NAME)(WIDEN(in_lo)) & s) | ((a ^ b) & ~k->abs_mask);             \
    }

#define SIMD_SAME_WIDTH(mask) (mask)

/* A variant's correction kappa is added to every log sum: for mul the vector
 * computes |a| + |b| - one', for div |a| + one' - |b|, with one' = bits(1.0)
 * minus, respectively plus, kappa.  The lane checks test the sum itself, so
 * they hold for any kappa with |kappa| < 2^frac_bits. */
#define SIMD_FOLD_mul(one, kappa) ((one) - (__typeof__(one))(kappa))
#define SIMD_FOLD_div(one, kappa) ((one) + (__typeof__(one))(kappa))

#define SIMD_DEFINE_FORMAT(NAME, UINT, SINT, CSINT, EB, FB, VMIN, VMAX, ZMUL, ZDIV, WIDEN, LOOKUP) \
    typedef UINT vu_##NAME __attribute__((vector_size(MITCHELL_SIMD_BYTES)));          \
    typedef SINT vs_##NAME __attribute__((vector_size(MITCHELL_SIMD_BYTES)));          \
    typedef CSINT vc_##NAME __attribute__((vector_size(MITCHELL_SIMD_BYTES)));         \
    enum { LANES_##NAME = MITCHELL_SIMD_BYTES / sizeof(UINT),                          \
           CHECK_SHIFT_##NAME = 8 * (sizeof(UINT) - sizeof(CSINT)) };                  \
    typedef struct {                                                                   \
        /* one: bits(1.0) with the variant's correction folded in (see        */    \
        /* SIMD_DEFINE_LOOP); corr: the same correction for the scalar kernel */     \
        vu_##NAME abs_mask, one;                                                       \
        /* (min normal - 1), (inf - 1) and the ignored lanes, in check lanes */       \
        vc_##NAME below_min_normal, below_inf, ignore;                                 \
        const mitchell_correction *corr;                                               \
        /* region variants: the table in lane type and the index shift */            \
        const UINT *tab;                                                               \
        unsigned shift, r;                                                             \
    } simd_consts_##NAME;                                                              \
    /* Made once per call and hidden from the optimiser, which otherwise */          \
    /* rebuilds some of them inside the loop (GCC 12 on AVX2). */                    \
    MITCHELL_INLINE simd_consts_##NAME simd_consts_##NAME##_make(UINT one,              \
                                                                 const mitchell_correction *corr, \
                                                                 const UINT *tab)       \
    {                                                                                  \
        simd_consts_##NAME k;                                                          \
        const int shift = CHECK_SHIFT_##NAME;                                          \
        k.abs_mask = (vu_##NAME){0} + (UINT)ieee_abs_mask(EB, FB);                     \
        k.one = (vu_##NAME){0} + one;                                                  \
        k.corr = corr;                                                                 \
        k.tab = tab;                                                                   \
        k.r = corr->index_bits;                                                        \
        k.shift = FB - corr->index_bits;                                               \
        k.below_min_normal = (vc_##NAME){0} + (CSINT)((ieee_min_normal_bits(FB) >> shift) - 1); \
        k.below_inf = (vc_##NAME){0} + (CSINT)((ieee_inf_bits(EB, FB) >> shift) - 1);  \
        k.ignore = (vc_##NAME)((vu_##NAME){0} + (UINT)(((uint64_t)1 << shift) - 1));   \
        SIMD_OPAQUE(k.abs_mask);                                                       \
        SIMD_OPAQUE(k.one);                                                            \
        SIMD_OPAQUE(k.below_min_normal);                                               \
        SIMD_OPAQUE(k.below_inf);                                                      \
        return k;                                                                      \
    }                                                                                  \
    /* kappa of each lane from the region table, indexed by the leading r      */  \
    /* fraction bits of both operands: bits [r, 2r) from a, [0, r) from b; the  */  \
    /* bits above 2r hold a's exponent, which LOOKUP ignores (permutes read     */  \
    /* the low bits only, the other lookups mask them off).                     */  \
    MITCHELL_INLINE vu_##NAME simd_region_kappa_##NAME(vu_##NAME ma, vu_##NAME mb,      \
                                                       const simd_consts_##NAME *k)    \
    {                                                                                  \
        const vu_##NAME low = (vu_##NAME){0} + (UINT)((1u << k->r) - 1);               \
        vu_##NAME idx = ((ma >> (k->shift - k->r)) & ~low) | ((mb >> k->shift) & low); \
        return LOOKUP(k->tab, idx);                                                    \
    }                                                                                  \
    /* mul: |a| + |b| - (one - kappa); div: |a| - |b| + (one + kappa) */              \
    SIMD_DEFINE_OP(mul, NAME, VMIN, VMAX, ma + mb - one, ZMUL, WIDEN)                   \
    SIMD_DEFINE_OP(div, NAME, VMIN, VMAX, ma + one - mb, ZDIV, WIDEN)

/* Zero paths on same-width check lanes: mul when min(|a|, |b|) == 0; div when
 * |a| == 0 < |b|, i.e. |a| < min(|b|, 1). */
SIMD_DEFINE_FORMAT(f16, uint16_t, int16_t, int16_t, MITCHELL_EB_f16, MITCHELL_FB_f16,
                   MITCHELL_SIMD_MIN16, MITCHELL_SIMD_MAX16, mn == 0,
                   MITCHELL_SIMD_MIN16((vc_f16)mb, (vc_f16){0} + 1) > (vc_f16)ma, SIMD_SAME_WIDTH,
                   MITCHELL_SIMD_LOOKUP16)
SIMD_DEFINE_FORMAT(bf16, uint16_t, int16_t, int16_t, MITCHELL_EB_bf16, MITCHELL_FB_bf16,
                   MITCHELL_SIMD_MIN16, MITCHELL_SIMD_MAX16, mn == 0,
                   MITCHELL_SIMD_MIN16((vc_bf16)mb, (vc_bf16){0} + 1) > (vc_bf16)ma, SIMD_SAME_WIDTH,
                   MITCHELL_SIMD_LOOKUP16)
SIMD_DEFINE_FORMAT(f32, uint32_t, int32_t, int32_t, MITCHELL_EB_f32, MITCHELL_FB_f32,
                   MITCHELL_SIMD_MIN32, MITCHELL_SIMD_MAX32, mn == 0,
                   MITCHELL_SIMD_MIN32((vc_f32)mb, (vc_f32){0} + 1) > (vc_f32)ma, SIMD_SAME_WIDTH,
                   MITCHELL_SIMD_LOOKUP32)
#if SIMD_NATIVE_MIN32
/* float64: 32-bit check lanes; the zero tests need the whole 64-bit lane, and
 * a check-lane mask is widened from the sign of its lane's high half. */
#define SIMD_WIDEN_F64(mask) ((vs_f64)(mask) < 0)
SIMD_DEFINE_FORMAT(f64, uint64_t, int64_t, int32_t, MITCHELL_EB_f64, MITCHELL_FB_f64,
                   MITCHELL_SIMD_MIN32, MITCHELL_SIMD_MAX32,
                   ((vs_f64)ma == 0) | ((vs_f64)mb == 0),
                   ((vs_f64)ma == 0) & ((vs_f64)mb != 0), SIMD_WIDEN_F64, MITCHELL_SIMD_LOOKUP64)
#else
/* without a native 32-bit min/max (SSE2) the 64-bit lanes are cheaper */
SIMD_DEFINE_FORMAT(f64, uint64_t, int64_t, int64_t, MITCHELL_EB_f64, MITCHELL_FB_f64,
                   MITCHELL_SIMD_MIN64, MITCHELL_SIMD_MAX64, mn == 0,
                   MITCHELL_SIMD_MIN64((vc_f64)mb, (vc_f64){0} + 1) > (vc_f64)ma, SIMD_SAME_WIDTH,
                   MITCHELL_SIMD_LOOKUP64)
#endif

/* Vectors per block: one test (and one branch) per block.  Measured on Zen 4
 * with AVX2 (float32 and float64, 2026-12-03): 4 vectors are 15-20 % slower
 * than 2 (GCC 12 then keeps the results on the stack: 16 ymm registers do not
 * hold four results and the constants); the AVX-512 loops of
 * contiguous_avx512_additive.h, with 32 registers, take 4. */
#ifndef SIMD_BLOCK_VECTORS
#define SIMD_BLOCK_VECTORS 2
#endif


/*
 * Blocks of SIMD_BLOCK_VECTORS vectors.  sa and sb are literal 0 or 1 at every call site
 * (see SIMD_DEFINE_ENTRY), so each instance is a plain contiguous or
 * scalar-broadcast loop.  A partial block (the remainder, or the elements
 * before the output is vector-aligned) is computed in a local buffer padded
 * with 1.0, a plain lane for both operations, so it is vectorised too.
 * A scalar operand that is normal and finite is checked once per call and
 * folded into the sum (known, c: see SIMD_DEFINE_OP).  The partial blocks
 * keep the general path: a padding lane of 1.0 against such a scalar need not
 * be plain (1 / max underflows), and a kernel redo would raise its flag.
 */
#define SIMD_DEFINE_LOOP(OP, NAME, UINT, EB, FB)                                        \
    /* One block: load, compute, and store only if every lane was final; */          \
    /* otherwise the kernel redoes the block (it reads each input before */          \
    /* writing the same index, so out == a is fine).  stream, region and   */        \
    /* known are literal; with known, sv is the broadcast scalar.           */        \
    MITCHELL_INLINE void block_##OP##_##NAME(const UINT *a, intptr_t sa, const UINT *b, \
                                             intptr_t sb, UINT *out, unsigned *flags,  \
                                             const simd_consts_##NAME *k, int stream,  \
                                             int region, int known, vu_##NAME c,       \
                                             vu_##NAME sv)                             \
    {                                                                                  \
        enum { L = LANES_##NAME, V = SIMD_BLOCK_VECTORS };                             \
        vu_##NAME r[V];                                                                \
        vc_##NAME ok = ~(vc_##NAME){0}, top = {0};                                     \
        for (int v = 0; v < V; v++) {                                                  \
            vu_##NAME x, y;                                                            \
            if (sa)                                                                    \
                memcpy(&x, a + v * L, sizeof x);                                       \
            else                                                                       \
                x = known ? sv : (vu_##NAME){0} + a[0];                                \
            if (sb)                                                                    \
                memcpy(&y, b + v * L, sizeof y);                                       \
            else                                                                       \
                y = known ? sv : (vu_##NAME){0} + b[0];                                \
            r[v] = vec_##OP##_##NAME(x, y, k, &ok, &top, region,                       \
                                     !known ? SIMD_KNOWN_NONE : sa ? SIMD_KNOWN_B : SIMD_KNOWN_A, c); \
        }                                                                              \
        if (__builtin_expect(MITCHELL_SIMD_ALL((ok & ~(top > k->below_inf)) | k->ignore), 1)) { \
            for (int v = 0; v < V; v++) {                                              \
                if (stream)                                                            \
                    SIMD_STREAM(out + v * L, r[v]);                                    \
                else                                                                   \
                    memcpy(out + v * L, &r[v], sizeof r[v]);                           \
            }                                                                          \
        } else {                                                                       \
            for (intptr_t j = 0; j < V * L; j++)                                       \
                out[j] = mitchell_##OP##_##NAME##_corrected(a[j * sa], b[j * sb], k->corr, flags);  \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* m < BLOCK elements through a padded local block. */                            \
    MITCHELL_INLINE void partial_##OP##_##NAME(const UINT *a, intptr_t sa, const UINT *b, \
                                               intptr_t sb, UINT *out, intptr_t m,     \
                                               unsigned *flags,                        \
                                               const simd_consts_##NAME *k, int region) \
    {                                                                                  \
        enum { BLOCK = SIMD_BLOCK_VECTORS * LANES_##NAME };                            \
        const UINT one = (UINT)ieee_one_bits(EB, FB);                                  \
        const vu_##NAME unused = {0};                                                  \
        UINT ta[BLOCK], tb[BLOCK], tr[BLOCK];                                          \
        for (intptr_t j = 0; j < BLOCK; j++) {                                         \
            ta[j] = j < m ? a[j * sa] : one;                                           \
            tb[j] = j < m ? b[j * sb] : one;                                           \
        }                                                                              \
        block_##OP##_##NAME(ta, 1, tb, 1, tr, flags, k, 0, region, 0, unused, unused); \
        memcpy(out, tr, (size_t)m * sizeof(UINT));                                     \
    }                                                                                  \
                                                                                       \
    /* region and known are literal; with known, the scalar operand is the */        \
    /* normal finite s_bits and c_bits its folded constant.                  */        \
    MITCHELL_INLINE unsigned run_##OP##_##NAME(const UINT *a, intptr_t sa, const UINT *b, \
                                               intptr_t sb, UINT *out, intptr_t n,     \
                                               const simd_consts_##NAME *k, int region, \
                                               int known, UINT c_bits, UINT s_bits)    \
    {                                                                                  \
        enum { BLOCK = SIMD_BLOCK_VECTORS * LANES_##NAME };                            \
        unsigned flags = 0;                                                            \
        intptr_t i = 0;                                                                \
        vu_##NAME c = (vu_##NAME){0} + c_bits, sv = (vu_##NAME){0} + s_bits;           \
        if (known) {                                                                   \
            SIMD_OPAQUE(c);                                                            \
            SIMD_OPAQUE(sv);                                                           \
        }                                                                              \
        if (SIMD_CAN_STREAM && (size_t)n * sizeof(UINT) >= MITCHELL_STREAM_MIN_BYTES   \
            && (uintptr_t)out % sizeof(UINT) == 0) {                                   \
            /* elements before out + i is vector-aligned */                            \
            uintptr_t misalign = (uintptr_t)out % MITCHELL_SIMD_BYTES;                 \
            intptr_t head = misalign ? (intptr_t)((MITCHELL_SIMD_BYTES - misalign) / sizeof(UINT)) : 0; \
            if (head)                                                                  \
                partial_##OP##_##NAME(a, sa, b, sb, out, head, &flags, k, region);     \
            for (i = head; i + BLOCK <= n; i += BLOCK)                                 \
                block_##OP##_##NAME(a + i * sa, sa, b + i * sb, sb, out + i, &flags, k, 1, region, \
                                    known, c, sv);                                     \
            SIMD_STREAM_FENCE();                                                       \
        } else {                                                                       \
            for (; i + BLOCK <= n; i += BLOCK)                                         \
                block_##OP##_##NAME(a + i * sa, sa, b + i * sb, sb, out + i, &flags, k, 0, region, \
                                    known, c, sv);                                     \
        }                                                                              \
        if (i < n)                                                                     \
            partial_##OP##_##NAME(a + i * sa, sa, b + i * sb, sb, out + i, n - i, &flags, k, region); \
        return flags;                                                                  \
    }                                                                                  \
                                                                                       \
    /* region is literal: the additive and the region-table instances */           \
    MITCHELL_INLINE unsigned simd_##OP##_##NAME(const UINT *a, intptr_t sa, const UINT *b, \
                                                intptr_t sb, UINT *out, intptr_t n,    \
                                                const mitchell_correction *corr, int region) \
    {                                                                                  \
        /* an additive correction folds into the constant (it is added to every */  \
        /* sum); a region table is copied in the lane type for the gathers */       \
        const UINT unit = (UINT)ieee_one_bits(EB, FB);                                 \
        const UINT one = region ? unit : (UINT)SIMD_FOLD_##OP(unit, corr->constant);   \
        UINT tab[1 << (2 * MITCHELL_CONTIG_MAX_INDEX_BITS)];                           \
        if (region)                                                                    \
            for (int j = 0; j < 1 << (2 * corr->index_bits); j++)                      \
                tab[j] = (UINT)corr->table[j];                                         \
        const simd_consts_##NAME k = simd_consts_##NAME##_make(one, corr, tab);        \
        if (!region && !(sa && sb) && n > 0) { /* literal but for n: one scalar */    \
            const UINT s_bits = sa ? b[0] : a[0];                                      \
            const UINT m = (UINT)(s_bits & ieee_abs_mask(EB, FB));                     \
            if (m >= ieee_min_normal_bits(FB) && m < ieee_inf_bits(EB, FB))            \
                return run_##OP##_##NAME(a, sa, b, sb, out, n, &k, 0, 1,               \
                                         (UINT)SIMD_KNOWN_C(OP, m, one, !sa), s_bits); \
        }                                                                              \
        return run_##OP##_##NAME(a, sa, b, sb, out, n, &k, region, 0, 0, 0);           \
    }

/*
 * Entry point: picks the stride pattern so that each is a literal.  An output
 * that overlaps an input without being the same array (NumPy's accumulate
 * passes out = a + 1 element, so each result feeds the next) must be
 * computed in order, element by element, exactly as the strided loop does.
 */
#define SIMD_DEFINE_ENTRY(OP, NAME, UINT, EB, FB)                                       \
    SIMD_DEFINE_LOOP(OP, NAME, UINT, EB, FB)                                            \
    static unsigned contig_##OP##_##NAME MITCHELL_CONTIG_SIGNATURE(UINT)                \
    {                                                                                  \
        if (simd_overlaps(out, a, sa ? n : 1, n, sizeof(UINT))                         \
            || simd_overlaps(out, b, sb ? n : 1, n, sizeof(UINT))) {                   \
            unsigned flags = 0;                                                        \
            for (intptr_t i = 0; i < n; i++)                                           \
                out[i] = mitchell_##OP##_##NAME##_corrected(a[i * sa], b[i * sb], corr, &flags); \
            return flags;                                                              \
        }                                                                              \
        if (corr->table == NULL && SIMD_ADDITIVE_##NAME(OP) != NULL)                   \
            return SIMD_ADDITIVE_##NAME(OP)(a, sa, b, sb, out, n, corr);               \
        if (corr->table != NULL) {                                                     \
            if (sa && sb)                                                              \
                return simd_##OP##_##NAME(a, 1, b, 1, out, n, corr, 1);                \
            if (sb)                                                                    \
                return simd_##OP##_##NAME(a, 0, b, 1, out, n, corr, 1);                \
            return simd_##OP##_##NAME(a, 1, b, 0, out, n, corr, 1);                    \
        }                                                                              \
        if (sa && sb)                                                                  \
            return simd_##OP##_##NAME(a, 1, b, 1, out, n, corr, 0);                    \
        if (sb)                                                                        \
            return simd_##OP##_##NAME(a, 0, b, 1, out, n, corr, 0);                    \
        return simd_##OP##_##NAME(a, 1, b, 0, out, n, corr, 0);                        \
    }

/* A target's own loop for an additive correction (plain Mitchell and the
 * constant-kappa variants), where it has one: MITCHELL_SIMD_ADDITIVE_<fmt>(OP)
 * names a function with the contiguous signature. */
#ifdef MITCHELL_SIMD_ADDITIVE_f32
#define SIMD_ADDITIVE_f32(OP) MITCHELL_SIMD_ADDITIVE_f32(OP)
#else
#define SIMD_ADDITIVE_f32(OP) ((unsigned (*) MITCHELL_CONTIG_SIGNATURE(uint32_t))NULL)
#endif
#ifdef MITCHELL_SIMD_ADDITIVE_f64
#define SIMD_ADDITIVE_f64(OP) MITCHELL_SIMD_ADDITIVE_f64(OP)
#else
#define SIMD_ADDITIVE_f64(OP) ((unsigned (*) MITCHELL_CONTIG_SIGNATURE(uint64_t))NULL)
#endif
#define SIMD_ADDITIVE_f16(OP) ((unsigned (*) MITCHELL_CONTIG_SIGNATURE(uint16_t))NULL)
#define SIMD_ADDITIVE_bf16(OP) ((unsigned (*) MITCHELL_CONTIG_SIGNATURE(uint16_t))NULL)

/* Whether out[0, n) and in[0, m) share memory without being the same array. */
static int simd_overlaps(const void *out, const void *in, intptr_t m, intptr_t n, size_t size)
{
    uintptr_t o = (uintptr_t)out, i = (uintptr_t)in;
    if (o == i && m == n)
        return 0;
    return o < i + (uintptr_t)m * size && i < o + (uintptr_t)n * size;
}

SIMD_DEFINE_ENTRY(mul, f16, uint16_t, MITCHELL_EB_f16, MITCHELL_FB_f16)
SIMD_DEFINE_ENTRY(div, f16, uint16_t, MITCHELL_EB_f16, MITCHELL_FB_f16)
SIMD_DEFINE_ENTRY(mul, bf16, uint16_t, MITCHELL_EB_bf16, MITCHELL_FB_bf16)
SIMD_DEFINE_ENTRY(div, bf16, uint16_t, MITCHELL_EB_bf16, MITCHELL_FB_bf16)
SIMD_DEFINE_ENTRY(mul, f32, uint32_t, MITCHELL_EB_f32, MITCHELL_FB_f32)
SIMD_DEFINE_ENTRY(div, f32, uint32_t, MITCHELL_EB_f32, MITCHELL_FB_f32)
SIMD_DEFINE_ENTRY(mul, f64, uint64_t, MITCHELL_EB_f64, MITCHELL_FB_f64)
SIMD_DEFINE_ENTRY(div, f64, uint64_t, MITCHELL_EB_f64, MITCHELL_FB_f64)

#define SIMD_PASTE_ISA_(name) MITCHELL_ISA_##name
#define SIMD_PASTE_ISA(name) SIMD_PASTE_ISA_(name)

const mitchell_contig_table SIMD_TABLE = {
    .isa = SIMD_PASTE_ISA(MITCHELL_SIMD_ISA),
    .mul_f16 = contig_mul_f16, .div_f16 = contig_div_f16,
    .mul_bf16 = contig_mul_bf16, .div_bf16 = contig_div_bf16,
    .mul_f32 = contig_mul_f32, .div_f32 = contig_div_f32,
    .mul_f64 = contig_mul_f64, .div_f64 = contig_div_f64,
};
