/* info.c: the BENCHINFO lines: the kernel's uname and the CPU features the program sees.
 *
 *   BENCHINFO uname <sysname> <release> <version...>
 *   BENCHINFO cpuid erms=<0|1> fsrm=<0|1> vendor=<vendor> brand=<brand...>
 *
 * CPUID runs in user mode here, so it shows what QEMU's -cpu option
 * advertises to the guest, whichever kernel runs it. ERMS (leaf 7, EBX bit
 * 9) and FSRM (leaf 7, EDX bit 4) decide whether a kernel's copies use
 * `rep movsb`, which TCG executes one byte per step. */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "figure.h"

static void put(const char *line)
{
	write_all(1, line, strlen(line));
}

static void print_uname(void)
{
	struct utsname u;
	char line[400];

	if (uname(&u) == 0)
		snprintf(line, sizeof line, "BENCHINFO uname %s %s %s\n", u.sysname, u.release, u.version);
	else
		snprintf(line, sizeof line, "BENCHINFO uname n/a\n");
	put(line);
}

/* The 48-byte brand string of leaves 0x80000002..4, trimmed, or "unknown". */
static void brand(char out[49])
{
	unsigned int r[12] = { 0 };
	unsigned int max = __get_cpuid_max(0x80000000, NULL);

	strcpy(out, "unknown");
	if (max < 0x80000004)
		return;
	for (unsigned int i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
	memcpy(out, r, 48);
	out[48] = 0;
	char *s = out;
	while (*s == ' ')
		s++;
	memmove(out, s, strlen(s) + 1);
}

static void print_cpuid(void)
{
	unsigned int a, b, c, d;
	unsigned int v[3] = { 0 };
	char vendor[13] = "unknown";
	char name[49];
	int erms = 0, fsrm = 0;
	char line[200];

	if (__get_cpuid(0, &a, &v[0], &v[2], &v[1])) {
		memcpy(vendor, v, 12);
		vendor[12] = 0;
	}
	if (__get_cpuid_max(0, NULL) >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		erms = (b >> 9) & 1;
		fsrm = (d >> 4) & 1;
	}
	brand(name);
	snprintf(line, sizeof line, "BENCHINFO cpuid erms=%d fsrm=%d vendor=%s brand=%s\n", erms, fsrm,
		 vendor, name);
	put(line);
}

void print_info(void)
{
	print_uname();
	print_cpuid();
}
