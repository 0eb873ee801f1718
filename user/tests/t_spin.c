/* t_spin.c [MS]: burns CPU for MS milliseconds (default 1000) sieving the
 * primes below 100000 again and again; every round must count 9592 of them. */
#include "check.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 100000
#define PRIMES_BELOW_LIMIT 9592 /* pi(100000), a known constant */
#define MAX_ROUNDS_PER_MS 200   /* ends the loop even if the clock is stuck */

static unsigned char composite[LIMIT];

/* Sieve of Eratosthenes: the number of primes below LIMIT. */
static int count_primes(void)
{
    memset(composite, 0, sizeof composite);
    int count = 0;
    for (long i = 2; i < LIMIT; i++) {
        if (composite[i])
            continue;
        count++;
        for (long j = i * i; j < LIMIT; j += i)
            composite[j] = 1;
    }
    return count;
}

int main(int argc, char **argv)
{
    check_init("t_spin");
    long ms = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    long long start = mono_ns(), now = start;
    long rounds = 0, wrong = 0, last = 0;
    do {
        last = count_primes();
        if (last != PRIMES_BELOW_LIMIT)
            wrong++;
        rounds++;
        now = mono_ns();
    } while (start >= 0 && now - start < ms * 1000000LL && rounds < ms * MAX_ROUNDS_PER_MS);
    long elapsed = (long)((now - start) / 1000000LL);
    check(start >= 0 && elapsed >= ms, "CLOCK_MONOTONIC advanced by the requested time",
          "start %lld, %ld ms after %ld rounds", start, elapsed, rounds);
    char what[128];
    snprintf(what, sizeof what, "%ld sieve rounds in %ld ms each found %d primes below %d",
             rounds, elapsed, PRIMES_BELOW_LIMIT, LIMIT);
    check(wrong == 0, what, "%ld rounds wrong, last count %ld", wrong, last);
    return check_finish();
}
