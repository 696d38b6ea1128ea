// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest for coroutines created through /dev/go3s: the create, resume,
 * suspend, cancel, wait, status, CPU stats, priority and channel ioctls,
 * read() and poll() of completion events, and every documented errno.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "go3s_util.h"
#include "kselftest_harness.h"

/* Liveness bound for state polling: not a timing assertion. */
#define TRIES 60000

FIXTURE(co) {
	int fd;
};

FIXTURE_SETUP(co)
{
	self->fd = go3s_open();
	ASSERT_GE(self->fd, 0) TH_LOG("open: %s", strerror(errno));
}

FIXTURE_TEARDOWN(co)
{
	close(self->fd);
}

TEST_F(co, exit_code_reaches_wait)
{
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(EXIT, (unsigned int)-7, 0) };
	unsigned int id, got, state;
	int code;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 2, 0, &id));
	EXPECT_NE(0, id);
	got = id;
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &got, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(id, got);
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(-7, code);
	/* Reaped: the id is gone. */
	EXPECT_EQ(-1, go3s_wait(self->fd, 0, &got, GO3S_FOREVER, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(co, falling_off_the_end_exits_zero)
{
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(LOOP, 0, 10) };
	unsigned int id, state;
	int code = 1;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 2, 0, &id));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(0, code);
}

TEST_F(co, create_rejects_bad_input)
{
	struct go3s_op good[] = { OP(EXIT, 0, 0) };
	struct go3s_op bad[] = { OP(SPIN, 0, 0) };
	struct go3s_op nochan[] = { OP(SEND, 999, 1) };
	struct go3s_create c;
	unsigned int id;

	EXPECT_EQ(-1, go3s_create(self->fd, good, 0, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create(self->fd, good, GO3S_PROG_MAX_OPS + 1, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create(self->fd, bad, 1, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create(self->fd, NULL, 1, 0, &id));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, go3s_create(self->fd, nochan, 1, 0, &id));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, go3s_create(self->fd, good, 1, 1u << 5, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create_ex(self->fd, good, 1, GO3S_CREATE_CPU_ANY,
				     GO3S_CO_PRIO_LOW + 1, 0, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create_ex(self->fd, good, 1, 4096,
				     GO3S_CO_PRIO_NORMAL, 0, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create_ex(self->fd, good, 1, GO3S_CREATE_CPU_ANY,
				     GO3S_CO_PRIO_NORMAL, 4096, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_create_ex(self->fd, good, 1, GO3S_CREATE_CPU_ANY,
				     GO3S_CO_PRIO_NORMAL, 64 << 20, 0, &id));
	EXPECT_EQ(EINVAL, errno);

	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.ops = (uintptr_t)good;
	c.nr_ops = 1;
	c.pad = 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.pad = 0;
	c.size = GO3S_CREATE_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);

	/* Nothing was left behind by any of the failures. */
	id = 0;
	EXPECT_EQ(-1, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL));
	EXPECT_EQ(ECHILD, errno);
}

TEST_F(co, start_suspended_then_resume)
{
	struct go3s_op prog[] = { OP(EXIT, 3, 0) };
	struct go3s_status st;
	unsigned int id, state;
	int code;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 1, GO3S_CREATE_SUSPENDED, &id));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(GO3S_CO_CREATED, st.state);
	EXPECT_EQ(0, st.switches);
	/* A CREATED coroutine cannot be asked to suspend: it never ran. */
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_SUSPEND, id));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(3, code);
}

TEST_F(co, terminal_states_refuse_requests)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	unsigned int id;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_COMPLETING, TRIES));
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_SUSPEND, id));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(co, cancel_at_each_suspension_point)
{
	unsigned int ch, id, state, i;
	int code;

	ASSERT_EQ(0, go3s_chan(self->fd, 0, &ch));
	struct go3s_op progs[][2] = {
		{ OP(SUSPEND, 0, 0), OP(EXIT, 1, 0) },
		{ OP(SLEEP, 0, 3600000000000ULL), OP(EXIT, 1, 0) },
		{ OP(RECV, ch, 0), OP(EXIT, 1, 0) },
		{ OP(SEND, ch, 9), OP(EXIT, 1, 0) },
		{ OP(SPIN, 0, 1000000000ULL), OP(LOOP, 0, 1000000) },
		{ OP(YIELD, 0, 0), OP(LOOP, 0, 1000000000) },
	};

	for (i = 0; i < ARRAY_SIZE(progs); i++) {
		ASSERT_EQ(0, go3s_create(self->fd, progs[i], 2, 0, &id));
		/* Let it reach its suspension point (or run) first. */
		if (i < 4)
			ASSERT_EQ(0, go3s_await_state(self->fd, id,
						      GO3S_CO_SUSPENDED, TRIES));
		ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id))
			TH_LOG("program %u", i);
		EXPECT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, &state,
				       &code));
		EXPECT_EQ(GO3S_CO_CANCELLED, state) TH_LOG("program %u", i);
		EXPECT_EQ(-ECANCELED, code) TH_LOG("program %u", i);
	}
}

TEST_F(co, cancel_created_and_twice)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	unsigned int id, state;
	int code;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 1, GO3S_CREATE_SUSPENDED, &id));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id));
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id));
	EXPECT_EQ(EALREADY, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_CANCELLED, state);
	EXPECT_EQ(-ECANCELED, code);
}

