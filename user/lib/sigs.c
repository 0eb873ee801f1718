/* sigs.c: see sigs.h. */
#include "sigs.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

unsigned long bit(int sig)
{
    return 1UL << (sig - 1);
}

void set_mask(unsigned long m)
{
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, 8);
}

unsigned long pending_set(void)
{
    unsigned long p = 0;
    syscall(SYS_rt_sigpending, &p, 8);
    return p;
}
