/* t_basic.c: simple system calls: ids, uname, clocks and sleeps, getrandom,
 * limits, signal state, TLS, read/write/readv/writev, files, ioctl, and the
 * errors they must return for bad arguments. */
#include "check.h"
#include "clock.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#define MS 1000000LL
#define ARCH_GET_FS 0x1003 /* from <asm/prctl.h>, which musl does not ship */

/* The kernel's struct sigaction on x86-64 (not libc's). */
struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

#define K_SA_RESTORER 0x04000000UL

static void ids(void)
{
    long pid = syscall(SYS_getpid), tid = syscall(SYS_gettid);
    check(pid > 0 && pid == tid, "getpid == gettid in a single-threaded process",
          "pid %ld, tid %ld", pid, tid);
    long ppid = syscall(SYS_getppid);
    check(ppid > 0, "getppid > 0", "got %ld", ppid);

    long uid = syscall(SYS_getuid), euid = syscall(SYS_geteuid);
    long gid = syscall(SYS_getgid), egid = syscall(SYS_getegid);
    check(uid >= 0 && gid >= 0 && uid == euid && gid == egid,
          "getuid/geteuid/getgid/getegid succeed and agree",
          "uid %ld euid %ld gid %ld egid %ld", uid, euid, gid, egid);
    check(syscall(SYS_getuid) == uid && syscall(SYS_getgid) == gid,
          "ids are stable across calls", "uid or gid changed");
}

/* Parses "MAJOR.MINOR..." into major; false if it does not start that way. */
static bool parse_release(const char *release, long *major)
{
    char *end;
    *major = strtol(release, &end, 10);
    return end != release && end[0] == '.' && end[1] >= '0' && end[1] <= '9';
}

static void uname_fields(void)
{
    struct utsname u;
    memset(&u, 0, sizeof u);
    if (!check(syscall(SYS_uname, &u) == 0, "uname succeeds", "errno %d", errno))
        return;
    check(strcmp(u.sysname, "Linux") == 0, "uname sysname is Linux", "got \"%s\"",
          u.sysname);
    check(strcmp(u.machine, "x86_64") == 0, "uname machine is x86_64", "got \"%s\"",
          u.machine);
    long major = 0;
    check(parse_release(u.release, &major) && major >= 3,
          "uname release is MAJOR.MINOR with MAJOR >= 3", "got \"%s\"", u.release);

    /* sethostname: setting the current name again changes nothing, so this
     * is also safe on a host; without the privilege it is EPERM. */
    size_t n = strlen(u.nodename);
    errno = 0;
    long r = syscall(SYS_sethostname, u.nodename, n);
    if (r != 0 && errno == EPERM) {
        check(true, "sethostname: EPERM without the privilege", "%s", "");
        return;
    }
    check(r == 0, "sethostname with the current name", "errno %d", errno);
    check_errno(syscall(SYS_sethostname, u.nodename, 65L), EINVAL,
                "sethostname of 65 bytes -> EINVAL");
    check_errno(syscall(SYS_sethostname, NULL, 4L), EFAULT, "sethostname(NULL, 4) -> EFAULT");
    struct utsname v;
    memset(&v, 0, sizeof v);
    check(syscall(SYS_uname, &v) == 0 && strcmp(v.nodename, u.nodename) == 0,
          "uname nodename unchanged", "got \"%s\"", v.nodename);
}

