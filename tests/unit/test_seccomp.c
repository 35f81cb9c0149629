/* SPDX-License-Identifier: MIT */
/* test_seccomp.c - what compiled filters say (PFC) and do (in a child). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "policy.h"
#include "filter.h"

static struct policy *parse(const char *text)
{
	struct policy *p = NULL;

	if (policy_parse(text, strlen(text), &p, NULL) < 0) {
		printf("# cannot parse: %s\n", text);
		exit(1);
	}
	return p;
}

/* The PFC of TEXT's filter, built with O (NULL: defaults); free() it. */
static char *pfc(const char *text, const struct policy_seccomp_opts *o)
{
	struct policy *p = parse(text);
	scmp_filter_ctx ctx = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	ret = policy_seccomp_build(p, o, &ctx);
	policy_free(p);
	if (ret < 0) {
		printf("# build: %s\n", strerror(-ret));
		return strdup("");
	}
	/* export_pfc writes to a descriptor: go through a temporary file. */
	f = tmpfile();
	seccomp_export_pfc(ctx, fileno(f));
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (fread(buf, 1, len, f) != len)
		buf[0] = 0;
	fclose(f);
	seccomp_release(ctx);
	return buf;
}

/* The section of PFC for ARCH ("x86_64", "x86"), up to the next arch. */
static char *arch_section(const char *pfc_text, const char *arch)
{
	char head[64], *start, *end, *out;

	snprintf(head, sizeof(head), "# filter for arch %s (", arch);
	start = strstr(pfc_text, head);
	if (!start)
		return strdup("");
	end = strstr(start + 1, "# filter for arch ");
	if (!end)
		end = strstr(start, "# invalid architecture action");
	if (!end)
		end = start + strlen(start);
	out = strndup(start, (size_t)(end - start));
	return out;
}

/* The rules for syscall number NR in the section ARCH_TEXT, up to the next
 * syscall's. */
static char *call_section(const char *arch_text, int nr)
{
	char head[64];
	const char *start, *end;

	snprintf(head, sizeof(head), "\" (%d) [", nr);
	start = strstr(arch_text, head);
	if (!start)
		return strdup("");
	end = strstr(start, "# filter for syscall ");
	if (!end)
		end = strstr(start, "# default action");
	if (!end)
		end = start + strlen(start);
	return strndup(start, (size_t)(end - start));
}

/* Run CALL in a child under TEXT's filter: the child's errno (0: the call
 * succeeded), or -SIGNAL when it was killed. */
static int run_under(const char *text, const struct policy_seccomp_opts *o,
		     long nr, long a0, long a1, long a2)
{
	struct policy *p = parse(text);
	scmp_filter_ctx ctx = NULL;
	int status, ret;
	pid_t pid;

	ret = policy_seccomp_build(p, o, &ctx);
	policy_free(p);
	if (ret < 0)
		return 10000 - ret;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		long r;

		if (seccomp_load(ctx) < 0)
			_exit(255);
		r = syscall(nr, a0, a1, a2, 0, 0, 0);
		_exit(r < 0 ? (errno & 0xff) : 0);
	}
	seccomp_release(ctx);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 9999;
	if (WIFSIGNALED(status))
		return -WTERMSIG(status);
	return WEXITSTATUS(status);
}

static const char *const enforce_policy =
	"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"allow\"},\"rules\":["
	"{\"id\":\"no-packet\",\"family\":\"AF_PACKET\",\"action\":\"deny\",\"errno\":\"EACCES\"},"
	"{\"id\":\"quiet-unix\",\"family\":\"AF_UNIX\",\"action\":\"allow\",\"log\":false}]}";

