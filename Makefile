# SPDX-License-Identifier: MIT
# sockaudit - see README.md.  `make`, `make test`, `make bench`, `make fuzz`,
# `make ASAN=1`, `make UBSAN=1`, `make install PREFIX=... DESTDIR=...`.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib/sockaudit
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
VERSION := 0.1.0

ifeq ($(ASAN),1)
B ?= build-asan
SAN := -fsanitize=address -fno-omit-frame-pointer
else ifeq ($(UBSAN),1)
B ?= build-ubsan
SAN := -fsanitize=undefined -fno-sanitize-recover=all
else
B ?= build
SAN :=
endif

CJSON_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcjson)
CJSON_LIBS := $(shell $(PKG_CONFIG) --libs libcjson)
SECCOMP_CFLAGS := $(shell $(PKG_CONFIG) --cflags libseccomp)
# zlib: libcore's log reader inflates .gz logs, so every program that links
# libcore with libseccomp links it too.
ZLIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags zlib)
SECCOMP_LIBS := $(shell $(PKG_CONFIG) --libs libseccomp) $(shell $(PKG_CONFIG) --libs zlib)

# The modules every program links, as one archive (see HACKING.md):
#   calls/   the intercepted calls and the socket facts they are decided on
#   policy/  the policy language and its compilation to a kernel filter
#   json/    the strict JSON scanner and the UTF-8 check policies and logs share
#   evlog/   the event schema, its formatter, sinks and reader
MODULES := calls json policy evlog

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS ?= -O2 -g
# Link-time optimization: the log reader calls the JSON scanner (json/) for
# every value of every line, across files; LTO inlines those calls (report
# is ~10% faster, `make bench`).  Fat objects keep libcore.a usable by a
# link without LTO.  `make LTO=` turns it off.
LTO ?= -flto=auto -ffat-lto-objects
# Everything is position independent and hidden by default: the policy
# objects are linked into the preload shim, which must export nothing else.
# -iquote, not -I: a module's header must never hide a system one.
ALL_CFLAGS := -std=gnu11 $(WARN) $(HARDEN) -fPIC -fvisibility=hidden \
	-D_GNU_SOURCE -DSOCKAUDIT_VERSION='"$(VERSION)"' \
	-DSOCKAUDIT_LIBDIR='"$(LIBDIR)"' $(MODULES:%=-iquote %) \
	$(CJSON_CFLAGS) $(SECCOMP_CFLAGS) $(ZLIB_CFLAGS) $(SAN) $(LTO) $(CFLAGS)
ALL_LDFLAGS := $(SAN) $(LTO) $(LDFLAGS)

POLICY_SRCS := $(sort $(wildcard $(MODULES:%=%/*.c)))
POLICY_OBJS := $(POLICY_SRCS:%.c=$(B)/%.o)
MODULE_HDRS := $(wildcard $(MODULES:%=%/*.h) $(MODULES:%=%/*.def))
TOOL_SRCS := $(sort $(wildcard tools/*.c))
TOOL_OBJS := $(TOOL_SRCS:%.c=$(B)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

LIBPOLICY := $(B)/libcore.a
SOCKAUDIT := $(B)/sockaudit

all: $(SOCKAUDIT) $(UNIT_BINS)

$(B)/%.o: %.c $(MODULE_HDRS) $(wildcard shim/*.h tools/*.h tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBPOLICY): $(POLICY_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(SOCKAUDIT): $(TOOL_OBJS) $(LIBPOLICY)
	$(CC) $(ALL_LDFLAGS) -o $@ $(TOOL_OBJS) $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)

$(B)/tests/%: tests/unit/%.c $(LIBPOLICY) tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(LIBPOLICY) $(CJSON_LIBS) $(SECCOMP_LIBS)

# Each part adds its own targets, and its names to these lists:
#   ALL_TARGETS (built by `make`), BENCH_TARGETS (run by `make bench`).
include $(sort $(wildcard shim/*.mk tests/*/*.mk bench/*.mk tools/*.mk))

all: $(ALL_TARGETS)

test: all
	B=$(B) tests/run-tests.sh

bench: all $(BENCH_DEPS)
	B=$(B) bench/run-bench.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(SOCKAUDIT) $(DESTDIR)$(BINDIR)/sockaudit
	$(if $(wildcard $(B)/libsockaudit.so),install -m 755 $(B)/libsockaudit.so $(DESTDIR)$(LIBDIR)/)
	$(if $(wildcard man/*.1),install -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1/)

clean:
	rm -rf build build-asan build-ubsan build-fuzz

.PHONY: all test bench install clean fuzz
.DELETE_ON_ERROR:
