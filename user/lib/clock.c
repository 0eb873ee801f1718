/* clock.c: monotonic time through syscall(SYS_clock_gettime), bypassing the vDSO. */
#include "clock.h"

#include <sys/syscall.h>
#include <unistd.h>

long raw_clock_gettime(clockid_t clock, struct timespec *ts)
{
    return syscall(SYS_clock_gettime, clock, ts);
}

long long mono_ns(void)
{
    struct timespec ts;
    if (raw_clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long ts_diff_ns(const struct timespec *a, const struct timespec *b)
{
    return (long long)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}
