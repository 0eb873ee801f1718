/* t_madvise.c: madvise(2). Argument checks (alignment, length rounding,
 * unknown advice, unmapped ranges), hints that change nothing, MADV_DONTNEED
 * and MADV_FREE, MADV_POPULATE_READ/WRITE, and the fork advice, checked in
 * child processes: MADV_DONTFORK (the child has no mapping there: SIGSEGV),
 * MADV_DOFORK, MADV_WIPEONFORK (the child reads zeros, the parent keeps its
 * data) and MADV_KEEPONFORK, on whole areas, parts of areas and ranges with
 * holes. */
#include "check.h"
#include "mem.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define RW (PROT_READ | PROT_WRITE)
/* Linux's TASK_SIZE on x86-64 (4-level paging): nothing is mapped from here. */
#define USER_END 0x00007ffffffff000UL

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

static char *map(unsigned long len, long prot, long flags)
{
    return (char *)syscall(SYS_mmap, NULL, len, prot, flags, -1L, 0L);
}

static char *map_anon(unsigned long len)
{
    return map(len, RW, MAP_PRIVATE | MAP_ANONYMOUS);
}

static long advise(void *addr, unsigned long len, long advice)
{
    return syscall(SYS_madvise, addr, len, advice);
}

/* ---- what children do ---- */

/* Reads one byte; exits with it (so a parent can see what the child saw). */
static void read_byte(void *p)
{
    volatile char *c = launder(p);
    _exit((unsigned char)*c);
}

/* A page and the byte value the child must see in all of it. */
struct expect {
    char *p;
    unsigned long len;
    char value;
};

/* Exits 0 when the range holds the expected byte everywhere, else 1. */
static void expect_filled(void *arg)
{
    struct expect *e = arg;
    _exit(filled_with(launder(e->p), e->len, e->value) ? 0 : 1);
}

/* In the child of a WIPEONFORK range: reads zeros, writes, and its own
 * child reads zeros again (the advice is inherited). */
static void wipe_twice(void *arg)
{
    struct expect *e = arg;
    if (!filled_with(e->p, e->len, 0))
        _exit(1);
    memset(e->p, 0x77, e->len);
    struct expect zero = { e->p, e->len, 0 };
    int status = run_in_child(expect_filled, &zero);
    if (!exited_with(status, 0))
        _exit(2);
    _exit(filled_with(e->p, e->len, 0x77) ? 0 : 3);
}

static int child_sees(char *p, unsigned long len, char value)
{
    struct expect e = { p, len, value };
    return run_in_child(expect_filled, &e);
}

static void expect_child(int status, bool ok, const char *what)
{
    char text[64];
    check(ok, what, "child %s", status_text(status, text, sizeof text));
}

/* ---- argument checks ---- */

static void arguments(void)
{
    char *p = map_anon(2 * PAGE);
    check_errno(advise(p + 1, PAGE, MADV_NORMAL), EINVAL, "unaligned address -> EINVAL");
    check_errno(advise(p, PAGE, 12345), EINVAL, "unknown advice 12345 -> EINVAL");
    check_errno(advise(p, PAGE, -1), EINVAL, "advice -1 -> EINVAL");
    check_errno(advise(p, (unsigned long)-1, MADV_NORMAL), EINVAL,
                "a length that rounds past 2^64 -> EINVAL");
    check_errno(advise(p, (unsigned long)-1 - 2 * PAGE, MADV_NORMAL), EINVAL,
                "a range that wraps around -> EINVAL");
    check_eq(advise(p, 1, MADV_DONTNEED), 0, "the length is rounded up to a page (1 byte)");
    check_eq(advise(p, 0, MADV_DONTFORK), 0, "length 0 -> 0");
    check_eq(advise((void *)USER_END, 0, MADV_DONTFORK), 0, "length 0 above user space -> 0");
    munmap(p, 2 * PAGE);
    check_errno(advise(p, PAGE, MADV_NORMAL), ENOMEM, "an unmapped range -> ENOMEM (hint)");
    check_errno(advise(p, PAGE, MADV_DONTNEED), ENOMEM, "an unmapped range -> ENOMEM (DONTNEED)");
    check_errno(advise(p, PAGE, MADV_DONTFORK), ENOMEM, "an unmapped range -> ENOMEM (DONTFORK)");
    check_errno(advise((void *)USER_END, PAGE, MADV_WILLNEED), ENOMEM,
                "a range above user space -> ENOMEM");
}

