/* t_mymem.c: /dev/mymem (240:0), a 512 KiB buffer in the kernel: lseek
 * limits, short transfers at the end, read 0 and ENOSPC there, data kept
 * across close and reopen, pread/pwrite leaving the position alone, the
 * atomic-add ioctl, and a file position shared across fork that moves by
 * exactly what each write wrote. On Linux the device is the module in
 * bench/mymem/ (run-native.sh skips this program when it is not loaded). */
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MYMEM "/dev/mymem"
#define SIZE (512L << 10)

/* The ioctl's argument and number: _IOWR('m', 1, struct mymem_add). */
struct mymem_add {
    uint64_t offset;
    int64_t value;
    uint64_t result;
};
#define MYMEM_IOC_ADD _IOWR('m', 1, struct mymem_add)

static int open_dev(void)
{
    int fd = open(MYMEM, O_RDWR);
    check(fd >= 0, "open " MYMEM, "%s", strerror(errno));
    return fd;
}

static void identity(int fd)
{
    struct stat st;
    check_eq(fstat(fd, &st), 0, "fstat");
    check(S_ISCHR(st.st_mode) && major(st.st_rdev) == 240 && minor(st.st_rdev) == 0,
          "/dev/mymem is character device 240:0", "mode %o rdev %u:%u", st.st_mode,
          major(st.st_rdev), minor(st.st_rdev));
    check_eq(MYMEM_IOC_ADD, 0xc0186d01L, "MYMEM_IOC_ADD is 0xc0186d01");
}

static void seeking(int fd)
{
    check_eq(lseek(fd, 100, SEEK_SET), 100, "lseek SEEK_SET 100");
    check_errno(lseek(fd, -1, SEEK_SET), EINVAL, "lseek to -1: EINVAL");
    check_errno(lseek(fd, -101, SEEK_CUR), EINVAL, "lseek SEEK_CUR below 0: EINVAL");
    check_errno(lseek(fd, SIZE + 1, SEEK_SET), EINVAL, "lseek past the end: EINVAL");
    check_errno(lseek(fd, 1, SEEK_END), EINVAL, "lseek SEEK_END +1: EINVAL");
    check_errno(lseek(fd, 0, 7), EINVAL, "lseek with an unknown whence: EINVAL");
    check_eq(lseek(fd, 0, SEEK_CUR), 100, "a failed lseek leaves the position");
    check_eq(lseek(fd, 0, SEEK_END), SIZE, "SEEK_END is 512 KiB");
    check_eq(lseek(fd, -SIZE, SEEK_CUR), 0, "SEEK_CUR back to 0");
    check_eq(lseek(fd, SIZE, SEEK_SET), SIZE, "lseek to the end itself is allowed");
}

static void edges(int fd)
{
    char out[100], in[100];
    for (int i = 0; i < 100; i++)
        out[i] = (char)(i + 1);
    check_eq(lseek(fd, SIZE - 10, SEEK_SET), SIZE - 10, "lseek 10 bytes before the end");
    check_eq(write(fd, out, 100), 10, "a write running past the end is short (10 of 100)");
    check_eq(lseek(fd, 0, SEEK_CUR), SIZE, "the position is at the end after it");
    check_errno(write(fd, out, 100), ENOSPC, "a write at the end: ENOSPC");
    check_eq(read(fd, in, 100), 0, "a read at the end returns 0");
    check_eq(lseek(fd, 0, SEEK_CUR), SIZE, "neither moved the position");
    check_eq(lseek(fd, SIZE - 10, SEEK_SET), SIZE - 10, "back 10 bytes before the end");
    memset(in, 0, sizeof in);
    check_eq(read(fd, in, 100), 10, "a read running past the end is short (10 of 100)");
    check(memcmp(in, out, 10) == 0, "it reads back what was written", "bytes differ");

    check_eq(pwrite(fd, out, 8, SIZE - 3), 3, "pwrite across the end is short (3 of 8)");
    check_errno(pwrite(fd, out, 8, SIZE), ENOSPC, "pwrite at the end: ENOSPC");
    check_eq(pread(fd, in, 8, SIZE), 0, "pread at the end returns 0");
    check_eq(pread(fd, in, 8, SIZE - 3), 3, "pread across the end is short (3 of 8)");
}

static void whole(int fd)
{
    char *a = malloc(2 * SIZE), *b = malloc(2 * SIZE);
    if (!a || !b) {
        check(false, "memory for the whole-device buffers", "malloc failed");
        return;
    }
    for (long i = 0; i < SIZE; i++)
        a[i] = (char)(i * 7 + (i >> 9));
    check_eq(lseek(fd, 0, SEEK_SET), 0, "lseek to 0");
    check_eq(write(fd, a, SIZE), SIZE, "one write of 512 KiB writes it all");
    check_eq(lseek(fd, 0, SEEK_SET), 0, "lseek to 0 again");
    memset(b, 0, 2 * SIZE);
    check_eq(read(fd, b, 2 * SIZE), SIZE, "one read of 1 MiB returns the 512 KiB there are");
    check(memcmp(a, b, SIZE) == 0, "512 KiB read back as written", "bytes differ");
    check_eq(lseek(fd, 0, SEEK_SET), 0, "lseek to 0 once more");
    check_eq(write(fd, a, 2 * SIZE), SIZE, "a write of 1 MiB stores 512 KiB");
    free(a);
    free(b);
}

