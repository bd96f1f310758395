#!/bin/sh
# examples/rust-kernel as a Rust kernel's build uses it: `cargo build
# --offline` with Debian's cargo, its build.rs running mkvdso from $MKVDSO or
# from PATH into OUT_DIR, -D warnings; without a mkvdso the build fails and
# says how to give one.  The generated modules are those `mkvdso build`
# writes, and README.md's Rust example is the crate's src/lib.rs.  Cargo's
# home and target folder stay in the build tree.  A missing tool fails.
. "$(dirname "$0")/lib.sh"

for tool in cargo rustc cmp; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "FAIL: $tool not found (Debian: cargo, rustc)" >&2
		exit 1
	}
done
for var in SOURCE_DIR BUILD_DIR; do
	eval "value=\${$var:-}"
	[ -n "$value" ] || { echo "FAIL: $var is not set (run through ctest)" >&2; exit 1; }
done
crate=$SOURCE_DIR/examples/rust-kernel
target=$BUILD_DIR/examples/rust-kernel
export CARGO_HOME="$BUILD_DIR/examples/cargo-home" CARGO_TARGET_DIR="$target"
export RUSTFLAGS="-D warnings"

cargo_build() { # cargo_build: stdout and stderr in $tmp/cargo.log
	cargo build --offline --locked --manifest-path "$crate/Cargo.toml" >"$tmp/cargo.log" 2>&1
}

# No mkvdso: a failed build that says what to do.
MKVDSO=$tmp/no-such-mkvdso cargo_build && fail "the build succeeded with MKVDSO naming no file"
grep -q "cannot run $tmp/no-such-mkvdso (from \$MKVDSO).*set MKVDSO=" "$tmp/cargo.log" ||
	fail "no message naming the missing mkvdso: $(tail -c 600 "$tmp/cargo.log")"

# From PATH, under the name a kernel developer installs.
mkdir "$tmp/bin"
ln -s "$MKVDSO" "$tmp/bin/mkvdso"
(unset MKVDSO; PATH=$tmp/bin:$PATH cargo_build) || fail "cargo build with mkvdso on PATH: $(tail -c 1500 "$tmp/cargo.log")"

# From $MKVDSO.
cargo_build || fail "cargo build with \$MKVDSO: $(tail -c 1500 "$tmp/cargo.log")"
[ -s "$target/debug/libmkvdso_rust_kernel_example.rlib" ] || fail "no rlib in $target/debug"

# The modules it compiled are what mkvdso build writes.
expect_status 0 "mkvdso build" "$MKVDSO" build --base=0x400000000 --format=rust -o "$tmp/direct"
# The newest: a build tree kept across versions of the crate holds older ones.
out_dir=$(ls -td "$target"/debug/build/mkvdso-rust-kernel-example-*/out 2>/dev/null | head -n 1)
[ -n "$out_dir" ] || fail "no OUT_DIR under $target/debug/build"
for f in vdso.rs vdso_auxv.rs vdso_data.rs; do
	cmp -s "$tmp/direct/$f" "${out_dir:-/nonexistent}/$f" || fail "OUT_DIR's $f is not what mkvdso build writes"
done
[ -e "$crate/target" ] && fail "cargo wrote a target folder into the source tree"

# README.md's Rust example is src/lib.rs without its opening comment.
awk '/^### Embedding in a kernel/ { s = 1; next } s && /^### / { s = 0 }
	s && $0 == "```rust" { inside = 1; next } inside && /^```$/ { exit } inside { print }' \
	"$SOURCE_DIR/README.md" >"$tmp/readme.rs"
sed '1,/^[^/]/{/^\/\//d}' "$crate/src/lib.rs" >"$tmp/lib.rs"
[ -s "$tmp/readme.rs" ] || fail "README.md's embedding section has no Rust example"
cmp -s "$tmp/readme.rs" "$tmp/lib.rs" ||
	fail "README.md's Rust example is not examples/rust-kernel/src/lib.rs: $(diff "$tmp/readme.rs" "$tmp/lib.rs" | head -20)"

finish
