/* t_fork.c: process creation and reaping: fork return values, wait4 and
 * waitid statuses, copy-on-write in a fork tree (globals, heap and stack),
 * WNOHANG, ECHILD, waits among many children, vfork, clone(SIGCHLD), deaths by SIGSEGV and SIGKILL, and
 * a pipe between parent and child. */
#include "check.h"
#include "proc.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TREE_DEPTH 3                  /* levels below the root */
#define TREE_NODES 15                 /* 1 + 2 + 4 + 8 */
#define SLOTS (2 * TREE_NODES)        /* per area: a mark and a post-fork mark per node */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void fork_returns(void)
{
    int fds[2];
    pipe(fds);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        pid_t facts[2] = { getpid(), getppid() };
        write(fds[1], facts, sizeof facts);
        _exit(7);
    }
    pid_t facts[2] = { 0, 0 };
    long n = read(fds[0], facts, sizeof facts);
    check(pid > 0 && n == (long)sizeof facts && facts[0] == pid && facts[1] == parent,
          "fork gives the child's pid to the parent; the child's getppid is the parent",
          "fork %d, child says pid %d ppid %d (parent %d)", pid, facts[0], facts[1],
          parent);
    int status = 0;
    pid_t got = wait4(pid, &status, 0, NULL);
    char text[64];
    check(got == pid && exited_with(status, 7), "wait4 returns the pid and WEXITSTATUS 7",
          "got %d, %s", got, status_text(status, text, sizeof text));
    close(fds[0]);
    close(fds[1]);
}

/*
 * The fork tree. Node n (root 0) has children 2n+1 and 2n+2 down to depth 3.
 * In each of three areas (a global, a heap buffer, the root's stack frame) a
 * node sets slot n to n+1 when it starts, and slot TREE_NODES+n once it has
 * forked both children (which wait on a pipe until then). A node must see
 * exactly its ancestors' start marks and its own writes: never its parent's
 * post-fork mark, nor anything written by its siblings or children. A node
 * exits 0 when all is well, else with (first node that saw a wrong value)+1.
 */
static int global_area[SLOTS];

static bool is_ancestor_or_self(int a, int n)
{
    while (n > a)
        n = (n - 1) / 2;
    return n == a;
}

/* True when area holds exactly what node n must see. */
static bool view_is_right(const int *area, int n, bool forked)
{
    for (int k = 0; k < TREE_NODES; k++) {
        int mark = is_ancestor_or_self(k, n) ? k + 1 : 0;
        int post = (k == n && forked) ? k + 1 : 0;
        if (area[k] != mark || area[TREE_NODES + k] != post)
            return false;
    }
    return true;
}

static int tree_node(int n, int depth, int *areas[3]);

/* Forks node c, which first waits for a byte on a pipe; *go gets the pipe's write end. */
static pid_t fork_tree_child(int c, int depth, int *areas[3], int *go)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        if (read(fds[0], &byte, 1) != 1)
            _exit(200);
        _exit(tree_node(c, depth, areas));
    }
    close(fds[0]);
    *go = fds[1];
    return pid;
}

static int tree_node(int n, int depth, int *areas[3])
{
    for (int a = 0; a < 3; a++)
        areas[a][n] = n + 1;
    for (int a = 0; a < 3; a++)
        if (!view_is_right(areas[a], n, false))
            return n + 1;
    if (depth == TREE_DEPTH)
        return 0;
    pid_t kids[2];
    int go[2] = { -1, -1 };
    for (int i = 0; i < 2; i++)
        kids[i] = fork_tree_child(2 * n + 1 + i, depth + 1, areas, &go[i]);
    for (int a = 0; a < 3; a++)
        areas[a][TREE_NODES + n] = n + 1;
    for (int i = 0; i < 2; i++) {
        write(go[i], "g", 1);
        close(go[i]);
    }
    int verdict = 0;
    for (int i = 0; i < 2; i++) {
        int status = 0;
        if (kids[i] < 0 || wait4(kids[i], &status, 0, NULL) != kids[i] ||
            !WIFEXITED(status))
            verdict = verdict ? verdict : 100 + n;
        else if (WEXITSTATUS(status) != 0)
            verdict = verdict ? verdict : WEXITSTATUS(status);
    }
    for (int a = 0; a < 3; a++)
        if (!view_is_right(areas[a], n, true))
            verdict = verdict ? verdict : n + 1;
    return verdict;
}

/* Run in a child, so the test process keeps clean areas: the whole tree. */
static void fork_tree(void *unused)
{
    (void)unused;
    int stack_area[SLOTS];
    int *heap_area = calloc(SLOTS, sizeof(int));
    memset(stack_area, 0, sizeof stack_area);
    if (heap_area == NULL)
        _exit(99);
    int *areas[3] = { global_area, heap_area, stack_area };
    _exit(tree_node(0, 0, areas));
}

