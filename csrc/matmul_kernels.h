/*
 * Register-tiled micro-kernels of the Mitchell matrix product.
 *
 * The packed operands hold each product's ingredients in the form the inner
 * loop wants.  For normal a and b with a normal Mitchell product,
 * bits|a| + bits|b| - bits(1) = bits|a| + frac(b) + e(b) 2^F is the bit
 * pattern of |mitchell(a, b)| (F = fraction width, e = unbiased exponent).
 * Hence the integer addition  bits(a) + c 2^F + frac(b)  is the bit pattern of
 *     t = sign(a) |mitchell(a, b)| 2^(c - e(b)),   and
 *     mitchell(a, b) = t * sign(b) 2^(e(b) - c)
 * exactly, because multiplying by a power of two only moves the exponent.
 * So one integer addition and one fused multiply-add per vector of products
 * accumulate exact Mitchell products: fused or not, the product is exact and
 * only the addition rounds.
 *
 * Packed A ("bits side"), one panel of mr rows:  a[k][i] = bits(a) + c 2^F,
 *     or bits(2^emin) for a zero, which makes t a normal number below
 *     2^(emin+1) so that t * scale < 2^(emin - F - 1) vanishes in every
 *     addition (see matmul_gemm.c for the proof, for why t must not be
 *     subnormal, and for the block conditions under which all this is exact).
 * Packed B ("scale side"), one panel of NR columns: per k, NR fraction
 *     fields frac(b) then NR scales sign(b) 2^(e(b) - c) (0 for a zero).
 * Padding columns of B are packed as zeros; padding rows of A repeat the
 * panel's last row (their sums are dropped, and no row of zeros has to
 * keep a zero sum: see matmul_gemm.c on FMA assists).
 *
 * A kernel adds the kc products of its panels into the mr x NR tile, in
 * increasing k, one k at a time per element.
 */
#ifndef MITCHELL_MATMUL_KERNELS_H
#define MITCHELL_MATMUL_KERNELS_H

#include "contiguous.h"

#include <stdint.h>

/* Tile columns: one panel of packed B, the same for every instruction set so
 * that the B packing is shared.  Tile rows are the kernels' own (mr in the
 * table below): the portable and AVX2 kernels take 5 rows (10 accumulators
 * of 256 bits: slack for the 4-cycle FMA latency), the AVX-512 kernels 12
 * (12 accumulators of 512 bits; measured in bench/matmul_kernel_throughput.c
 * and docs/performance.md). */
#define MITCHELL_NR_F32 16
#define MITCHELL_NR_F64 8
#define MITCHELL_MR_PORTABLE 5
#define MITCHELL_MR_AVX2 5
#define MITCHELL_MR_AVX512 12
#define MITCHELL_MR_AVX512_SHORT 4
/* the most rows of any kernel: the size of a tile buffer */
#define MITCHELL_MR_MAX 12

/* c: the mr x NR tile, rows ldc elements apart; load = 0 starts from +0
 * instead of reading it.  The stored sums get "+ 0", which only turns a -0
 * (left by the zero packing) into the +0 a sum starting at +0 gives. */
typedef void (*mitchell_kernel_f32)(intptr_t kc, const uint32_t *pa, const uint32_t *pb,
                                    float *c, intptr_t ldc, int load);
typedef void (*mitchell_kernel_f64)(intptr_t kc, const uint64_t *pa, const uint64_t *pb,
                                    double *c, intptr_t ldc, int load);

/* One instruction set's kernels.  A product reads the table once (matmul.c)
 * and packs A in panels of mr rows, so every thread of it uses one shape. */
typedef struct {
    int isa; /* mitchell_isa (isa.h) */
    int mr;  /* tile rows of every kernel below, except the short ones */
    mitchell_kernel_f32 f32;
    /* float16 products computed as float32 ones: rounds those that fall
     * below float16's normal range to its subnormal grid (matmul_gemm.c) */
    mitchell_kernel_f32 f32_f16_grid;
    mitchell_kernel_f64 f64;
    /* Panels of at most mr_short rows (a product of few rows, or the last
     * panel of A) may take these: the first mr_short rows of an mr-row panel
     * and tile.  mr_short = 0: none (the full kernels compute padding rows). */
    int mr_short;
    mitchell_kernel_f32 f32_short;
    mitchell_kernel_f64 f64_short;
    /* the same instruction set's elementwise loops: blocks that the kernels
     * cannot take compute rows of products with them (matmul_gemm.c) */
    const mitchell_contig_table *elementwise;
} mitchell_kernel_table;

/* The kernels in use (an atomic load); set by mitchell_matmul_select. */
const mitchell_kernel_table *mitchell_mm_kernels(void);

#endif
