/*
 * Micro-kernels of the Mitchell matrix product, one per instruction set,
 * chosen at run time.  All of them add the same exact products in the same
 * order (increasing k per tile element), so they give bit-identical tiles;
 * the portable kernel is always built and is the reference the tests force
 * with MITCHELL_MATMUL_ISA=portable.
 */
#include "matmul.h"
#include "matmul_kernels.h"
#include "isa.h"

#include <math.h>
#include <string.h>

/* Plain C, the same tile shape; the compiler vectorises the j loop. */
#define MITCHELL_DEFINE_PORTABLE_KERNEL(NAME, UINT, FLT, MR, NR)                       \
    static void kernel_##NAME##_portable(intptr_t kc, const UINT *pa, const UINT *pb,   \
                                         FLT *c, intptr_t ldc, int load)                \
    {                                                                                  \
        FLT acc[MR][NR];                                                               \
        for (int i = 0; i < MR; i++)                                                   \
            for (int j = 0; j < NR; j++)                                               \
                acc[i][j] = load ? c[i * ldc + j] : 0;                                 \
        for (intptr_t k = 0; k < kc; k++, pa += MR, pb += 2 * NR) {                    \
            FLT scale[NR];                                                             \
            memcpy(scale, pb + NR, sizeof scale);                                      \
            for (int i = 0; i < MR; i++) {                                             \
                UINT u[NR];                                                            \
                FLT t[NR];                                                             \
                for (int j = 0; j < NR; j++)                                           \
                    u[j] = pa[i] + pb[j];                                              \
                memcpy(t, u, sizeof t); /* one bit cast per row: vectorisable */       \
                for (int j = 0; j < NR; j++)                                           \
                    acc[i][j] = acc[i][j] + t[j] * scale[j];                           \
            }                                                                          \
        }                                                                              \
        for (int i = 0; i < MR; i++)                                                   \
            for (int j = 0; j < NR; j++)                                               \
                c[i * ldc + j] = acc[i][j] + (FLT)0;                                   \
    }

MITCHELL_DEFINE_PORTABLE_KERNEL(f32, uint32_t, float, MITCHELL_MR_PORTABLE, MITCHELL_NR_F32)
MITCHELL_DEFINE_PORTABLE_KERNEL(f64, uint64_t, double, MITCHELL_MR_PORTABLE, MITCHELL_NR_F64)

/*
 * The portable kernel for float16 products (computed as float32 products,
 * matmul_gemm.c) that may fall below float16's normal range: such a product
 * p, |p| < 2^emin16, is a float16 subnormal or zero, the exact value rounded
 * to the grid 2^(emin16 - fb16), ties to even.  (p + m) - m with
 * m = 1.5 * 2^(emin16 - fb16 + 23) is exactly that rounding: near m the
 * float32 grid is that spacing, and round-to-nearest-even on the float32
 * significand is ties-to-even on the float16 grid.  No -ffast-math anywhere,
 * so the compiler keeps both additions.
 */
#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) \
    && (defined(__clang__) ? __clang_major__ >= 14 : (defined(__GNUC__) && __GNUC__ >= 6))
#define MITCHELL_GRID_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MITCHELL_GRID_CLONES
#endif

typedef float mm_grid_f __attribute__((vector_size(MITCHELL_NR_F32 * sizeof(float))));
typedef uint32_t mm_grid_u __attribute__((vector_size(MITCHELL_NR_F32 * sizeof(uint32_t))));
typedef int32_t mm_grid_i __attribute__((vector_size(MITCHELL_NR_F32 * sizeof(int32_t))));

/* A row of the tile is one vector of NR lanes; the select is a lane mask.
 * One instance per tile height (SUFFIX names it). */
