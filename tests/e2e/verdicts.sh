#!/bin/sh
# The verdict table: `mkvdso inspect`'s per-consumer verdicts against what
# unmodified programs really do with the same images, for lib.sh's ARCH
# (aarch64, riscv64 and arm under qemu, x86_64 natively: ctest e2e/verdicts,
# e2e/verdicts-riscv64, e2e/verdicts-arm, e2e/verdicts-x86_64).
#
# The built-in vDSO is built for BASE (lib.sh's first e2e_bases address),
# linked again by hand with other hash tables or linker scripts, and
# damaged, one property at a time, by tests/fixtures/vdso-mutate, the way
# kernel authors get it wrong (P is the architecture's name prefix,
# __kernel_ or __vdso_):
#
#   good                               nothing changed (every consumer uses it)
#   hash-style=both                    DT_HASH and DT_GNU_HASH (Go 1.19-1.21
#                                      on arm64 look in the second with wrong
#                                      hashes)
#   hash-style=gnu                     DT_GNU_HASH only (musl needs DT_HASH)
#   drop-hash                          no hash table at all
#   drop-versions                      no DT_VERSYM/DT_VERDEF/DT_VERDEFNUM
#                                      (linked without a version script)
#   version-name=LINUX_2.5             the version node has a wrong name
#   hide=Pclock_gettime                that symbol STV_HIDDEN in .dynsym
#   hide=Pgettimeofday                 ... and this one
#   drop-versym                        version definitions without DT_VERSYM
#   bad-vd-hash                        the version's vd_hash off by one bit
#   unversion=Pclock_gettime           that symbol VER_NDX_GLOBAL in .gnu.version
#   drop-verdef                        DT_VERSYM without DT_VERDEF/DT_VERDEFNUM
#   versym-past=SYMBOL                 that symbol's version index past the last
#                                      version definition
#   hidden-version=SYMBOL              that symbol's version hidden (0x8000: not
#                                      the default version of its name)
#   abs=Pclock_gettime                 that symbol SHN_ABS (an absolute address)
#   no-dynamic                         no PT_DYNAMIC program header
#   writable-dynamic                   PT_DYNAMIC flagged writable (glibc >= 2.35
#                                      then writes into the read-only image)
#
# and the architecture's own (the table below): on x86_64
#
#   script=no-plain-names              linked without the weak plain names
#                                      (clock_gettime, time, ...) beside the
#                                      __vdso_ ones
#   script=__vdso_time@LINUX_2.5       __vdso_time (and time) in a version
#                                      node of their own, LINUX_2.5
#
# and damage to the functions only that architecture's libcs look up
# (__vdso_time, __vdso_getcpu; riscv64's __vdso_getcpu, __vdso_flush_icache);
# on arm
#
#   script=no-__vdso_clock_gettime64   linked without the time64 entry (as
#                                      Linux before 5.5)
#   script=__vdso_clock_gettime64@LINUX_2.5
#                                      the time64 entry in a node of its own
#
# and damage to __vdso_clock_gettime64 (musl >= 1.2.4 and glibc >= 2.34
# then call the time32 entry, musl only while that one resolves).
#
# Every image but arm's is the build with --syscall-insn (lib.sh's trap instruction;
# the hand-linked ones with the same MKVDSO_SYSCALL_INSN), and the loader
# emulates the trap: a function the vDSO implements as a system call
# (x86_64's getcpu without MKVDSO_FLAG_TSC_AUX_CPU, riscv64's getcpu and
# flush_icache, whose system call qemu-riscv64 7.2 does not even log) shows
# being called by a trap at an address inside it.
#
# For each image and each probe (tests/e2e/probe.c against glibc and musl,
# static, static-pie where the architecture has it, and dynamic;
# tests/e2e/probe.go with Go), in two release sets (Debian 12's installed
# glibc 2.36, musl 1.2.3 and Go 1.19, and Debian 13's glibc 2.41, musl 1.2.5
# and Go 1.24 that trixie.sh fetches and unpacks; each program is first
# checked to be the release its set claims), the program runs under the
# user-space kernel (loader.c), traced (lib.sh: qemu-ARCH -strace, or
# strace -f), with "more" (probe.c: time() and sched_getcpu(); probe.go:
# syscall.Gettimeofday), and what it did with each function its libc calls
# through the vDSO on this architecture (the table's functions) is read off
# the trace between its markers:
#
#   crash     the program did not exit 0 or printed no results
#   uses      the loader trapped a system call inside the function (it was
#             called), or the function's own system call was not made;
#             on arm, a trap inside it (each entry's own counter read)
#   fallback  the program made the function's system call itself
#             (clock_gettime of MONOTONIC, gettimeofday, clock_getres of
#             MONOTONIC, time, getcpu), or, for riscv64's flush_icache
#             (its system call is not in qemu's log), no trap inside it;
#             on arm, no trap inside it, and the system call or a trap
#             in the probe's other clock_gettime entry ("unseen": neither)
#
# Nothing here needs placing: every image is linked at 0 and has no
# relocations, so the loader maps the file as it is.
# `mkvdso inspect`'s verdict for a static or dynamic program, for the release
# rows that cover the release that ran, must be the same word for every
# function (a static-pie program is a static one); a function only one side
# names is a mismatch.  A program that crashed must have a crash verdict for
# one of its functions; one that did not must have none.  Bionic cannot run
# here.
#
#   MKVDSO=... VDSO_MUTATE=... [ARCH=...] tests/e2e/verdicts.sh
#   MKVDSO=... [ARCH=...] tests/e2e/verdicts.sh IMAGE.so...     (your own images)
#
# Given images, the table is made for them instead: each is placed for BASE
# with `mkvdso build --prebuilt --format=raw` when mkvdso accepts it, else
# mapped as it is (which works for an image linked at 0 without relocations).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/trixie.sh"
base=${e2e_bases%% *}

