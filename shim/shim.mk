# SPDX-License-Identifier: MIT
# libsockaudit.so, the preload shim.  Its objects plus libcore.a: the
# archive's json.o is not pulled in (shim/cjson.c defines json_parse and
# json_delete) and neither is seccomp.o, so the library needs neither libcjson
# nor libseccomp at link time.  --no-undefined proves that: any cJSON_* or
# seccomp_* reference left would fail the link (sanitizer builds leave their
# runtime's symbols undefined, so they skip the check).
SHIM_SRCS := $(sort $(wildcard shim/*.c))
SHIM_ASMS := $(sort $(wildcard shim/*.S))
SHIM_OBJS := $(SHIM_SRCS:%.c=$(B)/%.o) $(SHIM_ASMS:%.S=$(B)/%.o)
SHIM_LIB := $(B)/libsockaudit.so
SHIM_MAP := $(B)/shim/libsockaudit.map
SHIM_LDFLAGS := -shared -Wl,--version-script=$(SHIM_MAP) -Wl,-z,now \
	$(if $(SAN),,-Wl,--no-undefined)
ALL_TARGETS += $(SHIM_LIB)

$(B)/shim/%.o: shim/%.S
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The version script, from the table of intercepted calls.
$(SHIM_MAP): shim/libsockaudit.map.in calls/calls.def
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c -iquote calls -o $@ $<

$(SHIM_LIB): $(SHIM_OBJS) $(LIBPOLICY) $(SHIM_MAP)
	$(CC) $(ALL_LDFLAGS) $(SHIM_LDFLAGS) -o $@ $(SHIM_OBJS) $(LIBPOLICY) -ldl

# Fixtures of the shim's tests that need more than one C file.
# s_ctor: a shared library whose constructor creates a socket before the
# shim's own constructor ran; the program links it.
$(B)/fixtures/libs_ctor.so: tests/fixtures/s_ctor.c
	@mkdir -p $(dir $@)
	$(CC) $(FIXTURE_CFLAGS) -fPIC -shared -DS_CTOR_LIB -o $@ $<
$(B)/fixtures/s_ctor: $(B)/fixtures/libs_ctor.so
FIXTURE_LIBS_s_ctor := -L$(B)/fixtures -ls_ctor -Wl,-rpath,'$$ORIGIN'
# s_host: a program whose own global symbols carry the names of cJSON's and
# the shim's internals, exported so that they are in the global scope.
FIXTURE_LIBS_s_host := -rdynamic
TEST_TARGETS += $(B)/fixtures/libs_ctor.so
