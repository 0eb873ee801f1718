/* t_poll.c: poll(2), ppoll(2), select(2) and pselect6(2) on pipes: a
 * sleeping caller woken by another process's write, time-outs of zero,
 * POLLHUP and POLLERR when the other end is gone, POLLOUT, POLLNVAL,
 * negative descriptors, the RLIMIT_NOFILE bound, select's rewritten sets,
 * time left and EBADF, and the signal mask of ppoll. Orders are set with
 * pipes, never with time. Every check also holds on Linux. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A child that waits for a byte on `go`, then writes "x" to `out` and exits. */
static pid_t writer_after(int go, int out)
{
    pid_t c = fork();
    if (c == 0) {
        char b;
        if (read(go, &b, 1) != 1)
            _exit(2);
        _exit(write(out, "x", 1) == 1 ? 0 : 1);
    }
    return c;
}

static void reap(pid_t c, const char *what)
{
    int s = 0;
    waitpid(c, &s, 0);
    check(exited_with(s, 0), what, "status %#x", s);
}

static void poll_wakes(void)
{
    int p[2], go[2];
    pipe(p);
    pipe(go);
    pid_t c = writer_after(go[0], p[1]);
    struct pollfd fd = { p[0], POLLIN, 0 };
    check_eq(poll(&fd, 1, 0), 0, "poll with timeout 0 on an empty pipe returns 0 at once");
    check_eq(fd.revents, 0, "and reports nothing");
    write(go[1], "g", 1);
    int n = poll(&fd, 1, -1);
    check(n == 1 && fd.revents == POLLIN, "poll sleeps until another process writes: POLLIN", "n %d revents %#x",
          n, fd.revents);
    reap(c, "the writer exits 0");
    /* The writer is gone and its copy of p[1] with it; close ours too. */
    close(p[1]);
    n = poll(&fd, 1, -1);
    check(n == 1 && fd.revents == (POLLIN | POLLHUP), "data and no writer: POLLIN|POLLHUP", "n %d revents %#x", n,
          fd.revents);
    char b;
    read(p[0], &b, 1);
    n = poll(&fd, 1, 1000);
    check(n == 1 && fd.revents == POLLHUP, "empty and no writer: POLLHUP alone", "n %d revents %#x", n, fd.revents);
    close(p[0]);
    close(go[0]);
    close(go[1]);
}

static void poll_out_err_nval(void)
{
    int p[2];
    pipe2(p, O_NONBLOCK);
    struct pollfd fds[4] = {
        { p[1], POLLOUT, 0 },
        { -1, POLLIN, 77 },
        { p[0], POLLIN | POLLOUT, 0 },
        { 1000, POLLIN, 0 },
    };
    int n = poll(fds, 4, -1);
    check(n == 2, "an empty pipe's write end and a closed fd are ready", "n %d", n);
    check_eq(fds[0].revents, POLLOUT, "the write end: POLLOUT");
    check_eq(fds[1].revents, 0, "a negative fd is skipped (revents 0)");
    check_eq(fds[2].revents, 0, "an empty read end: nothing (POLLOUT is not for it)");
    check_eq(fds[3].revents, POLLNVAL, "a closed fd: POLLNVAL");
    char buf[4096];
    memset(buf, 'f', sizeof buf);
    while (write(p[1], buf, sizeof buf) > 0) {
    }
    n = poll(fds, 1, 0);
    check(n == 0 && fds[0].revents == 0, "a full pipe is not writable", "n %d revents %#x", n, fds[0].revents);
    close(p[0]);
    n = poll(fds, 1, -1);
    check(n == 1 && (fds[0].revents & POLLERR), "no reader: POLLERR on the write end", "n %d revents %#x", n,
          fds[0].revents);
    close(p[1]);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    check_errno(poll(NULL, rl.rlim_cur + 1, 0), EINVAL, "nfds above RLIMIT_NOFILE: EINVAL");
    check_errno(poll((struct pollfd *)8, 1, 0), EFAULT, "a bad pollfd array: EFAULT");
}

