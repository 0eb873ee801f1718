/* t_attrs.c: file attributes and what changes them, with the errors the
 * man pages list: stat/lstat/fstat/newfstatat/statx agreeing, times
 * (creation, writes, utimensat/utimes/utime), chmod and chown (with the
 * set-user-ID and set-group-ID rules), access/faccessat/faccessat2,
 * truncate/ftruncate, fallocate mode 0, SEEK_DATA/SEEK_HOLE, statfs,
 * sendfile and copy_file_range, sync/syncfs/fsync, and the descriptor
 * calls an O_PATH descriptor must refuse. Works in a fresh directory under
 * /tmp. */
#define _GNU_SOURCE
#include "check.h"
#include "fsutil.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#define TMPFS_MAGIC_ 0x01021994
#define STATX_BASIC_STATS_ 0x7ffU
#define AT_EACCESS_ 0x200

static char scratch[256];

/* The fields of struct statx this test reads (Linux's layout). */
struct statx_ts {
    int64_t sec;
    uint32_t nsec;
    int32_t pad;
};
struct statx_t {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    struct statx_ts atime, btime, ctime, mtime;
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t spare[14];
};

static long statx_(int dirfd, const char *path, int flags, unsigned mask, struct statx_t *sx)
{
    return syscall(SYS_statx, dirfd, path, flags, mask, sx);
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_mode == b->st_mode &&
           a->st_nlink == b->st_nlink && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_blocks == b->st_blocks && a->st_rdev == b->st_rdev;
}

static bool statx_agrees(const struct statx_t *x, const struct stat *s)
{
    return (x->mask & STATX_BASIC_STATS_) == STATX_BASIC_STATS_ && x->ino == s->st_ino && x->mode == s->st_mode &&
           x->nlink == s->st_nlink && x->uid == s->st_uid && x->gid == s->st_gid &&
           x->size == (uint64_t)s->st_size && x->blocks == (uint64_t)s->st_blocks &&
           x->mtime.sec == s->st_mtim.tv_sec && x->mtime.nsec == (uint32_t)s->st_mtim.tv_nsec &&
           x->ctime.sec == s->st_ctim.tv_sec && x->atime.sec == s->st_atim.tv_sec &&
           makedev(x->dev_major, x->dev_minor) == s->st_dev && makedev(x->rdev_major, x->rdev_minor) == s->st_rdev &&
           x->blksize == (uint32_t)s->st_blksize;
}

