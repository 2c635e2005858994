/*
 * The float32 micro-kernels of mitchell.matmul on their own, and the
 * question whether a larger register tile would make the AVX-512 kernel
 * faster (issue 12).  Not part of the package or of CI:
 *
 *     gcc -O2 -Icsrc -Ibuild/generated -o /tmp/kernel_throughput \
 *         bench/matmul_kernel_throughput.c csrc/matmul_kernels.c csrc/isa.c \
 *         && /tmp/kernel_throughput 40 192 256
 *
 * (build/generated/mitchell_formats.h is written by
 * `python setup.py build_ext --inplace`.)  Arguments: the number of rounds
 * (default 30), then the panel depths kc (default 192 256; 192 is the
 * library's K block).  MITCHELL_BENCH_ISA=baseline|avx2|avx512 selects the
 * library kernel of the first row (default the best); the experimental tiles
 * need AVX-512.
 *
 * The tiles, all written like the library's AVX-512 float32 kernel
 * (csrc/matmul_kernels.c) on the same packed formats (matmul_kernels.h),
 * generalised to NR = 32 (per k: 32 fraction fields, then 32 scales; a row
 * of the tile is two zmm):
 *     lib        the library kernel of the chosen instruction set, called
 *                through its table (12x16 with AVX-512 since issue 12; it
 *                was 5x16 when the table in docs/performance.md was made)
 *     MRx16      MR in {5, 6, 8, 10, 12}: MR accumulators; 5x16np without
 *                the prefetch of A
 *     MRx32      MR in {4, 5, 6, 8}: 2 MR accumulators
 * Before timing, every tile is checked bit for bit against the library's
 * portable 5 x 16 kernel on 200 random packed panels each (random signs, exponents
 * in [-12, 12], zeros on both sides, C loaded or not, kc in 1..7, 192 and
 * 256): an MR x NR tile against ceil(MR / 5) x NR / 16 calls of the 5 x 16
 * kernel on the same rows and columns repacked (padding rows repeat the
 * last row); the program stops if any element differs.
 *
 * Settings, measured interleaved in one process (each round runs every tile
 * in every setting once; the best round counts), in G products/s:
 *     L1     one B panel, 8 A panels and 8 C tiles (ldc = NR), called
 *            over and over: what the kernel itself sustains (all in the
 *            32 KB L1d of Zen 4 for 16 columns; a B panel of 32 columns is
 *            48 KB at kc = 192 and streams from L2)
 *     A-L2   an MC x kc = 120 x kc block of A (packed, 92 KB at kc = 192)
 *            walked tile by tile per B panel, as the library walks it; B 64
 *            columns (2 or 4 panels), C 120 x 64 with ldc = 64, load = 1,
 *            the next C tile prefetched as the library does
 *     block  the same with B 1024 columns packed (1.5 MB at kc = 192) and
 *            C 120 x 1024 (480 KB): one A block against one B block of a
 *            1024^3 product, packing excluded
 *     C-L3   the same for 8 A blocks (the same packed block, as the library
 *            reuses its buffer) into C 960 x 1024 (3.9 MB, beyond L2): the
 *            C traffic of a 1024^3 product
 */
#include "isa.h"
#include "matmul.h"
#include "matmul_kernels.h"

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AVX512 __attribute__((target("avx512f"), noinline))

typedef void (*kernel_f32)(intptr_t kc, const uint32_t *pa, const uint32_t *pb, float *c,
                           intptr_t ldc, int load);

/* MR x 16: the library kernel with MR rows (one zmm per row); PF 0 drops
 * its prefetch of A (a diagnostic: what the prefetch instruction costs). */
