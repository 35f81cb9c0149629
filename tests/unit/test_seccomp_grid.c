/* SPDX-License-Identifier: MIT */
/* test_seccomp_grid.c - the differential test: the compiled kernel filter,
 * run for real, decides every point of a large grid exactly as policy_match.
 *
 * For each policy (every policy/examples JSON file, then seeded random policies), the
 * filter is compiled without notify and with force_errno = GRID_ERRNO, an
 * errno no kernel path returns, so "the filter denied" is errno ==
 * GRID_ERRNO and nothing else; kill rules are compiled as errno GRID_KILL
 * (opts.kill_errno) so that one child runs every point: test_seccomp checks
 * that a real kill kills.  A forked child loads the filter and makes every
 * call of the grid with raw syscalls; the upper halves of the argument
 * registers hold zero, a sign extension or garbage, which the kernel ignores
 * and the filter must too.  Results go to shared memory.  Should the child
 * die anyway (SIGSYS), the parent records it at the point the child had
 * reached and starts a new child after it.
 *
 * Each policy runs twice: the filter alone, and the supervised filter
 * (notify, a marker) with every call carrying the marker, as the preload
 * shim's calls do: those must meet the same denials and kills in the kernel
 * and never reach the (absent) supervisor, whose closed listener would make
 * a stray notification fail with ENOSYS.
 *
 * The i386 column: under the filter alone, the child makes the same socket,
 * socketpair and shutdown calls through int $0x80 (the direct i386 calls,
 * 32-bit registers, pointers below 4 GiB), plus i386 accept4 on the same
 * descriptors, which the filter alone decides most leniently (see
 * policy_seccomp_build).  (Under the notify filter i386 calls are never
 * marked, so they would all meet the absent supervisor.)
 *
 * SOCKAUDIT_GRID_SEED=N replays the random policies of seed N; a failure
 * prints the seed and the policy text.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "check.h"
#include "policy.h"
#include "rules.h"
#include "filter.h"

#define GRID_ERRNO 4000		/* below MAX_ERRNO, used by nothing */
#define GRID_KILL 4001		/* a kill rule, compiled as this errno */
#define N_RANDOM 40
#define GRID_MARKER 0x5a0c4a0d17ull

static const int grid_families[] = {
	AF_UNSPEC, AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_KEY,
	AF_ALG, AF_VSOCK, AF_CAN, AF_BLUETOOTH, AF_TIPC, AF_RDS, AF_XDP, 45, 46,
	99, 1000, -1, -2, INT_MIN, INT_MAX,
};
static const int grid_types[] = {
	0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_RDM, SOCK_SEQPACKET, SOCK_DCCP,
	SOCK_PACKET, SOCK_STREAM | SOCK_CLOEXEC, SOCK_DGRAM | SOCK_NONBLOCK,
	SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 11, 15, -1, 0x100001, INT_MIN,
};
static const int grid_protocols[] = {
	0, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_DCCP,
	IPPROTO_RAW, IPPROTO_ICMPV6, IPPROTO_IPV6, 256, 0x300, 9, 16, 4, 2, 3,
	12, 15, 20, 1000, 65535, 0x10006, -1, -6, INT_MIN, INT_MAX, 0x7fff0000,
	47, 50, 136,
};
static const int grid_hows[] = { SHUT_RD, SHUT_WR, SHUT_RDWR, 3, -1, 100, INT_MIN, 0x10001 };

/* What the upper half of a 64-bit argument register holds. */
static uint64_t grid_reg(int v, unsigned salt)
{
	switch (salt % 4) {
	case 0: return (uint32_t)v;
	case 1: return (uint64_t)(int64_t)v;
	case 2: return 0xdeadbeef00000000ull | (uint32_t)v;
	default: return 0x100000000ull | (uint32_t)v;
	}
}

enum { GRID_SOCKET, GRID_SOCKETPAIR, GRID_SHUTDOWN, GRID_ACCEPT4, GRID_ADDR };

/* The address calls (GRID_ADDR, in a): native only (the filter does not
 * cover their i386 forms yet).  Their address is the unmapped page 1 (the
 * kernel's EFAULT if the filter lets them through), sendto's is NULL in
 * GRID_SENDTO_NONE: no event, always allowed, never notified. */
enum { GRID_CONNECT, GRID_BIND, GRID_SENDTO, GRID_SENDMSG, GRID_SENDMMSG,
       GRID_SENDTO_NONE, GRID_ADDR_CALLS };
static const enum policy_event grid_addr_event[GRID_ADDR_CALLS] = {
	POLICY_EV_CONNECT, POLICY_EV_BIND, POLICY_EV_SENDTO, POLICY_EV_SENDMSG,
	POLICY_EV_SENDMSG, POLICY_EV_SENDTO,
};

