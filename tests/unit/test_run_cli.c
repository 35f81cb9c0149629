/* SPDX-License-Identifier: MIT */
/* test_run_cli.c - `sockaudit run`'s options, command resolution, LD_PRELOAD
 * order, ELF inspection and environment, without running anything.
 *
 * Unit tests link only libpolicy.a, so the file under test is compiled in. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "../../tools/run_cli.c"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
/* The compound literal dies with the block CHECK_INT opens, but o->cmd
 * points into it: keep a copy (the strings are literals, they live on). */
static char *kept_argv[32];

static char **keep(char **argv, int argc)
{
	memcpy(kept_argv, argv, (argc + 1) * sizeof(*argv));
	return kept_argv;
}

#define PARSE(o, err, ...)							\
	run_cli_parse(ARGC(__VA_ARGS__), keep(ARGV(__VA_ARGS__), ARGC(__VA_ARGS__)), \
		      (o), (err), sizeof(err))

static void test_parse(void)
{
	struct run_opts o;
	char err[256];

	CHECK_INT(PARSE(&o, err, "run", "curl", "-s", "-p", "x"), 0, "plain CMD");
	CHECK_STR(o.cmd[0], "curl", "CMD is the first non-option");
	CHECK_STR(o.cmd[1], "-s", "CMD's options stay CMD's");
	CHECK_STR(o.cmd[2], "-p", "CMD's -p stays CMD's");
	CHECK(o.policy_path == NULL && o.log_path == NULL, "no -p, no -o");
	CHECK_INT(o.layer, RUN_LAYER_AUTO, "default layer is auto");
	CHECK(!o.mode_set, "no --mode");

	CHECK_INT(PARSE(&o, err, "run", "-p", "pol.json", "-o", "log", "--mode", "enforce",
			"--layer=preload", "--", "sh", "-c", "exit 7"), 0, "every option");
	CHECK_STR(o.policy_path, "pol.json", "-p");
	CHECK_STR(o.log_path, "log", "-o");
	CHECK(o.mode_set && o.mode == POLICY_ENFORCE, "--mode enforce");
	CHECK_INT(o.layer, RUN_LAYER_PRELOAD, "--layer=preload");
	CHECK_STR(o.cmd[0], "sh", "CMD after --");
	CHECK_STR(o.cmd[2], "exit 7", "CMD's args after --");

	CHECK_INT(PARSE(&o, err, "run", "--policy=a", "--log=b", "--mode=audit",
			"--layer", "seccomp", "true"), 0, "long options");
	CHECK_STR(o.policy_path, "a", "--policy=");
	CHECK_STR(o.log_path, "b", "--log=");
	CHECK(o.mode_set && o.mode == POLICY_AUDIT, "--mode=audit");
	CHECK_INT(o.layer, RUN_LAYER_SECCOMP, "--layer seccomp");

	CHECK_INT(PARSE(&o, err, "run", "--", "--help"), 0, "-- then --help is CMD");
	CHECK(!o.help, "--help after -- is not ours");
	CHECK_STR(o.cmd[0], "--help", "CMD named --help");

	CHECK_INT(PARSE(&o, err, "run", "--help"), 0, "--help");
	CHECK(o.help, "--help sets help");
	CHECK_INT(PARSE(&o, err, "run", "-h", "--bogus"), 0, "-h wins before a bad option");
	CHECK(o.help, "-h sets help");

	CHECK_INT(PARSE(&o, err, "run"), -EINVAL, "no CMD");
	CHECK_STR(err, "missing CMD: what should run?", "no CMD message");
	CHECK_INT(PARSE(&o, err, "run", "-p", "x", "--"), -EINVAL, "no CMD after --");
	CHECK_INT(PARSE(&o, err, "run", "--bogus", "true"), -EINVAL, "unknown long option");
	CHECK_STR(err, "unknown option '--bogus'", "unknown long option message");
	CHECK_INT(PARSE(&o, err, "run", "-x", "true"), -EINVAL, "unknown short option");
	CHECK_STR(err, "unknown option '-x'", "unknown short option message");
	CHECK_INT(PARSE(&o, err, "run", "-p"), -EINVAL, "-p without argument");
	CHECK_STR(err, "option '-p' needs an argument", "missing argument message");
	CHECK_INT(PARSE(&o, err, "run", "true", "--mode"), 0, "after CMD nothing is ours");
	CHECK_INT(PARSE(&o, err, "run", "--mode"), -EINVAL, "--mode without argument");
	CHECK_STR(err, "option '--mode' needs an argument", "--mode missing argument message");
	CHECK_INT(PARSE(&o, err, "run", "--mode", "enforcing", "true"), -EINVAL, "bad mode");
	CHECK_STR(err, "invalid mode 'enforcing': use audit or enforce", "bad mode message");
	CHECK_INT(PARSE(&o, err, "run", "--layer=ebpf", "true"), -EINVAL, "bad layer");
	CHECK_STR(err, "invalid layer 'ebpf': use auto, preload or seccomp", "bad layer message");
}

