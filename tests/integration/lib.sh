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
