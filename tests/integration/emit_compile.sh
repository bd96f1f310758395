#!/bin/sh
# The generated files work where a kernel build uses them: the C files
# compile freestanding under gcc and clang as C99 and C11 with every warning
# an error; the arrays in NAME.c and NAME_image.h, the .rodata of the
# assembled NAME.S (aarch64 and host) and the Rust static all hold exactly
# the raw image followed by zeros to a whole page; the constants in C and
# Rust match the image's own symbol table; the Rust module builds in a
# #![no_std] library with -D warnings; vdso_auxv.h compiles freestanding;
# the JSON starts with its schema.  A missing tool fails, never skips.
. "$(dirname "$0")/lib.sh"

for tool in gcc clang rustc aarch64-linux-gnu-as aarch64-linux-gnu-objcopy objcopy readelf \
	cmp od; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "FAIL: $tool not found (Debian: gcc, clang, rustc, binutils, binutils-aarch64-linux-gnu)" >&2
		exit 1
	}
done

dir=$tmp/gen # $tmp/out and $tmp/err belong to expect_status
base=0x400000000
expect_status 0 "build" "$MKVDSO" build --prebuilt="$FIXTURES/aarch64/good.so" --base=$base \
	--format=c,raw,asm,rust,json -o "$dir" -n vdso
for f in vdso.h vdso.c vdso_image.h vdso.bin vdso.S vdso.rs vdso.json vdso_auxv.h vdso_auxv.rs; do
	[ -s "$dir/$f" ] || fail "$f missing or empty"
done
[ "$failures" -eq 0 ] || finish

# The expected bytes: the raw image, then zeros to a whole page.
page=4096
grep -q '"page_size": 4096,' "$dir/vdso.json" || fail "JSON: page_size is not 4096"
size=$(wc -c <"$dir/vdso.bin")
[ "$size" -eq "$(wc -c <"$FIXTURES/aarch64/good.so")" ] || fail "vdso.bin is not the size of good.so"
padded=$(( (size + page - 1) / page * page ))
{ cat "$dir/vdso.bin"; head -c $((padded - size)) /dev/zero; } >"$tmp/padded.bin"

# Symbol offsets as the image's own dynamic symbol table has them (the
# image is linked at 0, so a value is an offset).
symval() { # symval NAME -> 0x<hex value>
	v=$(readelf -W --dyn-syms "$dir/vdso.bin" | awk -v s="$1" '$8 ~ "^" s "@" { print $2; exit }')
	[ -n "$v" ] || fail "readelf: no $1 in vdso.bin"
	printf '0x%x' "0x${v:-0}"
}
expected=$tmp/expected.txt
: >"$expected"
for sym in clock_gettime gettimeofday clock_getres rt_sigreturn; do
	off=$(symval "__kernel_$sym")
	printf '%s %s 0x%x\n' "$sym" "$off" $((off + base)) >>"$expected"
done
tramp=$(symval __kernel_rt_sigreturn)
printf 'sigtramp %s 0x%x\n' "$tramp" $((tramp + base)) >>"$expected"
printf 'image %d %d 0x%x\n' "$size" "$padded" $((base)) >>"$expected"

# --- C: freestanding, both compilers, C99 and C11, every warning an error ---

