/* t_execloop.c [N]: N rounds of fork, exec of this program with --noop
 * (which exits 0 at once), and wait4 checking the status (default N = 100). */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--noop") == 0)
        return 0;
    check_init("t_execloop");
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100;
    char self[256];
    self_path(argv[0], self, sizeof self);
    long done = 0;
    char text[128] = "";
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char *child_argv[] = { "t_execloop", "--noop", NULL };
            char *envp[] = { NULL };
            execve(self, child_argv, envp);
            _exit(127);
        }
        int status = 0;
        pid_t r = pid > 0 ? wait4(pid, &status, 0, NULL) : -1;
        if (r != pid || !exited_with(status, 0)) {
            char how[64];
            snprintf(text, sizeof text, "round %ld: fork %d, wait %d, %s", i, pid, r,
                     status_text(status, how, sizeof how));
            break;
        }
        done++;
    }
    char what[64];
    snprintf(what, sizeof what, "%ld of %ld fork/exec/wait rounds", done, n);
    check(done == n, what, "%s", text);
    return check_finish();
}
