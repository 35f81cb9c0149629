/* SPDX-License-Identifier: MIT */
/* self.c - who is calling (pid, tid, ppid) and its event numbers, with no
 * system call per event, exact in forked and vforked children.
 *
 * pid and ppid are kept in a page of their own marked MADV_WIPEONFORK (Linux
 * 4.14): a child made by fork() -- libc's, or a raw clone without CLONE_VM --
 * reads 0 there and asks the kernel once.  libc's fork() also runs our
 * pthread_atfork handlers: the parent's pid, taken before the fork, becomes
 * the child's ppid, so that it names the parent that forked it even when
 * that parent exits before the child's first event (a raw fork's child
 * asks getppid at its first event).  An exec'd image asks at init.  So
 * "ppid" is the parent at fork (or at exec): a process reparented later
 * keeps it.
 * The tid is cached per thread, tagged with the pid it was read in.
 *
 * A vfork child shares that page and its thread's TLS with its parent, and
 * nothing in memory tells the two apart.  So vfork() itself is interposed
 * (x86-64, vfork.S): ours counts in a thread-local word that this thread is in a
 * vfork, makes the system call, and the parent counts it back once it
 * resumes, which is after the child has exec'd or exited.  While the count is
 * not 0 each event asks the kernel for pid, ppid and tid and changes nothing
 * of the parent's (its seq has a word of its own).  A child made by clone(2)
 * with CLONE_VM but neither CLONE_THREAD nor through vfork() is not told
 * apart and logs as its parent (glibc's posix_spawn makes one, which only
 * execs).
 *
 * Without the page (an older kernel), or on architectures where vfork() is
 * not interposed, every event asks getpid and getppid, and a new pid is
 * checked with kcmp(2) for shared memory, as vfork children are told apart
 * there.
 */
#include <errno.h>
#include <linux/kcmp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "shim.h"


/* The owner: the process whose memory this is, and its parent. */
struct shim_owner {
	_Atomic pid_t pid;		/* 0: wiped, a fork child not yet asked */
	_Atomic pid_t ppid;
};

static struct shim_owner *shim_owner_page;	/* NULL: no MADV_WIPEONFORK */
static _Atomic pid_t shim_owner_pid;		/* without the page */

/*
 * seq: the process's pid in the high bits, its last event number in the
 * low bits, in one word.  A forked child inherits its parent's word; its
 * first event sees a foreign pid and starts again at 1, with one
 * compare-and-swap that threads racing on the first event cannot both win.
 */
#define SEQ_PID_SHIFT 40
#define SEQ_MASK ((UINT64_C(1) << SEQ_PID_SHIFT) - 1)
static _Atomic uint64_t shim_seq;
static _Atomic uint64_t shim_seq_vfork;	/* vfork children: not the parent's */

static __thread struct {
	pid_t pid, tid;
} shim_tls_id __attribute__((tls_model("initial-exec")));

/* vfork()s of this thread that have not returned in the parent yet. */
__thread unsigned shim_vforks __attribute__((tls_model("initial-exec"), visibility("hidden")));

#if defined(__x86_64__)
#define SHIM_VFORK_SEEN 1	/* vfork.S */

long shim_vfork_fail(long neg_errno) __attribute__((visibility("hidden")));

/* vfork.S's error path: the system call's -errno into errno. */
long shim_vfork_fail(long neg_errno)
{
	errno = (int)-neg_errno;
	return -1;
}
#else
#define SHIM_VFORK_SEEN 0
#endif

/* Keep PID and PPID.  The pid last: a thread that sees it must see the ppid
 * that goes with it. */
static void shim_owner_set(pid_t pid, pid_t ppid)
{
	atomic_store_explicit(&shim_owner_pid, pid, memory_order_relaxed);
	if (!shim_owner_page)
		return;
	atomic_store_explicit(&shim_owner_page->ppid, ppid, memory_order_relaxed);
	atomic_store_explicit(&shim_owner_page->pid, pid, memory_order_release);
}

