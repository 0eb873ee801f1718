/* clock.h: reading the clocks through the raw system call (never the vDSO). */
#ifndef MARTEN_CLOCK_H
#define MARTEN_CLOCK_H

#include <time.h>

/* clock_gettime(clock) as a raw system call; returns 0 or -1 with errno. */
long raw_clock_gettime(clockid_t clock, struct timespec *ts);

/* Nanoseconds on CLOCK_MONOTONIC, or -1 when the clock cannot be read. */
long long mono_ns(void);

/* Nanoseconds from a to b. */
long long ts_diff_ns(const struct timespec *a, const struct timespec *b);

#endif
