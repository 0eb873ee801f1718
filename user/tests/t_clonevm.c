/* t_clonevm: processes that share memory (clone's CLONE_VM without
 * CLONE_THREAD) and signal handlers (CLONE_SIGHAND): what one does to the
 * memory or to a disposition the other sees, while ids, pending signals
 * and exit stay each its own; execve and unshare(2) end or refuse the
 * sharing as Linux does.
 *
 * The children run on a stack of their own in the parent's memory and with
 * the parent's thread pointer, so they make raw system calls only and
 * report through shared variables. `t_clonevm --cycles N` makes N sharing
 * children one after another (for the kernel shell's leakcheck). */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

/* futex(2) operations (musl has no <linux/futex.h>). */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)

static char *child_stack;

/* Starts fn(arg) in a new process made with `flags` (plus SIGCHLD) on the
 * shared child stack; returns its pid. */
static pid_t start(int (*fn)(void *), void *arg, int flags, pid_t *ctid)
{
    return clone(fn, child_stack + STACK_SIZE, flags | SIGCHLD, arg, NULL, NULL, ctid);
}

/* Waits for `pid`; its exit code, or -1 if it did not exit normally. */
static int reap(pid_t pid)
{
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

static long raw_getpid(void) { return syscall(SYS_getpid); }

/* ---- Memory ------------------------------------------------------------ */

static volatile long seen_pid;
static volatile unsigned char *volatile child_map;

static int write_and_map(void *arg)
{
    (void)arg;
    seen_pid = raw_getpid();
    void *p = (void *)syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 2;
    ((unsigned char *)p)[100] = 0x5a;
    child_map = p;
    return 0;
}

static void test_shared_memory(void)
{
    seen_pid = 0;
    child_map = NULL;
    pid_t pid = start(write_and_map, NULL, CLONE_VM, NULL);
    if (!check(pid > 0, "clone(CLONE_VM) makes a process", "errno %d", errno))
        return;
    check_eq(reap(pid), 0, "the CLONE_VM child exits 0");
    check(seen_pid == pid && pid != getpid(), "the child has its own pid and wrote it into the parent's memory",
          "seen %ld, child %d, parent %d", seen_pid, pid, getpid());
    check(child_map != NULL && child_map[100] == 0x5a, "a mapping the child made is the parent's too",
          "map %p", (void *)child_map);
    if (child_map)
        check_eq(munmap((void *)child_map, 4096), 0, "the parent unmaps the child's mapping");
}

/* ---- A private futex and the clear-tid word across processes ----------- */

static atomic_int futex_word;

static int wake_parent(void *arg)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)(intptr_t)arg);
    /* Wait until the parent sleeps in FUTEX_WAIT, so the wake has someone
     * to find (yielding; the parent is not runnable meanwhile). */
    for (int i = 0; i < 100000 && stat_state(path) != 'S'; i++)
        syscall(SYS_sched_yield);
    atomic_store(&futex_word, 1);
    syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
    return 0;
}

static int just_exit(void *arg)
{
    (void)arg;
    return 0;
}

static void test_private_futex_and_cleartid(void)
{
    /* A private futex is keyed by the address space: both processes are
     * in one, so the wake finds the wait. */
    atomic_store(&futex_word, 0);
    pid_t pid = start(wake_parent, (void *)(intptr_t)getpid(), CLONE_VM, NULL);
    if (!check(pid > 0, "clone(CLONE_VM) for the futex test", "errno %d", errno))
        return;
    struct timespec limit = {10, 0};
    long r = 0;
    int err = 0;
    while (atomic_load(&futex_word) == 0 && r == 0) {
        r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &limit, 0, 0);
        err = r ? errno : 0;
        if (r && err == EAGAIN)
            r = 0;
    }
    check(atomic_load(&futex_word) == 1 && r == 0, "a private futex wake from a CLONE_VM process wakes the waiter",
          "word %d, ret %ld, errno %d", atomic_load(&futex_word), r, err);
    check_eq(reap(pid), 0, "the waker exits 0");

    /* CLONE_CHILD_SETTID and CLONE_CHILD_CLEARTID: the word is the child's
     * pid, then zero (and woken) when it exits, as another process shares
     * the memory. */
    static volatile pid_t ctid;
    ctid = -1;
    pid = start(just_exit, NULL, CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, (pid_t *)&ctid);
    if (!check(pid > 0, "clone(CLONE_VM|CLONE_CHILD_CLEARTID)", "errno %d", errno))
        return;
    for (int i = 0; i < 1000 && ctid != 0; i++) {
        pid_t v = ctid;
        if (v != 0)
            syscall(SYS_futex, &ctid, FUTEX_WAIT, v, &limit, 0, 0);
    }
    check_eq(ctid, 0, "the child's clear-tid word is zero after it exits");
    check_eq(reap(pid), 0, "the clear-tid child exits 0");
}

