/* t_mm.c: memory management: brk, anonymous mmap (hints, MAP_FIXED,
 * MAP_FIXED_NOREPLACE, shared and private), munmap and mprotect of part of a
 * mapping (faults checked in children), madvise(MADV_DONTNEED), demand paging
 * of a large sparse mapping, and the errors for bad arguments. */
#include "check.h"
#include "mem.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define MIB (1024UL * 1024UL)
#define RW (PROT_READ | PROT_WRITE)

/* Raw mmap, so libc cannot check or adjust the arguments; MAP_FAILED on error. */
static char *map(void *addr, unsigned long len, long prot, long flags)
{
    return (char *)syscall(SYS_mmap, addr, len, prot, flags, -1L, 0L);
}

static char *map_anon(unsigned long len)
{
    return map(NULL, len, RW, MAP_PRIVATE | MAP_ANONYMOUS);
}

/* Run in a child: reads one byte. */
static void read_byte(void *p)
{
    volatile char *c = launder(p);
    (void)*c;
}

/* Run in a child: writes one byte. */
static void write_byte(void *p)
{
    volatile char *c = launder(p);
    *c = 1;
}

/* Checks that touching p in a child kills it with SIGSEGV. */
static void expect_segv(void (*touch)(void *), void *p, const char *what)
{
    char text[64];
    int status = run_in_child(touch, p);
    check(killed_by(status, SIGSEGV), what, "child %s",
          status_text(status, text, sizeof text));
}

static void brk_grow_and_shrink(void)
{
    unsigned long start = (unsigned long)syscall(SYS_brk, 0L);
    check(start != 0 && start == (unsigned long)syscall(SYS_brk, 0L),
          "brk(0) reports a stable break", "got %#lx", start);
    unsigned long grown = (unsigned long)syscall(SYS_brk, start + MIB);
    if (!check(grown == start + MIB, "brk grows by 1 MiB", "asked %#lx, got %#lx",
               start + MIB, grown))
        return;
    char *heap = (char *)start;
    check(filled_with(heap, MIB, 0), "new brk memory reads as zero", "not zero");
    memset(heap, 0x5a, MIB);
    check(filled_with(heap, MIB, 0x5a), "the whole 1 MiB brk range is writable",
          "pattern lost");
    unsigned long shrunk = (unsigned long)syscall(SYS_brk, start);
    check(shrunk == start && (unsigned long)syscall(SYS_brk, 0L) == start,
          "brk shrinks back and brk(0) reports it", "shrink gave %#lx", shrunk);
    unsigned long again = (unsigned long)syscall(SYS_brk, start + MIB);
    unsigned long first_page = (start + PAGE - 1) & ~(PAGE - 1);
    check(again == start + MIB && filled_with((char *)first_page, PAGE, 0),
          "brk regrown after a shrink reads as zero", "got %#lx", again);
    syscall(SYS_brk, start);
}

static void anonymous_private(void)
{
    char *p = map_anon(4 * PAGE);
    if (!check(p != MAP_FAILED, "mmap 4 anonymous private pages", "errno %d", errno))
        return;
    bool zero = filled_with(p, 4 * PAGE, 0);
    for (unsigned long i = 0; i < 4 * PAGE; i++)
        p[i] = (char)(i * 7 + 3);
    bool kept = true;
    for (unsigned long i = 0; i < 4 * PAGE; i++)
        kept = kept && p[i] == (char)(i * 7 + 3);
    check(zero && kept, "anonymous pages start zeroed and keep what is written",
          "zero %d, kept %d", zero, kept);
    check_eq(syscall(SYS_munmap, p, 4 * PAGE), 0, "munmap the 4 pages");
}