#define DEFINE_KERNEL_16(MR, PF, SUFFIX)                                               \
    AVX512 static void kernel_##MR##x16##SUFFIX(intptr_t kc, const uint32_t *pa, const uint32_t *pb, \
                                        float *c, intptr_t ldc, int load)              \
    {                                                                                  \
        __m512 acc[MR];                                                                \
        _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++)                          \
            acc[i] = load ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();        \
        _Pragma("GCC unroll 4") for (intptr_t k = 0; k < kc; k++) {                    \
            const __m512i f = _mm512_load_si512((const void *)pb);                     \
            const __m512 s = _mm512_load_ps((const float *)(pb + 16));                 \
            if (PF)                                                                    \
                _mm_prefetch((const char *)(pa + 16 * MR), _MM_HINT_T0);               \
            _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++)                      \
                acc[i] = _mm512_fmadd_ps(                                              \
                    _mm512_castsi512_ps(_mm512_add_epi32(_mm512_set1_epi32(pa[i]), f)), s, acc[i]); \
            pa += MR;                                                                  \
            pb += 32;                                                                  \
        }                                                                              \
        const __m512 z = _mm512_setzero_ps();                                          \
        _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++)                          \
            _mm512_storeu_ps(c + i * ldc, _mm512_add_ps(acc[i], z));                   \
    }

/* MR x 32: two zmm per row; per k two fraction and two scale vectors of B. */
#define DEFINE_KERNEL_32(MR)                                                           \
    AVX512 static void kernel_##MR##x32(intptr_t kc, const uint32_t *pa, const uint32_t *pb, \
                                        float *c, intptr_t ldc, int load)              \
    {                                                                                  \
        __m512 acc0[MR], acc1[MR];                                                     \
        _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                        \
            acc0[i] = load ? _mm512_loadu_ps(c + i * ldc) : _mm512_setzero_ps();       \
            acc1[i] = load ? _mm512_loadu_ps(c + i * ldc + 16) : _mm512_setzero_ps();  \
        }                                                                              \
        _Pragma("GCC unroll 2") for (intptr_t k = 0; k < kc; k++) {                    \
            const __m512i f0 = _mm512_load_si512((const void *)pb);                    \
            const __m512i f1 = _mm512_load_si512((const void *)(pb + 16));             \
            const __m512 s0 = _mm512_load_ps((const float *)(pb + 32));                \
            const __m512 s1 = _mm512_load_ps((const float *)(pb + 48));                \
            _mm_prefetch((const char *)(pa + 16 * MR), _MM_HINT_T0);                   \
            _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                    \
                const __m512i a = _mm512_set1_epi32(pa[i]);                            \
                acc0[i] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_add_epi32(a, f0)), s0, acc0[i]); \
                acc1[i] = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_add_epi32(a, f1)), s1, acc1[i]); \
            }                                                                          \
            pa += MR;                                                                  \
            pb += 64;                                                                  \
        }                                                                              \
        const __m512 z = _mm512_setzero_ps();                                          \
        _Pragma("GCC unroll 16") for (int i = 0; i < MR; i++) {                        \
            _mm512_storeu_ps(c + i * ldc, _mm512_add_ps(acc0[i], z));                  \
            _mm512_storeu_ps(c + i * ldc + 16, _mm512_add_ps(acc1[i], z));             \
        }                                                                              \
    }

DEFINE_KERNEL_16(5, 1, )
DEFINE_KERNEL_16(5, 0, np)
DEFINE_KERNEL_16(6, 1, )
DEFINE_KERNEL_16(8, 1, )
DEFINE_KERNEL_16(10, 1, )
DEFINE_KERNEL_16(12, 1, )
DEFINE_KERNEL_32(4)
DEFINE_KERNEL_32(5)
DEFINE_KERNEL_32(6)
DEFINE_KERNEL_32(8)

typedef struct {
    const char *name;
    kernel_f32 f;
    int mr, nr;
} tile;