static char tmp[] = "/tmp/test_run_cli.XXXXXX";

static void put(const char *name, const char *text, mode_t mode)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

static void test_resolve(void)
{
	char *out, path[1024], want[512];

	mkdir(strcat(strcpy(path, tmp), "/a"), 0755);
	mkdir(strcat(strcpy(path, tmp), "/b"), 0755);
	mkdir(strcat(strcpy(path, tmp), "/b/dir"), 0755);
	put("a/tool", "#!/bin/sh\n", 0644);
	put("b/tool", "#!/bin/sh\n", 0755);
	put("a/only", "#!/bin/sh\n", 0644);

	snprintf(path, sizeof(path), "%s/b/dir:%s/a:%s/b", tmp, tmp, tmp);
	CHECK_INT(run_cli_resolve("tool", path, &out), 0, "skips a directory and a non-executable");
	snprintf(want, sizeof(want), "%s/b/tool", tmp);
	CHECK_STR(out, want, "found the executable one");
	free(out);

	CHECK_INT(run_cli_resolve("only", path, &out), -EACCES, "only a non-executable: EACCES");
	snprintf(want, sizeof(want), "%s/a/only", tmp);
	CHECK_STR(out, want, "EACCES names the file");
	free(out);

	/* execvp (and so env(1)) fails a directory with EACCES: 126. */
	CHECK_INT(run_cli_resolve("dir", path, &out), -EACCES, "a directory is not a command");
	free(out);
	CHECK_INT(run_cli_resolve("nope-sockaudit", path, &out), -ENOENT, "not found");
	CHECK(out == NULL, "nothing on ENOENT");
	CHECK_INT(run_cli_resolve("", path, &out), -ENOENT, "empty CMD");

	CHECK_INT(run_cli_resolve("sh", NULL, &out), 0, "no PATH: /bin:/usr/bin");
	CHECK_STR(out, "/bin/sh", "sh in /bin");
	free(out);

	if (chdir(tmp) < 0)
		exit(1);
	CHECK_INT(run_cli_resolve("tool", ":/nonexistent", &out), -ENOENT,
		  "empty PATH entry is the cwd, where there is no tool");
	CHECK_INT(run_cli_resolve("tool", "/nonexistent::b", &out), 0, "relative PATH entry");
	CHECK_STR(out, "b/tool", "relative PATH entry result");
	free(out);
	CHECK_INT(run_cli_resolve("./b/tool", "/nonexistent", &out), 0, "a path with / ignores PATH");
	CHECK_STR(out, "./b/tool", "path kept as given");
	free(out);
	CHECK_INT(run_cli_resolve("./a/tool", NULL, &out), -EACCES, "path not executable");
	free(out);
	CHECK_INT(run_cli_resolve("./b/dir", NULL, &out), -EACCES, "path to a directory");
	free(out);
	CHECK_INT(run_cli_resolve("./b/none", NULL, &out), -ENOENT, "path not there");
}

