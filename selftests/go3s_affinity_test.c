// SPDX-License-Identifier: GPL-2.0
/*
 * Affinity at runtime: GO3S_IOC_SET_AFFINITY on running, suspended and
 * parked coroutines; its errors; CPU masks under changes of the usable-CPU
 * set (module parameter "cpus"), with nothing lost.
 *
 * Needs /dev/go3s and two online CPUs; the tests that write the cpus
 * parameter need root and skip without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "go3s_util.h"

#define CPUS_PARAM	"/sys/module/go3s/parameters/cpus"
#define MAX_IDS		8192
#define MASK_WORDS	2		/* CPUs 0-127: enough for the test VMs */
#define STATUS_TRIES	60000		/* 1 ms apart: a hang, not a tempo */

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

static int set_cpus(const char *list)
{
	return write_str(CPUS_PARAM, list);
}

static void restore_cpus(void)
{
	char list[32];

	snprintf(list, sizeof(list), "0-%ld", sysconf(_SC_NPROCESSORS_CONF) - 1);
	set_cpus(list);
}

static int set_online(int cpu, int on)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	return write_str(path, on ? "1" : "0");
}

/* SET_AFFINITY with a fixed CPU, or GO3S_CREATE_CPU_ANY and @mask. */
static int set_aff(int fd, unsigned int id, unsigned int cpu,
		   const __u64 *mask, unsigned int mask_size)
{
	struct go3s_affinity a = {
		.size = sizeof(a),
		.id = id,
		.cpu = cpu,
		.cpu_mask = (uintptr_t)mask,
		.cpu_mask_size = mask_size,
	};

	return ioctl(fd, GO3S_IOC_SET_AFFINITY, &a);
}

static int set_mask(int fd, unsigned int id, const __u64 *mask)
{
	return set_aff(fd, id, GO3S_CREATE_CPU_ANY, mask,
		       MASK_WORDS * sizeof(__u64));
}

static int in_mask(const __u64 *mask, unsigned int cpu)
{
	return cpu < 64 * MASK_WORDS && (mask[cpu / 64] >> (cpu % 64)) & 1;
}

static void mask_set(__u64 *mask, unsigned int cpu)
{
	mask[cpu / 64] |= 1ULL << (cpu % 64);
}

FIXTURE(aff) {
	int fd;
	int cpus[64 * MASK_WORDS];	/* the online CPUs */
	int ncpu;
	int expect[MAX_IDS];		/* exit code + 1 per live id, or 0 */
	unsigned int nr;
	int cpus_touched;
};

FIXTURE_SETUP(aff)
{
	cpu_set_t set;
	int cpu;

	self->fd = -1;
	self->cpus_touched = 0;
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < 64 * MASK_WORDS; cpu++)
		if (CPU_ISSET(cpu, &set))
			self->cpus[self->ncpu++] = cpu;
	if (self->ncpu < 2)
		SKIP(return, "needs two CPUs");
	self->fd = go3s_open();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", GO3S_DEV, strerror(errno));
}

FIXTURE_TEARDOWN(aff)
{
	if (self->fd < 0)
		return;
	if (self->cpus_touched)
		restore_cpus();
	close(self->fd);
}

/* Why the cpus parameter cannot be written, or NULL. */
static const char *cpus_unusable(void)
{
	if (geteuid())
		return "needs root";
	if (access(CPUS_PARAM, W_OK))
		return "the cpus parameter is not writable";
	return NULL;
}

/* A random non-empty set of the online CPUs. */
static void random_mask(struct _test_data_aff *self, __u64 *mask)
{
	int i;

	memset(mask, 0, MASK_WORDS * sizeof(*mask));
	for (i = 0; i < self->ncpu; i++)
		if (rand() & 1)
			mask_set(mask, self->cpus[i]);
	mask_set(mask, self->cpus[rand() % self->ncpu]);
}

/* Wait until @id has made @n more switches than @from; its status. */
static int await_switches(int fd, unsigned int id, __u64 from, __u64 n,
			  struct go3s_status *st)
{
	int tries;

