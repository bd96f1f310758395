#!/bin/sh
# A peer's test suite: Linux's own vDSO selftests (tools/testing/selftests/
# vDSO of Debian 12's linux-source-6.12) against the built-in vDSO of ARCH,
# run by loader.c: x86_64 natively, aarch64, riscv64 and arm under qemu (-L
# the cross sysroot: the selftests are dynamic glibc programs, as their
# Makefile builds them; qemu-arm's mrrc of CNTVCT raises SIGILL, which the
# loader emulates).  Five programs, built with the Makefile's flags:
#   vdso_test_abi           TAP: gettimeofday, clock_gettime and clock_getres
#                           of 7 clocks (getres against the system call), time
#   vdso_test_gettimeofday  one gettimeofday       (exit 0 pass, 4 skip)
#   vdso_test_getcpu        one getcpu             (exit 0 pass, 4 skip)
#   vdso_test_clock_getres  libc's clock_getres of 7 clocks against the
#                           system call ("[PASS]"/"[FAIL]" lines)
#   vdso_test_correctness   found with dlopen("linux-vdso.so.1", RTLD_NOLOAD):
#                           clock ids 0-11 and 3 bad ones, gettimeofday and
#                           its timezone, getcpu on every CPU, each against
#                           the system call ("[RUN]"/"[OK]"/"[FAIL]" lines);
#                           on 32-bit also clock_gettime64 with the same ids
# Each program's output is read check by check (TAP's plan and totals, the
# other formats' lines), never its exit status alone.  A skip fails unless
# the skip table below says Linux's own vDSO lacks that symbol there too; the
# table's claims are checked against Linux's linker script for the
# architecture.  The traces (e2e_traced) show that gettimeofday made no
# system call and getcpu exactly the expected ones.
#
# One deviation is allowed, and counted: vdso_test_correctness requires a
# _COARSE clock's vDSO time to lie between two system calls, but under the
# loader the vDSO's coarse clocks follow the loader's 1 ms tick while the
# system calls answer with the host kernel's own tick, so the two disagree
# by up to a tick either way.  Such a "[FAIL] Times are out of sequence"
# passes as a deviation when the vDSO time lies no more than the clock's
# resolution plus the loader's longest tick gap plus 1 ms below the first
# system call, and no more than two resolutions (the host's tick, late when
# its CPUs idle) plus 1 ms above the second: run.sh's tolerances for the
# libc probes.  Anything else fails; the native control has no deviation.
#
# Then, on x86_64, the native control: the same programs run directly on this
# machine's kernel and its own vDSO must pass with the same checks.  Last the
# negative controls, each of which must fail in the programs named where
# they run: no AT_SYSINFO_EHDR; the image with its version renamed
# (vdso-mutate); a timezone in the page that is not the system call's; on
# 32-bit, __vdso_clock_gettime64 hidden (vdso-mutate).
#
#   ARCH=x86_64|aarch64|riscv64|arm MKVDSO=... VDSO_MUTATE=... \
#   LINUX_SELFTESTS=DIR tests/e2e/selftests.sh
# LINUX_SELFTESTS (default build/linux-selftests) receives the extracted
# sources; the package is kept in build-cache/linux-source ($MKVDSO_CACHE).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$root/tests/include/deb_cache.sh"

# Per architecture: Linux's vDSO linker script, which says what Linux's vDSO
# exports there, and the loader runs, each "LOADER_OPTIONS:GETCPU_SYSCALLS"
# ("-" for no option): how many getcpu system calls the vDSO's getcpu makes
# in that run (x86_64 reads IA32_TSC_AUX only when the page says the kernel
# keeps it; riscv64's getcpu is the system call, as Linux's).  Another
# architecture is a row here, its rows in the skip table, and its case in
# lib.sh (compiler, sysroot, qemu).
arch_table='
x86_64  arch/x86/entry/vdso/vdso.lds.S     -:1 --flags=1:0
aarch64 arch/arm64/kernel/vdso/vdso.lds.S  -:0
riscv64 arch/riscv/kernel/vdso/vdso.lds.S  -:1
arm     arch/arm/vdso/vdso.lds.S           -:0
'
# The skips that are not failures: ARCH PROGRAM CHECK, and the symbol that
# Linux's own vDSO for ARCH does not export either (absent from the arch
# table's linker script, which is checked), or "-" with the reason:
# vdso_test_correctness looks __vdso_clock_gettime64 up only #if VDSO_32BIT
# (vdso_config.h), so it skips it on every 64-bit architecture.
skip_table='
x86_64  correctness clock_gettime64 -
aarch64 abi         __kernel_time   __kernel_time
aarch64 getcpu      getcpu          __kernel_getcpu
aarch64 correctness getcpu          __kernel_getcpu
aarch64 correctness clock_gettime64 -
riscv64 abi         __vdso_time     __vdso_time
riscv64 correctness clock_gettime64 -
arm     abi         __vdso_time     __vdso_time
arm     getcpu      getcpu          __vdso_getcpu
arm     correctness getcpu          __vdso_getcpu
'
programs="abi gettimeofday getcpu clock_getres correctness"

