// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU run queues.
 *
 * Three levels (high, normal, low), each FIFO with a lock of its own, so
 * wakeups at different priorities never contend.  A level is a bounded ring
 * of GO3S_RUNQ_RING entries, like the local run queue of a Go P, with an
 * unbounded overflow list behind it; the ring always holds the oldest
 * entries, so FIFO order spans both.  Any CPU may push; only the owner CPU
 * pops.
 *
 * The run-next slot holds the coroutine that the running coroutine just
 * woke on its own CPU, so a producer/consumer pair hands off without going
 * round the queue.  Only the owner CPU touches it, from its run loop.
 *
 * Fairness: strict priority, except that one pick in GO3S_FAIR_NORMAL looks
 * at NORMAL first and one in GO3S_FAIR_LOW at LOW first (skipping run-next
 * too), so a busy higher level slows a lower one down but never starves it.
 */
#include <linux/export.h>
#include <linux/list.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

/**
 * go3s_runq_init() - set up an empty run queue
 * @rq: the run queue
 * @node: NUMA node for its rings
 *
 * The rings are allocated apart: the per-CPU area that modules share is
 * only a few KiB.
 *
 * Return: 0 or -ENOMEM.
 */
int go3s_runq_init(struct go3s_runq *rq, int node)
{
	struct go3s_co **ring;
	int i;

	ring = kcalloc_node(GO3S_NR_PRIO * GO3S_RUNQ_RING, sizeof(*ring),
			    GFP_KERNEL, node);
	if (!ring)
		return -ENOMEM;
	for (i = 0; i < GO3S_NR_PRIO; i++) {
		struct go3s_runq_level *l = &rq->level[i];

		l->ring = ring + i * GO3S_RUNQ_RING;
		go3s_lock_init(&l->lock);
		l->head = 0;
		l->nr_ring = 0;
		l->nr = 0;
		INIT_LIST_HEAD(&l->overflow);
	}
	rq->runnext = NULL;
	rq->tick = 0;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_init);

/**
 * go3s_runq_destroy() - free the rings of an empty run queue
 * @rq: the run queue
 */
void go3s_runq_destroy(struct go3s_runq *rq)
{
	WARN_ON_ONCE(!go3s_runq_empty(rq));
	kfree(rq->level[0].ring);
	rq->level[0].ring = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_destroy);

/* Add @co at the tail of @l; under @l->lock. */
static void go3s_runq_level_add(struct go3s_runq_level *l, struct go3s_co *co)
{
	if (l->nr_ring < GO3S_RUNQ_RING && list_empty(&l->overflow)) {
		l->ring[(l->head + l->nr_ring) % GO3S_RUNQ_RING] = co;
		l->nr_ring++;
	} else {
		list_add_tail(&co->rq_node, &l->overflow);
	}
	WRITE_ONCE(l->nr, l->nr + 1);
}

/* Take the head of @l, or NULL if it is empty; under @l->lock. */
static struct go3s_co *go3s_runq_level_take(struct go3s_runq_level *l)
{
	struct go3s_co *co, *next;

	if (!l->nr_ring)
		return NULL;
	co = l->ring[l->head];
	l->head = (l->head + 1) % GO3S_RUNQ_RING;
	l->nr_ring--;
	/* Keep the ring holding the oldest entries. */
	next = list_first_entry_or_null(&l->overflow, struct go3s_co, rq_node);
	if (next) {
		list_del(&next->rq_node);
		l->ring[(l->head + l->nr_ring) % GO3S_RUNQ_RING] = next;
		l->nr_ring++;
	}
	WRITE_ONCE(l->nr, l->nr - 1);
	return co;
}

/**
 * go3s_runq_push() - queue a coroutine at the tail of its level
 * @rq: the run queue of @co's CPU
 * @co: a coroutine not on any run queue
 *
 * Context: any but NMI.  The level lock's release pairs with the acquire in
 * go3s_runq_pop() (or go3s_runq_yield()): the popper sees everything written
 * before the push.
 */
