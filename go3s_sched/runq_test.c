// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: run queues (runq.c) on private queues and stand-in coroutines:
 * FIFO order across ring, overflow and pinned FIFO, past 2^32 too;
 * priority order, run-next, the fairness rule, the requeue-and-pop of a
 * yield, remote pushes, stealing half and never a pinned coroutine; and an
 * owner, thieves and remote pushers (threads and hard interrupts) on every
 * CPU at once, counting every item out exactly once.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

#define GO3S_TEST_NR	(3 * GO3S_RUNQ_RING)

struct go3s_runq_fixture {
	struct go3s_runq rq;
	struct go3s_co co[GO3S_TEST_NR];
};

/* Empty @rq (the owner's pops) and free it; tests may leave entries. */
static void go3s_runq_free(void *rq)
{
	struct go3s_runq *q = rq;

	q->runnext = NULL;
	while (go3s_runq_pop(q))
		;
	go3s_runq_destroy(q);
}

static int go3s_runq_test_init(struct kunit *test, struct go3s_runq *rq)
{
	int err = go3s_runq_init(rq, NUMA_NO_NODE);

	if (err)
		return err;
	return kunit_add_action_or_reset(test, go3s_runq_free, rq);
}

static struct go3s_runq_fixture *go3s_runq_fixture(struct kunit *test)
{
	struct go3s_runq_fixture *f;
	int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, go3s_runq_test_init(test, &f->rq), 0);
	for (i = 0; i < GO3S_TEST_NR; i++) {
		f->co[i].id = i;
		f->co[i].prio = GO3S_PRIO_NORMAL;
		f->co[i].movable = 1;
		INIT_LIST_HEAD(&f->co[i].rq_node);
	}
	return f;
}

/* Entries in the ring of @l (the test is its owner). */
static u32 go3s_runq_ring_len(struct go3s_runq_level *l)
{
	return l->tail - l->head;
}

/* Start every ring of @rq at position @pos and every stamp at @seq. */
static void go3s_runq_set_pos(struct go3s_runq *rq, u32 pos, u32 seq)
{
	int i;

	for (i = 0; i < GO3S_NR_PRIO; i++) {
		rq->level[i].head = pos;
		rq->level[i].tail = pos;
		rq->level[i].seq = seq;
	}
}

/* Pop @n coroutines and expect ids @first, @first + 1, ... */
static void go3s_runq_expect_ids(struct kunit *test, struct go3s_runq *rq,
				 u64 first, unsigned int n)
{
	struct go3s_co *co;
	unsigned int i;

	for (i = 0; i < n; i++) {
		co = go3s_runq_pop(rq);
		KUNIT_ASSERT_NOT_NULL_MSG(test, co, "pop %u of %u", i, n);
		KUNIT_ASSERT_EQ(test, co->id, first + i);
	}
}

/* More than the ring holds: FIFO across ring and overflow, twice round. */
static void go3s_test_runq_fifo_capacity(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_level *l = &f->rq.level[GO3S_PRIO_NORMAL];
	struct go3s_co *co;
	int i, round;

	for (round = 0; round < 2; round++) {
		for (i = 0; i < GO3S_TEST_NR; i++)
			go3s_runq_push(&f->rq, &f->co[i]);
		KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), GO3S_TEST_NR);
		KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), GO3S_RUNQ_RING);
		KUNIT_EXPECT_EQ(test, l->nr_overflow,
				GO3S_TEST_NR - GO3S_RUNQ_RING);
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

/*
 * The overflow: a push goes there while it is not empty, even with room
 * in the ring, and the ring refills from it only once it runs dry.
 */
static void go3s_test_runq_overflow(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_level *l = &f->rq.level[GO3S_PRIO_NORMAL];
	int i;

	for (i = 0; i < GO3S_RUNQ_RING + 100; i++)
		go3s_runq_push(&f->rq, &f->co[i]);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), GO3S_RUNQ_RING);
	KUNIT_EXPECT_EQ(test, l->nr_overflow, 100U);
	go3s_runq_expect_ids(test, &f->rq, 0, 10);
	/* Room in the ring, but older entries on the overflow. */
	for (; i < GO3S_RUNQ_RING + 200; i++)
		go3s_runq_push(&f->rq, &f->co[i]);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), GO3S_RUNQ_RING - 10);
	KUNIT_EXPECT_EQ(test, l->nr_overflow, 200U);
	go3s_runq_expect_ids(test, &f->rq, 10, GO3S_RUNQ_RING - 10);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), 0U);
	/* Dry: the next pop moves the overflow's head into the ring. */
	go3s_runq_expect_ids(test, &f->rq, GO3S_RUNQ_RING, 1);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), 199U);
	KUNIT_EXPECT_EQ(test, l->nr_overflow, 0U);
	/* An empty overflow: pushes use the ring again. */
	go3s_runq_push(&f->rq, &f->co[i]);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), 200U);
	go3s_runq_expect_ids(test, &f->rq, GO3S_RUNQ_RING + 1, 200);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
}

