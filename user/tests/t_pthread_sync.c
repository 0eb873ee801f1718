/* t_pthread_sync.c: the other pthread synchronisation objects: condition
 * variables (signal, broadcast, CLOCK_MONOTONIC timed waits that time out),
 * rwlocks, barriers, semaphores (sem_init in a thread and across fork,
 * sem_open, which needs /dev/shm), pthread_once, thread-specific data with
 * destructors, and pthread_atfork's order (also for a fork from a thread).
 * Order and causality only: no duration is checked. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"
#include "thr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAITERS 4

/* ---- condition variables ---- */

static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int cv_ready;   /* the predicate */
static int cv_woken;   /* waiters that saw it */
static int cv_waiting; /* waiters inside pthread_cond_wait's loop */

static void *cv_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&cv_lock);
    cv_waiting++;
    pthread_cond_broadcast(&cv); /* tells the main thread one more waits */
    while (!cv_ready)
        pthread_cond_wait(&cv, &cv_lock);
    cv_woken++;
    pthread_mutex_unlock(&cv_lock);
    return NULL;
}

static void condvars(void)
{
    pthread_t t[WAITERS];
    int n = 0;
    for (int i = 0; i < WAITERS; i++)
        n += thr_start(&t[i], cv_waiter, NULL, "cond: start a waiter");
    pthread_mutex_lock(&cv_lock);
    while (cv_waiting < n)
        pthread_cond_wait(&cv, &cv_lock);
    check_eq(cv_woken, 0, "cond: no waiter passes before the predicate holds");
    cv_ready = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&cv_lock);
    for (int i = 0; i < n; i++)
        thr_join(t[i], "cond: join a waiter");
    check_eq(cv_woken, n, "cond: broadcast wakes every waiter");

    /* A clock attribute, and timed waits that run out. */
    pthread_condattr_t a;
    pthread_cond_t mono;
    clockid_t clk = -1;
    pthread_condattr_init(&a);
    check_eq(pthread_condattr_setclock(&a, CLOCK_MONOTONIC), 0, "cond: setclock CLOCK_MONOTONIC");
    pthread_condattr_getclock(&a, &clk);
    check_eq(clk, CLOCK_MONOTONIC, "cond: getclock reads CLOCK_MONOTONIC back");
    check_eq(pthread_condattr_setclock(&a, CLOCK_THREAD_CPUTIME_ID), EINVAL,
             "cond: setclock of a CPU-time clock: EINVAL");
    pthread_cond_init(&mono, &a);
    pthread_condattr_destroy(&a);

    struct timespec deadline, after;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&cv_lock);
    int e = pthread_cond_timedwait(&mono, &cv_lock, &deadline);
    check_eq(e, ETIMEDOUT, "cond: monotonic timed wait nobody signals: ETIMEDOUT");
    clock_gettime(CLOCK_MONOTONIC, &after);
    check(after.tv_sec > deadline.tv_sec ||
              (after.tv_sec == deadline.tv_sec && after.tv_nsec >= deadline.tv_nsec),
          "cond: it returns no earlier than the monotonic deadline", "returned before it");
    check_eq(pthread_mutex_trylock(&cv_lock), EBUSY, "cond: the mutex is held again after the time-out");
    struct timespec past = { 0, 0 };
    check_eq(pthread_cond_timedwait(&mono, &cv_lock, &past), ETIMEDOUT,
             "cond: a deadline already past: ETIMEDOUT");
    pthread_mutex_unlock(&cv_lock);
    pthread_cond_destroy(&mono);
}

/* ---- rwlocks ---- */

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;

static void *try_read(void *arg)
{
    (void)arg;
    int e = pthread_rwlock_tryrdlock(&rw);
    if (e == 0)
        pthread_rwlock_unlock(&rw);
    return (void *)(long)e;
}

static void *try_write(void *arg)
{
    (void)arg;
    int e = pthread_rwlock_trywrlock(&rw);
    if (e == 0)
        pthread_rwlock_unlock(&rw);
    return (void *)(long)e;
}

static long run_and_join(void *(*fn)(void *), const char *what)
{
    pthread_t t;
    if (!thr_start(&t, fn, NULL, what))
        return -1;
    return (long)thr_join(t, what);
}

