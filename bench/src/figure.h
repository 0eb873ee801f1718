/* figure.h: what one benchmark figure is, and helpers the figures share. */
#ifndef MBENCH_FIGURE_H
#define MBENCH_FIGURE_H

#include <stddef.h>

/* Per-figure state. `why` holds the reason a figure cannot run (it becomes
 * the text after "n/a"); it is empty while all is well. The other fields are
 * owned by whichever figure is running: setup fills them, teardown releases
 * them, and nothing else reads them. */
struct ctx {
	char why[160];
	int fd;
	char *buf;
	size_t len;
	char path[64];
};

/* One figure. `run` performs `n` iterations of the operation and stores the
 * elapsed time of the timed part in *ns; it returns 0, or -1 after setting
 * ctx->why. `work` is how much one iteration does: operations for "us"
 * figures (the result is microseconds per operation), bytes for "MiB/s"
 * figures. setup and teardown may be NULL. */
struct figure {
	const char *name;
	const char *unit;
	int higher_is_better;
	double work;
	int (*setup)(struct ctx *c);
	int (*run)(struct ctx *c, long n, double *ns);
	void (*teardown)(struct ctx *c);
};

/* The figure tables of each source file, ending with a zeroed entry. */
extern const struct figure sys_figures[];
extern const struct figure proc_figures[];
extern const struct figure mem_figures[];
extern const struct figure mymem_figures[];

/* The program's own argv[0], for finding /bin/mbench-true beside it. */
extern const char *self_path;

/* Monotonic time in nanoseconds. */
double now_ns(void);

/* Sets c->why to "<what>: <strerror(errno)>" and returns -1. */
int fail_errno(struct ctx *c, const char *what);

/* Sets c->why to `text` and returns -1. */
int fail_text(struct ctx *c, const char *text);

/* Writes exactly `len` bytes (retrying short transfers); returns 0, or -1
 * with errno set (errno is EIO when the other side stopped early). */
int write_all(int fd, const void *buf, size_t len);

/* The same at a file offset, in either direction. */
int pwrite_all(int fd, const void *buf, size_t len, long off);
int pread_all(int fd, void *buf, size_t len, long off);

/* Waits for child `pid` and returns its exit code, 128+signal when it was
 * killed, or -1 with errno set when waiting fails. */
int wait_child(int pid);

#endif
