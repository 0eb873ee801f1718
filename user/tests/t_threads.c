/* t_threads: thread groups as clone(2) makes them: ids, TLS, per-thread
 * signal masks, thread- and process-directed signals, exit and exit_group,
 * execve from a thread, threads with a file table or fs context of their
 * own (clone without CLONE_FILES or CLONE_FS, unshare in one thread), and
 * clone's flag rules. */
#define _GNU_SOURCE
#include "check.h"
#include "thr.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long tid(void) { return syscall(SYS_gettid); }

static __thread int tls_value = 42;
static __thread char tls_buf[64] = "initialised";

struct ids {
    long pid, tid;
    int tls_seen;
    char buf[64];
};

static void *report_ids(void *arg)
{
    struct ids *r = arg;
    r->pid = getpid();
    r->tid = tid();
    r->tls_seen = tls_value;
    tls_value = 7;
    strcpy(r->buf, tls_buf);
    return (void *)0x1234;
}

static void test_ids_and_tls(void)
{
    struct ids r = {0};
    pthread_t t;
    void *ret = NULL;
    check_eq(pthread_create(&t, NULL, report_ids, &r), 0, "pthread_create");
    check_eq(pthread_join(t, &ret), 0, "pthread_join");
    check(ret == (void *)0x1234, "join returns the thread's value", "got %p", ret);
    check_eq(r.pid, getpid(), "getpid is the group's id in a thread");
    check(r.tid != getpid() && r.tid > 0, "a thread has its own tid", "tid %ld pid %d", r.tid, getpid());
    check_eq(tid(), getpid(), "the main thread's tid is the pid");
    check_eq(r.tls_seen, 42, "a new thread sees __thread's initial value");
    check(strcmp(r.buf, "initialised") == 0, "initialised __thread data", "got '%s'", r.buf);
    check_eq(tls_value, 42, "a thread's TLS write does not touch the main thread's");
}

static atomic_int got_sig_tid;
static void on_usr1(int s)
{
    (void)s;
    atomic_store(&got_sig_tid, (int)tid());
}

static atomic_int worker_tid, worker_go;
static void *wait_for_signal(void *arg)
{
    (void)arg;
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
    atomic_store(&worker_tid, (int)tid());
    while (!atomic_load(&worker_go))
        sched_yield();
    while (atomic_load(&got_sig_tid) == 0)
        sched_yield();
    return NULL;
}

static void test_signals(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    /* The main thread blocks SIGUSR1; the worker does not: a signal sent
     * to the process must run the handler in the worker. */
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_t t;
    pthread_create(&t, NULL, wait_for_signal, NULL);
    while (atomic_load(&worker_tid) == 0)
        sched_yield();
    atomic_store(&worker_go, 1);
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    check_eq(atomic_load(&got_sig_tid), atomic_load(&worker_tid),
             "a process-directed signal goes to the thread that does not block it");
    sigset_t pend;
    sigpending(&pend);
    check(!sigismember(&pend, SIGUSR1), "and is no longer pending", "still pending");

    /* tgkill to the main thread (which blocks it): pending for it alone. */
    atomic_store(&got_sig_tid, 0);
    syscall(SYS_tgkill, getpid(), tid(), SIGUSR1);
    sigpending(&pend);
    check(sigismember(&pend, SIGUSR1), "tgkill to a blocking thread leaves it pending", "not pending");
    check_eq(atomic_load(&got_sig_tid), 0, "nobody else ran the handler");
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    check_eq(atomic_load(&got_sig_tid), tid(), "unblocking runs it in the thread it was sent to");

    /* pthread_kill to a thread runs the handler there. */
    atomic_store(&got_sig_tid, 0);
    atomic_store(&worker_tid, 0);
    atomic_store(&worker_go, 0);
    pthread_create(&t, NULL, wait_for_signal, NULL);
    while (atomic_load(&worker_tid) == 0)
        sched_yield();
    atomic_store(&worker_go, 1);
    pthread_kill(t, SIGUSR1);
    pthread_join(t, NULL);
    check_eq(atomic_load(&got_sig_tid), atomic_load(&worker_tid), "pthread_kill runs the handler in that thread");
    signal(SIGUSR1, SIG_DFL);
}

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *exit_group_soon(void *arg)
{
    (void)arg;
    _exit(33);
    return NULL;
}

