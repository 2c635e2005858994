/*
 * One Mitchell matrix product on one thread: packing, cache blocking, block
 * classification, the general (scalar-kernel) path and the integer path.
 *
 * Order of summation.  Every output element is +0 + p_0 + p_1 + ... +
 * p_(K-1), added one product at a time in increasing k in the accumulator's
 * format.  Blocking over k loads the partial sum back into the tile, so the
 * order is independent of the block sizes, the kernel and the threads; the
 * result is bit-identical to the naive loop (see matmul.h).
 *
 * The fast kernels (matmul_kernels.h) form each product as t * s with
 * t = from_bits(bits(a) + c 2^F + frac(b)) and s = sign(b) 2^(e(b) - c).
 * That product is exact, hence equal to the Mitchell product, when:
 *   (1) no operand of the block is inf, NaN or subnormal (zeros are allowed);
 *   (2) every product of nonzero operands is normal:
 *         ea_min + eb_min >= emin   and   ea_max + eb_max + 1 <= emax;
 *   (3) t is a finite normal number: emin <= ea + c and ea + c + 1 <= emax;
 *   (4) s is a normal number: eb - c >= emin.
 * We choose c = F + 2 + eb_max per block of B; then every nonzero scale has
 * s <= 2^-(F+2).  A zero in A (and a padding row) is packed as bits(2^emin),
 * so t = from_bits(bits(2^emin) + frac(b)) is a normal number below
 * 2^(emin+1) and |t s| < 2^(emin - F - 1), half the smallest subnormal:
 * added to a nonzero accumulator (|acc| >= 2^(emin-F)) it is below half an
 * ulp and vanishes; added to a zero accumulator it rounds to a zero,
 * possibly -0, which the final +0 turns back into +0 (a sum that starts at +0
 * is never -0).  t must be normal, not the subnormal a packed 0 would give:
 * Intel cores take a microcode assist (about 35 times the cost of an FMA)
 * for every FMA with a subnormal factor, which made a zero in A cost as
 * much as 35 products.  A zero in B has s = 0.  So the fast kernel adds
 * exactly the Mitchell products.  Blocks that fail a condition (rare:
 * specials, subnormals, magnitudes beyond about 2^±100 in float32) take the
 * general path, which calls the scalar kernel of kernels.h for every product
 * and adds in the same order.
 *
 * Flush to zero.  While a sum is still +0 (a row of A that starts with
 * zeros, or is all zeros), adding a vanishing product underflows, and that
 * costs an assist too: a quarter of the rows of A zero made a product 26
 * times slower.  Flush-to-zero mode (MXCSR.FTZ) removes those assists, and
 * it changes no result when no partial sum can be a nonzero subnormal: FTZ
 * only replaces such results, and a vanishing product rounds to a zero of
 * its own sign either way.  That holds when every product of the sum is zero
 * or has an exponent of at least emin + F: the partial sums are then the
 * sums of those products (the vanishing ones round away), multiples of
 * 2^(E - F) with E the least exponent (rounding keeps multiples of it), so
 * a nonzero one is at least 2^(E - F) >= 2^emin.  Mitchell's product of a
 * and b is at least 2^(ea + eb), so each block checks ea_min + eb_min >=
 * emin + F and the absence of subnormal and special operands, and a row
 * tile keeps FTZ only while every block of its sums so far passed
 * ("tiny_free" below).
 *
 * Integer path: for magnitudes below 2^8 the float Mitchell product of the
 * converted operands is Mitchell's integer product exactly (same formula,
 * kernels.h mitchell_imul_magnitude), below 2^16.  K blocks of at most 256
 * products therefore sum exactly in float32 (< 2^24) and are added to the
 * int32 result with wrap-around, like NumPy's integer arithmetic.
 */
#include "matmul_gemm.h"
#include "matmul_kernels.h"
#include "matmul_team.h"
#include "contiguous.h"
#include "kernels.h"

#include <stdlib.h>
#include <string.h>
#include "isa.h"
#if defined(_MSC_VER)
#include <malloc.h>
#endif

/* Cache blocking.  KC products per tile element per kernel call (the integer
 * path takes at most KC_INT, its exactness limit); an MC x KC block of A
 * stays in L2; a KC x NC block of B is packed once and reused by every MC
 * block, each of its panels (KC x NR) by every tile row of the A block.
 * KC_F32 = 512 with the 12-row AVX-512 tile: 1024^3 at 0.90-0.93x sgemm
 * against 0.80-0.86x with 192 (Zen 4, alternating processes; 256 and 384
 * in between), AVX2 unchanged; fewer passes over C, whose tile is loaded
 * and stored once per kernel call. */
#ifndef KC_F32
#define KC_F32 512
#endif
#ifndef MC_F32
#define MC_F32 120
#endif
#ifndef NC_F32
#define NC_F32 2048
#endif
#ifndef KC_F64
#define KC_F64 192
#endif
#ifndef MC_F64
#define MC_F64 60
#endif
#ifndef NC_F64
#define NC_F64 1024
#endif
#define KC_INT 256

#define MM_MIN(a, b) ((a) < (b) ? (a) : (b))

typedef mitchell_block_stats block_stats;

static void stats_init(block_stats *s)
{
    s->special = 0;
    s->any = 0;
    s->emin = INT64_MAX;
    s->emax = INT64_MIN;
}

#include "matmul_pack_avx512.h"

/* The AVX-512 packing (matmul_pack_avx512.h) goes with the AVX-512 kernels,
 * so that selecting another instruction set tests the portable packing too. */
static int pack_avx512(const mitchell_kernel_table *kt)
{
#ifdef MITCHELL_HAVE_AVX512_PACK
    return kt->isa == MITCHELL_ISA_AVX512;
#else
    (void)kt;
    return 0;
#endif
}

/* The AVX-512 packing where it applies (float32 operands in the float32
 * format, rows contiguous or not); false if the caller must pack. */
static int pack_b_direct(int on, const mitchell_matrix *B, intptr_t k0, intptr_t kc, intptr_t j0,
                         intptr_t nc, intptr_t p0, intptr_t p1, void *pb, block_stats *st)
{
#ifdef MITCHELL_HAVE_AVX512_PACK
    if (on && B->type == MITCHELL_MM_F32 && mm_gatherable(B->cs)) {
        pack_b_f32_avx512(B, k0, kc, j0, nc, p0, p1, (uint32_t *)pb, st);
        return 1;
    }
#endif
    (void)on; (void)B; (void)k0; (void)kc; (void)j0; (void)nc; (void)p0; (void)p1; (void)pb; (void)st;
    return 0;
}

