// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: coroutine stacks (stack.c): size rules, the canary caught at
 * switch-out with only the guilty coroutine failed, the high-water mark,
 * and churn served from the per-CPU cache.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"
#include "testing.h"

static void go3s_test_stack_size(struct kunit *test)
{
	size_t scale = IS_ENABLED(CONFIG_KASAN) ? 2 : 1;

	KUNIT_EXPECT_EQ(test, go3s_stack_size(0), GO3S_STACK_DEFAULT * scale);
	KUNIT_EXPECT_EQ(test, go3s_stack_size(GO3S_STACK_MIN),
			GO3S_STACK_MIN * scale);
	KUNIT_EXPECT_EQ(test, go3s_stack_size(GO3S_STACK_MIN + 1),
			(GO3S_STACK_MIN + PAGE_SIZE) * scale);
	KUNIT_EXPECT_EQ(test, go3s_stack_size(GO3S_STACK_MIN - 1), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_stack_size(GO3S_STACK_MAX + 1), 0UL);
}

/* A body that overruns: it clobbers its own canary, then yields. */
static int go3s_t_overrun(void *arg)
{
	atomic_t *after = arg;
	struct go3s_co *self = go3s_current();

	*(unsigned long *)self->stack = 0;
	go3s_yield();
	atomic_set(after, 1);		/* never reached */
	return 0;
}

static int go3s_t_ret(void *arg)
{
	return (long)arg;
}

static void go3s_test_stack_canary(struct kunit *test)
{
	atomic_t *after = kunit_kzalloc(test, sizeof(*after), GFP_KERNEL);
	int cpu = go3s_test_cpu(1);
	struct go3s_sched_stats before, now;
	struct go3s_co *co, *ok;

	KUNIT_ASSERT_NOT_NULL(test, after);
	go3s_sched_stats_read(cpu, &before);
	co = go3s_test_spawn(test, go3s_t_overrun, after, cpu, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(co)), -EFAULT);
	KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_CANCELLED);
	KUNIT_EXPECT_EQ(test, atomic_read(after), 0);
	go3s_put(co);
	go3s_sched_stats_read(cpu, &now);
	KUNIT_EXPECT_EQ(test, now.canary_failures, before.canary_failures + 1);

	/* The scheduler of that CPU goes on. */
	ok = go3s_test_spawn(test, go3s_t_ret, (void *)9L, cpu, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, ok), 9);
}

/* A body that overruns and returns at once: the canary is found at exit. */
static int go3s_t_overrun_exit(void *arg)
{
	*(unsigned long *)go3s_current()->stack = 0;
	return 5;
}

/*
 * A canary failure found when the body returns is a failure, not a
 * completion: CANCELLED with -EFAULT, never COMPLETING with the body's
 * result (issue 8, defect 10).
 */
static void go3s_test_stack_canary_exit(struct kunit *test)
{
	int cpu = go3s_test_cpu(1);
	struct go3s_sched_stats before, now;
	struct go3s_co_info info;
	struct go3s_co *co;

	go3s_sched_stats_read(cpu, &before);
	co = go3s_test_spawn(test, go3s_t_overrun_exit, NULL, cpu, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(co)), -EFAULT);
	KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_CANCELLED);
	go3s_co_info_get(co, &info);
	KUNIT_EXPECT_TRUE(test, info.finished);
	KUNIT_EXPECT_EQ(test, info.state, (u32)GO3S_STATE_CANCELLED);
	KUNIT_EXPECT_EQ(test, info.result, -EFAULT);
	go3s_put(co);
	go3s_sched_stats_read(cpu, &now);
	KUNIT_EXPECT_EQ(test, now.canary_failures, before.canary_failures + 1);
}

static noinline int go3s_t_deep(int depth)
{
	u8 buf[640];

	memset(buf, depth, sizeof(buf));
	barrier_data(buf);
	if (depth > 1)
		return go3s_t_deep(depth - 1) + buf[depth];
	return buf[sizeof(buf) - 1];
}

static int go3s_t_deep_body(void *arg)
{
	return go3s_t_deep(8) ? 0 : -1;
}

