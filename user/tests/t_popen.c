/* t_popen.c: the libc calls that run a shell and wait for it: popen and
 * pclose in both directions, system, and how they live with a SIGCHLD
 * handler (the handler runs, the status still reaches pclose or system)
 * and with SIGCHLD ignored (no zombie: pclose finds no child). They need
 * fork or vfork-style clone, exec, pipes, SIGCHLD and waitpid to agree.
 * Every check also holds on Linux. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld_hits;

static void on_chld(int sig)
{
    (void)sig;
    chld_hits++;
}

static void set_chld(void (*h)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = h;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
}

/* popen(cmd, "r"): the first line of its output, and pclose's status. */
static int read_from(const char *cmd, char *line, size_t size)
{
    line[0] = 0;
    FILE *f = popen(cmd, "r");
    if (!f)
        return -2;
    if (!fgets(line, (int)size, f))
        line[0] = 0;
    return pclose(f);
}

static void popen_read(void)
{
    char line[64];
    int st = read_from("echo hello-$((6*7))", line, sizeof line);
    check(strcmp(line, "hello-42\n") == 0, "popen \"r\" reads the command's output", "got \"%s\"", line);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pclose: exit status 0", "status %#x", st);
    st = read_from("echo partial; exit 3", line, sizeof line);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 3, "pclose: exit status 3", "status %#x", st);
    st = read_from("kill -TERM $$", line, sizeof line);
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "pclose: killed by SIGTERM", "status %#x", st);
}

static void popen_write(void)
{
    char path[] = "/tmp/t_popen.XXXXXX";
    int fd = mkstemp(path);
    if (!check(fd >= 0, "mkstemp", "errno %d", errno))
        return;
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "read a b; echo \"$b $a\" > %s", path);
    FILE *f = popen(cmd, "w");
    if (!check(f != NULL, "popen \"w\"", "errno %d", errno))
        return;
    fputs("world hello\n", f);
    int st = pclose(f);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pclose of a writer: exit status 0", "status %#x", st);
    char got[64] = {0};
    fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, got, sizeof got - 1) : -1;
    if (fd >= 0)
        close(fd);
    unlink(path);
    check(n > 0 && strcmp(got, "hello world\n") == 0, "the command read what was written", "got \"%s\"", got);
}

static void system_status(void)
{
    int st = system("exit 7");
    check(WIFEXITED(st) && WEXITSTATUS(st) == 7, "system: exit status 7", "status %#x", st);
    st = system("kill -KILL $$");
    check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "system: killed by SIGKILL", "status %#x", st);
    check(system(NULL) != 0, "system(NULL): a shell is there", "returned 0");
}

static void with_handler(void)
{
    chld_hits = 0;
    set_chld(on_chld);
    char line[64];
    int st = read_from("echo handled; exit 4", line, sizeof line);
    check(strcmp(line, "handled\n") == 0, "popen with a SIGCHLD handler reads the output", "got \"%s\"", line);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 4, "pclose still gets the status (the handler does not reap)",
          "status %#x", st);
    check(chld_hits >= 1, "the SIGCHLD handler ran for the popen child", "hits %d", (int)chld_hits);
    /* system blocks SIGCHLD while it waits: the signal stays pending and
     * is delivered when system restores the mask, before it returns. */
    chld_hits = 0;
    st = system("exit 5");
    check(WIFEXITED(st) && WEXITSTATUS(st) == 5, "system with a SIGCHLD handler: exit status 5", "status %#x", st);
    check_eq(chld_hits, 1, "the handler ran once, after system's wait");
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    check(!sigismember(&now, SIGCHLD), "system restored the signal mask", "SIGCHLD still blocked");
    set_chld(SIG_DFL);
}

static void with_ignored(void)
{
    /* SIGCHLD ignored: children are reaped at exit, so pclose's waitpid
     * finds none (ECHILD) once the child is gone. */
    set_chld(SIG_IGN);
    FILE *f = popen("echo gone", "r");
    if (check(f != NULL, "popen with SIGCHLD ignored", "errno %d", errno)) {
        char line[64] = {0};
        if (!fgets(line, sizeof line, f))
            line[0] = 0;
        check(strcmp(line, "gone\n") == 0, "it still reads the output", "got \"%s\"", line);
        errno = 0;
        int st = pclose(f);
        check(st == -1 && errno == ECHILD, "pclose: -1 ECHILD (no zombie to wait for)", "returned %d errno %d", st,
              errno);
    }
    set_chld(SIG_DFL);
}

int main(void)
{
    check_init("t_popen");
    popen_read();
    popen_write();
    system_status();
    with_handler();
    with_ignored();
    return check_finish();
}
