// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug and the usable-CPU set (module parameter "cpus"): coroutines
 * survive CPUs going offline and coming back, pinned ones wait for their
 * CPU, movable ones move, and nothing is lost or run twice.
 *
 * Needs root, at least two CPUs and a writable
 * /sys/devices/system/cpu/cpuN/online; skips otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "go3s_util.h"

#define CPUS_PARAM	"/sys/module/go3s/parameters/cpus"
#define MAX_IDS		8192

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int set_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	return write_str(path, on ? "1" : "0");
}

static int set_cpus(const char *list)
{
	return write_str(CPUS_PARAM, list);
}

static int nr_cpus(void)
{
	return sysconf(_SC_NPROCESSORS_CONF);
}

static void all_online(void)
{
	int cpu;

	for (cpu = 1; cpu < nr_cpus(); cpu++)
		set_online(cpu, 1);
}

static void restore_cpus(void)
{
	char list[32];

	snprintf(list, sizeof(list), "0-%d", nr_cpus() - 1);
	set_cpus(list);
}

/* Why hotplug cannot be tested here, or NULL. */
static const char *hotplug_unusable(void)
{
	if (geteuid())
		return "needs root";
	if (nr_cpus() < 2)
		return "needs two CPUs";
	if (access("/sys/devices/system/cpu/cpu1/online", W_OK))
		return "cpu1/online is not writable (no CPU hotplug)";
	if (access(CPUS_PARAM, W_OK))
		return "the cpus parameter is not writable";
	return NULL;
}

static unsigned int nr_usable(int fd)
{
	struct go3s_info info = { .size = sizeof(info) };

	if (ioctl(fd, GO3S_IOC_GET_INFO, &info) ||
	    info.size < GO3S_INFO_SIZE_VER1)
		return 0;
	return info.nr_usable_cpus;
}

FIXTURE(go3s) {
	int fd;
	int ncpu;
	int expect[MAX_IDS];	/* exit code + 1 per live id, 0 if none */
	int seen[MAX_IDS];
	unsigned int nr;
};

FIXTURE_SETUP(go3s)
{
	const char *why = hotplug_unusable();

	self->fd = -1;
	if (why)
		SKIP(return, "%s", why);
	self->fd = go3s_open();
	ASSERT_LE(0, self->fd);
	self->ncpu = nr_cpus();
}

FIXTURE_TEARDOWN(go3s)
{
	if (self->fd < 0)
		return;
	all_online();
	restore_cpus();
	close(self->fd);
}

/* Create @ops on @cpu exiting with @code; remember what to expect. */
static int make(struct __test_metadata *_metadata, struct _test_data_go3s *self,
		struct go3s_op *ops, unsigned int nr, unsigned int cpu,
		int code)
{
	unsigned int id;

	ops[nr - 1] = OP(EXIT, (__u32)code, 0);
	if (go3s_create_ex(self->fd, ops, nr, cpu, GO3S_CO_PRIO_NORMAL, 0, 0,
			   &id))
		return -1;
	if (id >= MAX_IDS) {
		TH_LOG("id %u out of range", id);
		return -1;
	}
	self->expect[id] = code + 1;
	self->nr++;
	return 0;
}

/* One round's coroutines: sleepers and yielders everywhere, a channel. */
static int batch(struct __test_metadata *_metadata, struct _test_data_go3s *self,
		 int round)
{
	struct go3s_op sleeper[] = {
		OP(SLEEP, 0, 200000), OP(YIELD, 0, 0), OP(LOOP, 0, 9),
		OP(EXIT, 0, 0),
	};
	struct go3s_op send[] = {
		OP(SEND, 0, 1), OP(SLEEP, 0, 100000), OP(LOOP, 0, 19),
		OP(EXIT, 0, 0),
	};
	struct go3s_op recv[] = {
		OP(RECV, 0, 0), OP(YIELD, 0, 0), OP(LOOP, 0, 19),
		OP(EXIT, 0, 0),
	};
	unsigned int ch, cpu;
	int i;

	for (cpu = 0; cpu < (unsigned int)self->ncpu; cpu++)
		for (i = 0; i < 2; i++)
			if (make(_metadata, self, sleeper, ARRAY_SIZE(sleeper),
				 cpu, (round * 7 + cpu + i) & 0x7f))
				return -1;
	for (i = 0; i < 4; i++)
		if (make(_metadata, self, sleeper, ARRAY_SIZE(sleeper),
			 GO3S_CREATE_CPU_ANY, (round + i) & 0x7f))
			return -1;
	if (go3s_chan(self->fd, 1 + round % 2, &ch))
		return -1;
	send[0].a = ch;
	recv[0].a = ch;
	/* The sender on a CPU about to go offline, the receiver anywhere. */
	if (make(_metadata, self, send, ARRAY_SIZE(send),
		 1 + round % (self->ncpu - 1), 100 + round % 20) ||
	    make(_metadata, self, recv, ARRAY_SIZE(recv),
		 round % 2 ? GO3S_CREATE_CPU_ANY : 0, 120 + round % 7))
		return -1;
	return 0;
}

