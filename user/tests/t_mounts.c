/* t_mounts.c: mount(2) and umount2(2) as root: a tmpfs over a directory
 * hides it and goes away with everything in it; umount is EBUSY while a
 * file is open there or it is someone's working directory (and only
 * then), MNT_DETACH detaches anyway; /proc/mounts follows; size= limits
 * writes (ENOSPC) and statfs shows it; ".." from a mount's root; proc on a
 * second directory; EXDEV across mounts; remount read-only (EROFS); nodev
 * and noexec. Skipped (not failed) for other users, or where mounting is
 * not permitted. Run with "--exit 42" it only exits with 42 (the noexec
 * check execs a copy of itself). */
#define _GNU_SOURCE
#include "check.h"
#include "fsutil.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMPFS_MAGIC_ 0x01021994
#define PROC_SUPER_MAGIC_ 0x9fa0
#define ST_NODEV_ 4
#define ST_NOEXEC_ 8

static char scratch[256];
static const char *argv0;

/* Is `dir` (relative to the scratch directory) a mount point in /proc/mounts? */
static bool listed(const char *dir)
{
    static char buf[1 << 16];
    char want[512];
    snprintf(want, sizeof want, " %s/%s ", scratch, dir);
    if (read_file("/proc/mounts", buf, sizeof buf) <= 0)
        return false;
    return strstr(buf, want) != NULL;
}

static bool mount_tmpfs(const char *dir, unsigned long flags, const char *opts)
{
    return mount("none", dir, "tmpfs", flags, opts) == 0;
}

static void basics(void)
{
    check(mkdir("m", 0755) == 0 && write_file("m/under", "u"), "a directory with a file", "errno %d", errno);
    struct stat top, under, m;
    stat(".", &top);
    stat("m", &under);
    check(mount_tmpfs("m", 0, "mode=0755"), "mount a tmpfs on it", "errno %d", errno);
    check(stat("m", &m) == 0 && m.st_dev != under.st_dev && m.st_ino != under.st_ino,
          "the directory now shows the new file system", "dev %lx", (unsigned long)m.st_dev);
    check_errno(access("m/under", F_OK), ENOENT, "which hides what was there");
    struct statfs sf;
    check(statfs("m", &sf) == 0 && sf.f_type == TMPFS_MAGIC_, "statfs says tmpfs", "f_type %lx",
          (unsigned long)sf.f_type);
    check(listed("m"), "/proc/mounts lists it", "not found");
    struct stat up;
    check(stat("m/..", &up) == 0 && up.st_ino == top.st_ino && up.st_dev == top.st_dev,
          "\"..\" from the mount's root is the parent directory", "ino %lu", (unsigned long)up.st_ino);
    check(chdir("m") == 0 && stat("..", &up) == 0 && up.st_ino == top.st_ino && chdir(scratch) == 0,
          "also from inside it", "errno %d", errno);
    check(write_file("m/new", "n") && mkdir("m/d", 0755) == 0, "files are created in it", "errno %d", errno);
    check_errno(rename("m/new", "moved"), EXDEV, "rename out of it: EXDEV");
    check_errno(link("m/new", "linked"), EXDEV, "link out of it: EXDEV");
    check_errno(rename("m", "m2"), EBUSY, "rename of the mount point: EBUSY");
    check_errno(rmdir("m"), EBUSY, "rmdir of the mount point: EBUSY");

    /* Busy while a file is open there. */
    int fd = open("m/new", O_RDONLY);
    check_errno(umount("m"), EBUSY, "umount while a file is open in it: EBUSY");
    close(fd);
    /* Busy while it is a working directory. */
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        if (chdir("m") != 0)
            _exit(1);
        char x;
        read(p[0], &x, 1);
        _exit(0);
    }
    close(p[0]);
    usleep(100000); /* let the child reach its chdir (a wrong guess only makes the EBUSY check pass) */
    int r = umount("m");
    check(r == -1 && errno == EBUSY, "umount while it is a child's working directory: EBUSY", "ret %d errno %d", r,
          errno);
    close(p[1]);
    int s;
    waitpid(c, &s, 0);
    /* A file opened elsewhere while the working directory was in the mount
     * does not keep it busy. */
    char outside[512];
    snprintf(outside, sizeof outside, "%s/outside", scratch);
    check(write_file(outside, "o") && chdir("m") == 0, "chdir into the mount", "errno %d", errno);
    fd = open(outside, O_RDONLY);
    check(fd >= 0, "a file outside it opened by an absolute path from there", "errno %d", errno);
    int fd2 = open("../outside2", O_WRONLY | O_CREAT, 0644);
    check(fd2 >= 0, "and one by a relative path", "errno %d", errno);
    check(chdir(scratch) == 0, "chdir out", "errno %d", errno);
    check(umount("m") == 0, "umount once nothing uses it", "errno %d", errno);
    close(fd);
    close(fd2);
    check(!listed("m"), "/proc/mounts no longer lists it", "still there");
    check(access("m/new", F_OK) != 0 && access("m/under", F_OK) == 0,
          "the files created in it are gone, the old ones are back", "errno %d", errno);
    check_errno(umount("m"), EINVAL, "umount of a directory that is no mount point: EINVAL");
    check_errno(umount2("m", 0x100), EINVAL, "umount2 with an unknown flag: EINVAL");
    check_errno(umount("missing"), ENOENT, "umount of a missing name: ENOENT");
    check_errno(mount("none", "missing", "tmpfs", 0, NULL), ENOENT, "mount on a missing name: ENOENT");
    check_errno(mount("none", "m/under", "tmpfs", 0, NULL), ENOTDIR, "mount on a file: ENOTDIR");
    check_errno(mount("none", "m", "no-such-fs", 0, NULL), ENODEV, "mount of an unknown type: ENODEV");
    check_errno(mount("none", "m", "tmpfs", 0, "no-such-option=1"), EINVAL, "an unknown tmpfs option: EINVAL");
}