#define MITCHELL_DEFINE_GRID_KERNEL(SUFFIX, MR)                                        \
    MITCHELL_GRID_CLONES                                                               \
    static void kernel_f32_f16_grid_##SUFFIX(intptr_t kc, const uint32_t *pa, const uint32_t *pb, \
                                             float *c, intptr_t ldc, int load)         \
    {                                                                                  \
        enum { NR = MITCHELL_NR_F32 };                                                 \
        const int emin = 1 - ((1 << (MITCHELL_EB_f16 - 1)) - 1);                       \
        const mm_grid_f tiny = (mm_grid_f){0} + ldexpf(1.0f, emin);                    \
        const mm_grid_f magic = (mm_grid_f){0} + ldexpf(1.5f, emin - MITCHELL_FB_f16 + MITCHELL_FB_f32); \
        const mm_grid_u abs_mask = (mm_grid_u){0} + 0x7fffffffu;                       \
        mm_grid_f acc[MR];                                                             \
        for (int i = 0; i < MR; i++) {                                                 \
            acc[i] = (mm_grid_f){0};                                                   \
            if (load)                                                                  \
                memcpy(&acc[i], c + i * ldc, sizeof acc[i]);                           \
        }                                                                              \
        for (intptr_t k = 0; k < kc; k++, pa += MR, pb += 2 * NR) {                    \
            mm_grid_u frac;                                                            \
            mm_grid_f scale;                                                           \
            memcpy(&frac, pb, sizeof frac);                                            \
            memcpy(&scale, pb + NR, sizeof scale);                                     \
            for (int i = 0; i < MR; i++) {                                             \
                mm_grid_f p = (mm_grid_f)(frac + pa[i]) * scale;                       \
                mm_grid_f q = (p + magic) - magic;                                     \
                mm_grid_i below = (mm_grid_f)((mm_grid_u)p & abs_mask) < tiny;         \
                acc[i] = acc[i] + (mm_grid_f)(((mm_grid_i)q & below) | ((mm_grid_i)p & ~below)); \
            }                                                                          \
        }                                                                              \
        for (int i = 0; i < MR; i++) {                                                 \
            mm_grid_f out = acc[i] + 0.0f;                                             \
            memcpy(c + i * ldc, &out, sizeof out);                                     \
        }                                                                              \
    }

MITCHELL_DEFINE_GRID_KERNEL(portable, MITCHELL_MR_PORTABLE)

static const mitchell_kernel_table table_baseline = {MITCHELL_ISA_BASELINE, MITCHELL_MR_PORTABLE,
    kernel_f32_portable, kernel_f32_f16_grid_portable, kernel_f64_portable, 0, NULL, NULL,
    &mitchell_contig_table_baseline};

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MITCHELL_HAVE_AVX2_KERNELS 1
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/*
 * 5 x 16 float32 tiles (5 x 8 float64) in 10 accumulators (8 would leave no
 * slack for the 4-cycle FMA latency at 2 FMAs per cycle).  Per k: two
 * fraction vectors and two scale vectors of B, then per row one broadcast of
 * packed A, two integer additions (vpaddd) and two FMAs.  On AMD Zen the
 * additions and the FMAs go to different pipes; on Intel cores they compete
 * for ports 0, 1 and 5.
 */
#define ROW256(I, SFX, EPI, FLT, HALF)                                                 \
    do {                                                                               \
        __m256i a = _mm256_cast##SFX##_si256(_mm256_broadcast_s##HALF((const FLT *)(pa + I))); \
        c##I##0 = _mm256_fmadd_##SFX(_mm256_castsi256_##SFX(_mm256_add_##EPI(a, f0)), s0, c##I##0); \
        c##I##1 = _mm256_fmadd_##SFX(_mm256_castsi256_##SFX(_mm256_add_##EPI(a, f1)), s1, c##I##1); \
    } while (0)

/* SFX: ps or pd; EPI: the integer lanes of the same width; HALF: s or d (the
 * broadcast); W: lanes per 256-bit vector, NR / 2. */
