/* fig_mem.c: memory and files: page faults, mmap/munmap, tmpfs bandwidth. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "figure.h"

#define PAGE 4096
#define FAULT_AREA (16L * 1024 * 1024)
#define MAP_SIZE (1L * 1024 * 1024)
#define FILE_SIZE (512L * 1024)

/* Maps a fresh anonymous area and times writing one byte to each page.
 * Huge pages are declined (when the kernel knows the advice) so that every
 * page takes its own 4 KiB fault on both kernels. */
static int fault_run(struct ctx *c, long n, double *ns)
{
	double total = 0;

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, FAULT_AREA, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail_errno(c, "mmap 16 MiB");
#ifdef MADV_NOHUGEPAGE
		madvise(p, FAULT_AREA, MADV_NOHUGEPAGE);
#endif
		volatile char *v = p;
		double t0 = now_ns();
		for (long off = 0; off < FAULT_AREA; off += PAGE)
			v[off] = 1;
		total += now_ns() - t0;
		if (munmap(p, FAULT_AREA) < 0)
			return fail_errno(c, "munmap 16 MiB");
	}
	*ns = total;
	return 0;
}

static int map_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail_errno(c, "mmap 1 MiB");
		if (munmap(p, MAP_SIZE) < 0)
			return fail_errno(c, "munmap 1 MiB");
	}
	*ns = now_ns() - t0;
	return 0;
}

/* Fills the buffer with a pattern that differs from page to page. */
static void fill(char *buf, long len)
{
	for (long i = 0; i < len; i++)
		buf[i] = (char)('a' + (i / PAGE + i) % 26);
}

/* Creates /tmp/mbench-<pid> holding FILE_SIZE bytes of the pattern, and a
 * buffer of the same size. */
static int file_setup(struct ctx *c)
{
	snprintf(c->path, sizeof c->path, "/tmp/mbench-%d", (int)getpid());
	c->fd = open(c->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (c->fd < 0)
		return fail_errno(c, "create a file in /tmp");
	c->buf = malloc(FILE_SIZE);
	if (!c->buf)
		return fail_text(c, "out of memory");
	c->len = FILE_SIZE;
	fill(c->buf, FILE_SIZE);
	if (pwrite_all(c->fd, c->buf, FILE_SIZE, 0) < 0)
		return fail_errno(c, "write to a file in /tmp");
	return 0;
}

static void file_teardown(struct ctx *c)
{
	if (c->fd >= 0) {
		close(c->fd);
		unlink(c->path);
	}
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

/* Overwrites the whole file, in one call, n times. */
static int file_write_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (pwrite_all(c->fd, c->buf, FILE_SIZE, 0) < 0)
			return fail_errno(c, "write to a file in /tmp");
	}
	*ns = now_ns() - t0;
	return 0;
}

/* Reads the whole file, in one call, n times; then checks what was read. */
static int file_read_run(struct ctx *c, long n, double *ns)
{
	memset(c->buf, 0, FILE_SIZE);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (pread_all(c->fd, c->buf, FILE_SIZE, 0) < 0)
			return fail_errno(c, "read from a file in /tmp");
	}
	*ns = now_ns() - t0;
	char *want = malloc(FILE_SIZE);
	if (!want)
		return fail_text(c, "out of memory");
	fill(want, FILE_SIZE);
	int same = memcmp(want, c->buf, FILE_SIZE) == 0;
	free(want);
	if (!same)
		return fail_text(c, "a file in /tmp read back different data");
	return 0;
}

const struct figure mem_figures[] = {
	{ "page_fault_4k", "us", 0, FAULT_AREA / PAGE, NULL, fault_run, NULL, 0, NULL },
	{ "mmap_munmap_1m", "us", 0, 1, NULL, map_run, NULL, 0, NULL },
	{ "tmpfs_write_bw", "MiB/s", 1, FILE_SIZE, file_setup, file_write_run, file_teardown, 0, NULL },
	{ "tmpfs_read_bw", "MiB/s", 1, FILE_SIZE, file_setup, file_read_run, file_teardown, 0, NULL },
	{ 0 },
};
