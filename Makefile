# klp: build the klp.core C module, run the tests, measure.
#   make            build build/klp/core.so
#   make test       the whole test suite (busted)
#   make test-asan  the suite with the module built with ASan + UBSan
#   make valgrind   the suite's core specs under valgrind memcheck
#   make bench      full-kernel-scale benchmark against the floor program
#   make install    PREFIX=/usr/local (DESTDIR honoured)

LUA       ?= lua5.4
LUA_INC   ?= $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
CC        ?= cc
CFLAGS    ?= -O2 -g
# Project flags live apart from CFLAGS so that a CFLAGS given on the command
# line (as LuaRocks does) cannot drop them.
KLP_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -fvisibility=hidden \
             -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror $(LUA_INC)
LDLIBS     = -lelf
BUILD     ?= build

SRCS    = $(wildcard src/*.c)
HDRS    = $(wildcard src/*.h)
MODULE  = $(BUILD)/klp/core.so
ASAN_MODULE = $(BUILD)/asan/klp/core.so
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

PREFIX  ?= /usr/local
LUA_LMOD ?= $(PREFIX)/share/lua/5.4
LUA_CMOD ?= $(PREFIX)/lib/$(shell $(CC) -print-multiarch 2>/dev/null)/lua/5.4

BUSTED  = $(LUA) /usr/bin/busted

.PHONY: all test test-asan valgrind bench install clean

all: $(MODULE)

$(MODULE): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KLP_CFLAGS) -shared -o $@ $(SRCS) $(LDFLAGS) $(LDLIBS)

$(ASAN_MODULE): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN_FLAGS) $(KLP_CFLAGS) -shared -o $@ $(SRCS) $(LDLIBS)

test: $(MODULE)
	$(BUSTED)

# lua5.4 itself is not instrumented, so the sanitizer runtimes are preloaded.
test-asan: $(ASAN_MODULE)
	KLP_BUILD=$(BUILD)/asan \
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(BUSTED)

valgrind: $(MODULE)
	KLP_VALGRIND=1 $(BUSTED) --run=valgrind

bench: $(MODULE)
	sh tests/bench/run.sh $(BUILD)

install: $(MODULE)
	install -d $(DESTDIR)$(LUA_CMOD)/klp $(DESTDIR)$(LUA_LMOD)/klp $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(MODULE) $(DESTDIR)$(LUA_CMOD)/klp/core.so
	install -m 644 lua/klp/*.lua $(DESTDIR)$(LUA_LMOD)/klp/
	install -m 755 klp.lua $(DESTDIR)$(PREFIX)/bin/klp

clean:
	rm -rf $(BUILD)
