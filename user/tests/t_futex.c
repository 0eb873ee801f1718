/* t_futex.c: futex(2) through the raw system call. The errors (EAGAIN on a
 * changed word, EINVAL for a zero bitset or a misaligned word, ENOSYS for an
 * unknown operation, EFAULT), relative and absolute time-outs (CLOCK_MONOTONIC
 * and CLOCK_REALTIME), a signal ending a wait (EINTR without SA_RESTART, a
 * restart with it, EINTR for a timed wait either way), a stop and continue
 * (a timed wait goes on toward its first deadline through restart_syscall),
 * and shared futexes between fork()ed processes on MAP_SHARED|MAP_ANONYMOUS
 * memory: wait and wake, requeue, wake-op, priority-inheritance locks (and
 * what becomes of one whose owner exits holding it, with and without a
 * robust list; ESRCH for a word naming a thread that is gone), a robust lock
 * whose owner dies, get_robust_list. Order is asserted through futex
 * results, pipes and /proc/PID/stat, never with timing (a time-out is only
 * checked never to end early). */
#define _GNU_SOURCE
#include "check.h"
#include "clock.h"
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/futex.h (musl's headers do not carry it). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_LOCK_PI_PRIVATE (FUTEX_LOCK_PI | 128)
#define FUTEX_UNLOCK_PI_PRIVATE (FUTEX_UNLOCK_PI | 128)
#define FUTEX_TRYLOCK_PI_PRIVATE (FUTEX_TRYLOCK_PI | 128)
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_OP_PRIVATE (FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define FUTEX_OP_SET 0
#define FUTEX_OP_ADD 1
#define FUTEX_OP_OR 2
#define FUTEX_OP_ANDN 3
#define FUTEX_OP_XOR 4
#define FUTEX_OP_OPARG_SHIFT 8
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP(op, oparg, cmp, cmparg)                                                                            \
    ((((op) & 0xf) << 28) | (((cmp) & 0xf) << 24) | (((oparg) & 0xfff) << 12) | ((cmparg) & 0xfff))

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2, volatile uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);
}

#define VAL2(n) ((const void *)(uintptr_t)(n))

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static struct timespec in_future(clockid_t clock, long ns)
{
    struct timespec t;
    clock_gettime(clock, &t);
    t.tv_nsec += ns;
    while (t.tv_nsec >= 1000000000L) {
        t.tv_nsec -= 1000000000L;
        t.tv_sec++;
    }
    return t;
}

/* How many waiters sleep on *w: a requeue of the futex onto itself moves
 * nobody anywhere and counts them (Linux returns the count). */
static long waiters(volatile uint32_t *w)
{
    return futex(w, FUTEX_CMP_REQUEUE, 0, VAL2(INT_MAX), w, *w);
}

static void until_waiters(volatile uint32_t *w, long n)
{
    while (waiters(w) < n)
        sched_yield();
}

/* The state letter of /proc/PID/stat. */
static char proc_state(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    return stat_state(path);
}

static void until_sleeping(pid_t pid)
{
    while (proc_state(pid) != 'S')
        sched_yield();
}

static int child_status(pid_t pid)
{
    int st = -1;
    waitpid(pid, &st, 0);
    return st;
}

