/* t_limits.c: resource limits. getrlimit, setrlimit and prlimit64 (on the
 * caller and on another process), their errors, inheritance over fork and
 * exec, and the limits the kernel enforces: RLIMIT_NOFILE, RLIMIT_FSIZE
 * (SIGXFSZ), RLIMIT_STACK, RLIMIT_DATA, RLIMIT_AS; RLIMIT_NPROC does not
 * stop root. Parts that change limits for good or expect signals run in
 * child processes, some of them this program exec'd with a mode argument
 * (their check lines are relayed and counted). Assumes a RLIMIT_CORE hard
 * limit of at least 20480 bytes; raising a hard limit is expected to work
 * only with CAP_SYS_RESOURCE (containers may drop it; Marten's root has it). */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define KIB 1024UL
#define MIB (1024UL * 1024UL)
#define RW (PROT_READ | PROT_WRITE)
#define BAD_PTR ((void *)1)
/* Linux's default fs.nr_open; no RLIMIT_NOFILE hard limit may pass it. */
#define NR_OPEN_DEFAULT (1024UL * 1024UL)

extern char **environ;
static char self[256];

/* Raw system calls, so libc cannot translate or check anything. */
static long get_lim(long resource, struct rlimit *r)
{
    return syscall(SYS_getrlimit, resource, r);
}

static long set_lim(long resource, const struct rlimit *r)
{
    return syscall(SYS_setrlimit, resource, r);
}

static long pr_lim(long pid, long resource, const struct rlimit *new, struct rlimit *old)
{
    return syscall(SYS_prlimit64, pid, resource, new, old);
}

static char *map(unsigned long len, long prot, long flags)
{
    return (char *)syscall(SYS_mmap, NULL, len, prot, flags, -1L, 0L);
}

static struct rlimit lim(rlim_t cur, rlim_t max)
{
    struct rlimit r = { cur, max };
    return r;
}

/* Sets the soft limit of `resource`, keeping the hard one; true on success. */
static bool set_soft(int resource, rlim_t cur)
{
    struct rlimit r;
    if (get_lim(resource, &r) != 0)
        return false;
    r.rlim_cur = cur;
    return set_lim(resource, &r) == 0;
}

/* Runs this program with `mode` and its arguments; their check lines count. */
static int run_mode(char *const args[])
{
    char *argv[8] = { "t_limits" };
    for (int i = 0; args[i] != NULL && i < 6; i++)
        argv[i + 1] = args[i];
    return run_relayed(self, argv, environ, NULL);
}

static void expect_status(int status, bool ok, const char *what)
{
    char text[64];
    check(ok, what, "child %s", status_text(status, text, sizeof text));
}

/* ---- getrlimit, setrlimit, prlimit64 ---- */

/*
 * May this process raise hard limits (CAP_SYS_RESOURCE in its effective
 * set)? Read from /proc/self/status on Linux, where a container may lack it;
 * without /proc (Marten) every process is root with every capability.
 */
static bool may_raise_hard(void)
{
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return true;
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    const char *eff = strstr(buf, "CapEff:");
    if (eff == NULL)
        return true;
    unsigned long long caps = strtoull(eff + 7, NULL, 16);
    return (caps >> 24) & 1; /* CAP_SYS_RESOURCE */
}

/* Run in a child: lowers RLIMIT_CORE's hard limit, then raises it back;
 * exits 0 when both work, 1 when raising fails with EPERM. */
static void lower_and_raise_hard(void *arg)
{
    (void)arg;
    struct rlimit old, low = lim(0, 4096);
    get_lim(RLIMIT_CORE, &old);
    if (old.rlim_max <= 4096 || set_lim(RLIMIT_CORE, &low) != 0)
        _exit(2);
    if (set_lim(RLIMIT_CORE, &old) == 0) {
        struct rlimit now;
        get_lim(RLIMIT_CORE, &now);
        _exit(now.rlim_max == old.rlim_max ? 0 : 3);
    }
    _exit(errno == EPERM ? 1 : 4);
}