static void select_sets(void)
{
    int a[2], b[2];
    pipe(a);
    pipe(b);
    write(a[1], "x", 1);
    fd_set rd, wr, ex;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_ZERO(&ex);
    FD_SET(a[0], &rd);
    FD_SET(b[0], &rd);
    FD_SET(b[1], &wr);
    FD_SET(a[0], &ex);
    struct timeval tv = { 5, 0 };
    int n = select(FD_SETSIZE, &rd, &wr, &ex, &tv);
    check_eq(n, 2, "select counts a readable and a writable fd");
    check(FD_ISSET(a[0], &rd) && !FD_ISSET(b[0], &rd), "the read set keeps only the pipe with data", "not so");
    check(FD_ISSET(b[1], &wr), "the write set keeps the writable end", "not so");
    check(!FD_ISSET(a[0], &ex), "the exception set is cleared", "not so");
    check(tv.tv_sec <= 5 && tv.tv_sec >= 0 && (tv.tv_sec < 5 || tv.tv_usec == 0),
          "the timeval is rewritten with at most the time given", "%ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);

    FD_ZERO(&rd);
    FD_SET(b[0], &rd);
    struct timeval zero = { 0, 0 };
    check_eq(select(b[0] + 1, &rd, NULL, NULL, &zero), 0, "select with a zero timeval returns 0 at once");
    check(!FD_ISSET(b[0], &rd), "and clears the set", "not so");

    int closed = b[1] + 10;
    FD_ZERO(&rd);
    FD_SET(closed, &rd);
    check_errno(select(closed + 1, &rd, NULL, NULL, &zero), EBADF, "a closed fd in a set: EBADF");
    struct timeval bad = { 0, -1 };
    FD_ZERO(&rd);
    check_errno(select(1, &rd, NULL, NULL, &bad), EINVAL, "a negative timeval: EINVAL");
    check_errno(select(-1, NULL, NULL, NULL, &zero), EINVAL, "negative nfds: EINVAL");

    /* select sleeps until another process writes. */
    int go[2];
    pipe(go);
    pid_t c = writer_after(go[0], b[1]);
    write(go[1], "g", 1);
    FD_ZERO(&rd);
    FD_SET(b[0], &rd);
    n = select(b[0] + 1, &rd, NULL, NULL, NULL);
    check(n == 1 && FD_ISSET(b[0], &rd), "select sleeps until another process writes", "n %d", n);
    reap(c, "the writer exits 0");
    for (int *f = a; f < a + 2; f++)
        close(*f);
    for (int *f = b; f < b + 2; f++)
        close(*f);
    close(go[0]);
    close(go[1]);
}

static void p_variants(void)
{
    int p[2];
    pipe(p);
    struct pollfd fd = { p[0], POLLIN, 0 };
    struct timespec ts = { 0, 0 };
    check_eq(ppoll(&fd, 1, &ts, NULL), 0, "ppoll with a zero timespec returns 0 at once");
    struct timespec bad = { 0, 1000000000 };
    check_errno(ppoll(&fd, 1, &bad, NULL), EINVAL, "ppoll with tv_nsec of 1e9: EINVAL");
    sigset_t none;
    sigemptyset(&none);
    check_errno(syscall(SYS_ppoll, &fd, 1, &ts, &none, 4), EINVAL, "ppoll with a 4-byte sigset: EINVAL");
    write(p[1], "y", 1);
    check_eq(ppoll(&fd, 1, NULL, &none), 1, "ppoll with a mask and no timeout sees the data");

    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timespec five = { 5, 0 };
    check_eq(pselect(p[0] + 1, &rd, NULL, NULL, &five, &none), 1, "pselect with a mask sees the data");
    check(FD_ISSET(p[0], &rd), "and keeps the fd in the set", "not so");
    char b;
    read(p[0], &b, 1);
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    check_eq(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL), 0, "pselect with a zero timeout returns 0 at once");

    /* A pending SIGUSR1, blocked by the process's mask: a ppoll whose mask
     * unblocks it lets it act (the default action ends the process). */
    pid_t c = fork();
    if (c == 0) {
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        kill(getpid(), SIGUSR1);
        struct pollfd q = { p[0], POLLIN, 0 };
        ppoll(&q, 1, NULL, &none);
        _exit(0);
    }
    int s = 0;
    waitpid(c, &s, 0);
    check(killed_by(s, SIGUSR1), "ppoll's mask applies: a pending signal it unblocks acts", "status %#x", s);
    /* And a mask that keeps it blocked keeps the process alive. */
    c = fork();
    if (c == 0) {
        sigset_t usr1;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        sigprocmask(SIG_BLOCK, &usr1, NULL);
        kill(getpid(), SIGUSR1);
        struct pollfd q = { p[0], POLLIN, 0 };
        struct timespec z = { 0, 0 };
        _exit(ppoll(&q, 1, &z, &usr1) == 0 ? 0 : 1);
    }
    waitpid(c, &s, 0);
    check(exited_with(s, 0), "a ppoll mask that blocks the signal keeps it pending", "status %#x", s);
    close(p[0]);
    close(p[1]);
}

int main(void)
{
    check_init("t_poll");
    poll_wakes();
    poll_out_err_nval();
    select_sets();
    p_variants();
    return check_finish();
}
