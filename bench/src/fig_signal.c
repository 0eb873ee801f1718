/* fig_signal.c: signal delivery: kill to self with a handler, and a SIGUSR1 ping-pong. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "figure.h"

/* Counts the SIGUSR1s this process has handled; a SIGCHLD says the other
 * process of the ping-pong is gone. */
static volatile sig_atomic_t usr1_seen;
static volatile sig_atomic_t child_gone;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

static void on_chld(int sig)
{
	(void)sig;
	child_gone = 1;
}

/* Installs `fn` for `sig` (no flags: no SA_RESTART, no SA_NODEFER), keeping
 * the old action in *old. */
static int install(struct ctx *c, int sig, void (*fn)(int), struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, old) < 0)
		return fail_errno(c, "sigaction");
	return 0;
}

/* One iteration: kill(getpid(), SIGUSR1) with SIGUSR1 unblocked and a
 * handler installed. The signal is delivered on the way out of kill: the
 * kernel builds the signal frame, the handler runs, rt_sigreturn restores
 * the state and kill returns. */
static int self_run(struct ctx *c, long n, double *ns)
{
	struct sigaction old;
	pid_t me = getpid();

	if (install(c, SIGUSR1, on_usr1, &old) < 0)
		return -1;
	usr1_seen = 0;
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		kill(me, SIGUSR1);
	*ns = now_ns() - t0;
	sigaction(SIGUSR1, &old, NULL);
	if (usr1_seen != n)
		return fail_text(c, "the handler did not run once per kill");
	return 0;
}

/* Waits in sigsuspend (with `mask`, which lets SIGUSR1 and SIGCHLD in) until
 * the handler has counted `want` SIGUSR1s. Returns -1 when the child is
 * gone (`watch_child`) or sigsuspend fails other than with EINTR. */
static int wait_usr1(sig_atomic_t want, const sigset_t *mask, int watch_child)
{
	while (usr1_seen < want) {
		if (watch_child && child_gone)
			return -1;
		if (sigsuspend(mask) < 0 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* The child: answers each SIGUSR1 with one to its parent, `rounds` times. */
static void pong_child(long rounds, const sigset_t *mask)
{
	pid_t parent = getppid();

	for (long i = 1; i <= rounds; i++) {
		if (wait_usr1((sig_atomic_t)i, mask, 0) < 0)
			_exit(1);
		if (kill(parent, SIGUSR1) < 0)
			_exit(1);
	}
	_exit(0);
}

/* Two processes bounce SIGUSR1: both keep it blocked outside sigsuspend, so
 * a signal that arrives early waits pending; each round is kill, then
 * sigsuspend until the handler has run, on both sides. One warm-up round
 * (the child's first run) is not timed. A SIGCHLD handler ends the wait
 * when the child dies. */
static int pingpong_run(struct ctx *c, long n, double *ns)
{
	struct sigaction old_usr1, old_chld;
	sigset_t block, saved, mask;
	int ok = 1;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, &saved) < 0)
		return fail_errno(c, "sigprocmask");
	mask = saved;
	sigdelset(&mask, SIGUSR1);
	sigdelset(&mask, SIGCHLD);
	if (install(c, SIGUSR1, on_usr1, &old_usr1) < 0) {
		sigprocmask(SIG_SETMASK, &saved, NULL);
		return -1;
	}
	if (install(c, SIGCHLD, on_chld, &old_chld) < 0) {
		sigaction(SIGUSR1, &old_usr1, NULL);
		sigprocmask(SIG_SETMASK, &saved, NULL);
		return -1;
	}
	usr1_seen = 0;
	child_gone = 0;
	pid_t pid = fork();
	if (pid == 0)
		pong_child(n + 1, &mask);
	if (pid < 0) {
		fail_errno(c, "fork");
		ok = 0;
	}
	double t0 = 0;
	for (long i = 0; ok && i <= n; i++) {
		if (i == 1)
			t0 = now_ns();
		if (kill(pid, SIGUSR1) < 0) {
			fail_errno(c, "kill");
			ok = 0;
		} else if (wait_usr1((sig_atomic_t)(i + 1), &mask, 1) < 0) {
			fail_text(c, "the other process stopped answering");
			ok = 0;
		}
	}
	*ns = now_ns() - t0;
	int code = 0;
	if (pid > 0) {
		if (!ok)
			kill(pid, SIGKILL);
		code = wait_child(pid);
	}
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGUSR1, &old_usr1, NULL);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	if (!ok)
		return -1;
	if (code < 0)
		return fail_errno(c, "wait4");
	if (code != 0)
		return fail_text(c, "the child process failed");
	return 0;
}

const struct figure signal_figures[] = {
	{ "signal_self", "us", 0, 1, NULL, self_run, NULL, 0, NULL },
	{ "signal_pingpong", "us", 0, 1, NULL, pingpong_run, NULL, 0, NULL },
	{ 0 },
};