static void hints(void)
{
    static const struct {
        long advice;
        const char *name;
    } hint[] = {
        { MADV_NORMAL, "NORMAL" },     { MADV_RANDOM, "RANDOM" },     { MADV_SEQUENTIAL, "SEQUENTIAL" },
        { MADV_WILLNEED, "WILLNEED" }, { MADV_COLD, "COLD" },         { MADV_PAGEOUT, "PAGEOUT" },
        { MADV_DONTDUMP, "DONTDUMP" }, { MADV_DODUMP, "DODUMP" },
    };
    char *p = map_anon(3 * PAGE);
    memset(p, 0x42, 3 * PAGE);
    for (size_t i = 0; i < sizeof hint / sizeof hint[0]; i++) {
        long r = advise(p, 3 * PAGE, hint[i].advice);
        check(r == 0 && filled_with(p, 3 * PAGE, 0x42), hint[i].name, "ret %ld, errno %d", r, errno);
    }
    /* A hint over a hole still reports it. */
    munmap(p + PAGE, PAGE);
    check_errno(advise(p, 3 * PAGE, MADV_RANDOM), ENOMEM, "a hint over a hole -> ENOMEM");
    munmap(p, 3 * PAGE);
    char *q = map_anon(PAGE);
    check_errno(advise(q, PAGE, MADV_REMOVE), EINVAL,
                "MADV_REMOVE on private anonymous memory -> EINVAL");
    munmap(q, PAGE);
}

/* ---- DONTNEED, FREE, POPULATE ---- */

static void discard(void)
{
    char *p = map_anon(3 * PAGE);
    memset(p, 9, 3 * PAGE);
    munmap(p + PAGE, PAGE);
    long r = advise(p, 3 * PAGE, MADV_DONTNEED);
    check(r == -1 && errno == ENOMEM && filled_with(p, PAGE, 0) && filled_with(p + 2 * PAGE, PAGE, 0),
          "DONTNEED over a hole: the mapped pages are zeroed, then ENOMEM", "ret %ld, errno %d", r,
          errno);
    munmap(p, 3 * PAGE);

    char *s = map(PAGE, RW, MAP_SHARED | MAP_ANONYMOUS);
    memset(s, 5, PAGE);
    r = advise(s, PAGE, MADV_DONTNEED);
    check(r == 0 && filled_with(s, PAGE, 5), "DONTNEED on shared memory keeps its contents",
          "ret %ld", r);
    check_errno(advise(s, PAGE, MADV_FREE), EINVAL, "MADV_FREE on shared memory -> EINVAL");
    munmap(s, PAGE);

    char *f = map_anon(PAGE);
    memset(f, 6, PAGE);
    r = advise(f, PAGE, MADV_FREE);
    check(r == 0 && (filled_with(f, PAGE, 6) || filled_with(f, PAGE, 0)),
          "MADV_FREE on private memory: the page keeps its data or reads as zeros", "ret %ld", r);
    f[0] = 1;
    check(f[0] == 1, "a page given MADV_FREE can be written again", "lost");
    munmap(f, PAGE);
}

static void populate(void)
{
    char *p = map_anon(4 * PAGE);
    long r = advise(p, 4 * PAGE, MADV_POPULATE_WRITE);
    check(r == 0 && filled_with(p, 4 * PAGE, 0), "POPULATE_WRITE on new memory: zeros",
          "ret %ld, errno %d", r, errno);
    memset(p, 3, 4 * PAGE);
    r = advise(p, 4 * PAGE, MADV_POPULATE_READ);
    check(r == 0 && filled_with(p, 4 * PAGE, 3), "POPULATE_READ keeps the data", "ret %ld", r);
    mprotect(p, PAGE, PROT_READ);
    check_errno(advise(p, 2 * PAGE, MADV_POPULATE_WRITE), EINVAL,
                "POPULATE_WRITE on read-only memory -> EINVAL");
    mprotect(p, PAGE, PROT_NONE);
    check_errno(advise(p, PAGE, MADV_POPULATE_READ), EINVAL,
                "POPULATE_READ on PROT_NONE memory -> EINVAL");
    munmap(p, 4 * PAGE);
    check_errno(advise(p, PAGE, MADV_POPULATE_READ), ENOMEM, "POPULATE_READ unmapped -> ENOMEM");

    char motd[256];
    image_path("/etc/motd", motd, sizeof motd);
    int fd = open(motd, O_RDONLY);
    char *m = (char *)syscall(SYS_mmap, NULL, PAGE, (long)RW, (long)MAP_PRIVATE, (long)fd, 0L);
    close(fd);
    if (check(m != MAP_FAILED, "map /etc/motd private and writable", "errno %d", errno)) {
        r = advise(m, PAGE, MADV_POPULATE_WRITE);
        check(r == 0 && memcmp(m, "hello", 5) == 0,
              "POPULATE_WRITE on a private file mapping keeps the file's bytes", "ret %ld", r);
        munmap(m, PAGE);
    }
}

/* ---- fork advice ---- */

