#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh [-n SCALE] [TARGET...]
#
# Coverage-guided fuzzing of the pure parts of go3s (selftests/fuzz/):
# builds the libFuzzer harnesses (clang-14, ASan + UBSan) into build/fuzz/
# and runs each TARGET (default: all) for a fixed number of executions,
# seeded with the corpus kept in selftests/fuzz/corpus/TARGET.  New inputs
# go to build/fuzz/corpus/TARGET, which later runs reuse; the repository's
# corpus is only read.  Prints one "PASS fuzz/TARGET" or "FAIL fuzz/TARGET"
# line per target; a failing input is saved as build/fuzz/TARGET-crash-*,
# and the log (with libFuzzer's seed) as build/fuzz/TARGET.log.
# -n multiplies every target's executions (default 1).  FUZZ_SEED=N fixes
# libFuzzer's seed (default: a new one each run, printed on the line).
# Exit status: 0 when every target passed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cd "$GO3S_TOP" || exit 1

# Executions per target: together about 30 s on the 2-core build machine.
declare -A RUNS=(
	[prog_validate]=1000000		# ~7 us each
	[prog_run]=300000		# ~25 us: a bounded run of the interpreter
	[uabi]=300000			# ~20 us: up to a page of argument
)
# Long enough for a 257-op program (2 + 257 * 16 bytes) and for a struct
# size of a full page with its header (5 + 4096).
MAX_LEN=4200

scale=1
while getopts n: opt; do
	case $opt in
	n) scale=$OPTARG ;;
	*) sed -n '4,19s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(prog_validate prog_run uabi)

out=$GO3S_TOP/build/fuzz
mkdir -p "$out"
if ! make -s -C selftests/fuzz OUT="$out" >"$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	for t in "${targets[@]}"; do
		echo "FAIL fuzz/$t: build"
	done
	exit 1
fi

rc=0
for t in "${targets[@]}"; do
	n=${RUNS[$t]:-}
	if [ -z "$n" ] || [ ! -x "$out/fuzz_$t" ]; then
		echo "FAIL fuzz/$t: no such target"
		rc=1
		continue
	fi
	n=$((n * scale))
	mkdir -p "$out/corpus/$t"
	start=$SECONDS
	"$out/fuzz_$t" -runs="$n" -max_len=$MAX_LEN -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		${FUZZ_SEED:+-seed=$FUZZ_SEED} \
		-artifact_prefix="$out/$t-" \
		"$out/corpus/$t" "selftests/fuzz/corpus/$t" >"$out/$t.log" 2>&1
	st=$?
	seed=$(sed -n 's/.*Seed: \([0-9]*\).*/\1/p' "$out/$t.log" | head -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	info="${execs:-?} executions in $((SECONDS - start)) s, seed $seed"
	if [ $st -eq 0 ] && [ "${execs:-0}" -ge "$n" ]; then
		echo "PASS fuzz/$t: $info"
	else
		why=$(grep -m1 -E '^(prog_run|uabi|accepted|valid|go3s)|ERROR:|runtime error' \
			"$out/$t.log")
		echo "FAIL fuzz/$t: $info: ${why:-exit $st}; see $out/$t.log"
		rc=1
	fi
done
exit $rc
