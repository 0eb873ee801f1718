/* t_timers.c: interval timers (alarm, setitimer, getitimer), POSIX timers
 * (timer_create and friends) and timerfd, without signal handlers: timer
 * signals are seen through their default actions (a child killed by
 * SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1) or as pending while blocked.
 * Every check is about order and cause, never about how long something
 * took, and also holds on Linux. All calls are raw system calls. */
#include "check.h"
#include "sigs.h"
#include "clock.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif
#define TFD_NONBLOCK_ O_NONBLOCK
#define TFD_CLOEXEC_ O_CLOEXEC
#define TFD_TIMER_ABSTIME_ 1

#define MS 1000000LL
#define SEC 1000000000LL

static char self[256];


static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * MS };
    while (syscall(SYS_nanosleep, &ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Spins in user mode until CLOCK_MONOTONIC has moved `ns` on. */
static void spin_ns(long long ns)
{
    long long end = mono_ns() + ns;
    while (mono_ns() < end) {
    }
}

/* Sleeps a millisecond at a time until cond() holds, for 20 s at most. */
static int wait_for(int (*cond)(void *), void *arg)
{
    for (int i = 0; i < 20000; i++) {
        if (cond(arg))
            return 1;
        sleep_ms(1);
    }
    return cond(arg);
}

static long long tv_ns(struct timeval tv)
{
    return tv.tv_sec * SEC + tv.tv_usec * 1000LL;
}

static long long ts_ns(struct timespec ts)
{
    return ts.tv_sec * SEC + ts.tv_nsec;
}

static long setitimer_ns(int which, long long value, long long interval, struct itimerval *old)
{
    struct itimerval v = {
        { interval / SEC, (interval % SEC) / 1000 },
        { value / SEC, (value % SEC) / 1000 },
    };
    return syscall(SYS_setitimer, which, &v, old);
}

static long long itimer_left(int which)
{
    struct itimerval v;
    if (syscall(SYS_getitimer, which, &v) != 0)
        return -1;
    return tv_ns(v.it_value);
}

static long timer_new(clockid_t clock, int notify, int signo, int *id)
{
    struct ksigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.notify = notify;
    ev.signo = signo;
    ev.value = 0x1234;
    ev.tid = (int)syscall(SYS_gettid);
    return syscall(SYS_timer_create, clock, &ev, id);
}

static long timer_set(int id, int flags, long long value, long long interval, struct itimerspec *old)
{
    struct itimerspec v = {
        { interval / SEC, interval % SEC },
        { value / SEC, value % SEC },
    };
    return syscall(SYS_timer_settime, id, flags, &v, old);
}

static long long timer_left(int id)
{
    struct itimerspec v;
    if (syscall(SYS_timer_gettime, id, &v) != 0)
        return -1;
    return ts_ns(v.it_value);
}

static long tfd_set(int fd, int flags, long long value, long long interval)
{
    struct itimerspec v = {
        { interval / SEC, interval % SEC },
        { value / SEC, value % SEC },
    };
    return syscall(SYS_timerfd_settime, fd, flags, &v, NULL);
}

/* ---- interval timers ---- */

static void itimer_values(void)
{
    check_eq(itimer_left(ITIMER_REAL), 0, "ITIMER_REAL starts disarmed");
    check_eq(itimer_left(ITIMER_VIRTUAL), 0, "ITIMER_VIRTUAL starts disarmed");
    check_eq(setitimer_ns(ITIMER_REAL, 100 * SEC, 2 * SEC, NULL), 0, "setitimer(ITIMER_REAL, 100 s, every 2 s)");
    struct itimerval v;
    syscall(SYS_getitimer, ITIMER_REAL, &v);
    long long first = tv_ns(v.it_value);
    check(first > 0 && first <= 100 * SEC, "getitimer reports the time left", "%lld ns", first);
    check_eq(tv_ns(v.it_interval), 2 * SEC, "and the interval");
    spin_ns(5 * MS);
    long long second = itimer_left(ITIMER_REAL);
    check(second > 0 && second < first, "the time left decreases", "%lld then %lld", first, second);
    struct itimerval old;
    check_eq(setitimer_ns(ITIMER_REAL, 0, 0, &old), 0, "setitimer with a zero value disarms");
    check(tv_ns(old.it_value) > 0 && tv_ns(old.it_value) <= second, "and returns the old time left",
          "%lld ns", tv_ns(old.it_value));
    check_eq(itimer_left(ITIMER_REAL), 0, "ITIMER_REAL is disarmed");

    check_eq(syscall(SYS_alarm, 100), 0, "alarm(100) with no alarm pending returns 0");
    long r = syscall(SYS_alarm, 5);
    check(r == 100 || r == 99, "alarm(5) returns the previous alarm's seconds, rounded", "%ld", r);
    r = syscall(SYS_alarm, 0);
    check(r >= 1 && r <= 5, "alarm(0) cancels and returns the seconds left (never 0 while pending)", "%ld", r);
    check_eq(itimer_left(ITIMER_REAL), 0, "nothing is left after alarm(0)");

    struct itimerval bad = { { 0, 0 }, { 0, 1000000 } };
    check_errno(syscall(SYS_setitimer, ITIMER_REAL, &bad, NULL), EINVAL, "setitimer with tv_usec 1000000: EINVAL");
    check_errno(syscall(SYS_getitimer, 3, &v), EINVAL, "getitimer of an unknown timer: EINVAL");
    check_errno(syscall(SYS_getitimer, ITIMER_REAL, (void *)8), EFAULT, "getitimer to a bad address: EFAULT");

    check_eq(setitimer_ns(ITIMER_VIRTUAL, 1 * SEC, 0, NULL), 0, "setitimer(ITIMER_VIRTUAL, 1 s)");
    sleep_ms(100);
    long long vleft = itimer_left(ITIMER_VIRTUAL);
    check(vleft > SEC / 2 && vleft <= SEC + SEC / 10, "ITIMER_VIRTUAL does not count time asleep", "%lld ns left", vleft);
    setitimer_ns(ITIMER_VIRTUAL, 0, 0, NULL);
    check_eq(itimer_left(ITIMER_VIRTUAL), 0, "ITIMER_VIRTUAL disarmed");
}

static void child_alarm_pause(void *arg)
{
    (void)arg;
    setitimer_ns(ITIMER_REAL, 20 * MS, 0, NULL);
    syscall(SYS_pause);
    _exit(3);
}

static void child_alarm_busy(void *arg)
{
    (void)arg;
    syscall(SYS_alarm, 1);
    for (;;)
        sleep_ms(10);
}

static void child_virtual_spin(void *arg)
{
    setitimer_ns(arg ? ITIMER_PROF : ITIMER_VIRTUAL, 20 * MS, 0, NULL);
    for (;;) {
    }
}

static void itimer_signals(void)
{
    char buf[64];
    int st = run_in_child(child_alarm_pause, NULL);
    check(killed_by(st, SIGALRM), "ITIMER_REAL's expiry kills a pausing child with SIGALRM", "%s",
          status_text(st, buf, sizeof buf));
    st = run_in_child(child_alarm_busy, NULL);
    check(killed_by(st, SIGALRM), "alarm(1) kills a sleeping child with SIGALRM", "%s", status_text(st, buf, sizeof buf));
    st = run_in_child(child_virtual_spin, NULL);
    check(killed_by(st, SIGVTALRM), "ITIMER_VIRTUAL expires while spinning in user mode: SIGVTALRM", "%s",
          status_text(st, buf, sizeof buf));
    st = run_in_child(child_virtual_spin, (void *)1);
    check(killed_by(st, SIGPROF), "ITIMER_PROF expires while spinning: SIGPROF", "%s", status_text(st, buf, sizeof buf));
}

static int alrm_pending(void *arg)
{
    (void)arg;
    return (pending_set() & bit(SIGALRM)) != 0;
}

static void child_blocked_alarm(void *arg)
{
    (void)arg;
    set_mask(bit(SIGALRM));
    setitimer_ns(ITIMER_REAL, 5 * MS, 0, NULL);
    if (!wait_for(alrm_pending, NULL))
        _exit(10);
    if (itimer_left(ITIMER_REAL) != 0)
        _exit(11); /* a one-shot timer is disarmed once it fired */
    set_mask(0); /* delivers SIGALRM: killed here */
    _exit(12);
}

static void child_periodic_blocked(void *arg)
{
    (void)arg;
    set_mask(bit(SIGALRM));
    setitimer_ns(ITIMER_REAL, 2 * MS, 2 * MS, NULL);
    if (!wait_for(alrm_pending, NULL))
        _exit(10);
    /* Linux reloads a periodic ITIMER_REAL when SIGALRM is delivered (0
     * left until then); Marten at once: either way, never above the interval. */
    long long left = itimer_left(ITIMER_REAL);
    if (left < 0 || left > 2 * MS)
        _exit(11);
    set_mask(0);
    _exit(12);
}

static void itimer_blocked(void)
{
    char buf[64];
    int st = run_in_child(child_blocked_alarm, NULL);
    check(killed_by(st, SIGALRM), "a blocked SIGALRM stays pending (sigpending) and kills when unblocked", "%s",
          status_text(st, buf, sizeof buf));
    st = run_in_child(child_periodic_blocked, NULL);
    check(killed_by(st, SIGALRM), "a periodic ITIMER_REAL fires with its signal blocked, and has at most its interval left", "%s",
          status_text(st, buf, sizeof buf));
}

static void child_no_inherit(void *arg)
{
    int id = *(int *)arg;
    if (itimer_left(ITIMER_REAL) != 0)
        _exit(10);
    errno = 0;
    if (timer_left(id) != -1 || errno != EINVAL)
        _exit(11);
    _exit(0);
}

static void fork_and_exec(void)
{
    char buf[64];
    int id = -1;
    setitimer_ns(ITIMER_REAL, 100 * SEC, 0, NULL);
    check_eq(timer_new(CLOCK_MONOTONIC, SIGEV_NONE, 0, &id), 0, "timer_create(SIGEV_NONE)");
    timer_set(id, 0, 100 * SEC, 0, NULL);
    int st = run_in_child(child_no_inherit, &id);
    setitimer_ns(ITIMER_REAL, 0, 0, NULL);
    syscall(SYS_timer_delete, id);
    check(exited_with(st, 0), "fork: the child has neither the interval timers nor the POSIX timers", "%s",
          status_text(st, buf, sizeof buf));
    pid_t pid = fork();
    if (pid == 0) {
        char ids[16];
        setitimer_ns(ITIMER_REAL, 100 * SEC, 0, NULL);
        if (timer_new(CLOCK_MONOTONIC, SIGEV_NONE, 0, &id) != 0)
            _exit(21);
        snprintf(ids, sizeof ids, "%d", id);
        char *argv[] = { self, "--after-exec", ids, NULL };
        execv(self, argv);
        _exit(20);
    }
    waitpid(pid, &st, 0);
    check(exited_with(st, 0), "execve keeps ITIMER_REAL and deletes POSIX timers", "%s", status_text(st, buf, sizeof buf));
}

static int after_exec(const char *ids)
{
    long long left = itimer_left(ITIMER_REAL);
    if (left <= 0 || left > 100 * SEC)
        return 10;
    errno = 0;
    if (timer_left(atoi(ids)) != -1 || errno != EINVAL)
        return 11;
    return 0;
}

/* ---- POSIX timers ---- */

static void posix_times(void)
{
    int id = -1, nid = -1;
    /* SIGUSR1 would kill this process: the timer is disarmed before it fires. */
    check_eq(timer_new(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, &id), 0, "timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL)");
    check(id >= 0, "a timer id", "%d", id);
    check_eq(timer_left(id), 0, "a new timer is disarmed");
    check_eq(timer_set(id, 0, 10 * SEC, 1 * SEC, NULL), 0, "timer_settime 10 s, every 1 s");
    struct itimerspec v;
    syscall(SYS_timer_gettime, id, &v);
    long long first = ts_ns(v.it_value);
    check(first > 0 && first <= 10 * SEC, "timer_gettime reports the time left", "%lld", first);
    check_eq(ts_ns(v.it_interval), 1 * SEC, "and the interval");
    spin_ns(5 * MS);
    long long second = timer_left(id);
    check(second > 0 && second < first, "the time left decreases", "%lld then %lld", first, second);
    struct itimerspec old;
    check_eq(timer_set(id, 0, 0, 0, &old), 0, "a zero value disarms");
    check(ts_ns(old.it_value) > 0 && ts_ns(old.it_value) <= second, "and returns the old time left", "%lld",
          ts_ns(old.it_value));
    check_eq(timer_left(id), 0, "disarmed");
    check_eq(syscall(SYS_timer_getoverrun, id), 0, "timer_getoverrun of a timer that sent nothing: 0");

    check_eq(syscall(SYS_timer_delete, id), 0, "timer_delete");
    check_errno(syscall(SYS_timer_gettime, id, &v), EINVAL, "a deleted timer: EINVAL");
    check_errno(syscall(SYS_timer_delete, id), EINVAL, "timer_delete twice: EINVAL");

    /* Periodic SIGEV_NONE: the time left is forwarded by whole periods. */
    check_eq(timer_new(CLOCK_MONOTONIC, SIGEV_NONE, 0, &nid), 0, "timer_create(CLOCK_MONOTONIC, SIGEV_NONE)");
    id = nid;
    timer_set(id, 0, 2 * MS, 2 * MS, NULL);
    spin_ns(20 * MS);
    long long left = timer_left(id);
    check(left > 0 && left <= 2 * MS, "a periodic timer whose expiries passed reports the next one", "%lld", left);

    /* Absolute times. */
    struct timespec now;
    raw_clock_gettime(CLOCK_MONOTONIC, &now);
    check_eq(timer_set(id, TIMER_ABSTIME, ts_ns(now) + 10 * SEC, 0, NULL), 0, "TIMER_ABSTIME");
    left = timer_left(id);
    check(left > 9 * SEC && left <= 10 * SEC, "an absolute deadline 10 s ahead has up to 10 s left", "%lld", left);
    timer_set(id, TIMER_ABSTIME, 1, 0, NULL);
    int gone = 0;
    for (int i = 0; i < 20000 && !gone; i++) {
        gone = timer_left(id) == 0;
        if (!gone)
            sleep_ms(1);
    }
    check(gone, "an absolute deadline in the past expires (and a one-shot timer disarms)", "still armed");

    check_errno(timer_set(id, 0, -1, 0, NULL), EINVAL, "timer_settime with a negative time: EINVAL");
    check_errno(syscall(SYS_timer_settime, id, 0, NULL, NULL), EINVAL, "timer_settime without a value: EINVAL");
    check_eq(syscall(SYS_timer_delete, id), 0, "timer_delete of a SIGEV_NONE timer");
    check_errno(syscall(SYS_timer_getoverrun, 12345), EINVAL, "timer_getoverrun of an unknown id: EINVAL");

    int rid = -1;
    check_eq(timer_new(CLOCK_REALTIME, SIGEV_NONE, 0, &rid), 0, "timer_create(CLOCK_REALTIME)");
    raw_clock_gettime(CLOCK_REALTIME, &now);
    timer_set(rid, TIMER_ABSTIME, ts_ns(now) + 10 * SEC, 0, NULL);
    left = timer_left(rid);
    check(left > 9 * SEC && left <= 10 * SEC, "an absolute CLOCK_REALTIME deadline", "%lld", left);
    syscall(SYS_timer_delete, rid);
    check_eq(timer_new(CLOCK_BOOTTIME, SIGEV_NONE, 0, &rid), 0, "timer_create(CLOCK_BOOTTIME)");
    syscall(SYS_timer_delete, rid);

    check_errno(timer_new(99, SIGEV_NONE, 0, &rid), EINVAL, "an unknown clock: EINVAL");
    check_errno(timer_new(CLOCK_MONOTONIC, SIGEV_SIGNAL, 0, &rid), EINVAL, "SIGEV_SIGNAL with signal 0: EINVAL");
    check_errno(timer_new(CLOCK_MONOTONIC, SIGEV_SIGNAL, 65, &rid), EINVAL, "SIGEV_SIGNAL with signal 65: EINVAL");
    check_eq(timer_new(CLOCK_MONOTONIC, SIGEV_THREAD, SIGALRM, &rid), 0,
             "SIGEV_THREAD (the C library's business): the kernel takes it as SIGEV_SIGNAL");
    syscall(SYS_timer_delete, rid);
    check_errno(timer_new(CLOCK_MONOTONIC, SIGEV_THREAD, 0, &rid), EINVAL, "SIGEV_THREAD with signal 0: EINVAL");
    check_errno(timer_new(CLOCK_MONOTONIC, 77, SIGALRM, &rid), EINVAL, "an unknown sigev_notify: EINVAL");
    check_eq(timer_new(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGALRM, &rid), 0, "SIGEV_THREAD_ID naming the caller");
    syscall(SYS_timer_delete, rid);
    struct ksigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.notify = SIGEV_THREAD_ID;
    ev.signo = SIGALRM;
    ev.tid = 1; /* init: not a thread of this process */
    check_errno(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &rid), EINVAL,
                "SIGEV_THREAD_ID naming another process's thread: EINVAL");
    check_errno(syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &rid), EFAULT, "a bad sigevent: EFAULT");
}

