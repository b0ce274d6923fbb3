#!/bin/sh
# klp benchmark: sh tests/bench/run.sh BUILD_DIR   (what `make bench` runs)
#
# Builds mkpair and the floor program into BUILD_DIR/bench, generates two
# synthetic ORIG/PATCHED pairs (cached until mkpair.c or its options change),
# and prints user+sys CPU seconds (best of 3) and peak RSS for the floor and
# for klp.  The budget line is informational: the exit status is 0 unless
# something could not be built or a klp run exited non-zero.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-cc}
LUA=${LUA:-lua5.4}
RUNS=3                   # measurements per row; the best counts
REPS=5                   # runs timed together per measurement (10 ms clock)
FULL_ARGS=""             # mkpair defaults: ~185k symbols, 2600 FILE blocks a side
SMALL_ARGS="-n 130000"   # the size the memory budget is stated for
CPU_BUDGET=5             # klp json CPU / floor CPU
MEM_BUDGET=150           # MB peak RSS, klp json on the 130k pair

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: sh tests/bench/run.sh BUILD_DIR"
mkdir -p "$1/bench" || die "cannot create $1/bench"
B=$(cd "$1/bench" && pwd)

# ---- tools --------------------------------------------------------------------

# GNU time (the Debian package `time`); install it if we can.
if ! /usr/bin/time -f '%U' true >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing GNU time (apt-get install -y time)"
		apt-get install -y time >/dev/null 2>&1 ||
			{ apt-get update >/dev/null 2>&1 && apt-get install -y time >/dev/null 2>&1; }
	fi
	/usr/bin/time -f '%U' true >/dev/null 2>&1 ||
		die "GNU time not found at /usr/bin/time (Debian: apt-get install -y time)"
fi

# build OUT SRC CFLAGS... : (re)compile when OUT is missing or older than SRC.
build() {
	out=$1 src=$2
	shift 2
	[ -f "$src" ] || die "source not found: $src"
	if [ ! -x "$out" ] || [ -n "$(find "$src" -newer "$out")" ]; then
		# shellcheck disable=SC2086 # LIBS is a word list on purpose
		$CC "$@" -o "$out" "$src" $LIBS
	fi
}

LIBS=""
build "$B/mkpair" "$ROOT/tests/bench/mkpair.c" \
	-std=c11 -O2 -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror ||
	die "cannot build mkpair"
LIBS="-lelf"
build "$B/floor" "$ROOT/../shared/bench/floor.c" -O2 ||
	die "cannot build the floor (libelf headers: apt-get install -y libelf-dev)"
# The shared floor puts every empty name (one per section symbol) into one
# linear-probe run, which is quadratic: 2 s of its time on a vmlinux.o-sized
# pair.  "floor*" is the same program skipping empty names, the honest floor.
sed 's/if (!nm) continue;/if (!nm || !*nm) continue;/' "$ROOT/../shared/bench/floor.c" >"$B/floor-fixed.c"
build "$B/floor-fixed" "$B/floor-fixed.c" -O2 || die "cannot build the fixed floor"

# ---- inputs -------------------------------------------------------------------

# pair NAME ARGS: make $B/NAME-orig.o and $B/NAME-patched.o unless the cached
# ones were made by the same mkpair.c with the same ARGS; set SUMMARY.
pair() {
	name=$1 args=$2
	stamp="$B/$name.stamp"
	key="$(cksum <"$ROOT/tests/bench/mkpair.c") args=[$args]"
	if [ ! -f "$B/$name-orig.o" ] || [ ! -f "$B/$name-patched.o" ] ||
	   [ ! -f "$stamp" ] || [ "$(head -n 1 "$stamp")" != "$key" ]; then
		rm -f "$stamp"
		# shellcheck disable=SC2086 # ARGS is a word list on purpose
		/usr/bin/time -f '%e' -o "$B/gen.time" \
			"$B/mkpair" $args "$B/$name-orig.o" "$B/$name-patched.o" >"$B/gen.out" ||
			die "mkpair $args failed"
		{ echo "$key"; cat "$B/gen.out"; } >"$stamp"
		echo "generated $name pair in $(tail -n 1 "$B/gen.time") s"
	fi
	SUMMARY=$(sed -n '2s/^mkpair: //p' "$stamp")
}

# ---- measuring ----------------------------------------------------------------

# measure LABEL CMD...: run CMD REPS times in a row, RUNS times over, from
# the repo root with stdout to /dev/null; set CPU (best user+sys per run, s)
# and MB (highest peak RSS).  Returns the command's exit status (its stderr
# is left in $B/stderr.txt).
measure() {
	label=$1
	shift
	CPU="" MB=""
	i=0
	while [ $i -lt $RUNS ]; do
		(cd "$ROOT" && /usr/bin/time -f '%U %S %M' -o "$B/time.txt" \
			sh -c 'n=$1; shift; while [ "$n" -gt 0 ]; do "$@" || exit; n=$((n - 1)); done' \
			sh "$REPS" "$@") >/dev/null 2>"$B/stderr.txt"
		rc=$?
		if [ $rc -ne 0 ]; then
			printf '  %-18s failed (exit %s)\n' "$label" "$rc"
			return $rc
		fi
		line=$(tail -n 1 "$B/time.txt")
		CPU=$(echo "$line $CPU" | awk -v r="$REPS" \
			'{c = ($1 + $2) / r; if ($4 != "" && $4 < c) c = $4; printf "%.3f", c}')
		MB=$(echo "$line $MB" | awk '{m = $3 / 1024; if ($4 != "" && $4 > m) m = $4; printf "%.1f", m}')
		i=$((i + 1))
	done
	printf '  %-18s %10s %10s\n' "$label" "$CPU" "$MB"
}