/*
 * Pinned and movable coroutines on one level come out in push order, the
 * movable ones through ring and overflow, with the FIFO stamps wrapping
 * round 2^32 on the way.
 */
static void go3s_test_runq_pinned_fifo(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_level *l = &f->rq.level[GO3S_PRIO_NORMAL];
	int i;

	go3s_runq_set_pos(&f->rq, 0, U32_MAX - 100);
	for (i = 0; i < GO3S_TEST_NR; i++) {
		f->co[i].movable = i % 3 != 0;
		go3s_runq_push(&f->rq, &f->co[i]);
	}
	KUNIT_EXPECT_EQ(test, l->nr_pinned, GO3S_TEST_NR / 3);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), GO3S_RUNQ_RING);
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), GO3S_TEST_NR);
	go3s_runq_expect_ids(test, &f->rq, 0, 100);
	/* Back at the tail: behind everything, in the order pushed. */
	for (i = 0; i < 100; i++)
		go3s_runq_push(&f->rq, &f->co[i]);
	go3s_runq_expect_ids(test, &f->rq, 100, GO3S_TEST_NR - 100);
	go3s_runq_expect_ids(test, &f->rq, 0, 100);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
}

/* Head and tail start just below 2^32: FIFO and lengths hold across. */
static void go3s_test_runq_wrap(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_fixture *g = go3s_runq_fixture(test);
	struct go3s_runq_level *l = &f->rq.level[GO3S_PRIO_NORMAL];
	struct go3s_co *co;
	unsigned int nr;
	int i;

	go3s_runq_set_pos(&f->rq, U32_MAX - 100, 0);
	go3s_runq_set_pos(&g->rq, U32_MAX - 10, 0);
	for (i = 0; i < GO3S_TEST_NR; i++)
		go3s_runq_push(&f->rq, &f->co[i]);
	KUNIT_EXPECT_EQ(test, go3s_runq_ring_len(l), GO3S_RUNQ_RING);
	KUNIT_EXPECT_LT(test, l->tail, l->head);	/* wrapped */
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), GO3S_TEST_NR);
	go3s_runq_expect_ids(test, &f->rq, 0, 50);
	/* A thief whose ring wraps too takes half the ring, 103. */
	co = go3s_runq_steal(&g->rq, &f->rq, &nr);
	KUNIT_ASSERT_NOT_NULL(test, co);
	KUNIT_EXPECT_EQ(test, nr, 103U);
	KUNIT_EXPECT_EQ(test, co->id, 50ULL + nr - 1);
	go3s_runq_expect_ids(test, &g->rq, 50, nr - 1);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&g->rq));
	/* The victim goes on: its ring, then the refill from the overflow. */
	go3s_runq_expect_ids(test, &f->rq, 50 + nr, GO3S_TEST_NR - 50 - nr);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
	KUNIT_EXPECT_LT(test, l->head, 1000U);
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
		/* Priority order does not depend on where a level keeps it. */
		f->co[i].movable = i & 1;
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
 * would, on its shortcut and off it (run-next set, a busier level ahead,
 * pinned coroutines): two queues fed alike agree pick for pick.
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
		a->co[i].movable = i % 4 != 0;
		b->co[i].movable = i % 4 != 0;
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
	/* A remote wakeup is not lost on the shortcut, nor overtaken. */
	go3s_runq_push_remote(&a->rq, &a->co[1]);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_yield(&a->rq, &a->co[4]),
			    &a->co[1]);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_pop(&a->rq), &a->co[4]);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&a->rq));
}

/*
 * Remote pushes come in at the owner's next push or pick, in the order
 * they were made, each to its level and its FIFO (ring or pinned).
 */
