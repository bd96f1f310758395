# Shared by the end-to-end scripts (run.sh, verdicts.sh): the tools they
# need, the programs they build, how they run them traced, and how they read
# the trace.  Sourced after `here` is set to tests/e2e; sets root, arch,
# prefix, MKVDSO, tmp.  ARCH=aarch64 (the default) runs everything under
# qemu-aarch64 and reads its -strace log (ARCH=riscv64: qemu-riscv64);
# ARCH=x86_64 runs natively under strace -f.

root=$(cd "$here/../.." && pwd)
trace_sysroot=
arch=${ARCH:-aarch64}
MKVDSO=${MKVDSO:-$root/build/tool/mkvdso}

fail() {
	echo "e2e ($arch): FAIL: $*" >&2
	exit 1
}

# Per architecture: the compiler prefix, musl's specs, the dynamic linker
# dynamic glibc programs name, Go's GOARCH, where the loader is linked (away
# from the programs' usual addresses; x86_64's small code model needs it
# below 2 GiB), the extra flags a hand-written vDSO Makefile would use, the
# trap instruction for --syscall-insn (and as the sources' MKVDSO_SYSCALL_INSN
# spells it), the tracer, which probes exist (e2e_libcs: Debian 12 has no
# musl for riscv64), Debian's name for the architecture and its GNU triplet.
e2e_libcs="glibc glibc-pie glibc-dyn musl musl-dyn go" loader_flags=""
e2e_bases="0x7f0000000000 0x5000000000"
musl_ldso_name=ld-musl-$arch.so.1	# musl's dynamic loader, under /lib
case $arch in
aarch64)
	prefix=${CROSS_COMPILE:-aarch64-linux-gnu-}
	musl_specs=/usr/lib/aarch64-linux-musl/musl-gcc.specs
	# Where qemu-aarch64 -L finds a dynamic program's ld.so and libraries.
	sysroot=/usr/aarch64-linux-gnu
	ldso=$sysroot/lib/ld-linux-aarch64.so.1
	goarch=arm64 loader_text=0x200000000 handmade_cflags=-mbranch-protection=none
	trap_insn=0xdeadbeef trap_define=0xdeadbeef tracer=qemu-aarch64
	deb_arch=arm64 triplet=aarch64-linux-gnu
	packages="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user golang-go, and musl-dev:arm64 (after dpkg --add-architecture arm64 && apt-get update)"
	;;
riscv64)
	prefix=${CROSS_COMPILE:-riscv64-linux-gnu-}
	musl_specs=""	# musl-dev:riscv64 is not in Debian 12 (riscv64 is a ports architecture)
	e2e_libcs="glibc glibc-dyn go"	# and no rcrt1.o: no static-pie either
	sysroot=/usr/riscv64-linux-gnu
	ldso=$sysroot/lib/ld-linux-riscv64-lp64d.so.1
	goarch=riscv64 loader_text=0x20000000 handmade_cflags=""	# medlow: below 2 GiB
	trap_insn=0xc0001073 trap_define=0xc0001073 tracer=qemu-riscv64	# csrrw x0, cycle, x0: illegal
	deb_arch=riscv64 triplet=riscv64-linux-gnu
	# The loader's SIGILL handler runs with the program's gp: no
	# gp-relative accesses (linker relaxation) in the loader.
	loader_flags=-Wl,--no-relax
	# Sv39, the smallest riscv64 address space: user addresses below 2^38.
	e2e_bases="0x3ff7ffe000 0x2000000000"
	packages="gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-user golang-go"
	;;
arm)
	prefix=${CROSS_COMPILE:-arm-linux-gnueabihf-}
	musl_specs=/usr/lib/arm-linux-musleabihf/musl-gcc.specs
	e2e_libcs="glibc glibc-dyn musl musl-dyn go"	# armhf's glibc has no rcrt1.o: no static-pie
	sysroot=/usr/arm-linux-gnueabihf
	ldso=$sysroot/lib/ld-linux-armhf.so.3
	# GOARM=7 (below): ARMv7 with VFPv3, what armhf is.
	goarch=arm loader_text=0x20000000
	# ARM state: the vDSO's system call is one 32-bit word (armhf's
	# default is Thumb-2).  The loader too: guest.h's system call uses r7.
	handmade_cflags=-marm loader_flags=-marm
	trap_insn=0xe7fbeeff trap_define=0xe7fbeeff tracer=qemu-arm	# udf #0xbeef
	deb_arch=armhf triplet=arm-linux-gnueabihf musl_ldso_name=ld-musl-armhf.so.1
	# Below arm's 3 GiB of user space.
	e2e_bases="0xbfffe000 0x50000000"
	packages="gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-user golang-go, and musl-dev:armhf (after dpkg --add-architecture armhf && apt-get update)"
	;;
