/* t_jobs.c: process groups and sessions: getpgrp/getpgid/getsid, setpgid's
 * rules (ESRCH, EPERM, EACCES, EINVAL), setsid, kill(2) to a group, wait4
 * and waitid by group, and, when stdout is a terminal nobody else holds,
 * the controlling-terminal ioctls. Every check also holds on Linux. */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[256];

/* A child that waits until its end of `gate` is closed, then exits 0. */
static pid_t waiter(int gate[2])
{
    pid_t pid = fork();
    if (pid == 0) {
        close(gate[1]);
        char c;
        while (read(gate[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    return pid;
}

static void ids(void)
{
    pid_t me = getpid();
    check_eq(getpgid(0), getpgrp(), "getpgid(0) is getpgrp()");
    check_eq(getpgid(me), getpgrp(), "getpgid(getpid()) is getpgrp()");
    check_eq(getsid(0), getsid(me), "getsid(0) is getsid(getpid())");
    check_errno(getpgid(99999), ESRCH, "getpgid of no process: ESRCH");
    check_errno(getsid(99999), ESRCH, "getsid of no process: ESRCH");
}

static void setpgid_rules(void)
{
    int gate[2];
    pipe(gate);
    pid_t c = waiter(gate);
    close(gate[0]);
    check_eq(getpgid(c), getpgrp(), "a child starts in its parent's group");
    check_eq(setpgid(c, 0), 0, "setpgid(child, 0) makes it a group leader");
    check_eq(getpgid(c), c, "the child's group is named after it");
    check_eq(setpgid(c, getpgrp()), 0, "setpgid moves it back to the parent's group");
    check_eq(getpgid(c), getpgrp(), "and getpgid agrees");
    check_errno(setpgid(c, -1), EINVAL, "a negative group: EINVAL");
    check_errno(setpgid(c, 99999), EPERM, "a group that does not exist: EPERM");
    check_errno(setpgid(1, 1), ESRCH, "setpgid of a process that is not a child: ESRCH");
    close(gate[1]);
    waitpid(c, NULL, 0);
}

static void setsid_rules(void)
{
    int report[2];
    pipe(report);
    pid_t c = fork();
    if (c == 0) {
        close(report[0]);
        long r[6];
        r[0] = setsid();
        r[1] = getsid(0);
        r[2] = getpgrp();
        r[3] = setsid() == -1 ? errno : 0;
        r[4] = setpgid(0, 0) == -1 ? errno : 0;
        r[5] = getpid();
        write(report[1], r, sizeof r);
        _exit(0);
    }
    close(report[1]);
    long r[6] = { 0 };
    read(report[0], r, sizeof r);
    close(report[0]);
    waitpid(c, NULL, 0);
    check(r[0] == r[5] && r[1] == r[5] && r[2] == r[5], "setsid makes the caller leader of a new session and group",
          "setsid %ld sid %ld pgrp %ld pid %ld", r[0], r[1], r[2], r[5]);
    check_eq(r[3], EPERM, "a group leader's setsid fails with EPERM");
    check_eq(r[4], EPERM, "a session leader's setpgid fails with EPERM");
    /* A process group leader cannot make a new session: here, the parent
     * after making its own group (in a child, to keep the test's group). */
    pid_t d = fork();
    if (d == 0) {
        setpgid(0, 0);
        _exit(setsid() == -1 && errno == EPERM ? 0 : 1);
    }
    int st = 0;
    waitpid(d, &st, 0);
    check(exited_with(st, 0), "setsid of a group leader: EPERM", "status %#x", st);
}

static void other_session_child(void)
{
    int gate[2], ready[2];
    pipe(gate);
    pipe(ready);
    pid_t c = fork();
    if (c == 0) {
        close(gate[1]);
        close(ready[0]);
        setsid();
        write(ready[1], "r", 1);
        char ch;
        while (read(gate[0], &ch, 1) > 0)
            ;
        _exit(0);
    }
    close(gate[0]);
    close(ready[1]);
    char ch;
    read(ready[0], &ch, 1);
    check_errno(setpgid(c, c), EPERM, "setpgid of a child in another session: EPERM");
    check_eq(getsid(c), c, "getsid sees the child's own session");
    close(gate[1]);
    close(ready[0]);
    waitpid(c, NULL, 0);
}

static void exec_then_setpgid(void)
{
    int gate[2], ready[2];
    pipe(gate);
    pipe(ready);
    pid_t c = fork();
    if (c == 0) {
        close(gate[1]);
        close(ready[0]);
        dup2(gate[0], 0);
        dup2(ready[1], 3);
        char *argv[] = { self, "--wait-stdin", NULL };
        execv(self, argv);
        _exit(99);
    }
    close(gate[0]);
    close(ready[1]);
    char ch;
    read(ready[0], &ch, 1); /* the exec'd image is running */
    check_errno(setpgid(c, c), EACCES, "setpgid of a child that has exec'd: EACCES");
    close(gate[1]);
    close(ready[0]);
    int st = 0;
    waitpid(c, &st, 0);
    check(exited_with(st, 0), "the exec'd child ran and exited", "status %#x", st);
}

static int wait_stdin(void)
{
    write(3, "r", 1);
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}

static void kill_and_wait_by_group(void)
{
    int gate[2];
    pipe(gate);
    pid_t a = waiter(gate), b = waiter(gate), other = waiter(gate);
    setpgid(a, a);
    setpgid(b, a);
    setpgid(other, other);
    close(gate[0]);
    check_eq(kill(-a, SIGTERM), 0, "kill(-pgid, SIGTERM) signals a group");
    int st = 0;
    pid_t got1 = waitpid(-a, &st, 0);
    int ok1 = killed_by(st, SIGTERM);
    pid_t got2 = waitpid(-a, &st, 0);
    int ok2 = killed_by(st, SIGTERM);
    check(((got1 == a && got2 == b) || (got1 == b && got2 == a)) && ok1 && ok2,
          "wait4(-pgid) reaps both members, each killed by SIGTERM", "got %d %d", got1, got2);
    check_errno(waitpid(-a, &st, WNOHANG), ECHILD, "the group has no children left: ECHILD");
    check_errno(kill(-a, SIGTERM), ESRCH, "kill of an empty group: ESRCH");
    /* The other child, in its own group, was not touched. */
    check_eq(waitpid(other, &st, WNOHANG), 0, "a child in another group is still running");
    siginfo_t si;
    memset(&si, 0, sizeof si);
    close(gate[1]);
    check_eq(waitid(P_PGID, other, &si, WEXITED), 0, "waitid(P_PGID) waits for the other group");
    check(si.si_pid == other && si.si_code == CLD_EXITED && si.si_status == 0,
          "waitid reports the exit of the other group's child", "pid %d code %d status %d", si.si_pid,
          si.si_code, si.si_status);
}

static void kill_own_group(void)
{
    /* A child makes its own group with a grandchild, then kill(0, ...)
     * ends both (and itself). */
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0);
        int gate[2];
        pipe(gate);
        pid_t g = waiter(gate);
        close(gate[0]);
        kill(0, SIGUSR1);
        /* Not reached: SIGUSR1's default action ended us. */
        (void)g;
        _exit(1);
    }
    int st = 0;
    waitpid(c, &st, 0);
    char t[64];
    check(killed_by(st, SIGUSR1), "kill(0, SIGUSR1) reaches the caller's own group, caller included",
          "%s", status_text(st, t, sizeof t));
}

static void ctty_ioctls(void *arg)
{
    (void)arg;
    /* In a new session without a terminal: the console is free (under
     * Marten's kernel shell) and becomes ours with TIOCSCTTY. */
    setsid();
    int pg = -1;
    if (ioctl(1, TIOCGPGRP, &pg) != -1 || errno != ENOTTY)
        _exit(10);
    if (open("/dev/tty", O_RDWR) != -1 || errno != ENXIO)
        _exit(11);
    if (ioctl(1, TIOCSCTTY, 0) != 0)
        _exit(12);
    if (ioctl(1, TIOCGPGRP, &pg) != 0 || pg != getpgrp())
        _exit(13);
    pid_t sid = 0;
    if (ioctl(1, TIOCGSID, &sid) != 0 || sid != getpid())
        _exit(14);
    int t = open("/dev/tty", O_RDWR);
    if (t < 0)
        _exit(15);
    close(t);
    if (tcsetpgrp(1, getpgrp()) != 0)
        _exit(16);
    if (tcsetpgrp(1, 99999) != -1 || errno != EPERM)
        _exit(17);
    /* A leader's TIOCNOTTY sends SIGHUP to the foreground group: its own. */
    signal(SIGHUP, SIG_IGN);
    if (ioctl(1, TIOCNOTTY) != 0)
        _exit(18);
    if (ioctl(1, TIOCGPGRP, &pg) != -1 || errno != ENOTTY)
        _exit(19);
    _exit(0);
}

static void ctty(void)
{
    if (!isatty(1) || getenv("T_JOBS_NO_TTY")) {
        say("ok - controlling-terminal checks skipped: stdout is not a free terminal");
        check_record(true);
        return;
    }
    int st = run_in_child(ctty_ioctls, NULL);
    check(exited_with(st, 0), "TIOCSCTTY, TIOCGPGRP, TIOCGSID, /dev/tty, tcsetpgrp and TIOCNOTTY in a new session",
          "exit status %d (see ctty_ioctls)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(int argc, char **argv)
{
    self_path(argv[0], self, sizeof self);
    if (argc > 1 && strcmp(argv[1], "--wait-stdin") == 0)
        return wait_stdin();
    check_init("t_jobs");
    ids();
    setpgid_rules();
    setsid_rules();
    other_session_child();
    exec_then_setpgid();
    kill_and_wait_by_group();
    kill_own_group();
    ctty();
    return check_finish();
}
