// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: sleeps (timer.c): they last at least as asked, wake in deadline
 * order, and a resume ends one early.
 */
#include <kunit/test.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"
#include "testing.h"

#define GO3S_T_SLEEPERS	8
#define GO3S_T_LEAD_NS	(200 * NSEC_PER_MSEC)
#define GO3S_T_STEP_NS	(10 * NSEC_PER_MSEC)

struct go3s_t_sleep {
	u64 start;
	atomic_t next;
	int order[GO3S_T_SLEEPERS];
	int idx[GO3S_T_SLEEPERS];
	u64 asked[GO3S_T_SLEEPERS];
	u64 slept[GO3S_T_SLEEPERS];
};

static int go3s_t_sleeper(void *arg)
{
	int *idx = arg;
	struct go3s_t_sleep *s = container_of(idx - *idx, struct go3s_t_sleep,
					      idx[0]);
	u64 t0 = ktime_get_ns();
	u64 deadline = s->start + GO3S_T_LEAD_NS +
		       (GO3S_T_SLEEPERS - *idx) * GO3S_T_STEP_NS;
	int ret;

	/* Aim at a common time line, whenever this one got to run. */
	s->asked[*idx] = deadline > t0 ? deadline - t0 : 0;
	ret = go3s_sleep(s->asked[*idx]);
	s->slept[*idx] = ktime_get_ns() - t0;
	s->order[atomic_inc_return(&s->next) - 1] = *idx;
	return ret;
}

/*
 * All on one CPU, with deadlines on a common time line in reverse index
 * order, GO3S_T_STEP_NS apart and GO3S_T_LEAD_NS ahead of the start: they
 * wake in deadline order, not in the order they armed their timers.
 */
static void go3s_test_sleep_order(struct kunit *test)
{
	struct go3s_t_sleep *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct go3s_co *co[GO3S_T_SLEEPERS];
	int cpu = go3s_test_cpu(2);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < GO3S_T_SLEEPERS; i++) {
		s->idx[i] = i;
		co[i] = go3s_test_spawn(test, go3s_t_sleeper, &s->idx[i], cpu,
					GO3S_SPAWN_SUSPENDED);
	}
	s->start = ktime_get_ns();
	for (i = 0; i < GO3S_T_SLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, go3s_resume(co[i]), 0);
	for (i = 0; i < GO3S_T_SLEEPERS; i++)
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 0);
	for (i = 0; i < GO3S_T_SLEEPERS; i++) {
		KUNIT_EXPECT_EQ(test, s->order[i], GO3S_T_SLEEPERS - 1 - i);
		KUNIT_EXPECT_GE(test, s->slept[i], s->asked[i]);
		/* Armed in time, or the order would prove nothing. */
		KUNIT_EXPECT_GT(test, s->asked[i], 0ULL);
	}
}

static int go3s_t_long_sleeper(void *arg)
{
	return go3s_sleep(3600ULL * NSEC_PER_SEC);
}

static void go3s_test_sleep_resume(struct kunit *test)
{
	struct go3s_co *co;

	co = go3s_test_spawn(test, go3s_t_long_sleeper, NULL,
			     go3s_test_cpu(1), 0);
	KUNIT_EXPECT_TRUE(test, go3s_test_wait_state(co, GO3S_STATE_SUSPENDED));
	KUNIT_EXPECT_EQ(test, go3s_resume(co), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), -EINTR);
}

static struct kunit_case go3s_timer_cases[] = {
	KUNIT_CASE(go3s_test_sleep_order),
	KUNIT_CASE(go3s_test_sleep_resume),
	{}
};

static struct kunit_suite go3s_timer_suite = {
	.name = "go3s_timer",
	.test_cases = go3s_timer_cases,
};

kunit_test_suite(go3s_timer_suite);
