/* t_pthread_life.c: a thread's life: create, join, detach and return
 * values; N create+join cycles; deferred cancellation at cancellation points
 * with cleanup handlers; __thread variables; thread ids; signals aimed at a
 * thread (pthread_kill, tgkill, raise) or at the process with one thread
 * taking them; execve from a thread; exit and exit_group from a thread while
 * the others block; the main thread leaving first.
 *
 *   t_pthread_life [CYCLES]           all checks (CYCLES defaults to 10000)
 *   t_pthread_life --exec-helper PID  (internal) the image a thread execs
 *
 * Order and causality only: nothing is timed. */
#define _GNU_SOURCE
#include "check.h"
#include "paths.h"
#include "proc.h"
#include "thr.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* futex(2) operations (musl has no <linux/futex.h>). */
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */

static char self[256];

/* ---- create, join, detach ---- */

static void *give_back(void *arg)
{
    return (void *)((long)arg * 2);
}

static void *exit_with(void *arg)
{
    pthread_exit(arg);
}

static volatile int detached_ran;

static void *detached_body(void *arg)
{
    (void)arg;
    thr_set_flag(&detached_ran, 1);
    return NULL;
}

static void create_join(long cycles)
{
    pthread_t t;
    if (thr_start(&t, give_back, (void *)21, "start a thread"))
        check_eq((long)thr_join(t, "join"), 42, "join gets the start routine's return value");
    if (thr_start(&t, exit_with, (void *)1234, "start a thread"))
        check_eq((long)thr_join(t, "join"), 1234, "join gets pthread_exit's value");

    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    int e = pthread_create(&t, &a, detached_body, NULL);
    pthread_attr_destroy(&a);
    if (check_eq(e, 0, "create a detached thread")) {
        thr_wait_flag(&detached_ran);
        check(1, "the detached thread ran", "-");
    }
    if (thr_start(&t, give_back, NULL, "start a thread")) {
        check_eq(pthread_detach(t), 0, "pthread_detach of a running or finished thread");
    }

    long done = 0;
    for (long i = 0; i < cycles; i++) {
        if (pthread_create(&t, NULL, give_back, (void *)i) != 0)
            break;
        void *r;
        if (pthread_join(t, &r) != 0 || (long)r != 2 * i)
            break;
        done++;
    }
    char what[64];
    snprintf(what, sizeof what, "%ld create+join cycles, each value right", cycles);
    check_eq(done, cycles, what);
}

/* ---- cancellation ---- */

static char cleanup_order[8];
static int cleanup_len;

static void cleanup(void *arg)
{
    cleanup_order[cleanup_len++] = (char)(long)arg;
}

static int cancel_pipe[2];
static volatile int cancel_ready;

/* kind 'r': blocks in read of an empty pipe; 's': nanosleep; 't': a loop of
 * pthread_testcancel. Two cleanup handlers, pushed 'a' then 'b'. */
static void *cancellable(void *arg)
{
    long kind = (long)arg;
    pthread_cleanup_push(cleanup, (void *)'a');
    pthread_cleanup_push(cleanup, (void *)'b');
    thr_set_flag(&cancel_ready, 1);
    if (kind == 'r') {
        char c;
        read(cancel_pipe[0], &c, 1);
    } else if (kind == 's') {
        struct timespec ts = { 1000, 0 };
        nanosleep(&ts, NULL);
    } else {
        for (;;) {
            pthread_testcancel();
            sched_yield();
        }
    }
    pthread_cleanup_pop(0);
    pthread_cleanup_pop(0);
    return (void *)1L; /* not reached when cancelled */
}

/* With cancellation disabled, the request waits until it is enabled again. */
static volatile int disabled_go;

static void *cancel_disabled(void *arg)
{
    (void)arg;
    int old;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    thr_set_flag(&cancel_ready, 1);
    thr_wait_flag(&disabled_go);
    pthread_testcancel(); /* ignored: disabled */
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    pthread_testcancel(); /* acts now */
    return (void *)1L;
}

