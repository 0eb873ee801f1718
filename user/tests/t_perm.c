/* t_perm.c: file permissions with real users (run as root, which then
 * takes other ids in children): read/write/search bits, EACCES on the way
 * through a directory without search permission, creating in a directory
 * one may not write, the sticky bit (EPERM), root's overrides (but no
 * execute without an execute bit), access(2) with the real ids against
 * open with the effective ones, chmod/chown/utimensat by non-owners, new
 * files owned by the creator's fs ids and the set-group-ID directory's
 * group. Skips when not started as root (run-native as a user). */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64], p_secret[96], p_closed[96], p_sticky[96], p_sgid[96];

/* Runs `body` in a child with uid/gid `id` (real, effective, saved); the
 * child's checks count through its exit status: 0 all passed. */
static void as_user(int id, const char *what, void (*body)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        check_init(what);
        if (setresgid(id, id, id) != 0 || setresuid(id, id, id) != 0)
            _exit(99);
        body();
        _exit(check_status());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, what, "child status %x", status);
}

static void user_1000(void)
{
    check_errno(open(p_secret, O_RDONLY), EACCES, "a 0600 root file cannot be read");
    check_errno(open(p_secret, O_WRONLY), EACCES, "nor written");
    char inside[128];
    snprintf(inside, sizeof inside, "%s/x", p_closed);
    check_errno(open(inside, O_RDONLY), EACCES, "no search permission on the way: EACCES");
    char mine[128];
    snprintf(mine, sizeof mine, "%s/new", dir);
    check_errno(open(mine, O_CREAT | O_WRONLY, 0644), EACCES, "no write permission in the directory");
    snprintf(mine, sizeof mine, "%s/mine", p_sticky);
    int fd = open(mine, O_CREAT | O_WRONLY, 0644);
    check(fd >= 0, "create in the sticky, world-writable directory", "errno %d", errno);
    struct stat st;
    fstat(fd, &st);
    check_eq(st.st_uid, 1000, "the new file belongs to its creator");
    check_eq(st.st_gid, 1000, "and to its creator's group");
    close(fd);
    check_errno(chmod(p_secret, 0666), EPERM, "chmod of someone else's file");
    check_errno(chown(mine, 0, 0), EPERM, "giving a file away");
    check_errno(utimensat(AT_FDCWD, p_secret, NULL, 0), EACCES, "touching a file one may not write");
    check_eq(access(p_secret, F_OK), 0, "access F_OK still works");
    check_errno(access(p_secret, R_OK), EACCES, "access R_OK says no");
}

static void user_1001(void)
{
    char theirs[128];
    snprintf(theirs, sizeof theirs, "%s/mine", p_sticky);
    check_errno(unlink(theirs), EPERM, "the sticky bit: someone else's file stays");
    char mine[128];
    snprintf(mine, sizeof mine, "%s/sgid-file", p_sgid);
    int fd = open(mine, O_CREAT | O_WRONLY, 0644);
    check(fd >= 0, "create in the set-group-ID directory", "errno %d", errno);
    struct stat st;
    fstat(fd, &st);
    check_eq(st.st_gid, 4242, "the file takes the directory's group");
    close(fd);
}

static void real_vs_effective(void)
{
    /* Real uid 1000, effective root: open works, access (real ids) says no. */
    if (setresuid(1000, 0, 0) != 0) {
        check(0, "setresuid(1000, 0, 0)", "errno %d", errno);
        return;
    }
    int fd = open(p_secret, O_RDONLY);
    check(fd >= 0, "open with the effective (root) ids", "errno %d", errno);
    if (fd >= 0)
        close(fd);
    check_errno(access(p_secret, R_OK), EACCES, "access uses the real ids");
    check_eq(faccessat(AT_FDCWD, p_secret, R_OK, AT_EACCESS), 0, "faccessat AT_EACCESS uses the effective ones");
}

int main(void)
{
    check_init("t_perm");
    if (geteuid() != 0) {
        say("SKIP t_perm: not root");
        return check_finish();
    }
    snprintf(dir, sizeof dir, "/tmp/t_perm.%d", (int)getpid());
    snprintf(p_secret, sizeof p_secret, "%s/secret", dir);
    snprintf(p_closed, sizeof p_closed, "%s/closed", dir);
    snprintf(p_sticky, sizeof p_sticky, "%s/sticky", dir);
    snprintf(p_sgid, sizeof p_sgid, "%s/sgid", dir);
    check_eq(mkdir(dir, 0755), 0, "mkdir");
    int fd = open(p_secret, O_CREAT | O_WRONLY, 0600);
    check(fd >= 0, "a root-only file", "errno %d", errno);
    close(fd);
    check_eq(mkdir(p_closed, 0700), 0, "a root-only directory");
    check_eq(mkdir(p_sticky, 0777), 0, "a shared directory");
    check_eq(chmod(p_sticky, 01777), 0, "with the sticky bit");
    check_eq(mkdir(p_sgid, 0777), 0, "a set-group-ID directory");
    check_eq(chown(p_sgid, 0, 4242), 0, "owned by group 4242");
    check_eq(chmod(p_sgid, 02777), 0, "mode 2777");
    struct stat st;
    stat(p_sgid, &st);
    check(st.st_mode & S_ISGID, "S_ISGID set", "mode %o", st.st_mode);
    char sub[128];
    snprintf(sub, sizeof sub, "%s/subdir", p_sgid);
    check_eq(mkdir(sub, 0755), 0, "mkdir inside it");
    stat(sub, &st);
    check(st.st_mode & S_ISGID, "a new directory inherits S_ISGID", "mode %o", st.st_mode);

    as_user(1000, "uid 1000's checks passed", user_1000);
    as_user(1001, "uid 1001's checks passed", user_1001);

    check_eq(chmod(p_secret, 0644), 0, "root may chmod anything");
    check_eq(chmod(p_secret, 0600), 0, "and back");
    check_eq(access(p_secret, X_OK) == 0 ? 1 : errno, EACCES, "root cannot execute without an execute bit");
    char x[128];
    snprintf(x, sizeof x, "%s/x", p_closed);
    fd = open(x, O_CREAT | O_WRONLY, 0600);
    check(fd >= 0, "root searches a 0700 directory", "errno %d", errno);
    close(fd);

    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        check_init("t_perm real-vs-effective");
        real_vs_effective();
        _exit(check_status());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "real and effective ids checks passed", "status %x", status);

    /* Clean up as root. */
    unlink(x);
    rmdir(p_closed);
    char f[128];
    snprintf(f, sizeof f, "%s/mine", p_sticky);
    unlink(f);
    rmdir(p_sticky);
    snprintf(f, sizeof f, "%s/sgid-file", p_sgid);
    unlink(f);
    rmdir(sub);
    rmdir(p_sgid);
    unlink(p_secret);
    rmdir(dir);
    return check_finish();
}
