/* SPDX-License-Identifier: MIT */
/* launch_floor.c - the least any launcher costs: start CMD, wait for it,
 * exit with its status, and nothing else (bench/bench-run.sh).  Dynamic,
 * like sockaudit, so its own loading is in the figure too.
 *
 *   launch_floor fork|vfork|spawn|clone CMD [ARG]...
 *
 * fork: fork then execve; vfork: vfork then execve; spawn: posix_spawn;
 * clone: clone(CLONE_VM | CLONE_VFORK) on a small stack of our own, then
 * execve.  CMD is a path (no PATH search: none of them should pay for one).
 */
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char **floor_argv;

static int floor_exec(void *unused)
{
	(void)unused;
	execve(floor_argv[0], floor_argv, environ);
	_exit(127);
}

int main(int argc, char **argv)
{
	static char stack[16384] __attribute__((aligned(16)));
	const char *mode = argc > 1 ? argv[1] : "";
	int status;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: launch_floor fork|vfork|spawn|clone CMD [ARG]...\n");
		return 125;
	}
	floor_argv = argv + 2;
	if (!strcmp(mode, "fork")) {
		pid = fork();
		if (pid == 0)
			floor_exec(NULL);
	} else if (!strcmp(mode, "vfork")) {
		pid = vfork();
		if (pid == 0)
			floor_exec(NULL);
	} else if (!strcmp(mode, "spawn")) {
		if (posix_spawn(&pid, floor_argv[0], NULL, NULL, floor_argv, environ))
			pid = -1;
	} else if (!strcmp(mode, "clone")) {
		pid = clone(floor_exec, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
			    NULL);
	} else {
		fprintf(stderr, "launch_floor: unknown mode '%s'\n", mode);
		return 125;
	}
	if (pid < 0) {
		perror("launch_floor");
		return 125;
	}
	if (waitpid(pid, &status, 0) < 0)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
