#!/bin/sh
# mkvdso build --arch=arm: the built-in 32-bit arm vDSO with the Debian
# cross gcc and with clang, each clean under inspect --strict, with exactly
# Linux's arm names at LINUX_2.6 as eu-readelf reads them, DT_HASH alone (as
# Linux's), no relocations, one read+execute segment; ELFCLASS32, EABI 5
# with neither float-ABI flag (Linux's vdsomunge); ARM state (no Thumb
# mapping of any exported symbol); the counter read as isb; mrrc p15, 1, ...,
# c14; reproducible; --syscall-insn as a 32-bit word at every site; and the
# 32-bit placement paths on this real image: --base below 4 GiB (and the
# bases arm cannot map refused) and --prelink of every 32-bit address field.
# Last vdso-mutate on this image: each ELFCLASS32 structure it rewrites
# changes only the field it names.
. "$(dirname "$0")/lib.sh"
[ -n "${EU_READELF:-}" ] || { fail "EU_READELF is not set"; finish; }
for tool in arm-linux-gnueabihf-gcc arm-linux-gnueabihf-objdump clang; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ fail "$tool is missing (Debian: gcc-arm-linux-gnueabihf, binutils-arm-linux-gnueabihf, clang)"; finish; }
done

# Two pages below the top of a 3 GiB arm user space (Linux's TASK_SIZE).
base=0xbfffe000

# Linux's arm vDSO (arch/arm/vdso/vdso.lds.S).
cat >"$tmp/want-syms" <<'LIST'
__vdso_clock_getres FUNC GLOBAL LINUX_2.6
__vdso_clock_gettime FUNC GLOBAL LINUX_2.6
__vdso_clock_gettime64 FUNC GLOBAL LINUX_2.6
__vdso_gettimeofday FUNC GLOBAL LINUX_2.6
LIST

for cc in arm-linux-gnueabihf-gcc clang; do
	check_builtin arm "$cc" "$base" "$tmp/want-syms" sysv || continue
	"$EU_READELF" -h "$img" >"$tmp/hdr"
	expect_grep "Class:.*ELF32" "$tmp/hdr" "$cc: ELFCLASS32"
	expect_grep "Machine:.*ARM" "$tmp/hdr" "$cc: an ARM ELF"
	# e_flags exactly EF_ARM_EABI_VER5: no EF_ARM_ABI_FLOAT_SOFT/HARD.
	od -An -tx4 -j36 -N4 "$img" | tr -d ' ' | grep -qx 05000000 ||
		fail "$cc: e_flags $(od -An -tx4 -j36 -N4 "$img"), expected 0x05000000 (EABI 5, no float ABI)"
	# ARM state: every exported function's address is even (Thumb's are odd).
	"$EU_READELF" --dyn-syms "$img" | awk '$8 ~ /^__vdso_/ && $2 ~ /[13579bdf]$/ { print $8 }' >"$tmp/thumb"
	[ -s "$tmp/thumb" ] && fail "$cc: Thumb entry points: $(cat "$tmp/thumb")"
	arm-linux-gnueabihf-objdump -d "$img" >"$tmp/dis"
	# The counter: isb right before every mrrc p15, 1, ..., c14.
	n=$(grep -c 'mrrc.*15, 1, .*cr14' "$tmp/dis")
	[ "$n" -ge 1 ] || fail "$cc: no mrrc of CNTVCT"
	[ "$(grep -B1 'mrrc.*15, 1, .*cr14' "$tmp/dis" | grep -c 'isb')" -eq "$n" ] ||
		fail "$cc: an mrrc of CNTVCT without isb before it"
	# No libgcc and no internal calls: no bl, blx to a label, or veneer.
	grep -E '\<(bl|blx)\>[[:space:]]+[0-9a-f]+ <' "$tmp/dis" >"$tmp/calls" &&
		fail "$cc: calls inside the image: $(head -3 "$tmp/calls")"
	# One svc per fallback: clock_gettime64, clock_gettime, gettimeofday
	# (twice: no page, and no counter), clock_getres.
	n=$(insn_sites arm-linux-gnueabihf-objdump "$img" ef000000)
	[ "$n" -ge 4 ] || fail "$cc: $n svc #0 instructions, expected at least 4"
done
cmp -s "$tmp/arm-linux-gnueabihf-gcc/vdso.bin" "$tmp/clang/vdso.bin" &&
	fail "gcc and clang built identical images (was clang used?)"