/*
 * Wait until @id has ended, take its status (WAIT reaps it, STATUS must
 * come first), then reap it.  Return: 0 or -1.
 */
static int finish(struct __test_metadata *_metadata, int fd, unsigned int id,
		  struct go3s_status *st)
{
	unsigned int want = id;

	while (!go3s_status(fd, id, st) && st->state != GO3S_CO_COMPLETING &&
	       st->state != GO3S_CO_CANCELLED)
		usleep(1000);
	if (go3s_status(fd, id, st))
		return -1;
	if (go3s_wait(fd, 0, &id, GO3S_FOREVER, NULL, NULL) || id != want) {
		TH_LOG("wait for %u: %s", want, strerror(errno));
		return -1;
	}
	return 0;
}

/* Collect every expected completion exactly once. */
static void collect(struct __test_metadata *_metadata,
		    struct _test_data_go3s *self)
{
	unsigned int i, id, state;
	int code;

	for (i = 0; i < self->nr; i++) {
		id = 0;
		ASSERT_EQ(0, go3s_wait(self->fd, GO3S_WAIT_ANY, &id,
				       GO3S_FOREVER, &state, &code)) {
			TH_LOG("completion %u of %u: %s", i, self->nr,
			       strerror(errno));
		}
		ASSERT_GT(MAX_IDS, id);
		ASSERT_NE(0, self->expect[id]) TH_LOG("id %u unknown", id);
		ASSERT_EQ(0, self->seen[id]) TH_LOG("id %u twice", id);
		self->seen[id] = 1;
		EXPECT_EQ(GO3S_CO_COMPLETING, state);
		EXPECT_EQ(self->expect[id] - 1, code) TH_LOG("id %u", id);
	}
	/* Nothing more. */
	id = 0;
	EXPECT_EQ(-1, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL));
}

/*
 * (a) Every CPU but 0 goes offline and comes back, round after round,
 * while coroutines pinned to each CPU and movable ones sleep, yield and
 * talk over channels; each round adds its own.
 */
TEST_F_TIMEOUT(go3s, hotplug_loop, 1800)
{
	unsigned int rounds = go3s_scaled(50);
	unsigned int r;
	int cpu;

	for (r = 0; r < rounds; r++) {
		ASSERT_EQ(0, batch(_metadata, self, r));
		for (cpu = 1; cpu < self->ncpu; cpu++)
			ASSERT_EQ(0, set_online(cpu, 0)) TH_LOG("cpu%d", cpu);
		/* Movable coroutines created while the others are down. */
		for (cpu = 0; cpu < 2; cpu++) {
			struct go3s_op y[] = { OP(YIELD, 0, 0), OP(EXIT, 0, 0) };

			ASSERT_EQ(0, make(_metadata, self, y, ARRAY_SIZE(y),
					  GO3S_CREATE_CPU_ANY, 50 + cpu));
		}
		ASSERT_EQ(1, nr_usable(self->fd));
		for (cpu = 1; cpu < self->ncpu; cpu++)
			ASSERT_EQ(0, set_online(cpu, 1)) TH_LOG("cpu%d", cpu);
	}
	TH_LOG("%u rounds, %u CPUs, %u coroutines", rounds, self->ncpu,
	       self->nr);
	collect(_metadata, self);
}

/*
 * (b) A coroutine pinned to an offline CPU does not run until the CPU is
 * back: one started there while it is down, one whose sleep ends while it
 * is down (its timer fires on another CPU).
 */
