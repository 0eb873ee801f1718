/* t_sched.c: scheduling calls. CPU affinity (the mask set is kept,
 * offline CPUs are not reported, inheritance by threads and fork), policies and priorities
 * (sched_setscheduler and friends, sched_setattr/getattr), nice values
 * (getpriority/setpriority/nice(3)), their errors and permissions (as a
 * non-root user after setuid when run as root), fork inheritance and
 * SCHED_RESET_ON_FORK, /proc/PID/stat's priority fields, membarrier, and
 * one ordering test: a SCHED_FIFO child runs before an already-runnable
 * SCHED_OTHER sibling (order read from a shared counter, never time).
 * Raw system calls throughout: musl's sched_setscheduler family is ENOSYS. */
#define _GNU_SOURCE
#include "check.h"
#include "fsutil.h"
#include "proc.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RESET_ON_FORK 0x40000000
#define MB_QUERY 0
#define MB_GLOBAL 1
#define MB_GLOBAL_EXPEDITED 2
#define MB_REGISTER_GLOBAL_EXPEDITED 4
#define MB_PRIVATE_EXPEDITED 8
#define MB_REGISTER_PRIVATE_EXPEDITED 16

struct attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};

static long setsched(long pid, long policy, int prio)
{
    struct sched_param p = {.sched_priority = prio};
    return syscall(SYS_sched_setscheduler, pid, policy, &p);
}

static long getsched(long pid)
{
    return syscall(SYS_sched_getscheduler, pid);
}

static int getparam(long pid)
{
    struct sched_param p = {.sched_priority = -7};
    if (syscall(SYS_sched_getparam, pid, &p) != 0)
        return -100;
    return p.sched_priority;
}

/* Field n (1-based, as proc(5) counts) of /proc/self/stat. */
static long stat_field(int n)
{
    char buf[1024];
    if (read_file("/proc/self/stat", buf, sizeof buf) <= 0)
        return -1000;
    char *s = strrchr(buf, ')');
    if (!s)
        return -1000;
    s += 2; /* field 3 starts here */
    for (int i = 3; i < n; i++) {
        s = strchr(s, ' ');
        if (!s)
            return -1000;
        s++;
    }
    return strtol(s, NULL, 10);
}

/* Runs fn in a child and checks that its checks all passed. */
static void in_child(void (*fn)(void *), const char *what)
{
    int status = run_in_child(fn, NULL);
    char buf[64];
    check(exited_with(status, 0), what, "child %s", status_text(status, buf, sizeof buf));
}

static void affinity(void)
{
    unsigned long mask[16];
    memset(mask, 0, sizeof mask);
    long n = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
    check(n >= 8 && n % 8 == 0 && n <= (long)sizeof mask, "sched_getaffinity returns the kernel's mask size",
          "got %ld", n);
    bool any = false;
    for (int i = 0; i < 16; i++)
        any |= mask[i] != 0;
    check(any, "the affinity mask has a CPU", "empty");
    check_eq(syscall(SYS_sched_setaffinity, 0, sizeof mask, mask), 0, "sched_setaffinity with the current mask");
    check_errno(syscall(SYS_sched_getaffinity, 0, 0, mask), EINVAL, "sched_getaffinity len 0 -> EINVAL");
    check_errno(syscall(SYS_sched_getaffinity, 0, 3, mask), EINVAL, "sched_getaffinity len 3 -> EINVAL");
    check_errno(syscall(SYS_sched_getaffinity, -1, sizeof mask, mask), ESRCH, "sched_getaffinity pid -1 -> ESRCH");
    check_errno(syscall(SYS_sched_getaffinity, 0, sizeof mask, (void *)1), EFAULT,
                "sched_getaffinity bad pointer -> EFAULT");
    unsigned long none[16];
    memset(none, 0, sizeof none);
    none[15] = 1UL << 63; /* CPU 1023 only: no such CPU here */
    check_errno(syscall(SYS_sched_setaffinity, 0, sizeof none, none), EINVAL,
                "sched_setaffinity without an online CPU -> EINVAL");
    check_errno(syscall(SYS_sched_setaffinity, 0, sizeof mask, (void *)1), EFAULT,
                "sched_setaffinity bad pointer -> EFAULT");
    cpu_set_t set;
    CPU_ZERO(&set);
    check(sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0, "libc sched_getaffinity", "failed");
}

/* The online CPUs below 64, from /sys/devices/system/cpu/online ("0-3,5"),
 * or (without sysfs) the CPUs of the caller's mask `fallback`. */
