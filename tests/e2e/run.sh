#!/bin/sh
# End-to-end proof that unmodified static programs use the generated vDSO.
#
# Builds the built-in vDSO with `mkvdso build --format=raw`, and a prebuilt
# one (the same sources built by hand, as a kernel author's Makefile would)
# with `mkvdso build --prebuilt --format=raw`; the user-space "kernel"
# loader.c, probe.c against glibc (static, static-pie, dynamic) and musl
# (static, dynamic), and probe.go with Go (static).  Then, for each image, each placement
# (linked at 0, --prelink) and each address in BASES, runs
#
#   qemu-aarch64 -strace loader [--no-vdso] vdso.bin BASE probe
#
# (ARCH=x86_64: the built-in x86_64 vDSO, natively, under strace -f; the
# trap is ud2, --syscall-insn=0f0b) and checks:
#   - the system calls between probe's two getppid markers, outside its
#     getuid...getgid reference windows, are exactly the expected ones: none
#     for the clocks the vDSO serves, the CPU-time clocks and the invalid id
#     passed on by the vDSO, and (musl) clock_getres, which musl never sends
#     to the vDSO;
#   - every time lies between the reference system calls made just before and
#     just after, within 1 ms (a _COARSE clock: within its clock_getres
#     resolution + 1 ms below its fine clock); clock_getres equals the system
#     call's; the invalid id gives EINVAL; MONOTONIC never goes backwards;
#     gettimeofday's timezone is the one the loader publishes (musl never
#     fills it in);
#   - built with --syscall-insn=0xdeadbeef and run by a loader that emulates
#     that undefined instruction (a kernel trapping system calls its own
#     way), every call the vDSO passes on goes through the trap;
#   - with --no-vdso (negative control) every call is a system call;
#   - x86_64: time() makes no system call, getcpu is right on every CPU and
#     is one getcpu system call made by the vDSO (the trap build counts it),
#     none with --flags=3 (MKVDSO_FLAG_TSC_AUX_CPU | MKVDSO_FLAG_RDTSCP,
#     which also reads the TSC with rdtscp).
# Go's runtime threads read CLOCK_MONOTONIC too, and the log does not tell
# threads apart, so for Go: with the vDSO, no clock system call at all
# between the markers but the reference ones, one per window, and the
# runtime's __kernel_clock_gettime inside the image; without it, at least
# the probe's own calls.
# Every tool is required: a missing one fails the test.
#
#   MKVDSO=path/to/mkvdso tests/e2e/run.sh      (default: build/tool/mkvdso)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
BASES=${E2E_BASES:-$e2e_bases}
LOOPS=${E2E_LOOPS:-100000}
# The timezone the loader publishes: not the host's, so that a vDSO that
# ignored the data page's would be caught.
E2E_TZ="-330 0"

e2e_build_programs

clocks="CLOCK_REALTIME CLOCK_MONOTONIC CLOCK_BOOTTIME CLOCK_MONOTONIC_RAW CLOCK_TAI
CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID 0x2a"
passed_on="CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID 0x2a"

# getres_line CLOCK: how the trace shows LIBC's clock_getres(CLOCK): glibc on
# arm makes clock_getres_time64, whose clock id qemu 7.2 does not show.
getres_line() {
	if [ "$libc$arch" = glibcarm ]; then echo "clock_getres(?"; else echo "clock_getres($1"; fi
}

# expected LIBC VDSO(yes|no) LOOPS: the clock system calls probe makes between
# its markers, outside its reference windows, one per line, in order.
expected() {
	libc=$1 vdso=$2 loops=$3
	if [ "$vdso" = yes ]; then
		for c in $passed_on; do echo "clock_gettime($c"; done
		getres=$passed_on
		# musl's clock_getres is always the syscall, and so is glibc's on
		# arm (clock_getres_time64 first; the vDSO's is time32).
		[ "$libc" = musl ] || [ "$arch" = arm ] && getres=$clocks
		for c in $getres; do getres_line "$c"; done
	else
		for c in $clocks; do echo "clock_gettime($c"; done
		# musl's gettimeofday is clock_gettime, and glibc's where it has no
		# USE_IFUNC_GETTIMEOFDAY (riscv64, arm): it zeroes the timezone.
		if [ "$libc" = musl ] || [ "$libc$arch" = glibcriscv64 ] || [ "$libc$arch" = glibcarm ]; then
			echo "clock_gettime(CLOCK_REALTIME"; echo "clock_gettime(CLOCK_REALTIME"
		else
			echo gettimeofday; echo gettimeofday
		fi
		for c in $clocks; do getres_line "$c"; done
		i=0
		while [ "$i" -le "$loops" ]; do echo "clock_gettime(CLOCK_MONOTONIC"; i=$((i + 1)); done
	fi
	[ "$arch" != x86_64 ] || expected_x86_64 "$libc" "$vdso"
}

