#!/bin/sh
# mkvdso build as a kernel developer uses it: the built-in vDSO, a prebuilt
# one, both placement modes, refusals that write nothing, reproducibility,
# the depfile, --max-size, --syscall-insn, and an installed copy.
. "$(dirname "$0")/lib.sh"
[ -n "${EU_READELF:-}" ] || { echo "FAIL: EU_READELF is not set" >&2; exit 1; }

outputs="vdso.h vdso.c vdso_image.h vdso.bin vdso.S vdso.rs vdso.json vdso_auxv.h vdso_auxv.rs"

# The built-in aarch64 vDSO: clean, placed, every output written.
expect_status 0 "build the built-in vDSO" "$MKVDSO" build --base=0x400000000 -o "$tmp/a" --depfile="$tmp/a.d"
for f in $outputs vdso_data.h vdso_data.rs; do [ -s "$tmp/a/$f" ] || fail "built-in: $f missing"; done
[ -s "$tmp/err" ] && fail "a clean build printed: $(head -c 300 "$tmp/err")"
expect_status 0 "inspect the built image" "$MKVDSO" inspect "$tmp/a/vdso.bin"
expect_grep ": 0 errors, 0 warnings" "$tmp/out" "the built image is clean"
expect_grep '"schema": *"mkvdso-image/1"' "$tmp/a/vdso.json" "JSON schema"
expect_grep "vdso/aarch64/" "$tmp/a.d" "depfile lists the vDSO sources"
expect_grep "vdso/aarch64/vdso.lds" "$tmp/a.d" "depfile lists the linker script"
expect_grep "vdso/lib/gettimeofday.h" "$tmp/a.d" "depfile lists the shared clock logic"
expect_grep "vdso/include/vdso_data.rs" "$tmp/a.d" "depfile lists the Rust data-page module"
expect_grep "$tmp/a/vdso.S" "$tmp/a.d" "depfile lists the outputs"

# What the build says it made (stdout, unless -q), checked against vdso.h.
expect_status 0 "build with its summary" "$MKVDSO" build --base=0x400000000 -o "$tmp/a"
cp "$tmp/out" "$tmp/summary"
expect_grep "^built the aarch64 vDSO for AT_SYSINFO_EHDR 0x400000000$" "$tmp/summary" "summary: what and where"
size=$(awk '$2 == "VDSO_IMAGE_SIZE" { print $3 }' "$tmp/a/vdso.h")
build_id=$(awk '$2 == "VDSO_BUILD_ID" { gsub(/"/, "", $3); print $3 }' "$tmp/a/vdso.h")
expect_grep "^  image      $size bytes, 1 page of 4096 mapped read+execute at 0x400000000, build id $build_id$" \
	"$tmp/summary" "summary: the image"
awk '$2 ~ /^VDSO_SYM_.*_ADDRESS$/ && $3 ~ /^0x/ { name = $2; sub(/^VDSO_SYM_/, "", name); sub(/_ADDRESS$/, "", name)
	print $3, name }' "$tmp/a/vdso.h" | LC_ALL=C sort >"$tmp/header-symbols"
awk '{ sub(/^  symbols/, "") }
	$1 ~ /^0x/ { name = $2; sub(/@.*/, "", name); sub(/^__(kernel|vdso)_/, "", name); print $1, name }' "$tmp/summary" |
	LC_ALL=C sort >"$tmp/summary-symbols"
[ -s "$tmp/header-symbols" ] || fail "vdso.h has no VDSO_SYM_*_ADDRESS"
diff -u "$tmp/header-symbols" "$tmp/summary-symbols" >"$tmp/diff" ||
	fail "summary: symbol addresses differ from vdso.h: $(cat "$tmp/diff")"
data=$(awk '$2 == "VDSO_DATA_ADDRESS" { print $3 }' "$tmp/a/vdso.h")
expect_grep "^  data page  $data, 4096 bytes, layout version 1: map it read-only" "$tmp/summary" "summary: the data page"
for who in musl glibc go bionic; do
	grep -E "^  (consumers|         ) +$who [0-9a-z.+-]+ +uses " "$tmp/summary" >/dev/null ||
		fail "summary: no row saying $who uses the image: $(cat "$tmp/summary")"
