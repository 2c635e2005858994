/*
 * Micro-kernels of the Mitchell matrix product, one per instruction set,
 * chosen at run time.  All of them add the same exact products in the same
 * order (increasing k per tile element), so they give bit-identical tiles;
 * the portable kernel is always built and is the reference the tests force
 * with MITCHELL_MATMUL_ISA=portable.
 */
#include "matmul.h"
#include "matmul_kernels.h"

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

MITCHELL_DEFINE_PORTABLE_KERNEL(f32, uint32_t, float, MITCHELL_MR_F32, MITCHELL_NR_F32)
MITCHELL_DEFINE_PORTABLE_KERNEL(f64, uint64_t, double, MITCHELL_MR_F64, MITCHELL_NR_F64)

static const mitchell_kernel_table table_portable = {"portable", kernel_f32_portable, kernel_f64_portable};

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MITCHELL_HAVE_AVX2_KERNELS 1
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))

/*
 * 5 x 16 float32 tile in 10 accumulators (8 would leave no slack for the
 * 4-cycle FMA latency at 2 FMAs per cycle).  Per k: two fraction vectors and two
 * scale vectors of B, then per row one broadcast of packed A, two integer
 * additions (vpaddd) and two FMAs; the additions and FMAs go to different
 * ports.
 */
#define ROW_F32(I)                                                                     \
    do {                                                                               \
        __m256i a = _mm256_castps_si256(_mm256_broadcast_ss((const float *)(pa + I)));                                   \
        c##I##0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_add_epi32(a, f0)), s0, c##I##0); \
        c##I##1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_add_epi32(a, f1)), s1, c##I##1); \
    } while (0)

