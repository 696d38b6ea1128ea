#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every build, static check and test of go3s.  Each result is
# one PASS/FAIL/SKIP line in build/results.txt; the last line printed is
# "N passed, N failed" (skips are listed and counted just above it) and the
# exit status is 1 on any failure.
#
# Environment: GO3S_VMS="kasan kcsan deb61" picks the VM runs (and which
# debug kernels are built); GO3S_ONLY=<selftest> runs one kselftest program;
# GO3S_CACHE moves the kernel cache.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "$GO3S_TOP" || exit 1

B=$GO3S_TOP/build
R=$B/results.txt
mkdir -p "$B"
: >"$R"
vms=${GO3S_VMS:-kasan kcsan deb61}

pass() { echo "PASS $1" >>"$R"; }
fail() { echo "FAIL $1${2:+: $2}" >>"$R"; echo "FAIL $1${2:+: $2}" >&2; }
stage() { echo "== [$(date +%T)] $*" >&2; }

finish() {
	local p f s
	p=$(grep -c '^PASS' "$R")
	f=$(grep -c '^FAIL' "$R")
	s=$(grep -c '^SKIP' "$R")
	echo
	grep -E '^(FAIL|SKIP)' "$R"
	echo "results: $R"
	[ "$s" -gt 0 ] && echo "$s skipped (each with its reason above)"
	echo "$p passed, $f failed"
	[ "$f" -eq 0 ]
	exit
}

stage "dependencies"
if ! "$here/install-deps.sh" >&2; then
	fail deps "scripts/install-deps.sh failed"
	finish
fi

declare -A KDIRS=(
	[deb61]=/lib/modules/$(go3s_deb61_release)/build
	[deb612]=/lib/modules/$(go3s_deb612_release)/build
)
built=
for k in $GO3S_TEST_KERNELS; do
	case " $vms " in *" $k "*) ;; *) continue ;; esac
	stage "test kernel $k (cached in $GO3S_CACHE)"
	start=$(date +%s)
	if kdir=$("$here/build-test-kernel.sh" "$k"); then
		pass "test-kernel/$k"
		KDIRS[$k]=$kdir
		echo "test kernel $k: $kdir ($(($(date +%s) - start)) s)" >&2
	else
		fail "test-kernel/$k" "scripts/build-test-kernel.sh $k failed"
	fi
	built="$built $k"
done
ksrc=$(go3s_kernel_src)
go3s_extract_source >&2

# --- builds: W=1, objtool included, zero warnings on every kernel -------
build_w1() {
	local k=$1
	stage "build W=1 against $k"
	if [ -z "${KDIRS[$k]:-}" ]; then
		fail "build-w1/$k" "no kernel tree"
		return
	fi
	rm -rf "$B/$k"
	mkdir -p "$B/$k/src"
	cp -a Kbuild go3s_sched uapi "$B/$k/src/"
	if make -j"$(nproc)" -C "${KDIRS[$k]}" M="$B/$k/src" W=1 \
		>"$B/$k/build.log" 2>&1 &&
	   ! grep -E 'warning:|error:' "$B/$k/build.log" >&2; then
		pass "build-w1/$k"
	else
		tail -20 "$B/$k/build.log" >&2
		fail "build-w1/$k" "see $B/$k/build.log"
	fi
}

# What the VMs need first: their modules and the kselftest programs.
for k in $built deb61; do
	build_w1 "$k"
done

stage "selftests"
st=$B/selftests
rm -rf "$st"
if make -j"$(nproc)" -C selftests KSRC="$ksrc" OUT="$st" \
	>"$B/selftests.log" 2>&1; then
	pass selftests-build
else
	tail -20 "$B/selftests.log" >&2
	fail selftests-build
fi

# --- the VM runs, in the background while the static checks run ----------
# run_vms KERNEL...: boot the VMs of the given kernels, one after another.
run_vms() {
	local k bz append kprogs progs small
	progs=$(find "$st" -maxdepth 1 -type f -perm -u+x -name '*_test*' 2>/dev/null | sort)
	if [ -n "${GO3S_ONLY:-}" ]; then
		progs=$(echo "$progs" | grep -E "/${GO3S_ONLY}(_32)?$")
	fi
	for k in "$@"; do
		case $k in
		deb61) bz=/boot/vmlinuz-$(go3s_deb61_release) ;;
		*) bz=${KDIRS[$k]:+${KDIRS[$k]}/arch/x86/boot/bzImage} ;;
		esac
		stage "VM: $k"
		if [ -z "$bz" ] || [ ! -f "$B/$k/src/go3s.ko" ] || [ -z "$progs" ]; then
			fail "vm/$k" "no kernel, no module or no kselftest program"
			continue
		fi
		# The benchmark runs in the stock kernel's boot: no KASAN to
		# skew it.  The 32-bit builds (compat_ioctl) run there too; the
		# debug kernels, ten times slower, run the 64-bit ones, with
		# the randomised tests' volume scaled down (GO3S_SCALE, percent,
		# reaches the guest's environment from the command line).  The
		# lone-sleeper KUnit case makes its million rounds on the KCSAN
		# kernel, where a missing barrier is most likely to show, and a
		# fiftieth of them under KASAN.  The tests that fill a session
		# to its limits meet smaller ones there (a quarter of the
		# coroutines, half the bytes: KASAN doubles stacks), and go3s
		# is loaded and unloaded 5 times instead of 20; the stock
		# kernel checks the defaults.
		append= kprogs=$progs
		small="go3s.max_session_coroutines=4096"
		small="$small go3s.max_session_stack_bytes=$((128 << 20))"
		small="$small GO3S_RELOADS=5"
		case $k in
		deb61) append=go3s.bench=1 ;;
		kasan) append="GO3S_SCALE=30 go3s_kunit.lone_sleeper_rounds=20000 $small" ;;
		kcsan) append="GO3S_SCALE=20 $small" ;;
		esac
		[ "$k" = deb61 ] || kprogs=$(echo "$progs" | grep -v '_32$')
		# shellcheck disable=SC2086
		"$here/mkinitramfs.sh" "$B/$k/initrd.gz" "$B/$k/src" $kprogs &&
		GO3S_VM_APPEND=$append "$here/vm-run.sh" -k "$bz" \
			-i "$B/$k/initrd.gz" -l "$B/$k/console.log" -s "$ksrc" \
			-n "$k" -r "$R" ||
			echo "VM $k: failures, log $B/$k/console.log" >&2
		grep '^GO3S: time' "$B/$k/console.log" |
			sed "s/^GO3S: time/  $k:/" >&2
		"$here/bench-print.sh" "$B/$k/console.log" >&2
	done
}
# Two lanes: the debug kernels' runs after each other in one, the stock
# kernel's short run beside them.  A TCG VM keeps about 1.2 of the two
# host cores busy (QEMU's CPU time, printed after each run), so the short
# run costs the long ones little.  The two debug runs do not overlap:
# with eight vCPU threads on two cores, the cross-CPU KUnit cases (the
# lone sleeper's million wakeups) slow down many times over.
lane_a= lane_b=
for k in $vms; do
	case $k in
	deb61) lane_b="$lane_b $k" ;;
	*) lane_a="$lane_a $k" ;;
	esac