static void child_default_sigevent(void *arg)
{
    (void)arg;
    int id;
    if (syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &id) != 0)
        _exit(10);
    timer_set(id, 0, 5 * MS, 0, NULL);
    syscall(SYS_pause);
    _exit(11);
}

static void child_thread_id(void *arg)
{
    (void)arg;
    int id;
    if (timer_new(CLOCK_MONOTONIC, SIGEV_THREAD_ID, SIGUSR2, &id) != 0)
        _exit(10);
    timer_set(id, 0, 5 * MS, 0, NULL);
    syscall(SYS_pause);
    _exit(11);
}

static int usr1_pending(void *arg)
{
    (void)arg;
    return (pending_set() & bit(SIGUSR1)) != 0;
}

static void child_blocked_timer_signal(void *arg)
{
    (void)arg;
    int id;
    set_mask(bit(SIGUSR1));
    if (timer_new(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, &id) != 0)
        _exit(10);
    timer_set(id, 0, 2 * MS, 2 * MS, NULL);
    if (!wait_for(usr1_pending, NULL))
        _exit(11);
    sleep_ms(20); /* more expiries while the signal is pending */
    if (syscall(SYS_timer_getoverrun, id) != 0)
        _exit(12); /* the count comes with a delivery, and nothing was delivered */
    set_mask(0);
    _exit(13);
}