static unsigned long online_cpus(unsigned long fallback)
{
    char buf[256];
    if (read_file("/sys/devices/system/cpu/online", buf, sizeof buf) <= 0)
        return fallback;
    unsigned long m = 0;
    char *p = buf;
    while (*p >= '0' && *p <= '9') {
        long a = strtol(p, &p, 10), b = a;
        if (*p == '-')
            b = strtol(p + 1, &p, 10);
        for (long i = a; i <= b && i < 64; i++)
            m |= 1UL << i;
        if (*p != ',')
            break;
        p++;
    }
    return m;
}

static void *thread_mask(void *arg)
{
    unsigned long m[16] = {0};
    long n = syscall(SYS_sched_getaffinity, 0, sizeof m, m);
    *(unsigned long *)arg = n > 0 ? m[0] : 0;
    return NULL;
}

static void child_mask(void *arg)
{
    unsigned long m[16] = {0};
    long n = syscall(SYS_sched_getaffinity, 0, sizeof m, m);
    *(volatile unsigned long *)arg = n > 0 ? m[0] : 0;
}

/* What sched_setaffinity keeps: a mask with an offline CPU is taken, and
 * only its online CPUs are reported; one with no online CPU is EINVAL; the
 * mask goes to new threads and to fork's children. */
static void affinity_kept(void)
{
    unsigned long all[16] = {0};
    if (syscall(SYS_sched_getaffinity, 0, sizeof all, all) <= 0 || !(all[0] & 1)) {
        skip("affinity masks with CPU 0", "CPU 0 is not in this process's mask");
        return;
    }
    unsigned long online = online_cpus(all[0]);
    int off = -1;
    for (int i = 5; i < 64 && off < 0; i++)
        if (!(online & (1UL << i)))
            off = i;
    if (off < 0) {
        skip("affinity masks with an offline CPU", "64 CPUs online");
    } else {
        unsigned long m[16] = {0};
        m[0] = 1UL | 1UL << off;
        check_eq(syscall(SYS_sched_setaffinity, 0, sizeof m, m), 0,
                 "sched_setaffinity with CPU 0 and an offline CPU is taken");
        unsigned long got[16];
        memset(got, 0xff, sizeof got);
        long n = syscall(SYS_sched_getaffinity, 0, sizeof got, got);
        check(n > 0 && got[0] == 1, "sched_getaffinity then reports CPU 0 only (the online part of the mask)",
              "returned %ld, mask %#lx", n, got[0]);
        m[0] = 1UL << off;
        check_errno(syscall(SYS_sched_setaffinity, 0, sizeof m, m), EINVAL,
                    "sched_setaffinity with an offline CPU only -> EINVAL");
        n = syscall(SYS_sched_getaffinity, 0, sizeof got, got);
        check(n > 0 && got[0] == 1, "a refused mask leaves the mask as it was", "mask %#lx", got[0]);
    }
    /* Inheritance, with the mask narrowed to CPU 0 (observable where more
     * CPUs are online). */
    unsigned long zero[16] = {1};
    check_eq(syscall(SYS_sched_setaffinity, 0, sizeof zero, zero), 0, "sched_setaffinity to CPU 0");
    unsigned long seen = 0;
    pthread_t t;
    if (check(pthread_create(&t, NULL, thread_mask, &seen) == 0, "start a thread", "failed")) {
        pthread_join(t, NULL);
        check(seen == 1, "a new thread has its creator's mask", "mask %#lx", seen);
    }
    volatile unsigned long *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (check(shared != MAP_FAILED, "map a shared page", "errno %d", errno)) {
        *shared = 0;
        int st = run_in_child(child_mask, (void *)shared);
        check(exited_with(st, 0) && *shared == 1, "a fork child has its parent's mask", "mask %#lx", *shared);
        munmap((void *)shared, 4096);
    }
    check_eq(syscall(SYS_sched_setaffinity, 0, sizeof all, all), 0, "sched_setaffinity back to the first mask");
}

