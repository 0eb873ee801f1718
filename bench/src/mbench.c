/* mbench.c: runs the benchmark figures and prints one BENCH line for each.
 *
 *   mbench [--quick] [NAME]...
 *
 * Without names every figure runs, in a fixed order. Each figure is timed
 * over a loop calibrated to last at least 50 ms, five times; the line gives
 * the median, the minimum and the maximum of the five (a figure whose
 * iterations are long and alike, like the disk figures, skips the
 * calibration and is timed a few times with one iteration each):
 *
 *   BENCH <name> <median> <min> <max> <unit> <lower|higher>
 *   BENCH <name> n/a <reason>
 *
 * Before the figures it prints two lines describing where it runs (see
 * info.c): BENCHINFO uname ... and BENCHINFO cpuid ....
 *
 * A figure with a bandwidth name prints a second line, its MiB/s, from the
 * same runs; naming either name runs both.
 *
 * --quick runs a handful of iterations once (a smoke test). Lines are written
 * with write(2), never buffered, so nothing is lost or doubled across fork. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "figure.h"

#define TARGET_NS 50e6
#define REPEATS 5
#define QUICK_ITERATIONS 3
#define MAX_ITERATIONS 1000000000L

const char *self_path = "mbench";
int quick_mode;

static const struct figure *const tables[] = {
	sys_figures, proc_figures, mem_figures, dir_figures,
	areas_figures, fork_scale_figures, shell_figures, mymem_figures,
	signal_figures, thread_figures, disk_figures,
};

#define TABLES (sizeof tables / sizeof tables[0])

static void put_line(const char *line)
{
	write_all(1, line, strlen(line));
}

/* Formats a figure with about four significant digits, without exponent. */
static void format_value(char *out, size_t size, double v)
{
	const char *fmt = v >= 1000 ? "%.0f" : v >= 100 ? "%.1f" : v >= 10 ? "%.2f" : v >= 1 ? "%.3f" : "%.4f";
	snprintf(out, size, fmt, v);
}

/* Turns a run's time into the figure's unit. */
static double to_unit(const struct figure *f, const struct ctx *c, long n, double ns)
{
	double work = (double)n * (c->work > 0 ? c->work : f->work);
	if (ns <= 0)
		ns = 1;
	if (f->higher_is_better)
		return work / (ns / 1e9) / (1024.0 * 1024.0);
	return ns / work / (strcmp(f->unit, "ms") == 0 ? 1e6 : 1e3);
}

/* Chooses an iteration count whose run lasts at least TARGET_NS. */
static long calibrate(const struct figure *f, struct ctx *c)
{
	long n = 1;
	double ns;

	for (;;) {
		if (f->run(c, n, &ns) < 0)
			return -1;
		if (ns >= TARGET_NS || n >= MAX_ITERATIONS)
			return n;
		double guess = ns > 0 ? (double)n * TARGET_NS * 1.1 / ns : (double)n * 100;
		if (guess > (double)n * 100)
			guess = (double)n * 100;
		long next = (long)guess + 1;
		if (next <= n)
			next = n * 2;
		n = next < MAX_ITERATIONS ? next : MAX_ITERATIONS;
	}
}

static void sort(double *v, int len)
{
	for (int i = 1; i < len; i++) {
		double x = v[i];
		int j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Prints one BENCH line with a figure's median, minimum and maximum. */
static void put_values(const char *name, double med, double lo, double hi, const char *unit,
		       int higher_is_better)
{
	char line[320], m[32], l[32], h[32];

	format_value(m, sizeof m, med);
	format_value(l, sizeof l, lo);
	format_value(h, sizeof h, hi);
	snprintf(line, sizeof line, "BENCH %s %s %s %s %s %s\n", name, m, l, h, unit,
		 higher_is_better ? "higher" : "lower");
	put_line(line);
}

/* Runs one figure and prints its line (and its bandwidth line, if it has one). */
static void measure(const struct figure *f, int quick)
{
	struct ctx c = { .fd = -1, .size = f->size };
	double values[REPEATS];
	int runs = quick ? 1 : REPEATS;
	char line[320];

	int ok = !f->setup || f->setup(&c) == 0;
	long n = QUICK_ITERATIONS;
	if (ok && c.runs > 0) {
		/* The figure asked for a few long iterations, timed one by one. */
		n = 1;
		if (!quick)
			runs = c.runs < REPEATS ? c.runs : REPEATS;
	} else if (ok && !quick) {
		n = calibrate(f, &c);
	}
	ok = ok && n > 0;
	for (int i = 0; ok && i < runs; i++) {
		double ns;
		ok = f->run(&c, n, &ns) == 0;
		values[i] = to_unit(f, &c, n, ns);
	}
	if (f->teardown)
		f->teardown(&c);
	if (!ok) {
		snprintf(line, sizeof line, "BENCH %s n/a %s\n", f->name,
			 c.why[0] ? c.why : "failed");
		put_line(line);
		if (f->bw_name) {
			snprintf(line, sizeof line, "BENCH %s n/a %s\n", f->bw_name,
				 c.why[0] ? c.why : "failed");
			put_line(line);
		}
		return;
	}
	sort(values, runs);
	put_values(f->name, values[runs / 2], values[0], values[runs - 1], f->unit,
		   f->higher_is_better);
	if (f->bw_name) {
		/* us per call -> MiB/s: the fastest run has the highest bandwidth. */
		double mib = (double)f->size / (1024.0 * 1024.0) * 1e6;
		put_values(f->bw_name, mib / values[runs / 2], mib / values[runs - 1],
			   mib / values[0], "MiB/s", 1);
	}
}

static const struct figure *find(const char *name)
{
	for (size_t t = 0; t < TABLES; t++) {
		for (const struct figure *f = tables[t]; f->name; f++) {
			if (strcmp(f->name, name) == 0 || (f->bw_name && strcmp(f->bw_name, name) == 0))
				return f;
		}
	}
	return NULL;
}

static int usage(int code)
{
	char line[160];

	put_line("usage: mbench [--quick] [NAME]...\nfigures:");
	for (size_t t = 0; t < TABLES; t++) {
		for (const struct figure *f = tables[t]; f->name; f++) {
			snprintf(line, sizeof line, " %s", f->name);
			put_line(line);
		}
	}
	put_line("\n");
	return code;
}

int main(int argc, char **argv)
{
	int quick = 0;
	int named = 0;

	if (argc > 0)
		self_path = argv[0];
	/* A pipe whose reader died must give EPIPE (a reason), not kill us. */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick_mode = quick = 1;
		else if (strcmp(argv[i], "--") == 0)
			continue;
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return usage(0);
		else if (find(argv[i]))
			named++;
		else {
			char line[160];
			snprintf(line, sizeof line, "mbench: unknown figure %s\n", argv[i]);
			put_line(line);
			return usage(2);
		}
	}
	print_info();
	if (named) {
		for (int i = 1; i < argc; i++) {
			const struct figure *f = find(argv[i]);
			int again = 0;
			for (int j = 1; j < i && f; j++)
				again |= find(argv[j]) == f;
			if (f && !again)
				measure(f, quick);
		}
		return 0;
	}
	for (size_t t = 0; t < TABLES; t++) {
		for (const struct figure *f = tables[t]; f->name; f++)
			measure(f, quick);
	}
	return 0;
}
