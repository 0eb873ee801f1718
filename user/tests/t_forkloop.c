/* t_forkloop.c [N]: N rounds of fork, child _exit(i & 0xff), and wait4
 * checking the pid and the exit code (default N = 1000). */
#include "check.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    check_init("t_forkloop");
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long done = 0;
    char text[64] = "";
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit((int)(i & 0xff));
        int status = 0;
        pid_t r = pid > 0 ? wait4(pid, &status, 0, NULL) : -1;
        if (r != pid || !exited_with(status, (int)(i & 0xff))) {
            snprintf(text, sizeof text, "round %ld: fork %d, wait %d, status %#x", i, pid,
                     r, (unsigned)status);
            break;
        }
        done++;
    }
    char what[64];
    snprintf(what, sizeof what, "%ld of %ld fork/exit/wait rounds", done, n);
    check(done == n, what, "%s", text);
    return check_finish();
}
