#!/bin/sh
# Every report klp writes on the objects the test suite and the bench built,
# into one directory, so that two checkouts can be compared byte for byte:
#
#   sh tests/snapshot.sh KLP_ROOT OUT_DIR
#   sh tests/snapshot.sh /path/to/old-checkout /tmp/before
#   sh tests/snapshot.sh .                     /tmp/after
#   diff -r /tmp/before /tmp/after && echo identical
#
# KLP_ROOT is the checkout whose klp.lua (and build/klp/core.so) runs; the
# inputs are the pairs under this checkout's build/ (run `make test` and
# `make bench` first): every fixture pair in every policy and report form,
# the cross-target pairs, the bench pairs (default policy, text and JSON) and
# one tree made of all fixture pairs.  Paths in the reports are relative to
# this checkout, so both runs print the same ones.
set -u
[ $# -eq 2 ] || { echo "usage: sh tests/snapshot.sh KLP_ROOT OUT_DIR" >&2; exit 1; }
KLP=$(cd "$1" && pwd)/klp.lua
OUT=$2
LUA=${LUA:-lua5.4}
cd "$(dirname "$0")/.." || exit 1
mkdir -p "$OUT" || exit 1

# run NAME ARGS...: stdout, stderr and exit status of one klp run.
run() {
	name=$1
	shift
	"$LUA" "$KLP" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	echo $? >"$OUT/$name.status"
}

# Names to trace with --why: the first few defined symbols of orig.
why_args() {
	nm --defined-only "$1" 2>/dev/null | awk '$2 ~ /[tTdDbBrR]/ {print "--why=" $3}' | head -n 4
}

for orig in build/fixtures/*/*/orig.o; do
	[ -f "$orig" ] || continue
	dir=$(dirname "$orig")
	patched=$dir/patched.o
	tag=$(echo "$dir" | sed 's|^build/fixtures/||; s|/|_|g')
	for policy in default strict objtool kpatch examples/ci-gate.lua examples/rename-map.lua \
		examples/clone-pass.lua; do
		p=$(basename "$policy" .lua)
		run "$tag.$p.text" --policy "$policy" "$orig" "$patched"
		run "$tag.$p.json" --policy "$policy" --format json "$orig" "$patched"
	done
	run "$tag.explain.text" --explain "$orig" "$patched"
	run "$tag.explain.json" --explain --format json "$orig" "$patched"
	# shellcheck disable=SC2046 # one argument per name
	run "$tag.why" $(why_args "$orig") "$orig" "$patched"
	for script in twins unmatched-csv markdown-report; do
		"$LUA" "$(dirname "$KLP")/examples/$script.lua" "$orig" "$patched" \
			>"$OUT/$tag.$script.out" 2>"$OUT/$tag.$script.err"
		echo $? >"$OUT/$tag.$script.status"
	done
done

for orig in build/targets/*-orig.o build/targets/*-orig.elf; do
	[ -f "$orig" ] || continue
	patched=$(echo "$orig" | sed 's/-orig\./-patched./')
	tag=targets_$(basename "$orig")
	run "$tag.text" "$orig" "$patched"
	run "$tag.json" --format json --explain "$orig" "$patched"
done

for pair in full 130k; do
	orig=build/bench/$pair-orig.o
	[ -f "$orig" ] || continue
	run "bench_$pair.text" "$orig" "build/bench/$pair-patched.o"
	run "bench_$pair.json" --format json "$orig" "build/bench/$pair-patched.o"
done

# One tree of every fixture pair (gcc and clang side by side).
tree=build/snapshot-tree
rm -rf "$tree"
for orig in build/fixtures/*/*/orig.o; do
	[ -f "$orig" ] || continue
	rel=$(dirname "$orig" | sed 's|^build/fixtures/||')
	mkdir -p "$tree/a/$rel" "$tree/b/$rel"
	cp "$orig" "$tree/a/$rel/x.o"
	cp "$(dirname "$orig")/patched.o" "$tree/b/$rel/x.o"
done
if [ -d "$tree/a" ]; then
	run tree.text --jobs 2 "$tree/a" "$tree/b"
	run tree.json --jobs 2 --format json "$tree/a" "$tree/b"
fi
echo "snapshot: $(ls "$OUT" | wc -l) files in $OUT"
