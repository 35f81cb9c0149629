# SPDX-License-Identifier: MIT
# The launcher's start-up benchmark (bench/bench-run.sh): the floor, a
# dynamic program that only starts CMD and waits for it.
BENCH_DEPS += $(B)/bench/launch_floor

$(B)/bench/launch_floor: bench/launch_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -O2 -o $@ $<
