/* spawn.c: timed fork+exit+wait and fork+exec+wait loops shared by the process figures. */
#include <stdio.h>
#include <unistd.h>

#include "figure.h"

int fork_exit_loop(struct ctx *c, long n, double *ns)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0)
			return fail_errno(c, "fork");
		int code = wait_child(pid);
		if (code < 0)
			return fail_errno(c, "wait4");
		if (code != 0)
			return fail_text(c, "the child did not exit with 0");
	}
	*ns = now_ns() - t0;
	return 0;
}

int fork_exec_loop(struct ctx *c, long n, double *ns, const char *path, char *const argv[],
		   char *const envp[])
{
	char why[120];
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		int pid = fork();
		if (pid == 0) {
			execve(path, argv, envp);
			_exit(127);
		}
		if (pid < 0)
			return fail_errno(c, "fork");
		int code = wait_child(pid);
		if (code < 0)
			return fail_errno(c, "wait4");
		if (code == 127) {
			snprintf(why, sizeof why, "execve of %s failed in the child", path);
			return fail_text(c, why);
		}
		if (code != 0) {
			snprintf(why, sizeof why, "%s %s exited with %d", path, argv[1] ? argv[1] : "", code);
			return fail_text(c, why);
		}
	}
	*ns = now_ns() - t0;
	return 0;
}
