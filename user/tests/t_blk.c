/* t_blk.c: a disk or partition as a block special file. Usage: t_blk
 * DEVICE [SIZE [MAJOR [MINOR]]] (MINOR 0 by default). DESTRUCTIVE: it writes to the device (Marten's e2e test gives
 * it a scratch virtio disk image). Checks: fstat (S_IFBLK, st_size 0, the
 * device number), BLKGETSIZE64 (= SIZE), BLKGETSIZE, BLKSSZGET (512), an
 * unknown ioctl (ENOTTY), lseek (SEEK_END = size, past it EINVAL), writes
 * aligned and not, inside one sector, across sector boundaries, across
 * many sectors, the last sector, a write cut short at the end, ENOSPC at
 * and past the end, reads at and near the end, fsync/fdatasync, the data
 * read back (bytes around each write unchanged), and, for a /dev/vdX disk,
 * the virtio function (vendor 1af4) in /proc/bus/pci/devices. Leaves
 * "MARTEN-BLK-CROSS" at byte 1016, "MARTEN-BLK-ALIGN" at 8192 and
 * "MARTEN-BLK-LAST!" at the start of the last sector for the host to see. */
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

/* <linux/fs.h>'s block ioctls (musl has no kernel headers). */
#ifndef BLKGETSIZE
#define BLKGETSIZE _IO(0x12, 96)
#endif
#ifndef BLKSSZGET
#define BLKSSZGET _IO(0x12, 104)
#endif
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

/* The region mirrored in memory: every write below lands in it, except the
 * ones at the end of the disk, checked on their own. */
#define SHADOW 200000

static char *shadow;

/* pwrite of `len` bytes of `buf` at `off`, also applied to the shadow. */
static void put(int fd, const void *buf, size_t len, off_t off, const char *what)
{
    check_eq(pwrite(fd, buf, len, off), (long)len, what);
    if (off + (off_t)len <= SHADOW)
        memcpy(shadow + off, buf, len);
}

static void fill(char *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (char)((i * 7 + seed * 31 + 1) & 0xff);
}

static void pci_listed(void)
{
    FILE *f = fopen("/proc/bus/pci/devices", "r");
    if (!check(f != NULL, "open /proc/bus/pci/devices", "%s", strerror(errno)))
        return;
    char line[1024];
    bool vendor = false, driver = false, shape = true;
    while (fgets(line, sizeof line, f)) {
        unsigned busdevfn, id, irq;
        int fields = 0;
        for (char *p = line; *p; p++)
            fields += *p == '\t';
        if (sscanf(line, "%x\t%x\t%x", &busdevfn, &id, &irq) != 3 || fields != 17)
            shape = false;
        if ((id >> 16) == 0x1af4) {
            vendor = true;
            driver |= strstr(line, "\tvirtio-pci\n") != NULL;
        }
    }
    fclose(f);
    check(shape, "/proc/bus/pci/devices lines have 17 tab-separated fields after the first", "bad line");
    check(vendor, "/proc/bus/pci/devices lists a virtio function (vendor 1af4)", "none");
    check(driver, "the virtio function's driver is virtio-pci", "not shown");
}