cat >"$tmp/use_header.c" <<'EOF'
#include "vdso.h"
const unsigned char *first_page(void);
const unsigned char *first_page(void) { return vdso_image; }
EOF
cat >"$tmp/use_image_h.c" <<'EOF'
#include "vdso_image.h"
unsigned image_h_byte(unsigned i);
unsigned image_h_byte(unsigned i) { return vdso_image[i % VDSO_IMAGE_PADDED_SIZE]; }
EOF
cat >"$tmp/unused_image_h.c" <<'EOF'
#include "vdso_image.h"
int nothing_else;
EOF
cat >"$tmp/use_auxv.c" <<'EOF'
#include "vdso_auxv.h"
#include "vdso.h"
ptrdiff_t patch64(uint64_t *auxv, size_t capacity);
ptrdiff_t patch32(uint32_t *auxv, size_t capacity);
ptrdiff_t patch64(uint64_t *auxv, size_t capacity)
{
	return vdso_auxv64_set_sysinfo_ehdr(auxv, capacity, VDSO_BASE);
}
ptrdiff_t patch32(uint32_t *auxv, size_t capacity)
{
	ptrdiff_t i = vdso_auxv32_find(auxv, capacity, VDSO_AT_SYSINFO_EHDR);
	return i >= 0 ? i : vdso_auxv32_set_sysinfo_ehdr(auxv, capacity, 0x10000u);
}
EOF
for cc in gcc clang; do
	if [ $cc = gcc ]; then inc=$(gcc -print-file-name=include); else inc=$(clang -print-resource-dir)/include; fi
	[ -f "$inc/stdint.h" ] || fail "$cc: no freestanding headers in $inc"
	for std in c99 c11; do
		flags="-std=$std -ffreestanding -nostdinc -isystem $inc -Wall -Wextra -Werror -pedantic -I$dir"
		for src in "$dir/vdso.c" "$tmp/use_header.c" "$tmp/use_image_h.c" "$tmp/unused_image_h.c" \
			"$tmp/use_auxv.c"; do
			obj=$tmp/$(basename "$src" .c)-$cc-$std.o
			# shellcheck disable=SC2086
			$cc $flags -c "$src" -o "$obj" 2>"$tmp/cc.err" ||
				fail "$cc -std=$std: $(basename "$src") does not compile: $(head -c 600 "$tmp/cc.err")"
		done
		# Each header on its own, as the first thing a file includes.
		for h in vdso.h vdso_image.h vdso_auxv.h; do
			printf '#include "%s"\nint after_the_header;\n' "$h" >"$tmp/only.c"
			# shellcheck disable=SC2086
			$cc $flags -c "$tmp/only.c" -o "$tmp/only.o" 2>"$tmp/cc.err" ||
				fail "$cc -std=$std: $h alone does not compile: $(head -c 600 "$tmp/cc.err")"
		done
	done
done

# The bytes: a host program linked with the freestanding vdso.c (gcc, C99)
# and a copy of vdso_image.h writes both arrays out.
cat >"$tmp/dump.c" <<'EOF'
#include <stdint.h>
#include <stdio.h>
#include "vdso.h"
unsigned image_h_byte(unsigned i);
static int dump(const char *path, int header_only)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return 1;
	for (unsigned i = 0; i < sizeof vdso_image; i++)
		fputc(header_only ? image_h_byte(i) : vdso_image[i], f);
	return fclose(f) != 0;
}
int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if ((uintptr_t)vdso_image % VDSO_PAGE_SIZE != 0) {
		fprintf(stderr, "vdso_image is not page-aligned\n");
		return 1;
	}
	if (sizeof vdso_image != VDSO_IMAGE_PADDED_SIZE ||
	    VDSO_IMAGE_PADDED_SIZE != VDSO_IMAGE_PAGES * VDSO_PAGE_SIZE) {
		fprintf(stderr, "array size %zu, padded size %d\n", sizeof vdso_image,
			VDSO_IMAGE_PADDED_SIZE);
		return 1;
	}
	printf("clock_gettime 0x%x 0x%llx\n", VDSO_SYM_clock_gettime_OFFSET,
	       (unsigned long long)VDSO_SYM_clock_gettime_ADDRESS);
	printf("gettimeofday 0x%x 0x%llx\n", VDSO_SYM_gettimeofday_OFFSET,
	       (unsigned long long)VDSO_SYM_gettimeofday_ADDRESS);
	printf("clock_getres 0x%x 0x%llx\n", VDSO_SYM_clock_getres_OFFSET,
	       (unsigned long long)VDSO_SYM_clock_getres_ADDRESS);
	printf("rt_sigreturn 0x%x 0x%llx\n", VDSO_SYM_rt_sigreturn_OFFSET,
	       (unsigned long long)VDSO_SYM_rt_sigreturn_ADDRESS);
	printf("sigtramp 0x%x 0x%llx\n", VDSO_SIGTRAMP_OFFSET,
	       (unsigned long long)VDSO_SIGTRAMP_ADDRESS);
	printf("image %d %d 0x%llx\n", VDSO_IMAGE_SIZE, VDSO_IMAGE_PADDED_SIZE,
	       (unsigned long long)VDSO_BASE);
	return dump(argv[1], 0) || dump(argv[2], 1);
}
EOF
if gcc -I"$dir" "$tmp/dump.c" "$tmp/vdso-gcc-c99.o" "$tmp/use_image_h-gcc-c99.o" -o "$tmp/dump" 2>"$tmp/cc.err"; then
	if "$tmp/dump" "$tmp/c_array.bin" "$tmp/image_h_array.bin" >"$tmp/c_constants.txt"; then
		cmp "$tmp/c_array.bin" "$tmp/padded.bin" || fail "vdso.c: the array is not the raw image plus zero padding"
		cmp "$tmp/image_h_array.bin" "$tmp/padded.bin" || fail "vdso_image.h: the array is not the raw image plus zero padding"
		cmp "$tmp/c_constants.txt" "$expected" ||
			fail "C constants differ from the image: $(diff "$tmp/c_constants.txt" "$expected")"
	else
		fail "the C dump program failed"
	fi