row=$(echo "$arch_table" | awk -v a="$arch" '$1 == a')
[ -n "$row" ] || fail "the selftests have no row for ARCH=$arch in selftests.sh's arch table"
lds=$(echo "$row" | awk '{ print $2 }')
runs=$(echo "$row" | awk '{ $1 = $2 = ""; print }')
for tool in apt-get dpkg-deb xz tar "${prefix}gcc"; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing (Debian: apt, dpkg, xz-utils, tar, $packages)"
done
VDSO_MUTATE=${VDSO_MUTATE:-$root/build/tests/fixtures/vdso-mutate}
[ -x "$VDSO_MUTATE" ] || fail "vdso-mutate not found at $VDSO_MUTATE (set VDSO_MUTATE)"

# --- the sources: once per clone (the .deb) and per build folder (the files) ---
deb=$(deb_cache linux-source-6.12 "${MKVDSO_CACHE:-$root/build-cache}/linux-source") ||
	fail "no linux-source-6.12 (Debian 12's bookworm-security has it)"
version=$(dpkg-deb -f "$deb" Version) || fail "$deb is not a .deb"
src=${LINUX_SELFTESTS:-$root/build/linux-selftests}/$version
# extract DIR PATH...: those paths of the source tree into DIR.
extract() {
	dir=$1
	shift
	# shellcheck disable=SC2046
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.12.tar.xz | xz -dc |
		tar -x -C "$dir" --strip-components=1 $(printf 'linux-source-6.12/%s\n' "$@")
}
if [ ! -f "$src/.complete" ]; then
	echo "# extracting the vDSO selftests of linux-source-6.12 $version"
	mkdir -p "$(dirname "$src")"
	part=$(mktemp -d "$src.part.XXXXXX")
	# Only the selftests, kselftest.h and the linker scripts the skip table
	# cites (tools/include is needed by vdso_test_getrandom only).
	# shellcheck disable=SC2046
	extract "$part" tools/testing/selftests/vDSO tools/testing/selftests/kselftest.h \
		$(echo "$arch_table" | awk 'NF { print $2 }') ||
		{ rm -rf "$part"; fail "extracting the vDSO selftests from $deb"; }
	touch "$part/.complete"
	mv -T "$part" "$src" 2>/dev/null || rm -rf "$part"	# a concurrent run got there first
fi
if [ ! -f "$src/$lds" ]; then
	# Extracted before ARCH had its row: without its linker script the
	# skip table's check below would find nothing and pass.
	echo "# extracting $lds"
	part=$(mktemp -d "$src.part.XXXXXX")
	if ! extract "$part" "$lds" || ! mkdir -p "$(dirname "$src/$lds")" || ! mv "$part/$lds" "$src/$lds"; then
		rm -rf "$part"
		fail "extracting $lds from $deb"
	fi
	rm -rf "$part"
fi
st=$src/tools/testing/selftests/vDSO
echo "# Linux's vDSO selftests from linux-source-6.12 $version"

# The skip table's symbols are absent from Linux's linker script for ARCH.
exported=$(echo "$skip_table" | awk -v a="$arch" '$1 == a && $4 != "-" { print $4 }' |
	while read -r sym; do grep -q -w -- "$sym" "$src/$lds" && echo "$sym"; done) ||
	true
[ -z "$exported" ] || fail "the skip table says Linux's $arch vDSO lacks" $exported "but $lds exports it"

