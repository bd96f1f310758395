#!/bin/sh
# Quick start, step 2: the whole test suite three times (an optimised -Werror
# build, an AddressSanitizer + UndefinedBehaviorSanitizer build, and a plain
# build whose unit and integration tests run under valgrind's memcheck),
# then the Quick start's first command on a bare Debian 12 root
# (scripts/quickstart-bare.sh), then a short fuzz run: FUZZ_SECONDS
# (default 60) of scripts/fuzz.sh.
set -eu
cd "$(dirname "$0")/.."
# musl for aarch64 and 32-bit arm comes from Debian's arm64 and armhf
# architectures (musl-dev:arm64, musl-dev:armhf).
for foreign in arm64 armhf; do
	dpkg --print-foreign-architectures | grep -qx "$foreign" && continue
	if [ "$(id -u)" -ne 0 ]; then
		echo "mkvdso: the tests need Debian's $foreign architecture; run as root:" >&2
		echo "  dpkg --add-architecture $foreign" >&2
		exit 2
	fi
	dpkg --add-architecture "$foreign"
	apt-get update -qq >/dev/null
done
scripts/deps.sh build-essential cmake pkg-config libelf-dev elfutils libcmocka-dev \
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
	clang rustc cargo groff-base man-db musl-dev:arm64 golang-go valgrind libclang-rt-14-dev lz4 xz-utils \
	gcc-s390x-linux-gnu debootstrap ninja-build musl-dev strace debian-archive-keyring \
	gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross \
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross musl-dev:armhf gcc-arm-linux-gnueabi libc6-dev-armel-cross
jobs=$(nproc)
for variant in werror sanitize valgrind; do
	dir=build-test-$variant
	skip=
	case $variant in
	# -O2 for the -Werror build: some warnings only appear when optimising.
	werror) flags="-DCMAKE_BUILD_TYPE=RelWithDebInfo" ;;
	sanitize) flags="-DCMAKE_BUILD_TYPE=Debug -DMKVDSO_SANITIZE=ON" ;;
	# -O1 -g: from -O2 on, memcheck occasionally reports uninitialised
	# values that are not there (valgrind's quick start).  Left out under
	# valgrind (tests/valgrind.sh runs the rest under memcheck): vdso/ and e2e/
	# check what the image does (under qemu-aarch64 or natively), not mkvdso's memory.
	valgrind)
		flags="-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-O1 -DMKVDSO_VALGRIND=ON"
		skip='^(vdso|e2e)/'
		;;
	esac
	cmake -S . -B "$dir" -DMKVDSO_WERROR=ON $flags >/dev/null
	cmake --build "$dir" -j"$jobs"
	(cd "$dir" && ctest --output-on-failure -j"$jobs" ${skip:+-E "$skip"})
done
# The Quick start's first command on a bare Debian 12 root: what it builds
# there must be what the suite's own build builds here.
build-test-werror/tool/mkvdso build -q --base=0x400000000 --format=raw -o build-test-werror/quickstart
scripts/quickstart-bare.sh build-test-werror/quickstart/vdso.bin
# A crash fails here, and is saved in tests/fuzz/crashes/ for the replay.
scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