# One row per architecture: the prefix of its vDSO's names; the Debian 12
# packages whose versions its installed glibc and musl are ("-": Debian 12
# has none); the functions each consumer's probe calls through the vDSO there
# (their names past the prefix, by commas: glibc, musl, go); the images only
# it has ("-": none).  How its programs are built and run is lib.sh's (its
# ARCH case: compiler, sysroot, tracer, trap instruction) and trixie.sh's.
# 32-bit arm joins with one row here, its ARCH case in lib.sh (deb_arch
# armhf, triplet arm-linux-gnueabihf) and armhf in trixie.sh's trixie_archs.
#
# musl calls no vDSO function on riscv64 but __riscv_flush_icache (it has no
# vDSO clock there), and Debian 12 has no riscv64 musl; glibc's riscv64
# gettimeofday and time are clock_gettime; Go's amd64 runtime calls
# __vdso_gettimeofday only for syscall.Gettimeofday (probe.go's "more").
architectures="
aarch64 __kernel_ libc6-dev-arm64-cross musl-dev:arm64 clock_gettime,gettimeofday,clock_getres clock_gettime clock_gettime -
x86_64 __vdso_ libc6-dev musl-dev clock_gettime,gettimeofday,clock_getres,time,getcpu clock_gettime,getcpu clock_gettime,gettimeofday script=no-plain-names,script=__vdso_time@LINUX_2.5,hide=__vdso_time,versym-past=__vdso_time,hidden-version=__vdso_time,hide=__vdso_getcpu,versym-past=__vdso_getcpu
riscv64 __vdso_ libc6-dev-riscv64-cross - clock_gettime,clock_getres,getcpu,flush_icache flush_icache clock_gettime hide=__vdso_flush_icache,versym-past=__vdso_flush_icache,hidden-version=__vdso_flush_icache,unversion=__vdso_flush_icache,hide=__vdso_getcpu
arm __vdso_ libc6-dev-armhf-cross musl-dev:armhf clock_gettime64,clock_gettime clock_gettime64,clock_gettime clock_gettime script=no-__vdso_clock_gettime64,script=__vdso_clock_gettime64@LINUX_2.5,hide=__vdso_clock_gettime64,versym-past=__vdso_clock_gettime64,hidden-version=__vdso_clock_gettime64,unversion=__vdso_clock_gettime64,abs=__vdso_clock_gettime64
"
row=$(echo "$architectures" | awk -v a="$arch" '$1 == a')
[ -n "$row" ] || fail "verdicts.sh has no row for $arch"
read -r _ p glibc_package musl_package glibc_functions musl_functions go_functions own_variants <<EOF
$row
EOF

