#include "contiguous.h"
#include "kernels.h"

#include <string.h>

/* Elements per chunk: small enough that a rare special value costs little
 * rework, large enough to amortise the check. */
#define CHUNK 256

/* Lanes: the fast result and whether it is final (*bad stays 0). */
#define MITCHELL_DEFINE_LANES(NAME, UINT, EB, FB)                                      \
    MITCHELL_INLINE UINT lane_mul_##NAME(UINT a, UINT b, UINT *bad)                    \
    {                                                                                  \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB), inf = (UINT)ieee_inf_bits(EB, FB); \
        const UINT minn = (UINT)ieee_min_normal_bits(FB), one = (UINT)ieee_one_bits(EB, FB); \
        UINT ma = a & absm, mb = b & absm;                                             \
        UINT s = (UINT)(ma + mb - one);                                                \
        int normal = ((UINT)(ma - minn) < (UINT)(inf - minn))                          \
                   & ((UINT)(mb - minn) < (UINT)(inf - minn))                          \
                   & ((UINT)(s - minn) < (UINT)(inf - minn));                          \
        int zero = ((ma == 0) & (mb < inf)) | ((mb == 0) & (ma < inf));                \
        *bad |= (UINT)!(normal | zero);                                                \
        return (UINT)(((a ^ b) & (UINT)~absm) | (normal ? s : (UINT)0));              \
    }                                                                                  \
    MITCHELL_INLINE UINT lane_div_##NAME(UINT a, UINT b, UINT *bad)                    \
    {                                                                                  \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB), inf = (UINT)ieee_inf_bits(EB, FB); \
        const UINT minn = (UINT)ieee_min_normal_bits(FB), one = (UINT)ieee_one_bits(EB, FB); \
        UINT ma = a & absm, mb = b & absm;                                             \
        UINT s = (UINT)(ma + one - mb);                                                \
        int normal = ((UINT)(ma - minn) < (UINT)(inf - minn))                          \
                   & ((UINT)(mb - minn) < (UINT)(inf - minn))                          \
                   & ((UINT)(s - minn) < (UINT)(inf - minn));                          \
        int zero = (ma == 0) & (mb != 0) & (mb < inf);                                 \
        *bad |= (UINT)!(normal | zero);                                                \
        return (UINT)(((a ^ b) & (UINT)~absm) | (normal ? s : (UINT)0));              \
    }

MITCHELL_DEFINE_LANES(f16, uint16_t, MITCHELL_F16_EXP_BITS, MITCHELL_F16_FRAC_BITS)
MITCHELL_DEFINE_LANES(bf16, uint16_t, MITCHELL_BF16_EXP_BITS, MITCHELL_BF16_FRAC_BITS)
MITCHELL_DEFINE_LANES(f32, uint32_t, MITCHELL_F32_EXP_BITS, MITCHELL_F32_FRAC_BITS)
MITCHELL_DEFINE_LANES(f64, uint64_t, MITCHELL_F64_EXP_BITS, MITCHELL_F64_FRAC_BITS)

/*
 * The chunked loop.  When out is one of the inputs (NumPy passes exact aliases
 * for in-place operations) the lanes write to a private buffer so that a
 * chunk needing the scalar kernel can still read its original operands.
 * sa and sb are literal 0 or 1 at every call site, so each instance is a
 * plain contiguous or scalar-broadcast loop.
 */
#define MITCHELL_DEFINE_CHUNKED(OP, NAME, UINT)                                        \
    MITCHELL_INLINE unsigned chunked_##OP##_##NAME MITCHELL_CONTIG_SIGNATURE(UINT)     \
    {                                                                                  \
        unsigned flags = 0;                                                            \
        UINT scratch[CHUNK];                                                           \
        int alias = (out == a) || (out == b);                                          \
        for (intptr_t base = 0; base < n; base += CHUNK) {                             \
            intptr_t m = n - base < CHUNK ? n - base : CHUNK;                          \
            const UINT *ca = a + base * sa, *cb = b + base * sb;                       \
            UINT *dst = alias ? scratch : out + base;                                  \
            UINT bad = 0;                                                              \
            for (intptr_t i = 0; i < m; i++)                                           \
                dst[i] = lane_##OP##_##NAME(ca[i * sa], cb[i * sb], &bad);             \
            if (bad)                                                                   \
                for (intptr_t i = 0; i < m; i++)                                       \
                    dst[i] = mitchell_##OP##_##NAME(ca[i * sa], cb[i * sb], &flags);   \
            if (alias)                                                                 \
                memcpy(out + base, scratch, (size_t)m * sizeof(UINT));                 \
        }                                                                              \
        return flags;                                                                  \
    }