static void go3s_test_stack_hwm(struct kunit *test)
{
	struct go3s_co_info info;
	struct go3s_co *deep, *flat;

	deep = go3s_test_spawn(test, go3s_t_deep_body, NULL, GO3S_CPU_ANY, 0);
	flat = go3s_test_spawn(test, go3s_t_ret, NULL, GO3S_CPU_ANY, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(deep)), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(flat)), 0);
	go3s_co_info_get(deep, &info);
	KUNIT_EXPECT_TRUE(test, info.finished);
	KUNIT_EXPECT_EQ(test, info.state, (u32)GO3S_STATE_COMPLETING);
	KUNIT_EXPECT_EQ(test, info.stack_hwm, deep->stack_hwm);
	KUNIT_EXPECT_GE(test, info.switches, 1ULL);
	KUNIT_EXPECT_GE(test, deep->stack_hwm, 4 * 1024U);
	KUNIT_EXPECT_LT(test, deep->stack_hwm, deep->stack_size);
	KUNIT_EXPECT_GT(test, flat->stack_hwm, 0U);
	KUNIT_EXPECT_LT(test, flat->stack_hwm, deep->stack_hwm);
	kunit_info(test, "high-water marks: %u and %u bytes of %u\n",
		   deep->stack_hwm, flat->stack_hwm, deep->stack_size);
	go3s_put(deep);
	go3s_put(flat);
}

/*
 * Churn from inside a coroutine: spawning there is atomic, so only the
 * per-CPU cache can serve it, and each child finishes (pushing its stack
 * back) before the next is spawned.  The cache is LIFO, but its refill
 * worker may push fresh stacks at any time, so a child need not get its
 * predecessor's stack: what must hold is that the 300 children ran on a
 * few recycled stacks, at most what the cache holds plus one refill, not
 * on 300 new ones.
 */
#define GO3S_T_CHURN		300
#define GO3S_T_CHURN_DISTINCT	(2 * GO3S_STACK_CACHE)

struct go3s_t_churn {
	void *seen[GO3S_T_CHURN_DISTINCT + 1];
	int distinct;
	int spawned;
	int err;
};

static int go3s_t_churn_child(void *arg)
{
	struct go3s_t_churn *c = arg;
	void *stack = go3s_current()->stack;
	int i;

	for (i = 0; i < c->distinct; i++)
		if (c->seen[i] == stack)
			return 0;
	if (c->distinct < ARRAY_SIZE(c->seen))
		c->seen[c->distinct] = stack;
	c->distinct++;
	return 0;
}

static int go3s_t_churn_parent(void *arg)
{
	struct go3s_t_churn *c = arg;
	struct go3s_co *child;
	int i;

	for (i = 0; i < GO3S_T_CHURN; i++) {
		child = go3s_spawn(go3s_t_churn_child, c, GO3S_CPU_ANY,
				   GO3S_PRIO_HIGH, 0, GO3S_SPAWN_SUSPENDED);
		if (IS_ERR(child)) {
			c->err = PTR_ERR(child);
			break;
		}
		c->spawned++;
		go3s_resume(child);
		/* Acquire; partner: the release in go3s_co_finish(). */
		while (!smp_load_acquire(&child->done))
			go3s_yield();
		go3s_put(child);
	}
	return 0;
}

static void go3s_test_stack_cache_churn(struct kunit *test)
{
	struct go3s_t_churn *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct go3s_co *co;

	KUNIT_ASSERT_NOT_NULL(test, c);
	co = go3s_test_spawn(test, go3s_t_churn_parent, c, go3s_test_cpu(1), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), 0);
	KUNIT_EXPECT_EQ(test, c->err, 0);
	KUNIT_EXPECT_EQ(test, c->spawned, GO3S_T_CHURN);
	KUNIT_EXPECT_GE(test, c->distinct, 1);
	KUNIT_EXPECT_LE(test, c->distinct, GO3S_T_CHURN_DISTINCT);
	KUNIT_EXPECT_GT(test, go3s_stack_cached(go3s_test_cpu(1)), 0U);
}

static struct kunit_case go3s_stack_cases[] = {
	KUNIT_CASE(go3s_test_stack_size),
	KUNIT_CASE(go3s_test_stack_canary),
	KUNIT_CASE(go3s_test_stack_canary_exit),
	KUNIT_CASE(go3s_test_stack_hwm),
	KUNIT_CASE(go3s_test_stack_cache_churn),
	{}
};

static struct kunit_suite go3s_stack_suite = {
	.name = "go3s_stack",
	.test_cases = go3s_stack_cases,
};

kunit_test_suite(go3s_stack_suite);