/* Writers add to a pair of counters that must always be equal; readers check. */
static long rw_a, rw_b;
static volatile int rw_torn;

static void *rw_worker(void *arg)
{
    long id = (long)arg;
    for (int i = 0; i < 20000; i++) {
        if ((i + id) % 4 == 0) {
            pthread_rwlock_wrlock(&rw);
            rw_a++;
            __asm__ volatile("" ::: "memory");
            rw_b++;
            pthread_rwlock_unlock(&rw);
        } else {
            pthread_rwlock_rdlock(&rw);
            if (rw_a != rw_b)
                rw_torn = 1;
            pthread_rwlock_unlock(&rw);
        }
    }
    return NULL;
}

static void rwlocks(void)
{
    check_eq(pthread_rwlock_rdlock(&rw), 0, "rwlock: rdlock");
    long r = run_and_join(try_read, "rwlock: reader thread");
    if (r >= 0)
        check_eq(r, 0, "rwlock: a second reader gets it while one reads");
    r = run_and_join(try_write, "rwlock: writer thread");
    if (r >= 0)
        check_eq(r, EBUSY, "rwlock: trywrlock while a reader holds it: EBUSY");
    pthread_rwlock_unlock(&rw);
    check_eq(pthread_rwlock_wrlock(&rw), 0, "rwlock: wrlock");
    r = run_and_join(try_read, "rwlock: reader thread");
    if (r >= 0)
        check_eq(r, EBUSY, "rwlock: tryrdlock while a writer holds it: EBUSY");
    check_eq(pthread_rwlock_unlock(&rw), 0, "rwlock: unlock");

    pthread_t t[WAITERS];
    int n = 0;
    for (long i = 0; i < WAITERS; i++)
        n += thr_start(&t[i], rw_worker, (void *)i, "rwlock: start a worker");
    for (int i = 0; i < n; i++)
        thr_join(t[i], "rwlock: join a worker");
    check_eq(rw_torn, 0, "rwlock: readers never see a half-done write");
    check_eq(rw_a, (long)n * 5000, "rwlock: every write counted once");
}

/* ---- barriers ---- */

#define PHASES 5
static pthread_barrier_t barrier;
static int phase_marks[WAITERS][PHASES];
static volatile int serials[PHASES];
static volatile int barrier_bad;

