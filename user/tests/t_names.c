/* t_names.c: the name system calls and their errors as Linux's man pages
 * list them: open's flags (O_CREAT, O_EXCL, O_TRUNC, O_APPEND from two
 * processes, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC, O_PATH, O_TMPFILE),
 * openat2, creat, trailing slashes, ENAMETOOLONG, ENOTDIR, ELOOP, symbolic
 * links, readlink, unlink/rmdir, link, rename/renameat2, mknod,
 * getdents64, chdir/fchdir/getcwd and chroot. Works in a fresh directory
 * under /tmp; the root-only parts (mounts, device nodes, chroot) are
 * skipped for other users. */
#include "check.h"
#include "fsutil.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

static char scratch[256];

struct open_how_t {
    uint64_t flags, mode, resolve;
};

static long renameat2_(int od, const char *o, int nd, const char *n, unsigned flags)
{
    return syscall(SYS_renameat2, od, o, nd, n, flags);
}

static ino_t ino_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_ino : 0;
}

static nlink_t nlink_of(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_nlink : 0;
}

static void open_flags(void)
{
    int fd = open("f", O_WRONLY | O_CREAT, 0640);
    check(fd >= 0, "O_CREAT creates a file", "errno %d", errno);
    struct stat st;
    check(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0640,
          "with the mode asked (umask 022)", "mode %o", st.st_mode);
    check_eq(write(fd, "hello", 5), 5, "and it can be written");
    close(fd);
    check_errno(open("f", O_WRONLY | O_CREAT | O_EXCL, 0640), EEXIST, "O_CREAT|O_EXCL on an existing file: EEXIST");
    fd = open("f", O_RDWR | O_CREAT, 0600);
    check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 5, "O_CREAT without O_EXCL opens the existing file",
          "size %ld", (long)st.st_size);
    close(fd);
    fd = open("f", O_WRONLY | O_TRUNC);
    check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "O_TRUNC empties it", "size %ld", (long)st.st_size);
    close(fd);
    check_errno(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file: ENOTDIR");
    check_errno(open("missing", O_RDONLY), ENOENT, "open of a missing file: ENOENT");
    check_errno(open(".", O_WRONLY), EISDIR, "a directory opened for writing: EISDIR");
    check_errno(open(".", O_CREAT | O_RDONLY, 0600), EISDIR, "O_CREAT on an existing directory: EISDIR");
    check_errno(open(".", O_RDWR), EISDIR, "a directory opened O_RDWR: EISDIR");
    check_errno(open("nd", O_CREAT | O_DIRECTORY | O_RDONLY, 0600), EINVAL, "O_CREAT|O_DIRECTORY: EINVAL");
    check_errno(mkdir(".", 0755), EEXIST, "mkdir(\".\"): EEXIST");
    check_errno(mkdir("..", 0755), EEXIST, "mkdir(\"..\"): EEXIST");
    check_errno(mkdir("/", 0755), EEXIST, "mkdir(\"/\"): EEXIST");
    check_errno(mkdir("f", 0755), EEXIST, "mkdir over a file: EEXIST");
    check(symlink("f", "lnk") == 0, "symlink lnk -> f", "errno %d", errno);
    check_errno(open("lnk", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a symbolic link: ELOOP");
    check_errno(open("lnk", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST,
                "O_CREAT|O_EXCL on a symbolic link: EEXIST (never followed)");
    fd = open("lnk", O_RDONLY);
    check(fd >= 0, "without O_NOFOLLOW the link is followed", "errno %d", errno);
    close(fd);
    check(symlink("created-through-link", "dangling") == 0, "a dangling link", "errno %d", errno);
    fd = open("dangling", O_WRONLY | O_CREAT, 0600);
    check(fd >= 0 && access("created-through-link", F_OK) == 0, "O_CREAT through a dangling link creates its target",
          "fd %d errno %d", fd, errno);
    close(fd);

    fd = open("f", O_RDONLY | O_CLOEXEC);
    check(fd >= 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "O_CLOEXEC sets FD_CLOEXEC", "flags %d", fcntl(fd, F_GETFD));
    close(fd);
    fd = open("f", O_RDONLY);
    check(fd >= 0 && fcntl(fd, F_GETFD) == 0, "without it FD_CLOEXEC is clear", "flags %d", fcntl(fd, F_GETFD));
    close(fd);

    /* creat: O_CREAT|O_WRONLY|O_TRUNC. */
    check(write_file("c", "some text"), "a file with text", "errno %d", errno);
    fd = creat("c", 0600);
    char b[8];
    check(fd >= 0 && fstat(fd, &st) == 0 && st.st_size == 0, "creat truncates an existing file", "size %ld",
          (long)st.st_size);
    check_errno(read(fd, b, 1), EBADF, "creat opens write-only: read is EBADF");
    close(fd);
}

/* Two processes append 16-byte records to one file through their own
 * descriptors: no record may be lost or torn. */
static void append_atomic(void)
{
    enum { RECORDS = 400 };
    int fd0 = open("app", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    close(fd0);
    pid_t kids[2];
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            int fd = open("app", O_WRONLY | O_APPEND);
            char rec[17];
            for (int i = 0; i < RECORDS; i++) {
                snprintf(rec, sizeof rec, "%c%014d\n", 'A' + k, i);
                if (write(fd, rec, 16) != 16)
                    _exit(1);
            }
            _exit(0);
        }
    }
    int ok = 1, s;
    for (int k = 0; k < 2; k++)
        ok &= waitpid(kids[k], &s, 0) == kids[k] && exited_with(s, 0);
    check(ok, "two processes append 400 records each", "a writer failed");
    static char buf[2 * RECORDS * 16 + 16];
    long n = read_file("app", buf, sizeof buf);
    check_eq(n, 2 * RECORDS * 16, "O_APPEND: the file holds every record");
    int next[2] = {0, 0}, torn = 0;
    for (long i = 0; i + 16 <= n; i += 16) {
        int k = buf[i] - 'A';
        if (k < 0 || k > 1 || buf[i + 15] != '\n' || atoi(buf + i + 1) != next[k]) {
            torn++;
            continue;
        }
        next[k]++;
    }
    check(torn == 0 && next[0] == RECORDS && next[1] == RECORDS, "O_APPEND: no record torn or overwritten",
          "%d bad, %d and %d in order", torn, next[0], next[1]);
    int fd = open("app", O_WRONLY | O_APPEND);
    struct stat st;
    check(pwrite(fd, "PW", 2, 0) == 2 && fstat(fd, &st) == 0 && st.st_size == 2 * RECORDS * 16 + 2,
          "pwrite on an O_APPEND descriptor appends anyway (as Linux)", "size %ld", (long)st.st_size);
    close(fd);
}

static void o_path(void)
{
    check(mkdir("pd", 0755) == 0 && write_file("pd/inside", "x"), "a directory with a file", "errno %d", errno);
    int fd = open("f", O_PATH);
    struct stat st, st2;
    check(fd >= 0 && fstat(fd, &st) == 0 && stat("f", &st2) == 0 && st.st_ino == st2.st_ino && S_ISREG(st.st_mode),
          "O_PATH: fstat works", "fd %d errno %d", fd, errno);
    char c;
    check_errno(read(fd, &c, 1), EBADF, "O_PATH: read is EBADF");
    check_errno(write(fd, &c, 1), EBADF, "O_PATH: write is EBADF");
    close(fd);
    fd = open("lnk", O_PATH | O_NOFOLLOW);
    check(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode), "O_PATH|O_NOFOLLOW opens the link itself",
          "fd %d errno %d mode %o", fd, errno, st.st_mode);
    char t[16] = {0};
    check(readlinkat(fd, "", t, sizeof t) == 1 && t[0] == 'f', "readlinkat(fd, \"\") reads it", "errno %d", errno);
    close(fd);
    fd = open("pd", O_PATH | O_DIRECTORY);
    check(fd >= 0 && fchdir(fd) == 0 && access("inside", F_OK) == 0, "O_PATH: fchdir to a directory works",
          "fd %d errno %d", fd, errno);
    check(fd >= 0 && faccessat(fd, "inside", F_OK, 0) == 0, "and it serves as a dirfd", "errno %d", errno);
    check(chdir(scratch) == 0, "back to the scratch directory", "errno %d", errno);
    close(fd);
}

static void o_tmpfile(void)
{
    int fd = open(".", O_TMPFILE | O_RDWR, 0600);
    if (fd < 0 && errno == EOPNOTSUPP && !on_marten()) {
        skip("O_TMPFILE", "this file system has none");
        return;
    }
    struct stat st;
    check(fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0,
          "O_TMPFILE: an unnamed regular file with no links", "fd %d errno %d nlink %ld", fd, errno,
          (long)st.st_nlink);
    check_eq(write(fd, "tmp!", 4), 4, "O_TMPFILE: it can be written");
    check(linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH) == 0, "linkat(AT_EMPTY_PATH) gives it a name",
          "errno %d", errno);
    char b[8];
    check(read_file("named", b, sizeof b) == 4 && memcmp(b, "tmp!", 4) == 0 && nlink_of("named") == 1,
          "the name shows its data, one link", "nlink %ld", (long)nlink_of("named"));
    close(fd);
    fd = open(".", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    check(fd >= 0, "O_TMPFILE|O_EXCL", "errno %d", errno);
    check_errno(linkat(fd, "", AT_FDCWD, "named2", AT_EMPTY_PATH), ENOENT, "with O_EXCL linkat is ENOENT");
    close(fd);
    check_errno(open(".", O_TMPFILE | O_RDONLY, 0600), EINVAL, "O_TMPFILE read-only: EINVAL");
    check_errno(open("f", O_TMPFILE | O_RDWR, 0600), ENOTDIR, "O_TMPFILE on a file: ENOTDIR");
}

static void openat2_(void)
{
    struct open_how_t how = {O_RDONLY, 0, 0};
    long fd = syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof how);
    check(fd >= 0, "openat2 opens a file", "errno %d", errno);
    close((int)fd);
    check_errno(syscall(SYS_openat2, AT_FDCWD, "f", &how, 16), EINVAL, "openat2 with a size below 24: EINVAL");
    struct {
        struct open_how_t h;
        uint64_t extra;
    } big = {{O_RDONLY, 0, 0}, 1};
    check_errno(syscall(SYS_openat2, AT_FDCWD, "f", &big, sizeof big), E2BIG,
                "openat2 with non-zero bytes past the struct: E2BIG");
    static uint64_t huge[1024];
    huge[0] = O_RDONLY;
    check_errno(syscall(SYS_openat2, AT_FDCWD, "f", huge, sizeof huge), E2BIG,
                "openat2 with a size over a page: E2BIG");
    big.extra = 0;
    fd = syscall(SYS_openat2, AT_FDCWD, "f", &big, sizeof big);
    check(fd >= 0, "openat2 with zero bytes past the struct works", "errno %d", errno);
    close((int)fd);
    how.flags = 1ULL << 40;
    check_errno(syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof how), EINVAL, "openat2 with unknown flags: EINVAL");
    how.flags = O_RDONLY;
    how.mode = 0644;
    check_errno(syscall(SYS_openat2, AT_FDCWD, "f", &how, sizeof how), EINVAL,
                "openat2 with a mode but no O_CREAT: EINVAL");
    how.flags = O_CREAT | O_WRONLY;
    how.mode = 010000;
    check_errno(syscall(SYS_openat2, AT_FDCWD, "o2", &how, sizeof how), EINVAL,
                "openat2 with non-permission mode bits: EINVAL");
}