static void child_sigpending_limit(void *arg)
{
    (void)arg;
    struct rlimit r = { 0, 0 };
    if (setrlimit(RLIMIT_SIGPENDING, &r) != 0)
        _exit(10);
    int id;
    errno = 0;
    if (timer_new(CLOCK_MONOTONIC, SIGEV_NONE, 0, &id) != -1 || errno != EAGAIN)
        _exit(11);
    _exit(0);
}

static void posix_signals(void)
{
    char buf[64];
    int st = run_in_child(child_default_sigevent, NULL);
    check(killed_by(st, SIGALRM), "a timer created without a sigevent sends SIGALRM", "%s", status_text(st, buf, sizeof buf));
    st = run_in_child(child_thread_id, NULL);
    check(killed_by(st, SIGUSR2), "SIGEV_THREAD_ID sends its signal to the thread", "%s", status_text(st, buf, sizeof buf));
    st = run_in_child(child_blocked_timer_signal, NULL);
    check(killed_by(st, SIGUSR1), "a blocked timer signal stays pending and acts when unblocked", "%s",
          status_text(st, buf, sizeof buf));
    st = run_in_child(child_sigpending_limit, NULL);
    check(exited_with(st, 0), "timer_create beyond RLIMIT_SIGPENDING: EAGAIN", "%s", status_text(st, buf, sizeof buf));
}

