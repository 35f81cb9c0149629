# SPDX-License-Identifier: MIT
# The kernel layers' benchmark (bench/bench-kernel.sh): a socket() loop and a
# minimal notify-and-continue supervisor to compare sockaudit's against.
BENCH_DEPS += $(B)/bench/k2_loop $(B)/bench/k2_bare

$(B)/bench/k2_loop: bench/k2_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -O2 -o $@ $<

$(B)/bench/k2_bare: bench/k2_bare.c tools/unotify.h
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -iquote tools -O2 -o $@ $<
