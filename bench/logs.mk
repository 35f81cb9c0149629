# SPDX-License-Identifier: MIT
# The log benchmark (bench/bench-logs.sh): the event generator and a tiny
# command runner that reports CPU time and peak memory.
BENCH_DEPS += $(B)/genlog $(B)/peak

$(B)/genlog: bench/genlog.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)

$(B)/peak: bench/peak.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<