static void dontfork(void)
{
    char *p = map_anon(3 * PAGE);
    memset(p, 'A', PAGE);
    memset(p + PAGE, 'B', PAGE);
    memset(p + 2 * PAGE, 'C', PAGE);
    check_eq(advise(p + PAGE, PAGE, MADV_DONTFORK), 0, "DONTFORK on the middle page");
    int status = run_in_child(read_byte, p + PAGE);
    expect_child(status, killed_by(status, SIGSEGV),
                 "the child has no middle page: reading it -> SIGSEGV");
    status = child_sees(p, PAGE, 'A');
    expect_child(status, exited_with(status, 0), "the child still has the first page");
    status = child_sees(p + 2 * PAGE, PAGE, 'C');
    expect_child(status, exited_with(status, 0), "the child still has the last page");
    check(filled_with(p + PAGE, PAGE, 'B'), "the parent keeps the middle page", "lost");

    check_eq(mprotect(p + PAGE, PAGE, PROT_READ), 0, "mprotect the DONTFORK page");
    status = run_in_child(read_byte, p + PAGE);
    expect_child(status, killed_by(status, SIGSEGV), "mprotect keeps DONTFORK");

    check_eq(advise(p, 3 * PAGE, MADV_DOFORK), 0, "DOFORK on all three pages");
    status = child_sees(p + PAGE, PAGE, 'B');
    expect_child(status, exited_with(status, 0), "after DOFORK the child has the middle page");
    munmap(p, 3 * PAGE);

    /* Across a hole: the mapped parts get the advice, then ENOMEM. */
    char *q = map_anon(3 * PAGE);
    memset(q, 'Q', 3 * PAGE);
    munmap(q + PAGE, PAGE);
    check_errno(advise(q, 3 * PAGE, MADV_DONTFORK), ENOMEM, "DONTFORK over a hole -> ENOMEM");
    status = run_in_child(read_byte, q);
    expect_child(status, killed_by(status, SIGSEGV), "... the page before the hole got DONTFORK");
    status = run_in_child(read_byte, q + 2 * PAGE);
    expect_child(status, killed_by(status, SIGSEGV), "... and the page after it too");
    /* munmap of part of a DONTFORK area leaves the rest DONTFORK. */
    char *r = map_anon(2 * PAGE);
    memset(r, 'R', 2 * PAGE);
    advise(r, 2 * PAGE, MADV_DONTFORK);
    munmap(r, PAGE);
    status = run_in_child(read_byte, r + PAGE);
    expect_child(status, killed_by(status, SIGSEGV), "munmap of part keeps DONTFORK on the rest");
    munmap(q, 3 * PAGE);
    munmap(r + PAGE, PAGE);
}

static void wipeonfork(void)
{
    char *p = map_anon(2 * PAGE);
    memset(p, 0x5a, 2 * PAGE);
    check_eq(advise(p, 2 * PAGE, MADV_WIPEONFORK), 0, "WIPEONFORK on private anonymous memory");
    struct expect e = { p, 2 * PAGE, 0 };
    int status = run_in_child(wipe_twice, &e);
    expect_child(status, exited_with(status, 0),
                 "the child reads zeros, writes, and its own child reads zeros again");
    check(filled_with(p, 2 * PAGE, 0x5a), "the parent keeps its data", "lost");
    check_eq(advise(p, 2 * PAGE, MADV_KEEPONFORK), 0, "KEEPONFORK");
    status = child_sees(p, 2 * PAGE, 0x5a);
    expect_child(status, exited_with(status, 0), "after KEEPONFORK the child sees the data");

    /* Part of an area. */
    char *q = map_anon(3 * PAGE);
    memset(q, 0x11, 3 * PAGE);
    advise(q + PAGE, PAGE, MADV_WIPEONFORK);
    status = child_sees(q + PAGE, PAGE, 0);
    expect_child(status, exited_with(status, 0), "WIPEONFORK on the middle page: zeros there");
    status = child_sees(q, PAGE, 0x11);
    expect_child(status, exited_with(status, 0), "... the page before keeps its data");
    status = child_sees(q + 2 * PAGE, PAGE, 0x11);
    expect_child(status, exited_with(status, 0), "... the page after too");
    check_eq(mprotect(q + PAGE, PAGE, PROT_READ), 0, "mprotect the wiped page read-only");
    status = child_sees(q + PAGE, PAGE, 0);
    expect_child(status, exited_with(status, 0), "mprotect keeps WIPEONFORK");

    /* DONTFORK wins over WIPEONFORK. */
    advise(q + PAGE, PAGE, MADV_DONTFORK);
    status = run_in_child(read_byte, q + PAGE);
    expect_child(status, killed_by(status, SIGSEGV), "DONTFORK and WIPEONFORK: no page at all");
    munmap(q, 3 * PAGE);

    char *s = map(PAGE, RW, MAP_SHARED | MAP_ANONYMOUS);
    check_errno(advise(s, PAGE, MADV_WIPEONFORK), EINVAL, "WIPEONFORK on shared memory -> EINVAL");
    munmap(s, PAGE);
    char motd[256];
    image_path("/etc/motd", motd, sizeof motd);
    int fd = open(motd, O_RDONLY);
    char *m = (char *)syscall(SYS_mmap, NULL, PAGE, (long)PROT_READ, (long)MAP_PRIVATE, (long)fd, 0L);
    close(fd);
    check_errno(advise(m, PAGE, MADV_WIPEONFORK), EINVAL,
                "WIPEONFORK on a private file mapping -> EINVAL");
    munmap(m, PAGE);
    char *ro = map(PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    check_eq(advise(ro, PAGE, MADV_WIPEONFORK), 0, "WIPEONFORK on read-only anonymous memory");
    munmap(ro, PAGE);
}

int main(void)
{
    check_init("t_madvise");
    no_core_dumps();
    arguments();
    hints();
    discard();
    populate();
    dontfork();
    wipeonfork();
    return check_finish();
}
