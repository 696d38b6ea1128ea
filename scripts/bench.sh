#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: the go3s microbenchmark (Documentation/benchmarks.rst).
# One VM boot per kernel (Debian's 6.1, then the debug test kernel), 4
# vCPUs under TCG, each printing ns per operation, the Go channel peer run
# in the same boot, and the ratios measured in that boot.  Then one boot of
# Debian's 6.1 on a single vCPU under -icount shift=0,sleep=off, where guest
# time counts executed instructions: its same-CPU rows repeat to about 0.1%
# (the cross-CPU rows print n/a there).  Nothing is asserted.
#   GO3S_BENCH_KERNELS="deb61 kasan deb61-icount" picks and orders the boots.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "$GO3S_TOP"

"$here/install-deps.sh" >&2
rel=$(go3s_deb61_release)
kernels=${GO3S_BENCH_KERNELS:-deb61 kasan deb61-icount}

# The Go peer: static, with its caches under build/, not $HOME.
go=$GO3S_TOP/build/bench-go
mkdir -p "$go"
(cd selftests/bench && CGO_ENABLED=0 GO111MODULE=off \
	GOCACHE="$go/cache" GOPATH="$go/path" \
	go build -trimpath -o "$go/pingpong" pingpong.go)

for k in $kernels; do
	cpus=4 qemu=
	case $k in
	kasan)
		kd=$("$here/build-test-kernel.sh" kasan)
		bz=$kd/arch/x86/boot/bzImage
		;;
	deb61 | deb61-icount)
		kd=/lib/modules/$rel/build bz=/boot/vmlinuz-$rel
		;;
	*) echo "bench: unknown kernel $k" >&2; exit 2 ;;
	esac
	# QEMU 7.2 hangs bringing up secondary CPUs under icount: one vCPU.
	case $k in
	*-icount) cpus=1 qemu="-icount shift=0,sleep=off" ;;
	esac
	d=$GO3S_TOP/build/bench-$k
	rm -rf "$d"
	mkdir -p "$d/src"
	cp -a Kbuild go3s_sched uapi "$d/src/"
	make -s -C "$kd" M="$d/src" >"$d/build.log" 2>&1 ||
		{ cat "$d/build.log"; exit 1; }
	rm -f "$d/src/go3s_kunit.ko"
	"$here/mkinitramfs.sh" "$d/initrd.gz" "$d/src" "$go/pingpong"
	GO3S_VM_QEMU=$qemu "$here/vm-run.sh" -k "$bz" -i "$d/initrd.gz" \
		-l "$d/console.log" -c "$cpus" -p bench -n "bench-$k" \
		>/dev/null || true
	echo "== $k ($(basename "$bz"), $cpus vCPU${qemu:+, $qemu})"
	"$here/bench-print.sh" "$d/console.log"
done
