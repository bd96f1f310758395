#!/bin/sh
# Emission speed, measured against a reference in the same run: a valid
# vDSO carrying 64 MiB of read-only data, turned into C by
# `mkvdso build --prebuilt --format=c` and by `xxd -i`.  Prints the times
# and the ratio; the goal is mkvdso at least 20 times faster.
#
# usage: bench/emit-speed.sh [path/to/mkvdso]   (default build/tool/mkvdso)
set -eu
cd "$(dirname "$0")/.."
mkvdso=$(realpath "${1:-build/tool/mkvdso}")
scripts/deps.sh xxd bc gcc binutils >/dev/null
fixtures=$PWD/tests/fixtures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# The x86_64 test fixture plus 64 MiB of incompressible read-only data,
# linked with the fixtures' Linux-style script: one R+X PT_LOAD, both hash
# tables, versions.
head -c 67108864 /dev/urandom >blob
printf '.section .rodata.blob,"a"\n.balign 16\n.incbin "blob"\n' >blob.S
cpp="gcc -E -P -undef -x assembler-with-cpp -DVDSO_ARCH_X86_64"
$cpp "$fixtures/vdso.lds.S" -o vdso.lds
$cpp "$fixtures/vdso-x86_64.map.S" -o vdso.map
gcc -fPIC -O2 -DVDSO_ARCH_X86_64 -c "$fixtures/vdso-x86_64.S" -o vdso.o
gcc -c blob.S -o blob.o
gcc -nostdlib -shared -Wl,-Bsymbolic -Wl,--build-id=sha1 -Wl,-n -Wl,--hash-style=both \
	-Wl,-soname=linux-vdso.so.1 -Wl,--no-undefined -Wl,--version-script=vdso.map \
	-T vdso.lds vdso.o blob.o -o big.so
objcopy -S big.so
"$mkvdso" inspect -q big.so

now() { date +%s.%N; }
run=0
# best COMMAND...: the best of three runs in seconds; "@" in the command is
# replaced by a fresh output name each run, so every run writes new files
# (a clean build), as the reference does.
best() {
	b=""
	for _ in 1 2 3; do
		run=$((run + 1))
		cmd=$(echo "$*" | sed "s/@/out$run/g")
		t0=$(now); sh -c "$cmd" >/dev/null; t1=$(now)
		t=$(echo "$t1 - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" -eq 1 ]; then b=$t; fi
		rm -rf "out$run"
	done
	echo "$b"
}
t_mkvdso=$(best "'$mkvdso' build --prebuilt=big.so --base=0x400000000 --format=c -o @")
t_xxd=$(best "mkdir @ && xxd -i big.so >@/vdso.c")
mkdir keep
"$mkvdso" build --prebuilt=big.so --base=0x400000000 --format=c -o keep
t_again=$(best "'$mkvdso' build --prebuilt=big.so --base=0x400000000 --format=c -o keep")
size=$(stat -c %s big.so)
ratio=$(echo "$t_xxd / $t_mkvdso" | bc -l)
printf 'image: %d bytes\n' "$size"
printf 'mkvdso build --format=c:      %.3f s\n' "$t_mkvdso"
printf 'xxd -i:                       %.3f s\n' "$t_xxd"
printf 'ratio (xxd / mkvdso):         %.1f (goal: >= 20)\n' "$ratio"
printf 'mkvdso over its last outputs: %.3f s (replacing 200+ MB files costs the kernel too)\n' "$t_again"
[ "$(echo "$ratio >= 20" | bc -l)" -eq 1 ]
