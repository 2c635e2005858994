/*
 * Run-time choice of the contiguous loops.  Each instruction set's loops live
 * in their own translation unit (contiguous_<target>.c, all made from
 * contiguous_loops.h); isa.c says which of them this CPU runs.
 *
 * The active table is published as one pointer with an atomic store: a loop
 * that released the GIL reads the pointer once and sees a whole table, old
 * or new, while another thread switches.
 */
#include "contiguous.h"
#include "isa.h"

static const mitchell_contig_table *table_of(int isa)
{
    if (!mitchell_isa_supported(isa))
        return NULL;
#ifdef MITCHELL_HAVE_X86_CONTIG
    if (isa == MITCHELL_ISA_AVX512)
        return &mitchell_contig_table_avx512;
    if (isa == MITCHELL_ISA_AVX2)
        return &mitchell_contig_table_avx2;
#endif
    return isa == MITCHELL_ISA_BASELINE ? &mitchell_contig_table_baseline : NULL;
}

static const mitchell_contig_table *active = &mitchell_contig_table_baseline;

const mitchell_contig_table *mitchell_contig(void)
{
    return __atomic_load_n(&active, __ATOMIC_ACQUIRE);
}

int mitchell_contig_select(int isa)
{
    const mitchell_contig_table *t = isa >= 0 && isa < MITCHELL_ISA_COUNT ? table_of(isa) : NULL;
    if (t == NULL)
        return -1;
    __atomic_store_n(&active, t, __ATOMIC_RELEASE);
    return 0;
}

int mitchell_contig_active(void)
{
    return mitchell_contig()->isa;
}
