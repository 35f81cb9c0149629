/* SPDX-License-Identifier: MIT */
/* run_cli.c - options, command resolution, environment and ELF inspection
 * for `sockaudit run`.  No printing, no exiting: see run_cli.h. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <linux/capability.h>

#include "run_cli.h"

/* ---- options ---- */

static const struct run_cli_word {
	const char *name;
	int value;
} run_cli_layers[] = {
	{ "auto", RUN_LAYER_AUTO },
	{ "preload", RUN_LAYER_PRELOAD },
	{ "seccomp", RUN_LAYER_SECCOMP },
	{ NULL, 0 },
};

static int run_cli_word(const struct run_cli_word *w, const char *s, int *value)
{
	for (; w->name; w++) {
		if (!strcmp(w->name, s)) {
			*value = w->value;
			return 0;
		}
	}
	return -EINVAL;
}

enum {
	OPT_MODE = 0x100, OPT_LAYER, OPT_HELP, OPT_MAX_SIZE, OPT_KEEP, OPT_LOG_MODE,
	OPT_LOG_GROUP,
};

static const struct option run_cli_long[] = {
	{ "policy", required_argument, NULL, 'p' },
	{ "log", required_argument, NULL, 'o' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "layer", required_argument, NULL, OPT_LAYER },
	{ "log-max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "log-keep", required_argument, NULL, OPT_KEEP },
	{ "log-mode", required_argument, NULL, OPT_LOG_MODE },
	{ "log-group", required_argument, NULL, OPT_LOG_GROUP },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Binary multiples, as logrotate's "size 10M" and LAUREL's file sizes. */
static const struct run_cli_suffix {
	char c;
	unsigned shift;
} run_cli_suffixes[] = {
	{ 'k', 10 }, { 'm', 20 }, { 'g', 30 }, { 0, 0 },
};

int run_cli_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	if (*p) {
		const struct run_cli_suffix *x = run_cli_suffixes;
		char c = (char)(*p | 0x20);

		while (x->c && x->c != c)
			x++;
		if (!x->c)
			return -EINVAL;
		shift = x->shift;
		p++;
		if (!strcmp(p, "iB") || !strcmp(p, "B"))
			p += strlen(p);
	}
	if (*p || !v || v > UINT64_MAX >> shift)
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int run_cli_mode(const char *s, int *out)
{
	unsigned v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '7' && p - s < 5; p++)
		v = v * 8 + (unsigned)(*p - '0');
	if (p == s || *p || v > 0777)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int run_cli_group(const char *s, gid_t *gid)
{
	struct group *g = getgrnam(s);
	char *end;
	unsigned long v;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v >= (gid_t)-1)
		return -ENOENT;
	*gid = (gid_t)v;
	return 0;
}

int run_cli_parse(int argc, char **argv, struct run_opts *o, char *err, size_t errlen)
{
	int c, v;

	bool keep_set = false;

	memset(o, 0, sizeof(*o));
	o->layer = RUN_LAYER_AUTO;
	o->mode = POLICY_AUDIT;
	o->log_keep = RUN_CLI_KEEP;
	o->log_mode = -1;
	/* optind = 0 makes glibc start over: cmd_run may be called more than
	 * once in one process (the unit test does). */
	optind = 0;
	opterr = 0;
	/* '+': stop at CMD, so CMD's own options stay CMD's.  ':': report a
	 * missing argument as ':' rather than '?'. */
	while ((c = getopt_long(argc, argv, "+:p:o:qh", run_cli_long, NULL)) != -1) {
		switch (c) {
		case 'p':
			o->policy_path = optarg;
			break;
		case 'o':
			o->log_path = optarg;
			break;
		case OPT_MODE:
			if (policy_mode_value(optarg, &o->mode) < 0) {
				snprintf(err, errlen, "invalid mode '%s': use audit or enforce",
					 optarg);
				return -EINVAL;
			}
			o->mode_set = true;
			break;
		case OPT_LAYER:
			if (run_cli_word(run_cli_layers, optarg, &v) < 0) {
				snprintf(err, errlen,
					 "invalid layer '%s': use auto, preload or seccomp",
					 optarg);
				return -EINVAL;
			}
			o->layer = v;
			break;
		case OPT_MAX_SIZE:
			if (run_cli_size(optarg, &o->log_max_size) < 0) {
				snprintf(err, errlen, "invalid size '%s': use a number of bytes, "
					 "with K, M or G for KiB, MiB, GiB (10M)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_KEEP: {
			char *end;
			unsigned long k;

			errno = 0;
			k = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno || !k ||
			    k > RUN_CLI_KEEP_MAX) {
				snprintf(err, errlen, "invalid --log-keep '%s': use 1 to %d",
					 optarg, RUN_CLI_KEEP_MAX);
				return -EINVAL;
			}
			o->log_keep = (unsigned)k;
			keep_set = true;
			break;
		}
		case OPT_LOG_MODE:
			if (run_cli_mode(optarg, &o->log_mode) < 0) {
				snprintf(err, errlen, "invalid --log-mode '%s': use an octal "
					 "mode up to 0777 (0640)", optarg);
				return -EINVAL;
			}
			break;
		case OPT_LOG_GROUP:
			o->log_group = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
		case OPT_HELP:
			o->help = true;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument",
				 argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		snprintf(err, errlen, "missing CMD: what should run?");
		return -EINVAL;
	}
	/* logrotate keeps the files it rotates (SIGHUP): ours are only ours. */
	if (keep_set && !o->log_max_size) {
		snprintf(err, errlen, "--log-keep needs --log-max-size");
		return -EINVAL;
	}
	o->cmd = argv + optind;
	return 0;
}

/* ---- finding CMD ---- */

/* 0: an executable regular file; -EACCES: a file that is not; -ENOENT. */
static int run_cli_runnable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == EACCES ? -EACCES : -ENOENT;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	/* AT_EACCESS: what exec will check, the effective ids. */
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return -EACCES;
	return 0;
}

int run_cli_resolve(const char *cmd, const char *path, char **out)
{
	char *denied = NULL;
	const char *dir, *end;
	int ret;

	*out = NULL;
	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		ret = run_cli_runnable(cmd);
		if (ret == -ENOENT)
			return ret;
		*out = strdup(cmd);
		return *out ? ret : -ENOMEM;
	}
	if (!path)
		path = "/bin:/usr/bin";	/* confstr(_CS_PATH), as execvp uses */
	for (dir = path;; dir = end + 1) {
		size_t dlen;
		char *cand;

		end = strchrnul(dir, ':');
		dlen = end - dir;
		/* An empty entry means the current directory, as in execvp. */
		if (asprintf(&cand, "%.*s%s%s", (int)dlen, dir, dlen ? "/" : "", cmd) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		ret = run_cli_runnable(cand);
		if (ret == 0) {
			*out = cand;
			goto out;
		}
		if (ret == -EACCES && !denied)
			denied = cand;
		else
			free(cand);
		if (!*end)
			break;
	}
	if (denied) {
		*out = denied;
		denied = NULL;
		ret = -EACCES;
	} else {
		ret = -ENOENT;
	}
out:
	free(denied);
	return ret;
}

/* ---- LD_PRELOAD ---- */

/* Sanitizer runtimes insist on being the first object loaded. */
static const char *const run_cli_sanitizers[] = {
	"libasan.so", "libhwasan.so", "libtsan.so", "liblsan.so", "libubsan.so",
	"libclang_rt.asan", "libclang_rt.hwasan", "libclang_rt.tsan",
	"libclang_rt.lsan", "libclang_rt.ubsan", "libclang_rt.msan", NULL,
};

bool run_cli_is_sanitizer(const char *entry)
{
	const char *base = strrchr(entry, '/');

	base = base ? base + 1 : entry;
	for (const char *const *s = run_cli_sanitizers; *s; s++)
		if (!strncmp(base, *s, strlen(*s)))
			return true;
	return false;
}

static bool run_cli_same_base(const char *a, const char *b)
{
	const char *ba = strrchr(a, '/'), *bb = strrchr(b, '/');

	return !strcmp(ba ? ba + 1 : a, bb ? bb + 1 : b);
}

/* Append ENTRY to the ':'-separated list in BUF of length *LEN. */
static void run_cli_append(char *buf, size_t *len, const char *entry, size_t elen)
{
	if (*len)
		buf[(*len)++] = ':';
	memcpy(buf + *len, entry, elen);
	*len += elen;
	buf[*len] = '\0';
}

char *run_cli_preload(const char *old, const char *shim, const char *runtime)
{
	size_t cap, len = 0;
	char *buf, *copy = NULL, *tok, *save;
	bool have_runtime = false;

	if (!old)
		old = "";
	cap = strlen(old) + strlen(shim) + (runtime ? strlen(runtime) : 0) + 4;
	buf = malloc(cap);
	copy = strdup(old);
	if (!buf || !copy) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[0] = '\0';
	if (runtime) {
		/* The shim's own runtime goes first unless the user already
		 * preloads that same runtime. */
		strcpy(copy, old);
		for (tok = strtok_r(copy, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save))
			if (run_cli_same_base(tok, runtime))
				have_runtime = true;
		if (!have_runtime)
			run_cli_append(buf, &len, runtime, strlen(runtime));
	}
	/* Two passes over OLD: its sanitizer runtimes, then the rest. */
	for (int pass = 0; pass < 2; pass++) {
		strcpy(copy, old);
		for (tok = strtok_r(copy, ": ", &save); tok; tok = strtok_r(NULL, ": ", &save)) {
			if (!strcmp(tok, shim))
				continue;	/* already preloaded: once is enough */
			if (run_cli_is_sanitizer(tok) == (pass == 0))
				run_cli_append(buf, &len, tok, strlen(tok));
		}
		if (pass == 0)
			run_cli_append(buf, &len, shim, strlen(shim));
	}
out:
	free(copy);
	return buf;
}

/* ---- ELF ---- */

struct run_cli_elf {
	bool is64;
	Elf64_Half phnum;
	Elf64_Off phoff;
	Elf64_Half phentsize;
};

static int run_cli_elf_open(int fd, struct run_cli_elf *e)
{
	union {
		unsigned char ident[EI_NIDENT];
		Elf32_Ehdr h32;
		Elf64_Ehdr h64;
	} h;
	ssize_t n = pread(fd, &h, sizeof(h), 0);

	if (n < (ssize_t)sizeof(h.h32) || memcmp(h.ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (h.ident[EI_DATA] != ELFDATA2LSB)
		return -ENOEXEC;
#else
	if (h.ident[EI_DATA] != ELFDATA2MSB)
		return -ENOEXEC;
#endif
	if (h.ident[EI_CLASS] == ELFCLASS64 && n >= (ssize_t)sizeof(h.h64)) {
		e->is64 = true;
		e->phnum = h.h64.e_phnum;
		e->phoff = h.h64.e_phoff;
		e->phentsize = h.h64.e_phentsize;
		return e->phentsize == sizeof(Elf64_Phdr) ? 0 : -ENOEXEC;
	}
	if (h.ident[EI_CLASS] == ELFCLASS32) {
		e->is64 = false;
		e->phnum = h.h32.e_phnum;
		e->phoff = h.h32.e_phoff;
		e->phentsize = h.h32.e_phentsize;
		return e->phentsize == sizeof(Elf32_Phdr) ? 0 : -ENOEXEC;
	}
	return -ENOEXEC;
}

/* The most program headers read (a 64-bit ELF has a dozen or two). */
#define RUN_CLI_PHDRS_MAX 512
/* The most of a dynamic section read (the shim's is half a kilobyte). */
#define RUN_CLI_DYN_MAX (64 * 1024)

/* E's program headers, widened to 64 bits, in *OUT (malloc'd): one read of
 * the whole table, which run makes for CMD and for the shim before every
 * run (a read per header was a dozen system calls each). */
static int run_cli_elf_phdrs(int fd, const struct run_cli_elf *e, Elf64_Phdr **out)
{
	size_t size = (size_t)e->phnum * e->phentsize;
	unsigned char *raw;
	Elf64_Phdr *p;
	int ret = -ENOEXEC;

	*out = NULL;
	if (!e->phnum || e->phnum > RUN_CLI_PHDRS_MAX)
		return -ENOEXEC;
	raw = malloc(size);
	p = calloc(e->phnum, sizeof(*p));
	if (!raw || !p) {
		ret = -ENOMEM;
		goto out;
	}
	if (pread(fd, raw, size, (off_t)e->phoff) != (ssize_t)size)
		goto out;
	for (unsigned i = 0; i < e->phnum; i++) {
		Elf32_Phdr q;

		if (e->is64) {
			memcpy(&p[i], raw + (size_t)i * e->phentsize, sizeof(p[i]));
			continue;
		}
		memcpy(&q, raw + (size_t)i * e->phentsize, sizeof(q));
		p[i].p_type = q.p_type;
		p[i].p_offset = q.p_offset;
		p[i].p_vaddr = q.p_vaddr;
		p[i].p_filesz = q.p_filesz;
		p[i].p_memsz = q.p_memsz;
	}
	*out = p;
	p = NULL;
	ret = 0;
out:
	free(raw);
	free(p);
	return ret;
}

/* The file offset of virtual address VADDR, through the PT_LOAD segments
 * among the N headers P. */
static int run_cli_elf_offset(const Elf64_Phdr *p, unsigned n, Elf64_Addr vaddr, off_t *off)
{
	for (unsigned i = 0; i < n; i++) {
		if (p[i].p_type == PT_LOAD && vaddr >= p[i].p_vaddr &&
		    vaddr < p[i].p_vaddr + p[i].p_filesz) {
			*off = (off_t)(p[i].p_offset + (vaddr - p[i].p_vaddr));
			return 0;
		}
	}
	return -ENOEXEC;
}

int run_cli_needed_sanitizer(const char *path, char *buf, size_t len)
{
	struct run_cli_elf e;
	Elf64_Phdr *p = NULL, dyn = { .p_type = PT_NULL };
	Elf64_Dyn *d = NULL;
	Elf64_Addr strtab = 0;
	size_t nd = 0;
	off_t stroff;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = run_cli_elf_open(fd, &e);
	if (ret < 0)
		goto out;
	ret = -ENOENT;
	if (!e.is64)
		goto out;	/* the shim is built for this 64-bit machine */
	if (run_cli_elf_phdrs(fd, &e, &p) < 0)
		goto out;
	for (unsigned i = 0; i < e.phnum; i++)
		if (p[i].p_type == PT_DYNAMIC)
			dyn = p[i];
	if (dyn.p_type != PT_DYNAMIC || dyn.p_filesz > RUN_CLI_DYN_MAX)
		goto out;
	/* The whole dynamic section in one read. */
	nd = dyn.p_filesz / sizeof(*d);
	d = malloc(nd * sizeof(*d) + 1);
	if (!d || pread(fd, d, nd * sizeof(*d), (off_t)dyn.p_offset) != (ssize_t)(nd * sizeof(*d)))
		goto out;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++)
		if (d[i].d_tag == DT_STRTAB)
			strtab = d[i].d_un.d_ptr;
	if (!strtab || run_cli_elf_offset(p, e.phnum, strtab, &stroff) < 0)
		goto out;
	for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
		char name[256];
		ssize_t n;

		if (d[i].d_tag != DT_NEEDED)
			continue;
		n = pread(fd, name, sizeof(name) - 1, stroff + (off_t)d[i].d_un.d_val);
		if (n <= 0)
			continue;
		name[n] = '\0';
		if (strlen(name) < len && run_cli_is_sanitizer(name)) {
			strcpy(buf, name);
			ret = 0;
			goto out;
		}
	}
out:
	free(d);
	free(p);
	close(fd);
	return ret;
}

/* The capabilities by number, as getcap(8) and capabilities(7) name them. */
static const char *const run_cli_cap_names[] = {
	[CAP_CHOWN] = "cap_chown", [CAP_DAC_OVERRIDE] = "cap_dac_override",
	[CAP_DAC_READ_SEARCH] = "cap_dac_read_search", [CAP_FOWNER] = "cap_fowner",
	[CAP_FSETID] = "cap_fsetid", [CAP_KILL] = "cap_kill", [CAP_SETGID] = "cap_setgid",
	[CAP_SETUID] = "cap_setuid", [CAP_SETPCAP] = "cap_setpcap",
	[CAP_LINUX_IMMUTABLE] = "cap_linux_immutable",
	[CAP_NET_BIND_SERVICE] = "cap_net_bind_service",
	[CAP_NET_BROADCAST] = "cap_net_broadcast", [CAP_NET_ADMIN] = "cap_net_admin",
	[CAP_NET_RAW] = "cap_net_raw", [CAP_IPC_LOCK] = "cap_ipc_lock",
	[CAP_IPC_OWNER] = "cap_ipc_owner", [CAP_SYS_MODULE] = "cap_sys_module",
	[CAP_SYS_RAWIO] = "cap_sys_rawio", [CAP_SYS_CHROOT] = "cap_sys_chroot",
	[CAP_SYS_PTRACE] = "cap_sys_ptrace", [CAP_SYS_PACCT] = "cap_sys_pacct",
	[CAP_SYS_ADMIN] = "cap_sys_admin", [CAP_SYS_BOOT] = "cap_sys_boot",
	[CAP_SYS_NICE] = "cap_sys_nice", [CAP_SYS_RESOURCE] = "cap_sys_resource",
	[CAP_SYS_TIME] = "cap_sys_time", [CAP_SYS_TTY_CONFIG] = "cap_sys_tty_config",
	[CAP_MKNOD] = "cap_mknod", [CAP_LEASE] = "cap_lease",
	[CAP_AUDIT_WRITE] = "cap_audit_write", [CAP_AUDIT_CONTROL] = "cap_audit_control",
	[CAP_SETFCAP] = "cap_setfcap", [CAP_MAC_OVERRIDE] = "cap_mac_override",
	[CAP_MAC_ADMIN] = "cap_mac_admin", [CAP_SYSLOG] = "cap_syslog",
	[CAP_WAKE_ALARM] = "cap_wake_alarm", [CAP_BLOCK_SUSPEND] = "cap_block_suspend",
	[CAP_AUDIT_READ] = "cap_audit_read", [CAP_PERFMON] = "cap_perfmon",
	[CAP_BPF] = "cap_bpf", [CAP_CHECKPOINT_RESTORE] = "cap_checkpoint_restore",
};
#define RUN_CLI_NCAPS (sizeof(run_cli_cap_names) / sizeof(run_cli_cap_names[0]))

int run_cli_file_caps(const char *path, char *buf, size_t len)
{
	struct vfs_ns_cap_data d = { 0 };
	uint64_t permitted;
	ssize_t n = getxattr(path, "security.capability", &d, sizeof(d));
	size_t used = 0;
	int count = 0;

	if (len)
		buf[0] = '\0';
	if (n < 0)
		return errno == ENODATA || errno == ENOTSUP ? 0 : -errno;
	/* Little-endian on disk, as this machine (v1: one word of 32 caps). */
	if (n < (ssize_t)XATTR_CAPS_SZ_1)
		return -EINVAL;
	permitted = d.data[0].permitted;
	if ((d.magic_etc & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_1)
		permitted |= (uint64_t)d.data[1].permitted << 32;
	for (unsigned i = 0; i < 64; i++) {
		char num[16];
		const char *name = num;
		int w;

		if (!(permitted >> i & 1))
			continue;
		if (i < RUN_CLI_NCAPS && run_cli_cap_names[i])
			name = run_cli_cap_names[i];
		else
			snprintf(num, sizeof(num), "cap_%u", i);
		w = snprintf(buf + used, len > used ? len - used : 0, "%s%s",
			     count ? "," : "", name);
		if (w > 0)
			used += (size_t)w;
		count++;
	}
	return count;
}

/* Would exec of PATH (an ELF) run it with AT_SECURE, so that the loader
 * ignores LD_PRELOAD?  RUN_BLIND_SETID or RUN_BLIND_FCAPS then; else
 * RUN_SEES. */
static enum run_blind run_cli_secure_exec(const char *path, const struct stat *st)
{
	struct statvfs vfs;
	uid_t euid = geteuid();
	gid_t egid = getegid();

	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return RUN_SEES;	/* the kernel ignores the bits there */
	if (st->st_mode & S_ISUID)
		euid = st->st_uid;
	if ((st->st_mode & S_ISGID) && (st->st_mode & S_IXGRP))
		egid = st->st_gid;
	if (euid != getuid() || egid != getgid())
		return RUN_BLIND_SETID;
	/* File capabilities raise an unprivileged caller, never root. */
	if (geteuid() != 0 && getxattr(path, "security.capability", NULL, 0) > 0)
		return RUN_BLIND_FCAPS;
	return RUN_SEES;
}

/* The kernel follows at most this many "#!" interpreters (binfmt_script). */
#define RUN_CLI_MAX_INTERP 4

enum run_blind run_cli_blind(const char *path, char **culprit)
{
	char head[256], *cur;
	enum run_blind ret = RUN_SEES;
	struct run_cli_elf e;
	struct stat st;
	int fd = -1;

	*culprit = NULL;
	cur = strdup(path);
	for (int depth = 0; cur && depth <= RUN_CLI_MAX_INTERP; depth++) {
		ssize_t n;
		bool has_interp = false;
		Elf64_Phdr *p;

		fd = open(cur, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			goto out;
		n = pread(fd, head, sizeof(head) - 1, 0);
		if (n < 2)
			goto out;
		head[n] = '\0';
		if (head[0] == '#' && head[1] == '!') {
			char *s = head + 2, *t;

			/* The interpreter ends at blank, newline or NUL, as the
			 * kernel reads it. */
			s += strspn(s, " \t");
			t = s + strcspn(s, " \t\n");
			*t = '\0';
			if (!*s)
				goto out;
			free(cur);
			cur = strdup(s);
			close(fd);
			fd = -1;
			continue;
		}
		if (run_cli_elf_open(fd, &e) < 0 || run_cli_elf_phdrs(fd, &e, &p) < 0)
			goto out;
		for (unsigned i = 0; i < e.phnum; i++)
			if (p[i].p_type == PT_INTERP)
				has_interp = true;
		free(p);
		ret = has_interp ? run_cli_secure_exec(cur, &st) : RUN_BLIND_STATIC;
		break;
	}
out:
	if (fd >= 0)
		close(fd);
	if (ret != RUN_SEES)
		*culprit = cur;
	else
		free(cur);
	return ret;
}

/* The sections the Go linker writes, stripped or not. */
static const char *const run_cli_go_sections[] = {
	".go.buildinfo", ".note.go.buildid", ".gopclntab", NULL,
};

#define RUN_CLI_SHSTR_MAX (64 * 1024)

bool run_cli_is_go(const char *path)
{
	union {
		unsigned char ident[EI_NIDENT];
		Elf32_Ehdr h32;
		Elf64_Ehdr h64;
	} h;
	uint64_t shoff, stroff, strsize = 0;
	unsigned shnum, shentsize, shstrndx;
	char *names = NULL;
	bool go = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct run_cli_elf e;

	if (fd < 0)
		return false;
	if (run_cli_elf_open(fd, &e) < 0 || pread(fd, &h, sizeof(h), 0) < (ssize_t)sizeof(h.h32))
		goto out;
	if (e.is64) {
		shoff = h.h64.e_shoff, shnum = h.h64.e_shnum;
		shentsize = h.h64.e_shentsize, shstrndx = h.h64.e_shstrndx;
	} else {
		shoff = h.h32.e_shoff, shnum = h.h32.e_shnum;
		shentsize = h.h32.e_shentsize, shstrndx = h.h32.e_shstrndx;
	}
	if (!shoff || shstrndx >= shnum ||
	    shentsize != (e.is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr)))
		goto out;
	/* The section names, then each section's name in them. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = pass ? 0 : shstrndx; i < (pass ? shnum : shstrndx + 1); i++) {
			off_t at = (off_t)(shoff + (uint64_t)i * shentsize);
			uint64_t name, off, size;

			if (e.is64) {
				Elf64_Shdr sh;

				if (pread(fd, &sh, sizeof(sh), at) != sizeof(sh))
					goto out;
				name = sh.sh_name, off = sh.sh_offset, size = sh.sh_size;
			} else {
				Elf32_Shdr sh;

				if (pread(fd, &sh, sizeof(sh), at) != sizeof(sh))
					goto out;
				name = sh.sh_name, off = sh.sh_offset, size = sh.sh_size;
			}
			if (!pass) {
				stroff = off;
				strsize = size < RUN_CLI_SHSTR_MAX ? size : RUN_CLI_SHSTR_MAX;
				names = calloc(1, strsize + 1);
				if (!names || pread(fd, names, strsize, (off_t)stroff) !=
						      (ssize_t)strsize)
					goto out;
				continue;
			}
			if (name >= strsize)
				continue;
			for (const char *const *g = run_cli_go_sections; *g; g++)
				if (!strcmp(names + name, *g))
					go = true;
		}
	}
out:
	free(names);
	close(fd);
	return go;
}

/* ---- the environment ---- */

char **run_cli_env_dup(char *const *env)
{
	size_t n = 0;
	char **copy;

	while (env && env[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(env[i]);
		if (!copy[i]) {
			run_cli_env_free(copy);
			return NULL;
		}
	}
	return copy;
}

static bool run_cli_env_is(const char *entry, const char *name)
{
	size_t len = strlen(name);

	return !strncmp(entry, name, len) && entry[len] == '=';
}

const char *run_cli_env_get(char *const *env, const char *name)
{
	for (; env && *env; env++)
		if (run_cli_env_is(*env, name))
			return *env + strlen(name) + 1;
	return NULL;
}

int run_cli_env_set(char ***env, const char *name, const char *value)
{
	char **e = *env, *entry = NULL, **grown;
	size_t n = 0, out = 0;

	if (value && asprintf(&entry, "%s=%s", name, value) < 0)
		return -ENOMEM;
	/* Drop every NAME= (an environment may hold duplicates), keep order. */
	for (n = 0; e[n]; n++) {
		if (run_cli_env_is(e[n], name))
			free(e[n]);
		else
			e[out++] = e[n];
	}
	e[out] = NULL;
	if (!entry)
		return 0;
	grown = realloc(e, (out + 2) * sizeof(*e));
	if (!grown) {
		free(entry);
		return -ENOMEM;
	}
	grown[out] = entry;
	grown[out + 1] = NULL;
	*env = grown;
	return 0;
}

void run_cli_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}
