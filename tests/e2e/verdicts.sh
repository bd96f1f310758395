#!/bin/sh
# The verdict table: `mkvdso inspect`'s per-consumer verdicts against what
# unmodified static programs really do with the same images.
#
# The built-in vDSO is built for BASE (linked, as Linux's arm64 one, with
# DT_HASH only), linked again by hand with other hash tables, and damaged,
# one property at a time, by tests/fixtures/vdso-mutate, the way kernel
# authors get it wrong:
#
#   good                               nothing changed (every consumer uses it)
#   hash-style=both                    DT_HASH and DT_GNU_HASH (Go 1.19-1.21
#                                      look in the second with wrong hashes)
#   hash-style=gnu                     DT_GNU_HASH only (musl needs DT_HASH)
#   drop-hash                          no hash table at all
#   drop-versions                      no DT_VERSYM/DT_VERDEF/DT_VERDEFNUM
#                                      (linked without a version script)
#   version-name=LINUX_2.6             the version node has x86_64's name
#   hide=__kernel_clock_gettime        that symbol STV_HIDDEN in .dynsym
#   hide=__kernel_gettimeofday         ... and this one
#   drop-versym                        version definitions without DT_VERSYM
#   bad-vd-hash                        the version's vd_hash off by one bit
#   unversion=__kernel_clock_gettime   that symbol VER_NDX_GLOBAL in .gnu.version
#   drop-verdef                        DT_VERSYM without DT_VERDEF/DT_VERDEFNUM
#   versym-past=SYMBOL                 that symbol's version index past the last
#                                      version definition
#   hidden-version=SYMBOL              that symbol's version hidden (0x8000: not
#                                      the default version of its name)
#   abs=__kernel_clock_gettime         that symbol SHN_ABS (an absolute address)
#   no-dynamic                         no PT_DYNAMIC program header
#   writable-dynamic                   PT_DYNAMIC flagged writable (glibc >= 2.35
#                                      then writes into the read-only image)
#
# For each image and each probe (tests/e2e/probe.c against glibc and musl,
# static and dynamic, tests/e2e/probe.go with Go), in two release sets
# (Debian 12's installed glibc 2.36, musl 1.2.3 and Go 1.19, and Debian 13's
# glibc 2.41, musl 1.2.5 and Go 1.24 that trixie.sh fetches and unpacks; each
# program is first checked to be the release its set claims), the program
# runs under the user-space kernel (loader.c) in `qemu-aarch64 -strace`, and
# what it did with each function its libc looks up is read off the system
# calls between its markers:
#
#   crash     the program did not exit 0 or printed no results
#   fallback  the function's system call was made (clock_gettime of REALTIME
#             or MONOTONIC, gettimeofday, clock_getres of MONOTONIC)
#   uses      none was: the vDSO answered
#
# Nothing here needs placing: every image is linked at 0 and has no
# relocations, so the loader maps the file as it is.
# `mkvdso inspect`'s verdict for a static or dynamic program, for the release
# rows that cover the release that ran, must be the same word for every
# function.  A program that crashed must have a crash verdict for one
# of its functions; one that did not must have none.  Bionic cannot run here.
#
#   MKVDSO=... VDSO_MUTATE=... tests/e2e/verdicts.sh
#   MKVDSO=... tests/e2e/verdicts.sh IMAGE.so...     (your own images)
#
# Given images, the table is made for them instead: each is placed for BASE
# with `mkvdso build --prebuilt --format=raw` when mkvdso accepts it, else
# mapped as it is (which works for an image linked at 0 without relocations).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
base=0x7f0000000000
if [ $# -gt 0 ]; then
	for image in "$@"; do
		[ -f "$image" ] || fail "$image: no such file"
	done
	variants=$(seq $#)
else
	VDSO_MUTATE=${VDSO_MUTATE:-$root/build/tests/fixtures/vdso-mutate}
	[ -x "$VDSO_MUTATE" ] || fail "vdso-mutate not found at $VDSO_MUTATE (set VDSO_MUTATE)"
	variants="good hash-style=both hash-style=gnu drop-hash drop-versions version-name=LINUX_2.6
hide=__kernel_clock_gettime hide=__kernel_gettimeofday drop-versym bad-vd-hash
unversion=__kernel_clock_gettime drop-verdef versym-past=__kernel_clock_gettime
versym-past=__kernel_gettimeofday hidden-version=__kernel_clock_gettime
hidden-version=__kernel_gettimeofday abs=__kernel_clock_gettime no-dynamic writable-dynamic"
fi

e2e_build_programs
. "$here/trixie.sh"
trixie_fetch
trixie_build_programs "$tmp/trixie"

# The release each consumer here is, from the packages that provide it.
package_version() {
	v=$(dpkg-query -W -f '${Version}' "$1" 2>/dev/null) || fail "package $1 is not installed"
	echo "$v" | sed -E 's/^[0-9]+://; s/[-+~].*//'
}
# Two release sets, each "NAME DIR GLIBC MUSL GO SYSROOT": Debian 12's
# installed ones and trixie's unpacked ones; DIR holds the set's probes,
# which run under qemu-aarch64 -L SYSROOT.
sets="bookworm $tmp $(package_version libc6-dev-arm64-cross) $(package_version musl-dev:arm64) $(e2e_go_version) $sysroot
trixie $tmp/trixie $(trixie_version libc6) $(trixie_version musl) $(trixie_version golang-1.24-go) $trixie_root"

# check_releases DIR GLIBC MUSL GO SYSROOT: each program is the release its
# set claims: glibc's gnu_get_libc_version() and Go's runtime.Version() as
# the probes print them, musl's dynamic loader's own banner (musl has no
# version call; its static library comes from the same package).
check_releases() {
	for probe in glibc glibc-dyn go; do
		case $probe in
		go) want="L go $4" ;;
		*) want="L glibc $2" ;;
		esac
		got=$(qemu-aarch64 -L "$5" "$1/probe-$probe" 1 | grep '^L ') || fail "$1/probe-$probe did not run"
		[ "$got" = "$want" ] || fail "$1/probe-$probe says '$got', expected '$want'"
	done
	# qemu opens its own program as named, but the guest's files (the loader's
	# PT_INTERP) under -L first: the loader the dynamic probe gets is this one.
	ldso=$5/lib/ld-musl-aarch64.so.1
	[ -e "$ldso" ] || ldso=/lib/ld-musl-aarch64.so.1
	got=$(qemu-aarch64 -L "$5" "$ldso" 2>&1 | sed -n 's/^Version //p') || true
	[ "$got" = "$3" ] || fail "musl's dynamic loader under $5 is '$got', expected $3"
	echo "# consumers: glibc $2, musl $3, go $4 (qemu-aarch64 -L $5), each as it says"
}
while read -r release_set dir glibc musl go sysroot_of_set; do
	check_releases "$dir" "$glibc" "$musl" "$go" "$sysroot_of_set"
