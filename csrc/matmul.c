/*
 * Mitchell matrix product: work distribution over threads, floating-point
 * exceptions, the public entry points and the gufunc loops.  One product on
 * one thread is matmul_gemm.c.
 *
 * Exceptions: the scalar kernel's flags and the hardware overflow/invalid
 * flags of the additions (as np.matmul reports them) are collected per
 * thread and returned; the underflow the zero packing provokes in the fast
 * kernel is not a result of the user's arithmetic and is not reported (each
 * worker saves and restores its own FP status around its work).
 */
#include "matmul.h"
#include "matmul_gemm.h"
#include "matmul_kernels.h"
#include "matmul_team.h"
#include "kernels.h"
#include "fpflags.h"

#include <fenv.h>
#include <string.h>

#include "matmul_pool.h"

#define MAX_THREADS MITCHELL_MAX_THREADS

/* Below this many products per thread, another thread costs more than it saves. */
#define MIN_PRODUCTS_PER_THREAD ((int64_t)1 << 21)

/*
 * The work of one call.  Either the threads share out whole products of the
 * batch, claiming them one at a time from a shared counter (so a thread
 * slowed down by other processes simply claims fewer), or, with `team`, they
 * all compute product `item` together (matmul_team.h).
 */
typedef struct {
    mitchell_gemm_fn gemm;
    const mitchell_mm_variant *variant;
    const mitchell_kernel_table *kernels; /* read once: one tile shape per product */
    intptr_t M, N, K;
    const intptr_t *outer; /* byte strides between batch items of A, B, C */
    mitchell_matrix A, B, C;
    intptr_t count;        /* batch items */
    intptr_t next;         /* the next unclaimed item (atomic) */
    mitchell_team *team;
    intptr_t item;
} mm_work;

typedef struct {
    mm_work *work;
    int rank;
    unsigned flags;
    int status;
} mm_job;

static intptr_t claim_item(mm_work *w)
{
#if defined(__GNUC__) || defined(__clang__)
    return __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
#else
    return w->next++; /* single-threaded builds only (no pthreads) */
#endif
}

static unsigned hardware_flags(void)
{
    unsigned flags = 0;
    if (fetestexcept(FE_OVERFLOW))
        flags |= MITCHELL_FLAG_OVERFLOW;
    if (fetestexcept(FE_INVALID))
        flags |= MITCHELL_FLAG_INVALID;
    return flags;
}

static int run_item(mm_work *w, intptr_t b, mm_job *job)
{
    mitchell_matrix A = w->A, B = w->B, C = w->C;
    A.data += b * w->outer[0];
    B.data += b * w->outer[1];
    C.data += b * w->outer[2];
    return w->gemm(0, w->M, 0, w->N, w->K, &A, &B, &C, w->variant, w->kernels, &job->flags, w->team,
                   job->rank);
}

static void run_job(mm_job *job)
{
    mm_work *w = job->work;
    fexcept_t saved;
    fegetexceptflag(&saved, FE_ALL_EXCEPT);
    feclearexcept(FE_ALL_EXCEPT);
    job->status = 0;
#ifdef MITCHELL_HAVE_TEAMS
    if (w->team != NULL)
        job->status = run_item(w, w->item, job);
    else
#endif
        for (intptr_t b = claim_item(w); b < w->count && job->status == 0; b = claim_item(w))
            job->status = run_item(w, b, job);
    job->flags |= hardware_flags();
    fesetexceptflag(&saved, FE_ALL_EXCEPT);
}

#ifdef MITCHELL_HAVE_TEAMS
/* A pool worker's part (matmul_pool.h): in the caller's rounding and
 * flush-to-zero modes, whatever its own thread last had. */
static void run_job_member(void *arg, int rank, const fenv_t *env)
{
    if (env != NULL)
        fesetenv(env);
    run_job(&((mm_job *)arg)[rank]);
}
#endif

/* Runs the work on n threads: the caller's and, if n > 1, pool workers
 * 1 .. n-1 (the caller holds the pool); returns flags or -1. */
static int run_work(mm_work *work, int n)
{
    mm_job jobs[MAX_THREADS];
    for (int t = 0; t < n; t++) {
        jobs[t].work = work;
        jobs[t].rank = t;
        jobs[t].flags = 0;
        jobs[t].status = 0;
    }
#ifdef MITCHELL_HAVE_TEAMS
    if (work->team != NULL)
        work->team->size = n;
    if (n > 1)
        mm_pool_run(run_job_member, jobs, n);
    else
#endif
        run_job(&jobs[0]);
    unsigned flags = 0;
    for (int t = 0; t < n; t++) {
        if (jobs[t].status != 0)
            return -1;
        flags |= jobs[t].flags;
    }
    return (int)flags;
}

static void fill_zero(intptr_t count, const intptr_t *outer, intptr_t M, intptr_t N, const mitchell_matrix *C)
{
    size_t size = C->type == MITCHELL_MM_F64 ? 8 : 4;
    for (intptr_t b = 0; b < count; b++)
        for (intptr_t i = 0; i < M; i++)
            for (intptr_t j = 0; j < N; j++)
                memset(C->data + b * outer[2] + i * C->rs + j * C->cs, 0, size);
}

/*
 * A batch of `count` products whose operands are `outer` bytes apart.  Many
 * small products are shared out whole among the threads; fewer products than
 * threads are computed one after the other, each by a team of all threads.
 * Each output element gets its products added in the fixed order whichever
 * thread adds them, so the thread count never changes a result.
 */
