#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms.sh install|remove|check [KERNEL_RELEASE]
#
# install: register go3s with dkms, build and install it for KERNEL_RELEASE
#          (default: the running kernel).
# remove:  remove every installed version of go3s from dkms.
# check:   add, build for KERNEL_RELEASE, verify go3s.ko, remove again.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

cmd=${1:-}
kver=${2:-$(uname -r)}
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$GO3S_TOP/dkms.conf")
dst=/usr/src/go3s-$ver

add() {
	remove
	mkdir -p "$dst"
	cp -a "$GO3S_TOP"/{Kbuild,Makefile,dkms.conf,go3s_sched,uapi} "$dst/"
	dkms add -m go3s -v "$ver"
}

remove() {
	if dkms status -m go3s -v "$ver" 2>/dev/null | grep -q go3s; then
		dkms remove -m go3s -v "$ver" --all
	fi
	rm -rf "$dst"
}

case $cmd in
install)
	add
	dkms build -m go3s -v "$ver" -k "$kver"
	dkms install -m go3s -v "$ver" -k "$kver"
	;;
remove)
	remove
	;;
check)
	add
	trap remove EXIT
	dkms build -m go3s -v "$ver" -k "$kver"
	ko=$(find "/var/lib/dkms/go3s/$ver/$kver" -name 'go3s.ko*' | head -1)
	[ -n "$ko" ] || { echo "dkms: no go3s.ko built" >&2; exit 1; }
	modinfo "$ko" | grep -q "^vermagic: *$kver "
	echo "dkms: built $ko for $kver"
	;;
*)
	sed -n '4,11p' "$0" >&2
	exit 2
	;;
esac
