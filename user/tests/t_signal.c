/* t_signal.c: signal handlers and what surrounds them: siginfo, masks
 * during a handler, SA_NODEFER, SA_RESETHAND, nested handlers, registers
 * and FPU state kept across a handler, sigaltstack, fault signals with
 * si_code and si_addr (and siglongjmp out), forged rt_sigreturn frames,
 * EINTR versus SA_RESTART for each blocking call, sigsuspend, pause,
 * sigtimedwait, queued real-time signals, SIGCHLD's siginfo, and
 * stop/continue seen by wait4 and waitid. Every check also holds on Linux. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile int order[8];
static volatile int norder;
static siginfo_t last_info;
static sigset_t mask_in_handler;

static void install(int sig, void (*h)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = flags | SA_SIGINFO;
    if (mask)
        sa.sa_mask = *mask;
    else
        sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void reset(int sig)
{
    signal(sig, SIG_DFL);
}

static void record(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    hits++;
    if (norder < 8)
        order[norder++] = sig;
    last_info = *si;
    sigprocmask(SIG_BLOCK, NULL, &mask_in_handler);
}

/* Waits until process `pid` sleeps (state S or T in /proc/PID/stat). */
static int wait_state(pid_t pid, char want)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    for (int i = 0; i < 20000; i++) {
        char s = stat_state(path);
        if (s == want)
            return 0;
        if (s == '?' && access(path, R_OK) != 0)
            return -1;
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    return -1;
}

static void handler_gets_siginfo(void)
{
    hits = 0;
    norder = 0;
    sigset_t extra;
    sigemptyset(&extra);
    sigaddset(&extra, SIGUSR2);
    install(SIGUSR1, record, 0, &extra);
    kill(getpid(), SIGUSR1);
    check(hits == 1, "a handler runs before kill() to oneself returns", "hits %d", (int)hits);
    check(last_info.si_signo == SIGUSR1 && last_info.si_code == SI_USER && last_info.si_pid == getpid() &&
              last_info.si_uid == getuid(),
          "its siginfo says SIGUSR1, SI_USER, the sender's pid and uid", "signo %d code %d pid %d uid %d",
          last_info.si_signo, last_info.si_code, last_info.si_pid, last_info.si_uid);
    check(sigismember(&mask_in_handler, SIGUSR1) && sigismember(&mask_in_handler, SIGUSR2),
          "during the handler the signal and sa_mask are blocked", "%s", "no");
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    check(!sigismember(&now, SIGUSR1) && !sigismember(&now, SIGUSR2), "after it the mask is back", "%s", "no");
    reset(SIGUSR1);
}

static volatile int depth, max_depth, calls;

static void recurse(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (++calls < 3)
        kill(getpid(), sig);
    depth--;
}

static void nodefer_and_nesting(void)
{
    max_depth = 0;
    calls = 0;
    install(SIGUSR1, recurse, SA_NODEFER, NULL);
    kill(getpid(), SIGUSR1);
    check(max_depth == 3, "SA_NODEFER: the handler is interrupted by its own signal", "depth %d", (int)max_depth);
    max_depth = 0;
    calls = 0;
    install(SIGUSR1, recurse, 0, NULL);
    kill(getpid(), SIGUSR1);
    check(max_depth == 1 && calls == 3, "without SA_NODEFER each one waits until the handler returns",
          "depth %d calls %d", (int)max_depth, (int)calls);
    reset(SIGUSR1);
}

static void raise_usr2(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
    kill(getpid(), SIGUSR2);
    if (norder < 8)
        order[norder++] = 100 + sig;
}

static void nested_handlers(void)
{
    norder = 0;
    install(SIGUSR1, raise_usr2, 0, NULL);
    install(SIGUSR2, record, 0, NULL);
    kill(getpid(), SIGUSR1);
    check(norder == 3 && order[0] == SIGUSR1 && order[1] == SIGUSR2 && order[2] == 100 + SIGUSR1,
          "a signal raised in a handler runs its own handler nested inside", "n %d: %d %d %d", (int)norder,
          order[0], order[1], order[2]);
    reset(SIGUSR1);
    reset(SIGUSR2);
}

static void resethand_child(void *arg)
{
    (void)arg;
    install(SIGUSR1, record, SA_RESETHAND, NULL);
    kill(getpid(), SIGUSR1);
    if (hits != 1)
        _exit(3);
    kill(getpid(), SIGUSR1);
    _exit(4);
}

