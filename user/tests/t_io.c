/* t_io.c: vectored and positioned I/O (preadv, pwritev, preadv2, pwritev2
 * and their RWF flags), the generic file ioctls (FIOCLEX, FIONCLEX, FIONBIO,
 * FIONREAD, FIOQSIZE), and shared memory through files: shm_open and
 * sem_open in /dev/shm (musl's POSIX semaphores are MAP_SHARED files there),
 * memfd_create, MAP_SHARED seen by a child and by read(2), msync. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RWF_DSYNC
#define RWF_DSYNC 0x02
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x08
#endif
#ifndef RWF_APPEND
#define RWF_APPEND 0x10
#endif
#ifndef FIOQSIZE
#define FIOQSIZE 0x5460
#endif

static char path[64];

/* musl has no wrappers for these: the kernel takes the offset as two
 * halves (the high one unused on x86-64) and the flags last. */
static long preadv2_(int fd, const struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_preadv2, fd, v, n, off, 0, flags);
}

static long pwritev2_(int fd, const struct iovec *v, int n, long off, int flags)
{
    return syscall(SYS_pwritev2, fd, v, n, off, 0, flags);
}
#define preadv2 preadv2_
#define pwritev2 pwritev2_

static void vectored(void)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    check(fd >= 0, "open a scratch file", "errno %d", errno);
    char a[] = "hello ", b[] = "world";
    struct iovec w[2] = { { a, 6 }, { b, 5 } };
    check_eq(pwritev(fd, w, 2, 100), 11, "pwritev at 100");
    check_eq(lseek(fd, 0, SEEK_CUR), 0, "pwritev leaves the position");
    char x[6] = { 0 }, y[6] = { 0 };
    struct iovec r[2] = { { x, 6 }, { y, 5 } };
    check_eq(preadv(fd, r, 2, 100), 11, "preadv at 100");
    check(!memcmp(x, "hello ", 6) && !memcmp(y, "world", 5), "preadv filled both buffers", "%s|%s", x, y);
    check_eq(preadv(fd, r, 2, 200), 0, "preadv past the end is 0");
    check_errno(preadv(fd, r, 2, -5), EINVAL, "preadv at a negative offset");

    lseek(fd, 100, SEEK_SET);
    memset(x, 0, sizeof x);
    check_eq(preadv2(fd, r, 1, -1, 0), 6, "preadv2 at -1 reads at the position");
    check_eq(lseek(fd, 0, SEEK_CUR), 106, "and moves it");
    check_eq(pwritev2(fd, w, 1, 0, RWF_APPEND), 6, "pwritev2 RWF_APPEND");
    struct stat st;
    fstat(fd, &st);
    check_eq(st.st_size, 117, "RWF_APPEND wrote at the end, not at 0");
    check_eq(preadv2(fd, r, 1, 0, RWF_NOWAIT), 6, "RWF_NOWAIT on a file whose data is in memory");
    check_errno(preadv2(fd, r, 1, 0, 0x4000), EOPNOTSUPP, "unknown RWF flags");
    check_eq(pwritev2(fd, w, 1, 0, RWF_DSYNC), 6, "RWF_DSYNC");

    int n = -1;
    lseek(fd, 17, SEEK_SET);
    check_eq(ioctl(fd, FIONREAD, &n), 0, "FIONREAD on a regular file");
    check_eq(n, 100, "bytes between the position and the end");
    long long q = 0;
    check_eq(ioctl(fd, FIOQSIZE, &q), 0, "FIOQSIZE");
    fstat(fd, &st);
    check_eq(q, (long)st.st_blocks * 512, "FIOQSIZE is the space allocated (st_blocks)");
    check_eq(ioctl(fd, FIOCLEX), 0, "FIOCLEX");
    check_eq(fcntl(fd, F_GETFD), FD_CLOEXEC, "FIOCLEX set close-on-exec");
    check_eq(ioctl(fd, FIONCLEX), 0, "FIONCLEX");
    check_eq(fcntl(fd, F_GETFD), 0, "FIONCLEX cleared it");
    close(fd);
    unlink(path);

    int p[2];
    pipe(p);
    int on = 1;
    check_eq(ioctl(p[0], FIONBIO, &on), 0, "FIONBIO on");
    check(fcntl(p[0], F_GETFL) & O_NONBLOCK, "FIONBIO set O_NONBLOCK", "flags %x", fcntl(p[0], F_GETFL));
    char c;
    check_errno(read(p[0], &c, 1), EAGAIN, "an empty non-blocking pipe: EAGAIN");
    on = 0;
    ioctl(p[0], FIONBIO, &on);
    check(!(fcntl(p[0], F_GETFL) & O_NONBLOCK), "FIONBIO off", "flags %x", fcntl(p[0], F_GETFL));
    close(p[0]);
    close(p[1]);
}

static void shared(void)
{
    int fd = shm_open("/t_io.shm", O_RDWR | O_CREAT | O_EXCL, 0600);
    check(fd >= 0, "shm_open", "errno %d", errno);
    check_eq(ftruncate(fd, 8192), 0, "size the shared object");
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    check(m != MAP_FAILED, "mmap MAP_SHARED of it", "errno %d", errno);
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(m + 4096, "from the child");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    check(!strcmp(m + 4096, "from the child"), "the child's store is visible", "got %.20s", m + 4096);
    char buf[16] = { 0 };
    check_eq(pread(fd, buf, 14, 4096), 14, "read(2) sees the mapping's bytes");
    check(!memcmp(buf, "from the child", 14), "the same bytes", "got %.14s", buf);
    check_eq(pwrite(fd, "WRITE", 5, 0), 5, "pwrite into the object");
    check(!memcmp(m, "WRITE", 5), "the mapping sees write(2)", "got %.5s", m);
    check_eq(msync(m, 8192, MS_SYNC), 0, "msync");
    check_errno(msync(m + 1, 10, MS_SYNC), EINVAL, "msync of an unaligned address");
    check_errno(msync(m, 4096, MS_SYNC | MS_ASYNC), EINVAL, "msync with both MS_SYNC and MS_ASYNC");
    munmap(m, 8192);
    close(fd);
    check_eq(shm_unlink("/t_io.shm"), 0, "shm_unlink");

    sem_t *s = sem_open("/t_io.sem", O_CREAT | O_EXCL, 0600, 0);
    check(s != SEM_FAILED, "sem_open", "errno %d", errno);
    pid = fork();
    if (pid == 0) {
        sem_t *t = sem_open("/t_io.sem", 0);
        if (t == SEM_FAILED)
            _exit(2);
        sem_post(t);
        sem_post(t);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child opened and posted", "status %x", status);
    int v = -1;
    sem_getvalue(s, &v);
    check_eq(v, 2, "both posts arrived through the shared page");
    check_eq(sem_trywait(s), 0, "sem_trywait takes one");
    sem_close(s);
    check_eq(sem_unlink("/t_io.sem"), 0, "sem_unlink");

    int mfd = memfd_create("t_io", MFD_CLOEXEC);
    check(mfd >= 0, "memfd_create", "errno %d", errno);
    check_eq(fcntl(mfd, F_GETFD), FD_CLOEXEC, "MFD_CLOEXEC");
    check_eq(write(mfd, "memfd", 5), 5, "write into the memfd");
    char *mm = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
    check(mm != MAP_FAILED && !memcmp(mm, "memfd", 5), "map the memfd", "errno %d", errno);
    close(mfd);
}

int main(void)
{
    check_init("t_io");
    snprintf(path, sizeof path, "/tmp/t_io.%d", (int)getpid());
    vectored();
    shared();
    return check_finish();
}
