#!/bin/sh
# mkvdso build --arch=riscv64: the built-in riscv64 vDSO with the Debian
# cross gcc and with clang, each clean under inspect --strict, with exactly
# Linux's riscv64 names at LINUX_4.15 as eu-readelf reads them, both hash
# tables, no relocations, one read+execute segment; __vdso_rt_sigreturn is
# Linux's two words (li a7, 139; ecall) and nothing after them belongs to
# it; reproducible; --syscall-insn as a 32-bit word at every site.
. "$(dirname "$0")/lib.sh"
[ -n "${EU_READELF:-}" ] || { fail "EU_READELF is not set"; finish; }
for tool in riscv64-linux-gnu-gcc riscv64-linux-gnu-objdump clang; do
	command -v "$tool" >/dev/null 2>&1 ||
		{ fail "$tool is missing (Debian: gcc-riscv64-linux-gnu, binutils-riscv64-linux-gnu, clang)"; finish; }
done

base=0x3ff7ffe000

# word_sites IMAGE WORD: how many instructions of .text are WORD (8 hex digits).
word_sites() {
	riscv64-linux-gnu-objdump -d -j .text "$1" |
		awk -F'\t' -v want="$2" 'NF >= 3 { b = $2; gsub(/ /, "", b); if (b == want) n++ } END { print n + 0 }'
}

# Linux's riscv64 vDSO (arch/riscv/kernel/vdso/vdso.lds.S).
cat >"$tmp/want-syms" <<'LIST'
__vdso_clock_getres FUNC GLOBAL LINUX_4.15
__vdso_clock_gettime FUNC GLOBAL LINUX_4.15
__vdso_flush_icache FUNC GLOBAL LINUX_4.15
__vdso_getcpu FUNC GLOBAL LINUX_4.15
__vdso_gettimeofday FUNC GLOBAL LINUX_4.15
__vdso_riscv_hwprobe FUNC GLOBAL LINUX_4.15
__vdso_rt_sigreturn FUNC GLOBAL LINUX_4.15
LIST

for cc in riscv64-linux-gnu-gcc clang; do
	out=$tmp/$cc
	expect_status 0 "build --arch=riscv64 --cc=$cc" "$MKVDSO" build --arch=riscv64 --cc=$cc \
		--base=$base --strict -o "$out"
	[ -s "$tmp/err" ] && fail "$cc: a clean build printed: $(head -c 300 "$tmp/err")"
	img=$out/vdso.bin
	[ -s "$img" ] || { fail "$cc: no vdso.bin"; continue; }
	expect_status 0 "$cc: inspect --strict" "$MKVDSO" inspect --strict "$img"
	expect_grep ": 0 errors, 0 warnings" "$tmp/out" "$cc: inspect is clean"
	compare_with_eu_readelf "$img" "$cc"
	"$EU_READELF" --dyn-syms "$img" |
		awk '$1 ~ /^[0-9]+:$/ && $7 != "ABS" && $8 != "" { n = $8; v = n; sub(/@.*/, "", n); sub(/^[^@]*@+/, "", v); print n, $4, $5, v }' |
		LC_ALL=C sort >"$tmp/got-syms"
	diff -u "$tmp/want-syms" "$tmp/got-syms" >"$tmp/diff" || fail "$cc: exported symbols: $(cat "$tmp/diff")"
	"$EU_READELF" -h "$img" | grep -q "Machine:.*RISC-V" || fail "$cc: not a RISC-V ELF"
	"$EU_READELF" -d "$img" >"$tmp/dyn"
	expect_grep "Library soname: \[linux-vdso.so.1\]" "$tmp/dyn" "$cc: soname"
	expect_grep "^  HASH " "$tmp/dyn" "$cc: DT_HASH"
	expect_grep "^  GNU_HASH " "$tmp/dyn" "$cc: DT_GNU_HASH, as Linux's riscv64 vDSO"
	"$EU_READELF" -r "$img" | grep -q "Relocation section" && fail "$cc: the image has relocations"
	"$EU_READELF" -l "$img" | awk '$1 == "LOAD"' >"$tmp/loads"
	[ "$(wc -l <"$tmp/loads")" -eq 1 ] && grep -q ' R E ' "$tmp/loads" ||
		fail "$cc: not one read+execute PT_LOAD: $(cat "$tmp/loads")"

	# The trampoline: exactly li a7, 139; ecall, 8 bytes.
	riscv64-linux-gnu-objdump -d "$img" |
		awk '/<__vdso_rt_sigreturn@@LINUX_4.15>:/ { on = 1; next } on && /^$/ { exit } on { print $2 }' \
		>"$tmp/tramp"
	printf '08b00893\n00000073\n' | diff -u - "$tmp/tramp" >"$tmp/diff" ||
		fail "$cc: __vdso_rt_sigreturn is not li a7, 139; ecall: $(cat "$tmp/diff")"
	"$EU_READELF" --dyn-syms "$img" | awk '$8 ~ /^__vdso_rt_sigreturn@/ { print $3 }' | grep -qx 8 ||
		fail "$cc: __vdso_rt_sigreturn's size is not 8"
	riscv64-linux-gnu-objdump -d "$img" | grep -q 'rdtime' || fail "$cc: no rdtime"
	# One ecall per fallback: clock_gettime, gettimeofday, clock_getres,
	# getcpu, flush_icache, hwprobe, and the trampoline's.
	n=$(word_sites "$img" 00000073)
	[ "$n" -ge 7 ] || fail "$cc: $n ecall instructions, expected at least 7"

	mkdir -p "$tmp/elsewhere/$cc"
	(cd "$tmp/elsewhere/$cc" && "$MKVDSO" build --arch=riscv64 --cc=$cc --base=$base \
		--format=raw -o again) >/dev/null 2>&1 || fail "$cc: second build"
	cmp -s "$img" "$tmp/elsewhere/$cc/again/vdso.bin" || fail "$cc: two builds differ"
