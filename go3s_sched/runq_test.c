// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: run queues (runq.c) on a private queue and stand-in coroutines:
 * FIFO order across ring and overflow, priority order, run-next, the
 * fairness rule, and the requeue-and-pop of a yield.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

#define GO3S_TEST_NR	(3 * GO3S_RUNQ_RING)

struct go3s_runq_fixture {
	struct go3s_runq rq;
	struct go3s_co co[GO3S_TEST_NR];
};

static void go3s_runq_fixture_free(void *rq)
{
	struct go3s_runq *q = rq;

	/* Tests may leave entries behind: empty it first. */
	q->runnext = NULL;
	while (go3s_runq_pop(q))
		;
	go3s_runq_destroy(q);
}

static struct go3s_runq_fixture *go3s_runq_fixture(struct kunit *test)
{
	struct go3s_runq_fixture *f;
	int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, go3s_runq_init(&f->rq, NUMA_NO_NODE), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							go3s_runq_fixture_free,
							&f->rq), 0);
	for (i = 0; i < GO3S_TEST_NR; i++) {
		f->co[i].id = i;
		f->co[i].prio = GO3S_PRIO_NORMAL;
		INIT_LIST_HEAD(&f->co[i].rq_node);
	}
	return f;
}

/* More than the ring holds: FIFO across ring and overflow, twice round. */
static void go3s_test_runq_fifo_capacity(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_co *co;
	int i, round;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < GO3S_TEST_NR; i++)
			go3s_runq_push(&f->rq, &f->co[i]);
		KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), GO3S_TEST_NR);
		KUNIT_EXPECT_EQ(test, f->rq.level[GO3S_PRIO_NORMAL].nr_ring,
				GO3S_RUNQ_RING);
		for (i = 0; i < GO3S_TEST_NR; i++) {
			co = go3s_runq_pop(&f->rq);
			KUNIT_ASSERT_NOT_NULL(test, co);
			KUNIT_EXPECT_EQ(test, co->id, (u64)i);
			/* Interleave: pushes while draining keep FIFO order. */
			if (i == 10)
				go3s_runq_push(&f->rq, &f->co[0]);
		}
		co = go3s_runq_pop(&f->rq);
		KUNIT_EXPECT_PTR_EQ(test, co, &f->co[0]);
		KUNIT_EXPECT_NULL(test, go3s_runq_pop(&f->rq));
		KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
	}
}

/* Higher levels first (within the unfair picks), FIFO within a level. */
static void go3s_test_runq_priority(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	static const u8 prio[] = { 2, 1, 0, 2, 1, 0 };
	static const u64 want[] = { 2, 5, 1 };
	int i;

	for (i = 0; i < ARRAY_SIZE(prio); i++) {
		f->co[i].prio = prio[i];
		go3s_runq_push(&f->rq, &f->co[i]);
	}
	/* Picks 1-3 are strict: both HIGH, then the first NORMAL. */
	for (i = 0; i < ARRAY_SIZE(want); i++)
		KUNIT_EXPECT_EQ(test, go3s_runq_pop(&f->rq)->id, want[i]);
	/* Pick 4 is a NORMAL-first pick. */
	KUNIT_EXPECT_EQ(test, go3s_runq_pop(&f->rq)->id, 4ULL);
	KUNIT_EXPECT_EQ(test, go3s_runq_pop(&f->rq)->id, 0ULL);
	KUNIT_EXPECT_EQ(test, go3s_runq_pop(&f->rq)->id, 3ULL);
	KUNIT_EXPECT_NULL(test, go3s_runq_pop(&f->rq));
}

/* Run-next beats the queue; a displaced run-next goes to the tail. */
static void go3s_test_runq_runnext(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);

	go3s_runq_push(&f->rq, &f->co[0]);
	go3s_runq_push_next(&f->rq, &f->co[1]);
	go3s_runq_push_next(&f->rq, &f->co[2]);
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), 3U);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_pop(&f->rq), &f->co[2]);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_pop(&f->rq), &f->co[0]);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_pop(&f->rq), &f->co[1]);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
}

