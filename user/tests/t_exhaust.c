/* t_exhaust.c: exhausting memory through kernel objects the kernel holds
 * for user space. Each mode must end in clean errors, never a kernel panic:
 *
 *   t_exhaust pipes [CHILDREN]  children each fill up to 500 pipes with
 *                               64 KiB until writes fail (ENOMEM/EAGAIN)
 *                               or descriptors run out, then one of them
 *                               forks; everything is given back
 *   t_exhaust tmpfs             one file in /tmp grows until ENOSPC
 *   t_exhaust inodes            empty files in a /tmp directory until
 *                               ENOSPC/ENOMEM
 *   t_exhaust ptbomb            read one byte every 2 MiB of a huge
 *                               read-only mapping: page tables only, which
 *                               are not committed; ends when the kernel's
 *                               out-of-memory killer ends it (or the
 *                               mapping is all touched)
 *
 * On Linux the first three are bounded by --max-mb (default: unbounded)
 * so that the host is not exhausted. */
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIPE_BYTES 65536
#define MAX_PIPES 500

static long max_mb = -1; /* -1: until the kernel says no */

static char chunk[PIPE_BYTES];

/* Fills pipes until a write or pipe() fails; returns how many bytes went
 * in; *err gets the errno that stopped it. */
static long fill_pipes(int *err, long budget)
{
    long total = 0;
    *err = 0;
    for (int i = 0; i < MAX_PIPES; i++) {
        int fds[2];
        if (pipe2(fds, O_NONBLOCK) != 0) {
            *err = errno;
            return total;
        }
        long n = write(fds[1], chunk, sizeof chunk);
        if (n < 0) {
            *err = errno;
            return total;
        }
        total += n;
        if (n < (long)sizeof chunk) {
            *err = ENOMEM; /* a short write: the kernel had no more room */
            return total;
        }
        if (budget >= 0 && total >= budget)
            return total;
    }
    return total;
}

/* The children fill their pipes and report; only when all of them have
 * (so all the memory is held at once) does child 0 fork; then all exit. */
static int mode_pipes(int children)
{
    long budget = max_mb < 0 ? -1 : max_mb * 1024 * 1024 / children;
    int report[2], go0[2], goall[2];
    if (pipe(report) != 0 || pipe(go0) != 0 || pipe(goall) != 0)
        return 1;
    /* A pipe takes its first page at its first write: give the two pipes
     * that carry messages theirs now, before memory runs out. */
    char b;
    if (write(report[1], "x", 1) != 1 || read(report[0], &b, 1) != 1 || write(go0[1], "x", 1) != 1 ||
        read(go0[0], &b, 1) != 1)
        return 1;
    for (int c = 0; c < children; c++) {
        pid_t pid = fork();
        if (pid == 0) {
            close(report[0]);
            close(go0[1]);
            close(goall[1]);
            int err;
            long got = fill_pipes(&err, budget);
            long r[2] = { got, err };
            write(report[1], r, sizeof r);
            if (c == 0) {
                read(go0[0], &b, 1);
                long forked;
                pid_t g = fork();
                if (g == 0)
                    _exit(0);
                if (g > 0) {
                    int st;
                    forked = waitpid(g, &st, 0) == g && WIFEXITED(st) ? 1 : 3;
                } else {
                    forked = (errno == ENOMEM || errno == EAGAIN) ? 2 : 4;
                }
                write(report[1], &forked, sizeof forked);
            }
            read(goall[0], &b, 1);
            _exit(0);
        }
    }
    close(report[1]);
    close(go0[0]);
    close(goall[0]);
    long total = 0;
    int bad_errno = 0;
    for (int c = 0; c < children; c++) {
        long r[2] = { 0, 0 };
        if (read(report[0], r, sizeof r) != sizeof r)
            break;
        total += r[0];
        if (r[1] != 0 && r[1] != ENOMEM && r[1] != EMFILE && r[1] != ENFILE && r[1] != EAGAIN)
            bad_errno = r[1];
    }
    /* Everything is held: now child 0 forks. */
    write(go0[1], "g", 1);
    long fork_res = 0;
    read(report[0], &fork_res, sizeof fork_res);
    close(goall[1]); /* everyone may exit */
    int all_ok = 1;
    for (int c = 0; c < children; c++) {
        int st;
        if (wait(&st) < 0 || !WIFEXITED(st))
            all_ok = 0;
    }
    say("t_exhaust: %ld MiB went into pipes", total >> 20);
    check(bad_errno == 0, "filling pipes stops only with ENOMEM, EMFILE, ENFILE or EAGAIN", "errno %d",
          bad_errno);
    check(fork_res == 1 || fork_res == 2,
          "fork while every pipe is full succeeds or fails with ENOMEM/EAGAIN", "result %ld", fork_res);
    check(all_ok, "every child exited normally", "a child did not");
    close(report[0]);
    close(go0[1]);
    /* Everything is back: a fresh pipe takes 64 KiB again. */
    int err;
    long again = fill_pipes(&err, PIPE_BYTES);
    check(again >= PIPE_BYTES, "after the children exit, a pipe takes 64 KiB again", "got %ld, errno %d",
          again, err);
    return 0;
}

