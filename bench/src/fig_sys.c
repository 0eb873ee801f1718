/* fig_sys.c: single system calls: getppid, 1-byte device I/O, open/close, stat. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "figure.h"

#define MOTD "/etc/motd"

static int getppid_run(struct ctx *c, long n, double *ns)
{
	(void)c;
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		getppid();
	*ns = now_ns() - t0;
	return 0;
}

/* Opens c->path with `flags` into c->fd; a failure makes the figure n/a. */
static int open_path(struct ctx *c, const char *path, int flags)
{
	c->fd = open(path, flags);
	if (c->fd < 0)
		return fail_errno(c, path);
	return 0;
}

static void close_fd(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int zero_setup(struct ctx *c)
{
	return open_path(c, "/dev/zero", O_RDONLY);
}

static int zero_run(struct ctx *c, long n, double *ns)
{
	char b = 1;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (read(c->fd, &b, 1) != 1)
			return fail_errno(c, "read /dev/zero");
	}
	*ns = now_ns() - t0;
	if (b != 0)
		return fail_text(c, "read /dev/zero: the byte read is not zero");
	return 0;
}

static int null_setup(struct ctx *c)
{
	return open_path(c, "/dev/null", O_WRONLY);
}

static int null_run(struct ctx *c, long n, double *ns)
{
	char b = 'x';
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (write(c->fd, &b, 1) != 1)
			return fail_errno(c, "write /dev/null");
	}
	*ns = now_ns() - t0;
	return 0;
}

static int open_close_setup(struct ctx *c)
{
	if (open_path(c, MOTD, O_RDONLY) < 0)
		return -1;
	close_fd(c);
	return 0;
}

static int open_close_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(MOTD, O_RDONLY);
		if (fd < 0)
			return fail_errno(c, "open " MOTD);
		close(fd);
	}
	*ns = now_ns() - t0;
	return 0;
}

static int stat_setup(struct ctx *c)
{
	struct stat st;

	if (stat(MOTD, &st) < 0)
		return fail_errno(c, "stat " MOTD);
	if (!S_ISREG(st.st_mode))
		return fail_text(c, "stat " MOTD ": not a regular file");
	return 0;
}

static int stat_run(struct ctx *c, long n, double *ns)
{
	struct stat st;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (stat(MOTD, &st) < 0)
			return fail_errno(c, "stat " MOTD);
	}
	*ns = now_ns() - t0;
	return 0;
}

const struct figure sys_figures[] = {
	{ "getppid", "us", 0, 1, NULL, getppid_run, NULL, 0, NULL },
	{ "read_zero_1b", "us", 0, 1, zero_setup, zero_run, close_fd, 0, NULL },
	{ "write_null_1b", "us", 0, 1, null_setup, null_run, close_fd, 0, NULL },
	{ "open_close", "us", 0, 1, open_close_setup, open_close_run, NULL, 0, NULL },
	{ "stat", "us", 0, 1, stat_setup, stat_run, NULL, 0, NULL },
	{ 0 },
};
