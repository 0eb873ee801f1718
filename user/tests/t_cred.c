/* t_cred.c: credentials as root: setresuid/getresuid round trips, dropping
 * privileges for good (EPERM on every way back), the saved-uid rules of
 * setuid and setreuid, the gid twins, setgroups/getgroups, setfsuid and
 * setfsgid returning the old value, fork inheriting everything, execve
 * keeping the ids (saved := effective) and set-user-ID / set-group-ID
 * programs (and a set-user-ID script, whose bit is ignored); who may kill(2)
 * whom, and prlimit(2)/setrlimit(2)'s privilege rules.
 *
 * Each case runs as its own process (this program exec'd with "--case
 * NAME"), so the test's own process stays root; their lines are relayed and
 * counted. "--ids=R,E,S,RG,EG,SG,SECURE" is the image a case execs: it checks
 * it runs with those ids and that AT_SECURE is SECURE. All calls are raw
 * system calls, so the C library adds nothing. Needs root (on Linux too). */
#include "check.h"
#include "paths.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEEP (-1L) /* (uid_t)-1: leave unchanged */

static const char *self;
static char tmp_plain[128], tmp_suid[128], tmp_script[128];

static long sys_setresuid(long r, long e, long s) { return syscall(SYS_setresuid, r, e, s); }
static long sys_setresgid(long r, long e, long s) { return syscall(SYS_setresgid, r, e, s); }
static long sys_setfsuid(long id) { return syscall(SYS_setfsuid, id); }
static long sys_setfsgid(long id) { return syscall(SYS_setfsgid, id); }

/* Checks getresuid against r, e, s. */
static void want_uids(unsigned r, unsigned e, unsigned s, const char *what)
{
    unsigned gr = 99, ge = 99, gs = 99;
    long rc = syscall(SYS_getresuid, &gr, &ge, &gs);
    check(rc == 0 && gr == r && ge == e && gs == s, what,
          "rc %ld, got (%u, %u, %u), want (%u, %u, %u)", rc, gr, ge, gs, r, e, s);
}

static void want_gids(unsigned r, unsigned e, unsigned s, const char *what)
{
    unsigned gr = 99, ge = 99, gs = 99;
    long rc = syscall(SYS_getresgid, &gr, &ge, &gs);
    check(rc == 0 && gr == r && ge == e && gs == s, what,
          "rc %ld, got (%u, %u, %u), want (%u, %u, %u)", rc, gr, ge, gs, r, e, s);
}

/* setresuid and getresuid round trips; the fsuid follows the euid. */
static void case_resuid(void)
{
    want_uids(0, 0, 0, "root starts with uids (0, 0, 0)");
    check_eq(syscall(SYS_getuid), 0, "getuid is 0");
    check_eq(sys_setresuid(1000, 2000, 0), 0, "setresuid(1000, 2000, 0) as root");
    want_uids(1000, 2000, 0, "getresuid says (1000, 2000, 0)");
    check_eq(syscall(SYS_getuid), 1000, "getuid is the real uid");
    check_eq(syscall(SYS_geteuid), 2000, "geteuid is the effective uid");
    check_eq(sys_setfsuid(-1), 2000, "the fsuid followed the euid");
    check_eq(sys_setresuid(KEEP, 0, KEEP), 0, "euid back to 0 (the saved uid)");
    want_uids(1000, 0, 0, "(1000, 0, 0)");
    check_eq(sys_setresuid(2000, 1000, 0), 0, "root again: setresuid(2000, 1000, 0)");
    check_eq(sys_setresuid(0, 2000, 1000), 0, "unprivileged, a permutation: (0, 2000, 1000)");
    want_uids(0, 2000, 1000, "(0, 2000, 1000)");
    check_errno(sys_setresuid(KEEP, 3000, KEEP), EPERM,
                "unprivileged: an euid that is none of r/e/s -> EPERM");
    want_uids(0, 2000, 1000, "and nothing changed");
    check_eq(sys_setresuid(KEEP, KEEP, KEEP), 0, "setresuid(-1, -1, -1) changes nothing");
    want_uids(0, 2000, 1000, "still (0, 2000, 1000)");
}