# The default compiler is the Debian triplet's gcc.
expect_status 0 "default compiler" "$MKVDSO" build --arch=arm --base=$base --format=raw -o "$tmp/default"
# Its summary says which clock_gettime entry each libc calls, not the
# time32 one that musl >= 1.2.4 and glibc >= 2.34 call only without the
# time64 one (e2e/verdicts-arm runs them); Go calls the time32 one.
for who in "musl 1.2.4+ *uses clock_gettime64" "glibc 2.31+ *uses clock_gettime64" \
	"go 1.19+ *uses clock_gettime"; do
	grep -q "  $who\$" "$tmp/out" || fail "summary: no line '$who': $(cat "$tmp/out")"
done
grep -q "glibc 2.34+\|falls back\|crashes" "$tmp/out" &&
	fail "the summary of the built-in arm vDSO names a stand-in or a fallback: $(cat "$tmp/out")"
cmp -s "$tmp/arm-linux-gnueabihf-gcc/vdso.bin" "$tmp/default/vdso.bin" ||
	fail "the default build is not arm-linux-gnueabihf-gcc's"
expect_status 2 "a missing cross compiler" "$MKVDSO" build --arch=arm --cross-compile=/nonexistent/arm- \
	--base=$base -o "$tmp/nocc"
expect_grep "install the Debian package gcc-arm-linux-gnueabihf" "$tmp/err" "the missing compiler's package is named"
[ -e "$tmp/nocc" ] && fail "a missing compiler wrote outputs"

# The C header tells the kernel author where signal handlers return.
expect_grep "VDSO_HAS_SIGTRAMP  *0" "$tmp/arm-linux-gnueabihf-gcc/vdso.h" "no trampoline"
expect_grep "sigpage" "$tmp/arm-linux-gnueabihf-gcc/vdso.h" "the header names Linux's sigpage"
expect_grep "SA_RESTORER" "$tmp/arm-linux-gnueabihf-gcc/vdso.h" "the header names SA_RESTORER"

# --syscall-insn: the word (udf #0xbeef, an undefined instruction) wherever
# svc #0 was.
plain=$(insn_sites arm-linux-gnueabihf-objdump "$tmp/default/vdso.bin" ef000000)
expect_status 0 "--syscall-insn=0xe7fbeeff" "$MKVDSO" build --arch=arm --syscall-insn=0xe7fbeeff \
	--base=$base --format=raw -o "$tmp/trap"
[ "$(insn_sites arm-linux-gnueabihf-objdump "$tmp/trap/vdso.bin" ef000000)" -eq 0 ] || fail "--syscall-insn left an svc"
[ "$(insn_sites arm-linux-gnueabihf-objdump "$tmp/trap/vdso.bin" e7fbeeff)" -eq "$plain" ] ||
	fail "--syscall-insn: $(insn_sites arm-linux-gnueabihf-objdump "$tmp/trap/vdso.bin" e7fbeeff) sites, expected $plain"
expect_status 0 "inspect the trapping build" "$MKVDSO" inspect --strict --forbid-syscalls \
	--syscall-insn=0xe7fbeeff "$tmp/trap/vdso.bin"
expect_status 64 "--syscall-insn=0f0b for arm" "$MKVDSO" build --arch=arm --syscall-insn=0f0b \
	--base=$base -o "$tmp/bad"
expect_grep "expects a 32-bit instruction word" "$tmp/err" "arm wants a word"
[ -e "$tmp/bad" ] && fail "a bad --syscall-insn wrote outputs"

# Placement: a base arm cannot map is a usage error and writes nothing.
for bad in 0x100000000 0xc0000000 0xbffff000; do
	expect_status 64 "--base=$bad" "$MKVDSO" build --arch=arm --base=$bad -o "$tmp/far"
	expect_grep "outside arm user space" "$tmp/err" "--base=$bad is refused"
	[ -e "$tmp/far" ] && fail "--base=$bad wrote outputs"
done
# The headers stay linked at 0 (every 32-bit field untouched); the outputs
# carry the addresses, 32-bit words in the auxv helper.
"$EU_READELF" -l "$tmp/default/vdso.bin" | awk '$1 == "LOAD" { print $3 }' | grep -qx 0x00000000 ||
	fail "without --prelink the image is not linked at 0"