static void check_preload(const char *old, const char *runtime, const char *want,
			  const char *name)
{
	char *got = run_cli_preload(old, "/x/libsockaudit.so", runtime);

	CHECK_STR(got, want, "LD_PRELOAD %s", name);
	free(got);
}

static void test_preload(void)
{
	CHECK(run_cli_is_sanitizer("libasan.so.8"), "libasan is a sanitizer");
	CHECK(run_cli_is_sanitizer("/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/"
				   "libclang_rt.asan-x86_64.so"), "clang asan runtime");
	CHECK(run_cli_is_sanitizer("/usr/lib/x86_64-linux-gnu/libtsan.so.2"), "libtsan");
	CHECK(run_cli_is_sanitizer("libubsan.so.1"), "libubsan");
	CHECK(!run_cli_is_sanitizer("/usr/lib/libfoo.so"), "libfoo is not");
	CHECK(!run_cli_is_sanitizer("/opt/libasan.so.8/libfoo.so"), "only the base name counts");

	check_preload(NULL, NULL, "/x/libsockaudit.so", "alone");
	check_preload("", NULL, "/x/libsockaudit.so", "empty");
	check_preload("/a/liba.so", NULL, "/x/libsockaudit.so:/a/liba.so", "shim before others");
	check_preload("/a/liba.so /b/libb.so", NULL,
		      "/x/libsockaudit.so:/a/liba.so:/b/libb.so", "space separated kept in order");
	check_preload("/a/liba.so:/usr/lib/libasan.so.8::/b/libb.so", NULL,
		      "/usr/lib/libasan.so.8:/x/libsockaudit.so:/a/liba.so:/b/libb.so",
		      "sanitizer stays first");
	check_preload("/x/libsockaudit.so:/a/liba.so", NULL,
		      "/x/libsockaudit.so:/a/liba.so", "shim not twice");
	check_preload("/a/liba.so", "libasan.so.8",
		      "libasan.so.8:/x/libsockaudit.so:/a/liba.so", "shim's runtime first");
	check_preload("/usr/lib/libasan.so.8:/a/liba.so", "libasan.so.8",
		      "/usr/lib/libasan.so.8:/x/libsockaudit.so:/a/liba.so",
		      "shim's runtime already there");
}

