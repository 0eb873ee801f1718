/* t_ext2.c: the file API on a mounted ext2 file system. Usage: t_ext2 DIR,
 * where DIR is a writable directory on an ext2 mount (Marten's e2e test
 * gives it a fresh 24 MiB image; on Linux run it as root on a small ext2
 * mount). Works in a fresh subdirectory of DIR, removed at the end.
 * Checks: statfs's f_type; create/write/read back (small, 1 MiB, sparse
 * with a hole then data at 5 MiB); O_APPEND from two descriptors;
 * ftruncate down and up (the tail reads as zeros); pwrite/pread at odd
 * offsets across pages; rename over a file, into another directory,
 * RENAME_NOREPLACE and RENAME_EXCHANGE (EINVAL, as Linux's ext2); hard
 * links; fast and slow symlinks; mkdir/rmdir (ENOTEMPTY); getdents64 of
 * 1,500 entries; unlink of an open file (its blocks come back after
 * close); O_TMPFILE (an unnamed file: written, truncated, mapped and
 * fstat'd with no links, then named by linkat(AT_EMPTY_PATH); refused a
 * name with O_EXCL; one closed unnamed leaves its inode and blocks free);
 * mmap MAP_SHARED and MAP_PRIVATE; chmod/chown/utimensat; fsync and
 * fdatasync; a FIFO made by mknod; and a full disk (ENOSPC, then space
 * again once the file is gone). */
#define _GNU_SOURCE
#include "check.h"
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define EXT2_MAGIC_ 0xEF53
#define RENAME_NOREPLACE_ (1U << 0)
#define RENAME_EXCHANGE_ (1U << 1)
#define MIB (1024L * 1024L)
#define DIR_ENTRIES 1500
/* The full-disk check runs only when the file system has at most this
 * much free space (it writes until ENOSPC). */
#define FULL_DISK_LIMIT (64L * MIB)

static char buf[128 * 1024];
static char got[128 * 1024];

static unsigned char pattern(long i, unsigned seed)
{
    return (unsigned char)((i * 131 + (i >> 12) * 7 + seed) & 0xff);
}

static void fill(char *b, size_t n, long base, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (char)pattern(base + (long)i, seed);
}

/* Writes all of b (retrying short writes); the count written or -1. */
static long write_all(int fd, const void *b, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, (const char *)b + done, n - done);
        if (w < 0)
            return -1;
        if (w == 0)
            break;
        done += (size_t)w;
    }
    return (long)done;
}

/* Reads up to n bytes at off (retrying short reads); the count or -1. */
static long pread_all(int fd, void *b, size_t n, off_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)b + done, n - done, off + (off_t)done);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