static void go3s_test_runq_remote(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);

	f->co[2].movable = 0;
	f->co[4].prio = GO3S_PRIO_HIGH;
	go3s_runq_push(&f->rq, &f->co[0]);
	KUNIT_EXPECT_TRUE(test, go3s_runq_push_remote(&f->rq, &f->co[1]));
	KUNIT_EXPECT_FALSE(test, go3s_runq_push_remote(&f->rq, &f->co[2]));
	KUNIT_EXPECT_FALSE(test, go3s_runq_push_remote(&f->rq, &f->co[3]));
	KUNIT_EXPECT_FALSE(test, go3s_runq_push_remote(&f->rq, &f->co[4]));
	/* The remote list counts as one until the owner takes it. */
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), 2U);
	KUNIT_EXPECT_FALSE(test, go3s_runq_empty(&f->rq));
	/* Behind the remote ones. */
	go3s_runq_push(&f->rq, &f->co[5]);
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), 6U);
	KUNIT_EXPECT_EQ(test, f->rq.level[GO3S_PRIO_NORMAL].nr_pinned, 1U);
	KUNIT_EXPECT_EQ(test, go3s_runq_pop(&f->rq)->id, 4ULL);
	go3s_runq_expect_ids(test, &f->rq, 0, 4);
	/* A pick takes them too. */
	KUNIT_EXPECT_TRUE(test, go3s_runq_push_remote(&f->rq, &f->co[6]));
	KUNIT_EXPECT_FALSE(test, go3s_runq_push_remote(&f->rq, &f->co[7]));
	go3s_runq_expect_ids(test, &f->rq, 5, 3);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
}

/*
 * A thief takes n - n / 2 of a victim's n ring entries, the oldest, and
 * runs the newest of them; both queues keep the rest in order.
 */
static void go3s_test_runq_steal_half(struct kunit *test)
{
	static const unsigned int sizes[] = { 1, 2, 3, 7, 128, 255, 256 };
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_fixture *g = go3s_runq_fixture(test);
	unsigned long steals = 0;
	unsigned int i, n, want, nr;
	struct go3s_co *co;

	KUNIT_EXPECT_NULL(test, go3s_runq_steal(&g->rq, &f->rq, &nr));
	KUNIT_EXPECT_EQ(test, nr, 0U);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		n = sizes[i];
		want = n - n / 2;
		go3s_runq_set_pos(&f->rq, i * 1000, 0);
		for (nr = 0; nr < n; nr++)
			go3s_runq_push(&f->rq, &f->co[nr]);
		co = go3s_runq_steal(&g->rq, &f->rq, &nr);
		KUNIT_ASSERT_NOT_NULL(test, co);
		KUNIT_EXPECT_EQ(test, nr, want);
		KUNIT_EXPECT_EQ(test, co->id, (u64)want - 1);
		steals += want;
		KUNIT_EXPECT_EQ(test, g->rq.steals, steals);
		KUNIT_EXPECT_EQ(test, go3s_runq_len(&g->rq), want - 1);
		KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), n / 2);
		go3s_runq_expect_ids(test, &g->rq, 0, want - 1);
		go3s_runq_expect_ids(test, &f->rq, want, n / 2);
		KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
		KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&g->rq));
	}
	/* Highest level first, other levels untouched. */
	f->co[0].prio = GO3S_PRIO_LOW;
	f->co[1].prio = GO3S_PRIO_HIGH;
	go3s_runq_push(&f->rq, &f->co[0]);
	go3s_runq_push(&f->rq, &f->co[1]);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_steal(&g->rq, &f->rq, &nr),
			    &f->co[1]);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_steal(&g->rq, &f->rq, &nr),
			    &f->co[0]);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
}

/* With the ring dry, a thief takes half the overflow, at most half a ring. */
static void go3s_test_runq_steal_overflow(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_fixture *g = go3s_runq_fixture(test);
	struct go3s_runq_level *l = &f->rq.level[GO3S_PRIO_NORMAL];
	const unsigned int half = GO3S_RUNQ_RING / 2;
	struct go3s_co *co;
	unsigned int i, nr;

	for (i = 0; i < GO3S_RUNQ_RING + 300; i++)
		go3s_runq_push(&f->rq, &f->co[i]);
	go3s_runq_expect_ids(test, &f->rq, 0, GO3S_RUNQ_RING);
	KUNIT_EXPECT_EQ(test, l->nr_overflow, 300U);
	co = go3s_runq_steal(&g->rq, &f->rq, &nr);
	KUNIT_ASSERT_NOT_NULL(test, co);
	KUNIT_EXPECT_EQ(test, nr, half);
	KUNIT_EXPECT_EQ(test, co->id, (u64)GO3S_RUNQ_RING + half - 1);
	KUNIT_EXPECT_EQ(test, l->nr_overflow, 300U - half);
	go3s_runq_expect_ids(test, &g->rq, GO3S_RUNQ_RING, half - 1);
	go3s_runq_expect_ids(test, &f->rq, GO3S_RUNQ_RING + half, 300 - half);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&f->rq));
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&g->rq));
}

