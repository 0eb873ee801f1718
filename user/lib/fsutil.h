/* fsutil.h: fresh scratch directories and other helpers of the file-system tests. */
#ifndef MARTEN_FSUTIL_H
#define MARTEN_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Creates a fresh directory /tmp/PREFIX.XXXXXX, makes it the working
 * directory and writes its path to buf (at least 64 bytes). Exits with
 * status 1 (after a "not ok" line) when it cannot.
 */
void enter_scratch(const char *prefix, char *buf, size_t len);

/* Removes path and everything below it (errors ignored; stays on its file system). */
void remove_tree(const char *path);

/* Is the effective user root? */
bool is_root(void);

/* Running on Marten (uname's release mentions it)? */
bool on_marten(void);

/* Writes a whole string to a new (or truncated) file; true on success. */
bool write_file(const char *path, const char *text);

/* Reads up to len-1 bytes of a file into buf (NUL-terminated); the count or -1. */
long read_file(const char *path, char *buf, size_t len);

/* Prints "ok - WHAT # SKIP WHY" (counted as neither pass nor failure). */
void skip(const char *what, const char *why);

#endif
