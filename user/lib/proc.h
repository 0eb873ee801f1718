/* proc.h: running code in child processes and finding programs to exec. */
#ifndef MARTEN_PROC_H
#define MARTEN_PROC_H

#include <stdbool.h>
#include <stddef.h>

/* Hides a pointer from the optimiser so a deliberate bad access really happens. */
static inline void *launder(void *p)
{
    __asm__ volatile("" : "+r"(p));
    return p;
}

/*
 * Forks; the child runs fn(arg) and then _exit(0). Returns the child's wait
 * status, or -1 (errno set) when fork or wait4 failed.
 */
int run_in_child(void (*fn)(void *arg), void *arg);

/* Describes a wait status ("exited 3", "killed by signal 11") in buf. */
const char *status_text(int status, char *buf, size_t len);

/* True when the status says the child exited normally with this code. */
bool exited_with(int status, int code);

/* True when the status says the child was killed by this signal. */
bool killed_by(int status, int sig);

/* The state letter (R, S, D, T, Z...) in a /proc stat file such as
 * "/proc/PID/stat" or "/proc/self/task/TID/stat"; '?' when it cannot be read. */
char stat_state(const char *path);

/* Sets RLIMIT_CORE to 0 so deliberate crashes leave no core files; errors are ignored. */
void no_core_dumps(void);

/*
 * Runs path with argv and envp in a child whose stdin holds `input` (unless
 * it is NULL) and whose stdout is a pipe. Every line the child prints is
 * echoed and counted with check_count_line(). Returns the child's wait
 * status, or -1 when the child could not be started.
 */
int run_relayed(const char *path, char *const argv[], char *const envp[],
                const char *input);

#endif
