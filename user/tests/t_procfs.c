/* t_procfs.c: /proc as programs like ps, top and free read it. Formats are
 * compared with Linux's (proc(5)), not values, so every check also holds on
 * Linux: /proc/self, /proc/self/{stat,status,statm,cmdline,environ,maps,exe,
 * fd,mountinfo}, /proc/{meminfo,loadavg,stat,uptime,mounts,cpuinfo,version},
 * /proc/sys/kernel, and the process directories in a listing of /proc. */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Reads a whole (small) file into buf; returns its length or -1. */
static long slurp(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, size - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        if (n == size - 1)
            break;
    }
    close(fd);
    buf[n] = 0;
    return (long)n;
}

/* The value of "Name:" in a status-like text, or -1. */
static long field(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, name, len) == 0 && p[len] == ':')
            return strtol(p + len + 1, NULL, 10);
    }
    return -1;
}

static char buf[1 << 16];

static void self_link(void)
{
    char link[64], want[32];
    ssize_t n = readlink("/proc/self", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    snprintf(want, sizeof want, "%d", (int)getpid());
    check(n > 0 && strcmp(link, want) == 0, "/proc/self links to the pid", "got '%s', want '%s'", link, want);
}

static void stat_parses(void)
{
    long n = slurp("/proc/self/stat", buf, sizeof buf);
    int pid = 0, ppid = 0, pgrp = 0;
    char comm[64] = "", state = '?';
    char *close_paren = n > 0 ? strrchr(buf, ')') : NULL;
    int got = 0;
    if (close_paren) {
        got = sscanf(buf, "%d (%63[^)]", &pid, comm);
        got += sscanf(close_paren + 1, " %c %d %d", &state, &ppid, &pgrp);
    }
    check(got == 5, "/proc/self/stat: pid (comm) state ppid pgrp", "parsed %d fields of '%.80s'", got, buf);
    check_eq(pid, getpid(), "stat's pid is getpid()");
    check_eq(ppid, getppid(), "stat's ppid is getppid()");
    check_eq(pgrp, getpgrp(), "stat's pgrp is getpgrp()");
    check(strcmp(comm, "t_procfs") == 0, "stat's comm is the program name", "comm '%s'", comm);
    check(state == 'R', "a process reading its own stat is running (R)", "state %c", state);
    /* 52 fields: count the spaces after the comm. */
    int fields = 2;
    for (char *p = close_paren ? close_paren + 1 : buf; *p; p++)
        fields += *p == ' ';
    check_eq(fields, 52, "stat has 52 fields");
    /* starttime (22) and vsize (23), rss (24). */
    unsigned long long start = 0, vsize = 0;
    long rss = 0;
    char *p = close_paren ? close_paren + 2 : buf;
    for (int i = 3; i < 22 && p; i++)
        p = strchr(p, ' '), p = p ? p + 1 : p;
    /* (Linux may show an rss of 0 for a young process: it counts per thread and syncs late.) */
    int got3 = p ? sscanf(p, "%llu %llu %ld", &start, &vsize, &rss) : 0;
    check(got3 == 3 && vsize > 0 && rss >= 0, "stat's starttime, vsize and rss", "vsize %llu rss %ld", vsize, rss);
}

static void status_rss_grows(void)
{
    slurp("/proc/self/status", buf, sizeof buf);
    check(strncmp(buf, "Name:\tt_procfs\n", 15) == 0, "status starts with Name:", "'%.20s'", buf);
    check_eq(field(buf, "Pid"), getpid(), "status Pid");
    check_eq(field(buf, "PPid"), getppid(), "status PPid");
    check(strstr(buf, "\nState:\tR (running)\n") != NULL, "status State: R (running)", "no such line");
    check(strstr(buf, "\nUid:\t") != NULL && strstr(buf, "\nSigBlk:\t") != NULL, "status has Uid and SigBlk",
          "missing");
    long before = field(buf, "VmRSS");
    long data = field(buf, "VmData"), stk = field(buf, "VmStk"), size = field(buf, "VmSize");
    check(before > 0 && data > 0 && stk > 0 && size >= data + stk, "VmRSS, VmData, VmStk, VmSize",
          "VmRSS %ld VmData %ld VmStk %ld VmSize %ld", before, data, stk, size);
    size_t len = 4 << 20;
    char *m = malloc(len);
    for (size_t i = 0; m && i < len; i += 4096)
        m[i] = 1;
    slurp("/proc/self/status", buf, sizeof buf);
    long after = field(buf, "VmRSS"), hwm = field(buf, "VmHWM");
    check(after - before >= 4000, "VmRSS grows by 4 MiB after touching 4 MiB", "%ld kB -> %ld kB", before, after);
    check(hwm >= after, "VmHWM is at least VmRSS", "VmHWM %ld VmRSS %ld", hwm, after);
    free(m);
    long n = slurp("/proc/self/statm", buf, sizeof buf);
    long s[7];
    check(n > 0 && sscanf(buf, "%ld %ld %ld %ld %ld %ld %ld", &s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6]) == 7 &&
              s[0] >= s[1] && s[1] > 0,
          "statm: 7 numbers, size >= resident > 0", "'%s'", buf);
}

