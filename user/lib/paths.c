/* paths.c: finds this program, its siblings, and the image's data files. */
#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

void self_path(const char *argv0, char *buf, size_t len)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    if (argv0 != NULL && strchr(argv0, '/') != NULL)
        snprintf(buf, len, "%s", argv0);
    else if (execfn != NULL && strchr(execfn, '/') != NULL)
        snprintf(buf, len, "%s", execfn);
    else
        snprintf(buf, len, "/bin/%s", argv0 != NULL ? argv0 : "");
}

void sibling_path(const char *argv0, const char *name, char *buf, size_t len)
{
    char self[256];
    self_path(argv0, self, sizeof self);
    char *slash = strrchr(self, '/');
    int dir_len = slash != NULL ? (int)(slash - self) : 0;
    snprintf(buf, len, "%.*s/%s", dir_len, self, name);
}

void image_path(const char *abs, char *buf, size_t len)
{
    const char *root = getenv("MARTEN_TEST_ROOT");
    snprintf(buf, len, "%s%s", root != NULL ? root : "", abs);
}
