/* t_script.c: `#!` scripts in execve, with Linux's binfmt_script rules. The
 * interpreter of the scripts it writes into /tmp is this program itself:
 * with T_SCRIPT_ECHO=1 in its environment it prints its argv, AT_EXECFN and
 * its name (comm), one per line, so the test compares the layout: the
 * interpreter, the optional argument (one word, inner blanks kept), the
 * script's path as given to execve, then the caller's argv[1..]. Also nested
 * scripts (5 levels work, the 6th is ELOOP), a truncated argument, the
 * errors (ENOEXEC, ENOENT, EACCES) and a busybox/dash `#!/bin/sh` script. */
#include "check.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX 8192

static char self[512]; /* absolute path of this program: the interpreter */
static char prefix[64]; /* "/tmp/t_script.PID." */

/* Interpreter mode: prints what it was given. */
static int echo_mode(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        say("%s", argv[i]);
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    say("execfn=%s", execfn != NULL ? execfn : "(null)");
    char comm[17] = { 0 };
    prctl(PR_GET_NAME, comm);
    say("comm=%s", comm);
    return 0;
}

/* "/tmp/t_script.PID.NAME" in buf. */
static const char *tmp(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s", prefix, name);
    return buf;
}

/* Writes a script file: `text` (len bytes) with permissions `mode`. */
static void write_file(const char *name, const char *text, size_t len, mode_t mode)
{
    char path[128];
    tmp(name, path, sizeof path);
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    bool ok = fd >= 0 && write(fd, text, len) == (long)len;
    if (fd >= 0)
        close(fd);
    check(ok, path, "writing it failed: errno %d", errno);
}

static void write_script(const char *name, const char *text, mode_t mode)
{
    write_file(name, text, strlen(text), mode);
}

/* Runs path with argv (and T_SCRIPT_ECHO=1) in a child, in directory `dir`
 * (NULL: here); its output goes to out. Returns the wait status, or 1000 +
 * errno when execve failed. */
static int run(const char *path, char *const argv[], const char *dir, char *out, size_t len)
{
    int fds[2];
    out[0] = '\0';
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        if (dir != NULL && chdir(dir) != 0)
            _exit(99);
        char *envp[] = { "T_SCRIPT_ECHO=1", NULL };
        execve(path, argv, envp);
        _exit(100 + errno);
    }
    close(fds[1]);
    size_t used = 0;
    long n;
    while (used < len - 1 && (n = read(fds[0], out + used, len - 1 - used)) > 0)
        used += n;
    out[used] = '\0';
    close(fds[0]);
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
        return 1000 + WEXITSTATUS(status) - 100;
    return status;
}

/* Joins lines: each string of `lines` followed by a newline. */
static void join(char *buf, size_t len, const char *const *lines, int n)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        strncat(buf, lines[i], len - strlen(buf) - 1);
        strncat(buf, "\n", len - strlen(buf) - 1);
    }
}

/* The first 15 bytes of path's last component (Linux's comm). */
static void comm_of(const char *path, char *buf)
{
    const char *base = strrchr(path, '/');
    snprintf(buf, 16, "%s", base != NULL ? base + 1 : path);
}

/* Execs `path` as `argv` (in `dir`), expecting the interpreter to get exactly
 * `want` (n strings) as its argv; AT_EXECFN and comm come from `path`. */
static void expect_argv(const char *what, const char *path, char *const argv[], const char *dir,
                        const char *const *want, int n)
{
    static char out[OUT_MAX], expected[OUT_MAX];
    int status = run(path, argv, dir, out, sizeof out);
    join(expected, sizeof expected, want, n);
    char line[600], comm[16];
    snprintf(line, sizeof line, "execfn=%s\n", path);
    strncat(expected, line, sizeof expected - strlen(expected) - 1);
    comm_of(path, comm);
    snprintf(line, sizeof line, "comm=%s\n", comm);
    strncat(expected, line, sizeof expected - strlen(expected) - 1);
    check(status == 0 && strcmp(out, expected) == 0, what,
          "status %d, output:\n%s---- wanted:\n%s----", status, out, expected);
}