if [ $# -gt 0 ]; then
	for image in "$@"; do
		[ -f "$image" ] || fail "$image: no such file"
	done
	variants=$(seq $#)
else
	VDSO_MUTATE=${VDSO_MUTATE:-$root/build/tests/fixtures/vdso-mutate}
	[ -x "$VDSO_MUTATE" ] || fail "vdso-mutate not found at $VDSO_MUTATE (set VDSO_MUTATE)"
	variants="good hash-style=both hash-style=gnu drop-hash drop-versions version-name=LINUX_2.5
hide=${p}clock_gettime hide=${p}gettimeofday drop-versym bad-vd-hash
unversion=${p}clock_gettime drop-verdef versym-past=${p}clock_gettime
versym-past=${p}gettimeofday hidden-version=${p}clock_gettime
hidden-version=${p}gettimeofday abs=${p}clock_gettime no-dynamic writable-dynamic"
	[ "$own_variants" = - ] || variants="$variants $(echo "$own_variants" | tr , ' ')"
fi

e2e_build_programs
trixie_fetch
trixie_build_programs "$tmp/trixie"

# The release each consumer here is, from the packages that provide it.
package_version() {
	[ "$1" != - ] || { echo -; return; }
	v=$(dpkg-query -W -f '${Version}' "$1" 2>/dev/null) || fail "package $1 is not installed"
	echo "$v" | sed -E 's/^[0-9]+://; s/[-+~].*//'
}
# Two release sets, each "NAME DIR GLIBC MUSL GO SYSROOT PROBES": Debian 12's
# installed ones and trixie's unpacked ones; DIR holds the set's PROBES
# (by commas), which run under qemu-ARCH -L SYSROOT ("-": natively).
trixie_probes=$e2e_libcs
e2e_has musl || trixie_probes="$trixie_probes musl musl-dyn"
sets="bookworm $tmp $(package_version "$glibc_package") $(package_version "$musl_package") $(e2e_go_version) ${sysroot:--} $(echo "$e2e_libcs" | tr ' ' ,)
trixie $tmp/trixie $(trixie_version libc6) $(trixie_version musl) $(trixie_version golang-1.24-go) $trixie_root $(echo "$trixie_probes" | tr ' ' ,)"

# check_releases DIR GLIBC MUSL GO SYSROOT PROBES: each program is the release
# its set claims: glibc's gnu_get_libc_version() and Go's runtime.Version()
# as the probes print them, musl's dynamic loader's own banner (musl has no
# version call; its static library comes from the same package).
check_releases() {
	for probe in $(echo "$6" | tr , ' '); do
		case $probe in
		go) want="L go $4" ;;
		glibc*) want="L glibc $2" ;;
		*) continue ;;
		esac
		got=$(e2e_exec "$5" "$1/probe-$probe" 1 | grep '^L ') || fail "$1/probe-$probe did not run"
		[ "$got" = "$want" ] || fail "$1/probe-$probe says '$got', expected '$want'"
	done
	if [ "$3" != - ]; then
		# qemu opens its own program as named, but the guest's files under -L
		# first: the loader the dynamic probe gets is this one.
		musl_ldso=$5/lib/$musl_ldso_name
		[ -e "$musl_ldso" ] || musl_ldso=/lib/$musl_ldso_name
		got=$(e2e_exec "$5" "$musl_ldso" 2>&1 | sed -n 's/^Version //p') || true
		[ "$got" = "$3" ] || fail "musl's dynamic loader $musl_ldso is '$got', expected $3"
	fi
	echo "# consumers: glibc $2, musl $3, go $4 ($tracer, libraries under ${5:-/}), each as it says"
}
while read -r release_set dir glibc musl go sysroot_of_set probes; do
	[ "$sysroot_of_set" != - ] || sysroot_of_set=
	check_releases "$dir" "$glibc" "$musl" "$go" "$sysroot_of_set" "$probes"
