#!/bin/sh
# vdso_data.rs, the Rust twin of vdso_data.h, as mkvdso build ships it:
# - it builds in a #![no_std] library with -D warnings (as a module and
#   include!d), and a copy that drifted from the C header does not: an
#   extra field, two fields swapped, a wrong constant, a narrower field;
# - the writer's begin and end put seq and the release fence in the order
#   the protocol needs (in the LLVM IR rustc generates);
# - the Rust writer and the C writer, each driven by data_page/updates.txt
#   on a page filled with a pattern (a reused kernel page), print the same
#   results and leave byte-identical pages; init cleared the whole page;
#   a Rust writer with one store changed leaves another page;
# - the README's kernel-side C example compiles against the generated files
#   (freestanding, C99, gcc and clang, -Werror; its Rust twin is
#   examples/rust-kernel, integration/rust_example).
# A missing tool fails, never skips.
. "$(dirname "$0")/lib.sh"

for tool in gcc clang rustc cmp od; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "FAIL: $tool not found (Debian: gcc, clang, rustc)" >&2
		exit 1
	}
done
[ -n "${SOURCE_DIR:-}" ] || { echo "FAIL: SOURCE_DIR is not set" >&2; exit 1; }
here=$SOURCE_DIR/tests/integration/data_page

gen=$tmp/gen # $tmp/out and $tmp/err belong to expect_status
expect_status 0 "build the built-in vDSO" "$MKVDSO" build --base=0x400000000 -o "$gen"
for f in vdso.rs vdso_auxv.rs vdso_data.h vdso_data.rs; do
	[ -s "$gen/$f" ] || fail "$f missing or empty"
done
[ "$failures" -eq 0 ] || finish

rustc_lib() { # rustc_lib DIR: builds DIR/lib.rs, stderr in $tmp/rustc.err
	(cd "$1" && rustc --edition=2021 --crate-type=lib -D warnings lib.rs -o libkernel.rlib) \
		2>"$tmp/rustc.err"
}

# --- the module in a no_std library, and drifted copies ---

mkdir "$tmp/lib"
cp "$gen/vdso_data.rs" "$tmp/lib/"
printf '#![no_std]\npub mod vdso_data;\nmod private_copy { include!("vdso_data.rs"); }\n' >"$tmp/lib/lib.rs"
rustc_lib "$tmp/lib" || fail "rustc: vdso_data.rs in a no_std library: $(head -c 1500 "$tmp/rustc.err")"
grep -q 'assert!(vdso_data_field_layout!(VdsoData, clock_mode).0 == 8)' "$gen/vdso_data.rs" ||
	fail "vdso_data.rs does not pin clock_mode at offset 8"

# The ordering the protocol needs, in the code rustc generates (LLVM IR at
# -O2, where a misplaced fence would show): begin stores seq, then fences;
# end fences, then stores seq; both fences release, both seq stores atomic.
(cd "$tmp/lib" && rustc --edition=2021 --crate-type=lib -C opt-level=2 --emit=llvm-ir lib.rs -o lib.ll) \
	2>"$tmp/rustc.err" || fail "rustc --emit=llvm-ir: $(head -c 800 "$tmp/rustc.err")"
ordering() { # ordering NAME: the fences and seq stores of VdsoDataWriter::NAME, in order
	awk -v name="VdsoDataWriter[0-9]+$1" '$1 == "define" && $0 ~ name { inside = 1; next }
		inside && /^}/ { exit }
		inside && /fence release/ { print "fence" }
		inside && /store atomic i32/ { print "seq" }' "$tmp/lib/lib.ll" | tr '\n' ' '
}
[ "$(ordering begin_update)" = "seq fence " ] ||
	fail "begin_update: expected the seq store, then a release fence; got: $(ordering begin_update)"
[ "$(ordering end_update)" = "fence seq " ] ||
	fail "end_update: expected a release fence, then the seq store; got: $(ordering end_update)"

drift() { # drift WHAT SED-SCRIPT: the copy edited so must not compile
	sed "$2" "$gen/vdso_data.rs" >"$tmp/lib/vdso_data.rs"
	cmp -s "$gen/vdso_data.rs" "$tmp/lib/vdso_data.rs" && { fail "$1: the edit changed nothing"; return; }
	if rustc_lib "$tmp/lib"; then
		fail "$1: a copy that differs from vdso_data.h compiles"
	# rustc 1.63 (Debian 12) and later releases word a failed const assert differently.
	elif ! grep -Eq "the evaluated program panicked at 'assertion failed|evaluation panicked: assertion failed" "$tmp/rustc.err"; then
		fail "$1: rejected, but not by a layout pin: $(head -c 800 "$tmp/rustc.err")"
	fi
}
# One published Rust kernel's copy of Linux's data had an extra field that
# moved every offset after it.
drift "an extra field" 's/^    pub coarse_res: u32,$/&\n    pub extra: u32,/; s/^        coarse_res: 0,$/&\n        extra: 0,/'
drift "two fields swapped" '/^    pub hrtimer_res: u32,$/{h;d}; /^    pub coarse_res: u32,$/{G}'
drift "a wrong constant" 's/^pub const MKVDSO_CLOCK_TAI: u32 = 11;/pub const MKVDSO_CLOCK_TAI: u32 = 10;/'
drift "a narrower field" 's/^    pub reserved: u32,$/    pub reserved: u16,\n    pub pad: u16,/; s/^        reserved: 0,$/&\n        pad: 0,/'

# --- the same updates through both writers ---