static void cancellation(void)
{
    if (pipe(cancel_pipe) < 0) {
        check(false, "cancel: pipe", "%s", strerror(errno));
        return;
    }
    static const struct {
        long kind;
        const char *what;
    } kinds[] = {
        { 'r', "cancel: a thread blocked in read of an empty pipe ends with PTHREAD_CANCELED" },
        { 's', "cancel: a thread in nanosleep ends with PTHREAD_CANCELED" },
        { 't', "cancel: a thread looping on pthread_testcancel ends with PTHREAD_CANCELED" },
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        pthread_t t;
        cancel_ready = 0;
        cleanup_len = 0;
        memset(cleanup_order, 0, sizeof cleanup_order);
        if (!thr_start(&t, cancellable, (void *)kinds[i].kind, "cancel: start a thread"))
            continue;
        thr_wait_flag(&cancel_ready);
        check_eq(pthread_cancel(t), 0, "cancel: pthread_cancel");
        void *r = thr_join(t, "cancel: join");
        check(r == PTHREAD_CANCELED, kinds[i].what, "joined %p", r);
        check(strcmp(cleanup_order, "ba") == 0, "cancel: cleanup handlers ran, last pushed first",
              "ran \"%s\"", cleanup_order);
    }
    close(cancel_pipe[0]);
    close(cancel_pipe[1]);

    pthread_t t;
    cancel_ready = 0;
    if (thr_start(&t, cancel_disabled, NULL, "cancel: start a thread")) {
        thr_wait_flag(&cancel_ready);
        pthread_cancel(t);
        thr_set_flag(&disabled_go, 1);
        void *r = thr_join(t, "cancel: join");
        check(r == PTHREAD_CANCELED, "cancel: a request made while disabled acts once enabled",
              "joined %p", r);
    }
}

/* ---- TLS ---- */

static __thread long tls_counter = 1000;
static __thread char tls_text[16] = "initialised";
static __thread int tls_zero;

static void *tls_body(void *arg)
{
    long id = (long)arg;
    int fresh = tls_counter == 1000 && strcmp(tls_text, "initialised") == 0 && tls_zero == 0;
    tls_counter = id;
    snprintf(tls_text, sizeof tls_text, "thread %ld", id);
    tls_zero = (int)id;
    for (int i = 0; i < 100; i++)
        sched_yield();
    char want[16];
    snprintf(want, sizeof want, "thread %ld", id);
    int kept = tls_counter == id && strcmp(tls_text, want) == 0 && tls_zero == (int)id;
    return (void *)(long)(fresh + 2 * kept);
}

static void tls(void)
{
    tls_counter = 5;
    strcpy(tls_text, "main");
    pthread_t t[4];
    int n = 0;
    long results = 0;
    for (long i = 0; i < 4; i++)
        n += thr_start(&t[i], tls_body, (void *)(i + 1), "tls: start a thread");
    for (int i = 0; i < n; i++)
        results |= (long)thr_join(t[i], "tls: join") != 3 ? 1L << i : 0;
    check_eq(results, 0, "tls: each thread starts with the initial __thread values and keeps its own");
    check(tls_counter == 5 && strcmp(tls_text, "main") == 0, "tls: the main thread's values are its own",
          "%ld %s", tls_counter, tls_text);
}

/* ---- ids ---- */

static void *ids_body(void *arg)
{
    (void)arg;
    static long out[2];
    out[0] = getpid();
    out[1] = gettid();
    return out;
}

static void ids(void)
{
    check_eq(gettid(), getpid(), "the main thread's tid is the pid");
    pthread_t t;
    if (!thr_start(&t, ids_body, NULL, "ids: start a thread"))
        return;
    long *out = thr_join(t, "ids: join");
    if (!out)
        return;
    check_eq(out[0], getpid(), "getpid in a thread is the process's pid");
    check(out[1] != getpid() && out[1] > 0, "gettid in a thread differs from the pid", "tid %ld", out[1]);
}