expect_grep "VDSO_BASE  *0xbfffe000" "$tmp/arm-linux-gnueabihf-gcc/vdso.h" "the header's base"
expect_grep "VDSO_DATA_ADDRESS  *0xbfffd000" "$tmp/arm-linux-gnueabihf-gcc/vdso.h" "the data page below"
expect_grep "VDSO_ELF_CLASS  *32" "$tmp/arm-linux-gnueabihf-gcc/vdso.h" "the header says ELF32"

# --prelink rewrites each 32-bit address field to base + offset, as
# eu-readelf reads them: the segments, the dynamic pointers, the symbols,
# the sections; sizes and everything else stay.
expect_status 0 "--prelink" "$MKVDSO" build --arch=arm --base=$base --prelink --format=raw -o "$tmp/pre"
expect_grep "warning:.*bionic" "$tmp/err" "--prelink warns that bionic ignores the image"
pre=$tmp/pre/vdso.bin
plain_img=$tmp/default/vdso.bin
addr() { printf '0x%08x' $(($1 + base)); }
"$EU_READELF" -l "$plain_img" | awk '$1 ~ /^(LOAD|DYNAMIC|NOTE)$/ { print $1, $3, $5, $6 }' >"$tmp/ph0"
"$EU_READELF" -l "$pre" | awk '$1 ~ /^(LOAD|DYNAMIC|NOTE)$/ { print $1, $3, $5, $6 }' >"$tmp/ph1"
while read -r type vaddr filesz memsz; do
	echo "$type $(addr "$vaddr") $filesz $memsz"
done <"$tmp/ph0" | diff -u - "$tmp/ph1" >"$tmp/diff" || fail "--prelink program headers: $(cat "$tmp/diff")"
for tag in HASH STRTAB SYMTAB VERSYM VERDEF; do
	was=$("$EU_READELF" -d "$plain_img" | awk -v t="$tag" '$1 == t { print $2 }')
	now=$("$EU_READELF" -d "$pre" | awk -v t="$tag" '$1 == t { print $2 }')
	[ -n "$was" ] && [ "$now" = "$(addr "$was")" ] || fail "--prelink DT_$tag: $was became $now"
done
"$EU_READELF" --dyn-syms "$plain_img" | awk '$8 ~ /^__vdso_/ { print $8, $2, $3 }' | LC_ALL=C sort >"$tmp/sym0"
"$EU_READELF" --dyn-syms "$pre" | awk '$8 ~ /^__vdso_/ { print $8, $2, $3 }' | LC_ALL=C sort >"$tmp/sym1"
while read -r name value size; do
	printf '%s %08x %s\n' "$name" $((0x$value + base)) "$size"
done <"$tmp/sym0" | diff -u - "$tmp/sym1" >"$tmp/diff" || fail "--prelink symbols: $(cat "$tmp/diff")"
text_addr() { "$EU_READELF" -S "$1" | awk '{ for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 2) }'; }
was=$(text_addr "$plain_img") now=$(text_addr "$pre")
[ -n "$was" ] && [ "$now" = "$(printf '%08x' $((0x$was + base)))" ] ||
	fail "--prelink: .text's sh_addr $was became $now"
expect_status 0 "inspect the prelinked image" "$MKVDSO" inspect "$pre"
expect_grep "load-vaddr" "$tmp/out" "inspect warns about the prelinked image too"