done
grep -q "falls back\|crashes" "$tmp/summary" && fail "summary of the built-in vDSO names a fallback or crash"
for f in $outputs vdso_data.h; do
	grep -q "^  files      $tmp/a/:.* $f\( \|$\)" "$tmp/summary" || fail "summary: files do not list $f"
done
# The README's Quick start shows this summary: keep it true.
mkdir -p "$tmp/quick/build"
(cd "$tmp/quick" && "$MKVDSO" build --base=0x400000000 -o build/vdso-out) >"$tmp/quick.txt" ||
	fail "build as the Quick start runs it"
sed -n '/^built the aarch64 vDSO/,/^```/p' "$SOURCE_DIR/README.md" | sed '$d' >"$tmp/readme-summary"
[ -s "$tmp/readme-summary" ] || fail "README.md shows no build summary"
diff -u "$tmp/readme-summary" "$tmp/quick.txt" >"$tmp/diff" ||
	fail "README.md's build summary differs from what mkvdso build prints: $(cat "$tmp/diff")"
expect_status 0 "build -q" "$MKVDSO" build -q --base=0x400000000 -o "$tmp/a"
[ -s "$tmp/out" ] && fail "build -q printed: $(head -c 300 "$tmp/out")"
# A prelinked copy: bionic ignores it, and the summary says so as inspect does.
expect_status 0 "prelink the built image" "$MKVDSO" build --prelink --base=0x400000000 \
	--prebuilt="$tmp/a/vdso.bin" --format=raw -o "$tmp/pre"
expect_grep "^placed $tmp/a/vdso.bin (aarch64) for AT_SYSINFO_EHDR 0x400000000, prelinked" "$tmp/out" "summary: a prebuilt, prelinked image"
expect_grep "bionic current   falls back for clock_gettime" "$tmp/out" "summary: bionic ignores a prelinked image"

# The README's embedding example shows these very lines (same base, same
# name): keep it true.
[ -n "${SOURCE_DIR:-}" ] || fail "SOURCE_DIR is not set"
grep '^#define VDSO_' "$SOURCE_DIR/README.md" >"$tmp/readme-defines"
[ -s "$tmp/readme-defines" ] || fail "README.md shows no #define VDSO_ lines"
while IFS= read -r line; do
	grep -qxF "$line" "$tmp/a/vdso.h" || fail "README.md shows '$line', vdso.h does not have it"
done <"$tmp/readme-defines"
grep '^extern ' "$SOURCE_DIR/README.md" | while IFS= read -r line; do
	grep -qxF "$line" "$tmp/a/vdso.h" || echo "$line"
done >"$tmp/readme-externs"
[ -s "$tmp/readme-externs" ] && fail "README.md shows declarations vdso.h does not have: $(cat "$tmp/readme-externs")"

# Reproducible: another folder, another working directory, same bytes.
mkdir "$tmp/elsewhere"
(cd "$tmp/elsewhere" && "$MKVDSO" build --base=0x400000000 -o b) || fail "build from another directory"
for f in $outputs vdso_data.h vdso_data.rs; do
	cmp -s "$tmp/a/$f" "$tmp/elsewhere/b/$f" || fail "$f differs between two builds"
done

# Placement: the headers stay at 0 by default; --prelink links at ADDR.
for base in 0x400000000 0x7f0000000000 65536; do
	expect_status 0 "build at $base" "$MKVDSO" build --base=$base --format=raw,json -o "$tmp/p"
	"$EU_READELF" -l "$tmp/p/vdso.bin" | awk '$1 == "LOAD" { print $3; exit }' >"$tmp/vaddr"
	[ "$(cat "$tmp/vaddr")" = "0x0000000000000000" ] || fail "default mode at $base: LOAD vaddr $(cat "$tmp/vaddr")"
	expect_status 0 "prelink at $base" "$MKVDSO" build --prelink --base=$base --format=raw,json -o "$tmp/q"
	want=$(printf '0x%016x' "$base")
	"$EU_READELF" -l "$tmp/q/vdso.bin" | awk '$1 == "LOAD" { print $3; exit }' >"$tmp/vaddr"
	[ "$(cat "$tmp/vaddr")" = "$want" ] || fail "prelink at $base: LOAD vaddr $(cat "$tmp/vaddr"), expected $want"
	expect_status 0 "inspect prelinked" "$MKVDSO" inspect "$tmp/q/vdso.bin"
	expect_grep "load-vaddr" "$tmp/out" "a prelinked image warns that bionic ignores it"
	# __kernel_clock_gettime's address is base + its offset, in both files.
	off=$("$EU_READELF" --dyn-syms "$tmp/p/vdso.bin" | awk '$8 ~ /^__kernel_clock_gettime@/ { print $2 }')
	addr=$("$EU_READELF" --dyn-syms "$tmp/q/vdso.bin" | awk '$8 ~ /^__kernel_clock_gettime@/ { print $2 }')
	[ "$(printf '%d' "0x$addr")" -eq "$(( $(printf '%d' "0x$off") + base ))" ] ||
		fail "prelinked symbol at 0x$addr, expected base + 0x$off"
