/* t_fifo.c: named pipes (fifo(7)). mkfifo and mknod(S_IFIFO) make nodes
 * stat reports as FIFOs; a non-blocking reader opens at once and sees end of
 * file while there is no writer; a non-blocking writer without a reader gets
 * ENXIO; blocking opens meet (a reader and a writer in two processes, the
 * order checked through the data, never with timing); O_RDWR never waits;
 * bytes written before the last close are gone after it; poll on a FIFO;
 * unlinking an open FIFO keeps it working. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64], fifo[96];

static void basics(void)
{
    struct stat st;
    check_eq(mkfifo(fifo, 0600), 0, "mkfifo");
    check_eq(stat(fifo, &st), 0, "stat of the fifo");
    check(S_ISFIFO(st.st_mode), "stat says S_ISFIFO", "mode %o", st.st_mode);
    check_errno(mkfifo(fifo, 0600), EEXIST, "mkfifo of an existing name is EEXIST");

    char other[128];
    snprintf(other, sizeof other, "%s/by-mknod", dir);
    check_eq(mknod(other, S_IFIFO | 0600, 0), 0, "mknod S_IFIFO");
    check_eq(stat(other, &st), 0, "stat of the mknod fifo");
    check(S_ISFIFO(st.st_mode), "mknod made a FIFO", "mode %o", st.st_mode);
    unlink(other);

    check_errno(open(fifo, O_WRONLY | O_NONBLOCK), ENXIO, "non-blocking writer without a reader: ENXIO");
    int r = open(fifo, O_RDONLY | O_NONBLOCK);
    check(r >= 0, "non-blocking reader opens at once", "errno %d", errno);
    char c;
    check_eq(read(r, &c, 1), 0, "no writer: read is end of file");
    int w = open(fifo, O_WRONLY | O_NONBLOCK);
    check(w >= 0, "non-blocking writer opens when a reader exists", "errno %d", errno);
    check_errno(read(r, &c, 1), EAGAIN, "a writer but no data: EAGAIN");
    check_eq(fstat(w, &st), 0, "fstat of an end");
    check(S_ISFIFO(st.st_mode), "fstat says S_ISFIFO", "mode %o", st.st_mode);
    check_eq(write(w, "abc", 3), 3, "write into the fifo");
    struct pollfd pfd = { .fd = r, .events = POLLIN };
    check_eq(poll(&pfd, 1, 0), 1, "poll says readable");
    check(pfd.revents & POLLIN, "POLLIN", "revents %x", pfd.revents);
    char buf[8] = { 0 };
    check_eq(read(r, buf, sizeof buf), 3, "read it back");
    check(memcmp(buf, "abc", 3) == 0, "same bytes", "got %.3s", buf);
    check_eq(write(w, "lost", 4), 4, "write more, then close both ends");
    close(w);
    close(r);
    r = open(fifo, O_RDONLY | O_NONBLOCK);
    check_eq(read(r, buf, sizeof buf), 0, "bytes left at the last close are gone");
    close(r);
}

static void rdwr(void)
{
    int fd = open(fifo, O_RDWR);
    check(fd >= 0, "O_RDWR opens without waiting", "errno %d", errno);
    check_eq(write(fd, "x", 1), 1, "O_RDWR end writes");
    char c = 0;
    check_eq(read(fd, &c, 1), 1, "and reads its own byte");
    check_eq(c, 'x', "the byte");
    close(fd);
}

static void rendezvous(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        /* The child writes; its open waits for the parent's reader. */
        int w = open(fifo, O_WRONLY);
        if (w < 0)
            _exit(2);
        const char msg[] = "hello through a fifo";
        if (write(w, msg, sizeof msg) != sizeof msg)
            _exit(3);
        _exit(0);
    }
    int r = open(fifo, O_RDONLY);
    check(r >= 0, "blocking reader met the writer", "errno %d", errno);
    char buf[64] = { 0 };
    size_t got = 0;
    for (;;) {
        ssize_t n = read(r, buf + got, sizeof buf - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    check_eq((long)got, 21, "all the writer's bytes, then end of file");
    check(strcmp(buf, "hello through a fifo") == 0, "the message", "got %s", buf);
    int status = 0;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer exited cleanly", "status %x", status);
    close(r);
}

static void unlinked(void)
{
    int r = open(fifo, O_RDONLY | O_NONBLOCK);
    int w = open(fifo, O_WRONLY);
    check(r >= 0 && w >= 0, "both ends open", "errno %d", errno);
    check_eq(unlink(fifo), 0, "unlink the fifo while open");
    check_eq(write(w, "z", 1), 1, "an unlinked fifo still carries data");
    char c = 0;
    check_eq(read(r, &c, 1), 1, "and delivers it");
    close(r);
    close(w);
}

int main(void)
{
    check_init("t_fifo");
    snprintf(dir, sizeof dir, "/tmp/t_fifo.%d", (int)getpid());
    snprintf(fifo, sizeof fifo, "%s/f", dir);
    if (mkdir(dir, 0700) < 0) {
        check(0, "mkdir", "errno %d", errno);
        return check_finish();
    }
    basics();
    rdwr();
    rendezvous();
    unlinked();
    rmdir(dir);
    return check_finish();
}
