/* fig_proc.c: processes: fork/exit/wait, fork/exec/wait, pipes and sched_yield switches. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "figure.h"

#define PIPE_CHUNK (64 * 1024)
#define PAGE_SIZE_BYTES 4096

/* Looks for mbench-true beside this program (natively, build/bench/), else
 * at /bin/mbench-true. Whether it runs and exits 0 is checked by every run. */
static int exec_setup(struct ctx *c)
{
	const char *slash = strrchr(self_path, '/');

	c->path[0] = 0;
	if (slash && (size_t)(slash - self_path) + 13 < sizeof c->path) {
		snprintf(c->path, sizeof c->path, "%.*s/mbench-true",
			 (int)(slash - self_path), self_path);
	}
	if (c->path[0] == 0 || access(c->path, X_OK) != 0)
		snprintf(c->path, sizeof c->path, "/bin/mbench-true");
	if (access(c->path, X_OK) != 0)
		return fail_errno(c, c->path);
	return 0;
}

static int exec_run(struct ctx *c, long n, double *ns)
{
	char *argv[] = { "mbench-true", NULL };
	char *envp[] = { NULL };
	return fork_exec_loop(c, n, ns, c->path, argv, envp);
}

/* Closes the descriptors fds[0..count) that are still open (not -1). */
static void close_pipes(int *fds, int count)
{
	for (int i = 0; i < count; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Opens two pipes, p[0],p[1] (parent -> child) and p[2],p[3] (child ->
 * parent), and forks. Returns 0 in the child, which keeps p[0] and p[3];
 * the child's pid in the parent, which keeps p[1] and p[2] (the others are
 * closed and set to -1); or -1 with a reason when it fails. */
static int fork_with_pipes(struct ctx *c, int p[4])
{
	for (int i = 0; i < 4; i++)
		p[i] = -1;
	if (pipe(p) < 0 || pipe(p + 2) < 0) {
		close_pipes(p, 4);
		return fail_errno(c, "pipe");
	}
	int pid = fork();
	if (pid < 0) {
		close_pipes(p, 4);
		return fail_errno(c, "fork");
	}
	if (pid == 0) {
		close(p[1]);
		close(p[2]);
		return 0;
	}
	close(p[0]);
	p[0] = -1;
	close(p[3]);
	p[3] = -1;
	return pid;
}

/* Finishes a figure that forked `pid`: closes the pipes, reaps the child,
 * and turns a failure of the child into a reason. */
static int reap(struct ctx *c, int pid, int p[4], int ok)
{
	close_pipes(p, 4);
	int code = wait_child(pid);
	if (!ok)
		return -1;
	if (code < 0)
		return fail_errno(c, "wait4");
	if (code != 0)
		return fail_text(c, "the child process failed");
	return 0;
}

/* The child bounces every byte from `in` back on `out` until end of file. */
static void echo_child(int in, int out)
{
	char b;

	while (read(in, &b, 1) == 1) {
		if (write(out, &b, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static int pipe_rtt_run(struct ctx *c, long n, double *ns)
{
	int p[4];
	int pid = fork_with_pipes(c, p);
	if (pid < 0)
		return -1;
	if (pid == 0)
		echo_child(p[0], p[3]);
	char b = 'x';
	int ok = 1;
	double t0 = now_ns();
	for (long i = 0; i < n && ok; i++) {
		if (write(p[1], &b, 1) != 1) {
			fail_errno(c, "pipe write");
			ok = 0;
		} else if (read(p[2], &b, 1) != 1) {
			fail_errno(c, "pipe read");
			ok = 0;
		}
	}
	*ns = now_ns() - t0;
	return reap(c, pid, p, ok);
}

/* The child reads `total` bytes, then answers with one byte. */
static void sink_child(int in, int ack, long total)
{
	static char buf[PIPE_CHUNK];

	while (total > 0) {
		ssize_t r = read(in, buf, sizeof buf);
		if (r <= 0)
			_exit(1);
		total -= r;
	}
	if (write(ack, "k", 1) != 1)
		_exit(1);
	_exit(0);
}

static int pipe_bw_setup(struct ctx *c)
{
	c->buf = malloc(PIPE_CHUNK);
	if (!c->buf)
		return fail_text(c, "out of memory");
	memset(c->buf, 'b', PIPE_CHUNK);
	return 0;
}

static void free_buf(struct ctx *c)
{
	free(c->buf);
	c->buf = NULL;
}

static int pipe_bw_run(struct ctx *c, long n, double *ns)
{
	int p[4]; /* p[0],p[1]: data; p[2],p[3]: acknowledgement */
	int pid = fork_with_pipes(c, p);
	if (pid < 0)
		return -1;
	if (pid == 0)
		sink_child(p[0], p[3], n * (long)PIPE_CHUNK);
	int ok = 1;
	char b;
	double t0 = now_ns();
	for (long i = 0; i < n && ok; i++) {
		if (write_all(p[1], c->buf, PIPE_CHUNK) < 0) {
			fail_errno(c, "pipe write");
			ok = 0;
		}
	}
	if (ok && read(p[2], &b, 1) != 1) {
		fail_errno(c, "pipe read of the acknowledgement");
		ok = 0;
	}
	*ns = now_ns() - t0;
	return reap(c, pid, p, ok);
}

/* Yields until the shared counter reaches `t`. Every 4096 yields it checks
 * that `partner` (when above zero) is still alive; returns -1 when it is not
 * (having reaped it) or when sched_yield fails. */
static int wait_turn(struct ctx *c, volatile long *turn, long t, int partner)
{
	long spins = 0;

	while (__atomic_load_n(turn, __ATOMIC_ACQUIRE) != t) {
		if (sched_yield() < 0)
			return fail_errno(c, "sched_yield");
		if (partner > 0 && ++spins % 4096 == 0 && waitpid(partner, NULL, WNOHANG) != 0)
			return fail_text(c, "the other process stopped taking turns");
	}
	return 0;
}

/* Two processes hand the CPU to each other with sched_yield. A counter in a
 * shared page says whose turn it is (even: parent, odd: child); each waits
 * for its turn by yielding, then passes the turn on, so with one CPU every
 * pass is a switch. The first two passes are a warm-up; the clock covers
 * the 2n passes after them. */
static int yield_run(struct ctx *c, long n, double *ns)
{
	long total = 2 * n + 2;
	volatile long *turn = mmap(NULL, PAGE_SIZE_BYTES, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (turn == MAP_FAILED)
		return fail_errno(c, "mmap MAP_SHARED");
	*turn = 0;
	int pid = fork();
	if (pid < 0) {
		munmap((void *)turn, PAGE_SIZE_BYTES);
		return fail_errno(c, "fork");
	}
	if (pid == 0) {
		for (long t = 1; t < total; t += 2) {
			if (wait_turn(c, turn, t, 0) < 0)
				_exit(1);
			__atomic_store_n(turn, t + 1, __ATOMIC_RELEASE);
		}
		_exit(0);
	}
	int ok = 1;
	double t0 = 0;
	for (long t = 0; ok && t < total; t += 2) {
		ok = wait_turn(c, turn, t, pid) == 0;
		if (t == 2)
			t0 = now_ns();
		__atomic_store_n(turn, t + 1, __ATOMIC_RELEASE);
	}
	ok = ok && wait_turn(c, turn, total, pid) == 0;
	*ns = now_ns() - t0;
	munmap((void *)turn, PAGE_SIZE_BYTES);
	if (!ok) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	int code = wait_child(pid);
	if (code < 0)
		return fail_errno(c, "wait4");
	if (code != 0)
		return fail_text(c, "sched_yield failed in the child");
	return 0;
}

const struct figure proc_figures[] = {
	{ "fork_exit_wait", "us", 0, 1, NULL, fork_exit_loop, NULL, 0, NULL },
	{ "fork_exec_wait", "us", 0, 1, exec_setup, exec_run, NULL, 0, NULL },
	{ "pipe_rtt_1b", "us", 0, 1, NULL, pipe_rtt_run, NULL, 0, NULL },
	{ "pipe_bw_64k", "MiB/s", 1, PIPE_CHUNK, pipe_bw_setup, pipe_bw_run, free_buf, 0, NULL },
	{ "ctxsw_yield", "us", 0, 2, NULL, yield_run, NULL, 0, NULL },
	{ 0 },
};
