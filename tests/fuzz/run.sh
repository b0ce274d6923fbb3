#!/bin/sh
# Builds and runs the klp fuzz target (tests/fuzz/README.md).
#   sh tests/fuzz/run.sh BUILD_DIR SECONDS   fuzz for SECONDS on BUILD_DIR/fuzz/work
#   sh tests/fuzz/run.sh BUILD_DIR replay    run every file of tests/fuzz/crashes and
#                                            tests/fuzz/corpus once
# Exits 1 on any finding (copied into tests/fuzz/crashes/) or failed replay.
# FUZZ_CC (default clang-19) is the compiler; FUZZ_ARGS adds libFuzzer
# options (e.g. "-fork=1 -ignore_crashes=1"); KLP_FUZZ_SRC builds from
# another copy of src/.
set -u
cd "$(dirname "$0")/../.." || exit 1

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: sh tests/fuzz/run.sh BUILD_DIR [SECONDS|replay]" >&2
	exit 2
fi
build=$1
what=${2:-60}
case $what in
replay) ;;
*[!0-9]* | '') echo "run.sh: SECONDS must be a number or 'replay', not '$what'" >&2; exit 2 ;;
esac

cc=${FUZZ_CC:-clang-19}
src=${KLP_FUZZ_SRC:-src}
out=$build/fuzz
bin=$out/elf_fuzz
fuzzdir=tests/fuzz
mkdir -p "$out" "$fuzzdir/crashes" || exit 1

# The C core: every src/*.c that does not need Lua.
srcs=
for f in "$src"/*.c; do
	grep -qE 'lua\.h|lauxlib\.h|lcore\.h|lcorr\.h' "$f" || srcs="$srcs $f"
done
flags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -Wall -Wextra -Werror -I $src \
-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmd="$cc $flags -o $bin.tmp $fuzzdir/elf_fuzz.c$srcs -lelf -lcapstone"

# Rebuild when the command (and so the source list) or any source changed.
if [ ! -x "$bin" ] || [ "$(cat "$bin.cmd" 2>/dev/null)" != "$cmd" ] ||
	[ -n "$(find "$fuzzdir/elf_fuzz.c" $srcs "$src"/*.h -newer "$bin" 2>/dev/null)" ]; then
	echo "building $bin"
	if ! $cmd; then
		echo "run.sh: build failed (clang-19 -fsanitize=fuzzer needs libclang-rt-19-dev)" >&2
		exit 1
	fi
	mv "$bin.tmp" "$bin" && printf '%s\n' "$cmd" >"$bin.cmd" || exit 1
fi

seeds() {
	find "$fuzzdir/crashes" "$fuzzdir/corpus" -type f ! -name README.md 2>/dev/null | sort
}

if [ "$what" = replay ]; then
	list=$out/replay.list
	seeds >"$list"
	n=$(wc -l <"$list")
	echo "replaying $n inputs"
	# One process for all; on failure, one per file to name every failing input.
	if xargs "$bin" -rss_limit_mb=2048 -timeout=10 <"$list" >"$out/replay.log" 2>&1; then
		echo "replay: $n inputs passed"
		exit 0
	fi
	failed=0
	while IFS= read -r f; do
		if ! "$bin" -rss_limit_mb=2048 -timeout=10 "$f" >"$out/replay-one.log" 2>&1; then
			failed=$((failed + 1))
			echo "replay FAILED: $f"
			grep -E 'ERROR|invariant|SUMMARY|runtime error|elf_fuzz:' "$out/replay-one.log" | head -n 5
		fi
	done <"$list"
	echo "replay: $failed of $n inputs failed (full log: $out/replay.log)"
	[ "$failed" -gt 0 ] && exit 1
	# The batch failed though no file alone did: report the batch's log.
	tail -n 20 "$out/replay.log"
	exit 1
fi

# Fuzzing: a working corpus that the seeds are merged into, so that new
# finds stay out of the repository; findings go to a fresh artifacts dir.
work=$out/work
art=$out/artifacts
mkdir -p "$work" || exit 1
rm -rf "$art" && mkdir -p "$art" || exit 1
for f in "$fuzzdir"/corpus/*; do
	[ -f "$f" ] && [ ! -e "$work/${f##*/}" ] && cp "$f" "$work/"
done
log=$out/fuzz.log
echo "fuzzing for $what s ($(ls "$work" | wc -l) inputs in $work); log: $log"
# shellcheck disable=SC2086
"$bin" -max_len=1048576 -rss_limit_mb=2048 -timeout=10 -max_total_time="$what" \
	-print_final_stats=1 -artifact_prefix="$art/" ${FUZZ_ARGS:-} "$work" >"$log" 2>&1
rc=$?
# The last status lines (cov, ft, corp, exec/s), then the totals (plain
# mode; with -fork the status lines carry them).
grep -E '^#[0-9]+' "$log" | tail -n 2
grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" |
	grep -v ':  *0$'
echo "corpus: $(ls "$work" | wc -l) inputs"
found=0
for f in "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*; do
	[ -f "$f" ] || continue
	found=$((found + 1))
	cp "$f" "$fuzzdir/crashes/" && echo "FINDING: $fuzzdir/crashes/${f##*/}"
done
if [ "$found" -gt 0 ] || [ "$rc" != 0 ]; then
	grep -E 'ERROR|invariant failed|SUMMARY|runtime error|elf_fuzz:' "$log" | head -n 20
	echo "fuzz: $found finding(s), libFuzzer exit $rc (full log: $log)"
	exit 1
fi
echo "fuzz: no findings"