static void stats(void)
{
    check(write_file("f", "twelve bytes"), "a file of 12 bytes", "errno %d", errno);
    check(symlink("f", "l") == 0, "a link to it", "errno %d", errno);
    struct stat s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0};
    int fd = open("f", O_RDONLY);
    check(stat("f", &s1) == 0 && S_ISREG(s1.st_mode) && s1.st_size == 12 && s1.st_nlink == 1,
          "stat: a regular file of 12 bytes", "size %ld", (long)s1.st_size);
    check(fstat(fd, &s2) == 0 && same_stat(&s1, &s2), "fstat agrees", "errno %d", errno);
    check(fstatat(fd, "", &s3, AT_EMPTY_PATH) == 0 && same_stat(&s1, &s3), "newfstatat(AT_EMPTY_PATH) agrees",
          "errno %d", errno);
    check(stat("l", &s4) == 0 && same_stat(&s1, &s4), "stat follows the link", "errno %d", errno);
    check(lstat("l", &s5) == 0 && S_ISLNK(s5.st_mode) && s5.st_size == 1 && s5.st_ino != s1.st_ino,
          "lstat reports the link itself", "mode %o size %ld", s5.st_mode, (long)s5.st_size);
    check(fstatat(AT_FDCWD, "l", &s3, AT_SYMLINK_NOFOLLOW) == 0 && same_stat(&s5, &s3),
          "newfstatat(AT_SYMLINK_NOFOLLOW) agrees with lstat", "errno %d", errno);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check(fstatat(dfd, "f", &s3, 0) == 0 && same_stat(&s1, &s3), "newfstatat relative to a dirfd", "errno %d",
          errno);
    check(fstatat(AT_FDCWD, "", &s3, AT_EMPTY_PATH) == 0 && stat(".", &s4) == 0 && same_stat(&s3, &s4),
          "newfstatat(AT_FDCWD, \"\", AT_EMPTY_PATH) is the working directory", "errno %d", errno);
    check_errno(fstatat(AT_FDCWD, "", &s3, 0), ENOENT, "an empty path without AT_EMPTY_PATH: ENOENT");
    check_errno(fstatat(fd, "x", &s3, 0), ENOTDIR, "a relative path from a file's descriptor: ENOTDIR");
    check_errno(fstatat(AT_FDCWD, "f", &s3, 0x1), EINVAL, "newfstatat with an unknown flag: EINVAL");
    struct statx_t x;
    memset(&x, 0, sizeof x);
    check(statx_(AT_FDCWD, "f", 0, STATX_BASIC_STATS_, &x) == 0 && statx_agrees(&x, &s1), "statx agrees with stat",
          "mask %x ino %lu", x.mask, (unsigned long)x.ino);
    memset(&x, 0, sizeof x);
    check(statx_(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS_, &x) == 0 && statx_agrees(&x, &s1),
          "statx(AT_EMPTY_PATH) agrees", "errno %d", errno);
    memset(&x, 0, sizeof x);
    check(statx_(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS_, &x) == 0 && statx_agrees(&x, &s5),
          "statx(AT_SYMLINK_NOFOLLOW) agrees with lstat", "errno %d", errno);
    check_errno(statx_(AT_FDCWD, "f", 0, 0x80000000U, &x), EINVAL, "statx with the reserved mask bit: EINVAL");
    check_errno(statx_(AT_FDCWD, "f", 0x6000, STATX_BASIC_STATS_, &x), EINVAL,
                "statx with both sync flags: EINVAL");
    check_errno(statx_(AT_FDCWD, "missing", 0, STATX_BASIC_STATS_, &x), ENOENT, "statx of a missing name: ENOENT");
    memset(&x, 0, sizeof x);
    check(statx_(fd, NULL, AT_EMPTY_PATH, STATX_BASIC_STATS_, &x) == 0 && statx_agrees(&x, &s1),
          "statx(fd, NULL, AT_EMPTY_PATH) (Linux 6.11)", "errno %d", errno);
    check(syscall(SYS_newfstatat, fd, NULL, &s3, AT_EMPTY_PATH) == 0 && same_stat(&s1, &s3),
          "newfstatat(fd, NULL, AT_EMPTY_PATH) (Linux 6.11)", "errno %d", errno);
    struct stat sd;
    check(stat(".", &sd) == 0 && S_ISDIR(sd.st_mode) && sd.st_nlink == 2, "a directory: S_IFDIR, two links",
          "nlink %ld", (long)sd.st_nlink);
    check(s1.st_dev == sd.st_dev && s1.st_blksize > 0, "files of one directory share st_dev", "errno %d", errno);
    close(dfd);
    close(fd);
}

