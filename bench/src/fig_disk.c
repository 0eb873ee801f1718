/* fig_disk.c: ext2 on the virtio disk: sequential write and read, many small files, fsync, untar.
 *
 * The harness gives both kernels the same fresh disk, an ext2 image made by
 * the host's mke2fs with the label DISK_LABEL (see tools/bench/src/disk.rs).
 * A disk without that label is never touched, so running mbench natively
 * cannot harm a machine's own /dev/vda. Each figure's setup
 * mounts /dev/vda on /mnt with `mount(2)` type "ext2" (Linux serves it with
 * its ext4 driver) and its teardown removes what it made and unmounts, so
 * every figure starts with an empty page cache and nothing dirty. Without
 * the disk every figure is n/a with the reason.
 *
 * The work is large and the same every time, so these figures skip the
 * calibration and are timed DISK_RUNS times with one iteration each:
 *
 *   disk_write_seq_256m  MiB/s: create a file, write 256 MiB in 1 MiB
 *                        writes, fsync, close
 *   disk_read_seq_256m   MiB/s: read that file in 1 MiB reads, right after
 *                        an (untimed) unmount and mount, so from the disk
 *   disk_create_10000    ms: create 10,000 files of 1 KiB in a new
 *                        directory, then syncfs
 *   disk_unlink_10000    ms: unlink those 10,000 files and the directory
 *                        (made untimed just before), then syncfs
 *   disk_untar           ms: busybox tar extracts /bench/tree.tar (a
 *                        source-like tree of about 2,000 files, made by
 *                        scripts/make-tree.sh) into a new directory, then
 *                        sync
 *
 * and one calibrated figure like the others:
 *
 *   disk_fsync_4k        us: append 4 KiB to a file and fsync it
 *
 * With --quick the sizes shrink (4 MiB, 100 files, one directory of the
 * tree) and each figure runs once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "figure.h"

#define DISK "/dev/vda"
#define MNT "/mnt"
#define TREE_TAR "/bench/tree.tar"
#define BUSYBOX "/bin/busybox"
#define DISK_LABEL "mbench-disk"
#define DISK_RUNS 3
#define CHUNK (1L << 20)
#define SEQ_BYTES (256L << 20)
#define QUICK_SEQ_BYTES (4L << 20)
#define SMALL_FILES 10000
#define QUICK_SMALL_FILES 100
#define SMALL_SIZE 1024
#define FSYNC_SIZE 4096

static char *const env_path[] = { "PATH=/bin", NULL };

/* Whether DISK holds an ext2 file system labelled DISK_LABEL (the
 * superblock is at byte 1024: magic at 56, volume name at 120). */
