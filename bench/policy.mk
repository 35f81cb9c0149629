# SPDX-License-Identifier: MIT
# The policy library's benchmark (bench/bench-policy.sh): policy_match()
# against a socket()+close() pair measured in the same run, and cJSON's
# parse alone as the floor of `sockaudit check`.
BENCH_DEPS += $(B)/bench/match $(B)/bench/jsonparse

$(B)/bench/match: bench/match.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)

$(B)/bench/jsonparse: bench/jsonparse.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)
