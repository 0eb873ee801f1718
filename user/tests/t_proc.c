/* t_proc.c: per-process settings that must do what they say: umask(2),
 * prctl(2) PR_SET_PDEATHSIG and PR_SET_DUMPABLE, and set_tid_address(2)'s
 * word zeroed when the process exits. Every check also holds on Linux. */
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void umask_applies(void)
{
    mode_t old = umask(027);
    check_eq(umask(027), 027, "umask returns the mask it replaced");
    const char *f = "/tmp/t_proc.file", *d = "/tmp/t_proc.dir";
    unlink(f);
    rmdir(d);
    int fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0666);
    struct stat st;
    check(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640, "a new file gets 0666 & ~027 = 0640",
          "mode %o", st.st_mode & 0777);
    close(fd);
    check(mkdir(d, 0777) == 0 && stat(d, &st) == 0 && (st.st_mode & 0777) == 0750,
          "a new directory gets 0777 & ~027 = 0750", "mode %o", st.st_mode & 0777);
    pid_t c = fork();
    if (c == 0)
        _exit(umask(0) == 027 ? 0 : 1);
    int s = 0;
    waitpid(c, &s, 0);
    check(exited_with(s, 0), "a child inherits the umask", "status %#x", s);
    unlink(f);
    rmdir(d);
    umask(old);
}

static void dumpable(void)
{
    check_eq(prctl(PR_GET_DUMPABLE), 1, "a process starts dumpable");
    check_eq(prctl(PR_SET_DUMPABLE, 0), 0, "PR_SET_DUMPABLE 0");
    check_eq(prctl(PR_GET_DUMPABLE), 0, "and PR_GET_DUMPABLE says so");
    check_errno(prctl(PR_SET_DUMPABLE, 2), EINVAL, "PR_SET_DUMPABLE 2: EINVAL");
    prctl(PR_SET_DUMPABLE, 1);
    check_errno(prctl(PR_SET_PDEATHSIG, 99), EINVAL, "PR_SET_PDEATHSIG with signal 99: EINVAL");
}

static void pdeathsig(void)
{
    /* A grandchild asks for SIGUSR1 when its parent dies, then waits (up
     * to 20 s) holding the write end of a pipe; its parent exits at once.
     * The signal ends it, which closes the pipe: EOF. Had the signal not
     * come, it would write "alive" first. */
    int p[2];
    pipe(p);
    pid_t c = fork();
    if (c == 0) {
        int ready[2];
        pipe(ready);
        pid_t g = fork();
        if (g == 0) {
            close(p[0]);
            close(ready[0]);
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            int sig = -1;
            prctl(PR_GET_PDEATHSIG, &sig);
            write(ready[1], &sig, sizeof sig);
            struct timespec ts = { 20, 0 };
            nanosleep(&ts, NULL);
            write(p[1], "alive", 5);
            _exit(0);
        }
        close(ready[1]);
        int sig = 0;
        read(ready[0], &sig, sizeof sig);
        _exit(sig == SIGUSR1 ? 0 : 1);
    }
    close(p[1]);
    int s = 0;
    waitpid(c, &s, 0);
    check(exited_with(s, 0), "PR_GET_PDEATHSIG reports SIGUSR1", "status %#x", s);
    char buf[8];
    long n = read(p[0], buf, sizeof buf);
    check_eq(n, 0, "the parent's death sends PR_SET_PDEATHSIG's signal (the orphan dies at once)");
    close(p[0]);
}

static volatile int tid_word = 12345;

static void tid_word_cleared(void)
{
    /* Zeroed only when another user of the memory remains (Linux's rule):
     * a vfork child runs in its parent's memory. */
    pid_t c = vfork();
    if (c == 0) {
        syscall(SYS_set_tid_address, &tid_word);
        _exit(0);
    }
    int s = 0;
    waitpid(c, &s, 0);
    check_eq(tid_word, 0, "a vfork child's set_tid_address word is zeroed when it exits");
    /* A forked child's own copy is not seen by the parent at all. */
    tid_word = 777;
    c = fork();
    if (c == 0) {
        syscall(SYS_set_tid_address, &tid_word);
        _exit(0);
    }
    waitpid(c, &s, 0);
    check_eq(tid_word, 777, "a forked child's exit leaves the parent's copy alone");
}

int main(void)
{
    check_init("t_proc");
    umask_applies();
    dumpable();
    pdeathsig();
    tid_word_cleared();
    return check_finish();
}