x86_64)
	prefix=${CROSS_COMPILE:-}
	musl_specs=/usr/lib/x86_64-linux-musl/musl-gcc.specs
	ldso=/lib64/ld-linux-x86-64.so.2 sysroot=
	goarch=amd64 loader_text=0x20000000 handmade_cflags="-mno-sse -mno-mmx"
	trap_insn=0f0b trap_define=0x0f,0x0b tracer=strace
	deb_arch=amd64 triplet=x86_64-linux-gnu
	packages="gcc libc6-dev musl-dev strace golang-go"
	;;
*) fail "no end-to-end proof for ARCH=$arch" ;;
esac

for tool in "${prefix}gcc" "${prefix}readelf" $tracer go awk cmp join dpkg-query; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian: $packages)"
done
[ -z "$musl_specs" ] || [ -f "$musl_specs" ] || fail "$musl_specs is missing (Debian: $packages)"
[ -f "$ldso" ] || fail "$ldso is missing (Debian: $packages)"
[ -x "$MKVDSO" ] || fail "mkvdso not found at $MKVDSO (build it, or set MKVDSO)"

# e2e_traced LOG COMMAND...: runs COMMAND with every system call of every
# thread logged to LOG, with the tracer's exit status being COMMAND's
# (qemu's -L is $trace_sysroot when set: another release's libraries).
e2e_traced() {
	log=$1
	shift
	if [ "$arch" != x86_64 ]; then
		"qemu-$arch" -L "${trace_sysroot:-$sysroot}" -D "$log" -strace "$@"
	else
		strace -f -qq -o "$log" "$@"
	fi
}

# e2e_exec SYSROOT COMMAND...: runs COMMAND, a program of the architecture
# (under qemu-ARCH -L SYSROOT, default the cross libc's; natively on x86_64).
e2e_exec() {
	root_of_program=${1:-$sysroot}
	shift
	if [ "$arch" != x86_64 ]; then
		"qemu-$arch" -L "$root_of_program" "$@"
	else
		"$@"
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# e2e_has PROBE: whether this architecture has PROBE (glibc-pie, musl, ...).
e2e_has() {
	case " $e2e_libcs " in *" $1 "*) return 0 ;; esac
	return 1
}

# e2e_build_loader: $tmp/loader, static, linked at $loader_text.
e2e_build_loader() {
	# shellcheck disable=SC2086
	"${prefix}gcc" -static -O2 -Wall -Wextra -Werror -pthread "-I$root/include" "-I$root/vdso/include" \
		"-I$root/tests/include" -Wl,-Ttext-segment=$loader_text $loader_flags "$here/loader.c" \
		-o "$tmp/loader" || fail "compiling loader.c"
}

# e2e_build_programs: $tmp/loader, and probe.c as $tmp/probe-glibc (static),
# $tmp/probe-glibc-pie (static-pie), $tmp/probe-glibc-dyn (dynamic, PIE),
# $tmp/probe-musl (static) and $tmp/probe-musl-dyn (dynamic), probe.go as
# $tmp/probe-go (static, GOARCH=arm64 or amd64).
e2e_build_programs() {
	echo "# build: loader, probes"
	e2e_build_loader
	cflags="-O2 -Wall -Wextra -Werror"
	# shellcheck disable=SC2086
	"${prefix}gcc" -static $cflags "$here/probe.c" -o "$tmp/probe-glibc" ||
		fail "compiling probe.c against glibc"
	# shellcheck disable=SC2086
	! e2e_has glibc-pie || "${prefix}gcc" -static-pie -fPIE $cflags "$here/probe.c" \
		-o "$tmp/probe-glibc-pie" || fail "compiling probe.c against glibc (static-pie)"
	# shellcheck disable=SC2086
	! e2e_has musl || "${prefix}gcc" -specs "$musl_specs" -static $cflags "$here/probe.c" \
		-o "$tmp/probe-musl" || fail "compiling probe.c against musl"
	# shellcheck disable=SC2086
	"${prefix}gcc" $cflags "$here/probe.c" -o "$tmp/probe-glibc-dyn" ||
		fail "compiling probe.c against glibc (dynamic)"
	# shellcheck disable=SC2086
	! e2e_has musl-dyn || "${prefix}gcc" -specs "$musl_specs" $cflags "$here/probe.c" \
		-o "$tmp/probe-musl-dyn" || fail "compiling probe.c against musl (dynamic)"
	e2e_go_build "$tmp/probe-go" go
}