/* Dropping every uid: no way back. */
static void case_drop(void)
{
    check_eq(sys_setresuid(1000, 1000, 1000), 0, "setresuid(1000, 1000, 1000) drops root");
    want_uids(1000, 1000, 1000, "(1000, 1000, 1000)");
    check_errno(syscall(SYS_setuid, 0), EPERM, "setuid(0) -> EPERM");
    check_errno(sys_setresuid(KEEP, 0, KEEP), EPERM, "setresuid(-1, 0, -1) -> EPERM");
    check_errno(sys_setresuid(0, 0, 0), EPERM, "setresuid(0, 0, 0) -> EPERM");
    check_errno(syscall(SYS_setreuid, 0, KEEP), EPERM, "setreuid(0, -1) -> EPERM");
    check_errno(syscall(SYS_setreuid, KEEP, 0), EPERM, "setreuid(-1, 0) -> EPERM");
    check_errno(syscall(SYS_setgid, 5), EPERM, "setgid(5) -> EPERM (privilege is the euid)");
    check_errno(sys_setresgid(5, 5, 5), EPERM, "setresgid(5, 5, 5) -> EPERM");
    gid_t g = 5;
    check_errno(syscall(SYS_setgroups, 1, &g), EPERM, "setgroups -> EPERM");
    check_errno(syscall(SYS_setgroups, 0, NULL), EPERM, "setgroups(0) -> EPERM too");
    check_eq(sys_setfsuid(0), 1000, "setfsuid(0) returns the old fsuid, 1000");
    check_eq(sys_setfsuid(-1), 1000, "and the fsuid is still 1000");
    check_eq(syscall(SYS_setuid, 1000), 0, "setuid(1000) to the real uid is allowed");
    check_errno(syscall(SYS_setuid, -1L), EINVAL, "setuid(-1) -> EINVAL");
    want_uids(1000, 1000, 1000, "still (1000, 1000, 1000)");
}

/* setuid(2) and setreuid(2)'s saved-uid rules. */
static void case_saved(void)
{
    check_eq(syscall(SYS_setreuid, KEEP, 1000), 0, "setreuid(-1, 1000) as root");
    want_uids(0, 1000, 1000, "the euid is not the old ruid: saved := 1000");
    check_eq(syscall(SYS_setreuid, KEEP, 0), 0, "setreuid(-1, 0): 0 is the real uid");
    want_uids(0, 0, 1000, "euid set to the old ruid: the saved uid stays 1000");
    check_eq(syscall(SYS_setreuid, 2000, 3000), 0, "setreuid(2000, 3000) as root");
    want_uids(2000, 3000, 3000, "the real uid set: saved := the new euid");
    check_errno(syscall(SYS_setreuid, 4000, KEEP), EPERM,
                "unprivileged setreuid to a foreign ruid -> EPERM");
    check_eq(syscall(SYS_setreuid, 3000, KEEP), 0, "the ruid may become the euid");
    want_uids(3000, 3000, 3000, "(3000, 3000, 3000)");
    check_eq(sys_setresuid(0, 0, 0), -1, "and root is gone");
}

static void case_setuid_root(void)
{
    check_eq(syscall(SYS_setuid, 1000), 0, "setuid(1000) as root");
    want_uids(1000, 1000, 1000, "sets real, effective and saved uid");
    check_eq(sys_setfsuid(-1), 1000, "and the fsuid");
    check_errno(syscall(SYS_setuid, 0), EPERM, "setuid(0) afterwards -> EPERM");
}

static void case_gids(void)
{
    check_eq(sys_setresgid(100, 200, 300), 0, "setresgid(100, 200, 300) as root");
    want_gids(100, 200, 300, "getresgid says (100, 200, 300)");
    check_eq(syscall(SYS_getgid), 100, "getgid is the real gid");
    check_eq(syscall(SYS_getegid), 200, "getegid is the effective gid");
    check_eq(sys_setfsgid(-1), 200, "the fsgid followed the egid");
    check_eq(sys_setfsgid(400), 200, "setfsgid(400) as root returns the old fsgid");
    check_eq(sys_setfsgid(-1), 400, "and changed it");
    check_eq(syscall(SYS_setregid, 300, 100), 0, "setregid(300, 100)");
    want_gids(300, 100, 100, "the real gid set: saved := the new egid");
    check_eq(sys_setfsgid(-1), 100, "the fsgid follows the egid again");
    check_eq(syscall(SYS_setgid, 7), 0, "setgid(7) with euid 0");
    want_gids(7, 7, 7, "sets all three gids");
    check_eq(sys_setresgid(1, 2, 3), 0, "setresgid(1, 2, 3)");
    check_eq(sys_setresuid(1000, 1000, 1000), 0, "drop the uids");
    check_eq(sys_setresgid(3, 1, 2), 0, "unprivileged: a permutation of the gids");
    want_gids(3, 1, 2, "(3, 1, 2)");
    check_errno(syscall(SYS_setgid, 9), EPERM, "unprivileged setgid(9) -> EPERM");
    check_eq(syscall(SYS_setgid, 2), 0, "setgid to the saved gid");
    want_gids(3, 2, 2, "only the egid changed");
    check_eq(sys_setfsgid(9), 2, "unprivileged setfsgid(9) returns the old fsgid");
    check_eq(sys_setfsgid(-1), 2, "and did not change it");
    check_eq(sys_setfsgid(3), 2, "setfsgid to the real gid");
    check_eq(sys_setfsgid(-1), 3, "is allowed");
}