static void trailing_slashes(void)
{
    check_errno(open("f/", O_RDONLY), ENOTDIR, "open(\"file/\"): ENOTDIR");
    check_errno(open("new/", O_CREAT | O_WRONLY, 0644), EISDIR, "open(\"new/\", O_CREAT): EISDIR");
    check_errno(open("f/", O_CREAT | O_WRONLY, 0644), EISDIR, "open(\"file/\", O_CREAT): EISDIR");
    check(mkdir("sd/", 0755) == 0, "mkdir(\"d/\") works", "errno %d", errno);
    check(mkdir("sd2//", 0755) == 0 && rmdir("sd2//") == 0, "mkdir and rmdir of \"d//\" work", "errno %d", errno);
    check_errno(unlink("f/"), ENOTDIR, "unlink(\"file/\"): ENOTDIR");
    check_errno(symlink("x", "sl/"), ENOENT, "symlink(\"new/\"): ENOENT");
    check_errno(mkdir("f/", 0755), EEXIST, "mkdir(\"file/\"): EEXIST");
    check(symlink("sd", "sdl") == 0 && open("sdl/", O_RDONLY) >= 0, "\"link/\" follows a link to a directory",
          "errno %d", errno);
    check_errno(open("lnk/", O_RDONLY), ENOTDIR, "\"link/\" to a file: ENOTDIR");
    struct stat st;
    check(lstat("sdl/", &st) == 0 && S_ISDIR(st.st_mode), "lstat(\"link/\") follows the link", "mode %o",
          st.st_mode);
    check_errno(rename("f", "f2/"), ENOTDIR, "rename(\"file\", \"new/\"): ENOTDIR");
}

