/*
 * Portable contiguous loops: the build's baseline instruction set, 16-byte
 * vectors (SSE2 on x86-64, NEON on aarch64, whatever the compiler lowers them
 * to elsewhere).  Always built, always available, and what MITCHELL_SIMD=baseline
 * selects.  Compilers without vector extensions get the scalar kernel loop.
 */
#include "contiguous.h"
#include "isa.h"
#include "kernels.h"

/* MITCHELL_NO_VECTOR_EXTENSIONS builds the scalar fallback with GCC too
 * (to check that it compiles). */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(MITCHELL_NO_VECTOR_EXTENSIONS)

#define MITCHELL_SIMD_NAME baseline
#define MITCHELL_SIMD_ISA BASELINE
#define MITCHELL_SIMD_BYTES 16

#if defined(__SSE2__)
#include <emmintrin.h>
/* lane masks are all ones or zero, so one bit per byte tells */
#define MITCHELL_SIMD_ALL(v) (_mm_movemask_epi8((__m128i)(v)) == 0xFFFF)
#define MITCHELL_SIMD_MIN16(x, y) ((__typeof__(x))_mm_min_epi16((__m128i)(x), (__m128i)(y)))
#define MITCHELL_SIMD_MAX16(x, y) ((__typeof__(x))_mm_max_epi16((__m128i)(x), (__m128i)(y)))
#define MITCHELL_SIMD_OPAQUE(v) __asm__("" : "+x"(v))
#define MITCHELL_SIMD_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (__m128i)(v))
#define MITCHELL_SIMD_STREAM_FENCE() _mm_sfence()
#elif defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define MITCHELL_SIMD_ALL(v) (vminvq_u32((uint32x4_t)(v)) == UINT32_MAX)
#define MITCHELL_SIMD_MIN16(x, y) ((__typeof__(x))vminq_s16((int16x8_t)(x), (int16x8_t)(y)))
#define MITCHELL_SIMD_MAX16(x, y) ((__typeof__(x))vmaxq_s16((int16x8_t)(x), (int16x8_t)(y)))
#define MITCHELL_SIMD_MIN32(x, y) ((__typeof__(x))vminq_s32((int32x4_t)(x), (int32x4_t)(y)))
#define MITCHELL_SIMD_MAX32(x, y) ((__typeof__(x))vmaxq_s32((int32x4_t)(x), (int32x4_t)(y)))
#define MITCHELL_SIMD_OPAQUE(v) __asm__("" : "+w"(v))
#else
typedef uint64_t simd_all_u64 __attribute__((vector_size(16)));
static inline int simd_all(simd_all_u64 v) { return (v[0] & v[1]) == UINT64_MAX; }
#define MITCHELL_SIMD_ALL(v) simd_all((simd_all_u64)(v))
#endif

#include "contiguous_loops.h"

#else /* no vector extensions: the scalar kernel, element by element */

#define SCALAR_LOOP(OP, NAME, UINT)                                                    \
    static unsigned contig_##OP##_##NAME MITCHELL_CONTIG_SIGNATURE(UINT)               \
    {                                                                                  \
        unsigned flags = 0;                                                            \
        for (intptr_t i = 0; i < n; i++)                                               \
            out[i] = mitchell_##OP##_##NAME##_corrected(a[i * sa], b[i * sb], corr, &flags); \
        return flags;                                                                  \
    }
SCALAR_LOOP(mul, f16, uint16_t) SCALAR_LOOP(div, f16, uint16_t)
SCALAR_LOOP(mul, bf16, uint16_t) SCALAR_LOOP(div, bf16, uint16_t)
SCALAR_LOOP(mul, f32, uint32_t) SCALAR_LOOP(div, f32, uint32_t)
SCALAR_LOOP(mul, f64, uint64_t) SCALAR_LOOP(div, f64, uint64_t)

const mitchell_contig_table mitchell_contig_table_baseline = {
    MITCHELL_ISA_BASELINE,
    contig_mul_f16, contig_div_f16, contig_mul_bf16, contig_div_bf16,
    contig_mul_f32, contig_div_f32, contig_mul_f64, contig_div_f64,
};
#endif