static tile tiles[] = {
    {"lib", NULL, 0, 16}, /* f and mr set in main: the library's table */
    {"5x16", kernel_5x16, 5, 16},
    {"5x16np", kernel_5x16np, 5, 16},
    {"6x16", kernel_6x16, 6, 16},
    {"8x16", kernel_8x16, 8, 16},
    {"10x16", kernel_10x16, 10, 16},
    {"12x16", kernel_12x16, 12, 16},
    {"4x32", kernel_4x32, 4, 32},
    {"5x32", kernel_5x32, 5, 32},
    {"6x32", kernel_6x32, 6, 32},
    {"8x32", kernel_8x32, 8, 32},
};
#define NTILES (int)(sizeof tiles / sizeof tiles[0])
#define MRMAX 12
#define MC 120 /* the library's MC_F32; a multiple of every MR above */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void *alloc(size_t bytes)
{
    void *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (p == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    return p;
}

#define CPACK 100 /* the c of the packed formats */

/* One packed A row-entry: bits(a) + c 2^F with a random sign and exponent
 * in [-12, 12], or bits(2^emin) for a zero (1 in 16). */
static uint32_t rand_a(void)
{
    if (rnd() % 16 == 0)
        return 0x00800000u;
    uint32_t e = 127 - 12 + rnd() % 25;
    return ((rnd() & 1u) << 31) | ((e + CPACK) << 23) | (rnd() & 0x7fffffu);
}

/* One packed B column-entry: frac(b) and sign(b) 2^(e(b) - c), or 0 for a
 * zero (its fraction field is whatever; 1 in 16). */
static void rand_b(uint32_t *frac, uint32_t *scale)
{
    *frac = rnd() & 0x7fffffu;
    if (rnd() % 16 == 0) {
        *scale = 0;
        return;
    }
    uint32_t e = 127 - 12 + rnd() % 25;
    *scale = ((rnd() & 1u) << 31) | ((e - CPACK) << 23);
}

/* An MR x NR tile against the library's portable 5 x 16 kernel on the same data:
 * returns the number of differing bits patterns (0 = bit-identical). */
static long check(const tile *t, kernel_f32 lib, intptr_t kc, int load)
{
    const int mr = t->mr, nr = t->nr;
    uint32_t *pa = alloc((size_t)kc * mr * 4), *pb = alloc((size_t)kc * 2 * nr * 4);
    uint32_t *pa5 = alloc((size_t)kc * 5 * 4), *pb16 = alloc((size_t)kc * 32 * 4);
    float *c = alloc((size_t)mr * nr * 4), *ref = alloc((size_t)mr * nr * 4);
    float c5[5 * 16];
    for (intptr_t i = 0; i < kc * mr; i++)
        pa[i] = rand_a();
    for (intptr_t k = 0; k < kc; k++)
        for (int j = 0; j < nr; j++)
            rand_b(&pb[k * 2 * nr + j], &pb[k * 2 * nr + nr + j]);
    for (int i = 0; i < mr * nr; i++) {
        float x = (float)(int32_t)(rnd() % 2000001u - 1000000) * 1e-3f;
        c[i] = ref[i] = x;
    }
    for (int r0 = 0; r0 < mr; r0 += 5)
        for (int j0 = 0; j0 < nr; j0 += 16) {
            for (intptr_t k = 0; k < kc; k++) {
                for (int i = 0; i < 5; i++)
                    pa5[k * 5 + i] = pa[k * mr + (r0 + i < mr ? r0 + i : mr - 1)];
                for (int j = 0; j < 16; j++) {
                    pb16[k * 32 + j] = pb[k * 2 * nr + j0 + j];
                    pb16[k * 32 + 16 + j] = pb[k * 2 * nr + nr + j0 + j];
                }
            }
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 16; j++)
                    c5[i * 16 + j] = r0 + i < mr ? ref[(r0 + i) * nr + j0 + j] : 0.0f;
            lib(kc, pa5, pb16, c5, 16, load);
            for (int i = 0; i < 5 && r0 + i < mr; i++)
                memcpy(ref + (r0 + i) * nr + j0, c5 + i * 16, 16 * 4);
        }
    t->f(kc, pa, pb, c, nr, load);
    long bad = 0;
    for (int i = 0; i < mr * nr; i++)
        bad += memcmp(&c[i], &ref[i], 4) != 0;
    free(pa), free(pb), free(pa5), free(pb16), free(c), free(ref);
    return bad;
}

