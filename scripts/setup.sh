#!/bin/sh
# Quick start, step 1: install what is missing, build mkvdso, and run its
# main job on this machine.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build-essential cmake pkg-config libelf-dev elfutils \
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMKVDSO_WERROR=OFF -DMKVDSO_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
# The main job: the built-in aarch64 vDSO, placed for a kernel that maps it
# at 0x4_0000_0000, and every file a kernel build embeds, in build/vdso-out.
# mkvdso says what it built; inspect -q is silent unless something is wrong.
build/tool/mkvdso build --base=0x400000000 -o build/vdso-out
build/tool/mkvdso inspect -q build/vdso-out/vdso.bin