static void persistence(int fd)
{
    const char msg[] = "kept across close and open";
    char in[sizeof msg] = { 0 };
    check_eq(pwrite(fd, msg, sizeof msg, 4000), (long)sizeof msg, "pwrite at 4000");
    close(fd);
    int fd2 = open_dev();
    check_eq(pread(fd2, in, sizeof in, 4000), (long)sizeof in, "pread at 4000 after reopening");
    check(strcmp(in, msg) == 0, "the data survives close and reopen", "read \"%s\"", in);
    check_eq(lseek(fd2, 0, SEEK_CUR), 0, "a new open starts at position 0");
    close(fd2);
}

static void positional(int fd)
{
    char in[16];
    check_eq(lseek(fd, 123, SEEK_SET), 123, "lseek to 123");
    check_eq(pwrite(fd, "0123456789abcdef", 16, 9000), 16, "pwrite 16 bytes at 9000");
    check_eq(pread(fd, in, 16, 9000), 16, "pread them back");
    check(memcmp(in, "0123456789abcdef", 16) == 0, "pread returns what pwrite wrote", "differ");
    check_eq(lseek(fd, 0, SEEK_CUR), 123, "pread and pwrite leave the position at 123");
    check_errno(pread(fd, in, 1, -1), EINVAL, "pread at a negative offset: EINVAL");
}

static void atomic_add(int fd)
{
    uint64_t zero = 0, got = 0;
    struct mymem_add a = { .offset = 64, .value = 5 };
    check_eq(pwrite(fd, &zero, 8, 64), 8, "clear the counter at 64");
    check_eq(ioctl(fd, MYMEM_IOC_ADD, &a), 0, "MYMEM_IOC_ADD +5");
    check_eq((long)a.result, 5, "the new value comes back: 5");
    a.value = -7;
    check_eq(ioctl(fd, MYMEM_IOC_ADD, &a), 0, "MYMEM_IOC_ADD -7");
    check_eq((long)a.result, -2, "the new value comes back: -2");
    check_eq(pread(fd, &got, 8, 64), 8, "pread the counter");
    check_eq((long)got, -2, "the counter in the buffer is -2 (little-endian)");

    a.offset = SIZE - 8;
    a.value = 1;
    check_eq(ioctl(fd, MYMEM_IOC_ADD, &a), 0, "the last 8 bytes are a valid counter");
    a.offset = 3;
    check_errno(ioctl(fd, MYMEM_IOC_ADD, &a), EINVAL, "an unaligned offset: EINVAL");
    a.offset = SIZE - 4;
    check_errno(ioctl(fd, MYMEM_IOC_ADD, &a), EINVAL, "a counter past the end: EINVAL");
    a.offset = SIZE;
    check_errno(ioctl(fd, MYMEM_IOC_ADD, &a), EINVAL, "offset 512 KiB: EINVAL");
    a.offset = (uint64_t)-8;
    check_errno(ioctl(fd, MYMEM_IOC_ADD, &a), EINVAL, "an offset that wraps: EINVAL");
    check_errno(ioctl(fd, MYMEM_IOC_ADD, NULL), EFAULT, "a null argument: EFAULT");
    check_errno(ioctl(fd, _IOWR('m', 2, struct mymem_add), &a), ENOTTY, "an unknown ioctl: ENOTTY");

    struct mymem_add *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED) {
        check(false, "mmap for the read-only argument", "%s", strerror(errno));
        return;
    }
    ro->offset = 64;
    ro->value = 100;
    mprotect(ro, 4096, PROT_READ);
    check_errno(ioctl(fd, MYMEM_IOC_ADD, ro), EFAULT, "a read-only argument: EFAULT");
    check_eq(pread(fd, &got, 8, 64), 8, "pread the counter again");
    check_eq((long)got, -2, "a failed add changed nothing");
    munmap(ro, 4096);
}

#define N 2000

static void writer(int fd, char c)
{
    for (int i = 0; i < N; i++) {
        if (write(fd, &c, 1) != 1)
            _exit(2);
        struct mymem_add a = { .offset = 128, .value = 1 };
        if (ioctl(fd, MYMEM_IOC_ADD, &a) != 0)
            _exit(3);
    }
}

static void shared_position(int fd)
{
    uint64_t zero = 0, got = 0;
    check_eq(pwrite(fd, &zero, 8, 128), 8, "clear the counter at 128");
    check_eq(lseek(fd, 1024, SEEK_SET), 1024, "lseek to 1024 before fork");
    pid_t pid = fork();
    if (pid == 0) {
        writer(fd, 'c');
        _exit(0);
    }
    writer(fd, 'p');
    int status = 0;
    check_eq(waitpid(pid, &status, 0), pid, "wait for the child");
    check(exited_with(status, 0), "the child's writes and adds all succeeded", "status %d", status);
    check_eq(lseek(fd, 0, SEEK_CUR), 1024 + 2 * N, "the shared position moved by 2N (1 byte per write)");
    static char seen[2 * N];
    check_eq(pread(fd, seen, 2 * N, 1024), 2 * N, "pread the 2N bytes");
    int p = 0, c = 0;
    for (int i = 0; i < 2 * N; i++) {
        p += seen[i] == 'p';
        c += seen[i] == 'c';
    }
    check(p == N && c == N, "each process's N bytes are all there (no write overwrote another)",
          "%d from the parent, %d from the child", p, c);
    check_eq(pread(fd, &got, 8, 128), 8, "pread the counter");
    check_eq((long)got, 2 * N, "2N concurrent atomic adds of 1 make 2N");
}

int main(void)
{
    check_init("t_mymem");
    int fd = open_dev();
    if (fd < 0)
        return check_finish();
    identity(fd);
    seeking(fd);
    edges(fd);
    whole(fd);
    positional(fd);
    atomic_add(fd);
    shared_position(fd);
    persistence(fd);
    return check_finish();
}