#define MITCHELL_DEFINE_AVX2_KERNEL(NAME, UINT, FLT, VEC, SFX, EPI, HALF, W, MR, NR)     \
    AVX2 static void kernel_##NAME##_avx2(intptr_t kc, const UINT *pa, const UINT *pb,   \
                                          FLT *c, intptr_t ldc, int load)              \
    {                                                                                  \
        VEC c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;                          \
        if (load) {                                                                    \
            c00 = _mm256_loadu_##SFX(c + 0 * ldc); c01 = _mm256_loadu_##SFX(c + 0 * ldc + W); \
            c10 = _mm256_loadu_##SFX(c + 1 * ldc); c11 = _mm256_loadu_##SFX(c + 1 * ldc + W); \
            c20 = _mm256_loadu_##SFX(c + 2 * ldc); c21 = _mm256_loadu_##SFX(c + 2 * ldc + W); \
            c30 = _mm256_loadu_##SFX(c + 3 * ldc); c31 = _mm256_loadu_##SFX(c + 3 * ldc + W); \
            c40 = _mm256_loadu_##SFX(c + 4 * ldc); c41 = _mm256_loadu_##SFX(c + 4 * ldc + W); \
        } else {                                                                       \
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = _mm256_setzero_##SFX(); \
        }                                                                              \
        MITCHELL_UNROLL_2                                                              \
        for (intptr_t k = 0; k < kc; k++) {                                            \
            const __m256i f0 = _mm256_load_si256((const __m256i *)pb);                 \
            const __m256i f1 = _mm256_load_si256((const __m256i *)(pb + W));           \
            const VEC s0 = _mm256_load_##SFX((const FLT *)(pb + 2 * W));               \
            const VEC s1 = _mm256_load_##SFX((const FLT *)(pb + 3 * W));               \
            _mm_prefetch((const char *)(pa + 16 * MR), _MM_HINT_T0);                   \
            ROW256(0, SFX, EPI, FLT, HALF); ROW256(1, SFX, EPI, FLT, HALF);            \
            ROW256(2, SFX, EPI, FLT, HALF); ROW256(3, SFX, EPI, FLT, HALF);            \
            ROW256(4, SFX, EPI, FLT, HALF);                                            \
            pa += MR;                                                                  \
            pb += 2 * NR;                                                              \
        }                                                                              \
        const VEC z = _mm256_setzero_##SFX();                                          \
        _mm256_storeu_##SFX(c + 0 * ldc, _mm256_add_##SFX(c00, z));                    \
        _mm256_storeu_##SFX(c + 0 * ldc + W, _mm256_add_##SFX(c01, z));                \
        _mm256_storeu_##SFX(c + 1 * ldc, _mm256_add_##SFX(c10, z));                    \
        _mm256_storeu_##SFX(c + 1 * ldc + W, _mm256_add_##SFX(c11, z));                \
        _mm256_storeu_##SFX(c + 2 * ldc, _mm256_add_##SFX(c20, z));                    \
        _mm256_storeu_##SFX(c + 2 * ldc + W, _mm256_add_##SFX(c21, z));                \
        _mm256_storeu_##SFX(c + 3 * ldc, _mm256_add_##SFX(c30, z));                    \
        _mm256_storeu_##SFX(c + 3 * ldc + W, _mm256_add_##SFX(c31, z));                \
        _mm256_storeu_##SFX(c + 4 * ldc, _mm256_add_##SFX(c40, z));                    \
        _mm256_storeu_##SFX(c + 4 * ldc + W, _mm256_add_##SFX(c41, z));                \
    }

#if defined(__GNUC__) && !defined(__clang__)
#define MITCHELL_UNROLL_2 _Pragma("GCC unroll 2")
#define MITCHELL_UNROLL_4 _Pragma("GCC unroll 4")
#define MITCHELL_UNROLL_ROWS _Pragma("GCC unroll 16") /* every row of a tile */
#elif defined(__clang__)
#define MITCHELL_UNROLL_2
#define MITCHELL_UNROLL_4
#define MITCHELL_UNROLL_ROWS _Pragma("unroll")
#else
#define MITCHELL_UNROLL_2
#define MITCHELL_UNROLL_4
#define MITCHELL_UNROLL_ROWS
#endif

#if MITCHELL_MR_AVX2 != 5 || MITCHELL_NR_F32 != 16 || MITCHELL_NR_F64 != 8
#error "the AVX2 kernels are written for 5-row tiles, two 256-bit vectors per row"
#endif
MITCHELL_DEFINE_AVX2_KERNEL(f32, uint32_t, float, __m256, ps, epi32, s, 8, MITCHELL_MR_AVX2, MITCHELL_NR_F32)
MITCHELL_DEFINE_AVX2_KERNEL(f64, uint64_t, double, __m256d, pd, epi64, d, 4, MITCHELL_MR_AVX2, MITCHELL_NR_F64)

/* the portable grid kernel has the AVX2 tile height and an AVX2 clone */
static const mitchell_kernel_table table_avx2 = {MITCHELL_ISA_AVX2, MITCHELL_MR_AVX2, kernel_f32_avx2,
                                                 kernel_f32_f16_grid_portable, kernel_f64_avx2, 0, NULL, NULL,
                                                 &mitchell_contig_table_avx2};

#define AVX512 __attribute__((target("avx512f")))

/*
 * MR x 16 float32 tiles (MR x 8 float64): one 512-bit vector per row, MR
 * accumulators.  Per k: one fraction and one scale vector of B, then per row
 * one broadcast of packed A from memory, one integer addition and one FMA.
 * Twelve rows load B once per twelve vectors of products (five did so per
 * five): measured 13-15 % more products per second than 5 rows on Zen 4 in
 * a walk like a large product (bench/matmul_kernel_throughput.c).  Both
 * loops over rows are unrolled in full, so the accumulators live in 12 of
 * the 32 registers.
 */