else
	fail "the C dump program does not link: $(head -c 600 "$tmp/cc.err")"
fi
# clang's object holds the same array.
gcc "$tmp/dump.c" -I"$dir" "$tmp/vdso-clang-c11.o" "$tmp/use_image_h-clang-c11.o" -o "$tmp/dump-clang" 2>"$tmp/cc.err" &&
	"$tmp/dump-clang" "$tmp/c_array_clang.bin" "$tmp/image_h_array_clang.bin" >/dev/null &&
	cmp "$tmp/c_array_clang.bin" "$tmp/padded.bin" && cmp "$tmp/image_h_array_clang.bin" "$tmp/padded.bin" ||
	fail "clang -std=c11 objects: the dump program failed or its arrays are not the raw image plus zero padding"

# --- asm: the .incbin stub, assembled for aarch64 and for the host ---

asm_check() { # asm_check WHAT OBJCOPY OBJECT
	what=$1 objcopy=$2 obj=$3
	"$objcopy" -O binary -j .rodata "$obj" "$tmp/rodata.bin" || { fail "$what: objcopy failed"; return; }
	cmp "$tmp/rodata.bin" "$tmp/padded.bin" || fail "$what: .rodata is not the raw image plus zero padding"
	readelf -W -S "$obj" | awk '{ for (i = 1; i < NF; i++) if ($i == ".rodata") print $NF }' >"$tmp/align"
	[ "$(cat "$tmp/align")" = "$page" ] || fail "$what: .rodata alignment $(cat "$tmp/align"), expected $page"
	readelf -W -S "$obj" | grep -q '\.note\.GNU-stack' || fail "$what: no .note.GNU-stack section"
	# Num: Value Size Type Bind Vis Ndx Name
	readelf -W -s "$obj" | awk '$8 == "vdso_image" || $8 == "vdso_image_end" { print $8, $2, $3, $4, $5 }' |
		sort >"$tmp/syms"
	start=$(awk '$1 == "vdso_image" { print $2 }' "$tmp/syms")
	end=$(awk '$1 == "vdso_image_end" { print $2 }' "$tmp/syms")
	[ -n "$start" ] && [ -n "$end" ] || { fail "$what: no vdso_image and vdso_image_end: $(readelf -W -s "$obj")"; return; }
	[ $((0x$end - 0x$start)) -eq "$padded" ] || fail "$what: vdso_image_end - vdso_image is not $padded"
	awk -v p="$padded" '$1 == "vdso_image" { print ($3 == p && $4 == "OBJECT" && $5 == "GLOBAL") ? "ok" : $0 }
		$1 == "vdso_image_end" { print ($5 == "GLOBAL") ? "ok" : $0 }' "$tmp/syms" | grep -v '^ok$' >"$tmp/bad" &&
		fail "$what: symbol size, type or binding: $(cat "$tmp/bad")"
	return 0
}
assemble() { # assemble WHAT OBJCOPY COMMAND...: COMMAND writes asm.o in $tmp
	what=$1 objcopy=$2
	shift 2
	rm -f "$tmp/asm.o"
	if (cd "$tmp" && "$@") 2>"$tmp/as.err"; then
		asm_check "$what" "$objcopy" "$tmp/asm.o"
	else
		fail "$what: vdso.S does not assemble: $(head -c 600 "$tmp/as.err")"
	fi
}
# Run from elsewhere: the stub must find vdso.bin through -I.
assemble aarch64-linux-gnu-as aarch64-linux-gnu-objcopy aarch64-linux-gnu-as -I "$dir" -o asm.o "$dir/vdso.S"
assemble "gcc -c" objcopy gcc -c -I "$dir" -o asm.o "$dir/vdso.S"
assemble "clang -c" objcopy clang -c -I "$dir" -o asm.o "$dir/vdso.S"