static int scale_b_direct(int on, void *pb, intptr_t kc, intptr_t p0, intptr_t p1, int64_t c)
{
#ifdef MITCHELL_HAVE_AVX512_PACK
    if (on) {
        scale_b_f32_avx512((uint32_t *)pb, kc, p0, p1, c);
        return 1;
    }
#endif
    (void)on; (void)pb; (void)kc; (void)p0; (void)p1; (void)c;
    return 0;
}

static int pack_a_direct(int on, const mitchell_matrix *A, intptr_t i0, intptr_t mc, intptr_t k0,
                         intptr_t kc, int64_t c, int64_t kappa, intptr_t mr, void *pa, block_stats *st)
{
#ifdef MITCHELL_HAVE_AVX512_PACK
    if (on && A->type == MITCHELL_MM_F32 && mm_gatherable(A->cs)) {
        pack_a_f32_avx512(A, i0, mc, k0, kc, c, kappa, mr, (uint32_t *)pa, st);
        return 1;
    }
#endif
    (void)on; (void)A; (void)i0; (void)mc; (void)k0; (void)kc; (void)c; (void)kappa; (void)mr; (void)pa;
    (void)st;
    return 0;
}

/* The packing and int32 store loops are compiled for AVX2 too and picked at load time
 * (GCC/Clang function multi-versioning needs ifunc: glibc Linux on x86-64). */
#if defined(__x86_64__) && defined(__linux__) && defined(__GLIBC__) \
    && (defined(__clang__) ? __clang_major__ >= 14 : (defined(__GNUC__) && __GNUC__ >= 6))
#define MITCHELL_PACK_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MITCHELL_PACK_CLONES
#endif

/* Packed panels are read with aligned 32-byte loads; sizes are multiples of 64. */
static void *aligned_new(size_t bytes)
{
#if defined(_MSC_VER)
    return _aligned_malloc(bytes, 64);
#else
    return aligned_alloc(64, bytes);
#endif
}

static void aligned_delete(void *p)
{
#if defined(_MSC_VER)
    _aligned_free(p);
#else
    free(p);
#endif
}

/* Failure injection for the tests (mitchell._matmul._fail_allocations): the
 * next n packing-buffer requests fail as if memory were exhausted. */
static int failures_to_inject = 0;

void mitchell_matmul_fail_allocations(int n)
{
#if defined(__GNUC__) || defined(__clang__)
    __atomic_store_n(&failures_to_inject, n, __ATOMIC_RELAXED);
#else
    failures_to_inject = n;
#endif
}

static int inject_failure(void)
{
#if defined(__GNUC__) || defined(__clang__)
    int n = __atomic_load_n(&failures_to_inject, __ATOMIC_RELAXED);
    while (n > 0)
        if (__atomic_compare_exchange_n(&failures_to_inject, &n, n - 1, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            return 1;
    return 0;
#else
    return failures_to_inject > 0 ? (failures_to_inject--, 1) : 0;
#endif
}

/*
 * Packing buffers are kept between calls: the B buffer is over a megabyte,
 * so a fresh allocation would be fresh pages, and zeroing and faulting them
 * in costs several per cent of a 1024^3 product.  A small pool of idle
 * buffers (at most POOL_SLOTS, each as large as the largest request it
 * served) is shared by all threads; when it is exhausted, buffers are
 * allocated and freed as usual.
 */
#if !defined(_WIN32)
#include <pthread.h>
#define POOL_SLOTS 32
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    void *p;
    size_t bytes;
    int busy;
} pool[POOL_SLOTS];

/* A fork while another thread holds the lock would leave the child's copy
 * locked forever: hold it across fork() and release it on both sides. */
static void pool_lock_acquire(void) { pthread_mutex_lock(&pool_lock); }
static void pool_lock_release(void) { pthread_mutex_unlock(&pool_lock); }
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static void pool_init(void) { pthread_atfork(pool_lock_acquire, pool_lock_release, pool_lock_release); }

static void *mm_alloc(size_t bytes)
{
    if (inject_failure())
        return NULL;
    int fit = -1, idle = -1;
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < POOL_SLOTS; i++) {
        if (pool[i].busy)
            continue;
        if (pool[i].p != NULL && pool[i].bytes >= bytes && (fit < 0 || pool[i].bytes < pool[fit].bytes))
            fit = i;
        if (idle < 0 || pool[i].p == NULL)
            idle = i;
    }
    int slot = fit >= 0 ? fit : idle;
    void *p = NULL;
    if (slot >= 0 && fit < 0) { /* grow an idle slot's buffer (rare: the first calls) */
        aligned_delete(pool[slot].p);
        pool[slot].p = aligned_new(bytes);
        pool[slot].bytes = pool[slot].p != NULL ? bytes : 0;
    }
    if (slot >= 0 && pool[slot].p != NULL) {
        pool[slot].busy = 1;
        p = pool[slot].p;
    }
    pthread_mutex_unlock(&pool_lock);
    return slot >= 0 ? p : aligned_new(bytes);
}

static void mm_free(void *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&pool_lock);
    for (int i = 0; i < POOL_SLOTS; i++)
        if (pool[i].busy && pool[i].p == p) {
            pool[i].busy = 0;
            pthread_mutex_unlock(&pool_lock);
            return;
        }
    pthread_mutex_unlock(&pool_lock);
    aligned_delete(p);
}
#else
static void *mm_alloc(size_t bytes) { return inject_failure() ? NULL : aligned_new(bytes); }
static void mm_free(void *p) { aligned_delete(p); }
#endif

/* Asks for the next C tile while the kernel works on this one: its rows are
 * far apart, so the hardware prefetcher does not see them coming. */
static inline void prefetch_tile(const void *p, intptr_t row_bytes, size_t width, int rows)
{
#if defined(__GNUC__) || defined(__clang__)
    for (int i = 0; i < rows; i++) {
        const char *row = (const char *)p + i * row_bytes;
        __builtin_prefetch(row, 1);
        __builtin_prefetch(row + width - 1, 1);
    }
#else
    (void)p; (void)row_bytes; (void)width; (void)rows;
#endif
}

static void stats_merge(block_stats *s, const block_stats *part)
{
    s->special |= part->special;
    s->any |= part->any;
    s->emin = part->emin < s->emin ? part->emin : s->emin;
    s->emax = part->emax > s->emax ? part->emax : s->emax;
}

