# Shared by the integration scripts: fail loudly, never skip.
set -u
failures=0
tmp=$(mktemp -d)
trap '[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# expect_status WANT DESCRIPTION COMMAND...: runs COMMAND, stdout and stderr
# kept in $tmp/out and $tmp/err.
expect_status() {
	want=$1 what=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	[ "$got" -eq "$want" ] || fail "$what: exit status $got, expected $want; stderr: $(head -c 400 "$tmp/err")"
}

expect_grep() {
	pattern=$1 file=$2 what=$3
	grep -q -- "$pattern" "$file" || fail "$what: no '$pattern' in $(head -c 400 "$file")"
}

# compare_with_eu_readelf IMAGE LABEL: IMAGE's symbols (name, value, type,
# bind, version) and version definitions as mkvdso inspect --json reports
# them, against eu-readelf's --dyn-syms and -V.
compare_with_eu_readelf() {
	[ -n "${EU_READELF:-}" ] || { fail "EU_READELF is not set"; return; }
	# Symbols: name, value, type, bind and version from eu-readelf --dyn-syms,
	# against the same from mkvdso's JSON (value = offset: the image is linked at 0).
	"$EU_READELF" --dyn-syms "$1" |
		awk 'function hex(s,  i, n) { n = 0; s = tolower(s)
			for (i = 1; i <= length(s); i++) n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return n }
		$1 ~ /^[0-9]+:$/ && $1 != "0:" && $8 != "" {
			name = $8; version = "-"
			if (index(name, "@")) { version = name; sub(/^[^@]*@+/, "", version); sub(/@.*/, "", name) }
			printf "%s %d %s %s %s\n", name, hex($2), $4, $5, version }' |
		LC_ALL=C sort >"$tmp/readelf.txt"
	"$MKVDSO" inspect --pretty "$1" |
		awk -F': ' '
			/^      "name"/ { gsub(/[",]/, "", $2); name = $2 }
			/^      "version"/ { gsub(/[",]/, "", $2); version = ($2 == "null" ? "-" : $2) }
			/^      "type"/ { gsub(/[",]/, "", $2); type = $2 }
			/^      "bind"/ { gsub(/[",]/, "", $2); bind = $2 }
			/^      "value"/ { gsub(/[",]/, "", $2); value = $2 }
			/^      "size"/ { printf "%s %s %s %s %s\n", name, value, type, bind, version }' |
		LC_ALL=C sort >"$tmp/mkvdso.txt"
	[ -s "$tmp/readelf.txt" ] || fail "$2: eu-readelf listed no symbols"
	diff -u "$tmp/readelf.txt" "$tmp/mkvdso.txt" >"$tmp/diff" || fail "$2: symbols differ from eu-readelf: $(cat "$tmp/diff")"

	# Version definitions: index, flags and name as eu-readelf -V lists them.
	"$EU_READELF" -V "$1" |
		sed -n 's/.*Flags: *\([A-Za-z]*\) *Index: *\([0-9]*\) .*Name: \(.*\)$/\2 \1 \3/p' |
		sed 's/ none / - /; s/ BASE / base /' | LC_ALL=C sort >"$tmp/readelf-v.txt"
	"$MKVDSO" inspect --pretty "$1" |
		awk -F': ' '
			/^  "versions"/ { in_versions = 1 }
			in_versions && /^  \]/ { in_versions = 0 }
			in_versions && /^      "index"/ { gsub(/[",]/, "", $2); index_ = $2 }
			in_versions && /^      "base"/ { gsub(/[",]/, "", $2); base = ($2 == "true" ? "base" : "-") }
			in_versions && /^      "name"/ { gsub(/[",]/, "", $2); printf "%s %s %s\n", index_, base, $2 }' |
		LC_ALL=C sort >"$tmp/mkvdso-v.txt"
	grep -q " LINUX_" "$tmp/readelf-v.txt" || fail "$2: eu-readelf -V shows no LINUX_ version: $(cat "$tmp/readelf-v.txt")"
	diff -u "$tmp/readelf-v.txt" "$tmp/mkvdso-v.txt" >"$tmp/diff" || fail "$2: versions differ from eu-readelf: $(cat "$tmp/diff")"
}

# check_builtin ARCH CC BASE WANT_SYMS [HASH]: `mkvdso build --arch=ARCH
# --cc=CC --strict` at BASE, silent and clean under inspect --strict;
# eu-readelf agrees with inspect and lists exactly WANT_SYMS (lines "name
# type bind version", sorted); soname linux-vdso.so.1, the hash tables of
# Linux's vDSO there (HASH: both, the default, or sysv: DT_HASH alone), no
# relocations, one read+execute PT_LOAD; a second build from another folder
# gives the same bytes.  Sets img to the image; returns 1 when there is none.
check_builtin() {
	arch_=$1 cc=$2 base_=$3 want_syms=$4 hash_=${5:-both}
	expect_status 0 "build --arch=$arch_ --cc=$cc" "$MKVDSO" build --arch="$arch_" --cc="$cc" \
		--base="$base_" --strict -o "$tmp/$cc"
	[ -s "$tmp/err" ] && fail "$cc: a clean build printed: $(head -c 300 "$tmp/err")"
	img=$tmp/$cc/vdso.bin
	[ -s "$img" ] || { fail "$cc: no vdso.bin"; return 1; }
	expect_status 0 "$cc: inspect --strict" "$MKVDSO" inspect --strict "$img"
	expect_grep ": 0 errors, 0 warnings" "$tmp/out" "$cc: inspect is clean"
	compare_with_eu_readelf "$img" "$cc"
	"$EU_READELF" --dyn-syms "$img" |
		awk '$1 ~ /^[0-9]+:$/ && $7 != "ABS" && $8 != "" { n = $8; v = n; sub(/@.*/, "", n); sub(/^[^@]*@+/, "", v); print n, $4, $5, v }' |
		LC_ALL=C sort >"$tmp/got-syms"
	diff -u "$want_syms" "$tmp/got-syms" >"$tmp/diff" || fail "$cc: exported symbols: $(cat "$tmp/diff")"
	"$EU_READELF" -d "$img" >"$tmp/dyn"
	expect_grep "Library soname: \[linux-vdso.so.1\]" "$tmp/dyn" "$cc: soname"
	expect_grep "^  HASH " "$tmp/dyn" "$cc: DT_HASH"
	if [ "$hash_" = both ]; then
		expect_grep "^  GNU_HASH " "$tmp/dyn" "$cc: DT_GNU_HASH, as Linux's $arch_ vDSO"
	elif grep -q "^  GNU_HASH " "$tmp/dyn"; then
		fail "$cc: DT_GNU_HASH, which Linux's $arch_ vDSO does not have"
	fi
	"$EU_READELF" -r "$img" | grep -q "Relocation section" && fail "$cc: the image has relocations"
	"$EU_READELF" -l "$img" | awk '$1 == "LOAD"' >"$tmp/loads"
	[ "$(wc -l <"$tmp/loads")" -eq 1 ] && grep -q ' R E ' "$tmp/loads" ||
		fail "$cc: not one read+execute PT_LOAD: $(cat "$tmp/loads")"
	mkdir -p "$tmp/elsewhere/$cc"
	(cd "$tmp/elsewhere/$cc" && "$MKVDSO" build --arch="$arch_" --cc="$cc" --base="$base_" \
		--format=raw -o again) >/dev/null 2>&1 || fail "$cc: second build"
	cmp -s "$img" "$tmp/elsewhere/$cc/again/vdso.bin" || fail "$cc: two builds differ"
}

# insn_sites OBJDUMP IMAGE HEX: how many instructions of .text are HEX (the
# bytes as OBJDUMP -d prints them, spaces removed).
insn_sites() {
	"$1" -d -j .text "$2" |
		awk -F'\t' -v want="$3" 'NF >= 3 { b = $2; gsub(/ /, "", b); if (b == want) n++ } END { print n + 0 }'
}

finish() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures failure(s)" >&2
		exit 1
	fi
	echo "all passed"
}

for var in MKVDSO FIXTURES; do
	eval "value=\${$var:-}"
	[ -n "$value" ] || { echo "FAIL: $var is not set (run through ctest)" >&2; exit 1; }
done