# --- build: the Makefile's CFLAGS (-std=gnu99 -O2, lib.mk's -D_GNU_SOURCE=),
# dynamic, correctness with -ldl ---
echo "# build: loader, $programs"
e2e_build_loader
for p in $programs; do
	case $p in
	abi | gettimeofday | getcpu) extra="$st/parse_vdso.c" libs="" ;;
	correctness) extra="" libs=-ldl ;;
	*) extra="" libs="" ;;
	esac
	# shellcheck disable=SC2086
	"${prefix}gcc" -std=gnu99 -O2 -D_GNU_SOURCE= $extra "$st/vdso_test_$p.c" $libs -o "$tmp/$p" ||
		fail "compiling vdso_test_$p.c"
done

base=${e2e_bases%% *}
(cd / && MKVDSO_DATADIR="$root" "$MKVDSO" build -q --arch="$arch" --base="$base" --format=raw \
	-o "$tmp/vdso") || fail "mkvdso build --arch=$arch --base=$base"
"$VDSO_MUTATE" version-name=LINUX_0.0 "$tmp/vdso/vdso.bin" "$tmp/renamed.bin" ||
	fail "vdso-mutate version-name"

# results PROGRAM OUT STATUS RES LATE MONO REAL: PROGRAM's output OUT (exit STATUS) as
# one line per check, "pass|fail|skip|deviation CHECK", and a last line
# "end" (or "broken WHY" when the output itself is not what the program
# prints: a missing plan, wrong totals, a missing check).  RES: the coarse
# clocks' resolution in ns; LATE MONO REAL: the loader's tick log, its
# longest tick gap and its latest tick's MONOTONIC and REALTIME times in ns
# (0 0 0 natively).
results() {
	case $1 in
	abi) awk -v status="$3" '
		/^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
		/^1\.\.0 # SKIP/ { sub(/^1\.\.0 # SKIP /, ""); print "skip " $0; plan = 0; seen = -1; next }
		/^ok [0-9]+ # SKIP / { sub(/^ok [0-9]+ # SKIP /, ""); print "skip " $0; seen++; k["skip"]++; next }
		/^ok [0-9]+ / { sub(/^ok [0-9]+ /, ""); print "pass " $0; seen++; k["pass"]++; next }
		/^not ok [0-9]+ / { sub(/^not ok [0-9]+ /, ""); print "fail " $0; seen++; k["fail"]++; next }
		/^# Totals: / { totals = $0 }
		END {
			want = sprintf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0", k["pass"], k["fail"], k["skip"])
			if (seen == -1) print "end"
			else if (plan == "" || seen != plan) print "broken " seen + 0 " results for a plan of " plan
			else if (totals != want) print "broken totals \"" totals "\", counted \"" want "\""
			else if (status != (k["fail"] ? 1 : 0)) print "broken exit status " status " for " k["fail"] + 0 " failures"
			else print "end"
		}' "$2" ;;
	gettimeofday | getcpu) awk -v p="$1" -v status="$3" -v cpus="$(nproc)" '
		/^The time is [0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ && p == "gettimeofday" { ok = 1 }
		/^Running on CPU [0-9]+ node [0-9]+$/ && p == "getcpu" { ok = ($4 < cpus) }
		/^Could not find / { missing = $4 }
		/^AT_SYSINFO_EHDR is not present!$/ { absent = 1 }
		END {
			if (status == 0 && ok) print "pass " p
			else if (status == 4 && missing != "") print "skip " p
			else if (absent) print "fail " p " (no AT_SYSINFO_EHDR)"
			else print "fail " p " (exit " status ")"
			print "end"
		}' "$2" ;;
	clock_getres) awk -v status="$3" '
		/^clock_id: [A-Z_]+ \[PASS\]$/ { print "pass " $2; n++; next }
		/^clock_id: [A-Z_]+ \[FAIL\]$/ { print "fail " $2; n++; failed++ }
		END {
			if (n != 7) print "broken " n + 0 " clocks, expected 7"
			else if (status != (failed ? 1 : 0)) print "broken exit status " status
			else print "end"
		}' "$2" ;;
	correctness) awk -v status="$3" -v res="$4" -v late="$5" -v last_mono="$6" -v last_real="$7" '
		# SEC.FRACTION as ns after the second s0 (whole ns since 1970 are
		# past a double'"'"'s 53 bits); FRACTION has 9 digits, gettimeofday 6.
		function ns(t, s0,  sec, frac) { sec = t; sub(/\..*/, "", sec); frac = t; sub(/^[^.]*\./, "", frac)
			return (sec - s0) * 1e9 + frac * (length(frac) == 6 ? 1000 : 1) }
		/^\[RUN\]\tTesting .* for clock / { check = $3 " " $6 " " $7; sub(/\.\.\.$/, "", check); runs[$3]++; next }
		/^\[RUN\]\tTesting gettimeofday/ { check = "gettimeofday"; next }
		/^\[RUN\]\tTesting getcpu/ { check = "getcpu"; getcpu = 1; next }
		/^\t[0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+$/ { s0 = $1; sub(/\..*/, "", s0); t0 = ns($1, s0); tv = ns($2, s0); t1 = ns($3, s0); next }
		/^\[OK\]\tCPU [0-9]+:/ { sub(/:.*/, ""); sub(/^\[OK\]\t/, ""); print "pass getcpu " $0; cpus++; next }
		/^\[FAIL\]\tCPU [0-9]+:/ { sub(/:.*/, ""); sub(/^\[FAIL\]\t/, ""); print "fail getcpu " $0; cpus++; failed++; next }
		/^\[OK\]/ { print "pass " check; next }
		/^\[FAIL\]\tTimes are out of sequence$/ && check ~ /_COARSE / {
			failed++
			# The page is at most max(late, now - the latest refresh) old,
			# now at most a tick past the second system call.
			last = check ~ /REALTIME/ ? last_real : last_mono
			age = last > 0 ? t1 + s0 * 1e9 + res - last : 0
			if (age < late) age = late
			if (tv >= t0 - (res + age + 1e6) && tv <= t1 + 2 * res + 1e6) {
				printf "deviation %s: the vDSO %+.1f us from the first system call, %+.1f us from the second\n", check, (tv - t0) / 1e3, (tv - t1) / 1e3
				deviations++
			} else print "fail " check " (out of sequence)"
			next }
		/^\[FAIL\]/ { sub(/^\[FAIL\]\t/, ""); print "fail " check " (" $0 ")"; failed++; next }
		/^\[SKIP\]\tNo vDSO, so skipping clock_gettime64/ { print "skip clock_gettime64"; next }
		/^\[SKIP\]/ { sub(/^\[SKIP\]\t/, ""); print "skip " $0; next }
		/^Warning: failed to find [a-z_0-9]+ in vDSO$/ { print "skip " $5; next }
		/^\[WARN\]/ { sub(/^\[WARN\]\t */, ""); print "fail " $0 }
		END {
			# Each function tested (clock_gettime; clock_gettime64 on 32-bit)
			# with ids 0-11 and 3 bad ones.
			for (f in runs) if (runs[f] != 15) broken = broken " " f " x" runs[f]
			if (broken != "") print "broken clock runs:" broken ", expected 15 each"
			else if (getcpu && !cpus) print "broken getcpu tested no CPU"
			else if (status != (failed ? 1 : 0)) print "broken exit status " status " for " failed + 0 " failures"
			else print "end"
		}' "$2" ;;
	esac
}

