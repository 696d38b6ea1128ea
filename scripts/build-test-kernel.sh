#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-test-kernel.sh kasan|kcsan
#
# Build (once) a go3s debug test kernel from Debian's linux-source-6.12 plus
# scripts/kconfig/go3s-base.config and go3s-<variant>.config, and print the
# build directory.
#
# The build lives outside the repository, in $GO3S_CACHE (default
# /var/cache/go3s), keyed by the source package version, the config fragments
# and this script.  A cached build is reused; a changed key builds anew.
# The whole tree is built (not only bzImage) so external modules get a
# complete Module.symvers.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

variant=${1:-}
case " $GO3S_TEST_KERNELS " in
*" $variant "*) ;;
*) echo "usage: $0 {${GO3S_TEST_KERNELS// /|}}" >&2; exit 2 ;;
esac
read -r -a frags <<<"$(go3s_kernel_frags "$variant")"
out=$(go3s_kernel_dir "$variant")
src=$(go3s_kernel_src)

if [ -f "$out/.go3s-built" ]; then
	echo "$out"
	exit 0
fi

mkdir -p "$GO3S_CACHE"
exec 9>"$GO3S_CACHE/.build.lock"
flock 9
if [ -f "$out/.go3s-built" ]; then
	echo "$out"
	exit 0
fi

go3s_extract_source >&2

log="$GO3S_CACHE/$(basename "$out").log"
echo "test-kernel: building $variant in $out (log: $log)" >&2
start=$(date +%s)
# A changed key starts from the newest earlier build of the same variant, if
# any: Kbuild's dependency tracking rebuilds only what the new configuration
# touches.  A first build starts from nothing.
seed=$(ls -td "$GO3S_CACHE/kernel-$variant-"*/.go3s-built 2>/dev/null | head -1) || seed=
rm -rf "$out"
if [ -n "$seed" ]; then
	echo "test-kernel: starting from $(dirname "$seed")" >&2
	cp -a "$(dirname "$seed")" "$out"
	rm -f "$out/.go3s-built"
fi
mkdir -p "$out"
{
	make -C "$src" O="$out" tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"${frags[@]}"
	make -C "$src" O="$out" olddefconfig
} >"$log" 2>&1

# Every fragment line must have stuck; Kconfig drops unmet ones silently.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n)
		sym=${line%%=*}
		if grep -q "^$sym=" "$out/.config"; then
			echo "test-kernel: $sym should be off: $(grep "^$sym=" "$out/.config")" >&2
			bad=1
		fi ;;
	CONFIG_*)
		if ! grep -qxF "$line" "$out/.config"; then
			echo "test-kernel: config did not take: $line" >&2
			bad=1
		fi ;;
	esac
done < <(cat "${frags[@]}")
[ "$bad" -eq 0 ] || exit 1

make -C "$src" O="$out" -j"$(nproc)" all >>"$log" 2>&1 || {
	tail -40 "$log" >&2
	exit 1
}
touch "$out/.go3s-built"
echo "test-kernel: $variant built in $(($(date +%s) - start)) s" >&2
echo "$out"
