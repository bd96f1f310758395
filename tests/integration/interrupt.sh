#!/bin/sh
# Interrupted outputs: a full disk, a read-only folder and a killed process
# leave the previous outputs byte for byte and no temporary file; a failure
# exits 2 and names the file and the cause.  Runs in its own mount
# namespace (unshare) so its tmpfs mounts never touch the host's.

if [ -z "${MKVDSO_INTERRUPT_NS:-}" ]; then
	command -v unshare >/dev/null ||
		{ echo "FAIL: unshare not found (Debian package util-linux)" >&2; exit 1; }
	# -r: a user namespace gives mount privileges without root; as root,
	# -m alone is enough where user namespaces are disabled.
	for flags in -rm -m; do
		if unshare $flags true 2>/dev/null; then
			MKVDSO_INTERRUPT_NS=1 exec unshare $flags sh "$0"
		fi
	done
	echo "FAIL: neither 'unshare -rm' (user namespaces) nor 'unshare -m' (root) can" \
		"make a mount namespace here; this test needs one of them" >&2
	exit 1
fi

. "$(dirname "$0")/lib.sh"
[ -n "${SOURCE_DIR:-}" ] || { echo "FAIL: SOURCE_DIR is not set" >&2; exit 1; }
for tool in gcc objcopy mount umount stat cmp; do
	command -v $tool >/dev/null || { echo "FAIL: $tool not found" >&2; exit 1; }
done
mnt=$tmp/mnt
pid=
# A mount point cannot be removed while mounted, and a stopped build must
# not outlive the test.
trap '[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	umount "$mnt" 2>/dev/null
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"' EXIT
mkdir "$mnt"
mount -t tmpfs -o size=2m tmpfs "$mnt" ||
	{ echo "FAIL: cannot mount a tmpfs in the mount namespace" >&2; exit 1; }
base=--base=0x400000000

# A valid x86_64 vDSO carrying 16 MiB of incompressible read-only data
# (as bench/emit-speed.sh makes it): its outputs are about 130 MB.
fixtures=$SOURCE_DIR/tests/fixtures
cpp="gcc -E -P -undef -x assembler-with-cpp -DVDSO_ARCH_X86_64"
head -c 16777216 /dev/urandom >"$tmp/blob"
printf '.section .rodata.blob,"a"\n.balign 16\n.incbin "%s"\n' "$tmp/blob" >"$tmp/blob.S"
$cpp "$fixtures/vdso.lds.S" -o "$tmp/vdso.lds" &&
	$cpp "$fixtures/vdso-x86_64.map.S" -o "$tmp/vdso.map" &&
	gcc -fPIC -O2 -DVDSO_ARCH_X86_64 -c "$fixtures/vdso-x86_64.S" -o "$tmp/vdso.o" &&
	gcc -c "$tmp/blob.S" -o "$tmp/blob.o" &&
	gcc -nostdlib -shared -Wl,-Bsymbolic -Wl,--build-id=sha1 -Wl,-n -Wl,--hash-style=both \
		-Wl,-soname=linux-vdso.so.1 -Wl,--no-undefined -Wl,--version-script="$tmp/vdso.map" \
		-T "$tmp/vdso.lds" "$tmp/vdso.o" "$tmp/blob.o" -o "$tmp/big.so" &&
	objcopy -S "$tmp/big.so" ||
	{ echo "FAIL: cannot link the large test vDSO" >&2; exit 1; }
big=--prebuilt=$tmp/big.so
small=--prebuilt=$FIXTURES/aarch64/good.so

# The previous build every case must leave alone, and a copy of it kept
# outside the file systems under test.
expect_status 0 "the previous build" "$MKVDSO" build "$small" $base -o "$mnt/out"
cp -a "$mnt/out" "$tmp/saved"
[ "$(ls -A "$tmp/saved" | wc -l)" -ge 9 ] || fail "the previous build wrote $(ls -A "$tmp/saved")"

# expect_failure WHAT PATTERN: the last command exited 2 and said PATTERN
# (a basic regular expression for one whole stderr line).
expect_failure() {
	[ "$got" -eq 2 ] || fail "$1: exit status $got, expected 2; stderr: $(head -c 400 "$tmp/err")"
	grep -qx -- "$2" "$tmp/err" || fail "$1: expected a line '$2', stderr: $(head -c 400 "$tmp/err")"
}

