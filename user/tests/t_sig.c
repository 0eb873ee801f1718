/* t_sig.c: signals without handlers: SIGPIPE on a pipe without readers
 * (default, ignored, blocked then unblocked), kill(2) with default actions,
 * pending signals and sigpending, dispositions across fork and exec,
 * SIGCHLD ignored (children leave no zombies), and sigaltstack(2).
 * Every check also holds on Linux. */
#include "check.h"
#include "sigs.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[256];

/* The kernel's struct sigaction on x86-64 (not libc's). */
struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static long ksigaction(int sig, void (*h)(int), unsigned long flags, unsigned long mask)
{
    struct ksigaction a = { h, flags, NULL, mask };
    return syscall(SYS_rt_sigaction, sig, &a, NULL, 8);
}


/* A pipe whose read end is closed; returns the write end. */
static int broken_pipe(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    close(fds[0]);
    return fds[1];
}

static void write_to_broken_pipe(void *arg)
{
    (void)arg;
    int w = broken_pipe();
    write(w, "x", 1);
    say("not ok - survived a write to a pipe without readers");
}

static void sigpipe_default_kills(void)
{
    int st = run_in_child(write_to_broken_pipe, NULL);
    char t[64];
    check(killed_by(st, SIGPIPE), "a write to a pipe without readers kills the writer with SIGPIPE",
          "%s", status_text(st, t, sizeof t));
}

static void sigpipe_ignored_gives_epipe(void)
{
    ksigaction(SIGPIPE, SIG_IGN, 0, 0);
    int w = broken_pipe();
    long r = write(w, "x", 1);
    check_errno(r, EPIPE, "with SIGPIPE ignored the write fails with EPIPE");
    close(w);
    ksigaction(SIGPIPE, SIG_DFL, 0, 0);
}

static void blocked_then_unblocked(void *arg)
{
    (void)arg;
    set_mask(bit(SIGPIPE));
    int w = broken_pipe();
    long r = write(w, "x", 1);
    int err = errno;
    unsigned long p = pending_set();
    /* Relayed through the exit status: 10 = EPIPE and pending, as wanted. */
    if (r != -1 || err != EPIPE || !(p & bit(SIGPIPE)))
        _exit(1);
    set_mask(0); /* the pending SIGPIPE acts now */
    _exit(2);
}

static void sigpipe_blocked_stays_pending(void)
{
    int st = run_in_child(blocked_then_unblocked, NULL);
    char t[64];
    check(killed_by(st, SIGPIPE),
          "a blocked SIGPIPE leaves EPIPE and a pending signal that kills once unblocked", "%s",
          status_text(st, t, sizeof t));
}

static void pause_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
}

/* Starts a child that waits forever; returns its pid. */
static pid_t sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0)
        pause_forever(NULL);
    return pid;
}

static void kill_default_actions(void)
{
    pid_t c = sleeper();
    check_eq(kill(c, 0), 0, "kill(pid, 0) finds a live child");
    check_eq(kill(c, SIGCHLD), 0, "kill(child, SIGCHLD) is accepted");
    check_eq(kill(c, SIGWINCH), 0, "kill(child, SIGWINCH) is accepted");
    check_errno(kill(c, 65), EINVAL, "kill with signal 65 fails with EINVAL");
    /* The ignored signals did nothing: the child is still there. */
    int st = 0;
    check_eq(waitpid(c, &st, WNOHANG), 0, "signals whose default is to ignore leave the child running");
    check_eq(kill(c, SIGTERM), 0, "kill(child, SIGTERM)");
    pid_t got = waitpid(c, &st, 0);
    char t[64];
    check(got == c && killed_by(st, SIGTERM), "SIGTERM's default action ends the child",
          "got %d, %s", got, status_text(st, t, sizeof t));
    check_errno(kill(c, 0), ESRCH, "kill(0) of a reaped child fails with ESRCH");
    check_eq(kill(-1, 0), 0, "kill(-1, 0) finds someone to signal");
}

static void ignored_pending_is_discarded(void)
{
    set_mask(bit(SIGUSR1));
    kill(getpid(), SIGUSR1);
    check((pending_set() & bit(SIGUSR1)) != 0, "a blocked SIGUSR1 sent to oneself is pending",
          "pending %#lx", pending_set());
    ksigaction(SIGUSR1, SIG_IGN, 0, 0);
    check((pending_set() & bit(SIGUSR1)) == 0, "setting SIGUSR1 to SIG_IGN discards it",
          "pending %#lx", pending_set());
    set_mask(0);
    ksigaction(SIGUSR1, SIG_DFL, 0, 0);
    check_errno(syscall(SYS_rt_sigaction, SIGKILL, &(struct ksigaction){ SIG_IGN, 0, NULL, 0 }, NULL, 8),
                EINVAL, "SIGKILL's action cannot be changed");
    check_errno(syscall(SYS_rt_sigpending, NULL, 16), EINVAL, "rt_sigpending with a 16-byte set: EINVAL");
    check_errno(syscall(SYS_rt_sigprocmask, 7, &(unsigned long){ 0 }, NULL, 8), EINVAL,
                "rt_sigprocmask with an unknown how: EINVAL");
}