done <<EOF
$sets
EOF

(cd / && MKVDSO_DATADIR="$root" "$MKVDSO" build -q --base="$base" --format=raw -o "$tmp/built") ||
	fail "mkvdso build --base=$base"

# inspect_verdicts IMAGE GLIBC MUSL GO: "CONSUMER/LINKAGE FUNCTION OUTCOME"
# for static and dynamic programs, for the release rows that cover those
# releases.
inspect_verdicts() {
	status=0
	"$MKVDSO" inspect --arch=aarch64 --libc=musl,glibc,go "$1" >"$tmp/inspect.txt" || status=$?
	[ "$status" -le 1 ] || fail "mkvdso inspect $1: exit $status"
	awk -v glibc="$2" -v musl="$3" -v go="$4" '
	function cmp(a, b,   x, y, n, i) {	# numeric dotted-version compare
		n = split(a, x, "."); split(b, y, ".")
		if (length(y) > n) n = length(y)
		for (i = 1; i <= n; i++)
			if (x[i] + 0 != y[i] + 0) return x[i] + 0 < y[i] + 0 ? -1 : 1
		return 0
	}
	function covers(range, v,   r) {	# "A+", "A-B" or "A"
		if (range ~ /\+$/) return cmp(v, substr(range, 1, length(range) - 1)) >= 0
		if (split(range, r, "-") == 2) return cmp(v, r[1]) >= 0 && cmp(v, r[2]) <= 0
		return cmp(v, range) == 0
	}
	/^Consumers/ { on = 1; next }
	on && NF == 0 { on = 0 }
	# A row is one line, or two ("static: ..." then "dynamic: ...") where
	# static and dynamic programs fare differently.
	on && $1 == "dynamic:" { if (who != "") print who "/dynamic", fn, $2; who = ""; next }
	on && ($1 == "musl" || $1 == "glibc" || $1 == "go") {
		v = $1 == "glibc" ? glibc : $1 == "musl" ? musl : go
		who = ""
		if (!covers($2, v)) next
		fn = $3; sub(/@.*/, "", fn)
		print $1 "/static", fn, ($4 == "static:" ? $5 : $4)
		if ($4 == "static:") who = $1
		else print $1 "/dynamic", fn, $4
	}' "$tmp/inspect.txt"
}