static void detach(void)
{
    check(mount_tmpfs("m", 0, NULL) && write_file("m/kept", "still here"), "a tmpfs with a file", "errno %d",
          errno);
    int fd = open("m/kept", O_RDONLY);
    check(umount2("m", MNT_DETACH) == 0, "MNT_DETACH while a file is open", "errno %d", errno);
    char b[32] = {0};
    check(pread(fd, b, sizeof b - 1, 0) == 10 && strcmp(b, "still here") == 0, "the open file still works",
          "got %s", b);
    check(access("m/kept", F_OK) != 0 && access("m/under", F_OK) == 0 && !listed("m"),
          "the mount is gone from the namespace", "errno %d", errno);
    close(fd);
}

static void sizes(void)
{
    check(mount_tmpfs("m", 0, "size=64k"), "a tmpfs of 64 KiB", "errno %d", errno);
    struct statfs sf;
    check(statfs("m", &sf) == 0 && (long)sf.f_blocks * (long)sf.f_bsize == 64 * 1024,
          "statfs shows 64 KiB of blocks", "%ld x %ld", (long)sf.f_blocks, (long)sf.f_bsize);
    int fd = open("m/big", O_WRONLY | O_CREAT, 0644);
    static char chunk[4096];
    memset(chunk, 'z', sizeof chunk);
    long total = 0, n = 0;
    while (total < 128 * 1024) {
        n = write(fd, chunk, sizeof chunk);
        if (n <= 0)
            break;
        total += n;
    }
    check(n == -1 && errno == ENOSPC && total <= 64 * 1024 && total > 0, "writing 128 KiB stops with ENOSPC",
          "wrote %ld, last %ld, errno %d", total, n, errno);
    check(statfs("m", &sf) == 0 && sf.f_bfree < 2, "statfs shows it full", "%ld free", (long)sf.f_bfree);
    close(fd);
    check(unlink("m/big") == 0 && statfs("m", &sf) == 0 && sf.f_bfree == sf.f_blocks,
          "removing the file gives the space back", "%ld of %ld free", (long)sf.f_bfree, (long)sf.f_blocks);
    check(write_file("m/keep", "k") && mount("none", "m", NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0,
          "remount read-only", "errno %d", errno);
    check_errno(open("m/x", O_WRONLY | O_CREAT, 0644), EROFS, "creating a file: EROFS");
    check_errno(mkdir("m/d", 0755), EROFS, "mkdir: EROFS");
    check_errno(access("m", W_OK), EROFS, "access(W_OK): EROFS");
    check_errno(chmod("m", 0700), EROFS, "chmod: EROFS");
    check_errno(utimensat(AT_FDCWD, "m", NULL, 0), EROFS, "utimensat: EROFS");
    check_errno(rmdir("m/none"), EROFS, "rmdir of a missing name: EROFS (checked before the name)");
    check_errno(unlink("m/none"), EROFS, "unlink of a missing name: EROFS");
    check_errno(rename("m/none", "m/other"), EROFS, "rename of a missing name: EROFS");
    check_errno(mkdir("m/keep", 0755), EEXIST, "mkdir of an existing name: EEXIST before EROFS");
    check_errno(open("m/keep", O_WRONLY), EROFS, "opening a file for writing: EROFS");
    check_errno(truncate("m/keep", 0), EROFS, "truncate: EROFS");
    int rfd = open("m/keep", O_RDONLY);
    check(rfd >= 0, "opening it read-only works", "errno %d", errno);
    close(rfd);
    check(statfs("m", &sf) == 0 && (sf.f_flags & ST_RDONLY) != 0, "statfs says ST_RDONLY", "f_flags %lx",
          (unsigned long)sf.f_flags);
    check(mount("none", "m", NULL, MS_REMOUNT, NULL) == 0 && write_file("m/x", "x"), "remount read-write",
          "errno %d", errno);
    check(umount("m") == 0, "umount", "errno %d", errno);
}

/* Mounts stacked on one directory, and a mount inside a mount. */
static void stacks(void)
{
    struct stat a, b, up, top;
    stat(".", &top);
    check(mount_tmpfs("m", 0, NULL) && write_file("m/lower", "") && stat("m", &a) == 0, "a first tmpfs", "errno %d",
          errno);
    check(mount_tmpfs("m", 0, NULL) && stat("m", &b) == 0 && b.st_dev != a.st_dev && access("m/lower", F_OK) != 0,
          "a second one on the same directory hides the first", "errno %d", errno);
    check(stat("m/..", &up) == 0 && up.st_ino == top.st_ino && up.st_dev == top.st_dev,
          "\"..\" from the top one's root is still the parent directory", "ino %lu", (unsigned long)up.st_ino);
    check(mkdir("m/in", 0755) == 0 && mount_tmpfs("m/in", 0, NULL), "a third inside the second", "errno %d", errno);
    check_errno(umount("m"), EBUSY, "umount of a mount with a mount inside: EBUSY");
    check(umount("m/in") == 0 && umount("m") == 0, "umount the inner one, then the top one", "errno %d", errno);
    check(access("m/lower", F_OK) == 0, "the first one shows again", "errno %d", errno);
    check(umount("m") == 0 && access("m/under", F_OK) == 0, "umount it: the directory shows again", "errno %d",
          errno);
    check(mount_tmpfs("m", 0, NULL) && mkdir("m/in", 0755) == 0 && mount_tmpfs("m/in", 0, NULL) &&
              umount2("m", MNT_DETACH) == 0,
          "MNT_DETACH takes a mount with one inside", "errno %d", errno);
    check(access("m/in", F_OK) != 0 && access("m/under", F_OK) == 0 && !listed("m") && !listed("m/in"),
          "both are gone", "errno %d", errno);
}

static void procs(void)
{
    check(mkdir("p", 0755) == 0 && mount("proc", "p", "proc", 0, NULL) == 0, "mount proc on a second directory",
          "errno %d", errno);
    struct statfs sf;
    check(statfs("p", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC_, "statfs says proc", "f_type %lx",
          (unsigned long)sf.f_type);
    char link[64] = {0}, want[32];
    snprintf(want, sizeof want, "%d", getpid());
    check(readlink("p/self", link, sizeof link - 1) > 0 && strcmp(link, want) == 0, "p/self is this process",
          "got %s", link);
    check(listed("p"), "/proc/mounts lists it", "not found");
    check(umount("p") == 0, "umount it", "errno %d", errno);
}

static void flags(void)
{
    check(mkdir("nd", 0755) == 0 && mount_tmpfs("nd", MS_NODEV | MS_NOEXEC, NULL), "a tmpfs with nodev,noexec",
          "errno %d", errno);
    struct statfs sf;
    check(statfs("nd", &sf) == 0 && (sf.f_flags & (ST_NODEV_ | ST_NOEXEC_)) == (ST_NODEV_ | ST_NOEXEC_),
          "statfs shows ST_NODEV and ST_NOEXEC", "f_flags %lx", (unsigned long)sf.f_flags);
    check(mknod("nd/null", S_IFCHR | 0666, makedev(1, 3)) == 0, "a device node in it", "errno %d", errno);
    check_errno(open("nd/null", O_RDWR), EACCES, "nodev: opening it is EACCES");
    /* A copy of this program, executable, in the noexec mount and outside. */
    char self[256], buf[1 << 16];
    self_path(argv0, self, sizeof self);
    int in = open(self, O_RDONLY);
    int a = open("nd/prog", O_WRONLY | O_CREAT, 0755), b = open("prog", O_WRONLY | O_CREAT, 0755);
    long n;
    bool copied = in >= 0 && a >= 0 && b >= 0;
    while (copied && (n = read(in, buf, sizeof buf)) > 0)
        copied = write(a, buf, n) == n && write(b, buf, n) == n;
    close(in);
    close(a);
    close(b);
    check(copied, "copies of this program", "errno %d", errno);
    for (int i = 0; i < 2; i++) {
        const char *path = i == 0 ? "./prog" : "./nd/prog";
        pid_t c = fork();
        if (c == 0) {
            char *args[] = {(char *)path, "--exit", "42", NULL};
            execv(path, args);
            _exit(errno == EACCES ? 13 : 1);
        }
        int s;
        waitpid(c, &s, 0);
        if (i == 0)
            check(exited_with(s, 42), "exec of the copy outside works", "status %#x", s);
        else
            check(exited_with(s, 13), "noexec: exec of the copy inside is EACCES", "status %#x", s);
    }
    check(umount("nd") == 0, "umount", "errno %d", errno);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--exit") == 0)
        return atoi(argv[2]);
    argv0 = argv[0];
    check_init("t_mounts");
    if (!is_root()) {
        skip("mount and umount", "not root");
        return check_finish();
    }
    umask(022);
    enter_scratch("t_mounts", scratch, sizeof scratch);
    if (mkdir("probe", 0755) != 0 || mount("none", "probe", "tmpfs", 0, NULL) != 0) {
        if (!on_marten() && errno == EPERM) {
            skip("mount and umount", "mounting is not permitted here");
            chdir("/");
            remove_tree(scratch);
            return check_finish();
        }
        check(false, "mount a tmpfs", "errno %d", errno);
    } else {
        umount("probe");
    }
    basics();
    detach();
    sizes();
    stacks();
    procs();
    flags();
    chdir("/");
    remove_tree(scratch);
    return check_finish();
}