/* Pinned coroutines never move; run-next neither. */
static void go3s_test_runq_steal_pinned(struct kunit *test)
{
	struct go3s_runq_fixture *f = go3s_runq_fixture(test);
	struct go3s_runq_fixture *g = go3s_runq_fixture(test);
	struct go3s_co *co;
	unsigned int i, nr;

	for (i = 0; i < 20; i++) {
		f->co[i].movable = i & 1;
		/* Half of them pinned, on every level. */
		f->co[i].prio = (i / 2) % GO3S_NR_PRIO;
		go3s_runq_push(&f->rq, &f->co[i]);
	}
	go3s_runq_push_next(&f->rq, &f->co[21]);
	for (;;) {
		co = go3s_runq_steal(&g->rq, &f->rq, &nr);
		if (!co)
			break;
		KUNIT_EXPECT_TRUE(test, co->movable);
		while ((co = go3s_runq_pop(&g->rq)))
			KUNIT_EXPECT_TRUE(test, co->movable);
	}
	KUNIT_EXPECT_EQ(test, g->rq.steals, 10UL);
	KUNIT_EXPECT_EQ(test, go3s_runq_len(&f->rq), 11U);
	KUNIT_EXPECT_PTR_EQ(test, go3s_runq_pop(&f->rq), &f->co[21]);
	while ((co = go3s_runq_pop(&f->rq)))
		KUNIT_EXPECT_FALSE(test, co->movable);
}

/*
 * Everything at once, for real: one owner thread, bound to a CPU, pops
 * and pushes (ring, run-next, yields) and wakes through a hard interrupt
 * of its own CPU; a thief on every other CPU steals, runs what it stole
 * and pushes it back from its thread or its own hard interrupts (irq_work)
 * through the remote list.  Each pass through a queue carries a fresh item
 * number; every item must come out exactly once.
 */
#define GO3S_STRESS_ITEMS	200000
#define GO3S_STRESS_COS		(4 * GO3S_RUNQ_RING)
#define GO3S_STRESS_BATCH	64

struct go3s_stress;

struct go3s_stress_cpu {
	struct go3s_stress *st;
	struct task_struct *task;
	struct completion started;
	struct irq_work iw;
	struct llist_head stash;	/* for iw to push, by wake_node */
	unsigned int nr;
	bool has_dst;
	struct go3s_runq dst;		/* a thief's own queue */
};

struct go3s_stress {
	struct go3s_runq rq;		/* the owner's, the victim */
	struct go3s_co *co;
	atomic_t *hits;			/* per item */
	atomic_t next;			/* items handed out */
	atomic_t consumed;
	atomic_t retired;
	atomic_t bad;
	atomic_t pinned_stolen;
	atomic_t thieves_left;
	struct completion go;
	unsigned int nr_cpus;
	struct go3s_stress_cpu cpu[];
};

/* Give @co the next item; false (and it retires) once all are out. */
static bool go3s_stress_issue(struct go3s_stress *st, struct go3s_co *co)
{
	int item = atomic_inc_return(&st->next) - 1;

	if (item >= GO3S_STRESS_ITEMS) {
		atomic_inc(&st->retired);
		return false;
	}
	co->id = item;
	return true;
}

static void go3s_stress_consume(struct go3s_stress *st, struct go3s_co *co,
				bool stolen)
{
	if (stolen && !co->movable)
		atomic_inc(&st->pinned_stolen);
	if (co->id < GO3S_STRESS_ITEMS)
		atomic_inc(&st->hits[co->id]);
	else
		atomic_inc(&st->bad);
	atomic_inc(&st->consumed);
}

/* Hard interrupt: push what the thread left for it, remotely. */
static void go3s_stress_irq(struct irq_work *iw)
{
	struct go3s_stress_cpu *c = container_of(iw, struct go3s_stress_cpu,
						 iw);
	struct llist_node *batch = llist_del_all(&c->stash);
	struct go3s_co *co, *next;

	/* _safe: the push reuses wake_node. */
	llist_for_each_entry_safe(co, next, batch, wake_node)
		go3s_runq_push_remote(&c->st->rq, co);
}

