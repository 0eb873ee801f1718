/* mymem_race.c: the /dev/mymem counter race. W threads each do N rounds of
 * "pread the 8-byte counter at offset 0, add one, pwrite it back":
 *
 *   mymem_race lock|nolock|ioctl [W] [N]     (W defaults to 2, N to 150000)
 *
 * lock:   a pthread mutex around each round: nothing may be lost.
 * nolock: no lock: rounds that overlap lose increments; reported, never failed.
 * ioctl:  MYMEM_IOC_ADD, the device's atomic add: nothing may be lost.
 *
 * The counter is reset to 0 first. Prints the final count, the expected one
 * and the share lost. Exit status: 0 when the mode's promise held (nolock:
 * always), 1 when lock or ioctl lost an increment, 2 on a usage error or a
 * missing device, 3 when threads could not be started or an I/O call failed. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef MYMEM /* a test build may point it at a plain file */
#define MYMEM "/dev/mymem"
#endif
#define MAX_THREADS 1000

/* The ioctl's argument and number: _IOWR('m', 1, struct mymem_add) (see
 * crates/abi/src/mymem.rs and t_mymem.c). */
struct mymem_add {
    uint64_t offset;
    int64_t value;
    uint64_t result;
};
#define MYMEM_IOC_ADD _IOWR('m', 1, struct mymem_add)

enum mode { LOCK, NOLOCK, IOCTL };

static int fd;
static enum mode mode;
static long rounds;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t start;
static volatile int io_failed;

/* One round without a lock: read, add one, write back. */
static int add_one(void)
{
    uint64_t v;
    if (pread(fd, &v, sizeof v, 0) != sizeof v)
        return -1;
    v++;
    if (pwrite(fd, &v, sizeof v, 0) != sizeof v)
        return -1;
    return 0;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (long i = 0; i < rounds; i++) {
        int r;
        if (mode == IOCTL) {
            struct mymem_add a = { .offset = 0, .value = 1, .result = 0 };
            r = ioctl(fd, MYMEM_IOC_ADD, &a);
        } else if (mode == LOCK) {
            pthread_mutex_lock(&lock);
            r = add_one();
            pthread_mutex_unlock(&lock);
        } else {
            r = add_one();
        }
        if (r < 0) {
            io_failed = errno ? errno : EIO;
            break;
        }
    }
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: mymem_race lock|nolock|ioctl [THREADS] [ROUNDS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4)
        return usage();
    if (strcmp(argv[1], "lock") == 0)
        mode = LOCK;
    else if (strcmp(argv[1], "nolock") == 0)
        mode = NOLOCK;
    else if (strcmp(argv[1], "ioctl") == 0)
        mode = IOCTL;
    else
        return usage();
    long threads = argc > 2 ? strtol(argv[2], NULL, 10) : 2;
    rounds = argc > 3 ? strtol(argv[3], NULL, 10) : 150000;
    if (threads < 1 || threads > MAX_THREADS || rounds < 1)
        return usage();
    setvbuf(stdout, NULL, _IONBF, 0);

    fd = open(MYMEM, O_RDWR);
    if (fd < 0) {
        if (errno == ENOENT)
            printf("mymem_race: " MYMEM " is missing (on Linux, load the module of bench/mymem/)\n");
        else
            printf("mymem_race: open " MYMEM ": %s\n", strerror(errno));
        return 2;
    }
    uint64_t zero = 0, final = 0;
    if (pwrite(fd, &zero, sizeof zero, 0) != sizeof zero) {
        printf("mymem_race: resetting the counter: %s\n", strerror(errno));
        return 3;
    }

    static pthread_t t[MAX_THREADS];
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    for (long i = 0; i < threads; i++) {
        int e = pthread_create(&t[i], NULL, worker, NULL);
        if (e != 0) {
            /* The ones started wait at the barrier for ever: leave now. */
            printf("mymem_race: pthread_create of thread %ld: %s\n", i + 1, strerror(e));
            _exit(3);
        }
    }
    for (long i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    if (io_failed) {
        printf("mymem_race: a round failed: %s\n", strerror(io_failed));
        return 3;
    }
    if (pread(fd, &final, sizeof final, 0) != sizeof final) {
        printf("mymem_race: reading the counter: %s\n", strerror(errno));
        return 3;
    }
    uint64_t expected = (uint64_t)threads * (uint64_t)rounds;
    uint64_t lost = expected > final ? expected - final : 0;
    printf("mymem_race: mode=%s threads=%ld rounds=%ld final=%llu expected=%llu lost=%llu (%.2f%%)\n",
           argv[1], threads, rounds, (unsigned long long)final, (unsigned long long)expected,
           (unsigned long long)lost, 100.0 * (double)lost / (double)expected);
    if (final > expected) {
        printf("mymem_race: more than expected: the counter was changed by someone else\n");
        return 1;
    }
    if (mode != NOLOCK && lost != 0) {
        printf("mymem_race: FAIL: %s must not lose increments\n", argv[1]);
        return 1;
    }
    return 0;
}