# --- Rust: a #![no_std] library with -D warnings, constants checked at
# compile time, then the bytes from a host program ---

mkdir "$tmp/rust"
cp "$dir/vdso.rs" "$dir/vdso_auxv.rs" "$tmp/rust/"
{
	echo '#![no_std]'
	echo 'pub mod vdso;'
	echo 'mod vdso_auxv;'
	echo 'mod private_copy { include!("vdso.rs"); }'
	echo 'const _: () = assert!(core::mem::align_of::<vdso::VdsoImage>() == vdso::VDSO_PAGE_SIZE);'
	echo "const _: () = assert!(core::mem::size_of::<vdso::VdsoImage>() == $padded);"
	echo "const _: () = assert!(vdso::VDSO_IMAGE_SIZE == $size);"
	echo "const _: () = assert!(vdso::VDSO_IMAGE_PADDED_SIZE == $padded);"
	echo "const _: () = assert!(vdso::VDSO_BASE == $base);"
	echo "const _: () = assert!(!vdso::VDSO_PRELINKED);"
	echo "const _: () = assert!(vdso::VDSO_HAS_SIGTRAMP);"
	while read -r sym off addr; do
		case $sym in
		image) ;;
		sigtramp)
			echo "const _: () = assert!(vdso::VDSO_SIGTRAMP_OFFSET == $off);"
			echo "const _: () = assert!(vdso::VDSO_SIGTRAMP_ADDRESS == $addr);" ;;
		*)
			echo "const _: () = assert!(vdso::VDSO_SYM_${sym}_OFFSET == $off);"
			echo "const _: () = assert!(vdso::VDSO_SYM_${sym}_ADDRESS == $addr);" ;;
		esac
	done <"$expected"
	echo 'pub fn patch(auxv: &mut [u64]) -> bool { vdso_auxv::set_sysinfo_ehdr64(auxv, vdso::VDSO_BASE).is_ok() }'
} >"$tmp/rust/lib.rs"
(cd "$tmp/rust" && rustc --edition=2021 --crate-type=lib -D warnings lib.rs -o libkernel.rlib) 2>"$tmp/rustc.err" ||
	fail "rustc: vdso.rs in a no_std library: $(head -c 1500 "$tmp/rustc.err")"
cat >"$tmp/rust/main.rs" <<'EOF'
mod vdso;
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    std::fs::write(path, vdso::VDSO_IMAGE.padded()).expect("write");
    assert_eq!(vdso::VDSO_IMAGE.bytes().len(), vdso::VDSO_IMAGE_SIZE);
    assert_eq!(&vdso::VDSO_IMAGE as *const _ as usize % vdso::VDSO_PAGE_SIZE, 0);
}
EOF
if (cd "$tmp/rust" && rustc --edition=2021 -D warnings main.rs -o dump) 2>"$tmp/rustc.err"; then
	"$tmp/rust/dump" "$tmp/rust_array.bin" || fail "the Rust dump program failed"
	cmp "$tmp/rust_array.bin" "$tmp/padded.bin" || fail "vdso.rs: the static is not the raw image plus zero padding"
else
	fail "rustc: the Rust dump program: $(head -c 1500 "$tmp/rustc.err")"
fi

# --- JSON: the schema first, a final newline ---

tr -d ' \n' <"$dir/vdso.json" | head -c 26 >"$tmp/json_head"
[ "$(cat "$tmp/json_head")" = '{"schema":"mkvdso-image/1"' ] || fail "vdso.json does not start with its schema: $(cat "$tmp/json_head")"
[ "$(tail -c 1 "$dir/vdso.json" | od -An -c | tr -d ' ')" = '\n' ] || fail "vdso.json does not end with a newline"
expect_grep '"name": "__kernel_clock_gettime"' "$dir/vdso.json" "JSON lists the symbols"

finish
