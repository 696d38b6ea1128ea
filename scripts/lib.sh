# SPDX-License-Identifier: GPL-2.0
# Shared paths for the go3s scripts; sourced, not run.

GO3S_CACHE=${GO3S_CACHE:-/var/cache/go3s}
GO3S_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO3S_TOP=$(dirname "$GO3S_SCRIPTS")

# Debian's kernels: 6.1 is what `linux-headers-amd64` points at today.
go3s_deb61_release() {
	local d
	d=$(readlink -f /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)
	basename "$d" | sed 's/^linux-headers-//'
}

go3s_deb612_release() {
	local d
	d=$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)
	basename "$d" | sed 's/^linux-headers-//'
}

go3s_src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12
}

# The extracted linux-source-6.12 tree: checkpatch, kernel-doc, kunit.py,
# the kselftest harness and the test kernel all come from here.
go3s_kernel_src() {
	echo "$GO3S_CACHE/linux-source-$(go3s_src_version)"
}

go3s_extract_source() {
	local src
	src=$(go3s_kernel_src)
	[ -f "$src/.go3s-extracted" ] && return 0
	echo "source: extracting linux-source-6.12 to $src"
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	tar -C "$src.tmp" --strip-components=1 -xf /usr/src/linux-source-6.12.tar.xz
	touch "$src.tmp/.go3s-extracted"
	mv "$src.tmp" "$src"
}

# The debug test kernels: "kasan" (KASAN, kmemleak, lockdep) and "kcsan"
# (KCSAN with weak-memory modelling, lockdep).  Both share go3s-base.config.
GO3S_TEST_KERNELS="kasan kcsan"

go3s_kernel_frags() {
	echo "$GO3S_SCRIPTS/kconfig/go3s-base.config" \
	     "$GO3S_SCRIPTS/kconfig/go3s-$1.config"
}

# Cache key of test kernel $1: source version, fragments and build script.
go3s_kernel_key() {
	{
		go3s_src_version
		# shellcheck disable=SC2046
		cat $(go3s_kernel_frags "$1") "$GO3S_SCRIPTS/build-test-kernel.sh"
	} | sha256sum | cut -c1-12
}

go3s_kernel_dir() {
	echo "$GO3S_CACHE/kernel-$1-$(go3s_kernel_key "$1")"
}