static void hint_and_fixed(void)
{
    char *probe = map_anon(PAGE);
    syscall(SYS_munmap, probe, PAGE);
    char *hinted = map(probe, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
    check(hinted == probe, "mmap with a free hint address returns exactly it",
          "hint %p, got %p", (void *)probe, (void *)hinted);
    syscall(SYS_munmap, hinted, PAGE);

    char *p = map_anon(2 * PAGE);
    memset(p, 0xaa, 2 * PAGE);
    char *q = map(p + PAGE, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
    check(q == p + PAGE && filled_with(q, PAGE, 0) && filled_with(p, PAGE, (char)0xaa),
          "MAP_FIXED over a mapping replaces it with zeroes, leaving its neighbour",
          "got %p for %p", (void *)q, (void *)(p + PAGE));
    errno = 0;
    char *r = map(p, PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
    check(r == MAP_FAILED && errno == EEXIST && filled_with(p, PAGE, (char)0xaa),
          "MAP_FIXED_NOREPLACE over a mapping -> EEXIST, contents kept",
          "got %p, errno %d", (void *)r, errno);
    syscall(SYS_munmap, p, 2 * PAGE);
}

static void unmap_middle(void)
{
    char *p = map_anon(3 * PAGE);
    memset(p, 1, 3 * PAGE);
    long r = syscall(SYS_munmap, p + PAGE, PAGE);
    p[0] = 2;
    p[3 * PAGE - 1] = 3;
    check(r == 0 && p[0] == 2 && p[3 * PAGE - 1] == 3 && p[PAGE - 1] == 1 &&
              p[2 * PAGE] == 1,
          "munmap of the middle page keeps the outer pages usable", "ret %ld", r);
    expect_segv(read_byte, p + PAGE, "reading the unmapped middle page: SIGSEGV");
    syscall(SYS_munmap, p, 3 * PAGE);
}

static void protect_middle(void)
{
    char *p = map_anon(3 * PAGE);
    memset(p, 4, 3 * PAGE);
    long r = syscall(SYS_mprotect, p + PAGE, PAGE, (long)PROT_READ);
    p[0] = 5;
    p[2 * PAGE] = 6;
    check(r == 0 && p[0] == 5 && p[2 * PAGE] == 6 && p[PAGE] == 4,
          "mprotect(PROT_READ) of the middle page: outer pages writable, middle readable",
          "ret %ld", r);
    expect_segv(write_byte, p + PAGE, "writing the read-only middle page: SIGSEGV");
    r = syscall(SYS_mprotect, p + PAGE, PAGE, (long)RW);
    p[PAGE] = 7;
    check(r == 0 && p[PAGE] == 7, "mprotect back to read-write: writable again",
          "ret %ld", r);
    syscall(SYS_munmap, p, 3 * PAGE);
}

/* Run in a child: writes a marker into the shared and the private page. */
static void child_writes(void *pages)
{
    char **two = pages;
    two[0][0] = 'S';
    two[1][0] = 'P';
}

static void shared_and_private(void)
{
    char *shared = map(NULL, PAGE, RW, MAP_SHARED | MAP_ANONYMOUS);
    char *private = map_anon(PAGE);
    if (!check(shared != MAP_FAILED && private != MAP_FAILED,
               "mmap a shared and a private anonymous page", "errno %d", errno))
        return;
    shared[0] = 's';
    private[0] = 'p';
    char *pages[2] = { shared, private };
    char text[64];
    int status = run_in_child(child_writes, pages);
    check(exited_with(status, 0) && shared[0] == 'S',
          "MAP_SHARED|MAP_ANONYMOUS: the child's write is seen by the parent",
          "child %s, parent sees '%c'", status_text(status, text, sizeof text),
          shared[0]);
    check(private[0] == 'p', "MAP_PRIVATE: the child's write is not seen by the parent",
          "parent sees '%c'", private[0]);
    syscall(SYS_munmap, shared, PAGE);
    syscall(SYS_munmap, private, PAGE);
}

/* Run in a child: writes a marker into a page nobody touched before. */
static void child_writes_first(void *page)
{
    ((char *)page)[100] = 'C';
}

/* A shared anonymous page first touched after fork is still shared (it
 * is a shmem file's page, as on Linux; it used to be two private pages). */
static void shared_untouched_before_fork(void)
{
    int zero = open("/dev/zero", O_RDWR);
    char *areas[2] = {
        map(NULL, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS),
        zero >= 0 ? mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0) : MAP_FAILED,
    };
    const char *what[2] = { "MAP_SHARED|MAP_ANONYMOUS", "MAP_SHARED of /dev/zero" };
    for (int i = 0; i < 2; i++) {
        char *a = areas[i];
        if (!check(a != MAP_FAILED, what[i], "errno %d", errno))
            continue;
        char text[64];
        int status = run_in_child(child_writes_first, a);
        check(exited_with(status, 0) && a[100] == 'C',
              "a shared page the parent never touched: the child's write is seen",
              "%s: child %s, parent sees %d", what[i], status_text(status, text, sizeof text), a[100]);
        /* And the other way: the parent writes, a second child sees it. */
        a[200] = 'P';
        pid_t c = fork();
        if (c == 0)
            _exit(a[200] == 'P' && a[100] == 'C' ? 0 : 1);
        int st = 0;
        waitpid(c, &st, 0);
        check(exited_with(st, 0), "a later child sees the page as it is", "%s: status %d", what[i], st);
        syscall(SYS_munmap, a, i == 0 ? 2 * PAGE : PAGE);
    }
    if (zero >= 0)
        close(zero);
}

static void dontneed(void)
{
    char *p = map_anon(2 * PAGE);
    memset(p, 9, 2 * PAGE);
    long r = syscall(SYS_madvise, p, 2 * PAGE, (long)MADV_DONTNEED);
    check(r == 0 && filled_with(p, 2 * PAGE, 0),
          "madvise(MADV_DONTNEED) makes private anonymous memory read as zero",
          "ret %ld", r);
    syscall(SYS_munmap, p, 2 * PAGE);
}

static void error_paths(void)
{
    char *p = map_anon(PAGE);
    check_errno(syscall(SYS_munmap, p, 0L), EINVAL, "munmap of length 0 -> EINVAL");
    check_errno(syscall(SYS_munmap, p + 1, PAGE), EINVAL,
                "munmap of an unaligned address -> EINVAL");
    syscall(SYS_munmap, p, PAGE);
    check_errno(syscall(SYS_mprotect, p, PAGE, (long)PROT_READ), ENOMEM,
                "mprotect of an unmapped range -> ENOMEM");
    check_errno((long)map(NULL, 0, RW, MAP_PRIVATE | MAP_ANONYMOUS), EINVAL,
                "mmap of length 0 -> EINVAL");
    check_errno((long)map(NULL, PAGE, RW, MAP_ANONYMOUS), EINVAL,
                "mmap with neither MAP_PRIVATE nor MAP_SHARED -> EINVAL");
}

static void low_32bit(void)
{
    /* MAP_32BIT: the mapping lies in the first 2 GiB, and it works. */
    char *p = map(NULL, 8192, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT);
    check(p != MAP_FAILED && (unsigned long)p + 8192 <= 0x80000000UL, "MAP_32BIT maps below 2 GiB", "got %p", p);
    if (p != MAP_FAILED) {
        p[0] = 1;
        p[8191] = 2;
        check(p[0] + p[8191] == 3, "and the memory works", "read back %d", p[0] + p[8191]);
        munmap(p, 8192);
    }
}

static void sparse(void)
{
    unsigned long len = 256 * MIB;
    char *p = map_anon(len);
    if (!check(p != MAP_FAILED, "mmap a 256 MiB sparse mapping", "errno %d", errno))
        return;
    unsigned long offsets[3] = { 0, len / 2 + 123, len - 1 };
    for (int i = 0; i < 3; i++)
        p[offsets[i]] = (char)(i + 1);
    bool ok = true;
    for (int i = 0; i < 3; i++)
        ok = ok && p[offsets[i]] == (char)(i + 1);
    check(ok && p[PAGE] == 0, "touching 3 pages of it works (demand paging)",
          "values lost");
    check_eq(syscall(SYS_munmap, p, len), 0, "munmap the 256 MiB mapping");
}

int main(void)
{
    check_init("t_mm");
    no_core_dumps();
    brk_grow_and_shrink();
    anonymous_private();
    hint_and_fixed();
    unmap_middle();
    protect_middle();
    shared_and_private();
    shared_untouched_before_fork();
    dontneed();
    error_paths();
    sparse();
    low_32bit();
    return check_finish();
}
