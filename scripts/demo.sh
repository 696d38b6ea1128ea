#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot Debian's stock 6.1 kernel in QEMU, load go3s built
# against its headers, and show what /dev/go3s reports.  Needs no test
# kernel, so it is quick on a fresh machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "$GO3S_TOP"

"$here/install-deps.sh"
go3s_extract_source
rel=$(go3s_deb61_release)
d=$GO3S_TOP/build/demo
rm -rf "$d"
mkdir -p "$d/src"
cp -a Kbuild go3s_sched uapi "$d/src/"
echo "demo: building go3s.ko for $rel"
make -s -C "/lib/modules/$rel/build" M="$d/src" >"$d/build.log" 2>&1 ||
	{ cat "$d/build.log"; exit 1; }
make -s -C selftests KSRC="$(go3s_kernel_src)" OUT="$d/selftests" demo
"$here/mkinitramfs.sh" "$d/initrd.gz" "$d/src" "$d/selftests/go3s"
rc=0
GO3S_VM_TIMEOUT=300 "$here/vm-run.sh" -k "/boot/vmlinuz-$rel" -i "$d/initrd.gz" \
	-l "$d/console.log" -p demo -n demo -r "$d/results.txt" || rc=$?
echo
echo "---- from the VM console ($d/console.log) ----"
sed -n '/^GO3S: plan/,/^GO3S: plan done/p' "$d/console.log" |
	grep -v '^GO3S: plan done' | sed 's/\r$//; s/\$ \/go3s\/selftests\//$ /'
echo "----"
[ $rc -eq 0 ] && echo "demo: ok" || echo "demo: FAILED (see $d/results.txt)"
exit $rc