	for (tries = 0; tries < STATUS_TRIES; tries++) {
		if (go3s_status(fd, id, st))
			return -1;
		if (st->switches >= from + n)
			return 0;
		usleep(1000);
	}
	errno = ETIMEDOUT;
	return -1;
}

/*
 * Wait until @id has ended, take its status (WAIT reaps it, STATUS must
 * come first), then reap it.
 */
static int finish(int fd, unsigned int id, struct go3s_status *st)
{
	unsigned int got = id;
	int tries;

	for (tries = 0; tries < STATUS_TRIES; tries++) {
		if (go3s_status(fd, id, st))
			return -1;
		if (st->state == GO3S_CO_COMPLETING ||
		    st->state == GO3S_CO_CANCELLED)
			break;
		usleep(1000);
	}
	if (go3s_wait(fd, 0, &got, GO3S_FOREVER, NULL, NULL) || got != id)
		return -1;
	return 0;
}

/*
 * Coroutines yielding in a loop, beside spinning ones, get a new set (a
 * random mask, or one CPU) round after round while they run: once each
 * has switched three more times, its status shows a CPU of the new set.
 */
TEST_F_TIMEOUT(aff, running_yielders, 900)
{
	struct go3s_op yielder[] = {
		OP(YIELD, 0, 0), OP(LOOP, 0, GO3S_LOOP_MAX), OP(EXIT, 1, 0),
	};
	struct go3s_op spinner[] = {
		OP(SPIN, 0, 20000), OP(LOOP, 0, GO3S_LOOP_MAX), OP(EXIT, 2, 0),
	};
	unsigned int rounds = go3s_scaled(30), nr_y = 16, nr_s = 4;
	unsigned int id[20], r, i;
	__u64 mask[MASK_WORDS], before;
	struct go3s_status st;
	int cpu, checked = 0;

	srand(1);
	for (i = 0; i < nr_y + nr_s; i++)
		ASSERT_EQ(0, go3s_create(self->fd, i < nr_y ? yielder : spinner,
					 3, 0, &id[i]));
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr_y; i++) {
			if (r % 4 == 3) {
				/* One CPU: pinned there. */
				cpu = self->cpus[rand() % self->ncpu];
				memset(mask, 0, sizeof(mask));
				mask_set(mask, cpu);
				ASSERT_EQ(0, set_aff(self->fd, id[i], cpu,
						     NULL, 0));
			} else {
				random_mask(self, mask);
				ASSERT_EQ(0, set_mask(self->fd, id[i], mask));
			}
			/* Counted from after the call: earlier ones do not. */
			ASSERT_EQ(0, go3s_status(self->fd, id[i], &st));
			before = st.switches;
			/*
			 * The switch that was under way may have missed the
			 * new set; the next one moves it, the one after that
			 * happens on a CPU of the set.  STATUS reads ->cpu
			 * before ->switches, so a call delayed between the two
			 * may pair an old CPU with a new count: look at the
			 * CPU in a second call, after the count was seen.
			 */
			ASSERT_EQ(0, await_switches(self->fd, id[i], before, 3,
						    &st)) {
				TH_LOG("round %u, coroutine %u: %s", r, id[i],
				       strerror(errno));
			}
			ASSERT_EQ(0, go3s_status(self->fd, id[i], &st));
			EXPECT_EQ(GO3S_CO_ACTIVE, st.state);
			EXPECT_TRUE(in_mask(mask, st.cpu)) {
				TH_LOG("round %u, id %u on cpu %u (%llu from %llu), mask %#llx",
				       r, id[i], st.cpu,
				       (unsigned long long)st.switches,
				       (unsigned long long)before,
				       (unsigned long long)mask[0]);
			}
			checked++;
		}
		/* The spinners get a new set too, unchecked: load moves. */
		for (i = nr_y; i < nr_y + nr_s; i++) {
			random_mask(self, mask);
			ASSERT_EQ(0, set_mask(self->fd, id[i], mask));
		}
	}
	for (i = 0; i < nr_y + nr_s; i++) {
		ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id[i]));
		ASSERT_EQ(0, finish(self->fd, id[i], &st));
		EXPECT_EQ(GO3S_CO_CANCELLED, st.state);
	}
	TH_LOG("%u rounds, %d checks on %d CPUs", rounds, checked, self->ncpu);
}