# judge NAME FILE...: the result lines of one run; prints a summary and
# returns 1 when a check failed, an unexpected skip or a broken output is
# in them.
judge() {
	name=$1
	shift
	cat "$@" | awk -v a="$arch" -v name="$name" -v table="$skip_table" '
		BEGIN { n = split(table, rows, "\n")
			for (i = 1; i <= n; i++) { split(rows[i], f, " "); if (f[1] == a) ok_skip[f[2] " " f[3]] = 1 } }
		/^program / { p = $2; next }
		/^end$/ { next }
		/^broken / { print "  " name ": " p ": output not understood: " substr($0, 8); bad++; next }
		{ status = $1; sub(/^[a-z]+ /, ""); count[status]++ }
		status == "fail" { print "  " name ": " p ": FAIL " $0; bad++ }
		status == "skip" && !ok_skip[p " " $0] { print "  " name ": " p ": unexpected SKIP " $0; bad++ }
		status == "skip" && ok_skip[p " " $0] { expected = expected " " p "/" $0 }
		status == "deviation" { print "  " name ": " p ": " $0 }
		END {
			printf "  %s: %d pass, %d fail, %d skip (expected:%s), %d coarse deviations\n", name,
				count["pass"], count["fail"], count["skip"], expected == "" ? " none" : expected, count["deviation"]
			exit bad > 0
		}'
}

