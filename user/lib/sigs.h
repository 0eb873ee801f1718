/* sigs.h: signal masks as the raw system calls see them (64-bit sets, bit
 * n-1 for signal n), for tests that check the kernel's own view. */
#ifndef MARTEN_SIGS_H
#define MARTEN_SIGS_H

/* The kernel's struct sigevent on x86-64 (timer_create's argument). */
struct ksigevent {
    unsigned long value;
    int signo;
    int notify;
    int tid;
    char pad[44];
};

/* The mask bit of signal `sig`. */
unsigned long bit(int sig);

/* Replaces the blocked mask (rt_sigprocmask SIG_SETMASK). */
void set_mask(unsigned long m);

/* The pending set (rt_sigpending). */
unsigned long pending_set(void);

#endif
