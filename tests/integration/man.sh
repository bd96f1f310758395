#!/bin/sh
# The man pages render without warnings and document what the code has:
#  (a) groff -ww -z -man prints nothing and succeeds for every man/*.1;
#  (b) every rule id in tool/check.h has an entry in mkvdso-inspect(1)'s
#      "Rules" subsection, and every entry there is a rule id;
#  (c) every long option in a command's argp table (tool/cmd_NAME.c) is
#      documented in the OPTIONS section of man/mkvdso-NAME.1, and the
#      global ones (tool/main.c) in man/mkvdso.1.
#
# A rule entry is a ".TP" line followed by ".B id", with the id's hyphens
# written "\-".  An option is documented when a line right after ".TP" in
# OPTIONS contains "\-\-name" not followed by more of a name.
#
# Environment (set by CTest): SOURCE_DIR, the project root; GROFF, groff.
set -u
SOURCE_DIR=${SOURCE_DIR:-$(dirname "$0")/../..}
GROFF=${GROFF:-groff}
man_dir=$SOURCE_DIR/man
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

# "a-b" -> "a\-b", the way ids and options are spelled in man source.
man_escape() {
	printf '%s\n' "$1" | sed 's/-/\\-/g'
}

# The lines that follow a .TP line in one section (.SH) or subsection
# (.SS) of a page.
entries() { # page section-macro title
	awk -v macro="$2" -v title="$3" '
		$0 == "." macro " " title || $0 == "." macro " \"" title "\"" { inside = 1; next }
		inside && /^\.S[HS]( |$)/ { if ($0 ~ /^\.SH/ || macro == "SS") inside = 0 }
		inside && after_tp { print }
		{ after_tp = inside && $0 == ".TP" }
	' "$1"
}

# --- (a) every page renders without a warning ---------------------------

pages=0
for page in "$man_dir"/*.1; do
	[ -f "$page" ] || continue
	pages=$((pages + 1))
	messages=$("$GROFF" -ww -z -man "$page" 2>&1)
	status=$?
	if [ "$status" -ne 0 ] || [ -n "$messages" ]; then
		fail "${page#"$SOURCE_DIR"/}: '$GROFF -ww -z -man' exited with status $status${messages:+ and printed:}"
		[ -z "$messages" ] || printf '%s\n' "$messages" | sed 's/^/    /' >&2
	fi
done
[ "$pages" -gt 0 ] || fail "no man pages in $man_dir"

# --- (b) the rule ids ---------------------------------------------------

inspect_page=$man_dir/mkvdso-inspect.1
ids=$(sed -n 's/^#define[[:space:]]\{1,\}RULE_[A-Z0-9_]\{1,\}[[:space:]]\{1,\}"\([^"]*\)".*/\1/p' \
	"$SOURCE_DIR/tool/check.h")
[ -n "$ids" ] || fail "no '#define RULE_... \"id\"' lines found in tool/check.h"
rule_entries=$(entries "$inspect_page" SS Rules)
[ -n "$rule_entries" ] || fail "man/mkvdso-inspect.1: no entries in a '.SS Rules' subsection"
for id in $ids; do
	if ! printf '%s\n' "$rule_entries" | grep -qxF ".B $(man_escape "$id")"; then
		fail "rule '$id' (tool/check.h) has no entry in the Rules subsection of man/mkvdso-inspect.1"
	fi
done
# The reverse: an entry for a rule the code no longer has misleads readers.
stale=$(printf '%s\n' "$rule_entries" | while IFS= read -r line; do
	[ -n "$line" ] || continue
	id=$(printf '%s\n' "$line" | sed -n 's/^\.B \(.*\)$/\1/p' | sed 's/\\-/-/g')
	if [ -z "$id" ] || ! printf '%s\n' "$ids" | grep -qxF "$id"; then
		printf '%s\n' "$line"
	fi
done)
if [ -n "$stale" ]; then
	printf '%s\n' "$stale" | while IFS= read -r line; do
		echo "FAIL: man/mkvdso-inspect.1: Rules entry '$line' is not a rule id in tool/check.h" >&2
	done
	failures=$((failures + 1))
fi

# --- (c) the options ----------------------------------------------------

# The quoted first field of each line of an argp_option table.
long_options() { # source table-name
	sed -n "/$2\[\] = {/,/^};/s/^[[:space:]]*{ \"\([^\"]*\)\".*/\1/p" "$1"
}

check_options() { # source table-name page
	options=$(long_options "$1" "$2")
	if [ -z "$options" ]; then
		fail "no options found in the $2 table of ${1#"$SOURCE_DIR"/}"
		return
	fi
	if [ ! -f "$3" ]; then
		fail "${1#"$SOURCE_DIR"/} has options but there is no ${3#"$SOURCE_DIR"/}"
		return
	fi
	terms=$(entries "$3" SH OPTIONS)
	for option in $options; do
		pattern=$(man_escape "--$option" | sed 's/\\/\\\\/g')
		if ! printf '%s\n' "$terms" | grep -qE "$pattern(\$|[]=[ \",|]|\\\\f)"; then
			fail "option --$option (${1#"$SOURCE_DIR"/}) is not documented in OPTIONS of ${3#"$SOURCE_DIR"/}"
		fi
	done
}

check_options "$SOURCE_DIR/tool/main.c" root_options "$man_dir/mkvdso.1"
for source in "$SOURCE_DIR"/tool/cmd_*.c; do
	[ -f "$source" ] || continue
	command=$(basename "$source" .c)
	command=${command#cmd_}
	check_options "$source" "${command}_options" "$man_dir/mkvdso-$command.1"
done

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)" >&2
	exit 1
fi
echo "all passed"
exit 0