TEST_F(go3s, pinned_waits_for_its_cpu)
{
	struct go3s_op fresh[] = { OP(YIELD, 0, 0), OP(EXIT, 11, 0) };
	struct go3s_op sleepy[] = { OP(SLEEP, 0, 400000000), OP(EXIT, 12, 0) };
	unsigned int a, b;
	struct go3s_status st;

	ASSERT_EQ(0, go3s_create_ex(self->fd, fresh, ARRAY_SIZE(fresh), 1,
				    GO3S_CO_PRIO_NORMAL, 0,
				    GO3S_CREATE_SUSPENDED, &a));
	ASSERT_EQ(0, go3s_create_ex(self->fd, sleepy, ARRAY_SIZE(sleepy), 1,
				    GO3S_CO_PRIO_NORMAL, 0, 0, &b));
	/* Let b reach its sleep (or finish, which spoils nothing). */
	go3s_await_state(self->fd, b, GO3S_CO_SUSPENDED, 10000);
	ASSERT_EQ(0, set_online(1, 0));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, a));
	/* Past b's wakeup time; neither may run meanwhile. */
	usleep(800000);
	ASSERT_EQ(0, go3s_status(self->fd, a, &st));
	EXPECT_EQ(GO3S_CO_ACTIVE, st.state);
	EXPECT_EQ(0, st.on_cpu);
	EXPECT_EQ(1, st.cpu);
	EXPECT_EQ(0, st.switches);
	ASSERT_EQ(0, go3s_status(self->fd, b, &st));
	if (st.state != GO3S_CO_COMPLETING) {
		/* Its timer fired elsewhere; it waits, queued, on cpu1. */
		EXPECT_EQ(GO3S_CO_ACTIVE, st.state);
		EXPECT_EQ(1, st.cpu);
		EXPECT_EQ(1, st.switches);
	}
	EXPECT_EQ(-1, go3s_wait(self->fd, 0, &a, 0, NULL, NULL));
	ASSERT_EQ(0, set_online(1, 1));
	ASSERT_EQ(0, finish(_metadata, self->fd, a, &st));
	EXPECT_EQ(11, st.exit_code);
	EXPECT_EQ(1, st.cpu);
	EXPECT_LT(0, st.switches);
	ASSERT_EQ(0, finish(_metadata, self->fd, b, &st));
	EXPECT_EQ(12, st.exit_code);
	EXPECT_EQ(1, st.cpu);
}

/*
 * (c) The usable set: shrunk to CPU 0, CPU_ANY coroutines land there and
 * pinning elsewhere is refused; a movable coroutine parked on a CPU that
 * leaves the set (or goes offline) moves; grown back, all CPUs serve.
 */
TEST_F(go3s, cpus_parameter)
{
	struct go3s_op y[] = { OP(YIELD, 0, 0), OP(EXIT, 3, 0) };
	struct go3s_op s[] = { OP(SUSPEND, 0, 0), OP(EXIT, 4, 0) };
	unsigned int id, m, i, online = sysconf(_SC_NPROCESSORS_ONLN);
	struct go3s_status st;
	char list[16];

	ASSERT_EQ(online, nr_usable(self->fd));
	ASSERT_EQ(0, set_cpus("0"));
	ASSERT_EQ(1, nr_usable(self->fd));
	for (i = 0; i < 8; i++) {
		ASSERT_EQ(0, go3s_create_ex(self->fd, y, ARRAY_SIZE(y),
					    GO3S_CREATE_CPU_ANY,
					    GO3S_CO_PRIO_NORMAL, 0,
					    GO3S_CREATE_SUSPENDED, &id));
		ASSERT_EQ(0, go3s_status(self->fd, id, &st));
		EXPECT_EQ(0, st.cpu);
		ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
		ASSERT_EQ(0, finish(_metadata, self->fd, id, &st));
		EXPECT_EQ(0, st.cpu);
		EXPECT_EQ(3, st.exit_code);
	}
	/* Not a usable CPU: refused. */
	EXPECT_EQ(-1, go3s_create_ex(self->fd, y, ARRAY_SIZE(y), 1,
				     GO3S_CO_PRIO_NORMAL, 0, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	/* A set without a CPU is refused. */
	EXPECT_EQ(-1, set_cpus("4096"));

	/* A movable coroutine on cpu1, suspended, then cpu1 leaves the set. */
	ASSERT_EQ(0, set_cpus("1"));
	ASSERT_EQ(0, go3s_create(self->fd, s, ARRAY_SIZE(s), 0, &m));
	ASSERT_EQ(0, go3s_await_state(self->fd, m, GO3S_CO_SUSPENDED, 10000));
	ASSERT_EQ(0, go3s_status(self->fd, m, &st));
	EXPECT_EQ(1, st.cpu);
	ASSERT_EQ(0, set_cpus("0"));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, m));
	ASSERT_EQ(0, finish(_metadata, self->fd, m, &st));
	EXPECT_EQ(4, st.exit_code);
	EXPECT_EQ(0, st.cpu);

	/* The same across hotplug: cpu1 goes offline with it suspended. */
	ASSERT_EQ(0, set_cpus("1"));
	ASSERT_EQ(0, go3s_create(self->fd, s, ARRAY_SIZE(s), 0, &m));
	ASSERT_EQ(0, go3s_await_state(self->fd, m, GO3S_CO_SUSPENDED, 10000));
	snprintf(list, sizeof(list), "0-%d", self->ncpu - 1);
	ASSERT_EQ(0, set_cpus(list));
	ASSERT_EQ(online, nr_usable(self->fd));
	ASSERT_EQ(0, set_online(1, 0));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, m));
	ASSERT_EQ(0, finish(_metadata, self->fd, m, &st));
	EXPECT_EQ(4, st.exit_code);
	EXPECT_NE(1, st.cpu);
	ASSERT_EQ(0, set_online(1, 1));
	ASSERT_EQ(online, nr_usable(self->fd));
}

TEST_HARNESS_MAIN