static void resethand(void)
{
    hits = 0;
    int st = run_in_child(resethand_child, NULL);
    check(killed_by(st, SIGUSR1), "SA_RESETHAND: the second SIGUSR1 has the default action", "status %#x", st);
}

static void clobber_fpu(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    unsigned int m = 0x7f80; /* round toward zero, flags clear */
    __asm__ volatile("ldmxcsr %0" ::"m"(m));
    volatile double x = 1.0;
    for (int i = 0; i < 10; i++)
        x = x * 3.7 + 0.1;
    __asm__ volatile("movq $0x1234, %%rbx\n\tmovq $0x5678, %%r12" ::: "rbx", "r12");
    hits++;
}

static void state_kept_across_handler(void)
{
    install(SIGUSR1, clobber_fpu, 0, NULL);
    unsigned int before = 0x1f80 | 0x4000, after = 0; /* round toward +infinity */
    __asm__ volatile("ldmxcsr %0" ::"m"(before));
    volatile double a = 1.0 / 3.0;
    kill(getpid(), SIGUSR1);
    __asm__ volatile("stmxcsr %0" : "=m"(after));
    volatile double b = a * 3.0;
    check(after == before, "MXCSR comes back after the handler changed it", "before %#x after %#x", before, after);
    check(b > 0.99 && b < 1.01, "SSE values survive a handler", "%s", "no");
    unsigned int dflt = 0x1f80;
    __asm__ volatile("ldmxcsr %0" ::"m"(dflt));
    reset(SIGUSR1);
}

static char altstack[64 * 1024] __attribute__((aligned(16)));
static volatile uintptr_t handler_sp;
static volatile int altstack_flags;

static void on_altstack(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    int local;
    handler_sp = (uintptr_t)&local;
    stack_t cur;
    sigaltstack(NULL, &cur);
    altstack_flags = cur.ss_flags;
    stack_t other = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    errno = 0;
    if (sigaltstack(&other, NULL) == -1 && errno == EPERM)
        altstack_flags |= 0x100;
}

static void sigaltstack_runs_handler(void)
{
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    check_eq(sigaltstack(&ss, NULL), 0, "sigaltstack installs a 64 KiB stack");
    install(SIGUSR1, on_altstack, SA_ONSTACK, NULL);
    kill(getpid(), SIGUSR1);
    uintptr_t lo = (uintptr_t)altstack, hi = lo + sizeof altstack;
    check(handler_sp >= lo && handler_sp < hi, "an SA_ONSTACK handler runs on the alternate stack", "sp %#lx",
          (unsigned long)handler_sp);
    check(altstack_flags & SS_ONSTACK, "sigaltstack inside it reports SS_ONSTACK", "flags %#x", altstack_flags);
    check(altstack_flags & 0x100, "changing the stack in use fails with EPERM", "%s", "no");
    stack_t cur;
    sigaltstack(NULL, &cur);
    check(cur.ss_flags == 0, "after the handler the stack is not in use", "flags %#x", cur.ss_flags);
    stack_t off = { .ss_flags = SS_DISABLE };
    sigaltstack(&off, NULL);
    reset(SIGUSR1);
}

static sigjmp_buf jump;
static siginfo_t fault_info;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_info = *si;
    siglongjmp(jump, 1);
}

