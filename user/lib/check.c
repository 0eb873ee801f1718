/* check.c: prints "ok"/"not ok" lines and the summary, counting both. */
#include "check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *program_name = "test";
static int passed;
static int failed;

void check_init(const char *program)
{
    program_name = program;
}

/* Writes all of buf to fd 1, retrying short writes. */
static void write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(1, buf, len);
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* Formats into a fixed buffer (long lines are cut) and adds a newline. */
static void vsay(const char *fmt, va_list ap)
{
    char line[512];
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
    line[len++] = '\n';
    write_all(line, len);
}

void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(fmt, ap);
    va_end(ap);
}

bool check(bool cond, const char *what, const char *fmt, ...)
{
    if (cond) {
        passed++;
        say("ok - %s", what);
        return true;
    }
    failed++;
    char details[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(details, sizeof details, fmt, ap);
    va_end(ap);
    say("not ok - %s: %s", what, details);
    return false;
}

bool check_eq(long got, long want, const char *what)
{
    return check(got == want, what, "got %ld, want %ld", got, want);
}

bool check_errno(long ret, int want, const char *what)
{
    int err = errno;
    if (ret != -1)
        return check(false, what, "returned %ld, want -1 with errno %d (%s)", ret,
                     want, strerror(want));
    return check(err == want, what, "errno %d (%s), want %d (%s)", err,
                 strerror(err), want, strerror(want));
}

void check_count_line(const char *line)
{
    if (strncmp(line, "ok - ", 5) == 0)
        passed++;
    else if (strncmp(line, "not ok - ", 9) == 0)
        failed++;
}

void check_record(bool ok)
{
    if (ok)
        passed++;
    else
        failed++;
}

int check_finish(void)
{
    say("%s: %d passed, %d failed", program_name, passed, failed);
    return check_status();
}

int check_status(void)
{
    return failed == 0 ? 0 : 1;
}
