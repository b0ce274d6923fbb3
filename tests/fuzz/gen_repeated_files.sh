#!/bin/sh
# Writes a relocatable x86-64 object with N FILE symbols all named core.c
# (default 40), each block holding renumbered statics (count.N), a clone
# (helper.isra.N) and a promoted-looking static (dup.llvm.N): the seed that
# gives the fuzzer repeated basenames and large key groups.
#   sh tests/fuzz/gen_repeated_files.sh OUT.o [N]
set -eu
out=$1
n=${2:-40}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=1
while [ "$i" -le "$n" ]; do
	{
		echo '.file "core.c"'
		echo '.text'
		for j in 1 2 3 4 5 6; do
			c=$((j + i % 3))
			echo "count.$c: .zero $((j * 4))"
			echo ".type count.$c,@object"
			echo ".size count.$c,$((j * 4))"
		done
		echo "helper.isra.$((i % 4)): ret"
		echo ".type helper.isra.$((i % 4)),@function"
		echo ".size helper.isra.$((i % 4)),1"
		echo ".globl g$i"
		echo "g$i: ret"
		echo ".type g$i,@function"
		echo ".local dup.llvm.$((i % 5))"
		echo "dup.llvm.$((i % 5)) = g$i"
	} >"$dir/f$i.s"
	as -o "$dir/f$i.o" "$dir/f$i.s"
	i=$((i + 1))
done
# Link in numeric order: f1.o f2.o ... (ld -r keeps each FILE block).
ld -r -o "$out" $(i=1; while [ "$i" -le "$n" ]; do printf '%s ' "$dir/f$i.o"; i=$((i + 1)); done)
