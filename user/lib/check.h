/* check.h: the output protocol shared by every Marten user-space test program. */
#ifndef MARTEN_CHECK_H
#define MARTEN_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Every check prints one line, "ok - WHAT" or "not ok - WHAT: DETAILS".
 * check_finish() prints "PROGRAM: N passed, M failed" and returns the exit
 * status (0 when nothing failed, else 1). All output goes straight to fd 1
 * through write(2), unbuffered, so nothing is printed twice after a fork.
 */

/* Sets the program name used in the summary line. Call first. */
void check_init(const char *program);

/* Prints a formatted line (a newline is added) to fd 1. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Records a check: passes when cond holds; fmt describes a failure. */
bool check(bool cond, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Passes when got == want (printed in decimal). */
bool check_eq(long got, long want, const char *what);

/* Passes when a libc-style call failed: ret == -1 and errno == want. */
bool check_errno(long ret, int want, const char *what);

/* Counts a line relayed from a child: "ok - " passes, "not ok - " fails. */
void check_count_line(const char *line);

/* Adds one pass or one failure that was already printed by someone else. */
void check_record(bool passed);

/* Prints the summary line and returns the exit status. */
int check_finish(void);

/* The exit status without a summary line, for images whose output a parent relays. */
int check_status(void);

#endif