TEST_F(co, suspend_ioctl_parks_a_running_program)
{
	struct go3s_op prog[] = { OP(SPIN, 0, 100000), OP(LOOP, 0, 1000000000) };
	unsigned int id, state;
	int code;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 2, 0, &id));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_SUSPEND, id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED, TRIES));
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_SUSPEND, id));
	EXPECT_EQ(EALREADY, errno);
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_CANCELLED, state);
}

TEST_F(co, unknown_ids_are_esrch)
{
	struct go3s_set_prio p = { .size = sizeof(p), .id = 12345 };
	struct go3s_status st;
	unsigned int id = 12345;

	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, 12345));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_SUSPEND, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, 12345));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_status(self->fd, 12345, &st));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_wait(self->fd, 0, &id, 0, NULL, NULL));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_SET_PRIO, &p));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_CHAN_CLOSE, 12345));
	EXPECT_EQ(ENOENT, errno);
}

TEST_F(co, wait_timeout_flags_and_any)
{
	struct go3s_op hold[] = { OP(SUSPEND, 0, 0) };
	struct go3s_op quick[] = { OP(EXIT, 42, 0) };
	struct go3s_wait w;
	unsigned int id, held, seen = 0, i, state;
	unsigned int ids[8];
	int code;

	ASSERT_EQ(0, go3s_create(self->fd, hold, 1, 0, &held));
	id = held;
	EXPECT_EQ(-1, go3s_wait(self->fd, 0, &id, 0, NULL, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(-1, go3s_wait(self->fd, 0, &id, 1000000, NULL, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);
	id = 0;
	EXPECT_EQ(-1, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, 1000000, NULL, NULL));
	EXPECT_EQ(ETIMEDOUT, errno);

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = 1u << 7;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = GO3S_WAIT_ANY;
	w.id = held;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);

	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, go3s_create(self->fd, quick, 1, 0, &ids[i]));
	for (i = 0; i < 8; i++) {
		id = 0;
		ASSERT_EQ(0, go3s_wait(self->fd, GO3S_WAIT_ANY, &id,
				       GO3S_FOREVER, &state, &code));
		EXPECT_NE(held, id);
		EXPECT_EQ(42, code);
		EXPECT_EQ(GO3S_CO_COMPLETING, state);
		for (unsigned int j = 0; j < 8; j++)
			if (ids[j] == id)
				seen |= 1u << j;
	}
	EXPECT_EQ(0xffu, seen);
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, held));
	id = 0;
	ASSERT_EQ(0, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, GO3S_FOREVER,
			       &state, NULL));
	EXPECT_EQ(held, id);
	EXPECT_EQ(GO3S_CO_CANCELLED, state);
	id = 0;
	EXPECT_EQ(-1, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, GO3S_FOREVER,
				NULL, NULL));
	EXPECT_EQ(ECHILD, errno);
}

TEST_F(co, status_reports_the_coroutine)
{
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(SUSPEND, 0, 0),
				  OP(EXIT, 5, 0) };
	struct go3s_status st;
	unsigned char big[256];
	unsigned int id, cpu = 0;

	ASSERT_EQ(0, go3s_create_ex(self->fd, prog, 3, cpu, GO3S_CO_PRIO_HIGH,
				    32768, 0, &id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED, TRIES));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(sizeof(st), st.size);
	EXPECT_EQ(id, st.id);
	EXPECT_EQ(GO3S_CO_SUSPENDED, st.state);
	EXPECT_EQ(cpu, st.cpu);
	EXPECT_EQ(0, st.on_cpu);
	EXPECT_EQ(GO3S_CO_PRIO_HIGH, st.priority);
	EXPECT_EQ(1, st.pc);
	EXPECT_GE(st.switches, 2);
	EXPECT_GE(st.stack_size, 32768);
	EXPECT_EQ(0, st.pad);

	/* A newer caller's larger struct: zero tail accepted, left alone. */
	memset(big, 0, sizeof(big));
	((struct go3s_status *)big)->size = sizeof(big);
	((struct go3s_status *)big)->id = id;
	ASSERT_EQ(0, ioctl(self->fd, GO3S_IOC_STATUS, big));
	EXPECT_EQ(sizeof(st), ((struct go3s_status *)big)->size);
	EXPECT_EQ(0, big[sizeof(big) - 1]);

	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_COMPLETING, TRIES));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(5, st.exit_code);
	EXPECT_GT(st.stack_hwm, 0);
	EXPECT_LE(st.stack_hwm, st.stack_size);
}

/* A first-version caller gets the first version, nothing past it. */
TEST_F(co, cpu_stats_first_version_gets_first_version)
{
	struct go3s_cpu_stats old;

	memset(&old, 0xa5, sizeof(old));
	old.size = GO3S_CPU_STATS_SIZE_VER0;
	old.flags = 0;
	old.cpu = 0;
	ASSERT_EQ(0, ioctl(self->fd, GO3S_IOC_CPU_STATS, &old));
	EXPECT_EQ(GO3S_CPU_STATS_SIZE_VER0, old.size);
	EXPECT_EQ(1, old.online);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, old.steals);
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, old.wakes_idle);
}

