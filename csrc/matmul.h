/*
 * Mitchell matrix product: C = A B where every scalar product is the Mitchell
 * product of kernels.h and the products of one output element are added in
 * increasing k, starting from +0, in the accumulator's format.
 *
 * Because the summation order is fixed (it does not depend on blocking, on
 * the instruction set or on the number of threads), every build and every
 * thread count gives bit-identical results, equal to the naive loop
 *     c = +0; for k in 0..K-1: c = c + mul(a[i,k], b[k,j])
 * (for the integer path, exact int32 arithmetic modulo 2^32).
 *
 * No Python or NumPy header is needed: operands are described by a data
 * pointer, byte strides and an element type.
 */
#ifndef MITCHELL_MATMUL_H
#define MITCHELL_MATMUL_H

#include "kernels.h"

#include <stdint.h>

/*
 * The variant of every product (mitchell/_spec.py): the corrections of
 * float32 and float64 products (kernels.h).  Integer operands take the
 * float64 correction, as the elementwise integer loops do.  NULL, or a
 * variant with `plain` set, is Mitchell's product.
 */
typedef struct {
    mitchell_correction f32, f64;
    int plain;
    /* Products in a narrower format (float16, bfloat16) whose values arrive
     * as float32: exp_bits 0 for none.  The fast kernels compute them as
     * float32 products with f32 (the narrow correction, scaled), which is
     * exact while they are normal numbers of the narrow format; other blocks
     * take the narrow format's own kernel, with this correction. */
    unsigned narrow_eb, narrow_fb;
    mitchell_correction narrow;
} mitchell_mm_variant;

/* Element types of operands and results. */
enum mitchell_mm_type {
    MITCHELL_MM_F32,
    MITCHELL_MM_F64,
    MITCHELL_MM_I8,
    MITCHELL_MM_U8,
    MITCHELL_MM_I32
};

/* A strided matrix: element (r, c) lives at data + r * rs + c * cs. */
typedef struct {
    char *data;
    intptr_t rs, cs;
    int type;
} mitchell_matrix;

/*
 * The supported (A, B, C) type combinations:
 *   f32, f32 -> f32    float32 products, float32 accumulation
 *   f32, f32 -> f64    float32 products, float64 accumulation
 *   f64, f64 -> f64
 *   i8/u8, i8/u8 -> i32  integer Mitchell products, int32 accumulation
 * Returns the MITCHELL_FLAG_* exceptions of the products and the additions,
 * or -1 for an unsupported combination or an allocation failure.
 */
int mitchell_matmul(intptr_t M, intptr_t N, intptr_t K,
                    const mitchell_matrix *A, const mitchell_matrix *B,
                    const mitchell_matrix *C, const mitchell_mm_variant *v, int nthreads);

/* Thread count used by the gufunc loops (1 <= n); returns the previous one. */
int mitchell_matmul_set_threads(int n);
int mitchell_matmul_get_threads(void);

/* Called (from the thread running the gufunc loop, without the GIL) when a
 * product cannot allocate its packing buffers; the Python module sets it to
 * raise MemoryError.  If it is NULL the loop raises FE_INVALID instead. */
extern void (*mitchell_matmul_alloc_failure_hook)(void);

/* Tests only: the next n packing-buffer allocations fail. */
void mitchell_matmul_fail_allocations(int n);

/* Micro-kernel instruction set (mitchell_isa, isa.h).  Returns 0, or -1 if
 * this build or CPU does not have it (the choice is then unchanged). */
int mitchell_matmul_select(int isa);
int mitchell_matmul_isa(void);

/* gufunc inner loops, signature (n?,k),(k,m?)->(n?,m?), npy_intp spelled
 * intptr_t; data is the `const mitchell_mm_variant *` (NULL: plain) */
#define MITCHELL_MM_LOOP_SIGNATURE                                                     \
    (char **args, const intptr_t *dimensions, const intptr_t *steps, void *data)
void mitchell_mm_loop_f32 MITCHELL_MM_LOOP_SIGNATURE;
void mitchell_mm_loop_f32_acc64 MITCHELL_MM_LOOP_SIGNATURE;
void mitchell_mm_loop_f64 MITCHELL_MM_LOOP_SIGNATURE;
void mitchell_mm_loop_i8 MITCHELL_MM_LOOP_SIGNATURE;
void mitchell_mm_loop_u8 MITCHELL_MM_LOOP_SIGNATURE;
void mitchell_mm_loop_i8u8 MITCHELL_MM_LOOP_SIGNATURE;
void mitchell_mm_loop_u8i8 MITCHELL_MM_LOOP_SIGNATURE;

#endif
