/* t_fpe.c [MODE]: floating-point exceptions. Each MODE does one thing:
 *
 *   x87          unmasks x87 divide-by-zero, divides by zero, then fwait: must
 *                die by SIGFPE (#MF)
 *   sse          unmasks SSE divide-by-zero in MXCSR, divss by zero: must die
 *                by SIGFPE (#XM). A CPU that completes the division instead
 *                (QEMU's TCG emulates no SIMD exceptions) is reported with
 *                exit status 77: no kernel can cause that, it would get #UD
 *                (SIGILL) without CR4.OSXMMEXCPT
 *   x87-syscall  like x87, with system calls (sleeps, yields) between the
 *                division and the fwait: the exception stays pending through
 *                the kernel and fires at the fwait, in user mode
 *   x87-fork     like x87, with a fork between: the child inherits the
 *                pending exception and dies by SIGFPE at its fwait; then so
 *                does the parent
 *   x87-exec     like x87, then execs `t_fpe masked`: the new image starts
 *                with a clean FPU and exits 0
 *   masked       the default control words (FCW 0x037f, MXCSR 0x1f80): the
 *                divisions give infinity, set the sticky flags, and the
 *                program exits 0 (output protocol)
 *
 * Surviving a mode that must die prints "survived MODE" and exits 0. Without
 * a MODE it runs every mode in a child and checks each outcome; it relays the
 * output of `masked` and `x87-exec`, which it runs with a second argument,
 * --relayed, so they leave the summary line to it. */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Linux's initial x87 control word and MXCSR: every exception masked,
 * round to nearest, 64-bit x87 precision. */
#define FCW_DEFAULT 0x037f
#define MXCSR_DEFAULT 0x1f80
#define FCW_ZM 0x0004   /* x87 divide-by-zero mask */
#define FSW_ZE 0x0004   /* x87 divide-by-zero flag */
#define FSW_ES 0x0080   /* x87 error summary: an unmasked exception is pending */
#define MXCSR_ZE 0x0004 /* SSE divide-by-zero flag */
#define MXCSR_ZM 0x0200 /* SSE divide-by-zero mask */
#define NO_XM_STATUS 77 /* the CPU does not raise #XM: SSE case not testable */

static const double zero_double = 0.0;

static unsigned short x87_control(void)
{
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}

static unsigned short x87_status(void)
{
    unsigned short sw;
    __asm__ volatile("fnstsw %0" : "=m"(sw));
    return sw;
}

static unsigned int mxcsr(void)
{
    unsigned int m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m;
}

/* Clears the x87 divide-by-zero mask and divides 1 by 0 on the x87, without
 * waiting: the exception is left pending (FSW.ES set) until the next waiting
 * x87 instruction. Nothing between this and x87_wait may use the x87. */
static void x87_divide_by_zero_unmasked(void)
{
    unsigned short cw = FCW_DEFAULT & ~FCW_ZM;
    const double *zero = launder((void *)&zero_double);
    __asm__ volatile("fldcw %0\n\t"
                     "fld1\n\t"
                     "fdivl %1"
                     :
                     : "m"(cw), "m"(*zero)
                     : "memory", "st");
}

/* fwait: raises the pending x87 exception, if any. */
static void x87_wait(void)
{
    __asm__ volatile("fwait" ::: "memory");
}

static void die_x87(void)
{
    x87_divide_by_zero_unmasked();
    x87_wait();
}

static void die_sse(void)
{
    unsigned int m = MXCSR_DEFAULT & ~MXCSR_ZM;
    float num = 1.0f, den = *(volatile float *)launder(&(float){ 0.0f });
    __asm__ volatile("ldmxcsr %1\n\t"
                     "divss %2, %0"
                     : "+x"(num)
                     : "m"(m), "x"(den)
                     : "memory");
    unsigned int after = mxcsr();
    if ((after & MXCSR_ZE) && !(after & MXCSR_ZM)) {
        say("t_fpe sse: the CPU did not raise #XM (MXCSR %#x after 1/0 with ZM clear): "
            "SIMD exceptions cannot be tested on it",
            after);
        _exit(NO_XM_STATUS);
    }
}

static void die_x87_syscall(void)
{
    x87_divide_by_zero_unmasked();
    /* Sleeping switches to another thread and back: the kernel saves and
     * restores this FPU state with the exception pending in it. */
    struct timespec ts = { 0, 2 * 1000 * 1000 };
    for (int i = 0; i < 3; i++) {
        nanosleep(&ts, NULL);
        sched_yield();
        (void)getppid();
    }
    x87_wait();
}

