/*
 * Contiguous loops for AVX2 (32-byte vectors), chosen at run time by
 * contiguous.c; the compiler's target is switched for this file only, so the
 * build never needs -march.  Empty on other architectures and compilers.
 */
#include "contiguous.h"
#include "kernels.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#include <immintrin.h>

#define MITCHELL_SIMD_NAME avx2
#define MITCHELL_SIMD_ISA AVX2
#define MITCHELL_SIMD_BYTES 32
#define MITCHELL_SIMD_ALL(v) (_mm256_movemask_epi8((__m256i)(v)) == -1)
#define MITCHELL_SIMD_MIN16(x, y) ((__typeof__(x))_mm256_min_epi16((__m256i)(x), (__m256i)(y)))
#define MITCHELL_SIMD_MAX16(x, y) ((__typeof__(x))_mm256_max_epi16((__m256i)(x), (__m256i)(y)))
#define MITCHELL_SIMD_MIN32(x, y) ((__typeof__(x))_mm256_min_epi32((__m256i)(x), (__m256i)(y)))
#define MITCHELL_SIMD_MAX32(x, y) ((__typeof__(x))_mm256_max_epi32((__m256i)(x), (__m256i)(y)))

/* 64-entry tables of 32- and 64-bit entries: gathers. */
#define MITCHELL_SIMD_LOOKUP32(tab, idx)                                               \
    ((__typeof__(idx))_mm256_i32gather_epi32((const int *)(const void *)(tab), (__m256i)((idx) & 63), 4))
#define MITCHELL_SIMD_LOOKUP64(tab, idx)                                               \
    ((__typeof__(idx))_mm256_i64gather_epi64((const long long *)(const void *)(tab), (__m256i)((idx) & 63), 8))

#define MITCHELL_SIMD_OPAQUE(v) __asm__("" : "+v"(v))
#define MITCHELL_SIMD_STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (__m256i)(v))
#define MITCHELL_SIMD_STREAM_FENCE() _mm_sfence()

#include "contiguous_loops.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