/* Forks a child in which one thread sleeps and another runs `act`; returns
 * the child's wait status. */
static int child_with_threads(void *(*act)(void *), const char *what)
{
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, sleeper, NULL);
        pthread_create(&b, NULL, act, NULL);
        for (;;)
            pause();
    }
    int st = 0;
    check_eq(waitpid(pid, &st, 0), pid, what);
    return st;
}

static void test_exit_group(void)
{
    int st = child_with_threads(exit_group_soon, "waitpid on a process whose thread called exit_group");
    check(WIFEXITED(st) && WEXITSTATUS(st) == 33, "exit_group's status ends the whole group", "status %#x", st);
}

static void *last_one(void *arg)
{
    int fd = *(int *)arg;
    char c;
    /* Wait until the parent says so; then exit as the last thread. */
    if (read(fd, &c, 1) != 1)
        _exit(99);
    syscall(SYS_exit, 21);
    return NULL;
}

static void test_last_thread_exit(void)
{
    int p[2];
    if (pipe(p) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        pthread_t t;
        pthread_create(&t, NULL, last_one, &p[0]);
        /* The main thread ends alone: the process lives on. */
        syscall(SYS_exit, 5);
    }
    int st = 0;
    /* Poll: the child must not be reported while its thread lives. */
    usleep(10000);
    check_eq(waitpid(pid, &st, WNOHANG), 0, "a process whose main thread exited is not reported while a thread lives");
    if (write(p[1], "x", 1) != 1)
        say("write failed");
    check_eq(waitpid(pid, &st, 0), pid, "reported once its last thread exits");
    check(WIFEXITED(st) && WEXITSTATUS(st) == 21, "with the last thread's exit status", "status %#x", st);
    close(p[0]);
    close(p[1]);
}

static char *self_path;
static void *exec_from_thread(void *arg)
{
    (void)arg;
    char pidbuf[32];
    snprintf(pidbuf, sizeof pidbuf, "%d", getpid());
    execl(self_path, self_path, "--after-exec", pidbuf, (char *)NULL);
    _exit(98);
    return NULL;
}

static void test_exec_from_thread(void)
{
    int st = child_with_threads(exec_from_thread, "waitpid on a process whose thread called execve");
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the new program ran alone with the group's pid and tid", "status %#x",
          st);
}

static atomic_int named_ready, named_done;
static void *named(void *arg)
{
    prctl(PR_SET_NAME, (unsigned long)arg, 0, 0, 0);
    atomic_fetch_add(&named_ready, 1);
    while (!atomic_load(&named_done))
        sched_yield();
    return NULL;
}

/* Reads a whole small file into buf (NUL-terminated); its length or -1. */
static int slurp(const char *path, char *buf, int size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int n = 0, r;
    while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
        n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

static void test_proc_tasks(void)
{
    pthread_t t[3];
    char *names[3] = {"worker-a", "worker-b", "worker-c"};
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, named, names[i]);
    while (atomic_load(&named_ready) < 3)
        sched_yield();
    DIR *d = opendir("/proc/self/task");
    int count = 0, found = 0;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            count++;
            char path[320], buf[4096];
            snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
            if (slurp(path, buf, sizeof buf) > 0)
                for (int i = 0; i < 3; i++)
                    if (strncmp(buf, names[i], strlen(names[i])) == 0)
                        found++;
            snprintf(path, sizeof path, "/proc/self/task/%s/status", e->d_name);
            if (slurp(path, buf, sizeof buf) > 0) {
                char want[300];
                snprintf(want, sizeof want, "\nPid:\t%s\n", e->d_name);
                check(strstr(buf, want) != NULL, "task status names the thread", "%s", e->d_name);
            }
        }
        closedir(d);
    }
    check_eq(count, 4, "/proc/self/task lists every thread");
    check_eq(found, 3, "each thread's comm is its own name");
    /* busybox ps -T shows the threads by name. */
    int p[2];
    if (pipe(p) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            dup2(p[1], 1);
            close(p[0]);
            /* Only the lines of our threads (a busy machine lists many). */
            execl("/bin/busybox", "sh", "-c", "busybox ps -T | busybox grep worker-", (char *)NULL);
            _exit(127);
        }
        close(p[1]);
        char out[16384];
        int n = 0, r;
        while (n < (int)sizeof out - 1 && (r = read(p[0], out + n, sizeof out - 1 - n)) > 0)
            n += r;
        out[n] = 0;
        close(p[0]);
        waitpid(pid, NULL, 0);
        int shown = 0;
        for (int i = 0; i < 3; i++)
            shown += strstr(out, names[i]) != NULL;
        check_eq(shown, 3, "ps -T lists the threads by name");
    }
    /* busybox top -H lists each thread on a line of its own (with the
     * program's command line): ours are four. */
    if (pipe(p) == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            dup2(p[1], 1);
            close(p[0]);
            execl("/bin/busybox", "sh", "-c", "busybox top -b -H -n 1 | busybox grep -c t_threads", (char *)NULL);
            _exit(127);
        }
        close(p[1]);
        char out[64] = { 0 };
        if (read(p[0], out, sizeof out - 1) < 0)
            out[0] = 0;
        close(p[0]);
        waitpid(pid, NULL, 0);
        check(atoi(out) >= 4, "top -H shows each thread", "%s lines", out);
    }
    atomic_store(&named_done, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
}

