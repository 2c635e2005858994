/*
 * Run-time choice of the contiguous loops.  Each instruction set's loops live
 * in their own translation unit (contiguous_<target>.c, all made from
 * contiguous_loops.h); this file only asks the CPU what it supports.
 */
#include "contiguous.h"

#include <string.h>

extern const mitchell_contig_table mitchell_contig_table_baseline;

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MITCHELL_HAVE_X86_TARGETS 1
extern const mitchell_contig_table mitchell_contig_table_avx2;
extern const mitchell_contig_table mitchell_contig_table_avx512;

static int cpu_has_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}

static int cpu_has_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
#endif

mitchell_contig_table mitchell_contig;

static const mitchell_contig_table *best_table(void)
{
#ifdef MITCHELL_HAVE_X86_TARGETS
    if (cpu_has_avx512())
        return &mitchell_contig_table_avx512;
    if (cpu_has_avx2())
        return &mitchell_contig_table_avx2;
#endif
    return &mitchell_contig_table_baseline;
}

int mitchell_contig_select(const char *request)
{
    if (request == NULL || request[0] == '\0') {
        mitchell_contig = *best_table();
        return 0;
    }
    if (strcmp(request, "baseline") == 0) {
        mitchell_contig = mitchell_contig_table_baseline;
        return 0;
    }
#ifdef MITCHELL_HAVE_X86_TARGETS
    if (strcmp(request, "avx2") == 0 && cpu_has_avx2()) {
        mitchell_contig = mitchell_contig_table_avx2;
        return 0;
    }
    if (strcmp(request, "avx512") == 0 && cpu_has_avx512()) {
        mitchell_contig = mitchell_contig_table_avx512;
        return 0;
    }
#endif
    mitchell_contig = *best_table();
    return -1;
}

const char *mitchell_contig_available(void)
{
#ifdef MITCHELL_HAVE_X86_TARGETS
    if (cpu_has_avx512())
        return "baseline,avx2,avx512";
    if (cpu_has_avx2())
        return "baseline,avx2";
#endif
    return "baseline";
}

const char *mitchell_contig_name(void)
{
    return mitchell_contig.name;
}