static bool valid_ts(const struct timespec *ts)
{
    return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

static void clocks_and_sleeps(void)
{
    struct timespec m0, r0, m1, r1;
    long a = raw_clock_gettime(CLOCK_MONOTONIC, &m0);
    long b = raw_clock_gettime(CLOCK_REALTIME, &r0);
    check(a == 0 && b == 0 && valid_ts(&m0) && valid_ts(&r0),
          "clock_gettime MONOTONIC and REALTIME give normalised times",
          "ret %ld/%ld, mono %lld.%09ld, real %lld.%09ld", a, b, (long long)m0.tv_sec,
          m0.tv_nsec, (long long)r0.tv_sec, r0.tv_nsec);

    bool monotonic = true;
    struct timespec prev = m0, cur;
    for (int i = 0; i < 1000 && monotonic; i++) {
        raw_clock_gettime(CLOCK_MONOTONIC, &cur);
        monotonic = ts_diff_ns(&prev, &cur) >= 0;
        prev = cur;
    }
    check(monotonic, "CLOCK_MONOTONIC never goes back over 1000 reads",
          "went back");

    struct timespec req = { 0, 20 * MS };
    long r = syscall(SYS_nanosleep, &req, NULL);
    raw_clock_gettime(CLOCK_MONOTONIC, &m1);
    raw_clock_gettime(CLOCK_REALTIME, &r1);
    long long slept = ts_diff_ns(&m0, &m1);
    check(r == 0 && slept >= 20 * MS, "nanosleep(20 ms) sleeps >= 20 ms by MONOTONIC",
          "ret %ld, slept %lld ns", r, slept);
    check(ts_diff_ns(&r0, &r1) > 0, "CLOCK_REALTIME advances across the sleep",
          "moved %lld ns", ts_diff_ns(&r0, &r1));

    long long t0 = mono_ns();
    r = syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL);
    long long t1 = mono_ns();
    check(r == 0 && t1 - t0 >= 20 * MS,
          "clock_nanosleep(MONOTONIC, relative 20 ms) sleeps >= 20 ms",
          "ret %ld, slept %lld ns", r, t1 - t0);

    struct timeval tv;
    struct timespec real;
    r = syscall(SYS_gettimeofday, &tv, NULL);
    raw_clock_gettime(CLOCK_REALTIME, &real);
    long long d = (long long)real.tv_sec - tv.tv_sec;
    check(r == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000 && d >= -2 && d <= 2,
          "gettimeofday agrees with REALTIME within 2 s",
          "ret %ld, tv %lld.%06ld, real %lld", r, (long long)tv.tv_sec,
          (long)tv.tv_usec, (long long)real.tv_sec);

    time_t stored = 0;
    long t = syscall(SYS_time, &stored);
    raw_clock_gettime(CLOCK_REALTIME, &real);
    d = (long long)real.tv_sec - t;
    check(t == (long)stored && d >= -2 && d <= 2,
          "time agrees with REALTIME within 2 s and stores its result",
          "returned %ld, stored %ld, real %lld", t, (long)stored,
          (long long)real.tv_sec);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

static void randomness_and_yield(void)
{
    unsigned char a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    long ra = syscall(SYS_getrandom, a, sizeof a, 0);
    long rb = syscall(SYS_getrandom, b, sizeof b, 0);
    check(ra == 64 && rb == 64, "getrandom fills 64 bytes", "returned %ld and %ld",
          ra, rb);
    check(!all_zero(a, sizeof a) && memcmp(a, b, sizeof a) != 0,
          "getrandom bytes are not all zero and differ between calls",
          "zero or repeated");
    check_eq(syscall(SYS_sched_yield), 0, "sched_yield returns 0");
}

static void limits(void)
{
    struct rlimit p, g;
    long rp = syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &p);
    long rg = syscall(SYS_getrlimit, RLIMIT_STACK, &g);
    check(rp == 0 && rg == 0 && p.rlim_cur == g.rlim_cur && p.rlim_max == g.rlim_max,
          "prlimit64 and getrlimit(RLIMIT_STACK) agree", "ret %ld/%ld, %llu/%llu",
          rp, rg, (unsigned long long)p.rlim_cur, (unsigned long long)g.rlim_cur);
    check(p.rlim_cur >= 64 * 1024 && p.rlim_cur <= p.rlim_max,
          "RLIMIT_STACK soft limit is >= 64 KiB and <= the hard limit",
          "soft %llu, hard %llu", (unsigned long long)p.rlim_cur,
          (unsigned long long)p.rlim_max);
}

static void never_called(int sig)
{
    (void)sig;
}

static void never_restorer(void)
{
}

