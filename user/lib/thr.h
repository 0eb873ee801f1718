/* thr.h: starting and joining threads in the tests, with failures reported as checks. */
#ifndef MARTEN_THR_H
#define MARTEN_THR_H

#include <pthread.h>
#include <stdbool.h>

/*
 * pthread_create(t, NULL, fn, arg); a failure is recorded as a failed check
 * named `what` (with the error) and false is returned, so callers skip the
 * checks that need the thread instead of joining garbage.
 */
bool thr_start(pthread_t *t, void *(*fn)(void *), void *arg, const char *what);

/* pthread_join; a failure is a failed check named `what`. Returns the thread's value. */
void *thr_join(pthread_t t, const char *what);

/* Spins (with sched_yield) until *flag is non-zero; an atomic read each time. */
void thr_wait_flag(volatile int *flag);

/* Sets *flag to v with a release store. */
void thr_set_flag(volatile int *flag, int v);

/*
 * A thread made with clone(2) itself, for the flags pthread_create never
 * uses: CLONE_VM | CLONE_THREAD | CLONE_SIGHAND plus `flags` (CLONE_FILES,
 * CLONE_FS, CLONE_SYSVSEM, ...). It runs fn(arg) on a stack of its own and
 * ends when fn returns. It shares the caller's TLS (errno included), so fn
 * must stick to plain system-call wrappers: no stdio, no malloc, no checks.
 */
struct thr_raw {
    volatile int tid; /* set by CLONE_PARENT_SETTID, cleared at its exit */
    void *stack;
};

/* Starts it; a failure is a failed check named `what` and returns false. */
bool thr_raw_start(struct thr_raw *t, int (*fn)(void *), void *arg, int flags, const char *what);

/* Waits until it has exited (its tid word cleared) and frees its stack. */
void thr_raw_join(struct thr_raw *t);

#endif