enum { L1, AL2, BLOCK, CL3, SETTINGS };
static const char *const setting_names[SETTINGS] = {"L1", "A-L2", "block", "C-L3"};
static const intptr_t setting_n[SETTINGS] = {0, 64, 1024, 1024}; /* columns of B and C */
static const intptr_t setting_m[SETTINGS] = {0, MC, MC, 8 * MC}; /* rows of C */
#define MMAX (8 * MC)
#define TILES_L1 8
#define PRODUCTS_PER_SAMPLE 2e8

typedef struct {
    uint32_t *pa, *pb;
    float *c;
} buffers;

/* Benchmark data: normal operands whose products and sums stay normal, as
 * in a fast block (A as the old version of this file had it). */
static void fill(buffers *b, intptr_t kc)
{
    const intptr_t arows = MC > MRMAX * TILES_L1 ? MC : MRMAX * TILES_L1;
    for (intptr_t i = 0; i < kc * arows; i++)
        b->pa[i] = 0x3f800000u + ((uint32_t)CPACK << 23) + (uint32_t)(i % 1000) * 1000u;
    /* B: 1024 columns.  Every word is 26 2^F + x, x < 2^F: as a scale the
     * normal number 2^(26 - 127) (1 + x 2^-F), as a fraction field one that
     * adds at most 27 to the exponent of t (<= 254), so that one buffer
     * serves panels of 16 and of 32 columns and every t * scale is normal. */
    for (intptr_t i = 0; i < kc * 2 * 1024; i++)
        b->pb[i] = (26u << 23) + ((uint32_t)(i * 7919) & 0x7fffffu);
    memset(b->c, 0, (size_t)MMAX * 1024 * 4);
}

static void prefetch_tile(const float *p, intptr_t ldc, int width, int rows)
{
    for (int i = 0; i < rows; i++) {
        __builtin_prefetch(p + i * ldc, 1);
        __builtin_prefetch(p + i * ldc + width - 1, 1);
    }
}

/* One sample: about PRODUCTS_PER_SAMPLE products; returns products/s. */
static double sample(const tile *t, int setting, intptr_t kc, const buffers *b)
{
    const int mr = t->mr, nr = t->nr;
    const kernel_f32 f = t->f;
    double products;
    double t0 = now();
    if (setting == L1) {
        const long calls = (long)(PRODUCTS_PER_SAMPLE / (double)(kc * mr * nr));
        for (long i = 0; i < calls; i++)
            f(kc, b->pa + (i % TILES_L1) * kc * mr, b->pb, b->c + (i % TILES_L1) * mr * nr, nr, 1);
        products = (double)calls * (double)(kc * mr * nr);
    } else {
        const intptr_t m = setting_m[setting], n = setting_n[setting], ldc = n;
        const long passes = (long)(PRODUCTS_PER_SAMPLE / (double)(m * n * kc)) + 1;
        for (long p = 0; p < passes; p++)
            for (intptr_t ic = 0; ic < m; ic += MC) /* every block: the one packed A block */
                for (intptr_t q = 0; q < n / nr; q++) {
                    const uint32_t *pbp = b->pb + q * kc * 2 * nr;
                    for (intptr_t ir = 0; ir < MC; ir += mr) {
                        float *cp = b->c + (ic + ir) * ldc + q * nr;
                        if (ir + 2 * mr <= MC)
                            prefetch_tile(cp + mr * ldc, ldc, nr, mr);
                        f(kc, b->pa + ir * kc, pbp, cp, ldc, 1);
                    }
                }
        products = (double)passes * (double)(m * n * kc);
    }
    return products / (now() - t0);
}