static void die_x87_fork(void)
{
    x87_divide_by_zero_unmasked();
    pid_t pid = fork();
    if (pid == 0) {
        x87_wait();
        _exit(0); /* survived: the parent reports it */
    }
    int status = -1;
    if (pid < 0 || wait4(pid, &status, 0, NULL) != pid) {
        say("x87-fork: fork or wait4 failed: %s", strerror(errno));
        _exit(1);
    }
    if (!killed_by(status, SIGFPE)) {
        char text[64];
        say("survived x87-fork child: %s", status_text(status, text, sizeof text));
        _exit(0);
    }
    x87_wait();
}

/* Execs `t_fpe masked` with an x87 exception pending: neither the kernel nor
 * the new image may take it. */
static int x87_exec(const char *argv0, char *relayed)
{
    char path[256];
    self_path(argv0, path, sizeof path);
    char *child_argv[] = { "t_fpe", "masked", relayed, NULL };
    char *envp[] = { NULL };
    x87_divide_by_zero_unmasked();
    execve(path, child_argv, envp);
    say("not ok - exec %s: %s", path, strerror(errno));
    return 1;
}

/* The default (masked) case: nothing traps, results are infinite, the
 * sticky flags record what happened. */
static int masked(bool relayed)
{
    check_init("t_fpe");
    unsigned short cw = x87_control(), sw = x87_status();
    unsigned int m = mxcsr();
    check(cw == FCW_DEFAULT, "the x87 control word starts as 0x037f", "got %#x", cw);
    check(sw == 0, "the x87 status word starts clear", "got %#x", sw);
    check(m == MXCSR_DEFAULT, "MXCSR starts as 0x1f80", "got %#x", m);

    const double *zero = launder((void *)&zero_double);
    double q;
    __asm__ volatile("fld1\n\t"
                     "fdivl %1\n\t"
                     "fstpl %0\n\t"
                     "fwait"
                     : "=m"(q)
                     : "m"(*zero)
                     : "memory");
    sw = x87_status();
    check(isinf(q) && q > 0, "masked x87 1/0 is +infinity", "got %g", q);
    check((sw & FSW_ZE) && !(sw & FSW_ES), "masked x87 1/0 sets ZE, not ES",
          "status word %#x", sw);

    float num = 1.0f, den = *(volatile float *)launder(&(float){ 0.0f });
    __asm__ volatile("divss %1, %0" : "+x"(num) : "x"(den));
    m = mxcsr();
    check(isinf(num) && num > 0, "masked SSE 1/0 is +infinity", "got %g", (double)num);
    check((m & MXCSR_ZE) && (m & MXCSR_ZM), "masked SSE 1/0 sets MXCSR.ZE", "MXCSR %#x", m);
    return relayed ? check_status() : check_finish();
}

static const struct {
    const char *name;
    void (*run)(void);
} deadly[] = {
    { "x87", die_x87 },
    { "sse", die_sse },
    { "x87-syscall", die_x87_syscall },
    { "x87-fork", die_x87_fork },
};

/* Runs every mode in a child and checks how each one ends. */
static int all_modes(const char *argv0)
{
    check_init("t_fpe");
    char path[256];
    self_path(argv0, path, sizeof path);
    char *envp[] = { NULL };
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++) {
        char *argv[] = { "t_fpe", (char *)deadly[i].name, NULL };
        int status = run_relayed(path, argv, envp, NULL);
        if (deadly[i].run == die_sse && exited_with(status, NO_XM_STATUS)) {
            say("skip - t_fpe sse: this CPU does not raise #XM");
            continue;
        }
        char what[64], text[64];
        snprintf(what, sizeof what, "t_fpe %s dies with SIGFPE", deadly[i].name);
        check(killed_by(status, SIGFPE), what, "%s", status_text(status, text, sizeof text));
    }
    const char *const clean[] = { "masked", "x87-exec" };
    for (size_t i = 0; i < sizeof clean / sizeof clean[0]; i++) {
        char *argv[] = { "t_fpe", (char *)clean[i], "--relayed", NULL };
        int status = run_relayed(path, argv, envp, NULL);
        char what[64], text[64];
        snprintf(what, sizeof what, "t_fpe %s exits 0", clean[i]);
        check(exited_with(status, 0), what, "%s", status_text(status, text, sizeof text));
    }
    return check_finish();
}

int main(int argc, char **argv)
{
    if (argc == 1)
        return all_modes(argv[0]);
    bool relayed = argc == 3 && strcmp(argv[2], "--relayed") == 0;
    if (argc == 2 || relayed) {
        if (strcmp(argv[1], "masked") == 0)
            return masked(relayed);
        if (strcmp(argv[1], "x87-exec") == 0)
            return x87_exec(argv[0], relayed ? argv[2] : NULL);
    }
    if (argc == 2) {
        for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++) {
            if (strcmp(argv[1], deadly[i].name) == 0) {
                no_core_dumps();
                deadly[i].run();
                say("survived %s", argv[1]);
                return 0;
            }
        }
    }
    say("usage: t_fpe [x87|sse|x87-syscall|x87-fork|x87-exec|masked [--relayed]]");
    return 2;
}
