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

#define MITCHELL_SIMD_OPAQUE(v) __asm__("" : "+v"(v))
#define MITCHELL_SIMD_STREAM(p, v) _mm512_stream_si512((void *)(p), (__m512i)(v))
#define MITCHELL_SIMD_STREAM_FENCE() _mm_sfence()

#include "contiguous_loops.h"

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#endif
