# Debian 13 (trixie)'s releases for the end-to-end scripts: glibc 2.41, musl
# 1.2.5 and Go 1.24 for lib.sh's architecture (its Debian name deb_arch),
# fetched once per clone with `apt-get download` and unpacked with
# `dpkg-deb -x` into a tree of that architecture's own, nothing installed.
# Sourced after lib.sh.
#
# apt runs with a private configuration under the build cache: its own
# sources list (the mirror of the machine's bookworm sources, suite trixie,
# Signed-By Debian's archive keyring, which bookworm's debian-archive-keyring
# ships with trixie's keys), lists, package cache and an empty dpkg status,
# so the machine's own apt sources and state are never read for packages or
# written; trixie_fetch fails if /etc/apt changed while it ran.
#
#   trixie_fetch            sets trixie_root, the unpacked tree
#   trixie_build_programs DIR
#                           probe.c against glibc 2.41 (static, static-pie
#                           where lib.sh's e2e_libcs has it, dynamic) and
#                           musl 1.2.5 (static, dynamic), probe.go with Go
#                           1.24, as DIR/probe-glibc, -glibc-pie, -glibc-dyn,
#                           -musl, -musl-dyn, -go.  The dynamic ones name the
#                           tree's own dynamic linker and libraries by their
#                           absolute paths, so they run the same natively
#                           (x86_64) and under qemu-ARCH -L $trixie_root.

trixie_cache=${MKVDSO_CACHE:-$root/build-cache}/trixie
trixie_keyring=/usr/share/keyrings/debian-archive-keyring.gpg
host_arch=$(dpkg --print-architecture)
# The dynamic programs' ld.so and libc.so.6 come with libc6, musl's
# ld-musl-ARCH.so.1 with musl; the headers of libc6-dev need the kernel's.
# The programs are linked by trixie's own binutils for the architecture (run
# with the host architecture's libc6 and libraries from the same tree):
# Debian 12's riscv64 ld 2.40 crashes (SIGSEGV) on trixie's riscv64 crt files
# and libc.a, which GCC 14 built with R_RISCV_SET_ULEB128 relocations.  The
# host's own binutils (x86_64's) keeps libbfd and libctf in libbinutils and
# libctf0, the cross ones inside the package.
host_triplet=$(gcc -print-multiarch)
trixie_packages=$(for package in libc6:$deb_arch libc6-dev:$deb_arch linux-libc-dev musl:$deb_arch \
	musl-dev:$deb_arch golang-1.24-go:$host_arch golang-1.24-src \
	binutils-$(echo "$triplet" | tr _ -):$host_arch libc6:$host_arch libjansson4:$host_arch \
	libsframe1:$host_arch libzstd1:$host_arch zlib1g:$host_arch libbinutils:$host_arch \
	libctf0:$host_arch libctf-nobfd0:$host_arch; do echo "$package"; done | sort -u)
# Every architecture the e2e scripts run, in one set of lists: a list for
# fewer architectures would make apt-get update drop the others' lists, and
# the scripts of two architectures would then fetch them in turn.
trixie_archs="amd64 arm64 riscv64 armhf"

for tool in apt-get apt-cache dpkg-deb sha256sum flock; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian: apt, dpkg, coreutils, util-linux)"
done
[ -f "$trixie_keyring" ] || fail "$trixie_keyring is missing (Debian: debian-archive-keyring)"

# trixie_apt COMMAND ARGS...: apt-get or apt-cache with the private configuration.
trixie_apt() {
	cmd=$1
	shift
	# shellcheck disable=SC2046  # one -o per architecture
	"$cmd" -q -o Dir::Etc::SourceList="$trixie_cache/apt/sources.list" -o Dir::Etc::SourceParts=- \
		-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$trixie_cache/apt/preferences.d" \
		-o Dir::State::Lists="$trixie_cache/apt/lists" -o Dir::Cache="$trixie_cache/apt/cache" \
		-o Dir::State::Status="$trixie_cache/apt/status" \
		-o APT::Architectures::="$host_arch" $(for a in $trixie_archs; do echo "-o APT::Architectures::=$a"; done) "$@"
}

