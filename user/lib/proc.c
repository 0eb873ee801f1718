/* proc.c: child-process helpers: run in a child, describe statuses, relay output. */
#include "proc.h"

#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int run_in_child(void (*fn)(void *arg), void *arg)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int status;
    if (wait4(pid, &status, 0, NULL) != pid)
        return -1;
    return status;
}

const char *status_text(int status, char *buf, size_t len)
{
    if (status == -1)
        snprintf(buf, len, "fork/wait failed: %s", strerror(errno));
    else if (WIFEXITED(status))
        snprintf(buf, len, "exited %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(buf, len, "odd status %#x", (unsigned)status);
    return buf;
}

bool exited_with(int status, int code)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

bool killed_by(int status, int sig)
{
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

void no_core_dumps(void)
{
    struct rlimit none = { 0, 0 };
    (void)setrlimit(RLIMIT_CORE, &none);
}

/* Child side of run_relayed: wires up fds 0 and 1, then execs. */
static void exec_with_pipes(const char *path, char *const argv[], char *const envp[],
                            int in_fd, int out_fd)
{
    if (in_fd >= 0) {
        dup2(in_fd, 0);
        close(in_fd);
    }
    dup2(out_fd, 1);
    close(out_fd);
    execve(path, argv, envp);
    say("not ok - exec %s: %s", path, strerror(errno));
    _exit(127);
}

/* Reads the child's output to EOF, echoing and counting each complete line. */
static void relay_lines(int fd)
{
    char line[512];
    size_t used = 0;
    for (;;) {
        char chunk[256];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (chunk[i] == '\n' || used == sizeof line - 1) {
                line[used] = '\0';
                say("%s", line);
                check_count_line(line);
                used = 0;
                if (chunk[i] == '\n')
                    continue;
            }
            line[used++] = chunk[i];
        }
    }
    if (used > 0) {
        line[used] = '\0';
        say("%s", line);
        check_count_line(line);
    }
}

int run_relayed(const char *path, char *const argv[], char *const envp[],
                const char *input)
{
    int out[2], in[2] = { -1, -1 };
    if (pipe(out) != 0)
        return -1;
    if (input != NULL) {
        size_t len = strlen(input);
        if (pipe(in) != 0 || write(in[1], input, len) != (ssize_t)len)
            return -1;
        close(in[1]);
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(out[0]);
        exec_with_pipes(path, argv, envp, in[0], out[1]);
    }
    close(out[1]);
    if (in[0] >= 0)
        close(in[0]);
    relay_lines(out[0]);
    close(out[0]);
    int status;
    if (wait4(pid, &status, 0, NULL) != pid)
        return -1;
    return status;
}

char stat_state(const char *path)
{
    char buf[512];
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return '?';
    buf[n] = 0;
    /* The name in parentheses may hold spaces: the state follows the last ')'. */
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}