static bool all_zero(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void small_file(void)
{
    check(write_file("small", "hello ext2\n"), "create and write a small file", "%s", strerror(errno));
    char b[64];
    long n = read_file("small", b, sizeof b);
    check(n == 11 && strcmp(b, "hello ext2\n") == 0, "the small file reads back", "got %ld bytes", n);
    check_eq(file_size("small"), 11, "stat: the small file's size");
    /* read(2) copies from the page cache straight to user memory: a bad
     * address is EFAULT, and a buffer that runs into an unmapped page
     * gets what fits before it. */
    int fd = open("small", O_RDONLY);
    check_errno(read(fd, (void *)8, 4), EFAULT, "read into a bad address: EFAULT");
    char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (check(m != MAP_FAILED, "map two pages", "%s", strerror(errno))) {
        munmap(m + 4096, 4096);
        check_eq(pread(fd, m + 4096 - 5, 11, 0), 5, "a read running into an unmapped page stops there");
        check(memcmp(m + 4096 - 5, "hello", 5) == 0, "the bytes before it arrived", "got %.5s", m + 4096 - 5);
        munmap(m, 4096);
    }
    close(fd);
}

/* Writes 1 MiB of fill(seed) to fd in sizeof buf pieces; whether all went. */
static bool write_mib(int fd, unsigned seed)
{
    bool wrote = true;
    for (long off = 0; off < MIB; off += (long)sizeof buf) {
        fill(buf, sizeof buf, off, seed);
        wrote &= write_all(fd, buf, sizeof buf) == (long)sizeof buf;
    }
    return wrote;
}

static void mib_file(void)
{
    int fd = open("mib", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (!check(fd >= 0, "create a 1 MiB file", "%s", strerror(errno)))
        return;
    check(write_mib(fd, 3), "write 1 MiB in 128 KiB pieces", "%s", strerror(errno));
    check_eq(close(fd), 0, "close the 1 MiB file");
    check_eq(file_size("mib"), MIB, "stat: 1 MiB");
    fd = open("mib", O_RDONLY);
    if (!check(fd >= 0, "reopen the 1 MiB file", "%s", strerror(errno)))
        return;
    bool same = true;
    long bad = -1;
    for (long off = 0; off < MIB && same; off += (long)sizeof got) {
        fill(buf, sizeof buf, off, 3);
        same = pread_all(fd, got, sizeof got, off) == (long)sizeof got && memcmp(buf, got, sizeof got) == 0;
        if (!same)
            bad = off;
    }
    check(same, "the 1 MiB file reads back", "differs in the 128 KiB at %ld", bad);
    char c;
    check_eq(pread(fd, &c, 1, MIB), 0, "read at the end returns 0");
    close(fd);
}

static void sparse_file(void)
{
    int fd = open("sparse", O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (!check(fd >= 0, "create a sparse file", "%s", strerror(errno)))
        return;
    fill(buf, 4096, 0, 9);
    check_eq(pwrite(fd, buf, 4096, 5 * MIB), 4096, "pwrite 4 KiB at 5 MiB");
    check_eq(fsync(fd), 0, "fsync the sparse file");
    struct stat st;
    check_eq(fstat(fd, &st), 0, "fstat the sparse file");
    check_eq(st.st_size, 5 * MIB + 4096, "st_size is 5 MiB + 4 KiB");
    check(st.st_blocks * 512 < MIB, "the hole takes no blocks", "st_blocks %lld", (long long)st.st_blocks);
    bool zeros = true;
    long bad = -1;
    for (long off = 0; off < 5 * MIB && zeros; off += (long)sizeof got) {
        memset(got, 0x5a, sizeof got);
        zeros = pread_all(fd, got, sizeof got, off) == (long)sizeof got && all_zero(got, sizeof got);
        if (!zeros)
            bad = off;
    }
    check(zeros, "the 5 MiB hole reads as zeros", "not at the 128 KiB at %ld", bad);
    memset(got, 0, 4096);
    check(pread_all(fd, got, 4096, 5 * MIB) == 4096 && memcmp(got, buf, 4096) == 0,
          "the data after the hole reads back", "differs");
    /* A read that spans the end of the hole and the data. */
    memset(got, 0x5a, 200);
    long n = pread_all(fd, got, 200, 5 * MIB - 100);
    check(n == 200 && all_zero(got, 100) && memcmp(got + 100, buf, 100) == 0,
          "a read across the hole's end: zeros then data", "got %ld bytes", n);
    close(fd);
}

static void append_two(void)
{
    int a = open("append", O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    int b = open("append", O_WRONLY | O_APPEND);
    if (!check(a >= 0 && b >= 0, "open one file O_APPEND twice", "%s", strerror(errno)))
        return;
    check_eq(write(a, "aaaa", 4), 4, "O_APPEND: write through the first");
    check_eq(write(b, "bbbbbb", 6), 6, "O_APPEND: write through the second");
    check_eq(write(a, "cc", 2), 2, "O_APPEND: the first again");
    check_eq(lseek(a, 0, SEEK_CUR), 12, "O_APPEND: the first's offset is the end");
    close(a);
    close(b);
    char t[32];
    long n = read_file("append", t, sizeof t);
    check(n == 12 && strcmp(t, "aaaabbbbbbcc") == 0, "O_APPEND: nothing overwritten", "got %ld bytes: %s", n,
          n > 0 ? t : "");
}

static void truncate_file(void)
{
    int fd = open("trunc", O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (!check(fd >= 0, "create a file to truncate", "%s", strerror(errno)))
        return;
    memset(buf, 'x', 10000);
    check_eq(write_all(fd, buf, 10000), 10000, "write 10,000 bytes");
    check_eq(fsync(fd), 0, "fsync before truncating");
    check_eq(ftruncate(fd, 3000), 0, "ftruncate down to 3,000");
    struct stat st;
    fstat(fd, &st);
    check_eq(st.st_size, 3000, "st_size 3,000");
    check_eq(ftruncate(fd, 9000), 0, "ftruncate up to 9,000");
    fstat(fd, &st);
    check_eq(st.st_size, 9000, "st_size 9,000");
    memset(got, 0x5a, 9000);
    long n = pread_all(fd, got, 9000, 0);
    bool head = n == 9000 && memcmp(got, buf, 3000) == 0;
    check(head, "the first 3,000 bytes survive", "got %ld bytes", n);
    check(n == 9000 && all_zero(got + 3000, 6000), "the grown tail reads as zeros", "not zeros");
    /* Again after the data went to disk. */
    check_eq(fsync(fd), 0, "fsync after growing");
    check_eq(ftruncate(fd, 1), 0, "ftruncate down to 1");
    check_eq(ftruncate(fd, 5000), 0, "ftruncate up to 5,000");
    memset(got, 0x5a, 5000);
    n = pread_all(fd, got, 5000, 0);
    check(n == 5000 && got[0] == 'x' && all_zero(got + 1, 4999), "after syncing: one byte then zeros",
          "got %ld bytes", n);
    check_eq(ftruncate(fd, 0), 0, "ftruncate to 0");
    check_eq(pread(fd, got, 10, 0), 0, "an empty file reads nothing");
    close(fd);
}

static void odd_offsets(void)
{
    int fd = open("odd", O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (!check(fd >= 0, "create a file for odd offsets", "%s", strerror(errno)))
        return;
    static char shadow[20000];
    memset(shadow, 0, sizeof shadow);
    struct {
        long off, len;
    } w[] = {{4093, 10000}, {1, 3}, {8191, 2}, {12287, 4099}, {17, 4096}, {19999, 1}};
    bool ok = true;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        fill(buf, (size_t)w[i].len, w[i].off, (unsigned)i + 20);
        ok &= pwrite(fd, buf, (size_t)w[i].len, w[i].off) == w[i].len;
        memcpy(shadow + w[i].off, buf, (size_t)w[i].len);
    }
    check(ok, "pwrite at odd offsets across page boundaries", "%s", strerror(errno));
    check_eq(lseek(fd, 0, SEEK_CUR), 0, "pwrite leaves the offset alone");
    long n = pread_all(fd, got, sizeof shadow, 0);
    check(n == (long)sizeof shadow && memcmp(got, shadow, sizeof shadow) == 0, "the whole file matches",
          "got %ld bytes", n);
    check_eq(fsync(fd), 0, "fsync the odd file");
    bool same = true;
    for (long off = 4090; off < 12300 && same; off += 1021) {
        memset(got, 0, 33);
        same = pread(fd, got, 33, off) == 33 && memcmp(got, shadow + off, 33) == 0;
    }
    check(same, "pread of 33 bytes at odd offsets across pages", "differs");
    close(fd);
}

static long renameat2_(const char *from, const char *to, unsigned flags)
{
    return syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, flags);
}

/* Is the file system of "." mounted by Linux's ext4 driver (which serves
 * ext2 mounts when Linux is built with CONFIG_EXT4_USE_FOR_EXT2)? It lists
 * each of its mounts' devices in /proc/fs/ext4. */
static bool served_by_ext4(void)
{
    struct stat st;
    FILE *f = fopen("/proc/self/mountinfo", "r");
    if (!f || stat(".", &st) != 0) {
        if (f)
            fclose(f);
        return false;
    }
    char line[1024];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned maj, min;
        if (sscanf(line, "%*s %*s %u:%u", &maj, &min) != 2 || maj != major(st.st_dev) ||
            min != minor(st.st_dev))
            continue;
        char *sep = strstr(line, " - ");
        char type[64], source[512];
        if (!sep || sscanf(sep, " - %63s %511s", type, source) != 2)
            continue;
        const char *base = strrchr(source, '/');
        char path[600];
        snprintf(path, sizeof path, "/proc/fs/ext4/%s", base ? base + 1 : source);
        found = access(path, F_OK) == 0;
    }
    fclose(f);
    return found;
}

static void renames(void)
{
    char t[64];
    write_file("ra", "from ra\n");
    write_file("rb", "from rb\n");
    check_eq(rename("ra", "rb"), 0, "rename over an existing file");
    check(read_file("rb", t, sizeof t) == 8 && strcmp(t, "from ra\n") == 0, "the target has the source's data",
          "%s", t);
    check_errno(access("ra", F_OK), ENOENT, "the source name is gone");
    check_eq(mkdir("rdir", 0755), 0, "mkdir rdir");
    check_eq(rename("rb", "rdir/moved"), 0, "rename into another directory");
    check(read_file("rdir/moved", t, sizeof t) == 8 && strcmp(t, "from ra\n") == 0, "the moved file reads",
          "%s", t);
    check_errno(access("rb", F_OK), ENOENT, "the old name is gone");
    check_eq(mkdir("rdir2", 0755), 0, "mkdir rdir2");
    check_eq(rename("rdir2", "rdir/sub"), 0, "rename a directory into another");
    struct stat st;
    check(stat("rdir", &st) == 0 && st.st_nlink == 3, "the new parent's link count is 3", "%ld",
          (long)st.st_nlink);
    check(stat("rdir/sub/..", &st) == 0 && stat("rdir", &st) == 0, "the moved directory's .. resolves",
          "%s", strerror(errno));
    struct stat a, b;
    check(stat("rdir/sub/..", &a) == 0 && stat("rdir", &b) == 0 && a.st_ino == b.st_ino,
          "the moved directory's .. is its new parent", "inode %ld, want %ld", (long)a.st_ino, (long)b.st_ino);
    write_file("rx", "x\n");
    write_file("ry", "y\n");
    check_errno(renameat2_("rx", "ry", RENAME_NOREPLACE_), EEXIST, "RENAME_NOREPLACE over a file: EEXIST");
    check(read_file("ry", t, sizeof t) == 2 && t[0] == 'y', "RENAME_NOREPLACE left the target alone", "%s", t);
    check_eq(renameat2_("rx", "rz", RENAME_NOREPLACE_), 0, "RENAME_NOREPLACE to a new name");
    if (served_by_ext4()) {
        /* Linux built with CONFIG_EXT4_USE_FOR_EXT2 mounts ext2 with its
         * ext4 driver, which exchanges; Linux's own ext2 driver does not. */
        check_eq(renameat2_("rz", "ry", RENAME_EXCHANGE_), 0, "RENAME_EXCHANGE (ext4's driver): exchanges");
        check(read_file("rz", t, sizeof t) == 2 && t[0] == 'y', "RENAME_EXCHANGE swapped the files", "%s", t);
        renameat2_("rz", "ry", RENAME_EXCHANGE_);
    } else {
        check_errno(renameat2_("rz", "ry", RENAME_EXCHANGE_), EINVAL, "RENAME_EXCHANGE: EINVAL on ext2");
        check(read_file("rz", t, sizeof t) == 2 && t[0] == 'x', "RENAME_EXCHANGE changed nothing", "%s", t);
    }
}

static void hard_links(void)
{
    write_file("h1", "linked data\n");
    check_eq(link("h1", "h2"), 0, "link");
    struct stat a, b;
    check(stat("h1", &a) == 0 && stat("h2", &b) == 0 && a.st_ino == b.st_ino, "both names are one inode",
          "inodes %ld and %ld", (long)a.st_ino, (long)b.st_ino);
    check_eq((long)a.st_nlink, 2, "st_nlink 2");
    check_errno(link("h1", "h2"), EEXIST, "link to an existing name: EEXIST");
    check_eq(unlink("h1"), 0, "unlink one name");
    char t[64];
    check(read_file("h2", t, sizeof t) == 12 && strcmp(t, "linked data\n") == 0, "the data is still there",
          "%s", t);
    check(stat("h2", &b) == 0 && b.st_nlink == 1, "st_nlink back to 1", "%ld", (long)b.st_nlink);
}

static void symlinks(void)
{
    char t[512];
    check_eq(symlink("small", "fast"), 0, "symlink (short: fast)");
    long n = readlink("fast", t, sizeof t);
    check(n == 5 && memcmp(t, "small", 5) == 0, "readlink of the fast symlink", "%ld", n);
    struct stat st;
    check(lstat("fast", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 5, "lstat: a 5-byte symlink",
          "mode %o size %ld", st.st_mode, (long)st.st_size);
    n = read_file("fast", t, sizeof t);
    check(n == 11 && strcmp(t, "hello ext2\n") == 0, "open through the fast symlink", "%ld", n);

    char target[201];
    /* 200 bytes: "./" repeated, then "small" (a path that resolves). */
    size_t len = 0;
    while (len + 2 <= 195) {
        memcpy(target + len, "./", 2);
        len += 2;
    }
    while (len < 195)
        target[len++] = '/';
    memcpy(target + len, "small", 5);
    len += 5;
    target[len] = 0;
    check_eq((long)strlen(target), 200, "the long target has 200 bytes");
    check_eq(symlink(target, "slow"), 0, "symlink (200 bytes: slow)");
    memset(t, 0, sizeof t);
    n = readlink("slow", t, sizeof t);
    check(n == 200 && memcmp(t, target, 200) == 0, "readlink of the slow symlink", "%ld", n);
    check(lstat("slow", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 200, "lstat: a 200-byte symlink",
          "size %ld", (long)st.st_size);
    n = read_file("slow", t, sizeof t);
    check(n == 11 && strcmp(t, "hello ext2\n") == 0, "open through the slow symlink", "%ld", n);
    n = readlink("slow", t, 10);
    check(n == 10 && memcmp(t, target, 10) == 0, "readlink into a short buffer truncates", "%ld", n);
    check_errno(readlink("small", t, sizeof t), EINVAL, "readlink of a regular file: EINVAL");
}

static void directories(void)
{
    check_eq(mkdir("d", 0755), 0, "mkdir");
    check_errno(mkdir("d", 0755), EEXIST, "mkdir of an existing name: EEXIST");
    write_file("d/f", "in d\n");
    check_errno(rmdir("d"), ENOTEMPTY, "rmdir of a non-empty directory: ENOTEMPTY");
    check_eq(unlink("d/f"), 0, "unlink the file in it");
    check_eq(rmdir("d"), 0, "rmdir the empty directory");
    check_errno(access("d", F_OK), ENOENT, "the directory is gone");
    check_errno(rmdir("small"), ENOTDIR, "rmdir of a file: ENOTDIR");
}

struct linux_dirent64_ {
    uint64_t ino;
    int64_t off;
    uint16_t reclen;
    uint8_t type;
    char name[];
};

static void many_entries(void)
{
    if (!check(mkdir("many", 0755) == 0, "mkdir many", "%s", strerror(errno)))
        return;
    bool made = true;
    char name[64];
    for (int i = 0; i < DIR_ENTRIES && made; i++) {
        snprintf(name, sizeof name, "many/entry-%04d", i);
        int fd = open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
        made = fd >= 0;
        if (fd >= 0)
            close(fd);
    }
    if (!check(made, "create 1,500 files in one directory", "%s", strerror(errno)))
        return;
    static int seen[DIR_ENTRIES];
    memset(seen, 0, sizeof seen);
    int dots = 0, strangers = 0, wrong_type = 0;
    int fd = open("many", O_RDONLY | O_DIRECTORY);
    if (!check(fd >= 0, "open the directory", "%s", strerror(errno)))
        return;
    long n;
    static char dbuf[4096];
    while ((n = syscall(SYS_getdents64, fd, dbuf, sizeof dbuf)) > 0) {
        for (long pos = 0; pos < n;) {
            struct linux_dirent64_ *d = (struct linux_dirent64_ *)(dbuf + pos);
            int k;
            char rest;
            if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0) {
                dots++;
                if (d->type != DT_DIR)
                    wrong_type++;
            } else if (sscanf(d->name, "entry-%4d%c", &k, &rest) == 1 && k >= 0 && k < DIR_ENTRIES) {
                seen[k]++;
                if (d->type != DT_REG)
                    wrong_type++;
            } else {
                strangers++;
            }
            pos += d->reclen;
        }
    }
    check_eq(n, 0, "getdents64 ends with 0");
    close(fd);
    int once = 0, twice = 0, missing = 0;
    for (int i = 0; i < DIR_ENTRIES; i++) {
        once += seen[i] == 1;
        twice += seen[i] > 1;
        missing += seen[i] == 0;
    }
    check(once == DIR_ENTRIES, "getdents64 finds each of the 1,500 entries exactly once",
          "%d missing, %d seen more than once", missing, twice);
    check_eq(dots, 2, "getdents64 lists . and .. once each");
    check_eq(strangers, 0, "getdents64 lists no other names");
    check_eq(wrong_type, 0, "d_type is DT_REG for the files, DT_DIR for . and ..");
    struct stat st;
    check(stat("many/entry-0777", &st) == 0 && S_ISREG(st.st_mode), "lookup of one entry", "%s",
          strerror(errno));
    bool gone = true;
    for (int i = 0; i < DIR_ENTRIES; i++) {
        snprintf(name, sizeof name, "many/entry-%04d", i);
        gone &= unlink(name) == 0;
    }
    check(gone, "unlink the 1,500 files", "%s", strerror(errno));
    check_eq(rmdir("many"), 0, "rmdir the emptied directory");
}

static long free_blocks(void)
{
    struct statfs sf;
    return statfs(".", &sf) == 0 ? (long)sf.f_bfree : -1;
}

static void unlink_open(void)
{
    sync();
    long before = free_blocks();
    int fd = open("doomed", O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (!check(fd >= 0, "create a file to unlink while open", "%s", strerror(errno)))
        return;
    bool wrote = true;
    for (long off = 0; off < 2 * MIB; off += (long)sizeof buf) {
        fill(buf, sizeof buf, off, 5);
        wrote &= write_all(fd, buf, sizeof buf) == (long)sizeof buf;
    }
    check(wrote, "write 2 MiB", "%s", strerror(errno));
    check_eq(fsync(fd), 0, "fsync it");
    long during = free_blocks();
    struct statfs sf;
    statfs(".", &sf);
    long want_used = 2 * MIB / (long)sf.f_bsize;
    check(before - during >= want_used, "statfs: the file's blocks are in use", "free %ld -> %ld", before,
          during);
    check_eq(unlink("doomed"), 0, "unlink the open file");
    check_errno(access("doomed", F_OK), ENOENT, "gone from the directory");
    struct stat st;
    check(fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 2 * MIB, "fstat: nlink 0, size kept",
          "nlink %ld size %ld", (long)st.st_nlink, (long)st.st_size);
    fill(buf, 4096, 0, 5);
    check(pread_all(fd, got, 4096, 0) == 4096 && memcmp(got, buf, 4096) == 0, "still readable", "differs");
    check_eq(pwrite(fd, "after unlink", 12, 2 * MIB), 12, "still writable");
    memset(got, 0, 16);
    check(pread(fd, got, 12, 2 * MIB) == 12 && memcmp(got, "after unlink", 12) == 0, "reads what it wrote",
          "%.12s", got);
    check_eq(fsync(fd), 0, "fsync of an unlinked file");
    check_eq(close(fd), 0, "close the last descriptor");
    long after = -1;
    for (int i = 0; i < 20; i++) {
        sync();
        after = free_blocks();
        if (after >= before - 8)
            break;
        sched_yield();
    }
    /* The directory may have grown by a block; nothing else may stay. */
    check(after >= before - 8, "statfs: the blocks are free again after close and sync", "free %ld -> %ld",
          before, after);
}

static long free_inodes(void)
{
    struct statfs sf;
    return statfs(".", &sf) == 0 ? (long)sf.f_ffree : -1;
}

/* Waits (syncing) until the free inodes are back to `inodes` and the free
 * blocks to at least `blocks`: an unnamed file's last close frees them,
 * on Marten at the next write-back or sync. */
static bool frees_back(long inodes, long blocks)
{
    for (int i = 0; i < 20; i++) {
        sync();
        if (free_inodes() == inodes && free_blocks() >= blocks)
            return true;
        sched_yield();
    }
    return false;
}

#define TMP_SIZE (300L * 1024)
#define TMP_CUT 200000L

static void tmpfiles(void)
{
    sync();
    long inodes0 = free_inodes(), blocks0 = free_blocks();
    int fd = open(".", O_TMPFILE | O_RDWR, 0640);
    if (!check(fd >= 0, "O_TMPFILE: open an unnamed file in the directory", "%s", strerror(errno)))
        return;
    struct stat st;
    check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0 && (st.st_mode & 07777) == 0640,
          "O_TMPFILE: fstat shows a regular file, mode 0640, no links", "mode %o nlink %ld", st.st_mode,
          (long)st.st_nlink);
    check_eq(free_inodes(), inodes0 - 1, "O_TMPFILE: statfs counts its inode");
    /* What the file should hold, built alongside. */
    static char shadow[TMP_SIZE];
    fill(shadow, TMP_SIZE, 0, 17);
    check_eq(write_all(fd, shadow, TMP_SIZE), TMP_SIZE, "O_TMPFILE: write 300 KiB");
    check(pread_all(fd, got, 4096, 70000) == 4096 && memcmp(got, shadow + 70000, 4096) == 0,
          "O_TMPFILE: it reads back", "differs");
    check_eq(ftruncate(fd, TMP_CUT), 0, "O_TMPFILE: ftruncate it down");
    check(fstat(fd, &st) == 0 && st.st_size == TMP_CUT && st.st_nlink == 0, "O_TMPFILE: fstat: the new size",
          "size %ld nlink %ld", (long)st.st_size, (long)st.st_nlink);
    char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (check(p != MAP_FAILED, "O_TMPFILE: mmap MAP_SHARED", "%s", strerror(errno))) {
        check(p[5000] == shadow[5000], "O_TMPFILE: the mapping shows the data", "differs");
        memcpy(p + 4090, "tmpfile-map", 11);
        memcpy(shadow + 4090, "tmpfile-map", 11);
        check_eq(munmap(p, 2 * 4096), 0, "O_TMPFILE: munmap");
    }
    check(pread_all(fd, got, 11, 4090) == 11 && memcmp(got, "tmpfile-map", 11) == 0,
          "O_TMPFILE: read sees the mapping's write", "%.11s", got);
    check_eq(fsync(fd), 0, "O_TMPFILE: fsync of the unnamed file");
    check_errno(access("tmp-named", F_OK), ENOENT, "O_TMPFILE: nothing is named yet");
    check_eq(linkat(fd, "", AT_FDCWD, "tmp-named", AT_EMPTY_PATH), 0, "O_TMPFILE: linkat(AT_EMPTY_PATH) names it");
    struct stat named;
    check(fstat(fd, &st) == 0 && st.st_nlink == 1 && stat("tmp-named", &named) == 0 && named.st_ino == st.st_ino,
          "O_TMPFILE: the name is the file, one link", "nlink %ld", (long)st.st_nlink);
    check_errno(linkat(fd, "", AT_FDCWD, "tmp-named", AT_EMPTY_PATH), EEXIST,
                "O_TMPFILE: linkat to a taken name: EEXIST");
    check_eq(close(fd), 0, "O_TMPFILE: close the named file");
    sync();
    fd = open("tmp-named", O_RDONLY);
    long n = fd >= 0 ? pread_all(fd, got, sizeof got, 0) : -1;
    bool same = n == (long)sizeof got && memcmp(got, shadow, sizeof got) == 0;
    n = fd >= 0 ? pread_all(fd, got, sizeof got, sizeof got) : -1;
    same &= n == TMP_CUT - (long)sizeof got && memcmp(got, shadow + sizeof got, (size_t)n) == 0;
    check(same && file_size("tmp-named") == TMP_CUT, "O_TMPFILE: the named file holds what was written",
          "size %ld", file_size("tmp-named"));
    if (fd >= 0)
        close(fd);

    /* O_EXCL: never a name. */
    sync();
    long inodes1 = free_inodes(), blocks1 = free_blocks();
    fd = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    if (check(fd >= 0, "O_TMPFILE|O_EXCL: open", "%s", strerror(errno))) {
        check_eq(write(fd, "excl", 4), 4, "O_TMPFILE|O_EXCL: write");
        check_errno(linkat(fd, "", AT_FDCWD, "tmp-excl", AT_EMPTY_PATH), ENOENT,
                    "O_TMPFILE|O_EXCL: linkat is ENOENT");
        check_errno(access("tmp-excl", F_OK), ENOENT, "O_TMPFILE|O_EXCL: no name appeared");
        close(fd);
    }
    /* One closed without a name, 1 MiB written and synced: nothing stays. */
    fd = open(".", O_TMPFILE | O_WRONLY, 0600);
    if (check(fd >= 0, "O_TMPFILE|O_WRONLY: open", "%s", strerror(errno))) {
        check(write_mib(fd, 23), "O_TMPFILE: write 1 MiB", "%s", strerror(errno));
        check_eq(fsync(fd), 0, "O_TMPFILE: fsync it");
        check_eq(close(fd), 0, "O_TMPFILE: close it unnamed");
    }
    check(frees_back(inodes1, blocks1), "O_TMPFILE: closed unnamed files leave their inodes and blocks free",
          "inodes %ld -> %ld, blocks %ld -> %ld", inodes1, free_inodes(), blocks1, free_blocks());
    /* One in a subdirectory, named in another directory of the file system. */
    check_eq(mkdir("tmpd", 0755), 0, "mkdir tmpd");
    fd = open("tmpd", O_TMPFILE | O_RDWR, 0644);
    if (check(fd >= 0, "O_TMPFILE in a subdirectory", "%s", strerror(errno))) {
        check_eq(write(fd, "moved\n", 6), 6, "O_TMPFILE: write into it");
        check_eq(linkat(fd, "", AT_FDCWD, "tmp-elsewhere", AT_EMPTY_PATH), 0,
                 "O_TMPFILE: linkat names it in another directory");
        close(fd);
        char t[16];
        check(read_file("tmp-elsewhere", t, sizeof t) == 6 && strcmp(t, "moved\n") == 0,
              "O_TMPFILE: that name reads back", "%s", t);
    }
    check_errno(open("tmp-named", O_TMPFILE | O_RDWR, 0600), ENOTDIR, "O_TMPFILE on a file: ENOTDIR");
    check_eq(unlink("tmp-named"), 0, "unlink the named tmpfile");
    check_eq(unlink("tmp-elsewhere"), 0, "unlink the other one");
    check_eq(rmdir("tmpd"), 0, "rmdir tmpd");
    check(frees_back(inodes0, blocks0 - 8), "O_TMPFILE: all gone, statfs is back where it was",
          "inodes %ld -> %ld, blocks %ld -> %ld", inodes0, free_inodes(), blocks0, free_blocks());
}

static void mappings(void)
{
    int fd = open("mapped", O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (!check(fd >= 0, "create a file to map", "%s", strerror(errno)))
        return;
    memset(buf, 'a', 3 * 4096);
    check_eq(write_all(fd, buf, 3 * 4096), 3 * 4096, "write 3 pages");
    char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (check(p != MAP_FAILED, "mmap MAP_SHARED", "%s", strerror(errno))) {
        check(p[5000] == 'a', "the mapping shows the file", "%c", p[5000]);
        memcpy(p + 4090, "shared-write", 12);
        p[3 * 4096 - 1] = 'z';
        check_eq(msync(p, 3 * 4096, MS_SYNC), 0, "msync MS_SYNC");
        check_eq(munmap(p, 3 * 4096), 0, "munmap");
        memset(got, 0, 16);
        check(pread(fd, got, 12, 4090) == 12 && memcmp(got, "shared-write", 12) == 0,
              "read sees the shared mapping's write (across a page boundary)", "%.12s", got);
        check(pread(fd, got, 1, 3 * 4096 - 1) == 1 && got[0] == 'z', "read sees the last byte written",
              "%c", got[0]);
    }
    p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (check(p != MAP_FAILED, "mmap MAP_PRIVATE", "%s", strerror(errno))) {
        check(memcmp(p + 4090, "shared-write", 12) == 0, "the private mapping shows the file", "differs");
        memcpy(p + 100, "private", 7);
        check(memcmp(p + 100, "private", 7) == 0, "the private copy holds the write", "differs");
        check_eq(msync(p, 2 * 4096, MS_SYNC), 0, "msync of a private mapping");
        check_eq(munmap(p, 2 * 4096), 0, "munmap the private mapping");
        memset(got, 0, 16);
        check(pread(fd, got, 7, 100) == 7 && memcmp(got, "aaaaaaa", 7) == 0,
              "MAP_PRIVATE writes do not reach the file", "%.7s", got);
    }
    check_eq(fsync(fd), 0, "fsync the mapped file");
    close(fd);
}

static void attributes(void)
{
    write_file("attrs", "attrs\n");
    check_eq(chmod("attrs", 0640), 0, "chmod 0640");
    check_eq(chown("attrs", 1234, 5678), 0, "chown 1234:5678");
    struct timespec ts[2] = {{.tv_sec = 1000000000, .tv_nsec = 0}, {.tv_sec = 1200000000, .tv_nsec = 0}};
    check_eq(utimensat(AT_FDCWD, "attrs", ts, 0), 0, "utimensat");
    int fd = open("attrs", O_RDONLY);
    check_eq(fsync(fd), 0, "fsync after changing attributes");
    check_eq(fdatasync(fd), 0, "fdatasync");
    close(fd);
    sync();
    struct stat st;
    check_eq(stat("attrs", &st), 0, "stat");
    check_eq(st.st_mode & 07777, 0640, "the mode survives");
    check(st.st_uid == 1234 && st.st_gid == 5678, "the owner survives", "%u:%u", st.st_uid, st.st_gid);
    check_eq(st.st_atim.tv_sec, 1000000000, "the access time survives");
    check_eq(st.st_mtim.tv_sec, 1200000000, "the modification time survives");
    check_eq(chmod("attrs", 0600), 0, "chmod again");
    check(stat("attrs", &st) == 0 && (st.st_mode & 07777) == 0600, "the second mode", "%o", st.st_mode);
    check(lchown("fast", 42, 43) == 0 && lstat("fast", &st) == 0 && st.st_uid == 42 && st.st_gid == 43,
          "lchown of a symlink", "%s", strerror(errno));
}

static void statfs_type(void)
{
    struct statfs sf;
    check_eq(statfs(".", &sf), 0, "statfs");
    check_eq((long)sf.f_type, EXT2_MAGIC_, "statfs f_type is 0xEF53");
    check(sf.f_bsize > 0 && sf.f_blocks > 0 && sf.f_bfree <= sf.f_blocks && sf.f_bavail <= sf.f_bfree,
          "statfs block counts are consistent", "bsize %ld blocks %ld free %ld avail %ld", (long)sf.f_bsize,
          (long)sf.f_blocks, (long)sf.f_bfree, (long)sf.f_bavail);
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    check_eq(syncfs(dfd), 0, "syncfs");
    close(dfd);
}

static void fifo(void)
{
    check_eq(mknod("fifo", S_IFIFO | 0600, 0), 0, "mknod a FIFO");
    struct stat st;
    check(stat("fifo", &st) == 0 && S_ISFIFO(st.st_mode), "stat: a FIFO", "mode %o", st.st_mode);
    int r = open("fifo", O_RDONLY | O_NONBLOCK);
    if (!check(r >= 0, "open the FIFO to read, O_NONBLOCK", "%s", strerror(errno)))
        return;
    int w = open("fifo", O_WRONLY);
    if (check(w >= 0, "open the FIFO to write", "%s", strerror(errno))) {
        check_eq(write(w, "through", 7), 7, "write into the FIFO");
        char t[16] = {0};
        check(read(r, t, sizeof t) == 7 && memcmp(t, "through", 7) == 0, "read from the FIFO", "%s", t);
        close(w);
    }
    close(r);
    check_eq(file_size("fifo"), 0, "the FIFO keeps no data in the file system");
    check_eq(unlink("fifo"), 0, "unlink the FIFO");
}

static void full_disk(void)
{
    struct statfs sf;
    statfs(".", &sf);
    long free_bytes = (long)sf.f_bfree * (long)sf.f_bsize;
    if (free_bytes > FULL_DISK_LIMIT) {
        skip("the full-disk check", "more than 64 MiB free: use a small ext2 image");
        return;
    }
    int fd = open("full", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (!check(fd >= 0, "create a file to fill the disk", "%s", strerror(errno)))
        return;
    memset(buf, 'F', sizeof buf);
    long total = 0;
    int err = 0;
    bool short_write = false;
    while (total <= free_bytes + MIB) {
        ssize_t w = write(fd, buf, sizeof buf);
        if (w < 0) {
            err = errno;
            break;
        }
        if (w < (ssize_t)sizeof buf)
            short_write = true;
        total += w;
    }
    check(err == ENOSPC, "writing until the disk is full ends in ENOSPC",
          "errno %d (%s) after %ld bytes of %ld free", err, strerror(err), total, free_bytes);
    check(total > free_bytes / 2, "most of the free space was written", "%ld of %ld", total, free_bytes);
    (void)short_write;
    check_eq(fsync(fd), 0, "fsync of the full file (what write accepted fits)");
    struct stat st;
    check(fstat(fd, &st) == 0 && st.st_size == total, "st_size is what was written", "%ld, want %ld",
          (long)st.st_size, total);
    check_errno(write(fd, buf, sizeof buf), ENOSPC, "another write: ENOSPC");
    check_eq(close(fd), 0, "close the full file");
    check_eq(unlink("full"), 0, "unlink it");
    sync();
    fd = open("after-full", O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (!check(fd >= 0, "create a file after freeing the space", "%s", strerror(errno)))
        return;
    long again = 0;
    for (int i = 0; i < 8; i++)
        again += write_all(fd, buf, sizeof buf);
    check_eq(again, 8 * (long)sizeof buf, "writing 1 MiB works again");
    check_eq(fsync(fd), 0, "fsync it");
    close(fd);
    check_eq(file_size("after-full"), MIB, "its size");
}

int main(int argc, char **argv)
{
    check_init("t_ext2");
    if (argc < 2) {
        say("usage: t_ext2 DIR (a directory on a mounted ext2 file system)");
        return 2;
    }
    if (chdir(argv[1]) != 0) {
        say("not ok - chdir %s: %s", argv[1], strerror(errno));
        check_record(false);
        return check_finish();
    }
    char scratch[64];
    snprintf(scratch, sizeof scratch, "t_ext2.%d", (int)getpid());
    if (!check(mkdir(scratch, 0755) == 0 && chdir(scratch) == 0, "make a scratch directory", "%s",
               strerror(errno)))
        return check_finish();

    statfs_type();
    small_file();
    mib_file();
    sparse_file();
    append_two();
    truncate_file();
    odd_offsets();
    renames();
    hard_links();
    symlinks();
    directories();
    many_entries();
    unlink_open();
    tmpfiles();
    mappings();
    attributes();
    fifo();
    full_disk();

    if (chdir("..") == 0)
        remove_tree(scratch);
    sync();
    return check_finish();
}