/* SFX: ps or pd; EPI: the integer lanes of the same width; ROWS of the MR
 * rows of a panel (the short kernels take fewer). */
#define MITCHELL_DEFINE_AVX512_KERNEL(NAME, SUFFIX, UINT, FLT, VEC, SFX, EPI, ROWS, MR, NR) \
    AVX512 static void kernel_##NAME##_avx512##SUFFIX(intptr_t kc, const UINT *pa, const UINT *pb, \
                                                      FLT *c, intptr_t ldc, int load)  \
    {                                                                                  \
        VEC acc[ROWS];                                                                 \
        MITCHELL_UNROLL_ROWS                                                           \
        for (int i = 0; i < ROWS; i++)                                                   \
            acc[i] = load ? _mm512_loadu_##SFX(c + i * ldc) : _mm512_setzero_##SFX();  \
        MITCHELL_UNROLL_4                                                              \
        for (intptr_t k = 0; k < kc; k++) {                                            \
            const __m512i f = _mm512_load_si512((const void *)pb);                     \
            const VEC s = _mm512_load_##SFX((const FLT *)(pb + NR));                   \
            _mm_prefetch((const char *)(pa + 16 * MR), _MM_HINT_T0);                   \
            MITCHELL_UNROLL_ROWS                                                       \
            for (int i = 0; i < ROWS; i++)                                               \
                acc[i] = _mm512_fmadd_##SFX(                                           \
                    _mm512_castsi512_##SFX(_mm512_add_##EPI(_mm512_set1_##EPI(pa[i]), f)), s, acc[i]); \
            pa += MR;                                                                  \
            pb += 2 * NR;                                                              \
        }                                                                              \
        const VEC z = _mm512_setzero_##SFX();                                          \
        MITCHELL_UNROLL_ROWS                                                           \
        for (int i = 0; i < ROWS; i++)                                                   \
            _mm512_storeu_##SFX(c + i * ldc, _mm512_add_##SFX(acc[i], z));             \
    }

#define MITCHELL_DEFINE_AVX512_KERNELS(NAME, UINT, FLT, VEC, SFX, EPI, NR)              \
    MITCHELL_DEFINE_AVX512_KERNEL(NAME, , UINT, FLT, VEC, SFX, EPI, MITCHELL_MR_AVX512,   \
                                  MITCHELL_MR_AVX512, NR)                              \
    MITCHELL_DEFINE_AVX512_KERNEL(NAME, _short, UINT, FLT, VEC, SFX, EPI,               \
                                  MITCHELL_MR_AVX512_SHORT, MITCHELL_MR_AVX512, NR)
MITCHELL_DEFINE_AVX512_KERNELS(f32, uint32_t, float, __m512, ps, epi32, MITCHELL_NR_F32)
MITCHELL_DEFINE_AVX512_KERNELS(f64, uint64_t, double, __m512d, pd, epi64, MITCHELL_NR_F64)
MITCHELL_DEFINE_GRID_KERNEL(avx512, MITCHELL_MR_AVX512)

static const mitchell_kernel_table table_avx512 = {
    MITCHELL_ISA_AVX512, MITCHELL_MR_AVX512, kernel_f32_avx512, kernel_f32_f16_grid_avx512, kernel_f64_avx512,
    MITCHELL_MR_AVX512_SHORT, kernel_f32_avx512_short, kernel_f64_avx512_short, &mitchell_contig_table_avx512};

#endif

/* The table in use, published as one pointer (see contiguous.c). */
static const mitchell_kernel_table *active = &table_baseline;

const mitchell_kernel_table *mitchell_mm_kernels(void)
{
    return __atomic_load_n(&active, __ATOMIC_ACQUIRE);
}

int mitchell_matmul_select(int isa)
{
    const mitchell_kernel_table *t = NULL;
    if (isa == MITCHELL_ISA_BASELINE)
        t = &table_baseline;
#ifdef MITCHELL_HAVE_AVX2_KERNELS
    if (isa == MITCHELL_ISA_AVX2 && mitchell_isa_supported(isa))
        t = &table_avx2;
    if (isa == MITCHELL_ISA_AVX512 && mitchell_isa_supported(isa))
        t = &table_avx512;
#endif
    if (t == NULL)
        return -1;
    __atomic_store_n(&active, t, __ATOMIC_RELEASE);
    return 0;
}

int mitchell_matmul_isa(void)
{
    return mitchell_mm_kernels()->isa;
}