# vdso-mutate, which damages copies of this image for the selftests' and the
# verdict table's controls, rewrites ELFCLASS32 structures in their Elf32
# layout: the bytes each operation changes lie in the one field it names
# (offsets from eu-readelf), and eu-readelf reads the new value there.
# mutated OP START+LEN...: vdso-mutate OP on the plain image into
# $tmp/mutated.bin; some byte changed, and only inside those ranges.
mutated() {
	op=$1
	shift
	"$FIXTURES/vdso-mutate" "$op" "$plain_img" "$tmp/mutated.bin" 2>"$tmp/err" ||
		{ fail "vdso-mutate $op on the arm image: $(cat "$tmp/err")"; return 1; }
	cmp -l "$plain_img" "$tmp/mutated.bin" | awk -v ranges="$*" '
		BEGIN { n = split(ranges, r, " ") }
		{ at = $1 - 1; inside = 0
		  for (i = 1; i <= n; i++) { split(r[i], f, "+"); if (at >= f[1] && at < f[1] + f[2]) inside = 1 }
		  if (!inside) { printf "byte %d changed outside %s\n", at, ranges; bad = 1 }
		  changed = 1 }
		END { if (!changed) print "nothing changed"; exit bad || !changed }' >"$tmp/diff" ||
		{ fail "vdso-mutate $op: $(head -3 "$tmp/diff")"; return 1; }
}
phoff=$("$EU_READELF" -h "$plain_img" | awk '/Start of program headers:/ { print $5 }')
dyn_index=$("$EU_READELF" -l "$plain_img" | awk '$1 == "LOAD" || $1 == "DYNAMIC" || $1 == "NOTE" { if ($1 == "DYNAMIC") print n; n++ }')
dynsym=$(printf '%d' "0x$("$EU_READELF" -S "$plain_img" |
	awk '{ for (i = 1; i < NF; i++) if ($i == "DYNSYM") print $(i + 2) }')")	# its file offset
gtod=$("$EU_READELF" --dyn-syms "$plain_img" | awk '$8 ~ /^__vdso_gettimeofday@/ { sub(/:$/, "", $1); print $1 }')
dyn_phdr=$((phoff + dyn_index * 32))	# sizeof(Elf32_Phdr)
gtod_sym=$((dynsym + gtod * 16))	# sizeof(Elf32_Sym)
if [ -n "$phoff" ] && [ -n "$dyn_index" ] && [ -n "$gtod" ]; then
	# Elf32_Ehdr: e_shoff at 32, e_shnum at 48, e_shstrndx at 50.
	if mutated no-sections 32+4 48+2 50+2; then
		"$EU_READELF" -h "$tmp/mutated.bin" | grep -q "Number of section headers entries: *0 " ||
			fail "vdso-mutate no-sections: the section headers are still counted"
	fi
	# Elf32_Phdr: p_type at 0, p_flags at 24.
	if mutated writable-dynamic $((dyn_phdr + 24))+4; then
		"$EU_READELF" -l "$tmp/mutated.bin" | grep -q "^  DYNAMIC .* RW  " ||
			fail "vdso-mutate writable-dynamic: PT_DYNAMIC is not RW"
	fi
	if mutated no-dynamic "$dyn_phdr+4"; then
		"$EU_READELF" -l "$tmp/mutated.bin" | grep -q "^  DYNAMIC " &&
			fail "vdso-mutate no-dynamic: PT_DYNAMIC is still there"
	fi
	# Elf32_Sym: st_other at 13, st_shndx at 14.
	if mutated hide=__vdso_gettimeofday $((gtod_sym + 13))+1; then
		"$EU_READELF" --dyn-syms "$tmp/mutated.bin" | grep -q " HIDDEN .* __vdso_gettimeofday@" ||
			fail "vdso-mutate hide: __vdso_gettimeofday is not STV_HIDDEN"
	fi
	if mutated abs=__vdso_gettimeofday $((gtod_sym + 14))+2; then
		"$EU_READELF" --dyn-syms "$tmp/mutated.bin" | grep -q " ABS __vdso_gettimeofday@" ||
			fail "vdso-mutate abs: __vdso_gettimeofday is not SHN_ABS"
	fi
	# Elf32_Dyn: 8-byte entries, only PT_DYNAMIC's bytes move.
	dyn_off=$(printf '%d' "$("$EU_READELF" -l "$plain_img" | awk '$1 == "DYNAMIC" { print $2 }')")
	dyn_size=$(printf '%d' "$("$EU_READELF" -l "$plain_img" | awk '$1 == "DYNAMIC" { print $5 }')")
	entries() { "$EU_READELF" -d "$1" | grep -c '^  [A-Z]'; }
	if mutated drop-versym "$dyn_off+$dyn_size"; then
		[ "$(entries "$tmp/mutated.bin")" -eq $(($(entries "$plain_img") - 1)) ] ||
			fail "vdso-mutate drop-versym: not one dynamic entry fewer"
		"$EU_READELF" -d "$tmp/mutated.bin" | grep -q "^  VERSYM " &&
			fail "vdso-mutate drop-versym: DT_VERSYM is still there"
	fi
else
	fail "eu-readelf did not give the program headers, PT_DYNAMIC or __vdso_gettimeofday of the arm image"
fi

finish