static void fork_tree_test(void)
{
    char text[64];
    int status = run_in_child(fork_tree, NULL);
    check(exited_with(status, 0),
          "fork tree (depth 3, width 2): each node sees only its own and its "
          "ancestors' writes in globals, heap and stack",
          "%s (exit n+1 names the node that saw a wrong value)",
          status_text(status, text, sizeof text));
}

static void reap_reverse_order(void)
{
    pid_t pids[4];
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            sleep_ms(10 * (4 - i));
            _exit(10 + i);
        }
    }
    sleep_ms(80);
    int found = 0;
    bool statuses_ok = true;
    for (int round = 0; round < 4; round++) {
        int status = 0;
        pid_t got = wait4(-1, &status, 0, NULL);
        for (int i = 0; i < 4; i++) {
            if (got == pids[i]) {
                found |= 1 << i;
                statuses_ok = statuses_ok && exited_with(status, 10 + i);
            }
        }
    }
    check(found == 0xf && statuses_ok,
          "4 children exiting in reverse order are all reaped by wait4(-1) with their codes",
          "found mask %#x, statuses %s", found, statuses_ok ? "right" : "wrong");
    errno = 0;
    check_errno(wait4(-1, NULL, 0, NULL), ECHILD, "wait4 with no children -> ECHILD");
}

static void waitid_forms(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(21);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    long r = syscall(SYS_waitid, (long)P_PID, (long)pid, &info, (long)WEXITED, NULL);
    check(r == 0 && info.si_pid == pid && info.si_status == 21 &&
              info.si_code == CLD_EXITED && info.si_signo == SIGCHLD,
          "waitid(P_PID) gives si_pid, si_status 21 and CLD_EXITED",
          "ret %ld, pid %d/%d, status %d, code %d", r, info.si_pid, pid, info.si_status,
          info.si_code);

    pid = fork();
    if (pid == 0)
        _exit(22);
    memset(&info, 0, sizeof info);
    r = syscall(SYS_waitid, (long)P_ALL, 0L, &info, (long)WEXITED, NULL);
    check(r == 0 && info.si_pid == pid && info.si_status == 22 &&
              info.si_code == CLD_EXITED,
          "waitid(P_ALL, WEXITED) gives si_pid, si_status 22 and CLD_EXITED",
          "ret %ld, pid %d/%d, status %d, code %d", r, info.si_pid, pid, info.si_status,
          info.si_code);
}

static void wnohang(void)
{
    int fds[2];
    pipe(fds);
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        close(fds[1]);
        read(fds[0], &byte, 1);
        _exit(0);
    }
    close(fds[0]);
    int status = 0;
    pid_t r = wait4(pid, &status, WNOHANG, NULL);
    check_eq(r, 0, "wait4(WNOHANG) on a running child returns 0");
    close(fds[1]);
    r = wait4(pid, &status, 0, NULL);
    check(r == pid && exited_with(status, 0), "that child exits once its pipe closes",
          "wait4 returned %d", r);
}

/* Many live children, and the one wait4 is asked about among them: a
 * wait finds an exited child, a stop and a continue (each reported once)
 * wherever it is, by pid or by -1, and ECHILD comes only when none is
 * left. */
#define MANY 200
static void wait_among_many(void)
{
    int fds[2];
    if (pipe(fds))
        return;
    static pid_t kids[MANY];
    int made = 0;
    for (int i = 0; i < MANY; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            char byte;
            close(fds[1]);
            read(fds[0], &byte, 1);
            _exit(i % 100);
        }
        if (kids[i] > 0)
            made++;
    }
    close(fds[0]);
    check_eq(made, MANY, "200 children waiting on a pipe");
    pid_t one = fork();
    if (one == 0)
        _exit(77);
    int status = 0;
    pid_t got = wait4(-1, &status, 0, NULL);
    check(got == one && exited_with(status, 77), "wait4(-1) finds the one exited child among 200 live ones",
          "got %d (want %d)", got, one);
    check_eq(wait4(kids[MANY / 2], &status, WNOHANG, NULL), 0, "wait4(pid, WNOHANG) on a live child: 0");
    check_eq(wait4(-1, &status, WNOHANG, NULL), 0, "wait4(-1, WNOHANG) with only live children: 0");

    /* A stop and a continue, each reported once. */
    pid_t s = kids[MANY - 3];
    kill(s, SIGSTOP);
    got = wait4(-1, &status, WUNTRACED, NULL);
    check(got == s && WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP, "wait4(-1, WUNTRACED) reports the stop",
          "got %d (want %d), status %#x", got, s, status);
    check_eq(wait4(-1, &status, WUNTRACED | WNOHANG, NULL), 0, "the stop is reported once");
    kill(s, SIGCONT);
    got = wait4(s, &status, WCONTINUED, NULL);
    check(got == s && WIFCONTINUED(status), "wait4(pid, WCONTINUED) reports the continue", "got %d, status %#x",
          got, status);
    check_eq(wait4(-1, &status, WCONTINUED | WNOHANG, NULL), 0, "the continue is reported once");

    /* All exit; each is reaped once, some by pid, the rest by -1. */
    close(fds[1]);
    int reaped = 0, right = 0;
    for (int i = 0; i < MANY; i += 7) {
        if (wait4(kids[i], &status, 0, NULL) == kids[i]) {
            reaped++;
            right += exited_with(status, i % 100);
            kids[i] = 0;
        }
    }
    while ((got = wait4(-1, &status, 0, NULL)) > 0) {
        for (int i = 0; i < MANY; i++) {
            if (kids[i] == got) {
                reaped++;
                right += exited_with(status, i % 100);
                kids[i] = 0;
            }
        }
    }
    check(reaped == MANY && right == MANY && errno == ECHILD, "every child is reaped once, with its own status",
          "reaped %d, right %d, errno %d", reaped, right, errno);
}