done
stage "VM runs started in the background (progress: $B/vms-*.log)"
# shellcheck disable=SC2086
run_vms $lane_a 2>"$B/vms-a.log" &
vm_a=$!
# shellcheck disable=SC2086
run_vms $lane_b 2>"$B/vms-b.log" &
vm_b=$!

build_w1 deb612

# Configurations go3s cannot work in are refused at build time, with our
# message: the Debian 6.1 build told it has PREEMPT_RT, or KASAN without
# KASAN_VMALLOC.
for cfg in PREEMPT_RT KASAN; do
	stage "build refuses CONFIG_$cfg"
	d=$B/refuse-$cfg
	rm -rf "$d"
	mkdir -p "$d"
	cp -a Kbuild go3s_sched uapi "$d/"
	if ! make -C "${KDIRS[deb61]}" M="$d" KCFLAGS="-DCONFIG_$cfg=1" \
		>"$d.log" 2>&1 && grep -q "#error \"go3s .*$cfg" "$d.log"; then
		pass "refuse/$cfg"
	else
		fail "refuse/$cfg" "see $d.log"
	fi
done

# --- static checks ----------------------------------------------------
stage "checkpatch --strict"
srcs=$(git ls-files 'go3s_sched/*.[chS]' 'uapi/*.h' 'selftests/*.[ch]' \
	'selftests/**/*.[ch]' | sort -u)
for f in $srcs; do
	if out=$(perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet \
		 --show-types -f "$f" 2>&1) && [ -z "$out" ]; then
		pass "checkpatch/$f"
	else
		echo "$out" >&2
		fail "checkpatch/$f"
	fi
done

stage "kernel-doc"
for f in $(git ls-files 'go3s_sched/*.[ch]' 'uapi/*.h'); do
	if out=$(perl "$ksrc/scripts/kernel-doc" -none -Wall "$f" 2>&1) &&
	   [ -z "$out" ]; then
		pass "kernel-doc/$f"
	else
		echo "$out" >&2
		fail "kernel-doc/$f"
	fi
done

stage "uapi header stands alone"
for lang in c c++; do
	cc=gcc
	[ $lang = c++ ] && cc=g++
	if echo '#include <uapi/go3s.h>' | $cc -x $lang -I. -Wall -Wextra \
		-pedantic -Werror -fsyntax-only - >&2; then
		pass "uapi/$lang"
	else
		fail "uapi/$lang"
	fi
done

# A script that prints its own PASS/FAIL lines: they join the results (a
# failing script with no FAIL line of its own fails as a whole).
run_reporting() {
	local name=$1 log=$B/$1.log
	shift
	if "$@" >"$log" 2>&1; then
		grep '^PASS' "$log" | sed 's/: .*//' >>"$R"
	else
		grep -E '^(PASS|FAIL)' "$log" | sed 's/: .*//' >>"$R"
		grep -q '^FAIL' "$log" || fail "$name" "see $log"
		cat "$log" >&2
	fi
	grep -E '^(PASS|FAIL)' "$log" >&2
}

stage "libFuzzer: the validator and the ioctl decoding, in user space"
run_reporting fuzz "$here/fuzz.sh"

stage "spin: the lock-free protocols on x86-TSO (Documentation/model.rst)"
run_reporting model "$here/model.sh"

stage "dkms against $(go3s_deb61_release)"
if "$here/dkms.sh" check "$(go3s_deb61_release)" >"$B/dkms.log" 2>&1; then
	pass dkms/deb61
else
	tail -20 "$B/dkms.log" >&2
	fail dkms/deb61 "see $B/dkms.log"
fi

# --- the VM results --------------------------------------------------
stage "waiting for the VM runs (progress: $B/vms-*.log)"
wait "$vm_a" "$vm_b"
cat "$B/vms-a.log" "$B/vms-b.log" >&2

finish