done

# Refused bases: usage errors, nothing written.
for bad in 0x400000001 0 0x1000000000000 0x4000000000000000 12abc -5; do
	"$MKVDSO" build --base=$bad -o "$tmp/refused" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 64 ] || fail "--base=$bad: exit status $status, expected 64; $(cat "$tmp/err")"
	[ -e "$tmp/refused" ] && fail "--base=$bad wrote $tmp/refused"
done

# A prebuilt image: the same checks, placement and outputs.
expect_status 0 "prebuilt" "$MKVDSO" build --prebuilt="$FIXTURES/aarch64/good.so" --base=0x400000000 -o "$tmp/pre"
for f in $outputs; do [ -s "$tmp/pre/$f" ] || fail "prebuilt: $f missing"; done
[ -e "$tmp/pre/vdso_data.h" ] && fail "prebuilt: a data-page header for an image without one"
[ -e "$tmp/pre/vdso_data.rs" ] && fail "prebuilt: a data-page module for an image without one"
# Warnings are shown and do not stop the build; --strict does.
expect_status 0 "prebuilt with a warning" "$MKVDSO" build --prebuilt="$FIXTURES/aarch64/no-soname.so" --base=0x400000000 -o "$tmp/w"
expect_grep "mkvdso: $FIXTURES/aarch64/no-soname.so: warning: DT_SONAME" "$tmp/err" "warning shown"
expect_status 1 "--strict" "$MKVDSO" build --strict --prebuilt="$FIXTURES/aarch64/no-soname.so" --base=0x400000000 -o "$tmp/strict"
[ -e "$tmp/strict" ] && fail "--strict failure wrote outputs"
# Errors stop it: exit 1, a message per error, nothing written.
for variant in no-hash no-verdef writable-dynamic undefined; do
	expect_status 1 "prebuilt $variant" "$MKVDSO" build --prebuilt="$FIXTURES/aarch64/$variant.so" --base=0x400000000 -o "$tmp/bad-$variant"
	expect_grep "mkvdso: $FIXTURES/aarch64/$variant.so: " "$tmp/err" "$variant: message names the file"
	[ -e "$tmp/bad-$variant" ] && fail "$variant: outputs written"
done
# Previous outputs survive a failed build untouched.
cp -r "$tmp/pre" "$tmp/pre.before"
expect_status 1 "failing build over old outputs" "$MKVDSO" build --prebuilt="$FIXTURES/aarch64/no-hash.so" --base=0x400000000 -o "$tmp/pre"
diff -r "$tmp/pre" "$tmp/pre.before" >/dev/null || fail "a failed build changed earlier outputs"

# R_AARCH64_RELATIVE: applied for the address, nothing left to relocate.
expect_status 0 "prebuilt with relocations" "$MKVDSO" build --prebuilt="$FIXTURES/aarch64/relocs.so" --base=0x400000000 --format=raw -o "$tmp/r"
expect_status 0 "placed relocations are clean" "$MKVDSO" inspect "$tmp/r/vdso.bin"
"$EU_READELF" -r "$FIXTURES/aarch64/relocs.so" |
	awk '$2 == "AARCH64_RELATIVE" { a = $4; sub(/^\+/, "", a); print $1, a }' >"$tmp/relocs"
[ -s "$tmp/relocs" ] || fail "the relocs fixture has no R_AARCH64_RELATIVE"
while read -r where addend; do
	got=$(od -An -tx8 -j "$(printf '%d' "$where")" -N8 "$tmp/r/vdso.bin" | tr -d ' ')
	want=$(printf '%016x' $(( 0x400000000 + $(printf '%d' "$addend") )))
	[ "$got" = "$want" ] || fail "relocation at $where: 0x$got, expected 0x$want"