static void get_and_set(void)
{
    bool agree = true, ordered = true;
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit g, p;
        agree = agree && get_lim(r, &g) == 0 && pr_lim(0, r, NULL, &p) == 0 &&
                g.rlim_cur == p.rlim_cur && g.rlim_max == p.rlim_max;
        ordered = ordered && g.rlim_cur <= g.rlim_max;
    }
    check(agree, "getrlimit and prlimit64(0) agree on all 16 resources", "they differ");
    check(ordered, "every soft limit is at most its hard limit", "one is above");

    struct rlimit r;
    check_errno(get_lim(RLIM_NLIMITS, &r), EINVAL, "getrlimit(16) -> EINVAL");
    check_errno(get_lim(-1, &r), EINVAL, "getrlimit(-1) -> EINVAL");
    struct rlimit fine = lim(0, RLIM_INFINITY);
    check_errno(set_lim(RLIM_NLIMITS, &fine), EINVAL, "setrlimit(16) -> EINVAL");
    check_errno(pr_lim(0, RLIM_NLIMITS, NULL, &r), EINVAL, "prlimit64(0, 16) -> EINVAL");
    struct rlimit s, wide;
    long rw = get_lim(0x100000000L | RLIMIT_STACK, &wide);
    get_lim(RLIMIT_STACK, &s);
    check(rw == 0 && wide.rlim_cur == s.rlim_cur && wide.rlim_max == s.rlim_max,
          "the resource is an unsigned int: 1<<32 | RLIMIT_STACK is RLIMIT_STACK",
          "ret %ld", rw);

    struct rlimit old, now;
    get_lim(RLIMIT_CORE, &old);
    struct rlimit want = lim(4096, old.rlim_max);
    long ret = set_lim(RLIMIT_CORE, &want);
    get_lim(RLIMIT_CORE, &now);
    check(ret == 0 && now.rlim_cur == 4096 && now.rlim_max == old.rlim_max,
          "setrlimit(RLIMIT_CORE) then getrlimit reads the new value", "ret %ld, cur %llu",
          ret, (unsigned long long)now.rlim_cur);

    struct rlimit got;
    struct rlimit next = lim(8192, old.rlim_max);
    ret = pr_lim(0, RLIMIT_CORE, &next, &got);
    get_lim(RLIMIT_CORE, &now);
    check(ret == 0 && got.rlim_cur == 4096 && now.rlim_cur == 8192,
          "prlimit64 returns the old limit and sets the new one in one call",
          "ret %ld, old %llu, now %llu", ret, (unsigned long long)got.rlim_cur,
          (unsigned long long)now.rlim_cur);

    struct rlimit upside_down = lim(2, 1);
    check_errno(set_lim(RLIMIT_CORE, &upside_down), EINVAL, "setrlimit with soft > hard -> EINVAL");
    check_errno(pr_lim(0, RLIMIT_CORE, &upside_down, NULL), EINVAL,
                "prlimit64 with soft > hard -> EINVAL");
    get_lim(RLIMIT_CORE, &now);
    check(now.rlim_cur == 8192 && now.rlim_max == old.rlim_max,
          "a refused setrlimit changes nothing", "cur %llu", (unsigned long long)now.rlim_cur);

    set_lim(RLIMIT_CORE, &old);
    int status = run_in_child(lower_and_raise_hard, NULL);
    if (may_raise_hard())
        expect_status(status, exited_with(status, 0),
                      "root lowers a hard limit and raises it back (CAP_SYS_RESOURCE)");
    else
        expect_status(status, exited_with(status, 1),
                      "without CAP_SYS_RESOURCE, raising a lowered hard limit -> EPERM");

    struct rlimit nofile, too_many;
    get_lim(RLIMIT_NOFILE, &nofile);
    too_many = lim(nofile.rlim_cur, NR_OPEN_DEFAULT + 1);
    check_errno(set_lim(RLIMIT_NOFILE, &too_many), EPERM,
                "RLIMIT_NOFILE hard limit above nr_open (2^20 + 1) -> EPERM, even for root");
    too_many = lim(nofile.rlim_cur, RLIM_INFINITY);
    check_errno(set_lim(RLIMIT_NOFILE, &too_many), EPERM,
                "RLIMIT_NOFILE hard limit of RLIM_INFINITY -> EPERM");
    get_lim(RLIMIT_NOFILE, &now);
    check(now.rlim_cur == nofile.rlim_cur && now.rlim_max == nofile.rlim_max,
          "RLIMIT_NOFILE unchanged after EPERM", "changed");
}