/* The team operations; without teams (matmul_team.h) team is always NULL. */
#ifdef MITCHELL_HAVE_TEAMS
static void team_barrier(mitchell_team *t) { mitchell_team_barrier(t); }
static void team_set_failed(mitchell_team *t) { __atomic_store_n(&t->failed, 1, __ATOMIC_RELAXED); }
static int team_failed(mitchell_team *t) { return __atomic_load_n(&t->failed, __ATOMIC_RELAXED); }
static void team_reset_claims(mitchell_team *t) { __atomic_store_n(&t->next, 0, __ATOMIC_RELAXED); }
static intptr_t first_unit(mitchell_team *t) { return t != NULL ? mitchell_team_claim(t) : 0; }
static intptr_t next_unit(mitchell_team *t, intptr_t u) { return t != NULL ? mitchell_team_claim(t) : u + 1; }
#else
static void team_barrier(mitchell_team *t) { (void)t; }
static void team_set_failed(mitchell_team *t) { (void)t; }
static int team_failed(mitchell_team *t) { (void)t; return 0; }
static void team_reset_claims(mitchell_team *t) { (void)t; }
static intptr_t first_unit(mitchell_team *t) { (void)t; return 0; }
static intptr_t next_unit(mitchell_team *t, intptr_t u) { (void)t; return u + 1; }
#endif

/* A row tile's flag becomes (flag and passes) and is returned.  Members of a
 * team that share rows (column units) update it in the same block with the
 * same `passes`, so reading it before or after another's update gives the
 * same answer. */
static int tiny_free_update(unsigned char *flag, int passes)
{
#if defined(__GNUC__) || defined(__clang__)
    int now = __atomic_load_n(flag, __ATOMIC_RELAXED) && passes;
    __atomic_store_n(flag, (unsigned char)now, __ATOMIC_RELAXED);
#else
    int now = *flag && passes;
    *flag = (unsigned char)now;
#endif
    return now;
}

/* Flush-to-zero on (returns the previous mode) and back; elsewhere than x86
 * the kernels keep IEEE underflow (no assists to avoid on those we know). */
#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#define MXCSR_FTZ 0x8000u
static unsigned ftz_on(void)
{
    unsigned csr = _mm_getcsr();
    _mm_setcsr(csr | MXCSR_FTZ);
    return csr & MXCSR_FTZ;
}
/* keeps the exception flags raised meanwhile: run_job reads them */
static void ftz_restore(unsigned mode) { _mm_setcsr((_mm_getcsr() & ~MXCSR_FTZ) | mode); }
#else
static unsigned ftz_on(void) { return 0; }
static void ftz_restore(unsigned mode) { (void)mode; }
#endif

/* Element loads as the bit pattern of the compute format. */
static inline uint32_t load_bits_f32(const mitchell_matrix *X, intptr_t r, intptr_t c)
{
    const char *p = X->data + r * X->rs + c * X->cs;
    uint32_t u;
    switch (X->type) {
    case MITCHELL_MM_I8:
        return ieee_f32_to_bits((float)*(const int8_t *)p);
    case MITCHELL_MM_U8:
        return ieee_f32_to_bits((float)*(const uint8_t *)p);
    default:
        memcpy(&u, p, sizeof u);
        return u;
    }
}

/* float64 compute format; float32 operands (float64 accumulation) are widened
 * exactly, and their products are checked against float32's range. */
static inline uint64_t load_bits_f64(const mitchell_matrix *X, intptr_t r, intptr_t c)
{
    const char *p = X->data + r * X->rs + c * X->cs;
    if (X->type == MITCHELL_MM_F32) {
        float v;
        memcpy(&v, p, sizeof v);
        return ieee_f64_to_bits((double)v);
    }
    uint64_t u;
    memcpy(&u, p, sizeof u);
    return u;
}

static inline int is_byte(int type)
{
    return type == MITCHELL_MM_I8 || type == MITCHELL_MM_U8;
}

static inline int64_t load_byte(const mitchell_matrix *X, intptr_t r, intptr_t c)
{
    const char *p = X->data + r * X->rs + c * X->cs;
    return X->type == MITCHELL_MM_I8 ? (int64_t)*(const int8_t *)p : (int64_t)*(const uint8_t *)p;
}

/* One product by the scalar kernel of the operands' own format.  A variant's
 * integer product is the rounded float64 one (kernels.h), below 2^17 for
 * bytes, so exact in float32. */
static inline float product_f32(const mitchell_matrix *A, const mitchell_matrix *B, intptr_t i,
                                intptr_t k, intptr_t j, const mitchell_mm_variant *v, unsigned *flags)
{
    if (!v->plain && is_byte(A->type)) {
        int64_t a = load_byte(A, i, k), b = load_byte(B, k, j);
        uint64_t m = mitchell_imul_corrected(mitchell_iabs(a), mitchell_iabs(b), &v->f64, UINT64_MAX, flags);
        return (a < 0) != (b < 0) ? -(float)m : (float)m;
    }
    if (v->narrow_eb != 0) { /* a float16 or bfloat16 product of the format's values */
        const unsigned eb = v->narrow_eb, fb = v->narrow_fb, EB = MITCHELL_EB_f32, FB = MITCHELL_FB_f32;
        uint64_t x = ieee_narrow_exact(load_bits_f32(A, i, k), EB, FB, eb, fb);
        uint64_t y = ieee_narrow_exact(load_bits_f32(B, k, j), EB, FB, eb, fb);
        return ieee_f32_from_bits((uint32_t)ieee_widen_exact(
            mitchell_mul_corrected(x, y, eb, fb, &v->narrow, flags), eb, fb, EB, FB));
    }
    return ieee_f32_from_bits(mitchell_mul_f32_corrected(load_bits_f32(A, i, k), load_bits_f32(B, k, j),
                                                         &v->f32, flags));
}

/* Whether every product of nonzero operands of the two blocks is a normal
 * number of the format with eb exponent bits: at least 2^(ea + eb) and with
 * an exponent of at most ea + eb + carry (carry 2 with a positive kappa). */
static inline int products_normal_in(const mitchell_block_stats *sa, const mitchell_block_stats *sb,
                                     unsigned eb, int64_t carry)
{
    return !(sa->any && sb->any)
        || (sa->emin + sb->emin >= ieee_emin(eb) && sa->emax + sb->emax + carry <= ieee_emax(eb));
}

/* The high side alone: no product reaches the format's infinity. */
static inline int products_finite_in(const mitchell_block_stats *sa, const mitchell_block_stats *sb,
                                     unsigned eb, int64_t carry)
{
    return !(sa->any && sb->any) || sa->emax + sb->emax + carry <= ieee_emax(eb);
}

/* Kernels per compute format that round float16 products to float16's
 * subnormal grid (matmul_kernels.c); none for float64 sums. */
#define MITCHELL_F16_GRID_KERNEL_f32(kt) ((kt)->f32_f16_grid)
#define MITCHELL_F16_GRID_KERNEL_f64(kt) NULL