/* A suspended coroutine given another CPU runs there when woken. */
TEST_F(aff, suspended_moves_when_woken)
{
	struct go3s_op prog[] = {
		OP(SUSPEND, 0, 0), OP(SUSPEND, 0, 0), OP(EXIT, 5, 0),
	};
	int first = self->cpus[0], last = self->cpus[self->ncpu - 1];
	__u64 mask[MASK_WORDS] = { 0 };
	struct go3s_status st;
	unsigned int id;

	ASSERT_EQ(0, go3s_create_ex(self->fd, prog, ARRAY_SIZE(prog), first,
				    GO3S_CO_PRIO_NORMAL, 0, 0, &id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED,
				      STATUS_TRIES));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(first, st.cpu);
	/* Pinned elsewhere while suspended: it moves when woken. */
	ASSERT_EQ(0, set_aff(self->fd, id, last, NULL, 0));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, await_switches(self->fd, id, 1, 1, &st));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED,
				      STATUS_TRIES));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(last, st.cpu);
	/* Back to a mask of the first CPU alone. */
	mask_set(mask, first);
	ASSERT_EQ(0, set_mask(self->fd, id, mask));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, finish(self->fd, id, &st));
	EXPECT_EQ(GO3S_CO_COMPLETING, st.state);
	EXPECT_EQ(5, st.exit_code);
	EXPECT_EQ(first, st.cpu);
}

/* Every documented error, and that a refusal changes nothing. */
TEST_F(aff, errors)
{
	struct go3s_op wait[] = { OP(SUSPEND, 0, 0), OP(EXIT, 9, 0) };
	struct go3s_op quick[] = { OP(EXIT, 3, 0) };
	__u64 mask[GO3S_CPU_MASK_MAX / 8] = { 0 };
	struct go3s_affinity a;
	unsigned int id, done, cancelled, got;
	int last = self->cpus[self->ncpu - 1];
	struct go3s_status st;
	void *hole;

	ASSERT_EQ(0, go3s_create(self->fd, wait, ARRAY_SIZE(wait),
				 GO3S_CREATE_SUSPENDED, &id));
	/* An empty mask. */
	EXPECT_EQ(-1, set_mask(self->fd, id, mask));
	EXPECT_EQ(EINVAL, errno);
	/* Only a CPU no kernel has (the last bit of the largest mask). */
	mask[GO3S_CPU_MASK_MAX / 8 - 1] = 1ULL << 63;
	EXPECT_EQ(-1, set_aff(self->fd, id, GO3S_CREATE_CPU_ANY, mask,
			      GO3S_CPU_MASK_MAX));
	EXPECT_EQ(EINVAL, errno);
	mask[GO3S_CPU_MASK_MAX / 8 - 1] = 0;
	mask_set(mask, last);
	/* Bad sizes, a mask with a fixed CPU, a size without a mask. */
	EXPECT_EQ(-1, set_aff(self->fd, id, GO3S_CREATE_CPU_ANY, mask, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_aff(self->fd, id, GO3S_CREATE_CPU_ANY, mask,
			      GO3S_CPU_MASK_MAX + 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_aff(self->fd, id, last, mask, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_aff(self->fd, id, GO3S_CREATE_CPU_ANY, NULL, 8));
	EXPECT_EQ(EINVAL, errno);
	/* CPUs that do not exist or are not online. */
	EXPECT_EQ(-1, set_aff(self->fd, id, 4096, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_aff(self->fd, id,
			      sysconf(_SC_NPROCESSORS_CONF), NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Flags and padding. */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.id = id;
	a.cpu = GO3S_CREATE_CPU_ANY;
	a.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_SET_AFFINITY, &a));
	EXPECT_EQ(EINVAL, errno);
	a.flags = 0;
	a.pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_SET_AFFINITY, &a));
	EXPECT_EQ(EINVAL, errno);
	/* An unreadable mask. */
	hole = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(hole != MAP_FAILED);
	EXPECT_EQ(-1, set_aff(self->fd, id, GO3S_CREATE_CPU_ANY, hole, 8));
	EXPECT_EQ(EFAULT, errno);
	munmap(hole, 4096);
	/* No such coroutine. */
	EXPECT_EQ(-1, set_aff(self->fd, id + 1000, last, NULL, 0));
	EXPECT_EQ(ESRCH, errno);

	/* Ended, not yet reaped: completed, or cancelled before it ran. */
	ASSERT_EQ(0, go3s_create(self->fd, quick, 1, 0, &done));
	ASSERT_EQ(0, go3s_await_state(self->fd, done, GO3S_CO_COMPLETING,
				      STATUS_TRIES));
	EXPECT_EQ(-1, set_aff(self->fd, done, last, NULL, 0));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, go3s_create(self->fd, quick, 1, GO3S_CREATE_SUSPENDED,
				 &cancelled));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, cancelled));
	ASSERT_EQ(0, go3s_await_state(self->fd, cancelled, GO3S_CO_CANCELLED,
				      STATUS_TRIES));
	EXPECT_EQ(-1, set_mask(self->fd, cancelled, mask));
	EXPECT_EQ(EBUSY, errno);
	got = done;
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &got, GO3S_FOREVER, NULL, NULL));
	got = cancelled;
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &got, GO3S_FOREVER, NULL, NULL));

	/* After all that, a good set works: the coroutine starts there. */
	ASSERT_EQ(0, set_mask(self->fd, id, mask));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(GO3S_CO_CREATED, st.state);
	EXPECT_EQ(last, st.cpu);
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED,
				      STATUS_TRIES));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, finish(self->fd, id, &st));
	EXPECT_EQ(9, st.exit_code);
	EXPECT_EQ(last, st.cpu);
}

