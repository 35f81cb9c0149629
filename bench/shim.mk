# SPDX-License-Identifier: MIT
# The preload shim's benchmark (bench/bench-shim.sh): a socket + shutdown +
# close loop, natively and under libsockaudit.so in the same run.
BENCH_DEPS += $(B)/bench/shim_loop $(SHIM_LIB)

$(B)/bench/shim_loop: bench/shim_loop.c
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -O2 -o $@ $<