/* One entry point per target: picks the stride pattern so each is a literal. */
#define MITCHELL_DEFINE_TARGET_LOOP(TARGET, ATTR, OP, NAME, UINT)                      \
    ATTR static unsigned contig_##OP##_##NAME##_##TARGET MITCHELL_CONTIG_SIGNATURE(UINT) \
    {                                                                                  \
        if (sa && sb)                                                                  \
            return chunked_##OP##_##NAME(a, 1, b, 1, out, n);                          \
        if (sb)                                                                        \
            return chunked_##OP##_##NAME(a, 0, b, 1, out, n);                          \
        return chunked_##OP##_##NAME(a, 1, b, 0, out, n);                              \
    }

#define MITCHELL_FOR_EACH_LOOP(X)                                                      \
    X(mul, f16, uint16_t) X(div, f16, uint16_t)                                        \
    X(mul, bf16, uint16_t) X(div, bf16, uint16_t)                                      \
    X(mul, f32, uint32_t) X(div, f32, uint32_t)                                        \
    X(mul, f64, uint64_t) X(div, f64, uint64_t)

#define X(OP, NAME, UINT) MITCHELL_DEFINE_CHUNKED(OP, NAME, UINT)
MITCHELL_FOR_EACH_LOOP(X)
#undef X

#define MITCHELL_TABLE(TARGET)                                                         \
    { #TARGET,                                                                         \
      contig_mul_f16_##TARGET, contig_div_f16_##TARGET,                                \
      contig_mul_bf16_##TARGET, contig_div_bf16_##TARGET,                              \
      contig_mul_f32_##TARGET, contig_div_f32_##TARGET,                                \
      contig_mul_f64_##TARGET, contig_div_f64_##TARGET }

#define X(OP, NAME, UINT) MITCHELL_DEFINE_TARGET_LOOP(baseline, , OP, NAME, UINT)
MITCHELL_FOR_EACH_LOOP(X)
#undef X
static const mitchell_contig_table table_baseline = MITCHELL_TABLE(baseline);

/* x86-64 with GCC or Clang: extra copies for AVX2 and AVX-512, picked at run
 * time, so the build never needs -march=native. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define MITCHELL_HAVE_X86_TARGETS 1
#define X(OP, NAME, UINT)                                                              \
    MITCHELL_DEFINE_TARGET_LOOP(avx2, __attribute__((target("avx2"))), OP, NAME, UINT)
MITCHELL_FOR_EACH_LOOP(X)
#undef X
#define X(OP, NAME, UINT)                                                              \
    MITCHELL_DEFINE_TARGET_LOOP(avx512,                                                \
        __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq"))), OP, NAME, UINT)
MITCHELL_FOR_EACH_LOOP(X)
#undef X
static const mitchell_contig_table table_avx2 = MITCHELL_TABLE(avx2);
static const mitchell_contig_table table_avx512 = MITCHELL_TABLE(avx512);

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

mitchell_contig_table mitchell_contig = MITCHELL_TABLE(baseline);

int mitchell_contig_select(const char *request)
{
    int automatic = request == NULL || request[0] == '\0';
    const mitchell_contig_table *best = &table_baseline;
#ifdef MITCHELL_HAVE_X86_TARGETS
    if (cpu_has_avx512())
        best = &table_avx512;
    else if (cpu_has_avx2())
        best = &table_avx2;
#endif
    if (automatic) {
        mitchell_contig = *best;
        return 0;
    }
    if (strcmp(request, "baseline") == 0) {
        mitchell_contig = table_baseline;
        return 0;
    }
#ifdef MITCHELL_HAVE_X86_TARGETS
    if (strcmp(request, "avx2") == 0 && cpu_has_avx2()) {
        mitchell_contig = table_avx2;
        return 0;
    }
    if (strcmp(request, "avx512") == 0 && cpu_has_avx512()) {
        mitchell_contig = table_avx512;
        return 0;
    }
#endif
    mitchell_contig = *best;
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