# expected_x86_64 LIBC VDSO(yes|no): after the loop, probe.c's time() and its
# getcpu on each of x86_cpus CPUs.  With the vDSO, time is no system call
# (glibc's __vdso_time; musl's time is clock_gettime) and getcpu one each,
# made by the vDSO, unless the loader sets MKVDSO_FLAG_TSC_AUX_CPU
# (vdso_flags): then none.
x86_cpus=$(nproc)
[ "$x86_cpus" -le 8 ] || x86_cpus=8	# probe.c pins itself to 8 CPUs at most
vdso_flags=0
expected_x86_64() {
	if [ "$2" = no ]; then
		if [ "$1" = musl ]; then echo "clock_gettime(CLOCK_REALTIME"; else echo time; fi
	fi
	if [ "$2" = no ] || [ $((vdso_flags & 1)) -eq 0 ]; then
		i=0
		while [ "$i" -lt "$x86_cpus" ]; do echo getcpu; i=$((i + 1)); done
	fi
}

# check_go_syscalls STRACE VDSO(yes|no) LOOPS: probe.go's clock system calls.
# With the vDSO: none outside the windows, exactly one in each window (the
# reference; another would be a runtime thread's), 4 * tries windows.
# Without it: at least probe.go's own, outside the windows: per try one
# time.Now (REALTIME + MONOTONIC) and one runtime.nanotime, then time.Now and
# LOOPS + 1 time.Since (MONOTONIC).
check_go_syscalls() {
	e2e_calls "$1" |
		awk -v vdso="$2" -v loops="$3" -v tries=4 '
		/^getppid/ { m++; next }
		m != 1 { next }
		/^getuid/ { w = 1; windows++; inside = 0; next }
		/^getgid/ { w = 0; if (inside != 1) bad_windows++; next }
		w { inside++; next }
		{ outside++; n[$0]++ }
		END {
			if (m != 2) { print "  markers: " m ", expected 2"; exit 1 }
			for (c in n) { summary = summary sep c ") x" n[c]; sep = ", " }
			printf "  strace: %d windows, %d with other than one clock call; outside them %d clock system calls%s%s\n",
				windows, bad_windows, outside, outside ? ": " : "", summary
			rt = n["clock_gettime(CLOCK_REALTIME"]; mono = n["clock_gettime(CLOCK_MONOTONIC"]
			if (windows != 4 * tries) { print "  expected " 4 * tries " windows"; exit 1 }
			if (vdso == "yes") exit outside != 0 || bad_windows != 0
			if (rt < tries + 1 || mono < 2 * tries + loops + 2) {
				printf "  expected at least %d REALTIME and %d MONOTONIC\n", tries + 1, 2 * tries + loops + 2
				exit 1
			}
		}'
}

