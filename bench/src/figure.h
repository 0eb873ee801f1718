/* figure.h: what one benchmark figure is, and helpers the figures share. */
#ifndef MBENCH_FIGURE_H
#define MBENCH_FIGURE_H

#include <stddef.h>

/* Per-figure state. `why` holds the reason a figure cannot run (it becomes
 * the text after "n/a"); it is empty while all is well. `size` is the
 * figure's own `size` (see below), set before setup. The other fields are
 * owned by whichever figure is running: setup fills them, teardown releases
 * them, and nothing else reads them. */
struct ctx {
	char why[160];
	int fd;
	char *buf;
	size_t len;
	char path[64];
	long size;
	/* Set by a setup whose iterations are long and alike: the timed runs
	 * to make (no calibration, one iteration each; 0 = calibrate and run
	 * five times), and the work of one iteration when it is not the
	 * figure's own (0 = the figure's `work`). */
	int runs;
	double work;
};

/* One figure. `run` performs `n` iterations of the operation and stores the
 * elapsed time of the timed part in *ns; it returns 0, or -1 after setting
 * ctx->why. `work` is how much one iteration does: operations for "us"
 * figures (the result is microseconds per operation), bytes for "MiB/s"
 * figures. The unit is "us", "ms" (time per iteration) or "MiB/s". setup
 * and teardown may be NULL. `size` is the size a scaling figure works at
 * (entries, areas, MiB, children), or the bytes one iteration moves for a
 * figure with a `bw_name`; 0 for the others. A "us" figure with a `bw_name`
 * also prints a second line under that name: its bandwidth in MiB/s, from
 * the same runs (`size` bytes per iteration). */
struct figure {
	const char *name;
	const char *unit;
	int higher_is_better;
	double work;
	int (*setup)(struct ctx *c);
	int (*run)(struct ctx *c, long n, double *ns);
	void (*teardown)(struct ctx *c);
	long size;
	const char *bw_name;
};

/* The figure tables of each source file, ending with a zeroed entry. */
extern const struct figure sys_figures[];
extern const struct figure proc_figures[];
extern const struct figure mem_figures[];
extern const struct figure dir_figures[];
extern const struct figure areas_figures[];
extern const struct figure fork_scale_figures[];
extern const struct figure shell_figures[];
extern const struct figure mymem_figures[];
extern const struct figure signal_figures[];
extern const struct figure thread_figures[];
extern const struct figure disk_figures[];

/* Set by --quick: figures with costly work per iteration may do less. */
extern int quick_mode;

/* The program's own argv[0], for finding /bin/mbench-true beside it. */
extern const char *self_path;

/* Prints the BENCHINFO lines (uname, CPU features); see info.c. */
void print_info(void);

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

/* Times n rounds of: fork, the child _exit(0)s, the parent waits for it. */
int fork_exit_loop(struct ctx *c, long n, double *ns);

/* Times n rounds of: fork, the child execve(path, argv, envp)s, the parent
 * waits; a child that does not exit with 0 makes the figure n/a. */
int fork_exec_loop(struct ctx *c, long n, double *ns, const char *path, char *const argv[],
		   char *const envp[]);

/* Opens /dev/mymem read-write into c->fd; when it is missing, c->why says
 * why (on Linux: the module could not be built or loaded). Returns 0 or -1. */
int mymem_open(struct ctx *c);

/* Waits for child `pid` and returns its exit code, 128+signal when it was
 * killed, or -1 with errno set when waiting fails. */
int wait_child(int pid);

#endif