static void case_groups(void)
{
    gid_t set[] = { 5, 3, 1 };
    gid_t got[8] = { 0 };
    check_eq(syscall(SYS_setgroups, 3, set), 0, "setgroups({5, 3, 1})");
    check_eq(syscall(SYS_getgroups, 0, NULL), 3, "getgroups(0) counts 3");
    long n = syscall(SYS_getgroups, 8, got);
    check(n == 3 && got[0] == 1 && got[1] == 3 && got[2] == 5,
          "getgroups returns them sorted: 1, 3, 5", "n %ld: %u %u %u", n, got[0], got[1], got[2]);
    check_errno(syscall(SYS_getgroups, 2, got), EINVAL, "getgroups with room for 2 -> EINVAL");
    check_errno(syscall(SYS_getgroups, -1, got), EINVAL, "getgroups(-1) -> EINVAL");
    check_errno(syscall(SYS_setgroups, 65537, set), EINVAL, "setgroups(65537) -> EINVAL");
    check_errno(syscall(SYS_setgroups, -1, set), EINVAL, "setgroups(-1) -> EINVAL");
    check_errno(syscall(SYS_setgroups, 2, (gid_t *)8), EFAULT, "setgroups(bad pointer) -> EFAULT");
    n = syscall(SYS_getgroups, 8, got);
    check(n == 3, "failed setgroups calls changed nothing", "n %ld", n);
    check_errno(syscall(SYS_getgroups, 3, (gid_t *)8), EFAULT, "getgroups(bad pointer) -> EFAULT");
    check_eq(syscall(SYS_setgroups, 0, NULL), 0, "setgroups(0) empties the list");
    check_eq(syscall(SYS_getgroups, 0, NULL), 0, "no groups left");
}

/* fork copies every id and the groups. */
static void case_fork(void)
{
    gid_t set[] = { 8, 7 };
    check_eq(syscall(SYS_setgroups, 2, set), 0, "setgroups({8, 7})");
    check_eq(sys_setresgid(10, 20, 30), 0, "setresgid(10, 20, 30)");
    check_eq(sys_setresuid(1000, 2000, 0), 0, "setresuid(1000, 2000, 0)");
    check_eq(sys_setfsuid(0), 2000, "setfsuid(0) (0 is the saved uid)");
    pid_t pid = fork();
    if (pid == 0) {
        unsigned r, e, s, gr, ge, gs;
        gid_t got[4] = { 0 };
        bool ok = syscall(SYS_getresuid, &r, &e, &s) == 0 && r == 1000 && e == 2000 && s == 0 &&
                  syscall(SYS_getresgid, &gr, &ge, &gs) == 0 && gr == 10 && ge == 20 &&
                  gs == 30 && syscall(SYS_getgroups, 4, got) == 2 && got[0] == 7 &&
                  got[1] == 8 && sys_setfsuid(-1) == 0 && sys_setfsgid(-1) == 20;
        _exit(ok ? 0 : 1);
    }
    int status = -1;
    check(pid > 0 && waitpid(pid, &status, 0) == pid, "fork and wait", "errno %d", errno);
    check(exited_with(status, 0), "the child has the same uids, gids, fs ids and groups",
          "status %#x", (unsigned)status);
}

/* execve keeps the ids, with saved and fs ids := effective ones. */
static void case_exec(void)
{
    check_eq(sys_setresgid(10, 20, 30), 0, "setresgid(10, 20, 30)");
    check_eq(sys_setresuid(1000, 2000, 0), 0, "setresuid(1000, 2000, 0)");
    char *argv[] = { "t_cred", "--ids=1000,2000,2000,10,20,20,1", NULL };
    char *envp[] = { NULL };
    execve(tmp_plain, argv, envp);
    check(false, "execve of this program", "errno %d", errno);
}

/* Writes a copy of this program at `path` with mode `mode`. */
static bool copy_self(const char *path, mode_t mode)
{
    unlink(path);
    int in = open(self, O_RDONLY);
    int out = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    bool ok = in >= 0 && out >= 0;
    char buf[4096];
    long n;
    while (ok && (n = read(in, buf, sizeof buf)) > 0)
        ok = write(out, buf, n) == n;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ok;
}