static void go3s_stress_stash(struct go3s_stress_cpu *c, struct go3s_co *co)
{
	llist_add(&co->wake_node, &c->stash);
	irq_work_queue(&c->iw);
}

/* The owner: a batch of pops, each item requeued one way or another. */
static void go3s_stress_owner_round(struct go3s_stress_cpu *c)
{
	struct go3s_stress *st = c->st;
	struct go3s_runq *rq = &st->rq;
	struct go3s_co *co = NULL;
	unsigned int n;

	local_bh_disable();
	for (n = 0; n < GO3S_STRESS_BATCH; n++) {
		if (!co)
			co = go3s_runq_pop(rq);
		if (!co)
			break;
		go3s_stress_consume(st, co, false);
		if (!go3s_stress_issue(st, co)) {
			co = NULL;
			continue;
		}
		switch (c->nr++ % 8) {
		case 0:
			go3s_runq_push_next(rq, co);
			co = NULL;
			break;
		case 1:
			go3s_stress_stash(c, co);
			co = NULL;
			break;
		case 2:
			/* Its pick comes off the queue: consumed next. */
			co = go3s_runq_yield(rq, co);
			break;
		default:
			go3s_runq_push(rq, co);
			co = NULL;
			break;
		}
	}
	/* A yield's pick not consumed yet: its item stays as it is. */
	if (co)
		go3s_runq_push(rq, co);
	local_bh_enable();
}

static int go3s_stress_owner(void *arg)
{
	struct go3s_stress_cpu *c = arg;
	struct go3s_stress *st = c->st;

	complete(&c->started);
	wait_for_completion(&st->go);
	for (;;) {
		go3s_stress_owner_round(c);
		/*
		 * Acquire: every push of a thief that has left.  Partner:
		 * atomic_dec_return_release() in go3s_stress_thief().
		 */
		if (!atomic_read_acquire(&st->thieves_left)) {
			/* Our own interrupt's last pushes. */
			irq_work_sync(&c->iw);
			if (go3s_runq_empty(&st->rq) && llist_empty(&c->stash))
				break;
		}
		cond_resched();
	}
	return 0;
}

/* A thief: steal (or not), then run what it holds, pushing it back. */
static void go3s_stress_thief_round(struct go3s_stress_cpu *c, bool steal)
{
	struct go3s_stress *st = c->st;
	struct go3s_co *co = NULL;
	unsigned int n, nr;

	local_bh_disable();
	if (steal)
		co = go3s_runq_steal(&c->dst, &st->rq, &nr);
	for (n = 0; n < GO3S_STRESS_BATCH; n++) {
		if (!co)
			co = go3s_runq_pop(&c->dst);
		if (!co)
			break;
		go3s_stress_consume(st, co, true);
		if (go3s_stress_issue(st, co)) {
			if (c->nr++ % 2)
				go3s_runq_push_remote(&st->rq, co);
			else
				go3s_stress_stash(c, co);
		}
		co = NULL;
	}
	local_bh_enable();
}

static int go3s_stress_thief(void *arg)
{
	struct go3s_stress_cpu *c = arg;
	struct go3s_stress *st = c->st;

	complete(&c->started);
	wait_for_completion(&st->go);
	while (atomic_read(&st->next) < GO3S_STRESS_ITEMS) {
		go3s_stress_thief_round(c, true);
		cond_resched();
	}
	while (!go3s_runq_empty(&c->dst))
		go3s_stress_thief_round(c, false);
	irq_work_sync(&c->iw);
	/* Release: our pushes before we leave; partner in the owner. */
	atomic_dec_return_release(&st->thieves_left);
	return 0;
}

static void go3s_stress_kvfree(void *p)
{
	kvfree(p);
}