# The mirror the machine's bookworm packages come from.
trixie_mirror() {
	m=$(sed -n 's/^URIs: *\([^ ]*debian\/*\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 ~ /bookworm/ { for (i = 2; i <= NF; i++)
		if ($i ~ /^(http|https|file):/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# trixie_candidates: "FILE SHA256" of each package's trixie version, from
# the cached (signed) Packages lists; fails when they do not name them all.
trixie_candidates() {
	# shellcheck disable=SC2086
	trixie_apt apt-cache show --no-all-versions $trixie_packages 2>/dev/null |
		awk '/^Filename:/ { f = $2; sub(/.*\//, "", f) } /^SHA256:/ { print f, $2 }' >"$tmp/trixie.want"
	# shellcheck disable=SC2086
	set -- $trixie_packages
	[ "$(wc -l <"$tmp/trixie.want")" -eq $# ]
}

# trixie_download: every package whose right .deb is not in the cache.
trixie_download() {
	missing=""
	while read -r file sum; do
		if [ ! -f "$trixie_cache/debs/$file" ] ||
			[ "$(sha256sum <"$trixie_cache/debs/$file" | cut -d' ' -f1)" != "$sum" ]; then
			missing="$missing $file"
		fi
	done <"$tmp/trixie.want"
	[ -n "$missing" ] || return 0
	echo "# trixie: downloading$missing"
	rm -rf "$tmp/trixie-dl"
	mkdir -p "$tmp/trixie-dl" "$trixie_cache/debs"
	# apt checks each file against the SHA256 of the signed index.
	# shellcheck disable=SC2086
	(cd "$tmp/trixie-dl" && trixie_apt apt-get download $trixie_packages >"$tmp/trixie-apt.log" 2>&1) ||
		return 1
	# apt-get download names a package with an epoch NAME_EPOCH%3aVERSION_...;
	# the archive (and trixie.want) without it.
	for file in "$tmp/trixie-dl"/*%3a*; do
		[ ! -e "$file" ] || mv "$file" "$(echo "$file" | sed 's/_[0-9]*%3a/_/')"
	done
	for file in $missing; do
		mv "$tmp/trixie-dl/$file" "$trixie_cache/debs/$file.part" &&
			mv "$trixie_cache/debs/$file.part" "$trixie_cache/debs/$file" ||
			fail "cannot keep $file in $trixie_cache/debs"
	done
}

# trixie_unpack: the .debs in $tmp/trixie.want unpacked into $trixie_root
# (one tree per architecture), redone only when the set of files changed.
trixie_unpack() {
	trixie_root=$trixie_cache/root-$deb_arch
	cut -d' ' -f1 "$tmp/trixie.want" | sort >"$tmp/trixie.debs"
	cmp -s "$tmp/trixie.debs" "$trixie_root/.debs" 2>/dev/null && return 0
	new=$trixie_cache/root.new.$$
	rm -rf "$new"
	mkdir -p "$new"
	while read -r file; do
		dpkg-deb -x "$trixie_cache/debs/$file" "$new" || fail "dpkg-deb -x $file"
	done <"$tmp/trixie.debs"
	# trixie is merged-/usr: /lib (and amd64's /lib64) are base-files' links
	# to usr/lib (musl's ld-musl-ARCH.so.1 is there) and usr/lib64 (glibc's
	# libc.so names /lib64/ld-linux-x86-64.so.2).
	for dir in lib lib64; do
		[ ! -d "$new/usr/$dir" ] || ln -s "usr/$dir" "$new/$dir"
	done
	cp "$tmp/trixie.debs" "$new/.debs"
	rm -rf "$trixie_root"
	mv "$new" "$trixie_root" || fail "cannot move $new to $trixie_root"
}

trixie_fetch() {
	etc_before=$(find /etc/apt -type f -exec sha256sum {} + 2>/dev/null | sort)
	mkdir -p "$trixie_cache/apt/lists/partial" "$trixie_cache/apt/cache/archives/partial" "$trixie_cache/apt/preferences.d" ||
		fail "cannot create $trixie_cache"
	# One fetch at a time: the e2e scripts may run side by side (ctest -j),
	# and a second unpack would replace the tree under the first one's feet.
	exec 9>"$trixie_cache/lock"
	flock 9 || fail "cannot lock $trixie_cache/lock"
	echo "deb [arch=$(echo "$trixie_archs" | tr ' ' ,) signed-by=$trixie_keyring] $(trixie_mirror) trixie main" \
		>"$trixie_cache/apt/sources.list"
	: >>"$trixie_cache/apt/status"
	# The lists are fetched when they are missing or no longer name a file
	# the mirror has (a point release replaced it).
	if ! trixie_candidates || ! trixie_download; then
		trixie_apt apt-get update >"$tmp/trixie-apt.log" 2>&1 ||
			fail "apt-get update (trixie): $(tail -n 3 "$tmp/trixie-apt.log")"
		trixie_candidates || fail "trixie's lists do not name every one of: $trixie_packages"
		trixie_download || fail "apt-get download (trixie): $(tail -n 3 "$tmp/trixie-apt.log")"
	fi
	trixie_unpack
	[ "$(find /etc/apt -type f -exec sha256sum {} + 2>/dev/null | sort)" = "$etc_before" ] ||
		fail "/etc/apt changed while the trixie packages were fetched"
	flock -u 9
	exec 9>&-
}

# trixie_version PACKAGE: its upstream version, from the .deb's name (one
# source's packages for two architectures have the same).
trixie_version() {
	sed -n "s/^$1_\([0-9.]*\)[-+~].*/\1/p" "$tmp/trixie.debs" | head -n 1
}

trixie_build_programs() {
	out=$1
	mkdir -p "$out/bin"
	echo "# build: probes against trixie's glibc, musl and Go, linked by trixie's ld"
	# collect2 runs the first "ld" on gcc's -B path: trixie's, through the
	# tree's own dynamic linker and libraries for the host.
	for host_ldso in "$trixie_root/usr/lib/$host_triplet"/ld-linux-*.so.*; do break; done
	trixie_ld=$trixie_root/usr/bin/$triplet-ld.bfd
	if [ ! -f "$host_ldso" ] || [ ! -f "$trixie_ld" ]; then
		fail "no $trixie_ld or $host_triplet ld.so in $trixie_root"
	fi
	printf '#!/bin/sh\nexec "%s" --library-path "%s" "%s" "$@"\n' "$host_ldso" \
		"$trixie_root/usr/lib/$host_triplet" "$trixie_ld" >"$out/bin/ld"
	chmod +x "$out/bin/ld"
	"$out/bin/ld" --version | grep -q -E '^GNU ld .* 2\.4[4-9]' ||
		fail "$out/bin/ld is not trixie's ld: $("$out/bin/ld" --version 2>&1 | head -n 1)"
	# Debian 12's gcc for the architecture, told to take every crt file,
	# library and header from the tree (its own crtbegin.o, libgcc and
	# <stddef.h> stay); dynamic programs name the tree's ld.so and find
	# libc.so.6 beside it, never the machine's.
	lib=$trixie_root/usr/lib/$triplet
	glibc="-B$out/bin/ --sysroot=$trixie_root -B$lib/ -L$lib -nostdinc -isystem $("${prefix}gcc" -print-file-name=include)
		-isystem $trixie_root/usr/include/$triplet -isystem $trixie_root/usr/include"
	dynamic="-Wl,--dynamic-linker=$lib/$(basename "$ldso") -Wl,-rpath=$lib"
	[ -f "$lib/$(basename "$ldso")" ] || fail "trixie's libc6:$deb_arch has no $lib/$(basename "$ldso")"
	# musl's folder is named by its own triplet (arm-linux-musleabihf), as
	# the installed musl-gcc.specs's is.
	musl_triplet=${musl_specs%/musl-gcc.specs}
	musl_dir=$trixie_root/usr/lib/${musl_triplet##*/}
	[ -n "$musl_specs" ] || musl_dir=$trixie_root/usr/lib/$arch-linux-musl
	sed -e "s|/usr/|$trixie_root/usr/|g" -e "s| /lib/ld-musl-| $trixie_root/usr/lib/ld-musl-|" \
		"$musl_dir/musl-gcc.specs" >"$out/musl-gcc.specs"
	grep -q -F "$musl_dir/crti.o" "$out/musl-gcc.specs" ||
		fail "trixie's musl-gcc.specs does not name its crt files under /usr/lib/${musl_dir##*/}"
	grep -q -F -- "-dynamic-linker $trixie_root/usr/lib/ld-musl-" "$out/musl-gcc.specs" ||
		fail "trixie's musl-gcc.specs does not name its dynamic linker as /lib/ld-musl-..."
	cflags="-O2 -Wall -Wextra -Werror"
	# shellcheck disable=SC2086
	{ "${prefix}gcc" -static $glibc $cflags "$here/probe.c" -o "$out/probe-glibc" &&
		{ ! e2e_has glibc-pie || "${prefix}gcc" -static-pie -fPIE $glibc $cflags "$here/probe.c" \
			-o "$out/probe-glibc-pie"; } &&
		"${prefix}gcc" $glibc $dynamic $cflags "$here/probe.c" -o "$out/probe-glibc-dyn"; } ||
		fail "compiling probe.c against trixie's glibc"
	# shellcheck disable=SC2086
	{ "${prefix}gcc" -B"$out/bin/" -specs "$out/musl-gcc.specs" -static $cflags "$here/probe.c" \
		-o "$out/probe-musl" &&
		"${prefix}gcc" -B"$out/bin/" -specs "$out/musl-gcc.specs" $cflags "$here/probe.c" \
			-o "$out/probe-musl-dyn"; } ||
		fail "compiling probe.c against trixie's musl"
	trixie_go=$trixie_root/usr/lib/go-1.24/bin/go
	e2e_go_build "$out/probe-go" "$trixie_go"
}
