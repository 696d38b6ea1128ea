// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest for /dev/go3s: opening the device and GO3S_IOC_GET_INFO,
 * its size and flags rules, and the errors of bad calls.
 *
 * Built twice, 64-bit and 32-bit; the 32-bit build goes through the
 * module's compat_ioctl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uapi/go3s.h>

#include "kselftest_harness.h"

#define GO3S_DEV "/dev/go3s"

FIXTURE(go3s) {
	int fd;
	long page;
};

FIXTURE_SETUP(go3s)
{
	self->fd = open(GO3S_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", GO3S_DEV, strerror(errno));
	self->page = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(go3s)
{
	close(self->fd);
}

static int get_info(int fd, void *arg)
{
	return ioctl(fd, GO3S_IOC_GET_INFO, arg);
}

TEST_F(go3s, info_is_sane)
{
	struct go3s_info info;

	memset(&info, 0xa5, sizeof(info));
	info.size = sizeof(info);
	info.flags = 0;
	ASSERT_EQ(0, get_info(self->fd, &info));
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(GO3S_ABI_VERSION, info.abi_version);
	EXPECT_GE(info.nr_online_cpus, 1);
	EXPECT_LE(info.nr_online_cpus, info.nr_possible_cpus);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), info.nr_online_cpus);
	EXPECT_GE(info.min_stack_size, 8192);
	EXPECT_LE(info.min_stack_size, info.default_stack_size);
	EXPECT_LE(info.default_stack_size, info.max_stack_size);
	EXPECT_TRUE(info.features & GO3S_FEATURE_COMPAT_IOCTL);
	EXPECT_GE(info.max_coroutines, 1);
	EXPECT_LE(info.max_session_coroutines, info.max_coroutines);
	EXPECT_LE(info.max_session_stack_bytes, info.max_stack_bytes);
}

TEST_F(go3s, unknown_ioctl_is_enotty)
{
	struct go3s_info info = { .size = sizeof(info) };

	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(GO3S_IOC_MAGIC, 0x7f,
					    struct go3s_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('x', 1)));
	EXPECT_EQ(ENOTTY, errno);
	/* The right number with the wrong direction is another command. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(GO3S_IOC_MAGIC, 0x00,
					   struct go3s_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(GO3S_IOC_MAGIC, 0x00,
					   struct go3s_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE,
					   GO3S_IOC_MAGIC, 0x02,
					   GO3S_ID_ARG_SIZE_VER0), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* An encoded size below the first version is no command either. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE,
					   GO3S_IOC_MAGIC, 0x00,
					   GO3S_INFO_SIZE_VER0 - 8), &info));
	EXPECT_EQ(ENOTTY, errno);
}

/* The numbers of ABI 1: what binaries built against it pass. */
TEST(command_numbers_are_frozen)
{
	EXPECT_EQ(0xc040c600u, GO3S_IOC_GET_INFO);
	EXPECT_EQ(0xc038c601u, GO3S_IOC_CREATE);
	EXPECT_EQ(0x4010c602u, GO3S_IOC_RESUME);
	EXPECT_EQ(0xc020c605u, GO3S_IOC_WAIT);
	EXPECT_EQ(0xc058c607u, GO3S_IOC_CPU_STATS);
	EXPECT_EQ(0x4020c60bu, GO3S_IOC_SET_AFFINITY);
}

/*
 * Issue 8, defect 13: a newer caller's number encodes its larger struct;
 * with a zero tail it works, and only what the kernel knows comes back.
 */
