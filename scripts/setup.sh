#!/bin/sh
# Quick start, step 1: install what is missing, build mkvdso, and run its
# main job on this machine.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build-essential cmake pkg-config libelf-dev elfutils
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMKVDSO_WERROR=OFF -DMKVDSO_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)"
# Until `mkvdso build` exists, the main job is checking a real vDSO: this
# machine's own.
build/tool/mkvdso dump -o build/host-vdso.so
build/tool/mkvdso inspect build/host-vdso.so
