#!/bin/sh
# vdso-probe (`mkvdso build --probe`) against real kernels' parts:
#   ARCH=aarch64|riscv64|arm|x86_64: the built-in vDSO under loader.c
#     (qemu-user, or natively for x86_64): every check passes (on arm both
#     clock_gettime entries, time32 and time64); then the negative
#     controls, each a kernel getting one thing wrong (loader --fault=KIND,
#     --no-vdso, another image), each failing with its own line.
#   ARCH=x86_64 PROBE_HOST=1: this machine's running Linux vDSO, dumped and
#     given to --prebuilt, the probe run directly: every check passes (Linux
#     is the reference kernel); the probe of the built-in image fails there
#     on the build id.
# Also: the probe builds without a compiler warning and byte for byte the
# same twice.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

base=${e2e_bases%% *}

# build OUT [OPTIONS...]: mkvdso build --probe for $arch at $base into OUT;
# nothing on stderr (a compiler warning fails the test).
build() {
	out=$1
	shift
	"$MKVDSO" build -q --arch="$arch" --base="$base" --probe -o "$out" "$@" 2>"$out.err" ||
		{ cat "$out.err" >&2; fail "mkvdso build --probe $*"; }
	[ ! -s "$out.err" ] || { cat "$out.err" >&2; fail "mkvdso build --probe $* printed warnings"; }
	[ -x "$out/vdso-probe" ] || fail "$out/vdso-probe is not an executable"
}

# run NAME PROGRAM...: PROGRAM's output in $tmp/NAME.out, its status in $status.
run() {
	name=$1
	shift
	status=0
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || status=$?
}

# in_kernel NAME [LOADER OPTIONS...] IMAGE: the probe of $probe_dir
# (default $tmp/out) under the loader, with IMAGE mapped at $base.
in_kernel() {
	name=$1
	shift
	probe=${probe_dir:-$tmp/out}/vdso-probe
	if [ "$arch" = x86_64 ]; then
		run "$name" "$tmp/loader" "$@" "$base" "$probe"
	else
		run "$name" "qemu-$arch" "$tmp/loader" "$@" "$base" "$probe"
	fi
	[ "$status" -ne 2 ] || { cat "$tmp/$name.err" >&2; fail "$name: the loader could not start the probe"; }
}

# all_pass NAME [ALLOWED WARN CHECK]: exit 0, a PASS summary, no FAIL line,
# and no WARN but the one allowed.
all_pass() {
	cat "$tmp/$1.out"
	[ "$status" -eq 0 ] || fail "$1: the probe exited with $status"
	grep -q '^vdso-probe: PASS: [0-9]* passed, 0 failed' "$tmp/$1.out" || fail "$1: no PASS summary"
	! grep -q '^FAIL' "$tmp/$1.out" || fail "$1: a check failed"
	warns=$(grep '^WARN' "$tmp/$1.out" | grep -v "^WARN  ${2:-no warning allowed} " || true)
	[ -z "$warns" ] || fail "$1: unexpected warning: $warns"
}

# fails_with NAME PATTERN...: exit 1, a FAIL summary, and a FAIL line
# matching each PATTERN (extended regular expressions, after "FAIL  ").
fails_with() {
	name=$1
	shift
	[ "$status" -eq 1 ] || { cat "$tmp/$name.out"; fail "$name: the probe exited with $status, not 1"; }
	grep -q '^vdso-probe: FAIL: ' "$tmp/$name.out" || fail "$name: no FAIL summary"
	for pattern in "$@"; do
		line=$(grep -E "^FAIL  $pattern" "$tmp/$name.out") ||
			{ cat "$tmp/$name.out"; fail "$name: no line 'FAIL  $pattern'"; }
		echo "  $name: $line"
	done
}

if [ "${PROBE_HOST:-}" ]; then
	[ "$arch" = x86_64 ] || fail "PROBE_HOST needs ARCH=x86_64 (this machine's kernel)"
	"$MKVDSO" dump -o "$tmp/host.so" || fail "mkvdso dump: no vDSO from this kernel"
	echo "# the running Linux kernel's vDSO ($(uname -r)), as --prebuilt"
	build "$tmp/out" --prebuilt "$tmp/host.so"
	run host "$tmp/out/vdso-probe"
	all_pass host
	grep -q '^NOTE  data page  *not checked' "$tmp/host.out" || fail "host: the data page was not reported as not checked"
	grep -q '^PASS  build id ' "$tmp/host.out" || fail "host: no build id check"
	echo "# negative control: the built-in image's probe in this kernel"
	build "$tmp/builtin"
	run other "$tmp/builtin/vdso-probe"
	fails_with other "build id .*the kernel maps another image" "image size "
	echo "e2e/probe-host: PASS"
	exit 0
fi

e2e_build_loader
build "$tmp/out"
build "$tmp/again"
cmp "$tmp/out/vdso-probe" "$tmp/again/vdso-probe" || fail "two builds of vdso-probe differ"
"${prefix}readelf" -lhW "$tmp/out/vdso-probe" >"$tmp/probe.elf"
if ! grep -q 'Type: *EXEC' "$tmp/probe.elf" || grep -q -E 'INTERP|DYNAMIC' "$tmp/probe.elf"; then
	fail "vdso-probe is not a static executable"
fi
! grep -E '^ *LOAD' "$tmp/probe.elf" | grep -q 'RWE' || fail "vdso-probe has a writable and executable segment"