/* CPUs offline or out of the usable set are refused (root only). */
TEST_F(aff, errors_unusable_cpus)
{
	struct go3s_op wait[] = { OP(SUSPEND, 0, 0), OP(EXIT, 9, 0) };
	int second = self->cpus[1], first = self->cpus[0];
	__u64 mask[MASK_WORDS] = { 0 };
	const char *why = cpus_unusable();
	struct go3s_status st;
	char list[16];
	unsigned int id;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, go3s_create(self->fd, wait, ARRAY_SIZE(wait),
				 GO3S_CREATE_SUSPENDED, &id));
	self->cpus_touched = 1;
	snprintf(list, sizeof(list), "%d", first);
	ASSERT_EQ(0, set_cpus(list));
	mask_set(mask, second);
	EXPECT_EQ(-1, set_aff(self->fd, id, second, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_mask(self->fd, id, mask));
	EXPECT_EQ(EINVAL, errno);
	/* A mask with one usable CPU is enough. */
	mask_set(mask, first);
	EXPECT_EQ(0, set_mask(self->fd, id, mask));
	restore_cpus();
	if (!access("/sys/devices/system/cpu/cpu1/online", W_OK) &&
	    second == 1) {
		ASSERT_EQ(0, set_online(1, 0));
		EXPECT_EQ(-1, set_aff(self->fd, id, 1, NULL, 0));
		EXPECT_EQ(EINVAL, errno);
		ASSERT_EQ(0, set_online(1, 1));
	}
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id));
	ASSERT_EQ(0, finish(self->fd, id, &st));
	EXPECT_EQ(GO3S_CO_CANCELLED, st.state);
}

/*
 * A coroutine waiting for a parked CPU: pinned to a CPU that left the
 * usable set, it moves when given a usable CPU; with a mask all parked,
 * it runs as soon as a CPU of its mask joins the set again.
 */
