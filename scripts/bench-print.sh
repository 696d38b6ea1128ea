#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-print.sh LOG: print the benchmark blocks of a VM console log (the
# go3s/bench debugfs file and the Go peer), then the go3s/Go ratios of the
# channel ping-pong rows, both sides measured in that boot.
sed -n '/^GO3S: begin bench/,/^GO3S: end bench/p' "$1" |
	grep -v '^GO3S: \(begin\|end\) bench' | sed 's/\r$//' |
	awk '
	{ print }
	/: [0-9]+ ns$/ { v[substr($0, 1, index($0, ": ") - 1)] = $(NF - 1) }
	function ratio(what, a, b) {
		if ((a in v) && (b in v) && v[b] > 0)
			printf "%s: %.2fx\n", what, v[a] / v[b]
		else
			printf "%s: n/a\n", what
	}
	END {
		ratio("go3s/Go chan ping-pong, same CPU vs GOMAXPROCS=1",
		      "go3s chan ping-pong same CPU",
		      "go chan ping-pong GOMAXPROCS=1")
		ratio("go3s/Go chan ping-pong, cross-CPU pinned vs GOMAXPROCS=4",
		      "go3s chan ping-pong cross-CPU pinned",
		      "go chan ping-pong GOMAXPROCS=4")
		ratio("go3s/Go chan ping-pong, cross-CPU movable vs GOMAXPROCS=4",
		      "go3s chan ping-pong cross-CPU movable",
		      "go chan ping-pong GOMAXPROCS=4")
	}'