static void errors(void)
{
    static uint32_t w = 1;
    static uint32_t pair[2];
    check_errno(futex(&w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EAGAIN, "WAIT on a word that changed: EAGAIN");
    check_errno(futex(&w, FUTEX_WAIT, 0, NULL, NULL, 0), EAGAIN, "shared WAIT on a changed word: EAGAIN");
    check_errno(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL, "WAIT_BITSET with bitset 0: EINVAL");
    check_errno(futex(&w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0), EINVAL, "WAKE_BITSET with bitset 0: EINVAL");
    volatile uint32_t *odd = (volatile uint32_t *)((char *)pair + 2);
    check_errno(futex(odd, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), EINVAL, "misaligned word: EINVAL");
    check_errno(futex(&w, 31, 0, NULL, NULL, 0), ENOSYS, "unknown operation: ENOSYS");
    check_errno(futex(&w, FUTEX_WAKE_PRIVATE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS,
                "FUTEX_CLOCK_REALTIME with WAKE: ENOSYS");
    check_errno(futex(&w, FUTEX_WAKE_OP_PRIVATE, 1, VAL2(1), &pair[0], FUTEX_OP(6, 0, 0, 0)), ENOSYS,
                "WAKE_OP with an unknown operation: ENOSYS");
    struct timespec bad = {0, 1000000000L};
    check_errno(futex(&w, FUTEX_WAIT_PRIVATE, 1, &bad, NULL, 0), EINVAL, "WAIT with tv_nsec of 1e9: EINVAL");
    check_errno(futex((uint32_t *)8, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EFAULT, "WAIT on address 8: EFAULT");
    check_errno(futex(&w, FUTEX_WAIT_PRIVATE, 1, (void *)8, NULL, 0), EFAULT, "WAIT with a bad timeout: EFAULT");
    check_errno(futex((uint32_t *)8, FUTEX_WAKE, 1, NULL, NULL, 0), EFAULT, "shared WAKE on address 8: EFAULT");
    check_eq(futex((uint32_t *)8, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0, "private WAKE on address 8 wakes nobody");
    check_errno(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, 1, VAL2(1), &pair[0], 0), EAGAIN,
                "CMP_REQUEUE with a changed word: EAGAIN");
    check_errno(futex(&w, FUTEX_CMP_REQUEUE_PRIVATE, (uint32_t)-1, VAL2(1), &pair[0], 1), EINVAL,
                "CMP_REQUEUE with a negative count: EINVAL");
    check_eq(futex(&w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0, "WAKE with nobody waiting: 0");
}

static void timeouts(void)
{
    static uint32_t w;
    struct timespec rel = {0, 5000000};
    check_errno(futex(&w, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0), ETIMEDOUT, "WAIT with a relative time-out: ETIMEDOUT");
    struct timespec zero = {0, 0};
    check_errno(futex(&w, FUTEX_WAIT_PRIVATE, 0, &zero, NULL, 0), ETIMEDOUT, "WAIT with a zero time-out: ETIMEDOUT");
    struct timespec mono = in_future(CLOCK_MONOTONIC, 5000000);
    check_errno(futex(&w, FUTEX_WAIT_BITSET_PRIVATE, 0, &mono, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
                "WAIT_BITSET until an absolute CLOCK_MONOTONIC time: ETIMEDOUT");
    struct timespec rt = in_future(CLOCK_REALTIME, 5000000);
    check_errno(futex(&w, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &rt, NULL, FUTEX_BITSET_MATCH_ANY),
                ETIMEDOUT, "WAIT_BITSET until an absolute CLOCK_REALTIME time: ETIMEDOUT");
    struct timespec past = {1, 0};
    check_errno(futex(&w, FUTEX_WAIT_BITSET, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
                "WAIT_BITSET until a time long past: ETIMEDOUT");
    check_errno(futex(&w, FUTEX_WAIT_BITSET, 1, &past, NULL, FUTEX_BITSET_MATCH_ANY), EAGAIN,
                "the word is compared before the time: EAGAIN");
}

static volatile sig_atomic_t handled;
static volatile uint32_t *hits; /* handler runs, in shared memory */

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
    __sync_fetch_and_add(hits, 1);
}

/* How a test wait is timed. */
enum timing { UNTIMED, RELATIVE, ABSOLUTE };

/* FUTEX_WAIT on *w for 0: untimed, for 1000 s, or (WAIT_BITSET) until
 * CLOCK_MONOTONIC + 1000 s. */
static long long_wait(volatile uint32_t *w, enum timing t)
{
    struct timespec rel = {1000, 0};
    struct timespec abs = in_future(CLOCK_MONOTONIC, 0);
    abs.tv_sec += 1000;
    switch (t) {
    case RELATIVE:
        return futex(w, FUTEX_WAIT, 0, &rel, NULL, 0);
    case ABSOLUTE:
        return futex(w, FUTEX_WAIT_BITSET, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
    default:
        return futex(w, FUTEX_WAIT, 0, NULL, NULL, 0);
    }
}

/* A child waits on *w (timed as `t` says) under a SIGUSR1 handler
 * (SA_RESTART if `restart`); the parent signals it once it sleeps, and then
 * (for a restarted wait) wakes it once it sleeps again. Child exit code:
 * the errno of the wait, 0 for success, 100 + handler runs otherwise. */
static void signalled_wait(volatile uint32_t *w, bool restart, enum timing t, int want_errno, const char *what)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_usr1;
        sa.sa_flags = restart ? SA_RESTART : 0;
        sigaction(SIGUSR1, &sa, NULL);
        long r = long_wait(w, t);
        int e = r == 0 ? 0 : errno;
        _exit(handled == 1 ? e : 100 + handled);
    }
    until_waiters(w, 1);
    until_sleeping(pid);
    *hits = 0;
    kill(pid, SIGUSR1);
    if (want_errno == 0) {
        /* Once the handler ran, the restarted wait sleeps again: wake it. */
        while (*hits == 0)
            sched_yield();
        until_waiters(w, 1);
        check_eq(futex(w, FUTEX_WAKE, 1, NULL, NULL, 0), 1, "the restarted WAIT sleeps on the word again");
    }
    int st = child_status(pid);
    check(WIFEXITED(st) && WEXITSTATUS(st) == want_errno, what, "status %#x", st);
}

static void signals(volatile uint32_t *w, volatile uint32_t *h)
{
    hits = h;
    *w = 0;
    signalled_wait(w, false, UNTIMED, EINTR, "a signal with a handler ends a WAIT: EINTR");
    signalled_wait(w, true, UNTIMED, 0, "with SA_RESTART the WAIT restarts and a wake ends it");
    signalled_wait(w, true, RELATIVE, EINTR, "a timed WAIT is not restarted after a handler: EINTR");
    signalled_wait(w, true, ABSOLUTE, EINTR,
                   "a WAIT_BITSET with an absolute time-out is not restarted after a handler: EINTR");
}

/* Waits until the child `pid` has stopped (waitpid's WUNTRACED report). */
static void until_stopped(pid_t pid)
{
    int st = 0;
    while (waitpid(pid, &st, WUNTRACED) == pid && !WIFSTOPPED(st))
        ;
}

/* Stops the child `pid` sleeping on *w and continues it (no handler runs). */
static void stop_and_continue(pid_t pid)
{
    kill(pid, SIGSTOP);
    until_stopped(pid);
    kill(pid, SIGCONT);
}

/* A stop and continue does not end a wait: it goes on (restart_syscall for
 * a timed one) and a wake ends it. */
static void stopped_long_wait(volatile uint32_t *w, enum timing t, const char *what)
{
    *w = 0;
    pid_t pid = fork();
    if (pid == 0) {
        long r = long_wait(w, t);
        _exit(r == 0 ? 0 : errno);
    }
    until_waiters(w, 1);
    until_sleeping(pid);
    stop_and_continue(pid);
    /* Asleep on the word again (not merely running toward it). */
    long woke = 0;
    while (!woke) {
        if (waiters(w) >= 1 && proc_state(pid) == 'S')
            woke = futex(w, FUTEX_WAKE, 1, NULL, NULL, 0);
        else
            sched_yield();
    }
    int st = child_status(pid);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, what, "status %#x", st);
}

/* A 300 ms FUTEX_WAIT whose child is stopped until its deadline has
 * passed: once continued, the wait goes on toward the same deadline (Linux
 * restarts it through restart_syscall with the time that is left), so it
 * ends with ETIMEDOUT at once and never before 300 ms. A wait that started
 * over with a fresh time-out would sleep on the word again: the parent
 * then wakes it, and the child reports that. */
static void stopped_past_deadline(volatile uint32_t *w, volatile long long *started)
{
    const long long timeout = 300000000LL;
    *w = 0;
    *started = 0;
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec rel = {0, timeout};
        long long t0 = mono_ns();
        *started = t0;
        long r = futex(w, FUTEX_WAIT, 0, &rel, NULL, 0);
        int e = r == 0 ? 0 : errno;
        long long t1 = mono_ns();
        if (e != ETIMEDOUT)
            _exit(e == 0 ? 200 : e);
        _exit(t1 - t0 >= timeout ? 0 : 201);
    }
    until_waiters(w, 1);
    until_sleeping(pid);
    kill(pid, SIGSTOP);
    until_stopped(pid);
    /* Keep it stopped past its deadline (plus a margin). */
    while (mono_ns() < *started + timeout + 100000000LL) {
        struct timespec ms = {0, 20000000};
        nanosleep(&ms, NULL);
    }
    kill(pid, SIGCONT);
    int st = -1;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0) {
            st = -1;
            break;
        }
        /* Asleep on the word, and still after a while (Linux queues a
         * wait whose deadline has passed for the moment its timer takes
         * to fire): only a wait with a fresh time-out stays asleep. */
        if (waiters(w) >= 1 && proc_state(pid) == 'S') {
            struct timespec ms = {0, 10000000};
            nanosleep(&ms, NULL);
            if (waiters(w) >= 1 && proc_state(pid) == 'S')
                futex(w, FUTEX_WAKE, 1, NULL, NULL, 0);
        }
        sched_yield();
    }
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "a relative WAIT stopped past its deadline ends with ETIMEDOUT once continued, not before its time",
          "status %#x (200: woken by a wake, i.e. it slept again with a fresh time-out; 201: ended early)", st);
}

