/* sysloop MODE N: makes one kind of system call N times, for counting the
 * instructions of one call (scripts/prof/steps.sh). MODE: read (1 byte of
 * /dev/zero), write (1 byte to /dev/null), ppid, open (open+close of
 * /etc/passwd), stat (of /etc/passwd), sig (kill to self, with a handler),
 * pong (two processes bounce SIGUSR1, each waiting in sigsuspend). */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int hits;
static void on_signal(int sig)
{
    (void)sig;
    hits++;
}

/* Parent and child answer each SIGUSR1 with one to the other, N times,
 * SIGUSR1 blocked outside sigsuspend (as bench/src/fig_signal.c). */
static int pong(long n)
{
    sigset_t block, mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &mask);
    sigdelset(&mask, SIGUSR1);
    signal(SIGUSR1, on_signal);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        for (long i = 1; i <= n; i++) {
            while (hits < i)
                sigsuspend(&mask);
            kill(parent, SIGUSR1);
        }
        _exit(0);
    }
    for (long i = 1; i <= n; i++) {
        kill(pid, SIGUSR1);
        while (hits < i)
            sigsuspend(&mask);
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "read";
    long n = argc > 2 ? atol(argv[2]) : 1000000;
    char b[256];
    int zero = open("/dev/zero", O_RDONLY), null = open("/dev/null", O_WRONLY);
    int me = getpid();
    if (!strcmp(mode, "sig"))
        signal(SIGUSR1, on_signal);
    if (!strcmp(mode, "pong"))
        return pong(n);
    for (long i = 0; i < n; i++) {
        if (!strcmp(mode, "read"))
            read(zero, b, 1);
        else if (!strcmp(mode, "write"))
            write(null, b, 1);
        else if (!strcmp(mode, "ppid"))
            syscall(SYS_getppid);
        else if (!strcmp(mode, "open"))
            close(open("/etc/passwd", O_RDONLY));
        else if (!strcmp(mode, "stat"))
            syscall(SYS_newfstatat, AT_FDCWD, "/etc/passwd", b, 0);
        else if (!strcmp(mode, "sig"))
            kill(me, SIGUSR1);
    }
    return 0;
}