int main(int argc, char **argv)
{
    check_init("t_blk");
    if (argc < 2) {
        say("usage: t_blk DEVICE [SIZE [MAJOR [MINOR]]] (destroys the device's data)");
        return 2;
    }
    const char *dev = argv[1];
    long long want_size = argc > 2 ? atoll(argv[2]) : -1;
    int want_major = argc > 3 ? atoi(argv[3]) : -1;
    unsigned want_minor = argc > 4 ? (unsigned)atoi(argv[4]) : 0;

    int fd = open(dev, O_RDWR);
    if (!check(fd >= 0, "open the device read-write", "%s: %s", dev, strerror(errno)))
        return check_finish();

    struct stat st;
    check_eq(fstat(fd, &st), 0, "fstat");
    check(S_ISBLK(st.st_mode), "fstat: a block special file", "mode %o", st.st_mode);
    check_eq(st.st_size, 0, "fstat: st_size is 0, as Linux");
    if (want_major >= 0)
        check(major(st.st_rdev) == (unsigned)want_major && minor(st.st_rdev) == want_minor, "fstat: st_rdev",
              "%u:%u", major(st.st_rdev), minor(st.st_rdev));

    uint64_t size = 0;
    check_eq(ioctl(fd, BLKGETSIZE64, &size), 0, "BLKGETSIZE64");
    if (want_size >= 0)
        check(size == (uint64_t)want_size, "BLKGETSIZE64 is the image size", "%llu, want %lld",
              (unsigned long long)size, want_size);
    unsigned long sectors = 0;
    check_eq(ioctl(fd, BLKGETSIZE, &sectors), 0, "BLKGETSIZE");
    check(sectors == size / 512, "BLKGETSIZE is the size in 512-byte sectors", "%lu", sectors);
    int ssz = 0;
    check_eq(ioctl(fd, BLKSSZGET, &ssz), 0, "BLKSSZGET");
    check_eq(ssz, 512, "BLKSSZGET is 512");
    struct termios t;
    /* virtio-blk has no ioctls of its own: ENOTTY on Linux; Linux's loop
     * driver answers EINVAL instead. */
    bool virtio = strncmp(dev, "/dev/vd", 7) == 0;
    int r = ioctl(fd, TCGETS, &t);
    check(r == -1 && (errno == ENOTTY || (!virtio && errno == EINVAL)), "an unknown ioctl: ENOTTY",
          "returned %d, errno %d", r, errno);
    if (!check(size >= 2 * SHADOW && size % 512 == 0, "the disk is big enough", "%llu bytes",
               (unsigned long long)size))
        return check_finish();

    check_eq(lseek(fd, 0, SEEK_END), (long)size, "lseek SEEK_END is the size");
    check_errno(lseek(fd, 1, SEEK_END), EINVAL, "lseek past the end: EINVAL");
    check_eq(lseek(fd, -512, SEEK_END), (long)size - 512, "lseek back from the end");

    shadow = malloc(SHADOW);
    char *buf = malloc(SHADOW);
    if (!check(shadow && buf, "allocate", "out of memory"))
        return check_finish();
    check_eq(pread(fd, shadow, SHADOW, 0), SHADOW, "read the region before writing");

    char b[70000];
    fill(b, 4096, 1);
    memcpy(b, "MARTEN-BLK-ALIGN", 16);
    put(fd, b, 4096, 8192, "aligned write of 8 sectors");
    fill(b, 100, 2);
    put(fd, b, 100, 523, "unaligned write inside one sector");
    put(fd, "MARTEN-BLK-CROSS", 16, 1016, "write across a sector boundary");
    fill(b, 70000, 3);
    put(fd, b, 70000, 100003, "unaligned write across 137 sectors");
    fill(b, 1, 4);
    put(fd, b, 1, 4095, "one-byte write");

    /* The end of the disk. */
    char last[512];
    fill(last, 512, 5);
    memcpy(last, "MARTEN-BLK-LAST!", 16);
    check_eq(pwrite(fd, last, 512, size - 512), 512, "write the last sector");
    check_eq(lseek(fd, size - 5, SEEK_SET), (long)size - 5, "lseek to 5 bytes before the end");
    check_eq(write(fd, "0123456789", 10), 5, "a write at the end is cut short");
    memcpy(last + 507, "01234", 5);
    check_errno(write(fd, "x", 1), ENOSPC, "write at the end: ENOSPC");
    check_errno(pwrite(fd, "x", 1, size + 4096), ENOSPC, "pwrite past the end: ENOSPC");
    check_eq(read(fd, b, 10), 0, "read at the end: 0");
    check_eq(pread(fd, b, 100, size + 512), 0, "pread past the end: 0");
    check_eq(pread(fd, b, 10, size - 3), 3, "pread near the end is cut short");

    check_eq(fsync(fd), 0, "fsync");
    check_eq(fdatasync(fd), 0, "fdatasync");

    memset(buf, 0, SHADOW);
    check_eq(pread(fd, buf, SHADOW, 0), SHADOW, "read the region back");
    long bad = -1;
    for (long i = 0; i < SHADOW && bad < 0; i++)
        if (buf[i] != shadow[i])
            bad = i;
    check(bad < 0, "every write reads back, the bytes around them unchanged", "first difference at %ld", bad);
    char got[512];
    check_eq(pread(fd, got, 512, size - 512), 512, "read the last sector back");
    check(memcmp(got, last, 512) == 0, "the last sector reads back", "differs");

    /* A read through the file position, a sector and a half from 512. */
    check_eq(lseek(fd, 512, SEEK_SET), 512, "lseek to 512");
    check_eq(read(fd, got, 512), 512, "read one sector at the position");
    check(memcmp(got, shadow + 512, 512) == 0, "it matches", "differs");
    check_eq(lseek(fd, 0, SEEK_CUR), 1024, "the position moved by 512");
    close(fd);

    int ro = open(dev, O_RDONLY);
    check(ro >= 0, "open read-only", "%s", strerror(errno));
    check_errno(write(ro, "x", 1), EBADF, "write on a read-only descriptor: EBADF");
    close(ro);

    if (virtio)
        pci_listed();
    free(buf);
    free(shadow);
    return check_finish();
}
