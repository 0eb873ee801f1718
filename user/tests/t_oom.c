/* t_oom.c [--max-mb N]: exhausts memory, first with 1 MiB anonymous mmaps
 * (every page touched) until mmap fails with ENOMEM, then with 1 MiB brk
 * steps until brk fails; frees it all and checks fork still works. N caps
 * each phase (default: no cap), so the program can run safely on a host
 * whose kernel overcommits. */
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define MIB (1024UL * 1024UL)

/* Writes one byte in every page, so each page is really backed by memory. */
static void touch(char *p, unsigned long len)
{
    for (unsigned long off = 0; off < len; off += PAGE)
        p[off] = 1;
}

/*
 * Maps chunks until mmap fails or max chunks are held. The chunks form a
 * list: the first word of each holds the previous chunk's address.
 * Returns the number of chunks; *last is the newest (NULL if none).
 */
static unsigned long map_until_full(unsigned long max, char **last, int *err)
{
    unsigned long count = 0;
    char *prev = NULL;
    *err = 0;
    while (count < max) {
        char *p = (char *)syscall(SYS_mmap, 0L, MIB, (long)(PROT_READ | PROT_WRITE),
                                  (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
        if (p == MAP_FAILED) {
            *err = errno;
            break;
        }
        touch(p, MIB);
        *(char **)p = prev;
        prev = p;
        count++;
    }
    *last = prev;
    return count;
}

/* Unmaps the list built by map_until_full; returns how many munmaps failed. */
static unsigned long unmap_all(char *last)
{
    unsigned long failures = 0;
    while (last != NULL) {
        char *prev = *(char **)last;
        if (syscall(SYS_munmap, last, MIB) != 0)
            failures++;
        last = prev;
    }
    return failures;
}

/* Grows brk 1 MiB at a time, touching each step, until it fails or max steps. */
static unsigned long brk_until_full(unsigned long start, unsigned long max)
{
    unsigned long steps = 0;
    while (steps < max) {
        unsigned long want = start + (steps + 1) * MIB;
        if ((unsigned long)syscall(SYS_brk, want) != want)
            break;
        touch((char *)(start + steps * MIB), MIB);
        steps++;
    }
    return steps;
}

static unsigned long parse_max(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--max-mb") == 0)
        return strtoul(argv[2], NULL, 10);
    return ~0UL;
}

int main(int argc, char **argv)
{
    check_init("t_oom");
    unsigned long max = parse_max(argc, argv);
    bool capped = max != ~0UL;

    char *chunks;
    int err;
    unsigned long mapped = map_until_full(max, &chunks, &err);
    if (capped && mapped == max)
        check(true, "mmap reached the --max-mb cap", "-");
    else
        check(err == ENOMEM && mapped > 0, "mmap of 1 MiB chunks ends with ENOMEM",
              "got %lu MiB, then errno %d (%s)", mapped, err, strerror(err));

    unsigned long start = (unsigned long)syscall(SYS_brk, 0L);
    unsigned long grown = brk_until_full(start, max);
    say("t_oom: mmap %lu MiB, brk %lu MiB", mapped, grown);
    check((unsigned long)syscall(SYS_brk, 0L) == start + grown * MIB,
          "brk(0) reports the last successful break", "got %#lx",
          (unsigned long)syscall(SYS_brk, 0L));

    unsigned long failures = unmap_all(chunks);
    unsigned long back = (unsigned long)syscall(SYS_brk, start);
    check(failures == 0 && back == start, "munmap every chunk and shrink brk back",
          "%lu munmaps failed, brk %#lx instead of %#lx", failures, back, start);

    char *again = (char *)syscall(SYS_mmap, 0L, MIB, (long)(PROT_READ | PROT_WRITE),
                                  (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
    if (again != MAP_FAILED) {
        touch(again, MIB);
        syscall(SYS_munmap, again, MIB);
    }
    check(again != MAP_FAILED, "after freeing, a 1 MiB mmap works again", "errno %d",
          errno);
    pid_t pid = fork();
    if (pid == 0)
        _exit(33);
    int status = 0;
    pid_t r = pid > 0 ? wait4(pid, &status, 0, NULL) : -1;
    char text[64];
    check(r == pid && exited_with(status, 33), "after freeing, fork + exit + wait works",
          "fork %d, wait %d, %s", pid, r, status_text(status, text, sizeof text));
    return check_finish();
}
