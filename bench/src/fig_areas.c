/* fig_areas.c: a 64 KiB mmap+munmap in a process holding 10, 1,000 or 10,000 other areas.
 *
 * Setup maps 2 * size pages of anonymous memory in one call, then unmaps
 * every other page: `size` one-page areas separated by one-page holes,
 * which no kernel can merge and into which the 64 KiB mapping does not fit.
 * Iteration: mmap 64 KiB anywhere, munmap it, untouched. */
#include <stdio.h>
#include <sys/mman.h>

#include "figure.h"

#define PAGE 4096L
#define MAP_LEN (64L * 1024)

static int areas_setup(struct ctx *c)
{
	size_t len = 2 * (size_t)c->size * PAGE;
	char *base = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return fail_errno(c, "mmap of the areas");
	c->buf = base;
	c->len = len;
	for (long i = 0; i < c->size; i++) {
		if (munmap(base + (2 * i + 1) * PAGE, PAGE) < 0) {
			char what[64];
			snprintf(what, sizeof what, "munmap of a hole after %ld areas", i);
			return fail_errno(c, what);
		}
	}
	return 0;
}

static void areas_teardown(struct ctx *c)
{
	if (c->buf)
		munmap(c->buf, c->len);
	c->buf = NULL;
	c->len = 0;
}

static int map_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return fail_errno(c, "mmap 64 KiB");
		if (munmap(p, MAP_LEN) < 0)
			return fail_errno(c, "munmap 64 KiB");
	}
	*ns = now_ns() - t0;
	return 0;
}

const struct figure areas_figures[] = {
	{ "mmap_64k_areas_10", "us", 0, 1, areas_setup, map_run, areas_teardown, 10, NULL },
	{ "mmap_64k_areas_1000", "us", 0, 1, areas_setup, map_run, areas_teardown, 1000, NULL },
	{ "mmap_64k_areas_10000", "us", 0, 1, areas_setup, map_run, areas_teardown, 10000, NULL },
	{ 0 },
};
