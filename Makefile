# SPDX-License-Identifier: GPL-2.0
#
# go3s: in-kernel coroutine scheduler.  `make help` lists the targets.
# The module itself is described in Kbuild.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	  $(wildcard /lib/modules/6.1.*-amd64/build))
S := $(CURDIR)/scripts

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

check:
	@bash $(S)/check.sh

demo:
	@bash $(S)/demo.sh

bench:
	@bash $(S)/bench.sh

deps:
	@bash $(S)/install-deps.sh

test-kernel: deps
	@bash $(S)/build-test-kernel.sh kasan && bash $(S)/build-test-kernel.sh kcsan

vm: deps
	@GO3S_VMS="$(or $(K),kasan)" GO3S_ONLY="$(T)" bash $(S)/check.sh

dkms-install:
	@bash $(S)/dkms.sh install $(KVER)

dkms-remove:
	@bash $(S)/dkms.sh remove

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -rf build

help:
	@echo 'go3s targets:'
	@echo '  make              build go3s.ko for KDIR (default: running kernel, else Debian 6.1)'
	@echo '  make demo         boot a VM, load go3s, show what it reports'
	@echo '  make bench        benchmarks vs kthreads and Go (Documentation/benchmarks.rst)'
	@echo '  make check        every build, static check and test; ends "N passed, N failed"'
	@echo '  make vm K=kasan|kcsan|deb61 [T=prog]  make check with one VM run (and one selftest)'
	@echo '  make deps         install the Debian packages go3s needs (idempotent)'
	@echo '  make test-kernel  build the cached debug test kernels (KASAN, KCSAN)'
	@echo '  make dkms-install [KVER=release]  build and install through dkms'
	@echo '  make dkms-remove  remove go3s from dkms'
	@echo '  make clean        remove build output'

.PHONY: all modules check demo bench deps test-kernel vm dkms-install dkms-remove clean help