static void test_elf(void)
{
	char buf[256], *culprit, path[512];
	struct passwd *nobody;
	struct statvfs vfs;
	bool nosuid;

	CHECK_INT(run_cli_needed_sanitizer("/bin/sh", buf, sizeof(buf)), -ENOENT,
		  "/bin/sh needs no sanitizer");
	CHECK_INT(run_cli_needed_sanitizer("/nonexistent", buf, sizeof(buf)), -ENOENT,
		  "missing file");
	snprintf(path, sizeof(path), "%s/a/tool", tmp);
	CHECK_INT(run_cli_needed_sanitizer(path, buf, sizeof(buf)), -ENOEXEC, "a script is not ELF");

	CHECK_INT(run_cli_blind("/bin/sh", &culprit), RUN_SEES, "/bin/sh is dynamic");
	CHECK(culprit == NULL, "no culprit");
	CHECK_INT(run_cli_blind("/bin/busybox", &culprit), RUN_BLIND_STATIC, "busybox is static");
	CHECK_STR(culprit, "/bin/busybox", "busybox is the culprit");
	free(culprit);

	put("static.sh", "#! /bin/busybox sh\necho hi\n", 0755);
	snprintf(path, sizeof(path), "%s/static.sh", tmp);
	CHECK_INT(run_cli_blind(path, &culprit), RUN_BLIND_STATIC, "script of a static interpreter");
	CHECK_STR(culprit, "/bin/busybox", "its interpreter is the culprit");
	free(culprit);

	put("chain.sh", "#!static.sh\n", 0755);
	snprintf(path, sizeof(path), "%s/chain.sh", tmp);
	CHECK_INT(run_cli_blind(path, &culprit), RUN_BLIND_STATIC, "script of a script");
	free(culprit);

	put("dyn.sh", "#!/bin/sh -e\n", 0755);
	snprintf(path, sizeof(path), "%s/dyn.sh", tmp);
	CHECK_INT(run_cli_blind(path, &culprit), RUN_SEES, "script of a dynamic interpreter");

	put("loop.sh", "#!loop.sh\n", 0755);
	snprintf(path, sizeof(path), "%s/loop.sh", tmp);
	CHECK_INT(run_cli_blind(path, &culprit), RUN_SEES, "a loop of interpreters ends");
	CHECK_INT(run_cli_blind("/nonexistent", &culprit), RUN_SEES, "missing: exec reports it");

	/* A setuid copy of a dynamic program, owned by someone else. */
	nobody = getpwnam("nobody");
	snprintf(path, sizeof(path), "%s/suid", tmp);
	{
		char cmd[1100];

		snprintf(cmd, sizeof(cmd), "cp /bin/true %s", path);
		CHECK_INT(system(cmd), 0, "copy /bin/true");
	}
	CHECK(nobody && chown(path, nobody->pw_uid, nobody->pw_gid) == 0, "chown nobody");
	/* On a nosuid mount the kernel ignores the bits, and so must we. */
	nosuid = statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);
	chmod(path, 04755);
	CHECK_INT(run_cli_blind(path, &culprit),
		  nosuid || getuid() == nobody->pw_uid ? RUN_SEES : RUN_BLIND_SETID,
		  "setuid to another user");
	free(culprit);
	chmod(path, 0755);
	CHECK_INT(run_cli_blind(path, &culprit), RUN_SEES, "not setuid any more");
	chmod(path, 02755);
	CHECK_INT(run_cli_blind(path, &culprit),
		  nosuid || getgid() == nobody->pw_gid ? RUN_SEES : RUN_BLIND_SETID,
		  "setgid to another group");
	free(culprit);
}