static void stops(volatile uint32_t *w, volatile long long *started)
{
    stopped_long_wait(w, UNTIMED, "a stopped and continued WAIT goes on and a wake ends it");
    stopped_long_wait(w, RELATIVE, "a stopped and continued timed WAIT goes on (restart_syscall) and a wake ends it");
    stopped_long_wait(w, ABSOLUTE, "a stopped and continued WAIT_BITSET goes on and a wake ends it");
    stopped_past_deadline(w, started);
}

static void wait_wake(volatile uint32_t *w)
{
    *w = 0;
    pid_t pid = fork();
    if (pid == 0)
        _exit(futex(w, FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : errno);
    long n;
    while ((n = futex(w, FUTEX_WAKE, 1, NULL, NULL, 0)) == 0)
        sched_yield();
    check_eq(n, 1, "a WAKE in another process wakes the shared waiter");
    int st = child_status(pid);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the woken WAIT returns 0", "status %#x", st);

    /* Bitsets: a wake for bit 1 leaves a waiter on bit 0 asleep. */
    pid = fork();
    if (pid == 0)
        _exit(futex(w, FUTEX_WAIT_BITSET, 0, NULL, NULL, 1) == 0 ? 0 : errno);
    until_waiters(w, 1);
    check_eq(futex(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 2), 0, "WAKE_BITSET passes a waiter of another bit");
    check_eq(futex(w, FUTEX_WAKE_BITSET, 1, NULL, NULL, 3), 1, "WAKE_BITSET wakes a waiter of a shared bit");
    st = child_status(pid);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the bitset waiter returns 0", "status %#x", st);
}

static void requeue(volatile uint32_t *a, volatile uint32_t *b)
{
    *a = 0;
    *b = 0;
    pid_t kids[3];
    for (int i = 0; i < 3; i++) {
        kids[i] = fork();
        if (kids[i] == 0)
            _exit(futex(a, FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : errno);
    }
    until_waiters(a, 3);
    check_eq(waiters(a), 3, "three processes wait on the first word");
    check_eq(futex(a, FUTEX_CMP_REQUEUE, 1, VAL2(1), b, 0), 2, "CMP_REQUEUE wakes one, moves one: returns 2");
    check_eq(waiters(b), 1, "one waiter moved to the second word");
    check_eq(waiters(a), 1, "one waiter left on the first");
    check_eq(futex(a, FUTEX_REQUEUE, 0, VAL2(5), b, 0), 1, "REQUEUE moves the last one");
    check_eq(futex(a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0, "nobody left on the first word");
    check_eq(futex(b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 2, "both wake on the second word");
    bool ok = true;
    for (int i = 0; i < 3; i++) {
        int st = child_status(kids[i]);
        ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    check(ok, "every requeued waiter returns 0", "a child failed");
}

static void wake_op(volatile uint32_t *a, volatile uint32_t *b)
{
    *a = 0;
    *b = 0;
    pid_t ka = fork();
    if (ka == 0)
        _exit(futex(a, FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : errno);
    pid_t kb = fork();
    if (kb == 0)
        _exit(futex(b, FUTEX_WAIT, 0, NULL, NULL, 0) == 0 ? 0 : errno);
    until_waiters(a, 1);
    until_waiters(b, 1);
    check_eq(futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_NE, 0)), 1,
             "WAKE_OP whose comparison fails wakes only the first word");
    check_eq(*b, 5, "WAKE_OP added 5 to the second word");
    check_eq(futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_SET, 7, FUTEX_OP_CMP_EQ, 5)), 1,
             "WAKE_OP whose comparison passes wakes the second word too");
    check_eq(*b, 7, "WAKE_OP set the second word");
    int sa = child_status(ka), sb = child_status(kb);
    check(WIFEXITED(sa) && WEXITSTATUS(sa) == 0 && WIFEXITED(sb) && WEXITSTATUS(sb) == 0,
          "both wake-op waiters return 0", "status %#x %#x", sa, sb);
    futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 4, FUTEX_OP_CMP_EQ, 0));
    check_eq(*b, 23, "FUTEX_OP_OPARG_SHIFT: OR 1 << 4");
    futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_ANDN, 3, FUTEX_OP_CMP_EQ, 0));
    check_eq(*b, 20, "ANDN clears bits");
    futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_XOR, 0xfff, FUTEX_OP_CMP_EQ, 0));
    check_eq(*b, (uint32_t)~20u, "XOR with the sign-extended -1");
    check_errno(futex(a, FUTEX_WAKE_OP, 1, VAL2(1), b, FUTEX_OP(FUTEX_OP_SET, 9, 7, 0)), ENOSYS,
                "an unknown comparison: ENOSYS");
    check_eq(*b, 9, "... after the operation was applied");
}

