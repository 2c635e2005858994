/*
 * The instruction sets mitchell has vector code for, and the one CPU probe
 * that says which of them this CPU runs.  The elementwise loops
 * (contiguous.c) and the matrix product's micro-kernels (matmul_kernels.c)
 * are both chosen with these names; mitchell/_isa.py is the one Python
 * switch (MITCHELL_ISA) over both.
 */
#ifndef MITCHELL_ISA_H
#define MITCHELL_ISA_H

typedef enum {
    MITCHELL_ISA_BASELINE, /* portable C: SSE2 on x86-64, NEON on aarch64 */
    MITCHELL_ISA_AVX2,     /* AVX2 and FMA */
    MITCHELL_ISA_AVX512,   /* AVX-512 F, BW, VL and DQ */
    MITCHELL_ISA_COUNT
} mitchell_isa;

/* "baseline", "avx2", "avx512", indexed by mitchell_isa. */
extern const char *const mitchell_isa_names[MITCHELL_ISA_COUNT];

/* Whether this build has code for `isa` and this CPU runs it. */
int mitchell_isa_supported(int isa);

/* The best supported instruction set. */
int mitchell_isa_best(void);

#endif