static void faults_are_caught(void)
{
    install(SIGSEGV, on_fault, 0, NULL);
    install(SIGFPE, on_fault, 0, NULL);
    install(SIGILL, on_fault, 0, NULL);
    install(SIGTRAP, on_fault, 0, NULL);

    volatile char *bad = launder((void *)0x10);
    if (sigsetjmp(jump, 1) == 0) {
        (void)*bad;
        check(0, "reading address 0x10 faults", "%s", "no");
    }
    check(fault_info.si_signo == SIGSEGV && fault_info.si_code == SEGV_MAPERR && fault_info.si_addr == (void *)0x10,
          "SIGSEGV at an unmapped address: SEGV_MAPERR, si_addr is the address, siglongjmp out",
          "signo %d code %d addr %p", fault_info.si_signo, fault_info.si_code, fault_info.si_addr);

    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(jump, 1) == 0) {
        *(volatile char *)launder(ro + 8) = 1;
        check(0, "writing a read-only page faults", "%s", "no");
    }
    check(fault_info.si_code == SEGV_ACCERR && fault_info.si_addr == ro + 8,
          "a write to a read-only page: SEGV_ACCERR at that address", "code %d addr %p", fault_info.si_code,
          fault_info.si_addr);
    munmap(ro, 4096);

    volatile int zero = 0;
    if (sigsetjmp(jump, 1) == 0) {
        volatile int q = 7 / zero;
        (void)q;
    }
    check(fault_info.si_signo == SIGFPE && fault_info.si_code == FPE_INTDIV,
          "integer division by zero: SIGFPE with FPE_INTDIV", "signo %d code %d", fault_info.si_signo,
          fault_info.si_code);

    extern char ud2_here[];
    if (sigsetjmp(jump, 1) == 0)
        __asm__ volatile(".globl ud2_here\nud2_here: ud2");
    check(fault_info.si_signo == SIGILL && fault_info.si_code == ILL_ILLOPN && fault_info.si_addr == ud2_here,
          "ud2: SIGILL with ILL_ILLOPN at the instruction", "signo %d code %d addr %p", fault_info.si_signo,
          fault_info.si_code, fault_info.si_addr);

    /* A shared mapping of a one-page file, touched past its end: SIGBUS. */
    char path[] = "/tmp/t_signal_busXXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0 && ftruncate(fd, 4096) == 0) {
        char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        memset(&fault_info, 0, sizeof fault_info);
        install(SIGBUS, on_fault, 0, NULL);
        if (m != MAP_FAILED && sigsetjmp(jump, 1) == 0)
            (void)*(volatile char *)launder(m + 4096 + 16);
        check(m != MAP_FAILED && fault_info.si_signo == SIGBUS && fault_info.si_code == BUS_ADRERR &&
                  fault_info.si_addr == m + 4096 + 16,
              "a shared file mapping touched past the end of its file: SIGBUS with BUS_ADRERR there",
              "signo %d code %d addr %p", fault_info.si_signo, fault_info.si_code, fault_info.si_addr);
        if (m != MAP_FAILED)
            munmap(m, 2 * 4096);
        reset(SIGBUS);
    } else {
        check(0, "a scratch file for the SIGBUS check", "errno %d", errno);
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }

    if (sigsetjmp(jump, 1) == 0)
        __asm__ volatile("int3");
    check(fault_info.si_signo == SIGTRAP, "int3: SIGTRAP", "signo %d", fault_info.si_signo);

    /* The mask saved by sigsetjmp came back: the next fault is caught too. */
    if (sigsetjmp(jump, 1) == 0)
        (void)*bad;
    check(fault_info.si_signo == SIGSEGV, "after siglongjmp the next fault is caught again", "%s", "no");
    reset(SIGSEGV);
    reset(SIGFPE);
    reset(SIGILL);
    reset(SIGTRAP);
}

/* A forged frame: a stack of zeros with one bad field, then rt_sigreturn. */
static void forged(void *arg)
{
    int which = (int)(intptr_t)arg;
    static unsigned long frame[128] __attribute__((aligned(64)));
    static unsigned char fpu[512] __attribute__((aligned(64)));
    memset(frame, 0, sizeof frame);
    /* frame[0] is where the popped return address was: the ucontext
     * starts at 8 and its sigcontext 40 bytes into it. */
    unsigned long *sc = (unsigned long *)((char *)frame + 8 + 40);
    sc[16] = 0x401000; /* rip */
    sc[15] = (unsigned long)&frame[100]; /* rsp */
    sc[17] = 0x202;
    if (which == 0)
        sc[16] = 0xffffffff80000000UL; /* a kernel rip */
    else if (which == 1)
        sc[15] = 0xffff800000000000UL; /* a kernel rsp */
    else {
        memset(fpu, 0, sizeof fpu);
        uint32_t mx = 0xffff0000u; /* reserved MXCSR bits */
        memcpy(fpu + 24, &mx, 4);
        sc[23] = (unsigned long)fpu; /* fpstate */
    }
    __asm__ volatile("movq %0, %%rsp\n\tmovq $15, %%rax\n\tsyscall" ::"r"(&frame[1]) : "memory");
    _exit(9);
}

static void forged_sigreturn(void)
{
    const char *what[] = { "rt_sigreturn with a kernel RIP kills with SIGSEGV",
                           "rt_sigreturn with a kernel RSP kills with SIGSEGV",
                           "rt_sigreturn with reserved MXCSR bits kills with SIGSEGV" };
    for (int i = 0; i < 3; i++) {
        int st = run_in_child(forged, (void *)(intptr_t)i);
        check(killed_by(st, SIGSEGV), what[i], "status %#x", st);
    }
}