int main(int argc, char **argv)
{
    const char *isa_name = getenv("MITCHELL_BENCH_ISA");
    int isa = mitchell_isa_best();
    for (int i = 0; isa_name && i < MITCHELL_ISA_COUNT; i++)
        if (strcmp(isa_name, mitchell_isa_names[i]) == 0 || (i == 0 && strcmp(isa_name, "portable") == 0))
            isa = i;
    if (mitchell_matmul_select(isa) != 0)
        printf("%s is not available here\n", mitchell_isa_names[isa]);
    tiles[0].f = mitchell_mm_kernels()->f32;
    tiles[0].mr = mitchell_mm_kernels()->mr;
    const int rounds = argc > 1 ? atoi(argv[1]) : 30;
    intptr_t kcs[8] = {192, 256};
    int nkc = 2;
    if (argc > 2) {
        nkc = 0;
        for (int i = 2; i < argc && nkc < 8; i++)
            kcs[nkc++] = atol(argv[i]);
    }
    const int experimental = mitchell_isa_supported(MITCHELL_ISA_AVX512);
    const int ntiles = experimental ? NTILES : 1;
    printf("library kernel: %s; %d rounds, interleaved, best round per entry\n",
           mitchell_isa_names[mitchell_matmul_isa()], rounds);

    /* exactness against the library's portable kernel (5 x 16) */
    if (experimental) {
        mitchell_matmul_select(MITCHELL_ISA_BASELINE);
        const kernel_f32 lib = mitchell_mm_kernels()->f32;
        mitchell_matmul_select(isa);
        long bad = 0, compared = 0;
        for (int t = 0; t < ntiles; t++)
            for (int trial = 0; trial < 200; trial++) {
                const intptr_t kc = trial % 4 == 0 ? 1 + trial % 7 : (trial % 2 ? 192 : 256);
                bad += check(&tiles[t], lib, kc, trial % 3 != 0);
                compared += tiles[t].mr * tiles[t].nr;
            }
        printf("exactness: %ld of %ld tile elements differ from the portable kernel's (%d tiles x 200 random panels)\n",
               bad, compared, ntiles);
        if (bad)
            return 1;
    }

    intptr_t kcmax = 0;
    for (int i = 0; i < nkc; i++)
        kcmax = kcs[i] > kcmax ? kcs[i] : kcmax;
    buffers b;
    b.pa = alloc((size_t)kcmax * (MC > MRMAX * TILES_L1 ? MC : MRMAX * TILES_L1) * 4);
    b.pb = alloc((size_t)kcmax * 2 * 1024 * 4);
    b.c = alloc((size_t)MMAX * 1024 * 4);
    static double best[8][SETTINGS][NTILES];
    /* every round: each kc, each setting, each tile in turn */
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < nkc; i++) {
            fill(&b, kcs[i]);
            for (int s = 0; s < SETTINGS; s++)
                for (int t = 0; t < ntiles; t++) {
                    double g = sample(&tiles[t], s, kcs[i], &b);
                    best[i][s][t] = g > best[i][s][t] ? g : best[i][s][t];
                }
        }
    printf("\nG products/s (x2 for GFLOP/s-equivalent)\n%-8s %-6s", "setting", "kc");
    for (int t = 0; t < ntiles; t++)
        printf(" %7s", tiles[t].name);
    printf("\n");
    for (int s = 0; s < SETTINGS; s++)
        for (int i = 0; i < nkc; i++) {
            printf("%-8s %-6ld", setting_names[s], (long)kcs[i]);
            for (int t = 0; t < ntiles; t++)
                printf(" %7.1f", best[i][s][t] / 1e9);
            printf("\n");
        }
    double sum = 0;
    for (intptr_t i = 0; i < MMAX * 1024; i++)
        sum += b.c[i];
    printf("(checksum of C %g)\n", sum);
    free(b.pa), free(b.pb), free(b.c);
    return 0;
}
