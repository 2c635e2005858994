/*
 * AVX-512 loops for float32 and float64 with an additive correction (plain
 * Mitchell, lmul, biasfree, minimax): the hot path of mitchell.mul/div.
 * Included by contiguous_avx512.c before contiguous_loops.h, whose entry
 * points call them (MITCHELL_SIMD_ADDITIVE_f32/_f64); the region-table
 * variants and the 16-bit formats keep the generic vector loops.
 *
 * Why not the generic loops: GCC's vector extensions turn every lane
 * compare into a mask register and back into a vector, and reduce it through
 * a vector compare and a general-purpose register.  Here compares write mask
 * registers that serve directly as write masks, and the range tests that
 * rarely fail are folded into one running maximum per block:
 *
 *   ma, mb  = |a|, |b|                                   2 and
 *   s       = ma + mb - one'  (div: ma + one' - mb)       2 add, sub
 *   lo      = min(ma, mb)                                1
 *   fast    = min(lo, s) >= min normal (unsigned)        2 (min, compare)
 *   top     = max(top, max(ma, mb)), and s in fast lanes 3 (max, max, masked max)
 *   zero    = lo == 0 (div: ma == 0 and mb != 0)         1 (2) test
 *   bad    |= not (fast or zero)                         mask operations
 *   result  = (a ^ b) & sign, or'ed with s in fast lanes 2 (vpternlog, masked or)
 *
 * and a block is final when no lane is bad and top < inf.  Then every lane
 * took the kernel's one-addition path (kernels.h: both operands normal and
 * finite, the sum in [min normal, inf)) or its zero path (mul: a zero
 * operand, the other finite; div: a zero dividend over a finite nonzero
 * divisor), whose results are s with the sign, and the sign alone.  The sums
 * are unsigned: magnitudes are below inf < 2^(width-1), so a sum that went
 * negative reads as a huge value, which fails top in a fast lane.
 *
 * What it costs, measured on Zen 4 (2026-12-03, docs/performance.md): about
 * 13 vector operations per vector, which the four 256-bit pipes run as two
 * 512-bit operations per cycle, about 6 cycles per vector of float32; a
 * vmulps loop over the same (16-byte misaligned) arrays takes 2.7 in L1.  In
 * L2 and beyond, memory hides most of the difference.
 *
 * Blocks of MITCHELL_AVX512_UNROLL vectors share one test: a block with any
 * other lane (inf, NaN, subnormal, overflow, underflow: rare in practice) is
 * recomputed element by element by the scalar kernel before anything is
 * stored, so values and flags are the kernel's and out == a is harmless.
 * Zeros stay in the vector path, because ReLU outputs are full of them.
 * Operands are loaded once; a scalar operand is broadcast once per call and,
 * when it is normal and finite, checked once and folded into the constant of
 * the sum (avx512_vec_known: 9 operations per vector).
 * The tail and the head before an aligned streaming store are one masked
 * block, its missing lanes read as 1.0 (a fast lane for both operations).
 */
#ifndef MITCHELL_CONTIGUOUS_AVX512_ADDITIVE_H
#define MITCHELL_CONTIGUOUS_AVX512_ADDITIVE_H

#include "contiguous.h"
#include "kernels.h"

#include <immintrin.h>
#include <stdint.h>

/* Vectors per block test (measured: 4 and 8 are alike at 64K-1M; 4 keeps the
 * redo of a block with one special lane short). */
#ifndef MITCHELL_AVX512_UNROLL
#define MITCHELL_AVX512_UNROLL 4
#endif

/* Hides a vector from the optimiser: GCC 12 otherwise rebuilds broadcast
 * constants inside the loop and loads an operand twice (once folded into an
 * and, once for the sign). */
#define AVX512_OPAQUE(v) __asm__("" : "+v"(v))

/* (x ^ y) & z as a vpternlog immediate (x = 0xF0, y = 0xCC, z = 0xAA). */
#define AVX512_XOR_AND 0x28

/*
 * One loop family per lane width W (32 or 64): MASK is the mask type of a
 * vector (__mmask16 or __mmask8), SET1 the broadcast of a constant.
 */