TEST_F(co, cpu_stats_count_work)
{
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(LOOP, 0, 99) };
	struct go3s_cpu_stats before, after;
	unsigned int id;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);

	ASSERT_EQ(0, go3s_cpu_stats(self->fd, 0, &before));
	ASSERT_EQ(0, go3s_create_ex(self->fd, prog, 2, 0, GO3S_CO_PRIO_NORMAL,
				    0, 0, &id));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, NULL, NULL));
	ASSERT_EQ(0, go3s_cpu_stats(self->fd, 0, &after));
	EXPECT_EQ(1, after.online);
	EXPECT_GE(after.switches - before.switches, 100);
	EXPECT_GE(after.spawns - before.spawns, 1);
	EXPECT_GE(after.completions - before.completions, 1);
	EXPECT_GE(after.co_ns, before.co_ns);
	EXPECT_GE(after.sched_ns, after.co_ns);
	EXPECT_EQ(GO3S_CPU_STATS_SIZE_VER1, after.size);
	EXPECT_GE(after.steals, before.steals);
	EXPECT_GE(after.wakes_idle, before.wakes_idle);

	for (long c = 1; c < ncpu; c++)
		EXPECT_EQ(0, go3s_cpu_stats(self->fd, c, &after));
	EXPECT_EQ(-1, go3s_cpu_stats(self->fd, 100000, &after));
	EXPECT_EQ(EINVAL, errno);
	after.size = sizeof(after);
	after.cpu = 0;
	after.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_CPU_STATS, &after));
	EXPECT_EQ(EINVAL, errno);
}

static int create_masked(int fd, const struct go3s_op *ops, unsigned int nr,
			 unsigned int cpu, const __u64 *mask, unsigned int size,
			 unsigned int flags, unsigned int *id)
{
	return go3s_create_full(fd, ops, nr, cpu, mask, size,
				GO3S_CO_PRIO_NORMAL, 0, flags, id);
}

static int set_affinity(int fd, unsigned int id, unsigned int cpu,
			const __u64 *mask, unsigned int size)
{
	struct go3s_affinity a = {
		.size = sizeof(a),
		.id = id,
		.cpu = cpu,
		.cpu_mask = (uintptr_t)mask,
		.cpu_mask_size = size,
	};

	return ioctl(fd, GO3S_IOC_SET_AFFINITY, &a);
}

TEST_F(co, cpu_mask_places_the_coroutine)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	__u64 mask[2] = { 0, 0 };
	struct go3s_status st;
	unsigned int id, i;

	for (i = 0; i < ncpu && i < 64; i++) {
		mask[0] = 1ULL << i;
		ASSERT_EQ(0, create_masked(self->fd, prog, 1, GO3S_CREATE_CPU_ANY,
					   mask, sizeof(mask), 0, &id));
		ASSERT_EQ(0, go3s_status(self->fd, id, &st));
		EXPECT_EQ(i, st.cpu);
	}
	/* No online CPU in the mask, or a mask with a fixed CPU. */
	mask[0] = 0;
	mask[1] = 1ULL << 63;
	EXPECT_EQ(-1, create_masked(self->fd, prog, 1, GO3S_CREATE_CPU_ANY,
				    mask, sizeof(mask), 0, &id));
	EXPECT_EQ(EINVAL, errno);
	mask[0] = 1;
	EXPECT_EQ(-1, create_masked(self->fd, prog, 1, 0, mask, 8, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, create_masked(self->fd, prog, 1, GO3S_CREATE_CPU_ANY,
				    mask, 4, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, create_masked(self->fd, prog, 1, GO3S_CREATE_CPU_ANY,
				    mask, GO3S_CPU_MASK_MAX + 8, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, create_masked(self->fd, prog, 1, GO3S_CREATE_CPU_ANY,
				    NULL, 8, 0, &id));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, create_masked(self->fd, prog, 1, GO3S_CREATE_CPU_ANY,
				    (__u64 *)8, 8, 0, &id));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(co, set_affinity_before_the_first_run)
{
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(SUSPEND, 0, 0) };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int id, target = ncpu - 1;
	struct go3s_cpu_stats before, after;
	struct go3s_status st;
	__u64 mask = 1ULL << target;

	ASSERT_EQ(0, go3s_create_ex(self->fd, prog, 2, 0, GO3S_CO_PRIO_NORMAL,
				    0, GO3S_CREATE_SUSPENDED, &id));
	ASSERT_EQ(0, set_affinity(self->fd, id, GO3S_CREATE_CPU_ANY, &mask,
				  sizeof(mask)));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(target, st.cpu);
	ASSERT_EQ(0, go3s_cpu_stats(self->fd, target, &before));
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED, TRIES));
	ASSERT_EQ(0, go3s_cpu_stats(self->fd, target, &after));
	/* It really ran there: two switches in, one spawn, on that CPU. */
	EXPECT_GE(after.switches - before.switches, 2);
	EXPECT_GE(after.spawns - before.spawns, 1);

	/*
	 * Once it has run it may still move (any live state); that it then
	 * runs there is go3s_affinity_test's business.
	 */
	EXPECT_EQ(0, set_affinity(self->fd, id, 0, NULL, 0));
	EXPECT_EQ(-1, set_affinity(self->fd, 99999, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	ASSERT_EQ(0, go3s_create(self->fd, prog, 2, GO3S_CREATE_SUSPENDED, &id));
	EXPECT_EQ(-1, set_affinity(self->fd, id, 100000, NULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, set_affinity(self->fd, id, 0, &mask, sizeof(mask)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, set_affinity(self->fd, id, 0, NULL, 0));
}

/*
 * A program that never yields on its own (one long spin) must still leave
 * its CPU to ordinary tasks: this task, pinned to the same CPU, gets its
 * work done while the program is still running.
 */
TEST_F(co, spinning_program_leaves_room_for_tasks)
{
	struct go3s_op prog[] = { OP(SPIN, 0, GO3S_SPIN_MAX_NS),
				  OP(LOOP, 0, 29) };
	struct go3s_status st;
	unsigned long n;
	unsigned int id, state;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));
	ASSERT_EQ(0, go3s_create_ex(self->fd, prog, 2, 0, GO3S_CO_PRIO_HIGH,
				    0, 0, &id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_ACTIVE, TRIES));
	/* Work that needs the CPU: system calls, never optimised away. */
	for (n = 0; n < 200000; n++)
		getppid();
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(GO3S_CO_ACTIVE, st.state) TH_LOG("the spin ended first");
	EXPECT_GT(st.switches, 1);
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CANCEL, id));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &id, GO3S_FOREVER, &state, NULL));
	EXPECT_EQ(GO3S_CO_CANCELLED, state);
}