static void bad_pointers(void)
{
    check_errno(get_lim(RLIMIT_CORE, BAD_PTR), EFAULT, "getrlimit to a bad pointer -> EFAULT");
    check_errno(set_lim(RLIMIT_CORE, BAD_PTR), EFAULT, "setrlimit from a bad pointer -> EFAULT");
    check_errno(set_lim(RLIM_NLIMITS, BAD_PTR), EFAULT,
                "setrlimit(16) from a bad pointer -> EFAULT (the pointer is read first)");
    check_errno(pr_lim(0, RLIMIT_CORE, BAD_PTR, NULL), EFAULT,
                "prlimit64 with a bad new pointer -> EFAULT");
    check_errno(pr_lim(0, RLIMIT_CORE, NULL, BAD_PTR), EFAULT,
                "prlimit64 with a bad old pointer -> EFAULT");
    check_errno(pr_lim(0, RLIMIT_CORE, NULL, (void *)0xffff800000000000UL), EFAULT,
                "prlimit64 writing to a kernel address -> EFAULT");

    struct rlimit old, now;
    get_lim(RLIMIT_CORE, &old);
    struct rlimit want = lim(12288, old.rlim_max);
    long r = pr_lim(0, RLIMIT_CORE, &want, BAD_PTR);
    get_lim(RLIMIT_CORE, &now);
    check(r == -1 && errno == EFAULT && now.rlim_cur == 12288,
          "prlimit64 with a bad old pointer still sets the new limit (then EFAULT)",
          "ret %ld, errno %d, cur %llu", r, errno, (unsigned long long)now.rlim_cur);
    set_lim(RLIMIT_CORE, &old);
}

/* Run in a child: waits for one byte on fd arg, then exits 0 if its
 * RLIMIT_CORE soft limit is 20480. */
static void wait_and_report_core(void *arg)
{
    int fd = *(int *)arg;
    char c;
    while (read(fd, &c, 1) < 0 && errno == EINTR)
        ;
    struct rlimit r;
    _exit(get_lim(RLIMIT_CORE, &r) == 0 && r.rlim_cur == 20480 ? 0 : 1);
}

static void prlimit_other_process(void)
{
    int p[2];
    if (!check(pipe(p) == 0, "pipe for the prlimit64 child", "errno %d", errno))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        wait_and_report_core(&p[0]);
    }
    close(p[0]);
    struct rlimit mine, old, want;
    get_lim(RLIMIT_CORE, &mine);
    want = lim(20480, mine.rlim_max);
    long r = pr_lim(pid, RLIMIT_CORE, &want, &old);
    check(r == 0 && old.rlim_cur == mine.rlim_cur && old.rlim_max == mine.rlim_max,
          "prlimit64 on a child returns its (inherited) limit", "ret %ld, errno %d", r, errno);
    struct rlimit after;
    get_lim(RLIMIT_CORE, &after);
    check(after.rlim_cur == mine.rlim_cur, "prlimit64 on a child leaves the caller's limit",
          "now %llu", (unsigned long long)after.rlim_cur);
    (void)!write(p[1], "x", 1);
    close(p[1]);
    int status;
    waitpid(pid, &status, 0);
    expect_status(status, exited_with(status, 0), "the child sees the limit prlimit64 set");

    struct rlimit r2;
    check_errno(pr_lim(pid, RLIMIT_CORE, NULL, &r2), ESRCH,
                "prlimit64 on a reaped child's pid -> ESRCH");
    check_errno(pr_lim(-1, RLIMIT_CORE, NULL, &r2), ESRCH, "prlimit64 on pid -1 -> ESRCH");
    check_errno(pr_lim(0x7fffffff, RLIMIT_CORE, NULL, &r2), ESRCH,
                "prlimit64 on pid 2^31-1 -> ESRCH");
}

/* Run in a child: exits 0 if its limits are the parent's changed ones. */
static void report_inherited(void *arg)
{
    (void)arg;
    struct rlimit core, nofile;
    get_lim(RLIMIT_CORE, &core);
    get_lim(RLIMIT_NOFILE, &nofile);
    _exit(core.rlim_cur == 1234 && nofile.rlim_cur == 200 ? 0 : 1);
}

