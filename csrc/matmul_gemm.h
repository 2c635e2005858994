/*
 * One Mitchell matrix product, or a row x column range of it, on the calling
 * thread (matmul_gemm.c).  matmul.c shares the work out among threads.
 */
#ifndef MITCHELL_MATMUL_GEMM_H
#define MITCHELL_MATMUL_GEMM_H

#include "matmul.h"
#include "matmul_team.h"
#include "matmul_kernels.h"

#include <stdint.h>

/* Rows [m0, m1) x columns [n0, n1) of C = A B (K products per element) with
 * the kernels kt, on the calling thread (team NULL) or as member `rank` of a
 * team: then every member calls it with the same arguments.  ORs the MITCHELL_FLAG_* of the
 * products into *flags.  Returns 0, or -1 if the packing buffers cannot be
 * allocated (in a team: for every member). */
typedef int (*mitchell_gemm_fn)(intptr_t m0, intptr_t m1, intptr_t n0, intptr_t n1, intptr_t K,
                                const mitchell_matrix *A, const mitchell_matrix *B,
                                const mitchell_matrix *C, const mitchell_mm_variant *v,
                                const mitchell_kernel_table *kt, unsigned *flags,
                                mitchell_team *team, int rank);

int mitchell_gemm_f32(intptr_t m0, intptr_t m1, intptr_t n0, intptr_t n1, intptr_t K,
                      const mitchell_matrix *A, const mitchell_matrix *B,
                      const mitchell_matrix *C, const mitchell_mm_variant *v,
                      const mitchell_kernel_table *kt, unsigned *flags, mitchell_team *team, int rank);
int mitchell_gemm_f64(intptr_t m0, intptr_t m1, intptr_t n0, intptr_t n1, intptr_t K,
                      const mitchell_matrix *A, const mitchell_matrix *B,
                      const mitchell_matrix *C, const mitchell_mm_variant *v,
                      const mitchell_kernel_table *kt, unsigned *flags, mitchell_team *team, int rank);

/* The product for these operand and result types (matmul.h), or NULL. */
mitchell_gemm_fn mitchell_choose_gemm(const mitchell_matrix *A, const mitchell_matrix *B,
                                      const mitchell_matrix *C);

#endif