done <<EOF
$sets
EOF

# arm: every clock function reads the counter with an mrrc, which qemu-arm
# cannot run and the loader emulates, trapped: that trap is the evidence
# there, and the images keep svc.  A trapped system call would race Go's
# own SIGILL handler: until the loader's ticker has put its handler back in
# front, the vDSO falls back to the system call (clock_mode NONE), and Go
# would take that trap (loader.c, --program-takes-sigill).
if [ "$arch" = arm ]; then
	trap_insn='' trap_define=''
fi
(cd / && MKVDSO_DATADIR="$root" "$MKVDSO" build -q --arch="$arch" --base="$base" --format=raw \
	${trap_insn:+"--syscall-insn=$trap_insn"} -o "$tmp/built") ||
	fail "mkvdso build --base=$base ${trap_insn:+--syscall-insn=$trap_insn}"
# The counter's frequency, measured once by the loader (which says it on
# stderr), for every run: none has to pause to measure it again.
E2E_COUNTER_HZ=$(e2e_exec "$sysroot" "$tmp/loader" "$tmp/built/vdso.bin" "$base" "$tmp/probe-glibc" 1 2>&1 >/dev/null |
	sed -n 's/.*counter \([0-9]*\) Hz$/\1/p')
[ -n "$E2E_COUNTER_HZ" ] || fail "the loader did not say its counter's frequency"
export E2E_COUNTER_HZ

# handmade_script VARIANT OUT: the architecture's vdso.lds changed as
# script=VARIANT says: no-plain-names drops every exported name without a
# leading "__"; no-SYMBOL drops SYMBOL (local, as in a kernel older than
# the function); SYMBOL@NODE moves SYMBOL and its plain name (SYMBOL past the
# prefix) out of their node into a new node NODE.
handmade_script() {
	lds=$root/vdso/$arch/vdso.lds
	case $1 in
	no-plain-names)
		sed -E '/^[[:space:]]+[a-z][a-z0-9_]*;$/d' "$lds" >"$2" ;;
	no-*)
		sed -E "/^[[:space:]]+${1#no-};\$/d" "$lds" >"$2" ;;
	*@*)
		sym=${1%@*} node=${1#*@}
		plain=${sym#"$p"}
		sed -E "/^[[:space:]]+($sym|$plain);\$/d" "$lds" |
			awk -v node="$node" -v sym="$sym" -v plain="$plain" '
			/^[[:space:]]*};$/ && !done { print
				printf "\t%s {\n\tglobal:\n\t\t%s;\n\t\t%s;\n\t};\n", node, plain, sym
				done = 1; next }
			{ print }' >"$2" ;;
	*) fail "no linker script for script=$1" ;;
	esac
	! cmp -s "$lds" "$2" || fail "script=$1 left $lds as it was"
}

