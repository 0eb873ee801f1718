/* t_exec.c: execve: the new image's argv, envp and auxiliary vector, its exit
 * status seen by the parent, the old image's memory being gone, and the errors
 * for a missing file, a non-ELF file and bad pointers.
 *
 * Modes: no arguments runs the test; "--child a b c" and "--check-gone ADDR"
 * are the images it execs (their output is relayed and counted). */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define GONE_ADDR 0x100000000000UL /* 16 TiB: far from the program, heap and stack */
#define GONE_TEXT "0x100000000000"

extern const Elf64_Ehdr __ehdr_start; /* the ELF header, placed by the linker */

/* Reads stdin (the path the parent exec'd) up to a newline or EOF. */
static void read_expected_path(char *buf, size_t len)
{
    size_t used = 0;
    while (used < len - 1) {
        long n = read(0, buf + used, 1);
        if (n <= 0 || buf[used] == '\n')
            break;
        used++;
    }
    buf[used] = '\0';
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* The exec'd image: checks what execve gave it, exits 42 when all is right. */
static int child_mode(int argc, char **argv, char **envp)
{
    static const char *want_argv[] = { "t_exec", "--child", "a b", "c" };
    bool args_ok = argc == 4 && argv[4] == NULL;
    for (int i = 0; args_ok && i < 4; i++)
        args_ok = strcmp(argv[i], want_argv[i]) == 0;
    check(args_ok, "child: argc is 4 and argv is exactly t_exec, --child, \"a b\", c",
          "argc %d", argc);
    bool env_ok = envp[0] != NULL && strcmp(envp[0], "FOO=bar") == 0 && envp[1] != NULL &&
                  strcmp(envp[1], "EMPTY=") == 0 && envp[2] == NULL;
    check(env_ok, "child: envp is exactly FOO=bar, EMPTY=", "first is %s",
          envp[0] != NULL ? envp[0] : "(null)");
    check(envp == argv + argc + 1, "child: envp follows argv's NULL on the stack",
          "argv %p, envp %p", (void *)argv, (void *)envp);
    uintptr_t entry_sp = (uintptr_t)argv - 8; /* where argc was at process entry */
    check(entry_sp % 16 == 0, "child: the stack pointer at entry is 16-byte aligned",
          "sp %#lx", (unsigned long)entry_sp);

    check_eq((long)getauxval(AT_PAGESZ), 4096, "child: AT_PAGESZ is 4096");
    const unsigned char *random = (const unsigned char *)getauxval(AT_RANDOM);
    check(random != NULL && !all_zero(random, 16),
          "child: AT_RANDOM points at 16 readable bytes, not all zero", "pointer %p",
          (const void *)random);

    char want_path[256];
    read_expected_path(want_path, sizeof want_path);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    check(execfn != NULL && strcmp(execfn, want_path) == 0,
          "child: AT_EXECFN is the path given to execve", "got %s, want %s",
          execfn != NULL ? execfn : "(null)", want_path);

    const Elf64_Ehdr *eh = &__ehdr_start;
    uintptr_t bias = eh->e_type == ET_DYN ? (uintptr_t)eh : 0;
    uintptr_t want_phdr = (uintptr_t)eh + eh->e_phoff;
    check(getauxval(AT_PHDR) == want_phdr && getauxval(AT_PHNUM) == eh->e_phnum &&
              getauxval(AT_PHENT) == sizeof(Elf64_Phdr),
          "child: AT_PHDR/AT_PHNUM/AT_PHENT describe this program's headers",
          "phdr %#lx (want %#lx), phnum %lu (want %u)", getauxval(AT_PHDR),
          (unsigned long)want_phdr, getauxval(AT_PHNUM), eh->e_phnum);
    check(getauxval(AT_ENTRY) == eh->e_entry + bias, "child: AT_ENTRY is the ELF entry",
          "got %#lx, want %#lx", getauxval(AT_ENTRY),
          (unsigned long)(eh->e_entry + bias));
    return check_status() == 0 ? 42 : 1;
}

static void read_byte(void *p)
{
    volatile char *c = launder(p);
    (void)*c;
}

/* The exec'd image: the page the old image mapped at addr must be gone. */
static int check_gone_mode(const char *addr_text)
{
    no_core_dumps();
    char *addr = (char *)strtoul(addr_text, NULL, 0);
    char text[64];
    int status = run_in_child(read_byte, addr);
    check(killed_by(status, SIGSEGV),
          "after exec: reading the old image's page kills a child with SIGSEGV", "%s",
          status_text(status, text, sizeof text));
    char *p = (char *)syscall(SYS_mmap, addr, PAGE, (long)(PROT_READ | PROT_WRITE),
                              (long)(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE),
                              -1L, 0L);
    check(p == addr && p[0] == 0 && p[PAGE - 1] == 0,
          "after exec: that address is free again and maps as a zero page", "got %p",
          (void *)p);
    return check_status();
}

/* Run in a child: execve with the given arguments, exit with its errno. */
struct exec_args {
    const char *path;
    char *const *argv;
    char *const *envp;
};

static void exec_for_errno(void *p)
{
    const struct exec_args *a = p;
    syscall(SYS_execve, a->path, a->argv, a->envp);
    _exit(errno);
}

static void expect_exec_error(const char *path, char *const *argv, char *const *envp,
                              int want, const char *what)
{
    struct exec_args a = { path, argv, envp };
    char text[64];
    int status = run_in_child(exec_for_errno, &a);
    check(exited_with(status, want), what, "child %s (errno %d wanted)",
          status_text(status, text, sizeof text), want);
}

static void exec_errors(const char *self)
{
    char *argv[] = { "t_exec", "--noop", NULL };
    char *envp[] = { NULL };
    expect_exec_error("/no/such/dir/t_exec", argv, envp, ENOENT,
                      "execve of a missing path -> ENOENT");
    char motd[256];
    image_path("/etc/motd", motd, sizeof motd);
    expect_exec_error(motd, argv, envp, ENOEXEC,
                      "execve of /etc/motd (mode 0755, not ELF) -> ENOEXEC");
    expect_exec_error(self, (char *const *)1, envp, EFAULT,
                      "execve with a bad argv pointer -> EFAULT");
    char *bad_arg[] = { "t_exec", (char *)1, NULL };
    expect_exec_error(self, bad_arg, envp, EFAULT,
                      "execve with a bad pointer inside argv -> EFAULT");
    expect_exec_error(self, argv, (char *const *)1, EFAULT,
                      "execve with a bad envp pointer -> EFAULT");
    expect_exec_error((const char *)1, argv, envp, EFAULT,
                      "execve with a bad path pointer -> EFAULT");
}

static void exec_and_exit_status(const char *self)
{
    char *argv[] = { "t_exec", "--child", "a b", "c", NULL };
    char *envp[] = { "FOO=bar", "EMPTY=", NULL };
    char input[300], text[64];
    snprintf(input, sizeof input, "%s\n", self);
    int status = run_relayed(self, argv, envp, input);
    check(exited_with(status, 42), "fork + exec of --child: the parent sees exit status 42",
          "%s", status_text(status, text, sizeof text));
}

static void old_image_gone(const char *self)
{
    char *p = (char *)syscall(SYS_mmap, GONE_ADDR, PAGE, (long)(PROT_READ | PROT_WRITE),
                              (long)(MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE),
                              -1L, 0L);
    if (!check(p == (char *)GONE_ADDR, "mmap a page at " GONE_TEXT, "got %p, errno %d",
               (void *)p, errno))
        return;
    memset(p, 'G', PAGE);
    char *argv[] = { "t_exec", "--check-gone", GONE_TEXT, NULL };
    char *envp[] = { NULL };
    char text[64];
    int status = run_relayed(self, argv, envp, NULL);
    check(exited_with(status, 0), "exec of --check-gone exits 0", "%s",
          status_text(status, text, sizeof text));
    syscall(SYS_munmap, p, PAGE);
}

int main(int argc, char **argv, char **envp)
{
    if (argc < 1)
        return 99; /* exec'd with an empty argv: never run the test from here */
    if (argc >= 2 && strcmp(argv[1], "--child") == 0)
        return child_mode(argc, argv, envp);
    if (argc == 3 && strcmp(argv[1], "--check-gone") == 0)
        return check_gone_mode(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "--noop") == 0)
        return 0;

    check_init("t_exec");
    no_core_dumps();
    char self[256];
    self_path(argv[0], self, sizeof self);
    exec_and_exit_status(self);
    exec_errors(self);
    old_image_gone(self);
    return check_finish();
}
