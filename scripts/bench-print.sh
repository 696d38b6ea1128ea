#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-print.sh LOG: print the benchmark block of a VM console log.
sed -n '/^GO3S: begin bench/,/^GO3S: end bench/p' "$1" |
	grep -v '^GO3S: \(begin\|end\) bench' | sed 's/\r$//'
