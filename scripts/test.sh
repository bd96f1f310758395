#!/bin/sh
# Quick start, step 2: the whole test suite, twice: an optimised -Werror
# build and an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build-essential cmake pkg-config libelf-dev elfutils libcmocka-dev \
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
	clang rustc groff-base man-db
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
