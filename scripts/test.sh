#!/bin/sh
# Quick start, step 2: the whole test suite, twice: a -Werror build and an
# AddressSanitizer + UndefinedBehaviorSanitizer build.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build-essential cmake pkg-config libelf-dev elfutils libcmocka-dev \
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu groff-base man-db
jobs=$(nproc)
for variant in werror sanitize; do
	dir=build-test-$variant
	if [ $variant = sanitize ]; then flags=-DMKVDSO_SANITIZE=ON; else flags=; fi
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DMKVDSO_WERROR=ON $flags >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$jobs")
done
