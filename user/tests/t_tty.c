/* t_tty.c: terminals through a pseudo-terminal pair (so the console is not
 * involved): /dev/ptmx and /dev/pts/N, unlockpt, the termios round trip,
 * canonical and non-canonical (VMIN/VTIME) reads, echo and ONLCR seen on
 * the master, ^C to the slave's foreground group, TIOCSWINSZ's SIGWINCH,
 * job control of a background group, poll, and hangup both ways. Every
 * check uses default signal actions or blocked signals, no handlers. Every
 * check also holds on Linux. */
#define _GNU_SOURCE
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* A master and its slave. */
struct pair {
    int master, slave;
    char name[64];
};

static bool open_pair(struct pair *p)
{
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0)
        return false;
    if (grantpt(p->master) != 0 || ptsname_r(p->master, p->name, sizeof p->name) != 0)
        return false;
    p->slave = -1;
    if (unlockpt(p->master) != 0)
        return false;
    p->slave = open(p->name, O_RDWR | O_NOCTTY);
    return p->slave >= 0;
}

static void close_pair(struct pair *p)
{
    if (p->slave >= 0)
        close(p->slave);
    close(p->master);
}

/* Reads what `fd` has within a few seconds (a safety bound, not a
 * timing assertion): the count, or -1. */
static long read_ready(int fd, char *buf, size_t len)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (poll(&pf, 1, 5000) != 1)
        return -1;
    return read(fd, buf, len);
}

/* Reads from `fd` until `want` bytes came (or nothing more does). */
static long read_all(int fd, char *buf, size_t want)
{
    size_t got = 0;
    while (got < want) {
        long n = read_ready(fd, buf + got, want - got);
        if (n <= 0)
            break;
        got += n;
    }
    return got;
}

static void ptmx_and_devpts(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY);
    if (!check(m >= 0, "posix_openpt opens /dev/ptmx", "errno %d", errno))
        return;
    char name[64];
    check_eq(ptsname_r(m, name, sizeof name), 0, "ptsname_r (TIOCGPTN)");
    check(strncmp(name, "/dev/pts/", 9) == 0, "the slave is /dev/pts/N", "name %s", name);
    int n = -1;
    check_eq(ioctl(m, TIOCGPTN, &n), 0, "TIOCGPTN");
    check_eq(n, atoi(name + 9), "TIOCGPTN agrees with ptsname");
    check_errno(open(name, O_RDWR | O_NOCTTY), EIO, "a locked slave cannot be opened: EIO");
    struct stat st;
    check(stat(name, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136 &&
              (int)minor(st.st_rdev) == n,
          "/dev/pts/N is character device 136:N", "mode %o rdev %lx", st.st_mode, (long)st.st_rdev);
    check_eq(unlockpt(m), 0, "unlockpt (TIOCSPTLCK 0)");
    int s = open(name, O_RDWR | O_NOCTTY);
    check(s >= 0, "the unlocked slave opens", "errno %d", errno);
    check(isatty(s) && isatty(m), "both ends are terminals", "slave %d master %d", isatty(s), isatty(m));
    /* Refused as Linux does with dev.tty.legacy_tiocsti off (a host with
     * it on injects the byte; that is its choice, not checked). */
    char legacy = '0';
    int lf = open("/proc/sys/dev/tty/legacy_tiocsti", O_RDONLY);
    if (lf >= 0) {
        read(lf, &legacy, 1);
        close(lf);
    }
    if (legacy == '0')
        check_errno(ioctl(s, TIOCSTI, "x"), EIO, "TIOCSTI is refused: EIO");
    check_errno(ioctl(s, 0x54ff, 0), ENOTTY, "an unknown terminal ioctl: ENOTTY");
    close(s);
    /* TIOCGPTPEER opens the slave as a new descriptor, with its flags. */
    int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    char pname[64] = "";
    check(peer >= 0 && ttyname_r(peer, pname, sizeof pname) == 0 && strcmp(pname, name) == 0,
          "TIOCGPTPEER opens the slave (its name is the pair's /dev/pts/N)", "fd %d name %s errno %d", peer, pname,
          errno);
    check(peer >= 0 && (fcntl(peer, F_GETFD) & FD_CLOEXEC), "TIOCGPTPEER honours O_CLOEXEC", "fd %d", peer);
    if (peer >= 0) {
        struct termios t;
        tcgetattr(peer, &t);
        t.c_oflag &= ~OPOST;
        tcsetattr(peer, TCSANOW, &t);
        char buf[8] = "";
        write(peer, "peer", 4);
        check(read_all(m, buf, 4) == 4 && memcmp(buf, "peer", 4) == 0, "what the peer writes, the master reads",
              "got %.4s", buf);
        close(peer);
    }
    close(m);
}

