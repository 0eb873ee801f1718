/* t_dev.c: the memory devices and the kernel log: /dev/zero, /dev/full,
 * /dev/random and /dev/urandom return the whole count asked for; /dev/kmsg
 * reads one record per read in "prio,seq,usec,-;text" form and a write adds
 * one; syslog(2) (klogctl) reports the buffer and returns the records as
 * text, and refuses unknown actions. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MIB (1L << 20)

static void node(const char *path, unsigned maj, unsigned min)
{
    struct stat st;
    int r = stat(path, &st);
    check(r == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj && minor(st.st_rdev) == min,
          path, "is not character device %u:%u (stat %d, errno %d)", maj, min, r, r ? errno : 0);
}

static bool all_zero(const char *b, long n)
{
    for (long i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* One read of 1 MiB from `path` returns all of it. */
static void whole_read(const char *path, bool zeros)
{
    char *b = malloc(MIB);
    int fd = open(path, O_RDONLY);
    if (!b || fd < 0) {
        check(false, path, "cannot open or allocate: %s", strerror(errno));
        free(b);
        return;
    }
    memset(b, 1, MIB);
    char what[96];
    snprintf(what, sizeof what, "one 1 MiB read of %s returns 1 MiB", path);
    check_eq(read(fd, b, MIB), MIB, what);
    snprintf(what, sizeof what, "%s %s", path, zeros ? "reads zeros" : "reads bytes that are not all zero");
    check(all_zero(b, MIB) == zeros, what, "wrong contents");
    close(fd);
    free(b);
}

static void memory_devices(void)
{
    node("/dev/null", 1, 3);
    node("/dev/zero", 1, 5);
    node("/dev/full", 1, 7);
    node("/dev/random", 1, 8);
    node("/dev/urandom", 1, 9);
    node("/dev/kmsg", 1, 11);
    whole_read("/dev/zero", true);
    whole_read("/dev/full", true);
    whole_read("/dev/urandom", false);
    whole_read("/dev/random", false);

    int full = open("/dev/full", O_WRONLY);
    check_errno(write(full, "x", 1), ENOSPC, "a write to /dev/full: ENOSPC");
    close(full);

    /* /dev/zero writes straight into user memory: up to a fault, the
     * count zeroed; at a fault first, EFAULT. /dev/null never reads what
     * it is given. */
    int z = open("/dev/zero", O_RDONLY), nul = open("/dev/null", O_WRONLY);
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two != MAP_FAILED && munmap(two + 4096, 4096) == 0) {
        memset(two, 1, 4096);
        check_eq(read(z, two + 4096 - 10, 100), 10, "a /dev/zero read that runs into a hole returns what it zeroed");
        check(all_zero(two + 4096 - 10, 10), "and those bytes are zero", "not zero");
        check_errno(read(z, two + 4096, 100), EFAULT, "a /dev/zero read into a hole: EFAULT");
        check_eq(write(nul, two + 4096, 100), 100, "a /dev/null write from a hole is accepted");
        /* The same for a copy from a file's pages. */
        char path[] = "/tmp/t_dev_XXXXXX";
        int f = mkstemp(path);
        char text[100];
        memset(text, 'x', sizeof text);
        if (f >= 0 && write(f, text, sizeof text) == (ssize_t)sizeof text && lseek(f, 0, SEEK_SET) == 0) {
            memset(two + 4096 - 10, 0, 10);
            check_eq(read(f, two + 4096 - 10, 100), 10, "a file read that runs into a hole returns what it copied");
            check(memcmp(two + 4096 - 10, text, 10) == 0, "and those bytes are the file's", "wrong bytes");
        }
        if (f >= 0) {
            close(f);
            unlink(path);
        }
        munmap(two, 4096);
    }
    char one = 1;
    check_eq(read(z, &one, 1), 1, "a one-byte read of /dev/zero");
    check_eq(one, 0, "gives a zero");
    close(z);
    close(nul);

    char a[64], b[64];
    int r = open("/dev/urandom", O_RDWR);
    check(read(r, a, 64) == 64 && read(r, b, 64) == 64 && memcmp(a, b, 64) != 0,
          "two reads of /dev/urandom differ", "they are equal or short");
    check_eq(write(r, a, 64), 64, "a write to /dev/urandom is accepted");
    close(r);
}