done
cmp -s "$tmp/riscv64-linux-gnu-gcc/vdso.bin" "$tmp/clang/vdso.bin" &&
	fail "gcc and clang built identical images (was clang used?)"

# The default compiler is the Debian triplet's gcc.
expect_status 0 "default compiler" "$MKVDSO" build --arch=riscv64 --base=$base --format=raw -o "$tmp/default"
cmp -s "$tmp/riscv64-linux-gnu-gcc/vdso.bin" "$tmp/default/vdso.bin" ||
	fail "the default build is not riscv64-linux-gnu-gcc's"
expect_status 2 "a missing cross compiler" "$MKVDSO" build --arch=riscv64 --cross-compile=/nonexistent/rv- \
	--base=$base -o "$tmp/nocc"
expect_grep "install the Debian package gcc-riscv64-linux-gnu" "$tmp/err" "the missing compiler's package is named"
[ -e "$tmp/nocc" ] && fail "a missing compiler wrote outputs"

# --syscall-insn: the word (here c.unimp's 32-bit sibling, unimp = csrrw x0,
# cycle, x0) wherever ecall was, the trampoline's too.
plain=$(word_sites "$tmp/default/vdso.bin" 00000073)
expect_status 0 "--syscall-insn=0xc0001073" "$MKVDSO" build --arch=riscv64 --syscall-insn=0xc0001073 \
	--base=$base --format=raw -o "$tmp/trap"
[ "$(word_sites "$tmp/trap/vdso.bin" 00000073)" -eq 0 ] || fail "--syscall-insn left an ecall"
[ "$(word_sites "$tmp/trap/vdso.bin" c0001073)" -eq "$plain" ] ||
	fail "--syscall-insn: $(word_sites "$tmp/trap/vdso.bin" c0001073) sites, expected $plain"
expect_status 0 "inspect the trapping build" "$MKVDSO" inspect --strict --forbid-syscalls \
	--syscall-insn=0xc0001073 "$tmp/trap/vdso.bin"
expect_status 64 "--syscall-insn=0f0b for riscv64" "$MKVDSO" build --arch=riscv64 --syscall-insn=0f0b \
	--base=$base -o "$tmp/bad"
expect_grep "expects a 32-bit instruction word" "$tmp/err" "riscv64 wants a word"
[ -e "$tmp/bad" ] && fail "a bad --syscall-insn wrote outputs"

finish