static void termios_round_trip(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    struct termios t, u;
    check_eq(tcgetattr(p.slave, &t), 0, "tcgetattr");
    check((t.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG) && (t.c_oflag & ONLCR) &&
              t.c_cc[VINTR] == 3 && t.c_cc[VERASE] == 0x7f,
          "a new terminal is cooked (ICANON ECHO ISIG, ONLCR, ^C, DEL)", "lflag %o oflag %o",
          t.c_lflag, t.c_oflag);
    check_eq(cfgetospeed(&t), B38400, "its speed is 38400");
    t.c_lflag &= ~ECHOCTL;
    t.c_cc[VKILL] = 0x18;
    check_eq(tcsetattr(p.slave, TCSANOW, &t), 0, "tcsetattr TCSANOW");
    check_eq(tcgetattr(p.slave, &u), 0, "tcgetattr again");
    check(u.c_lflag == t.c_lflag && u.c_cc[VKILL] == 0x18, "the attributes round-trip", "lflag %o kill %d",
          u.c_lflag, u.c_cc[VKILL]);
    check_eq(tcsetattr(p.slave, TCSADRAIN, &t), 0, "tcsetattr TCSADRAIN");
    check_eq(tcsetattr(p.slave, TCSAFLUSH, &t), 0, "tcsetattr TCSAFLUSH");
    check_eq(tcflush(p.slave, TCIOFLUSH), 0, "tcflush");
    check_eq(tcdrain(p.slave), 0, "tcdrain");
    close_pair(&p);
}

static void canonical_and_echo(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    char buf[64];
    check_eq(write(p.master, "helo\x7f" "lo\n", 8), 8, "the master types a line with an erase");
    long n = read_ready(p.slave, buf, sizeof buf);
    check(n == 6 && memcmp(buf, "hello\n", 6) == 0, "the slave reads the edited line", "n %ld", n);
    n = read_all(p.master, buf, 11);
    check(n == 11 && memcmp(buf, "helo\b \blo\r\n", 11) == 0, "the master sees the echo (erase, ONLCR)",
          "n %ld", n);
    int avail = -1;
    check_eq(write(p.master, "ab\ncd\n", 6), 6, "two lines at once");
    read_all(p.master, buf, 8); /* their echo */
    int r = ioctl(p.slave, FIONREAD, &avail);
    check(r == 0 && avail == 6, "FIONREAD counts both lines", "ret %d avail %d", r, avail);
    n = read(p.slave, buf, sizeof buf);
    check(n == 3 && memcmp(buf, "ab\n", 3) == 0, "a canonical read returns one line", "n %ld", n);
    n = read(p.slave, buf, sizeof buf);
    check(n == 3 && memcmp(buf, "cd\n", 3) == 0, "then the next", "n %ld", n);
    check_eq(write(p.slave, "out\n", 4), 4, "the slave writes");
    n = read_all(p.master, buf, 5);
    check(n == 5 && memcmp(buf, "out\r\n", 5) == 0, "the master reads it with ONLCR", "n %ld", n);
    check_eq(write(p.master, "\x04", 1), 1, "^D at the start of a line");
    check_eq(read_ready(p.slave, buf, sizeof buf), 0, "is end of file");
    close_pair(&p);
}

static void noncanonical(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    struct termios t;
    tcgetattr(p.slave, &t);
    t.c_lflag &= ~(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    tcsetattr(p.slave, TCSANOW, &t);
    char buf[16];
    check_eq(read(p.slave, buf, sizeof buf), 0, "VMIN 0 VTIME 0 with nothing typed: 0 at once");
    t.c_cc[VTIME] = 1;
    tcsetattr(p.slave, TCSANOW, &t);
    check_eq(read(p.slave, buf, sizeof buf), 0, "VMIN 0 VTIME 1 with nothing typed: 0 after the time-out");
    write(p.master, "xy", 2);
    struct pollfd pf = {.fd = p.slave, .events = POLLIN};
    check(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN), "poll on the slave sees raw input", "revents %x",
          pf.revents);
    check_eq(read(p.slave, buf, sizeof buf), 2, "VMIN 0 VTIME 1 returns what is there");
    t.c_cc[VMIN] = 3;
    t.c_cc[VTIME] = 0;
    tcsetattr(p.slave, TCSANOW, &t);
    write(p.master, "abcd", 4);
    long n = read(p.slave, buf, sizeof buf);
    check(n >= 3, "VMIN 3 returns at least 3 bytes", "n %ld", n);
    int fl = fcntl(p.slave, F_GETFL);
    fcntl(p.slave, F_SETFL, fl | O_NONBLOCK);
    tcflush(p.slave, TCIFLUSH);
    check_errno(read(p.slave, buf, sizeof buf), EAGAIN, "O_NONBLOCK with nothing typed: EAGAIN");
    close_pair(&p);
}

/* Children: become a session leader with the slave as controlling
 * terminal, tell the parent through `ready`, then do their part. */
struct child_arg {
    struct pair *p;
    int ready;
};

static int take_ctty(struct pair *p)
{
    if (setsid() < 0)
        return 10;
    if (ioctl(p->slave, TIOCSCTTY, 0) != 0)
        return 11;
    pid_t fg = -1;
    if (ioctl(p->slave, TIOCGPGRP, &fg) != 0 || fg != getpgrp())
        return 12;
    return 0;
}