static void kmsg(void)
{
    int rd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    int wr = open("/dev/kmsg", O_WRONLY);
    if (rd < 0 || wr < 0) {
        check(false, "open /dev/kmsg", "%s", strerror(errno));
        return;
    }
    check_eq(lseek(rd, 0, SEEK_END), 0, "lseek SEEK_END on /dev/kmsg returns 0");
    check_errno(lseek(rd, 1, SEEK_SET), ESPIPE, "lseek /dev/kmsg to a nonzero offset: ESPIPE");
    char rec[256];
    check_errno(read(rd, rec, sizeof rec), EAGAIN, "nothing new after SEEK_END: EAGAIN (O_NONBLOCK)");

    char msg[64];
    snprintf(msg, sizeof msg, "<5>t_dev: skipped %d\n", (int)getpid());
    check_eq(write(wr, msg, strlen(msg)), (long)strlen(msg), "a write to /dev/kmsg takes it all");
    check_errno(read(rd, rec, 8), EINVAL, "a buffer too small for the record: EINVAL");
    check_errno(read(rd, rec, sizeof rec), EAGAIN, "that record was passed over, as on Linux");
    snprintf(msg, sizeof msg, "<5>t_dev: record %d\n", (int)getpid());
    check_eq(write(wr, msg, strlen(msg)), (long)strlen(msg), "a second record");
    long n = read(rd, rec, sizeof rec - 1);
    check(n > 0, "read the record back", "read returned %ld (%s)", n, n < 0 ? strerror(errno) : "");
    rec[n > 0 ? n : 0] = 0;
    unsigned prio = 0;
    unsigned long long seq = 0, usec = 0;
    int text = 0;
    int got = sscanf(rec, "%u,%llu,%llu,%*[^;];%n", &prio, &seq, &usec, &text);
    check(got == 3 && text > 0, "the record reads \"prio,seq,usec,flags;text\"", "read \"%s\"", rec);
    check_eq(prio, 13, "its priority is LOG_USER with level 5 (13)");
    check(text > 0 && strncmp(rec + text, msg + 3, strlen(msg) - 3) == 0,
          "its text is what was written, with one newline at the end", "read \"%s\"", rec);
    check_errno(read(rd, rec, sizeof rec), EAGAIN, "one record per read: nothing more");
    close(rd);
    close(wr);
}

static void syslog_calls(void)
{
    int size = klogctl(10, NULL, 0);
    check(size > 0, "SYSLOG_ACTION_SIZE_BUFFER is positive", "got %d (%s)", size, strerror(errno));
    check(klogctl(9, NULL, 0) >= 0, "SYSLOG_ACTION_SIZE_UNREAD succeeds", "%s", strerror(errno));
    if (size <= 0)
        return;
    char *buf = malloc(size + 1);
    if (!buf)
        return;
    int n = klogctl(3, buf, size);
    check(n > 0 && n <= size, "SYSLOG_ACTION_READ_ALL returns text", "got %d (%s)", n, strerror(errno));
    buf[n > 0 ? n : 0] = 0;
    char want[64];
    snprintf(want, sizeof want, "t_dev: record %d", (int)getpid());
    check(strstr(buf, want) != NULL, "it holds the record written to /dev/kmsg", "\"%s\" not found", want);
    check(n > 0 && buf[0] == '<', "each line starts with <prio>", "starts with %.20s", buf);
    check_errno(klogctl(3, NULL, 10), EINVAL, "READ_ALL into a null buffer: EINVAL");
    check_errno(klogctl(3, buf, -1), EINVAL, "READ_ALL of a negative length: EINVAL");
    check_eq(klogctl(3, buf, 0), 0, "READ_ALL of 0 bytes returns 0");
    check_errno(klogctl(8, NULL, 0), EINVAL, "CONSOLE_LEVEL 0: EINVAL");
    check_errno(klogctl(8, NULL, 9), EINVAL, "CONSOLE_LEVEL 9: EINVAL");
    check_errno(klogctl(11, NULL, 0), EINVAL, "an unknown action: EINVAL");
    free(buf);
}

int main(void)
{
    check_init("t_dev");
    memory_devices();
    kmsg();
    syslog_calls();
    return check_finish();
}