TEST_F(co, set_prio)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	struct go3s_set_prio p = { .size = sizeof(p) };
	struct go3s_status st;
	unsigned int id;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &id));
	p.id = id;
	p.priority = GO3S_CO_PRIO_LOW;
	ASSERT_EQ(0, ioctl(self->fd, GO3S_IOC_SET_PRIO, &p));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(GO3S_CO_PRIO_LOW, st.priority);
	p.priority = 3;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_SET_PRIO, &p));
	EXPECT_EQ(EINVAL, errno);
	p.priority = 0;
	p.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_SET_PRIO, &p));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(co, channel_ping_pong)
{
	unsigned int ch, a, b, state;
	int code;

	ASSERT_EQ(0, go3s_chan(self->fd, 0, &ch));
	struct go3s_op sender[] = { OP(SEND, ch, 1), OP(LOOP, 0, 99),
				    OP(EXIT, 11, 0) };
	struct go3s_op receiver[] = { OP(RECV, ch, 0), OP(LOOP, 0, 99),
				      OP(EXIT, 22, 0) };

	ASSERT_EQ(0, go3s_create_ex(self->fd, sender, 3, 0, GO3S_CO_PRIO_NORMAL,
				    0, 0, &a));
	ASSERT_EQ(0, go3s_create_ex(self->fd, receiver, 3,
				    sysconf(_SC_NPROCESSORS_ONLN) - 1,
				    GO3S_CO_PRIO_NORMAL, 0, 0, &b));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &a, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(11, code);
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &b, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(22, code);
}

TEST_F(co, buffered_channel_and_close)
{
	unsigned int ch, a, b, state;
	int code;

	ASSERT_EQ(0, go3s_chan(self->fd, 10, &ch));
	struct go3s_op fill[] = { OP(SEND, ch, 1), OP(LOOP, 0, 9) };
	struct go3s_op drain[] = { OP(RECV, ch, 0), OP(LOOP, 0, 100) };

	/* Ten sends fit without a receiver. */
	ASSERT_EQ(0, go3s_create(self->fd, fill, 2, 0, &a));
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &a, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(0, code);
	/* The receiver takes the ten, then blocks on the eleventh... */
	ASSERT_EQ(0, go3s_create(self->fd, drain, 2, 0, &b));
	ASSERT_EQ(0, go3s_await_state(self->fd, b, GO3S_CO_SUSPENDED, TRIES));
	/* ...until the close wakes it with EPIPE. */
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CHAN_CLOSE, ch));
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_CHAN_CLOSE, ch));
	EXPECT_EQ(EALREADY, errno);
	ASSERT_EQ(0, go3s_wait(self->fd, 0, &b, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(GO3S_CO_COMPLETING, state);
	EXPECT_EQ(-EPIPE, code);
}

TEST_F(co, close_wakes_every_waiter)
{
	unsigned int ch, ids[16], i, state;
	int code;

	ASSERT_EQ(0, go3s_chan(self->fd, 0, &ch));
	struct go3s_op recv[] = { OP(RECV, ch, 0) };
	struct go3s_op send[] = { OP(SEND, ch, 0) };

	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, go3s_create(self->fd, i & 1 ? send : recv, 1, 0,
					 &ids[i]));
	/* Unbuffered: a sender and a receiver may meet; the rest block. */
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_CHAN_CLOSE, ch));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(0, go3s_wait(self->fd, 0, &ids[i], GO3S_FOREVER,
				       &state, &code));
		EXPECT_EQ(GO3S_CO_COMPLETING, state);
		EXPECT_TRUE(code == 0 || code == -EPIPE) TH_LOG("code %d", code);
	}
}

