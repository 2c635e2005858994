/*
 * A team of threads computing one matrix product together (matmul.c runs
 * them on the worker pool of matmul_pool.h, matmul_gemm.c does the work).  For every block of B they pack it
 * once, into a buffer they share, each thread a part of its panels; then they
 * claim the rows of C (in units) from a shared counter.  Splitting a product
 * into independent row ranges instead would have every thread pack all of B
 * for itself.
 *
 * The phases are separated by a barrier that spins briefly, then yields: a
 * phase lasts milliseconds, so waking a sleeping thread would cost more than
 * the wait, but on a machine with more threads than free cores a spinning
 * waiter would steal the core of the thread it waits for.
 */
#ifndef MITCHELL_MATMUL_TEAM_H
#define MITCHELL_MATMUL_TEAM_H

#include <stdint.h>

#define MITCHELL_MAX_THREADS 256

/* Teams need atomics and threads; elsewhere a product runs on one thread. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32)
#define MITCHELL_HAVE_TEAMS 1
#include <sched.h>
#endif

/* What packing a block of an operand found out (matmul_gemm.c). */
typedef struct {
    int special;        /* an inf, NaN or subnormal was seen */
    int any;            /* a finite nonzero was seen */
    int64_t emin, emax; /* unbiased exponent range of the nonzeros */
} mitchell_block_stats;

typedef struct {
    int size;                 /* threads in the team (fixed before they start) */
    int waiting, generation;  /* the barrier */
    int failed;               /* some member could not allocate its buffers */
    void *pb;                 /* the shared packed block of B */
    unsigned char *tiny_free; /* per row tile: flush-to-zero is safe (matmul_gemm.c) */
    intptr_t next;            /* the next unclaimed unit of the current block */
    mitchell_block_stats stats[MITCHELL_MAX_THREADS]; /* each member's part of B */
} mitchell_team;

#ifdef MITCHELL_HAVE_TEAMS
static inline void mitchell_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Returns when all `size` members have called it.  Everything a member wrote
 * before it is visible to every member after it. */
static inline void mitchell_team_barrier(mitchell_team *t)
{
    int gen = __atomic_load_n(&t->generation, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&t->waiting, 1, __ATOMIC_ACQ_REL) == t->size) {
        /* nobody can arrive again before seeing the new generation */
        __atomic_store_n(&t->waiting, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&t->generation, gen + 1, __ATOMIC_RELEASE);
        return;
    }
    for (unsigned spins = 0; __atomic_load_n(&t->generation, __ATOMIC_ACQUIRE) == gen; spins++) {
        if (spins < 2000)
            mitchell_cpu_relax();
        else
            sched_yield();
    }
}

static inline intptr_t mitchell_team_claim(mitchell_team *t)
{
    return __atomic_fetch_add(&t->next, 1, __ATOMIC_RELAXED);
}
#endif

#endif
