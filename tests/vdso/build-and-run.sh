#!/bin/sh
# Builds a built-in vDSO with `mkvdso build`, checks the image, and proves
# that its functions compute the right thing (harness.c): aarch64 under
# qemu-aarch64, riscv64 under qemu-riscv64 (ARCH=riscv64), 32-bit arm under
# qemu-arm (ARCH=arm; the harness traps and answers the counter reads qemu
# cannot run), x86_64 natively on this machine (ARCH=x86_64); the x86_64,
# riscv64 and arm images are also built with clang.  Every tool is required:
# a missing one fails the test.
#
#   MKVDSO=path/to/mkvdso [ARCH=x86_64|riscv64|arm] tests/vdso/build-and-run.sh
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/vdso
arch=${ARCH:-aarch64}

fail() {
	echo "build-and-run ($arch): FAIL: $*" >&2
	exit 1
}

# Per architecture: the toolchain, how the harness runs, the system-call
# instruction as objdump shows its bytes, and a trap to build with instead.
base=0x400000000 harness_flags=
case $arch in
aarch64)
	prefix=${CROSS_COMPILE:-aarch64-linux-gnu-} run=qemu-aarch64
	native=d4000001 trap=0xdeadbeef trap_hex=deadbeef
	packages="gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user"
	;;
riscv64)
	prefix=${CROSS_COMPILE:-riscv64-linux-gnu-} run=qemu-riscv64
	native=00000073 trap=0xc0001073 trap_hex=c0001073 # csrrw x0, cycle, x0: illegal
	packages="gcc-riscv64-linux-gnu, binutils-riscv64-linux-gnu, libc6-dev-riscv64-cross, qemu-user"
	;;
arm)
	prefix=${CROSS_COMPILE:-arm-linux-gnueabihf-} run=qemu-arm
	native=ef000000 trap=0xe7fbeeff trap_hex=e7fbeeff # udf #0xbeef
	packages="gcc-arm-linux-gnueabihf, binutils-arm-linux-gnueabihf, libc6-dev-armhf-cross, qemu-user"
	base=0xbfffe000 harness_flags=-marm # guest.h's system call wants r7
	;;
x86_64)
	prefix="" run=""
	native=0f05 trap=0f0b trap_hex=0f0b
	packages="gcc, binutils, libc6-dev"
	;;
*) fail "no built-in vDSO for ARCH=$arch" ;;
esac

for tool in "${prefix}gcc" "${prefix}objcopy" "${prefix}readelf" "${prefix}objdump" \
	${run} eu-elflint gcc clang cmp; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "$tool is missing (Debian: $packages, elfutils, clang)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -n "${MKVDSO:-}" ] || fail "MKVDSO is not set (run through ctest, or MKVDSO=path/to/mkvdso)"

# build_vdso TREE OUT [OPTIONS...]: the built-in vDSO from TREE's vdso/ and
# vdso.lds, built by mkvdso itself (so this proves what users get), from /
# so the working directory cannot leak into the image.  Placed with headers
# at 0 and no relocations, the raw output is the linked file byte for byte.
build_vdso() {
	tree=$1 out=$2
	shift 2
	(cd / && MKVDSO_DATADIR="$tree" "$MKVDSO" build --arch="$arch" --base=$base \
		--format=raw -o "$out.d" "$@") || fail "mkvdso build from $tree"
	cp "$out.d/vdso.bin" "$out"
}

# insn_count FILE HEX: how many instructions of .text are HEX, as objdump
# prints their bytes (aarch64: the word, d4000001; x86_64: the bytes, 0f05).
insn_count() {
	"${prefix}objdump" -d -j .text "$1" |
		awk -F'\t' -v w="$2" 'NF >= 3 { b = $2; gsub(/ /, "", b); if (b == w) n++ } END { print n + 0 }'
}

# harness IMAGE [OPTIONS]: the harness under qemu, or natively.
harness() {
	img=$1
	shift
	$run "$tmp/harness" "$@" "$img"
}

if [ "$arch" = aarch64 ]; then
	echo "# the data-page header, freestanding C99, gcc and clang, 64- and 32-bit"
	printf '#include "vdso_data.h"\nint mkvdso_header_check;\n' >"$tmp/header.c"
	strict="-std=c99 -ffreestanding -Wall -Wextra -Werror -pedantic -fsyntax-only"
	for cc in "gcc" "gcc -m32" "${prefix}gcc" "clang" "clang --target=i386-linux-gnu" \
		"clang --target=arm-none-eabi" "clang --target=aarch64-linux-gnu"; do
		# shellcheck disable=SC2086
		$cc $strict "-I$root/vdso/include" "$tmp/header.c" || fail "vdso_data.h with $cc"
	done