static void params(void)
{
    check_eq(getsched(0), SCHED_OTHER, "sched_getscheduler: SCHED_OTHER");
    check_eq(getparam(0), 0, "sched_getparam: priority 0");
    check_eq(syscall(SYS_sched_get_priority_max, SCHED_FIFO), 99, "priority max FIFO 99");
    check_eq(syscall(SYS_sched_get_priority_min, SCHED_RR), 1, "priority min RR 1");
    check_eq(syscall(SYS_sched_get_priority_max, SCHED_OTHER), 0, "priority max OTHER 0");
    check_eq(syscall(SYS_sched_get_priority_min, SCHED_IDLE), 0, "priority min IDLE 0");
    check_errno(syscall(SYS_sched_get_priority_max, 77), EINVAL, "priority max of an unknown policy -> EINVAL");
    check_errno(syscall(SYS_sched_get_priority_min, -1), EINVAL, "priority min of -1 -> EINVAL");
    check_errno(getsched(-1), EINVAL, "sched_getscheduler(-1) -> EINVAL");
    check_errno(getsched(4194304 + 7), ESRCH, "sched_getscheduler of no process -> ESRCH");
    check_errno(syscall(SYS_sched_getparam, 0, NULL), EINVAL, "sched_getparam NULL -> EINVAL");
    check_errno(setsched(0, 77, 0), EINVAL, "unknown policy -> EINVAL");
    check_errno(setsched(0, SCHED_OTHER, 1), EINVAL, "SCHED_OTHER priority 1 -> EINVAL");
    check_errno(setsched(0, SCHED_FIFO, 0), EINVAL, "SCHED_FIFO priority 0 -> EINVAL");
    check_errno(setsched(0, SCHED_RR, 100), EINVAL, "SCHED_RR priority 100 -> EINVAL");
    check_errno(setsched(0, -1, 0), EINVAL, "policy -1 -> EINVAL");
    check_errno(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL), EINVAL, "NULL param -> EINVAL");
    check_errno(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (void *)1), EFAULT, "bad param -> EFAULT");
    check_eq(setsched(0, SCHED_OTHER, 0), 0, "SCHED_OTHER priority 0 is accepted");
    struct timespec ts = {-1, -1};
    check(syscall(SYS_sched_rr_get_interval, 0, &ts) == 0 && ts.tv_sec >= 0 && ts.tv_nsec >= 0,
          "sched_rr_get_interval for SCHED_OTHER", "sec %ld nsec %ld", (long)ts.tv_sec, ts.tv_nsec);
    check_errno(syscall(SYS_sched_rr_get_interval, -1, &ts), EINVAL, "sched_rr_get_interval(-1) -> EINVAL");
    check_eq(stat_field(18), 20 + stat_field(19), "/proc/self/stat priority is 20 + nice");
    check_eq(stat_field(41), 0, "/proc/self/stat policy 0");

    struct attr a;
    memset(&a, 0xff, sizeof a);
    check_eq(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0), 0, "sched_getattr");
    check(a.size == sizeof a && a.policy == SCHED_OTHER && a.priority == 0, "sched_getattr fields",
          "size %u policy %u prio %u", a.size, a.policy, a.priority);
    check_errno(syscall(SYS_sched_getattr, 0, &a, 10, 0), EINVAL, "sched_getattr size 10 -> EINVAL");
    check_errno(syscall(SYS_sched_getattr, 0, &a, sizeof a, 1), EINVAL, "sched_getattr flags -> EINVAL");
}

static void attr_child(void *arg)
{
    (void)arg;
    struct attr a;
    memset(&a, 0, sizeof a);
    a.size = 48;
    a.policy = SCHED_OTHER;
    a.nice = 3;
    check_eq(syscall(SYS_sched_setattr, 0, &a, 0), 0, "sched_setattr SCHED_OTHER nice 3");
    check_eq(getpriority(PRIO_PROCESS, 0), 3, "the nice value of sched_setattr shows in getpriority");
    check_errno(syscall(SYS_sched_setattr, 0, &a, 1), EINVAL, "sched_setattr flags -> EINVAL");
    char big[80];
    memset(big, 0, sizeof big);
    memcpy(big, &a, 48);
    ((struct attr *)big)->size = sizeof big;
    big[70] = 1;
    check_errno(syscall(SYS_sched_setattr, 0, big, 0), E2BIG, "sched_setattr with unknown non-zero bytes -> E2BIG");
    check_eq(((struct attr *)big)->size, 56, "E2BIG writes the size the kernel knows");
    a.size = 20;
    check_errno(syscall(SYS_sched_setattr, 0, &a, 0), E2BIG, "sched_setattr size 20 -> E2BIG");
    _exit(check_status());
}