# e2e_go_build OUT GO: probe.go built by the toolchain GO (a command) as OUT.
e2e_go_build() {
	# Nothing from the network, nothing under $HOME: no module, GOPATH and the
	# build cache in $tmp (E2E_GOCACHE keeps the cache between runs: a cold one
	# recompiles the standard library for arm64, about 20 s; each release
	# keeps its own entries).  GOTOOLCHAIN=local: never another release.
	gov=$(env -u GOROOT GOTOOLCHAIN=local "$2" env GOVERSION) || fail "$2 env GOVERSION"
	# Go 1.23 refuses go:linkname references to runtime internals unless told.
	case $gov in
	go1.1[0-9] | go1.1[0-9].* | go1.2[0-2] | go1.2[0-2].*) ldflags= ;;
	*) ldflags=-checklinkname=0 ;;
	esac
	(cd "$here" && env -u GOROOT GOTOOLCHAIN=local GOOS=linux GOARCH=$goarch GOARM=7 CGO_ENABLED=0 \
		GO111MODULE=off GOFLAGS='' GOPROXY=off GOCACHE="${E2E_GOCACHE:-$tmp/go-cache}" \
		GOPATH="$tmp/go-path" "$2" build -trimpath -ldflags="$ldflags" -o "$1" probe.go) ||
		fail "building probe.go with $gov"
	# loader.c starts static programs only: Go's default here is ET_EXEC with
	# no PT_INTERP (a -buildmode=pie one would name the dynamic linker).
	"${prefix}readelf" -lhW "$1" >"$1.elf" || fail "readelf $1"
	if ! grep -q 'Type: *EXEC' "$1.elf" || grep -q -E 'INTERP|DYNAMIC' "$1.elf"; then
		fail "$1 is not a static non-PIE executable: $(grep -E 'Type:|INTERP|DYNAMIC' "$1.elf")"
	fi
	echo "  $gov, $(basename "$1") static ET_EXEC"
}

