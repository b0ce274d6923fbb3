# klp: build the klp.core C module, run the tests, measure.
#   make            build build/klp/core.so
#   make deps       install the Debian/Ubuntu packages that are missing (sudo if not root)
#   make example    build the bundled example pair and run klp on it
#   make test       the whole test suite (busted)
#   make test-asan  the suite with the module built with ASan + UBSan
#   make valgrind   the suite under valgrind memcheck
#   make bench      full-kernel-scale benchmark against the floor program
#   make bench-tree tree mode on a generated tree of 2,000 object pairs, --jobs 1 and 2
#   make fuzz       the libFuzzer target for FUZZ_SECONDS (default 60); make fuzz-replay
#                   runs every kept crash and corpus input once
#   make install    PREFIX=/usr/local (DESTDIR honoured)

LUA       ?= lua5.4
LUA_INC   ?= $(shell pkg-config --cflags lua5.4 2>/dev/null || echo -I/usr/include/lua5.4)
CC        ?= cc
CFLAGS    ?= -O2 -g
# Project flags live apart from CFLAGS so that a CFLAGS given on the command
# line (as LuaRocks does) cannot drop them.
KLP_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -fPIC -fvisibility=hidden \
             -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror $(LUA_INC)
LDLIBS     = -lelf $(shell pkg-config --libs capstone 2>/dev/null || echo -lcapstone)
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

# Debian/Ubuntu packages klp builds, tests and benchmarks with (README, "Dependencies").
DEB_PACKAGES = lua5.4 liblua5.4-dev libelf-dev libcapstone-dev lua-lpeg lua-cjson lua-argparse lua-filesystem lua-busted luarocks \
               gcc libc6-dev make pkg-config binutils clang-19 lld-19 llvm-19 libclang-rt-19-dev \
               gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu valgrind time
SUDO = $(shell [ "$$(id -u)" = 0 ] || echo sudo)

EXAMPLE_SIDES = $(BUILD)/example/orig.o $(BUILD)/example/patched.o

FUZZ_SECONDS ?= 60

.PHONY: all deps example test test-asan valgrind bench bench-tree fuzz fuzz-replay install clean

all: $(MODULE)

$(MODULE): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(KLP_CFLAGS) -shared -o $@ $(SRCS) $(LDFLAGS) $(LDLIBS)

$(ASAN_MODULE): $(SRCS) $(HDRS) Makefile
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN_FLAGS) $(KLP_CFLAGS) -shared -o $@ $(SRCS) $(LDLIBS)

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	else echo "all dependencies are installed"; fi

# The example pair: each side of examples/pair built with clang-19 ThinLTO.
$(BUILD)/example/%.o: examples/pair/%/*.c
	@mkdir -p $(BUILD)/example/$*
	cd $(BUILD)/example/$* && clang-19 -O2 -flto=thin -ffunction-sections -fdata-sections -c \
	  $(addprefix $(CURDIR)/,$(sort $(wildcard examples/pair/$*/*.c)))
	ld.lld-19 -r -o $@ $(BUILD)/example/$*/*.o

example: $(MODULE) $(EXAMPLE_SIDES)
	$(LUA) klp.lua $(EXAMPLE_SIDES)

test: $(MODULE)
	$(BUSTED)

# lua5.4 itself is not instrumented, so the sanitizer runtimes are preloaded,
# through a lua5.4 wrapper first on PATH: the suite's own klp runs get them,
# the compilers that build fixtures do not.
test-asan: $(ASAN_MODULE)
	@mkdir -p $(BUILD)/asan/bin
	@printf '#!/bin/sh\nLD_PRELOAD="%s %s" exec %s "$$@"\n' \
	  "$$($(CC) -print-file-name=libasan.so)" "$$($(CC) -print-file-name=libubsan.so)" \
	  "$$(command -v $(LUA))" > $(BUILD)/asan/bin/$(LUA)
	@chmod +x $(BUILD)/asan/bin/$(LUA)
	PATH="$(CURDIR)/$(BUILD)/asan/bin:$$PATH" KLP_BUILD=$(abspath $(BUILD))/asan \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(BUSTED)

# Every lua5.4 of the suite (busted itself and each klp it starts) runs under
# memcheck; an error or a definite leak makes that process exit 99.
valgrind: $(MODULE)
	@mkdir -p $(BUILD)/valgrind/bin
	@printf '#!/bin/sh\nexec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect %s "$$@"\n' \
	  "$$(command -v $(LUA))" > $(BUILD)/valgrind/bin/$(LUA)
	@chmod +x $(BUILD)/valgrind/bin/$(LUA)
	PATH="$(CURDIR)/$(BUILD)/valgrind/bin:$$PATH" $(BUSTED)

bench: $(MODULE)
	sh tests/bench/run.sh $(BUILD)

bench-tree: $(MODULE)
	sh tests/bench/tree.sh $(BUILD)

fuzz:
	sh tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

fuzz-replay:
	sh tests/fuzz/run.sh $(BUILD) replay

# Every directory of lua/klp/ (presets/, report/, ...) is installed as it is.
LUA_DIRS = $(sort $(patsubst lua/%/,%,$(dir $(wildcard lua/klp/*.lua lua/klp/*/*.lua))))

install: $(MODULE)
	install -d $(DESTDIR)$(LUA_CMOD)/klp $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(MODULE) $(DESTDIR)$(LUA_CMOD)/klp/core.so
	for d in $(LUA_DIRS); do \
	  install -d $(DESTDIR)$(LUA_LMOD)/$$d && install -m 644 lua/$$d/*.lua $(DESTDIR)$(LUA_LMOD)/$$d/ || exit 1; \
	done
	install -m 755 klp.lua $(DESTDIR)$(PREFIX)/bin/klp

clean:
	rm -rf $(BUILD)