static void signal_state(void)
{
    struct ksigaction act = { never_called, SA_RESTART | K_SA_RESTORER,
                              never_restorer, 1ULL << (SIGUSR2 - 1) };
    struct ksigaction old, back;
    memset(&back, 0, sizeof back);
    long r1 = syscall(SYS_rt_sigaction, SIGUSR1, &act, &old, 8);
    long r2 = syscall(SYS_rt_sigaction, SIGUSR1, NULL, &back, 8);
    check(r1 == 0 && r2 == 0 && back.handler == never_called &&
              back.flags == act.flags && back.restorer == never_restorer &&
              back.mask == act.mask,
          "rt_sigaction installs a handler and reads it back",
          "ret %ld/%ld, flags %#lx, mask %#llx", r1, r2, back.flags,
          (unsigned long long)back.mask);
    struct ksigaction dfl = { SIG_DFL, 0, NULL, 0 };
    syscall(SYS_rt_sigaction, SIGUSR1, &dfl, NULL, 8);

    uint64_t usr1 = 1ULL << (SIGUSR1 - 1), kill_bit = 1ULL << (SIGKILL - 1);
    uint64_t block = usr1 | kill_bit, before = ~0ULL, during = 0, after = ~0ULL;
    long a = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, &before, 8);
    long b = syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &usr1, &during, 8);
    long c = syscall(SYS_rt_sigprocmask, SIG_SETMASK, &before, &after, 8);
    check(a == 0 && b == 0 && c == 0 && !(before & usr1) && (during & usr1) &&
              !(after & usr1),
          "rt_sigprocmask blocks, reports and unblocks SIGUSR1",
          "ret %ld/%ld/%ld, masks %#llx %#llx %#llx", a, b, c,
          (unsigned long long)before, (unsigned long long)during,
          (unsigned long long)after);
    check(!(during & kill_bit), "SIGKILL cannot be blocked", "mask %#llx",
          (unsigned long long)during);
}

static __thread int tls_value = 1234;

static void tls_and_tid(void)
{
    unsigned long fs = 0;
    long r = syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
    void *tp = __builtin_thread_pointer(); /* musl keeps a self pointer at %fs:0 */
    check(r == 0 && fs == (unsigned long)tp,
          "arch_prctl(ARCH_GET_FS) returns the thread pointer", "ret %ld, fs %#lx, tp %p",
          r, fs, tp);
    uintptr_t var = (uintptr_t)&tls_value;
    check(tls_value == 1234 && var < fs && fs - var < 4096,
          "__thread variable is initialised and sits just below the thread pointer",
          "value %d at %#lx, fs %#lx", tls_value, (unsigned long)var, fs);

    static int clear_tid_word;
    long tid = syscall(SYS_set_tid_address, &clear_tid_word);
    check_eq(tid, syscall(SYS_gettid), "set_tid_address returns the tid");
}

static void io_sizes(void)
{
    static const char line[] = "ok - write returns the byte count\n";
    long n = syscall(SYS_write, 1, line, sizeof line - 1);
    check_record(n == (long)sizeof line - 1);
    if (n != (long)sizeof line - 1)
        say("not ok - write returns the byte count: returned %ld", n);

    char p1[] = "ok - ", p2[] = "writev of 3 iovecs to fd 1", p3[] = " returns the sum\n";
    struct iovec out[3] = { { p1, 5 }, { p2, sizeof p2 - 1 }, { p3, sizeof p3 - 1 } };
    long want = (long)(5 + sizeof p2 - 1 + sizeof p3 - 1);
    n = syscall(SYS_writev, 1, out, 3);
    check_record(n == want);
    if (n != want)
        say("not ok - writev returns the sum: returned %ld, want %ld", n, want);

    int fds[2];
    if (!check(pipe(fds) == 0, "pipe succeeds", "errno %d", errno))
        return;
    write(fds[1], "abcdefghij", 10);
    char a[3], b[4], c[10];
    memset(c, 0, sizeof c);
    struct iovec in[3] = { { a, 3 }, { b, 4 }, { c, sizeof c } };
    n = syscall(SYS_readv, fds[0], in, 3);
    check(n == 10 && memcmp(a, "abc", 3) == 0 && memcmp(b, "defg", 4) == 0 &&
              memcmp(c, "hij", 3) == 0,
          "readv of 3 iovecs from a pipe fills them in order", "returned %ld", n);

    int d = dup(fds[1]);
    int e = dup2(fds[1], 40);
    write(d, "x", 1);
    write(e, "y", 1);
    char got[2] = { 0, 0 };
    n = read(fds[0], got, 2);
    check(d > fds[1] && e == 40 && n == 2 && got[0] == 'x' && got[1] == 'y',
          "dup and dup2 give fds that write into the same pipe",
          "dup %d, dup2 %d, read %ld", d, e, n);
    close(d);
    close(e);
    close(fds[0]);
    close(fds[1]);
}

