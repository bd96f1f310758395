#!/bin/sh
# The command line as users meet it: help, version, usage errors, exit
# statuses, messages, JSON and standard input.
. "$(dirname "$0")/lib.sh"

expect_status 0 "--help" "$MKVDSO" --help
expect_grep "inspect" "$tmp/out" "--help lists inspect"
expect_grep "Exit status" "$tmp/out" "--help documents exit statuses"
expect_status 0 "--version" "$MKVDSO" --version
expect_grep "^mkvdso " "$tmp/out" "--version"
expect_status 0 "help inspect" "$MKVDSO" help inspect
cp "$tmp/out" "$tmp/help-inspect"
expect_status 0 "inspect --help" "$MKVDSO" inspect --help
cmp -s "$tmp/out" "$tmp/help-inspect" || fail "'help inspect' differs from 'inspect --help'"
expect_grep "Usage: mkvdso inspect" "$tmp/out" "inspect --help names the command"
expect_grep "Exit status" "$tmp/out" "inspect --help documents exit statuses"

expect_status 64 "no command" "$MKVDSO"
expect_status 64 "unknown command" "$MKVDSO" frobnicate
expect_grep "unknown command 'frobnicate'" "$tmp/err" "unknown command message"
expect_status 64 "abbreviated command" "$MKVDSO" insp "$FIXTURES/x86_64/good.so"
expect_status 64 "inspect without FILE" "$MKVDSO" inspect
expect_status 64 "unknown option" "$MKVDSO" inspect --bogus "$FIXTURES/x86_64/good.so"
expect_status 64 "unknown arch" "$MKVDSO" inspect --arch=vax "$FIXTURES/x86_64/good.so"
expect_status 64 "unknown libc" "$MKVDSO" inspect --libc=uclibc "$FIXTURES/x86_64/good.so"
expect_status 64 "bad --max-input" "$MKVDSO" inspect --max-input=12x "$FIXTURES/x86_64/good.so"

# Exit 2: I/O trouble, with the file named.
expect_status 2 "missing file" "$MKVDSO" inspect "$tmp/nonexistent.so"
expect_grep "mkvdso: $tmp/nonexistent.so: No such file or directory" "$tmp/err" "missing file message"
expect_status 2 "directory" "$MKVDSO" inspect "$tmp"

# Exit 1: not a usable vDSO, with what was expected.
printf 'hello' >"$tmp/text"
expect_status 1 "not ELF" "$MKVDSO" inspect "$tmp/text"
expect_grep "mkvdso: $tmp/text: not an ELF file (expected the magic" "$tmp/err" "not-ELF message"
: >"$tmp/empty"
expect_status 1 "empty file" "$MKVDSO" inspect "$tmp/empty"
expect_status 1 "over --max-input" "$MKVDSO" inspect --max-input=100 "$FIXTURES/x86_64/good.so"
expect_grep "input limit" "$tmp/err" "--max-input message"
expect_status 1 "error findings" "$MKVDSO" inspect "$FIXTURES/aarch64/no-hash.so"
expect_grep "error   sysv-hash-missing" "$tmp/out" "finding line"
expect_grep "musl 1.2.3+ *__kernel_clock_gettime@LINUX_2.6.39 *fallback" "$tmp/out" "musl verdict"

# Clean images, warnings, --strict, --libc, --require, --arch.
expect_status 0 "good x86_64" "$MKVDSO" inspect "$FIXTURES/x86_64/good.so"
expect_grep ": 0 errors, 0 warnings" "$tmp/out" "good summary"
expect_status 0 "good aarch64, quiet" "$MKVDSO" inspect -q "$FIXTURES/aarch64/good.so"
[ -s "$tmp/out" ] && fail "inspect -q of a clean image printed: $(head -c 200 "$tmp/out")"
expect_status 0 "warning only" "$MKVDSO" inspect "$FIXTURES/aarch64/rebased.so"
expect_status 1 "--strict" "$MKVDSO" inspect --strict "$FIXTURES/aarch64/rebased.so"
expect_status 1 "glibc-only error" "$MKVDSO" inspect "$FIXTURES/aarch64/writable-dynamic.so"
expect_status 0 "--libc=musl drops a glibc-only error" "$MKVDSO" inspect --libc=musl "$FIXTURES/aarch64/writable-dynamic.so"
expect_status 1 "--require missing" "$MKVDSO" inspect --require=__kernel_getrandom@LINUX_2.6.39 "$FIXTURES/aarch64/good.so"
expect_grep "symbol-missing" "$tmp/out" "--require finding"
expect_status 1 "--arch mismatch" "$MKVDSO" inspect --arch=x86_64 "$FIXTURES/aarch64/good.so"
expect_grep "arch-mismatch" "$tmp/out" "--arch mismatch finding"
expect_status 1 "--forbid-syscalls" "$MKVDSO" inspect --forbid-syscalls "$FIXTURES/x86_64/good.so"
expect_status 0 "--forbid-syscalls on a syscall-free image" "$MKVDSO" inspect --forbid-syscalls "$FIXTURES/x86_64/syscall-free.so"

# Standard input and JSON.
"$MKVDSO" inspect - <"$FIXTURES/aarch64/good.so" >"$tmp/out" 2>"$tmp/err" || fail "inspect - failed"
expect_grep "^<stdin>: ELF64" "$tmp/out" "stdin is named <stdin>"
expect_status 1 "json" "$MKVDSO" inspect --json "$FIXTURES/x86_64/no-verdef.so"
expect_grep '^{"schema":"mkvdso-inspect/1"' "$tmp/out" "JSON schema first"
expect_grep '"rule":"verdef-missing","severity":"error"' "$tmp/out" "JSON finding"
expect_grep '"consumer":"go","releases":"1.19+","function":"__vdso_clock_gettime","version":"LINUX_2.6","static":{"outcome":"crash"' "$tmp/out" "JSON verdict"
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "compact JSON is not one line"
expect_status 0 "json pretty" "$MKVDSO" inspect --pretty "$FIXTURES/x86_64/good.so"
expect_grep '^  "schema": "mkvdso-inspect/1",$' "$tmp/out" "pretty JSON"
# Same input, same output (no dates, no addresses of our own).
"$MKVDSO" inspect --json "$FIXTURES/x86_64/good.so" >"$tmp/a"
"$MKVDSO" inspect --json "$FIXTURES/x86_64/good.so" >"$tmp/b"
cmp -s "$tmp/a" "$tmp/b" || fail "inspect output is not reproducible"

# dump refuses stray arguments and writes atomically.
expect_status 64 "dump extra argument" "$MKVDSO" dump extra
expect_status 2 "dump into a missing folder" "$MKVDSO" dump -o "$tmp/no/such/dir/vdso.so"
ls "$tmp/no" >/dev/null 2>&1 && fail "dump created a folder"
finish