# inspect_verdicts IMAGE GLIBC MUSL GO: "CONSUMER/LINKAGE FUNCTION OUTCOME"
# for static and dynamic programs, for the release rows that cover those
# releases ("-": no such release in this set).
inspect_verdicts() {
	status=0
	"$MKVDSO" inspect --arch="$arch" --libc=musl,glibc,go "$1" >"$tmp/inspect.txt" || status=$?
	[ "$status" -le 1 ] || fail "mkvdso inspect $1: exit $status"
	awk -v glibc="$2" -v musl="$3" -v go="$4" -v glibc_fns="$(functions_of glibc)" \
		-v musl_fns="$(functions_of musl)" -v go_fns="$(functions_of go)" '
	function cmp(a, b,   x, y, n, i) {	# numeric dotted-version compare
		n = split(a, x, "."); split(b, y, ".")
		if (length(y) > n) n = length(y)
		for (i = 1; i <= n; i++)
			if (x[i] + 0 != y[i] + 0) return x[i] + 0 < y[i] + 0 ? -1 : 1
		return 0
	}
	function covers(range, v,   r) {	# "A+", "A-B" or "A"
		if (v == "-") return 0
		if (range ~ /\+$/) return cmp(v, substr(range, 1, length(range) - 1)) >= 0
		if (split(range, r, "-") == 2) return cmp(v, r[1]) >= 0 && cmp(v, r[2]) <= 0
		return cmp(v, range) == 0
	}
	/^Consumers/ { on = 1; next }
	on && NF == 0 { on = 0 }
	# A row is one line, or two ("static: ..." then "dynamic: ...") where
	# static and dynamic programs fare differently.  "(no lookup)": that
	# release calls no vDSO function here, so each one its probe calls has
	# the outcome of the row.
	function row(static_outcome, dynamic_outcome,   n, f, i) {
		n = split(fns, f, "\n")
		for (i = 1; i <= n; i++) {
			if (static_outcome != "") print who "/static", f[i], static_outcome
			if (dynamic_outcome != "") print who "/dynamic", f[i], dynamic_outcome
		}
	}
	on && $1 == "dynamic:" { if (who != "") row("", $2); who = ""; next }
	on && ($1 == "musl" || $1 == "glibc" || $1 == "go") {
		v = $1 == "glibc" ? glibc : $1 == "musl" ? musl : go
		who = ""
		if (!covers($2, v)) next
		who = $1
		if ($3 == "(no" && $4 == "lookup)") {
			fns = $1 == "glibc" ? glibc_fns : $1 == "musl" ? musl_fns : go_fns
			$4 = ""; $0 = $0	# the outcome is then $4 or $5, as for a named function
		} else {
			fns = $3; sub(/@.*/, "", fns)
		}
		if ($4 == "static:") row($5, "")
		else { row($4, $4); who = "" }
	}' "$tmp/inspect.txt"
}

# kind_of PROBE: the consumer and linkage the probe is.
kind_of() {
	case $1 in
	glibc) echo glibc/static ;;
	glibc-pie) echo glibc/static-pie ;;
	glibc-dyn) echo glibc/dynamic ;;
	musl) echo musl/static ;;
	musl-dyn) echo musl/dynamic ;;
	go) echo go/static ;;
	*) fail "no probe $1" ;;
	esac
}

# functions_of CONSUMER: the vDSO functions CONSUMER's probe calls here.
functions_of() {
	case $1 in
	glibc) list=$glibc_functions ;;
	musl) list=$musl_functions ;;
	go) list=$go_functions ;;
	*) fail "no probe for $1" ;;
	esac
	for f in $(echo "$list" | tr , ' '); do echo "$p$f"; done
}

# syscall_of FUNCTION: the system call a libc makes instead of calling
# FUNCTION in the vDSO (every probe reads CLOCK_MONOTONIC), as calls_of
# prints it; "-" where the tracer cannot see it (the function then counts as
# used only when a trap inside it was seen).
syscall_of() {
	case ${1#"$p"} in
	clock_gettime | clock_gettime64) echo "clock_gettime(CLOCK_MONOTONIC" ;;
	gettimeofday) echo gettimeofday ;;
	clock_getres) echo "clock_getres(CLOCK_MONOTONIC" ;;
	time) echo time ;;
	getcpu) echo getcpu ;;
	# Not in qemu-riscv64 7.2's log: the vDSO's trap is the only evidence.
	flush_icache) echo - ;;
	*) fail "no system call known for $1" ;;
	esac
}


