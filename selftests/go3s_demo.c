// SPDX-License-Identifier: GPL-2.0
/*
 * go3s-demo: what the README's demo runs inside the VM.  Opens /dev/go3s
 * and prints what the loaded module reports about itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <uapi/go3s.h>

static const char *human_bytes(unsigned long long b, char *buf, size_t len)
{
	if (b >= (1ULL << 30) && !(b & ((1ULL << 30) - 1)))
		snprintf(buf, len, "%llu GiB", b >> 30);
	else if (b >= (1ULL << 20) && !(b & ((1ULL << 20) - 1)))
		snprintf(buf, len, "%llu MiB", b >> 20);
	else if (b >= (1ULL << 10) && !(b & ((1ULL << 10) - 1)))
		snprintf(buf, len, "%llu KiB", b >> 10);
	else
		snprintf(buf, len, "%llu bytes", b);
	return buf;
}

int main(void)
{
	struct go3s_info info = { .size = sizeof(info) };
	char a[32], b[32], c[32];
	int fd;

	fd = open("/dev/go3s", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "go3s-demo: open /dev/go3s: %s\n", strerror(errno));
		return 1;
	}
	if (ioctl(fd, GO3S_IOC_GET_INFO, &info)) {
		fprintf(stderr, "go3s-demo: GET_INFO: %s\n", strerror(errno));
		return 1;
	}
	printf("go3s ABI %u on %u of %u possible CPUs\n", info.abi_version,
	       info.nr_online_cpus, info.nr_possible_cpus);
	printf("  stacks: %s default, %s to %s\n",
	       human_bytes(info.default_stack_size, a, sizeof(a)),
	       human_bytes(info.min_stack_size, b, sizeof(b)),
	       human_bytes(info.max_stack_size, c, sizeof(c)));
	printf("  limits: %u coroutines (%u per open file), %s of stack (%s per open file)\n",
	       info.max_coroutines, info.max_session_coroutines,
	       human_bytes(info.max_stack_bytes, a, sizeof(a)),
	       human_bytes(info.max_session_stack_bytes, b, sizeof(b)));
	printf("  features:%s\n",
	       info.features & GO3S_FEATURE_COMPAT_IOCTL ? " compat_ioctl" : "");
	close(fd);
	return 0;
}
