# SPDX-License-Identifier: MIT
# Fuzzing.  Every tests/fuzz/fuzz_NAME.c defines LLVMFuzzerTestOneInput and
# has a seed corpus in tests/fuzz/corpus/NAME/.
#   make fuzz [FUZZ_TIME=600]   runs each target with libFuzzer + ASan + UBSan
#   tests/fuzz/replay.sh        (part of make test) replays every corpus
#                               through a plain driver, no libFuzzer needed
FUZZ_TIME ?= 60
FUZZ_CC ?= clang
FUZZ_B := build-fuzz
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-D_GNU_SOURCE $(MODULES:%=-I%) $(CJSON_CFLAGS) $(SECCOMP_CFLAGS)
FUZZ_LIB_SRCS := $(filter-out policy/filter.c,$(POLICY_SRCS))

# Replay drivers: the same targets with a main() that feeds each file once.
REPLAY_BINS := $(FUZZ_NAMES:%=$(B)/tests/replay_%)
TEST_TARGETS += $(REPLAY_BINS)

$(B)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay_main.c \
		$(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRCS) $(MODULE_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(CJSON_LIBS) $(SECCOMP_LIBS)

fuzz: $(FUZZ_NAMES:%=$(FUZZ_B)/fuzz_%)
	@for n in $(FUZZ_NAMES); do \
		mkdir -p $(FUZZ_B)/corpus/$$n; \
		echo "== fuzz_$$n for $(FUZZ_TIME)s"; \
		$(FUZZ_B)/fuzz_$$n -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			-timeout=5 -rss_limit_mb=2048 $(FUZZ_B)/corpus/$$n tests/fuzz/corpus/$$n \
			|| exit 1; \
	done