/* clone without CLONE_VM: a new process; returns like fork. */
static long raw_clone(unsigned long flags)
{
    return syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
}

/* In a child: unshares its file table if asked (exit 3 if it cannot),
 * opens a file, writes the descriptor's number to `out`, then sleeps. */
static void open_and_report(int out, int unshare_first)
{
    if (unshare_first && unshare(CLONE_FILES) != 0)
        _exit(3);
    int fd = open("/proc/self/stat", O_RDONLY);
    char c = (char)fd;
    if (write(out, &c, 1) != 1)
        _exit(2);
    pause();
    _exit(0);
}

static void test_shared_files_and_fs(void)
{
    /* CLONE_FILES: a descriptor the child opens is the parent's too. */
    int p[2];
    if (pipe(p) != 0)
        return;
    long pid = raw_clone(CLONE_FILES);
    if (pid == 0) {
        int fd = open("/proc/self/stat", O_RDONLY);
        char c = (char)fd;
        if (write(p[1], &c, 1) != 1)
            _exit(2);
        _exit(0);
    }
    char got = -1;
    if (read(p[0], &got, 1) != 1)
        got = -1;
    waitpid(pid, NULL, 0);
    check(got >= 0 && fcntl(got, F_GETFD) >= 0, "CLONE_FILES: the child's new descriptor is open in the parent",
          "fd %d", got);
    if (got >= 0)
        close(got);
    /* Without it, the child's table is a copy. */
    pid = raw_clone(0);
    if (pid == 0)
        open_and_report(p[1], 0);
    if (read(p[0], &got, 1) != 1)
        got = -1;
    check(got >= 0 && fcntl(got, F_GETFD) < 0, "without CLONE_FILES the parent does not see it", "fd %d", got);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* unshare(CLONE_FILES) in a CLONE_FILES child: its opens are its own. */
    pid = raw_clone(CLONE_FILES);
    if (pid == 0)
        open_and_report(p[1], 1);
    if (read(p[0], &got, 1) != 1)
        got = -1;
    check(got >= 0 && fcntl(got, F_GETFD) < 0, "unshare(CLONE_FILES) gives the child a table of its own", "fd %d", got);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);

    /* CLONE_FS: the child's chdir and umask are the parent's. */
    char before[256];
    if (!getcwd(before, sizeof before))
        return;
    mode_t old = umask(022);
    pid = raw_clone(CLONE_FS);
    if (pid == 0) {
        umask(077);
        _exit(chdir("/proc") == 0 ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    char after[256];
    check(getcwd(after, sizeof after) && strcmp(after, "/proc") == 0, "CLONE_FS: the child's chdir moves the parent",
          "cwd %s", after);
    mode_t now = umask(old);
    check_eq(now, 077, "CLONE_FS: the child's umask is the parent's");
    if (chdir(before) != 0)
        say("chdir back failed");
}

/* Yields until thread `tid` of this process is gone from /proc (after its
 * exit let go of everything: its file table, fs context, undo list). */
static void wait_task_gone(int tid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d", tid);
    while (access(path, F_OK) == 0)
        sched_yield();
}

/* What a thread cloned without CLONE_FILES sees and does. */
struct files_probe {
    int before, after; /* the group's descriptors: opened before and after the clone */
    volatile int ready, go;
    int opened, saw_before, closed_before, saw_after;
};

static int own_files_body(void *arg)
{
    struct files_probe *r = arg;
    r->saw_before = fcntl(r->before, F_GETFD) >= 0;
    r->opened = open("/proc/self/stat", O_RDONLY);
    r->closed_before = close(r->before) == 0;
    thr_set_flag(&r->ready, 1);
    thr_wait_flag(&r->go);
    r->saw_after = fcntl(r->after, F_GETFD) >= 0;
    return 0;
}

static void test_thread_own_files(void)
{
    struct files_probe r = {0};
    int p[2];
    r.before = open("/proc/self/stat", O_RDONLY);
    if (r.before < 0 || pipe(p) != 0)
        return;
    struct thr_raw t;
    if (!thr_raw_start(&t, own_files_body, &r, CLONE_FS | CLONE_SYSVSEM, "clone a thread without CLONE_FILES"))
        return;
    /* The write end stays open in the thread's copy of the table. */
    close(p[1]);
    thr_wait_flag(&r.ready);
    check(r.saw_before, "a thread without CLONE_FILES starts with a copy of the table", "fd %d not open", r.before);
    check(r.opened >= 0 && fcntl(r.opened, F_GETFD) < 0, "a descriptor it opens is not the group's", "fd %d",
          r.opened);
    check(r.closed_before && fcntl(r.before, F_GETFD) >= 0, "its close leaves the group's descriptor open",
          "closed %d", r.closed_before);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    char c;
    check_errno(read(p[0], &c, 1), EAGAIN, "its copy holds the pipe's write end the group closed");
    int tmp = open("/proc/self/stat", O_RDONLY);
    r.after = fcntl(tmp, F_DUPFD, 100);
    close(tmp);
    thr_set_flag(&r.go, 1);
    int tid = t.tid;
    thr_raw_join(&t);
    check(!r.saw_after, "a descriptor the group opens after the clone is not the thread's", "fd %d", r.after);
    wait_task_gone(tid);
    check_eq(read(p[0], &c, 1), 0, "its exit closed its table (the pipe's last writer went)");
    close(p[0]);
    close(r.before);
    close(r.after);
}

/* What a thread cloned without CLONE_FS sees and does. */
struct fs_probe {
    volatile int ready, go;
    char cwd[256];
    int umask_at_start, umask_later;
};

static int own_fs_body(void *arg)
{
    struct fs_probe *r = arg;
    r->umask_at_start = umask(077);
    if (chdir("/proc") != 0 || !getcwd(r->cwd, sizeof r->cwd))
        r->cwd[0] = 0;
    thr_set_flag(&r->ready, 1);
    thr_wait_flag(&r->go);
    r->umask_later = umask(077);
    return 0;
}

/* readlink into buf (NUL-terminated); "" on failure. */
static const char *link_text(const char *path, char *buf, size_t size)
{
    ssize_t n = readlink(path, buf, size - 1);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

static void test_thread_own_fs(void)
{
    struct fs_probe r = {0};
    char before[256], now[256], link[256], path[64];
    if (!getcwd(before, sizeof before))
        return;
    mode_t old = umask(022);
    struct thr_raw t;
    if (!thr_raw_start(&t, own_fs_body, &r, CLONE_FILES | CLONE_SYSVSEM, "clone a thread without CLONE_FS"))
        return;
    thr_wait_flag(&r.ready);
    check(strcmp(r.cwd, "/proc") == 0, "a thread without CLONE_FS can chdir", "cwd '%s'", r.cwd);
    check(getcwd(now, sizeof now) && strcmp(now, before) == 0, "its chdir does not move the group", "cwd %s", now);
    check_eq(umask(027), 022, "its umask does not change the group's");
    check_eq(r.umask_at_start, 022, "it starts with a copy of the caller's umask");
    snprintf(path, sizeof path, "/proc/self/task/%d/cwd", t.tid);
    check(strcmp(link_text(path, link, sizeof link), "/proc") == 0, "/proc/PID/task/TID/cwd is the thread's",
          "'%s'", link);
    check(strcmp(link_text("/proc/self/cwd", link, sizeof link), before) == 0, "/proc/PID/cwd is the group's",
          "'%s'", link);
    thr_set_flag(&r.go, 1);
    thr_raw_join(&t);
    check_eq(r.umask_later, 077, "the group's umask does not reach the thread");
    umask(old);
}

/* A pthread that unshares its file table and fs context. */
struct unshare_probe {
    int before, r, saw_before, opened;
    volatile int ready, go;
};

static void *unshare_body(void *arg)
{
    struct unshare_probe *u = arg;
    u->r = unshare(CLONE_FILES | CLONE_FS);
    u->saw_before = fcntl(u->before, F_GETFD) >= 0;
    close(u->before);
    int fd = open("/proc/self/stat", O_RDONLY);
    u->opened = fcntl(fd, F_DUPFD, 200);
    close(fd);
    umask(077);
    if (chdir("/proc") != 0)
        u->r = -2;
    thr_set_flag(&u->ready, 1);
    thr_wait_flag(&u->go);
    close(u->opened);
    return NULL;
}

static void test_unshare_in_thread(void)
{
    struct unshare_probe u = {0};
    char before[256], now[256];
    if (!getcwd(before, sizeof before))
        return;
    mode_t old = umask(022);
    u.before = open("/proc/self/stat", O_RDONLY);
    pthread_t t;
    if (!thr_start(&t, unshare_body, &u, "pthread_create for unshare"))
        return;
    thr_wait_flag(&u.ready);
    check_eq(u.r, 0, "unshare(CLONE_FILES|CLONE_FS) in one thread of two");
    check(u.saw_before, "its new table is a copy", "fd %d", u.before);
    check(fcntl(u.before, F_GETFD) >= 0, "its close after unshare leaves the group's descriptor", "closed");
    check(u.opened >= 0 && fcntl(u.opened, F_GETFD) < 0, "what it opens after unshare is its own", "fd %d",
          u.opened);
    check(getcwd(now, sizeof now) && strcmp(now, before) == 0, "its chdir after unshare does not move the group",
          "cwd %s", now);
    check_eq(umask(022), 022, "nor does its umask");
    thr_set_flag(&u.go, 1);
    thr_join(t, "join the unsharing thread");
    close(u.before);
    umask(old);
}

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int readable_now(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN);
}

static void test_pidfds(void)
{
    /* clone(CLONE_PIDFD): the parent gets a descriptor for the child. */
    int pidfd = -1;
    long pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
    if (pid == 0) {
        for (;;)
            pause();
    }
    if (!check(pid > 0 && pidfd >= 0, "clone(CLONE_PIDFD) gives a pidfd", "pid %ld fd %d errno %d", pid, pidfd, errno))
        return;
    check(fcntl(pidfd, F_GETFD) == FD_CLOEXEC, "the pidfd is close-on-exec", "flags %d", fcntl(pidfd, F_GETFD));
    check(!readable_now(pidfd), "a live process's pidfd is not readable", "readable");
    check_errno(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 1 << 20), EINVAL, "pidfd_send_signal with an unknown flag");
    check_eq(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0), 0, "pidfd_send_signal(SIGKILL)");
    struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
    check_eq(poll(&pfd, 1, -1), 1, "poll wakes when the process ends");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    check_eq(waitid(P_PIDFD, pidfd, &si, WEXITED), 0, "waitid(P_PIDFD) reaps it");
    check(si.si_pid == pid && si.si_code == CLD_KILLED && si.si_status == SIGKILL, "waitid reports the kill",
          "pid %d code %d status %d", si.si_pid, si.si_code, si.si_status);
    check_errno(syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0), ESRCH, "pidfd_send_signal after the end");
    close(pidfd);

    /* pidfd_open. */
    int me = syscall(SYS_pidfd_open, getpid(), 0);
    check(me >= 0 && fcntl(me, F_GETFD) == FD_CLOEXEC, "pidfd_open(self)", "fd %d errno %d", me, errno);
    check_eq(syscall(SYS_pidfd_send_signal, me, 0, NULL, 0), 0, "signal 0 through a pidfd checks only");
    if (me >= 0)
        close(me);
    check_errno(syscall(SYS_pidfd_open, getpid(), 1), EINVAL, "pidfd_open with an unknown flag");
    check_errno(syscall(SYS_pidfd_open, 0, 0), EINVAL, "pidfd_open(0)");
    int p[2];
    if (pipe(p) == 0) {
        check_errno(syscall(SYS_pidfd_send_signal, p[0], SIGTERM, NULL, 0), EBADF, "pidfd_send_signal on a pipe");
        close(p[0]);
        close(p[1]);
    }

    /* clone3 with CLONE_PIDFD and an exit signal. */
    struct {
        unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
    } args;
    memset(&args, 0, sizeof args);
    int fd3 = -1;
    args.flags = CLONE_PIDFD;
    args.pidfd = (unsigned long long)(unsigned long)&fd3;
    args.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0)
        _exit(4);
    if (check(pid > 0 && fd3 >= 0, "clone3(CLONE_PIDFD)", "pid %ld fd %d errno %d", pid, fd3, errno)) {
        memset(&si, 0, sizeof si);
        waitid(P_PIDFD, fd3, &si, WEXITED);
        check(si.si_code == CLD_EXITED && si.si_status == 4, "clone3's child exits 4", "code %d status %d", si.si_code,
              si.si_status);
        close(fd3);
    }
    args.flags = 0;
    args.exit_signal = 65;
    check_errno(syscall(SYS_clone3, &args, sizeof args), EINVAL, "clone3 with an exit signal past 64");
    check_errno(syscall(SYS_clone3, &args, 32), EINVAL, "clone3 with a struct too small");
}