# e2e_handmade STYLE OUT [SCRIPT FLAGS...]: the built-in vDSO's sources built
# by hand, the way a kernel author's own Makefile would (other flags than
# mkvdso's, no strip), linked with --hash-style=STYLE and the linker script
# SCRIPT (default the architecture's vdso.lds): a prebuilt image nobody
# placed.  FLAGS (more sources, -D...) go to the compiler too.
e2e_handmade() {
	style=$1 out=$2 script=${3:-$root/vdso/$arch/vdso.lds}
	shift 2
	[ $# -eq 0 ] || shift
	# shellcheck disable=SC2086
	"${prefix}gcc" -O2 -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables \
		$handmade_cflags -nostdlib -shared -Wl,-T,"$script" \
		-Wl,--hash-style="$style" -Wl,-soname=linux-vdso.so.1 -Wl,--build-id=sha1 \
		-Wl,-Bsymbolic -Wl,-n -Wl,--no-undefined "-I$root/vdso/include" \
		$(ls "$root"/vdso/$arch/*.S "$root"/vdso/$arch/*.c 2>/dev/null) "$@" -o "$out" ||
		fail "building the vDSO by hand (--hash-style=$style $*)"
}

# e2e_run NAME IMAGE BASE PROGRAM [SYSROOT [LOADER-OPTION [ARGS...]]]:
# PROGRAM started by the loader with IMAGE at BASE, traced (e2e_traced; under
# qemu-aarch64 with -L SYSROOT, default the cross libc's), 3 loops and ARGS;
# LOADER-OPTION (such as --trap-insn=...) goes to the loader; its output,
# errors and trace in $tmp/NAME.out, .err, .strace.  Sets crashed (yes: it
# did not exit 0 or printed no results); fails if the loader could not
# start it.
e2e_run() {
	status=0
	name_of_run=$1 image_of_run=$2 base_of_run=$3 program_of_run=$4
	trace_sysroot=${5:-}
	loader_option=${6:-}
	shift 4
	[ $# -eq 0 ] || shift
	[ $# -eq 0 ] || shift
	# shellcheck disable=SC2086
	e2e_traced "$tmp/$name_of_run.strace" "$tmp/loader" $loader_option "$image_of_run" "$base_of_run" \
		"$program_of_run" 3 "$@" >"$tmp/$name_of_run.out" 2>"$tmp/$name_of_run.err" || status=$?
	set -- "$name_of_run"
	trace_sysroot=
	[ "$status" -ne 2 ] || { cat "$tmp/$1.err" >&2; fail "$1: the loader could not start it"; }
	crashed=no
	if [ "$status" -ne 0 ] || ! grep -q '^M ' "$tmp/$1.out"; then
		crashed=yes
	fi
}

# e2e_go_version: the installed Go release, as "1.19.8".
e2e_go_version() {
	go env GOVERSION | sed 's/^go//'
}

# e2e_calls STRACE [MORE]: the markers (getppid), window edges (getuid,
# getgid) and clock system calls in qemu's -strace log or strace's, in order,
# one per line, as "clock_gettime(CLOCK_MONOTONIC"; MORE ("time|getcpu") adds
# those system calls, matched as whole words (time( ends clock_gettime( too).
# Threads' lines interleave mid-line in qemu's log, so calls are matched
# anywhere (strace's "<... resumed>" halves carry no opening parenthesis and
# do not count twice).
e2e_calls() {
	# arm: the time64 calls are the clock calls, under their plain names
	# (qemu 7.2 names clock_getres_time64 only by number, so without its
	# clock id); the time32 clock_gettime of CLOCK_MONOTONIC_RAW is the
	# loader's counter read (guest.h), which no arm libc or Go makes.
	if [ "$arch" = arm ]; then
		grep -o -E '(getppid|getuid|getgid|clock_gettime(64)?|gettimeofday|clock_getres)\([^,)]*|Unknown syscall 406' "$1" |
			grep -v -x 'clock_gettime(CLOCK_MONOTONIC_RAW' |
			sed -e 's|^clock_gettime64(|clock_gettime(|' -e 's|^Unknown syscall 406$|clock_getres(?|'
		return
	fi
	# strace names an unknown clock id in a comment: 0x2a /* CLOCK_??? */
	grep -o -E "(getppid|getuid|getgid|clock_gettime|gettimeofday|clock_getres${2:+|\\b($2)})\\([^,)]*" "$1" |
		sed 's| /\*.*||'
}

# e2e_observed STRACE [MORE]: the clock system calls (and MORE, as e2e_calls)
# between the probe's two getppid markers, outside its getuid...getgid
# reference windows, one per line, as "clock_gettime(CLOCK_MONOTONIC",
# "gettimeofday", "getcpu", ...
e2e_observed() {
	e2e_calls "$1" "${2:-}" |
		awk '/^getppid/ { m++; next }
		     m != 1 { next }
		     /^getuid/ { w = 1; next }
		     /^getgid/ { w = 0; next }
		     !w { sub(/^gettimeofday.*/, "gettimeofday"); sub(/^getcpu.*/, "getcpu"); sub(/^time\(.*/, "time"); print }
		     END { if (m != 2) print "MARKERS " m }'
}

# e2e_functions CONSUMER: the vDSO functions CONSUMER looks up on aarch64
# that its probe calls (musl's gettimeofday is its clock_gettime; Go's
# time.Now is its only vDSO call; clock_getres only glibc sends to the vDSO).
e2e_functions() {
	case $1 in
	glibc) echo __kernel_clock_gettime __kernel_gettimeofday __kernel_clock_getres ;;
	musl | go) echo __kernel_clock_gettime ;;
	*) fail "no probe for $1" ;;
	esac
}

# e2e_syscall_of FUNCTION: the system call the probe's libc makes instead of
# calling FUNCTION in the vDSO (every probe reads CLOCK_MONOTONIC).
e2e_syscall_of() {
	case $1 in
	__kernel_clock_gettime) echo "clock_gettime(CLOCK_MONOTONIC" ;;
	__kernel_gettimeofday) echo gettimeofday ;;
	__kernel_clock_getres) echo "clock_getres(CLOCK_MONOTONIC" ;;
	*) fail "no system call known for $1" ;;
	esac
}