# expect_unchanged WHAT DIR: DIR holds exactly the previous files, each
# byte for byte as it was.
expect_unchanged() {
	[ "$(ls -A "$2")" = "$(ls -A "$tmp/saved")" ] ||
		fail "$1: $2 holds $(ls -A "$2" | tr '\n' ' '), expected $(ls -A "$tmp/saved" | tr '\n' ' ')"
	for f in $(ls -A "$tmp/saved"); do
		cmp -s "$tmp/saved/$f" "$2/$f" || fail "$1: $2/$f changed"
	done
}

run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
}

# --- a full disk: the 2 MiB tmpfs cannot take the large image's outputs ---
run "$MKVDSO" build "$big" $base -o "$mnt/out" --depfile="$mnt/out.d"
expect_failure "full disk" "mkvdso: $mnt/out/vdso[._a-z]*: write failed: No space left on device"
expect_unchanged "full disk" "$mnt/out"
run "$MKVDSO" build "$big" $base -o "$mnt/new"
expect_failure "full disk, new folder" "mkvdso: $mnt/new/vdso[._a-z]*: write failed: No space left on device"
[ "$(ls -A "$mnt")" = out ] || fail "full disk: the file system holds $(ls -A "$mnt" | tr '\n' ' ')"
# Not a byte left: even the small outputs and a dump fail on their first write.
dd if=/dev/zero of="$mnt/fill" bs=64k 2>/dev/null
[ "$(stat -f -c %a "$mnt")" -eq 0 ] || fail "could not fill the tmpfs"
run "$MKVDSO" build "$small" $base -o "$mnt/out"
expect_failure "no space at all" "mkvdso: $mnt/out/vdso.h: write failed: No space left on device"
expect_unchanged "no space at all" "$mnt/out"
run "$MKVDSO" dump -o "$mnt/out/vdso.bin"
expect_failure "dump, full disk" "mkvdso: $mnt/out/vdso.bin: write failed: No space left on device"
expect_unchanged "dump, full disk" "$mnt/out"
rm "$mnt/fill"

# --- a read-only folder (as root, only a read-only mount refuses) ---
mount -o remount,ro "$mnt" || fail "cannot remount the tmpfs read-only"
run "$MKVDSO" build "$small" $base -o "$mnt/out"
expect_failure "read-only" \
	"mkvdso: $mnt/out/vdso.h: cannot create a temporary file beside it: Read-only file system"
expect_unchanged "read-only" "$mnt/out"
run "$MKVDSO" build "$small" $base -o "$mnt/new"
expect_failure "read-only, new folder" \
	"mkvdso: $mnt/new: cannot create the output folder: Read-only file system"
run "$MKVDSO" dump -o "$mnt/out/vdso.bin"
expect_failure "dump, read-only" \
	"mkvdso: $mnt/out/vdso.bin: cannot create a temporary file beside it: Read-only file system"
expect_unchanged "dump, read-only" "$mnt/out"
[ "$(ls -A "$mnt")" = out ] || fail "read-only: the file system holds $(ls -A "$mnt" | tr '\n' ' ')"

# --- the named-temporary fallback, for file systems without O_TMPFILE ---
# A preloaded open() refuses O_TMPFILE as such a file system does and
# counts its refusals, so the test knows the fallback ran.
cat >"$tmp/no_tmpfile.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = va_arg(ap, mode_t);
	va_end(ap);
	int (*real_open)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if ((flags & O_TMPFILE) != O_TMPFILE)
		return real_open(path, flags, mode);
	const char *log = getenv("NO_TMPFILE_LOG");
	int fd = log ? real_open(log, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
	if (fd >= 0) {
		write(fd, "refused\n", 8);
		close(fd);
	}
	errno = EOPNOTSUPP;
	return -1;
}
int open64(const char *path, int flags, ...) __attribute__((alias("open")));
EOF
gcc -shared -fPIC -o "$tmp/no_tmpfile.so" "$tmp/no_tmpfile.c" -ldl ||
	{ echo "FAIL: cannot compile the O_TMPFILE-refusing shim" >&2; exit 1; }
# The sanitizer runtime must otherwise come first in the library list.
no_tmpfile() {
	LD_PRELOAD=$tmp/no_tmpfile.so NO_TMPFILE_LOG=$tmp/refused \
		ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 "$@"
}
run no_tmpfile "$MKVDSO" build "$small" $base -o "$mnt/out"
expect_failure "fallback, read-only" \
	"mkvdso: $mnt/out/vdso.h: cannot create a temporary file beside it: Read-only file system"
