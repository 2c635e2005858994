/*
 * The float32 micro-kernels of mitchell.matmul on their own: one packed
 * panel of A and one of B in L1, the C tile in L1, called over and over.
 * What the kernel itself sustains, next to what the whole product reaches
 * (packing, blocking and C traffic included).  docs/performance.md quotes
 * the figures.  Not part of the package or of CI:
 *
 *     gcc -O2 -Icsrc -o /tmp/kernel_throughput bench/matmul_kernel_throughput.c \
 *         csrc/matmul_kernels.c && /tmp/kernel_throughput avx512 192
 *
 * Arguments: the instruction set ("portable", "avx2", "avx512"; default the
 * best) and the panel depth kc (default 192, the library's K block).
 */
#include "matmul.h"
#include "matmul_kernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MR MITCHELL_MR_F32
#define NR MITCHELL_NR_F32
#define TILES 8 /* distinct A panels and C tiles, as consecutive calls see */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (mitchell_matmul_select(argc > 1 ? argv[1] : "") != 0)
        printf("%s is not available here; ", argv[1]);
    const long kc = argc > 2 ? atol(argv[2]) : 192;
    uint32_t *pa = aligned_alloc(64, (size_t)(kc * MR * TILES * 4 + 64) / 64 * 64);
    uint32_t *pb = aligned_alloc(64, (size_t)kc * 2 * NR * 4);
    float *c = aligned_alloc(64, (size_t)MR * NR * TILES * 4);
    /* normal operands whose products and sums stay normal, as in a fast block */
    for (long i = 0; i < kc * MR * TILES; i++)
        pa[i] = 0x3f800000u + (100u << 23) + (uint32_t)(i % 1000) * 1000u; /* c = 100 */
    for (long k = 0; k < kc; k++)
        for (int j = 0; j < NR; j++) {
            pb[(k * 2) * NR + j] = (uint32_t)(j * 7919 + k) & 0x7fffffu;  /* fraction of b */
            pb[(k * 2 + 1) * NR + j] = 0x3f800000u - (100u << 23);     /* 2^(0 - c) */
        }
    memset(c, 0, (size_t)MR * NR * TILES * 4);
    const long calls = 2000000000L / (kc * MR * NR);
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t = now();
        for (long i = 0; i < calls; i++)
            mitchell_mm_kernels()->f32(kc, pa + (i % TILES) * kc * MR, pb, c + (i % TILES) * MR * NR, NR, 1);
        t = now() - t;
        best = t < best ? t : best;
    }
    double products = (double)calls * (double)(kc * MR * NR);
    printf("%s kernel, kc = %ld: %.1f G products/s = %.1f GFLOP/s-equivalent  (%g)\n",
           mitchell_matmul_isa(), kc, products / best / 1e9, 2 * products / best / 1e9, (double)c[3]);
    free(pa);
    free(pb);
    free(c);
    return 0;
}
