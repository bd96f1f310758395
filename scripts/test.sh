#!/bin/sh
# Quick start, step 2: the whole test suite, twice: an optimised -Werror
# build and an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -eu
cd "$(dirname "$0")/.."
# musl for aarch64 comes from Debian's arm64 architecture (musl-dev:arm64).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "mkvdso: the tests need Debian's arm64 architecture; run as root:" >&2
		echo "  dpkg --add-architecture arm64" >&2
		exit 2
	fi
	dpkg --add-architecture arm64
	apt-get update -qq >/dev/null
fi
scripts/deps.sh build-essential cmake pkg-config libelf-dev elfutils libcmocka-dev \
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
	clang rustc groff-base man-db musl-dev:arm64 golang-go
jobs=$(nproc)
for variant in werror sanitize; do
	dir=build-test-$variant
	# -O2 for the -Werror build: some warnings only appear when optimising.
	if [ $variant = sanitize ]; then
		flags="-DCMAKE_BUILD_TYPE=Debug -DMKVDSO_SANITIZE=ON"
	else
		flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo"
	fi
	cmake -S . -B "$dir" -DMKVDSO_WERROR=ON $flags >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$jobs")
done
