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
	check_builtin riscv64 "$cc" "$base" "$tmp/want-syms" || continue
	"$EU_READELF" -h "$img" | grep -q "Machine:.*RISC-V" || fail "$cc: not a RISC-V ELF"

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
	n=$(insn_sites riscv64-linux-gnu-objdump "$img" 00000073)
	[ "$n" -ge 7 ] || fail "$cc: $n ecall instructions, expected at least 7"
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
plain=$(insn_sites riscv64-linux-gnu-objdump "$tmp/default/vdso.bin" 00000073)
expect_status 0 "--syscall-insn=0xc0001073" "$MKVDSO" build --arch=riscv64 --syscall-insn=0xc0001073 \
	--base=$base --format=raw -o "$tmp/trap"
[ "$(insn_sites riscv64-linux-gnu-objdump "$tmp/trap/vdso.bin" 00000073)" -eq 0 ] || fail "--syscall-insn left an ecall"
[ "$(insn_sites riscv64-linux-gnu-objdump "$tmp/trap/vdso.bin" c0001073)" -eq "$plain" ] ||
	fail "--syscall-insn: $(insn_sites riscv64-linux-gnu-objdump "$tmp/trap/vdso.bin" c0001073) sites, expected $plain"
expect_status 0 "inspect the trapping build" "$MKVDSO" inspect --strict --forbid-syscalls \
	--syscall-insn=0xc0001073 "$tmp/trap/vdso.bin"
expect_status 64 "--syscall-insn=0f0b for riscv64" "$MKVDSO" build --arch=riscv64 --syscall-insn=0f0b \
	--base=$base -o "$tmp/bad"
expect_grep "expects a 32-bit instruction word" "$tmp/err" "riscv64 wants a word"
[ -e "$tmp/bad" ] && fail "a bad --syscall-insn wrote outputs"

# A writable PT_DYNAMIC is no error here: glibc keeps riscv64's dynamic table
# read-only (DL_RO_DYN_SECTION) and uses the image (e2e/verdicts-riscv64 runs
# 2.36 and 2.41 on it); the same damage on x86_64's built-in image is one.
for a in riscv64 x86_64; do
	expect_status 0 "$a build for the writable PT_DYNAMIC" "$MKVDSO" build --arch=$a --base=0x2000000000 \
		--format=raw -o "$tmp/wd-$a"
	"$FIXTURES/vdso-mutate" writable-dynamic "$tmp/wd-$a/vdso.bin" "$tmp/wd-$a.bin" ||
		fail "vdso-mutate writable-dynamic ($a)"
done
expect_status 0 "inspect riscv64 with a writable PT_DYNAMIC" "$MKVDSO" inspect "$tmp/wd-riscv64.bin"
grep -q dynamic-writable "$tmp/out" && fail "riscv64: dynamic-writable reported: $(grep dynamic-writable "$tmp/out")"
grep -q -E '^ +glibc .* crash ' "$tmp/out" && fail "riscv64: a glibc crash verdict: $(grep crash "$tmp/out")"
expect_status 1 "inspect x86_64 with a writable PT_DYNAMIC" "$MKVDSO" inspect "$tmp/wd-x86_64.bin"
expect_grep "error  *dynamic-writable" "$tmp/out" "x86_64: dynamic-writable is an error"

finish