/* The log options: sizes, keep, mode, group, -q, and what needs what. */
static void test_log_opts(void)
{
	struct run_opts o;
	uint64_t size;
	char err[256];
	gid_t gid;
	int mode;

	CHECK_INT(run_cli_size("4096", &size), 0, "bytes");
	CHECK(size == 4096, "4096 bytes");
	CHECK_INT(run_cli_size("10M", &size), 0, "10M");
	CHECK(size == 10u << 20, "M is MiB");
	CHECK_INT(run_cli_size("512k", &size), 0, "lower case k");
	CHECK(size == 512u << 10, "k is KiB");
	CHECK_INT(run_cli_size("2GiB", &size), 0, "GiB spelled out");
	CHECK(size == UINT64_C(2) << 30, "G is GiB");
	CHECK_INT(run_cli_size("1KB", &size), 0, "KB");
	CHECK(size == 1024, "KB is KiB too");
	CHECK_INT(run_cli_size("0", &size), -EINVAL, "0 is no size");
	CHECK_INT(run_cli_size("", &size), -EINVAL, "empty");
	CHECK_INT(run_cli_size("M", &size), -EINVAL, "a suffix alone");
	CHECK_INT(run_cli_size("10X", &size), -EINVAL, "unknown suffix");
	CHECK_INT(run_cli_size("10MiBx", &size), -EINVAL, "trailing junk");
	CHECK_INT(run_cli_size("-1", &size), -EINVAL, "negative");
	CHECK_INT(run_cli_size("99999999999999999999", &size), -EINVAL, "overflow");
	CHECK_INT(run_cli_size("17179869184G", &size), -EINVAL, "overflow by the suffix");

	CHECK_INT(run_cli_mode("0640", &mode), 0, "0640");
	CHECK_INT(mode, 0640, "0640 is octal");
	CHECK_INT(run_cli_mode("640", &mode), 0, "640 without its 0");
	CHECK_INT(mode, 0640, "640 is octal too");
	CHECK_INT(run_cli_mode("0", &mode), 0, "0");
	CHECK_INT(run_cli_mode("0648", &mode), -EINVAL, "8 is no octal digit");
	CHECK_INT(run_cli_mode("4755", &mode), -EINVAL, "no setuid log");
	CHECK_INT(run_cli_mode("", &mode), -EINVAL, "empty mode");
	CHECK_INT(run_cli_mode("rw-r-----", &mode), -EINVAL, "symbolic modes are not taken");

	CHECK_INT(run_cli_group("root", &gid), 0, "a group by name");
	CHECK_INT((int)gid, 0, "root is 0");
	CHECK_INT(run_cli_group("4242", &gid), 0, "a group by number");
	CHECK_INT((int)gid, 4242, "4242");
	CHECK_INT(run_cli_group("no-such-group-sockaudit", &gid), -ENOENT, "no such group");
	CHECK_INT(run_cli_group("12x", &gid), -ENOENT, "not a number");

	CHECK_INT(PARSE(&o, err, "run", "true"), 0, "defaults");
	CHECK(o.log_max_size == 0 && o.log_keep == RUN_CLI_KEEP && o.log_mode == -1 &&
	      !o.log_group && !o.quiet, "no rotation, keep 5, no mode, no group, not quiet");
	CHECK_INT(PARSE(&o, err, "run", "-q", "-o", "l", "--log-max-size=1M", "--log-keep", "9",
			"--log-mode", "0640", "--log-group=adm", "true"), 0, "every log option");
	CHECK(o.quiet, "-q");
	CHECK(o.log_max_size == 1u << 20, "--log-max-size=1M");
	CHECK_INT((int)o.log_keep, 9, "--log-keep 9");
	CHECK_INT(o.log_mode, 0640, "--log-mode 0640");
	CHECK_STR(o.log_group, "adm", "--log-group=adm");
	CHECK_INT(PARSE(&o, err, "run", "--quiet", "true"), 0, "--quiet");
	CHECK(o.quiet, "--quiet sets quiet");

	CHECK_INT(PARSE(&o, err, "run", "--log-keep", "3", "true"), -EINVAL, "keep without size");
	CHECK_STR(err, "--log-keep needs --log-max-size", "keep without size message");
	CHECK_INT(PARSE(&o, err, "run", "--log-max-size", "1M", "--log-keep", "0", "true"), -EINVAL,
		  "keep 0");
	CHECK_STR(err, "invalid --log-keep '0': use 1 to 1000", "keep 0 message");
	CHECK_INT(PARSE(&o, err, "run", "--log-max-size", "1M", "--log-keep", "1001", "true"),
		  -EINVAL, "keep too many");
	CHECK_INT(PARSE(&o, err, "run", "--log-max-size", "ten", "true"), -EINVAL, "bad size");
	CHECK_STR(err, "invalid size 'ten': use a number of bytes, with K, M or G for KiB, MiB, "
		  "GiB (10M)", "bad size message");
	CHECK_INT(PARSE(&o, err, "run", "--log-mode", "777x", "true"), -EINVAL, "bad mode");
	CHECK_STR(err, "invalid --log-mode '777x': use an octal mode up to 0777 (0640)",
		  "bad mode message");
}

