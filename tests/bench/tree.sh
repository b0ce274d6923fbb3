#!/bin/sh
# klp tree benchmark: sh tests/bench/tree.sh BUILD_DIR   (what `make bench-tree` runs)
#
# Generates two build trees of OBJECTS object pairs with mkpair (cached until
# mkpair.c, this script or its settings change): module-sized objects of
# 100 to 4,100 symbols in 40 directories; every CHANGE_EVERY-th object
# changed, the rest byte-identical copies; a few objects only on one side.
# Then times tree mode with --jobs 1 and --jobs 2 (wall seconds and user+sys
# CPU, best of RUNS), the same trees with no object changed (what pairing
# and the byte comparison cost alone), and derives the time per changed object.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LUA=${LUA:-lua5.4}
CC=${CC:-cc}
OBJECTS=2000
CHANGE_EVERY=33          # about 3% of the objects change
RUNS=3

die() { printf 'bench-tree: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: sh tests/bench/tree.sh BUILD_DIR"
mkdir -p "$1/bench" || die "cannot create $1/bench"
B=$(cd "$1/bench" && pwd)
T=$B/tree
/usr/bin/time -f '%e' true >/dev/null 2>&1 || die "GNU time not found at /usr/bin/time (apt-get install -y time)"

if [ ! -x "$B/mkpair" ] || [ -n "$(find "$ROOT/tests/bench/mkpair.c" -newer "$B/mkpair")" ]; then
	$CC -std=c11 -O2 -Wall -Wextra -Werror -o "$B/mkpair" "$ROOT/tests/bench/mkpair.c" || die "cannot build mkpair"
fi

# ---- the trees ----------------------------------------------------------------

key="$(cksum <"$ROOT/tests/bench/mkpair.c") $(cksum <"$0") $OBJECTS $CHANGE_EVERY"
if [ ! -f "$T/stamp" ] || [ "$(cat "$T/stamp")" != "$key" ]; then
	echo "generating $OBJECTS object pairs under $T ..."
	rm -rf "$T"
	mkdir -p "$T/orig" "$T/patched" "$T/same" || die "cannot create $T"
	i=1
	changed=0
	while [ $i -le $OBJECTS ]; do
		dir=drivers/d$((i % 40))
		mkdir -p "$T/orig/$dir" "$T/patched/$dir"
		n=$((100 + (i * 7919) % 4000))
		f=$((n / 150 + 1))
		o="$T/orig/$dir/m$i.o" p="$T/patched/$dir/m$i.o"
		if [ $((i % CHANGE_EVERY)) -eq 0 ]; then
			"$B/mkpair" -n $n -f $f -c 20 -s $i "$o" "$p" >/dev/null || die "mkpair failed"
			changed=$((changed + 1))
		else
			"$B/mkpair" -n $n -f $f -c 0 -s $i "$o" /dev/null >/dev/null || die "mkpair failed"
			cp "$o" "$p"
		fi
		i=$((i + 1))
	done
	# Objects only on one side.
	cp "$T/orig/drivers/d1/m1.o" "$T/orig/drivers/removed.o"
	cp "$T/orig/drivers/d2/m2.o" "$T/patched/drivers/added.ko"
	# The "nothing changed" trees: the orig tree against a copy of itself.
	cp -r "$T/orig" "$T/same/orig"
	cp -r "$T/orig" "$T/same/patched"
	echo "$key" >"$T/stamp"
	echo "$changed" >"$T/changed"
fi
CHANGED=$(cat "$T/changed")
SIZE=$(du -sm "$T/orig" | cut -f1)

# run_best LABEL ARGS...: runs klp RUNS times; sets WALL and CPU (best of each).
run_best() {
	label=$1
	shift
	WALL="" CPU=""
	r=0
	while [ $r -lt $RUNS ]; do
		(cd "$ROOT" && /usr/bin/time -f '%e %U %S' -o "$B/tree-time.txt" "$LUA" klp.lua "$@" >/dev/null 2>"$B/tree-stderr.txt")
		rc=$?
		[ $rc -le 2 ] || { cat "$B/tree-stderr.txt" >&2; die "klp $* exited $rc"; }
		line=$(tail -n 1 "$B/tree-time.txt")
		WALL=$(echo "$line $WALL" | awk '{w = $1; if ($4 != "" && $4 < w) w = $4; printf "%.2f", w}')
		CPU=$(echo "$line $CPU" | awk '{c = $2 + $3; if ($4 != "" && $4 < c) c = $4; printf "%.2f", c}')
		r=$((r + 1))
	done
	printf '  %-28s %8s %8s\n' "$label" "$WALL" "$CPU"
}

echo "klp tree bench: $OBJECTS object pairs ($SIZE MB a side), $CHANGED changed, 1 removed, 1 added"
echo "wall and CPU (user+sys, workers included) seconds, best of $RUNS; $(nproc) processors"
printf '  %-28s %8s %8s\n' run "wall s" "cpu s"
run_best "nothing changed, --jobs 1" --jobs 1 "$T/same/orig" "$T/same/patched"
BASE1=$WALL
run_best "nothing changed, --jobs 2" --jobs 2 "$T/same/orig" "$T/same/patched"
BASE2=$WALL
run_best "text, --jobs 1" --jobs 1 "$T/orig" "$T/patched"
TEXT1=$WALL
run_best "text, --jobs 2" --jobs 2 "$T/orig" "$T/patched"
TEXT2=$WALL
run_best "json, --jobs 1" --jobs 1 --format json "$T/orig" "$T/patched"
run_best "json, --jobs 2" --jobs 2 --format json "$T/orig" "$T/patched"
awk -v t1="$TEXT1" -v t2="$TEXT2" -v b1="$BASE1" -v b2="$BASE2" -v n="$CHANGED" 'BEGIN {
	printf "per changed object (text, minus the nothing-changed run): %.1f ms with --jobs 1, %.1f ms with --jobs 2\n",
		(t1 - b1) * 1000 / n, (t2 - b2) * 1000 / n
	printf "speed-up of --jobs 2 over --jobs 1: %.2fx\n", t1 / (t2 > 0 ? t2 : 0.01)
}'
