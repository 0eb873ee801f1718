/* t_signalfd.c: signalfd(2) and signalfd4(2): reading pending signals of
 * the mask as struct signalfd_siginfo (kill, a POSIX timer, an interval
 * timer, a child's exit), non-blocking and blocking reads, poll and epoll,
 * updating the mask, flags and errors. Every check also holds on Linux.
 * Not in tests/e2e yet: it needs proc::signal::dequeue, which the signal
 * work provides. */
#include "check.h"
#include "sigs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


static int sfd(int fd, unsigned long mask, int flags)
{
    return (int)syscall(SYS_signalfd4, fd, &mask, 8, flags);
}

static void basics(void)
{
    set_mask(bit(SIGUSR1) | bit(SIGUSR2));
    int fd = sfd(-1, bit(SIGUSR1), SFD_NONBLOCK | SFD_CLOEXEC);
    check(fd >= 0, "signalfd4(-1, {SIGUSR1}, SFD_NONBLOCK | SFD_CLOEXEC)", "errno %d", errno);
    check((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0, "SFD_CLOEXEC sets close-on-exec", "%d", fcntl(fd, F_GETFD));
    check((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, "SFD_NONBLOCK sets O_NONBLOCK", "%d", fcntl(fd, F_GETFL));
    struct signalfd_siginfo si[2];
    check_errno(read(fd, si, sizeof si[0]), EAGAIN, "nothing pending: EAGAIN");
    struct pollfd pfd = { fd, POLLIN, 0 };
    check_eq(poll(&pfd, 1, 0), 0, "poll: not readable with nothing pending");

    kill(getpid(), SIGUSR1);
    check((pending_set() & bit(SIGUSR1)) != 0, "a blocked SIGUSR1 is pending", "pending %#lx", pending_set());
    check_eq(poll(&pfd, 1, 0), 1, "poll: readable with SIGUSR1 pending");
    check_errno(read(fd, si, sizeof si[0] - 1), EINVAL, "a read under 128 bytes: EINVAL");
    memset(si, 0xff, sizeof si);
    check_eq(read(fd, si, sizeof si), (long)sizeof si[0], "read takes the one pending signal");
    check_eq(si[0].ssi_signo, SIGUSR1, "ssi_signo");
    check_eq(si[0].ssi_code, SI_USER, "ssi_code SI_USER");
    check_eq(si[0].ssi_pid, getpid(), "ssi_pid is the sender");
    check_eq(si[0].ssi_uid, getuid(), "ssi_uid is the sender's");
    check_eq((pending_set() & bit(SIGUSR1)) != 0, 0, "the signal is no longer pending");

    kill(getpid(), SIGUSR2);
    check_errno(read(fd, si, sizeof si[0]), EAGAIN, "a signal outside the mask is not read");
    check_eq(sfd(fd, bit(SIGUSR1) | bit(SIGUSR2), 0), fd, "signalfd on a signalfd changes its mask");
    kill(getpid(), SIGUSR1);
    check_eq(read(fd, si, sizeof si), (long)sizeof si, "two pending signals in one read");
    check(si[0].ssi_signo == SIGUSR1 && si[1].ssi_signo == SIGUSR2, "lowest first", "%u then %u", si[0].ssi_signo,
          si[1].ssi_signo);

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 5 }, out;
    check_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0, "epoll_ctl adds a signalfd");
    check_eq(epoll_wait(ep, &out, 1, 0), 0, "epoll: nothing pending");
    kill(getpid(), SIGUSR2);
    check_eq(epoll_wait(ep, &out, 1, -1), 1, "epoll_wait reports a signal arriving");
    read(fd, si, sizeof si);
    close(ep);

    unsigned long m = bit(SIGUSR1);
    check_errno(syscall(SYS_signalfd4, -1, &m, 4, 0), EINVAL, "sizemask 4: EINVAL");
    check_errno(syscall(SYS_signalfd4, -1, &m, 8, 1), EINVAL, "an unknown flag: EINVAL");
    check_errno(syscall(SYS_signalfd4, -1, (void *)8, 8, 0), EFAULT, "a bad mask pointer: EFAULT");
    int p[2];
    pipe(p);
    check_errno(sfd(p[0], m, 0), EINVAL, "signalfd on a pipe: EINVAL");
    close(p[0]);
    close(p[1]);
    check_errno(sfd(p[0], m, 0), EBADF, "signalfd on a closed descriptor: EBADF");
    int old = (int)syscall(SYS_signalfd, -1, &m, 8);
    check(old >= 0 && (fcntl(old, F_GETFD) & FD_CLOEXEC) == 0, "signalfd(2) without flags", "fd %d", old);
    close(old);
    close(fd);
    set_mask(0);
}

static void from_timers(void)
{
    set_mask(bit(SIGUSR1) | bit(SIGALRM) | bit(SIGCHLD));
    int fd = sfd(-1, bit(SIGUSR1) | bit(SIGALRM) | bit(SIGCHLD), 0);
    struct ksigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.notify = SIGEV_SIGNAL;
    ev.signo = SIGUSR1;
    ev.value = 0x1234;
    int id = -1;
    check_eq(syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id), 0, "timer_create(SIGEV_SIGNAL, SIGUSR1)");
    struct itimerspec v = { { 0, 0 }, { 0, 5000000 } };
    syscall(SYS_timer_settime, id, 0, &v, NULL);
    struct signalfd_siginfo si;
    check_eq(read(fd, &si, sizeof si), (long)sizeof si, "a blocking read waits for the timer's signal");
    check_eq(si.ssi_signo, SIGUSR1, "ssi_signo");
    check_eq(si.ssi_code, SI_TIMER, "ssi_code SI_TIMER");
    check_eq(si.ssi_tid, id, "ssi_tid is the timer id");
    check_eq(si.ssi_int, 0x1234, "ssi_int is sigev_value");
    check_eq(si.ssi_overrun, 0, "ssi_overrun 0 for a one-shot timer");
    syscall(SYS_timer_delete, id);

    struct itimerval iv = { { 0, 0 }, { 0, 5000 } };
    syscall(SYS_setitimer, ITIMER_REAL, &iv, NULL);
    check_eq(read(fd, &si, sizeof si), (long)sizeof si, "ITIMER_REAL's SIGALRM through the signalfd");
    check_eq(si.ssi_signo, SIGALRM, "ssi_signo SIGALRM");

    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    check_eq(read(fd, &si, sizeof si), (long)sizeof si, "a child's exit: SIGCHLD through the signalfd");
    check_eq(si.ssi_signo, SIGCHLD, "ssi_signo SIGCHLD");
    check_eq(si.ssi_code, CLD_EXITED, "ssi_code CLD_EXITED");
    check_eq(si.ssi_pid, pid, "ssi_pid is the child");
    check_eq(si.ssi_status, 7, "ssi_status is its exit code");
    waitpid(pid, NULL, 0);
    close(fd);
    set_mask(0);
}

int main(void)
{
    check_init("t_signalfd");
    basics();
    from_timers();
    return check_finish();
}
