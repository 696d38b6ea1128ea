#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# model.sh
#
# Model-checks go3s's lock-free protocols with spin (Debian package "spin"):
# the Promela models in scripts/model/ (Documentation/model.rst).  Each
# model is generated with `spin -a`, compiled with gcc and searched
# exhaustively (safety: assertions and invalid end states); nothing is
# approximated (no bitstate hashing).  Prints one line per model:
#   PASS model/NAME: S states, depth D
# for a model whose whole state space holds every assertion, and for a
# mutant (a protocol with a known bug put back) searched breadth-first:
#   PASS model/NAME: counterexample found (WHAT) at depth D
# where D is the length of the shortest trail.  A mutant without a
# counterexample is a FAIL: the model has lost the power to see that bug.
# A correct model must also reach every statement of its code.
# Works in a temporary directory (kept and printed when GO3S_MODEL_KEEP=1).
# Exit status: 0 when every line is a PASS.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
models=$here/model

fails=0
fail() {
	echo "FAIL model/$1: $2"
	fails=$((fails + 1))
}

for tool in spin gcc; do
	if ! command -v "$tool" >/dev/null; then
		echo "FAIL model: $tool is not installed (scripts/install-deps.sh)"
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/go3s-model.XXXXXX") || exit 1
if [ "${GO3S_MODEL_KEEP:-0}" = 1 ]; then
	echo "model: working in $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi
cp "$models"/*.pml "$work"/ || exit 1

# build NAME FILE GCCFLAGS [SPINFLAGS...]: generate and compile pan in $work/NAME.
build() {
	local name=$1 file=$2 cflags=$3
	shift 3
	mkdir "$work/$name" && cd "$work/$name" || return 1
	if ! spin -a "$@" "../$file" >spin.log 2>&1; then
		fail "$name" "spin -a: $(grep -m1 -i error spin.log)"
		return 1
	fi
	# shellcheck disable=SC2086
	if ! gcc -O2 -DSAFETY $cflags -o pan pan.c >gcc.log 2>&1; then
		fail "$name" "gcc: $(grep -m1 error gcc.log)"
		return 1
	fi
}

# check NAME FILE [SPINFLAGS...]: the model must hold, exhaustively.
check() {
	local name=$1 file=$2 states depth unreached
	shift 2
	build "$name" "$file" "" "$@" || return
	# -m: search depth bound, far above the models' depth (about 250).
	./pan -m100000 >pan.log 2>&1
	if grep -q 'max search depth too small' pan.log; then
		fail "$name" "search truncated (pan -m)"
		return
	fi
	if ! grep -q 'errors: 0$' pan.log; then
		fail "$name" "$(grep -m1 -E '^pan:[0-9]+:|error' pan.log)"
		return
	fi
	# Code the search never reached: the model no longer tests it.
	unreached=$(grep -E "^	[a-z]+\.pml:[0-9]+, state [0-9]+, " pan.log |
		grep -v '"-end-"' | head -1)
	if [ -n "$unreached" ]; then
		fail "$name" "unreached:${unreached}"
		return
	fi
	states=$(awk '/states, stored/ { print $1; exit }' pan.log)
	depth=$(sed -n 's/.*depth reached \([0-9]*\),.*/\1/p' pan.log)
	echo "PASS model/$name: $states states, depth $depth"
}

# mutant NAME FILE WHAT PATTERN [SPINFLAGS...]: pan must find an assertion
# violation matching PATTERN; breadth-first, so the trail is the shortest.
mutant() {
	local name=$1 file=$2 what=$3 pattern=$4 line depth
	shift 4
	build "$name" "$file" "-DBFS" "$@" || return
	./pan >pan.log 2>&1
	line=$(grep -m1 '^pan:1: assertion violated' pan.log)
	if [ -z "$line" ]; then
		fail "$name" "no counterexample ($what): the model lost its power"
		return
	fi
	if ! grep -qE -- "$pattern" <<<"$line"; then
		fail "$name" "unexpected counterexample: $line"
		return
	fi
	depth=$(sed -n 's/.*(at depth \([0-9]*\)).*/\1/p' <<<"$line")
	echo "PASS model/$name: counterexample found ($what) at depth $depth"
}

# The ring (RING-DESIGN.md 1): two thieves, one grab each, 5 items (the
# fifth overflows a full ring); then one thief, three grabs, 7 items.
check ring ring.pml
check ring-long ring.pml -DK=7 -DNTHIEF=1 -DGRABS=3
mutant ring-read-after-cas ring.pml "stale slot" 'seq\[|taken\[' -DREAD_AFTER_CAS

# Remote wake list + kick/pending (RING-DESIGN.md 3, 4), and today's
# lock-protected go3s_runq with the same handshake.
check wake wake.pml
mutant wake-no-mb wake.pml "lost kick" '!\(lost\)' -DNO_MB
check wake-locked wake.pml -DLOCKED_RUNQ
mutant wake-locked-no-mb wake.pml "lost kick" '!\(lost\)' -DLOCKED_RUNQ -DNO_MB

[ "$fails" -eq 0 ]
