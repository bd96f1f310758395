#!/bin/sh
# getrandom in the vDSO: what real glibc, musl and Go programs of both
# release sets (Debian 12's glibc 2.36, musl 1.2.3, Go 1.19; trixie's glibc
# 2.41, musl 1.2.5, Go 1.24) do with a vDSO that exports getrandom
# (__kernel_getrandom on aarch64, __vdso_getrandom on x86_64: ARCH=x86_64,
# natively) or not, against what this script expects, and whether
# `mkvdso inspect` warns (rule getrandom) exactly where it is exported.
#
#   none      the built-in vDSO (no getrandom, as Linux's arm64 one before 6.14)
#   host      x86_64 only: this machine's own Linux vDSO, which exports
#             __vdso_getrandom; the programs run natively, without the loader
#             (the kernel's vDSO works only where the kernel mapped it, beside
#             its data pages), and `mkvdso dump`'s copy of it is inspected
#   syscall   tests/fixtures' getrandom image: the getrandom function is the
#             system call itself, so the opaque-state probe "succeeds" without
#             filling the parameters
#   enosys    the built-in vDSO plus a getrandom that returns -ENOSYS
#   trap      ... one that faults
#   fake      ... one that answers the probe as Linux does, then returns bytes
#             that are all 0x42
#
# Each probe's getrandom of 16 bytes (probe.c's getrandom(), probe.go's
# crypto/rand.Read) between its markers is:
#
#   syscall   the getrandom system call was made for those 16 bytes (Linux's
#             vDSO makes one itself, for 32: the key of a fresh state)
#   vdso      no system call: the vDSO answered, with 16 bytes
#   crash     the program did not exit 0 or printed no results
#
#   MKVDSO=... FIXTURES=... tests/e2e/getrandom.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/trixie.sh"
base=0x7f0000000000
FIXTURES=${FIXTURES:-$root/build/tests/fixtures}
[ -f "$FIXTURES/$arch/getrandom.so" ] || fail "$FIXTURES/$arch/getrandom.so is missing (set FIXTURES)"
case $arch in
aarch64) p=__kernel_ images="none syscall enosys trap fake" ;;
x86_64) p=__vdso_ images="none host syscall enosys trap fake" ;;
*) fail "getrandom.sh knows no vDSO getrandom for $arch (Linux's riscv64 vDSO has none before 6.16)" ;;
esac

e2e_build_programs
trixie_fetch
trixie_build_programs "$tmp/trixie"

# Only dynamic glibc 2.41 programs and Go 1.24 call it: both first probe it
# at startup (a stub that faults kills even programs that never ask for
# random bytes), then take every byte from it once it answers the probe.
# Static glibc 2.41 programs never call it; musl has no vDSO getrandom.
# Linux's own x86_64 one serves the same programs, and no others.
expected="image    glibc-2.36/static glibc-2.36/dynamic musl-1.2.3/static musl-1.2.3/dynamic go-1.19/static glibc-2.41/static glibc-2.41/dynamic musl-1.2.5/static musl-1.2.5/dynamic go-1.24/static
none     syscall syscall syscall syscall syscall syscall syscall syscall syscall syscall
host     syscall syscall syscall syscall syscall syscall vdso    syscall syscall vdso
syscall  syscall syscall syscall syscall syscall syscall syscall syscall syscall syscall
enosys   syscall syscall syscall syscall syscall syscall syscall syscall syscall syscall
trap     syscall syscall syscall syscall syscall syscall crash   syscall syscall crash
fake     syscall syscall syscall syscall syscall syscall vdso    syscall syscall vdso"

(cd / && MKVDSO_DATADIR="$root" "$MKVDSO" build -q --arch="$arch" --base="$base" --format=raw \
	-o "$tmp/built") || fail "mkvdso build --base=$base"
cp "$tmp/built/vdso.bin" "$tmp/none.so"
cp "$FIXTURES/$arch/getrandom.so" "$tmp/syscall.so"
if [ "$arch" = x86_64 ]; then
	"$MKVDSO" dump -o "$tmp/host.so" || fail "mkvdso dump"
	"${prefix}readelf" -W --dyn-syms "$tmp/host.so" | grep -q ' __vdso_getrandom@' ||
		fail "this machine's vDSO exports no __vdso_getrandom (Linux >= 6.11 has it): no host row"
