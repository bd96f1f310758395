#!/bin/sh
# The installed package as a kernel's build uses it.  `cmake --install`
# into a temporary prefix, then:
#  - pkg-config --variable=... on mkvdso.pc names the installed program,
#    data and header folders;
#  - the README's Makefile example, extracted from README.md so the two
#    cannot drift, builds the README's kernel-side C example and the .incbin
#    stub with the aarch64 cross compiler;
#  - a consumer CMake project (find_package(mkvdso), mkvdso_add_image)
#    cross-builds an aarch64 kernel from the same C example, under the Unix
#    Makefiles and the Ninja generators, plus a prebuilt image's interface
#    library.
# Both builds must: write exactly the declared outputs, the same bytes as
# the mkvdso under test; do nothing at all the second time; and run mkvdso
# again after an installed vDSO source, vdso_data.h or the linker script
# is touched (or the prebuilt file, or BASE).  "Nothing ran" is read from
# the outputs' times (find -newer a marker) and the build tools' own
# reports (make -q, "ninja: no work to do.").
#
# The kernel is cross-built for aarch64, as a real one is, with
# -ffreestanding -nostdlib: this checks what the host compiler would not,
# that the package drives the cross compiler and a host-run mkvdso in one
# build.  The installed program is the plain binary of the build under
# test (in the valgrind build, the reference outputs come from "$MKVDSO",
# the memcheck wrapper).
. "$(dirname "$0")/lib.sh"
for var in BUILD_DIR SOURCE_DIR; do
	eval "value=\${$var:-}"
	[ -n "$value" ] || { echo "FAIL: $var is not set (run through ctest)" >&2; exit 1; }
done
for tool in cmake make ninja pkg-config aarch64-linux-gnu-gcc aarch64-linux-gnu-nm; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "FAIL: $tool not found (Debian: cmake, make, ninja-build, pkg-config, gcc-aarch64-linux-gnu)" >&2
		exit 1
	}
done

prefix=$tmp/prefix
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
	{ fail "cmake --install: $(tail -5 "$tmp/install.log")"; finish; }
data=$prefix/share/mkvdso
# The files a rebuild must follow (the depfile lists them), touched in turn.
inputs="$data/vdso/aarch64/vdso.lds $data/vdso/aarch64/vgettimeofday.c $data/vdso/lib/gettimeofday.h $data/vdso/include/vdso_data.h"
for f in $inputs; do [ -f "$f" ] || fail "not installed: $f"; done

# The reference outputs, from the program under test.
base=0x400000000
expect_status 0 "reference build" "$MKVDSO" build --base=$base --format=c,raw,asm --probe -o "$tmp/ref"
cp "$FIXTURES/aarch64/good.so" "$tmp/good.so" # touched below
expect_status 0 "reference prebuilt build" "$MKVDSO" build --base=$base --prebuilt="$tmp/good.so" \
	--format=asm,json -n linux_vdso -o "$tmp/ref-pre"

# same_as_reference DIR REFDIR FILE...: each FILE is byte for byte the reference's.
same_as_reference() {
	dir=$1 ref=$2
	shift 2
	for f in "$@"; do
		cmp -s "$dir/$f" "$ref/$f" || fail "$dir/$f differs from the reference build's"
	done
}

# only_outputs DIR FILE...: DIR holds exactly FILE... and the depfile.
only_outputs() {
	dir=$1
	shift
	printf '%s\n' "$@" | LC_ALL=C sort >"$tmp/declared"
	ls "$dir" | grep -v '\.d$' | LC_ALL=C sort >"$tmp/written"
	diff "$tmp/declared" "$tmp/written" >"$tmp/diff" ||
		fail "$dir: written files are not the declared ones: $(cat "$tmp/diff")"
}

# newer_than MARKER PATH...: the files under PATH changed after MARKER.
newer_than() {
	marker=$1
	shift
	find "$@" -type f -newer "$marker"
}