/* ---- timerfd ---- */

static void timerfd_basics(void)
{
    int fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, TFD_NONBLOCK_ | TFD_CLOEXEC_);
    check(fd >= 0, "timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)", "errno %d", errno);
    check((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "TFD_CLOEXEC sets close-on-exec", "flags %d", fcntl(fd, F_GETFD));
    check((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "TFD_NONBLOCK sets O_NONBLOCK", "flags %d", fcntl(fd, F_GETFL));
    uint64_t n = 0;
    check_errno(read(fd, &n, 8), EAGAIN, "reading a disarmed non-blocking timerfd: EAGAIN");
    struct pollfd pfd = { fd, POLLIN, 0 };
    check_eq(poll(&pfd, 1, 0), 0, "poll: a disarmed timerfd is not readable");

    check_eq(tfd_set(fd, 0, 2 * MS, 2 * MS), 0, "timerfd_settime 2 ms, every 2 ms");
    check_eq(poll(&pfd, 1, -1), 1, "poll waits for the first expiry");
    check(pfd.revents == POLLIN, "POLLIN", "revents %#x", pfd.revents);
    check_errno(read(fd, &n, 4), EINVAL, "a read under 8 bytes: EINVAL");
    n = 0;
    check_eq(read(fd, &n, 8), 8, "read returns 8 bytes");
    check(n >= 1, "the expiration count", "%llu", (unsigned long long)n);
    spin_ns(30 * MS);
    check_eq(read(fd, &n, 8), 8, "read after several periods");
    check(n >= 2, "counts every period that passed", "%llu", (unsigned long long)n);
    struct itimerspec v;
    check_eq(syscall(SYS_timerfd_gettime, fd, &v), 0, "timerfd_gettime");
    check(ts_ns(v.it_value) > 0 && ts_ns(v.it_value) <= 2 * MS, "the time to the next expiry", "%lld", ts_ns(v.it_value));
    check_eq(ts_ns(v.it_interval), 2 * MS, "the interval");

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 }, out;
    check_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0, "epoll_ctl adds a timerfd");
    check_eq(epoll_wait(ep, &out, 1, -1), 1, "epoll_wait reports the timerfd");
    check(out.data.u64 == 77 && (out.events & EPOLLIN), "with EPOLLIN", "events %#x", out.events);
    close(ep);

    spin_ns(10 * MS);
    check_eq(tfd_set(fd, 0, 100 * SEC, 0), 0, "timerfd_settime again");
    check_errno(read(fd, &n, 8), EAGAIN, "setting the timer forgets the expirations not read");
    check_eq(tfd_set(fd, 0, 0, 0), 0, "a zero value disarms");
    syscall(SYS_timerfd_gettime, fd, &v);
    check(ts_ns(v.it_value) == 0 && ts_ns(v.it_interval) == 0, "timerfd_gettime of a disarmed timerfd: zeros", "%lld",
          ts_ns(v.it_value));
    close(fd);

    /* Blocking reads, absolute times. */
    fd = (int)syscall(SYS_timerfd_create, CLOCK_REALTIME, 0);
    check(fd >= 0, "timerfd_create(CLOCK_REALTIME, 0)", "errno %d", errno);
    struct timespec now;
    raw_clock_gettime(CLOCK_REALTIME, &now);
    check_eq(tfd_set(fd, TFD_TIMER_ABSTIME_, ts_ns(now) + 5 * MS, 0), 0, "TFD_TIMER_ABSTIME on CLOCK_REALTIME");
    n = 0;
    check_eq(read(fd, &n, 8), 8, "a blocking read waits for the expiry");
    check_eq((long)n, 1, "a one-shot timer expires once");
    syscall(SYS_timerfd_gettime, fd, &v);
    check_eq(ts_ns(v.it_value), 0, "and is disarmed afterwards");
    close(fd);

    check_errno(syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 1), EINVAL, "timerfd_create with an unknown flag: EINVAL");
    check_errno(syscall(SYS_timerfd_create, 99, 0), EINVAL, "timerfd_create with an unknown clock: EINVAL");
    int p[2];
    pipe(p);
    check_errno(tfd_set(p[0], 0, SEC, 0), EINVAL, "timerfd_settime on a pipe: EINVAL");
    close(p[0]);
    close(p[1]);
    check_errno(tfd_set(p[0], 0, SEC, 0), EBADF, "timerfd_settime on a closed descriptor: EBADF");
    fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    check_errno(tfd_set(fd, 8, SEC, 0), EINVAL, "timerfd_settime with an unknown flag: EINVAL");
    check_errno(tfd_set(fd, 0, SEC, -1), EINVAL, "timerfd_settime with a negative interval: EINVAL");
    close(fd);
}

int main(int argc, char **argv)
{
    self_path(argv[0], self, sizeof self);
    if (argc > 2 && strcmp(argv[1], "--after-exec") == 0)
        return after_exec(argv[2]);
    check_init("t_timers");
    no_core_dumps();
    itimer_values();
    itimer_signals();
    itimer_blocked();
    fork_and_exec();
    posix_times();
    posix_signals();
    timerfd_basics();
    return check_finish();
}