struct grid_point {
	int call;
	int a, b, c;		/* family, type, protocol; or fd index, how/flags */
	unsigned salt;
	bool i386;		/* through int $0x80 */
};

/* The i386 numbers (<asm/unistd_32.h>, which cannot be included beside
 * the native header). */
static const long grid_i386_nr[] = {
	[GRID_SOCKET] = 359, [GRID_SOCKETPAIR] = 360, [GRID_SHUTDOWN] = 373,
	[GRID_ACCEPT4] = 364,
};
static const int grid_accept_flags[] = {
	0, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_CLOEXEC | SOCK_NONBLOCK, 1, -1,
};

#define GRID_FDS 4

struct grid_shared {
	volatile int cur;	/* the point the child is at */
	int err[];		/* 0: allowed by the filter, else errno; -SIGSYS killed */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t grid_marker;	/* in the sixth register of every call */
static bool grid_i386;		/* this run makes the i386 calls too */
static bool grid_i386_ok;	/* the kernel runs i386 calls at all */
static int *grid_low;		/* below 4 GiB: socketpair's i386 result */
static struct grid_point *points;
static size_t n_points;
static int fds[GRID_FDS];
static struct policy_call fd_facts[GRID_FDS];

static void grid_points(void)
{
	size_t n = 0, cap = 4 * ARRAY_SIZE(grid_families) * ARRAY_SIZE(grid_types) *
		ARRAY_SIZE(grid_protocols) + GRID_FDS * ARRAY_SIZE(grid_hows) * 5 +
		GRID_FDS * ARRAY_SIZE(grid_accept_flags) + GRID_FDS * GRID_ADDR_CALLS * 2;
	unsigned salt = 0;

	points = calloc(cap, sizeof(*points));
	if (!points)
		abort();
	for (size_t f = 0; f < ARRAY_SIZE(grid_families); f++)
		for (size_t t = 0; t < ARRAY_SIZE(grid_types); t++)
			for (size_t p = 0; p < ARRAY_SIZE(grid_protocols); p++) {
				struct grid_point pt = { GRID_SOCKET, grid_families[f],
					grid_types[t], grid_protocols[p], salt++, false };

				points[n++] = pt;
				/* socketpair on a third of the points */
				if (salt % 3 == 0) {
					pt.call = GRID_SOCKETPAIR;
					points[n++] = pt;
				}
				/* i386 on a diagonal third: every value of
				 * each argument, every pair of two of them */
				if ((f + t + p) % 3 == 0) {
					pt.i386 = true;
					pt.call = GRID_SOCKET;
					points[n++] = pt;
					pt.call = salt % 2 ? GRID_SOCKET : GRID_SOCKETPAIR;
					if (pt.call == GRID_SOCKETPAIR)
						points[n++] = pt;
				}
			}
	for (int fd = 0; fd < GRID_FDS; fd++)
		for (size_t h = 0; h < ARRAY_SIZE(grid_hows); h++)
			for (unsigned s = 0; s < 4; s++)
				points[n++] = (struct grid_point){ GRID_SHUTDOWN, fd,
					grid_hows[h], 0, s, false };
	/* i386 shutdown once per point (32-bit registers have no upper half
	 * to salt), and accept4. */
	for (int fd = 0; fd < GRID_FDS; fd++)
		for (size_t h = 0; h < ARRAY_SIZE(grid_hows); h++)
			points[n++] = (struct grid_point){ GRID_SHUTDOWN, fd,
				grid_hows[h], 0, 0, true };
	for (int fd = 0; fd < GRID_FDS; fd++)
		for (size_t f = 0; f < ARRAY_SIZE(grid_accept_flags); f++)
			points[n++] = (struct grid_point){ GRID_ACCEPT4, fd,
				grid_accept_flags[f], 0, 0, true };
	for (int fd = 0; fd < GRID_FDS; fd++)
		for (int k = 0; k < GRID_ADDR_CALLS; k++)
			for (unsigned s = 0; s < 2; s++)
				points[n++] = (struct grid_point){ GRID_ADDR, k, fd, 0, s, false };
	n_points = n;
}

/* Descriptors for shutdown, made before any filter: three sockets and a
 * descriptor that is not a socket (the matcher sees family -1). */
static void grid_fds(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	fds[0] = sv[0];
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	fds[2] = socket(AF_INET6, SOCK_DGRAM, 0);
	fds[3] = open("/dev/null", O_RDONLY);
	for (int i = 0; i < GRID_FDS; i++) {
		socklen_t len = sizeof(int);
		struct policy_call *c = &fd_facts[i];

		if (fds[i] < 0)
			abort();
		c->event = POLICY_EV_SHUTDOWN;
		c->family = c->type = c->protocol = -1;
		if (i < 3) {
			getsockopt(fds[i], SOL_SOCKET, SO_DOMAIN, &c->family, &len);
			getsockopt(fds[i], SOL_SOCKET, SO_TYPE, &c->type, &len);
			getsockopt(fds[i], SOL_SOCKET, SO_PROTOCOL, &c->protocol, &len);
		}
	}
}

/* One i386 system call through int $0x80: the result, or -1 with errno.
 * The 64-bit kernel's int 0x80 entry may clobber r8-r11. */
static long grid_int80(long nr, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"((long)a), "c"((long)b), "d"((long)c), "S"((long)d)
			 : "memory", "r8", "r9", "r10", "r11");
	ret = (int)ret;		/* eax: the upper half of rax is not the result */
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* Does an i386 getpid (20) work?  Without the i386 ABI int $0x80 faults. */
static bool grid_probe_i386(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(grid_int80(20, 0, 0, 0, 0) == getpid() ? 0 : 1);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static long grid_call_i386(const struct grid_point *pt)
{
	long nr = grid_i386_nr[pt->call], r;

	switch (pt->call) {
	case GRID_SOCKET:
	case GRID_SOCKETPAIR:
		r = grid_int80(nr, (uint32_t)pt->a, (uint32_t)pt->b, (uint32_t)pt->c,
			       (uint32_t)(uintptr_t)grid_low);
		if (r >= 0 && pt->call == GRID_SOCKET)
			close((int)r);
		if (r == 0 && pt->call == GRID_SOCKETPAIR) {
			close(grid_low[0]);
			close(grid_low[1]);
		}
		return r;
	case GRID_SHUTDOWN:
		return grid_int80(nr, (uint32_t)fds[pt->a], (uint32_t)pt->b, 0, 0);
	default:
		r = grid_int80(nr, (uint32_t)fds[pt->a], 0, 0, (uint32_t)pt->b);
		if (r >= 0)
			close((int)r);
		return r;
	}
}

/* An address call on fds[pt->b]; the upper half of the descriptor's
 * register salted, the pointers whole (the kernel uses all 64 bits). */
static long grid_call_addr(const struct grid_point *pt)
{
	uint64_t fd = grid_reg(fds[pt->b], pt->salt);
	const void *bad = (const void *)1;
	char c = 0;

	switch (pt->a) {
	case GRID_CONNECT:
		return syscall(SYS_connect, fd, bad, 16, 0, 0, grid_marker);
	case GRID_BIND:
		return syscall(SYS_bind, fd, bad, 16, 0, 0, grid_marker);
	case GRID_SENDTO:
		return syscall(SYS_sendto, fd, &c, 0, MSG_DONTWAIT | MSG_NOSIGNAL, bad, 16);
	case GRID_SENDMSG:
		return syscall(SYS_sendmsg, fd, bad, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0, grid_marker);
	case GRID_SENDMMSG:
		return syscall(SYS_sendmmsg, fd, bad, 1, MSG_DONTWAIT | MSG_NOSIGNAL, 0, grid_marker);
	default:
		return syscall(SYS_sendto, fd, &c, 0, MSG_DONTWAIT | MSG_NOSIGNAL, NULL, 0);
	}
}

static long grid_call(const struct grid_point *pt)
{
	int sv[2];
	long r;

	if (pt->i386)
		return grid_call_i386(pt);
	switch (pt->call) {
	case GRID_SOCKET:
		r = syscall(SYS_socket, grid_reg(pt->a, pt->salt),
			    grid_reg(pt->b, pt->salt + 1), grid_reg(pt->c, pt->salt + 2), 0, 0, grid_marker);
		if (r >= 0)
			close((int)r);
		return r;
	case GRID_SOCKETPAIR:
		r = syscall(SYS_socketpair, grid_reg(pt->a, pt->salt),
			    grid_reg(pt->b, pt->salt + 1), grid_reg(pt->c, pt->salt + 2), sv, 0, grid_marker);
		if (r == 0) {
			close(sv[0]);
			close(sv[1]);
		}
		return r;
	case GRID_ADDR:
		return grid_call_addr(pt);
	default:
		return syscall(SYS_shutdown, fds[pt->a], grid_reg(pt->b, pt->salt), 0, 0, 0,
			       grid_marker);
	}
}

static void grid_child(scmp_filter_ctx ctx, struct grid_shared *sh, size_t from)
{
	int listener;

	if (seccomp_load(ctx) < 0)
		_exit(3);
	listener = seccomp_notify_fd(ctx);
	if (listener >= 0)
		close(listener);
	for (size_t i = from; i < n_points; i++) {
		if (points[i].i386 && !grid_i386)
			continue;
		sh->cur = (int)i;
		errno = 0;
		sh->err[i] = grid_call(&points[i]) < 0 ? errno : 0;
	}
	_exit(0);
}

/* Run every point under CTX; 0, or -1 when a child failed otherwise than
 * by a kill rule. */
static int grid_run(scmp_filter_ctx ctx, struct grid_shared *sh)
{
	size_t from = 0;

	while (from < n_points) {
		int status;
		pid_t pid;

		sh->cur = -1;
		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0)
			grid_child(ctx, sh, from);
		if (waitpid(pid, &status, 0) < 0)
			return -1;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			break;
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS || sh->cur < (int)from) {
			printf("# grid child failed: status 0x%x at point %d\n", status, sh->cur);
			return -1;
		}
		sh->err[sh->cur] = -SIGSYS;
		from = (size_t)sh->cur + 1;
	}
	return 0;
}

