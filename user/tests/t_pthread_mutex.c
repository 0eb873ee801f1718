/* t_pthread_mutex.c: pthread mutexes between threads: normal (mutual
 * exclusion, EBUSY), recursive (depth, owner only), error-checking
 * (EDEADLK, EPERM), robust (the owner thread or process dies holding it:
 * EOWNERDEAD, pthread_mutex_consistent, ENOTRECOVERABLE) and priority
 * inheritance (lock, unlock, trylock, a waiter handed the lock). Order and
 * causality only: nothing is timed. */
#include "check.h"
#include "proc.h"
#include "thr.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 100000
#define WORKERS 4

/* Mutual exclusion: WORKERS threads add ROUNDS each to a plain counter. */
static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *add_locked(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&count_lock);
        long v = counter;
        __asm__ volatile("" ::: "memory");
        counter = v + 1;
        pthread_mutex_unlock(&count_lock);
    }
    return NULL;
}

/* A thread that tries a mutex once and returns the error number. */
static void *try_once(void *arg)
{
    return (void *)(long)pthread_mutex_trylock(arg);
}

/* A thread that unlocks a mutex it does not own and returns the error number. */
static void *unlock_once(void *arg)
{
    return (void *)(long)pthread_mutex_unlock(arg);
}

/* Runs fn(m) in a new thread and returns its result, or -1 if it could not start. */
static long in_thread(void *(*fn)(void *), pthread_mutex_t *m, const char *what)
{
    pthread_t t;
    if (!thr_start(&t, fn, m, what))
        return -1;
    return (long)thr_join(t, what);
}

static void normal(void)
{
    pthread_t t[WORKERS];
    int started = 0;
    for (int i = 0; i < WORKERS; i++)
        started += thr_start(&t[i], add_locked, NULL, "start a counting thread");
    for (int i = 0; i < started; i++)
        thr_join(t[i], "join a counting thread");
    if (started == WORKERS)
        check_eq(counter, (long)WORKERS * ROUNDS, "normal mutex: no increment lost");

    pthread_mutex_lock(&count_lock);
    long r = in_thread(try_once, &count_lock, "trylock from another thread");
    if (r >= 0)
        check_eq(r, EBUSY, "normal mutex: trylock by another thread while held: EBUSY");
    pthread_mutex_unlock(&count_lock);
    r = in_thread(try_once, &count_lock, "trylock from another thread");
    if (r >= 0)
        check_eq(r, 0, "normal mutex: trylock by another thread once free");
}

static void init_typed(pthread_mutex_t *m, int type)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, type);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
}

static void recursive(void)
{
    pthread_mutex_t m;
    init_typed(&m, PTHREAD_MUTEX_RECURSIVE);
    check_eq(pthread_mutex_lock(&m), 0, "recursive: first lock");
    check_eq(pthread_mutex_lock(&m), 0, "recursive: second lock by the owner");
    check_eq(pthread_mutex_trylock(&m), 0, "recursive: trylock by the owner");
    long r = in_thread(try_once, &m, "recursive: other thread");
    if (r >= 0)
        check_eq(r, EBUSY, "recursive: trylock by another thread: EBUSY");
    r = in_thread(unlock_once, &m, "recursive: other thread");
    if (r >= 0)
        check_eq(r, EPERM, "recursive: unlock by another thread: EPERM");
    check_eq(pthread_mutex_unlock(&m), 0, "recursive: unlock 1 of 3");
    check_eq(pthread_mutex_unlock(&m), 0, "recursive: unlock 2 of 3");
    r = in_thread(try_once, &m, "recursive: other thread");
    if (r >= 0)
        check_eq(r, EBUSY, "recursive: still held at depth 1");
    check_eq(pthread_mutex_unlock(&m), 0, "recursive: unlock 3 of 3");
    r = in_thread(try_once, &m, "recursive: other thread");
    if (r >= 0)
        check_eq(r, 0, "recursive: free after as many unlocks as locks");
    pthread_mutex_destroy(&m);
}

static void errorcheck(void)
{
    pthread_mutex_t m;
    init_typed(&m, PTHREAD_MUTEX_ERRORCHECK);
    check_eq(pthread_mutex_unlock(&m), EPERM, "errorcheck: unlock of an unlocked mutex: EPERM");
    check_eq(pthread_mutex_lock(&m), 0, "errorcheck: lock");
    check_eq(pthread_mutex_lock(&m), EDEADLK, "errorcheck: relock by the owner: EDEADLK");
    long r = in_thread(unlock_once, &m, "errorcheck: other thread");
    if (r >= 0)
        check_eq(r, EPERM, "errorcheck: unlock by another thread: EPERM");
    check_eq(pthread_mutex_unlock(&m), 0, "errorcheck: unlock by the owner");
    pthread_mutex_destroy(&m);
}

/* Robust mutexes: a thread locks and ends without unlocking. */
static void *lock_and_die(void *arg)
{
    pthread_mutex_lock(arg);
    return NULL;
}

static void init_robust(pthread_mutex_t *m, int pshared)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    if (pshared)
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
}

