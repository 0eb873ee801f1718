/* t_segv.c MODE: makes exactly one bad memory access, which must kill it with
 * SIGSEGV. Surviving prints "survived MODE" and exits 0; t_segv_all runs
 * every mode and checks the deaths. */
#include "check.h"
#include "proc.h"

#include <stdlib.h>
#include <string.h>

#define KERNEL_ADDR 0xffffffff80000000UL
#define RET 0xc3 /* x86 near return */

typedef void (*code_fn)(void);

static unsigned char data_code[16] = { 1 }; /* initialised: lives in .data */

/* Copies a `ret` into buf and calls it; buf is not executable, so this faults. */
static void call_copy_of_ret(unsigned char *buf)
{
    buf[0] = RET;
    code_fn fn = (code_fn)launder(buf);
    fn();
}

static void kernel_read(void)
{
    volatile char *p = launder((void *)KERNEL_ADDR);
    (void)*p;
}

static void kernel_write(void)
{
    volatile char *p = launder((void *)KERNEL_ADDR);
    *p = 1;
}

static void null_write(void)
{
    volatile int *p = launder(NULL);
    *p = 1;
}

static void exec_stack(void)
{
    unsigned char buf[16];
    call_copy_of_ret(buf);
}

static void exec_heap(void)
{
    unsigned char *buf = malloc(16);
    if (buf != NULL)
        call_copy_of_ret(buf);
}

static void exec_data(void)
{
    call_copy_of_ret(data_code);
}

static void ro_write(void)
{
    volatile char *p = launder((void *)"a string literal in .rodata");
    p[0] = 'A';
}

static const struct {
    const char *name;
    void (*run)(void);
} modes[] = {
    { "kernel-read", kernel_read }, { "kernel-write", kernel_write },
    { "null", null_write },         { "exec-stack", exec_stack },
    { "exec-heap", exec_heap },     { "exec-data", exec_data },
    { "ro-write", ro_write },
};

int main(int argc, char **argv)
{
    if (argc == 2) {
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            if (strcmp(argv[1], modes[i].name) == 0) {
                no_core_dumps();
                modes[i].run();
                say("survived %s", argv[1]);
                return 0;
            }
        }
    }
    say("usage: t_segv kernel-read|kernel-write|null|exec-stack|exec-heap|exec-data|ro-write");
    return 2;
}
