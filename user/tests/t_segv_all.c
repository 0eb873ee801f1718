/* t_segv_all.c: runs `t_segv MODE` for every mode in a child and checks that
 * each one is killed by SIGSEGV (bad kernel, null, read-only and
 * non-executable accesses). */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const modes[] = {
    "kernel-read", "kernel-write", "null", "exec-stack",
    "exec-heap",   "exec-data",    "ro-write",
};

int main(int argc, char **argv)
{
    (void)argc;
    check_init("t_segv_all");
    char path[256];
    sibling_path(argv[0], "t_segv", path, sizeof path);
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            char *child_argv[] = { "t_segv", (char *)modes[i], NULL };
            char *envp[] = { NULL };
            execve(path, child_argv, envp);
            say("not ok - exec %s: %s", path, strerror(errno));
            _exit(127);
        }
        int status = -1;
        if (pid > 0 && wait4(pid, &status, 0, NULL) != pid)
            status = -1;
        char what[64], text[64];
        snprintf(what, sizeof what, "t_segv %s dies with SIGSEGV", modes[i]);
        check(killed_by(status, SIGSEGV), what, "%s",
              status_text(status, text, sizeof text));
    }
    return check_finish();
}
