#!/bin/sh
# A big-endian vDSO, as the s390x cross compiler links it (the fixtures'
# linker script, a version script for s390x's LINUX_2.6.29): inspected with
# no error or warning and eu-readelf's symbols and versions, a damaged copy
# refused, and placed in both modes, where every field mkvdso rewrites must
# come out big-endian (checked with eu-readelf, which reads the byte order
# from the file).
. "$(dirname "$0")/lib.sh"
cc=s390x-linux-gnu-gcc
command -v "$cc" >/dev/null 2>&1 || { fail "$cc is missing (Debian: gcc-s390x-linux-gnu)"; finish; }
[ -n "${SOURCE_DIR:-}" ] && [ -n "${EU_READELF:-}" ] || { fail "SOURCE_DIR or EU_READELF is not set"; finish; }

cat >"$tmp/vdso.c" <<'EOF'
struct timespec;
struct timeval;
int __kernel_clock_gettime(int clock, struct timespec *ts) { (void)clock; (void)ts; return -1; }
int __kernel_gettimeofday(struct timeval *tv, void *tz) { (void)tv; (void)tz; return -1; }
int __kernel_clock_getres(int clock, struct timespec *ts) { (void)clock; (void)ts; return -1; }
EOF
cat >"$tmp/vdso.map" <<'EOF'
LINUX_2.6.29 {
global:
	__kernel_clock_gettime;
	__kernel_gettimeofday;
	__kernel_clock_getres;
local: *;
};
EOF
# link VARIANT_MACRO... : $tmp/vdso.so
link() {
	"$cc" -E -P -x c "$@" "$SOURCE_DIR/tests/fixtures/vdso.lds.S" >"$tmp/vdso.lds" &&
		"$cc" -O2 -fPIC -nostdlib -shared -Wl,-T,"$tmp/vdso.lds" -Wl,--version-script="$tmp/vdso.map" \
			-Wl,-soname=linux-vdso64.so.1 -Wl,--hash-style=both -Wl,--build-id=sha1 -Wl,-n \
			"$tmp/vdso.c" -o "$tmp/vdso.so" || fail "linking the s390x vDSO ($*)"
}

link
expect_status 0 "inspect the big-endian vDSO" "$MKVDSO" inspect "$tmp/vdso.so"
expect_grep "ELF64 big-endian, machine 22 (s390x)" "$tmp/out" "read as big-endian s390x"
expect_grep ": 0 errors, 0 warnings" "$tmp/out" "the big-endian vDSO is clean"
awk '/^Consumers/ { on = 1; next } on && NF == 0 { on = 0 } on && !/ uses / { print }' "$tmp/out" >"$tmp/not-used"
[ -s "$tmp/not-used" ] && fail "not used: $(cat "$tmp/not-used")"
grep -c " uses " "$tmp/out" >"$tmp/uses"
[ "$(cat "$tmp/uses")" -ge 4 ] || fail "expected glibc's three and Go's lookups, got $(cat "$tmp/uses")"
compare_with_eu_readelf "$tmp/vdso.so" "the big-endian vDSO"
cp "$tmp/vdso.so" "$tmp/good.so"

# Placed linked at 0: nothing to change, the same bytes.
base=0x10000000
expect_status 0 "place it" "$MKVDSO" build -q --prebuilt="$tmp/good.so" --base=$base --format=raw,json -o "$tmp/p"
# No vdso-probe for s390x: trouble, said so, nothing written.
expect_status 2 "--probe for s390x" "$MKVDSO" build -q --prebuilt="$tmp/good.so" --base=$base --probe -o "$tmp/probe"
expect_grep "^mkvdso: --probe: vdso-probe knows aarch64, x86_64, riscv64 and arm, not s390x$" "$tmp/err" "--probe names the architectures it knows"
[ -e "$tmp/probe" ] && fail "--probe for s390x wrote $(ls "$tmp/probe")"
cmp -s "$tmp/good.so" "$tmp/p/vdso.bin" || fail "placing an image without relocations changed its bytes"
# --prelink: every address field moved by base, in big-endian.
expect_status 0 "prelink it" "$MKVDSO" build -q --prelink --prebuilt="$tmp/good.so" --base=$base --format=raw -o "$tmp/q"
"$EU_READELF" -l "$tmp/q/vdso.bin" | awk '$1 == "LOAD" { print $3 }' >"$tmp/vaddr"
[ "$(cat "$tmp/vaddr")" = "0x0000000010000000" ] || fail "prelinked LOAD vaddr: $(cat "$tmp/vaddr")"
for sym in __kernel_clock_gettime __kernel_gettimeofday __kernel_clock_getres; do
	at0=$("$EU_READELF" --dyn-syms "$tmp/good.so" | awk -v s="$sym" 'index($8, s "@") == 1 { print $2 }')
	at=$("$EU_READELF" --dyn-syms "$tmp/q/vdso.bin" | awk -v s="$sym" 'index($8, s "@") == 1 { print $2 }')
	[ -n "$at0" ] && [ $((0x$at)) -eq $((0x$at0 + base)) ] ||
		fail "$sym: prelinked value 0x$at, expected 0x$at0 + $base"
	grep -q "\"name\": *\"$sym\"" "$tmp/p/vdso.json" || fail "$sym missing from vdso.json"
done
"$EU_READELF" -d "$tmp/good.so" | awk '$1 == "HASH" || $1 == "STRTAB" || $1 == "SYMTAB" { print $1, $2 }' >"$tmp/dyn0"
"$EU_READELF" -d "$tmp/q/vdso.bin" | awk '$1 == "HASH" || $1 == "STRTAB" || $1 == "SYMTAB" { print $1, $2 }' >"$tmp/dyn1"
[ "$(wc -l <"$tmp/dyn0")" -eq 3 ] || fail "eu-readelf -d shows no HASH/STRTAB/SYMTAB: $(cat "$tmp/dyn0")"
paste "$tmp/dyn0" "$tmp/dyn1" | while read -r tag a tag1 b; do
	[ "$tag" = "$tag1" ] && [ $((b)) -eq $((a + base)) ] || echo "$tag $a -> $b"
done >"$tmp/dyn-bad"
[ -s "$tmp/dyn-bad" ] && fail "prelinked dynamic addresses not moved by $base: $(cat "$tmp/dyn-bad")"
expect_status 0 "inspect the prelinked image" "$MKVDSO" inspect "$tmp/q/vdso.bin"
expect_grep ": 0 errors" "$tmp/out" "the prelinked big-endian image is still usable"

# Damaged: a writable PT_DYNAMIC is glibc's crash, whatever the byte order.
link -DVDSO_WRITABLE_DYNAMIC
expect_status 1 "inspect a writable-dynamic big-endian vDSO" "$MKVDSO" inspect "$tmp/vdso.so"
expect_grep "dynamic-writable" "$tmp/out" "writable PT_DYNAMIC found in a big-endian image"
finish
