/*
 * Contiguous inner loops, written once as explicit vector code
 * (contiguous_loops.h) and compiled once per instruction set
 * (contiguous_<target>.c); contiguous.c picks one at run time.
 *
 * A vector lane computes the one-addition result for the common cases (normal
 * operands with a normal result, and zero times finite) and reports whether
 * it covered its inputs.  A block of two vectors in which any lane was not
 * covered is redone by the scalar kernel of kernels.h, so every element's
 * value and flag come from the same definition as the strided loop.
 */
#ifndef MITCHELL_CONTIGUOUS_H
#define MITCHELL_CONTIGUOUS_H

#include <stdint.h>

/* Signature shared by every contiguous loop: strides in elements, each 0 or 1
 * (0 broadcasts a scalar operand); out has stride 1.  Returns the
 * MITCHELL_FLAG_* bits raised. */
#define MITCHELL_CONTIG_SIGNATURE(UINT)                                               \
    (const UINT *a, intptr_t sa, const UINT *b, intptr_t sb, UINT *out, intptr_t n)

typedef unsigned (*mitchell_contig_u16) MITCHELL_CONTIG_SIGNATURE(uint16_t);
typedef unsigned (*mitchell_contig_u32) MITCHELL_CONTIG_SIGNATURE(uint32_t);
typedef unsigned (*mitchell_contig_u64) MITCHELL_CONTIG_SIGNATURE(uint64_t);

/* The contiguous loops of the selected instruction set. */
typedef struct {
    const char *name;
    mitchell_contig_u16 mul_f16, div_f16, mul_bf16, div_bf16;
    mitchell_contig_u32 mul_f32, div_f32;
    mitchell_contig_u64 mul_f64, div_f64;
} mitchell_contig_table;

extern mitchell_contig_table mitchell_contig;

/*
 * Chooses the instruction set: the best the CPU supports, or the one named by
 * `request` ("baseline", "avx2", "avx512"; NULL or "" for automatic).
 * Returns 0, or -1 if the request is unknown or unsupported here (the
 * selection is then left automatic).
 */
int mitchell_contig_select(const char *request);

/* Name of the instruction set in use. */
const char *mitchell_contig_name(void);

/* Comma-separated names of the instruction sets this build and CPU support. */
const char *mitchell_contig_available(void);

#endif