static void test_clone_flags(void)
{
    /* clone(2)'s own rules. */
    check_errno(syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0), EINVAL, "CLONE_THREAD without CLONE_SIGHAND");
    check_errno(syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0), EINVAL, "CLONE_SIGHAND without CLONE_VM");
    check_errno(syscall(SYS_clone, CLONE_NEWNS | CLONE_FS, 0, 0, 0, 0), EINVAL, "CLONE_NEWNS with CLONE_FS");
    check_errno(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID, 0, 0, 0, 0), EINVAL,
                "CLONE_PIDFD with CLONE_PARENT_SETTID in clone(2)");
}

static void *block_forever(void *arg)
{
    /* Sleeps in a futex wait (pthread_cond_wait) or in pause. */
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    if (arg) {
        pthread_mutex_lock(&m);
        for (;;)
            pthread_cond_wait(&c, &m);
    }
    for (;;)
        pause();
    return NULL;
}

/* `t_threads --exits N [T]`: N processes each exit (exit_group) while T
 * (3) threads of theirs are alive and asleep; run under the kernel shell's
 * leakcheck, which compares every frame count before and after. */
static int exits_with_live_threads(int n, int nthreads)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t t;
            for (int k = 0; k < nthreads; k++)
                if (pthread_create(&t, NULL, block_forever, k == 0 ? (void *)1 : NULL) != 0)
                    _exit(2);
            /* Let them reach their sleep, sometimes. */
            if (i % 2)
                sched_yield();
            exit(7);
        }
        int st = 0;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
            bad++;
    }
    printf("t_threads: %d exits with live threads, %d wrong\n", n, bad);
    return bad != 0;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--exits") == 0)
        return exits_with_live_threads(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 3);
    if (argc == 3 && strcmp(argv[1], "--after-exec") == 0) {
        /* After execve from a thread: alone, with the old group's id. */
        long want = atol(argv[2]);
        int ok = getpid() == want && tid() == want;
        return ok ? 0 : 1;
    }
    self_path = argv[0];
    check_init("t_threads");
    test_ids_and_tls();
    test_signals();
    test_exit_group();
    test_last_thread_exit();
    test_exec_from_thread();
    test_proc_tasks();
    test_shared_files_and_fs();
    test_thread_own_files();
    test_thread_own_fs();
    test_unshare_in_thread();
    test_pidfds();
    test_clone_flags();
    return check_finish();
}