static void inherited(void)
{
    struct rlimit core, nofile;
    get_lim(RLIMIT_CORE, &core);
    get_lim(RLIMIT_NOFILE, &nofile);
    bool set = set_soft(RLIMIT_CORE, 1234) && set_soft(RLIMIT_NOFILE, 200);
    if (check(set, "set RLIMIT_CORE to 1234 and RLIMIT_NOFILE to 200", "errno %d", errno)) {
        int status = run_in_child(report_inherited, NULL);
        expect_status(status, exited_with(status, 0), "fork: the child has the parent's limits");
        char *args[] = { "--expect-inherited", NULL };
        status = run_mode(args);
        expect_status(status, exited_with(status, 0), "execve keeps the limits");
    }
    set_lim(RLIMIT_CORE, &core);
    set_lim(RLIMIT_NOFILE, &nofile);
}

static int expect_inherited_mode(void)
{
    struct rlimit core, nofile;
    get_lim(RLIMIT_CORE, &core);
    get_lim(RLIMIT_NOFILE, &nofile);
    check(core.rlim_cur == 1234, "exec'd image: RLIMIT_CORE is still 1234", "%llu",
          (unsigned long long)core.rlim_cur);
    check(nofile.rlim_cur == 200, "exec'd image: RLIMIT_NOFILE is still 200", "%llu",
          (unsigned long long)nofile.rlim_cur);
    return check_status();
}

/* Resources Marten keeps without enforcing anything: set and read back. */
static void stored_limits(void)
{
    static const int kept[] = { RLIMIT_CPU,        RLIMIT_RSS,      RLIMIT_MEMLOCK, RLIMIT_LOCKS,
                                RLIMIT_SIGPENDING, RLIMIT_MSGQUEUE, RLIMIT_NICE,    RLIMIT_RTPRIO,
                                RLIMIT_RTTIME,     RLIMIT_NPROC };
    bool ok = true;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        struct rlimit old, want, now;
        get_lim(kept[i], &old);
        want = lim(old.rlim_cur == RLIM_INFINITY ? 123456 : old.rlim_cur / 2, old.rlim_max);
        ok = ok && set_lim(kept[i], &want) == 0 && get_lim(kept[i], &now) == 0 &&
             now.rlim_cur == want.rlim_cur && now.rlim_max == want.rlim_max;
        ok = ok && set_lim(kept[i], &old) == 0;
        if (!ok) {
            say("# resource %d failed (errno %d)", kept[i], errno);
            break;
        }
    }
    check(ok, "CPU, RSS, MEMLOCK, LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME, NPROC: "
              "set, read back, restored", "see above");
}

/* ---- RLIMIT_NOFILE ---- */

static int open_null(void)
{
    return open("/dev/null", O_RDONLY);
}