static void expect_errno(const char *what, const char *path, int want)
{
    static char out[OUT_MAX];
    char *argv[] = { "x", NULL };
    int status = run(path, argv, NULL, out, sizeof out);
    check(status == 1000 + want, what, "got %s%d (want errno %d)",
          status >= 1000 ? "errno " : "status ", status >= 1000 ? status - 1000 : status, want);
}

static void layouts(void)
{
    char line[600], path[128], path2[128];
    snprintf(line, sizeof line, "#!%s\nthe rest is not read\n", self);
    write_script("plain", line, 0755);
    snprintf(line, sizeof line, "#!%s -x\n", self);
    write_script("arg", line, 0755);
    snprintf(line, sizeof line, "#! \t%s   one  two\t \n", self);
    write_script("spaces", line, 0755);
    snprintf(line, sizeof line, "#!%s  \t\n", self);
    write_script("trailing", line, 0755);

    char *argv[] = { "argv0-is-dropped", "a", "b c", NULL };
    tmp("plain", path, sizeof path);
    const char *w1[] = { self, path, "a", "b c" };
    expect_argv("#!interp: argv is interp, script path, argv[1..]", path, argv, NULL, w1, 4);

    tmp("arg", path, sizeof path);
    const char *w2[] = { self, "-x", path, "a", "b c" };
    expect_argv("#!interp -x: the optional argument comes second", path, argv, NULL, w2, 5);

    tmp("spaces", path, sizeof path);
    const char *w3[] = { self, "one  two", path, "a", "b c" };
    expect_argv("blanks around the line go, those inside the argument stay (one argument)",
                path, argv, NULL, w3, 5);

    tmp("trailing", path, sizeof path);
    const char *w4[] = { self, path, "a", "b c" };
    expect_argv("trailing blanks make no argument", path, argv, NULL, w4, 4);

    char *no_args[] = { NULL };
    tmp("plain", path, sizeof path);
    const char *w5[] = { self, path };
    expect_argv("an empty argv: interp and script path only", path, no_args, NULL, w5, 2);

    /* A relative path is passed as given. */
    snprintf(path2, sizeof path2, "./%s", path + strlen("/tmp/"));
    const char *w6[] = { self, path2, "a", "b c" };
    expect_argv("the script path is passed as execve got it (relative)", path2, argv, "/tmp", w6,
                4);

    /* Nested: m2's interpreter is the script m1, whose interpreter is us. */
    snprintf(line, sizeof line, "#!%s inner arg\n", self);
    write_script("m1", line, 0755);
    snprintf(line, sizeof line, "#!%s outer\n", tmp("m1", path, sizeof path));
    write_script("m2", line, 0755);
    tmp("m2", path2, sizeof path2);
    const char *w7[] = { self, "inner arg", path, "outer", path2, "a", "b c" };
    expect_argv("a script as interpreter: each level puts its line in front", path2, argv, NULL,
                w7, 7);
}

/* Five scripts deep works; the sixth is ELOOP. */
static void depth(void)
{
    char line[1024], name[16], path[6][128];
    snprintf(line, sizeof line, "#!%s\n", self);
    for (int i = 1; i <= 6; i++) {
        snprintf(name, sizeof name, "n%d", i);
        write_script(name, line, 0755);
        tmp(name, path[i - 1], sizeof path[i - 1]);
        snprintf(line, sizeof line, "#!%s\n", path[i - 1]);
    }
    char *argv[] = { "x", "a", NULL };
    const char *want[] = { self, path[0], path[1], path[2], path[3], path[4], "a" };
    expect_argv("5 nested scripts run", path[4], argv, NULL, want, 7);
    expect_errno("6 nested scripts -> ELOOP", path[5], ELOOP);
}