#define AVX512_DEFINE_ADDITIVE(NAME, UINT, W, MASK, SET1, EB, FB)                        \
    typedef struct {                                                                   \
        __m512i abs_mask, sign_mask, one, inf, min_normal, unit;                       \
        const mitchell_correction *corr;                                               \
    } avx512_consts_##NAME;                                                            \
                                                                                       \
    /* one: bits(1.0) with the variant's correction folded in (mul: minus     */    \
    /* kappa, div: plus kappa), as in contiguous_loops.h                       */    \
    MITCHELL_INLINE avx512_consts_##NAME avx512_consts_##NAME##_make(                   \
        UINT one, const mitchell_correction *corr)                                     \
    {                                                                                  \
        avx512_consts_##NAME k;                                                        \
        k.abs_mask = SET1(ieee_abs_mask(EB, FB));                                      \
        k.sign_mask = SET1(ieee_sign_mask(EB, FB));                                    \
        k.one = SET1(one);                                                             \
        k.inf = SET1(ieee_inf_bits(EB, FB));                                           \
        k.min_normal = SET1(ieee_min_normal_bits(FB));                                 \
        k.unit = SET1(ieee_one_bits(EB, FB));                                          \
        k.corr = corr;                                                                 \
        AVX512_OPAQUE(k.abs_mask);                                                     \
        AVX512_OPAQUE(k.sign_mask);                                                    \
        AVX512_OPAQUE(k.one);                                                          \
        AVX512_OPAQUE(k.inf);                                                          \
        AVX512_OPAQUE(k.min_normal);                                                   \
        return k;                                                                      \
    }                                                                                  \
                                                                                       \
    /* One vector; *bad collects the lanes it could not finish, *top the     */    \
    /* largest operand magnitude and the largest fast-lane sum (unsigned: a   */    \
    /* sum that went negative reads as huge), tested once per block.         */    \
    MITCHELL_INLINE __m512i avx512_vec_##NAME(__m512i a, __m512i b, int is_div,         \
                                              const avx512_consts_##NAME *k, MASK lanes, \
                                              MASK *bad, __m512i *top)                 \
    {                                                                                  \
        const __m512i ma = _mm512_and_si512(a, k->abs_mask);                           \
        const __m512i mb = _mm512_and_si512(b, k->abs_mask);                           \
        const __m512i s = is_div ? _mm512_sub_epi##W(_mm512_add_epi##W(ma, k->one), mb) \
                                 : _mm512_sub_epi##W(_mm512_add_epi##W(ma, mb), k->one); \
        const __m512i lo = _mm512_min_epu##W(ma, mb);                                  \
        const MASK fast = _mm512_cmpge_epu##W##_mask(_mm512_min_epu##W(lo, s), k->min_normal); \
        *top = _mm512_max_epu##W(*top, _mm512_max_epu##W(ma, mb));                     \
        *top = _mm512_mask_max_epu##W(*top, fast, *top, s);                            \
        const MASK zero = is_div ? _mm512_mask_testn_epi##W##_mask(_mm512_test_epi##W##_mask(mb, mb), ma, ma) \
                                 : _mm512_testn_epi##W##_mask(lo, lo);                 \
        *bad |= (MASK)(lanes & ~(fast | zero)); /* lanes: this vector's elements */   \
        const __m512i sign = _mm512_ternarylogic_epi##W(a, b, k->sign_mask, AVX512_XOR_AND); \
        return _mm512_mask_or_epi##W(sign, fast, sign, s);                             \
    }                                                                                  \
                                                                                       \
    /* One vector against a scalar operand that is normal and finite: its    */    \
    /* checks were made once per call, and its magnitude is folded into the  */    \
    /* constant c of the sum (mul: m - one'; div: one' - m for a scalar      */    \
    /* divisor, m + one' for a scalar dividend, where s = c - |x|).  x is     */    \
    /* the array operand, sv the broadcast scalar.                           */    \
    MITCHELL_INLINE __m512i avx512_vec_known_##NAME(__m512i x, __m512i sv, __m512i c,   \
                                                    int scalar_dividend,               \
                                                    const avx512_consts_##NAME *k,     \
                                                    MASK lanes, MASK *bad, __m512i *top) \
    {                                                                                  \
        const __m512i mx = _mm512_and_si512(x, k->abs_mask);                           \
        const __m512i s = scalar_dividend ? _mm512_sub_epi##W(c, mx) : _mm512_add_epi##W(mx, c); \
        const MASK fast = _mm512_cmpge_epu##W##_mask(_mm512_min_epu##W(mx, s), k->min_normal); \
        *top = _mm512_max_epu##W(*top, mx);                                            \
        *top = _mm512_mask_max_epu##W(*top, fast, *top, s);                            \
        /* a zero array element: the zero path, except as a divisor */               \
        const MASK zero = scalar_dividend ? (MASK)0 : _mm512_testn_epi##W##_mask(mx, mx); \
        *bad |= (MASK)(lanes & ~(fast | zero)); /* lanes: this vector's elements */   \
        const __m512i sign = _mm512_ternarylogic_epi##W(x, sv, k->sign_mask, AVX512_XOR_AND); \
        return _mm512_mask_or_epi##W(sign, fast, sign, s);                             \
    }                                                                                  \
                                                                                       \
    /*                                                                         */    \
    /* One block of m <= UNROLL * lanes elements.  sa, sb (0: the broadcast    */    \
    /* av, bv), is_div, stream, known (the broadcast operand is normal and     */    \
    /* finite, c its folded constant) and, in the main loop, m are literals.  */    \
    MITCHELL_INLINE void avx512_block_##NAME(const UINT *a, intptr_t sa, __m512i av,     \
                                             const UINT *b, intptr_t sb, __m512i bv,     \
                                             UINT *out, intptr_t m, int is_div, int stream, \
                                             int known, __m512i c,                     \
                                             const avx512_consts_##NAME *k, unsigned *flags) \
    {                                                                                  \
        enum { L = 64 / sizeof(UINT), U = MITCHELL_AVX512_UNROLL };                    \
        __m512i r[U], top = _mm512_setzero_si512();                                    \
        MASK bad = 0;                                                                  \
        for (int j = 0; j < U; j++) {                                                  \
            const intptr_t left = m - (intptr_t)j * L;                                 \
            if (left <= 0)                                                             \
                break;                                                                 \
            const MASK lanes = left >= L ? (MASK) ~0 : (MASK)(((uint64_t)1 << left) - 1); \
            __m512i x = av, y = bv;                                                    \
            if (left >= L) {                                                           \
                if (sa)                                                                \
                    x = _mm512_loadu_si512((const void *)(a + j * L));                 \
                if (sb)                                                                \
                    y = _mm512_loadu_si512((const void *)(b + j * L));                 \
            } else {                                                                   \
                if (sa)                                                                \
                    x = _mm512_mask_loadu_epi##W(k->unit, lanes, (const void *)(a + j * L)); \
                if (sb)                                                                \
                    y = _mm512_mask_loadu_epi##W(k->unit, lanes, (const void *)(b + j * L)); \
            }                                                                          \
            AVX512_OPAQUE(x);                                                          \
            AVX512_OPAQUE(y);                                                          \
            if (known)                                                                 \
                r[j] = avx512_vec_known_##NAME(sa ? x : y, sa ? bv : av, c, is_div && !sa, k, \
                                               lanes, &bad, &top);                     \
            else                                                                       \
                r[j] = avx512_vec_##NAME(x, y, is_div, k, lanes, &bad, &top);          \
        }                                                                              \
        if (__builtin_expect(bad == 0 && _mm512_cmpge_epu##W##_mask(top, k->inf) == 0, 1)) { \
            for (int j = 0; j < U; j++) {                                              \
                const intptr_t left = m - (intptr_t)j * L;                             \
                if (left <= 0)                                                         \
                    break;                                                             \
                if (left < L)                                                          \
                    _mm512_mask_storeu_epi##W((void *)(out + j * L),                   \
                                              (MASK)(((uint64_t)1 << left) - 1), r[j]); \
                else if (stream)                                                       \
                    _mm512_stream_si512((void *)(out + j * L), r[j]);                  \
                else                                                                   \
                    _mm512_storeu_si512((void *)(out + j * L), r[j]);                  \
            }                                                                          \
        } else {                                                                       \
            for (intptr_t j = 0; j < m; j++)                                           \
                out[j] = is_div                                                        \
                    ? mitchell_div_##NAME##_corrected(a[j * sa], b[j * sb], k->corr, flags) \
                    : mitchell_mul_##NAME##_corrected(a[j * sa], b[j * sb], k->corr, flags); \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    MITCHELL_INLINE unsigned avx512_run_##NAME(const UINT *a, intptr_t sa, const UINT *b,  \
                                               intptr_t sb, UINT *out, intptr_t n,     \
                                               const avx512_consts_##NAME *kp, int is_div, \
                                               int known, UINT c_bits)                 \
    {                                                                                  \
        enum { BLOCK = MITCHELL_AVX512_UNROLL * 64 / (int)sizeof(UINT) };              \
        const avx512_consts_##NAME k = *kp;                                            \
        const __m512i av = SET1(a[0]), bv = SET1(b[0]);                                \
        __m512i c = SET1(c_bits);                                                      \
        AVX512_OPAQUE(c);                                                              \
        unsigned flags = 0;                                                            \
        intptr_t i = 0;                                                                \
        /* the elements before out + i is 64-byte aligned: NumPy's large arrays */   \
        /* start 16 bytes into a page, and every vector access would straddle   */   \
        /* two cache lines; operands with out's alignment then align too        */   \
        const int aligned = (uintptr_t)out % sizeof(UINT) == 0 && n >= BLOCK;          \
        if (aligned) {                                                                 \
            const uintptr_t misalign = (uintptr_t)out % 64;                            \
            i = misalign ? (intptr_t)((64 - misalign) / sizeof(UINT)) : 0;             \
            if (i)                                                                     \
                avx512_block_##NAME(a, sa, av, b, sb, bv, out, i, is_div, 0, known, c, &k, &flags); \
        }                                                                              \
        if (aligned && (size_t)n * sizeof(UINT) >= MITCHELL_STREAM_MIN_BYTES) {        \
            for (; i + BLOCK <= n; i += BLOCK)                                         \
                avx512_block_##NAME(a + i * sa, sa, av, b + i * sb, sb, bv, out + i, BLOCK, \
                                    is_div, 1, known, c, &k, &flags);                  \
            _mm_sfence();                                                              \
        } else {                                                                       \
            for (; i + BLOCK <= n; i += BLOCK)                                         \
                avx512_block_##NAME(a + i * sa, sa, av, b + i * sb, sb, bv, out + i, BLOCK, \
                                    is_div, 0, known, c, &k, &flags);                  \
        }                                                                              \
        if (i < n)                                                                     \
            avx512_block_##NAME(a + i * sa, sa, av, b + i * sb, sb, bv, out + i, n - i,  \
                                is_div, 0, known, c, &k, &flags);                      \
        return flags;                                                                  \
    }                                                                                  \
                                                                                       \
    /* sa, sb and is_div are literals.  A broadcast operand that is normal and */    \
    /* finite takes the lighter vector function (avx512_vec_known).            */    \
    MITCHELL_INLINE unsigned avx512_loop_##NAME(const UINT *a, intptr_t sa, const UINT *b, \
                                                intptr_t sb, UINT *out, intptr_t n,    \
                                                const mitchell_correction *corr, int is_div) \
    {                                                                                  \
        const UINT unit = (UINT)ieee_one_bits(EB, FB);                                 \
        const UINT one = (UINT)(is_div ? unit + (UINT)corr->constant                   \
                                       : unit - (UINT)corr->constant);                 \
        const avx512_consts_##NAME k = avx512_consts_##NAME##_make(one, corr);          \
        if (n <= 0)                                                                    \
            return 0;                                                                  \
        if (sa && sb)                                                                  \
            return avx512_run_##NAME(a, sa, b, sb, out, n, &k, is_div, 0, 0);          \
        const UINT m = (UINT)((sa ? b[0] : a[0]) & ieee_abs_mask(EB, FB));             \
        if (m < ieee_min_normal_bits(FB) || m >= ieee_inf_bits(EB, FB))                \
            return avx512_run_##NAME(a, sa, b, sb, out, n, &k, is_div, 0, 0);          \
        const UINT c = (UINT)(!is_div ? m - one : sa ? one - m : m + one);             \
        return avx512_run_##NAME(a, sa, b, sb, out, n, &k, is_div, 1, c);              \
    }                                                                                  \
                                                                                       \
    AVX512_DEFINE_ENTRY(mul, 0, NAME, UINT)                                            \
    AVX512_DEFINE_ENTRY(div, 1, NAME, UINT)