/* ---- Signal handlers ------------------------------------------------- */

static atomic_int usr1_runs;
static atomic_long usr1_pid;
static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&usr1_runs, 1);
    atomic_store(&usr1_pid, raw_getpid());
}

static void on_usr2(int sig) { (void)sig; }

/* musl's k_sigaction layout for raw rt_sigaction calls in the children. */
struct ksa {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static volatile long child_result[4];

/* Installs on_usr1 for SIGUSR1 (copying the restorer of the parent's
 * SIGUSR2 action, which musl set), and reads SIGUSR2's handler. */
static int set_and_read(void *arg)
{
    (void)arg;
    struct ksa old2, act;
    if (syscall(SYS_rt_sigaction, SIGUSR2, NULL, &old2, 8))
        return 2;
    child_result[0] = (long)old2.handler;
    act = old2;
    act.handler = on_usr1;
    act.mask = 0;
    if (syscall(SYS_rt_sigaction, SIGUSR1, &act, NULL, 8))
        return 3;
    return 0;
}

/* Waits for SIGUSR1's handler to have run in this process. */
static int wait_for_usr1(void *arg)
{
    (void)arg;
    for (long i = 0; i < 100000000L && atomic_load(&usr1_runs) == 0; i++)
        syscall(SYS_sched_yield);
    return atomic_load(&usr1_runs) == 1 ? 0 : 4;
}

/* unshare(2) results in a sharing child: (CLONE_SIGHAND, CLONE_VM). */
static int try_unshare(void *arg)
{
    (void)arg;
    child_result[0] = syscall(SYS_unshare, CLONE_SIGHAND) ? -errno : 0;
    child_result[1] = syscall(SYS_unshare, CLONE_VM) ? -errno : 0;
    return 0;
}

static const char *self_path;

/* Execs this program with --exit 7. */
static int exec_self(void *arg)
{
    (void)arg;
    char *argv[] = {(char *)self_path, "--exit", "7", NULL};
    char *envp[] = {NULL};
    syscall(SYS_execve, self_path, argv, envp);
    return 5;
}

static void handler_of(int sig, struct sigaction *out) { sigaction(sig, NULL, out); }

static void test_shared_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGUSR1, SIG_DFL);

    /* A disposition the child sets is the parent's; the parent's is the
     * child's. */
    child_result[0] = 0;
    pid_t pid = start(set_and_read, NULL, CLONE_VM | CLONE_SIGHAND, NULL);
    if (!check(pid > 0, "clone(CLONE_VM|CLONE_SIGHAND) makes a process", "errno %d", errno))
        return;
    check_eq(reap(pid), 0, "the handler-sharing child exits 0");
    check(child_result[0] == (long)on_usr2, "the child sees the parent's SIGUSR2 handler", "saw %#lx",
          child_result[0]);
    handler_of(SIGUSR1, &sa);
    check(sa.sa_handler == on_usr1, "the SIGUSR1 handler the child set is the parent's", "handler %p",
          (void *)sa.sa_handler);

    /* Without CLONE_SIGHAND the child's change stays its own. */
    signal(SIGUSR1, SIG_DFL);
    pid = start(set_and_read, NULL, CLONE_VM, NULL);
    check_eq(reap(pid), 0, "the CLONE_VM-only child exits 0");
    handler_of(SIGUSR1, &sa);
    check(sa.sa_handler == SIG_DFL, "without CLONE_SIGHAND the child's sigaction is its own", "handler %p",
          (void *)sa.sa_handler);

    /* A signal sent to the child runs the shared handler in the child
     * alone; SA_RESETHAND resets the action for both. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    atomic_store(&usr1_runs, 0);
    atomic_store(&usr1_pid, 0);
    pid = start(wait_for_usr1, NULL, CLONE_VM | CLONE_SIGHAND, NULL);
    if (!check(pid > 0, "clone(CLONE_VM|CLONE_SIGHAND) for the signal test", "errno %d", errno))
        return;
    check_eq(kill(pid, SIGUSR1), 0, "kill(child, SIGUSR1)");
    check_eq(reap(pid), 0, "the child ran the handler once and exited 0");
    check(atomic_load(&usr1_pid) == pid, "the handler ran in the child", "ran in %ld, child %d",
          atomic_load(&usr1_pid), pid);
    sigset_t pending;
    sigpending(&pending);
    check(!sigismember(&pending, SIGUSR1), "the signal was not the parent's", "pending");
    handler_of(SIGUSR1, &sa);
    check(sa.sa_handler == SIG_DFL, "SA_RESETHAND in the child reset the parent's action", "handler %p",
          (void *)sa.sa_handler);

    /* unshare(2): handlers shared with another process cannot be unshared;
     * memory shared with another process cannot be. */
    pid = start(try_unshare, NULL, CLONE_VM | CLONE_SIGHAND, NULL);
    check_eq(reap(pid), 0, "the unshare child exits 0");
    check_eq(child_result[0], -EINVAL, "unshare(CLONE_SIGHAND) with shared handlers: EINVAL");
    check_eq(child_result[1], -EINVAL, "unshare(CLONE_VM) with shared memory: EINVAL");
    pid = start(try_unshare, NULL, CLONE_VM, NULL);
    check_eq(reap(pid), 0, "the second unshare child exits 0");
    check_eq(child_result[0], 0, "unshare(CLONE_SIGHAND) with handlers of its own: 0");
    check_eq(child_result[1], -EINVAL, "unshare(CLONE_VM) with memory shared: EINVAL");

    /* execve in a child sharing memory and handlers: the parent keeps both. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    static volatile int canary = 1234;
    pid = start(exec_self, NULL, CLONE_VM | CLONE_SIGHAND, NULL);
    check_eq(reap(pid), 7, "the child's execve runs the new program (exit 7)");
    check_eq(canary, 1234, "the parent's memory is intact after the child's execve");
    handler_of(SIGUSR1, &sa);
    check(sa.sa_handler == on_usr1, "the parent's handler stays after the child's execve", "handler %p",
          (void *)sa.sa_handler);
    void *p = malloc(1 << 20);
    check(p != NULL, "the parent still allocates after the child's execve", "malloc");
    free(p);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);
}

/* ---- Rules ------------------------------------------------------------- */

static void test_rules(void)
{
    check_errno(syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0), EINVAL, "CLONE_SIGHAND without CLONE_VM");
}

static int cycles(int n)
{
    int wrong = 0;
    for (int i = 0; i < n; i++) {
        pid_t pid = start(just_exit, NULL, CLONE_VM | CLONE_SIGHAND, NULL);
        if (pid <= 0 || reap(pid) != 0)
            wrong++;
    }
    printf("t_clonevm: %d sharing children, %d wrong\n", n, wrong);
    return wrong != 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--exit") == 0)
        return atoi(argv[2]);
    child_stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (child_stack == MAP_FAILED)
        return 2;
    if (argc == 3 && strcmp(argv[1], "--cycles") == 0)
        return cycles(atoi(argv[2]));
    check_init("t_clonevm");
    self_path = "/proc/self/exe";
    static char exe[256];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        self_path = exe;
    }
    test_shared_memory();
    test_private_futex_and_cleartid();
    test_shared_handlers();
    test_rules();
    return check_finish();
}
