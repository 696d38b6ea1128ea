# SPDX-License-Identifier: GPL-2.0
#
# Test plans of the go3s VM, sourced by /init.  A step prints
#   GO3S: step <name> ok|fail [detail]
# and a captured output block sits between
#   GO3S: begin <kind> <name>  /  GO3S: end <kind> <name> rc=<n>

M=/go3s

step() {
	name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "GO3S: step $name ok"
	else
		echo "GO3S: step $name fail: $(echo "$out" | tail -3 | tr '\n' ' ')"
	fi
}

# Output goes through a file so kernel messages cannot split its lines.
block() {
	kind=$1
	name=$2
	shift 2
	"$@" >/tmp/out 2>&1
	rc=$?
	echo "GO3S: begin $kind $name"
	cat /tmp/out
	echo "GO3S: end $kind $name rc=$rc"
}

load_go3s() {
	insmod $M/go3s.ko "$@" && test -c /dev/go3s
}

reload_loop() {
	i=0
	while [ $i -lt 20 ]; do
		insmod $M/go3s.ko || return 1
		test -c /dev/go3s || return 1
		rmmod go3s || return 1
		i=$((i + 1))
	done
	! grep -q '^go3s ' /proc/modules
}

kmemleak_clean() {
	f=/sys/kernel/debug/kmemleak
	[ -e $f ] || return 0
	echo scan >$f
	echo scan >$f
	if [ -s $f ]; then
		head -60 $f
		return 1
	fi
}

run_kunit() {
	[ -e $M/go3s_kunit.ko ] || return 0
	step kunit-load insmod $M/go3s_kunit.ko
	for d in /sys/kernel/debug/kunit/go3s*; do
		[ -e "$d/results" ] || continue
		block kunit "${d##*/}" cat "$d/results"
	done
	step kunit-unload rmmod go3s_kunit
}

run_kselftests() {
	for t in $M/selftests/*_test*; do
		block kselftest "${t##*/}" "$t"
	done
}

run_plan_check() {
	[ -e /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
	step load load_go3s
	run_kunit
	run_kselftests
	step unload rmmod go3s
	step reload-20x reload_loop
	step kmemleak kmemleak_clean
}

run_plan_demo() {
	step load load_go3s
	echo "GO3S: demo: /dev/go3s is $(ls -l /dev/go3s)"
	$M/selftests/go3s-demo
	step unload rmmod go3s
}