fi
# The architecture's linker script with its getrandom in the version node.
sed "s/^\([[:space:]]*\)${p}clock_getres;/&\n\1${p}getrandom;/" "$root/vdso/$arch/vdso.lds" >"$tmp/getrandom.ld"
grep -q "${p}getrandom" "$tmp/getrandom.ld" ||
	fail "vdso/$arch/vdso.lds: no ${p}clock_getres line to add ${p}getrandom after"
for stub in enosys trap fake; do
	e2e_handmade sysv "$tmp/$stub.so" "$tmp/getrandom.ld" "$here/getrandom-stub.c" \
		"-DSTUB_$(echo "$stub" | tr "[:lower:]" "[:upper:]")" "-DGETRANDOM=${p}getrandom"
done

# outcome NAME IMAGE PROGRAM SYSROOT: syscall, vdso or crash (IMAGE
# host.so: PROGRAM runs natively with the kernel's own vDSO).
outcome() {
	if [ "$(basename "$2")" = host.so ]; then
		status=0
		e2e_traced "$tmp/$1.strace" "$3" 3 >"$tmp/$1.out" 2>"$tmp/$1.err" || status=$?
		crashed=no
		{ [ "$status" -eq 0 ] && grep -q '^M ' "$tmp/$1.out"; } || crashed=yes
	else
		e2e_run "$1" "$2" "$base" "$3" "$4"
	fi
	got=$(awk '$1 == "G" { print $2; exit }' "$tmp/$1.out")
	if [ "$crashed" = yes ]; then
		echo crash
	elif [ "$got" != 16 ]; then
		fail "$1: getrandom gave '$got', not 16 bytes: $(grep '^G' "$tmp/$1.out")"
	elif grep -o -E 'getppid\(|getrandom(\(| resumed>).*, ?16, ?[^,]*\) += ' "$tmp/$1.strace" |
		awk '/getppid/ { m++ } m == 1 && /getrandom/ { n++ } END { exit !n }'; then
		echo syscall
	else
		echo vdso
	fi
}

bad=0
echo "$expected" | head -n 1 >"$tmp/table"
echo "$expected" | awk -v images=" $images " 'NR == 1 || index(images, " " $1 " ")' >"$tmp/expected.rows"
expected=$(cat "$tmp/expected.rows")
for image in $images; do
	status=0
	"$MKVDSO" inspect --arch="$arch" "$tmp/$image.so" >"$tmp/$image.inspect" || status=$?
	[ "$status" -le 1 ] || fail "mkvdso inspect $image: exit $status"
	warned=$(grep -c -E '^ *warning +getrandom ' "$tmp/$image.inspect" || true)
	case $image in
	none) [ "$warned" -eq 0 ] || { echo "$image: inspect warns getrandom: $(grep getrandom "$tmp/$image.inspect")"; bad=$((bad + 1)); } ;;
	*) [ "$warned" -eq 1 ] || { echo "$image: inspect does not warn getrandom once (rule getrandom)"; bad=$((bad + 1)); } ;;
	esac
	# The two sets' programs run side by side, one per core.
	pids=""
	for set in bookworm:"$tmp":"$sysroot" trixie:"$tmp/trixie":"$trixie_root"; do
		IFS=: read -r name dir sysroot_of_set <<-EOF
		$set
		EOF
		(for probe in glibc glibc-dyn musl musl-dyn go; do
			outcome "$image-$name-$probe" "$tmp/$image.so" "$dir/probe-$probe" "$sysroot_of_set"
		done >"$tmp/$image-$name.row") &
		pids="$pids $!"
	done
	for pid in $pids; do
		wait "$pid" || fail "$image: a program could not be run"
	done
	# shellcheck disable=SC2046
	echo "$image" $(cat "$tmp/$image-bookworm.row" "$tmp/$image-trixie.row") >>"$tmp/table"
done
echo "$expected" | awk '{ $1 = $1; print }' >"$tmp/expected"
awk '{ $1 = $1; print }' "$tmp/table" >"$tmp/observed"
column -t "$tmp/observed" 2>/dev/null || cat "$tmp/observed"
if ! cmp -s "$tmp/expected" "$tmp/observed"; then
	echo "expected vs observed:" >&2
	diff "$tmp/expected" "$tmp/observed" >&2 || true
	bad=$((bad + 1))
fi
[ "$bad" -eq 0 ] || fail "getrandom: the programs or inspect did not do what they were seen to do"
echo "getrandom: PASS"
