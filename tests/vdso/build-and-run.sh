#!/bin/sh
# Builds the built-in aarch64 vDSO with `mkvdso build`, checks the
# image, and proves under qemu-aarch64 that its functions compute the right
# thing (harness.c).  Every tool is required: a missing one fails the test.
#
#   MKVDSO=path/to/mkvdso tests/vdso/build-and-run.sh
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/tests/vdso
prefix=${CROSS_COMPILE:-aarch64-linux-gnu-}

fail() {
	echo "build-and-run: FAIL: $*" >&2
	exit 1
}

for tool in "${prefix}gcc" "${prefix}objcopy" "${prefix}readelf" "${prefix}objdump" \
	qemu-aarch64 eu-elflint gcc clang cmp; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "$tool is missing (Debian: gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu," \
			"libc6-dev-arm64-cross, qemu-user, elfutils, clang)"
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
	(cd / && MKVDSO_DATADIR="$tree" "$MKVDSO" build --base=0x400000000 --format=raw \
		-o "$out.d" "$@") || fail "mkvdso build from $tree"
	cp "$out.d/vdso.bin" "$out"
}

# insn_count FILE WORD: how many aligned 32-bit words of .text equal WORD.
insn_count() {
	"${prefix}objdump" -d -j .text "$1" |
		awk -v w="$2" '$2 == w { n++ } END { print n + 0 }'
}

echo "# the data-page header, freestanding C99, gcc and clang, 64- and 32-bit"
printf '#include "vdso_data.h"\nint mkvdso_header_check;\n' >"$tmp/header.c"
strict="-std=c99 -ffreestanding -Wall -Wextra -Werror -pedantic -fsyntax-only"
for cc in "gcc" "gcc -m32" "${prefix}gcc" "clang" "clang --target=i386-linux-gnu" \
	"clang --target=arm-none-eabi" "clang --target=aarch64-linux-gnu"; do
	# shellcheck disable=SC2086
	$cc $strict "-I$root/vdso/include" "$tmp/header.c" || fail "vdso_data.h with $cc"
done

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
"${prefix}gcc" -static -O2 -Wall -Wextra -Werror -pthread "-I$root/vdso/include" "-I$root/tests/include" \
	"$here/harness.c" -o "$tmp/harness" || fail "compiling harness.c"
qemu-aarch64 "$tmp/harness" "$tmp/vdso.so" || fail "the harness failed on the vDSO"

echo "# the harness must notice a wrong shift in the data page"
status=0
qemu-aarch64 "$tmp/harness" --break=shift "$tmp/vdso.so" >"$tmp/broken.log" 2>&1 || status=$?
[ "$status" -eq 1 ] || { cat "$tmp/broken.log"; fail "--break=shift: exit $status, expected 1"; }
echo "--break=shift: $(grep -c '^FAIL' "$tmp/broken.log") checks failed, as they must"

echo "# --syscall-insn: rel4-linux-kit's 0xdeadbeef in place of every svc #0"
build_vdso "$root" "$tmp/rel4.so" --syscall-insn=0xdeadbeef
svc=$(insn_count "$tmp/rel4.so" d4000001)
beef=$(insn_count "$tmp/rel4.so" deadbeef)
plain=$(insn_count "$tmp/vdso.so" d4000001)
[ "$svc" -eq 0 ] || fail "$svc svc #0 left with --syscall-insn"
if [ "$beef" -ne "$plain" ] || [ "$beef" -eq 0 ]; then
	fail "$beef 0xdeadbeef words, expected one per svc #0 of the default build ($plain)"
fi
echo "$beef system-call sites, all 0xdeadbeef"
qemu-aarch64 "$tmp/harness" --syscall-insn=0xdeadbeef "$tmp/rel4.so" ||
	fail "the harness failed on the 0xdeadbeef vDSO"

echo "build-and-run: PASS"