void go3s_runq_push(struct go3s_runq *rq, struct go3s_co *co)
{
	/* GO3S_IOC_SET_PRIO changes it at any time: one read. */
	struct go3s_runq_level *l = &rq->level[READ_ONCE(co->prio)];
	unsigned long flags;

	go3s_lock_irqsave(&l->lock, flags);
	go3s_runq_level_add(l, co);
	go3s_unlock_irqrestore(&l->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_push);

/**
 * go3s_runq_push_next() - put a coroutine in the run-next slot
 * @rq: the run queue of the calling CPU
 * @co: a coroutine of this CPU not on any run queue
 *
 * A coroutine already in the slot goes to the tail of its level.
 *
 * Context: the owner CPU's run loop (a coroutine of that CPU).
 */
void go3s_runq_push_next(struct go3s_runq *rq, struct go3s_co *co)
{
	struct go3s_co *old = rq->runnext;

	WRITE_ONCE(rq->runnext, co);
	if (old)
		go3s_runq_push(rq, old);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_push_next);

static struct go3s_co *go3s_runq_level_pop(struct go3s_runq_level *l)
{
	struct go3s_co *co;
	unsigned long flags;

	if (!READ_ONCE(l->nr))
		return NULL;
	/* Acquire; partner: the release in go3s_runq_push(). */
	go3s_lock_irqsave(&l->lock, flags);
	co = go3s_runq_level_take(l);
	go3s_unlock_irqrestore(&l->lock, flags);
	return co;
}

/* Levels in the order a pick looks at them: strict, NORMAL first, LOW first. */
static const u8 go3s_runq_order[3][GO3S_NR_PRIO] = {
	{ GO3S_PRIO_HIGH, GO3S_PRIO_NORMAL, GO3S_PRIO_LOW },
	{ GO3S_PRIO_NORMAL, GO3S_PRIO_HIGH, GO3S_PRIO_LOW },
	{ GO3S_PRIO_LOW, GO3S_PRIO_NORMAL, GO3S_PRIO_HIGH },
};

/* Which row of go3s_runq_order the pick number @tick uses (fairness rule). */
static unsigned int go3s_runq_pick_order(unsigned int tick)
{
	if (!(tick % GO3S_FAIR_LOW))
		return 2;
	if (!(tick % GO3S_FAIR_NORMAL))
		return 1;
	return 0;
}

/**
 * go3s_runq_pop() - next coroutine to run
 * @rq: the run queue of the calling CPU
 *
 * Context: the owner CPU, bottom halves disabled.
 * Return: the coroutine, now off the queue, or NULL if none is queued.
 */
struct go3s_co *go3s_runq_pop(struct go3s_runq *rq)
{
	unsigned int o = go3s_runq_pick_order(++rq->tick), i;
	struct go3s_co *co;

	if (!o && rq->runnext) {
		co = rq->runnext;
		WRITE_ONCE(rq->runnext, NULL);
		return co;
	}
	for (i = 0; i < GO3S_NR_PRIO; i++) {
		co = go3s_runq_level_pop(&rq->level[go3s_runq_order[o][i]]);
		if (co)
			return co;
	}
	co = rq->runnext;
	WRITE_ONCE(rq->runnext, NULL);
	return co;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_pop);

/**
 * go3s_runq_yield() - requeue a coroutine that yielded and pop the next one
 * @rq: the run queue of the calling CPU
 * @co: a coroutine of this CPU that just yielded, on no run queue
 *
 * Exactly go3s_runq_push() of @co followed by go3s_runq_pop(), but when the
 * pick falls on @co's own level (no level ahead of it in this pick's order
 * has work and the pick does not take run-next, as in any loop of yields),
 * in one lock round trip instead of two.  The levels ahead are read
 * unlocked, as go3s_runq_pop() reads them: a push racing that read is
 * ordered after the pick either way.
 *
 * Context: the owner CPU, bottom halves disabled.
 * Return: the coroutine to run next, now off the queue (@co itself when it
 * is alone); never NULL.
 */
struct go3s_co *go3s_runq_yield(struct go3s_runq *rq, struct go3s_co *co)
{
	/* GO3S_IOC_SET_PRIO changes it at any time: one read. */
	unsigned int prio = READ_ONCE(co->prio);
	struct go3s_runq_level *l = &rq->level[prio];
	unsigned int o = go3s_runq_pick_order(rq->tick + 1), i;
	unsigned long flags;
	struct go3s_co *next;

	if (!o && rq->runnext)
		goto slow;
	for (i = 0; go3s_runq_order[o][i] != prio; i++)
		if (READ_ONCE(rq->level[go3s_runq_order[o][i]].nr))
			goto slow;
	rq->tick++;
	/*
	 * Acquire and release; partners: the release in go3s_runq_push() and
	 * the acquire in go3s_runq_pop(), as for a push and a pop.
	 */
	go3s_lock_irqsave(&l->lock, flags);
	go3s_runq_level_add(l, co);
	next = go3s_runq_level_take(l);
	go3s_unlock_irqrestore(&l->lock, flags);
	return next;
slow:
	go3s_runq_push(rq, co);
	return go3s_runq_pop(rq);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_yield);

/**
 * go3s_runq_len() - coroutines queued, a snapshot
 * @rq: the run queue
 *
 * Return: how many coroutines wait on @rq.
 */
unsigned int go3s_runq_len(struct go3s_runq *rq)
{
	unsigned int n = !!READ_ONCE(rq->runnext);
	int i;

	for (i = 0; i < GO3S_NR_PRIO; i++)
		n += READ_ONCE(rq->level[i].nr);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_len);

/**
 * go3s_runq_empty() - is nothing queued?
 * @rq: the run queue
 *
 * Unlocked; the run loop orders it after clearing its pending flag with a
 * full barrier (see go3s_sched_run()).
 *
 * Return: true if empty.
 */
bool go3s_runq_empty(struct go3s_runq *rq)
{
	return !go3s_runq_len(rq);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_empty);
