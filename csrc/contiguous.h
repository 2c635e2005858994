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

#include "kernels.h"

#include <stdint.h>

/*
 * Outputs at least this large are written with non-temporal (streaming)
 * stores where the target has them (every contiguous loop): such an array
 * cannot stay in cache anyway, and streaming saves the read-for-ownership of
 * every output line, a third of the memory traffic of a bandwidth-bound call.
 */
#define MITCHELL_STREAM_MIN_BYTES ((size_t)16 << 20)

/* Signature shared by every contiguous loop: strides in elements, each 0 or 1
 * (0 broadcasts a scalar operand); out has stride 1; corr is the variant's
 * correction (kernels.h), whose region table, if any, has at most
 * MITCHELL_CONTIG_MAX_INDEX_BITS index bits.
 * Returns the MITCHELL_FLAG_* bits raised. */
#define MITCHELL_CONTIG_SIGNATURE(UINT)                                               \
    (const UINT *a, intptr_t sa, const UINT *b, intptr_t sb, UINT *out, intptr_t n,  \
     const mitchell_correction *corr)

/* Fewer elements than this go through the scalar kernel: a vector loop's
 * setup (overlap checks, masks, constants) costs more than a few scalar
 * products, and a 1-element call is what NumPy scalars make. */
#define MITCHELL_CONTIG_MIN_ELEMENTS 4

/* Region tables of up to 2^3 x 2^3 entries have vector loops. */
#define MITCHELL_CONTIG_MAX_INDEX_BITS 3

/* The contiguous loops of one instruction set, per float format; NULL where
 * a format has no vector loop (the 8-bit formats). */
#define MITCHELL_CONTIG_FIELDS(NAME, UINT, EB, FB, FN)                                \
    unsigned (*mul_##NAME) MITCHELL_CONTIG_SIGNATURE(UINT);                           \
    unsigned (*div_##NAME) MITCHELL_CONTIG_SIGNATURE(UINT);
typedef struct {
    int isa; /* mitchell_isa (isa.h) */
    MITCHELL_FLOAT_FORMATS(MITCHELL_CONTIG_FIELDS)
} mitchell_contig_table;
#undef MITCHELL_CONTIG_FIELDS

/* Each instruction set's loops (contiguous_<target>.c); the x86-64 ones
 * exist where GCC or Clang builds for x86-64. */
extern const mitchell_contig_table mitchell_contig_table_baseline;
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MITCHELL_HAVE_X86_CONTIG 1
extern const mitchell_contig_table mitchell_contig_table_avx2;
extern const mitchell_contig_table mitchell_contig_table_avx512;
#endif

/* The table in use (an atomic load; see contiguous.c). */
const mitchell_contig_table *mitchell_contig(void);

/* Chooses the instruction set (mitchell_isa, isa.h).  Returns 0, or -1 if
 * this build or CPU does not have it (the choice is then unchanged). */
int mitchell_contig_select(int isa);

/* The mitchell_isa in use. */
int mitchell_contig_active(void);

#endif
