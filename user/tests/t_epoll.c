/* t_epoll.c: epoll(7) on pipes: level- and edge-triggered items, one-shot
 * items and MOD re-arming them, DEL, epoll_ctl's errors (EPERM for a
 * regular file, EEXIST, ENOENT, EINVAL, ELOOP, EBADF), nested instances,
 * an item outliving its descriptor but not its open file, epoll_wait
 * woken by another process's write; pipe sizes (F_GETPIPE_SZ,
 * F_SETPIPE_SZ), FIONREAD, and PIPE_BUF writes of two writer processes
 * never interleaving. Every check also holds on Linux. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int add(int ep, int fd, unsigned events, unsigned long data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, unsigned events, unsigned long data)
{
    struct epoll_event e = { .events = events, .data.u64 = data };
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

/* epoll_wait with a zero timeout: the number of events, the first in *first. */
static int ready(int ep, struct epoll_event *first)
{
    struct epoll_event evs[8];
    int n = epoll_wait(ep, evs, 8, 0);
    if (n > 0 && first)
        *first = evs[0];
    return n;
}

static void errors(void)
{
    check_errno(syscall(SYS_epoll_create, 0), EINVAL, "epoll_create(0): EINVAL");
    long old = syscall(SYS_epoll_create, 1);
    check(old >= 0, "epoll_create(1)", "errno %d", errno);
    close(old);
    check_errno(epoll_create1(1), EINVAL, "epoll_create1 with an unknown flag: EINVAL");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    check(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC, "epoll_create1(EPOLL_CLOEXEC) sets FD_CLOEXEC", "ep %d", ep);
    int p[2];
    pipe(p);
    const char *path = "/tmp/t_epoll.file";
    int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    unlink(path);
    check_errno(add(ep, f, EPOLLIN, 0), EPERM, "a regular file cannot be added: EPERM");
    check_errno(add(ep, ep, EPOLLIN, 0), EINVAL, "an instance cannot watch itself: EINVAL");
    check_errno(add(p[0], p[1], EPOLLIN, 0), EINVAL, "epfd that is not an epoll instance: EINVAL");
    check_errno(add(ep, 999, EPOLLIN, 0), EBADF, "a closed target: EBADF");
    check_errno(add(999, p[0], EPOLLIN, 0), EBADF, "a closed epfd: EBADF");
    check_eq(add(ep, p[0], EPOLLIN, 1), 0, "ADD of a pipe");
    check_errno(add(ep, p[0], EPOLLIN, 1), EEXIST, "ADD again: EEXIST");
    check_errno(mod(ep, p[1], EPOLLOUT, 2), ENOENT, "MOD of an fd not added: ENOENT");
    check_errno(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT, "DEL of an fd not added: ENOENT");
    check_errno(epoll_ctl(ep, 99, p[0], &(struct epoll_event){ 0 }), EINVAL, "an unknown op: EINVAL");
    check_errno(add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL,
                "EPOLLEXCLUSIVE with EPOLLONESHOT: EINVAL");
    check_eq(add(ep, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 0), 0, "EPOLLEXCLUSIVE with EPOLLOUT is accepted");
    check_errno(mod(ep, p[1], EPOLLOUT, 0), EINVAL, "MOD of an EPOLLEXCLUSIVE item: EINVAL");
    struct epoll_event evs[1];
    check_errno(epoll_wait(ep, evs, 0, 0), EINVAL, "maxevents 0: EINVAL");
    check_errno(epoll_wait(p[0], evs, 1, 0), EINVAL, "epoll_wait on a pipe: EINVAL");
    check_errno(epoll_wait(ep, (struct epoll_event *)8, 1, 0), EFAULT, "a bad events array: EFAULT");
    close(f);
    close(p[0]);
    close(p[1]);
    close(ep);
}