static void robust_threads(void)
{
    pthread_mutex_t m;
    init_robust(&m, 0);
    if (in_thread(lock_and_die, &m, "robust: owner thread") < 0)
        return;
    check_eq(pthread_mutex_lock(&m), EOWNERDEAD, "robust: owner thread died holding it: EOWNERDEAD");
    check_eq(pthread_mutex_consistent(&m), 0, "robust: pthread_mutex_consistent");
    check_eq(pthread_mutex_unlock(&m), 0, "robust: unlock after consistent");
    check_eq(pthread_mutex_lock(&m), 0, "robust: usable again after consistent");
    check_eq(pthread_mutex_unlock(&m), 0, "robust: unlock");

    /* The next owner dies too; this time the new owner unlocks without
     * making it consistent: the mutex is unusable for good. */
    if (in_thread(lock_and_die, &m, "robust: second owner thread") < 0)
        return;
    check_eq(pthread_mutex_trylock(&m), EOWNERDEAD, "robust: trylock after the owner died: EOWNERDEAD");
    check_eq(pthread_mutex_unlock(&m), 0, "robust: unlock without consistent");
    check_eq(pthread_mutex_lock(&m), ENOTRECOVERABLE, "robust: then lock: ENOTRECOVERABLE");
    check_eq(pthread_mutex_trylock(&m), ENOTRECOVERABLE, "robust: then trylock: ENOTRECOVERABLE");
}

/* The same across processes: the kernel walks the dead process's robust list. */
static void robust_process(void)
{
    pthread_mutex_t *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!check(m != MAP_FAILED, "robust pshared: mmap", "%s", strerror(errno)))
        return;
    init_robust(m, 1);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(m);
        _exit(0);
    }
    int status;
    check(pid > 0 && waitpid(pid, &status, 0) == pid && exited_with(status, 0),
          "robust pshared: the child locks and exits", "fork/wait failed");
    /* The kernel has walked the child's robust list before wait4 returns:
     * trylock, so that a kernel that did not does not hang the test. */
    check_eq(pthread_mutex_trylock(m), EOWNERDEAD, "robust pshared: owner process died: EOWNERDEAD");
    check_eq(pthread_mutex_consistent(m), 0, "robust pshared: consistent");
    check_eq(pthread_mutex_unlock(m), 0, "robust pshared: unlock");
    munmap(m, sizeof *m);
}

/* Priority inheritance (FUTEX_LOCK_PI / FUTEX_UNLOCK_PI). */
static pthread_mutex_t pi;
static volatile int pi_released;
static volatile int pi_waiting;

/* Locks the PI mutex (blocking) and reports whether the main thread had
 * already marked it released: the lock must only come after the unlock. */
static void *pi_waiter(void *arg)
{
    (void)arg;
    thr_set_flag(&pi_waiting, 1);
    int e = pthread_mutex_lock(&pi);
    long saw = __atomic_load_n(&pi_released, __ATOMIC_ACQUIRE);
    if (e == 0)
        pthread_mutex_unlock(&pi);
    return (void *)(e != 0 ? -(long)e : saw);
}

static void priority_inherit(void)
{
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    int e = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    check_eq(e, 0, "PI: pthread_mutexattr_setprotocol(PTHREAD_PRIO_INHERIT)");
    int proto = -1;
    pthread_mutexattr_getprotocol(&a, &proto);
    check_eq(proto, PTHREAD_PRIO_INHERIT, "PI: the attribute reads back");
    check_eq(pthread_mutex_init(&pi, &a), 0, "PI: pthread_mutex_init");
    pthread_mutexattr_destroy(&a);
    if (e != 0)
        return;

    check_eq(pthread_mutex_lock(&pi), 0, "PI: lock");
    check_eq(pthread_mutex_unlock(&pi), 0, "PI: unlock");
    check_eq(pthread_mutex_trylock(&pi), 0, "PI: trylock of a free mutex");
    long r = in_thread(try_once, &pi, "PI: other thread");
    if (r >= 0)
        check_eq(r, EBUSY, "PI: trylock by another thread while held: EBUSY");

    /* A waiter blocks in the kernel; the unlock hands the mutex over. */
    pthread_t t;
    if (!thr_start(&t, pi_waiter, NULL, "PI: start a waiter")) {
        pthread_mutex_unlock(&pi);
        return;
    }
    thr_wait_flag(&pi_waiting);
    for (int i = 0; i < 100; i++)
        sched_yield(); /* give it a chance to block; correctness does not depend on it */
    thr_set_flag(&pi_released, 1);
    check_eq(pthread_mutex_unlock(&pi), 0, "PI: unlock with a waiter");
    r = (long)thr_join(t, "PI: join the waiter");
    check_eq(r, 1, "PI: the waiter got the mutex, only after the unlock");
    check_eq(pthread_mutex_trylock(&pi), 0, "PI: free again after the waiter unlocked");
    pthread_mutex_unlock(&pi);
    pthread_mutex_destroy(&pi);
}

int main(void)
{
    check_init("t_pthread_mutex");
    normal();
    recursive();
    errorcheck();
    robust_threads();
    robust_process();
    priority_inherit();
    return check_finish();
}