static inline double product_f64(const mitchell_matrix *A, const mitchell_matrix *B, intptr_t i,
                                 intptr_t k, intptr_t j, const mitchell_mm_variant *v, unsigned *flags)
{
    if (A->type == MITCHELL_MM_F32) /* float32 products accumulated in float64 */
        return (double)product_f32(A, B, i, k, j, v, flags);
    return ieee_f64_from_bits(mitchell_mul_f64_corrected(load_bits_f64(A, i, k), load_bits_f64(B, k, j),
                                                         &v->f64, flags));
}

/*
 * Everything that depends on the format, written once: packing of both
 * operands, the block test, the general tile and the blocked driver of one
 * job (a row range x column range of one product).
 */
#define MITCHELL_DEFINE_FORMAT_DRIVER(NAME, UINT, FLT, EB, FB, NR, KC, MC, NC)          \
                                                                                       \
    /* Row r, columns [c0, c0 + n) of X as bit patterns of the compute format. */       \
    static void load_row_##NAME(const mitchell_matrix *X, intptr_t r, intptr_t c0,      \
                                intptr_t n, UINT *dst)                                 \
    {                                                                                  \
        const char *p = X->data + r * X->rs + c0 * X->cs;                              \
        const intptr_t cs = X->cs;                                                     \
        if (X->type == MITCHELL_MM_I8) /* exact conversions; these loops vectorise */  \
            for (intptr_t j = 0; j < n; j++)                                           \
                dst[j] = ieee_f32_to_bits((float)*(const int8_t *)(p + j * cs));       \
        else if (X->type == MITCHELL_MM_U8)                                            \
            for (intptr_t j = 0; j < n; j++)                                           \
                dst[j] = ieee_f32_to_bits((float)*(const uint8_t *)(p + j * cs));      \
        else if (X->type == MITCHELL_MM_F32 && sizeof(UINT) == sizeof(uint64_t))       \
            for (intptr_t j = 0; j < n; j++) {                                         \
                float v;                                                               \
                memcpy(&v, p + j * cs, sizeof v);                                      \
                dst[j] = (UINT)ieee_f64_to_bits((double)v);                            \
            }                                                                          \
        else if (cs == (intptr_t)sizeof(UINT))                                         \
            memcpy(dst, p, (size_t)n * sizeof(UINT));                                  \
        else                                                                           \
            for (intptr_t j = 0; j < n; j++)                                           \
                memcpy(&dst[j], p + j * cs, sizeof(UINT));                             \
    }                                                                                  \
                                                                                       \
    /* Classifies n patterns (branch-free, so it vectorises) into the stats and   \
     * splits them into the packed parts: fraction field and sign+exponent      \
     * field (the scale before c is applied); zeros and specials give 0, 0. */   \
    MITCHELL_PACK_CLONES static void classify_##NAME(const UINT *u, intptr_t n, UINT *frac, UINT *head,      \
                                block_stats *st)                                       \
    {                                                                                  \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB), fracm = (UINT)ieee_frac_mask(FB); \
        const UINT inf = (UINT)ieee_inf_bits(EB, FB), minn = (UINT)ieee_min_normal_bits(FB); \
        UINT special = 0, fmin = (UINT)~(UINT)0, fmax = 0;                             \
        for (intptr_t j = 0; j < n; j++) { /* masks: all ones or zero */              \
            UINT mag = u[j] & absm, field = mag >> FB;                                 \
            UINT nz = (UINT)0 - (UINT)(mag != 0);                                      \
            UINT out = (UINT)0 - (UINT)((UINT)(mag - minn) >= (UINT)(inf - minn));     \
            UINT ok = nz & ~out;                                                       \
            special |= nz & out;                                                       \
            UINT lo = field | ~ok, hi = field & ok;                                    \
            fmin = lo < fmin ? lo : fmin;                                              \
            fmax = hi > fmax ? hi : fmax;                                              \
            frac[j] = mag & fracm & ok;                                                \
            head[j] = u[j] & (UINT)~fracm & ok;                                        \
        }                                                                              \
        if (special)                                                                   \
            st->special = 1;                                                           \
        if (fmax != 0) {                                                               \
            int64_t bias = ieee_bias(EB);                                              \
            st->any = 1;                                                               \
            if ((int64_t)fmin - bias < st->emin) st->emin = (int64_t)fmin - bias;      \
            if ((int64_t)fmax - bias > st->emax) st->emax = (int64_t)fmax - bias;      \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* B block rows [k0, k0+kc) x columns [j0, j0+nc) in panels of NR columns,  \
     * panels [p0, p1) of it: fraction fields and sign+exponent fields, whose    \
     * exponent range goes into the stats (scale_b_ applies c afterwards). */    \
    MITCHELL_PACK_CLONES static void pack_b_##NAME(const mitchell_matrix *B, intptr_t k0, intptr_t kc,       \
                              intptr_t j0, intptr_t nc, intptr_t p0, intptr_t p1,      \
                              UINT *pb, block_stats *st, UINT *row, UINT *frac, UINT *head) \
    {                                                                                  \
        const intptr_t width = (p1 - p0) * NR, have = MM_MIN(width, nc - p0 * NR);     \
        stats_init(st);                                                                \
        for (intptr_t k = 0; k < kc; k++) {                                            \
            load_row_##NAME(B, k0 + k, j0 + p0 * NR, have, row);                       \
            for (intptr_t j = have; j < width; j++)                                    \
                row[j] = 0;                                                            \
            classify_##NAME(row, width, frac, head, st);                               \
            for (intptr_t p = p0; p < p1; p++) {                                       \
                UINT *dst = pb + (p * kc + k) * 2 * NR;                                \
                memcpy(dst, frac + (p - p0) * NR, NR * sizeof(UINT));                  \
                memcpy(dst + NR, head + (p - p0) * NR, NR * sizeof(UINT));             \
            }                                                                          \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* The constant c = F + 2 + eb_max of a block of B with these stats; true if \
     * the fast kernel may use its scales (conditions 1 and 4 on B's side). */      \
    static int block_c_##NAME(const block_stats *st, int64_t *c)                       \
    {                                                                                  \
        *c = (int64_t)FB + 2 + (st->any ? st->emax : 0);                               \
        return !(st->special || (st->any && st->emin - *c < ieee_emin(EB)));           \
    }                                                                                  \
                                                                                       \
    /* Panels [p0, p1) of a packed block: sign+exponent fields become scales. */     \
    MITCHELL_PACK_CLONES static void scale_b_##NAME(UINT *pb, intptr_t kc, intptr_t p0, intptr_t p1, int64_t c) \
    {                                                                                  \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB);                                 \
        const UINT shift = (UINT)((uint64_t)c << FB);                                  \
        for (intptr_t p = p0; p < p1; p++)                                             \
            for (intptr_t k = 0; k < kc; k++) {                                        \
                UINT *scale = pb + (p * kc + k) * 2 * NR + NR;                         \
                for (intptr_t j = 0; j < NR; j++)                                      \
                    scale[j] = (scale[j] & absm) ? scale[j] - shift : scale[j];        \
            }                                                                          \
    }                                                                                  \
                                                                                       \
    /* A block rows [i0, i0+mc) x columns [k0, k0+kc) in panels of MR rows (the \
     * kernels' tile height):                                                      \
     * bits(a) + c 2^F + kappa, or bits(2^emin) for a zero; padding rows repeat a   \
     * row.  An additive variant's kappa folds in here: every product of the row \
     * gets it added to its log sum. */                                          \
    MITCHELL_PACK_CLONES static void pack_a_##NAME(const mitchell_matrix *A, intptr_t i0, intptr_t mc,       \
                              intptr_t k0, intptr_t kc, int64_t c, int64_t kappa, intptr_t MR, \
                              UINT *pa, block_stats *st, UINT *row, UINT *frac, UINT *head) \
    {                                                                                  \
        const UINT shift = (UINT)(((uint64_t)c << FB) + (uint64_t)kappa);              \
        const UINT absm = (UINT)ieee_abs_mask(EB, FB);                                 \
        const UINT zero = (UINT)ieee_min_normal_bits(FB); /* t normal: no FMA assist */ \
        stats_init(st);                                                                \
        for (intptr_t ip = 0; ip < mc; ip += MR) {                                     \
            intptr_t mr = MM_MIN(MR, mc - ip);                                         \
            UINT *panel = pa + (ip / MR) * kc * MR;                                    \
            for (intptr_t i = 0; i < MR; i++) {                                        \
                if (i < mr) {                                                          \
                    load_row_##NAME(A, i0 + ip + i, k0, kc, row);                      \
                    classify_##NAME(row, kc, frac, head, st);                          \
                    for (intptr_t k = 0; k < kc; k++)                                  \
                        panel[k * MR + i] = (head[k] & absm) ? row[k] + shift : zero;  \
                } else { /* a copy of the last row: its sums are computed and       \
                          * dropped, and a row of zeros would keep a zero sum, whose \
                          * vanishing products each cost an FMA assist */          \
                    for (intptr_t k = 0; k < kc; k++)                                  \
                        panel[k * MR + i] = panel[k * MR + mr - 1];                    \
                }                                                                      \
            }                                                                          \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* Conditions (1)-(4) of the comment at the top of this file; with `narrow`     \
     * (float32 operands in the float64 format) also (2) in float32's range, and  \
     * for float16/bfloat16 products in that format's range.  A positive kappa    \
     * (< 2^F) can carry the log sum one binade further.  Returns 0 (general      \
     * path), 1 (fast) or 2 (fast, rounding float16 products that fall below its  \
     * normal range to its subnormal grid: grid_kernel). */                      \
    static int block_is_fast_##NAME(const block_stats *sa, const block_stats *sb, int64_t c, \
                                    int narrow, int64_t kappa, const mitchell_mm_variant *v, \
                                    int grid_kernel)                                   \
    {                                                                                  \
        const int64_t emin = ieee_emin(EB), emax = ieee_emax(EB);                      \
        const int64_t carry = 1 + (kappa > 0);                                         \
        int mode = 1;                                                                  \
        if (sa->special || sb->special || kappa < 0)                                   \
            return 0;                                                                  \
        if (narrow && !products_normal_in(sa, sb, MITCHELL_EB_f32, carry))             \
            return 0;                                                                  \
        if (v->narrow_eb != 0 && !products_normal_in(sa, sb, v->narrow_eb, carry)) {   \
            if (!grid_kernel || !products_finite_in(sa, sb, v->narrow_eb, carry))     \
                return 0;                                                              \
            mode = 2;                                                                  \
        }                                                                              \
        if (sa->any && sb->any                                                         \
            && (sa->emin + sb->emin < emin || sa->emax + sb->emax + carry > emax))     \
            return 0;                                                                  \
        if (sa->any && (sa->emin + c < emin || sa->emax + c + carry > emax))           \
            return 0;                                                                  \
        if (sb->any && sb->emin - c < emin)                                            \
            return 0;                                                                  \
        return mode;                                                                   \
    }                                                                                  \
                                                                                       \
    /* A block the kernels cannot take, row by row, when the operands and the      \
     * result are in this format, B's and C's rows contiguous and aligned: for    \
     * each row of A and each k, the elementwise loop of the product's           \
     * instruction set gives a[i][k] times B's row k segment, bit for bit the     \
     * scalar kernel's products and flags, and the row of C (+0 when fresh)       \
     * adds them in increasing k, the order of every path.  prod: w elements. */  \
    MITCHELL_PACK_CLONES static void general_rows_##NAME(const mitchell_matrix *A, const mitchell_matrix *B, \
                                    const mitchell_matrix *C, intptr_t i0, intptr_t mc, \
                                    intptr_t k0, intptr_t kc, intptr_t j0, intptr_t w,   \
                                    int fresh, const mitchell_correction *corr,          \
                                    const mitchell_contig_table *loops, UINT *prod,     \
                                    unsigned *flags)                                   \
    {                                                                                  \
        for (intptr_t i = i0; i < i0 + mc; i++) {                                      \
            FLT *c = (FLT *)(C->data + i * C->rs) + j0;                                \
            if (fresh)                                                                 \
                for (intptr_t j = 0; j < w; j++)                                       \
                    c[j] = 0;                                                          \
            for (intptr_t k = k0; k < k0 + kc; k++) {                                  \
                UINT a;                                                                \
                memcpy(&a, A->data + i * A->rs + k * A->cs, sizeof a);                 \
                const UINT *b = (const UINT *)(B->data + k * B->rs) + j0;              \
                *flags |= loops->mul_##NAME(&a, 0, b, 1, prod, w, corr);              \
                for (intptr_t j = 0; j < w; j++) {                                     \
                    FLT p;                                                             \
                    memcpy(&p, &prod[j], sizeof p);                                    \
                    c[j] = c[j] + p;                                                   \
                }                                                                      \
            }                                                                          \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* The same products from the scalar kernel, added in the same order. */          \
    static void general_tile_##NAME(const mitchell_matrix *A, const mitchell_matrix *B, \
                                    intptr_t i0, intptr_t mr, intptr_t j0, intptr_t nr, \
                                    intptr_t k0, intptr_t kc, const mitchell_mm_variant *v, \
                                    FLT *tile, unsigned *flags)                        \
    {                                                                                  \
        for (intptr_t k = k0; k < k0 + kc; k++)                                        \
            for (intptr_t i = 0; i < mr; i++)                                          \
                for (intptr_t j = 0; j < nr; j++)                                      \
                    tile[i * NR + j] = tile[i * NR + j]                                \
                                       + product_##NAME(A, B, i0 + i, k, j0 + j, v, flags); \
    }                                                                                  \
                                                                                       \
    /* The MR x NR tile buffer: the kernels read and write all of it. */          \
    static void tile_load_##NAME(const mitchell_matrix *C, intptr_t i0, intptr_t mr,   \
                                 intptr_t j0, intptr_t nr, int fresh, intptr_t MR, FLT *tile) \
    {                                                                                  \
        if (fresh || mr < MR || nr < NR)                                               \
            for (intptr_t i = 0; i < MR * NR; i++)                                     \
                tile[i] = 0;                                                           \
        if (fresh)                                                                     \
            return;                                                                    \
        for (intptr_t i = 0; i < mr; i++) {                                            \
            const char *src = C->data + (i0 + i) * C->rs + j0 * C->cs;                 \
            if (C->cs == (intptr_t)sizeof(FLT))                                        \
                memcpy(&tile[i * NR], src, (size_t)nr * sizeof(FLT));                 \
            else                                                                       \
                for (intptr_t j = 0; j < nr; j++)                                      \
                    memcpy(&tile[i * NR + j], src + j * C->cs, sizeof(FLT));           \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* Floating result: the tile is the partial sum; + 0 turns a -0 the zero     \
     * packing may leave into the +0 of a sum started at +0.  Integer result: the tile \
     * is an exact partial sum below 2^24, added with int32 wrap-around. */        \
    MITCHELL_PACK_CLONES static void tile_store_##NAME(const mitchell_matrix *C, intptr_t i0, intptr_t mr,   \
                                  intptr_t j0, intptr_t nr, int first, intptr_t MR, FLT *tile) \
    {                                                                                  \
        if (C->type == MITCHELL_MM_I32 && C->cs == (intptr_t)sizeof(int32_t)           \
            && (uintptr_t)C->data % sizeof(int32_t) == 0 && C->rs % (intptr_t)sizeof(int32_t) == 0) { \
            for (intptr_t i = 0; i < mr; i++) { /* two loops: both vectorise */         \
                int32_t *dst = (int32_t *)(C->data + (i0 + i) * C->rs) + j0;           \
                const FLT *src = &tile[i * NR];                                        \
                if (first)                                                             \
                    for (intptr_t j = 0; j < nr; j++)                                  \
                        dst[j] = (int32_t)src[j];                                      \
                else                                                                   \
                    for (intptr_t j = 0; j < nr; j++)                                  \
                        dst[j] = (int32_t)((uint32_t)dst[j] + (uint32_t)(int32_t)src[j]); \
            }                                                                          \
            return;                                                                    \
        }                                                                              \
        if (C->type == MITCHELL_MM_I32) {                                              \
            for (intptr_t i = 0; i < mr; i++)                                          \
                for (intptr_t j = 0; j < nr; j++) {                                    \
                    char *dst = C->data + (i0 + i) * C->rs + (j0 + j) * C->cs;         \
                    uint32_t acc = 0;                                                  \
                    if (!first)                                                        \
                        memcpy(&acc, dst, sizeof acc);                                 \
                    acc += (uint32_t)(int32_t)tile[i * NR + j];                        \
                    memcpy(dst, &acc, sizeof acc);                                     \
                }                                                                      \
            return;                                                                    \
        }                                                                              \
        for (intptr_t i = 0; i < MR * NR; i++)                                         \
            tile[i] = tile[i] + (FLT)0;                                                \
        for (intptr_t i = 0; i < mr; i++) {                                            \
            char *dst = C->data + (i0 + i) * C->rs + j0 * C->cs;                       \
            if (C->cs == (intptr_t)sizeof(FLT))                                        \
                memcpy(dst, &tile[i * NR], (size_t)nr * sizeof(FLT));                 \
            else                                                                       \
                for (intptr_t j = 0; j < nr; j++)                                      \
                    memcpy(dst + j * C->cs, &tile[i * NR + j], sizeof(FLT));           \
        }                                                                              \
    }                                                                                  \
                                                                                       \
    /* Rows [m0, m1) x columns [n0, n1) of C = A B, alone (team NULL) or as     \
     * member `rank` of a team that computes them together (matmul_team.h). */  \
    int mitchell_gemm_##NAME(intptr_t m0, intptr_t m1, intptr_t n0, intptr_t n1,         \
                           intptr_t K, const mitchell_matrix *A,                       \
                           const mitchell_matrix *B, const mitchell_matrix *C,         \
                           const mitchell_mm_variant *v, const mitchell_kernel_table *kt, \
                           unsigned *flags, mitchell_team *team, int rank)             \
    {                                                                                  \
        const intptr_t MR = kt->mr; /* tile rows: every member packs A alike */        \
        const int integer = C->type == MITCHELL_MM_I32;                                \
        const int members = team != NULL ? team->size : 1;                             \
        rank = team != NULL ? rank : 0;                                                \
        /* K blocks of equal size (at most KC), so no pass over C is a short one;     \
         * a variant's integer products reach 2^17, so its sums need 4 times fewer */ \
        const intptr_t kcint = v->plain ? KC_INT : KC_INT / 4;                         \
        const intptr_t kclimit = integer ? MM_MIN(KC, kcint) : KC;                     \
        const intptr_t kcmax = (K + (K + kclimit - 1) / kclimit - 1) / ((K + kclimit - 1) / kclimit); \
        const intptr_t kcb = MM_MIN(kcmax, K);                                         \
        const intptr_t ncb = (MM_MIN(NC, n1 - n0) + NR - 1) / NR * NR; /* whole panels */ \
        const intptr_t mcb = (MM_MIN(MC, m1 - m0) + MR - 1) / MR * MR;                 \
        size_t bytes_b = ((size_t)kcb * 2 * (size_t)ncb * sizeof(UINT) + 63) / 64 * 64; \
        size_t bytes_a = ((size_t)kcb * (size_t)mcb * sizeof(UINT) + 63) / 64 * 64;    \
        const intptr_t row_tiles = (m1 - m0 + MR - 1) / MR;                            \
        const int owner = team == NULL || rank == 0; /* of the shared buffers */       \
        UINT *pb = NULL;                                                               \
        unsigned char *tiny_free = NULL; /* per row tile, see "Flush to zero" */       \
        if (owner) {                                                                   \
            pb = mm_alloc(bytes_b);                                                    \
            tiny_free = malloc((size_t)row_tiles);                                     \
            if (team != NULL) {                                                        \
                team->pb = pb;                                                         \
                team->tiny_free = tiny_free;                                           \
            }                                                                          \
        }                                                                              \
        UINT *pa = mm_alloc(bytes_a);                                                  \
        /* one row of either operand and its two classified parts */                   \
        size_t row_len = (size_t)(kcb > ncb ? kcb : ncb);                              \
        UINT *scratch = malloc(3 * row_len * sizeof(UINT));                            \
        int failed = pa == NULL || scratch == NULL || (owner && (pb == NULL || tiny_free == NULL)); \
        if (team != NULL) { /* all members fail together, or none */                   \
            if (failed)                                                                \
                team_set_failed(team);                                                 \
            team_barrier(team);                                                        \
            failed = team_failed(team);                                                \
            pb = team->pb;                                                             \
            tiny_free = team->tiny_free;                                               \
        }                                                                              \
        if (failed) {                                                                  \
            if (owner) {                                                               \
                mm_free(pb);                                                           \
                free(tiny_free);                                                       \
            }                                                                          \
            mm_free(pa);                                                               \
            free(scratch);                                                             \
            return -1;                                                                 \
        }                                                                              \
        UINT *row = scratch, *frac = scratch + row_len, *head = scratch + 2 * row_len; \
        FLT tile[MITCHELL_MR_MAX * NR];                                                \
        /* full tiles of a float result with unit column stride: the kernel works   \
         * in C itself; otherwise through the tile buffer */                          \
        const int direct = !integer && C->cs == (intptr_t)sizeof(FLT)                 \
                           && C->rs % (intptr_t)sizeof(FLT) == 0                      \
                           && (uintptr_t)C->data % sizeof(FLT) == 0;                  \
        const int narrow = A->type == MITCHELL_MM_F32 && sizeof(UINT) == 8;            \
        /* the general path by rows (general_rows_): the format's own operands    \
         * and result, rows contiguous and aligned, a correction the loops take */ \
        const int own = sizeof(UINT) == 4 ? MITCHELL_MM_F32 : MITCHELL_MM_F64;         \
        const int by_rows = A->type == own && B->type == own && C->type == own         \
                            && direct && B->cs == (intptr_t)sizeof(UINT)               \
                            && B->rs % (intptr_t)sizeof(UINT) == 0                     \
                            && (uintptr_t)B->data % sizeof(UINT) == 0                  \
                            && v->NAME.index_bits <= MITCHELL_CONTIG_MAX_INDEX_BITS     \
                            && kt->elementwise->mul_##NAME != NULL                     \
                            && v->narrow_eb == 0;                                      \
        /* float32 format and the AVX-512 kernels */                                  \
        const int direct_pack = sizeof(UINT) == 4 && pack_avx512(kt);                  \
        /* an additive variant's correction in this format's units (float32      \
         * products computed in float64 take float32's, scaled); a region table  \
         * or a variant's integer products take the general path */              \
        const int64_t kappa = narrow ? v->f32.constant * ((int64_t)1 << (FB - MITCHELL_FB_f32)) \
                                     : v->NAME.constant;                               \
        const int general_only = (narrow ? v->f32.table : v->NAME.table) != NULL       \
                                 || (integer && !v->plain);                            \
        const mitchell_kernel_##NAME fast_kernel = kt->NAME, short_kernel = kt->NAME##_short; \
        const mitchell_kernel_##NAME grid_kernel = MITCHELL_F16_GRID_KERNEL_##NAME(kt);   \
        const int grid = grid_kernel != NULL && v->narrow_eb == MITCHELL_EB_f16           \
                         && v->narrow_fb == MITCHELL_FB_f16;                           \
        for (intptr_t jc = n0; jc < n1; jc += NC) {                                    \
            const intptr_t nc = MM_MIN(NC, n1 - jc), panels = (nc + NR - 1) / NR;      \
            /* this member packs panels [p0, p1) of each block of B */                 \
            const intptr_t p0 = panels * rank / members, p1 = panels * (rank + 1) / members; \
            /* Units of work: alone, the whole block; in a team, row ranges of at   \
             * most MC rows (one block of A each), at least two per member (a     \
             * member slowed down by other processes claims fewer) and as many    \
             * as a multiple of the members, so that equal members finish        \
             * together; when rows are few, column ranges too. */                 \
            intptr_t ru = 1, cu = 1;                                                   \
            if (members > 1) {                                                         \
                const intptr_t tiles_per_block = MC / MR; /* MC is a multiple of MR */ \
                const intptr_t blocks = (row_tiles + tiles_per_block - 1) / tiles_per_block; \
                const intptr_t least = 2 * (intptr_t)members;                          \
                ru = ((blocks > least ? blocks : least) + members - 1) / members * members; \
                ru = MM_MIN(ru, row_tiles);                                            \
                cu = MM_MIN(panels, (least + ru - 1) / ru);                            \
            }                                                                          \
            for (intptr_t pc = 0; pc < K; pc += kcmax) {                               \
                intptr_t kc = MM_MIN(kcmax, K - pc);                                   \
                int fresh = integer || pc == 0;                                        \
                block_stats sb, sa;                                                    \
                int64_t c;                                                             \
                if (owner) { /* nobody claims or reads these before the second barrier */ \
                    if (team != NULL)                                                  \
                        team_reset_claims(team);                                       \
                    if (pc == 0)                                                       \
                        memset(tiny_free, 1, (size_t)row_tiles);                       \
                }                                                                      \
                stats_init(&sb);                                                       \
                if (p0 < p1)                                                           \
                    if (!pack_b_direct(direct_pack, B, pc, kc, jc, nc, p0, p1, pb, &sb)) \
                        pack_b_##NAME(B, pc, kc, jc, nc, p0, p1, pb, &sb, row, frac, head); \
                if (team != NULL) {                                                    \
                    team->stats[rank] = sb;                                            \
                    team_barrier(team);                                                \
                    for (int t = 0; t < members; t++)                                  \
                        stats_merge(&sb, &team->stats[t]);                             \
                }                                                                      \
                if (block_c_##NAME(&sb, &c) && p0 < p1)                                \
                    if (!scale_b_direct(direct_pack, pb, kc, p0, p1, c))               \
                        scale_b_##NAME(pb, kc, p0, p1, c);                             \
                if (team != NULL)                                                      \
                    team_barrier(team);                                                \
                for (intptr_t u = first_unit(team); u < ru * cu; u = next_unit(team, u)) { \
                    /* whole tiles, shared as evenly as they go */                    \
                    const intptr_t ur = u / cu, uc = u % cu;                           \
                    const intptr_t r0 = m0 + ur * row_tiles / ru * MR;                \
                    const intptr_t r1 = MM_MIN(m1, m0 + (ur + 1) * row_tiles / ru * MR); \
                    const intptr_t q0 = uc * panels / cu, q1 = (uc + 1) * panels / cu; \
                    for (intptr_t ic = r0; ic < r1; ic += MC) {                        \
                        intptr_t mc = MM_MIN(MC, r1 - ic);                             \
                        if (!pack_a_direct(direct_pack, A, ic, mc, pc, kc, c, kappa, MR, pa, &sa)) \
                            pack_a_##NAME(A, ic, mc, pc, kc, c, kappa, MR, pa, &sa, row, frac, head); \
                        int fast = general_only ? 0 : block_is_fast_##NAME(&sa, &sb, c, narrow, kappa, v, grid); \
                        const int passes = !sa.special && !sb.special && (!sa.any || !sb.any \
                                           || sa.emin + sb.emin >= ieee_emin(EB) + FB);   \
                        const int ftz = tiny_free_update(&tiny_free[(ic - m0) / MR], passes) \
                                        && fast;                                       \
                        const unsigned mode = ftz ? ftz_on() : 0;                          \
                        const mitchell_kernel_##NAME kernel = fast == 2 ? grid_kernel : fast_kernel; \
                        if (!fast && by_rows) {                                        \
                            const intptr_t j0 = jc + q0 * NR;                          \
                            general_rows_##NAME(A, B, C, ic, mc, pc, kc, j0,             \
                                                MM_MIN(nc, q1 * NR) - q0 * NR, fresh, &v->NAME, \
                                                kt->elementwise, row, flags);          \
                            continue;                                                  \
                        }                                                              \
                        for (intptr_t q = q0; q < q1; q++) {                           \
                            intptr_t jr = q * NR, nr = MM_MIN(NR, nc - jr);            \
                            const UINT *pbp = pb + q * kc * 2 * NR;                    \
                            for (intptr_t ir = 0; ir < mc; ir += MR) {                 \
                                intptr_t mr = MM_MIN(MR, mc - ir);                     \
                                const UINT *pap = pa + (ir / MR) * kc * MR;            \
                                if (fast && direct && mr == MR && nr == NR) {          \
                                    FLT *cp = (FLT *)(C->data + (ic + ir) * C->rs      \
                                                      + (jc + jr) * C->cs);            \
                                    if (ir + 2 * MR <= mc && !fresh)                   \
                                        prefetch_tile(cp + MR * (C->rs / (intptr_t)sizeof(FLT)), \
                                                      C->rs, NR * sizeof(FLT), MR);    \
                                    kernel(kc, pap, pbp, cp, C->rs / (intptr_t)sizeof(FLT), !fresh); \
                                    continue;                                          \
                                }                                                      \
                                if (ir + 2 * MR <= mc && integer)                      \
                                    prefetch_tile(C->data + (ic + ir + MR) * C->rs + (jc + jr) * C->cs, \
                                                  C->rs, NR * sizeof(int32_t), MR);    \
                                if (fast && integer && mr == MR && nr == NR) {         \
                                    kernel(kc, pap, pbp, tile, NR, 0); /* fresh */     \
                                    tile_store_##NAME(C, ic + ir, mr, jc + jr, nr, pc == 0, MR, tile); \
                                    continue;                                          \
                                }                                                      \
                                tile_load_##NAME(C, ic + ir, mr, jc + jr, nr, fresh, MR, tile); \
                                if (fast == 1 && mr <= kt->mr_short)                   \
                                    short_kernel(kc, pap, pbp, tile, NR, 1);           \
                                else if (fast)                                         \
                                    kernel(kc, pap, pbp, tile, NR, 1);                 \
                                else                                                   \
                                    general_tile_##NAME(A, B, ic + ir, mr, jc + jr, nr, pc, kc, \
                                                        v, tile, flags);               \
                                tile_store_##NAME(C, ic + ir, mr, jc + jr, nr, pc == 0, MR, tile); \
                            }                                                          \
                        }                                                              \
                        if (ftz)                                                       \
                            ftz_restore(mode);                                         \
                    }                                                                  \
                }                                                                      \
                if (team != NULL)                                                      \
                    team_barrier(team); /* the next block of B overwrites pb */        \
            }                                                                          \
        }                                                                              \
        if (owner) { /* every member is past its last use of pb and tiny_free */      \
            mm_free(pb);                                                               \
            free(tiny_free);                                                           \
        }                                                                              \
        mm_free(pa);                                                                   \
        free(scratch);                                                                 \
        return 0;                                                                      \
    }

