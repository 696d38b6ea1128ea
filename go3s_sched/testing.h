/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the go3s KUnit suites that run real coroutines.
 */
#ifndef _GO3S_TESTING_H
#define _GO3S_TESTING_H

#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/jiffies.h>

#include "sched.h"

/* Generous: TCG with KASAN is slow, and a timeout is a hang, not a tempo. */
#define GO3S_TEST_JOIN_TIMEOUT	(120 * HZ)

/* The @i-th online CPU, wrapping around. */
static inline int go3s_test_cpu(unsigned int i)
{
	unsigned int n = i % num_online_cpus();
	int cpu;

	for_each_online_cpu(cpu)
		if (!n--)
			return cpu;
	return cpumask_first(cpu_online_mask);
}

static inline struct go3s_co *go3s_test_spawn(struct kunit *test,
					      go3s_fn_t fn, void *arg,
					      int cpu, unsigned int flags)
{
	struct go3s_co *co;

	co = go3s_spawn(fn, arg, cpu, GO3S_PRIO_NORMAL, 0, flags);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(co), "spawn: %pe", co);
	return co;
}

/*
 * Join and drop the caller's reference.  A coroutine that does not finish
 * in time is a failure; it is then cancelled and waited for without limit,
 * since it may use memory the test is about to free.
 */
static inline int go3s_test_join_put(struct kunit *test, struct go3s_co *co)
{
	int result = 0x0bad0bad;
	int ret;

	ret = go3s_join(co, GO3S_TEST_JOIN_TIMEOUT, &result);
	if (ret) {
		KUNIT_FAIL(test, "join coroutine %llu: %d (state %d)",
			   go3s_id(co), ret, go3s_state(co));
		go3s_cancel(co);
		while (go3s_join(co, MAX_SCHEDULE_TIMEOUT, &result))
			;
	}
	go3s_put(co);
	return result;
}

/* Wait (bounded) until @co reaches @state. */
static inline bool go3s_test_wait_state(struct go3s_co *co,
					enum go3s_state state)
{
	unsigned long end = jiffies + GO3S_TEST_JOIN_TIMEOUT;

	while (go3s_state(co) != state) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(200, 1000);
	}
	return true;
}

#endif /* _GO3S_TESTING_H */
