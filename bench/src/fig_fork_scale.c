/* fig_fork_scale.c: fork+exit+wait in a bigger process, and beside many other children.
 *
 * fork_mem_<N>m: the parent first maps N MiB of anonymous memory (huge
 * pages declined) and writes to every page, so fork has N MiB of present
 * pages to share copy-on-write; the child exits at once without touching
 * them.
 *
 * fork_children_<N>: the parent first forks N children that block reading
 * a pipe nobody writes to; then fork+exit+wait(that pid) is timed among
 * them. Teardown closes the pipe, so they all see end of file and exit,
 * and reaps them. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "figure.h"

#define PAGE 4096L
#define MIB (1024L * 1024)

static int mem_setup(struct ctx *c)
{
	size_t len = (size_t)c->size * MIB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return fail_errno(c, "mmap of the memory to touch");
	c->buf = p;
	c->len = len;
#ifdef MADV_NOHUGEPAGE
	madvise(p, len, MADV_NOHUGEPAGE);
#endif
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = (char)(off / PAGE);
	return 0;
}

static void mem_teardown(struct ctx *c)
{
	if (c->buf)
		munmap(c->buf, c->len);
	c->buf = NULL;
	c->len = 0;
}

/* A child that waits for end of file on `in`, then exits. */
static void sleeper(int in)
{
	char b;

	while (read(in, &b, 1) > 0)
		;
	_exit(0);
}

/* c->fd is the pipe's write end; c->buf holds the pids (ints) of the
 * c->len children forked so far. */
static int children_setup(struct ctx *c)
{
	int p[2];

	c->buf = malloc((size_t)c->size * sizeof(int));
	if (!c->buf)
		return fail_text(c, "out of memory");
	if (pipe(p) < 0)
		return fail_errno(c, "pipe");
	c->fd = p[1];
	int *pids = (int *)c->buf;
	for (long i = 0; i < c->size; i++) {
		int pid = fork();
		if (pid == 0) {
			close(p[1]);
			sleeper(p[0]);
		}
		if (pid < 0) {
			close(p[0]);
			return fail_errno(c, "fork of a sleeping child");
		}
		pids[i] = pid;
		c->len = (size_t)i + 1;
	}
	close(p[0]);
	return 0;
}

static void children_teardown(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	int *pids = (int *)c->buf;
	for (size_t i = 0; i < c->len; i++)
		wait_child(pids[i]);
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
}

const struct figure fork_scale_figures[] = {
	{ "fork_mem_1m", "us", 0, 1, mem_setup, fork_exit_loop, mem_teardown, 1, NULL },
	{ "fork_mem_16m", "us", 0, 1, mem_setup, fork_exit_loop, mem_teardown, 16, NULL },
	{ "fork_mem_128m", "us", 0, 1, mem_setup, fork_exit_loop, mem_teardown, 128, NULL },
	{ "fork_children_10", "us", 0, 1, children_setup, fork_exit_loop, children_teardown, 10, NULL },
	{ "fork_children_100", "us", 0, 1, children_setup, fork_exit_loop, children_teardown, 100, NULL },
	{ "fork_children_1000", "us", 0, 1, children_setup, fork_exit_loop, children_teardown, 1000, NULL },
	{ 0 },
};
