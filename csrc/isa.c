#include "isa.h"

const char *const mitchell_isa_names[MITCHELL_ISA_COUNT] = {"baseline", "avx2", "avx512"};

int mitchell_isa_supported(int isa)
{
    if (isa == MITCHELL_ISA_BASELINE)
        return 1;
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    __builtin_cpu_init();
    if (isa == MITCHELL_ISA_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == MITCHELL_ISA_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#endif
    return 0;
}

int mitchell_isa_best(void)
{
    int best = MITCHELL_ISA_BASELINE;
    for (int isa = 0; isa < MITCHELL_ISA_COUNT; isa++)
        if (mitchell_isa_supported(isa))
            best = isa;
    return best;
}