static int is_bench_disk(struct ctx *c)
{
	unsigned char sb[136];
	int fd = open(DISK, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(c, "no disk: " DISK);
	int r = pread_all(fd, sb, sizeof sb, 1024);
	close(fd);
	if (r < 0)
		return fail_errno(c, "read the superblock of " DISK);
	char label[17];
	memcpy(label, sb + 120, 16);
	label[16] = 0;
	if (sb[56] != 0x53 || sb[57] != 0xef || strcmp(label, DISK_LABEL) != 0)
		return fail_text(c, DISK " is not the bench's disk (no ext2 label " DISK_LABEL ")");
	return 0;
}

/* Mounts the bench's disk on MNT; the reason goes to c->why. */
static int disk_mount(struct ctx *c)
{
	if (is_bench_disk(c) < 0)
		return -1;
	if (mkdir(MNT, 0755) < 0 && errno != EEXIST)
		return fail_errno(c, "mkdir " MNT);
	if (mount(DISK, MNT, "ext2", 0, NULL) < 0)
		return fail_errno(c, "mount -t ext2 " DISK " " MNT);
	return 0;
}

static int disk_umount(struct ctx *c)
{
	if (umount(MNT) < 0)
		return fail_errno(c, "umount " MNT);
	return 0;
}

/* Runs busybox with `argv` (argv[0] is the applet) and waits; 0 if it exited with 0. */
static int busybox(struct ctx *c, char *const argv[])
{
	int pid = fork();
	if (pid < 0)
		return fail_errno(c, "fork");
	if (pid == 0) {
		execve(BUSYBOX, argv, env_path);
		_exit(127);
	}
	int code = wait_child(pid);
	if (code < 0)
		return fail_errno(c, "wait4");
	if (code != 0) {
		snprintf(c->why, sizeof c->why, "busybox %s exited with %d", argv[0], code);
		return -1;
	}
	return 0;
}

/* Removes `path` and everything below it. */
static int remove_tree(struct ctx *c, const char *path)
{
	char *argv[] = { "rm", "-rf", (char *)path, NULL };
	return busybox(c, argv);
}

static long seq_bytes(void)
{
	return quick_mode ? QUICK_SEQ_BYTES : SEQ_BYTES;
}

static long small_files(void)
{
	return quick_mode ? QUICK_SMALL_FILES : SMALL_FILES;
}

/* A mounted disk and a 1 MiB buffer of non-zero bytes. */
static int seq_setup(struct ctx *c)
{
	c->runs = DISK_RUNS;
	if (disk_mount(c) < 0)
		return -1;
	c->buf = malloc(CHUNK);
	if (!c->buf)
		return fail_text(c, "out of memory");
	for (long i = 0; i < CHUNK; i++)
		c->buf[i] = (char)('a' + i % 23);
	snprintf(c->path, sizeof c->path, MNT "/seq");
	c->size = seq_bytes();
	c->work = (double)c->size;
	return 0;
}

static void seq_teardown(struct ctx *c)
{
	if (c->path[0])
		unlink(c->path);
	free(c->buf);
	c->buf = NULL;
	umount(MNT);
}

/* Writes the whole file: create, CHUNK-sized writes, fsync, close. */
static int write_file(struct ctx *c)
{
	int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return fail_errno(c, "create " MNT "/seq");
	for (long done = 0; done < c->size; done += CHUNK) {
		if (write_all(fd, c->buf, CHUNK) < 0) {
			close(fd);
			return fail_errno(c, "write " MNT "/seq");
		}
	}
	if (fsync(fd) < 0) {
		close(fd);
		return fail_errno(c, "fsync " MNT "/seq");
	}
	if (close(fd) < 0)
		return fail_errno(c, "close " MNT "/seq");
	return 0;
}

static int write_seq_run(struct ctx *c, long n, double *ns)
{
	double t = 0;
	for (long i = 0; i < n; i++) {
		/* A fresh file each time: the old one's blocks are freed first, untimed. */
		unlink(c->path);
		sync();
		double t0 = now_ns();
		if (write_file(c) < 0)
			return -1;
		t += now_ns() - t0;
	}
	*ns = t;
	return 0;
}

static int read_seq_setup(struct ctx *c)
{
	if (seq_setup(c) < 0)
		return -1;
	return write_file(c);
}

static int read_seq_run(struct ctx *c, long n, double *ns)
{
	double t = 0;
	for (long i = 0; i < n; i++) {
		/* Unmounting drops the file's cached pages on both kernels. */
		if (disk_umount(c) < 0 || disk_mount(c) < 0)
			return -1;
		double t0 = now_ns();
		int fd = open(c->path, O_RDONLY);
		if (fd < 0)
			return fail_errno(c, "open " MNT "/seq");
		for (long done = 0; done < c->size; done += CHUNK) {
			if (pread_all(fd, c->buf, CHUNK, done) < 0) {
				close(fd);
				return fail_errno(c, "read " MNT "/seq");
			}
		}
		close(fd);
		t += now_ns() - t0;
	}
	*ns = t;
	return 0;
}

/* A mounted disk; c->path is the directory of the small files (not made yet). */
static int small_setup(struct ctx *c)
{
	c->runs = DISK_RUNS;
	if (disk_mount(c) < 0)
		return -1;
	c->buf = calloc(1, SMALL_SIZE);
	if (!c->buf)
		return fail_text(c, "out of memory");
	memset(c->buf, 'x', SMALL_SIZE);
	snprintf(c->path, sizeof c->path, MNT "/small");
	return 0;
}

static void small_teardown(struct ctx *c)
{
	if (c->path[0])
		remove_tree(c, c->path);
	free(c->buf);
	c->buf = NULL;
	umount(MNT);
}

/* Flushes the file system holding `path`. */
static int sync_fs(struct ctx *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fail_errno(c, "open for syncfs");
	int r = syncfs(fd);
	close(fd);
	return r < 0 ? fail_errno(c, "syncfs") : 0;
}

/* Makes the directory and its files of SMALL_SIZE bytes, then syncfs. */
static int make_small(struct ctx *c)
{
	char path[96];

	if (mkdir(c->path, 0755) < 0)
		return fail_errno(c, "mkdir " MNT "/small");
	for (long i = 0; i < small_files(); i++) {
		snprintf(path, sizeof path, "%s/f%05ld", c->path, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			return fail_errno(c, "create a small file");
		int r = write_all(fd, c->buf, SMALL_SIZE);
		close(fd);
		if (r < 0)
			return fail_errno(c, "write a small file");
	}
	return sync_fs(c, MNT);
}

/* Unlinks the files and the directory, then syncfs. */
static int unlink_small(struct ctx *c)
{
	char path[96];

	for (long i = 0; i < small_files(); i++) {
		snprintf(path, sizeof path, "%s/f%05ld", c->path, i);
		if (unlink(path) < 0)
			return fail_errno(c, "unlink a small file");
	}
	if (rmdir(c->path) < 0)
		return fail_errno(c, "rmdir " MNT "/small");
	return sync_fs(c, MNT);
}

static int create_run(struct ctx *c, long n, double *ns)
{
	double t = 0;
	for (long i = 0; i < n; i++) {
		double t0 = now_ns();
		if (make_small(c) < 0)
			return -1;
		t += now_ns() - t0;
		if (unlink_small(c) < 0)
			return -1;
	}
	*ns = t;
	return 0;
}

static int unlink_run(struct ctx *c, long n, double *ns)
{
	double t = 0;
	for (long i = 0; i < n; i++) {
		if (make_small(c) < 0)
			return -1;
		double t0 = now_ns();
		if (unlink_small(c) < 0)
			return -1;
		t += now_ns() - t0;
	}
	*ns = t;
	return 0;
}

static int fsync_setup(struct ctx *c)
{
	if (disk_mount(c) < 0)
		return -1;
	c->buf = malloc(FSYNC_SIZE);
	if (!c->buf)
		return fail_text(c, "out of memory");
	memset(c->buf, 'f', FSYNC_SIZE);
	snprintf(c->path, sizeof c->path, MNT "/log");
	c->fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (c->fd < 0)
		return fail_errno(c, "create " MNT "/log");
	c->len = 0;
	return 0;
}

static void fsync_teardown(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	if (c->path[0])
		unlink(c->path);
	free(c->buf);
	c->buf = NULL;
	umount(MNT);
}

/* Each iteration appends 4 KiB at the end of the log file and fsyncs it. */
static int fsync_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		if (pwrite_all(c->fd, c->buf, FSYNC_SIZE, (long)c->len) < 0)
			return fail_errno(c, "write " MNT "/log");
		c->len += FSYNC_SIZE;
		if (fsync(c->fd) < 0)
			return fail_errno(c, "fsync " MNT "/log");
	}
	*ns = now_ns() - t0;
	return 0;
}