static const char *grid_point_str(const struct grid_point *pt, char *buf, size_t len)
{
	static const char *const calls[] = { "socket", "socketpair", "shutdown", "accept4" };
	static const char *const addr_calls[] = { "connect", "bind", "sendto", "sendmsg",
						  "sendmmsg", "sendto(NULL)" };
	const char *abi = pt->i386 ? "i386 " : "";

	if (pt->call == GRID_ADDR)
		snprintf(buf, len, "%s(fd#%d) salt %u", addr_calls[pt->a], pt->b, pt->salt);
	else if (pt->call == GRID_SHUTDOWN)
		snprintf(buf, len, "%sshutdown(fd#%d, how %d) salt %u", abi, pt->a, pt->b,
			 pt->salt % 4);
	else if (pt->call == GRID_ACCEPT4)
		snprintf(buf, len, "%saccept4(fd#%d, flags %d)", abi, pt->a, pt->b);
	else
		snprintf(buf, len, "%s%s(%d, %d, %d) salt %u", abi, calls[pt->call], pt->a,
			 pt->b, pt->c, pt->salt % 4);
	return buf;
}

/* Shutdown decisions the filter can take alone: no rule for shutdown looks
 * at the socket's family, type or protocol, or at the exe. */
static bool grid_shutdown_decidable(const struct policy *p)
{
	size_t n;
	const struct policy_rule *r = policy_rules(p, &n);

	for (size_t i = 0; i < n; i++)
		if ((r[i].events & RULE_EV_BIT(POLICY_EV_SHUTDOWN)) &&
		    (r[i].n_families || r[i].n_types || r[i].n_protocols || r[i].n_exes))
			return false;
	return true;
}

