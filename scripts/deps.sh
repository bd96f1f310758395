#!/bin/sh
# deps.sh PACKAGE...: install the Debian packages that are missing.
# As root this runs apt-get; otherwise it prints the exact command and fails,
# so nothing half-installs behind the user's back.
set -eu
missing=""
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "mkvdso: missing Debian packages; run as root:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 2
fi
echo "mkvdso: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends$missing >/dev/null