static int untar_setup(struct ctx *c)
{
	c->runs = DISK_RUNS;
	if (access(TREE_TAR, R_OK) != 0)
		return fail_errno(c, TREE_TAR);
	if (access(BUSYBOX, X_OK) != 0)
		return fail_errno(c, BUSYBOX);
	if (disk_mount(c) < 0)
		return -1;
	snprintf(c->path, sizeof c->path, MNT "/untar");
	return 0;
}

static void untar_teardown(struct ctx *c)
{
	(void)c;
	umount(MNT);
}

static int untar_run(struct ctx *c, long n, double *ns)
{
	/* --quick extracts one directory of the tree. */
	char *argv[] = { "tar", "-xf", TREE_TAR, "-C", c->path, quick_mode ? "tree/dir1" : NULL, NULL };
	double t = 0;

	for (long i = 0; i < n; i++) {
		if (mkdir(c->path, 0755) < 0)
			return fail_errno(c, "mkdir " MNT "/untar");
		sync();
		double t0 = now_ns();
		if (busybox(c, argv) < 0)
			return -1;
		sync();
		t += now_ns() - t0;
		if (remove_tree(c, c->path) < 0)
			return -1;
	}
	*ns = t;
	return 0;
}

const struct figure disk_figures[] = {
	{ "disk_write_seq_256m", "MiB/s", 1, SEQ_BYTES, seq_setup, write_seq_run, seq_teardown, 0, NULL },
	{ "disk_read_seq_256m", "MiB/s", 1, SEQ_BYTES, read_seq_setup, read_seq_run, seq_teardown, 0, NULL },
	{ "disk_create_10000", "ms", 0, 1, small_setup, create_run, small_teardown, 0, NULL },
	{ "disk_unlink_10000", "ms", 0, 1, small_setup, unlink_run, small_teardown, 0, NULL },
	{ "disk_fsync_4k", "us", 0, 1, fsync_setup, fsync_run, fsync_teardown, 0, NULL },
	{ "disk_untar", "ms", 0, 1, untar_setup, untar_run, untar_teardown, 0, NULL },
	{ 0 },
};