static int grid_strictness(enum policy_action a)
{
	return a == POLICY_KILL ? 2 : a == POLICY_DENY;
}

/* accept and accept4 under the filter alone: the most lenient decision any
 * socket could get (the listener passed the same rules when it was made).
 * The grid's values cover every class of the policies checked here; -1 when
 * an exe rule (which no grid call can match) makes the answer unknowable
 * here.  Returns the grid result expected: 0, GRID_ERRNO or GRID_KILL. */
static int grid_accept_want(const struct policy *p)
{
	size_t n;
	const struct policy_rule *r = policy_rules(p, &n);
	int best = 3;

	for (size_t i = 0; i < n; i++)
		if (r[i].n_exes)
			return -1;
	for (size_t f = 0; f <= ARRAY_SIZE(grid_families); f++)
		for (size_t t = 0; t < ARRAY_SIZE(grid_types); t++)
			for (size_t k = 0; k < ARRAY_SIZE(grid_protocols); k++) {
				struct policy_call call = { .event = POLICY_EV_NEW,
					.family = f < ARRAY_SIZE(grid_families) ?
						  grid_families[f] : -1,
					.type = grid_types[t], .protocol = grid_protocols[k] };
				struct policy_decision d;

				policy_match(p, &call, &d);
				if (grid_strictness(d.action) < best)
					best = grid_strictness(d.action);
			}
	return best == 2 ? GRID_KILL : best == 1 ? GRID_ERRNO : 0;
}

/* The addresses an address call is tried with, against the random
 * policies' address and port pools (r_addresses, r_ports): one inside and
 * one outside each, an AF_UNIX path, an abstract name, and none (a
 * malformed address). */