static void name_lengths(void)
{
    char name[300];
    memset(name, 'n', 256);
    name[256] = 0;
    check_errno(open(name, O_RDONLY), ENAMETOOLONG, "a 256-byte component: ENAMETOOLONG");
    check_errno(open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG, "creating one: ENAMETOOLONG");
    check_errno(mkdir(name, 0755), ENAMETOOLONG, "mkdir of one: ENAMETOOLONG");
    name[255] = 0;
    int fd = open(name, O_CREAT | O_WRONLY, 0644);
    check(fd >= 0, "a 255-byte name works", "errno %d", errno);
    close(fd);
    unlink(name);
    static char path[5000];
    for (int i = 0; i < 4096; i += 2)
        memcpy(path + i, "./", 2);
    path[4095] = 'f';
    path[4096] = 0; /* 4096 bytes: one too many with its NUL */
    check_errno(open(path, O_RDONLY), ENAMETOOLONG, "a path of 4096 bytes: ENAMETOOLONG");
    check_errno(mkdir(path, 0755), ENAMETOOLONG, "mkdir of a 4096-byte path: ENAMETOOLONG");
    path[4094] = 'f';
    path[4095] = 0; /* 4095 bytes: fits */
    fd = open(path, O_RDONLY);
    check(fd >= 0, "a path of 4095 bytes works", "errno %d", errno);
    close(fd);
}

static void enotdir_eloop(void)
{
    check_errno(open("f/x", O_RDONLY), ENOTDIR, "a file in the middle of a path: ENOTDIR");
    check_errno(open("f/..", O_RDONLY), ENOTDIR, "\"file/..\": ENOTDIR");
    check_errno(open("lnk/..", O_RDONLY), ENOTDIR, "\"link-to-file/..\": ENOTDIR");
    check_errno(open("", O_RDONLY), ENOENT, "open(\"\"): ENOENT");
    check_errno(chdir(""), ENOENT, "chdir(\"\"): ENOENT");
    check_errno(creat(".", 0644), EISDIR, "creat of a directory: EISDIR");
    int fd = open(".//sd/.//..///f", O_RDONLY);
    check(fd >= 0, "\".//sd/.//..///f\": repeated slashes and dots", "errno %d", errno);
    close(fd);
    check_errno(mkdir("f/x", 0755), ENOTDIR, "mkdir under a file: ENOTDIR");
    struct stat st;
    check_errno(stat("f/x/y", &st), ENOTDIR, "stat through a file: ENOTDIR");
    check_errno(stat("missing/x", &st), ENOENT, "through a missing directory: ENOENT");
    /* A chain: c1 -> f, cN -> c(N-1). Opening cN follows N links. */
    check(mkdir("chain", 0755) == 0, "a directory for a chain of links", "errno %d", errno);
    char a[32], b[32];
    bool made = symlink("../f", "chain/c1") == 0;
    for (int i = 2; i <= 41; i++) {
        snprintf(a, sizeof a, "c%d", i - 1);
        snprintf(b, sizeof b, "chain/c%d", i);
        made &= symlink(a, b) == 0;
    }
    check(made, "41 links in a chain", "errno %d", errno);
    fd = open("chain/c40", O_RDONLY);
    check(fd >= 0, "40 links are followed", "errno %d", errno);
    close(fd);
    check_errno(open("chain/c41", O_RDONLY), ELOOP, "the 41st link: ELOOP");
    check_errno(stat("chain/c41", &st), ELOOP, "stat too: ELOOP");
    check(lstat("chain/c41", &st) == 0 && S_ISLNK(st.st_mode), "lstat of the link itself works", "errno %d", errno);
    check(symlink("self", "self") == 0, "a link to itself", "errno %d", errno);
    check_errno(open("self", O_RDONLY), ELOOP, "opening it: ELOOP");
    check_errno(open("self/x", O_RDONLY), ELOOP, "walking through it: ELOOP");
}