TEST_F(co, chan_create_rejects_bad_input)
{
	struct go3s_chan_create c = { .size = sizeof(c) };

	c.capacity = GO3S_CHAN_MAX_CAP + 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_CHAN_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.capacity = 1;
	c.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_CHAN_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
	c.flags = 0;
	c.id = 5;
	EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_CHAN_CREATE, &c));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(co, read_and_poll_completion_events)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	struct go3s_event ev[5];
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	unsigned int ids[6], i, got = 0;
	ssize_t n;
	int flags;

	/* Nothing yet: not readable, a nonblocking read says EAGAIN. */
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	flags = fcntl(self->fd, F_GETFL);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, flags | O_NONBLOCK));
	EXPECT_EQ(-1, read(self->fd, ev, sizeof(ev)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, read(self->fd, ev, sizeof(ev[0]) - 1));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, flags));

	for (i = 0; i < 6; i++) {
		prog[0].a = 100 + i;
		ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &ids[i]));
	}
	ASSERT_EQ(1, poll(&pfd, 1, -1));
	EXPECT_TRUE(pfd.revents & POLLIN);
	while (got < 6) {
		/* Blocking read; whole records only. */
		n = read(self->fd, ev, sizeof(ev[0]) * 4 + 3);
		ASSERT_GT(n, 0);
		ASSERT_EQ(0, n % sizeof(ev[0]));
		for (i = 0; i < n / sizeof(ev[0]); i++) {
			EXPECT_EQ(GO3S_CO_COMPLETING, ev[i].state);
			EXPECT_EQ(100, ev[i].exit_code - (ev[i].id - ids[0]));
			EXPECT_GE(ev[i].ended_ns, ev[i].created_ns);
			EXPECT_EQ(sizeof(ev[0]), ev[i].size);
			got++;
		}
	}
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	/* Reported means reaped. */
	EXPECT_EQ(-1, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, ids[0]));
	EXPECT_EQ(ESRCH, errno);
}

TEST_F(co, events_pile_up_without_loss)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	struct go3s_event ev;
	struct go3s_status st;
	unsigned int i, id = 0, n = 3000, got = 0;

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &id));
	/* All ended and unread; status still reports the last one. */
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_COMPLETING, TRIES));
	ASSERT_EQ(0, go3s_status(self->fd, id, &st));
	EXPECT_EQ(0, st.exit_code);
	while (got < n) {
		ASSERT_EQ(sizeof(ev), read(self->fd, &ev, sizeof(ev)));
		got++;
	}
	id = 0;
	EXPECT_EQ(-1, go3s_wait(self->fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL));
	EXPECT_EQ(ECHILD, errno);
}

/* A page holding a copy of @len bytes at @src, then made read-only. */
static void *ro_copy(const void *src, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, page, PROT_READ)) {
		munmap(p, page);
		return NULL;
	}
	return p;
}

/*
 * Issue 8, defect 4: a WAIT whose copy-out faults consumes nothing; the
 * coroutine and its exit code are still there for the next WAIT (one id,
 * then WAIT_ANY).
 */
TEST_F(co, wait_efault_consumes_nothing)
{
	struct go3s_op prog[] = { OP(EXIT, 5, 0) };
	struct go3s_wait w, *ro;
	unsigned int id, got, state, flags;
	int code, round;

	for (round = 0; round < 2; round++) {
		flags = round ? GO3S_WAIT_ANY : 0;
		ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &id));
		ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_COMPLETING,
					      TRIES));
		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.flags = flags;
		w.id = round ? 0 : id;
		w.timeout_ns = GO3S_FOREVER;
		ro = ro_copy(&w, sizeof(w));
		ASSERT_TRUE(!!ro);
		EXPECT_EQ(-1, ioctl(self->fd, GO3S_IOC_WAIT, ro));
		EXPECT_EQ(EFAULT, errno);
		munmap(ro, sysconf(_SC_PAGESIZE));

		got = round ? 0 : id;
		ASSERT_EQ(0, go3s_wait(self->fd, flags, &got, 0, &state, &code))
			TH_LOG("round %d: the failed WAIT consumed it: %s",
			       round, strerror(errno));
		EXPECT_EQ(id, got);
		EXPECT_EQ(GO3S_CO_COMPLETING, state);
		EXPECT_EQ(5, code);
	}
}

/* Issue 8, defect 4: the same for read() into a read-only buffer. */
TEST_F(co, read_efault_consumes_nothing)
{
	struct go3s_op prog[] = { OP(EXIT, 6, 0) };
	struct go3s_event ev, *ro;
	unsigned int id;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_COMPLETING, TRIES));
	memset(&ev, 0, sizeof(ev));
	ro = ro_copy(&ev, sizeof(ev));
	ASSERT_TRUE(!!ro);
	EXPECT_EQ(-1, read(self->fd, ro, sizeof(*ro)));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, sysconf(_SC_PAGESIZE));

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(sizeof(ev), read(self->fd, &ev, sizeof(ev)))
		TH_LOG("the failed read() consumed it: %s", strerror(errno));
	EXPECT_EQ(id, ev.id);
	EXPECT_EQ(6, ev.exit_code);
}

/*
 * Issue 8, defect 4: a read() whose second record lands on a PROT_NONE page
 * returns the first; the second is the next read()'s.
 */