static void test_arches(void)
{
	char *all = pfc(enforce_policy, NULL), *x64, *x86;

	x64 = arch_section(all, "x86_64");
	x86 = arch_section(all, "x86");
	CHECK(strstr(x64, "if ($arch == 3221225534)") != NULL, "native x86_64 section");
	CHECK(strstr(x86, "if ($arch == 1073741827)") != NULL, "i386 section");
	CHECK(strstr(all, "# invalid architecture action\naction KILL_PROCESS;") != NULL,
	      "enforce: other arches (x32) are killed");
	CHECK(strstr(x86, "# filter for syscall \"socketcall\" (102)") != NULL &&
	      strstr(x86, "if ($a0 == 1)\n      action ERRNO(38);") != NULL,
	      "i386 socketcall(SYS_SOCKET), decided by its family, gets ENOSYS");
	CHECK(strstr(x86, "if ($a0 == 13)") == NULL,
	      "i386 socketcall(SYS_SHUTDOWN), allowed whatever its arguments, is allowed");
	CHECK(strstr(x86, "if ($syscall == 359)\n    if ($a0 & 0xffffffff == 17)\n"
			  "      if ($a5 >= 0)\n        action ERRNO(13);") != NULL,
	      "i386 direct socket compares the family as native socket does (AF_PACKET: EACCES), "
	      "with the comparison that keeps libseccomp's socketcall copy from surviving");
	for (int i = 0; i < 4; i++) {
		static const int direct[] = { 359, 360, 364, 373 };
		char *sec = call_section(x86, direct[i]);

		CHECK(strstr(sec, "ERRNO(38)") == NULL, "i386 direct call %d never gets ENOSYS",
		      direct[i]);
		free(sec);
	}
	CHECK(strstr(x64, "if ($syscall == 41)") != NULL &&
	      strstr(x64, "$a0.lo32 & 0xffffffff == 17") != NULL,
	      "native socket compares the family's low 32 bits (AF_PACKET 17)");
	CHECK(strstr(x64, "$a5") == NULL, "no marker comparison without notify");
	CHECK(strstr(x64, "# filter for syscall \"io_uring_setup\" (425)") != NULL &&
	      strstr(x64, "if ($syscall == 425)\n    action ERRNO(1);") != NULL,
	      "enforce: io_uring_setup gets EPERM");
	CHECK(strstr(x86, "if ($syscall == 425)\n    action ERRNO(1);") != NULL,
	      "enforce: i386 io_uring_setup gets EPERM");
	free(x64);
	free(x86);
	free(all);
}

static void test_audit_and_uring(void)
{
	static const char *const audit =
		"{\"version\":1,\"mode\":\"audit\",\"default\":{\"action\":\"deny\"},\"rules\":[]}";
	static const char *const uring =
		"{\"version\":1,\"mode\":\"enforce\",\"io_uring\":\"allow\","
		"\"default\":{\"action\":\"allow\"},\"rules\":[]}";
	char *a = pfc(audit, NULL), *u = pfc(uring, NULL);

	CHECK(strstr(a, "io_uring_setup") == NULL, "audit: io_uring_setup allowed");
	CHECK(strstr(a, "ERRNO") == NULL && strstr(a, "KILL") == NULL,
	      "audit: the kernel denies nothing");
	CHECK(strstr(a, "# invalid architecture action\naction ALLOW;") != NULL,
	      "audit: other arches allowed");
	CHECK(strstr(u, "io_uring_setup") == NULL, "\"io_uring\": \"allow\" lifts the EPERM");
	free(a);
	free(u);
}

static void test_audit_i386(void)
{
	struct policy_seccomp_opts o = { .notify = true, .marker = 0x5a0c4a0d17ull };
	static const char *const audit =
		"{\"version\":1,\"mode\":\"audit\",\"default\":{\"action\":\"allow\"},\"rules\":["
		"{\"family\":\"AF_INET6\",\"action\":\"deny\"},"
		"{\"family\":\"AF_UNIX\",\"action\":\"allow\",\"log\":false}]}";
	char *all = pfc(audit, &o), *x86 = arch_section(all, "x86");

	CHECK(strstr(x86, "if ($a0 == 1)\n      action 0x7fc00000;") != NULL,
	      "audit: i386 socketcall(SYS_SOCKET) goes to the supervisor, which reads its "
	      "arguments");
	CHECK(strstr(x86, "if ($syscall == 359)") != NULL &&
	      strstr(strstr(x86, "if ($syscall == 359)"), "action 0x7fc00000;") != NULL,
	      "audit: i386 direct socket goes to the supervisor");
	CHECK(strstr(x86, "$a5") == NULL,
	      "audit: the direct rules' action is socketcall's, no extra comparison needed");
	CHECK(strstr(x86, "ERRNO") == NULL && strstr(x86, "KILL") == NULL,
	      "audit: the kernel denies no i386 call");
	free(x86);
	free(all);
}