static void *barrier_worker(void *arg)
{
    long id = (long)arg;
    for (int p = 0; p < PHASES; p++) {
        phase_marks[id][p] = 1;
        int e = pthread_barrier_wait(&barrier);
        if (e == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_add_fetch(&serials[p], 1, __ATOMIC_SEQ_CST);
        else if (e != 0)
            barrier_bad = 1;
        /* Past the barrier, everyone's mark of this phase is there. */
        for (int i = 0; i < WAITERS; i++)
            if (!phase_marks[i][p])
                barrier_bad = 1;
        /* A second wait keeps the next phase's marks out of this check. */
        e = pthread_barrier_wait(&barrier);
        if (e != 0 && e != PTHREAD_BARRIER_SERIAL_THREAD)
            barrier_bad = 1;
    }
    return NULL;
}

static void barriers(void)
{
    check_eq(pthread_barrier_init(&barrier, NULL, 0), EINVAL, "barrier: a count of 0: EINVAL");
    pthread_barrier_init(&barrier, NULL, WAITERS);
    pthread_t t[WAITERS];
    int n = 0;
    for (long i = 0; i < WAITERS; i++)
        n += thr_start(&t[i], barrier_worker, (void *)i, "barrier: start a worker");
    if (n != WAITERS) {
        /* The others would wait for ever: nothing more to check here. */
        return;
    }
    for (int i = 0; i < n; i++)
        thr_join(t[i], "barrier: join a worker");
    check_eq(barrier_bad, 0, "barrier: nobody passes before all arrived, over 5 phases");
    int one_each = 1;
    for (int p = 0; p < PHASES; p++)
        one_each &= serials[p] == 1;
    check(one_each, "barrier: exactly one PTHREAD_BARRIER_SERIAL_THREAD per phase",
          "%d %d %d %d %d", serials[0], serials[1], serials[2], serials[3], serials[4]);
    pthread_barrier_destroy(&barrier);
}

/* ---- semaphores ---- */

static sem_t sem;

static void *sem_poster(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        sem_post(&sem);
    return NULL;
}

static void semaphores(void)
{
    check_eq(sem_init(&sem, 0, 0), 0, "sem_init");
    check_errno(sem_trywait(&sem), EAGAIN, "sem_trywait at 0: EAGAIN");
    struct timespec past = { 0, 0 };
    check_errno(sem_timedwait(&sem, &past), ETIMEDOUT, "sem_timedwait past its deadline: ETIMEDOUT");
    pthread_t t;
    if (thr_start(&t, sem_poster, NULL, "sem: start a poster")) {
        int ok = 1;
        for (int i = 0; i < 3; i++)
            ok &= sem_wait(&sem) == 0;
        check(ok, "sem_wait takes each of another thread's 3 posts", "%s", strerror(errno));
        thr_join(t, "sem: join the poster");
        int v = -1;
        sem_getvalue(&sem, &v);
        check_eq(v, 0, "sem_getvalue: 0 after 3 posts and 3 waits");
    }
    sem_destroy(&sem);

    /* A process-shared unnamed semaphore in a shared mapping, across fork. */
    sem_t *ps = mmap(NULL, sizeof *ps, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (check(ps != MAP_FAILED, "sem pshared: mmap", "%s", strerror(errno))) {
        sem_init(ps, 1, 0);
        pid_t pid = fork();
        if (pid == 0) {
            sem_post(ps);
            _exit(0);
        }
        check(sem_wait(ps) == 0, "sem pshared: the parent takes the child's post", "%s",
              strerror(errno));
        int status;
        waitpid(pid, &status, 0);
        sem_destroy(ps);
        munmap(ps, sizeof *ps);
    }

    /* Named: sem_open lives in /dev/shm. */
    struct stat st;
    if (!check(stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode), "sem_open: /dev/shm exists",
               "/dev/shm is missing (%s): named semaphores cannot work", strerror(errno)))
        return;
    char name[64];
    snprintf(name, sizeof name, "/t_pthread_sync.%d", (int)getpid());
    sem_t *ns = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
    if (!check(ns != SEM_FAILED, "sem_open O_CREAT|O_EXCL", "%s", strerror(errno)))
        return;
    check(sem_open(name, O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED && errno == EEXIST,
          "sem_open O_EXCL of an existing name: EEXIST", "errno %d", errno);
    pid_t pid = fork();
    if (pid == 0) {
        sem_t *c = sem_open(name, 0);
        _exit(c != SEM_FAILED && sem_post(c) == 0 ? 0 : 1);
    }
    check(sem_wait(ns) == 0, "sem_open: the child opens the name and posts", "%s", strerror(errno));
    int status;
    check(waitpid(pid, &status, 0) == pid && exited_with(status, 0),
          "sem_open: the child succeeded", "status %#x", status);
    check_eq(sem_unlink(name), 0, "sem_unlink");
    check(sem_open(name, 0) == SEM_FAILED && errno == ENOENT, "sem_open after sem_unlink: ENOENT",
          "errno %d", errno);
    sem_close(ns);
}

/* ---- pthread_once ---- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static volatile int once_go;

static void once_init(void)
{
    once_runs++;
}

static void *once_caller(void *arg)
{
    (void)arg;
    thr_wait_flag(&once_go);
    pthread_once(&once, once_init);
    /* The routine has finished before pthread_once returns in any caller. */
    return (void *)(long)once_runs;
}

static void once_only(void)
{
    pthread_t t[WAITERS];
    int n = 0;
    for (int i = 0; i < WAITERS; i++)
        n += thr_start(&t[i], once_caller, NULL, "once: start a caller");
    thr_set_flag(&once_go, 1);
    int all_saw_it = 1;
    for (int i = 0; i < n; i++)
        all_saw_it &= (long)thr_join(t[i], "once: join a caller") == 1;
    pthread_once(&once, once_init);
    check_eq(once_runs, 1, "pthread_once: the routine ran once for 5 callers");
    check(all_saw_it, "pthread_once: every caller returns after it finished", "one did not");
}

/* ---- thread-specific data ---- */

static pthread_key_t key;
static long dtor_sum;
static int dtor_calls;
static int again_calls;
static pthread_mutex_t dtor_lock = PTHREAD_MUTEX_INITIALIZER;

static void dtor(void *v)
{
    pthread_mutex_lock(&dtor_lock);
    dtor_calls++;
    dtor_sum += (long)v;
    pthread_mutex_unlock(&dtor_lock);
    /* Value 100 sets itself again once: the destructors run another round. */
    if ((long)v == 100 && again_calls++ == 0)
        pthread_setspecific(key, (void *)100);
}

static void *tsd_thread(void *arg)
{
    long mine = (long)arg;
    long before = (long)pthread_getspecific(key);
    pthread_setspecific(key, (void *)mine);
    sched_yield();
    long after = (long)pthread_getspecific(key);
    return (void *)(before == 0 && after == mine ? 1L : 0L);
}

static void tsd(void)
{
    check_eq(pthread_key_create(&key, dtor), 0, "pthread_key_create");
    pthread_setspecific(key, (void *)7);
    pthread_t t[3];
    long values[3] = { 1, 10, 100 };
    int n = 0, own = 1;
    for (int i = 0; i < 3; i++)
        n += thr_start(&t[i], tsd_thread, (void *)values[i], "tsd: start a thread");
    for (int i = 0; i < n; i++)
        own &= (long)thr_join(t[i], "tsd: join a thread") == 1;
    check(own, "tsd: each thread starts with NULL and keeps its own value", "one did not");
    if (n == 3) {
        check_eq(dtor_sum, 1 + 10 + 100 + 100, "tsd: each exiting thread's destructor got its value");
        check_eq(dtor_calls, 4, "tsd: a value set again in a destructor gets another round");
    }
    check_eq((long)pthread_getspecific(key), 7, "tsd: the main thread's value is untouched");
    pthread_key_delete(key);
}

/* ---- pthread_atfork ---- */

static char order[32];
static size_t order_len;

static void mark(char c)
{
    if (order_len < sizeof order - 1)
        order[order_len++] = c;
}
static void prep1(void) { mark('a'); }
static void prep2(void) { mark('b'); }
static void parent1(void) { mark('P'); }
static void parent2(void) { mark('Q'); }
static void child1(void) { mark('C'); }
static void child2(void) { mark('D'); }

/* Forks; the child exits 0 when its order string is `want` and it is the
 * only thread of its process (its tid is its pid); returns its status. */
static int fork_and_check(const char *want)
{
    order_len = 0;
    memset(order, 0, sizeof order);
    pid_t pid = fork();
    if (pid == 0)
        _exit(strcmp(order, want) == 0 && gettid() == getpid() ? 0 : 1);
    int status = -1;
    if (pid > 0)
        waitpid(pid, &status, 0);
    return status;
}

static void *fork_from_thread(void *arg)
{
    (void)arg;
    return (void *)(long)fork_and_check("baCD");
}

static void atfork(void)
{
    pthread_atfork(prep1, parent1, child1);
    pthread_atfork(prep2, parent2, child2);
    int status = fork_and_check("baCD");
    check(exited_with(status, 0), "atfork: child sees prepare in reverse, then child handlers in order",
          "status %#x", status);
    check(strcmp(order, "baPQ") == 0, "atfork: parent sees prepare in reverse, then parent handlers in order",
          "order %s", order);
    pthread_t t;
    if (thr_start(&t, fork_from_thread, NULL, "atfork: start a forking thread")) {
        status = (int)(long)thr_join(t, "atfork: join the forking thread");
        check(exited_with(status, 0), "atfork: fork from a thread runs the handlers; the child is one thread",
              "status %#x", status);
    }
}

int main(void)
{
    check_init("t_pthread_sync");
    condvars();
    rwlocks();
    barriers();
    semaphores();
    once_only();
    tsd();
    atfork();
    return check_finish();
}