TEST_F(co, read_partial_fault_keeps_the_rest)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	long page = sysconf(_SC_PAGESIZE);
	struct go3s_event *ev, next;
	unsigned int ids[2], i;
	char *map;

	for (i = 0; i < 2; i++) {
		prog[0].a = 10 + i;
		ASSERT_EQ(0, go3s_create(self->fd, prog, 1, 0, &ids[i]));
		ASSERT_EQ(0, go3s_await_state(self->fd, ids[i],
					      GO3S_CO_COMPLETING, TRIES));
	}
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	ev = (struct go3s_event *)(map + page - sizeof(*ev));
	ASSERT_EQ(sizeof(*ev), read(self->fd, ev, 2 * sizeof(*ev)));
	EXPECT_EQ(ids[0], ev->id);
	EXPECT_EQ(10, ev->exit_code);
	munmap(map, 2 * page);

	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	ASSERT_EQ(sizeof(next), read(self->fd, &next, sizeof(next)))
		TH_LOG("the faulting record was lost: %s", strerror(errno));
	EXPECT_EQ(ids[1], next.id);
	EXPECT_EQ(11, next.exit_code);
}

struct waiter {
	int fd;
	int ret;
	int err;
	unsigned int id;
};

static void *wait_any_thread(void *arg)
{
	struct waiter *w = arg;

	w->id = 0;
	w->ret = go3s_wait(w->fd, GO3S_WAIT_ANY, &w->id, GO3S_FOREVER, NULL,
			   NULL);
	w->err = errno;
	return NULL;
}

/*
 * Issue 8, defect 4: two threads in WAIT_ANY with no timeout and one
 * coroutine: one gets it, the other ECHILD as wait4() gives, instead of
 * sleeping for ever.  A hang is caught by the harness's timeout.
 */
TEST_F_TIMEOUT(co, wait_any_last_one_gives_echild, 60)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0), OP(EXIT, 3, 0) };
	struct waiter w[2] = { { .fd = self->fd }, { .fd = self->fd } };
	pthread_t t[2];
	unsigned int id;
	int i;

	ASSERT_EQ(0, go3s_create(self->fd, prog, 2, 0, &id));
	ASSERT_EQ(0, go3s_await_state(self->fd, id, GO3S_CO_SUSPENDED, TRIES));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, wait_any_thread, &w[i]));
	/* Give both a chance to block; either order is a valid test. */
	usleep(100000);
	ASSERT_EQ(0, go3s_id_ioctl(self->fd, GO3S_IOC_RESUME, id));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	EXPECT_EQ(-1, w[0].ret + w[1].ret) TH_LOG("%d %d", w[0].ret, w[1].ret);
	/* The one that got it has its id, the other ECHILD. */
	for (i = 0; i < 2; i++)
		EXPECT_EQ(w[i].ret ? ECHILD : id,
			  w[i].ret ? w[i].err : w[i].id);
}

#define RACE_ROUNDS 3000

struct race {
	int fd;
	atomic_int stop;
	atomic_uint created;
	/* Ids returned by a successful CREATE, and ids reported as ended. */
	unsigned char made[1u << 16];
	unsigned char seen[1u << 16];
	unsigned int bad;
	unsigned int twice;
};

static void race_seen(struct race *r, unsigned int id)
{
	if (id >= sizeof(r->seen))
		return;
	if (__atomic_fetch_add(&r->seen[id], 1, __ATOMIC_RELAXED))
		__atomic_fetch_add(&r->twice, 1, __ATOMIC_RELAXED);
}

/* Cancels and reaps the next ids before their creator returns. */
static void *race_reaper(void *arg)
{
	struct race *r = arg;
	struct go3s_event ev;
	unsigned int id, i;

	while (!atomic_load(&r->stop)) {
		unsigned int base = atomic_load(&r->created);

		for (i = 1; i <= 4; i++) {
			go3s_id_ioctl(r->fd, GO3S_IOC_CANCEL, base + i);
			id = base + i;
			if (!go3s_wait(r->fd, 0, &id, 0, NULL, NULL))
				race_seen(r, id);
		}
		id = 0;
		if (!go3s_wait(r->fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL))
			race_seen(r, id);
		if (read(r->fd, &ev, sizeof(ev)) == sizeof(ev))
			race_seen(r, ev.id);
	}
	return NULL;
}

/*
 * Issue 8, defect 2: a CREATE whose copy-out faults publishes nothing, and
 * a published coroutine may be cancelled and reaped by another thread
 * before CREATE returns.  Every coroutine is reported exactly once, and
 * only those whose CREATE succeeded.  (KASAN reports the use-after-free of
 * the old code; without KASAN a coroutine of a failed CREATE shows up.)
 */