echo "# the built-in $arch vDSO at $base"
in_kernel builtin "$tmp/out/vdso.bin"
# qemu-user delivers signals through its own trampoline, not the vDSO's:
# the one warning it is allowed (the trampoline's code is checked apart)
# where the vDSO has one.
case $arch in x86_64 | arm) allowed_warning= ;; *) allowed_warning='signal trampoline' ;; esac
all_pass builtin "$allowed_warning"
for check in "build id" "symbols" "image not writable" "data page not writable" "data page version" \
	"data page updates" "coarse clocks advance" "never backwards, threads" "invalid clock ids" \
	"clock_gettime MONOTONIC_RAW" "gettimeofday" "signal return"; do
	grep -q "^PASS  $check " "$tmp/builtin.out" || fail "builtin: no PASS line for $check"
done
if [ "$arch" = arm ]; then
	# The time64 entry too, and the two ways a handler returns with no trampoline in the vDSO.
	for check in "functions, time64" "clock_gettime64 REALTIME" "clock_gettime64 MONOTONIC_COARSE" \
		"never backwards, time64" "signal return, no restorer"; do
		grep -q "^PASS  $check " "$tmp/builtin.out" || fail "builtin: no PASS line for $check"
	done
fi
case $arch in x86_64 | arm)
	grep -q '^NOTE  signal trampoline  *none on' "$tmp/builtin.out" ||
		fail "builtin: no NOTE on the missing trampoline" ;;
esac

# clang builds the probe (and the image) too, without a warning.
command -v clang >/dev/null 2>&1 || fail "clang is missing (Debian: clang)"
build "$tmp/clang" --cc=clang
probe_dir=$tmp/clang
in_kernel clang "$tmp/clang/vdso.bin"
probe_dir=
all_pass clang "$allowed_warning"

echo "# negative controls"
in_kernel no-vdso --no-vdso "$tmp/out/vdso.bin"
fails_with no-vdso "AT_SYSINFO_EHDR +missing from the auxiliary vector"
in_kernel writable --fault=writable-data "$tmp/out/vdso.bin"
fails_with writable "data page not writable .*succeeded"
in_kernel version-0 --fault=version-0 "$tmp/out/vdso.bin"
fails_with version-0 "data page version +0, expected 1"
in_kernel frozen --fault=frozen "$tmp/out/vdso.bin"
fails_with frozen "data page updates +seq stayed [0-9]+ for .*stopped updating" \
	"coarse clocks advance +CLOCK_MONOTONIC_COARSE moved"
in_kernel page-below --fault=page-below "$tmp/out/vdso.bin"
fails_with page-below "data page readable +nothing readable at" "data page address .*-1 page\(s\) off"
in_kernel realtime --fault=realtime+1s "$tmp/out/vdso.bin"
# A second ahead, less the time between the vDSO call and the system call after it.
fails_with realtime "clock_gettime REALTIME +the vDSO is (99[0-9]\.[0-9]+ ms|1\.[0-9]+ s) ahead"
[ "$arch" != arm ] ||
	fails_with realtime "clock_gettime64 REALTIME +the vDSO is (99[0-9]\.[0-9]+ ms|1\.[0-9]+ s) ahead"
in_kernel noexec --fault=noexec-image "$tmp/out/vdso.bin"
fails_with noexec "clock_gettime REALTIME +killed by signal 11 \(SIGSEGV\) at address 0x[0-9a-f]+: inside the image \(is it mapped executable\?\)"
# A kernel without a system call the probe uses: that check fails by name,
# the rest go on (seccomp plays it; qemu-user refuses seccomp filters).
if [ "$arch" = x86_64 ]; then
	in_kernel enosys --fault=no-clock_getres "$tmp/out/vdso.bin"
	fails_with enosys "clock_getres +the clock_getres system call is missing \(-ENOSYS\)"
	grep -q '^PASS  signal return ' "$tmp/enosys.out" || fail "enosys: the checks after clock_getres did not run"
fi
# Another image: the same sources with the other hash-table style.
case $arch in aarch64 | arm) style=both ;; *) style=sysv ;; esac
build "$tmp/other" --hash-style=$style
in_kernel other "$tmp/other/vdso.bin"
fails_with other "build id .*the kernel maps another image"
# A kernel mapping a hand-built image with DT_GNU_HASH only: the lookup
# counts its symbols through the GNU hash table (bloom words of the ELF
# class's size) and still finds every function by name.
e2e_handmade gnu "$tmp/gnu.so"
in_kernel gnu "$tmp/gnu.so"
fails_with gnu "build id .*the kernel maps another image"
nsyms=$("${prefix}readelf" --dyn-syms -W "$tmp/gnu.so" |
	sed -n "s/^Symbol table '.dynsym' contains \([0-9]*\) entries.*/\1/p")
grep -q "^PASS  dynamic table  *$nsyms symbols, DT_GNU_HASH only" "$tmp/gnu.out" ||
	{ cat "$tmp/gnu.out"; fail "gnu: the lookup did not count the $nsyms symbols through DT_GNU_HASH"; }
grep -q "^PASS  functions " "$tmp/gnu.out" ||
	{ cat "$tmp/gnu.out"; fail "gnu: the functions were not found through DT_GNU_HASH"; }
echo "e2e/probe-$arch: PASS"