static int mode_tmpfs(void)
{
    const char *path = "/tmp/t_exhaust.big";
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!check(fd >= 0, "create a file in /tmp", "errno %d", errno))
        return 0;
    long total = 0, n;
    int err = 0;
    for (;;) {
        if (max_mb >= 0 && total >= max_mb * 1024 * 1024)
            break;
        n = write(fd, chunk, sizeof chunk);
        if (n <= 0) {
            err = n < 0 ? errno : 0;
            break;
        }
        total += n;
    }
    say("t_exhaust: %ld MiB written to /tmp", total >> 20);
    check(max_mb >= 0 || err == ENOSPC, "a full tmpfs says ENOSPC", "errno %d", err);
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    int st = 0;
    check(pid > 0 ? waitpid(pid, &st, 0) == pid : (errno == ENOMEM || errno == EAGAIN),
          "fork with /tmp full works or fails cleanly", "errno %d", errno);
    close(fd);
    check_eq(unlink(path), 0, "unlink the big file");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0 && write(fd, chunk, sizeof chunk) == sizeof chunk, "after unlink, /tmp takes data again",
          "errno %d", errno);
    close(fd);
    unlink(path);
    return 0;
}

/* Files go 500 to a directory (directories are searched entry by entry). */
#define PER_DIR 500

static void file_name(char *buf, size_t len, const char *top, long i)
{
    snprintf(buf, len, "%s/d%ld/f%ld", top, i / PER_DIR, i % PER_DIR);
}

static int mode_inodes(void)
{
    const char *top = "/tmp/t_exhaust.d";
    mkdir(top, 0700);
    char name[96];
    long made = 0;
    int err = 0;
    long limit = max_mb < 0 ? -1 : max_mb * 64; /* ~64 files per MiB budget on a host */
    for (;;) {
        if (limit >= 0 && made >= limit)
            break;
        if (made % PER_DIR == 0) {
            snprintf(name, sizeof name, "%s/d%ld", top, made / PER_DIR);
            if (mkdir(name, 0700) != 0) {
                err = errno;
                break;
            }
        }
        file_name(name, sizeof name, top, made);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0) {
            err = errno;
            break;
        }
        close(fd);
        made++;
    }
    say("t_exhaust: %ld empty files made", made);
    check(limit >= 0 || err == ENOSPC || err == ENOMEM, "making files stops with ENOSPC or ENOMEM", "errno %d",
          err);
    long removed = 0, dirs = 0;
    for (long i = 0; i < made; i++) {
        file_name(name, sizeof name, top, i);
        removed += unlink(name) == 0;
    }
    for (long d = 0; d * PER_DIR <= made; d++) {
        snprintf(name, sizeof name, "%s/d%ld", top, d);
        dirs += rmdir(name) == 0;
    }
    check_eq(removed, made, "every file is removed again");
    check(dirs >= made / PER_DIR, "and every directory", "%ld removed", dirs);
    check_eq(rmdir(top), 0, "and the top directory");
    /* Files can be made again. */
    int fd = open("/tmp/t_exhaust.again", O_WRONLY | O_CREAT | O_EXCL, 0600);
    check(fd >= 0, "a new file can be made afterwards", "errno %d", errno);
    close(fd);
    unlink("/tmp/t_exhaust.again");
    return 0;
}

static int mode_ptbomb(void)
{
    /* 64 GiB of address space, read-only: no commit charge; each 2 MiB
     * read maps the shared zero page through a page table of its own. */
    size_t len = 64UL << 30;
    volatile char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        say("t_exhaust: mmap failed, errno %d", errno);
        return 1;
    }
    long sum = 0;
    for (size_t off = 0; off < len; off += 2UL << 20)
        sum += p[off];
    say("t_exhaust: touched all of it (sum %ld)", sum);
    return 0;
}

int main(int argc, char **argv)
{
    check_init("t_exhaust");
    memset(chunk, 'p', sizeof chunk);
    const char *mode = argc > 1 ? argv[1] : "";
    for (int i = 2; i + 1 < argc; i++)
        if (strcmp(argv[i], "--max-mb") == 0)
            max_mb = atol(argv[i + 1]);
    if (strcmp(mode, "pipes") == 0) {
        int children = argc > 2 && argv[2][0] != '-' ? atoi(argv[2]) : 8;
        mode_pipes(children > 0 ? children : 8);
    } else if (strcmp(mode, "tmpfs") == 0) {
        mode_tmpfs();
    } else if (strcmp(mode, "inodes") == 0) {
        mode_inodes();
    } else if (strcmp(mode, "ptbomb") == 0) {
        return mode_ptbomb();
    } else {
        say("usage: t_exhaust pipes [N]|tmpfs|inodes|ptbomb [--max-mb N]");
        return 2;
    }
    return check_finish();
}
