# The log benchmark's generator (bench/bench-logs.sh).
BENCH_DEPS += $(B)/genlog

$(B)/genlog: bench/genlog.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)
