/* SPDX-License-Identifier: MIT */
/* compile.c - `sockaudit compile`: the seccomp filter a policy becomes. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "load.h"
#include "policy.h"
#include "filter.h"

enum compile_format { FMT_PFC, FMT_BPF, FMT_BPF_HEX };

struct compile_args {
	enum compile_format format;
	bool notify;
	uint64_t marker;
	bool mode_set;
	enum policy_mode mode;
	const char *path;
};

static void compile_usage(FILE *out)
{
	fprintf(out,
		"Usage: sockaudit compile [OPTION]... POLICY\n"
		"Print the seccomp filter POLICY becomes.\n\n"
		"  --format pfc|bpf|bpf-hex  libseccomp's readable pseudo filter code (pfc,\n"
		"                            the default), the raw BPF program (bpf: binary,\n"
		"                            never to a terminal), or one BPF instruction\n"
		"                            per line in hex (bpf-hex)\n"
		"  --notify                  the filter `sockaudit run` installs: calls to\n"
		"                            log, or that the filter cannot decide, go to\n"
		"                            the user-notification supervisor\n"
		"  --marker HEX              with --notify: calls carrying HEX in argument\n"
		"                            6 skip the supervisor (never a deny rule)\n"
		"  --mode audit|enforce      override the policy's mode\n"
		"  -h, --help                show this help\n\n"
		"Exit status: 0 printed, 1 the filter is too large or cannot be written,\n"
		"2 usage error or a policy that cannot be read or is invalid.\n"
		"See sockaudit-compile(1) for what the kernel enforces.\n");
}

/* 0 to go on, -1 after --help, or an exit status (2). */
static int compile_parse(int argc, char **argv, struct compile_args *a)
{
	enum { O_FORMAT = 256, O_NOTIFY, O_MARKER, O_MODE };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "notify", no_argument, NULL, O_NOTIFY },
		{ "marker", required_argument, NULL, O_MARKER },
		{ "mode", required_argument, NULL, O_MODE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	bool marker_set = false;
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			compile_usage(stdout);
			return -1;
		case O_FORMAT:
			if (!strcmp(optarg, "pfc"))
				a->format = FMT_PFC;
			else if (!strcmp(optarg, "bpf"))
				a->format = FMT_BPF;
			else if (!strcmp(optarg, "bpf-hex"))
				a->format = FMT_BPF_HEX;
			else
				return cli_usage_error("compile", "unknown format '%s' (pfc, bpf, bpf-hex)",
						       optarg);
			break;
		case O_NOTIFY:
			a->notify = true;
			break;
		case O_MARKER:
			errno = 0;
			a->marker = strtoull(optarg, &end, 16);
			if (errno || end == optarg || *end || optarg[0] == '-' || !a->marker)
				return cli_usage_error("compile", "bad marker '%s': expected a "
						       "non-zero hexadecimal number", optarg);
			marker_set = true;
			break;
		case O_MODE:
			if (policy_mode_value(optarg, &a->mode) < 0)
				return cli_usage_error("compile", "unknown mode '%s' (audit, enforce)",
						       optarg);
			a->mode_set = true;
			break;
		case ':':
			return cli_usage_error("compile", "option '%s' needs an argument",
					       argv[optind - 1]);
		default:
			return cli_usage_error("compile", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (marker_set && !a->notify)
		return cli_usage_error("compile", "--marker only matters with --notify");
	if (optind != argc - 1)
		return cli_usage_error("compile", optind == argc ? "missing POLICY" :
				       "one POLICY only");
	a->path = argv[optind];
	return 0;
}

/* Each instruction as "code jt jf k", the layout of struct sock_filter. */
static int compile_hex(scmp_filter_ctx ctx)
{
	unsigned char insn[8];
	FILE *f = tmpfile();
	int ret = 0;

	if (!f)
		return -errno;
	ret = seccomp_export_bpf(ctx, fileno(f));
	if (!ret && fseek(f, 0, SEEK_SET) < 0)
		ret = -errno;
	while (!ret && fread(insn, sizeof(insn), 1, f) == 1) {
		uint16_t code;
		uint32_t k;

		memcpy(&code, insn, sizeof(code));
		memcpy(&k, insn + 4, sizeof(k));
		printf("0x%04x %3u %3u 0x%08x\n", code, insn[2], insn[3], k);
	}
	fclose(f);
	return ret;
}

int cmd_compile(int argc, char **argv)
{
	struct compile_args a = { .format = FMT_PFC };
	static const struct cli_load_opts load = {
		.verb = "compile", .warnings = true,
	};
	struct policy_seccomp_opts o = { 0 };
	scmp_filter_ctx ctx = NULL;
	struct cli_policy lp;
	int st, ret;

	st = compile_parse(argc, argv, &a);
	if (st)
		return st < 0 ? 0 : st;
	if (a.format == FMT_BPF && isatty(STDOUT_FILENO)) {
		cli_error("compile", "refusing to write binary BPF to a terminal: "
			  "redirect it, or use --format bpf-hex");
		return 2;
	}
	if (cli_policy_load(&load, a.path, &lp))
		return CLI_EXIT_BAD_POLICY;
	if (a.mode_set)
		policy_set_mode(lp.policy, a.mode);
	o.notify = a.notify;
	o.marker = a.marker;
	ret = policy_seccomp_build(lp.policy, &o, &ctx);
	if (ret == -E2BIG) {
		cli_error("compile", "%s: the filter needs more than 4096 BPF instructions, "
			  "which the kernel refuses; use fewer distinct values in the rules",
			  a.path);
		st = CLI_EXIT_NO;
		goto out;
	}
	if (ret < 0) {
		cli_error("compile", "%s: cannot build the filter: %s", a.path, strerror(-ret));
		st = CLI_EXIT_NO;
		goto out;
	}
	fflush(stdout);
	switch (a.format) {
	case FMT_PFC:
		ret = seccomp_export_pfc(ctx, STDOUT_FILENO);
		break;
	case FMT_BPF:
		ret = seccomp_export_bpf(ctx, STDOUT_FILENO);
		break;
	case FMT_BPF_HEX:
		ret = compile_hex(ctx);
		break;
	}
	if (ret < 0 || fflush(stdout) == EOF) {
		cli_error("compile", "cannot write the filter: %s",
			  strerror(ret < 0 ? -ret : errno));
		st = CLI_EXIT_NO;
	}
out:
	seccomp_release(ctx);
	cli_policy_free(&lp);
	return st;
}
