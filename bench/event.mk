# SPDX-License-Identifier: MIT
# The event line formatter's benchmark (bench/bench-event.sh).
BENCH_DEPS += $(B)/bench/event

$(B)/bench/event: bench/event.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)