static void triggers(void)
{
    int lt[2], et[2], os[2];
    pipe(lt);
    pipe(et);
    pipe(os);
    int ep = epoll_create1(0);
    add(ep, lt[0], EPOLLIN, 10);
    add(ep, et[0], EPOLLIN | EPOLLET, 20);
    add(ep, os[0], EPOLLIN | EPOLLONESHOT, 30);
    check_eq(ready(ep, NULL), 0, "nothing written: nothing ready");
    write(lt[1], "a", 1);
    struct epoll_event e = { 0 };
    check(ready(ep, &e) == 1 && e.data.u64 == 10 && e.events == EPOLLIN, "level-triggered: reported", "data %lu",
          (unsigned long)e.data.u64);
    check(ready(ep, &e) == 1 && e.data.u64 == 10, "and again while the data is there", "data %lu",
          (unsigned long)e.data.u64);
    char b[16];
    read(lt[0], b, sizeof b);
    check_eq(ready(ep, NULL), 0, "and no more once it was read");

    write(et[1], "a", 1);
    check(ready(ep, &e) == 1 && e.data.u64 == 20, "edge-triggered: reported once", "data %lu",
          (unsigned long)e.data.u64);
    check_eq(ready(ep, NULL), 0, "not again without a new write");
    write(et[1], "b", 1);
    check(ready(ep, &e) == 1 && e.data.u64 == 20, "a new write is a new edge", "data %lu",
          (unsigned long)e.data.u64);
    read(et[0], b, sizeof b);

    write(os[1], "a", 1);
    check(ready(ep, &e) == 1 && e.data.u64 == 30, "one-shot: reported once", "data %lu", (unsigned long)e.data.u64);
    write(os[1], "b", 1);
    check_eq(ready(ep, NULL), 0, "then disabled, even after a new write");
    check_eq(mod(ep, os[0], EPOLLIN | EPOLLONESHOT, 31), 0, "MOD re-arms it");
    check(ready(ep, &e) == 1 && e.data.u64 == 31, "with its new data", "data %lu", (unsigned long)e.data.u64);
    check_eq(epoll_ctl(ep, EPOLL_CTL_DEL, os[0], NULL), 0, "DEL");
    mod(ep, lt[0], EPOLLIN, 11);
    write(lt[1], "c", 1);
    check(ready(ep, &e) == 1 && e.data.u64 == 11, "after DEL only the other item reports", "data %lu",
          (unsigned long)e.data.u64);
    read(lt[0], b, sizeof b);

    close(lt[1]);
    check(ready(ep, &e) == 1 && e.data.u64 == 11 && e.events == EPOLLHUP,
          "the writer gone: EPOLLHUP without asking for it", "events %#x", e.events);

    /* maxevents 1 with two ready items: both come, one per call. */
    int x[2];
    pipe(x);
    add(ep, x[0], EPOLLIN, 40);
    write(x[1], "x", 1);
    struct epoll_event one[1];
    int seen = 0;
    for (int i = 0; i < 2; i++)
        if (epoll_wait(ep, one, 1, 0) == 1)
            seen |= one[0].data.u64 == 11 ? 1 : one[0].data.u64 == 40 ? 2 : 4;
    check_eq(seen, 3, "maxevents 1: two level-triggered items take turns");
    for (int *f = et; f < et + 2; f++)
        close(*f);
    for (int *f = os; f < os + 2; f++)
        close(*f);
    close(lt[0]);
    close(x[0]);
    close(x[1]);
    close(ep);
}

static void nested_and_lifetime(void)
{
    int p[2];
    pipe(p);
    int inner = epoll_create1(0), outer = epoll_create1(0);
    add(inner, p[0], EPOLLIN, 1);
    check_eq(add(outer, inner, EPOLLIN, 2), 0, "an epoll instance inside another");
    check_errno(add(inner, outer, EPOLLIN, 3), ELOOP, "and the other inside it: ELOOP");
    check_errno(add(inner, inner, EPOLLIN, 3), EINVAL, "itself inside itself: EINVAL");
    check_eq(ready(outer, NULL), 0, "nothing written: the outer instance has nothing");
    struct pollfd pf = { outer, POLLIN, 0 };
    check_eq(poll(&pf, 1, 0), 0, "and poll says it is not readable");
    write(p[1], "a", 1);
    struct epoll_event e = { 0 };
    check(ready(outer, &e) == 1 && e.data.u64 == 2 && e.events == EPOLLIN, "a write makes the outer one ready",
          "events %#x", e.events);
    check(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN, "and poll says POLLIN", "revents %#x", pf.revents);
    check(ready(inner, &e) == 1 && e.data.u64 == 1, "the inner one reports the pipe", "data %lu",
          (unsigned long)e.data.u64);
    char b;
    read(p[0], &b, 1);

    /* An item outlives its descriptor while the open file lives on. */
    int d = dup(p[0]);
    add(inner, d, EPOLLIN, 77);
    close(d);
    check_errno(epoll_ctl(inner, EPOLL_CTL_DEL, d, NULL), EBADF, "DEL of the closed dup: EBADF");
    write(p[1], "b", 1);
    struct epoll_event evs[4];
    int n = epoll_wait(inner, evs, 4, 0);
    int saw77 = 0;
    for (int i = 0; i < n; i++)
        saw77 |= evs[i].data.u64 == 77;
    check(n == 2 && saw77, "a closed dup's item still reports while the file is open", "n %d", n);
    /* Data still waits in the pipe, but its read end is closed. */
    close(p[0]);
    check_eq(ready(inner, NULL), 0, "once the open file is gone, none of its items report");
    close(p[1]);
    close(inner);
    close(outer);
}

