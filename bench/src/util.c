/* util.c: clock, error reasons and whole-buffer I/O shared by the figures. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "figure.h"

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int fail_errno(struct ctx *c, const char *what)
{
	snprintf(c->why, sizeof c->why, "%s: %s", what, strerror(errno));
	return -1;
}

int fail_text(struct ctx *c, const char *text)
{
	snprintf(c->why, sizeof c->why, "%s", text);
	return -1;
}

enum io_op { OP_WRITE, OP_PWRITE, OP_PREAD };

/* One loop for every whole-buffer transfer: `off` is used by the positional
 * operations and advanced as bytes move. */
static int transfer_all(enum io_op op, int fd, char *p, size_t len, long off)
{
	while (len > 0) {
		ssize_t r;

		switch (op) {
		case OP_WRITE:
			r = write(fd, p, len);
			break;
		case OP_PWRITE:
			r = pwrite(fd, p, len, off);
			break;
		default:
			r = pread(fd, p, len, off);
			break;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EIO;
			return -1;
		}
		p += r;
		off += r;
		len -= (size_t)r;
	}
	return 0;
}

int write_all(int fd, const void *buf, size_t len)
{
	return transfer_all(OP_WRITE, fd, (char *)buf, len, 0);
}

int pwrite_all(int fd, const void *buf, size_t len, long off)
{
	return transfer_all(OP_PWRITE, fd, (char *)buf, len, off);
}

int pread_all(int fd, void *buf, size_t len, long off)
{
	return transfer_all(OP_PREAD, fd, buf, len, off);
}

int wait_child(int pid)
{
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, 0);
		if (r == pid)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r >= 0)
			errno = ECHILD;
		return -1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}