# The probe's results (see probe.c for the line formats).
# check_values OUT TICKS TICKLOG PROBE(c|go) [ZONE]: a _COARSE clock may be
# TICKS resolutions plus the page's age behind: the longest gap between two
# data-page refreshes, or the one no refresh ended, from the latest refresh
# to the reading (TICKLOG: the loader's "GAP MONOTONIC REALTIME", "0 0 0"
# without the vDSO); probe.c also reports gettimeofday's timezone (a Z
# line): ZONE ("MINUTESWEST DSTTIME") if given, else the system call's.
check_values() {
	set -- "$1" "$2" "$3" "$4" "${5:-}"
	read -r late last_mono last_real <"$3"
	awk -v tol=1000000 -v coarse_ticks="$2" -v late="$late" -v last_mono="$last_mono" \
		-v last_real="$last_real" -v probe="$4" -v zone="$5" \
		-v arch="$arch" -v cpus="$x86_cpus" '
	function bad(msg) { print "  FAIL " msg; failed++ }
	$1 == "R" { res[$2] = $7 + $6 * 1e9
		if ($2 == "INVALID") { if ($4 != -1 || $5 != 22) bad("clock_getres(INVALID): rc " $4 " errno " $5 ", expected EINVAL") }
		else if ($4 != 0 || $6 != $9 || $7 != $10) bad("clock_getres(" $2 ") = " $4 " " $6 "." $7 ", syscall " $9 "." $10)
		next }
	$1 == "T" { t[++n] = $0; next }
	$1 == "M" { if ($3 != 0 || $4 != 0) bad("MONOTONIC loop: " $3 " errors, " $4 " backwards in " $2); else loops = $2; next }
	$1 == "V" { vdso = $2; next }
	$1 == "Z" { want = zone == "" ? $6 " " $7 : zone
		if ($3 != 0 || $4 " " $5 != want) bad("gettimeofday timezone: rc " $3 ", " $4 " min west, dst " $5 "; expected " want)
		zones++; next }
	$1 == "Y" { most = $5 > $6 ? $5 : $6	# the page may be a tick ahead of xtime
		if ($2 != $3 || $2 < $4 || $2 > most) bad("time() = " $2 ", *t = " $3 "; the system call says " $4 ".." most)
		times++; next }
	$1 == "C" { if ($4 != 0 || $5 != $3 || $6 != 0 || $7 != $3) bad($2 " pinned to CPU " $3 ": rc " $4 ", cpu " $5 "; the system call: rc " $6 ", cpu " $7)
		getcpus++; next }
	END {
		for (i = 1; i <= n; i++) {
			split(t[i], f, " ")
			name = f[2]
			if (name == "INVALID") { if (f[4] != -1 || f[5] != 22) bad("clock_gettime(INVALID): rc " f[4] " errno " f[5] ", expected EINVAL"); continue }
			if (f[4] != 0) { bad(name ": rc " f[4] " errno " f[5]); continue }
			below = (f[6] - f[9]) * 1e9 + (f[7] - f[10])	# result - before
			above = (f[6] - f[11]) * 1e9 + (f[7] - f[12])	# result - after
			slack = tol	# a _COARSE clock may lag its fine clock by its resolution
			if (name ~ /COARSE/) {
				# The page is at most max(late, after - the latest refresh) old.
				last = f[8] == 0 ? last_real : f[8] == 1 ? last_mono : 0
				age = last > 0 ? f[11] * 1e9 + f[12] - last : 0
				slack += res[name] * coarse_ticks + (age > late ? age : late)
			}
			if (f[7] < 0 || f[7] >= 1e9 || below < -slack || above > tol)
				bad(sprintf("%s = %d.%09d: %+.1f us from the syscall before, %+.1f us from the one after", name, f[6], f[7], below / 1e3, above / 1e3))
			if (name !~ /COARSE/) {	# how far outside [before, after] (< 0: inside)
				out = -below > above ? -below : above
				if (fine == 0 || out > worst_out) worst_out = out
				if (below - above > widest) widest = below - above
				fine++
			} else if (-below > worst_coarse) worst_coarse = -below
		}
		if (loops == "") bad("no M line")
		if (probe == "c" && zones != 1) bad("no Z line")
		if (probe == "c" && arch == "x86_64") {
			if (times != 1) bad(times + 0 " Y lines (time), expected 1")
			if (getcpus != cpus) bad(getcpus + 0 " C lines (getcpu), expected " cpus)
			printf "  time() within the system calls; getcpu right on %d CPUs\n", getcpus
		}
		printf "  AT_SYSINFO_EHDR %s; %d results, %d bad; %d fine ones at worst %+.1f us outside [before, after] (widest bracket %.1f us); coarse at most %.1f us behind its fine clock; MONOTONIC x%d never backwards\n", vdso, n, failed, fine, worst_out / 1e3, widest / 1e3, worst_coarse / 1e3, loops
		exit failed > 0
	}' "$1"
}

# check_libc_syscalls NAME LIBC VDSO(yes|no) LOOPS: probe.c's clock system
# calls are exactly the expected ones.
check_libc_syscalls() {
	expected "$2" "$3" "$4" >"$tmp/$1.want"
	e2e_observed "$tmp/$1.strace" "time|getcpu" >"$tmp/$1.got"
	if ! cmp -s "$tmp/$1.want" "$tmp/$1.got"; then
		echo "  system calls between the markers, expected vs observed:" >&2
		diff "$tmp/$1.want" "$tmp/$1.got" >&2 || true
		fail "$1: the clock system calls are not the expected ones"
	fi
	echo "  strace: $(wc -l <"$tmp/$1.got") clock system calls between the markers, as expected:" \
		"$(sort "$tmp/$1.got" | uniq -c | awk '{ printf "%s%s%s x%d", sep, $2, ($2 ~ /\(/ ? ")" : ""), $1; sep = ", " }')"
}