static void wait_for_intr(void *arg)
{
    struct child_arg *a = arg;
    int r = take_ctty(a->p);
    if (r)
        _exit(r);
    write(a->ready, "r", 1);
    for (;;)
        pause(); /* nobody reads the terminal */
}

static void interrupt_char(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    int gate[2];
    pipe(gate);
    struct child_arg a = {&p, gate[1]};
    pid_t c = fork();
    if (c == 0) {
        close(gate[0]);
        wait_for_intr(&a);
    }
    close(gate[1]);
    char b;
    bool ready = read(gate[0], &b, 1) == 1;
    check(ready, "the child took the slave as its controlling terminal", "it exited first");
    if (ready)
        write(p.master, "\x03", 1);
    int st = 0;
    waitpid(c, &st, 0);
    char txt[64];
    check(killed_by(st, SIGINT), "^C on the master kills the slave's foreground group with SIGINT", "%s",
          status_text(st, txt, sizeof txt));
    close(gate[0]);
    close_pair(&p);
}

static void winch(void *arg)
{
    struct pair *p = arg;
    sigset_t s, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGWINCH);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int r = take_ctty(p);
    if (r)
        _exit(r);
    struct winsize w = {.ws_row = 33, .ws_col = 101};
    if (ioctl(p->slave, TIOCSWINSZ, &w) != 0)
        _exit(20);
    struct winsize g;
    if (ioctl(p->slave, TIOCGWINSZ, &g) != 0 || g.ws_row != 33 || g.ws_col != 101)
        _exit(21);
    sigpending(&pend);
    _exit(sigismember(&pend, SIGWINCH) ? 0 : 22);
}

static void window_size(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    struct winsize w;
    check(ioctl(p.master, TIOCGWINSZ, &w) == 0, "TIOCGWINSZ on the master", "errno %d", errno);
    int st = run_in_child(winch, &p);
    check(exited_with(st, 0), "TIOCSWINSZ sets the size and sends SIGWINCH to the foreground group",
          "exit %d (see winch)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close_pair(&p);
}

/* In a background group of the terminal's session: reading with SIGTTIN
 * ignored fails with EIO; writing with TOSTOP and SIGTTOU ignored goes. */
static void background(void *arg)
{
    struct pair *p = arg;
    int r = take_ctty(p);
    if (r)
        _exit(r);
    struct termios t;
    tcgetattr(p->slave, &t);
    t.c_lflag |= TOSTOP;
    tcsetattr(p->slave, TCSANOW, &t);
    pid_t g = fork();
    if (g == 0) {
        if (setpgid(0, 0) != 0)
            _exit(30);
        signal(SIGTTIN, SIG_IGN);
        signal(SIGTTOU, SIG_IGN);
        char b;
        if (read(p->slave, &b, 1) != -1 || errno != EIO)
            _exit(31);
        if (write(p->slave, "bg\n", 3) != 3)
            _exit(32);
        pid_t fg = -1;
        if (ioctl(p->slave, TIOCGPGRP, &fg) != 0 || fg == getpgrp())
            _exit(33);
        /* tcsetpgrp from the background with SIGTTOU ignored is allowed. */
        if (tcsetpgrp(p->slave, getpgrp()) != 0)
            _exit(34);
        _exit(0);
    }
    int st = 0;
    waitpid(g, &st, 0);
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 39);
}

static void job_control(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    int st = run_in_child(background, &p);
    check(exited_with(st, 0), "a background group: read EIO with SIGTTIN ignored, TOSTOP write with SIGTTOU ignored",
          "exit %d (see background)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    close_pair(&p);
}

static void hangups(void)
{
    struct pair p;
    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    struct pollfd pf = {.fd = p.master, .events = POLLIN};
    check_eq(poll(&pf, 1, 0), 0, "an idle master is not readable");
    write(p.slave, "z", 1);
    check(poll(&pf, 1, 5000) == 1 && (pf.revents & POLLIN), "the master polls readable after a slave write",
          "revents %x", pf.revents);
    char buf[8];
    read(p.master, buf, sizeof buf);
    close(p.slave);
    p.slave = -1;
    check_errno(read(p.master, buf, sizeof buf), EIO, "with every slave closed the master reads EIO");
    close(p.master);

    if (!check(open_pair(&p), "a pty pair", "errno %d", errno))
        return;
    close(p.master);
    long n = read(p.slave, buf, sizeof buf);
    check(n == 0 || (n == -1 && errno == EIO), "after the master closed the slave reads 0 or EIO", "n %ld errno %d",
          n, errno);
    check_errno(write(p.slave, "x", 1), EIO, "and writes fail with EIO");
    close(p.slave);
}

int main(void)
{
    check_init("t_tty");
    ptmx_and_devpts();
    termios_round_trip();
    canonical_and_echo();
    noncanonical();
    interrupt_char();
    window_size();
    job_control();
    hangups();
    return check_finish();
}
