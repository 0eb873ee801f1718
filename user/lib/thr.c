/* thr.c: thread helpers for the tests (see thr.h). */
#include "thr.h"

#include "check.h"

#include <sched.h>
#include <string.h>

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