static volatile int vfork_value;

static void vfork_test(void)
{
    vfork_value = 1;
    pid_t pid = vfork();
    if (pid == 0) {
        struct timespec ts = { 0, 20000000L };
        syscall(SYS_nanosleep, &ts, NULL);
        vfork_value = 2;
        _exit(5);
    }
    int seen = vfork_value; /* the parent runs only after the child's _exit */
    int status = 0;
    pid_t r = wait4(pid, &status, 0, NULL);
    char text[64];
    check(pid > 0 && seen == 2 && r == pid && exited_with(status, 5),
          "vfork: the parent resumes after the child's _exit and sees its write",
          "pid %d, saw %d, wait %d, %s", pid, seen, r,
          status_text(status, text, sizeof text));
}

static int clone_value;

static void clone_test(void)
{
    clone_value = 1;
    long pid = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
    if (pid == 0) {
        clone_value = 2;
        _exit(clone_value == 2 ? 9 : 8);
    }
    int status = 0;
    pid_t r = wait4((pid_t)pid, &status, 0, NULL);
    char text[64];
    check(pid > 0 && r == pid && exited_with(status, 9) && clone_value == 1,
          "clone(SIGCHLD) acts like fork: own memory, reaped by wait4",
          "pid %ld, wait %d, %s, value %d", pid, r, status_text(status, text, sizeof text),
          clone_value);
}

static void null_write(void *unused)
{
    (void)unused;
    volatile int *p = launder(NULL);
    *p = 1;
}

static void deaths(void)
{
    char text[64];
    int status = run_in_child(null_write, NULL);
    check(killed_by(status, SIGSEGV), "a child writing to NULL is reported as killed by SIGSEGV",
          "%s", status_text(status, text, sizeof text));

    int ready[2], never[2];
    pipe(ready);
    pipe(never);
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        write(ready[1], "r", 1);
        read(never[0], &byte, 1); /* nobody writes: blocks until killed */
        _exit(0);
    }
    char byte = 0;
    read(ready[0], &byte, 1);
    sleep_ms(20);
    long k = syscall(SYS_kill, (long)pid, (long)SIGKILL);
    status = 0;
    pid_t r = wait4(pid, &status, 0, NULL);
    check(k == 0 && r == pid && killed_by(status, SIGKILL),
          "kill(SIGKILL) of a child blocked in read() on a pipe: WTERMSIG SIGKILL",
          "kill %ld, wait %d, %s", k, r, status_text(status, text, sizeof text));
    close(ready[0]);
    close(ready[1]);
    close(never[0]);
    close(never[1]);
}

static void pipe_to_parent(void)
{
    static const char msg[] = "bytes from the child";
    int fds[2];
    if (!check(pipe(fds) == 0, "pipe", "errno %d", errno))
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        write(fds[1], msg, 10);
        sleep_ms(10);
        write(fds[1], msg + 10, sizeof msg - 1 - 10);
        _exit(0);
    }
    close(fds[1]);
    char buf[64];
    size_t got = 0;
    long n;
    while ((n = read(fds[0], buf + got, sizeof buf - got)) > 0)
        got += (size_t)n;
    check(got == sizeof msg - 1 && memcmp(buf, msg, got) == 0,
          "pipe: the child's bytes reach the parent in order", "got %zu bytes", got);
    check_eq(n, 0, "pipe: read returns 0 (EOF) once the child has exited");
    close(fds[0]);
    wait4(pid, NULL, 0, NULL);
}

int main(void)
{
    check_init("t_fork");
    no_core_dumps();
    fork_returns();
    fork_tree_test();
    reap_reverse_order();
    waitid_forms();
    wnohang();
    wait_among_many();
    vfork_test();
    clone_test();
    deaths();
    pipe_to_parent();
    return check_finish();
}