static int matmul_batch(intptr_t count, const intptr_t *outer, intptr_t M, intptr_t N, intptr_t K,
                        const mitchell_matrix *A, const mitchell_matrix *B,
                        const mitchell_matrix *C, const mitchell_mm_variant *v, int nthreads)
{
    static const mitchell_mm_variant plain = {{0, NULL, 0}, {0, NULL, 0}, 1};
    mitchell_gemm_fn gemm = mitchell_choose_gemm(A, B, C);
    if (v == NULL)
        v = &plain;
    if (gemm == NULL)
        return -1;
    if (count == 0 || M == 0 || N == 0)
        return 0;
    if (K == 0) {
        fill_zero(count, outer, M, N, C);
        return 0;
    }
    double products = (double)count * (double)M * (double)N * (double)K;
    int T = nthreads < 1 ? 1 : nthreads > MAX_THREADS ? MAX_THREADS : nthreads;
    if (products / T < (double)MIN_PRODUCTS_PER_THREAD)
        T = (int)(products / (double)MIN_PRODUCTS_PER_THREAD);
    if (T < 1)
        T = 1;
    mm_work work = {gemm, v, mitchell_mm_kernels(), M, N, K, outer, *A, *B, *C, count, 0, NULL, 0};
#ifdef MITCHELL_HAVE_TEAMS
    if (T > 1) {
        if (!mm_pool_acquire()) /* busy with another call: this one runs on its own thread */
            return run_work(&work, 1);
        T = mm_pool_grow(T);
        int r;
        if (T > 1 && count < T) { /* each product by a team of all T threads */
            unsigned flags = 0;
            r = 0;
            for (intptr_t b = 0; b < count && r >= 0; b++) {
                mitchell_team team;
                memset(&team, 0, sizeof team);
                work.team = &team;
                work.item = b;
                r = run_work(&work, T);
                flags |= r < 0 ? 0u : (unsigned)r;
            }
            r = r < 0 ? -1 : (int)flags;
        } else /* whole products shared out */
            r = run_work(&work, T);
        mm_pool_release();
        return r;
    }
#endif
    return run_work(&work, 1);
}

int mitchell_matmul(intptr_t M, intptr_t N, intptr_t K, const mitchell_matrix *A,
                    const mitchell_matrix *B, const mitchell_matrix *C,
                    const mitchell_mm_variant *v, int nthreads)
{
    static const intptr_t no_outer[3] = {0, 0, 0};
    return matmul_batch(1, no_outer, M, N, K, A, B, C, v, nthreads);
}

static int g_threads = 1;

int mitchell_matmul_set_threads(int n)
{
    int old = g_threads;
    g_threads = n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : n;
    return old;
}

int mitchell_matmul_get_threads(void)
{
    return g_threads;
}

/*
 * gufunc loops for (n?,k),(k,m?)->(n?,m?): dimensions = [batch, n, k, m];
 * steps = [3 batch strides, a: n,k, b: k,m, c: n,m].  A missing (1-D)
 * dimension arrives with length 1.  On an allocation failure the products
 * not yet computed are left unwritten and the hook (matmul.h) reports it.
 */
void (*mitchell_matmul_alloc_failure_hook)(void) = NULL;

static void report_failure(void)
{
    if (mitchell_matmul_alloc_failure_hook != NULL)
        mitchell_matmul_alloc_failure_hook();
    else
        mitchell_raise_flags(MITCHELL_FLAG_INVALID);
}

#define MITCHELL_DEFINE_MM_LOOP(NAME, TA, TB, TC)                                      \
    void mitchell_mm_loop_##NAME MITCHELL_MM_LOOP_SIGNATURE                            \
    {                                                                                  \
        mitchell_matrix A = {args[0], steps[3], steps[4], TA};                         \
        mitchell_matrix B = {args[1], steps[5], steps[6], TB};                         \
        mitchell_matrix C = {args[2], steps[7], steps[8], TC};                         \
        int r = matmul_batch(dimensions[0], steps, dimensions[1], dimensions[3],       \
                             dimensions[2], &A, &B, &C,                                \
                             (const mitchell_mm_variant *)data, g_threads);            \
        if (r < 0)                                                                     \
            report_failure();                                                          \
        else                                                                           \
            mitchell_raise_flags((unsigned)r);                                         \
    }

MITCHELL_DEFINE_MM_LOOP(f32, MITCHELL_MM_F32, MITCHELL_MM_F32, MITCHELL_MM_F32)
MITCHELL_DEFINE_MM_LOOP(f32_acc64, MITCHELL_MM_F32, MITCHELL_MM_F32, MITCHELL_MM_F64)
MITCHELL_DEFINE_MM_LOOP(f64, MITCHELL_MM_F64, MITCHELL_MM_F64, MITCHELL_MM_F64)
MITCHELL_DEFINE_MM_LOOP(i8, MITCHELL_MM_I8, MITCHELL_MM_I8, MITCHELL_MM_I32)
MITCHELL_DEFINE_MM_LOOP(u8, MITCHELL_MM_U8, MITCHELL_MM_U8, MITCHELL_MM_I32)
MITCHELL_DEFINE_MM_LOOP(i8u8, MITCHELL_MM_I8, MITCHELL_MM_U8, MITCHELL_MM_I32)
MITCHELL_DEFINE_MM_LOOP(u8i8, MITCHELL_MM_U8, MITCHELL_MM_I8, MITCHELL_MM_I32)