TEST_F_TIMEOUT(co, create_races_reapers, 300)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	struct go3s_create c, *ro;
	struct go3s_event ev;
	struct race *r;
	unsigned int id, i, ok = 0, fault = 0;
	pthread_t t[2];

	r = calloc(1, sizeof(*r));
	ASSERT_TRUE(!!r);
	r->fd = self->fd;
	ASSERT_EQ(0, fcntl(self->fd, F_SETFL, O_NONBLOCK));
	memset(&c, 0, sizeof(c));
	c.size = sizeof(c);
	c.ops = (uintptr_t)prog;
	c.nr_ops = 1;
	c.cpu = GO3S_CREATE_CPU_ANY;
	c.priority = GO3S_CO_PRIO_NORMAL;
	ro = ro_copy(&c, sizeof(c));
	ASSERT_TRUE(!!ro);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&t[i], NULL, race_reaper, r));
	for (i = 0; i < go3s_scaled(RACE_ROUNDS); i++) {
		if (i & 1) {
			if (ioctl(self->fd, GO3S_IOC_CREATE, ro) == 0 ||
			    errno != EFAULT)
				r->bad++;
			fault++;
			continue;
		}
		if (go3s_create(self->fd, prog, 1, 0, &id)) {
			r->bad++;
			continue;
		}
		if (id < sizeof(r->made))
			r->made[id] = 1;
		atomic_store(&r->created, id);
		ok++;
	}
	atomic_store(&r->stop, 1);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	/* Reap what is left. */
	for (;;) {
		id = 0;
		if (!go3s_wait(self->fd, GO3S_WAIT_ANY, &id, GO3S_FOREVER,
			       NULL, NULL)) {
			race_seen(r, id);
			continue;
		}
		ASSERT_EQ(ECHILD, errno);
		break;
	}
	EXPECT_EQ(-1, read(self->fd, &ev, sizeof(ev)));
	EXPECT_EQ(0, r->bad);
	EXPECT_EQ(0, r->twice);
	for (i = 0; i < sizeof(r->seen); i++) {
		EXPECT_EQ(r->made[i], r->seen[i])
			TH_LOG("id %u: made %u seen %u", i, r->made[i],
			       r->seen[i]);
		if (r->made[i] != r->seen[i])
			break;
	}
	TH_LOG("%u created, %u faulted", ok, fault);
	munmap(ro, sysconf(_SC_PAGESIZE));
	free(r);
}

struct chan_race {
	int fd;
	atomic_int stop;
	unsigned int seen;
};

/* Uses channel ids that a faulting CHAN_CREATE reserves for a moment. */
static void *chan_race_user(void *arg)
{
	struct chan_race *r = arg;
	struct go3s_op prog[] = { OP(RECV, 0, 0) };
	unsigned int id, ch;

	while (!atomic_load(&r->stop)) {
		for (ch = 1; ch <= 2; ch++) {
			prog[0].a = ch;
			if (!go3s_create(r->fd, prog, 1, GO3S_CREATE_SUSPENDED,
					 &id)) {
				r->seen++;
				go3s_id_ioctl(r->fd, GO3S_IOC_CANCEL, id);
				go3s_wait(r->fd, 0, &id, GO3S_FOREVER, NULL,
					  NULL);
			}
			if (!go3s_id_ioctl(r->fd, GO3S_IOC_CHAN_CLOSE, ch))
				r->seen++;
		}
	}
	return NULL;
}

/*
 * Issue 8, defect 3: a CHAN_CREATE whose copy-out faults never shows its
 * channel: programs and CHAN_CLOSE racing on the id it reserved see
 * ENOENT, never a channel that is then freed under them.
 */
TEST_F_TIMEOUT(co, chan_create_fault_publishes_nothing, 300)
{
	struct go3s_chan_create c = { .size = sizeof(c) }, *ro;
	struct chan_race r = { .fd = self->fd };
	unsigned int i, bad = 0;
	pthread_t t;

	ro = ro_copy(&c, sizeof(c));
	ASSERT_TRUE(!!ro);
	ASSERT_EQ(0, pthread_create(&t, NULL, chan_race_user, &r));
	for (i = 0; i < go3s_scaled(RACE_ROUNDS * 3); i++)
		if (ioctl(self->fd, GO3S_IOC_CHAN_CREATE, ro) == 0 ||
		    errno != EFAULT)
			bad++;
	atomic_store(&r.stop, 1);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, r.seen) TH_LOG("a channel of a failed CHAN_CREATE was used");
	munmap(ro, sysconf(_SC_PAGESIZE));
}

static int get_info(int fd, struct go3s_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return ioctl(fd, GO3S_IOC_GET_INFO, info);
}

/* Fill a session with the largest channels; return how many fit. */
static unsigned int fill_with_channels(int fd, int *err)
{
	unsigned int n = 0, id;

	while (!go3s_chan(fd, GO3S_CHAN_MAX_CAP, &id))
		n++;
	*err = errno;
	return n;
}

/*
 * Issue 8, defect 7: channel buffers count against the session's byte
 * limit (the one that also bounds stacks): the largest channels run into
 * ENOMEM where the limit says, and closing the session gives it back.
 */
TEST(chan_buffers_count_against_the_byte_limit)
{
	/* A 64-bit kernel keeps a pointer per buffered value. */
	const unsigned long long per = GO3S_CHAN_MAX_CAP * 8ULL;
	struct go3s_info info;
	unsigned long long limit;
	unsigned int n, again;
	int fd, err;

	fd = go3s_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, get_info(fd, &info));
	limit = info.max_session_stack_bytes;
	if (info.max_stack_bytes < limit)
		limit = info.max_stack_bytes;
	if (limit / per >= info.max_session_coroutines)
		SKIP(close(fd), "the channel count limit comes first");

	n = fill_with_channels(fd, &err);
	EXPECT_EQ(ENOMEM, err);
	/* No more than the limit holds, and not far fewer (a page each). */
	EXPECT_LE(n, limit / per) TH_LOG("%u channels of %llu bytes", n, per);
	/* Charged as allocated: the slab rounds a ring up to 2^k pages. */
	EXPECT_GT((n + 1) * (2 * per + 4096), limit)
		TH_LOG("only %u channels", n);
	ASSERT_EQ(0, close(fd));

	/* Given back with the session: a new one fits as many again. */
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	again = fill_with_channels(fd, &err);
	EXPECT_EQ(ENOMEM, err);
	EXPECT_EQ(n, again);
	ASSERT_EQ(0, close(fd));
}

