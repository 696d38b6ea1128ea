// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the per-CPU registry in spawn.c: spawns and finishes on
 * every CPU at once keep the live count, the ids and the byte charge
 * right; the limit is exact though charged in per-CPU batches; and no two
 * CPUs' registry slots share a cache line.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "testing.h"

#define GO3S_T_SPAWNS	200	/* per thread */
#define GO3S_T_THREADS	8

struct go3s_t_spawner {
	struct kunit *test;
	int other;		/* every fourth coroutine runs there */
	u64 ids[GO3S_T_SPAWNS];
	unsigned int n;
	int err;
	struct completion done;
};

static int go3s_t_yield_body(void *arg)
{
	go3s_yield();
	return 0;
}

/*
 * Spawn in batches of 8 and join them, so coroutines finish on this CPU and
 * on @sp->other while others are spawned.  No KUnit assertion here: this
 * is not the test's thread.
 */
static int go3s_t_spawner_fn(void *arg)
{
	struct go3s_t_spawner *sp = arg;
	struct go3s_co *co[8];
	unsigned int i, j, k;
	int result;

	for (i = 0; i < GO3S_T_SPAWNS && !sp->err; i += k) {
		for (k = 0; k < ARRAY_SIZE(co) && i + k < GO3S_T_SPAWNS; k++) {
			co[k] = go3s_spawn(go3s_t_yield_body, NULL,
					   (i + k) % 4 ? GO3S_CPU_ANY :
					   sp->other, GO3S_PRIO_NORMAL, 0, 0);
			if (IS_ERR(co[k])) {
				sp->err = PTR_ERR(co[k]);
				break;
			}
			sp->ids[sp->n++] = go3s_id(co[k]);
		}
		for (j = 0; j < k; j++) {
			if (go3s_join(co[j], GO3S_TEST_JOIN_TIMEOUT, &result) &&
			    !sp->err)
				sp->err = -ETIMEDOUT;
			go3s_put(co[j]);
		}
	}
	complete(&sp->done);
	return 0;
}

static int go3s_t_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* The finish path drops the live count just after go3s_join() returns. */
static bool go3s_t_wait_live(unsigned int want)
{
	unsigned long end = jiffies + GO3S_TEST_JOIN_TIMEOUT;

	while (go3s_nr_live() != want) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(200, 1000);
	}
	return true;
}

static void go3s_spawn_all_cpus_test(struct kunit *test)
{
	unsigned int live0 = go3s_nr_live(), nr = 0, total = 0, i, t;
	unsigned long bytes0 = go3s_mem_used();
	struct go3s_t_spawner *sp;
	struct task_struct *task;
	u64 *all;
	int cpu;

	sp = kunit_kcalloc(test, GO3S_T_THREADS, sizeof(*sp), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sp);
	/* Two threads per CPU, on up to four CPUs. */
	for (t = 0; t < GO3S_T_THREADS && t < 2 * num_online_cpus(); t++) {
		cpu = go3s_test_cpu(t / 2);
		sp[t].test = test;
		sp[t].other = go3s_test_cpu(t / 2 + 1);
		init_completion(&sp[t].done);
		task = kthread_create_on_cpu(go3s_t_spawner_fn, &sp[t], cpu,
					     "go3s_spawn/%u");
		if (IS_ERR(task)) {
			KUNIT_FAIL(test, "kthread: %pe", task);
			break;
		}
		wake_up_process(task);
		nr++;
	}
	for (t = 0; t < nr; t++) {
		wait_for_completion(&sp[t].done);
		KUNIT_EXPECT_EQ_MSG(test, sp[t].err, 0, "spawner %u", t);
		total += sp[t].n;
	}

	all = kunit_kcalloc(test, total ?: 1, sizeof(*all), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, all);
	for (t = 0, i = 0; t < nr; t++) {
		memcpy(all + i, sp[t].ids, sp[t].n * sizeof(*all));
		i += sp[t].n;
	}
	sort(all, total, sizeof(*all), go3s_t_cmp_u64, NULL);
	for (i = 0; i < total; i++) {
		KUNIT_EXPECT_NE(test, all[i], 0ULL);
		if (i)
			KUNIT_EXPECT_NE_MSG(test, all[i], all[i - 1],
					    "id %llu given twice", all[i]);
	}
	KUNIT_EXPECT_EQ(test, total, nr * GO3S_T_SPAWNS);

	KUNIT_EXPECT_TRUE_MSG(test, go3s_t_wait_live(live0),
			      "live %u, was %u", go3s_nr_live(), live0);
	KUNIT_EXPECT_EQ(test, go3s_mem_used(), bytes0);
}

/*
 * Charged in per-CPU batches, the limit still holds exactly when nothing
 * else charges: all that is left fits, a byte more does not.
 */
static void go3s_spawn_limit_exact_test(struct kunit *test)
{
	unsigned long limit = go3s_mem_limit(), used, left;

	/* Leave reserves behind on every CPU first. */
	KUNIT_ASSERT_EQ(test, go3s_mem_charge(PAGE_SIZE), 0);
	go3s_mem_uncharge(PAGE_SIZE);
	used = go3s_mem_used();
	KUNIT_ASSERT_LT(test, used, limit);
	left = limit - used;

	KUNIT_EXPECT_EQ(test, go3s_mem_charge(left + 1), -ENOMEM);
	KUNIT_EXPECT_EQ(test, go3s_mem_used(), used);
	KUNIT_ASSERT_EQ(test, go3s_mem_charge(left), 0);
	KUNIT_EXPECT_EQ(test, go3s_mem_used(), limit);
	KUNIT_EXPECT_EQ(test, go3s_mem_charge(1), -ENOMEM);
	KUNIT_EXPECT_EQ(test, PTR_ERR(go3s_spawn(go3s_t_yield_body, NULL,
						 GO3S_CPU_ANY,
						 GO3S_PRIO_NORMAL, 0, 0)),
			(long)-ENOMEM);
	go3s_mem_uncharge(left);
	KUNIT_EXPECT_EQ(test, go3s_mem_used(), used);
}

/* Registry slots: cache-line aligned and sized, so no two CPUs share. */
static void go3s_spawn_slots_apart_test(struct kunit *test)
{
	unsigned long a, b;
	size_t alen, blen;
	int i, j;

	for_each_possible_cpu(i) {
		KUNIT_EXPECT_TRUE_MSG(test, go3s_registry_span(i, &a, &alen),
				      "cpu %d slot %lx+%zu", i, a, alen);
		for_each_possible_cpu(j) {
			if (j <= i)
				continue;
			go3s_registry_span(j, &b, &blen);
			KUNIT_EXPECT_TRUE_MSG(test,
					      a + alen <= b || b + blen <= a,
					      "cpus %d and %d overlap", i, j);
		}
	}
}

static struct kunit_case go3s_spawn_cases[] = {
	KUNIT_CASE_SLOW(go3s_spawn_all_cpus_test),
	KUNIT_CASE(go3s_spawn_limit_exact_test),
	KUNIT_CASE(go3s_spawn_slots_apart_test),
	{}
};

static struct kunit_suite go3s_spawn_suite = {
	.name = "go3s_spawn",
	.test_cases = go3s_spawn_cases,
};

kunit_test_suite(go3s_spawn_suite);
