/* t_pipe: pipes under concurrent use: writes of PIPE_BUF bytes from several
 * writers never interleave, larger writes and several readers lose and
 * duplicate nothing, a resize while writers wait keeps every byte, and a
 * copy that meets a bad address fails with EFAULT without consuming or
 * adding the bytes of that page. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define WRITERS 4
#define RECORDS 200

/* Reads exactly len bytes (or until EOF); returns what it got. */
static long read_all(int fd, char *buf, long len)
{
    long got = 0;
    while (got < len) {
        ssize_t n = read(fd, buf + got, len - got);
        if (n <= 0)
            break;
        got += n;
    }
    return got;
}

static void atomic_records(void)
{
    int fds[2];
    if (pipe(fds))
        return;
    for (int w = 0; w < WRITERS; w++) {
        if (fork() == 0) {
            close(fds[0]);
            static char rec[PIPE_BUF];
            memset(rec, 'A' + w, sizeof rec);
            for (int i = 0; i < RECORDS; i++)
                if (write(fds[1], rec, sizeof rec) != (ssize_t)sizeof rec)
                    _exit(1);
            _exit(0);
        }
    }
    close(fds[1]);
    static char stream[WRITERS * RECORDS * PIPE_BUF];
    long got = read_all(fds[0], stream, sizeof stream);
    int torn = 0, counts[WRITERS] = {0};
    for (long r = 0; r < got / PIPE_BUF; r++) {
        const char *rec = stream + r * PIPE_BUF;
        int w = rec[0] - 'A';
        bool same = w >= 0 && w < WRITERS;
        for (int i = 1; same && i < PIPE_BUF; i++)
            same = rec[i] == rec[0];
        if (same)
            counts[w]++;
        else
            torn++;
    }
    int ok = 0;
    for (int w = 0; w < WRITERS; w++) {
        int st = 0;
        wait(&st);
        ok += exited_with(st, 0);
    }
    check(got == (long)sizeof stream && torn == 0, "4 writers' PIPE_BUF writes arrive whole, never interleaved",
          "got %ld of %ld bytes, %d torn records", got, (long)sizeof stream, torn);
    check(counts[0] == RECORDS && counts[1] == RECORDS && counts[2] == RECORDS && counts[3] == RECORDS && ok == WRITERS,
          "every writer's records arrive", "counts %d %d %d %d, writers ok %d", counts[0], counts[1], counts[2],
          counts[3], ok);
    close(fds[0]);
}

/* Big writes from 3 writers, 2 readers: every byte once. */
static void many_ends(void)
{
    int data[2], sums[2];
    if (pipe(data) || pipe(sums))
        return;
    const long each = 300 * 1024;
    for (int w = 0; w < 3; w++) {
        if (fork() == 0) {
            close(data[0]);
            char *buf = malloc(each);
            memset(buf, 1, each);
            _exit(write(data[1], buf, each) == each ? 0 : 1);
        }
    }
    for (int r = 0; r < 2; r++) {
        if (fork() == 0) {
            close(data[1]);
            long total = 0, ones = 0;
            char buf[10000];
            ssize_t n;
            while ((n = read(data[0], buf, sizeof buf)) > 0) {
                total += n;
                for (ssize_t i = 0; i < n; i++)
                    ones += buf[i] == 1;
            }
            long out[2] = {total, ones};
            write(sums[1], out, sizeof out);
            _exit(0);
        }
    }
    close(data[0]);
    close(data[1]);
    close(sums[1]);
    long total = 0, ones = 0, out[2];
    while (read_all(sums[0], (char *)out, sizeof out) == (long)sizeof out) {
        total += out[0];
        ones += out[1];
    }
    for (int i = 0; i < 5; i++)
        wait(NULL);
    check(total == 3 * each && ones == total, "3 writers of 300 KiB and 2 readers: every byte read once",
          "read %ld bytes (%ld right) of %ld", total, ones, 3 * each);
    close(sums[0]);
}

/* F_SETPIPE_SZ while a writer waits for room: no byte lost. */
static void resize_under_writer(void)
{
    int fds[2];
    if (pipe(fds))
        return;
    const long len = 200 * 1024;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        char *buf = malloc(len);
        for (long i = 0; i < len; i++)
            buf[i] = (char)(i * 7);
        _exit(write(fds[1], buf, len) == len ? 0 : 1);
    }
    close(fds[1]);
    char *got = malloc(len);
    long n = read_all(fds[0], got, 1000);
    int grown = fcntl(fds[0], F_SETPIPE_SZ, 1 << 20);
    n += read_all(fds[0], got + n, len - n);
    int bad = 0;
    for (long i = 0; i < n; i++)
        bad += got[i] != (char)(i * 7);
    int st = 0;
    waitpid(pid, &st, 0);
    check(grown >= (1 << 20) && n == len && bad == 0 && exited_with(st, 0),
          "growing the pipe while its writer waits keeps every byte in order",
          "size %d, read %ld of %ld, %d wrong", grown, n, len, bad);
    free(got);
    close(fds[0]);
}

static void bad_addresses(void)
{
    int fds[2];
    if (pipe(fds))
        return;
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two == MAP_FAILED || munmap(two + 4096, 4096))
        return;
    char text[100];
    memset(text, 'p', sizeof text);
    check_eq(write(fds[1], text, sizeof text), 100, "100 bytes into the pipe");
    check_errno(read(fds[0], two + 4096 - 10, 100), EFAULT, "a read into a buffer that runs into a hole: EFAULT");
    int left = -1;
    ioctl(fds[0], FIONREAD, &left);
    check_eq(left, 100, "and the bytes stay in the pipe");
    char back[100];
    check_eq(read(fds[0], back, sizeof back), 100, "they read back whole");
    check_errno(write(fds[1], two + 4096 - 10, 100), EFAULT, "a write from a buffer that runs into a hole: EFAULT");
    ioctl(fds[0], FIONREAD, &left);
    check_eq(left, 0, "and nothing was added");
    munmap(two, 4096);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    check_init("t_pipe");
    atomic_records();
    many_ends();
    resize_under_writer();
    bad_addresses();
    return check_finish();
}
