/* SPDX-License-Identifier: MIT */
/* run_cli.h - the library-free half of `sockaudit run`: its options, how
 * CMD is found, the environment CMD gets, and what the preload layer cannot
 * see.  Nothing here prints or exits; tools/run.c does.  Unit-tested on its
 * own by tests/unit/test_run_cli.c.
 */
#ifndef SOCKAUDIT_RUN_CLI_H
#define SOCKAUDIT_RUN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "run.h"

struct run_opts {
	const char *policy_path;	/* -p; NULL: the embedded default */
	const char *log_path;		/* -o as given; NULL or "-": stderr */
	bool mode_set;			/* --mode given */
	enum policy_mode mode;
	enum run_layer layer;		/* --layer; RUN_LAYER_AUTO by default */
	uint64_t log_max_size;		/* --log-max-size in bytes; 0: none */
	unsigned log_keep;		/* --log-keep; RUN_CLI_KEEP by default */
	int log_mode;			/* --log-mode; -1: none */
	const char *log_group;		/* --log-group as given; NULL: none */
	bool quiet;			/* -q: no summary, no notes */
	bool help;			/* --help: nothing else is checked */
	char **cmd;			/* CMD [ARG...], NULL-terminated */
};

/* The rotated files kept when --log-max-size comes without --log-keep (as
 * LAUREL and Tetragon keep 5), and the most --log-keep takes. */
#define RUN_CLI_KEEP 5
#define RUN_CLI_KEEP_MAX 1000

/* Parse `run`'s ARGC/ARGV (ARGV[0] is "run"), stopping at the first
 * non-option (CMD) or after "--".  Returns 0, or -EINVAL with a message
 * ("unknown option '--x'", "missing CMD", ...) in ERR. */
int run_cli_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen);

/* A size with an optional binary suffix: "10M", "512k", "1G", "4096"
 * (K, M, G are 1024, 1024^2, 1024^3; upper or lower case; a trailing "B"
 * or "iB" is allowed).  Returns 0 and the bytes in *OUT, or -EINVAL (no
 * number, an unknown suffix, 0, an overflow). */
int run_cli_size(const char *s, uint64_t *out);

/* An octal file mode for the log, "0640" or "640": 0 and *OUT, or -EINVAL
 * (not octal, or bits beyond 0777: a log is no program). */
int run_cli_mode(const char *s, int *out);

/* A group by name or number: 0 and *GID, or -ENOENT (no such group). */
int run_cli_group(const char *s, gid_t *gid);

/* Find CMD as execvp(3) does: as given when it holds a '/', else in each
 * directory of PATH (NULL: "/bin:/usr/bin"; an empty entry is the current
 * directory).  Returns 0 and a malloc'd path in *OUT; -ENOENT when there is
 * no such file; -EACCES when the only candidates are not executable regular
 * files (*OUT then holds the first of them); -ENOMEM. */
int run_cli_resolve(const char *cmd, const char *path, char **out);

/* Non-zero when the LD_PRELOAD entry ENTRY is a sanitizer runtime (libasan,
 * libclang_rt.asan*, libtsan, libubsan, ...), which must be loaded first. */
bool run_cli_is_sanitizer(const char *entry);

/* The LD_PRELOAD value CMD gets: the sanitizer runtimes already in OLD (NULL:
 * none), then RUNTIME (the runtime the shim itself needs; NULL: none), then
 * SHIM, then the other entries of OLD in their order.  OLD may separate its
 * entries with ':' or ' '; the result uses ':'.  Malloc'd; NULL: ENOMEM. */
char *run_cli_preload(const char *old, const char *shim, const char *runtime);

/* The first DT_NEEDED entry of the ELF shared object PATH that is a
 * sanitizer runtime ("libasan.so.8"), into BUF.  Returns 0, -ENOENT when it
 * needs none, or another negative errno when PATH cannot be read as ELF. */
int run_cli_needed_sanitizer(const char *path, char *buf, size_t len);

/* Why the preload layer cannot see the program at PATH. */
enum run_blind {
	RUN_SEES,		/* a dynamically linked program */
	RUN_BLIND_STATIC,	/* an ELF without PT_INTERP */
	RUN_BLIND_SETID,	/* setuid/setgid: the loader runs it
				   securely and drops LD_PRELOAD */
	RUN_BLIND_FCAPS,	/* file capabilities (security.capability)
				   raise the caller: the same */
};

/* The file capabilities of PATH (its security.capability attribute, the
 * permitted set), as the names getcap(8) prints, joined by ',', into BUF
 * of LEN bytes ("cap_net_raw", "cap_net_admin,cap_net_raw").  Returns the
 * number of capabilities, 0 when it has none, or -errno. */
int run_cli_file_caps(const char *path, char *buf, size_t len);

/* Is the ELF at PATH a Go program (a .go.buildinfo, .note.go.buildid or
 * .gopclntab section: what the Go linker writes, stripped or not, static or
 * dynamic)?  Go makes its sockets with raw system calls, not through libc,
 * so the preload layer sees none of them. */
bool run_cli_is_go(const char *path);

/* Look at PATH (following a script's "#!" interpreter, up to the kernel's
 * depth); *CULPRIT gets a malloc'd copy of the file that decided (PATH
 * itself, or its interpreter), or NULL when RUN_SEES.  Files that cannot be
 * read, or are not ELF, count as RUN_SEES: exec will report them. */
enum run_blind run_cli_blind(const char *path, char **culprit);

/* A copy of the NULL-terminated environment ENV, malloc'd (NULL: ENOMEM). */
char **run_cli_env_dup(char *const *env);

/* Set NAME=VALUE in the malloc'd *ENV (replacing every NAME=), or remove
 * NAME when VALUE is NULL.  Returns 0 or -ENOMEM. */
int run_cli_env_set(char ***env, const char *name, const char *value);

/* The value of NAME in ENV, or NULL. */
const char *run_cli_env_get(char *const *env, const char *name);

void run_cli_env_free(char **env);

#endif