static void pi(volatile uint32_t *l)
{
    *l = 0;
    pid_t me = gettid_();
    check_eq(futex(l, FUTEX_LOCK_PI, 0, NULL, NULL, 0), 0, "LOCK_PI of a free lock");
    check_eq(*l, (uint32_t)me, "the word holds the owner's tid");
    check_errno(futex(l, FUTEX_LOCK_PI, 0, NULL, NULL, 0), EDEADLK, "LOCK_PI of a lock we own: EDEADLK");
    int p[2], q[2]; /* child to parent, parent to child */
    if (pipe(p) || pipe(q))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        int fail = 0;
        if (futex(l, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0) != -1 || errno != EAGAIN)
            fail |= 1;
        if (futex(l, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0) != -1 || errno != EPERM)
            fail |= 2;
        struct timespec soon = in_future(CLOCK_REALTIME, 5000000);
        if (futex(l, FUTEX_LOCK_PI, 0, &soon, NULL, 0) != -1 || errno != ETIMEDOUT)
            fail |= 4;
        char c = 't';
        if (write(p[1], &c, 1) != 1 || read(q[0], &c, 1) != 1)
            fail |= 8;
        /* Now the parent cleared FUTEX_WAITERS: block. */
        if (futex(l, FUTEX_LOCK_PI, 0, NULL, NULL, 0) != 0)
            fail |= 16;
        if ((*l & FUTEX_TID_MASK) != (uint32_t)gettid_())
            fail |= 32;
        if (futex(l, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0) != 0)
            fail |= 64;
        _exit(fail);
    }
    char c;
    check(read(p[0], &c, 1) == 1, "the child tried TRYLOCK_PI, UNLOCK_PI and a timed LOCK_PI", "read");
    check_eq(*l, (uint32_t)me | FUTEX_WAITERS, "a waiter set FUTEX_WAITERS");
    __sync_bool_compare_and_swap(l, (uint32_t)me | FUTEX_WAITERS, (uint32_t)me);
    check(write(q[1], &c, 1) == 1, "let the child block", "write");
    while (!(*l & FUTEX_WAITERS))
        sched_yield();
    check_eq(futex(l, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0, "UNLOCK_PI with a waiter");
    int st = child_status(pid);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the waiter got the lock, owned it and unlocked it",
          "status %#x", st);
    check_eq(*l, 0, "the word is free again");
    check_errno(futex(l, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), EPERM, "UNLOCK_PI of a free lock: EPERM");
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

