#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the go3s microbenchmark, one VM boot per kernel (the debug
# test kernel and Debian's 6.1), each printing ns per operation and the
# ratios measured in that boot.  Nothing is asserted.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "$GO3S_TOP"

"$here/install-deps.sh" >&2
kdir=$("$here/build-test-kernel.sh" kasan)
rel=$(go3s_deb61_release)
for k in deb61 kasan; do
	case $k in
	kasan) kd=$kdir bz=$kdir/arch/x86/boot/bzImage ;;
	deb61) kd=/lib/modules/$rel/build bz=/boot/vmlinuz-$rel ;;
	esac
	d=$GO3S_TOP/build/bench-$k
	rm -rf "$d"
	mkdir -p "$d/src"
	cp -a Kbuild go3s_sched uapi "$d/src/"
	make -s -C "$kd" M="$d/src" >"$d/build.log" 2>&1 ||
		{ cat "$d/build.log"; exit 1; }
	rm -f "$d/src/go3s_kunit.ko"
	"$here/mkinitramfs.sh" "$d/initrd.gz" "$d/src"
	"$here/vm-run.sh" -k "$bz" -i "$d/initrd.gz" -l "$d/console.log" \
		-p bench -n "bench-$k" >/dev/null || true
	echo "== $k ($(basename "$bz"))"
	"$here/bench-print.sh" "$d/console.log"
done