# check_go_runtime NAME IMAGE BASE VDSO(yes|no) LOOPS: the Go runtime found
# __kernel_clock_gettime inside the mapped image (or, without the vDSO, has
# none), and its clock system calls are the expected ones.
check_go_runtime() {
	sym=$(awk '$1 == "S" { print $2 }' "$tmp/$1.out")
	[ -n "$sym" ] || fail "$1: no S line"
	size=$(wc -c <"$2")
	if [ "$4" = yes ]; then
		# 0 is Go's silent fallback.  Go 1.19's arm64 key for
		# __kernel_clock_gettime carries __vdso_clock_gettime's hashes
		# (see golang/go#62309): it never matches a DT_GNU_HASH chain,
		# and it finds the symbol through DT_HASH only when both hashes
		# pick the same bucket (nbucket 1, 2, 3, 4, 6, 8, 12, 16 or 24).
		if [ $((sym)) -lt $(($3)) ] || [ $((sym)) -ge $(($3 + size)) ]; then
			fail "$1: the Go runtime's __kernel_clock_gettime is $sym, not inside the image at $3 (+$size): it fell back to the system call"
		fi
	else
		[ "$sym" = 0 ] || fail "$1: the Go runtime's __kernel_clock_gettime is $sym without AT_SYSINFO_EHDR"
	fi
	echo "  runtime.vdsoClockgettimeSym $sym"
	check_go_syscalls "$tmp/$1.strace" "$4" "$5" || fail "$1: the clock system calls are not the expected ones"
}

# run NAME VDSO BASE PROBE LIBC(glibc|musl|go) VDSO(yes|no) LOOPS [TRAP]
# TRAP: the image was built with --syscall-insn=TRAP; the loader emulates it.
run() {
	name=$1 image=$2 base=$3 probe=$4 libc=$5 vdso=$6 loops=$7 trap=${8:-}
	echo "## $name"
	opt=""
	[ "$vdso" = yes ] || opt=--no-vdso
	[ -z "$trap" ] || opt="$opt --trap-insn=$trap"
	opt="$opt --flags=$vdso_flags"
	# Go's runtime takes SIGILL, which the loader's counter emulation needs;
	# probe.go waits until the loader has it back (--program-takes-sigill).
	wait_counter=""
	[ "$libc$arch" = goarm ] && opt="$opt --program-takes-sigill" wait_counter=1
	status=0
	# shellcheck disable=SC2086
	E2E_TICK_LOG="$tmp/$name.tick" E2E_TRAP_LOG="$tmp/$name.traps" E2E_TZ=$E2E_TZ \
		E2E_WAIT_FOR_COUNTER=$wait_counter \
		e2e_traced "$tmp/$name.strace" "$tmp/loader" $opt "$image" "$base" \
		"$probe" "$loops" >"$tmp/$name.out" 2>"$tmp/$name.err" || status=$?
	if [ "$status" -ne 0 ]; then
		cat "$tmp/$name.err" "$tmp/$name.out" >&2
		fail "$name: exit $status"
	fi
	want_v=0
	[ "$vdso" = yes ] && want_v=$(printf '%#x' "$base")
	# musl 1.2.3 never uses a vDSO on arm, as inspect's verdict says: it
	# makes every system call, with AT_SYSINFO_EHDR set or not.
	if [ "$libc$arch" = muslarm ] && [ "$vdso" = yes ]; then
		"$MKVDSO" inspect "$image" | grep -q '^  musl 1\.2\.3 .*fallback' ||
			fail "$name: inspect does not say that musl 1.2.3 falls back on arm"
		vdso=no
		echo "  musl 1.2.3 on arm: inspect says fallback, so every call must be a system call"
	fi
	got_v=$(awk '$1 == "V" { print $2 }' "$tmp/$name.out")
	[ "$got_v" = "$want_v" ] || fail "$name: getauxval(AT_SYSINFO_EHDR) = $got_v, expected $want_v"
	if [ "$libc" = go ]; then
		check_go_runtime "$name" "$image" "$base" "$vdso" "$loops"
	else
		check_libc_syscalls "$name" "$libc" "$vdso" "$loops"
	fi
	if [ -n "$trap" ]; then
		# Every clock call the vDSO passes on went through the trap, and
		# nothing else did (musl makes its clock_getres calls itself).
		want=$(grep -c -E '^(clock_gettime\(|getcpu$)' "$tmp/$name.want")
		[ "$libc" = musl ] || [ "$arch" = arm ] ||
			want=$((want + $(grep -c '^clock_getres(' "$tmp/$name.want")))
		# glibc's __riscv_flush_icache, static and dynamic, is the vDSO's.
		[ "$arch" = riscv64 ] && want=$((want + 1))
		got=$(cat "$tmp/$name.traps" 2>/dev/null || echo none)
		[ "$got" = "$want" ] || fail "$name: $got system calls trapped through $trap, expected $want"
		echo "  $got system calls made by the vDSO through $trap, emulated by the loader"
	fi
	# Without the vDSO the coarse clocks are the host kernel's, whose tick is
	# sometimes late: two resolutions (as tests/vdso/harness.c allows).
	ticks=1
	[ "$vdso" = yes ] || ticks=2
	# With the vDSO the tick is the loader's: add its latest-ever refresh.
	[ "$vdso" = yes ] && [ -s "$tmp/$name.tick" ] || echo "0 0 0" >"$tmp/$name.tick"
	read -r late _ <"$tmp/$name.tick"
	echo "  longest data-page refresh gap: $((late / 1000)) us"
	kind=c
	[ "$libc" = go ] && kind=go
	zone=""
	[ "$vdso" = yes ] && zone=$E2E_TZ
	# musl's gettimeofday never writes the timezone: probe.c's -1 stays.
	[ "$libc" = musl ] && zone="-1 -1"
	[ "$libc$arch" = glibcriscv64 ] && zone="0 0"
	[ "$libc$arch" = glibcarm ] && zone="0 0"
	if [ "$arch" = riscv64 ] && [ "$libc" != go ]; then
		grep -qx 'F 0 0' "$tmp/$name.out" ||
			fail "$name: __riscv_flush_icache: $(grep '^F' "$tmp/$name.out" || echo 'no F line')"
		echo "  __riscv_flush_icache: 0, and the code written before it ran"
	fi
	check_values "$tmp/$name.out" "$ticks" "$tmp/$name.tick" "$kind" "$zone" || { cat "$tmp/$name.out" >&2; fail "$name: wrong values"; }
}

