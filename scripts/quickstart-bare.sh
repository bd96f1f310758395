#!/bin/sh
# quickstart-bare.sh [REFERENCE_IMAGE]: the Quick start's first command
# (scripts/setup.sh) the way a new machine meets it.  A fresh
# `debootstrap --variant=minbase bookworm` root, which has never run any of
# this project's scripts, gets a copy of the tracked source files and runs
# setup.sh inside it (in a private mount namespace, with its own /proc and
# the host's /dev).  A package that setup.sh forgets to install but an
# earlier run on this machine did cannot hide: the root has only Debian's
# required packages.  setup.sh must succeed and print its summary; with
# REFERENCE_IMAGE, the image built there must be byte-identical to it.
# Needs root (debootstrap, chroot) and the apt mirror; scripts/test.sh runs it.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
mirror=${MKVDSO_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$top/build-bare/root
log=$top/build-bare/setup.log

if [ "$(id -u)" -ne 0 ]; then
	echo "mkvdso: $0 needs root (debootstrap and chroot)" >&2
	exit 2
fi
command -v debootstrap >/dev/null || { echo "mkvdso: debootstrap not found; install the Debian package debootstrap" >&2; exit 2; }
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
	{ echo "mkvdso: $top is not a git checkout: the tracked files are what gets copied" >&2; exit 2; }

rm -rf "$top/build-bare"
mkdir -p "$top/build-bare"
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$top/build-bare/debootstrap.log" 2>&1; then
	tail -n 20 "$top/build-bare/debootstrap.log" >&2
	echo "mkvdso: debootstrap of a bare bookworm root failed" >&2
	exit 2
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mkdir "$root/src"
# The working tree's tracked files, as a clean clone has them.
git -C "$top" ls-files -z | (cd "$top" && tar --null -T - -cf -) | tar -xf - -C "$root/src"

status=0
unshare -m sh -c 'mount -t proc proc "$1/proc" && mount --bind /dev "$1/dev" &&
	exec chroot "$1" /bin/sh -c "cd /src && scripts/setup.sh"' sh "$root" >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
	tail -n 30 "$log" >&2
	echo "mkvdso: scripts/setup.sh failed with status $status on a bare Debian 12 root (log: $log)" >&2
	exit 1
fi
grep -q '^built the aarch64 vDSO for AT_SYSINFO_EHDR 0x400000000$' "$log" ||
	{ cat "$log" >&2; echo "mkvdso: scripts/setup.sh printed no build summary on a bare root" >&2; exit 1; }
if [ $# -ge 1 ] && ! cmp "$1" "$root/src/build/vdso-out/vdso.bin"; then
	echo "mkvdso: the image setup.sh built on a bare root differs from $1" >&2
	exit 1
fi
echo "mkvdso: scripts/setup.sh works on a bare Debian 12 root"
rm -rf "$top/build-bare"