done <"$tmp/relocs"

# --max-size: the kernel's buffer.
size=$(stat -c %s "$tmp/a/vdso.bin")
expect_status 1 "--max-size too small" "$MKVDSO" build --base=0x400000000 --max-size=$((size - 1)) -o "$tmp/big"
expect_grep "more than --max-size" "$tmp/err" "--max-size message"
[ -e "$tmp/big" ] && fail "--max-size failure wrote outputs"
expect_status 0 "--max-size exact" "$MKVDSO" build --base=0x400000000 --max-size=$size --format=raw -o "$tmp/fits"

# --syscall-insn: no svc #0 left, the replacement everywhere instead.
expect_status 0 "--syscall-insn" "$MKVDSO" build --base=0x400000000 --syscall-insn=0xdeadbeef --format=raw -o "$tmp/s"
od -An -tx4 -v "$tmp/s/vdso.bin" | tr -s ' ' '\n' >"$tmp/words"
grep -qx d4000001 "$tmp/words" && fail "--syscall-insn left an svc #0"
grep -qx deadbeef "$tmp/words" || fail "--syscall-insn: no 0xdeadbeef in the image"
expect_status 1 "inspect expects svc #0 by default" "$MKVDSO" inspect "$tmp/s/vdso.bin"
expect_grep "sigreturn" "$tmp/out" "the replaced sigreturn differs from Linux's"

# Toolchain trouble: exit 2, the Debian package named.
expect_status 2 "missing compiler" "$MKVDSO" build --base=0x400000000 --cross-compile=nonexistent-prefix- -o "$tmp/nc"
expect_grep "nonexistent-prefix-gcc: not found; install the Debian package gcc-aarch64-linux-gnu" "$tmp/err" "missing compiler message"
CROSS_COMPILE=also-missing- "$MKVDSO" build --base=0x400000000 -o "$tmp/nc" >"$tmp/out" 2>"$tmp/err" && fail "CROSS_COMPILE ignored"
expect_grep "also-missing-gcc: not found" "$tmp/err" "CROSS_COMPILE is used"
printf 'this is not a linker script\n' >"$tmp/bad.ld"
expect_status 2 "linker failure" "$MKVDSO" build --base=0x400000000 -T "$tmp/bad.ld" -o "$tmp/lf"
expect_grep "mkvdso: aarch64-linux-gnu-gcc exited with status" "$tmp/err" "compiler failure message"
[ -e "$tmp/lf" ] && fail "a failed compile wrote outputs"

