#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUT.cpio.gz MODDIR [FILE...]
#
# Busybox userland, the guest init and plans, the modules found in MODDIR
# (go3s.ko, go3s_kunit.ko) under /go3s, and every further FILE: a file
# named */selftests/* goes to /go3s/selftests, anything else to /go3s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$1
moddir=$2
shift 2

root=$(mktemp -d)
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,go3s/selftests}
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 0755 "$here/guest/init" "$root/init"
install -m 0644 "$here/guest/plan.sh" "$root/go3s/plan.sh"
echo 'root:x:0:0::/:/bin/sh' >"$root/etc/passwd"
echo 'nobody:x:65534:65534::/:/bin/false' >>"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"

for ko in "$moddir"/*.ko; do
	[ -e "$ko" ] && install -m 0644 "$ko" "$root/go3s/"
done
for f in "$@"; do
	case "$f" in
	*/selftests/*) install -m 0755 "$f" "$root/go3s/selftests/" ;;
	*) install -m 0755 "$f" "$root/go3s/" ;;
	esac
done

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