static void wakes(void)
{
    int p[2], go[2];
    pipe(p);
    pipe(go);
    int ep = epoll_create1(0);
    add(ep, p[0], EPOLLIN | EPOLLET, 5);
    pid_t c = fork();
    if (c == 0) {
        char b;
        read(go[0], &b, 1);
        _exit(write(p[1], "x", 1) == 1 ? 0 : 1);
    }
    write(go[1], "g", 1);
    struct epoll_event e = { 0 };
    int n = epoll_wait(ep, &e, 1, -1);
    check(n == 1 && e.data.u64 == 5, "epoll_wait sleeps until another process writes", "n %d", n);
    int s = 0;
    waitpid(c, &s, 0);
    check(exited_with(s, 0), "the writer exits 0", "status %#x", s);
    close(p[0]);
    close(p[1]);
    close(go[0]);
    close(go[1]);
    close(ep);
}

static void pipe_sizes(void)
{
    int p[2];
    pipe2(p, O_NONBLOCK);
    check_eq(fcntl(p[0], F_GETPIPE_SZ), 65536, "a new pipe holds 64 KiB");
    check_eq(fcntl(p[1], F_SETPIPE_SZ, 5000), 8192, "F_SETPIPE_SZ 5000 rounds up to two pages");
    check_eq(fcntl(p[0], F_GETPIPE_SZ), 8192, "and F_GETPIPE_SZ says so on the other end");
    char buf[1024];
    memset(buf, 'z', sizeof buf);
    long total = 0, n;
    while ((n = write(p[1], buf, sizeof buf)) > 0)
        total += n;
    check_eq(total, 8192, "the pipe takes 8192 bytes");
    int avail = -1;
    check(ioctl(p[0], FIONREAD, &avail) == 0 && avail == 8192, "FIONREAD: 8192", "avail %d", avail);
    check_errno(fcntl(p[0], F_SETPIPE_SZ, 4096), EBUSY, "shrinking below the contents: EBUSY");
    check_eq(fcntl(p[0], F_SETPIPE_SZ, 1 << 20), 1 << 20, "1 MiB (pipe-max-size) is allowed");
    check(write(p[1], buf, sizeof buf) == sizeof buf, "and makes room", "errno %d", errno);
    char got[1024];
    check(read(p[0], got, sizeof got) == sizeof got && got[0] == 'z' && got[1023] == 'z',
          "the contents survive the resize", "got %c", got[0]);
    int f = open("/tmp/t_epoll.sz", O_RDWR | O_CREAT | O_TRUNC, 0600);
    unlink("/tmp/t_epoll.sz");
    check_errno(fcntl(f, F_GETPIPE_SZ), EBADF, "F_GETPIPE_SZ on a regular file: EBADF");
    check_errno(fcntl(f, F_SETPIPE_SZ, 4096), EBADF, "F_SETPIPE_SZ on a regular file: EBADF");
    close(f);
    while (read(p[0], got, sizeof got) > 0) {
    }
    check_eq(fcntl(p[0], F_SETPIPE_SZ, 0), 4096, "F_SETPIPE_SZ 0 once empty: one page");
    close(p[0]);
    close(p[1]);
}

#define MSGS 300

static void atomic_writes(void)
{
    int p[2];
    pipe(p);
    pid_t w[2];
    for (int i = 0; i < 2; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            close(p[0]);
            char msg[PIPE_BUF];
            memset(msg, 'A' + i, sizeof msg);
            for (int m = 0; m < MSGS; m++)
                if (write(p[1], msg, sizeof msg) != sizeof msg)
                    _exit(1);
            _exit(0);
        }
    }
    close(p[1]);
    char blk[PIPE_BUF];
    int whole = 0, torn = 0, count[2] = { 0, 0 };
    for (;;) {
        size_t got = 0;
        while (got < sizeof blk) {
            ssize_t n = read(p[0], blk + got, sizeof blk - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (got == 0)
            break;
        int ok = got == sizeof blk && (blk[0] == 'A' || blk[0] == 'B');
        for (size_t i = 1; ok && i < got; i++)
            ok = blk[i] == blk[0];
        if (ok) {
            whole++;
            count[blk[0] - 'A']++;
        } else {
            torn++;
        }
    }
    for (int i = 0; i < 2; i++) {
        int s = 0;
        waitpid(w[i], &s, 0);
        check(exited_with(s, 0), "a PIPE_BUF writer exits 0", "status %#x", s);
    }
    check(torn == 0 && whole == 2 * MSGS && count[0] == MSGS && count[1] == MSGS,
          "writes of PIPE_BUF bytes from two processes never interleave", "whole %d torn %d", whole, torn);
    close(p[0]);
}

int main(void)
{
    check_init("t_epoll");
    errors();
    triggers();
    nested_and_lifetime();
    wakes();
    pipe_sizes();
    atomic_writes();
    return check_finish();
}
