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

/**
 * go3s_runq_push() - queue a coroutine at the tail of its level
 * @rq: the run queue of @co's CPU
 * @co: a coroutine not on any run queue
 *
 * Context: any but NMI.  The level lock's release pairs with the acquire in
 * go3s_runq_pop(): the popper sees everything written before the push.
 */
void go3s_runq_push(struct go3s_runq *rq, struct go3s_co *co)
{
	struct go3s_runq_level *l = &rq->level[co->prio];
	unsigned long flags;

	go3s_lock_irqsave(&l->lock, flags);
	if (l->nr_ring < GO3S_RUNQ_RING && list_empty(&l->overflow)) {
		l->ring[(l->head + l->nr_ring) % GO3S_RUNQ_RING] = co;
		l->nr_ring++;
	} else {
		list_add_tail(&co->rq_node, &l->overflow);
	}
	WRITE_ONCE(l->nr, l->nr + 1);
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
	struct go3s_co *co = NULL, *next;
	unsigned long flags;

	if (!READ_ONCE(l->nr))
		return NULL;
	go3s_lock_irqsave(&l->lock, flags);
	if (l->nr_ring) {
		co = l->ring[l->head];
		l->head = (l->head + 1) % GO3S_RUNQ_RING;
		l->nr_ring--;
		/* Keep the ring holding the oldest entries. */
		next = list_first_entry_or_null(&l->overflow, struct go3s_co,
						rq_node);
		if (next) {
			list_del(&next->rq_node);
			l->ring[(l->head + l->nr_ring) % GO3S_RUNQ_RING] = next;
			l->nr_ring++;
		}
		WRITE_ONCE(l->nr, l->nr - 1);
	}
	go3s_unlock_irqrestore(&l->lock, flags);
	return co;
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
	static const u8 order[3][GO3S_NR_PRIO] = {
		{ GO3S_PRIO_HIGH, GO3S_PRIO_NORMAL, GO3S_PRIO_LOW },
		{ GO3S_PRIO_NORMAL, GO3S_PRIO_HIGH, GO3S_PRIO_LOW },
		{ GO3S_PRIO_LOW, GO3S_PRIO_NORMAL, GO3S_PRIO_HIGH },
	};
	unsigned int tick = ++rq->tick, o = 0, i;
	struct go3s_co *co;

	if (!(tick % GO3S_FAIR_LOW))
		o = 2;
	else if (!(tick % GO3S_FAIR_NORMAL))
		o = 1;

	if (!o && rq->runnext) {
		co = rq->runnext;
		WRITE_ONCE(rq->runnext, NULL);
		return co;
	}
	for (i = 0; i < GO3S_NR_PRIO; i++) {
		co = go3s_runq_level_pop(&rq->level[order[o][i]]);
		if (co)
			return co;
	}
	co = rq->runnext;
	WRITE_ONCE(rq->runnext, NULL);
	return co;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_pop);

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