static void grid_addrs(size_t i, struct policy_call *c)
{
	static const struct {
		int family;
		uint8_t ip[16];
		int port;
		const char *path;
	} a[] = {
		{ AF_INET, { 127, 0, 0, 1 }, 25, NULL },
		{ AF_INET, { 10, 1, 2, 3 }, 80, NULL },
		{ AF_INET, { 192, 0, 2, 1 }, 5000, NULL },
		{ AF_INET6, { [15] = 1 }, 443, NULL },
		{ AF_INET6, { 0x20, 0x01, 0x0d, 0xb8 }, 0, NULL },
		{ AF_INET6, { [10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1 }, 25, NULL },
		{ AF_UNIX, { 0 }, 0, "/run/x.sock" },
		{ AF_UNIX, { 0 }, 0, "/tmp/y" },
		{ -1, { 0 }, 0, NULL },
	};

	c->has_addr = a[i].family != -1;
	c->addr_family = a[i].family;
	memcpy(c->ip, a[i].ip, sizeof(c->ip));
	c->has_port = a[i].family == AF_INET || a[i].family == AF_INET6;
	c->port = a[i].port;
	c->path = a[i].path;
	c->path_len = a[i].path ? strlen(a[i].path) : 0;
	c->abstract = false;
}

#define GRID_N_ADDRS 9

/* Every decision address event EV can get, for any socket (the grid's
 * values, and the unknown family) and any address of grid_addrs(): the
 * strictest, whether they all agree, and whether some rule for EV looks at
 * what no register holds (exe, address, port): then the filter, which
 * cannot enumerate addresses, may take a stricter one (it must never take a
 * more lenient one). */
struct grid_addr_want {
	int strict;		/* 0, GRID_ERRNO, GRID_KILL */
	bool same;		/* one decision and one "log" for all */
	bool log;		/* ... and it is logged */
	bool blind;
};

static int grid_result_of(enum policy_action a)
{
	return a == POLICY_KILL ? GRID_KILL : a == POLICY_DENY ? GRID_ERRNO : 0;
}

/* How strict a grid result is: kill, then deny, then allow. */
static int grid_result_strictness(int res)
{
	return res == GRID_KILL ? 2 : res == GRID_ERRNO;
}

static void grid_addr_want(const struct policy *p, enum policy_event ev,
			   struct grid_addr_want *w)
{
	size_t n;
	const struct policy_rule *r = policy_rules(p, &n);
	struct policy_decision first = { 0 };
	bool any = false;

	memset(w, 0, sizeof(*w));
	w->same = true;
	for (size_t i = 0; i < n; i++)
		if ((r[i].events & RULE_EV_BIT(ev)) &&
		    (r[i].n_exes || r[i].n_addrs || r[i].n_ports))
			w->blind = true;
	for (size_t f = 0; f <= ARRAY_SIZE(grid_families); f++)
		for (size_t t = 0; t < ARRAY_SIZE(grid_types); t++)
			for (size_t k = 0; k < ARRAY_SIZE(grid_protocols); k++)
				for (size_t a = 0; a < GRID_N_ADDRS; a++) {
					struct policy_call call = { .event = ev,
						.family = f < ARRAY_SIZE(grid_families) ?
							  grid_families[f] : -1,
						.type = grid_types[t],
						.protocol = grid_protocols[k] };
					struct policy_decision d;

					grid_addrs(a, &call);
					policy_match(p, &call, &d);
					if (grid_strictness(d.action) >
					    grid_result_strictness(w->strict))
						w->strict = grid_result_of(d.action);
					if (any && (d.action != first.action || d.log != first.log))
						w->same = false;
					if (!any)
						first = d;
					any = true;
				}
	w->log = first.log;
}

/* The address call at PT: under the filter alone the strictest decision
 * (exactly, unless a rule looks at what no register holds: then at least
 * as strict, see grid_addr_want); under the notify filter, marked (the
 * shim's calls), the kernel's decision when every socket and address gets
 * the same, else allowed (the shim decided), except sendto, which cannot
 * be marked: the supervisor's (ENOSYS from the closed listener) unless
 * every case is decided alike and unlogged.  A sendto without an address is
 * no event: allowed.  Returns the expected result, -1: nothing to check;
 * *AT_LEAST: any result at least as strict will do. */
static int grid_addr_expect(const struct policy *p, const struct grid_point *pt, bool notify,
			    bool *at_least)
{
	struct grid_addr_want w;

	*at_least = false;
	if (pt->a == GRID_SENDTO_NONE)
		return 0;
	grid_addr_want(p, grid_addr_event[pt->a], &w);
	if (!notify) {
		*at_least = w.blind;
		return w.strict;
	}
	if (w.blind)
		return -1;
	if (pt->a == GRID_SENDTO)
		return w.same && !w.log ? w.strict : ENOSYS;
	return w.same ? w.strict : 0;
}

/* What the filter alone must answer at PT under P: 0, GRID_ERRNO or
 * GRID_KILL; -1: nothing the grid can check (see grid_check). */
static int grid_want(const struct policy *p, const struct grid_point *pt, bool shut_ok,
		     int accept_want)
{
	struct policy_call call = { .event = POLICY_EV_NEW, .family = pt->a,
				    .type = pt->b, .protocol = pt->c };
	struct policy_decision d;

	if (pt->call == GRID_ACCEPT4)
		return accept_want;
	if (pt->call == GRID_SHUTDOWN) {
		if (!shut_ok)
			return -1;
		call = fd_facts[pt->a];
		call.how = pt->b;
	}
	policy_match(p, &call, &d);
	return d.action == POLICY_KILL ? GRID_KILL : d.action == POLICY_DENY ? GRID_ERRNO : 0;
}

/* Policies whose direct i386 calls were decided whole (their regions did
 * not fit beside the native ones). */
static size_t grid_whole;

/* Check P; NAME and TEXT identify it in failures.  Returns the number of
 * points checked, or -1 on a mismatch. */
static long grid_check(const struct policy *p, const char *name, const char *text,
		       struct grid_shared *sh, bool notify)
{
	struct policy_seccomp_opts o = { .force_errno = GRID_ERRNO, .kill_errno = GRID_KILL,
					 .notify = notify, .marker = notify ? GRID_MARKER : 0 };
	bool shut_ok = grid_shutdown_decidable(p);
	int accept_want = grid_accept_want(p);
	size_t bad = 0, checked = 0, i386 = 0;
	int kind_want[4] = { -2, -2, -2, -2 };	/* -2: none yet, -3: they differ */
	bool whole = false;
	scmp_filter_ctx ctx = NULL;
	int ret;

	/* Exact first; a policy whose i386 regions do not fit beside the
	 * native ones gets its direct i386 calls decided whole. */
	o.i386_exact = true;
	ret = policy_seccomp_build(p, &o, &ctx);
	if (ret == -E2BIG) {
		o.i386_exact = false;
		whole = true;
		ret = policy_seccomp_build(p, &o, &ctx);
	}
	if (ret == -E2BIG && text) {
		/* A documented limit (sockaudit-compile(1)), counted by main. */
		printf("# %s: needs more than 4096 BPF instructions: %s\n", name, text);
		return 0;
	}
	if (ret < 0) {
		printf("# %s: build failed: %s\n", name, strerror(-ret));
		if (text)
			printf("# policy: %s\n", text);
		return -1;
	}
	memset(sh->err, 0, n_points * sizeof(int));
	grid_marker = o.marker;
	grid_i386 = !notify && grid_i386_ok;
	if (grid_run(ctx, sh) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	/* Decided whole: one action per direct i386 call, the policy's when
	 * every point of that call agrees, else POLICY_SECCOMP_I386_ERRNO
	 * (ENOSYS, which no grid call meets otherwise). */
	whole = whole && !notify;
	for (size_t i = 0; i < n_points && whole; i++) {
		int w = points[i].i386 ? grid_want(p, &points[i], shut_ok, accept_want) : -1;
		int *kw = &kind_want[points[i].call];

		if (w >= 0)
			*kw = *kw == -2 || *kw == w ? w : -3;
	}
	if (whole) {
		printf("# %s: the direct i386 calls are decided whole\n", name);
		grid_whole++;
	}
	for (size_t i = 0; i < n_points; i++) {
		const struct grid_point *pt = &points[i];
		int want, got;
		char buf[128];

		if (pt->i386 && notify)
			continue;
		if (pt->call == GRID_ADDR) {
			bool at_least;

			want = grid_addr_expect(p, pt, notify, &at_least);
			if (want < 0)
				continue;
			got = sh->err[i] == GRID_KILL || sh->err[i] == GRID_ERRNO ||
			      (notify && sh->err[i] == ENOSYS) ? sh->err[i] : 0;
			checked++;
			if (want == got || (at_least && grid_result_strictness(got) >=
							     grid_result_strictness(want)))
				continue;
			if (bad++ < 5)
				printf("# %s%s: %s: filter errno %d, expected %d%s\n", name,
				       notify ? " (marked, notify)" : "",
				       grid_point_str(pt, buf, sizeof(buf)), sh->err[i], want,
				       at_least ? " or stricter" : "");
			continue;
		}
		want = grid_want(p, pt, shut_ok, accept_want);
		if (want < 0)
			continue;
		if (whole && pt->i386 && kind_want[pt->call] == -3)
			want = POLICY_SECCOMP_I386_ERRNO;
		i386 += pt->i386;
		got = sh->err[i] == GRID_KILL || sh->err[i] == GRID_ERRNO ||
		      (whole && sh->err[i] == POLICY_SECCOMP_I386_ERRNO) ? sh->err[i] : 0;
		checked++;
		if (want == got)
			continue;
		if (bad++ < 5)
			printf("# %s%s: %s: filter %s, policy_match %s, errno %d\n",
			       name, notify ? " (marked, notify)" : "",
			       grid_point_str(pt, buf, sizeof(buf)),
			       got == GRID_KILL ? "killed" : got == GRID_ERRNO ? "denied" :
			       got ? "ENOSYS" : "allowed",
			       want == GRID_KILL ? "kill" : want == GRID_ERRNO ? "deny" :
			       want ? "ENOSYS" : "allow", sh->err[i]);
	}
	if (bad && text)
		printf("# policy: %s\n", text);
	if (!notify && !i386 && grid_i386_ok) {
		printf("# %s: no i386 point checked\n", name);
		bad++;
	}
	return bad ? -1 : (long)checked;
}

/* --- random policies ------------------------------------------------- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng_state >> 33) % n;
}

static const char *const r_families[] = {
	"\"AF_UNIX\"", "\"AF_INET\"", "\"AF_INET6\"", "\"AF_NETLINK\"", "\"AF_PACKET\"",
	"\"AF_ALG\"", "\"AF_VSOCK\"", "\"AF_KEY\"", "99", "1000", "0",
};
static const char *const r_types[] = {
	"\"SOCK_STREAM\"", "\"SOCK_DGRAM\"", "\"SOCK_RAW\"", "\"SOCK_SEQPACKET\"",
	"\"SOCK_DCCP\"", "\"SOCK_PACKET\"", "11", "0",
};
static const char *const r_protocols[] = {
	"\"IPPROTO_TCP\"", "\"IPPROTO_UDP\"", "\"IPPROTO_ICMP\"", "\"IPPROTO_SCTP\"",
	"\"IPPROTO_RAW\"", "\"NETLINK_ROUTE\"", "\"NETLINK_AUDIT\"", "\"IPPROTO_IP\"",
	"0", "255", "1000", "9", "16",
};
/* Numbers only: a protocol name must belong to one of the rule's families. */
static const char *const r_protocol_numbers[] = { "0", "6", "17", "255", "1000", "9", "16", "3" };
static const char *const r_hows[] = { "\"SHUT_RD\"", "\"SHUT_WR\"", "\"SHUT_RDWR\"", "1" };
static const char *const r_events[] = {
	"\"socket.connect\"", "\"socket.bind\"", "\"socket.sendto\"", "\"socket.sendmsg\"",
};
static const char *const r_addresses[] = {
	"\"127.0.0.0/8\"", "\"10.0.0.0/8\"", "\"::1\"", "\"2001:db8::/32\"",
	"\"/run/*.sock\"", "\"192.0.2.1\"",
};
static const char *const r_ports[] = { "25", "80", "\"1024-65535\"", "0" };
static const char *const r_errnos[] = { "\"EACCES\"", "\"EPERM\"", "\"EAFNOSUPPORT\"", "\"ENOSYS\"", "13" };

static void r_list(char **p, const char *key, const char *const *pool, size_t n)
{
	size_t k = 1 + rnd(3);

	*p += sprintf(*p, ",\"%s\":", key);
	if (k == 1 && rnd(2)) {
		*p += sprintf(*p, "%s", pool[rnd((unsigned)n)]);
		return;
	}
	*p += sprintf(*p, "[");
	for (size_t i = 0; i < k; i++)
		*p += sprintf(*p, "%s%s", i ? "," : "", pool[rnd((unsigned)n)]);
	*p += sprintf(*p, "]");
}

static void r_action(char **p)
{
	unsigned a = rnd(20);

	if (a < 9)
		*p += sprintf(*p, "\"action\":\"allow\"");
	else if (a < 19)
		*p += sprintf(*p, "\"action\":\"deny\",\"errno\":%s", r_errnos[rnd(ARRAY_SIZE(r_errnos))]);
	else
		*p += sprintf(*p, "\"action\":\"kill\"");
	if (rnd(3) == 0)
		*p += sprintf(*p, ",\"log\":false");
}

static void r_policy(char *buf)
{
	char *p = buf;
	unsigned n = 1 + rnd(7);

	p += sprintf(p, "{\"version\":1,\"mode\":\"enforce\",\"default\":{");
	if (rnd(2))
		p += sprintf(p, "\"action\":\"allow\"");
	else
		p += sprintf(p, "\"action\":\"deny\",\"errno\":%s", r_errnos[rnd(ARRAY_SIZE(r_errnos))]);
	p += sprintf(p, "},\"rules\":[");
	for (unsigned i = 0; i < n; i++) {
		p += sprintf(p, "%s{\"id\":\"r%u\",", i ? "," : "", i);
		r_action(&p);
		if (rnd(5) == 0) {
			/* An address rule: what the filter cannot see. */
			r_list(&p, "event", r_events, ARRAY_SIZE(r_events));
			if (rnd(2))
				r_list(&p, "family", r_families, ARRAY_SIZE(r_families));
			if (rnd(3) == 0)
				r_list(&p, "type", r_types, ARRAY_SIZE(r_types));
			if (rnd(2))
				r_list(&p, "address", r_addresses, ARRAY_SIZE(r_addresses));
			if (rnd(2))
				r_list(&p, "port", r_ports, ARRAY_SIZE(r_ports));
		} else if (rnd(6) == 0) {
			p += sprintf(p, ",\"event\":\"socket.shutdown\"");
			if (rnd(3))
				r_list(&p, "how", r_hows, ARRAY_SIZE(r_hows));
		} else {
			bool fam = rnd(2);

			if (fam)
				r_list(&p, "family", r_families, ARRAY_SIZE(r_families));
			if (rnd(2))
				r_list(&p, "type", r_types, ARRAY_SIZE(r_types));
			if (rnd(3) == 0 && fam)
				r_list(&p, "protocol", r_protocol_numbers,
				       ARRAY_SIZE(r_protocol_numbers));
			else if (!fam && rnd(3) == 0)
				r_list(&p, "protocol", r_protocols, ARRAY_SIZE(r_protocols));
		}
		p += sprintf(p, "}");
	}
	sprintf(p, "]}");
}

int main(void)
{
	const char *seed_env = getenv("SOCKAUDIT_GRID_SEED");
	/* A fixed default seed keeps `make test` repeatable; set
	 * SOCKAUDIT_GRID_SEED to explore others. */
	unsigned long long seed = seed_env ? strtoull(seed_env, NULL, 0) : 1;
	struct grid_shared *sh;
	long total = 0, n;
	size_t npol = 0, unparsed = 0, too_big = 0;
	DIR *dir;
	struct dirent *de;
	char text[8192];

	grid_points();
	grid_fds();
	grid_low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (grid_low == MAP_FAILED)
		abort();
	grid_i386_ok = grid_probe_i386();
	CHECK(grid_i386_ok, "the kernel runs i386 calls (int $0x80: CONFIG_IA32_EMULATION, "
	      "not ia32_emulation=0)");
	sh = mmap(NULL, sizeof(*sh) + n_points * sizeof(int), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		abort();
	printf("# %zu points per policy (socket, socketpair, shutdown; native and i386, "
	       "i386 accept4)\n", n_points);

	dir = opendir("policy/examples");
	CHECK(dir != NULL, "policy/examples can be read (run from the source tree)");
	while (dir && (de = readdir(dir))) {
		char path[512];
		struct policy_diags diags = { 0 };
		struct policy *p;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "policy/examples/%s", de->d_name);
		if (policy_load(path, &p, &diags) < 0) {
			CHECK(0, "%s parses", path);
			policy_diags_free(&diags);
			continue;
		}
		policy_diags_free(&diags);
		/* The kernel enforces only in enforce mode: check that. */
		policy_set_mode(p, POLICY_ENFORCE);
		for (int notify = 0; notify < 2; notify++) {
			n = grid_check(p, path, NULL, sh, notify);
			CHECK(n > 0, "%s%s: the filter decides %ld points (native and i386) as policy_match does",
			      path, notify ? " (marked calls, notify filter)" : "", n);
			total += n > 0 ? n : 0;
		}
		npol++;
		policy_free(p);
	}
	if (dir)
		closedir(dir);
	CHECK(grid_whole == 0, "every example policy gets the exact i386 regions");

	printf("# random policies: SOCKAUDIT_GRID_SEED=%llu\n", seed);
	rng_state = seed;
	for (int i = 0; i < N_RANDOM; i++) {
		struct policy *p;

		r_policy(text);
		struct policy_diags diags = { 0 };

		if (policy_parse(text, strlen(text), &p, &diags) < 0) {
			if (!unparsed++)
				printf("# unparsed: %s: %s\n", text,
				       diags.count ? diags.items[0].message : "?");
			policy_diags_free(&diags);
			continue;
		}
		policy_diags_free(&diags);
		n = grid_check(p, "random", text, sh, false);
		if (n == 0) {
			too_big++;
			policy_free(p);
			continue;
		}
		if (!CHECK(n > 0, "random policy %d (seed %llu): %ld points agree", i, seed, n))
			printf("# replay: SOCKAUDIT_GRID_SEED=%llu\n", seed);
		total += n > 0 ? n : 0;
		n = grid_check(p, "random", text, sh, true);
		if (n == 0) {	/* the notify filter is larger */
			too_big++;
			policy_free(p);
			continue;
		}
		if (!CHECK(n > 0, "random policy %d (seed %llu), marked calls under the notify "
			   "filter: %ld points agree", i, seed, n))
			printf("# replay: SOCKAUDIT_GRID_SEED=%llu\n", seed);
		total += n > 0 ? n : 0;
		npol++;
		policy_free(p);
	}
	CHECK(unparsed < N_RANDOM / 4, "most random policies parse (%zu of %d did not)",
	      unparsed, N_RANDOM);
	CHECK(too_big <= N_RANDOM / 8, "few random policies exceed the BPF size limit (%zu of %d)",
	      too_big, N_RANDOM);
	printf("# %ld points checked over %zu policies\n", total, npol);
	CHECK(total >= 2 * 10000L * (long)npol / 2, "at least 10,000 points per policy and filter");
	return check_done();
}