/* A set-user-ID and set-group-ID root program run by uid 1000. */
static void case_suid(void)
{
    check_eq(sys_setresgid(100, 100, 100), 0, "setresgid(100, 100, 100)");
    check_eq(sys_setresuid(1000, 1000, 1000), 0, "setresuid(1000, 1000, 1000)");
    char *argv[] = { "t_cred", "--ids=1000,0,0,100,0,0,1", "--regain", NULL };
    char *envp[] = { NULL };
    execve(tmp_suid, argv, envp);
    check(false, "execve of the set-user-ID copy", "errno %d", errno);
}

/* A script's set-user-ID bit is ignored. */
static void case_suid_script(void)
{
    check_eq(sys_setresuid(1000, 1000, 1000), 0, "setresuid(1000, 1000, 1000)");
    char *argv[] = { "script", NULL };
    char *envp[] = { NULL };
    execve(tmp_script, argv, envp);
    check(false, "execve of the set-user-ID script", "errno %d", errno);
}

/* A child that waits until its parent exits (its pipe's write end closes). */
static pid_t waiting_child(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[1]);
        char c;
        while (read(fds[0], &c, 1) > 0) {
        }
        _exit(0);
    }
    close(fds[0]);
    return pid; /* the write end stays open in the parent until it exits */
}

/* kill(2) needs privilege or matching uids; SIGCONT within a session. */
static void case_kill(void)
{
    pid_t root_child = waiting_child();
    check(root_child > 0, "a root child", "errno %d", errno);
    check_eq(sys_setresuid(1000, 1000, 1000), 0, "drop to uid 1000");
    pid_t own_child = waiting_child();
    check(own_child > 0, "a uid-1000 child", "errno %d", errno);
    check_errno(kill(root_child, 0), EPERM, "kill(root's pid, 0) -> EPERM");
    check_errno(kill(root_child, SIGTERM), EPERM, "kill(root's pid, SIGTERM) -> EPERM");
    check_eq(kill(root_child, SIGCONT), 0, "SIGCONT to the same session is allowed");
    check_eq(kill(own_child, 0), 0, "kill(own uid's pid, 0)");
    check_eq(kill(0, 0), 0, "kill(0, 0): the group has processes we may signal");
    check_eq(kill(own_child, SIGKILL), 0, "kill(own uid's pid, SIGKILL)");
    int status = 0;
    check(waitpid(own_child, &status, 0) == own_child && killed_by(status, SIGKILL),
          "and it was killed", "status %#x", (unsigned)status);
    check_errno(kill(-2147483647, 0), ESRCH, "kill of a group that does not exist -> ESRCH");
}

/* Raising a hard limit needs privilege; another process's limits need it or
 * the same ids. */
static void case_limits(void)
{
    struct rlimit lim;
    check_eq(getrlimit(RLIMIT_NOFILE, &lim), 0, "getrlimit(RLIMIT_NOFILE)");
    struct rlimit lower = { lim.rlim_cur - 1, lim.rlim_max - 1 };
    /* (Raising it again as root is not checked: a container's root may
     * lack CAP_SYS_RESOURCE.) */
    check_eq(setrlimit(RLIMIT_NOFILE, &lower), 0, "root lowers the limits");
    pid_t root_child = waiting_child();
    check_eq(sys_setresuid(1000, 1000, 1000), 0, "drop to uid 1000");
    check_errno(setrlimit(RLIMIT_NOFILE, &lim), EPERM,
                "unprivileged: raising the hard limit -> EPERM");
    struct rlimit soft = { lower.rlim_cur - 1, lower.rlim_max };
    check_eq(setrlimit(RLIMIT_NOFILE, &soft), 0, "lowering the soft limit is allowed");
    struct rlimit got;
    check_errno(syscall(SYS_prlimit64, root_child, RLIMIT_NOFILE, NULL, &got), EPERM,
                "prlimit of root's process -> EPERM (even to read)");
    pid_t own_child = waiting_child();
    check_eq(syscall(SYS_prlimit64, own_child, RLIMIT_NOFILE, NULL, &got), 0, "prlimit of a uid-1000 child");
    check_eq((long)got.rlim_max, (long)lower.rlim_max, "which inherited the lowered limit");
    kill(own_child, SIGKILL);
    waitpid(own_child, NULL, 0);
}