# An output folder so deep that an output's path would not fit PATH_MAX
# (4096): refused, not cut short into another file's name.
deep=$tmp
while [ ${#deep} -lt 4088 ]; do
	n=$((4088 - ${#deep}))
	[ $n -gt 200 ] && n=200
	deep=$deep/$(printf '%0*d' $n 0)
done
mkdir -p "$deep" || fail "mkdir -p a ${#deep}-byte path"
expect_status 2 "a too deep output folder" "$MKVDSO" build --base=0x400000000 -o "$deep"
expect_grep "longer than the system allows" "$tmp/err" "a too deep output folder"
[ -z "$(ls -A "$deep")" ] || fail "a too deep output folder got files: $(ls -A "$deep")"

# --hash-style: sysv (Linux's for arm64) by default, both on request with the
# Go warning; nothing else.
"$EU_READELF" -d "$tmp/a/vdso.bin" >"$tmp/dyn"
grep -q "GNU_HASH" "$tmp/dyn" && fail "the default build has DT_GNU_HASH"
grep -q " HASH " "$tmp/dyn" || fail "the default build has no DT_HASH"
expect_status 0 "--hash-style=both" "$MKVDSO" build --base=0x400000000 --hash-style=both --format=raw -o "$tmp/hb"
expect_grep "hash-quirk" "$tmp/err" "--hash-style=both warns that Go 1.19-1.21 miss the symbol"
"$EU_READELF" -d "$tmp/hb/vdso.bin" | grep -q "GNU_HASH" || fail "--hash-style=both: no DT_GNU_HASH"
expect_status 64 "--hash-style=gnu" "$MKVDSO" build --base=0x400000000 --hash-style=gnu -o "$tmp/hg"
expect_status 64 "--hash-style with --prebuilt" "$MKVDSO" build --base=0x400000000 --hash-style=both --prebuilt="$FIXTURES/aarch64/good.so" -o "$tmp/hp"

# Usage.
expect_status 64 "no --base" "$MKVDSO" build -o "$tmp/x"
expect_status 64 "bad format" "$MKVDSO" build --base=0x400000000 --format=elf
expect_status 64 "bad name" "$MKVDSO" build --base=0x400000000 --name=1abc
expect_status 64 "-T with --prebuilt" "$MKVDSO" build --base=0x400000000 --prebuilt="$FIXTURES/aarch64/good.so" -T x.ld
expect_status 0 "help build" "$MKVDSO" help build
expect_grep "Usage: mkvdso build" "$tmp/out" "help build"

# Installed: works from any directory with the installed data files.
if [ -n "${BUILD_DIR:-}" ]; then
	cmake --install "$BUILD_DIR" --prefix "$tmp/prefix" >/dev/null || fail "cmake --install"
	(cd / && "$tmp/prefix/bin/mkvdso" build --base=0x400000000 -o "$tmp/installed") ||
		fail "the installed mkvdso cannot build"
	cmp -s "$tmp/installed/vdso.bin" "$tmp/a/vdso.bin" || fail "the installed build differs"
else
	fail "BUILD_DIR is not set"
fi
# --probe: NAME-probe beside the outputs, executable, the same bytes twice
# and from the installed tree, its sources in the depfile; for --prebuilt
# too (where --cc then names its compiler, and needs --probe).  A compiler
# that fails writes nothing.
expect_status 0 "--probe" "$MKVDSO" build -q --arch=x86_64 --base=0x7fff00000000 --probe \
	--name=k --depfile="$tmp/probe.d" -o "$tmp/probe"
[ -x "$tmp/probe/k-probe" ] || fail "--probe wrote no executable k-probe"
expect_grep "vdso/probe/probe.c" "$tmp/probe.d" "the depfile names the probe's sources"
expect_grep "^#define K_SYMBOLS(X)" "$tmp/probe/k.h" "k.h lists its symbols"
expect_status 0 "--probe again" "$MKVDSO" build -q --arch=x86_64 --base=0x7fff00000000 --probe \
	--name=k -o "$tmp/probe-again"
cmp -s "$tmp/probe/k-probe" "$tmp/probe-again/k-probe" || fail "two --probe builds differ"
if [ -n "${BUILD_DIR:-}" ]; then
	(cd / && "$tmp/prefix/bin/mkvdso" build -q --arch=x86_64 --base=0x7fff00000000 --probe \
		--name=k -o "$tmp/probe-installed") || fail "the installed mkvdso cannot build the probe"
	cmp -s "$tmp/probe/k-probe" "$tmp/probe-installed/k-probe" || fail "the installed probe differs"
fi
expect_status 0 "--probe --prebuilt --cc" "$MKVDSO" build -q --prebuilt="$FIXTURES/x86_64/good.so" \
	--base=0x7fff00000000 --probe --cc=gcc -o "$tmp/probe-pre"
[ -x "$tmp/probe-pre/vdso-probe" ] || fail "--probe --prebuilt wrote no vdso-probe"
expect_status 64 "--cc with --prebuilt, no --probe" "$MKVDSO" build --prebuilt="$FIXTURES/x86_64/good.so" \
	--base=0x7fff00000000 --cc=gcc -o "$tmp/probe-pre"
mkdir "$tmp/probe-fails" && echo keep >"$tmp/probe-fails/vdso.h"
expect_status 2 "--probe, no compiler" "$MKVDSO" build --prebuilt="$FIXTURES/x86_64/good.so" \
	--base=0x7fff00000000 --probe --cc="$tmp/no-such-gcc" -o "$tmp/probe-fails"
expect_grep "no-such-gcc: not found" "$tmp/err" "--probe names the missing compiler"
[ "$(cat "$tmp/probe-fails/vdso.h")" = keep ] && [ "$(ls "$tmp/probe-fails")" = vdso.h ] ||
	fail "a failed --probe build wrote: $(ls "$tmp/probe-fails")"
finish
