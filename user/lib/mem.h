/* mem.h: looking at memory in the tests. */
#ifndef MARTEN_MEM_H
#define MARTEN_MEM_H

#include <stdbool.h>

/* True when every one of the len bytes at p is value. */
bool filled_with(const char *p, unsigned long len, char value);

#endif
