/* paths.h: where this program, its sibling programs and the test's data files are. */
#ifndef MARTEN_PATHS_H
#define MARTEN_PATHS_H

#include <stddef.h>

/*
 * The path of this program: argv0 when it contains a '/', else AT_EXECFN
 * when that does, else "/bin/" followed by argv0. The result has a '/'.
 */
void self_path(const char *argv0, char *buf, size_t len);

/* The path of program `name` in the same directory as this program. */
void sibling_path(const char *argv0, const char *name, char *buf, size_t len);

/*
 * An absolute path of the test image (e.g. "/etc/motd") prefixed with the
 * MARTEN_TEST_ROOT environment variable, so the tests can run on a host
 * against a copy of the image's files. Unset means the real root.
 */
void image_path(const char *abs, char *buf, size_t len);

#endif