# run_all NAME HOW [LOADER_OPTIONS]: every program, HOW "loader IMAGE" (with
# E2E_TZ if set) or "native"; their result lines in $tmp/NAME.results,
# outputs and traces in $tmp/NAME-PROGRAM.*.
run_all() {
	name=$1 how=$2 opts=${3:-}
	: >"$tmp/$name.results"
	for p in $programs; do
		out=$tmp/$name-$p
		status=0
		if [ "$how" = native ]; then
			strace -f -qq -o "$out.strace" "$tmp/$p" >"$out.out" 2>"$out.err" || status=$?
			tick="0 0 0"
		else
			# shellcheck disable=SC2086
			E2E_TICK_LOG="$out.tick" e2e_traced "$out.strace" "$tmp/loader" $opts \
				"${how#loader }" "$base" "$tmp/$p" >"$out.out" 2>"$out.err" || status=$?
			[ "$status" -ne 2 ] || { cat "$out.err" >&2; fail "$name: the loader could not start vdso_test_$p"; }
			tick=$(cat "$out.tick" 2>/dev/null || echo 0 0 0)
		fi
		# vdso_test_abi prints the coarse resolution the system call gives
		# (kept for the runs where it skips: the renamed image).
		r=$(awk '/^# clock_id: CLOCK_MONOTONIC_COARSE$/ { c = 1 }
			c && /^# The syscall resolution is/ { printf "%d\n", $6 * 1e9 + $7; exit }' "$out.out")
		[ -z "$r" ] || coarse_res=$r
		echo "program $p" >>"$tmp/$name.results"
		# shellcheck disable=SC2086
		results "$p" "$out.out" "$status" "$coarse_res" $tick >>"$tmp/$name.results"
	done
}

# syscalls NAME PROGRAM CALL: how many CALL system calls the trace shows.
syscalls() {
	grep -o -E "(^|[^_a-z0-9])$3\(" "$tmp/$1-$2.strace" | wc -l
}

failed="" coarse_res=0
fails() { failed="$failed $1"; }

# The loader's own system calls, without the vDSO (the programs stop before
# any clock call when AT_SYSINFO_EHDR is missing): the traces' baseline.
echo "# negative control: no AT_SYSINFO_EHDR"
run_all no-vdso "loader $tmp/vdso/vdso.bin" --no-vdso
baseline_gettimeofday=$(syscalls no-vdso gettimeofday gettimeofday)
baseline_getcpu=$(syscalls no-vdso getcpu getcpu)

for spec in $runs; do
	opt=${spec%:*} want_getcpu=${spec#*:}
	[ "$opt" != - ] || opt=""
	name=loader${opt:+$opt}
	echo "## the built-in $arch vDSO through the loader${opt:+ $opt}"
	run_all "$name" "loader $tmp/vdso/vdso.bin" "$opt"
	judge "$name" "$tmp/$name.results" || fails "$name"
	# The vDSO answered: gettimeofday made no system call, getcpu the
	# expected ones, beyond what the loader makes itself.
	got=$(($(syscalls "$name" gettimeofday gettimeofday) - baseline_gettimeofday))
	[ "$got" -eq 0 ] || { echo "  $name: vdso_test_gettimeofday made $got gettimeofday system calls"; fails "$name-trace"; }
	getcpu="no getcpu in the vDSO"
	if ! grep -q '^skip getcpu$' "$tmp/$name.results"; then
		got=$(($(syscalls "$name" getcpu getcpu) - baseline_getcpu))
		[ "$got" -eq "$want_getcpu" ] ||
			{ echo "  $name: vdso_test_getcpu made $got getcpu system calls, expected $want_getcpu"; fails "$name-trace"; }
		getcpu="getcpu $got"
	fi
	echo "  $name: system calls the vDSO made (traces): gettimeofday 0, $getcpu"
done

if [ "$arch" = x86_64 ]; then
	echo "## native control: the same programs on this machine's kernel and its own vDSO"
	run_all native native
	judge native "$tmp/native.results" || fails native
	grep -q '^deviation' "$tmp/native.results" && { echo "  native: a coarse deviation without the loader"; fails native; }
	# The same checks with the same outcomes, but the loader's deviations.
	for spec in $runs; do
		opt=${spec%:*}
		[ "$opt" != - ] || opt=""
		name=loader${opt:+$opt}
		sed 's/^deviation \([^:]*\):.*/pass \1/' "$tmp/$name.results" | grep -v '^end' >"$tmp/$name.cmp"
		grep -v '^end' "$tmp/native.results" >"$tmp/native.cmp"
		if diff "$tmp/native.cmp" "$tmp/$name.cmp" >"$tmp/cmp.diff"; then
			echo "  native and $name: the same $(grep -c -v '^program' "$tmp/native.cmp") checks, the same outcomes (a deviation counted as a pass)"
		else
			echo "  native and $name differ:"
			cat "$tmp/cmp.diff"
			fails "compare-$name"
		fi
	done
fi

# The negative controls fail, each where it should: without AT_SYSINFO_EHDR
# every program but vdso_test_clock_getres (it calls libc's clock_getres,
# which takes the system call then); with the version renamed the programs
# that look symbols up by version (parse_vdso.c), not correctness (dlsym is
# unversioned) nor clock_getres (libc falls back); with another timezone in
# the page only correctness's gettimeofday.  A program counts only where it
# passed with the intact image (vdso_test_getcpu skips on aarch64).
echo "# negative control: the image with its version renamed to LINUX_0.0"
run_all renamed "loader $tmp/renamed.bin"
echo "# negative control: E2E_TZ=\"-330 0\", not the system call's timezone"
E2E_TZ="-330 0"
export E2E_TZ
run_all tz "loader $tmp/vdso/vdso.bin"
unset E2E_TZ
# Where correctness tests the time64 entry (no clock_gettime64 skip in the
# table: 32-bit), it must notice the entry gone; dlsym skips a hidden symbol.
time64_control=""
if ! echo "$skip_table" | grep -q -E "^$arch +correctness +clock_gettime64 "; then
	echo "# negative control: __vdso_clock_gettime64 hidden"
	"$VDSO_MUTATE" hide=__vdso_clock_gettime64 "$tmp/vdso/vdso.bin" "$tmp/hidden64.bin" ||
		fail "vdso-mutate hide=__vdso_clock_gettime64"
	run_all hidden64 "loader $tmp/hidden64.bin"
	time64_control="hidden64 correctness"
fi
for control in "no-vdso abi gettimeofday getcpu correctness" "renamed abi gettimeofday getcpu" \
	"tz correctness" ${time64_control:+"$time64_control"}; do
	# shellcheck disable=SC2086
	set -- $control
	name=$1
	shift
	judge "$name" "$tmp/$name.results" >"$tmp/$name.judged" && { cat "$tmp/$name.judged"; fails "$name-passed"; continue; }
	# Which programs failed (a FAIL, an unexpected SKIP, a broken output).
	passed=$(awk '/^program / { p = $2 } /^pass / { print p }' "$tmp/loader.results" | sort -u)
	got=$(awk '/^  [^ ]+: [a-z_]+: (FAIL|unexpected SKIP|output not understood)/ { sub(/:$/, "", $2); print $2 }' \
		"$tmp/$name.judged" | sort -u | grep -x -F "$passed" | tr '\n' ' ' | sed 's/ $//')
	want=$(printf '%s\n' "$@" | sort | grep -x -F "$passed" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then
		echo "  $name: fails in $got, as it must"
	else
		cat "$tmp/$name.judged"
		echo "  $name: failed in \"$got\", expected \"$want\""
		fails "$name"
	fi
done
grep -q '^fail gettimeofday (timezones do not match)$' "$tmp/tz.results" ||
	{ echo "  tz: correctness did not see the timezone differ"; fails tz; }
[ -z "$time64_control" ] || grep -q '^skip clock_gettime64$' "$tmp/hidden64.results" ||
	{ echo "  hidden64: correctness did not miss clock_gettime64"; fails hidden64; }

[ -z "$failed" ] || fail "these failed:$failed"
echo "selftests ($arch): PASS"