static void long_lines(void)
{
    /* The line is cut after 255 bytes: the argument loses its end. */
    char line[600], path[128];
    int head = snprintf(line, sizeof line, "#!%s ", self);
    memset(line + head, 'a', 300);
    strcpy(line + head + 300, "\n");
    write_script("longarg", line, 0755);
    char arg[300];
    int keep = 255 - head;
    memset(arg, 'a', keep);
    arg[keep] = '\0';
    char *argv[] = { "x", NULL };
    tmp("longarg", path, sizeof path);
    const char *want[] = { self, arg, path };
    expect_argv("a long argument is cut at the 256-byte buffer", path, argv, NULL, want, 3);

    /* An interpreter name that does not fit: ENOEXEC, never a cut name. */
    strcpy(line, "#!/");
    memset(line + 3, 'x', 300);
    strcpy(line + 303, "\n");
    write_script("longname", line, 0755);
    expect_errno("an interpreter name longer than the buffer -> ENOEXEC",
                 tmp("longname", path, sizeof path), ENOEXEC);
}

static void errors(void)
{
    char line[600], path[128];
    write_script("empty", "#!\n", 0755);
    expect_errno("#! and a newline -> ENOEXEC", tmp("empty", path, sizeof path), ENOEXEC);
    write_script("blank", "#!  \t \nrest\n", 0755);
    expect_errno("#! and blanks -> ENOEXEC", tmp("blank", path, sizeof path), ENOEXEC);
    write_script("missing", "#!/no/such/interpreter -x\n", 0755);
    expect_errno("a missing interpreter -> ENOENT", tmp("missing", path, sizeof path), ENOENT);
    write_script("dir", "#!/tmp\n", 0755);
    expect_errno("a directory as interpreter -> EACCES", tmp("dir", path, sizeof path), EACCES);
    snprintf(line, sizeof line, "#!%s\n", self);
    write_script("noexec", line, 0644);
    expect_errno("a script without execute bits -> EACCES (root too)",
                 tmp("noexec", path, sizeof path), EACCES);
    snprintf(line, sizeof line, "#!%s\n", tmp("noexec", path, sizeof path));
    write_script("viano", line, 0755);
    expect_errno("an interpreter without execute bits -> EACCES",
                 tmp("viano", path, sizeof path), EACCES);
    /* Just "#!": the empty name is looked up, and names no regular file. */
    write_file("bare", "#!", 2, 0755);
    expect_errno("a file of just #! -> EACCES", tmp("bare", path, sizeof path), EACCES);
}

static void shell(void)
{
    static char out[OUT_MAX];
    char path[128];
    write_script("sh", "#!/bin/sh\necho sh-says \"$1\" \"$#\"\n", 0755);
    char *argv[] = { "x", "hi there", NULL };
    int status = run(tmp("sh", path, sizeof path), argv, NULL, out, sizeof out);
    check(status == 0 && strcmp(out, "sh-says hi there 1\n") == 0,
          "a #!/bin/sh script runs in the shell with its arguments", "status %d, output %s",
          status, out);
}

static const char *const NAMES[] = {
    "plain", "arg",      "spaces",   "trailing", "m1",    "m2",    "n1",     "n2",   "n3",
    "n4",    "n5",       "n6",       "longarg",  "longname", "empty", "blank", "missing",
    "dir",   "noexec",   "viano",    "bare",     "sh",
};

int main(int argc, char **argv)
{
    const char *echo = getenv("T_SCRIPT_ECHO");
    if (echo != NULL && strcmp(echo, "1") == 0)
        return echo_mode(argc, argv);
    if (argc < 1)
        return 99;
    check_init("t_script");
    char rel[256];
    self_path(argv[0], rel, sizeof rel);
    if (rel[0] == '/') {
        snprintf(self, sizeof self, "%s", rel);
    } else {
        char cwd[256];
        if (getcwd(cwd, sizeof cwd) == NULL)
            return 2;
        snprintf(self, sizeof self, "%s/%s", cwd, rel);
    }
    snprintf(prefix, sizeof prefix, "/tmp/t_script.%d.", (int)getpid());
    umask(022);
    layouts();
    depth();
    long_lines();
    errors();
    shell();
    char path[128];
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
        unlink(tmp(NAMES[i], path, sizeof path));
    return check_finish();
}
