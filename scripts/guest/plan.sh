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

# Uptime in hundredths of a second.
centisecs() {
	read -r up _ </proc/uptime
	echo $((${up%.*} * 100 + 1${up#*.} - 100))
}

# Output goes through a file so kernel messages cannot split its lines.
block() {
	kind=$1
	name=$2
	shift 2
	t0=$(date +%s)
	# Each TAP result line is followed by a diagnostic line with the time
	# since the previous one, so slow cases show in the console.
	{
		"$@" 2>&1
		echo $? >/tmp/rc
	} | {
		prev=$(centisecs)
		while IFS= read -r l; do
			echo "$l"
			case $l in
			"ok "* | "not ok "*)
				now=$(centisecs)
				d=$((now - prev))
				prev=$now
				echo "# took $((d / 100)).$((d % 100 / 10)) s"
				;;
			esac
		done
	} >/tmp/out
	rc=$(cat /tmp/rc)
	echo "GO3S: begin $kind $name"
	cat /tmp/out
	echo "GO3S: end $kind $name rc=$rc"
	echo "GO3S: time $kind $name $(($(date +%s) - t0)) s"
}

# go3s.<param>=<value> on the kernel command line, for the limits only
# (go3s.plan and go3s.bench are the plan's own), as modprobe would pass
# them; insmod does not.
go3s_cmdline_params() {
	tr ' ' '\n' </proc/cmdline | sed -n 's/^go3s\.\(max_[a-z_]*=\)/\1/p'
}

load_go3s() {
	# shellcheck disable=SC2046
	insmod $M/go3s.ko $(go3s_cmdline_params) "$@" && test -c /dev/go3s
}

# Load and unload GO3S_RELOADS times (20 unless the command line says).
reload_loop() {
	i=0
	while [ $i -lt "${GO3S_RELOADS:-20}" ]; do
		# shellcheck disable=SC2046
		insmod $M/go3s.ko $(go3s_cmdline_params) || return 1
		test -c /dev/go3s || return 1
		rmmod go3s || return 1
		i=$((i + 1))
	done
	! grep -q '^go3s ' /proc/modules
}

# KCSAN (the kcsan test kernel) reports races whose reporting frame is in
# go3s.ko: its functions form the report filter's allow list, and KCSAN,
# off since boot, starts.  Core-kernel races are not reported.  Any report
# panics the VM (panic_on_warn), which fails the run.
kcsan_watch_go3s() {
	f=/sys/kernel/debug/kcsan
	[ -e $f ] || return 0
	echo whitelist >$f || return 1
	n=0
	for fn in $(awk '$4 == "[go3s]" && ($2 == "t" || $2 == "T") { print $3 }' \
		    /proc/kallsyms); do
		echo "!$fn" >$f 2>/dev/null && n=$((n + 1))
	done
	echo on >$f || return 1
	echo "GO3S: kcsan watching $n functions of go3s" >/dev/console
	[ $n -gt 0 ]
}

# Before go3s's addresses go away.
kcsan_stop() {
	f=/sys/kernel/debug/kcsan
	[ -e $f ] || return 0
	echo off >$f
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

# The periodic scheduler trace appears while schedtrace_ms is set, and stops.
schedtrace_works() {
	p=/sys/module/go3s/parameters/schedtrace_ms
	echo 50 >$p || return 1
	sleep 1
	echo 0 >$p
	sleep 1
	n=$(dmesg | grep -c 'go3s: schedtrace: cpu0 ')
	sleep 1
	[ "$n" -ge 1 ] && [ "$(dmesg | grep -c 'go3s: schedtrace: cpu0 ')" -eq "$n" ]
}

debugfs_stats() {
	head -2 /sys/kernel/debug/go3s/stats | grep -q '^cpu switches spawns'
}

run_kunit() {
	[ -e $M/go3s_kunit.ko ] || return 0
	# go3s_kunit.<param>=<value> on the kernel command line (modprobe would
	# pass those; insmod does not).
	args=$(tr ' ' '\n' </proc/cmdline | sed -n 's/^go3s_kunit\.//p')
	# shellcheck disable=SC2086
	step kunit-load insmod $M/go3s_kunit.ko $args
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
	step kcsan-watch kcsan_watch_go3s
	run_kunit
	run_kselftests
	step schedtrace schedtrace_works
	step debugfs-stats debugfs_stats
	[ -n "$GO3S_BENCH" ] && run_bench
	step unload rmmod go3s
	step kcsan-stop kcsan_stop
	step reload-loop reload_loop
	step kmemleak kmemleak_clean
}

demo_cmd() {
	echo
	echo "\$ $*"
	"$@"
}

# The Go peer of the channel ping-pong rows, when the initramfs has it.
bench_go() {
	for p in 1 4; do
		$M/pingpong -procs $p -n 50000 || return 1
	done
}

run_bench() {
	f=/sys/kernel/debug/go3s/bench
	[ -e $f ] || return 1
	block bench go3s cat $f
	[ -x $M/pingpong ] && block bench go bench_go
}

run_plan_bench() {
	step load load_go3s
	run_bench
	step unload rmmod go3s
}

run_plan_demo() {
	step load load_go3s
	G=$M/selftests/go3s
	demo_cmd $G info
	# Two producers on CPU 0 and two consumers on CPU 1 talk over an
	# unbuffered channel, 1000 values each.
	demo_cmd $G run -c 0 -l -C 0 -x 2 send:1:42,loop:0:999,exit:1 \
		-- -C 1 -x 2 recv:1,loop:0:999,exit:2
	# A sleeper, a spinner that yields at its slice, a high-priority yielder.
	demo_cmd $G run -l sleep:5ms,exit:3 -- spin:2ms,exit:4 -- -p high yield,loop:0:99,exit:5
	demo_cmd $G stats
	step unload rmmod go3s
}