/* ---- signals aimed at threads ---- */

static volatile pid_t handled_by;
static volatile int handled_count;

static void record_tid(int sig)
{
    (void)sig;
    handled_by = gettid();
    __atomic_add_fetch(&handled_count, 1, __ATOMIC_SEQ_CST);
}

static volatile pid_t target_tid;
static volatile int target_stop;

/* Waits with SIGUSR1 and SIGUSR2 unblocked until told to stop. */
static void *target_body(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    target_tid = gettid();
    while (!__atomic_load_n(&target_stop, __ATOMIC_ACQUIRE))
        sched_yield();
    return NULL;
}

/* Keeps the signals blocked (inherited) and waits until told to stop. */
static void *bystander_body(void *arg)
{
    (void)arg;
    thr_wait_flag(&target_stop);
    return NULL;
}

/* Raises a signal in itself and returns which thread handled it. */
static void *raiser(void *arg)
{
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    handled_by = 0;
    raise(SIGUSR1);
    return (void *)(long)(handled_by == gettid());
}

static void wait_handled(int count)
{
    while (__atomic_load_n(&handled_count, __ATOMIC_SEQ_CST) < count)
        sched_yield();
}

static void thread_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = record_tid;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    /* Everyone created from here starts with both blocked. */
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, &old);

    pthread_t t;
    if (thr_start(&t, raiser, NULL, "signals: start a raiser"))
        check_eq((long)thr_join(t, "signals: join"), 1, "raise in a thread runs the handler in that thread");

    /* Three bystanders keep both signals blocked; one target does not. */
    pthread_t by[3];
    int nb = 0;
    target_tid = 0;
    target_stop = 0;
    for (int i = 0; i < 3; i++)
        nb += thr_start(&by[i], bystander_body, NULL, "signals: start a bystander");
    if (!thr_start(&t, target_body, NULL, "signals: start the target"))
        goto out;
    while (!__atomic_load_n(&target_tid, __ATOMIC_ACQUIRE))
        sched_yield();
    pid_t tid = target_tid;

    handled_count = 0;
    check_eq(pthread_kill(t, SIGUSR1), 0, "pthread_kill");
    wait_handled(1);
    check_eq(handled_by, tid, "pthread_kill runs the handler in the target thread");

    handled_by = 0;
    check_eq(syscall(SYS_tgkill, getpid(), tid, SIGUSR2), 0, "tgkill");
    wait_handled(2);
    check_eq(handled_by, tid, "tgkill runs the handler in the target thread");

    /* To the process: only the target has it unblocked (main thread included). */
    handled_by = 0;
    check_eq(kill(getpid(), SIGUSR2), 0, "kill to the process");
    wait_handled(3);
    check_eq(handled_by, tid, "a process signal goes to the one thread that does not block it");

    check_eq(pthread_kill(t, 0), 0, "pthread_kill with signal 0 to a live thread");
    check_errno(syscall(SYS_tgkill, getpid(), 999999, 0), ESRCH, "tgkill of a tid that does not exist: ESRCH");
    check_errno(syscall(SYS_tgkill, getpid() + 1000000, tid, 0), ESRCH, "tgkill with the wrong tgid: ESRCH");
    thr_set_flag(&target_stop, 1);
    thr_join(t, "signals: join the target");
out:
    thr_set_flag(&target_stop, 1);
    for (int i = 0; i < nb; i++)
        thr_join(by[i], "signals: join a bystander");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
}

/* ---- execve from a thread ---- */

static void *exec_body(void *arg)
{
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)arg);
    char *argv[] = { self, "--exec-helper", pid, NULL };
    execv(self, argv);
    _exit(99);
}