static void test_notify(void)
{
	struct policy_seccomp_opts o = { .notify = true, .marker = 0x5a0c4a0d17ull };
	char *all = pfc(enforce_policy, &o), *x64 = arch_section(all, "x86_64");
	char *x86 = arch_section(all, "x86");

	CHECK(strstr(x64, "action 0x7fc00000;") != NULL, "notify: logged calls go to the supervisor (libseccomp 2.5.4 prints NOTIFY as 0x7fc00000)");
	CHECK(strstr(x64, "$a5.hi32 != 90") != NULL || strstr(x64, "$a5.hi32 == 90") != NULL,
	      "notify: the marker's upper half is compared");
	CHECK(strstr(x64, "$a5.lo32 == 206179607") != NULL, "notify: the marker's lower half");
	CHECK(strstr(x86, "if ($syscall == 11)\n    action 0x7fc00000;") != NULL &&
	      strstr(x86, "if ($syscall == 358)\n    action 0x7fc00000;") != NULL,
	      "notify: i386 execve and execveat go to the supervisor (the kept exe)");
	CHECK(strstr(x64, "if ($syscall == 59)\n    action 0x7fc00000;") != NULL &&
	      strstr(x64, "if ($a0.lo32 & 0xffffffff == 4)\n        action 0x7fc00000;") != NULL,
	      "notify: execve and prctl(PR_SET_DUMPABLE) go to the supervisor");
	CHECK(strstr(x86, "if ($syscall == 359)") != NULL &&
	      strstr(strstr(x86, "if ($syscall == 359)"), "action 0x7fc00000;") != NULL,
	      "i386 direct socket goes to the supervisor to be logged");
	CHECK(strstr(x86, "if ($syscall == 373)\n    action 0x7fc00000;") != NULL,
	      "i386 direct shutdown goes to the supervisor to be logged");
	CHECK(strstr(x86, "if ($a0 == 13)\n      action 0x7fc00000;") != NULL,
	      "i386 socketcall(SYS_SHUTDOWN), allowed whatever its arguments, is logged");
	CHECK(strstr(x86, "206179607") == NULL && strstr(x86, "$a5 ==") == NULL &&
	      strstr(x86, "$a5 !=") == NULL, "i386 calls are never taken for marked");
	free(x64);
	free(x86);
	free(all);
	o.marker = 0;
	all = pfc(enforce_policy, &o);
	x64 = arch_section(all, "x86_64");
	x86 = arch_section(all, "x86");
	CHECK(strstr(x64, "action 0x7fc00000;") != NULL && strstr(x64, "$a5") == NULL,
	      "notify without a marker: no call counts as marked");
	free(x64);
	free(x86);
	free(all);
}