static void nice_child(void *arg)
{
    (void)arg;
    check_eq(nice(0), 0, "nice(0) returns 0");
    check_eq(nice(3), 3, "nice(3) returns 3");
    check_eq(getpriority(PRIO_PROCESS, 0), 3, "getpriority after nice(3)");
    check_eq(syscall(SYS_getpriority, PRIO_PROCESS, 0), 17, "raw getpriority is 20 - nice");
    check_eq(stat_field(19), 3, "/proc/self/stat nice 3");
    check_eq(stat_field(18), 23, "/proc/self/stat priority 23");
    setpgid(0, 0);
    check_eq(setpriority(PRIO_PGRP, 0, 7), 0, "setpriority PRIO_PGRP 0");
    check_eq(getpriority(PRIO_PGRP, 0), 7, "getpriority PRIO_PGRP 0");
    check_eq(setpriority(PRIO_PROCESS, 0, 100), 0, "setpriority clamps 100");
    check_eq(getpriority(PRIO_PROCESS, 0), 19, "to 19");
    errno = 0;
    getpriority(PRIO_USER, 0);
    check_eq(errno, 0, "getpriority PRIO_USER 0 finds the caller");
    check_errno(setpriority(5, 0, 0), EINVAL, "setpriority which 5 -> EINVAL");
    check_errno(getpriority(PRIO_PROCESS, 4194304 + 7), ESRCH, "getpriority of no process -> ESRCH");
    check_errno(setpriority(PRIO_PGRP, 4194304 + 7, 0), ESRCH, "setpriority of no group -> ESRCH");
    /* Inherited by a child. */
    pid_t pid = fork();
    if (pid == 0)
        _exit(getpriority(PRIO_PROCESS, 0) == 19 ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    check(exited_with(status, 0), "fork inherits the nice value", "status %d", status);
    _exit(check_status());
}

/* The unprivileged rules: run as a non-root user with no RLIMIT_NICE or
 * RLIMIT_RTPRIO allowance; `other` is a process of another user (or 0). */
static void unprivileged(long other)
{
    check_errno(setsched(0, SCHED_FIFO, 1), EPERM, "non-root SCHED_FIFO without RLIMIT_RTPRIO -> EPERM");
    check_errno(setsched(0, SCHED_RR, 1), EPERM, "non-root SCHED_RR without RLIMIT_RTPRIO -> EPERM");
    check_eq(setpriority(PRIO_PROCESS, 0, 5), 0, "non-root raises its nice value");
    check_errno(setpriority(PRIO_PROCESS, 0, 4), EACCES, "non-root lowers its nice value -> EACCES");
    struct attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.policy = 6; /* SCHED_DEADLINE */
    a.runtime = 10000000;
    a.deadline = a.period = 30000000;
    check_errno(syscall(SYS_sched_setattr, 0, &a, 0), EPERM, "non-root SCHED_DEADLINE -> EPERM");
    check_eq(setsched(0, SCHED_BATCH | RESET_ON_FORK, 0), 0, "non-root SCHED_BATCH with SCHED_RESET_ON_FORK");
    check_eq(getsched(0), SCHED_BATCH | RESET_ON_FORK, "sched_getscheduler shows the flag");
    check_errno(setsched(0, SCHED_OTHER, 0), EPERM, "non-root clearing SCHED_RESET_ON_FORK -> EPERM");
    check_eq(setsched(0, SCHED_IDLE | RESET_ON_FORK, 0), 0, "non-root SCHED_IDLE");
    check_errno(setsched(0, SCHED_OTHER | RESET_ON_FORK, 0), EPERM,
                "non-root leaving SCHED_IDLE without RLIMIT_NICE -> EPERM");
    if (other > 0) {
        check_errno(setsched(other, SCHED_OTHER, 0), EPERM, "another user's process -> EPERM");
        check_errno(setpriority(PRIO_PROCESS, other, 0), EPERM, "setpriority on another user's process -> EPERM");
        unsigned long mask[16];
        long n = syscall(SYS_sched_getaffinity, other, sizeof mask, mask);
        check(n > 0, "sched_getaffinity of another user's process is allowed", "got %ld", n);
        check_errno(syscall(SYS_sched_setaffinity, other, sizeof mask, mask), EPERM,
                    "sched_setaffinity of another user's process -> EPERM");
    }
}

static void nonroot_child(void *arg)
{
    (void)arg;
    struct rlimit zero = {0, 0};
    setrlimit(RLIMIT_NICE, &zero);
    setrlimit(RLIMIT_RTPRIO, &zero);
    long parent = getppid();
    if (geteuid() == 0) {
        if (setuid(65534) != 0) {
            say("not ok - setuid(65534): errno %d", errno);
            _exit(1);
        }
        unprivileged(parent);
    } else {
        unprivileged(0);
    }
    _exit(check_status());
}

static void rtprio_child(void *arg)
{
    (void)arg;
    struct rlimit ten = {10, 10};
    struct rlimit nice = {25, 25};
    if (setrlimit(RLIMIT_RTPRIO, &ten) != 0 || setrlimit(RLIMIT_NICE, &nice) != 0) {
        /* Raising hard limits needs CAP_SYS_RESOURCE, which containers may drop. */
        skip("RLIMIT_RTPRIO and RLIMIT_NICE allowances", "cannot raise the hard limits");
        _exit(0);
    }
    if (setuid(65534) != 0)
        _exit(1);
    check_eq(setsched(0, SCHED_FIFO, 10), 0, "RLIMIT_RTPRIO 10 allows SCHED_FIFO 10 without root");
    check_errno(setsched(0, SCHED_FIFO, 11), EPERM, "but not 11");
    check_eq(setsched(0, SCHED_OTHER, 0), 0, "back to SCHED_OTHER");
    check_eq(setpriority(PRIO_PROCESS, 0, -5), 0, "RLIMIT_NICE 25 allows nice -5");
    check_errno(setpriority(PRIO_PROCESS, 0, -6), EACCES, "but not -6");
    _exit(check_status());
}

static void root_child(void *arg)
{
    (void)arg;
    check_eq(setsched(0, SCHED_FIFO, 50), 0, "root sets SCHED_FIFO 50");
    check_eq(getsched(0), SCHED_FIFO, "sched_getscheduler: SCHED_FIFO");
    check_eq(getparam(0), 50, "sched_getparam: 50");
    check_eq(stat_field(18), -51, "/proc/self/stat priority -51");
    check_eq(stat_field(40), 50, "/proc/self/stat rt_priority 50");
    check_eq(stat_field(41), SCHED_FIFO, "/proc/self/stat policy 1");
    struct timespec ts = {-1, -1};
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    check(ts.tv_sec == 0 && ts.tv_nsec == 0, "SCHED_FIFO has no time slice", "%ld.%09ld", (long)ts.tv_sec,
          ts.tv_nsec);
    struct sched_param p = {.sched_priority = 20};
    check_eq(syscall(SYS_sched_setparam, 0, &p), 0, "sched_setparam 20 keeps the policy");
    check(getsched(0) == SCHED_FIFO && getparam(0) == 20, "still SCHED_FIFO, now 20", "policy %ld prio %d",
          getsched(0), getparam(0));
    check_eq(setsched(0, SCHED_RR, 10), 0, "root sets SCHED_RR 10");
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    check(ts.tv_sec > 0 || ts.tv_nsec > 0, "SCHED_RR has a time slice", "zero");
    struct attr a;
    memset(&a, 0, sizeof a);
    syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
    check(a.policy == SCHED_RR && a.priority == 10, "sched_getattr of SCHED_RR 10", "policy %u prio %u",
          a.policy, a.priority);
    pid_t pid = fork();
    if (pid == 0)
        _exit(getsched(0) == SCHED_RR && getparam(0) == 10 ? 0 : 1);
    int status;
    waitpid(pid, &status, 0);
    check(exited_with(status, 0), "fork inherits SCHED_RR 10", "status %d", status);
    check_eq(setsched(0, SCHED_FIFO | RESET_ON_FORK, 30), 0, "SCHED_FIFO 30 with SCHED_RESET_ON_FORK");
    check_eq(getsched(0), SCHED_FIFO | RESET_ON_FORK, "sched_getscheduler shows the flag");
    pid = fork();
    if (pid == 0)
        _exit(getsched(0) == SCHED_OTHER && getparam(0) == 0 ? 0 : 1);
    waitpid(pid, &status, 0);
    check(exited_with(status, 0), "with SCHED_RESET_ON_FORK the child starts as SCHED_OTHER", "status %d", status);
    check_eq(setpriority(PRIO_PROCESS, 0, -10), 0, "root lowers its nice value");
    check_eq(setsched(0, SCHED_OTHER, 0), 0, "root goes back to SCHED_OTHER");
    check_eq(getpriority(PRIO_PROCESS, 0), -10, "the nice value set under SCHED_FIFO applies");
    _exit(check_status());
}

/* Pins the caller to the first CPU it may use (so the ordering test means
 * the same on a multi-CPU Linux). */
static bool pin_one_cpu(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return false;
    for (int i = 0; i < CPU_SETSIZE; i++) {
        if (CPU_ISSET(i, &set)) {
            CPU_ZERO(&set);
            CPU_SET(i, &set);
            return sched_setaffinity(0, sizeof set, &set) == 0;
        }
    }
    return false;
}

struct order {
    volatile int seq;
    volatile int fifo_at, other_at;
};

/* The parent runs SCHED_FIFO 60 with SCHED_RESET_ON_FORK on one CPU, so its
 * children (SCHED_OTHER) cannot run until it blocks. It starts the
 * SCHED_OTHER child first, then a second child that it makes SCHED_FIFO 50,
 * and waits: the FIFO child must run first. */
static void ordering_child(void *arg)
{
    (void)arg;
    struct order *o = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (o == MAP_FAILED || !pin_one_cpu())
        _exit(2);
    memset(o, 0, sizeof *o);
    if (setsched(0, SCHED_FIFO | RESET_ON_FORK, 60) != 0)
        _exit(3);
    pid_t other = fork();
    if (other == 0) {
        o->other_at = __atomic_add_fetch(&o->seq, 1, __ATOMIC_SEQ_CST);
        _exit(0);
    }
    pid_t fifo = fork();
    if (fifo == 0) {
        o->fifo_at = __atomic_add_fetch(&o->seq, 1, __ATOMIC_SEQ_CST);
        _exit(0);
    }
    long set = setsched(fifo, SCHED_FIFO, 50);
    int status;
    waitpid(fifo, &status, 0);
    waitpid(other, &status, 0);
    check_eq(set, 0, "the parent makes its second child SCHED_FIFO 50");
    check(o->fifo_at == 1 && o->other_at == 2, "a SCHED_FIFO child runs before an already-runnable SCHED_OTHER one",
          "fifo ran %d-th, other %d-th", o->fifo_at, o->other_at);
    _exit(check_status());
}

static void membarrier_child(void *arg)
{
    (void)arg;
    long mask = syscall(SYS_membarrier, MB_QUERY, 0, 0);
    long want = MB_GLOBAL | MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED | MB_GLOBAL_EXPEDITED |
                MB_REGISTER_GLOBAL_EXPEDITED;
    check(mask >= 0 && (mask & want) == want, "membarrier QUERY lists the commands", "mask %ld", mask);
    check_errno(syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0), EPERM,
                "membarrier PRIVATE_EXPEDITED before registering -> EPERM");
    check_eq(syscall(SYS_membarrier, MB_REGISTER_PRIVATE_EXPEDITED, 0, 0), 0, "membarrier REGISTER_PRIVATE_EXPEDITED");
    check_eq(syscall(SYS_membarrier, MB_PRIVATE_EXPEDITED, 0, 0), 0, "membarrier PRIVATE_EXPEDITED");
    check_eq(syscall(SYS_membarrier, MB_GLOBAL, 0, 0), 0, "membarrier GLOBAL");
    check_eq(syscall(SYS_membarrier, MB_REGISTER_GLOBAL_EXPEDITED, 0, 0), 0, "membarrier REGISTER_GLOBAL_EXPEDITED");
    check_eq(syscall(SYS_membarrier, MB_GLOBAL_EXPEDITED, 0, 0), 0, "membarrier GLOBAL_EXPEDITED");
    check_errno(syscall(SYS_membarrier, MB_GLOBAL, 1, 0), EINVAL, "membarrier with flags -> EINVAL");
    check_errno(syscall(SYS_membarrier, 1 << 20, 0, 0), EINVAL, "membarrier unknown command -> EINVAL");
    _exit(check_status());
}

int main(void)
{
    check_init("t_sched");
    affinity();
    affinity_kept();
    params();
    in_child(attr_child, "sched_setattr in a child");
    in_child(nice_child, "nice values in a child");
    in_child(nonroot_child, "the unprivileged rules in a child");
    in_child(membarrier_child, "membarrier in a child");
    if (is_root()) {
        in_child(rtprio_child, "RLIMIT_RTPRIO and RLIMIT_NICE allowances in a child");
        in_child(root_child, "real-time policies in a child");
        in_child(ordering_child, "the ordering test in a child");
    } else {
        skip("real-time policies and the ordering test", "not root");
    }
    return check_finish();
}