/* Entry points: each stride pattern and operation a literal instance. */
#define AVX512_DEFINE_ENTRY(OP, IS_DIV, NAME, UINT)                                    \
    static unsigned avx512_additive_##OP##_##NAME MITCHELL_CONTIG_SIGNATURE(UINT)       \
    {                                                                                  \
        if (sa && sb)                                                                  \
            return avx512_loop_##NAME(a, 1, b, 1, out, n, corr, IS_DIV);               \
        if (sb)                                                                        \
            return avx512_loop_##NAME(a, 0, b, 1, out, n, corr, IS_DIV);               \
        return avx512_loop_##NAME(a, 1, b, 0, out, n, corr, IS_DIV);                   \
    }

#define AVX512_SET1_32(x) _mm512_set1_epi32((int)(uint32_t)(x))
#define AVX512_SET1_64(x) _mm512_set1_epi64((long long)(uint64_t)(x))

AVX512_DEFINE_ADDITIVE(f32, uint32_t, 32, __mmask16, AVX512_SET1_32, MITCHELL_EB_f32, MITCHELL_FB_f32)
AVX512_DEFINE_ADDITIVE(f64, uint64_t, 64, __mmask8, AVX512_SET1_64, MITCHELL_EB_f64, MITCHELL_FB_f64)

/* What contiguous_loops.h's entry points call for an additive correction. */
#define MITCHELL_SIMD_ADDITIVE_f32(OP) avx512_additive_##OP##_f32
#define MITCHELL_SIMD_ADDITIVE_f64(OP) avx512_additive_##OP##_f64

#endif