/* A thread takes a private PI lock with LOCK_PI (no robust list: a raw
 * word, not a pthread mutex) and exits holding it while the main thread
 * sleeps in LOCK_PI on it: the lock goes to the waiter (as Linux's
 * exit_pi_state_list), whose LOCK_PI returns 0 with its tid in the word,
 * and FUTEX_WAITERS and FUTEX_OWNER_DIED (Linux's fix-up of the owner sets
 * it when the owner died, robust list or not). Then a word naming the
 * thread that exited is ESRCH. */
static uint32_t pi_word;
static volatile int pi_taken;
static volatile pid_t pi_owner_tid, pi_waiter_tid;

static void *pi_owner_thread(void *arg)
{
    (void)arg;
    if (futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0) != 0)
        return (void *)1;
    pi_owner_tid = gettid_();
    __atomic_store_n(&pi_taken, 1, __ATOMIC_SEQ_CST);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)pi_waiter_tid);
    /* Until the waiter sleeps in the kernel on the lock. */
    while (!(__atomic_load_n(&pi_word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS) || stat_state(path) != 'S')
        sched_yield();
    return NULL; /* exits owning the lock */
}

static void pi_owner_thread_exits(void)
{
    pi_word = 0;
    pi_taken = 0;
    pi_waiter_tid = gettid_();
    pthread_t t;
    int e = pthread_create(&t, NULL, pi_owner_thread, NULL);
    if (!check(e == 0, "start a PI owner thread", "error %d", e))
        return;
    while (!__atomic_load_n(&pi_taken, __ATOMIC_SEQ_CST))
        sched_yield();
    long r = futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    uint32_t word = __atomic_load_n(&pi_word, __ATOMIC_SEQ_CST);
    void *ret = (void *)2;
    pthread_join(t, &ret);
    check_eq(r, 0, "a PI owner thread exits holding the lock: the waiting LOCK_PI returns 0");
    uint32_t want = (uint32_t)gettid_() | FUTEX_WAITERS | FUTEX_OWNER_DIED;
    check(word == want, "the word then holds the waiter's tid, FUTEX_WAITERS and FUTEX_OWNER_DIED",
          "word %#x, want %#x", word, want);
    check(ret == NULL, "the owner thread took the lock", "returned %p", ret);
    check_eq(futex(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0), 0, "the new owner unlocks it");
    check_eq(pi_word, 0, "and the word is free");

    pi_word = (uint32_t)pi_owner_tid;
    check_errno(futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH,
                "LOCK_PI on a word naming a thread that exited (no waiters): ESRCH");
    check_errno(futex(&pi_word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH,
                "TRYLOCK_PI on it: ESRCH");
    pi_word = (uint32_t)pi_owner_tid | FUTEX_WAITERS;
    check_errno(futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0), ESRCH,
                "LOCK_PI on it with FUTEX_WAITERS set: ESRCH");
    check_eq(pi_word, (uint32_t)pi_owner_tid | FUTEX_WAITERS, "the word is left as it was");
    pi_word = 0;
}

