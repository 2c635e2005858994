/*
 * The persistent worker threads of the matrix product (included by matmul.c
 * only; static functions).
 *
 * Creating threads for every call cost 40-57 us, 12-17 % of a two-thread
 * 256^3 product.  The workers are created when a call first needs them and
 * then wait for the next call: each spins briefly (a call that follows
 * closely, as in a loop of products, finds it awake), then sleeps on its own
 * condition variable, so that idle workers take no CPU from other processes.
 *
 * One call at a time uses the pool: a product that finds it busy (called
 * from another Python thread meanwhile) runs on its own thread instead, with
 * the same result (the thread count never changes a result).  After fork()
 * the child has none of the parent's threads: it forgets them and creates
 * its own when it needs them.
 */
#ifndef MITCHELL_MATMUL_POOL_H
#define MITCHELL_MATMUL_POOL_H

#include "matmul_team.h"

#ifdef MITCHELL_HAVE_TEAMS
#include <pthread.h>
#include <fenv.h>

/* What a worker runs: fn(arg, rank) in the caller's floating-point environment. */
typedef void (*mitchell_pool_fn)(void *arg, int rank, const fenv_t *env);

typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int go;        /* calls posted to this worker (atomic) */
    int sleeping;  /* waiting on `wake` (under lock) */
    int rank;
} mm_worker;

static struct {
    pthread_mutex_t user;     /* held by the call using the pool */
    int created;              /* workers that exist (under user) */
    mitchell_pool_fn fn;      /* the call (written before go, read after) */
    void *arg;
    fenv_t env;
    int pending;              /* workers still running the call (atomic) */
    mm_worker workers[MITCHELL_MAX_THREADS];
} mm_pool = {PTHREAD_MUTEX_INITIALIZER, 0};

static pthread_once_t mm_pool_once = PTHREAD_ONCE_INIT;

/* Spin iterations of an idle worker before it sleeps (a pause is tens of ns). */
#define MM_POOL_SPINS 4000

static void *mm_worker_main(void *arg)
{
    mm_worker *w = (mm_worker *)arg;
    int seen = 0;
    for (;;) {
        unsigned spins = 0;
        while (__atomic_load_n(&w->go, __ATOMIC_ACQUIRE) == seen && spins < MM_POOL_SPINS) {
            mitchell_cpu_relax();
            spins++;
        }
        if (__atomic_load_n(&w->go, __ATOMIC_ACQUIRE) == seen) {
            pthread_mutex_lock(&w->lock);
            w->sleeping = 1;
            while (__atomic_load_n(&w->go, __ATOMIC_ACQUIRE) == seen)
                pthread_cond_wait(&w->wake, &w->lock);
            w->sleeping = 0;
            pthread_mutex_unlock(&w->lock);
        }
        seen++;
        mm_pool.fn(mm_pool.arg, w->rank, &mm_pool.env);
        __atomic_sub_fetch(&mm_pool.pending, 1, __ATOMIC_ACQ_REL);
    }
    return NULL;
}

/* The child of a fork has only the forking thread: no workers, pool free. */
static void mm_pool_after_fork_child(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    mm_pool.user = fresh;
    mm_pool.created = 0;
    mm_pool.pending = 0;
}

static void mm_pool_init(void)
{
    pthread_atfork(NULL, NULL, mm_pool_after_fork_child);
}

/* Takes the pool for a call, or returns 0 when another call has it. */
static int mm_pool_acquire(void)
{
    pthread_once(&mm_pool_once, mm_pool_init);
    return pthread_mutex_trylock(&mm_pool.user) == 0;
}

static void mm_pool_release(void)
{
    pthread_mutex_unlock(&mm_pool.user);
}

/* With the pool acquired: makes sure workers 1 .. n-1 exist; returns how many
 * threads (with the caller) can run, at most n. */
static int mm_pool_grow(int n)
{
    while (mm_pool.created < n - 1) {
        mm_worker *w = &mm_pool.workers[mm_pool.created];
        w->go = 0;
        w->sleeping = 0;
        w->rank = mm_pool.created + 1;
        if (pthread_mutex_init(&w->lock, NULL) != 0)
            break;
        if (pthread_cond_init(&w->wake, NULL) != 0) {
            pthread_mutex_destroy(&w->lock);
            break;
        }
        pthread_attr_t attr;
        int ok = pthread_attr_init(&attr) == 0;
        if (ok) {
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            ok = pthread_create(&w->thread, &attr, mm_worker_main, w) == 0;
            pthread_attr_destroy(&attr);
        }
        if (!ok) {
            pthread_cond_destroy(&w->wake);
            pthread_mutex_destroy(&w->lock);
            break;
        }
        mm_pool.created++;
    }
    return mm_pool.created + 1 < n ? mm_pool.created + 1 : n;
}

/* With the pool acquired and n <= mm_pool_grow(n): runs fn(arg, rank) for
 * ranks 0 .. n-1, rank 0 on the calling thread, and returns when all are done. */
static void mm_pool_run(mitchell_pool_fn fn, void *arg, int n)
{
    fenv_t env;
    fegetenv(&env);
    mm_pool.fn = fn;
    mm_pool.arg = arg;
    mm_pool.env = env;
    __atomic_store_n(&mm_pool.pending, n - 1, __ATOMIC_RELEASE);
    for (int t = 0; t < n - 1; t++) {
        mm_worker *w = &mm_pool.workers[t];
        pthread_mutex_lock(&w->lock);
        __atomic_add_fetch(&w->go, 1, __ATOMIC_RELEASE);
        if (w->sleeping)
            pthread_cond_signal(&w->wake);
        pthread_mutex_unlock(&w->lock);
    }
    fn(arg, 0, NULL);
    for (unsigned spins = 0; __atomic_load_n(&mm_pool.pending, __ATOMIC_ACQUIRE) != 0; spins++) {
        if (spins < 2000)
            mitchell_cpu_relax();
        else
            sched_yield();
    }
}
#endif

#endif