/*
 * With HIGH never empty, LOW and NORMAL still get their fixed shares:
 * exactly one pick in GO3S_FAIR_LOW for LOW, and NORMAL on the other
 * GO3S_FAIR_NORMAL-th picks.
 */
static void go3s_test_runq_fairness(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	unsigned int picks[GO3S_NR_PRIO] = {};
	const unsigned int n = 32 * GO3S_FAIR_LOW;
	struct go3s_co *co;
	unsigned int i;

	for (i = 0; i < 3 * 64; i++) {
		f->co[i].prio = i % 3;
		go3s_runq_push(&f->rq, &f->co[i]);
	}
	for (i = 0; i < n; i++) {
		co = go3s_runq_pop(&f->rq);
		KUNIT_ASSERT_NOT_NULL(test, co);
		picks[co->prio]++;
		go3s_runq_push(&f->rq, co);	/* keep every level busy */
	}
	KUNIT_EXPECT_EQ(test, picks[GO3S_PRIO_LOW], n / GO3S_FAIR_LOW);
	KUNIT_EXPECT_EQ(test, picks[GO3S_PRIO_NORMAL],
			n / GO3S_FAIR_NORMAL - n / GO3S_FAIR_LOW);
	KUNIT_EXPECT_EQ(test, picks[GO3S_PRIO_HIGH],
			n - n / GO3S_FAIR_NORMAL);
}

/*
 * go3s_runq_yield() picks what go3s_runq_push() then go3s_runq_pop()
 * would, on its one-lock path and off it (run-next set, a busier level
 * ahead): two queues fed alike agree pick for pick.
 */
static void go3s_test_runq_yield(struct kunit *test)
{
	struct go3s_runq_fixture *a = go3s_runq_fixture(test);
	struct go3s_runq_fixture *b = go3s_runq_fixture(test);
	struct go3s_co *ca, *cb;
	unsigned int i;

	for (i = 0; i < 3 * 8; i++) {
		a->co[i].prio = i % 3;
		b->co[i].prio = i % 3;
		go3s_runq_push(&a->rq, &a->co[i]);
		go3s_runq_push(&b->rq, &b->co[i]);
	}
	ca = go3s_runq_pop(&a->rq);
	cb = go3s_runq_pop(&b->rq);
	for (i = 0; i < 8 * GO3S_FAIR_LOW; i++) {
		KUNIT_ASSERT_NOT_NULL(test, ca);
		KUNIT_ASSERT_NOT_NULL(test, cb);
		KUNIT_EXPECT_EQ(test, ca->id, cb->id);
		if (i % 4 == 1) {
			go3s_runq_push_next(&a->rq, &a->co[100 + i]);
			go3s_runq_push_next(&b->rq, &b->co[100 + i]);
		}
		if (i % 5 == 0) {
			/* It suspended: not requeued. */
			ca = go3s_runq_pop(&a->rq);
			cb = go3s_runq_pop(&b->rq);
			continue;
		}
		ca = go3s_runq_yield(&a->rq, ca);
		go3s_runq_push(&b->rq, cb);
		cb = go3s_runq_pop(&b->rq);
	}
	KUNIT_EXPECT_EQ(test, a->rq.tick, b->rq.tick);
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&a->rq), go3s_runq_len(&b->rq));

	/* Alone on its queue, it gets itself back. */
	a->rq.runnext = NULL;
	while (go3s_runq_pop(&a->rq))
		;
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_yield(&a->rq, &a->co[0]),
			    &a->co[0]);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&a->rq));
}

static struct kunit_case go3s_runq_cases[] = {
	KUNIT_CASE(go3s_test_runq_fifo_capacity),
	KUNIT_CASE(go3s_test_runq_priority),
	KUNIT_CASE(go3s_test_runq_runnext),
	KUNIT_CASE(go3s_test_runq_fairness),
	KUNIT_CASE(go3s_test_runq_yield),
	{}
};

static struct kunit_suite go3s_runq_suite = {
	.name = "go3s_runq",
	.test_cases = go3s_runq_cases,
};

kunit_test_suite(go3s_runq_suite);
