/* fig_mymem.c: read and write of 1 B, 64 B, 1 KiB, 64 KiB and 512 KiB, on
 * /dev/mymem (Marten's device; on Linux the module in bench/mymem/) and on
 * a 512 KiB file in /tmp. One iteration is one pread or pwrite of the size
 * at offset 0, which must move it all; each figure's line in us per call is
 * followed by its bandwidth line in MiB/s (figure.h: bw_name). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "figure.h"

#define MYMEM "/dev/mymem"
#define SPAN (512L << 10)
#define TMPFS_FILE "/tmp/mbench-rw"

/* The first line of `path` into c->why; 0 if there was one. */
static int reason_from(struct ctx *c, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	char text[100];
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = 0;
	text[strcspn(text, "\n")] = 0;
	snprintf(c->why, sizeof c->why, MYMEM " is missing: %s", text);
	return 0;
}

/* A buffer of c->size bytes with a pattern in it. */
static int alloc_buf(struct ctx *c)
{
	c->buf = malloc((size_t)c->size);
	if (!c->buf)
		return fail_text(c, "out of memory");
	for (long i = 0; i < c->size; i++)
		c->buf[i] = (char)(i * 31 + 7);
	return 0;
}

int mymem_open(struct ctx *c)
{
	c->fd = open(MYMEM, O_RDWR);
	if (c->fd < 0 && errno == ENOENT) {
		/* Why Linux has no device: init could not load the module, or
		 * the image has none because it could not be built. */
		if (reason_from(c, "/tmp/mymem.why") == 0 || reason_from(c, "/etc/mymem.why") == 0)
			return -1;
		return fail_text(c, MYMEM " does not exist");
	}
	if (c->fd < 0)
		return fail_errno(c, "open " MYMEM);
	return 0;
}

static int mymem_setup(struct ctx *c)
{
	if (mymem_open(c) < 0)
		return -1;
	return alloc_buf(c);
}

static int tmpfs_setup(struct ctx *c)
{
	snprintf(c->path, sizeof c->path, "%s", TMPFS_FILE);
	c->fd = open(c->path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (c->fd < 0)
		return fail_errno(c, "create a file in /tmp");
	char *zeros = calloc(1, SPAN);
	if (!zeros)
		return fail_text(c, "out of memory");
	int r = pwrite_all(c->fd, zeros, SPAN, 0);
	free(zeros);
	if (r < 0)
		return fail_errno(c, "fill a file in /tmp");
	return alloc_buf(c);
}

static void teardown(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->path[0])
		unlink(c->path);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

static int read_run(struct ctx *c, long n, double *ns)
{
	size_t len = (size_t)c->size;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (pread(c->fd, c->buf, len, 0) != (ssize_t)len)
			return fail_errno(c, "pread did not return the whole count");
	}
	*ns = now_ns() - t0;
	return 0;
}

static int write_run(struct ctx *c, long n, double *ns)
{
	size_t len = (size_t)c->size;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (pwrite(c->fd, c->buf, len, 0) != (ssize_t)len)
			return fail_errno(c, "pwrite did not write the whole count");
	}
	*ns = now_ns() - t0;
	return 0;
}

#define RW(dev, op, tag, bytes, setup)                                                     \
	{ #dev "_" #op "_" #tag, "us", 0, 1, setup, op##_run, teardown, bytes, \
	  #dev "_" #op "_bw_" #tag }

#define SIZES(dev, op, setup)                                                             \
	RW(dev, op, 1b, 1, setup), RW(dev, op, 64b, 64, setup), RW(dev, op, 1k, 1024, setup), \
		RW(dev, op, 64k, 64L << 10, setup), RW(dev, op, 512k, SPAN, setup)

/* Last in the report, after everything else. */
const struct figure mymem_figures[] = {
	SIZES(mymem, read, mymem_setup),
	SIZES(mymem, write, mymem_setup),
	SIZES(tmpfs, read, tmpfs_setup),
	SIZES(tmpfs, write, tmpfs_setup),
	{ 0 },
};
