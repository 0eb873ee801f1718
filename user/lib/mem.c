/* mem.c: looking at memory in the tests. */
#include "mem.h"

bool filled_with(const char *p, unsigned long len, char value)
{
    for (unsigned long i = 0; i < len; i++)
        if (p[i] != value)
            return false;
    return true;
}
