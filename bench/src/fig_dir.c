/* fig_dir.c: open+close and stat of a file, stat of a missing name, and create+close+unlink
 * of a new file in a directory of 10, 1,000 or 10,000 entries.
 *
 * Setup creates /tmp/mbench-<figure>/ holding `size` empty files f00000,
 * f00001, ... and picks PROBES of them spread evenly over the creation
 * order (so early and late entries are looked up alike). Iteration i opens
 * and closes, or stats, probe i % PROBES by its full path. Teardown removes
 * the files and the directory.
 *
 * With --quick a directory holds at most QUICK_MAX_ENTRIES files: creating
 * and removing 10,000 entries takes seconds on a kernel whose directories
 * are lists, too long for a smoke test. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "figure.h"

#define PROBES 64
#define PATH_LEN 96
#define QUICK_MAX_ENTRIES 1000

/* Writes the path of entry `i` of the figure's directory into `out`. */
static void entry_path(const struct ctx *c, long i, char *out)
{
	snprintf(out, PATH_LEN, "%s/f%05d", c->path, (int)(i % 100000));
}

static const char *probe(const struct ctx *c, long i)
{
	return c->buf + (i % PROBES) * PATH_LEN;
}

static int dir_setup_named(struct ctx *c, const char *name)
{
	char path[PATH_LEN];

	if (quick_mode && c->size > QUICK_MAX_ENTRIES)
		c->size = QUICK_MAX_ENTRIES;
	snprintf(c->path, sizeof c->path, "/tmp/mbench-%s", name);
	if (mkdir(c->path, 0700) < 0)
		return fail_errno(c, "mkdir in /tmp");
	c->buf = malloc(PROBES * PATH_LEN);
	if (!c->buf)
		return fail_text(c, "out of memory");
	for (long i = 0; i < c->size; i++) {
		entry_path(c, i, path);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return fail_errno(c, "create a file in the directory");
		close(fd);
		c->len = (size_t)i + 1;
	}
	for (long k = 0; k < PROBES; k++)
		entry_path(c, (2 * k + 1) * c->size / (2 * PROBES), c->buf + k * PATH_LEN);
	return 0;
}

static int open_setup(struct ctx *c)
{
	char name[32];

	snprintf(name, sizeof name, "open-%ld", c->size);
	return dir_setup_named(c, name);
}

static int stat_setup(struct ctx *c)
{
	char name[32];

	snprintf(name, sizeof name, "stat-%ld", c->size);
	return dir_setup_named(c, name);
}

static int missing_setup(struct ctx *c)
{
	char name[32];

	snprintf(name, sizeof name, "missing-%ld", c->size);
	return dir_setup_named(c, name);
}

static int create_setup(struct ctx *c)
{
	char name[32];

	snprintf(name, sizeof name, "create-%ld", c->size);
	return dir_setup_named(c, name);
}

/* The path of a name the directory does not hold: probe i with 'g' for 'f'. */
static void missing_path(const struct ctx *c, long i, char *out)
{
	snprintf(out, PATH_LEN, "%s", probe(c, i));
	char *slash = strrchr(out, '/');
	if (slash)
		slash[1] = 'g';
}

static void dir_teardown(struct ctx *c)
{
	char path[PATH_LEN];

	for (size_t i = 0; i < c->len; i++) {
		entry_path(c, (long)i, path);
		unlink(path);
	}
	if (c->path[0])
		unlinkat(AT_FDCWD, c->path, AT_REMOVEDIR);
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
}

static int open_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(probe(c, i), O_RDONLY);
		if (fd < 0)
			return fail_errno(c, "open in the directory");
		close(fd);
	}
	*ns = now_ns() - t0;
	return 0;
}

static int stat_run(struct ctx *c, long n, double *ns)
{
	struct stat st;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (stat(probe(c, i), &st) < 0)
			return fail_errno(c, "stat in the directory");
	}
	*ns = now_ns() - t0;
	return 0;
}

static int missing_run(struct ctx *c, long n, double *ns)
{
	struct stat st;
	char path[PROBES][PATH_LEN];
	for (long k = 0; k < PROBES; k++)
		missing_path(c, k, path[k]);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (stat(path[i % PROBES], &st) == 0 || errno != ENOENT)
			return fail_text(c, "stat of a missing name did not fail with ENOENT");
	}
	*ns = now_ns() - t0;
	return 0;
}

static int create_run(struct ctx *c, long n, double *ns)
{
	char path[PROBES][PATH_LEN];
	for (long k = 0; k < PROBES; k++)
		missing_path(c, k, path[k]);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		const char *p = path[i % PROBES];
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0)
			return fail_errno(c, "create in the directory");
		close(fd);
		if (unlink(p) < 0)
			return fail_errno(c, "unlink in the directory");
	}
	*ns = now_ns() - t0;
	return 0;
}

const struct figure dir_figures[] = {
	{ "open_close_dir_10", "us", 0, 1, open_setup, open_run, dir_teardown, 10, NULL },
	{ "open_close_dir_1000", "us", 0, 1, open_setup, open_run, dir_teardown, 1000, NULL },
	{ "open_close_dir_10000", "us", 0, 1, open_setup, open_run, dir_teardown, 10000, NULL },
	{ "stat_dir_10", "us", 0, 1, stat_setup, stat_run, dir_teardown, 10, NULL },
	{ "stat_dir_1000", "us", 0, 1, stat_setup, stat_run, dir_teardown, 1000, NULL },
	{ "stat_dir_10000", "us", 0, 1, stat_setup, stat_run, dir_teardown, 10000, NULL },
	{ "stat_missing_dir_10", "us", 0, 1, missing_setup, missing_run, dir_teardown, 10, NULL },
	{ "stat_missing_dir_1000", "us", 0, 1, missing_setup, missing_run, dir_teardown, 1000, NULL },
	{ "stat_missing_dir_10000", "us", 0, 1, missing_setup, missing_run, dir_teardown, 10000, NULL },
	{ "create_unlink_dir_10", "us", 0, 1, create_setup, create_run, dir_teardown, 10, NULL },
	{ "create_unlink_dir_1000", "us", 0, 1, create_setup, create_run, dir_teardown, 1000, NULL },
	{ "create_unlink_dir_10000", "us", 0, 1, create_setup, create_run, dir_teardown, 10000, NULL },
	{ 0 },
};
