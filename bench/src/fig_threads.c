/* fig_threads.c: threads: pthread_create+pthread_join, an uncontended and a
 * two-thread contended pthread mutex, a futex ping-pong between two
 * threads, and the /dev/mymem counter race (user/tests/mymem_race.c) with
 * 2, 10 and 50 threads, with and without a mutex. A kernel without threads
 * gives "n/a" with pthread_create's error; the other figures are untouched. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "figure.h"

/* futex(2) operations (musl has no <linux/futex.h>). */
#define FUTEX_WAIT_PRIVATE 128 /* FUTEX_WAIT | FUTEX_PRIVATE_FLAG */
#define FUTEX_WAKE_PRIVATE 129 /* FUTEX_WAKE | FUTEX_PRIVATE_FLAG */

/* Rounds per thread of one race run: the program's 150,000 scaled down 150
 * times, so that the 50-thread run (100,000 system calls) stays short. */
#define RACE_ROUNDS 1000
/* With --quick: a smoke test. */
#define RACE_ROUNDS_QUICK 100

static int fail_create(struct ctx *c, int e)
{
	snprintf(c->why, sizeof c->why, "pthread_create: %s", strerror(e));
	return -1;
}

static void *nothing(void *arg)
{
	return arg;
}

/* One iteration: pthread_create of a thread that returns at once, then pthread_join. */
static int create_join_run(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t t;
		int e = pthread_create(&t, NULL, nothing, NULL);
		if (e != 0)
			return fail_create(c, e);
		pthread_join(t, NULL);
	}
	*ns = now_ns() - t0;
	return 0;
}

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static volatile long shared_count;

/* One iteration: pthread_mutex_lock + unlock, no other thread. */
static int uncontended_run(struct ctx *c, long n, double *ns)
{
	(void)c;
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mutex);
		shared_count++;
		pthread_mutex_unlock(&mutex);
	}
	*ns = now_ns() - t0;
	return 0;
}

static void lock_loop(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mutex);
		shared_count++;
		pthread_mutex_unlock(&mutex);
	}
}

static void *lock_worker(void *arg)
{
	lock_loop((long)arg);
	return NULL;
}

/* One iteration: a lock + unlock by either of two threads that both loop on
 * the same mutex (n in all, half each). */
static int contended_run(struct ctx *c, long n, double *ns)
{
	pthread_t t;
	shared_count = 0;
	double t0 = now_ns();
	int e = pthread_create(&t, NULL, lock_worker, (void *)(n / 2));
	if (e != 0)
		return fail_create(c, e);
	lock_loop(n - n / 2);
	pthread_join(t, NULL);
	*ns = now_ns() - t0;
	if (shared_count != n)
		return fail_text(c, "the mutex lost an increment");
	return 0;
}

/* The ping-pong word: 1 when it is the other thread's turn, 0 when ours. */
static int turn;

static long futex(int *word, int op, int val)
{
	return syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static void *pong(void *arg)
{
	long rounds = (long)arg;
	for (long i = 0; i < rounds; i++) {
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == 0)
			futex(&turn, FUTEX_WAIT_PRIVATE, 0);
		__atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

/* One iteration: a round trip: this thread hands the turn over with
 * FUTEX_WAKE and sleeps in FUTEX_WAIT until the other hands it back. Work 2:
 * the figure is one wake-to-run hand-over (a round trip / 2). */
static int pingpong_run(struct ctx *c, long n, double *ns)
{
	pthread_t t;
	turn = 0;
	int e = pthread_create(&t, NULL, pong, (void *)n);
	if (e != 0)
		return fail_create(c, e);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		__atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1);
		while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) == 1)
			futex(&turn, FUTEX_WAIT_PRIVATE, 1);
	}
	*ns = now_ns() - t0;
	pthread_join(t, NULL);
	return 0;
}

/* ---- the /dev/mymem race ---- */

struct race {
	int fd;
	int locked;
	volatile int go; /* 0: wait, 1: run, -1: give up */
	volatile int io_error;
};

static void *race_worker(void *arg)
{
	struct race *r = arg;
	int go;
	while ((go = __atomic_load_n(&r->go, __ATOMIC_ACQUIRE)) == 0)
		sched_yield();
	long rounds = quick_mode ? RACE_ROUNDS_QUICK : RACE_ROUNDS;
	for (long i = 0; go > 0 && i < rounds; i++) {
		uint64_t v;
		if (r->locked)
			pthread_mutex_lock(&mutex);
		int ok = pread(r->fd, &v, sizeof v, 0) == sizeof v;
		v++;
		ok = ok && pwrite(r->fd, &v, sizeof v, 0) == sizeof v;
		if (r->locked)
			pthread_mutex_unlock(&mutex);
		if (!ok) {
			r->io_error = errno ? errno : EIO;
			break;
		}
	}
	return NULL;
}

static int race_setup(struct ctx *c)
{
	return mymem_open(c);
}

static void race_teardown(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* One iteration: a whole race: the counter reset, c->size threads started
 * (they wait for a flag), let go together, joined. With the lock nothing
 * may be lost; without, losses are the point. */
static int race_run(struct ctx *c, long n, int locked, double *ns)
{
	pthread_t t[64];
	long threads = c->size;
	struct race r = { .fd = c->fd, .locked = locked };
	double total = 0;

	for (long it = 0; it < n; it++) {
		uint64_t v = 0;
		if (pwrite(c->fd, &v, sizeof v, 0) != sizeof v)
			return fail_errno(c, "reset the counter");
		r.go = 0;
		long started = 0;
		int e = 0;
		for (; started < threads; started++) {
			e = pthread_create(&t[started], NULL, race_worker, &r);
			if (e != 0)
				break;
		}
		double t0 = now_ns();
		__atomic_store_n(&r.go, e == 0 ? 1 : -1, __ATOMIC_RELEASE);
		for (long i = 0; i < started; i++)
			pthread_join(t[i], NULL);
		total += now_ns() - t0;
		if (e != 0)
			return fail_create(c, e);
		if (r.io_error) {
			errno = r.io_error;
			return fail_errno(c, "pread/pwrite of /dev/mymem");
		}
		if (pread(c->fd, &v, sizeof v, 0) != sizeof v)
			return fail_errno(c, "read the counter");
		if (locked && v != (uint64_t)threads * (quick_mode ? RACE_ROUNDS_QUICK : RACE_ROUNDS))
			return fail_text(c, "increments were lost under the lock");
	}
	*ns = total;
	return 0;
}

static int race_lock_run(struct ctx *c, long n, double *ns)
{
	return race_run(c, n, 1, ns);
}

static int race_nolock_run(struct ctx *c, long n, double *ns)
{
	return race_run(c, n, 0, ns);
}

#define RACE(mode, w) \
	{ "mymem_race_" #mode "_" #w, "ms", 0, 1, race_setup, race_##mode##_run, race_teardown, w, NULL }

const struct figure thread_figures[] = {
	{ "thread_create_join", "us", 0, 1, NULL, create_join_run, NULL, 0, NULL },
	{ "mutex_uncontended", "us", 0, 1, NULL, uncontended_run, NULL, 0, NULL },
	{ "mutex_contended_2", "us", 0, 1, NULL, contended_run, NULL, 0, NULL },
	{ "futex_pingpong", "us", 0, 2, NULL, pingpong_run, NULL, 0, NULL },
	RACE(lock, 2),
	RACE(lock, 10),
	RACE(lock, 50),
	RACE(nolock, 2),
	RACE(nolock, 10),
	RACE(nolock, 50),
	{ 0 },
};