struct robust_entry {
    struct robust_entry *next;
};

struct robust_head {
    struct robust_entry *list;
    long futex_offset;
    struct robust_entry *list_op_pending;
};

/* The shared page: a robust entry with its lock word 8 bytes in. */
struct robust_lock {
    struct robust_entry entry;
    uint32_t word;
};

static void robust(struct robust_lock *lk)
{
    static struct robust_head head;
    lk->word = 0;
    int p[2];
    if (pipe(p))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        head.list = &lk->entry;
        head.futex_offset = (long)offsetof(struct robust_lock, word);
        head.list_op_pending = NULL;
        lk->entry.next = (struct robust_entry *)&head;
        if (syscall(SYS_set_robust_list, &head, sizeof head))
            _exit(1);
        struct robust_head *got = NULL;
        size_t len = 0;
        if (syscall(SYS_get_robust_list, 0, &got, &len) || got != &head || len != sizeof head)
            _exit(2);
        lk->word = (uint32_t)gettid_();
        char c = 'l';
        if (write(p[1], &c, 1) != 1)
            _exit(3);
        until_waiters(&lk->word, 1);
        _exit(0); /* dies holding the lock */
    }
    char c;
    check(read(p[0], &c, 1) == 1, "the child holds the robust lock", "read");
    uint32_t owner = (uint32_t)pid;
    check_eq(lk->word, owner, "the word holds the child's tid");
    lk->word = owner | FUTEX_WAITERS;
    long r = futex(&lk->word, FUTEX_WAIT, owner | FUTEX_WAITERS, NULL, NULL, 0);
    check_eq(r, 0, "the owner's death wakes the waiter");
    check_eq(lk->word, FUTEX_OWNER_DIED | FUTEX_WAITERS, "the word says FUTEX_OWNER_DIED, keeps FUTEX_WAITERS");
    int st = child_status(pid);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the robust child set and read its list", "status %#x", st);
    close(p[0]);
    close(p[1]);

    struct robust_head *got = (void *)1;
    size_t len = 0;
    check_eq(syscall(SYS_get_robust_list, 0, &got, &len), 0, "get_robust_list of the caller");
    check_eq((long)len, (long)sizeof(struct robust_head), "get_robust_list's length is 24");
    check_errno(syscall(SYS_get_robust_list, 0, (void *)8, &len), EFAULT, "get_robust_list to a bad address: EFAULT");
    check_errno(syscall(SYS_get_robust_list, INT_MAX, &got, &len), ESRCH, "get_robust_list of no process: ESRCH");
}

