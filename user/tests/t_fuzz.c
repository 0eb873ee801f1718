/* t_fuzz.c: random system calls with random arguments must never bring the
 * kernel down. It only runs on Marten: on a real system (as root, with the
 * strings of this program as arguments) it could change real files. Each batch runs in a child (stdio on /dev/null) that is
 * killed if a call blocks; the parent checks that every child ended and
 * that the system still forks afterwards. The seed is fixed (or given as
 * the second argument), so a failure can be replayed. */
#include "check.h"
#include "proc.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t state;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* Arguments that reach interesting places: zero, small numbers, -1 and its
 * neighbours, kernel addresses, program and stack addresses, anything. */
static uint64_t arg(void)
{
	switch (rnd() % 8) {
	case 0: return 0;
	case 1: return rnd() % 4096;
	case 2: return (uint64_t)-1 - rnd() % 16;
	case 3: return 0xffff800000000000ull + rnd() % 0x100000000ull;
	case 4: return 0x400000 + rnd() % 0x200000;
	case 5: return 0x7ffffffde000ull + rnd() % 0x20000;
	case 6: return rnd();
	default: return rnd() % 64;
	}
}

/* Calls that would end this child or another process on purpose, or act
 * on the whole system, or multiply processes. The System V IPC *get calls
 * make objects that outlive the process by design (svipc(7)), which the
 * stress script's leak check would count. */
static int skipped(long nr)
{
	return nr == SYS_exit || nr == SYS_exit_group || nr == SYS_reboot || nr == SYS_kill || nr == SYS_fork ||
	       nr == SYS_vfork || nr == SYS_clone || nr == SYS_tkill || nr == SYS_tgkill ||
	       nr == SYS_syslog || nr == SYS_shmget || nr == SYS_semget || nr == SYS_msgget;
}

static void fuzz_batch(uint64_t seed)
{
	int null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	state = seed | 1;
	for (int i = 0; i < 50; i++) {
		long nr = (long)(rnd() % 340);
		if (!skipped(nr))
			syscall(nr, arg(), arg(), arg(), arg(), arg(), arg());
	}
	_exit(0);
}

static void exit_42(void *unused)
{
	(void)unused;
	_exit(42);
}

int main(int argc, char **argv)
{
	check_init("t_fuzz");
	struct utsname u;
	if (uname(&u) != 0 || strstr(u.release, "marten") == NULL) {
		say("t_fuzz: not on Marten (release %s): refusing to make random system calls here", u.release);
		return 0;
	}
	long rounds = argc > 1 ? atol(argv[1]) : 300;
	state = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5eed5eed5eedull;
	long ended = 0, killed = 0;
	for (long r = 0; r < rounds; r++) {
		uint64_t seed = rnd();
		pid_t pid = fork();
		if (pid < 0)
			break;
		if (pid == 0)
			fuzz_batch(seed);
		int done = 0;
		for (int t = 0; t < 100 && !done; t++) {
			if (waitpid(pid, NULL, WNOHANG) == pid)
				done = 1;
			else
				usleep(1000);
		}
		if (!done) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			killed++;
		}
		ended++;
	}
	check_eq(ended, rounds, "every fuzzing child ended (exited, died or was killed)");
	say("t_fuzz: %ld batches of 50 calls, %ld killed while blocked", rounds, killed);
	int status = run_in_child(exit_42, NULL);
	check(exited_with(status, 42), "fork, exit and wait still work afterwards", "status %d", status);
	return check_finish();
}