expect_unchanged "fallback, read-only" "$mnt/out"
mount -o remount,rw "$mnt" || fail "cannot remount the tmpfs read-write"
run no_tmpfile "$MKVDSO" build "$big" $base -o "$mnt/out"
expect_failure "fallback, full disk" "mkvdso: $mnt/out/vdso[._a-z]*: write failed: No space left on device"
expect_unchanged "fallback, full disk" "$mnt/out"
[ -s "$tmp/refused" ] || fail "the shim never refused O_TMPFILE: the fallback was not tested"
# And it still replaces outputs when nothing fails.
rm -f "$tmp/refused"
run no_tmpfile "$MKVDSO" dump -o "$mnt/dump.so"
[ "$got" -eq 0 ] || fail "fallback dump: exit status $got; $(head -c 400 "$tmp/err")"
[ "$(ls -A "$mnt")" = "$(printf 'dump.so\nout')" ] || fail "fallback dump: $(ls -A "$mnt" | tr '\n' ' ')"
[ -s "$tmp/refused" ] || fail "the shim never refused O_TMPFILE for dump"
rm "$mnt/dump.so"

# --- a killed process ---
# The build starts stopped and is advanced in steps of about 10 ms, each
# followed by SIGSTOP.  It is killed only in a step where it is stopped with
# a non-empty file open in the output folder and that folder lists only the
# previous files, so the kill lands mid-write and never in the microseconds
# in which finished outputs get their names.  A step can miss the writing
# (it takes about half a second): then the attempt is repeated.
umount "$mnt" && mount -t tmpfs -o size=512m tmpfs "$mnt" ||
	{ echo "FAIL: cannot mount a larger tmpfs" >&2; exit 1; }
dir=$(cd "$mnt" && pwd -P)/kill
previous=$(ls -A "$tmp/saved")

state() { sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null; }

# wait_stopped PID: SIGSTOP takes effect only when the process leaves the
# kernel; returns once it has stopped or exited, fails after 10 s.
wait_stopped() {
	n=0
	while [ $n -lt 10000 ]; do
		case $(state "$1") in T|Z|X|"") return 0 ;; esac
		sleep 0.001
		n=$((n + 1))
	done
	return 1
}

# writing_into PID DIR: PID has a non-empty file open in DIR.
writing_into() {
	for fd in /proc/$1/fd/*; do
		case $(readlink "$fd" 2>/dev/null) in
		"$2"/*) [ "$(stat -L -c %s "$fd" 2>/dev/null || echo 0)" -gt 0 ] && return 0 ;;
		esac
	done
	return 1
}

killed=
seen=
for attempt in 1 2 3; do
	rm -rf "$dir"
	cp -a "$tmp/saved" "$dir"
	sh -c 'kill -STOP $$; exec "$@"' sh "$MKVDSO" build "$big" $base -o "$dir" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_stopped "$pid" || { fail "the build did not stop"; break; }
	while [ "$(state "$pid")" = T ]; do
		kill -CONT "$pid"
		sleep 0.01
		kill -STOP "$pid" 2>/dev/null
		wait_stopped "$pid" || { fail "the build did not stop"; break; }
		[ "$(state "$pid")" = T ] && writing_into "$pid" "$dir" || continue
		listing=$(ls -A "$dir")
		if [ "$listing" = "$previous" ]; then
			kill -KILL "$pid"
			killed=$attempt
			break
		fi
		seen=$listing
	done
	wait "$pid"
	got=$?
	pid=
	[ -n "$killed" ] && break
done
if [ -z "$killed" ]; then
	fail "never stopped the build while it wrote into $dir with only the previous files" \
		"there in 3 attempts${seen:+; while writing it listed: $(echo $seen)}"
else
	[ "$got" -eq 137 ] || fail "killed build: exit status $got, expected 137 (SIGKILL)"
	expect_unchanged "killed build (attempt $killed)" "$dir"
fi
# Uninterrupted, the same build replaces the previous files.
run "$MKVDSO" build "$big" $base -o "$dir"
[ "$got" -eq 0 ] || fail "the large build: exit status $got; $(head -c 400 "$tmp/err")"
[ "$(ls -A "$dir")" = "$previous" ] || fail "the large build left $(ls -A "$dir" | tr '\n' ' ')"
cmp -s "$dir/vdso.bin" "$tmp/saved/vdso.bin" && fail "the large build did not replace vdso.bin"
finish
