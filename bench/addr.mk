# SPDX-License-Identifier: MIT
# The address events' benchmark (bench/bench-addr.sh): socket + connect +
# close against socket + close, natively and under sockaudit run.
BENCH_DEPS += $(B)/bench/addr_loop $(SHIM_LIB)

$(B)/bench/addr_loop: bench/addr_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -O2 -o $@ $<
