/* sysloop MODE N: makes one kind of system call N times, for counting the
 * instructions of one call (scripts/prof/steps.sh). MODE: read (1 byte of
 * /dev/zero), write (1 byte to /dev/null), ppid, open (open+close of
 * /etc/passwd), stat (of /etc/passwd), sig (kill to self, with a handler),
 * mread and mwrite (1-byte pread and pwrite of /dev/mymem at offset 0),
 * fork (fork + child _exit + wait, with 128 touched pages to share: count
 * 57 for fork, 231 for the child's exit), munmap (of an untouched 64 KiB
 * mapping, just made: count 11),
 * statdir (of /tmp/mbench-stat-10/f00005 in a directory of 10 files, as the bench's
 * stat_dir), opendir (openat and close of that file, as open_close_dir),
 * creat (openat O_CREAT|O_EXCL, close and unlink of a new name
 * there, as create_unlink_dir), pong (two processes bounce SIGUSR1, each
 * waiting in sigsuspend). Setup opens with open(2), nr 2, so the second
 * openat (nr 257) counted is always the loop's. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
    int mymem = open("/dev/mymem", O_RDWR);
    int me = getpid();
    if (!strcmp(mode, "statdir") || !strcmp(mode, "creat") || !strcmp(mode, "opendir")) {
        mkdir("/tmp", 0777);
        mkdir("/tmp/mbench-stat-10", 0777);
        for (int i = 0; i < 10; i++) {
            char p[32];
            snprintf(p, sizeof p, "/tmp/mbench-stat-10/f%05d", i);
            close(open(p, O_WRONLY | O_CREAT, 0600));
        }
    }
    if (!strcmp(mode, "sig"))
        signal(SIGUSR1, on_signal);
    if (!strcmp(mode, "fork")) {
        char *m = mmap(NULL, 128 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (int k = 0; m != MAP_FAILED && k < 128; k++)
            m[k * 4096] = 1;
    }
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
        else if (!strcmp(mode, "mread"))
            pread(mymem, b, 1, 0);
        else if (!strcmp(mode, "mwrite"))
            pwrite(mymem, b, 1, 0);
        else if (!strcmp(mode, "munmap"))
            munmap(mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 65536);
        else if (!strcmp(mode, "fork")) {
            int pid = fork();
            if (pid == 0)
                _exit(0);
            waitpid(pid, NULL, 0);
        } else if (!strcmp(mode, "statdir"))
            syscall(SYS_newfstatat, AT_FDCWD, "/tmp/mbench-stat-10/f00005", b, 0);
        else if (!strcmp(mode, "opendir"))
            close(syscall(SYS_openat, AT_FDCWD, "/tmp/mbench-stat-10/f00005", O_RDONLY));
        else if (!strcmp(mode, "creat")) {
            close(syscall(SYS_openat, AT_FDCWD, "/tmp/mbench-stat-10/g00005", O_WRONLY | O_CREAT | O_EXCL, 0600));
            unlink("/tmp/mbench-stat-10/g00005");
        }
    }
    return 0;
}