AVX2 static void kernel_f32_avx2(intptr_t kc, const uint32_t *pa, const uint32_t *pb,
                                 float *c, intptr_t ldc, int load)
{
    __m256 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
    if (load) {
        c00 = _mm256_loadu_ps(c + 0 * ldc); c01 = _mm256_loadu_ps(c + 0 * ldc + 8);
        c10 = _mm256_loadu_ps(c + 1 * ldc); c11 = _mm256_loadu_ps(c + 1 * ldc + 8);
        c20 = _mm256_loadu_ps(c + 2 * ldc); c21 = _mm256_loadu_ps(c + 2 * ldc + 8);
        c30 = _mm256_loadu_ps(c + 3 * ldc); c31 = _mm256_loadu_ps(c + 3 * ldc + 8);
        c40 = _mm256_loadu_ps(c + 4 * ldc); c41 = _mm256_loadu_ps(c + 4 * ldc + 8);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = _mm256_setzero_ps();
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 2
#endif
    for (intptr_t k = 0; k < kc; k++) {
        const __m256i f0 = _mm256_load_si256((const __m256i *)pb);
        const __m256i f1 = _mm256_load_si256((const __m256i *)(pb + 8));
        const __m256 s0 = _mm256_load_ps((const float *)(pb + 16));
        const __m256 s1 = _mm256_load_ps((const float *)(pb + 24));
        _mm_prefetch((const char *)(pa + 16 * MITCHELL_MR_F32), _MM_HINT_T0);
        ROW_F32(0);
        ROW_F32(1);
        ROW_F32(2);
        ROW_F32(3);
        ROW_F32(4);
        pa += MITCHELL_MR_F32;
        pb += 2 * MITCHELL_NR_F32;
    }
    const __m256 z = _mm256_setzero_ps();
    _mm256_storeu_ps(c + 0 * ldc, _mm256_add_ps(c00, z)); _mm256_storeu_ps(c + 0 * ldc + 8, _mm256_add_ps(c01, z));
    _mm256_storeu_ps(c + 1 * ldc, _mm256_add_ps(c10, z)); _mm256_storeu_ps(c + 1 * ldc + 8, _mm256_add_ps(c11, z));
    _mm256_storeu_ps(c + 2 * ldc, _mm256_add_ps(c20, z)); _mm256_storeu_ps(c + 2 * ldc + 8, _mm256_add_ps(c21, z));
    _mm256_storeu_ps(c + 3 * ldc, _mm256_add_ps(c30, z)); _mm256_storeu_ps(c + 3 * ldc + 8, _mm256_add_ps(c31, z));
    _mm256_storeu_ps(c + 4 * ldc, _mm256_add_ps(c40, z)); _mm256_storeu_ps(c + 4 * ldc + 8, _mm256_add_ps(c41, z));
}

/* 5 x 8 float64 tile, the same scheme with 64-bit lanes. */
#define ROW_F64(I)                                                                     \
    do {                                                                               \
        __m256i a = _mm256_castpd_si256(_mm256_broadcast_sd((const double *)(pa + I)));                            \
        c##I##0 = _mm256_fmadd_pd(_mm256_castsi256_pd(_mm256_add_epi64(a, f0)), s0, c##I##0); \
        c##I##1 = _mm256_fmadd_pd(_mm256_castsi256_pd(_mm256_add_epi64(a, f1)), s1, c##I##1); \
    } while (0)

AVX2 static void kernel_f64_avx2(intptr_t kc, const uint64_t *pa, const uint64_t *pb,
                                 double *c, intptr_t ldc, int load)
{
    __m256d c00, c01, c10, c11, c20, c21, c30, c31, c40, c41;
    if (load) {
        c00 = _mm256_loadu_pd(c + 0 * ldc); c01 = _mm256_loadu_pd(c + 0 * ldc + 4);
        c10 = _mm256_loadu_pd(c + 1 * ldc); c11 = _mm256_loadu_pd(c + 1 * ldc + 4);
        c20 = _mm256_loadu_pd(c + 2 * ldc); c21 = _mm256_loadu_pd(c + 2 * ldc + 4);
        c30 = _mm256_loadu_pd(c + 3 * ldc); c31 = _mm256_loadu_pd(c + 3 * ldc + 4);
        c40 = _mm256_loadu_pd(c + 4 * ldc); c41 = _mm256_loadu_pd(c + 4 * ldc + 4);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = _mm256_setzero_pd();
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 2
#endif
    for (intptr_t k = 0; k < kc; k++) {
        const __m256i f0 = _mm256_load_si256((const __m256i *)pb);
        const __m256i f1 = _mm256_load_si256((const __m256i *)(pb + 4));
        const __m256d s0 = _mm256_load_pd((const double *)(pb + 8));
        const __m256d s1 = _mm256_load_pd((const double *)(pb + 12));
        ROW_F64(0);
        ROW_F64(1);
        ROW_F64(2);
        ROW_F64(3);
        ROW_F64(4);
        pa += MITCHELL_MR_F64;
        pb += 2 * MITCHELL_NR_F64;
    }
    const __m256d z = _mm256_setzero_pd();
    _mm256_storeu_pd(c + 0 * ldc, _mm256_add_pd(c00, z)); _mm256_storeu_pd(c + 0 * ldc + 4, _mm256_add_pd(c01, z));
    _mm256_storeu_pd(c + 1 * ldc, _mm256_add_pd(c10, z)); _mm256_storeu_pd(c + 1 * ldc + 4, _mm256_add_pd(c11, z));
    _mm256_storeu_pd(c + 2 * ldc, _mm256_add_pd(c20, z)); _mm256_storeu_pd(c + 2 * ldc + 4, _mm256_add_pd(c21, z));
    _mm256_storeu_pd(c + 3 * ldc, _mm256_add_pd(c30, z)); _mm256_storeu_pd(c + 3 * ldc + 4, _mm256_add_pd(c31, z));
    _mm256_storeu_pd(c + 4 * ldc, _mm256_add_pd(c40, z)); _mm256_storeu_pd(c + 4 * ldc + 4, _mm256_add_pd(c41, z));
}

static const mitchell_kernel_table table_avx2 = {"avx2", kernel_f32_avx2, kernel_f64_avx2};

#define AVX512 __attribute__((target("avx512f")))

/*
 * The same tiles with one 512-bit vector per row.  On Intel cores the
 * 512-bit integer addition and the FMA share ports 0 and 5, so a vector of
 * products takes one cycle of both ports whatever the tile shape: five
 * accumulators already cover the FMA latency, and the broadcasts from memory
 * use only the load ports.
 */
#define ROW512(I, SET1, ADD, CASTI, FMA)                                           \
    c##I = FMA(CASTI(ADD(SET1(pa[I]), f)), s, c##I)

AVX512 static void kernel_f32_avx512(intptr_t kc, const uint32_t *pa, const uint32_t *pb,
                                     float *c, intptr_t ldc, int load)
{
    __m512 c0, c1, c2, c3, c4;
    if (load) {
        c0 = _mm512_loadu_ps(c + 0 * ldc); c1 = _mm512_loadu_ps(c + 1 * ldc);
        c2 = _mm512_loadu_ps(c + 2 * ldc); c3 = _mm512_loadu_ps(c + 3 * ldc);
        c4 = _mm512_loadu_ps(c + 4 * ldc);
    } else {
        c0 = c1 = c2 = c3 = c4 = _mm512_setzero_ps();
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 4
#endif
    for (intptr_t k = 0; k < kc; k++) {
        const __m512i f = _mm512_load_si512((const void *)pb);
        const __m512 s = _mm512_load_ps((const float *)(pb + 16));
        _mm_prefetch((const char *)(pa + 16 * MITCHELL_MR_F32), _MM_HINT_T0);
        ROW512(0, _mm512_set1_epi32, _mm512_add_epi32, _mm512_castsi512_ps, _mm512_fmadd_ps);
        ROW512(1, _mm512_set1_epi32, _mm512_add_epi32, _mm512_castsi512_ps, _mm512_fmadd_ps);
        ROW512(2, _mm512_set1_epi32, _mm512_add_epi32, _mm512_castsi512_ps, _mm512_fmadd_ps);
        ROW512(3, _mm512_set1_epi32, _mm512_add_epi32, _mm512_castsi512_ps, _mm512_fmadd_ps);
        ROW512(4, _mm512_set1_epi32, _mm512_add_epi32, _mm512_castsi512_ps, _mm512_fmadd_ps);
        pa += MITCHELL_MR_F32;
        pb += 2 * MITCHELL_NR_F32;
    }
    const __m512 z = _mm512_setzero_ps();
    _mm512_storeu_ps(c + 0 * ldc, _mm512_add_ps(c0, z)); _mm512_storeu_ps(c + 1 * ldc, _mm512_add_ps(c1, z));
    _mm512_storeu_ps(c + 2 * ldc, _mm512_add_ps(c2, z)); _mm512_storeu_ps(c + 3 * ldc, _mm512_add_ps(c3, z));
    _mm512_storeu_ps(c + 4 * ldc, _mm512_add_ps(c4, z));
}

AVX512 static void kernel_f64_avx512(intptr_t kc, const uint64_t *pa, const uint64_t *pb,
                                     double *c, intptr_t ldc, int load)
{
    __m512d c0, c1, c2, c3, c4;
    if (load) {
        c0 = _mm512_loadu_pd(c + 0 * ldc); c1 = _mm512_loadu_pd(c + 1 * ldc);
        c2 = _mm512_loadu_pd(c + 2 * ldc); c3 = _mm512_loadu_pd(c + 3 * ldc);
        c4 = _mm512_loadu_pd(c + 4 * ldc);
    } else {
        c0 = c1 = c2 = c3 = c4 = _mm512_setzero_pd();
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC unroll 4
#endif
    for (intptr_t k = 0; k < kc; k++) {
        const __m512i f = _mm512_load_si512((const void *)pb);
        const __m512d s = _mm512_load_pd((const double *)(pb + 8));
        ROW512(0, _mm512_set1_epi64, _mm512_add_epi64, _mm512_castsi512_pd, _mm512_fmadd_pd);
        ROW512(1, _mm512_set1_epi64, _mm512_add_epi64, _mm512_castsi512_pd, _mm512_fmadd_pd);
        ROW512(2, _mm512_set1_epi64, _mm512_add_epi64, _mm512_castsi512_pd, _mm512_fmadd_pd);
        ROW512(3, _mm512_set1_epi64, _mm512_add_epi64, _mm512_castsi512_pd, _mm512_fmadd_pd);
        ROW512(4, _mm512_set1_epi64, _mm512_add_epi64, _mm512_castsi512_pd, _mm512_fmadd_pd);
        pa += MITCHELL_MR_F64;
        pb += 2 * MITCHELL_NR_F64;
    }
    const __m512d z = _mm512_setzero_pd();
    _mm512_storeu_pd(c + 0 * ldc, _mm512_add_pd(c0, z)); _mm512_storeu_pd(c + 1 * ldc, _mm512_add_pd(c1, z));
    _mm512_storeu_pd(c + 2 * ldc, _mm512_add_pd(c2, z)); _mm512_storeu_pd(c + 3 * ldc, _mm512_add_pd(c3, z));
    _mm512_storeu_pd(c + 4 * ldc, _mm512_add_pd(c4, z));
}

static const mitchell_kernel_table table_avx512 = {"avx512", kernel_f32_avx512, kernel_f64_avx512};

static int cpu_has_avx2_fma(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int cpu_has_avx512f(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
#endif

mitchell_kernel_table mitchell_mm_kernels = {"portable", kernel_f32_portable, kernel_f64_portable};

int mitchell_matmul_select(const char *request)
{
    const mitchell_kernel_table *best = &table_portable;
#ifdef MITCHELL_HAVE_AVX2_KERNELS
    if (cpu_has_avx2_fma())
        best = &table_avx2;
    if (cpu_has_avx512f())
        best = &table_avx512;
#endif
    if (request == NULL || request[0] == '\0') {
        mitchell_mm_kernels = *best;
        return 0;
    }
    if (strcmp(request, "portable") == 0) {
        mitchell_mm_kernels = table_portable;
        return 0;
    }
#ifdef MITCHELL_HAVE_AVX2_KERNELS
    if (strcmp(request, "avx2") == 0 && cpu_has_avx2_fma()) {
        mitchell_mm_kernels = table_avx2;
        return 0;
    }
    if (strcmp(request, "avx512") == 0 && cpu_has_avx512f()) {
        mitchell_mm_kernels = table_avx512;
        return 0;
    }
#endif
    mitchell_mm_kernels = *best;
    return -1;
}

const char *mitchell_matmul_isa(void)
{
    return mitchell_mm_kernels.name;
}

const char *mitchell_matmul_isa_available(void)
{
#ifdef MITCHELL_HAVE_AVX2_KERNELS
    if (cpu_has_avx512f() && cpu_has_avx2_fma())
        return "portable,avx2,avx512";
    if (cpu_has_avx2_fma())
        return "portable,avx2";
#endif
    return "portable";
}
