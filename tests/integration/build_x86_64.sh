#!/bin/sh
# mkvdso build --arch=x86_64: the built-in x86_64 vDSO with the host's gcc and
# with clang, each clean under inspect --strict, with exactly Linux's x86_64
# names and version as eu-readelf reads them, both hash tables, no
# relocations, no writable segment, no SSE; reproducible; --syscall-insn as
# bytes (ud2 everywhere syscall was), and bad values refused.
. "$(dirname "$0")/lib.sh"
[ -n "${EU_READELF:-}" ] || { fail "EU_READELF is not set"; finish; }
for tool in gcc clang objdump x86_64-linux-gnu-gcc; do
	command -v "$tool" >/dev/null 2>&1 || { fail "$tool is missing (Debian: gcc, clang, binutils)"; finish; }
done

base=0x7ff000000000

# Linux's x86_64 vDSO exports these at LINUX_2.6 (arch/x86/entry/vdso/vdso.lds.S),
# the __vdso_ names global, the plain ones weak aliases at the same address.
cat >"$tmp/want-syms" <<'LIST'
__vdso_clock_getres FUNC GLOBAL LINUX_2.6
__vdso_clock_gettime FUNC GLOBAL LINUX_2.6
__vdso_getcpu FUNC GLOBAL LINUX_2.6
__vdso_gettimeofday FUNC GLOBAL LINUX_2.6
__vdso_time FUNC GLOBAL LINUX_2.6
clock_getres FUNC WEAK LINUX_2.6
clock_gettime FUNC WEAK LINUX_2.6
getcpu FUNC WEAK LINUX_2.6
gettimeofday FUNC WEAK LINUX_2.6
time FUNC WEAK LINUX_2.6
LIST

for cc in gcc clang; do
	check_builtin x86_64 "$cc" "$base" "$tmp/want-syms" || continue
	for pair in clock_gettime gettimeofday time getcpu clock_getres; do
		a=$("$EU_READELF" --dyn-syms "$img" | awk -v s="$pair@" 'index($8, s) == 1 { print $2 }')
		b=$("$EU_READELF" --dyn-syms "$img" | awk -v s="__vdso_$pair@" 'index($8, s) == 1 { print $2 }')
		[ -n "$a" ] && [ "$a" = "$b" ] || fail "$cc: $pair ($a) is not an alias of __vdso_$pair ($b)"
	done
	objdump -d "$img" >"$tmp/dis"
	grep -Eq '%[xyz]mm|%mm[0-7]' "$tmp/dis" && fail "$cc: the image uses SSE/AVX/MMX registers"
	grep -q 'lfence' "$tmp/dis" || fail "$cc: no lfence before rdtsc"
	n=$(insn_sites objdump "$img" 0f05)
	[ "$n" -ge 5 ] || fail "$cc: $n syscall instructions, expected one per fallback (at least 5)"
done
cmp -s "$tmp/gcc/vdso.bin" "$tmp/clang/vdso.bin" && fail "gcc and clang built identical images (was clang used?)"

# The host's gcc is the default compiler; the Debian triplet gives the same bytes.
expect_status 0 "--cross-compile=x86_64-linux-gnu-" "$MKVDSO" build --arch=x86_64 \
	--cross-compile=x86_64-linux-gnu- --base=$base --format=raw -o "$tmp/triplet"
cmp -s "$tmp/gcc/vdso.bin" "$tmp/triplet/vdso.bin" || fail "x86_64-linux-gnu-gcc builds other bytes than gcc"
expect_status 2 "a missing --cc" "$MKVDSO" build --arch=x86_64 --cc=no-such-cc --base=$base -o "$tmp/nocc"
expect_grep "no-such-cc: not found" "$tmp/err" "a missing --cc is named"
[ -e "$tmp/nocc" ] && fail "a missing compiler wrote outputs"

# --syscall-insn=0f0b: ud2 wherever syscall was, no syscall left; inspect
# still lists every site as a trap instruction.
expect_status 0 "--syscall-insn=0f0b" "$MKVDSO" build --arch=x86_64 --syscall-insn=0f0b \
	--base=$base --format=raw -o "$tmp/ud2"
plain=$(insn_sites objdump "$tmp/gcc/vdso.bin" 0f05)
[ "$(insn_sites objdump "$tmp/ud2/vdso.bin" 0f05)" -eq 0 ] || fail "--syscall-insn=0f0b left a syscall"
[ "$(insn_sites objdump "$tmp/ud2/vdso.bin" 0f0b)" -eq "$plain" ] ||
	fail "--syscall-insn=0f0b: $(insn_sites objdump "$tmp/ud2/vdso.bin" 0f0b) ud2, expected $plain"
expect_status 0 "inspect the ud2 build" "$MKVDSO" inspect --strict --forbid-syscalls \
	--syscall-insn=0f0b "$tmp/ud2/vdso.bin"
[ "$(grep -c 'trap-instruction' "$tmp/out")" -eq "$plain" ] ||
	fail "inspect lists $(grep -c 'trap-instruction' "$tmp/out") trap sites, expected $plain"
expect_status 1 "the plain build under --forbid-syscalls" "$MKVDSO" inspect --forbid-syscalls \
	--syscall-insn=0f0b "$tmp/gcc/vdso.bin"
expect_grep "syscall-instruction" "$tmp/out" "a syscall left is an error"
expect_status 0 "--syscall-insn=0f01c1 (vmcall)" "$MKVDSO" build --arch=x86_64 --syscall-insn=0x0f01c1 \
	--base=$base --format=raw -o "$tmp/vmcall"
[ "$(insn_sites objdump "$tmp/vmcall/vdso.bin" 0f01c1)" -eq "$plain" ] || fail "--syscall-insn=0x0f01c1: not every site"

for bad in 0f0 0g0b "" 0x 0f0b0f0b0f0b0f0b0f0b0f0b0f0b0f0b "0f 0b"; do
	expect_status 64 "--syscall-insn='$bad'" "$MKVDSO" build --arch=x86_64 --syscall-insn="$bad" \
		--base=$base -o "$tmp/bad"
	expect_grep "expects the instruction's bytes in hex" "$tmp/err" "--syscall-insn='$bad' message"
	[ -e "$tmp/bad" ] && fail "--syscall-insn='$bad' wrote outputs"
done
expect_status 64 "inspect --syscall-insn=0f0" "$MKVDSO" inspect --syscall-insn=0f0 "$tmp/gcc/vdso.bin"
expect_grep "expected the instruction's bytes in hex" "$tmp/err" "inspect's --syscall-insn message"
# aarch64 keeps its 32-bit word; x86_64's bytes are no aarch64 word.
expect_status 64 "--syscall-insn=0f0b for aarch64" "$MKVDSO" build --syscall-insn=0f0b --base=$base -o "$tmp/bad"
expect_grep "expects a 32-bit instruction word" "$tmp/err" "aarch64 wants a word"

finish