static void nothing(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    hits++;
}

/* Child: blocks in the call `kind`, interrupted by SIGUSR1 from the parent;
 * exits with 0 when it returned -1/EINTR, 1 when it completed (restart).
 * Its handler tells the parent through `notefd` that it ran. */
static int pipefd[2], notefd[2];

static void note(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    hits++;
    write(notefd[1], "n", 1);
}
static void blocked_call(void *arg)
{
    int kind = (int)(intptr_t)arg & 0xff;
    int restart = (int)(intptr_t)arg >> 8;
    hits = 0;
    install(SIGUSR1, note, restart ? SA_RESTART : 0, NULL);
    char c;
    long r = 0;
    struct timespec ts = { 1000, 0 }, rem = { 0, 0 };
    struct pollfd pfd = { pipefd[0], POLLIN, 0 };
    fd_set set;
    switch (kind) {
    case 0:
        r = read(pipefd[0], &c, 1);
        break;
    case 1:
        r = nanosleep(&ts, &rem);
        if (r == -1 && errno == EINTR && !(rem.tv_sec > 0 && rem.tv_sec <= 1000))
            _exit(5);
        break;
    case 2:
        r = poll(&pfd, 1, -1);
        break;
    case 3:
        FD_ZERO(&set);
        FD_SET(pipefd[0], &set);
        r = select(pipefd[0] + 1, &set, NULL, NULL, NULL);
        break;
    case 4:
        r = pause();
        break;
    case 5: {
        pid_t g = fork();
        if (g == 0) {
            read(pipefd[0], &c, 1);
            _exit(0);
        }
        r = waitpid(g, NULL, 0);
        break;
    }
    }
    _exit(r == -1 && errno == EINTR && hits == 1 ? 0 : r >= 0 && hits == 1 ? 1 : 2);
}

static void eintr_and_restart(void)
{
    const char *names[] = { "read(pipe)", "nanosleep", "poll", "select", "pause", "waitpid" };
    /* With SA_RESTART, Linux restarts read and wait but never nanosleep, poll,
     * select or pause (signal(7)). */
    const int restarts[] = { 1, 0, 0, 0, 0, 1 };
    for (int kind = 0; kind < 6; kind++) {
        for (int restart = 0; restart < 2; restart++) {
            if (pipe(pipefd) != 0 || pipe(notefd) != 0)
                return;
            pid_t c = fork();
            if (c == 0)
                blocked_call((void *)(intptr_t)(kind | restart << 8));
            wait_state(c, 'S');
            kill(c, SIGUSR1);
            /* Once the handler ran, give a restarted call something to
             * finish with. */
            char n;
            read(notefd[0], &n, 1);
            write(pipefd[1], "xx", 2);
            int st = 0;
            waitpid(c, &st, 0);
            int want = restart && restarts[kind] ? 1 : 0;
            char what[128];
            snprintf(what, sizeof what, "%s %s", names[kind],
                     want ? "is restarted under SA_RESTART" : restart ? "fails with EINTR even under SA_RESTART"
                                                                  : "fails with EINTR after a handler");
            check(exited_with(st, want), what, "status %#x", st);
            close(pipefd[0]);
            close(pipefd[1]);
            close(notefd[0]);
            close(notefd[1]);
        }
    }
}

