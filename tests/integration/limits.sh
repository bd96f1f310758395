#!/bin/sh
# The limits of mkvdso(1) LIMITS, met exactly and passed by one byte: the
# input size (files, standard input, build --prebuilt), and the memory a
# large valid image takes.  The caps inside the loader and the checks are
# met and passed in tests/unit/test_malformed.c.
#
# Memory is peak RSS from wait4(), a count the kernel keeps, not a time.
# MKVDSO_INSTRUMENTED=1 (the sanitizer build, or valgrind around mkvdso)
# skips the bounds and the large image that only they need: shadow memory,
# the allocator's quarantine or valgrind itself add a large, unrelated
# amount.  Every exit status and message is still checked.
. "$(dirname "$0")/lib.sh"

good=$FIXTURES/x86_64/good.so
size=$(stat -c %s "$good")
MiB=1048576
default=$((256 * MiB))

# rss COMMAND...: runs it with stdout and stderr in $tmp/out and $tmp/err;
# $status is its exit status, $rss_kib its peak resident set in KiB.
cat >"$tmp/rss.c" <<'C'
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 2)
		return 64;
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int status;
	struct rusage usage;
	if (pid < 0 || wait4(pid, &status, 0, &usage) != pid)
		return 70;
	fprintf(stderr, "%ld\n", usage.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
C
cc -O2 -o "$tmp/rss" "$tmp/rss.c" || { echo "FAIL: cannot build the RSS helper" >&2; exit 1; }
rss() {
	"$tmp/rss" "$@" >"$tmp/out" 2>"$tmp/err.all"
	status=$?
	rss_kib=$(tail -n 1 "$tmp/err.all")
	sed '$d' "$tmp/err.all" >"$tmp/err"
}
# at_most KIB WHAT: the last rss run peaked at no more than KIB.
at_most() {
	[ "${MKVDSO_INSTRUMENTED:-0}" = 1 ] && return
	[ "$rss_kib" -le "$1" ] || fail "$2: peak RSS $rss_kib KiB, bound $1 KiB"
}
# A refused input is not read: mkvdso's own size, far below the input's.
small=$((16 * 1024))

# --- A file: exactly --max-input bytes is read; one more is refused. ---
expect_status 0 "file of exactly --max-input" "$MKVDSO" inspect -q --max-input=$size "$good"
expect_status 1 "file one byte over --max-input" "$MKVDSO" inspect -q --max-input=$((size - 1)) "$good"
expect_grep "mkvdso: $good: $size bytes, larger than the $((size - 1))-byte input limit (--max-input=BYTES raises it)" \
	"$tmp/err" "file over --max-input"
[ -s "$tmp/out" ] && fail "a refused file printed a report: $(head -c 200 "$tmp/out")"

# The default, 256 MiB: a sparse file one byte larger is refused from its
# size, without reading it (that would take 256 MiB).
truncate -s $((default + 1)) "$tmp/sparse" || fail "cannot make a sparse file"
rss "$MKVDSO" inspect "$tmp/sparse"
[ "$status" -eq 1 ] || fail "256 MiB + 1 sparse file: exit status $status, expected 1"
expect_grep "$((default + 1)) bytes, larger than the $default-byte input limit" "$tmp/err" "default limit"
at_most $small "256 MiB + 1 sparse file, refused"
# --max-input raises it: the same file is then read (and is not ELF).
expect_status 1 "--max-input above the file" "$MKVDSO" inspect --max-input=$((default + 1)) "$tmp/sparse"
expect_grep "not an ELF file" "$tmp/err" "the raised limit reads the file"

# --- Standard input, a pipe: reading stops at the limit.  (Pipelines run
# under sh -c: a shell function in a pipeline could not count failures.) ---
rss sh -c 'cat "$1" | "$0" inspect -q --max-input="$2" -' "$MKVDSO" "$good" $size
[ "$status" -eq 0 ] || fail "stdin of exactly --max-input: exit status $status; $(head -c 300 "$tmp/err")"
rss sh -c 'cat "$1" | "$0" inspect -q --max-input="$2" -' "$MKVDSO" "$good" $((size - 1))
[ "$status" -eq 1 ] || fail "stdin one byte over --max-input: exit status $status, expected 1"
expect_grep "mkvdso: <stdin>: more than the $((size - 1))-byte input limit (--max-input=BYTES raises it)" \
	"$tmp/err" "stdin over --max-input"
# An endless pipe: mkvdso must stop reading for this to end at all.
rss sh -c 'yes | "$0" inspect --max-input="$1" -' "$MKVDSO" $MiB
[ "$status" -eq 1 ] || fail "endless stdin, 1 MiB limit: exit status $status, expected 1"
at_most $small "endless stdin, 1 MiB limit"
# Standard input redirected from a file is refused from its size too.
rss "$MKVDSO" inspect - <"$tmp/sparse"
[ "$status" -eq 1 ] || fail "sparse file on stdin: exit status $status, expected 1"
at_most $small "sparse file on stdin"

# --- build --prebuilt: the same limit; nothing written past it. ---
expect_status 0 "build of exactly --max-input" "$MKVDSO" build -q --prebuilt="$good" \
	--base=0x400000000 --max-input=$size -o "$tmp/at"
[ -s "$tmp/at/vdso.h" ] || fail "build at --max-input wrote no vdso.h"
expect_status 1 "build one byte over --max-input" "$MKVDSO" build -q --prebuilt="$good" \
	--base=0x400000000 --max-input=$((size - 1)) -o "$tmp/past"
expect_grep "$size bytes, larger than the $((size - 1))-byte input limit" "$tmp/err" "build over --max-input"
[ -n "$(ls -A "$tmp/past" 2>/dev/null)" ] && fail "build over --max-input wrote $(ls "$tmp/past")"
rss "$MKVDSO" build -q --prebuilt="$tmp/sparse" --base=0x400000000 -o "$tmp/sparse-out"
[ "$status" -eq 1 ] || fail "build of the sparse file: exit status $status, expected 1"
at_most $small "build of the 256 MiB + 1 sparse file"
[ -n "$(ls -A "$tmp/sparse-out" 2>/dev/null)" ] && fail "build of the sparse file wrote $(ls "$tmp/sparse-out")"
expect_status 64 "--max-input=0" "$MKVDSO" build --prebuilt="$good" --base=0x400000000 --max-input=0 -o "$tmp/zero"

# --- Memory on a large valid image (mkvdso(1): inspect takes at most the
# input plus 32 MiB, build four times the input plus 32 MiB).  The fixture
# plus 32 MiB of data, linked as the fixtures are (bench/emit-speed.sh). ---
[ "${MKVDSO_INSTRUMENTED:-0}" = 1 ] && finish && exit 0
cpp="gcc -E -P -undef -x assembler-with-cpp -DVDSO_ARCH_X86_64"
src=$SOURCE_DIR/tests/fixtures
head -c $((32 * MiB)) /dev/zero | tr '\0' '\125' >"$tmp/blob"
printf '.section .rodata.blob,"a"\n.balign 16\n.incbin "%s"\n' "$tmp/blob" >"$tmp/blob.S"
if $cpp "$src/vdso.lds.S" -o "$tmp/vdso.lds" && $cpp "$src/vdso-x86_64.map.S" -o "$tmp/vdso.map" &&
   gcc -fPIC -O2 -DVDSO_ARCH_X86_64 -c "$src/vdso-x86_64.S" -o "$tmp/vdso.o" &&
   gcc -c "$tmp/blob.S" -o "$tmp/blob.o" &&
   gcc -nostdlib -shared -Wl,-Bsymbolic -Wl,--build-id=sha1 -Wl,-n -Wl,--hash-style=both \
	-Wl,-soname=linux-vdso.so.1 -Wl,--no-undefined -Wl,--version-script="$tmp/vdso.map" \
	-T "$tmp/vdso.lds" "$tmp/vdso.o" "$tmp/blob.o" -o "$tmp/big.so" &&
   objcopy -S "$tmp/big.so"; then
	rm -f "$tmp/blob" "$tmp/blob.o"
	big=$(stat -c %s "$tmp/big.so")
	big_kib=$((big / 1024))
	rss "$MKVDSO" inspect -q "$tmp/big.so"
	[ "$status" -eq 0 ] || fail "inspect of the 32 MiB image: exit status $status; $(head -c 300 "$tmp/err")"
	at_most $((big_kib + 32 * 1024)) "inspect of a $big-byte image"
	for format in raw c; do
		rss "$MKVDSO" build -q --prebuilt="$tmp/big.so" --base=0x400000000 --format=$format -o "$tmp/big-$format"
		[ "$status" -eq 0 ] || fail "build --format=$format of the 32 MiB image: exit status $status"
		at_most $((4 * big_kib + 32 * 1024)) "build --format=$format of a $big-byte image"
		rm -rf "$tmp/big-$format"
	done
else
	fail "cannot link the 32 MiB image"
fi

finish