/*
 * Issue 8, defect 8: a process killed while it closes a session with a
 * coroutine mid-run exits, and the device works on afterwards.
 */
/* 20 rounds of 64 spinners: slow on a loaded host under KASAN and TCG. */
TEST_F_TIMEOUT(co, kill_while_closing_a_busy_session, 300)
{
	struct go3s_op spin[] = { OP(SPIN, 0, GO3S_SPIN_MAX_NS),
				  OP(LOOP, 0, GO3S_LOOP_MAX) };
	struct go3s_op quick[] = { OP(EXIT, 4, 0) };
	struct go3s_info info;
	int round, status, ready[2], fd, code;
	unsigned int id;
	pid_t pid;

	for (round = 0; round < 20; round++) {
		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			unsigned int i, cid;
			char c = 1;

			close(self->fd);
			fd = go3s_open();
			if (fd < 0)
				_exit(1);
			for (i = 0; i < 64; i++)
				if (go3s_create(fd, spin, 2, 0, &cid))
					_exit(2);
			if (go3s_await_state(fd, cid, GO3S_CO_ACTIVE, TRIES))
				_exit(3);
			if (write(ready[1], &c, 1) != 1)
				_exit(4);
			close(fd);
			pause();
			_exit(0);
		}
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &status, 1));
		close(ready[0]);
		/* Early or late in its close, as the round goes. */
		usleep(round * 500);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("child status %#x", status);
	}
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, get_info(fd, &info));
	ASSERT_EQ(0, go3s_create(fd, quick, 1, 0, &id));
	ASSERT_EQ(0, go3s_wait(fd, 0, &id, GO3S_FOREVER, NULL, &code));
	EXPECT_EQ(4, code);
	close(fd);
}

TEST(sessions_are_isolated)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	struct go3s_op usech[] = { OP(RECV, 0, 0) };
	struct go3s_status st;
	unsigned int id, ch;
	int a = go3s_open(), b = go3s_open();

	ASSERT_GE(a, 0);
	ASSERT_GE(b, 0);
	ASSERT_EQ(0, go3s_create(a, prog, 1, 0, &id));
	ASSERT_EQ(0, go3s_chan(a, 0, &ch));
	usech[0].a = ch;
	EXPECT_EQ(-1, go3s_status(b, id, &st));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(b, GO3S_IOC_CANCEL, id));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_EQ(-1, go3s_id_ioctl(b, GO3S_IOC_CHAN_CLOSE, ch));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, go3s_create(b, usech, 1, 0, &id));
	EXPECT_EQ(ENOENT, errno);
	close(b);
	close(a);
}

TEST(fork_shares_the_session)
{
	struct go3s_op prog[] = { OP(EXIT, 9, 0) };
	unsigned int id, state;
	int fd = go3s_open(), status, code;
	int pipefd[2];
	pid_t pid;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pipe(pipefd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		unsigned int cid;

		if (go3s_create(fd, prog, 1, 0, &cid))
			_exit(1);
		_exit(write(pipefd[1], &cid, sizeof(cid)) == sizeof(cid) ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(sizeof(id), read(pipefd[0], &id, sizeof(id)));
	/* The child's coroutine lives on in the shared session. */
	ASSERT_EQ(0, go3s_wait(fd, 0, &id, GO3S_FOREVER, &state, &code));
	EXPECT_EQ(9, code);
	close(pipefd[0]);
	close(pipefd[1]);
	close(fd);
}

TEST(unprivileged_user_with_group_access)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	struct stat sb;
	unsigned int id;
	int root, status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to drop to another user");
	root = go3s_open();
	ASSERT_GE(root, 0);
	ASSERT_EQ(0, go3s_create(root, prog, 1, 0, &id));
	ASSERT_EQ(0, stat(GO3S_DEV, &sb));
	/* The documented opt-in: a group that may open the device. */
	ASSERT_EQ(0, chown(GO3S_DEV, 0, 4242));
	ASSERT_EQ(0, chmod(GO3S_DEV, 0660));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct go3s_status st;
		gid_t g = 4242;
		int fd;

		if (setgroups(1, &g) || setgid(65534) || setuid(65534))
			_exit(10);
		fd = go3s_open();
		if (fd < 0)
			_exit(100 + errno);
		/* Root's coroutine is invisible from this session. */
		if (!go3s_status(fd, id, &st) || errno != ESRCH)
			_exit(12);
		if (go3s_create(fd, prog, 1, 0, &id))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	chmod(GO3S_DEV, sb.st_mode & 07777);
	chown(GO3S_DEV, sb.st_uid, sb.st_gid);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(root);
}

TEST_HARNESS_MAIN
