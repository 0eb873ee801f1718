/* fsutil.c: scratch directories, tree removal and small file helpers. */
#include "fsutil.h"

#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

void enter_scratch(const char *prefix, char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/%s.XXXXXX", prefix);
    if (!mkdtemp(buf) || chdir(buf) != 0) {
        check(false, "make a scratch directory under /tmp", "%s", buf);
        exit(check_finish());
    }
}

void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlink(path);
        return;
    }
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            struct stat s2;
            if (lstat(sub, &s2) == 0 && S_ISDIR(s2.st_mode) && s2.st_dev != st.st_dev)
                continue; /* a mount point: leave it */
            remove_tree(sub);
        }
        closedir(d);
    }
    chmod(path, 0700);
    rmdir(path);
}

bool is_root(void)
{
    return geteuid() == 0;
}

bool on_marten(void)
{
    struct utsname u;
    return uname(&u) == 0 && strstr(u.release, "marten") != NULL;
}

bool write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    return close(fd) == 0 && ok;
}

long read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long done = 0;
    while ((size_t)done + 1 < len) {
        ssize_t n = read(fd, buf + done, len - 1 - (size_t)done);
        if (n <= 0)
            break;
        done += n;
    }
    buf[done] = 0;
    close(fd);
    return done;
}

void skip(const char *what, const char *why)
{
    say("ok - %s # SKIP %s", what, why);
}