static void nofile(void)
{
    struct rlimit saved;
    get_lim(RLIMIT_NOFILE, &saved);
    int low = open_null();
    close(low);
    /* Room for exactly three more descriptors: low, low + 1, low + 2. */
    rlim_t limit = (rlim_t)low + 3;
    if (!check(low >= 3 && set_soft(RLIMIT_NOFILE, limit), "lower the soft RLIMIT_NOFILE",
               "lowest free fd %d, errno %d", low, errno))
        return;
    int a = open_null(), b = open_null(), c = open_null();
    check(a == low && b == low + 1 && c == low + 2, "open fills the descriptors below the limit",
          "got %d %d %d from %d", a, b, c, low);
    check_errno(open_null(), EMFILE, "open with no descriptor below the limit -> EMFILE");
    check_errno(dup(0), EMFILE, "dup -> EMFILE");
    check_errno(fcntl(0, F_DUPFD, 0), EMFILE, "fcntl(F_DUPFD, 0) -> EMFILE");
    check_errno(fcntl(0, F_DUPFD_CLOEXEC, (int)limit - 1), EMFILE,
                "fcntl(F_DUPFD_CLOEXEC, limit - 1) with it taken -> EMFILE");
    check_errno(fcntl(0, F_DUPFD, (int)limit), EINVAL, "fcntl(F_DUPFD, limit) -> EINVAL");
    check_errno(dup2(0, (int)limit), EBADF, "dup2 to fd == limit -> EBADF");
    check_errno(syscall(SYS_dup3, 0L, (long)limit + 10, 0L), EBADF,
                "dup3 to a fd above the limit -> EBADF");
    int p[2];
    check_errno(pipe(p), EMFILE, "pipe -> EMFILE");
    const char *path = "/tmp/t_limits.emfile";
    unlink(path);
    struct stat st;
    check(open(path, O_CREAT | O_WRONLY, 0644) == -1 && errno == EMFILE &&
              stat(path, &st) == -1 && errno == ENOENT,
          "open(O_CREAT) -> EMFILE and creates nothing", "errno %d", errno);

    close(c);
    check_errno(pipe(p), EMFILE, "pipe with one free descriptor -> EMFILE");
    int again = open_null();
    check(again == low + 2, "the free descriptor is still free after the failed pipe",
          "open gave %d", again);
    check_eq(dup2(a, low + 2), low + 2, "dup2 to a descriptor below the limit works");

    struct pollfd fds[64];
    for (int i = 0; i < 64; i++)
        fds[i] = (struct pollfd){ .fd = -1 };
    check_eq(poll(fds, (nfds_t)limit, 0), 0, "poll with nfds == RLIMIT_NOFILE works");
    check_errno(poll(fds, (nfds_t)limit + 1, 0), EINVAL, "poll with nfds > RLIMIT_NOFILE -> EINVAL");

    /* Lowering the limit below open descriptors leaves them usable. */
    bool lowered = set_soft(RLIMIT_NOFILE, (rlim_t)low);
    check(lowered && fcntl(low + 1, F_GETFD) == 0 && dup2(low + 1, low + 1) == low + 1 &&
              close(low + 1) == 0,
          "descriptors above a lowered limit stay usable (fcntl, dup2 to itself, close)",
          "lowered %d, errno %d", lowered, errno);
    close(a);
    close(low + 2);
    check_errno(open_null(), EMFILE, "with the limit at the lowest free descriptor -> EMFILE");

    /* Above 1024, up to the hard limit. */
    if (saved.rlim_max >= 2000 && set_soft(RLIMIT_NOFILE, 2000)) {
        int high = dup2(0, 1500);
        check(high == 1500 && fcntl(0, F_DUPFD, 1999) == 1999,
              "with RLIMIT_NOFILE 2000: dup2 to 1500 and F_DUPFD to 1999 work", "dup2 %d", high);
        close(1500);
        close(1999);
    } else {
        check(false, "raise RLIMIT_NOFILE to 2000", "hard %llu, errno %d",
              (unsigned long long)saved.rlim_max, errno);
    }
    set_lim(RLIMIT_NOFILE, &saved);
}

/* ---- RLIMIT_FSIZE ---- */

static void fsize_path(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/t_limits.fsize.%d", (int)getpid());
}

/* In an exec'd child: SIGXFSZ ignored, limit 10000 bytes. */
static int fsize_mode(void)
{
    char path[64];
    fsize_path(path, sizeof path);
    signal(SIGXFSZ, SIG_IGN);
    if (!check(set_soft(RLIMIT_FSIZE, 10000), "RLIMIT_FSIZE set to 10000", "errno %d", errno))
        return check_status();
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    static char buf[20000];
    memset(buf, 'x', sizeof buf);
    check_eq(write(fd, buf, 8000), 8000, "write of 8000 bytes below the limit");
    check_eq(write(fd, buf, 8000), 2000, "write across the limit is cut short at it (2000)");
    check_errno(write(fd, buf, 1), EFBIG, "write at the limit -> EFBIG");
    check_eq(write(fd, buf, 0), 0, "write of 0 bytes at the limit -> 0");
    check_eq(pwrite(fd, buf, 100, 9950), 50, "pwrite across the limit is cut short (50)");
    check_errno(pwrite(fd, buf, 10, 10000), EFBIG, "pwrite at the limit -> EFBIG");
    check_errno(pwrite(fd, buf, 10, 50000), EFBIG, "pwrite past the limit -> EFBIG");
    struct iovec iov[2] = { { buf, 10 }, { buf, 10 } };
    check_errno(writev(fd, iov, 2), EFBIG, "writev at the limit -> EFBIG");
    struct stat st;
    fstat(fd, &st);
    check_eq(st.st_size, 10000, "the file is exactly 10000 bytes");
    check_errno(ftruncate(fd, 10001), EFBIG, "ftruncate growing past the limit -> EFBIG");
    check_eq(ftruncate(fd, 4000), 0, "ftruncate shrinking works");
    check_eq(ftruncate(fd, 10000), 0, "ftruncate growing up to the limit works");
    check_errno(truncate(path, 20000), EFBIG, "truncate growing past the limit -> EFBIG");
    lseek(fd, 9990, SEEK_SET);
    iov[0].iov_len = 5;
    iov[1].iov_len = 20;
    check_eq(writev(fd, iov, 2), 10, "writev across the limit is cut short (10)");
    int app = open(path, O_WRONLY | O_APPEND);
    check_errno(write(app, buf, 1), EFBIG, "O_APPEND write to a file at the limit -> EFBIG");
    close(app);
    int p[2];
    (void)!pipe(p);
    check_eq(write(p[1], buf, 12000), 12000, "pipes have no size limit: 12000 bytes");
    int null = open("/dev/null", O_WRONLY);
    check_eq(write(null, buf, 20000), 20000, "/dev/null has no size limit: 20000 bytes");
    sigset_t pending;
    sigpending(&pending);
    check(!sigismember(&pending, SIGXFSZ), "an ignored SIGXFSZ is not left pending",
          "it is pending");
    close(fd);
    unlink(path);
    return check_status();
}