static void symlinks(void)
{
    check(mkdir("ls", 0755) == 0 && symlink("../f", "ls/rel") == 0, "a relative link ls/rel -> ../f", "errno %d",
          errno);
    check_eq((long)ino_of("ls/rel/"), 0, "the link resolves from its own directory, not the cwd (f/ fails)");
    struct stat st, sf;
    stat("f", &sf);
    check(stat("ls/rel", &st) == 0 && st.st_ino == sf.st_ino, "ls/rel names f", "errno %d", errno);
    char abs[512];
    snprintf(abs, sizeof abs, "%s/f", scratch);
    check(symlink(abs, "ls/abs") == 0 && stat("ls/abs", &st) == 0 && st.st_ino == sf.st_ino,
          "an absolute link names the same file", "errno %d", errno);
    check(symlink("..", "ls/up") == 0 && stat("ls/up/f", &st) == 0 && st.st_ino == sf.st_ino,
          "a link to \"..\" in the middle of a path", "errno %d", errno);
    check(lstat("ls/rel", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 4, "lstat: a link of 4 bytes",
          "size %ld", (long)st.st_size);
    check_errno(symlink("", "empty"), ENOENT, "symlink with an empty target: ENOENT");
    check_errno(symlink("x", "f"), EEXIST, "symlink over an existing name: EEXIST");
    char buf[16];
    memset(buf, '#', sizeof buf);
    check_eq(readlink("ls/rel", buf, 3), 3, "readlink into 3 bytes returns 3");
    check(memcmp(buf, "../#", 4) == 0, "the target cut short, no NUL added", "got %.4s", buf);
    check_eq(readlink("ls/rel", buf, sizeof buf), 4, "readlink returns the target's length");
    check_errno(readlink("f", buf, sizeof buf), EINVAL, "readlink of a file: EINVAL");
    check_errno(syscall(SYS_readlink, "ls/rel", buf, 0), EINVAL, "readlink with size 0: EINVAL");
    check_errno(readlink("missing", buf, sizeof buf), ENOENT, "readlink of a missing name: ENOENT");
}

static void removal(void)
{
    check(mkdir("full", 0755) == 0 && write_file("full/x", "x"), "a directory with a file", "errno %d", errno);
    check_errno(rmdir("full"), ENOTEMPTY, "rmdir of a non-empty directory: ENOTEMPTY");
    check_errno(unlink("full"), EISDIR, "unlink of a directory: EISDIR");
    check_errno(rmdir("f"), ENOTDIR, "rmdir of a file: ENOTDIR");
    check_errno(rmdir("missing"), ENOENT, "rmdir of a missing name: ENOENT");
    check_errno(rmdir("."), EINVAL, "rmdir(\".\"): EINVAL");
    check_errno(rmdir("full/."), EINVAL, "rmdir(\"d/.\"): EINVAL");
    check_errno(rmdir(".."), ENOTEMPTY, "rmdir(\"..\"): ENOTEMPTY");
    check_errno(unlinkat(AT_FDCWD, "full", 0x1), EINVAL, "unlinkat with an unknown flag: EINVAL");
    check(unlink("full/x") == 0 && rmdir("full") == 0, "emptied, it goes", "errno %d", errno);
    check_errno(access("full", F_OK), ENOENT, "and is gone");
    nlink_t before = nlink_of(".");
    check(mkdir("sub1", 0755) == 0 && nlink_of(".") == before + 1, "a subdirectory adds a link to its parent",
          "%ld -> %ld", (long)before, (long)nlink_of("."));
    check(unlinkat(AT_FDCWD, "sub1", AT_REMOVEDIR) == 0 && nlink_of(".") == before,
          "unlinkat(AT_REMOVEDIR) takes it away", "nlink %ld", (long)nlink_of("."));
    /* An open file outlives its name. */
    int fd = open("keep", O_RDWR | O_CREAT, 0644);
    write(fd, "data", 4);
    check(unlink("keep") == 0, "unlink of an open file", "errno %d", errno);
    char b[8] = {0};
    struct stat st;
    check(pread(fd, b, 4, 0) == 4 && memcmp(b, "data", 4) == 0 && fstat(fd, &st) == 0 && st.st_nlink == 0,
          "its data stay readable, with no links", "nlink %ld", (long)st.st_nlink);
    close(fd);
}

static void links(void)
{
    check(write_file("h1", "hard"), "a file h1", "errno %d", errno);
    check_eq((long)nlink_of("h1"), 1, "one link");
    check(link("h1", "h2") == 0, "link h1 h2", "errno %d", errno);
    check(nlink_of("h1") == 2 && ino_of("h1") == ino_of("h2"), "two names, one inode, nlink 2", "nlink %ld",
          (long)nlink_of("h1"));
    check_errno(link("h1", "h2"), EEXIST, "link onto an existing name: EEXIST");
    check_errno(link("sd", "sdlink"), EPERM, "link of a directory: EPERM");
    check_errno(link("missing", "m2"), ENOENT, "link of a missing file: ENOENT");
    check_errno(link("h1", "missing/h3"), ENOENT, "link into a missing directory: ENOENT");
    check(unlink("h2") == 0 && nlink_of("h1") == 1, "unlink of one name: nlink 1 again", "nlink %ld",
          (long)nlink_of("h1"));
    /* link does not follow a symlink; linkat(AT_SYMLINK_FOLLOW) does. */
    struct stat ls;
    check(link("lnk", "lnk2") == 0 && lstat("lnk2", &ls) == 0 && S_ISLNK(ls.st_mode),
          "link of a symbolic link links the link", "errno %d", errno);
    check(linkat(AT_FDCWD, "lnk", AT_FDCWD, "lnk3", AT_SYMLINK_FOLLOW) == 0 && ino_of("lnk3") == ino_of("f"),
          "linkat(AT_SYMLINK_FOLLOW) links the target", "errno %d", errno);
    check_errno(linkat(AT_FDCWD, "h1", AT_FDCWD, "h4", 0x8000), EINVAL, "linkat with an unknown flag: EINVAL");
}

static void renames(void)
{
    check(write_file("r1", "one") && write_file("r2", "two"), "two files", "errno %d", errno);
    ino_t i1 = ino_of("r1");
    check(rename("r1", "r2") == 0, "rename over an existing file", "errno %d", errno);
    char b[8];
    check(read_file("r2", b, sizeof b) == 3 && strcmp(b, "one") == 0 && ino_of("r2") == i1 &&
              access("r1", F_OK) != 0,
          "the new name has the old file; the old name is gone", "got %s", b);
    check(mkdir("rd1", 0755) == 0 && write_file("rd1/in", "x") && mkdir("rd2", 0755) == 0,
          "directories rd1 (with a file) and rd2 (empty)", "errno %d", errno);
    check(rename("rd1", "rd2") == 0 && access("rd2/in", F_OK) == 0 && access("rd1", F_OK) != 0,
          "a directory onto an empty directory", "errno %d", errno);
    check(mkdir("rd3", 0755) == 0, "rd3", "errno %d", errno);
    check_errno(rename("rd3", "rd2"), ENOTEMPTY, "a directory onto a non-empty directory: ENOTEMPTY");
    check(mkdir("rd2/kid", 0755) == 0, "rd2/kid", "errno %d", errno);
    check_errno(rename("rd2", "rd2/kid/x"), EINVAL, "a directory into its own subdirectory: EINVAL");
    check_errno(rename("rd2", "rd2/x"), EINVAL, "a directory into itself: EINVAL");
    check_errno(rename("r2", "rd3"), EISDIR, "a file onto a directory: EISDIR");
    check_errno(rename("rd3", "r2"), ENOTDIR, "a directory onto a file: ENOTDIR");
    check_errno(rename("missing", "x"), ENOENT, "rename of a missing name: ENOENT");
    check_errno(rename("r2", "missing/x"), ENOENT, "into a missing directory: ENOENT");
    check_errno(rename(".", "x"), EBUSY, "rename of \".\": EBUSY");
    check(rename("rd3", "rd4/") == 0 && rename("rd4/", "rd3") == 0, "a directory renamed to and from \"new/\"",
          "errno %d", errno);
    /* The replaced file lives on while open, with no links. */
    check(write_file("victim", "old") && write_file("winner", "new"), "two more files", "errno %d", errno);
    int vfd = open("victim", O_RDONLY);
    struct stat vst;
    char vb[4] = {0};
    check(rename("winner", "victim") == 0 && fstat(vfd, &vst) == 0 && vst.st_nlink == 0 &&
              pread(vfd, vb, 3, 0) == 3 && strcmp(vb, "old") == 0,
          "a file replaced by rename stays readable while open, with no links", "nlink %ld", (long)vst.st_nlink);
    close(vfd);
    check_errno(rename("r2", "."), EBUSY, "onto \".\": EBUSY");
    /* Moving a directory fixes its ".." and both parents' link counts. */
    nlink_t n2 = nlink_of("rd2"), n3 = nlink_of("rd3");
    check(rename("rd2/kid", "rd3/kid") == 0, "a directory moves to another parent", "errno %d", errno);
    check(nlink_of("rd2") == n2 - 1 && nlink_of("rd3") == n3 + 1, "the parents' link counts follow",
          "%ld %ld", (long)nlink_of("rd2"), (long)nlink_of("rd3"));
    check(ino_of("rd3/kid/..") == ino_of("rd3"), "its \"..\" is the new parent", "errno %d", errno);

    check(write_file("n1", "1") && write_file("n2", "2"), "n1, n2", "errno %d", errno);
    check_errno(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), EEXIST, "RENAME_NOREPLACE: EEXIST");
    check(renameat2_(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE) == 0, "RENAME_NOREPLACE to a free name",
          "errno %d", errno);
    check_errno(renameat2_(AT_FDCWD, "n3", AT_FDCWD, "n2", RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL,
                "RENAME_NOREPLACE|RENAME_EXCHANGE: EINVAL");
    check_errno(renameat2_(AT_FDCWD, "n3", AT_FDCWD, "n2", 1 << 7), EINVAL, "renameat2 with unknown flags: EINVAL");
    ino_t a = ino_of("n3"), c = ino_of("n2");
    check(renameat2_(AT_FDCWD, "n3", AT_FDCWD, "n2", RENAME_EXCHANGE) == 0 && ino_of("n3") == c && ino_of("n2") == a,
          "RENAME_EXCHANGE swaps two files", "errno %d", errno);
    check_errno(renameat2_(AT_FDCWD, "n3", AT_FDCWD, "n9", RENAME_EXCHANGE), ENOENT,
                "RENAME_EXCHANGE with a missing target: ENOENT");
    check(mkdir("xa", 0755) == 0 && mkdir("xa/dir", 0755) == 0 && mkdir("xb", 0755) == 0 &&
              write_file("xb/file", "f"),
          "xa/dir and xb/file", "errno %d", errno);
    nlink_t na = nlink_of("xa"), nb = nlink_of("xb");
    ino_t di = ino_of("xa/dir"), fi = ino_of("xb/file");
    check(renameat2_(AT_FDCWD, "xa/dir", AT_FDCWD, "xb/file", RENAME_EXCHANGE) == 0, "RENAME_EXCHANGE of a directory "
          "and a file in different directories", "errno %d", errno);
    struct stat st;
    check(lstat("xa/dir", &st) == 0 && S_ISREG(st.st_mode) && st.st_ino == fi && ino_of("xb/file") == di,
          "they swapped", "mode %o", st.st_mode);
    check(nlink_of("xa") == na - 1 && nlink_of("xb") == nb + 1 && ino_of("xb/file/..") == ino_of("xb"),
          "the parents' link counts and the directory's \"..\" follow", "%ld %ld", (long)nlink_of("xa"),
          (long)nlink_of("xb"));
    check_errno(renameat2_(AT_FDCWD, "xb", AT_FDCWD, "xb/file/sub", RENAME_EXCHANGE), ENOENT,
                "RENAME_EXCHANGE with a missing target: ENOENT");

    /* Two links to one inode: rename does nothing. */
    check(write_file("same1", "s") && link("same1", "same2") == 0, "two links", "errno %d", errno);
    check(rename("same1", "same2") == 0 && access("same1", F_OK) == 0 && access("same2", F_OK) == 0 &&
              nlink_of("same1") == 2,
          "rename of one hard link onto another is a no-op", "errno %d", errno);
    check(rename("same1", "same1") == 0 && access("same1", F_OK) == 0, "rename of a name onto itself too",
          "errno %d", errno);

    /* EXDEV across mounts. */
    if (!is_root()) {
        skip("rename and link across mounts: EXDEV", "not root");
        return;
    }
    check(mkdir("mnt", 0755) == 0, "a mount point", "errno %d", errno);
    if (mount("none", "mnt", "tmpfs", 0, "size=1m") != 0) {
        if (!on_marten() && errno == EPERM) {
            skip("rename and link across mounts: EXDEV", "mount not permitted here");
            return;
        }
        check(false, "mount a tmpfs on mnt", "errno %d", errno);
        return;
    }
    check_errno(rename("h1", "mnt/h1"), EXDEV, "rename across mounts: EXDEV");
    check_errno(link("h1", "mnt/h1"), EXDEV, "link across mounts: EXDEV");
    check_errno(renameat2_(AT_FDCWD, "h1", AT_FDCWD, "mnt", RENAME_EXCHANGE), EBUSY,
                "RENAME_EXCHANGE with a mount point: EBUSY");
    check_errno(rename("mnt", "mnt2"), EBUSY, "rename of a mount point: EBUSY");
    check_errno(rmdir("mnt"), EBUSY, "rmdir of a mount point: EBUSY");
    check(umount("mnt") == 0, "umount", "errno %d", errno);
}

static void mknods(void)
{
    check(mknod("fifo", S_IFIFO | 0644, 0) == 0, "mknod S_IFIFO", "errno %d", errno);
    struct stat st;
    check(lstat("fifo", &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0644, "it is a FIFO",
          "mode %o", st.st_mode);
    check(mkfifo("fifo2", 0600) == 0 && lstat("fifo2", &st) == 0 && S_ISFIFO(st.st_mode), "mkfifo", "errno %d",
          errno);
    check_errno(mknod("mdir", S_IFDIR | 0755, 0), EPERM, "mknod S_IFDIR: EPERM");
    check_errno(mknod("fifo", S_IFIFO | 0644, 0), EEXIST, "mknod over an existing name: EEXIST");
    check(mknod("reg", S_IFREG | 0600, 0) == 0 && lstat("reg", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0,
          "mknod S_IFREG makes an empty file", "errno %d", errno);
    check(mknod("reg0", 0600, 0) == 0 && lstat("reg0", &st) == 0 && S_ISREG(st.st_mode),
          "mknod with no type makes a regular file", "errno %d", errno);
    check_errno(mknod("bad", 0170000 | 0600, 0), EINVAL, "mknod with a bad type: EINVAL");
    if (!is_root()) {
        skip("mknod S_IFCHR", "not root");
        return;
    }
    struct stat null;
    if (stat("/dev/null", &null) != 0) {
        check(false, "stat /dev/null", "errno %d", errno);
        return;
    }
    check(mknod("null", S_IFCHR | 0666, null.st_rdev) == 0, "mknod S_IFCHR with /dev/null's numbers", "errno %d",
          errno);
    check(lstat("null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev &&
              major(st.st_rdev) == 1 && minor(st.st_rdev) == 3,
          "it is a character device 1:3", "rdev %lx", (unsigned long)st.st_rdev);
    int fd = open("null", O_RDWR);
    char b[4];
    check(fd >= 0 && write(fd, "abc", 3) == 3 && read(fd, b, sizeof b) == 0, "it reads and writes like /dev/null",
          "fd %d errno %d", fd, errno);
    close(fd);
}

/* Set-group-ID directories pass their group on, and the bit to new directories. */
static void setgid_dirs(void)
{
    if (!is_root()) {
        skip("set-group-ID directories", "not root");
        return;
    }
    struct stat st;
    check(mkdir("sg", 0755) == 0 && chown("sg", 0, 1234) == 0 && chmod("sg", 02775) == 0,
          "a set-group-ID directory of group 1234", "errno %d", errno);
    check(write_file("sg/file", "") && stat("sg/file", &st) == 0 && st.st_gid == 1234 && !(st.st_mode & S_ISGID),
          "a file created in it gets group 1234", "gid %u mode %o", st.st_gid, st.st_mode);
    check(mkdir("sg/sub", 0755) == 0 && stat("sg/sub", &st) == 0 && st.st_gid == 1234 && (st.st_mode & S_ISGID),
          "a directory created in it gets the group and set-group-ID", "gid %u mode %o", st.st_gid, st.st_mode);
    check(mkdir("plain", 0755) == 0 && write_file("plain/f", "") && stat("plain/f", &st) == 0 && st.st_gid == getegid(),
          "elsewhere a file gets the creator's group", "gid %u", st.st_gid);
}

static void listing(void)
{
    enum { N = 1000 };
    check(mkdir("many", 0755) == 0, "a directory", "errno %d", errno);
    int made = 0;
    char name[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "many/entry-%04d", i);
        int fd = open(name, O_CREAT | O_WRONLY, 0644);
        made += fd >= 0;
        close(fd);
    }
    check(made == N && mkdir("many/zdir", 0755) == 0 && symlink("x", "many/zlink") == 0 &&
              mkfifo("many/zfifo", 0644) == 0,
          "1,000 files, a directory, a link and a FIFO in it", "made %d errno %d", made, errno);
    int fd = open("many", O_RDONLY | O_DIRECTORY);
    static char buf[2048];
    /* Read a little, go back to the start, then read everything. */
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    check(n > 0, "getdents64 returns records", "ret %ld errno %d", n, errno);
    check_eq(lseek(fd, 0, SEEK_SET), 0, "lseek back to 0");
    static unsigned char seen[N];
    memset(seen, 0, sizeof seen);
    int dots = 0, other = 0, dups = 0, badtype = 0, calls = 0;
    bool zdir = false, zlink = false, zfifo = false;
    for (;;) {
        n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0)
            break;
        calls++;
        for (long at = 0; at < n;) {
            struct {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(buf + at);
            if (d->reclen == 0)
                break;
            int i;
            if (strcmp(d->name, ".") == 0 || strcmp(d->name, "..") == 0) {
                dots++;
                badtype += d->type != DT_DIR;
            } else if (sscanf(d->name, "entry-%d", &i) == 1 && i >= 0 && i < N) {
                dups += seen[i]++ != 0;
                badtype += d->type != DT_REG;
            } else if (strcmp(d->name, "zdir") == 0) {
                zdir = d->type == DT_DIR;
            } else if (strcmp(d->name, "zlink") == 0) {
                zlink = d->type == DT_LNK;
            } else if (strcmp(d->name, "zfifo") == 0) {
                zfifo = d->type == DT_FIFO;
            } else {
                other++;
            }
            at += d->reclen;
        }
    }
    check_eq(n, 0, "the listing ends with 0");
    int missing = 0;
    for (int i = 0; i < N; i++)
        missing += seen[i] == 0;
    check(missing == 0 && dups == 0 && other == 0 && dots == 2, "every name exactly once, \".\" and \"..\" too",
          "%d missing, %d twice, %d unknown, %d dots, in %d calls", missing, dups, other, dots, calls);
    check(badtype == 0 && zdir && zlink && zfifo, "d_type is right for files, directories, links and FIFOs",
          "%d bad; dir %d link %d fifo %d", badtype, zdir, zlink, zfifo);
    check_eq(syscall(SYS_getdents64, fd, buf, 8), 0, "at the end even a tiny buffer gets 0");
    /* A saved d_off resumes right after its entry (telldir/seekdir). */
    lseek(fd, 0, SEEK_SET);
    n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    char first_after[64] = "", resumed[64] = "";
    int64_t cookie = 0;
    {
        long at = 0, count = 0;
        while (at < n && count < 5) {
            struct {
                uint64_t ino;
                int64_t off;
                unsigned short reclen;
                unsigned char type;
                char name[];
            } *d = (void *)(buf + at);
            if (count == 3)
                cookie = d->off;
            if (count == 4)
                snprintf(first_after, sizeof first_after, "%.60s", d->name);
            at += d->reclen;
            count++;
        }
    }
    lseek(fd, cookie, SEEK_SET);
    n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n > 0)
        snprintf(resumed, sizeof resumed, "%.60s", buf + 19);
    check(first_after[0] && strcmp(first_after, resumed) == 0, "lseek to an entry's d_off resumes after it",
          "%s then %s", first_after, resumed);
    lseek(fd, 0, SEEK_SET);
    check_errno(syscall(SYS_getdents64, fd, buf, 8), EINVAL, "a buffer too small for one record: EINVAL");
    close(fd);
    fd = open("f", O_RDONLY);
    check_errno(syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR, "getdents64 on a file: ENOTDIR");
    close(fd);
    /* Removing every entry while listing (rm -r): all go. */
    fd = open("many", O_RDONLY | O_DIRECTORY);
    int removed = 0;
    for (;;) {
        n = syscall(SYS_getdents64, fd, buf, 1024);
        if (n <= 0)
            break;
        for (long at = 0; at < n;) {
            unsigned short reclen;
            memcpy(&reclen, buf + at + 16, 2);
            const char *nm = buf + at + 19;
            if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0)
                removed += unlinkat(fd, nm, buf[at + 18] == DT_DIR ? AT_REMOVEDIR : 0) == 0;
            at += reclen;
        }
    }
    check(removed == N + 3 && rmdir("many") == 0, "unlinking each entry while listing removes them all",
          "%d removed, errno %d", removed, errno);
    close(fd);
    check_errno(syscall(SYS_getdents64, 999, buf, sizeof buf), EBADF, "getdents64 on a bad descriptor: EBADF");
    fd = open("many", O_PATH);
    check_errno(syscall(SYS_getdents64, fd, buf, sizeof buf), EBADF, "getdents64 on an O_PATH descriptor: EBADF");
    close(fd);
}

static void cwd(void)
{
    char buf[1024], want[1024];
    check(getcwd(buf, sizeof buf) && strcmp(buf, scratch) == 0, "getcwd is the scratch directory", "got %s", buf);
    errno = 0;
    check(getcwd(buf, 4) == NULL && errno == ERANGE, "getcwd into a too small buffer: ERANGE", "errno %d", errno);
    check_errno(syscall(SYS_getcwd, buf, strlen(scratch)), ERANGE, "getcwd with no room for the NUL: ERANGE");
    check_eq(syscall(SYS_getcwd, buf, strlen(scratch) + 1), (long)strlen(scratch) + 1,
             "the system call returns the length with its NUL");
    check(mkdir("cw", 0755) == 0 && mkdir("cw/in", 0755) == 0 && chdir("cw/in") == 0, "chdir into cw/in",
          "errno %d", errno);
    snprintf(want, sizeof want, "%s/cw/in", scratch);
    check(getcwd(buf, sizeof buf) && strcmp(buf, want) == 0, "getcwd follows", "got %s", buf);
    check(rename("../../cw", "../../cw2") == 0, "the parent is renamed", "errno %d", errno);
    snprintf(want, sizeof want, "%s/cw2/in", scratch);
    check(getcwd(buf, sizeof buf) && strcmp(buf, want) == 0, "getcwd shows the new name", "got %s", buf);
    check(rmdir(want) == 0, "the working directory is removed", "errno %d", errno);
    errno = 0;
    check(getcwd(buf, sizeof buf) == NULL && errno == ENOENT, "getcwd: ENOENT", "errno %d", errno);
    check_errno(open("new", O_CREAT | O_WRONLY, 0644), ENOENT, "creating in it: ENOENT");
    check(chdir(scratch) == 0, "back", "errno %d", errno);
    check_errno(chdir("f"), ENOTDIR, "chdir to a file: ENOTDIR");
    check_errno(chdir("missing"), ENOENT, "chdir to a missing name: ENOENT");
    int fd = open("f", O_RDONLY);
    check_errno(fchdir(fd), ENOTDIR, "fchdir to a file: ENOTDIR");
    close(fd);
    fd = open("cw2", O_RDONLY | O_DIRECTORY);
    check(fchdir(fd) == 0 && getcwd(buf, sizeof buf) && strstr(buf, "/cw2") != NULL, "fchdir to a directory",
          "got %s", buf);
    close(fd);
    check_errno(fchdir(999), EBADF, "fchdir on a bad descriptor: EBADF");
    check(chdir(scratch) == 0, "back", "errno %d", errno);
}

static void chroot_child(void *arg)
{
    (void)arg;
    char buf[256];
    if (chroot("jail") != 0 || chdir("/") != 0) {
        say("not ok - chroot(\"jail\") and chdir(\"/\"): errno %d", errno);
        return;
    }
    say("%s - getcwd in the jail is \"/\"", getcwd(buf, sizeof buf) && strcmp(buf, "/") == 0 ? "ok" : "not ok");
    struct stat r, up;
    say("%s - \"..\" at the new root stays there",
        stat("/", &r) == 0 && stat("/..", &up) == 0 && r.st_ino == up.st_ino && r.st_dev == up.st_dev ? "ok"
                                                                                                      : "not ok");
    say("%s - absolute paths resolve inside", read_file("/marker", buf, sizeof buf) == 2 ? "ok" : "not ok");
    say("%s - climbing with \"..\" stays inside",
        read_file("/../../../marker", buf, sizeof buf) == 2 ? "ok" : "not ok");
    say("%s - an absolute symbolic link resolves inside too",
        read_file("/abs", buf, sizeof buf) == 2 ? "ok" : "not ok");
    char want[300];
    snprintf(want, sizeof want, "(unreachable)%s", scratch);
    /* (The raw call: musl's getcwd turns a path without a leading '/' into ENOENT.) */
    if (fchdir(3) != 0 || syscall(SYS_getcwd, buf, sizeof buf) < 0) {
        say("not ok - fchdir outside the jail: errno %d", errno);
        return;
    }
    say("%s - getcwd outside the root starts with \"(unreachable)\"", strcmp(buf, want) == 0 ? "ok" : "not ok");
}

static void chroots(void)
{
    if (!is_root()) {
        skip("chroot", "not root");
        return;
    }
    check(mkdir("jail", 0755) == 0 && write_file("jail/marker", "in") && symlink("/marker", "jail/abs") == 0,
          "a jail with a marker file", "errno %d", errno);
    int p[2];
    if (pipe(p) != 0)
        return;
    pid_t c = fork();
    if (c == 0) {
        dup2(p[1], 1);
        int out = open(".", O_RDONLY | O_DIRECTORY);
        if (out != 3) {
            dup2(out, 3);
            close(out);
        }
        chroot_child(NULL);
        _exit(0);
    }
    close(p[1]);
    char buf[2048];
    long got = 0, n;
    while ((n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += n;
    buf[got] = 0;
    close(p[0]);
    int s;
    waitpid(c, &s, 0);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        say("%s", line);
        check_count_line(line);
    }
    check_errno(chroot("f"), ENOTDIR, "chroot to a file: ENOTDIR");
}

int main(void)
{
    check_init("t_names");
    umask(022);
    enter_scratch("t_names", scratch, sizeof scratch);
    open_flags();
    append_atomic();
    o_path();
    o_tmpfile();
    openat2_();
    trailing_slashes();
    name_lengths();
    enotdir_eloop();
    symlinks();
    removal();
    links();
    renames();
    mknods();
    setgid_dirs();
    listing();
    cwd();
    chroots();
    chdir("/");
    remove_tree(scratch);
    return check_finish();
}
