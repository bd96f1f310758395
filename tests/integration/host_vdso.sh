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

# Symbols: name, value, type, bind and version from eu-readelf --dyn-syms,
# against the same from mkvdso's JSON (value = offset: the image is linked at 0).
"$EU_READELF" --dyn-syms "$tmp/vdso.so" |
	awk 'function hex(s,  i, n) { n = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n }
	$1 ~ /^[0-9]+:$/ && $1 != "0:" && $8 != "" {
		name = $8; version = "-"
		if (index(name, "@")) { version = name; sub(/^[^@]*@+/, "", version); sub(/@.*/, "", name) }
		printf "%s %d %s %s %s\n", name, hex($2), $4, $5, version }' |
	LC_ALL=C sort >"$tmp/readelf.txt"
"$MKVDSO" inspect --pretty "$tmp/vdso.so" |
	awk -F': ' '
		/^      "name"/ { gsub(/[",]/, "", $2); name = $2 }
		/^      "version"/ { gsub(/[",]/, "", $2); version = ($2 == "null" ? "-" : $2) }
		/^      "type"/ { gsub(/[",]/, "", $2); type = $2 }
		/^      "bind"/ { gsub(/[",]/, "", $2); bind = $2 }
		/^      "value"/ { gsub(/[",]/, "", $2); value = $2 }
		/^      "size"/ { printf "%s %s %s %s %s\n", name, value, type, bind, version }' |
	LC_ALL=C sort >"$tmp/mkvdso.txt"
[ -s "$tmp/readelf.txt" ] || fail "eu-readelf listed no symbols"
diff -u "$tmp/readelf.txt" "$tmp/mkvdso.txt" >"$tmp/diff" || fail "symbols differ from eu-readelf: $(cat "$tmp/diff")"

# Version definitions: index, flags and name as eu-readelf -V lists them.
"$EU_READELF" -V "$tmp/vdso.so" |
	sed -n 's/.*Flags: *\([A-Za-z]*\) *Index: *\([0-9]*\) .*Name: \(.*\)$/\2 \1 \3/p' |
	sed 's/ none / - /; s/ BASE / base /' | LC_ALL=C sort >"$tmp/readelf-v.txt"
"$MKVDSO" inspect --pretty "$tmp/vdso.so" |
	awk -F': ' '
		/^  "versions"/ { in_versions = 1 }
		in_versions && /^  \]/ { in_versions = 0 }
		in_versions && /^      "index"/ { gsub(/[",]/, "", $2); index_ = $2 }
		in_versions && /^      "base"/ { gsub(/[",]/, "", $2); base = ($2 == "true" ? "base" : "-") }
		in_versions && /^      "name"/ { gsub(/[",]/, "", $2); printf "%s %s %s\n", index_, base, $2 }' |
	LC_ALL=C sort >"$tmp/mkvdso-v.txt"
grep -q " LINUX_" "$tmp/readelf-v.txt" || fail "eu-readelf -V shows no LINUX_ version: $(cat "$tmp/readelf-v.txt")"
diff -u "$tmp/readelf-v.txt" "$tmp/mkvdso-v.txt" >"$tmp/diff" || fail "versions differ from eu-readelf: $(cat "$tmp/diff")"
finish