# try NAME ...: run, in a subshell so that one failing run (fail exits) is
# reported and the others still give their evidence.  errexit is off around
# the subshell, not in it (`( ... ) || x` would switch it off inside too).
failed=""
try() {
	set +e
	(set -e; run "$@")
	status=$?
	set -e
	[ "$status" -eq 0 ] || failed="$failed $1"
}

e2e_handmade sysv "$tmp/prebuilt.so"
for image in builtin prebuilt; do
	input=""
	[ $image = prebuilt ] && input=--prebuilt="$tmp/prebuilt.so"
	for mode in linked-at-0 prelink; do
		for base in $BASES; do
			dir=$tmp/vdso-$image-$mode-$base
			popt=""
			[ "$mode" = prelink ] && popt=--prelink
			# shellcheck disable=SC2086
			(cd / && MKVDSO_DATADIR="$root" "$MKVDSO" build -q --arch="$arch" --base="$base" \
				--format=raw $popt $input -o "$dir") || fail "mkvdso build --base=$base $popt $input"
			cmp -s "$dir/vdso_auxv.h" "$root/include/vdso_auxv.h" ||
				fail "mkvdso build shipped a vdso_auxv.h that differs from include/"
			for libc in $e2e_libcs; do
				l=${libc%%-*}
				loops=$LOOPS	# musl on arm: each loop is a system call
				[ "$l$arch" = muslarm ] && loops=3
				try "$libc-$image-$mode-$base" "$dir/vdso.bin" "$base" "$tmp/probe-$libc" \
					"$l" yes "$loops"
			done
		done
	done
done

# A kernel that traps system calls its own way (rel4-linux-kit turns svc #0
# into 0xdeadbeef; a monitor catching ud2 on x86_64): the vDSO built with
# --syscall-insn, the loader emulating the undefined instruction.  Go calls
# only the clocks the vDSO serves.
echo "# --syscall-insn=$trap_insn: the calls the vDSO passes on come from inside it"
base=${BASES%% *}
(cd / && MKVDSO_DATADIR="$root" "$MKVDSO" build -q --arch="$arch" --base="$base" --format=raw \
	--syscall-insn=$trap_insn -o "$tmp/vdso-trap") || fail "mkvdso build --syscall-insn"
