/* fig_shell.c: exec of busybox, and a busybox sh script of pipelines and file copies.
 *
 * exec_busybox_true: fork, the child execve()s /bin/busybox as `true`, the
 * parent waits: exec of a 2 MB static program with a TLS segment.
 *
 * shell_workload: fork+exec of `/bin/sh SCRIPT P F` running in a fresh
 * directory of /tmp; the script runs P pipelines `echo | sed | grep | wc`
 * and F rounds of `cp`, `cat` and `rm` of a 32 KiB file, then checks the
 * pipelines' output and exits 0 only if it is right. The applets are found
 * as /bin symlinks to busybox through PATH=/bin. One iteration is one whole
 * script; with --quick the script is much shorter. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "figure.h"

#define BUSYBOX "/bin/busybox"
#define SHELL "/bin/sh"
#define PIPELINES "200"
#define FILE_ROUNDS "20"
#define QUICK_PIPELINES "4"
#define QUICK_FILE_ROUNDS "2"
#define DATA_LINES 512

static char *const env_path[] = { "PATH=/bin", NULL };

static const char script[] =
	"# the shell_workload of mbench: $1 pipelines, $2 file rounds\n"
	"i=0\n"
	"while [ $i -lt $1 ]; do\n"
	"\techo \"line $i alpha beta gamma\" | sed 's/alpha/omega/' | grep omega | wc -c >>counts\n"
	"\ti=$((i + 1))\n"
	"done\n"
	"j=0\n"
	"while [ $j -lt $2 ]; do\n"
	"\tcp data copy\n"
	"\tcat copy data >both\n"
	"\trm copy both\n"
	"\tj=$((j + 1))\n"
	"done\n"
	"n=$(wc -l <counts)\n"
	"rm counts\n"
	"[ \"$n\" -eq \"$1\" ]\n";

static int busybox_setup(struct ctx *c)
{
	if (access(BUSYBOX, X_OK) != 0)
		return fail_errno(c, BUSYBOX);
	return 0;
}

static int busybox_run(struct ctx *c, long n, double *ns)
{
	char *argv[] = { "true", NULL };
	return fork_exec_loop(c, n, ns, BUSYBOX, argv, env_path);
}

/* Writes `text` to file `name` in the workload's directory. */
static int put_file(struct ctx *c, const char *name, const char *text, size_t len)
{
	char path[96];

	snprintf(path, sizeof path, "%s/%s", c->path, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail_errno(c, "create a file for the shell workload");
	int r = write_all(fd, text, len);
	close(fd);
	return r < 0 ? fail_errno(c, "write a file for the shell workload") : 0;
}

/* The directory /tmp/mbench-sh with `script` and a text file `data`. */
static int shell_setup(struct ctx *c)
{
	static char data[DATA_LINES * 64];
	size_t len = 0;

	if (access(SHELL, X_OK) != 0)
		return fail_errno(c, SHELL);
	snprintf(c->path, sizeof c->path, "/tmp/mbench-sh");
	if (mkdir(c->path, 0700) < 0)
		return fail_errno(c, "mkdir /tmp/mbench-sh");
	for (int i = 0; i < DATA_LINES; i++)
		len += (size_t)snprintf(data + len, sizeof data - len, "%05d the quick brown fox jumps over the lazy dog\n", i);
	if (put_file(c, "script", script, sizeof script - 1) < 0 || put_file(c, "data", data, len) < 0)
		return -1;
	return 0;
}

static void shell_teardown(struct ctx *c)
{
	static const char *const names[] = { "script", "data", "counts", "copy", "both" };
	char path[96];

	if (!c->path[0])
		return;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", c->path, names[i]);
		unlink(path);
	}
	unlinkat(AT_FDCWD, c->path, AT_REMOVEDIR);
}

/* The shell starts in the workload's directory: mbench changes into it
 * around the timed loop, so the children inherit it. */
static int shell_run(struct ctx *c, long n, double *ns)
{
	char *argv[] = { "sh", "script", quick_mode ? QUICK_PIPELINES : PIPELINES,
			 quick_mode ? QUICK_FILE_ROUNDS : FILE_ROUNDS, NULL };
	char cwd[96];

	if (!getcwd(cwd, sizeof cwd))
		return fail_errno(c, "getcwd");
	if (chdir(c->path) < 0)
		return fail_errno(c, "chdir /tmp/mbench-sh");
	int r = fork_exec_loop(c, n, ns, SHELL, argv, env_path);
	if (chdir(cwd) < 0 && r == 0)
		return fail_errno(c, "chdir back");
	return r;
}

const struct figure shell_figures[] = {
	{ "exec_busybox_true", "us", 0, 1, busybox_setup, busybox_run, NULL, 0, NULL },
	{ "shell_workload", "ms", 0, 1, shell_setup, shell_run, shell_teardown, 0, NULL },
	{ 0 },
};