/* The image a case execs: are these our ids? */
static int ids_mode(const char *spec, bool regain)
{
    unsigned want[7];
    if (sscanf(spec, "%u,%u,%u,%u,%u,%u,%u", &want[0], &want[1], &want[2], &want[3], &want[4],
               &want[5], &want[6]) != 7)
        return 2;
    want_uids(want[0], want[1], want[2], "after execve: the uids");
    want_gids(want[3], want[4], want[5], "after execve: the gids");
    check_eq(sys_setfsuid(-1), want[1], "after execve: the fsuid is the euid");
    check_eq(sys_setfsgid(-1), want[4], "after execve: the fsgid is the egid");
    check_eq((long)getauxval(AT_SECURE), want[6], "AT_SECURE");
    check_eq((long)getauxval(AT_UID), want[0], "AT_UID");
    check_eq((long)getauxval(AT_EUID), want[1], "AT_EUID");
    check_eq((long)getauxval(AT_GID), want[3], "AT_GID");
    check_eq((long)getauxval(AT_EGID), want[4], "AT_EGID");
    if (regain) {
        check_eq(sys_setresuid(0, 0, 0), 0, "a set-user-ID-root program may become root fully");
        want_uids(0, 0, 0, "(0, 0, 0)");
    }
    return check_status();
}

struct named_case {
    const char *name;
    void (*fn)(void);
};

static const struct named_case CASES[] = {
    { "resuid", case_resuid },
    { "drop", case_drop },
    { "saved", case_saved },
    { "setuid-root", case_setuid_root },
    { "gids", case_gids },
    { "groups", case_groups },
    { "fork", case_fork },
    { "exec", case_exec },
    { "suid", case_suid },
    { "suid-script", case_suid_script },
    { "kill", case_kill },
    { "limits", case_limits },
};

static void tmp_names(void)
{
    const char *pid = getenv("T_CRED_PID");
    snprintf(tmp_plain, sizeof tmp_plain, "/tmp/t_cred.%s.plain", pid ? pid : "x");
    snprintf(tmp_suid, sizeof tmp_suid, "/tmp/t_cred.%s.suid", pid ? pid : "x");
    snprintf(tmp_script, sizeof tmp_script, "/tmp/t_cred.%s.script", pid ? pid : "x");
}

int main(int argc, char **argv)
{
    if (argc < 1)
        return 99;
    char self_buf[256];
    self_path(argv[0], self_buf, sizeof self_buf);
    self = self_buf;
    tmp_names();
    if (argc >= 2 && strncmp(argv[1], "--ids=", 6) == 0)
        return ids_mode(argv[1] + 6, argc >= 3 && strcmp(argv[2], "--regain") == 0);
    if (argc == 3 && strcmp(argv[1], "--case") == 0) {
        for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
            if (strcmp(argv[2], CASES[i].name) == 0) {
                CASES[i].fn();
                return check_status();
            }
        return 2;
    }

    check_init("t_cred");
    if (geteuid() != 0) {
        say("t_cred needs root: nothing tested");
        return check_finish();
    }
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "%d", (int)getpid());
    setenv("T_CRED_PID", pid_text, 1);
    tmp_names();
    (void)syscall(SYS_umask, 022);
    check(copy_self(tmp_plain, 0755), "a copy of this program in /tmp", "errno %d", errno);
    check(copy_self(tmp_suid, 06755), "a set-user-ID, set-group-ID copy", "errno %d", errno);
    unlink(tmp_script);
    int fd = open(tmp_script, O_WRONLY | O_CREAT | O_EXCL, 04755);
    char line[256];
    int len = snprintf(line, sizeof line, "#!%s --ids=1000,1000,1000,0,0,0,0\n", tmp_plain);
    check(fd >= 0 && write(fd, line, len) == len, "a set-user-ID script", "errno %d", errno);
    if (fd >= 0)
        close(fd);

    char *envp[] = { "T_CRED_PID", NULL };
    char env_pid[64];
    snprintf(env_pid, sizeof env_pid, "T_CRED_PID=%s", pid_text);
    envp[0] = env_pid;
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        char *cargv[] = { "t_cred", "--case", (char *)CASES[i].name, NULL };
        char text[64], what[96];
        int status = run_relayed(self, cargv, envp, NULL);
        snprintf(what, sizeof what, "case %s exits 0", CASES[i].name);
        check(exited_with(status, 0), what, "%s", status_text(status, text, sizeof text));
    }
    want_uids(0, 0, 0, "the test itself is still root");
    unlink(tmp_plain);
    unlink(tmp_suid);
    unlink(tmp_script);
    return check_finish();
}
