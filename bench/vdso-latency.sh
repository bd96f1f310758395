#!/bin/sh
# Latency of the built-in x86_64 vDSO, natively: ns per call of
# clock_gettime (MONOTONIC, REALTIME, MONOTONIC_COARSE) and gettimeofday
# through the image mapped at its base with a live data page (twice: with
# MKVDSO_FLAG_RDTSCP, the TSC read by rdtscp, and without, lfence; rdtsc:
# the CPU must have RDTSCP), through this
# machine's own Linux vDSO (AT_SYSINFO_EHDR), the raw system call, and the
# bare ordered counter reads (rdtscp, lfence; rdtsc), alternating in one
# process, medians of ROUNDS rounds, each ratio to Linux's vDSO
# (tests/vdso/harness.c --bench).  Prints; asserts no time.
#
# usage: bench/vdso-latency.sh [path/to/mkvdso [ROUNDS]]
#        (default build/tool/mkvdso, 31 rounds)
set -eu
cd "$(dirname "$0")/.."
root=$PWD
mkvdso=$(realpath "${1:-build/tool/mkvdso}")
rounds=${2:-31}
[ "$(uname -m)" = x86_64 ] || { echo "vdso-latency: x86_64 only (native TSC and Linux vDSO)" >&2; exit 1; }
scripts/deps.sh gcc libc6-dev >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
(cd / && MKVDSO_DATADIR="$root" "$mkvdso" build --arch=x86_64 --base=0x400000000 --format=raw -o "$tmp/out") >/dev/null
gcc -static -O2 -Wall -Wextra -Werror -pthread "-I$root/vdso/include" "-I$root/tests/include" \
	"$root/tests/vdso/harness.c" -o "$tmp/harness"
status=0
"$tmp/harness" --bench="$rounds" "$tmp/out/vdso.bin" >"$tmp/log" 2>&1 || status=$?
grep -v '^ok ' "$tmp/log" || true
[ "$status" -eq 0 ] || { echo "vdso-latency: the harness failed (exit $status)" >&2; exit 1; }