# calls_of STRACE: the clock, time and getcpu system calls between the
# probe's getppid markers (outside its getuid...getgid reference windows)
# and between its getpgid markers, one per line, as
# "clock_gettime(CLOCK_MONOTONIC", "gettimeofday", "time", "getcpu".
# On arm the time64 calls count as the plain ones (as e2e_calls has them).
calls_of() {
	grep -o -E '(^|[^a-z_])(getppid|getpgid|getuid|getgid|clock_gettime(64)?|gettimeofday|clock_getres|time|getcpu)\([^,)]*' "$1" |
		sed -E 's/^[^a-z_]//; s| /\*.*||; s/^clock_gettime64\(/clock_gettime(/' |
		awk '/^getppid/ { m++; next }
		     /^getpgid/ { n++; next }
		     m != 1 && n != 1 { next }
		     /^getuid/ { w = 1; next }
		     /^getgid/ { w = 0; next }
		     !w { if ($0 !~ /^clock_get/) sub(/\(.*/, ""); print }'
}

# trapped_in NAME IMAGE: the image's functions the loader trapped a system
# call in during run NAME (a trap's address, past BASE, inside the
# function's [value, value + size) in the image's own .dynsym).
trapped_in() {
	grep -o -E 'SIGILL.*si_addr=0x[0-9a-f]+' "$tmp/$1.strace" | sed 's/.*si_addr=//' | sort -u |
		while read -r addr; do echo $((addr - base)); done >"$tmp/$1.traps"
	[ -s "$tmp/$1.traps" ] || return 0
	"${prefix}readelf" -W --dyn-syms "$2" 2>/dev/null |
		awk -v traps="$tmp/$1.traps" '
		function hex(h,   i, v) { v = 0; h = tolower(h); sub(/^0x/, "", h)
			for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v }
		BEGIN { while ((getline t < traps) > 0) at[++n] = t + 0 }
		$4 == "FUNC" { start = hex($2); size = $3 ~ /^0x/ ? hex($3) : $3 + 0; name = $8; sub(/@.*/, "", name)
			for (i = 1; i <= n; i++) if (at[i] >= start && at[i] < start + size) print name }' | sort -u
}

# observe NAME IMAGE PROBE CONSUMER LINKAGE SYSROOT: what the program did,
# "CONSUMER/LINKAGE FUNCTION OUTCOME".
observe() {
	name=$1 consumer=$4 linkage=$5
	# Go's runtime takes SIGILL, which arm's counter emulation needs (as in
	# run.sh): the loader takes it back, and probe.go waits for that.
	go_sigill=""
	[ "$consumer$arch" != goarm ] || go_sigill=--program-takes-sigill
	E2E_WAIT_FOR_COUNTER=${go_sigill:+1} e2e_run "$name" "$2" "$base" "$3" "$6" \
		"${trap_insn:+--trap-insn=$trap_insn} $go_sigill" more
	calls_of "$tmp/$name.strace" >"$tmp/$name.calls"
	trapped_in "$name" "$2" >"$tmp/$name.trapped"
	for fn in $(functions_of "$consumer"); do
		if [ $crashed = yes ]; then
			outcome=crash
		elif grep -q -x -F "$fn" "$tmp/$name.trapped"; then
			outcome=uses
		elif [ "$arch" = arm ]; then
			# Both clock_gettime entries serve one call, so a system call
			# not made does not tell which was called; but each reads the
			# counter itself with an mrrc that qemu-arm traps.  Not
			# called: the program made the system call itself, or called
			# the probe's other entry ("unseen": neither, a mismatch).
			outcome=unseen
			if grep -q -x -F "$(syscall_of "$fn")" "$tmp/$name.calls" ||
				functions_of "$consumer" | grep -v -x -F "$fn" |
				grep -q -x -F -f - "$tmp/$name.trapped"; then
				outcome=fallback
			fi
		elif syscall=$(syscall_of "$fn") && { [ "$syscall" = - ] ||
			grep -q -x -F "$syscall" "$tmp/$name.calls"; }; then
			outcome=fallback
		else
			outcome=uses
		fi
		echo "$consumer/$linkage $fn $outcome"
	done
}

printf '%-32s %-22s %-24s %-9s %-9s\n' image program function inspect observed
bad=0
for variant in $variants; do
	image=$tmp/$variant.bin
	if [ $# -gt 0 ]; then	# the user's image number $variant
		eval "given=\${$variant}"
		# shellcheck disable=SC2154
		if "$MKVDSO" build -q --arch="$arch" --prebuilt="$given" --base="$base" --format=raw \
			-o "$tmp/given-$variant" 2>"$tmp/given-$variant.err"; then
			cp "$tmp/given-$variant/vdso.bin" "$image"
			echo "# $variant: $given, placed for $base by mkvdso build"
		else
			cp "$given" "$image"
			echo "# $variant: $given, as it is (mkvdso build refused it: $(head -n 1 "$tmp/given-$variant.err"))"
		fi
	elif [ "$variant" = good ]; then
		cp "$tmp/built/vdso.bin" "$image"
	elif [ "${variant%%=*}" = hash-style ]; then
		e2e_handmade "${variant#*=}" "$image" "" ${trap_define:+"-DMKVDSO_SYSCALL_INSN=$trap_define"}
	elif [ "${variant%%=*}" = script ]; then
		handmade_script "${variant#*=}" "$tmp/$variant.lds"
		e2e_handmade sysv "$image" "$tmp/$variant.lds" ${trap_define:+"-DMKVDSO_SYSCALL_INSN=$trap_define"}
	else
		"$VDSO_MUTATE" "$variant" "$tmp/built/vdso.bin" "$image" || fail "vdso-mutate $variant"
	fi
	: >"$tmp/predicted"
	pids=""
	while read -r release_set dir glibc musl go sysroot_of_set probes; do
		[ "$sysroot_of_set" != - ] || sysroot_of_set=
		kinds=$(for probe in $(echo "$probes" | tr , ' '); do kind_of "$probe"; done | tr '\n' ' ')
		# A crash verdict for one function is a crash of the whole program; a
		# static-pie program is a static one.  Rows are
		# "CONSUMER-RELEASE/LINKAGE FUNCTION OUTCOME", for the set's probes.
		inspect_verdicts "$image" "$glibc" "$musl" "$go" |
			awk -v glibc="$glibc" -v musl="$musl" -v go="$go" -v kinds="$kinds" '
			BEGIN { n = split(kinds, k, " "); for (i = 1; i <= n; i++) want[k[i]] = 1 }
			{ row[NR] = $0; c[NR] = $1; if ($3 == "crash") dead[$1] = 1 }
			END { v["glibc"] = glibc; v["musl"] = musl; v["go"] = go
				for (i = 1; i <= NR; i++) { split(row[i], f, " "); split(f[1], w, "/")
					out = c[i] in dead ? "crash" : f[3]
					if (f[1] in want) print w[1] "-" v[w[1]] "/" w[2], f[2], out
					if (f[1] == "glibc/static" && "glibc/static-pie" in want)
						print w[1] "-" v[w[1]] "/static-pie", f[2], out } }' \
			>>"$tmp/predicted"
		# The two sets' programs run side by side, one per core.
		(for probe in $(echo "$probes" | tr , ' '); do
			kind=$(kind_of "$probe")
			consumer=${kind%/*} linkage=${kind#*/}
			case $consumer in
			glibc) release=$glibc ;;
			musl) release=$musl ;;
			go) release=$go ;;
			esac
			observe "$variant-$release_set-$probe" "$image" "$dir/probe-$probe" "$consumer" "$linkage" \
				"$sysroot_of_set" | sed "s|^$consumer/|$consumer-$release/|"
		done >"$tmp/seen-$release_set") &
		pids="$pids $!"
	done <<-EOF
	$sets
	EOF
	for pid in $pids; do
		wait "$pid" || fail "$variant: a program could not be run"
	done
	# Every row of either side; a function only one side names is a mismatch.
	awk '{ print $1 ":" $2, $3 }' "$tmp/predicted" | sort >"$tmp/p"
	cat "$tmp"/seen-* | awk '{ print $1 ":" $2, $3 }' | sort >"$tmp/s"
	join -a 1 -a 2 -e - -o 0,1.2,2.2 "$tmp/p" "$tmp/s" >"$tmp/rows"
	while read -r key predicted seen; do
		verdict=ok
		[ "$predicted" = "$seen" ] || { verdict=WRONG; bad=$((bad + 1)); }
		printf '%-32s %-22s %-24s %-9s %-9s %s\n' "$variant" "${key%%:*}" "${key#*:}" \
			"$predicted" "$seen" "$verdict"
	done <"$tmp/rows"
done
[ "$bad" -eq 0 ] || fail "$bad verdicts differ from what the programs did"
echo "verdicts ($arch): PASS, $(echo "$variants" | wc -w) images"
