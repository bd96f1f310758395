#!/bin/sh
# This machine's own vDSO, which nobody here wrote: dumped, inspected with
# no errors, and its symbols, versions and offsets equal to eu-readelf's.
. "$(dirname "$0")/lib.sh"
[ -n "${EU_READELF:-}" ] || { echo "FAIL: EU_READELF is not set" >&2; exit 1; }

expect_status 0 "dump" "$MKVDSO" dump -o "$tmp/vdso.so"
[ -s "$tmp/vdso.so" ] || fail "dump wrote nothing"
ls "$tmp"/vdso.so.tmp.* >/dev/null 2>&1 && fail "dump left a temporary file"
"$MKVDSO" dump >"$tmp/stdout.so" || fail "dump to stdout"
cmp -s "$tmp/vdso.so" "$tmp/stdout.so" || fail "dump to a file and to stdout differ"
"$EU_READELF" -h "$tmp/vdso.so" >/dev/null 2>"$tmp/err" || fail "eu-readelf cannot read the dump: $(cat "$tmp/err")"

expect_status 0 "inspect the host vDSO" "$MKVDSO" inspect "$tmp/vdso.so"
expect_grep ": 0 errors" "$tmp/out" "host vDSO has no errors"

compare_with_eu_readelf "$tmp/vdso.so" "the host vDSO"
finish