static void motd_file(void)
{
    static const char text[] = "hello from the initramfs\n";
    char path[256];
    image_path("/etc/motd", path, sizeof path);
    int fd = (int)syscall(SYS_open, path, O_RDONLY);
    if (!check(fd >= 0, "open /etc/motd O_RDONLY", "errno %d (%s)", errno, path))
        return;
    struct stat st;
    long r = syscall(SYS_fstat, fd, &st);
    check(r == 0 && st.st_size == (off_t)sizeof text - 1 && S_ISREG(st.st_mode),
          "fstat /etc/motd: regular file of 25 bytes", "ret %ld, size %lld, mode %o", r,
          (long long)st.st_size, (unsigned)st.st_mode);
    char buf[64];
    memset(buf, 0, sizeof buf);
    long n = read(fd, buf, sizeof buf);
    check(n == (long)sizeof text - 1 && memcmp(buf, text, sizeof text - 1) == 0,
          "read /etc/motd gives its text", "read %ld bytes", n);
    check_eq(read(fd, buf, sizeof buf), 0, "read at end of file returns 0");
    long pos = syscall(SYS_lseek, fd, 6, SEEK_SET);
    n = read(fd, buf, 4);
    check(pos == 6 && n == 4 && memcmp(buf, "from", 4) == 0,
          "lseek SEEK_SET then read", "pos %ld, read %ld", pos, n);
    check_eq(syscall(SYS_lseek, fd, -3L, SEEK_END), (long)sizeof text - 4,
             "lseek SEEK_END -3");
    check_eq(syscall(SYS_lseek, fd, 2, SEEK_CUR), (long)sizeof text - 2,
             "lseek SEEK_CUR +2");
    check_eq(close(fd), 0, "close the file");
    check_errno(read(fd, buf, 1), EBADF, "read after close -> EBADF");

    image_path("/etc/no-such-file", path, sizeof path);
    check_errno(syscall(SYS_open, path, O_RDONLY), ENOENT, "open of a missing file -> ENOENT");
}

static void tty_ioctls(void)
{
    struct termios t;
    struct winsize w;
    errno = 0;
    long r = syscall(SYS_ioctl, 1, TCGETS, &t);
    int err = errno;
    int tty = isatty(1); /* musl asks with TIOCGWINSZ */
    check((r == 0 && tty) || (r == -1 && err == ENOTTY && !tty),
          "ioctl(1, TCGETS) succeeds or fails with ENOTTY, as isatty(1) says",
          "ret %ld errno %d, isatty %d", r, err, tty);
    errno = 0;
    long rw = syscall(SYS_ioctl, 1, TIOCGWINSZ, &w);
    check(rw == r && (rw == 0 || errno == ENOTTY),
          "ioctl(1, TIOCGWINSZ) agrees with TCGETS", "ret %ld errno %d, TCGETS %ld",
          rw, errno, r);
}

static void error_paths(void)
{
    check_errno(syscall(1000), ENOSYS, "unknown system call 1000 -> ENOSYS");
    check_errno(syscall(SYS_write, 1, (void *)1, 10), EFAULT,
                "write from address 1 -> EFAULT");
    check_errno(syscall(SYS_write, 1, (void *)0xffff800000000000UL, 10), EFAULT,
                "write from a kernel address -> EFAULT");
    check_errno(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void *)8), EFAULT,
                "clock_gettime into a bad pointer -> EFAULT");
    check_errno(syscall(SYS_uname, NULL), EFAULT, "uname(NULL) -> EFAULT");
    char c;
    close(99);
    check_errno(syscall(SYS_read, 99, &c, 1), EBADF, "read from fd 99 -> EBADF");
    struct timespec ts;
    check_errno(syscall(SYS_clock_gettime, 1000, &ts), EINVAL,
                "clock_gettime of clock 1000 -> EINVAL");
    struct timespec bad = { 0, 2000000000L };
    check_errno(syscall(SYS_nanosleep, &bad, NULL), EINVAL,
                "nanosleep with tv_nsec = 2e9 -> EINVAL");
    check_errno(syscall(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS, -1L, 0L),
                EINVAL, "mmap without MAP_PRIVATE or MAP_SHARED -> EINVAL");
}

int main(void)
{
    check_init("t_basic");
    ids();
    uname_fields();
    clocks_and_sleeps();
    randomness_and_yield();
    limits();
    signal_state();
    tls_and_tid();
    io_sizes();
    motd_file();
    tty_ioctls();
    error_paths();
    return check_finish();
}
