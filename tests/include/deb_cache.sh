# deb_cache PKG DIR: the .deb of the Debian package PKG, fetched once with
# `apt-get download` (no root needed, nothing installed) and kept as
# DIR/PKG.deb, so the suite's builds and repeated runs share one download.
# Prints the path; on failure says why on stderr and returns 1.  Shared by
# tests/integration/linux_vdsos.sh and tests/e2e/selftests.sh.
deb_cache() {
	if [ ! -s "$2/$1.deb" ]; then
		mkdir -p "$2" && dl=$(mktemp -d "$2/.download.XXXXXX") ||
			{ echo "cannot create a download folder in $2" >&2; return 1; }
		if ! (cd "$dl" && apt-get download -q "$1" >apt.log 2>&1); then
			echo "apt-get download $1: $(tail -n 3 "$dl/apt.log")" >&2
			rm -rf "$dl"
			return 1
		fi
		# A rename in the same folder: a concurrent run sees all or nothing.
		mv "$dl"/*.deb "$2/$1.deb" || { echo "cannot keep $1 in $2" >&2; rm -rf "$dl"; return 1; }
		rm -rf "$dl"
	fi
	echo "$2/$1.deb"
}