TEST_F(go3s, larger_encoded_size_and_struct_work)
{
	unsigned char buf[256];
	size_t i;

	memset(buf, 0, sizeof(buf));
	((struct go3s_info *)buf)->size = sizeof(buf);
	ASSERT_EQ(0, ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE,
					  GO3S_IOC_MAGIC, 0x00, sizeof(buf)),
			   buf));
	EXPECT_EQ(sizeof(struct go3s_info), ((struct go3s_info *)buf)->size);
	EXPECT_EQ(GO3S_ABI_VERSION, ((struct go3s_info *)buf)->abi_version);
	for (i = sizeof(struct go3s_info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %zu written", i);
}

/* No page cap on the size field: a zero tail of any length is fine. */
TEST_F(go3s, size_past_a_page_with_zero_tail_works)
{
	struct go3s_info *info;
	char *map;

	map = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	info = (struct go3s_info *)map;
	info->size = self->page + 1;
	ASSERT_EQ(0, get_info(self->fd, info));
	EXPECT_EQ(sizeof(*info), info->size);
	/* A non-zero byte far out in the tail is still seen. */
	info->size = 2 * self->page;
	map[2 * self->page - 1] = 1;
	EXPECT_EQ(-1, get_info(self->fd, info));
	EXPECT_EQ(E2BIG, errno);
	/* As is the end of the caller's memory. */
	map[2 * self->page - 1] = 0;
	info->size = UINT32_MAX;
	EXPECT_EQ(-1, get_info(self->fd, info));
	EXPECT_TRUE(errno == EFAULT || errno == E2BIG) TH_LOG("%s",
							      strerror(errno));
	munmap(map, 2 * self->page);
}

TEST_F(go3s, bad_size_is_einval)
{
	struct go3s_info info;
	const __u32 sizes[] = { 0, 4, GO3S_INFO_SIZE_VER0 - 1 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizes[i];
		EXPECT_EQ(-1, get_info(self->fd, &info)) TH_LOG("size %u", sizes[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("size %u", sizes[i]);
	}
}

TEST_F(go3s, larger_struct_with_zero_tail_is_accepted)
{
	unsigned char buf[256];
	size_t i;

	memset(buf, 0, sizeof(buf));
	((struct go3s_info *)buf)->size = sizeof(buf);
	ASSERT_EQ(0, get_info(self->fd, buf));
	EXPECT_EQ(sizeof(struct go3s_info), ((struct go3s_info *)buf)->size);
	EXPECT_EQ(GO3S_ABI_VERSION, ((struct go3s_info *)buf)->abi_version);
	/* Nothing written past the struct the kernel knows. */
	for (i = sizeof(struct go3s_info); i < sizeof(buf); i++)
		ASSERT_EQ(0, buf[i]) TH_LOG("byte %zu written", i);
}

TEST_F(go3s, larger_struct_with_nonzero_tail_is_e2big)
{
	unsigned char buf[256];

	memset(buf, 0, sizeof(buf));
	((struct go3s_info *)buf)->size = sizeof(buf);
	buf[sizeof(buf) - 1] = 1;
	EXPECT_EQ(-1, get_info(self->fd, buf));
	EXPECT_EQ(E2BIG, errno);
}

TEST_F(go3s, unknown_flags_are_einval)
{
	const __u32 flags[] = { 1, 2, 1u << 31, UINT32_MAX };
	struct go3s_info info;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.flags = flags[i];
		EXPECT_EQ(-1, get_info(self->fd, &info)) TH_LOG("flags %#x", flags[i]);
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(go3s, bad_pointer_is_efault)
{
	struct go3s_info *info;
	char *map;

	EXPECT_EQ(-1, get_info(self->fd, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, get_info(self->fd, (void *)1));
	EXPECT_EQ(EFAULT, errno);

	/* Size readable, the rest of the struct on an unmapped page. */
	map = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(0, munmap(map + self->page, self->page));
	info = (struct go3s_info *)(map + self->page - 8);
	info->size = sizeof(*info);
	info->flags = 0;
	EXPECT_EQ(-1, get_info(self->fd, info));
	EXPECT_EQ(EFAULT, errno);

	/* Readable but not writable: the copy out faults. */
	info = (struct go3s_info *)map;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	ASSERT_EQ(0, mprotect(map, self->page, PROT_READ));
	EXPECT_EQ(-1, get_info(self->fd, info));
	EXPECT_EQ(EFAULT, errno);
	munmap(map, self->page);
}

TEST_F(go3s, not_seekable)
{
	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
}

TEST(device_is_root_only)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop to another user");

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(GO3S_DEV, O_RDWR);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("an unprivileged user could open %s",
						 GO3S_DEV);
}

TEST(reopen_many_times)
{
	struct go3s_info info;
	int i, fd;

	for (i = 0; i < 1000; i++) {
		fd = open(GO3S_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		ASSERT_EQ(0, get_info(fd, &info));
		ASSERT_EQ(0, close(fd));
	}
}

TEST_HARNESS_MAIN
