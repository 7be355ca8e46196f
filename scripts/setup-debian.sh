#!/bin/sh
# Set up and build dmarscan on Debian 12 (bookworm): install the packages the
# build and the tests need - only those missing, so it is safe to run again
# and needs no network when nothing is missing - then configure and build.
#
#   sh scripts/setup-debian.sh              (as root, or a user with sudo)
#   CONFIGURE_FLAGS=--enable-werror sh scripts/setup-debian.sh
set -eu
cd "$(dirname "$0")/.."

# build tools; libyal (regf, fwnt, bfio); libcrypto for sha256; jansson for
# JSON; The Sleuth Kit to read disk images; Check for unit tests; hivex to
# build the .reg fixtures and the demo hive, and with reglookup to check
# that a recovered hive opens in other tools; xz for the real hives of the
# optional tests; groff and mandoc to check that the manual page reads
# without a warning; ntfs-3g (mkntfs, and libntfs-3g to write without
# mounting), mtools, gdisk, ewf-tools and qemu-utils to build the disk
# images of the tests.
PACKAGES="build-essential autoconf automake libtool pkg-config
libregf-dev libfwnt-dev libbfio-dev libssl-dev libjansson-dev libtsk-dev check
libwin-hivex-perl libhivex-bin reglookup xz-utils groff-base mandoc
ntfs-3g ntfs-3g-dev mtools gdisk ewf-tools qemu-utils"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	as_root=""
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 || {
			echo "setup: run as root (or install sudo) to install:$missing" >&2
			exit 1
		}
		as_root=sudo
	fi
	echo "setup: installing$missing"
	$as_root apt-get update
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi
# shellcheck disable=SC2086
[ -f Makefile ] || ./configure ${CONFIGURE_FLAGS:-}
make -j"$(nproc 2>/dev/null || echo 2)"