trap_libcs="glibc musl"
[ "$arch" = riscv64 ] && trap_libcs="glibc glibc-dyn"	# no musl; dynamic flush_icache
[ "$arch" = arm ] && trap_libcs="glibc glibc-dyn"	# musl 1.2.3 never calls the vDSO there
for libc in $trap_libcs; do
	e2e_has "$libc" || continue
	try "$libc-trap" "$tmp/vdso-trap/vdso.bin" "$base" "$tmp/probe-$libc" "${libc%%-*}" yes "$LOOPS" \
		$trap_insn
done

if [ "$arch" = x86_64 ]; then
	# What a Linux host on this CPU promises (MKVDSO_FLAG_TSC_AUX_CPU |
	# MKVDSO_FLAG_RDTSCP): getcpu from IA32_TSC_AUX, no system call nor
	# trap, and the TSC read with rdtscp, under every probe.
	grep -q -w rdtscp /proc/cpuinfo || fail "this CPU has no RDTSCP: MKVDSO_FLAG_RDTSCP cannot be tested"
	echo "# --flags=3 (TSC_AUX_CPU | RDTSCP): getcpu from IA32_TSC_AUX, the TSC by rdtscp"
	vdso_flags=3
	for libc in $e2e_libcs; do
		try "$libc-flags" "$tmp/vdso-builtin-linked-at-0-$base/vdso.bin" "$base" "$tmp/probe-$libc" \
			"${libc%%-*}" yes "$LOOPS"
	done
	for libc in $trap_libcs; do
		try "$libc-flags-trap" "$tmp/vdso-trap/vdso.bin" "$base" "$tmp/probe-$libc" "${libc%%-*}" \
			yes "$LOOPS" $trap_insn
	done
	vdso_flags=0
fi

# arm: the image claims no float ABI (mkvdso clears EF_ARM_ABI_FLOAT_SOFT
# and _HARD, as Linux's vdsomunge).  glibc 2.36's ld.so never checks the
# vDSO's flags (setup_vdso; VALID_FLOAT_ABI is for the files it opens):
# hard-float (armhf) and soft-float (armel) dynamic programs use an image
# flagged for the other ABI, and the unflagged one, all the same.
if [ "$arch" = arm ]; then
	echo "# float-ABI flags: glibc takes the vDSO whatever they claim"
	command -v arm-linux-gnueabi-gcc >/dev/null 2>&1 ||
		fail "arm-linux-gnueabi-gcc is missing (Debian: gcc-arm-linux-gnueabi libc6-dev-armel-cross)"
	arm-linux-gnueabi-gcc -O2 -Wall -Wextra -Werror "$here/probe.c" -o "$tmp/probe-glibc-soft" ||
		fail "compiling probe.c against armel (soft-float) glibc"
	base=${BASES%% *}
	plain=$tmp/vdso-builtin-linked-at-0-$base/vdso.bin
	for abi in soft hard; do
		cp "$plain" "$tmp/vdso-$abi.bin"
		# e_flags (offset 36, little-endian): EF_ARM_EABI_VER5 and
		# EF_ARM_ABI_FLOAT_SOFT (0x200) or _HARD (0x400).
		case $abi in
		soft) printf '\000\002\000\005' ;;
		hard) printf '\000\004\000\005' ;;
		esac | dd of="$tmp/vdso-$abi.bin" bs=1 seek=36 count=4 conv=notrunc 2>/dev/null
		"${prefix}readelf" -h "$tmp/vdso-$abi.bin" | grep -q "Flags:.*, $abi-float ABI$" ||
			fail "the $abi-float copy is not flagged so"
	done
	try glibc-dyn-hard-on-soft-flags "$tmp/vdso-soft.bin" "$base" "$tmp/probe-glibc-dyn" glibc yes "$LOOPS"
	trace_sysroot=/usr/arm-linux-gnueabi
	try glibc-soft-on-hard-flags "$tmp/vdso-hard.bin" "$base" "$tmp/probe-glibc-soft" glibc yes "$LOOPS"
	try glibc-soft-on-no-flags "$plain" "$base" "$tmp/probe-glibc-soft" glibc yes "$LOOPS"
	trace_sysroot=
fi

echo "# negative control: no AT_SYSINFO_EHDR, every call is a system call"
base=${BASES%% *}
for libc in $e2e_libcs; do
	try "$libc-no-vdso" "$tmp/vdso-builtin-linked-at-0-$base/vdso.bin" "$base" "$tmp/probe-$libc" \
		"${libc%%-*}" no 3
done

[ -z "$failed" ] || fail "these runs failed:$failed"
echo "e2e: PASS"