static void times_(void)
{
    struct stat st = {0};
    time_t now = time(NULL);
    check(write_file("t", "x") && stat("t", &st) == 0, "a new file", "errno %d", errno);
    check(st.st_mtim.tv_sec > 1577836800, "its mtime is not in 1970 (after 2020)", "mtime %ld",
          (long)st.st_mtim.tv_sec);
    check(labs((long)(st.st_mtim.tv_sec - now)) <= 5 && labs((long)(st.st_ctim.tv_sec - now)) <= 5 &&
              labs((long)(st.st_atim.tv_sec - now)) <= 5,
          "its times are close to time(NULL)", "mtime %ld now %ld", (long)st.st_mtim.tv_sec, (long)now);
    struct timespec ts[2] = {{1000, 111}, {2000, 222222222}};
    check(utimensat(AT_FDCWD, "t", ts, 0) == 0 && stat("t", &st) == 0, "utimensat with explicit times",
          "errno %d", errno);
    check(st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 111 && st.st_mtim.tv_sec == 2000 &&
              st.st_mtim.tv_nsec == 222222222,
          "atime and mtime are exactly those, to the nanosecond", "%ld.%ld %ld.%ld", (long)st.st_atim.tv_sec,
          st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    check(labs((long)(st.st_ctim.tv_sec - time(NULL))) <= 5, "and ctime became now", "ctime %ld",
          (long)st.st_ctim.tv_sec);
    int fd = open("t", O_WRONLY);
    check(write(fd, "more", 4) == 4 && fstat(fd, &st) == 0, "a write", "errno %d", errno);
    check(labs((long)(st.st_mtim.tv_sec - time(NULL))) <= 5 && st.st_mtim.tv_sec == st.st_ctim.tv_sec &&
              st.st_mtim.tv_nsec == st.st_ctim.tv_nsec,
          "a write sets mtime and ctime to now", "mtime %ld ctime %ld", (long)st.st_mtim.tv_sec,
          (long)st.st_ctim.tv_sec);
    check(st.st_atim.tv_sec == 1000, "and leaves atime", "atime %ld", (long)st.st_atim.tv_sec);
    struct timespec omit[2] = {{5, UTIME_OMIT}, {3000, 0}};
    check(futimens(fd, omit) == 0 && fstat(fd, &st) == 0 && st.st_atim.tv_sec == 1000 && st.st_mtim.tv_sec == 3000,
          "futimens with UTIME_OMIT keeps atime", "atime %ld mtime %ld", (long)st.st_atim.tv_sec,
          (long)st.st_mtim.tv_sec);
    struct timespec nowomit[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    check(utimensat(AT_FDCWD, "t", nowomit, 0) == 0 && stat("t", &st) == 0 && st.st_mtim.tv_sec == 3000 &&
              labs((long)(st.st_atim.tv_sec - time(NULL))) <= 5,
          "UTIME_NOW for atime, UTIME_OMIT for mtime", "atime %ld mtime %ld", (long)st.st_atim.tv_sec,
          (long)st.st_mtim.tv_sec);
    check(utimensat(AT_FDCWD, "t", NULL, 0) == 0 && stat("t", &st) == 0 &&
              labs((long)(st.st_mtim.tv_sec - time(NULL))) <= 5,
          "utimensat with NULL times: both now", "mtime %ld", (long)st.st_mtim.tv_sec);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    check_errno(utimensat(AT_FDCWD, "t", bad, 0), EINVAL, "utimensat with tv_nsec of 1e9: EINVAL");
    check_errno(utimensat(AT_FDCWD, "t", ts, 0x1), EINVAL, "utimensat with an unknown flag: EINVAL");
    check_errno(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT, "utimensat of a missing name: ENOENT");
    close(fd);

    check(symlink("t", "tl") == 0, "a link", "errno %d", errno);
    struct stat before;
    stat("t", &before);
    check(utimensat(AT_FDCWD, "tl", ts, AT_SYMLINK_NOFOLLOW) == 0 && lstat("tl", &st) == 0 &&
              st.st_mtim.tv_sec == 2000 && stat("t", &st) == 0 && st.st_mtim.tv_sec == before.st_mtim.tv_sec,
          "utimensat(AT_SYMLINK_NOFOLLOW) changes the link, not its target", "errno %d", errno);

    struct timeval tv[2] = {{4000, 5}, {5000, 999999}};
    check(utimes("t", tv) == 0 && stat("t", &st) == 0 && st.st_atim.tv_sec == 4000 && st.st_atim.tv_nsec == 5000 &&
              st.st_mtim.tv_sec == 5000 && st.st_mtim.tv_nsec == 999999000,
          "utimes: microseconds", "%ld.%ld %ld.%ld", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
          (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timeval badtv[2] = {{0, 1000000}, {0, 0}};
    check_errno(syscall(SYS_utimes, "t", badtv), EINVAL, "utimes with tv_usec of 1e6: EINVAL");
    struct utimbuf ub = {6000, 7000};
    check(utime("t", &ub) == 0 && stat("t", &st) == 0 && st.st_atim.tv_sec == 6000 && st.st_mtim.tv_sec == 7000 &&
              st.st_mtim.tv_nsec == 0,
          "utime: seconds", "%ld %ld", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
    check(syscall(SYS_utime, "t", NULL) == 0 && stat("t", &st) == 0 &&
              labs((long)(st.st_mtim.tv_sec - time(NULL))) <= 5,
          "utime with NULL: now", "mtime %ld", (long)st.st_mtim.tv_sec);
    /* Creating a name changes the directory's mtime. */
    struct timespec old[2] = {{1000, 0}, {1000, 0}};
    utimensat(AT_FDCWD, ".", old, 0);
    write_file("t2", "");
    check(stat(".", &st) == 0 && st.st_mtim.tv_sec > 1000, "creating a name updates the directory's mtime",
          "mtime %ld", (long)st.st_mtim.tv_sec);
}

static void modes(void)
{
    struct stat st = {0};
    check(write_file("m", "") && chmod("m", 0751) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 0751,
          "chmod 0751", "mode %o", st.st_mode);
    int fd = open("m", O_RDONLY);
    check(fchmod(fd, 04700) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 04700 && S_ISREG(st.st_mode),
          "fchmod 04700 keeps the type", "mode %o", st.st_mode);
    close(fd);
    check(fchmodat(AT_FDCWD, "m", 0640, 0) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 0640,
          "fchmodat 0640", "mode %o", st.st_mode);
    check(chmod("m", 0177777) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 07777 && S_ISREG(st.st_mode),
          "chmod ignores type bits", "mode %o", st.st_mode);
    check(symlink("m", "ml") == 0 && chmod("ml", 0600) == 0 && stat("m", &st) == 0 && (st.st_mode & 07777) == 0600,
          "chmod follows a link", "mode %o", st.st_mode);
    check_errno(chmod("missing", 0600), ENOENT, "chmod of a missing name: ENOENT");
    check_errno(fchmod(999, 0600), EBADF, "fchmod of a bad descriptor: EBADF");
    if (is_root()) {
        /* A non-member (not root) setting S_ISGID loses it. */
        check(chown("m", 65534, 0) == 0, "the file is given to nobody, group 0", "errno %d", errno);
        pid_t c = fork();
        if (c == 0) {
            if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0 || geteuid() != 65534)
                _exit(77);
            if (chmod("m", 02755) != 0)
                _exit(1);
            struct stat s;
            _exit(stat("m", &s) == 0 && (s.st_mode & 07777) == 0755 ? 0 : 2);
        }
        int s = 0;
        waitpid(c, &s, 0);
        if (exited_with(s, 77))
            skip("chmod by a non-member clears S_ISGID", "cannot become another user here");
        else
            check(exited_with(s, 0), "chmod by a non-member clears S_ISGID", "status %#x", s);
        chown("m", 0, 0);
    } else {
        skip("chmod by a non-member clears S_ISGID", "not root");
    }
}

static void owners(void)
{
    struct stat st = {0};
    if (!is_root()) {
        check_errno(chown("m", 0, 0), EPERM, "chown to root by a user: EPERM");
        skip("chown by root", "not root");
        return;
    }
    check(write_file("o", "") && chown("o", 1234, 5678) == 0 && stat("o", &st) == 0 && st.st_uid == 1234 &&
              st.st_gid == 5678,
          "chown 1234:5678", "%u:%u", st.st_uid, st.st_gid);
    check(chown("o", -1, 42) == 0 && stat("o", &st) == 0 && st.st_uid == 1234 && st.st_gid == 42,
          "chown -1:42 keeps the owner", "%u:%u", st.st_uid, st.st_gid);
    check(chmod("o", 06755) == 0 && chown("o", 0, 0) == 0 && stat("o", &st) == 0 && (st.st_mode & 07777) == 0755,
          "chown of a regular file clears set-user-ID and (group-executable) set-group-ID", "mode %o",
          st.st_mode & 07777);
    check(mkdir("od", 0755) == 0 && chmod("od", 02755) == 0 && chown("od", 7, 7) == 0 && stat("od", &st) == 0 &&
              (st.st_mode & 07777) == 02755,
          "chown of a directory keeps set-group-ID", "mode %o", st.st_mode & 07777);
    check(symlink("o", "ol") == 0 && lchown("ol", 99, 98) == 0 && lstat("ol", &st) == 0 && st.st_uid == 99 &&
              stat("o", &st) == 0 && st.st_uid == 0,
          "lchown changes the link, not its target", "errno %d", errno);
    check(fchownat(AT_FDCWD, "ol", 55, 56, AT_SYMLINK_NOFOLLOW) == 0 && lstat("ol", &st) == 0 && st.st_uid == 55,
          "fchownat(AT_SYMLINK_NOFOLLOW) too", "errno %d", errno);
    check(fchownat(AT_FDCWD, "ol", 66, 67, 0) == 0 && stat("o", &st) == 0 && st.st_uid == 66 && st.st_gid == 67,
          "fchownat without it follows", "errno %d", errno);
    int fd = open("o", O_RDONLY);
    check(fchown(fd, 1, 2) == 0 && fstat(fd, &st) == 0 && st.st_uid == 1 && st.st_gid == 2, "fchown", "errno %d",
          errno);
    check(fchownat(fd, "", 3, 4, AT_EMPTY_PATH) == 0 && fstat(fd, &st) == 0 && st.st_uid == 3,
          "fchownat(AT_EMPTY_PATH) on a descriptor", "errno %d", errno);
    close(fd);
    check_errno(fchownat(AT_FDCWD, "o", 0, 0, 0x1), EINVAL, "fchownat with an unknown flag: EINVAL");
}

static void accesses(void)
{
    check(write_file("a", "") && chmod("a", 0644) == 0, "a file 0644", "errno %d", errno);
    check_eq(access("a", F_OK), 0, "access F_OK");
    check_eq(access("a", R_OK | W_OK), 0, "access R_OK|W_OK");
    check_errno(access("a", X_OK), EACCES, "X_OK on a file without execute bits: EACCES (even for root)");
    check_errno(access("missing", F_OK), ENOENT, "access of a missing name: ENOENT");
    check_errno(access("a", 8), EINVAL, "access with a bad mode: EINVAL");
    check(chmod("a", 0700) == 0 && access("a", X_OK) == 0, "after chmod 0700 X_OK passes", "errno %d", errno);
    if (is_root())
        check(chmod("a", 0001) == 0 && access("a", X_OK) == 0, "one execute bit for anyone is enough for root",
              "errno %d", errno);
    chmod("a", 0644);
    check_eq(access(".", X_OK), 0, "X_OK on a directory");
    check_eq(faccessat(AT_FDCWD, "a", F_OK, 0), 0, "faccessat F_OK");
    check_eq(syscall(SYS_faccessat2, AT_FDCWD, "a", R_OK, AT_EACCESS_), 0, "faccessat2 with AT_EACCESS");
    check(symlink("nowhere", "dang") == 0, "a dangling link", "errno %d", errno);
    check_errno(access("dang", F_OK), ENOENT, "access follows it: ENOENT");
    check_eq(syscall(SYS_faccessat2, AT_FDCWD, "dang", F_OK, AT_SYMLINK_NOFOLLOW), 0,
             "faccessat2(AT_SYMLINK_NOFOLLOW) sees the link");
    int fd = open("a", O_RDONLY);
    check_eq(syscall(SYS_faccessat2, fd, "", F_OK, AT_EMPTY_PATH), 0, "faccessat2(AT_EMPTY_PATH) on a descriptor");
    close(fd);
    check_errno(syscall(SYS_faccessat2, AT_FDCWD, "a", F_OK, 0x1), EINVAL, "faccessat2 with an unknown flag: EINVAL");
    if (!is_root()) {
        check(chmod("a", 0) == 0, "chmod 0", "errno %d", errno);
        check_errno(access("a", R_OK), EACCES, "R_OK on a mode-0 file: EACCES");
    }
}

static void lengths(void)
{
    int fd = open("len", O_RDWR | O_CREAT, 0644);
    char b[64];
    check(write(fd, "0123456789", 10) == 10, "a 10-byte file", "errno %d", errno);
    struct stat st = {0};
    check(ftruncate(fd, 20) == 0 && fstat(fd, &st) == 0 && st.st_size == 20, "ftruncate grows it to 20", "size %ld",
          (long)st.st_size);
    memset(b, 'x', sizeof b);
    check(pread(fd, b, sizeof b, 0) == 20 && memcmp(b, "0123456789", 10) == 0 &&
              memcmp(b + 10, "\0\0\0\0\0\0\0\0\0\0", 10) == 0,
          "the new bytes are zeros", "got %.20s", b);
    check(truncate("len", 4) == 0 && stat("len", &st) == 0 && st.st_size == 4, "truncate shrinks it to 4",
          "size %ld", (long)st.st_size);
    check(ftruncate(fd, 8) == 0 && pread(fd, b, sizeof b, 0) == 8 && memcmp(b, "0123\0\0\0\0", 8) == 0,
          "shrinking then growing gives zeros, not the old bytes", "got %.8s", b);
    check_errno(truncate(".", 0), EISDIR, "truncate of a directory: EISDIR");
    check_errno(truncate("len", -1), EINVAL, "truncate to a negative length: EINVAL");
    check_errno(truncate("missing", 0), ENOENT, "truncate of a missing name: ENOENT");
    close(fd);
    fd = open("len", O_RDONLY);
    check_errno(ftruncate(fd, 0), EINVAL, "ftruncate on a read-only descriptor: EINVAL");
    close(fd);
    fd = open(".", O_RDONLY | O_DIRECTORY);
    check_errno(ftruncate(fd, 0), EINVAL, "ftruncate of a directory: EINVAL");
    close(fd);
    /* A sparse file reads as zeros in its hole. */
    fd = open("sparse", O_RDWR | O_CREAT, 0644);
    check(pwrite(fd, "end", 3, 3 << 20) == 3 && fstat(fd, &st) == 0 && st.st_size == (3 << 20) + 3,
          "a write at 3 MiB makes a 3 MiB file", "size %ld", (long)st.st_size);
    static char big[1 << 16];
    long nonzero = 0, total = 0, n;
    while ((n = read(fd, big, sizeof big)) > 0) {
        for (long i = 0; i < n; i++)
            nonzero += big[i] != 0;
        total += n;
    }
    check(total == (3 << 20) + 3 && nonzero == 3, "the hole reads as zeros", "%ld bytes, %ld non-zero", total,
          nonzero);
    check(st.st_blocks < 64, "and takes (almost) no blocks", "%ld blocks", (long)st.st_blocks);
    close(fd);

    /* fallocate mode 0. */
    fd = open("alloc", O_RDWR | O_CREAT, 0644);
    check(fallocate(fd, 0, 0, 10000) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000 && st.st_blocks >= 16,
          "fallocate mode 0 grows the file and gives it blocks", "size %ld blocks %ld", (long)st.st_size,
          (long)st.st_blocks);
    check(pread(fd, b, 16, 5000) == 16 && memcmp(b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) == 0,
          "which read as zeros", "errno %d", errno);
    check(fallocate(fd, 0, 0, 100) == 0 && fstat(fd, &st) == 0 && st.st_size == 10000,
          "fallocate inside the file keeps the size", "size %ld", (long)st.st_size);
    check_errno(fallocate(fd, 0, -1, 10), EINVAL, "fallocate at a negative offset: EINVAL");
    check_errno(fallocate(fd, 0, 0, 0), EINVAL, "fallocate of length 0: EINVAL");
    close(fd);
    fd = open("alloc", O_RDONLY);
    check_errno(fallocate(fd, 0, 0, 10), EBADF, "fallocate on a read-only descriptor: EBADF");
    close(fd);
}

static void holes(void)
{
    int fd = open("holes", O_RDWR | O_CREAT, 0644);
    check(pwrite(fd, "head", 4, 0) == 4 && pwrite(fd, "tail", 4, 1 << 20) == 4, "data at 0 and at 1 MiB",
          "errno %d", errno);
    off_t size = (1 << 20) + 4;
    check_eq(lseek(fd, 0, SEEK_DATA), 0, "SEEK_DATA from 0 finds 0");
    off_t h = lseek(fd, 0, SEEK_HOLE);
    check(h >= 4 && h < (1 << 20), "SEEK_HOLE from 0 finds the hole after the first block", "got %ld", (long)h);
    off_t d = lseek(fd, h, SEEK_DATA);
    check(d > h && d <= (1 << 20), "SEEK_DATA from the hole finds the data at 1 MiB (or its block)", "got %ld",
          (long)d);
    check_eq(lseek(fd, 1 << 20, SEEK_HOLE), size, "SEEK_HOLE in the last data: the end of the file");
    check_eq(lseek(fd, 0, SEEK_CUR), size, "and the position moved there");
    check_errno(lseek(fd, size, SEEK_DATA), ENXIO, "SEEK_DATA at the end: ENXIO");
    check_errno(lseek(fd, size + 100, SEEK_HOLE), ENXIO, "SEEK_HOLE past the end: ENXIO");
    check_errno(lseek(fd, -1, SEEK_DATA), ENXIO, "SEEK_DATA from a negative offset: ENXIO");
    check_errno(lseek(fd, 0, 5), EINVAL, "lseek with an unknown whence: EINVAL");
    check_errno(lseek(fd, -1, SEEK_SET), EINVAL, "lseek to a negative position: EINVAL");
    close(fd);
}

static void fs_stats(void)
{
    struct statfs a, b;
    int fd = open("f", O_RDONLY);
    check(statfs(".", &a) == 0 && fstatfs(fd, &b) == 0 && a.f_type == b.f_type && a.f_blocks == b.f_blocks &&
              a.f_bsize == b.f_bsize,
          "statfs and fstatfs agree", "errno %d", errno);
    check(a.f_namelen == 255 && a.f_bsize > 0, "f_namelen 255", "namelen %ld", (long)a.f_namelen);
    check_errno(statfs("missing", &a), ENOENT, "statfs of a missing name: ENOENT");
    check_errno(fstatfs(999, &a), EBADF, "fstatfs of a bad descriptor: EBADF");
    close(fd);
    struct statfs t;
    statfs("/tmp", &t);
    if (t.f_type != TMPFS_MAGIC_ && !on_marten()) {
        skip("/tmp is a tmpfs (TMPFS_MAGIC)", "/tmp is another file system here");
        return;
    }
    check(t.f_type == TMPFS_MAGIC_, "/tmp is a tmpfs (TMPFS_MAGIC)", "f_type %#lx", (unsigned long)t.f_type);
    check(t.f_blocks > 0 && t.f_bfree <= t.f_blocks && t.f_files > 0 && t.f_ffree <= t.f_files,
          "with sensible block and inode counts", "%lu/%lu", (unsigned long)t.f_bfree, (unsigned long)t.f_blocks);
    check((t.f_flags & 0x20) != 0, "f_flags has ST_VALID", "f_flags %#lx", (unsigned long)t.f_flags);
}

static void copies(void)
{
    check(write_file("src", "0123456789abcdef"), "a 16-byte source", "errno %d", errno);
    int in = open("src", O_RDONLY);
    int out = open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
    off_t off = 4;
    check_eq(sendfile(out, in, &off, 6), 6, "sendfile of 6 bytes from offset 4");
    check_eq(off, 10, "the offset moved to 10");
    check_eq(lseek(in, 0, SEEK_CUR), 0, "the source's position stays");
    check_eq(lseek(out, 0, SEEK_CUR), 6, "the destination's position moved");
    check_eq(sendfile(out, in, NULL, 3), 3, "sendfile without an offset");
    check_eq(lseek(in, 0, SEEK_CUR), 3, "uses and moves the source's position");
    char b[32];
    check(pread(out, b, sizeof b, 0) == 9 && memcmp(b, "456789012", 9) == 0, "the destination has the bytes",
          "got %.9s", b);
    off = 14;
    check_eq(sendfile(out, in, &off, 100), 2, "sendfile stops at the end of the source");
    check_errno(sendfile(out, 999, NULL, 1), EBADF, "sendfile from a bad descriptor: EBADF");
    int ro = open("dst", O_RDONLY);
    check_errno(sendfile(ro, in, NULL, 1), EBADF, "sendfile to a read-only descriptor: EBADF");
    close(ro);

    off_t ioff = 10, ooff = 100;
    check_eq(copy_file_range(in, &ioff, out, &ooff, 6, 0), 6, "copy_file_range with both offsets");
    check(ioff == 16 && ooff == 106, "both offsets moved", "%ld %ld", (long)ioff, (long)ooff);
    check(pread(out, b, 6, 100) == 6 && memcmp(b, "abcdef", 6) == 0, "the bytes landed at 100", "got %.6s", b);
    lseek(in, 0, SEEK_SET);
    lseek(out, 0, SEEK_SET);
    check_eq(copy_file_range(in, NULL, out, NULL, 4, 0), 4, "copy_file_range with the positions");
    check(lseek(in, 0, SEEK_CUR) == 4 && lseek(out, 0, SEEK_CUR) == 4, "both positions moved", "%ld %ld",
          (long)lseek(in, 0, SEEK_CUR), (long)lseek(out, 0, SEEK_CUR));
    check_errno(copy_file_range(in, NULL, out, NULL, 4, 1), EINVAL, "copy_file_range with flags: EINVAL");
    ioff = 0;
    check_eq(copy_file_range(in, &ioff, out, NULL, 0, 0), 0, "copy_file_range of 0 bytes");
    int app = open("dst", O_WRONLY | O_APPEND);
    check_errno(copy_file_range(in, NULL, app, NULL, 4, 0), EBADF, "copy_file_range to an O_APPEND file: EBADF");
    close(app);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    check_errno(copy_file_range(dir, NULL, out, NULL, 4, 0), EISDIR, "copy_file_range from a directory: EISDIR");
    close(dir);
    close(in);
    close(out);
}

static void syncs(void)
{
    int fd = open("f", O_RDWR);
    check_eq(fsync(fd), 0, "fsync");
    check_eq(fdatasync(fd), 0, "fdatasync");
    check_eq(syncfs(fd), 0, "syncfs");
    sync();
    check(true, "sync returns", "never");
    check_errno(fsync(999), EBADF, "fsync of a bad descriptor: EBADF");
    check_errno(syncfs(999), EBADF, "syncfs of a bad descriptor: EBADF");
    close(fd);
}

/* Descriptor calls an O_PATH descriptor refuses (EBADF) or serves. */
static void o_path_fds(void)
{
    int fd = open("f", O_PATH);
    struct stat st = {0};
    struct statfs sf;
    check(fd >= 0 && fstat(fd, &st) == 0 && fstatfs(fd, &sf) == 0, "O_PATH: fstat and fstatfs work", "errno %d",
          errno);
    /* (musl's fchmod and fchown retry through /proc/self/fd on EBADF.) */
    check_errno(syscall(SYS_fchmod, fd, 0600), EBADF, "O_PATH: fchmod is EBADF");
    check_errno(syscall(SYS_fchown, fd, 0, 0), EBADF, "O_PATH: fchown is EBADF");
    check_errno(ftruncate(fd, 0), EBADF, "O_PATH: ftruncate is EBADF");
    check_errno(fallocate(fd, 0, 0, 10), EBADF, "O_PATH: fallocate is EBADF");
    check_errno(fsync(fd), EBADF, "O_PATH: fsync is EBADF");
    check_errno(syncfs(fd), EBADF, "O_PATH: syncfs is EBADF");
    struct timespec ts[2] = {{1, 0}, {1, 0}};
    check_errno(futimens(fd, ts), EBADF, "O_PATH: futimens is EBADF");
    check(fchownat(fd, "", -1, -1, AT_EMPTY_PATH) == 0 || !is_root(), "O_PATH: fchownat(AT_EMPTY_PATH) works",
          "errno %d", errno);
    check_eq(syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH), 0, "O_PATH: faccessat2(AT_EMPTY_PATH) works");
    close(fd);
}

int main(void)
{
    check_init("t_attrs");
    umask(022);
    enter_scratch("t_attrs", scratch, sizeof scratch);
    chmod(scratch, 0755); /* other users take part in some checks */
    stats();
    times_();
    modes();
    owners();
    accesses();
    lengths();
    holes();
    fs_stats();
    copies();
    syncs();
    o_path_fds();
    chdir("/");
    remove_tree(scratch);
    return check_finish();
}