static void sigchld_ignored_leaves_no_zombies(void)
{
    ksigaction(SIGCHLD, SIG_IGN, 0, 0);
    pid_t c = fork();
    if (c == 0)
        _exit(5);
    /* wait blocks until the child is gone, then finds nothing to reap. */
    int st;
    check_errno(waitpid(-1, &st, 0), ECHILD, "with SIGCHLD ignored, wait finds no zombie (ECHILD)");
    ksigaction(SIGCHLD, SIG_DFL, 0, 0);
    c = fork();
    if (c == 0)
        _exit(6);
    pid_t got = waitpid(c, &st, 0);
    check(got == c && exited_with(st, 6), "with SIGCHLD at its default, the zombie is reaped",
          "got %d", got);
}

static void child_reports_dispositions(void *arg)
{
    (void)arg;
    struct ksigaction a;
    syscall(SYS_rt_sigaction, SIGINT, NULL, &a, 8);
    unsigned long m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    _exit(a.handler == SIG_IGN && m == bit(SIGUSR2) ? 0 : 1);
}

static void fork_inherits(void)
{
    ksigaction(SIGINT, SIG_IGN, 0, 0);
    set_mask(bit(SIGUSR2));
    int st = run_in_child(child_reports_dispositions, NULL);
    check(exited_with(st, 0), "a child inherits ignored signals and the mask", "status %#x", st);
    set_mask(0);
    ksigaction(SIGINT, SIG_DFL, 0, 0);
}

static void exec_resets(void)
{
    /* A caught signal goes back to its default; an ignored one stays
     * ignored; the mask and the alternate stack: mask kept, stack gone. */
    static char stack[8192];
    stack_t ss = { .ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0 };
    pid_t c = fork();
    if (c == 0) {
        sigaltstack(&ss, NULL);
        ksigaction(SIGUSR1, (void (*)(int))0x1234, 0, 0);
        ksigaction(SIGHUP, SIG_IGN, 0, 0);
        set_mask(bit(SIGUSR2));
        char *argv[] = { self, "--after-exec", NULL };
        execv(self, argv);
        _exit(99);
    }
    int st = 0;
    waitpid(c, &st, 0);
    check(exited_with(st, 0), "execve resets caught signals, keeps ignored ones and the mask, drops the alternate stack",
          "status %#x", st);
}

static int after_exec(void)
{
    struct ksigaction u, h;
    syscall(SYS_rt_sigaction, SIGUSR1, NULL, &u, 8);
    syscall(SYS_rt_sigaction, SIGHUP, NULL, &h, 8);
    unsigned long m = 0;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, 8);
    stack_t old;
    sigaltstack(NULL, &old);
    return u.handler == SIG_DFL && h.handler == SIG_IGN && m == bit(SIGUSR2) && old.ss_flags == SS_DISABLE ? 0 : 1;
}

static void altstack(void)
{
    static char stack[16384];
    stack_t old;
    check_eq(sigaltstack(NULL, &old), 0, "sigaltstack reads the current stack");
    check(old.ss_flags == SS_DISABLE, "there is no alternate stack at first", "flags %d", old.ss_flags);
    stack_t ss = { .ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0 };
    check_eq(sigaltstack(&ss, NULL), 0, "sigaltstack sets a 16 KiB stack");
    sigaltstack(NULL, &old);
    check(old.ss_sp == stack && old.ss_size == sizeof stack && old.ss_flags == 0,
          "sigaltstack reports the stack it was given", "sp %p size %zu flags %d", old.ss_sp,
          old.ss_size, old.ss_flags);
    stack_t small = { .ss_sp = stack, .ss_size = 1024, .ss_flags = 0 };
    check_errno(sigaltstack(&small, NULL), ENOMEM, "a stack below MINSIGSTKSZ: ENOMEM");
    stack_t bad = { .ss_sp = stack, .ss_size = sizeof stack, .ss_flags = 0x40 };
    check_errno(sigaltstack(&bad, NULL), EINVAL, "unknown ss_flags: EINVAL");
    stack_t off = { .ss_flags = SS_DISABLE };
    check_eq(sigaltstack(&off, NULL), 0, "SS_DISABLE turns it off");
    sigaltstack(NULL, &old);
    check(old.ss_flags == SS_DISABLE, "and it reads back as disabled", "flags %d", old.ss_flags);
    check_errno(syscall(SYS_sigaltstack, (void *)8, NULL), EFAULT, "a bad stack_t pointer: EFAULT");
}

int main(int argc, char **argv)
{
    self_path(argv[0], self, sizeof self);
    if (argc > 1 && strcmp(argv[1], "--after-exec") == 0)
        return after_exec();
    check_init("t_sig");
    sigpipe_default_kills();
    sigpipe_ignored_gives_epipe();
    sigpipe_blocked_stays_pending();
    kill_default_actions();
    ignored_pending_is_discarded();
    sigchld_ignored_leaves_no_zombies();
    fork_inherits();
    exec_resets();
    altstack();
    return check_finish();
}