/* libc's fork(): the parent's pid, read before the fork, is the child's
 * ppid even when the parent exits before the child runs. */
static _Atomic pid_t shim_forking_pid;

static void shim_atfork_prepare(void)
{
	struct shim_owner *o = shim_owner_page;
	pid_t pid = o ? atomic_load_explicit(&o->pid, memory_order_acquire) : 0;

	atomic_store_explicit(&shim_forking_pid, pid ? pid : getpid(), memory_order_relaxed);
}

static void shim_atfork_child(void)
{
	shim_owner_set(getpid(), atomic_load_explicit(&shim_forking_pid, memory_order_relaxed));
}

void shim_self_init(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t size = page > 0 ? (size_t)page : 4096;
	void *p;

	atomic_store(&shim_owner_pid, getpid());
	if (!SHIM_VFORK_SEEN)
		return;		/* the page alone cannot tell a vfork child */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (madvise(p, size, MADV_WIPEONFORK)) {
		munmap(p, size);
		return;
	}
	shim_owner_page = p;
	shim_owner_set(getpid(), getppid());
	pthread_atfork(shim_atfork_prepare, NULL, shim_atfork_child);
}

/* Without the page: does PID share its memory with the process that owns the
 * shim's state (a vfork child)?  A fork child makes the memory its own. */
static bool shim_shares_vm(pid_t pid)
{
	pid_t owner = atomic_load(&shim_owner_pid);

	if (pid == owner)
		return false;
	if (shim_raw_syscall(SYS_kcmp, pid, owner, KCMP_VM, 0, 0, 0) == 0)
		return true;
	/* A fork child (rc 1 or 2), or kcmp unavailable (then assume the
	 * common case, fork). */
	atomic_store(&shim_owner_pid, pid);
	return false;
}

/* Every answer from the kernel: a vfork child, or no page. */
static __attribute__((noinline)) void shim_self_slow(struct shim_self *s)
{
	s->pid = getpid();
	s->ppid = getppid();
	s->tid = gettid();
	if (SHIM_VFORK_SEEN && shim_vforks) {
		s->shared_vm = true;
		return;
	}
	s->shared_vm = shim_shares_vm(s->pid);
	if (!s->shared_vm) {
		shim_tls_id.pid = s->pid;
		shim_tls_id.tid = s->tid;
	}
}

void shim_self(struct shim_self *s)
{
	struct shim_owner *o = shim_owner_page;
	pid_t pid;

	if (__builtin_expect(!o || shim_vforks, 0)) {
		shim_self_slow(s);
		return;
	}
	pid = atomic_load_explicit(&o->pid, memory_order_acquire);
	if (__builtin_expect(!pid, 0)) {
		shim_owner_set(getpid(), getppid());	/* wiped: a raw fork's child */
		pid = atomic_load_explicit(&o->pid, memory_order_acquire);
	}
	s->pid = pid;
	s->ppid = atomic_load_explicit(&o->ppid, memory_order_relaxed);
	s->shared_vm = false;
	if (__builtin_expect(shim_tls_id.pid != pid, 0)) {
		shim_tls_id.tid = gettid();
		shim_tls_id.pid = pid;
	}
	s->tid = shim_tls_id.tid;
}

bool shim_in_vfork(void)
{
	return SHIM_VFORK_SEEN && shim_vforks;
}

uint64_t shim_next_seq(const struct shim_self *s)
{
	_Atomic uint64_t *word = s->shared_vm ? &shim_seq_vfork : &shim_seq;
	uint64_t tag = (uint64_t)s->pid << SEQ_PID_SHIFT;
	uint64_t old = atomic_load_explicit(word, memory_order_relaxed);
	uint64_t new;

	do {
		if ((old & ~SEQ_MASK) == tag)
			new = old + 1;
		else
			new = tag | 1;
	} while (!atomic_compare_exchange_weak_explicit(word, &old, new,
							memory_order_relaxed,
							memory_order_relaxed));
	return new & SEQ_MASK;
}