/* In an exec'd child: SIGXFSZ blocked, limit 100 bytes. */
static int fsize_blocked_mode(void)
{
    char path[64];
    fsize_path(path, sizeof path);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGXFSZ);
    sigprocmask(SIG_BLOCK, &block, NULL);
    set_soft(RLIMIT_FSIZE, 100);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    char buf[200] = { 0 };
    sigset_t pending;
    check_eq(write(fd, buf, 200), 100, "blocked SIGXFSZ: write across the limit -> 100");
    sigpending(&pending);
    check(!sigismember(&pending, SIGXFSZ), "a write cut short sends no SIGXFSZ", "pending");
    check_errno(write(fd, buf, 1), EFBIG, "blocked SIGXFSZ: write at the limit -> EFBIG");
    sigpending(&pending);
    check(sigismember(&pending, SIGXFSZ), "... and SIGXFSZ is pending", "not pending");
    close(fd);
    unlink(path);
    return check_status();
}

/* In an exec'd child: default SIGXFSZ; writes past the limit (killed). */
static int fsize_default_mode(const char *how)
{
    char path[64];
    fsize_path(path, sizeof path);
    no_core_dumps();
    signal(SIGXFSZ, SIG_DFL);
    set_soft(RLIMIT_FSIZE, 100);
    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    unlink(path);
    char buf[200] = { 0 };
    if (strcmp(how, "write") == 0) {
        (void)!write(fd, buf, 200);
        (void)!write(fd, buf, 1);
    } else {
        (void)!ftruncate(fd, 101);
    }
    say("survived");
    return 3;
}

static void fsize(void)
{
    char *plain[] = { "--fsize", NULL };
    int status = run_mode(plain);
    expect_status(status, exited_with(status, 0), "RLIMIT_FSIZE checks (SIGXFSZ ignored)");
    char *blocked[] = { "--fsize-blocked", NULL };
    status = run_mode(blocked);
    expect_status(status, exited_with(status, 0), "RLIMIT_FSIZE checks (SIGXFSZ blocked)");
    char *by_write[] = { "--fsize-default", "write", NULL };
    status = run_mode(by_write);
    expect_status(status, killed_by(status, SIGXFSZ),
                  "a write past RLIMIT_FSIZE kills with SIGXFSZ by default");
    char *by_truncate[] = { "--fsize-default", "truncate", NULL };
    status = run_mode(by_truncate);
    expect_status(status, killed_by(status, SIGXFSZ),
                  "ftruncate past RLIMIT_FSIZE kills with SIGXFSZ by default");
}

/* ---- RLIMIT_STACK ---- */

/* Uses about `kib` KiB of stack; the frames cannot be merged or elided. */
static int __attribute__((noinline)) recurse(int kib)
{
    volatile char frame[1024];
    frame[0] = (char)kib;
    frame[sizeof frame - 1] = 1;
    if (kib <= 1)
        return frame[0];
    return recurse(kib - 1) + frame[sizeof frame - 1];
}

/* In an exec'd child: sets RLIMIT_STACK to `limit_kib`, then execs
 * itself to use `depth_kib` of stack. */
static int stack_mode(const char *limit_kib, const char *depth_kib)
{
    if (!set_soft(RLIMIT_STACK, strtoul(limit_kib, NULL, 10) * KIB)) {
        say("not ok - setrlimit(RLIMIT_STACK): errno %d", errno);
        return 1;
    }
    char *argv[] = { "t_limits", "--recurse", (char *)depth_kib, NULL };
    execve(self, argv, environ);
    say("not ok - exec: errno %d", errno);
    return 1;
}

