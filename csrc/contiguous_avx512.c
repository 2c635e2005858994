/*
 * Contiguous loops for AVX-512 F/BW/VL/DQ (64-byte vectors), chosen at run
 * time by contiguous.c; the compiler's target is switched for this file
 * only.  Empty on other architectures and compilers.
 */
#include "contiguous.h"
#include "kernels.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq")
#endif
#include <immintrin.h>

#define MITCHELL_SIMD_NAME avx512
#define MITCHELL_SIMD_ISA AVX512
#define MITCHELL_SIMD_BYTES 64
#define MITCHELL_SIMD_ALL(v) (_mm512_cmpeq_epi64_mask((__m512i)(v), _mm512_set1_epi64(-1)) == 0xFF)
#define MITCHELL_SIMD_MIN16(x, y) ((__typeof__(x))_mm512_min_epi16((__m512i)(x), (__m512i)(y)))
#define MITCHELL_SIMD_MAX16(x, y) ((__typeof__(x))_mm512_max_epi16((__m512i)(x), (__m512i)(y)))
#define MITCHELL_SIMD_MIN32(x, y) ((__typeof__(x))_mm512_min_epi32((__m512i)(x), (__m512i)(y)))
#define MITCHELL_SIMD_MAX32(x, y) ((__typeof__(x))_mm512_max_epi32((__m512i)(x), (__m512i)(y)))
#define MITCHELL_SIMD_MIN64(x, y) ((__typeof__(x))_mm512_min_epi64((__m512i)(x), (__m512i)(y)))
#define MITCHELL_SIMD_MAX64(x, y) ((__typeof__(x))_mm512_max_epi64((__m512i)(x), (__m512i)(y)))

/* 64-entry tables, indexed by the low 6 bits: 16-bit entries fill two
 * registers (one two-source permute, which reads those 6 bits); 32-bit ones
 * four (two permutes reading 5 bits, and a blend on bit 5); 64-bit ones take
 * a gather. */
#define MITCHELL_SIMD_LOOKUP16(tab, idx)                                               \
    ((__typeof__(idx))_mm512_permutex2var_epi16(_mm512_loadu_si512(tab), (__m512i)(idx), \
                                                _mm512_loadu_si512((tab) + 32)))
#define MITCHELL_SIMD_LOOKUP32(tab, idx)                                               \
    ({                                                                                 \
        const __m512i i_ = (__m512i)(idx);                                             \
        __m512i lo_ = _mm512_permutex2var_epi32(_mm512_loadu_si512(tab), i_,           \
                                                _mm512_loadu_si512((tab) + 16));       \
        __m512i hi_ = _mm512_permutex2var_epi32(_mm512_loadu_si512((tab) + 32), i_,    \
                                                _mm512_loadu_si512((tab) + 48));       \
        (__typeof__(idx))_mm512_mask_blend_epi32(_mm512_test_epi32_mask(i_, _mm512_set1_epi32(32)), \
                                                 lo_, hi_);                            \
    })
#define MITCHELL_SIMD_LOOKUP64(tab, idx)                                               \
    ((__typeof__(idx))_mm512_i64gather_epi64((__m512i)((idx) & 63), (const void *)(tab), 8))

#define MITCHELL_SIMD_OPAQUE(v) __asm__("" : "+v"(v))
#define MITCHELL_SIMD_STREAM(p, v) _mm512_stream_si512((void *)(p), (__m512i)(v))
#define MITCHELL_SIMD_STREAM_FENCE() _mm_sfence()

#include "contiguous_avx512_additive.h"
#include "contiguous_loops.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
