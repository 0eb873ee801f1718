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

#endif