# --- pkg-config ---
export PKG_CONFIG_PATH="$prefix/share/pkgconfig"
pc() { pkg-config "$@" mkvdso; }
[ "$(realpath "$(pc --variable=mkvdso)")" = "$(realpath "$prefix/bin/mkvdso")" ] ||
	fail "pkg-config mkvdso: '$(pc --variable=mkvdso)' is not $prefix/bin/mkvdso"
[ "$(realpath "$(pc --variable=bindir)")" = "$(realpath "$prefix/bin")" ] ||
	fail "pkg-config bindir: '$(pc --variable=bindir)'"
[ -f "$(pc --variable=pkgdatadir)/vdso/aarch64/vdso.lds" ] || fail "pkg-config pkgdatadir has no vdso/aarch64/vdso.lds: $(pc --variable=pkgdatadir)"
[ -f "$(pc --variable=includedir)/vdso_auxv.h" ] || fail "pkg-config includedir has no vdso_auxv.h: $(pc --variable=includedir)"
[ "$(pc --cflags | sed "s/ *$//")" = "-I$(pc --variable=includedir)" ] || fail "pkg-config --cflags: '$(pc --cflags)'"
version=$("$prefix/bin/mkvdso" --version | awk 'NR == 1 { print $NF }')
[ "$(pc --modversion)" = "$version" ] || fail "pkg-config --modversion '$(pc --modversion)', mkvdso --version '$version'"

# The kernel-side translation unit: the README's example, with the E2BIG a
# kernel's own errno header has.
{
	echo '#define E2BIG 7'
	awk '/^```c$/ { block = 1; text = ""; next }
		block && /^```$/ { block = 0; if (text ~ /#include "vdso.h"/) printf "%s", text; next }
		block { text = text $0 "\n" }' "$SOURCE_DIR/README.md"
} >"$tmp/kernel.c"
grep -q 'vdso_auxv64_set_sysinfo_ehdr' "$tmp/kernel.c" || fail "README.md has no kernel-side C example"
cflags="-std=c99 -ffreestanding -Wall -Wextra -Werror -pedantic"

# --- the README's Makefile ---
mk=$tmp/make
mkdir "$mk"
cp "$tmp/kernel.c" "$mk/kernel.c"
awk '/^```make$/ { block = 1; next } block && /^```$/ { exit } block' "$SOURCE_DIR/README.md" >"$mk/Makefile"
grep -q 'pkg-config' "$mk/Makefile" || fail "README.md's Makefile example does not use pkg-config"
run_make() { make -C "$mk" CC=aarch64-linux-gnu-gcc CFLAGS="$cflags" "$@" >"$tmp/make.log" 2>&1; }
run_make || fail "make (first build): $(tail -15 "$tmp/make.log")"
grep -q "/mkvdso build " "$tmp/make.log" || fail "make (first build) did not run mkvdso: $(cat "$tmp/make.log")"
same_as_reference "$mk/vdso" "$tmp/ref" vdso.h vdso.S vdso.bin vdso_data.h vdso_auxv.h
for f in kernel.o vdso/vdso.o; do [ -s "$mk/$f" ] || fail "make built no $f"; done
touch "$tmp/marker"
run_make -q || fail "make -q after a build: not up to date"
run_make || fail "make (second build): $(tail -15 "$tmp/make.log")"
grep -q "Nothing to be done for 'all'" "$tmp/make.log" || fail "make (nothing changed) did something: $(cat "$tmp/make.log")"
[ -z "$(newer_than "$tmp/marker" "$mk")" ] || fail "make (nothing changed) rewrote $(newer_than "$tmp/marker" "$mk")"
for input in $inputs; do
	touch "$input" "$tmp/marker"
	run_make -q && fail "make -q: up to date after touching $input"
	run_make || fail "make after touching $input: $(tail -15 "$tmp/make.log")"
	grep -q "/mkvdso build " "$tmp/make.log" || fail "make did not run mkvdso after touching $input"
	[ "$mk/vdso/vdso.bin" -nt "$tmp/marker" ] || fail "make: vdso.bin not rewritten after touching $input"
	run_make -q || fail "make -q: not up to date after the rebuild for $input"
done

# --- the CMake package ---
project=$tmp/consumer
mkdir "$project"
cp "$tmp/kernel.c" "$project/kernel.c"
printf '#include "vdso_auxv.h"\nint loader_auxv_type(void);\nint loader_auxv_type(void) { return VDSO_AT_SYSINFO_EHDR; }\n' \
	>"$project/loader.c"
cat >"$project/aarch64.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "$cflags")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -static -Wl,-e,vdso_boot")
EOF
cat >"$project/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(mkvdso 0.1 REQUIRED)
set(VDSO_BASE 0x400000000 CACHE STRING "where the kernel maps the vDSO")
# The built-in vDSO: an object library of vdso.c.
mkvdso_add_image(vdso_image BASE ${VDSO_BASE} FORMATS c raw PROBE)
add_executable(kernel kernel.c)
target_link_libraries(kernel PRIVATE vdso_image)
# A prebuilt one without C: an interface library.
mkvdso_add_image(prebuilt_image BASE 0x400000000 PREBUILT ${PREBUILT} NAME linux_vdso
                 FORMATS asm json OUTPUT_DIR prebuilt)
add_library(loader STATIC loader.c)
target_link_libraries(loader PRIVATE prebuilt_image)
foreach(image vdso_image prebuilt_image)
  file(GENERATE OUTPUT ${image}.outputs
       CONTENT "$<JOIN:$<TARGET_PROPERTY:${image},MKVDSO_OUTPUTS>,\n>\n")
endforeach()
EOF

for generator in "Unix Makefiles" Ninja; do
	b=$tmp/build-$(echo "$generator" | tr -dc 'A-Za-z')
	out=$b/vdso_image pre=$b/prebuilt
	cmake -G "$generator" -S "$project" -B "$b" -DCMAKE_TOOLCHAIN_FILE="$project/aarch64.cmake" \
		-DCMAKE_PREFIX_PATH="$prefix" -DPREBUILT="$tmp/good.so" >"$tmp/cmake.log" 2>&1 ||
		{ fail "$generator: configure: $(tail -15 "$tmp/cmake.log")"; continue; }
	# Two jobs: the generation must be ordered before the compiles that include its headers.
	build() { cmake --build "$b" -j2 >"$tmp/cmake.log" 2>&1; }
	build || { fail "$generator: first build: $(tail -15 "$tmp/cmake.log")"; continue; }
	grep -q "mkvdso: building the vDSO image vdso_image" "$tmp/cmake.log" ||
		fail "$generator: the first build did not run mkvdso"
	# Declared exactly: the property lists what was written, and it is
	# what the README's table says for c,raw and for asm,json of a prebuilt image.
	sed 's,.*/,,' "$b/vdso_image.outputs" | LC_ALL=C sort | tr '\n' ' ' >"$tmp/names"
	[ "$(cat "$tmp/names")" = "vdso-probe vdso.bin vdso.c vdso.h vdso_auxv.h vdso_auxv.rs vdso_data.h vdso_data.rs vdso_image.h " ] ||
		fail "$generator: vdso_image declares $(cat "$tmp/names")"
	only_outputs "$out" $(sed 's,.*/,,' "$b/vdso_image.outputs")
	sed 's,.*/,,' "$b/prebuilt_image.outputs" | LC_ALL=C sort | tr '\n' ' ' >"$tmp/names"
	[ "$(cat "$tmp/names")" = "linux_vdso.S linux_vdso.bin linux_vdso.json vdso_auxv.h vdso_auxv.rs " ] ||
		fail "$generator: prebuilt_image declares $(cat "$tmp/names")"
	only_outputs "$pre" $(sed 's,.*/,,' "$b/prebuilt_image.outputs")
	same_as_reference "$out" "$tmp/ref" vdso.h vdso.c vdso_image.h vdso.bin vdso_data.h vdso_auxv.h vdso-probe
	same_as_reference "$pre" "$tmp/ref-pre" linux_vdso.S linux_vdso.bin linux_vdso.json vdso_auxv.h
	# The kernel links the object library's one vdso_image[], a whole page.
	aarch64-linux-gnu-nm -S "$b/kernel" | awk '$4 == "vdso_image" { print $2 }' >"$tmp/size"
	[ "$(cat "$tmp/size")" = "0000000000001000" ] || fail "$generator: kernel's vdso_image has size '$(cat "$tmp/size")'"

	# Nothing changed: nothing runs.
	touch "$tmp/marker"
	build || fail "$generator: second build: $(tail -15 "$tmp/cmake.log")"
	grep -q "mkvdso: building" "$tmp/cmake.log" && fail "$generator: nothing changed and mkvdso ran: $(cat "$tmp/cmake.log")"
	if [ "$generator" = Ninja ]; then
		grep -q "ninja: no work to do." "$tmp/cmake.log" || fail "Ninja: nothing changed and it did work: $(cat "$tmp/cmake.log")"
	fi
	[ -z "$(newer_than "$tmp/marker" "$out" "$pre" "$b/kernel" "$b/libloader.a")" ] ||
		fail "$generator: nothing changed and it rewrote $(newer_than "$tmp/marker" "$out" "$pre" "$b/kernel" "$b/libloader.a")"

	# A touched input: that image, and only that one, is made again.
	for input in $inputs "$tmp/good.so"; do
		touch "$input" "$tmp/marker"
		build || { fail "$generator: build after touching $input: $(tail -15 "$tmp/cmake.log")"; continue; }
		case $input in
		"$tmp/good.so") again=prebuilt_image same=vdso_image ;;
		*) again=vdso_image same=prebuilt_image ;;
		esac
		grep -q "mkvdso: building the vDSO image $again " "$tmp/cmake.log" ||
			fail "$generator: touching $input did not run mkvdso for $again: $(cat "$tmp/cmake.log")"
		grep -q "mkvdso: building the vDSO image $same " "$tmp/cmake.log" &&
			fail "$generator: touching $input ran mkvdso for $same too"
		build || fail "$generator: build after the rebuild for $input"
		grep -q "mkvdso: building" "$tmp/cmake.log" && fail "$generator: mkvdso ran twice for $input"
	done
	[ "$out/vdso.bin" -nt "$tmp/marker" ] && fail "$generator: the built-in image was rewritten for the prebuilt file"

	# Another BASE: the rule's command changed, so it runs again.
	cmake -S "$project" -B "$b" -DVDSO_BASE=0x500000000 >"$tmp/cmake.log" 2>&1 || fail "$generator: reconfigure"
	build || fail "$generator: build at another BASE: $(tail -15 "$tmp/cmake.log")"
	grep -q '^#define VDSO_BASE  *0x500000000$' "$out/vdso.h" || fail "$generator: a new BASE did not regenerate vdso.h"
done

# Wrong calls fail at configure time, naming the function and what it expected.
bad=$tmp/bad
mkdir "$bad"
for call in "mkvdso_add_image(x FORMATS c)|BASE is required" \
	"mkvdso_add_image(x BASE 0x400000000 FORMATS c elf)|unknown format 'elf'" \
	"mkvdso_add_image(x BASE 0x400000000 BASES 1)|unknown arguments 'BASES;1'"; do
	printf 'cmake_minimum_required(VERSION 3.20)\nproject(bad NONE)\nfind_package(mkvdso REQUIRED)\n%s\n' \
		"${call%%|*}" >"$bad/CMakeLists.txt"
	rm -rf "$bad/b"
	cmake -S "$bad" -B "$bad/b" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/cmake.log" 2>&1 &&
		fail "${call%%|*} configured"
	grep -q "mkvdso_add_image(x): ${call#*|}" "$tmp/cmake.log" ||
		fail "${call%%|*}: no '${call#*|}' in $(cat "$tmp/cmake.log")"
done
finish