/* The child process: the main thread blocks in pthread_join while a second
 * thread execs this program, which checks it kept the process's pid. */
static void exec_child(void *arg)
{
    (void)arg;
    pthread_t t;
    if (pthread_create(&t, NULL, exec_body, (void *)(long)getpid()) != 0)
        _exit(98);
    pthread_join(t, NULL);
    _exit(97); /* never: the exec ends this thread */
}

static int exec_helper(const char *pid)
{
    /* The new image runs as the group's pid, with one thread. */
    if (atol(pid) != getpid())
        return 1;
    if (gettid() != getpid())
        return 2;
    return 42;
}

static void exec_from_thread(void)
{
    char buf[64];
    int status = run_in_child(exec_child, NULL);
    check(exited_with(status, 42), "execve from a thread: the new image has the pid, one thread",
          "%s (98: no thread, 1: other pid, 2: tid differs)", status_text(status, buf, sizeof buf));
}

/* ---- exit and exit_group while the others block ---- */

static pthread_mutex_t block_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t block_cv = PTHREAD_COND_INITIALIZER;
static int futex_word;
static volatile int blockers_ready;
static volatile int main_leaving;

static void *block_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&block_lock);
    __atomic_add_fetch(&blockers_ready, 1, __ATOMIC_SEQ_CST);
    while (!futex_word)
        pthread_cond_wait(&block_cv, &block_lock);
    return NULL;
}

static void *block_futex(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&blockers_ready, 1, __ATOMIC_SEQ_CST);
    while (!futex_word)
        syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    return NULL;
}

/* mode 'e': exit(7) from a thread; 'g': the exit_group system call with 9;
 * 'm': the main thread ends with pthread_exit first, then a thread exits 5. */
static void *ender(void *arg)
{
    long mode = (long)arg;
    while (__atomic_load_n(&blockers_ready, __ATOMIC_SEQ_CST) < 3)
        sched_yield();
    if (mode == 'e')
        exit(7);
    if (mode == 'g')
        syscall(SYS_exit_group, 9);
    /* 'm': the main thread has started pthread_exit (it set main_leaving
     * just before); the yields let it finish, but nothing depends on it. */
    thr_wait_flag(&main_leaving);
    for (int i = 0; i < 1000; i++)
        sched_yield();
    exit(5);
}

static void exit_child(void *arg)
{
    pthread_t t;
    blockers_ready = 0;
    if (pthread_create(&t, NULL, block_cond, NULL) != 0 ||
        pthread_create(&t, NULL, block_futex, NULL) != 0 ||
        pthread_create(&t, NULL, block_cond, NULL) != 0 ||
        pthread_create(&t, NULL, ender, arg) != 0)
        _exit(98);
    if ((long)arg == 'm') {
        thr_set_flag(&main_leaving, 1);
        pthread_exit(NULL);
    }
    for (;;)
        pause();
}

static void exits(void)
{
    static const struct {
        long mode;
        int code;
        const char *what;
    } cases[] = {
        { 'e', 7, "exit(7) from a thread while 3 block in cond_wait/futex: the process exits 7" },
        { 'g', 9, "exit_group(9) from a thread while 3 block: the process exits 9" },
        { 'm', 5, "the main thread leaves with pthread_exit, a thread then exits 5" },
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = run_in_child(exit_child, (void *)cases[i].mode);
        check(exited_with(status, cases[i].code), cases[i].what, "%s", status_text(status, buf, sizeof buf));
        check_errno(waitpid(-1, NULL, WNOHANG), ECHILD, "the parent sees one exit only (then ECHILD)");
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--exec-helper") == 0)
        return exec_helper(argv[2]);
    check_init("t_pthread_life");
    self_path(argv[0], self, sizeof self);
    long cycles = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    create_join(cycles);
    cancellation();
    tls();
    ids();
    thread_signals();
    exec_from_thread();
    exits();
    return check_finish();
}
