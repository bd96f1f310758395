#!/bin/sh
# Linux's own vDSOs, the reference every libc is tested against: taken out of
# Debian's current kernels for amd64 (x86_64 and the i386 compat vDSO) and
# arm64 (aarch64 and the arm compat vDSO), each must inspect with no error
# and no warning, every consumer must use every function it looks up (but
# where it never looks, musl 1.2.3 on arm, or calls another function: musl
# 1.2.4+ on arm takes clock_gettime64 over clock_gettime), and the symbols and versions
# must be eu-readelf's.
#
# The kernels come with `apt-get download` (no root needed, nothing is
# installed); the vDSO is the ELF shared object named linux-vdso.so.1 or
# linux-gate.so.1 inside the decompressed kernel, cut at the end of its
# section header table, as the kernel embeds the whole file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../include/deb_cache.sh"
for tool in apt-get apt-cache dpkg-deb tar od lz4 "${EU_READELF:-eu-readelf}"; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian: apt, dpkg, coreutils, lz4, elfutils)"
done
[ -n "${SOURCE_DIR:-}" ] || fail "SOURCE_DIR is not set"
[ "$failures" -eq 0 ] || finish

# The packages are kept in the source tree's ignored build-cache/ (the three
# builds of scripts/test.sh share one download), or in $MKVDSO_CACHE.
cache=${MKVDSO_CACHE:-$SOURCE_DIR/build-cache}/kernels

# download META: the kernel package a Debian metapackage stands for, as
# $tmp/kernel.deb.
download() {
	pkg=$(apt-cache depends "$1" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] || { fail "$1: apt-cache names no kernel package (apt-get update?)"; return 1; }
	deb=$(deb_cache "$pkg" "$cache" 2>"$tmp/apt.err") || { fail "$1: $(cat "$tmp/apt.err")"; return 1; }
	cp "$deb" "$tmp/kernel.deb"
	echo "# $pkg"
}

# kernel_image: the uncompressed kernel from $tmp/kernel.deb, as $tmp/kernel.
kernel_image() {
	rm -rf "$tmp/deb"
	mkdir "$tmp/deb"
	dpkg-deb --fsys-tarfile "$tmp/kernel.deb" | tar -x -C "$tmp/deb" --wildcards './boot/vmlinuz-*' ||
		{ fail "no /boot/vmlinuz-* in $tmp/kernel.deb"; return 1; }
	vmlinuz=$(ls "$tmp"/deb/boot/vmlinuz-*)
	if [ "$(od -An -c -j 514 -N 4 "$vmlinuz" | tr -d ' ')" = HdrS ]; then
		# An x86 bzImage: the payload is at (setup_sects + 1) * 512 +
		# payload_offset, payload_length long (boot protocol 2.08).
		setup=$(od -An -tu1 -j 497 -N 1 "$vmlinuz" | tr -d ' ')
		offset=$(od -An -tu4 -j 584 -N 4 "$vmlinuz" | tr -d ' ')
		length=$(od -An -tu4 -j 588 -N 4 "$vmlinuz" | tr -d ' ')
		tail -c +$(((setup + 1) * 512 + offset + 1)) "$vmlinuz" | head -c "$length" >"$tmp/payload"
		# The kernel appends the uncompressed size, which the tools call
		# trailing garbage: their status says nothing, the vmlinux does.
		case $(od -An -tx1 -N 4 "$tmp/payload" | tr -d ' ') in
		02214c18) lz4 -dc "$tmp/payload" >"$tmp/kernel" 2>/dev/null ;;
		fd377a58) xz -dc "$tmp/payload" >"$tmp/kernel" 2>/dev/null ;;
		1f8b08*) gzip -dc "$tmp/payload" >"$tmp/kernel" 2>/dev/null ;;
		28b52ffd) zstd -dc "$tmp/payload" >"$tmp/kernel" 2>/dev/null ;;
		*) fail "unknown bzImage payload compression: $(od -An -tx1 -N 4 "$tmp/payload")"; return 1 ;;
		esac
		[ "$(od -An -c -N 4 "$tmp/kernel" | tr -d ' ')" = 177ELF ] ||
			{ fail "the bzImage payload did not decompress to a vmlinux"; return 1; }
	elif [ "$(od -An -tx1 -N 2 "$vmlinuz" | tr -d ' ')" = 1f8b ]; then
		gzip -dc "$vmlinuz" >"$tmp/kernel"
	else
		cp "$vmlinuz" "$tmp/kernel"	# arm64's plain Image
	fi
}

# le OFFSET SIZE FILE: the little-endian unsigned number there.
le() {
	od -An -tu"$2" -j "$1" -N "$2" "$3" | tr -d ' '
}

# extract_vdsos: every vDSO in $tmp/kernel as $tmp/vdso-N.so; prints their paths.
extract_vdsos() {
	n=0
	grep -abo "$(printf '\177ELF')" "$tmp/kernel" | cut -d: -f1 | while read -r at; do
		# ET_DYN, little-endian, class 1 or 2
		[ "$(le $((at + 5)) 1 "$tmp/kernel")" = 1 ] || continue
		[ "$(le $((at + 16)) 2 "$tmp/kernel")" = 3 ] || continue
		case $(le $((at + 4)) 1 "$tmp/kernel") in
		2) shoff=$(le $((at + 40)) 8 "$tmp/kernel") shentsize=$(le $((at + 58)) 2 "$tmp/kernel")
		   shnum=$(le $((at + 60)) 2 "$tmp/kernel") ;;
		1) shoff=$(le $((at + 32)) 4 "$tmp/kernel") shentsize=$(le $((at + 46)) 2 "$tmp/kernel")
		   shnum=$(le $((at + 48)) 2 "$tmp/kernel") ;;
		*) continue ;;
		esac
		size=$((shoff + shentsize * shnum))
		[ "$size" -gt 0 ] && [ "$size" -lt 1048576 ] || continue
		n=$((n + 1))
		tail -c +$((at + 1)) "$tmp/kernel" | head -c "$size" >"$tmp/vdso-$n.so"
		if grep -q -a -e linux-vdso.so.1 -e linux-gate.so.1 "$tmp/vdso-$n.so"; then
			echo "$tmp/vdso-$n.so"
		fi
	done
}

found=""
for meta in linux-image-cloud-amd64 linux-image-cloud-arm64:arm64; do
	download "$meta" || continue
	kernel_image || continue
	for image in $(extract_vdsos); do
		expect_status 0 "inspect $image" "$MKVDSO" inspect "$image"
		machine=$(sed -n 's/.*, machine [0-9]* (\([a-z0-9_]*\)).*/\1/p' "$tmp/out" | head -n 1)
		label="$meta: $machine vDSO"
		found="$found $machine"
		echo "  $machine: $(tail -n 1 "$tmp/out")"
		expect_grep ": 0 errors, 0 warnings" "$tmp/out" "$label is clean"
		# Every verdict "uses", but where the consumer never looks, or
		# calls another function instead (musl's time32 entry on arm).
		awk '/^Consumers/ { on = 1; next } on && NF == 0 { on = 0 }
		     on && $0 !~ / uses / && $0 !~ /\(no lookup\)/ && $0 !~ / not called: / { print }' "$tmp/out" >"$tmp/not-used"
		[ -s "$tmp/not-used" ] && fail "$label: not used: $(cat "$tmp/not-used")"
		compare_with_eu_readelf "$image" "$label"
	done
done
for machine in x86_64 i386 aarch64 arm; do
	case " $found " in
	*" $machine "*) ;;
	*) fail "no $machine vDSO found in Debian's kernels (found:$found)" ;;
	esac
done
finish