for cc in gcc clang; do
	$cc -std=c11 -Wall -Wextra -Werror -pedantic -I"$gen" "$here/writer.c" -o "$tmp/writer-$cc" \
		2>"$tmp/cc.err" || fail "$cc: writer.c: $(head -c 800 "$tmp/cc.err")"
done
mkdir "$tmp/rs"
cp "$gen/vdso_data.rs" "$here/writer.rs" "$tmp/rs/"
(cd "$tmp/rs" && rustc --edition=2021 -D warnings writer.rs -o writer) 2>"$tmp/rustc.err" ||
	fail "rustc: writer.rs: $(head -c 1500 "$tmp/rustc.err")"
[ "$failures" -eq 0 ] || finish

run_writer() { # run_writer PROGRAM NAME: $tmp/NAME.page and $tmp/NAME.log
	"$1" "$tmp/$2.page" <"$here/updates.txt" >"$tmp/$2.log" 2>"$tmp/$2.err" ||
		fail "$2: exit status $?: $(head -c 400 "$tmp/$2.err")"
}
run_writer "$tmp/writer-gcc" c
run_writer "$tmp/writer-clang" c-clang
run_writer "$tmp/rs/writer" rust
cmp "$tmp/c.log" "$tmp/rust.log" >/dev/null ||
	fail "the writers' results differ: $(diff "$tmp/c.log" "$tmp/rust.log" | head -20)"
cmp "$tmp/c.page" "$tmp/rust.page" ||
	fail "the Rust writer's page differs from the C writer's"
cmp "$tmp/c.page" "$tmp/c-clang.page" || fail "gcc's and clang's C writers leave different pages"

# What the page says, read back as the vDSO would: version 1, seq 6 (three
# updates), the refusals counted, nothing of the pattern left.
word() { od -An -tu4 -j "$1" -N4 "$tmp/c.page" | tr -d ' '; }
[ "$(wc -c <"$tmp/c.page")" -eq 4096 ] || fail "the page file is not 4096 bytes"
[ "$(word 0)" = 1 ] || fail "version is $(word 0), expected 1"
[ "$(word 4)" = 6 ] || fail "seq is $(word 4), expected 6"
[ "$(word 12)" = 2227 ] || fail "valid_clocks is $(word 12), expected 2227"
[ "$(grep -c refused "$tmp/c.log")" -eq 16 ] || fail "expected 16 refusals: $(grep -n refused "$tmp/c.log")"
grep -qx 'freq 1 32' "$tmp/c.log" || fail "10^9 * 2^32 Hz did not give mult 1, shift 32"
od -An -v -tx1 -j 472 "$tmp/c.page" | tr -s ' ' '\n' | grep -v '^$' | sort -u >"$tmp/tail"
[ "$(cat "$tmp/tail")" = 00 ] || fail "bytes 472..4095 of the page are not all zero after init: $(head -c 200 "$tmp/tail")"

# The comparison sees a single wrong store: a Rust writer that forgets to
# shift a counter clock's nsec, or clears only the struct, leaves another page.
mutant() { # mutant WHAT SED-SCRIPT
	sed "$2" "$gen/vdso_data.rs" >"$tmp/rs/vdso_data.rs"
	cmp -s "$gen/vdso_data.rs" "$tmp/rs/vdso_data.rs" && { fail "$1: the edit changed nothing"; return; }
	(cd "$tmp/rs" && rustc --edition=2021 writer.rs -o mutant) 2>"$tmp/rustc.err" ||
		{ fail "$1: the mutant does not compile: $(head -c 800 "$tmp/rustc.err")"; return; }
	"$tmp/rs/mutant" "$tmp/mutant.page" <"$here/updates.txt" >/dev/null ||
		{ fail "$1: the mutant failed"; return; }
	cmp -s "$tmp/c.page" "$tmp/mutant.page" && fail "$1: the page comparison did not notice"
}
mutant "nsec not shifted" 's/u64::from(nsec) << (shift \& 63)/u64::from(nsec) + u64::from(shift \& 0)/'
mutant "init clears only the struct" 's/for i in 0..MKVDSO_DATA_SIZE {/for i in 0..core::mem::size_of::<VdsoData>() {/'

# --- the README's C example compiles against the generated files ---

readme_block() { # readme_block LANG N: the Nth ```LANG block of README.md's embedding section
	awk -v lang="$1" -v n="$2" '
		/^### Embedding in a kernel/ { in_section = 1; next }
		in_section && /^### / { in_section = 0 }
		in_section && $0 == "```" lang { count++; if (count == n) { inside = 1; next } }
		inside && /^```$/ { inside = 0; next }
		inside { print }' "$SOURCE_DIR/README.md"
}
readme_block c 2 >"$tmp/readme_kernel.c"
grep -q 'vdso_data_init' "$tmp/readme_kernel.c" || fail "README.md: no kernel-side C example with vdso_data_init"
# The example leaves out <errno.h> (a kernel has its own): E2BIG from here.
for cc in gcc clang; do
	if [ $cc = gcc ]; then inc=$(gcc -print-file-name=include); else inc=$(clang -print-resource-dir)/include; fi
	$cc -std=c99 -ffreestanding -nostdinc -isystem "$inc" -Wall -Wextra -Werror -pedantic \
		-Wno-missing-prototypes -DE2BIG=7 -I"$gen" -c "$tmp/readme_kernel.c" -o "$tmp/readme.o" \
		2>"$tmp/cc.err" || fail "$cc: README's C example: $(head -c 800 "$tmp/cc.err")"
done
finish