static void cmdline_is_argv(int argc, char **argv)
{
    long n = slurp("/proc/self/cmdline", buf, sizeof buf);
    long want = 0;
    for (int i = 0; i < argc; i++)
        want += (long)strlen(argv[i]) + 1;
    bool same = n == want;
    const char *p = buf;
    for (int i = 0; same && i < argc; i++) {
        same = strcmp(p, argv[i]) == 0;
        p += strlen(p) + 1;
    }
    check(same, "cmdline is argv, NUL-separated", "%ld bytes, want %ld", n, want);
    n = slurp("/proc/self/environ", buf, sizeof buf);
    bool found = environ[0] == NULL;
    for (p = buf; !found && p < buf + n; p += strlen(p) + 1)
        found = strcmp(p, environ[0]) == 0;
    check(found, "environ holds the environment", "'%s' missing", environ[0]);
}

static void maps_has_stack(void)
{
    slurp("/proc/self/maps", buf, sizeof buf);
    char *line = strstr(buf, "[stack]\n");
    check(line != NULL, "maps has a [stack] line", "none");
    unsigned long lo = 0, hi = 0;
    char perms[5] = "";
    char *start = line;
    while (start && start > buf && start[-1] != '\n')
        start--;
    int here = 0;
    check(start && sscanf(start, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo < (unsigned long)&here &&
              (unsigned long)&here < hi && strcmp(perms, "rw-p") == 0,
          "the [stack] line covers a local variable, rw-p", "%lx-%lx %s", lo, hi, perms);
    check(strstr(buf, "/t_procfs\n") != NULL, "maps names the program file", "no line ends in /t_procfs");
}

static void fd_links(void)
{
    struct stat st;
    check(lstat("/proc/self/fd/0", &st) == 0 && lstat("/proc/self/fd/1", &st) == 0 &&
              lstat("/proc/self/fd/2", &st) == 0 && S_ISLNK(st.st_mode),
          "fd/0, fd/1, fd/2 exist as links", "lstat failed");
    const char *path = "/tmp/t_procfs.file";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char name[64], link[256];
    snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(name, link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    check(fd >= 0 && strcmp(link, path) == 0, "readlink of fd/N is the file's path", "'%s'", link);
    close(fd);
    unlink(path);
    n = readlink("/proc/self/exe", link, sizeof link - 1);
    link[n > 0 ? n : 0] = 0;
    size_t l = n > 0 ? (size_t)n : 0;
    check(l > 9 && strcmp(link + l - 9, "/t_procfs") == 0 && link[0] == '/', "exe links to the program",
          "'%s'", link);
}

static void global_files(void)
{
    slurp("/proc/meminfo", buf, sizeof buf);
    long total = field(buf, "MemTotal"), free_kb = field(buf, "MemFree"), avail = field(buf, "MemAvailable");
    check(total > free_kb && free_kb > 0 && avail >= 0, "meminfo: MemTotal > MemFree > 0",
          "MemTotal %ld MemFree %ld", total, free_kb);
    check(strncmp(buf, "MemTotal:", 9) == 0 && strstr(buf, " kB\n") != NULL, "meminfo lines end in kB", "'%.40s'",
          buf);
    double a, b, c;
    int run, all, last;
    check(slurp("/proc/loadavg", buf, sizeof buf) > 0 &&
              sscanf(buf, "%lf %lf %lf %d/%d %d", &a, &b, &c, &run, &all, &last) == 6 && run >= 1 && all >= run &&
              a >= 0,
          "loadavg: three averages, running/total, last pid", "'%s'", buf);
    unsigned long long user, nice, sys, idle;
    slurp("/proc/stat", buf, sizeof buf);
    check(sscanf(buf, "cpu %llu %llu %llu %llu", &user, &nice, &sys, &idle) == 4 && strstr(buf, "\nctxt ") &&
              strstr(buf, "\nbtime ") && strstr(buf, "\nprocesses ") && strstr(buf, "\nprocs_running "),
          "stat: cpu, ctxt, btime, processes, procs_running", "'%.60s'", buf);
    double up, idle_s;
    check(slurp("/proc/uptime", buf, sizeof buf) > 0 && sscanf(buf, "%lf %lf", &up, &idle_s) == 2 && up > 0,
          "uptime: two numbers", "'%s'", buf);
    slurp("/proc/mounts", buf, sizeof buf);
    bool root = false, proc = false;
    for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        char dev[128], at[256], type[64];
        if (sscanf(p, "%127s %255s %63s", dev, at, type) == 3) {
            root |= strcmp(at, "/") == 0;
            proc |= strcmp(at, "/proc") == 0 && strcmp(type, "proc") == 0;
        }
    }
    check(root && proc, "mounts lists / and /proc (type proc)", "root %d proc %d", root, proc);
    slurp("/proc/self/mountinfo", buf, sizeof buf);
    int id, parent;
    char at[256];
    check(sscanf(buf, "%d %d %*u:%*u %*s %255s", &id, &parent, at) == 3 && strstr(buf, " - ") != NULL,
          "mountinfo: id, parent, dev, root, mount point, ' - '", "'%.60s'", buf);
    slurp("/proc/cpuinfo", buf, sizeof buf);
    check(strncmp(buf, "processor\t: 0\n", 14) == 0 && strstr(buf, "\nflags\t\t:") != NULL,
          "cpuinfo: processor 0, flags", "'%.40s'", buf);
    slurp("/proc/version", buf, sizeof buf);
    check(strncmp(buf, "Linux version ", 14) == 0, "version starts with 'Linux version'", "'%.40s'", buf);
    slurp("/proc/sys/kernel/ostype", buf, sizeof buf);
    check(strcmp(buf, "Linux\n") == 0, "sys/kernel/ostype", "'%s'", buf);
    char host[128];
    slurp("/proc/sys/kernel/hostname", buf, sizeof buf);
    check(gethostname(host, sizeof host) == 0 && strncmp(buf, host, strlen(host)) == 0 && buf[strlen(host)] == '\n',
          "sys/kernel/hostname is the host name", "'%s' vs '%s'", buf, host);
    slurp("/proc/sys/kernel/pid_max", buf, sizeof buf);
    check(atol(buf) >= 32768, "sys/kernel/pid_max", "'%s'", buf);
}

static void listing_and_zombies(void)
{
    DIR *d = opendir("/proc");
    bool me = false, self = false;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        me |= atoi(e->d_name) == getpid();
        self |= strcmp(e->d_name, "self") == 0;
    }
    if (d)
        closedir(d);
    check(me && self, "a listing of /proc has our pid and self", "pid %d self %d", me, self);

    pid_t c = fork();
    if (c == 0)
        _exit(3);
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)c);
    slurp(path, buf, sizeof buf);
    char *p = strrchr(buf, ')');
    check(p && p[1] == ' ' && p[2] == 'Z', "an unreaped child is a zombie (Z)", "'%.60s'", buf);
    snprintf(path, sizeof path, "/proc/%d/status", (int)c);
    slurp(path, buf, sizeof buf);
    check(strstr(buf, "State:\tZ (zombie)") != NULL, "its status says Z (zombie)", "'%.60s'", buf);
    waitpid(c, NULL, 0);
    check(access(path, F_OK) != 0, "a reaped child's directory is gone", "still there");
}

int main(int argc, char **argv)
{
    check_init("t_procfs");
    self_link();
    stat_parses();
    status_rss_grows();
    cmdline_is_argv(argc, argv);
    maps_has_stack();
    fd_links();
    global_files();
    listing_and_zombies();
    return check_finish();
}