static void sigsuspend_and_sigtimedwait(void)
{
    hits = 0;
    install(SIGUSR1, nothing, 0, NULL);
    sigset_t block, old, during;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(getpid(), SIGUSR1);
    check(hits == 0, "a blocked signal waits", "%s", "no");
    sigemptyset(&during);
    int r = sigsuspend(&during);
    check(r == -1 && errno == EINTR && hits == 1, "sigsuspend runs the handler and returns EINTR", "r %d hits %d",
          r, (int)hits);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    check(sigismember(&now, SIGUSR1), "after sigsuspend the old mask is back", "%s", "no");

    sigaddset(&block, SIGUSR2);
    sigprocmask(SIG_BLOCK, &block, NULL);
    kill(getpid(), SIGUSR2);
    siginfo_t si;
    struct timespec zero = { 0, 0 };
    int s = sigtimedwait(&block, &si, &zero);
    check(s == SIGUSR2 && si.si_pid == getpid(), "sigtimedwait takes a pending signal with its siginfo",
          "got %d", s);
    s = sigtimedwait(&block, &si, &zero);
    check(s == -1 && errno == EAGAIN, "with nothing pending it times out: EAGAIN", "got %d", s);

    int rt = SIGRTMIN + 2;
    sigset_t rts;
    sigemptyset(&rts);
    sigaddset(&rts, rt);
    sigprocmask(SIG_BLOCK, &rts, NULL);
    for (int v = 1; v <= 3; v++)
        sigqueue(getpid(), rt, (union sigval){ .sival_int = v * 10 });
    int vals[3] = { 0 };
    for (int i = 0; i < 3; i++) {
        if (sigtimedwait(&rts, &si, &zero) == rt)
            vals[i] = si.si_value.sival_int;
    }
    check(vals[0] == 10 && vals[1] == 20 && vals[2] == 30 && si.si_code == SI_QUEUE,
          "real-time signals queue: three sigqueue values come out in order", "%d %d %d", vals[0], vals[1],
          vals[2]);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR2);
    int n = 0;
    while (sigtimedwait(&block, &si, &zero) == SIGUSR2)
        n++;
    check(n == 1, "a standard signal sent twice while blocked is pending once", "n %d", n);
    check_eq(syscall(SYS_tgkill, getpid(), getpid(), SIGUSR2), 0, "tgkill to oneself");
    check(sigtimedwait(&block, &si, &zero) == SIGUSR2 && si.si_code == SI_TKILL, "its si_code is SI_TKILL", "%s", "no");
    sigprocmask(SIG_SETMASK, &old, NULL);
    reset(SIGUSR1);
}

static void on_child(int sig, siginfo_t *si, void *uc)
{
    record(sig, si, uc);
}