TEST_F(aff, parked_waiter_moves)
{
	struct go3s_op wait[] = { OP(SUSPEND, 0, 0), OP(EXIT, 7, 0) };
	int c0 = self->cpus[0], c1 = self->cpus[1], c2;
	__u64 mask[MASK_WORDS] = { 0 };
	const char *why = cpus_unusable();
	struct go3s_status st;
	unsigned int a, b;
	char list[16];

	if (why)
		SKIP(return, "%s", why);
	if (self->ncpu < 3)
		SKIP(return, "needs three CPUs");
	c2 = self->cpus[2];
	ASSERT_EQ(0, go3s_create_ex(self->fd, wait, ARRAY_SIZE(wait), c1,
				    GO3S_CO_PRIO_NORMAL, 0, 0, &a));
	mask_set(mask, c1);
	mask_set(mask, c2);
	ASSERT_EQ(0, go3s_create_full(self->fd, wait, ARRAY_SIZE(wait),
				      GO3S_CREATE_CPU_ANY, mask, sizeof(mask),
				      GO3S_CO_PRIO_NORMAL, 0, 0, &b));
	ASSERT_EQ(0, go3s_await_state(self->fd, a, GO3S_CO_SUSPENDED,
				      STATUS_TRIES));
	ASSERT_EQ(0, go3s_await_state(self->fd, b, GO3S_CO_SUSPENDED,
				      STATUS_TRIES));
	self->cpus_touched = 1;
	snprintf(list, sizeof(list), "%d", c0);
	ASSERT_EQ(0, set_cpus(list));
	/* Woken with every CPU of theirs parked: both wait. */
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, a));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, b));
	usleep(200000);
	ASSERT_EQ(0, go3s_status(self->fd, a, &st));
	EXPECT_EQ(GO3S_CO_ACTIVE, st.state);
	EXPECT_EQ(0, st.on_cpu);
	EXPECT_EQ(1, st.switches);
	EXPECT_EQ(c1, st.cpu);
	ASSERT_EQ(0, go3s_status(self->fd, b, &st));
	EXPECT_EQ(GO3S_CO_ACTIVE, st.state);
	EXPECT_EQ(0, st.on_cpu);
	EXPECT_EQ(1, st.switches);
	/* a: pinned to the one usable CPU now, it runs there at once. */
	ASSERT_EQ(0, set_aff(self->fd, a, c0, NULL, 0));
	ASSERT_EQ(0, finish(self->fd, a, &st));
	EXPECT_EQ(7, st.exit_code);
	EXPECT_EQ(c0, st.cpu);
	/* b: c2 comes back, and b runs there, c1 still parked. */
	snprintf(list, sizeof(list), "%d,%d", c0, c2);
	ASSERT_EQ(0, set_cpus(list));
	ASSERT_EQ(0, finish(self->fd, b, &st));
	EXPECT_EQ(7, st.exit_code);
	EXPECT_EQ(c2, st.cpu);
}

/* Create @ops (a last EXIT op set to @code) on @cpu or within @mask. */
static int make(struct __test_metadata *_metadata, struct _test_data_aff *self,
		struct go3s_op *ops, unsigned int nr, unsigned int cpu,
		const __u64 *mask, int code, unsigned int *idp)
{
	unsigned int id;

	ops[nr - 1] = OP(EXIT, (__u32)code, 0);
	if (go3s_create_full(self->fd, ops, nr, cpu, mask,
			     mask ? MASK_WORDS * sizeof(__u64) : 0,
			     GO3S_CO_PRIO_NORMAL, 0, 0, &id)) {
		TH_LOG("create: %s", strerror(errno));
		return -1;
	}
	if (id >= MAX_IDS) {
		TH_LOG("id %u out of range", id);
		return -1;
	}
	self->expect[id] = code + 1;
	self->nr++;
	if (idp)
		*idp = id;
	return 0;
}

