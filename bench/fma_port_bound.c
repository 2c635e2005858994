/*
 * The ceiling of mitchell.matmul's inner loop on an x86-64 CPU with AVX-512:
 * how many (integer addition, FMA) pairs per second the core sustains,
 * next to FMAs alone, with everything in registers.
 *
 * The GEMM kernel needs one vpaddd and one vfmadd231ps per 16 Mitchell
 * products (csrc/matmul_kernels.h); sgemm needs one vfmadd231ps per 16
 * multiply-adds.  On Intel cores both 512-bit instructions issue only on
 * ports 0 and 5, so the pair rate is half the FMA rate; on a core with
 * separate integer pipes it need not be.  docs/performance.md quotes the
 * figures.  Not part of the package or of CI:
 *
 *     gcc -O2 -o /tmp/fma_port_bound bench/fma_port_bound.c && /tmp/fma_port_bound
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 10 independent accumulators: enough to hide the FMA latency at 2 per cycle. */
#define TEN(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)
#define DECLARE(i) __m512 c##i = _mm512_set1_ps((float)(i));
/* the empty asm makes the compiler treat f as changed after every addition,
 * so it cannot merge the ten additions into one; it emits no instruction */
#define PAIR(i) c##i = _mm512_fmadd_ps(_mm512_castsi512_ps(_mm512_add_epi32(a, f)), s, c##i); \
                __asm__("" : "+v"(f));
#define FMA(i) c##i = _mm512_fmadd_ps(_mm512_castsi512_ps(a), s, c##i);
#define SUM(i) total = _mm512_add_ps(total, c##i);

__attribute__((target("avx512f"), noinline)) static float run(long n, int pairs)
{
    TEN(DECLARE)
    __m512i a = _mm512_set1_epi32(0x3f800000), f = _mm512_set1_epi32(3);
    const __m512 s = _mm512_set1_ps(1e-30f);
    if (pairs)
        for (long k = 0; k < n; k++) {
            TEN(PAIR)
        }
    else
        for (long k = 0; k < n; k++) {
            TEN(FMA)
        }
    __m512 total = _mm512_setzero_ps();
    TEN(SUM)
    return _mm512_reduce_add_ps(total);
}

int main(void)
{
    if (!__builtin_cpu_supports("avx512f")) {
        puts("this CPU has no AVX-512F");
        return 0;
    }
    const long n = 30000000; /* 3e8 vector operations of each kind */
    for (int pairs = 1; pairs >= 0; pairs--) {
        float sink = run(n / 10, pairs); /* warm up the clock */
        double best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double t = now();
            sink += run(n, pairs);
            t = now() - t;
            best = t < best ? t : best;
        }
        double rate = 10.0 * (double)n / best;
        printf("%-24s %.2f G/s = %.1f G products/s = %.1f GFLOP/s-equivalent  (%g)\n",
               pairs ? "vpaddd + vfmadd231ps:" : "vfmadd231ps alone:", rate / 1e9, 16 * rate / 1e9,
               32 * rate / 1e9, (double)sink);
    }
    return 0;
}