/* File capabilities by name, and Go programs by their sections. */
static void test_caps_go(void)
{
	char path[512], buf[256], cmd[1200];
	int n;

	snprintf(path, sizeof(path), "%s/captrue", tmp);
	snprintf(cmd, sizeof(cmd), "cp /bin/true %s", path);
	CHECK_INT(system(cmd), 0, "copy /bin/true");
	CHECK_INT(run_cli_file_caps(path, buf, sizeof(buf)), 0, "no file capabilities");
	CHECK_STR(buf, "", "no names");
	/* setcap(8), as the tests' root can: what ping has on other systems. */
	snprintf(cmd, sizeof(cmd), "setcap cap_net_raw+ep %s", path);
	if (system(cmd) == 0) {
		CHECK_INT(run_cli_file_caps(path, buf, sizeof(buf)), 1, "one capability");
		CHECK_STR(buf, "cap_net_raw", "named as getcap names it");
		snprintf(cmd, sizeof(cmd), "setcap cap_net_bind_service,cap_net_admin,cap_net_raw,"
			 "cap_checkpoint_restore+p %s", path);
		CHECK_INT(system(cmd), 0, "setcap several");
		n = run_cli_file_caps(path, buf, sizeof(buf));
		CHECK_INT(n, 4, "four capabilities, the one above 31 too");
		CHECK_STR(buf, "cap_net_bind_service,cap_net_admin,cap_net_raw,cap_checkpoint_restore",
			  "in their numbers' order");
		CHECK_INT(run_cli_file_caps(path, buf, 8), 4, "a short buffer still counts");
		CHECK(strlen(buf) < 8, "and stays in it");
		/* Root gains nothing by them: the loader keeps LD_PRELOAD. */
		if (geteuid() == 0) {
			char *culprit;

			CHECK_INT(run_cli_blind(path, &culprit), RUN_SEES, "root: file caps raise nothing");
		}
	} else {
		CHECK(0, "setcap (libcap2-bin) must work for this test");
	}
	CHECK_INT(run_cli_file_caps("/nonexistent", buf, sizeof(buf)), -ENOENT, "missing file");

	CHECK(!run_cli_is_go("/bin/true"), "/bin/true is no Go program");
	CHECK(!run_cli_is_go("/bin/busybox"), "busybox is no Go program");
	CHECK(!run_cli_is_go("/nonexistent"), "missing file is no Go program");
	snprintf(path, sizeof(path), "%s/a/tool", tmp);
	CHECK(!run_cli_is_go(path), "a script is no Go program");
	/* What the Go linker writes: an ELF with a .go.buildinfo section. */
	snprintf(cmd, sizeof(cmd), "cd %s && printf 'go' >bi && objcopy --add-section "
		 ".go.buildinfo=bi /bin/true gotrue 2>/dev/null", tmp);
	CHECK_INT(system(cmd), 0, "objcopy a .go.buildinfo section in");
	snprintf(path, sizeof(path), "%s/gotrue", tmp);
	CHECK(run_cli_is_go(path), "a .go.buildinfo section makes a Go program");
}

static void test_env(void)
{
	char **env = run_cli_env_dup(ARGV("A=1", "LD_PRELOAD=/a.so", "B=2", "A=3"));

	CHECK(env != NULL, "env dup");
	CHECK_STR(run_cli_env_get(env, "A"), "1", "first A");
	CHECK_STR(run_cli_env_get(env, "LD_PRELOAD"), "/a.so", "get");
	CHECK(run_cli_env_get(env, "LD") == NULL, "a prefix is not a name");
	CHECK_INT(run_cli_env_set(&env, "A", "x"), 0, "set replaces");
	CHECK_STR(env[0], "LD_PRELOAD=/a.so", "order kept");
	CHECK_STR(env[1], "B=2", "order kept 2");
	CHECK_STR(env[2], "A=x", "every A= replaced by one");
	CHECK(env[3] == NULL, "no duplicate left");
	CHECK_INT(run_cli_env_set(&env, "LD_PRELOAD", NULL), 0, "unset");
	CHECK(run_cli_env_get(env, "LD_PRELOAD") == NULL, "unset removed it");
	CHECK_INT(run_cli_env_set(&env, "NEW", ""), 0, "set empty");
	CHECK_STR(run_cli_env_get(env, "NEW"), "", "empty value");
	run_cli_env_free(env);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_resolve();
	test_preload();
	test_elf();
	test_env();
	test_log_opts();
	test_caps_go();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