static void test_run(void)
{
	static const char *const kill =
		"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"allow\"},\"rules\":["
		"{\"family\":\"AF_PACKET\",\"action\":\"kill\"}]}";
	static const char *const exe =
		"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"allow\"},\"rules\":["
		"{\"exe\":\"/usr/bin/curl\",\"family\":\"AF_INET\",\"action\":\"allow\"},"
		"{\"family\":\"AF_INET\",\"action\":\"kill\"},"
		"{\"exe\":\"/nowhere/*\",\"family\":\"AF_INET6\",\"action\":\"deny\",\"errno\":\"EPERM\"}]}";
	static const char *const accept_deny =
		"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"deny\",\"errno\":\"EACCES\"},"
		"\"rules\":[]}";
	static const char *const accept_mixed =
		"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"deny\",\"errno\":\"EACCES\"},"
		"\"rules\":[{\"family\":\"AF_INET\",\"action\":\"allow\"}]}";
	static const char *const shut =
		"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"allow\"},\"rules\":["
		"{\"event\":\"socket.shutdown\",\"family\":\"AF_INET\",\"how\":\"SHUT_WR\","
		"\"action\":\"deny\",\"errno\":\"EPERM\"}]}";
	static const char *const uring =
		"{\"version\":1,\"mode\":\"enforce\",\"default\":{\"action\":\"allow\"},\"rules\":[]}";
	struct policy_seccomp_opts kill_errno = { .kill_errno = 77 };

	CHECK_INT(run_under(kill, NULL, SYS_socket, AF_PACKET, SOCK_RAW, 0), -SIGSYS,
		  "a kill rule kills the process with SIGSYS");
	CHECK_INT(run_under(kill, NULL, SYS_socket, AF_PACKET | (1L << 40), SOCK_RAW, 0), -SIGSYS,
		  "garbage in the register's upper half does not escape the kill");
	CHECK_INT(run_under(kill, &kill_errno, SYS_socket, AF_PACKET, SOCK_RAW, 0), 77,
		  "kill_errno turns the kill into an errno");
	CHECK_INT(run_under(kill, NULL, SYS_socket, AF_UNIX, SOCK_STREAM, 0), 0,
		  "other families pass");
	CHECK_INT(run_under(exe, NULL, SYS_socket, AF_INET, SOCK_STREAM, 0), -SIGSYS,
		  "without notify an exe rule cannot save the call: strictest decision (kill)");
	CHECK_INT(run_under(exe, NULL, SYS_socket, AF_INET6, SOCK_STREAM, 0), EPERM,
		  "without notify an exe deny applies to every exe");
	CHECK_INT(run_under(accept_deny, NULL, SYS_accept, 0, 0, 0), EACCES,
		  "accept: denied when every socket.__new__ is denied");
	CHECK_INT(run_under(accept_mixed, NULL, SYS_accept, 0, 0, 0), ENOTSOCK,
		  "accept: allowed when the listening socket could have been allowed");
	CHECK_INT(run_under(shut, NULL, SYS_shutdown, 0, SHUT_WR, 0), EPERM,
		  "shutdown: a rule on the socket's family applies to every socket (strictest)");
	CHECK_INT(run_under(shut, NULL, SYS_shutdown, 0, SHUT_RD, 0), ENOTSOCK,
		  "shutdown: other hows pass");
	CHECK_INT(run_under(uring, NULL, SYS_io_uring_setup, 1, 0, 0), EPERM,
		  "io_uring_setup fails with EPERM");
}

/* policy_seccomp_bpf() is policy_seccomp_build() exported: the same
 * program, byte for byte, with and without the supervisor's calls. */
static void test_bpf(void)
{
	struct policy_seccomp_opts opts[] = {
		{ .notify = true, .marker = 0x5a0c4a0d17ull },
		{ 0 },
	};

	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		struct policy *p = parse(enforce_policy);
		struct sock_fprog prog = { 0 };
		scmp_filter_ctx ctx = NULL;
		struct stat st = { 0 };
		char *want = NULL;
		FILE *f = tmpfile();
		int ret;

		ret = policy_seccomp_build(p, &opts[i], &ctx);
		if (ret == 0 && f && seccomp_export_bpf(ctx, fileno(f)) == 0 &&
		    fstat(fileno(f), &st) == 0 && st.st_size > 0) {
			want = malloc((size_t)st.st_size);
			rewind(f);
			if (want && fread(want, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
				st.st_size = 0;
		}
		seccomp_release(ctx);
		if (f)
			fclose(f);
		ret = policy_seccomp_bpf(p, &opts[i], &prog);
		CHECK(ret == 0 && want && prog.filter &&
		      (off_t)(prog.len * sizeof(*prog.filter)) == st.st_size &&
		      !memcmp(prog.filter, want, (size_t)st.st_size),
		      "policy_seccomp_bpf is the exported build, byte for byte (opts %zu, %u insns)",
		      i, prog.len);
		free(prog.filter);
		free(want);
		policy_free(p);
	}
}

int main(void)
{
	test_bpf();
	test_arches();
	test_audit_and_uring();
	test_audit_i386();
	test_notify();
	test_run();
	return check_done();
}
