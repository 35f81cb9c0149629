# SPDX-License-Identifier: MIT
# sockaudit - see README.md.
#   make              what is installed: sockaudit and libsockaudit.so
#   make tests        the test suite's programs too (unit tests, fixtures)
#   make test         all of it, then run the whole suite
#   make unit         build and run only the C unit tests and corpus replays
#   make install PREFIX=... DESTDIR=...,  make uninstall (the same variables)
#   make bench, make fuzz, make ASAN=1, make UBSAN=1

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
# The shim's directory: the one path the sockaudit program is built with.
LIBDIR ?= $(PREFIX)/lib/sockaudit
# Example policies and the JSON schemas: data that is used, not only read,
# so not under doc/ (which minimal systems leave out).
DATADIR ?= $(PREFIX)/share/sockaudit
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/sockaudit
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
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
	-D_GNU_SOURCE -DSOCKAUDIT_VERSION='"$(VERSION)"' $(MODULES:%=-iquote %) \
	$(CJSON_CFLAGS) $(SECCOMP_CFLAGS) $(ZLIB_CFLAGS) $(SAN) $(LTO) $(CPPFLAGS) $(CFLAGS)
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

all: $(SOCKAUDIT)

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
#   ALL_TARGETS (built by `make`, what is installed), TEST_TARGETS (what
#   the tests need besides: `make tests`), BENCH_DEPS (for `make bench`).
include $(sort $(wildcard shim/*.mk tests/*/*.mk bench/*.mk tools/*.mk))

all: $(ALL_TARGETS)
tests: all $(UNIT_BINS) $(TEST_TARGETS)

test: tests
	B=$(B) tests/run-tests.sh

# The unit tests and the fuzz corpus replays alone: no root, no network
# namespace, no third-party program (what a package build can run).
unit: all $(UNIT_BINS) $(REPLAY_BINS)
	@status=0; for t in $(UNIT_BINS); do echo "# --- $$t"; $$t || status=1; done; \
	B=$(B) tests/fuzz/replay.sh || status=1; exit $$status

bench: tests $(BENCH_DEPS)
	B=$(B) bench/run-bench.sh

# A path baked into a build product is kept in a file that changes only when
# the path does (FORCE runs the rule, cmp keeps the time): a new PREFIX then
# rebuilds what holds it, and nothing else.
#   $(B)/libdir.path   LIBDIR, in tools/run.o alone (where run finds the shim)
#   $(B)/paths.path    the installed paths the man pages name
PATH_libdir := $(LIBDIR)
PATH_paths := $(PREFIX) $(LIBDIR) $(DATADIR) $(MANDIR) $(DOCDIR) $(BASHCOMPDIR)
$(B)/%.path: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PATH_$*)' | cmp -s - $@ || echo '$(PATH_$*)' >$@
$(B)/tools/run.o: $(B)/libdir.path
.PRECIOUS: $(B)/%.path
$(B)/tools/run.o: ALL_CFLAGS += -DSOCKAUDIT_LIBDIR='"$(LIBDIR)"'

# The man pages are written for the default prefix; the installed ones name
# the real paths.  Most specific first: LIBDIR and DATADIR need not be
# under PREFIX.
MAN_SRCS := $(sort $(wildcard man/*.[1-8]))
MAN_OUT := $(MAN_SRCS:%=$(B)/%)
MAN_SUBST := -e 's|/usr/local/lib/sockaudit|$(LIBDIR)|g' \
	-e 's|/usr/local/share/sockaudit|$(DATADIR)|g' \
	-e 's|/usr/local/share/doc/sockaudit|$(DOCDIR)|g' \
	-e 's|/usr/local/share/bash-completion/completions|$(BASHCOMPDIR)|g' \
	-e 's|/usr/local/share/man|$(MANDIR)|g' \
	-e 's|/usr/local|$(PREFIX)|g'
$(B)/man/%: man/% $(B)/paths.path
	@mkdir -p $(dir $@)
	sed $(MAN_SUBST) $< >$@

# What `make install` puts where (relative to DESTDIR); `make uninstall`
# removes exactly these, and the directories that are sockaudit's own.
EXAMPLE_SRCS := $(sort $(wildcard policy/examples/*.json))
# Deployment examples (systemd drop-ins, logrotate): examples/X to
# $(DATADIR)/examples/X.
DEPLOY_SRCS := $(sort $(shell find examples -type f 2>/dev/null))
SCHEMA_SRCS := $(sort $(wildcard evlog/*.schema.json policy/*.schema.json))
COMPLETION := tools/sockaudit.bash-completion
man_dest = $(MANDIR)/man$(patsubst .%,%,$(suffix $(1)))/$(notdir $(1))
INSTALLED := $(BINDIR)/sockaudit $(LIBDIR)/libsockaudit.so \
	$(foreach m,$(MAN_SRCS),$(call man_dest,$(m))) \
	$(EXAMPLE_SRCS:policy/examples/%=$(DATADIR)/examples/%) \
	$(DEPLOY_SRCS:examples/%=$(DATADIR)/examples/%) \
	$(addprefix $(DATADIR)/,$(notdir $(SCHEMA_SRCS))) \
	$(BASHCOMPDIR)/sockaudit $(DOCDIR)/LICENSE
# Deepest first: rmdir takes only the empty ones.
OWN_DIRS := $(LIBDIR) $(sort $(dir $(DEPLOY_SRCS:examples/%=$(DATADIR)/examples/%))) \
	$(DATADIR)/examples/systemd $(DATADIR)/examples $(DATADIR) $(DOCDIR)

install: all $(MAN_OUT)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DATADIR)/examples \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(sort $(foreach m,$(MAN_SRCS),$(DESTDIR)$(dir $(call man_dest,$(m)))))
	install -m 755 $(SOCKAUDIT) $(DESTDIR)$(BINDIR)/sockaudit
	install -m 644 $(SHIM_LIB) $(DESTDIR)$(LIBDIR)/libsockaudit.so
	for m in $(MAN_SRCS); do \
		install -m 644 $(B)/$$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	$(if $(EXAMPLE_SRCS),install -m 644 $(EXAMPLE_SRCS) $(DESTDIR)$(DATADIR)/examples/)
	for f in $(DEPLOY_SRCS); do \
		install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f; done
	$(if $(SCHEMA_SRCS),install -m 644 $(SCHEMA_SRCS) $(DESTDIR)$(DATADIR)/)
	install -m 644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/sockaudit
	install -m 644 LICENSE $(DESTDIR)$(DOCDIR)/LICENSE

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	for d in $(addprefix $(DESTDIR),$(OWN_DIRS)); do rmdir $$d 2>/dev/null || true; done

clean:
	rm -rf build build-asan build-ubsan build-fuzz

FORCE:
.PHONY: all tests test unit bench install uninstall clean fuzz FORCE
.DELETE_ON_ERROR:
