/* thr.c: thread helpers for the tests (see thr.h). */
#define _GNU_SOURCE
#include "thr.h"

#include "check.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RAW_STACK (64 * 1024)
#define FUTEX_WAIT 0 /* linux/futex.h: no kernel headers with musl-gcc */

bool thr_start(pthread_t *t, void *(*fn)(void *), void *arg, const char *what)
{
    int e = pthread_create(t, NULL, fn, arg);
    if (e != 0) {
        check(false, what, "pthread_create: %s", strerror(e));
        return false;
    }
    return true;
}

void *thr_join(pthread_t t, const char *what)
{
    void *ret = NULL;
    int e = pthread_join(t, &ret);
    if (e != 0)
        check(false, what, "pthread_join: %s", strerror(e));
    return ret;
}

void thr_wait_flag(volatile int *flag)
{
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        sched_yield();
}

void thr_set_flag(volatile int *flag, int v)
{
    __atomic_store_n(flag, v, __ATOMIC_RELEASE);
}

bool thr_raw_start(struct thr_raw *t, int (*fn)(void *), void *arg, int flags, const char *what)
{
    t->tid = 0;
    t->stack = malloc(RAW_STACK);
    if (!t->stack) {
        check(false, what, "no memory for a stack");
        return false;
    }
    int all = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | flags;
    int r = clone(fn, (char *)t->stack + RAW_STACK, all, arg, &t->tid, NULL, &t->tid);
    if (r < 0) {
        check(false, what, "clone: %s", strerror(errno));
        free(t->stack);
        t->stack = NULL;
        return false;
    }
    return true;
}

void thr_raw_join(struct thr_raw *t)
{
    int v;
    while ((v = __atomic_load_n(&t->tid, __ATOMIC_ACQUIRE)) != 0)
        syscall(SYS_futex, &t->tid, FUTEX_WAIT, v, NULL, NULL, 0);
    free(t->stack);
    t->stack = NULL;
}