/* the units of a team are whole A blocks of whole tiles */
#define MC_FITS(MR) (MC_F32 % (MR) == 0 && MC_F64 % (MR) == 0 && (MR) <= MITCHELL_MR_MAX)
#if !MC_FITS(MITCHELL_MR_PORTABLE) || !MC_FITS(MITCHELL_MR_AVX2) || !MC_FITS(MITCHELL_MR_AVX512)
#error "MC must be a multiple of every kernel's tile height MR, which is at most MITCHELL_MR_MAX"
#endif
MITCHELL_DEFINE_FORMAT_DRIVER(f32, uint32_t, float, MITCHELL_EB_f32, MITCHELL_FB_f32,
                              MITCHELL_NR_F32, KC_F32, MC_F32, NC_F32)
MITCHELL_DEFINE_FORMAT_DRIVER(f64, uint64_t, double, MITCHELL_EB_f64, MITCHELL_FB_f64,
                              MITCHELL_NR_F64, KC_F64, MC_F64, NC_F64)

mitchell_gemm_fn mitchell_choose_gemm(const mitchell_matrix *A, const mitchell_matrix *B, const mitchell_matrix *C)
{
    if (A->type == MITCHELL_MM_F32 && B->type == MITCHELL_MM_F32)
        return C->type == MITCHELL_MM_F32 ? mitchell_gemm_f32 : C->type == MITCHELL_MM_F64 ? mitchell_gemm_f64 : NULL;
    if (A->type == MITCHELL_MM_F64 && B->type == MITCHELL_MM_F64 && C->type == MITCHELL_MM_F64)
        return mitchell_gemm_f64;
    if (is_byte(A->type) && is_byte(B->type) && C->type == MITCHELL_MM_I32)
        return mitchell_gemm_f32;
    return NULL;
}