/*
 * The usable set changes round after round (one CPU, a few, all) while
 * coroutines with masks, pinned ones and movable ones yield and sleep,
 * and SET_AFFINITY moves some of them meanwhile: every coroutine completes
 * exactly once, with its own exit code.
 */
TEST_F_TIMEOUT(aff, cpus_changes_under_load, 1800)
{
	struct go3s_op work[] = {
		OP(YIELD, 0, 0), OP(SLEEP, 0, 300000), OP(LOOP, 0, 15),
		OP(EXIT, 0, 0),
	};
	unsigned int rounds = go3s_scaled(20), r, i, k, id, state, ids[64];
	__u64 mask[MASK_WORDS], usable[MASK_WORDS];
	const char *why = cpus_unusable();
	int code, n, nusable, pick[64 * MASK_WORDS];
	unsigned int nids = 0;
	char list[256];

	if (why)
		SKIP(return, "%s", why);
	srand(2);
	self->cpus_touched = 1;
	for (r = 0; r < rounds; r++) {
		/* A new set: one CPU, a random subset, or all. */
		random_mask(self, usable);
		if (r % 3 == 0) {
			memset(usable, 0, sizeof(usable));
			mask_set(usable, self->cpus[r % self->ncpu]);
		} else if (r % 3 == 2) {
			for (i = 0; i < (unsigned int)self->ncpu; i++)
				mask_set(usable, self->cpus[i]);
		}
		n = 0;
		nusable = 0;
		for (i = 0; i < (unsigned int)self->ncpu; i++) {
			if (!in_mask(usable, self->cpus[i]))
				continue;
			pick[nusable++] = self->cpus[i];
			n += snprintf(list + n, sizeof(list) - n, "%s%d",
				      n ? "," : "", self->cpus[i]);
		}
		ASSERT_EQ(0, set_cpus(list)) TH_LOG("cpus %s", list);
		/* New work: masked (with a usable CPU), pinned, movable. */
		for (i = 0; i < 8; i++) {
			code = (r * 8 + i) & 0x7f;
			random_mask(self, mask);
			mask_set(mask, pick[rand() % nusable]);
			ASSERT_EQ(0, make(_metadata, self, work,
					  ARRAY_SIZE(work),
					  GO3S_CREATE_CPU_ANY, mask, code,
					  &id));
			if (nids < ARRAY_SIZE(ids))
				ids[nids++] = id;
		}
		ASSERT_EQ(0, make(_metadata, self, work, ARRAY_SIZE(work),
				  GO3S_CREATE_CPU_ANY, NULL, r & 0x7f, NULL));
		ASSERT_EQ(0, make(_metadata, self, work, ARRAY_SIZE(work),
				  pick[r % nusable], NULL, (r + 1) & 0x7f,
				  NULL));
		/* Some of the older ones get a new set: may be unusable now. */
		for (k = 0; k < 4 && nids; k++) {
			random_mask(self, mask);
			if (set_mask(self->fd, ids[rand() % nids], mask))
				ASSERT_TRUE(errno == EINVAL || errno == EBUSY)
					TH_LOG("set_affinity: %s",
					       strerror(errno));
		}
		usleep(20000);
	}
	restore_cpus();
	for (i = 0; i < self->nr; i++) {
		id = 0;
		ASSERT_EQ(0, go3s_wait(self->fd, GO3S_WAIT_ANY, &id,
				       GO3S_FOREVER, &state, &code)) {
			TH_LOG("completion %u of %u: %s", i, self->nr,
			       strerror(errno));
		}
		ASSERT_GT(MAX_IDS, id);
		ASSERT_NE(0, self->expect[id]) TH_LOG("id %u unknown or twice",
						      id);
		EXPECT_EQ(GO3S_CO_COMPLETING, state);
		EXPECT_EQ(self->expect[id] - 1, code) TH_LOG("id %u", id);
		self->expect[id] = 0;
	}
	id = 0;
	EXPECT_EQ(-1, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL));
	TH_LOG("%u rounds, %u coroutines", rounds, self->nr);
}

TEST_HARNESS_MAIN