fi

echo "# build"
build_vdso "$root" "$tmp/vdso.so"
size=$(wc -c <"$tmp/vdso.so")
echo "vdso.so: $size bytes"

echo "# the image"
relocs=$("${prefix}readelf" -rW "$tmp/vdso.so")
echo "$relocs" | grep -q "There are no relocations in this file" ||
	fail "the image has relocations: $relocs"
"${prefix}readelf" -sW --dyn-syms "$tmp/vdso.so" | awk '$7 == "UND" && $8 != "" { bad = 1 } END { exit bad }' ||
	fail "the image has undefined symbols"
"${prefix}readelf" -lW "$tmp/vdso.so" | grep -q 'LOAD .* R E ' || fail "PT_LOAD is not R E"
lint=$(eu-elflint --gnu-ld "$tmp/vdso.so" 2>&1) || fail "eu-elflint: $lint"
echo "eu-elflint --gnu-ld: $lint"
if "${prefix}objdump" -d "$tmp/vdso.so" | grep -qi 'cntpct'; then
	fail "the vDSO reads CNTPCT_EL0, which traps at EL0"
fi
if "${prefix}objdump" -d "$tmp/vdso.so" | grep -Eq '%[xyz]mm|%mm[0-7]'; then
	fail "the vDSO uses SSE/AVX/MMX registers: they are the caller's"
fi
report=$("$MKVDSO" inspect "$tmp/vdso.so") || fail "mkvdso inspect: $report"
echo "$report" | tail -n 1
echo "$report" | tail -n 1 | grep -q ': 0 errors, 0 warnings$' || fail "mkvdso inspect is not clean"

echo "# reproducible: two copies of the tree in different folders"
for copy in a x/y/b; do
	mkdir -p "$tmp/$copy"
	cp -R "$root/vdso" "$root/include" "$tmp/$copy/"
	build_vdso "$tmp/$copy" "$tmp/$copy/vdso.so"
done
cmp "$tmp/a/vdso.so" "$tmp/x/y/b/vdso.so" || fail "builds from two folders differ"
cmp "$tmp/a/vdso.so" "$tmp/vdso.so" || fail "a copy builds differently from the tree"
for dir in "$root" "$tmp"; do
	if grep -q -F "$dir" "$tmp/vdso.so" "$tmp/a/vdso.so"; then fail "the image contains the path $dir"; fi
done
echo "identical bytes from $root, $tmp/a and $tmp/x/y/b"

echo "# the harness"
# shellcheck disable=SC2086
"${prefix}gcc" -static -O2 $harness_flags -Wall -Wextra -Werror -pthread "-I$root/vdso/include" "-I$root/tests/include" \
	"$here/harness.c" -o "$tmp/harness" || fail "compiling harness.c"
harness "$tmp/vdso.so" || fail "the harness failed on the vDSO"

echo "# the harness must notice a wrong shift in the data page"
status=0
harness "$tmp/vdso.so" --break=shift >"$tmp/broken.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$tmp/broken.log"; fail "--break=shift: exit $status, expected 1"; }
echo "--break=shift: $(grep -c '^FAIL' "$tmp/broken.log") checks failed, as they must"

echo "# --syscall-insn: $trap in place of every system call"
build_vdso "$root" "$tmp/trap.so" --syscall-insn=$trap
left=$(insn_count "$tmp/trap.so" $native)
traps=$(insn_count "$tmp/trap.so" $trap_hex)
plain=$(insn_count "$tmp/vdso.so" $native)
[ "$left" -eq 0 ] || fail "$left system-call instructions left with --syscall-insn"
if [ "$traps" -ne "$plain" ] || [ "$traps" -eq 0 ]; then
	fail "$traps $trap instructions, expected one per system call of the default build ($plain)"
fi
echo "$traps system-call sites, all $trap"
harness "$tmp/trap.so" --syscall-insn=$trap || fail "the harness failed on the $trap vDSO"

if [ "$arch" != aarch64 ]; then
	echo "# clang: the same checks pass on its image"
	(cd / && "$MKVDSO" build --arch="$arch" --cc=clang --base=$base --format=raw \
		-o "$tmp/clang.d") || fail "mkvdso build --cc=clang"
	cmp -s "$tmp/clang.d/vdso.bin" "$tmp/vdso.so" && fail "clang built gcc's bytes (was clang used?)"
	harness "$tmp/clang.d/vdso.bin" || fail "the harness failed on clang's vDSO"
fi

echo "build-and-run: PASS"
