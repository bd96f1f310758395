#!/bin/sh
# The built-in vDSO needs no C library: compiled with the target's libc
# headers out of reach (an empty --sysroot), every header the compiler opens
# (gcc -H) is one of vdso/'s or one of the compiler's own, and the image is
# byte-identical to a normal build.  So `mkvdso build` needs only the cross
# compiler and binutils, which is all scripts/setup.sh installs.
. "$(dirname "$0")/lib.sh"
[ -n "${SOURCE_DIR:-}" ] || { echo "FAIL: SOURCE_DIR is not set" >&2; exit 1; }

# headers_outside LOG COMPILER_INCLUDE: the headers gcc -H logged that are
# neither under vdso/ nor in the compiler's own folder.
headers_outside() {
	sed -n 's/^\.\{1,\} //p' "$1" | while IFS= read -r header; do
		path=$(realpath "$header")
		case $path in
		"$(realpath "$SOURCE_DIR/vdso")"/* | "$(realpath "$2")"/*) ;;
		*) echo "$path" ;;
		esac
	done
}

for arch in aarch64 x86_64 riscv64 arm; do
	base=0x400000000
	case $arch in
	aarch64) prefix=aarch64-linux-gnu- ;;
	riscv64) prefix=riscv64-linux-gnu- ;;
	arm) prefix=arm-linux-gnueabihf- base=0xbfffe000 ;; # below arm's 3 GiB
	x86_64) prefix= ;; # the host's gcc
	esac
	real_gcc=${prefix}gcc
	command -v "$real_gcc" >/dev/null || { fail "$arch: $real_gcc not found"; continue; }
	compiler_include=$("$real_gcc" -print-file-name=include)
	[ -d "$compiler_include" ] || { fail "$arch: $real_gcc has no include folder: $compiler_include"; continue; }

	# A compiler whose sysroot is empty and that logs every header it opens.
	wrap=$tmp/$arch/wrap
	mkdir -p "$wrap" "$tmp/$arch/empty-sysroot"
	log=$tmp/$arch/headers.log
	cat >"$wrap/${prefix}gcc" <<EOF
#!/bin/sh
exec $real_gcc --sysroot="$tmp/$arch/empty-sysroot" -H "\$@" 2>>"$log"
EOF
	chmod +x "$wrap/${prefix}gcc"
	ln -s "$(command -v "${prefix}objcopy")" "$wrap/${prefix}objcopy"

	expect_status 0 "$arch: normal build" "$MKVDSO" build --arch=$arch --base=$base \
		--format=raw -o "$tmp/$arch/normal"
	: >"$log"
	expect_status 0 "$arch: build with no libc headers reachable" "$MKVDSO" build --arch=$arch \
		--base=$base --cross-compile="$wrap/$prefix" --format=raw -o "$tmp/$arch/bare"
	grep -q 'vdso_data\.h$' "$log" || fail "$arch: gcc -H logged no vdso_data.h: $(head -c 300 "$log")"
	headers_outside "$log" "$compiler_include" >"$tmp/$arch/outside"
	[ -s "$tmp/$arch/outside" ] && fail "$arch: the vDSO includes headers from outside vdso/ and $compiler_include: $(cat "$tmp/$arch/outside")"
	cmp -s "$tmp/$arch/normal/vdso.bin" "$tmp/$arch/bare/vdso.bin" ||
		fail "$arch: the image built without libc headers differs from the normal build"

	# The check above can fail: a hosted compile of <stdint.h> does reach
	# the C library's headers, and headers_outside names them.
	printf '#include <stdint.h>\nuint32_t x;\n' >"$tmp/$arch/hosted.c"
	"$real_gcc" -H -c "$tmp/$arch/hosted.c" -o "$tmp/$arch/hosted.o" 2>"$tmp/$arch/hosted.log" ||
		fail "$arch: the hosted control does not compile: $(head -c 300 "$tmp/$arch/hosted.log")"
	headers_outside "$tmp/$arch/hosted.log" "$compiler_include" >"$tmp/$arch/hosted-outside"
	[ -s "$tmp/$arch/hosted-outside" ] || fail "$arch: control: a hosted <stdint.h> reached no libc header"
done
finish
