#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vm-run.sh -k BZIMAGE -i INITRD -l LOG [-p PLAN] [-c CPUS] [-m MEM_MB]
#           [-t TIMEOUT_S] [-r RESULTS] [-s KERNEL_SOURCE]
#
# Boots QEMU (TCG; KVM when /dev/kvm is usable) on the given kernel and
# initramfs, runs PLAN (scripts/guest/plan.sh) and saves the whole console
# to LOG.  The VM is killed after TIMEOUT_S seconds.  The log is then judged
# by vm-results.py, which appends one PASS/FAIL line per result to RESULTS.
# Exit status: 0 when every result passed.  GO3S_VM_QEMU adds QEMU options
# (word-split), e.g. "-icount shift=0,sleep=off" with -c 1 for bench.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

plan=check cpus=${GO3S_VM_CPUS:-4} mem=${GO3S_VM_MEM:-2048}
timeout=${GO3S_VM_TIMEOUT:-1200} results=/dev/null ksrc= label=vm
kernel= initrd= log=
while getopts "k:i:l:p:c:m:t:r:s:n:" o; do
	case $o in
	k) kernel=$OPTARG ;;
	i) initrd=$OPTARG ;;
	l) log=$OPTARG ;;
	p) plan=$OPTARG ;;
	c) cpus=$OPTARG ;;
	m) mem=$OPTARG ;;
	t) timeout=$OPTARG ;;
	r) results=$OPTARG ;;
	s) ksrc=$OPTARG ;;
	n) label=$OPTARG ;;
	*) sed -n '4,12p' "$0" >&2; exit 2 ;;
	esac
done
[ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$log" ] || {
	sed -n '4,12p' "$0" >&2
	exit 2
}
[ -n "$ksrc" ] || ksrc=$(go3s_kernel_src)

accel=tcg
[ -w /dev/kvm ] && accel=kvm

# panic_on_warn: a warning ends the run at once, its trace the last thing
# in the log.
append="console=ttyS0 go3s.plan=$plan ${GO3S_VM_APPEND:-} panic=-1 oops=panic softlockup_panic=1"
append="$append panic_on_warn=1"
append="$append hung_task_panic=0 kmemleak=on printk.time=1 loglevel=7"

echo "vm[$label]: $(basename "$kernel") plan=$plan cpus=$cpus mem=${mem}M accel=$accel, log $log" >&2
start=$(date +%s)
set +e
# shellcheck disable=SC2086 # GO3S_VM_QEMU is a list of options
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 \
	-machine q35,accel=$accel -cpu max -smp "$cpus" -m "$mem" \
	-kernel "$kernel" -initrd "$initrd" -append "$append" \
	-display none -monitor none -serial "file:$log" \
	-no-reboot ${GO3S_VM_QEMU:-} </dev/null
qrc=$?
set -e
# CPU time of QEMU (the shell's children): how busy the host was kept.
times >"$log.times"
cpu=$(sed -n 2p "$log.times")
rm -f "$log.times"
echo "vm[$label]: exited with $qrc after $(($(date +%s) - start)) s, CPU $cpu" >&2
[ "$qrc" -eq 124 ] && echo "GO3S-HOST: timeout after $timeout s" >>"$log"

python3 "$here/vm-results.py" --ksrc "$ksrc" --label "$label" "$log" >>"$results"