static void sigchld_info(void)
{
    hits = 0;
    install(SIGCHLD, on_child, 0, NULL);
    sigset_t b, old;
    sigemptyset(&b);
    sigaddset(&b, SIGCHLD);
    sigprocmask(SIG_BLOCK, &b, &old);
    pid_t c = fork();
    if (c == 0)
        _exit(7);
    int st;
    waitpid(c, &st, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    check(hits == 1 && last_info.si_signo == SIGCHLD && last_info.si_code == CLD_EXITED && last_info.si_pid == c &&
              last_info.si_status == 7,
          "SIGCHLD's siginfo: CLD_EXITED, the child's pid and exit code", "hits %d code %d pid %d status %d",
          (int)hits, last_info.si_code, last_info.si_pid, last_info.si_status);
    reset(SIGCHLD);
}

static void stop_and_continue(void)
{
    pid_t c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    kill(c, SIGSTOP);
    int st = 0;
    pid_t r = waitpid(c, &st, WUNTRACED);
    check(r == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "SIGSTOP stops a child; WUNTRACED reports it",
          "r %d status %#x", r, st);
    char stat_path[64];
    snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", c);
    char stopped_state = stat_state(stat_path);
    check(stopped_state == 'T', "/proc/PID/stat shows a stopped child as T", "state %c", stopped_state);
    r = waitpid(c, &st, WUNTRACED | WNOHANG);
    check(r == 0, "a stop is reported once", "r %d", r);
    kill(c, SIGCONT);
    r = waitpid(c, &st, WCONTINUED);
    check(r == c && WIFCONTINUED(st), "SIGCONT continues it; WCONTINUED reports it", "r %d status %#x", r, st);
    kill(c, SIGSTOP);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    int w = waitid(P_PID, c, &si, WSTOPPED | WNOWAIT);
    check(w == 0 && si.si_code == CLD_STOPPED && si.si_status == SIGSTOP && si.si_pid == c,
          "waitid WSTOPPED|WNOWAIT: CLD_STOPPED with the signal", "code %d status %d", si.si_code, si.si_status);
    r = waitpid(c, &st, WUNTRACED);
    check(r == c && WIFSTOPPED(st), "WNOWAIT left it to be reported again", "r %d", r);
    kill(c, SIGTERM);
    r = waitpid(c, &st, WNOHANG);
    check(r == 0, "SIGTERM to a stopped child waits until it continues", "r %d", r);
    kill(c, SIGCONT);
    r = waitpid(c, &st, 0);
    check(r == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "once continued it dies of the SIGTERM",
          "status %#x", st);

    /* SIGTSTP stops a child in a group that is not orphaned. */
    c = fork();
    if (c == 0) {
        setpgid(0, 0);
        for (;;)
            pause();
    }
    setpgid(c, c);
    wait_state(c, 'S');
    kill(c, SIGTSTP);
    r = waitpid(c, &st, WUNTRACED);
    check(r == c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP, "SIGTSTP's default action stops", "status %#x", st);
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL ends a stopped child", "status %#x", st);
}

static void sigpipe_handler(void)
{
    hits = 0;
    install(SIGPIPE, nothing, 0, NULL);
    int p[2];
    pipe(p);
    close(p[0]);
    long r = write(p[1], "x", 1);
    check(r == -1 && errno == EPIPE && hits == 1, "a write with no reader runs the SIGPIPE handler, then EPIPE",
          "r %ld hits %d", r, (int)hits);
    close(p[1]);
    reset(SIGPIPE);
}

static void timers_run_handlers(void)
{
    hits = 0;
    install(SIGALRM, record, 0, NULL);
    alarm(1);
    int r = pause();
    check(r == -1 && errno == EINTR && hits == 1 && last_info.si_signo == SIGALRM,
          "alarm: pause returns EINTR after the SIGALRM handler ran", "r %d hits %d", r, (int)hits);

    hits = 0;
    struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
    setitimer(ITIMER_REAL, &it, NULL);
    while (hits < 3)
        pause();
    struct itimerval off = { { 0, 0 }, { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    check(hits >= 3, "a periodic ITIMER_REAL runs its handler again and again", "hits %d", (int)hits);
    reset(SIGALRM);

    hits = 0;
    install(SIGRTMIN, record, 0, NULL);
    timer_t t;
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGRTMIN;
    ev.sigev_value.sival_int = 4242;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) == 0) {
        struct itimerspec ts = { { 0, 0 }, { 0, 10000000 } };
        timer_settime(t, 0, &ts, NULL);
        while (hits == 0)
            pause();
        check(last_info.si_signo == SIGRTMIN && last_info.si_code == SI_TIMER &&
                  last_info.si_value.sival_int == 4242,
              "a POSIX timer's handler gets SI_TIMER and its sigev_value", "signo %d code %d value %d",
              last_info.si_signo, last_info.si_code, last_info.si_value.sival_int);
        timer_delete(t);
    } else {
        check(0, "timer_create", "errno %d", errno);
    }
    reset(SIGRTMIN);

    /* Expirations while the signal is pending are overruns, counted when
     * the process takes it. */
    sigset_t rt, old;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &rt, &old);
    ev.sigev_signo = SIGRTMIN + 1;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t) == 0) {
        struct itimerspec ts = { { 0, 1000000 }, { 0, 1000000 } };
        timer_settime(t, 0, &ts, NULL);
        struct timespec nap = { 0, 30000000 };
        nanosleep(&nap, NULL);
        siginfo_t si;
        struct timespec zero = { 0, 0 };
        int got = sigtimedwait(&rt, &si, &zero);
        int ov = timer_getoverrun(t);
        check(got == SIGRTMIN + 1 && si.si_overrun > 0 && ov == si.si_overrun,
              "a blocked periodic timer: one signal, its si_overrun counts the rest, timer_getoverrun agrees",
              "got %d si_overrun %d getoverrun %d", got, si.si_overrun, ov);
        timer_delete(t);
        /* A signal the timer queued before it went stays pending on some
         * kernels: take it before unblocking. */
        while (sigtimedwait(&rt, &si, &zero) > 0)
            ;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
}

static void abort_child(void *arg)
{
    (void)arg;
    no_core_dumps();
    abort();
}

static void default_core(void)
{
    int st = run_in_child(abort_child, NULL);
    check(killed_by(st, SIGABRT) && !WCOREDUMP(st), "abort() with RLIMIT_CORE 0: killed by SIGABRT, no core flag",
          "status %#x", st);
}

int main(void)
{
    check_init("t_signal");
    handler_gets_siginfo();
    nodefer_and_nesting();
    nested_handlers();
    resethand();
    state_kept_across_handler();
    sigaltstack_runs_handler();
    faults_are_caught();
    forged_sigreturn();
    eintr_and_restart();
    sigsuspend_and_sigtimedwait();
    sigchld_info();
    stop_and_continue();
    sigpipe_handler();
    timers_run_handlers();
    default_core();
    return check_finish();
}