# observe NAME IMAGE PROBE CONSUMER LINKAGE SYSROOT: what the program did,
# "CONSUMER/LINKAGE FUNCTION OUTCOME".
observe() {
	name=$1 consumer=$4 linkage=$5
	e2e_run "$name" "$2" "$base" "$3" "$6"
	e2e_observed "$tmp/$name.strace" >"$tmp/$name.calls"
	for fn in $(e2e_functions "$consumer"); do
		if [ $crashed = yes ]; then
			outcome=crash
		elif grep -q -x -F "$(e2e_syscall_of "$fn")" "$tmp/$name.calls"; then
			outcome=fallback
		else
			outcome=uses
		fi
		echo "$consumer/$linkage $fn $outcome"
	done
}

printf '%-32s %-20s %-24s %-9s %-9s\n' image program function inspect observed
bad=0
for variant in $variants; do
	image=$tmp/$variant.bin
	if [ $# -gt 0 ]; then	# the user's image number $variant
		eval "given=\${$variant}"
		# shellcheck disable=SC2154
		if "$MKVDSO" build -q --prebuilt="$given" --base="$base" --format=raw \
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
		e2e_handmade "${variant#*=}" "$image"
	else
		"$VDSO_MUTATE" "$variant" "$tmp/built/vdso.bin" "$image" || fail "vdso-mutate $variant"
	fi
	: >"$tmp/predicted"
	pids=""
	while read -r release_set dir glibc musl go sysroot_of_set; do
		# A crash verdict for one function is a crash of the whole program; Go
		# programs are static.  Rows are "CONSUMER-RELEASE/LINKAGE FUNCTION OUTCOME".
		inspect_verdicts "$image" "$glibc" "$musl" "$go" |
			awk -v glibc="$glibc" -v musl="$musl" -v go="$go" '
			$1 != "go/dynamic" { row[NR] = $0; c[NR] = $1; if ($3 == "crash") dead[$1] = 1 }
			END { v["glibc"] = glibc; v["musl"] = musl; v["go"] = go
				for (i = 1; i <= NR; i++) if (i in row) { split(row[i], f, " "); split(f[1], w, "/")
				print w[1] "-" v[w[1]] "/" w[2], f[2], (c[i] in dead ? "crash" : f[3]) } }' \
			>>"$tmp/predicted"
		# The two sets' programs run side by side, one per core.
		(for program in glibc:static:glibc:$glibc glibc:dynamic:glibc-dyn:$glibc \
			musl:static:musl:$musl musl:dynamic:musl-dyn:$musl go:static:go:$go; do
			IFS=: read -r consumer linkage probe release <<-EOF
			$program
			EOF
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
		printf '%-32s %-20s %-24s %-9s %-9s %s\n' "$variant" "${key%%:*}" "${key#*:}" \
			"$predicted" "$seen" "$verdict"
	done <"$tmp/rows"
done
[ "$bad" -eq 0 ] || fail "$bad verdicts differ from what the programs did"
echo "verdicts: PASS"