/* A child process takes a shared PI lock and exits holding it while the
 * parent sleeps in LOCK_PI on it; with `robust`, the lock is on the
 * child's robust list as a PI entry. Either way the parent gets the lock:
 * its tid, FUTEX_WAITERS and FUTEX_OWNER_DIED in the word. */
static void pi_owner_process_exits(struct robust_lock *lk, bool robust)
{
    static struct robust_head head;
    lk->word = 0;
    int p[2];
    if (pipe(p))
        return;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        if (robust) {
            head.list = (struct robust_entry *)((uintptr_t)&lk->entry | 1); /* a PI entry */
            head.futex_offset = (long)offsetof(struct robust_lock, word);
            head.list_op_pending = NULL;
            lk->entry.next = (struct robust_entry *)&head;
            if (syscall(SYS_set_robust_list, &head, sizeof head))
                _exit(1);
        }
        if (futex(&lk->word, FUTEX_LOCK_PI, 0, NULL, NULL, 0) != 0)
            _exit(2);
        char c = 'l';
        if (write(p[1], &c, 1) != 1)
            _exit(3);
        while (!(lk->word & FUTEX_WAITERS) || proc_state(parent) != 'S')
            sched_yield();
        _exit(0); /* dies holding the lock */
    }
    char c;
    check(read(p[0], &c, 1) == 1, "the child holds the PI lock", "read");
    long r = futex(&lk->word, FUTEX_LOCK_PI, 0, NULL, NULL, 0);
    uint32_t word = lk->word;
    int st = child_status(pid);
    uint32_t want = (uint32_t)gettid_() | FUTEX_WAITERS | FUTEX_OWNER_DIED;
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the PI owner process locked and exited", "status %#x", st);
    check_eq(r, 0,
             robust ? "a PI owner with a robust list dies: the waiter's LOCK_PI returns 0"
                    : "a PI owner process exits holding the lock: the waiter's LOCK_PI returns 0");
    check(word == want,
          robust ? "the word holds the waiter's tid, FUTEX_WAITERS and FUTEX_OWNER_DIED (robust list)"
                 : "the word holds the waiter's tid, FUTEX_WAITERS and FUTEX_OWNER_DIED (no robust list)",
          "word %#x, want %#x", word, want);
    check_eq(futex(&lk->word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0), 0, "the waiter, now owner, unlocks it");
    check_eq(lk->word, 0, "the word is free again");
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    check_init("t_futex");
    errors();
    timeouts();
    volatile uint32_t *shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!check(shm != MAP_FAILED, "map a shared page", "errno %d", errno))
        return check_finish();
    memset((void *)shm, 0, 4096); /* touch it before fork */
    signals(&shm[0], &shm[9]);
    stops(&shm[0], (volatile long long *)&shm[12]);
    wait_wake(&shm[1]);
    requeue(&shm[2], &shm[3]);
    wake_op(&shm[4], &shm[5]);
    pi(&shm[6]);
    robust((struct robust_lock *)&shm[16]);
    pi_owner_thread_exits();
    pi_owner_process_exits((struct robust_lock *)&shm[24], false);
    pi_owner_process_exits((struct robust_lock *)&shm[24], true);
    return check_finish();
}