static void go3s_test_runq_stress(struct kunit *test)
{
	unsigned int nr = num_online_cpus(), n = 0, i, lost = 0, dup = 0;
	struct go3s_stress_cpu *c;
	struct go3s_stress *st;
	unsigned long steals = 0;
	struct go3s_co *co;
	int cpu, h;

	if (nr < 2)
		kunit_skip(test, "needs two CPUs");
	st = kunit_kzalloc(test, struct_size(st, cpu, nr), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	st->co = kunit_kcalloc(test, GO3S_STRESS_COS, sizeof(*st->co),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->co);
	st->hits = kvcalloc(GO3S_STRESS_ITEMS, sizeof(*st->hits), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st->hits);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							go3s_stress_kvfree,
							st->hits), 0);
	KUNIT_ASSERT_EQ(test, go3s_runq_test_init(test, &st->rq), 0);
	for (i = 0; i < nr; i++) {
		c = &st->cpu[i];
		c->st = st;
		init_completion(&c->started);
		init_irq_work(&c->iw, go3s_stress_irq);
		init_llist_head(&c->stash);
		if (i) {
			KUNIT_ASSERT_EQ(test, go3s_runq_test_init(test, &c->dst),
					0);
			c->has_dst = true;
		}
	}
	/* The first items, mixed levels, a quarter of them pinned. */
	for (i = 0; i < GO3S_STRESS_COS; i++) {
		co = &st->co[i];
		co->prio = i % GO3S_NR_PRIO;
		co->movable = i % 4 != 0;
		INIT_LIST_HEAD(&co->rq_node);
		go3s_stress_issue(st, co);
		go3s_runq_push_remote(&st->rq, co);
	}
	init_completion(&st->go);
	atomic_set(&st->thieves_left, nr - 1);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		if (n == nr)
			break;
		c = &st->cpu[n];
		c->task = kthread_create(n ? go3s_stress_thief :
					 go3s_stress_owner, c,
					 "go3s_runq_stress/%d", cpu);
		if (IS_ERR(c->task))
			break;
		get_task_struct(c->task);
		kthread_bind(c->task, cpu);
		n++;
	}
	if (n < nr) {
		/* Never woken: they stop without running. */
		for (i = 0; i < n; i++) {
			kthread_stop(st->cpu[i].task);
			put_task_struct(st->cpu[i].task);
		}
		cpus_read_unlock();
		KUNIT_FAIL(test, "no thread for every CPU");
		return;
	}
	for (i = 0; i < nr; i++)
		wake_up_process(st->cpu[i].task);
	cpus_read_unlock();
	for (i = 0; i < nr; i++)
		wait_for_completion(&st->cpu[i].started);
	complete_all(&st->go);
	for (i = 0; i < nr; i++) {
		kthread_stop(st->cpu[i].task);
		put_task_struct(st->cpu[i].task);
	}

	for (i = 0; i < GO3S_STRESS_ITEMS; i++) {
		h = atomic_read(&st->hits[i]);
		if (h != 1 && lost + dup < 5)
			kunit_err(test, "item %u came out %d times\n", i, h);
		lost += !h;
		dup += h > 1;
	}
	for (i = 1; i < nr; i++)
		steals += READ_ONCE(st->cpu[i].dst.steals);
	kunit_info(test, "%u CPUs, %d items, %lu stolen\n", nr,
		   GO3S_STRESS_ITEMS, steals);
	KUNIT_EXPECT_EQ(test, lost, 0U);
	KUNIT_EXPECT_EQ(test, dup, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->consumed), GO3S_STRESS_ITEMS);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->bad), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->pinned_stolen), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->retired), GO3S_STRESS_COS);
	KUNIT_EXPECT_GT(test, steals, 0UL);
	KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&st->rq));
	for (i = 1; i < nr; i++)
		KUNIT_EXPECT_TRUE(test, go3s_runq_empty(&st->cpu[i].dst));
}

static struct kunit_case go3s_runq_cases[] = {
	KUNIT_CASE(go3s_test_runq_fifo_capacity),
	KUNIT_CASE(go3s_test_runq_overflow),
	KUNIT_CASE(go3s_test_runq_pinned_fifo),
	KUNIT_CASE(go3s_test_runq_wrap),
	KUNIT_CASE(go3s_test_runq_priority),
	KUNIT_CASE(go3s_test_runq_runnext),
	KUNIT_CASE(go3s_test_runq_fairness),
	KUNIT_CASE(go3s_test_runq_yield),
	KUNIT_CASE(go3s_test_runq_remote),
	KUNIT_CASE(go3s_test_runq_steal_half),
	KUNIT_CASE(go3s_test_runq_steal_overflow),
	KUNIT_CASE(go3s_test_runq_steal_pinned),
	KUNIT_CASE(go3s_test_runq_stress),
	{}
};

static struct kunit_suite go3s_runq_suite = {
	.name = "go3s_runq",
	.test_cases = go3s_runq_cases,
};

kunit_test_suite(go3s_runq_suite);
