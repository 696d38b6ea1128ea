#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages go3s needs to build, test and demo.
# Idempotent: when everything is present it prints one line and does nothing.
set -euo pipefail

PKGS=(
	build-essential gcc-multilib bc bison flex libelf-dev libssl-dev dwarves
	kmod cpio xz-utils zstd python3 rsync perl
	linux-headers-amd64 linux-image-amd64
	linux-source-6.12 linux-headers-6.12-amd64
	qemu-system-x86 busybox-static dkms
	clang-14 libclang-rt-14-dev
	spin
	golang-go
)

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PKGS[@]} packages present"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run as root to install" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
