/* init.c: /init of the bench initramfs: runs /bin/mbench, prints MBENCH-DONE, powers off.
 *
 * The arguments after "--" on the kernel command line reach this program as
 * argv[1..] and are handed to /bin/mbench unchanged; KEY=VALUE words reach it
 * as the environment, which mbench inherits.
 *
 * Linux starts /init with an empty /dev (only the /dev/console node of the
 * initramfs), so when /dev/null is missing this program mounts devtmpfs on
 * /dev, tmpfs on /tmp and proc on /proc; failures are ignored. A kernel
 * that provides them itself, like Marten, gets no mounts. Either way both
 * kernels then offer the same files to the benchmark (busybox's shell, for
 * one, looks at /proc/self/exe).
 *
 * On such a kernel (Linux) it also loads /lib/modules/mymem.ko, when the
 * image has it, with finit_module(2): /dev/mymem for the benchmark (see
 * bench/mymem/). When loading fails, the reason goes to /tmp/mymem.why,
 * where the /dev/mymem figures find it. It then loads the virtio disk
 * driver's modules from /lib/modules/virtio/, when the image has them
 * (Debian's cloud kernel builds them as modules), and waits a moment for
 * /dev/vda: the disk figures mount it. A module that fails to load is
 * reported on the console; the disk figures then say there is no disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MBENCH "/bin/mbench"
#define MYMEM_KO "/lib/modules/mymem.ko"
#define MYMEM_WHY "/tmp/mymem.why"
#define MAX_ARGS 64
#define VIRTIO_DIR "/lib/modules/virtio/"
#define DISK "/dev/vda"

/* The virtio block driver and what it needs, in the order they load. */
static const char *const virtio_modules[] = {
	"virtio_ring", "virtio", "virtio_pci_modern_dev", "virtio_pci_legacy_dev",
	"virtio_pci", "virtio_blk",
};

static void say(const char *text)
{
	size_t len = strlen(text);
	while (len > 0) {
		ssize_t r = write(1, text, len);
		if (r <= 0)
			return;
		text += r;
		len -= (size_t)r;
	}
}

static void say_errno(const char *what)
{
	char line[160];
	snprintf(line, sizeof line, "init: %s: %s\n", what, strerror(errno));
	say(line);
}

static void load_mymem(void);
static void load_virtio(void);

/* Gives the kernel's missing pieces the same shape on every kernel. */
static void prepare_files(void)
{
	if (access("/dev/null", F_OK) == 0)
		return;
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mkdir("/proc", 0555);
	mount("proc", "/proc", "proc", 0, NULL);
	/* Without a console node at boot there are no fds 0-2: open one now. */
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	load_mymem();
	load_virtio();
}

/* Loads the /dev/mymem module, if the image has one; a failure is reported
 * on the console and in MYMEM_WHY. */
static void load_mymem(void)
{
	int fd = open(MYMEM_KO, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST) {
		char line[160];
		snprintf(line, sizeof line, "finit_module " MYMEM_KO ": %s", strerror(errno));
		say("init: ");
		say(line);
		say("\n");
		int why = open(MYMEM_WHY, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (why >= 0) {
			write(why, line, strlen(line));
			close(why);
		}
	}
	close(fd);
}

/* Loads the virtio disk modules the image holds, then waits up to two
 * seconds for the disk's device node. */
static void load_virtio(void)
{
	int loaded = 0;

	for (size_t i = 0; i < sizeof virtio_modules / sizeof virtio_modules[0]; i++) {
		char path[96];
		snprintf(path, sizeof path, VIRTIO_DIR "%s.ko", virtio_modules[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			say_errno(path);
		else
			loaded++;
		close(fd);
	}
	for (int tries = 0; loaded > 0 && tries < 200 && access(DISK, F_OK) != 0; tries++)
		usleep(10000);
}

/* Runs /bin/mbench with our arguments; returns its exit code or -1. */
static int run_mbench(int argc, char **argv, char **envp)
{
	char *args[MAX_ARGS + 2];
	int n = 0;

	args[n++] = MBENCH;
	for (int i = 1; i < argc && n <= MAX_ARGS; i++) {
		/* Linux drops the "--" itself; a kernel that passes it on gets the same result. */
		if (strcmp(argv[i], "--") != 0)
			args[n++] = argv[i];
	}
	args[n] = NULL;

	pid_t pid = fork();
	if (pid < 0) {
		say_errno("fork");
		return -1;
	}
	if (pid == 0) {
		execve(MBENCH, args, envp);
		say_errno("execve " MBENCH);
		_exit(127);
	}
	int status;
	for (;;) {
		pid_t r = waitpid(pid, &status, 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			say_errno("wait4");
			return -1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int main(int argc, char **argv, char **envp)
{
	prepare_files();
	int code = run_mbench(argc, argv, envp);
	if (code != 0) {
		char line[64];
		snprintf(line, sizeof line, "init: mbench exited with %d\n", code);
		say(line);
	}
	say("MBENCH-DONE\n");
	sync();
	reboot(RB_POWER_OFF);
	say_errno("reboot(RB_POWER_OFF)");
	return 1;
}
