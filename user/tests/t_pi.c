/* t_pi: priority inheritance (PTHREAD_PRIO_INHERIT mutexes, FUTEX_LOCK_PI)
 * between SCHED_FIFO threads on one CPU: a low-priority owner runs at the
 * level of the high-priority thread waiting for it, so a medium one cannot
 * hold the high one up (priority inversion); and an unlock hands the lock
 * to the highest waiter first. Order is read from a shared counter. Needs
 * the right to use SCHED_FIFO (root): otherwise the checks are skipped. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m;
static sem_t locked;
static atomic_int seq, h_got, m_done, order[2];

static void work(long n)
{
    for (volatile long i = 0; i < n; i++)
        ;
}

static void *low(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    sem_post(&locked); /* the main thread (higher) takes over at once */
    work(200000);
    pthread_mutex_unlock(&m);
    return NULL;
}

static void *medium(void *arg)
{
    (void)arg;
    work(3000000);
    atomic_store(&m_done, atomic_fetch_add(&seq, 1) + 1);
    return NULL;
}

static void *high(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    atomic_store(&h_got, atomic_fetch_add(&seq, 1) + 1);
    pthread_mutex_unlock(&m);
    return NULL;
}

static pthread_t fifo_thread(int prio, void *(*f)(void *), void *arg)
{
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&a, SCHED_FIFO);
    struct sched_param sp = { .sched_priority = prio };
    pthread_attr_setschedparam(&a, &sp);
    pthread_t t;
    int e = pthread_create(&t, &a, f, arg);
    pthread_attr_destroy(&a);
    if (e != 0) {
        check(0, "create a SCHED_FIFO thread", "error %d", e);
        return 0;
    }
    return t;
}

/* The state letter of thread `tid` of this process ('?' if unknown). */
static char state_of(long tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    return stat_state(path);
}

static atomic_long waiter_tid[2];
static pthread_mutex_t m2;

static void *waiter(void *arg)
{
    long i = (long)arg;
    atomic_store(&waiter_tid[i], syscall(SYS_gettid));
    pthread_mutex_lock(&m2);
    atomic_store(&order[i], atomic_fetch_add(&seq, 1) + 1);
    pthread_mutex_unlock(&m2);
    return NULL;
}

/* Sleeps a little at a time (letting lower threads run) until thread `i`
 * of `waiter_tid` sleeps in the kernel. */
static void until_asleep(int i)
{
    struct timespec ms = { 0, 1000000 };
    for (int k = 0; k < 10000; k++) {
        long t = atomic_load(&waiter_tid[i]);
        if (t && state_of(t) == 'S')
            return;
        nanosleep(&ms, NULL);
    }
}

int main(void)
{
    check_init("t_pi");
    /* One CPU, so that priorities alone decide who runs. */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    sched_setaffinity(0, sizeof one, &one);
    struct sched_param top = { .sched_priority = 90 };
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &top) != 0) {
        say("t_pi: SCHED_FIFO not permitted here: skipped");
        return check_finish();
    }
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    check_eq(pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT), 0, "PTHREAD_PRIO_INHERIT");
    pthread_mutex_init(&m, &ma);
    pthread_mutex_init(&m2, &ma);
    sem_init(&locked, 0, 0);

    /* Inversion: low (10) holds m, medium (50) is runnable, high (80)
     * waits for m. With inheritance low runs at 80, unlocks, and high gets
     * m before medium finishes. */
    pthread_t l = fifo_thread(10, low, NULL);
    sem_wait(&locked);
    pthread_t md = fifo_thread(50, medium, NULL);
    pthread_t h = fifo_thread(80, high, NULL);
    pthread_join(h, NULL);
    pthread_join(md, NULL);
    pthread_join(l, NULL);
    check(atomic_load(&h_got) == 1 && atomic_load(&m_done) == 2,
          "a low owner runs at its high waiter's level: the high thread is not held up by a medium one",
          "high got the lock as %d, medium finished as %d", atomic_load(&h_got), atomic_load(&m_done));

    /* Hand-over order: the main thread holds m2; a 20 then a 30 wait; the
     * unlock gives m2 to the 30 first. */
    atomic_store(&seq, 0);
    pthread_mutex_lock(&m2);
    pthread_t w1 = fifo_thread(20, waiter, (void *)0);
    until_asleep(0);
    pthread_t w2 = fifo_thread(30, waiter, (void *)1);
    until_asleep(1);
    pthread_mutex_unlock(&m2);
    pthread_join(w1, NULL);
    pthread_join(w2, NULL);
    check(atomic_load(&order[1]) == 1 && atomic_load(&order[0]) == 2,
          "an unlock hands a PI lock to the highest waiter first", "20 got it as %d, 30 as %d",
          atomic_load(&order[0]), atomic_load(&order[1]));
    return check_finish();
}