static void stack(void)
{
    char *deep_default[] = { "--stack", "8192", "1024", NULL };
    int status = run_mode(deep_default);
    expect_status(status, exited_with(status, 0), "RLIMIT_STACK 8 MiB: 1 MiB of stack works");
    char *small_fits[] = { "--stack", "256", "64", NULL };
    status = run_mode(small_fits);
    expect_status(status, exited_with(status, 0), "RLIMIT_STACK 256 KiB: 64 KiB of stack works");
    char *small_deep[] = { "--stack", "256", "1024", NULL };
    status = run_mode(small_deep);
    expect_status(status, killed_by(status, SIGSEGV),
                  "RLIMIT_STACK 256 KiB at execve: 1 MiB of stack -> SIGSEGV");
}

/* ---- RLIMIT_DATA ---- */

static int data_mode(void)
{
    if (!check(set_soft(RLIMIT_DATA, 8 * MIB), "RLIMIT_DATA set to 8 MiB", "errno %d", errno))
        return check_status();
    char *p = map(16 * MIB, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    check(p == MAP_FAILED && errno == ENOMEM, "16 MiB private writable mmap -> ENOMEM",
          "got %p, errno %d", (void *)p, errno);
    p = map(MIB, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    check(p != MAP_FAILED, "1 MiB private writable mmap works", "errno %d", errno);
    if (p != MAP_FAILED)
        munmap(p, MIB);
    p = map(16 * MIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    check(p != MAP_FAILED, "16 MiB private read-only mmap works (not data)", "errno %d", errno);
    if (p != MAP_FAILED) {
        check_errno(mprotect(p, 16 * MIB, RW), ENOMEM,
                    "mprotect making it writable (data) -> ENOMEM");
        check_eq(mprotect(p, MIB, RW), 0, "mprotect of 1 MiB of it to writable works");
        munmap(p, 16 * MIB);
    }
    p = map(16 * MIB, RW, MAP_SHARED | MAP_ANONYMOUS);
    check(p != MAP_FAILED, "16 MiB shared writable mmap works (not data)", "errno %d", errno);
    if (p != MAP_FAILED)
        munmap(p, 16 * MIB);
    p = map(16 * MIB, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN);
    check(p != MAP_FAILED, "16 MiB MAP_GROWSDOWN mmap works (a stack is not data)", "errno %d",
          errno);
    if (p != MAP_FAILED)
        munmap(p, 16 * MIB);

    unsigned long start = (unsigned long)syscall(SYS_brk, 0L);
    unsigned long far = (unsigned long)syscall(SYS_brk, start + 16 * MIB);
    check(far == start, "brk 16 MiB up fails (the break stays)", "brk %#lx from %#lx", far, start);
    unsigned long near = (unsigned long)syscall(SYS_brk, start + MIB);
    check(near == start + MIB, "brk 1 MiB up works", "brk %#lx from %#lx", near, start);
    syscall(SYS_brk, start);

    check(set_soft(RLIMIT_DATA, RLIM_INFINITY), "RLIMIT_DATA back to unlimited", "errno %d", errno);
    p = map(16 * MIB, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    check(p != MAP_FAILED, "then 16 MiB private writable mmap works", "errno %d", errno);
    far = (unsigned long)syscall(SYS_brk, start + 16 * MIB);
    check(far == start + 16 * MIB, "and brk 16 MiB up works", "brk %#lx", far);
    syscall(SYS_brk, start);
    return check_status();
}

/* ---- RLIMIT_AS ---- */

/* Pages that can still be mapped: the largest PROT_NONE mapping that works. */
static unsigned long headroom_pages(unsigned long most)
{
    unsigned long lo = 0, hi = most + 1; /* lo fits, hi does not */
    while (hi - lo > 1) {
        unsigned long mid = lo + (hi - lo) / 2;
        char *p = map(mid * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
        if (p == MAP_FAILED) {
            hi = mid;
        } else {
            munmap(p, mid * PAGE);
            lo = mid;
        }
    }
    return lo;
}

static void deep_stack(void *arg)
{
    (void)arg;
    recurse(512);
}

static int as_mode(void)
{
    if (!check(set_soft(RLIMIT_AS, 64 * MIB), "RLIMIT_AS set to 64 MiB", "errno %d", errno))
        return check_status();
    char *big = map(128 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
    check(big == MAP_FAILED && errno == ENOMEM,
          "128 MiB PROT_NONE mmap -> ENOMEM (every mapping counts)", "errno %d", errno);
    int status = run_in_child(deep_stack, NULL);
    expect_status(status, exited_with(status, 0), "with room left, the stack grows by 512 KiB");

    unsigned long room = headroom_pages(64 * MIB / PAGE);
    if (!check(room > 16 && room < 64 * MIB / PAGE, "some room is left under 64 MiB",
               "%lu pages", room))
        return check_status();
    char *fill = map(room * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS);
    if (!check(fill != MAP_FAILED, "map exactly the room that is left", "errno %d", errno))
        return check_status();
    char *one = map(PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    check(one == MAP_FAILED && errno == ENOMEM, "at the limit: one more page -> ENOMEM",
          "errno %d", errno);
    char *over = (char *)syscall(SYS_mmap, fill, 4 * PAGE, (long)RW,
                                 (long)(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), -1L, 0L);
    check(over == fill, "at the limit: MAP_FIXED over mapped pages works (they are replaced)",
          "got %p, errno %d", (void *)over, errno);
    unsigned long start = (unsigned long)syscall(SYS_brk, 0L);
    unsigned long grown = (unsigned long)syscall(SYS_brk, start + 64 * KIB);
    check(grown == start, "at the limit: brk cannot grow", "brk %#lx from %#lx", grown, start);
    status = run_in_child(deep_stack, NULL);
    expect_status(status, killed_by(status, SIGSEGV),
                  "at the limit: growing the stack by 512 KiB -> SIGSEGV");
    munmap(fill + PAGE * 4, PAGE);
    one = map(PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    check(one != MAP_FAILED, "after munmap of one page, one page can be mapped", "errno %d",
          errno);
    return check_status();
}

/* ---- RLIMIT_NPROC ---- */

static int nproc_mode(void)
{
    struct rlimit one = lim(1, 1);
    check_eq(set_lim(RLIMIT_NPROC, &one), 0, "RLIMIT_NPROC set to 1");
    pid_t pid = fork();
    if (pid == 0)
        _exit(7);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    check(pid > 0 && exited_with(status, 7),
          "root forks past RLIMIT_NPROC (Linux does not enforce it for root)",
          "fork %d, errno %d", (int)pid, errno);
    return check_status();
}

static void modes_in_children(void)
{
    char *data[] = { "--data", NULL };
    int status = run_mode(data);
    expect_status(status, exited_with(status, 0), "RLIMIT_DATA checks");
    char *as[] = { "--as", NULL };
    status = run_mode(as);
    expect_status(status, exited_with(status, 0), "RLIMIT_AS checks");
    char *nproc[] = { "--nproc", NULL };
    status = run_mode(nproc);
    expect_status(status, exited_with(status, 0), "RLIMIT_NPROC checks");
}

int main(int argc, char **argv)
{
    if (argc < 1)
        return 99;
    check_init("t_limits");
    self_path(argv[0], self, sizeof self);
    if (argc >= 2) {
        const char *mode = argv[1];
        if (strcmp(mode, "--expect-inherited") == 0)
            return expect_inherited_mode();
        if (strcmp(mode, "--fsize") == 0)
            return fsize_mode();
        if (strcmp(mode, "--fsize-blocked") == 0)
            return fsize_blocked_mode();
        if (argc == 3 && strcmp(mode, "--fsize-default") == 0)
            return fsize_default_mode(argv[2]);
        if (argc == 4 && strcmp(mode, "--stack") == 0)
            return stack_mode(argv[2], argv[3]);
        if (argc == 3 && strcmp(mode, "--recurse") == 0)
            return recurse((int)strtol(argv[2], NULL, 10)) > 0 ? 0 : 1;
        if (strcmp(mode, "--data") == 0)
            return data_mode();
        if (strcmp(mode, "--as") == 0)
            return as_mode();
        if (strcmp(mode, "--nproc") == 0)
            return nproc_mode();
        say("not ok - unknown mode %s", mode);
        return 2;
    }
    get_and_set();
    bad_pointers();
    prlimit_other_process();
    inherited();
    stored_limits();
    nofile();
    fsize();
    stack();
    modes_in_children();
    return check_finish();
}