# klp_row LABEL ORIG PATCHED ARGS...: one klp row, skipped when klp.lua is absent.
klp_row() {
	label=$1 orig=$2 patched=$3
	shift 3
	if [ ! -f "$ROOT/klp.lua" ]; then
		printf '  %-18s %10s %10s   skipped: %s/klp.lua not found\n' "$label" "-" "-" "$ROOT"
		return 2
	fi
	if ! command -v "$LUA" >/dev/null 2>&1; then
		printf '  %-18s %10s %10s   skipped: %s not installed\n' "$label" "-" "-" "$LUA"
		return 2
	fi
	if ! measure "$label" "$LUA" klp.lua "$@" "$orig" "$patched"; then
		echo "bench: klp failed on $orig $patched; its stderr:" >&2
		cat "$B/stderr.txt" >&2
		exit 1
	fi
}

# ratio A B: A / B to two decimals.
ratio() {
	awk -v k="$1" -v f="$2" 'BEGIN { if (f < 0.001) f = 0.001; printf "%.2f", k / f }'
}

# bench NAME ARGS: all rows on one pair; sets FLOOR_CPU, FIXED_CPU, JSON_CPU,
# JSON_MB, RATIO (against the fixed floor).
bench() {
	name=$1
	echo
	pair "$name" "$2"
	echo "pair $name: $SUMMARY"
	o="$B/$name-orig.o" p="$B/$name-patched.o"
	printf '  %-18s %10s %10s\n' program "cpu s" "peak MB"
	measure floor "$B/floor" "$o" "$p" || die "floor failed: $(cat "$B/stderr.txt")"
	FLOOR_CPU=$CPU
	measure "floor*" "$B/floor-fixed" "$o" "$p" || die "floor* failed: $(cat "$B/stderr.txt")"
	FIXED_CPU=$CPU JSON_CPU="" JSON_MB="" RATIO=""
	if klp_row "klp default/json" "$o" "$p" --format json --output "$B/out.json"; then
		JSON_CPU=$CPU JSON_MB=$MB
		klp_row "klp default/text" "$o" "$p"
		RATIO=$(ratio "$JSON_CPU" "$FIXED_CPU")
		echo "  klp json CPU: ${RATIO}x floor*, $(ratio "$JSON_CPU" "$FLOOR_CPU")x floor"
	fi
}

echo "klp bench: CPU = user+sys seconds per run (best of $RUNS x $REPS runs); peak = max RSS"
echo "floor* = ../shared/bench/floor.c skipping empty names (see tests/bench/README.md)"
bench full "$FULL_ARGS"
FULL_RATIO=$RATIO
bench 130k "$SMALL_ARGS"
SMALL_MB=$JSON_MB

# ---- same-named statics ------------------------------------------------------

# 20,000 static functions of distinct bodies in gcc's one .text, every name
# rewritten in .strtab to f (orig) or to a renumbered f.NNNNN (patched): one
# tie group of 20,000 x 20,000 that only contents split.
rename_all() {
	N=$n SIDE=$1 $LUA -e 'local n, side, d = tonumber(os.getenv("N")), os.getenv("SIDE"), io.read("a")
		io.write((d:gsub("f_(%d%d%d%d%d)%z", function(i)
			return side == "orig" and "f\0xxxxx\0" or ("f.%05d\0"):format(n + 1 - tonumber(i)) end)))' \
		<"$B/same-named.o" >"$B/same-named-$1.o"
}

same_named() {
	n=20000
	src="$B/same-named.c"
	if [ ! -f "$B/same-named-orig.o" ] || [ ! -f "$B/same-named-patched.o" ]; then
		awk -v n=$n 'BEGIN { for (i = 1; i <= n; i++)
			printf "static __attribute__((used, noinline)) int f_%05d(int x) { return x * %d + %d; }\n", i, i, 7 * i }' \
			>"$src" || die "cannot write $src"
		$CC -O0 -c -o "$B/same-named.o" "$src" || die "cannot compile $src"
		rename_all orig && rename_all patched || die "cannot rename $B/same-named.o"
	fi
	echo
	echo "pair same-named: $n static functions all named f, against a renumbered copy (f.NNNNN)"
	printf '  %-18s %10s %10s\n' program "cpu s" "peak MB"
	measure "floor*" "$B/floor-fixed" "$B/same-named-orig.o" "$B/same-named-patched.o" ||
		die "floor* failed: $(cat "$B/stderr.txt")"
	klp_row "klp default/json" "$B/same-named-orig.o" "$B/same-named-patched.o" --format json --output "$B/out.json"
}
same_named

echo
head="budget: json within ${CPU_BUDGET}x floor* CPU, peak < $MEM_BUDGET MB"
if [ -z "$FULL_RATIO" ] || [ -z "$SMALL_MB" ]; then
	echo "$head: n/a (klp did not run)"
else
	verdict=$(awk -v r="$FULL_RATIO" -v m="$SMALL_MB" -v cb="$CPU_BUDGET" -v mb="$MEM_BUDGET" \
		'BEGIN { print (r <= cb && m < mb) ? "PASS" : "OVER" }')
	echo "$head: $verdict (${FULL_RATIO}x on the full pair, $SMALL_MB MB on the 130k pair)"
fi
exit 0
