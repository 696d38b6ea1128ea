// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU run queues, lock-free on the owner's path.
 *
 * DOC: run queues
 *
 * A run queue has three levels (high, normal, low); a level has
 *
 * - a ring of GO3S_RUNQ_RING movable coroutines with one producer, the
 *   owner, and many consumers: the owner takes from its head, thieves on
 *   other CPUs take half of it at once, each consumer with a
 *   compare-and-swap on the head (Go's runqput, runqget and runqgrab);
 * - an owner-only FIFO of pinned coroutines, which thieves never see;
 * - an overflow list behind the ring, under a backoff spinlock, for the
 *   movable coroutines that do not fit: it holds only entries newer than
 *   every ring entry (a push goes there while it is not empty), and the
 *   owner moves its head into the ring when the ring runs dry.
 *
 * Beside the levels, a run-next slot (owner only) holds the coroutine the
 * running one just woke, and a lock-free multi-producer list (llist) takes
 * wakeups from other CPUs and from hard interrupts; the owner moves them
 * into their levels at every pick.
 *
 * FIFO within a level: every push stamps the coroutine with the level's
 * next sequence number; a pop takes the older of the movable head (the
 * ring's, or the overflow's once moved into the ring) and the pinned head.
 *
 * Fairness: strict priority, except that one pick in GO3S_FAIR_NORMAL looks
 * at NORMAL first and one in GO3S_FAIR_LOW at LOW first (skipping run-next
 * too), so a busy higher level slows a lower one down but never starves it.
 *
 * DOC: owner context
 *
 * The owner of a run queue is code on the queue's CPU that runs in softirq
 * context or with bottom halves disabled, and not in a hard interrupt: the
 * run loop (a softirq, or the go3s/N thread under local_bh_disable()) and
 * the coroutines it runs.  Two such contexts never overlap on one CPU
 * (neither can be preempted, and no softirq runs inside the other), so the
 * owner's fields need no atomics.  A hard interrupt may cut into the owner
 * anywhere: it, and any other CPU, queues with go3s_runq_push_remote().
 *
 * DOC: run-queue ordering
 *
 * - Ring publication: the owner writes a slot, then the tail with
 *   smp_store_release().  Partner: smp_load_acquire() of the tail in
 *   go3s_runq_grab(): a thief that sees the tail sees the slots below it
 *   and, through them, the coroutines.
 * - Slot reuse: a consumer reads a slot, then moves the head past it with
 *   a compare-and-swap with release ordering.  Partner: smp_load_acquire()
 *   of the head in go3s_runq_put_movable(): the owner overwrites a slot
 *   only once it sees the head past it, so after the consumer read it.  A
 *   consumer that read a slot another consumer took meanwhile fails its
 *   compare-and-swap (the head moved) and never returns what it read.
 * - Remote wakeups: llist_add() is a fully ordered compare-and-swap,
 *   llist_del_all() in go3s_runq_drain() a fully ordered exchange: what the
 *   waker wrote before its add, the owner sees after its drain.
 * - Overflow: its lock's release and acquire.
 */
#include <linux/export.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

#define GO3S_RUNQ_MASK	(GO3S_RUNQ_RING - 1)
static_assert((GO3S_RUNQ_RING & GO3S_RUNQ_MASK) == 0);

/* A hard interrupt can cut into the owner anywhere: remote pushes only. */
static __always_inline void go3s_runq_assert_owner(void)
{
	lockdep_assert(!in_hardirq());
}

/* Is FIFO stamp @a older than @b?  u32, wrapping. */
static bool go3s_runq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

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
	struct go3s_co **slot;
	u32 *seq;
	int i;

	slot = kcalloc_node(GO3S_NR_PRIO * GO3S_RUNQ_RING, sizeof(*slot),
			    GFP_KERNEL, node);
	seq = kcalloc_node(GO3S_NR_PRIO * GO3S_RUNQ_RING, sizeof(*seq),
			   GFP_KERNEL, node);
	if (!slot || !seq) {
		kfree(slot);
		kfree(seq);
		return -ENOMEM;
	}
	for (i = 0; i < GO3S_NR_PRIO; i++) {
		struct go3s_runq_level *l = &rq->level[i];

		l->head = 0;
		l->tail = 0;
		l->slot = slot + i * GO3S_RUNQ_RING;
		l->slot_seq = seq + i * GO3S_RUNQ_RING;
		l->seq = 0;
		l->nr_pinned = 0;
		INIT_LIST_HEAD(&l->pinned);
		go3s_lock_init(&l->lock);
		l->nr_overflow = 0;
		INIT_LIST_HEAD(&l->overflow);
	}
	rq->runnext = NULL;
	rq->tick = 0;
	rq->steals = 0;
	init_llist_head(&rq->remote);
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
	kfree(rq->level[0].slot);
	kfree(rq->level[0].slot_seq);
	rq->level[0].slot = NULL;
	rq->level[0].slot_seq = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_destroy);

/*
 * Queue movable @co, stamped @seq, at the tail of @l: in the ring while it
 * has room and the overflow is empty (the ring holds the oldest movable
 * entries), else on the overflow.  Owner.
 */
static void go3s_runq_put_movable(struct go3s_runq_level *l,
				  struct go3s_co *co, u32 seq)
{
	unsigned long flags;
	u32 h, t;

	/*
	 * Acquire: a slot is ours to overwrite once the head is past it.
	 * Partner: the release compare-and-swap of the head in
	 * go3s_runq_level_pop() and go3s_runq_grab().
	 */
	h = smp_load_acquire(&l->head);
	t = l->tail;
	/* Only the owner makes the overflow grow: zero stays zero. */
	if (likely(t - h < GO3S_RUNQ_RING && !READ_ONCE(l->nr_overflow))) {
		l->slot_seq[t & GO3S_RUNQ_MASK] = seq;
		WRITE_ONCE(l->slot[t & GO3S_RUNQ_MASK], co);
		/*
		 * Release: the slot before the tail that covers it.
		 * Partner: smp_load_acquire() of the tail in
		 * go3s_runq_grab().  @co may be stolen from here on.
		 */
		smp_store_release(&l->tail, t + 1);
		return;
	}
	co->rq_seq = seq;
	go3s_lock_irqsave(&l->lock, flags);
	list_add_tail(&co->rq_node, &l->overflow);
	WRITE_ONCE(l->nr_overflow, l->nr_overflow + 1);
	go3s_unlock_irqrestore(&l->lock, flags);
}

/* Queue @co at the tail of level @prio of @rq; owner. */
static void go3s_runq_put(struct go3s_runq *rq, struct go3s_co *co,
			  unsigned int prio)
{
	struct go3s_runq_level *l = &rq->level[prio];
	u32 seq = l->seq++;

	if (READ_ONCE(co->movable)) {
		go3s_runq_put_movable(l, co, seq);
		return;
	}
	co->rq_seq = seq;
	list_add_tail(&co->rq_node, &l->pinned);
	WRITE_ONCE(l->nr_pinned, l->nr_pinned + 1);
}

/* Move the remote wakeups into their levels, oldest first; owner. */
static void go3s_runq_drain(struct go3s_runq *rq)
{
	struct llist_node *batch;
	struct go3s_co *co, *next;

	if (llist_empty(&rq->remote))
		return;
	/* Fully ordered.  Partner: llist_add() in go3s_runq_push_remote(). */
	batch = llist_reverse_order(llist_del_all(&rq->remote));
	/*
	 * _safe: once queued, @co may be stolen, run and woken again on
	 * another CPU, which rewrites its wake_node.
	 */
	llist_for_each_entry_safe(co, next, batch, wake_node)
		go3s_runq_put(rq, co, READ_ONCE(co->prio));
}

/*
 * Queue @co at the tail of level @prio, after the remote wakeups that came
 * before it; owner.
 */
static void go3s_runq_put_local(struct go3s_runq *rq, struct go3s_co *co,
				unsigned int prio)
{
	go3s_runq_drain(rq);
	go3s_runq_put(rq, co, prio);
}

/**
 * go3s_runq_push() - queue a coroutine at the tail of its level
 * @rq: the run queue of the calling CPU
 * @co: a coroutine not on any run queue
 *
 * A movable coroutine (&go3s_co.movable) goes to the level's ring, or to
 * its overflow when the ring is full or the overflow not empty; a pinned
 * one to the level's pinned FIFO.  Lock-free but for the overflow.  The
 * remote wakeups waiting go first, so @co queues behind them.
 *
 * Context: the owner of @rq: its CPU, in softirq context or with bottom
 * halves disabled, not in a hard interrupt (see DOC: owner context).
 * Anything else uses go3s_runq_push_remote().
 */
void go3s_runq_push(struct go3s_runq *rq, struct go3s_co *co)
{
	go3s_runq_assert_owner();
	/* GO3S_IOC_SET_PRIO changes it at any time: one read. */
	go3s_runq_put_local(rq, co, READ_ONCE(co->prio));
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_push);

/**
 * go3s_runq_push_remote() - queue a coroutine from anywhere
 * @rq: any CPU's run queue
 * @co: a coroutine not on any run queue
 *
 * Adds @co to @rq's remote list; the owner moves it into its level at its
 * next pick (go3s_runq_pop()), in the order the pushes happened.  The
 * caller then makes sure the owner runs (a kick).
 *
 * Context: any, hard interrupts included.  Fully ordered: what the caller
 * wrote before, the owner sees once it has taken @co.
 * Return: true if the remote list was empty.
 */
bool go3s_runq_push_remote(struct go3s_runq *rq, struct go3s_co *co)
{
	/* Partner: llist_del_all() in go3s_runq_drain(). */
	return llist_add(&co->wake_node, &rq->remote);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_push_remote);

/**
 * go3s_runq_push_next() - put a coroutine in the run-next slot
 * @rq: the run queue of the calling CPU
 * @co: a coroutine of this CPU not on any run queue
 *
 * A coroutine already in the slot goes to the tail of its level.
 *
 * Context: the owner of @rq, as for go3s_runq_push().
 */
void go3s_runq_push_next(struct go3s_runq *rq, struct go3s_co *co)
{
	struct go3s_co *old = rq->runnext;

	go3s_runq_assert_owner();
	WRITE_ONCE(rq->runnext, co);
	if (old)
		go3s_runq_put_local(rq, old, READ_ONCE(old->prio));
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_push_next);

/*
 * Refill @l's empty ring from the head of its overflow, as much as fits;
 * owner.  Returns how many moved (0 if thieves emptied the overflow).
 */
static unsigned int go3s_runq_refill(struct go3s_runq_level *l)
{
	struct go3s_co *co, *tmp;
	unsigned int n = 0;
	unsigned long flags;
	u32 t = l->tail;

	/*
	 * The ring is empty (head == tail, read with acquire by the caller)
	 * and only we fill it, so all its slots are free.
	 */
	go3s_lock_irqsave(&l->lock, flags);
	list_for_each_entry_safe(co, tmp, &l->overflow, rq_node) {
		if (n == GO3S_RUNQ_RING)
			break;
		list_del(&co->rq_node);
		l->slot_seq[(t + n) & GO3S_RUNQ_MASK] = co->rq_seq;
		WRITE_ONCE(l->slot[(t + n) & GO3S_RUNQ_MASK], co);
		n++;
	}
	WRITE_ONCE(l->nr_overflow, l->nr_overflow - n);
	/* Release; partner: smp_load_acquire() of the tail in grab. */
	smp_store_release(&l->tail, t + n);
	go3s_unlock_irqrestore(&l->lock, flags);
	return n;
}

/* Take the oldest coroutine of @l, or NULL if it is empty; owner. */
static struct go3s_co *go3s_runq_level_pop(struct go3s_runq_level *l)
{
	struct go3s_co *pin, *co;
	u32 h, t;

	pin = list_first_entry_or_null(&l->pinned, struct go3s_co, rq_node);
	for (;;) {
		/*
		 * Acquire, for go3s_runq_refill(): the slots of an empty ring
		 * are free.  Partner: the release compare-and-swap of the
		 * head by a thief in go3s_runq_grab().
		 */
		h = smp_load_acquire(&l->head);
		t = l->tail;
		if (h == t) {
			if (!READ_ONCE(l->nr_overflow) || !go3s_runq_refill(l))
				break;
			continue;
		}
		/*
		 * slot_seq[] is ours alone: even if a thief took the entry at
		 * @h meanwhile, it still holds that entry's stamp, and every
		 * entry after it is newer.
		 */
		if (pin && go3s_runq_before(pin->rq_seq,
					    l->slot_seq[h & GO3S_RUNQ_MASK]))
			break;
		/* Only we write our slots: a plain read. */
		co = l->slot[h & GO3S_RUNQ_MASK];
		/*
		 * Release: our read of the slot before the head moves past
		 * it.  Partner: smp_load_acquire() of the head in
		 * go3s_runq_put_movable().  On failure a thief took it: again.
		 */
		if (try_cmpxchg_release(&l->head, &h, h + 1))
			return co;
	}
	if (pin) {
		list_del(&pin->rq_node);
		WRITE_ONCE(l->nr_pinned, l->nr_pinned - 1);
	}
	return pin;
}

/* Is level @l empty?  Exact for its owner, a snapshot for anyone else. */
static bool go3s_runq_level_empty(struct go3s_runq_level *l)
{
	/*
	 * Acquire: the tail is read after the head, so a stale pair never
	 * looks empty while the head is behind.  Partner: the release
	 * compare-and-swap of the head by a consumer.
	 */
	return smp_load_acquire(&l->head) == READ_ONCE(l->tail) &&
	       !READ_ONCE(l->nr_pinned) && !READ_ONCE(l->nr_overflow);
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
 * First moves the remote wakeups into their levels, then picks: run-next,
 * then the levels by priority (with the fairness rule), FIFO within a
 * level across its ring, overflow and pinned FIFO.
 *
 * Context: the owner of @rq, as for go3s_runq_push().
 * Return: the coroutine, now off the queue, or NULL if none is queued.
 */
struct go3s_co *go3s_runq_pop(struct go3s_runq *rq)
{
	unsigned int o, i;
	struct go3s_co *co;

	go3s_runq_assert_owner();
	go3s_runq_drain(rq);
	o = go3s_runq_pick_order(++rq->tick);
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
 * Exactly go3s_runq_push() of @co followed by go3s_runq_pop(); when @co is
 * the only candidate of this pick (no remote wakeup, no run-next it would
 * take, nothing on its level or on the levels ahead of it in the pick's
 * order), it comes straight back without touching the levels.
 *
 * Between the push and the pop a movable @co sits in the ring, where a
 * thief may take it; it is not switched out yet.  Whoever steals must wait
 * until the coroutine is off its old CPU before running it (as
 * try_to_wake_up() waits for p->on_cpu).
 *
 * Context: the owner of @rq, as for go3s_runq_push().
 * Return: the coroutine to run next, now off the queue (@co itself when it
 * is alone); NULL only if thieves took everything, @co included.
 */
struct go3s_co *go3s_runq_yield(struct go3s_runq *rq, struct go3s_co *co)
{
	/* GO3S_IOC_SET_PRIO changes it at any time: one read. */
	unsigned int prio = READ_ONCE(co->prio), o, i, lv;

	go3s_runq_assert_owner();
	o = go3s_runq_pick_order(rq->tick + 1);
	if (!llist_empty(&rq->remote) || (!o && rq->runnext))
		goto slow;
	for (i = 0; i < GO3S_NR_PRIO; i++) {
		lv = go3s_runq_order[o][i];
		if (!go3s_runq_level_empty(&rq->level[lv]))
			goto slow;
		if (lv == prio)
			break;
	}
	rq->tick++;
	return co;
slow:
	go3s_runq_put_local(rq, co, prio);
	return go3s_runq_pop(rq);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_yield);

/*
 * Thief: take half of @l's ring (rounded up), at most @room, into the slots
 * of @dst's ring from @dt on, without publishing them.  Returns how many.
 */
static u32 go3s_runq_grab(struct go3s_runq_level *l,
			  struct go3s_runq_level *dst, u32 dt, u32 room)
{
	u32 h, t, n, i;

	for (;;) {
		/*
		 * Acquire: the tail and the slots are read after the head.
		 * Partner: the release compare-and-swap of the head by the
		 * other consumers.
		 */
		h = smp_load_acquire(&l->head);
		/*
		 * Acquire: the slots below the tail are written.  Partner:
		 * smp_store_release() of the tail in go3s_runq_put_movable(),
		 * go3s_runq_refill() and go3s_runq_steal_level().
		 */
		t = smp_load_acquire(&l->tail);
		n = t - h;
		n -= n / 2;
		if (!n)
			return 0;
		/* The head moved on between our two reads: again. */
		if (n > GO3S_RUNQ_RING / 2)
			continue;
		n = min(n, room);
		for (i = 0; i < n; i++)
			WRITE_ONCE(dst->slot[(dt + i) & GO3S_RUNQ_MASK],
				   READ_ONCE(l->slot[(h + i) & GO3S_RUNQ_MASK]));
		/*
		 * Release: our reads of the slots before the head moves past
		 * them.  Partner: smp_load_acquire() of the head in
		 * go3s_runq_put_movable().  On failure another consumer took
		 * some of them: what we read may be stale, so read again.
		 */
		if (try_cmpxchg_release(&l->head, &h, h + n))
			return n;
	}
}

/*
 * Thief: take half of @l's overflow (rounded up), at most @room, from its
 * head into @dst's ring from @dt on, without publishing them.
 */
static u32 go3s_runq_grab_overflow(struct go3s_runq_level *l,
				   struct go3s_runq_level *dst, u32 dt,
				   u32 room)
{
	struct go3s_co *co;
	unsigned long flags;
	u32 n, i;

	if (!READ_ONCE(l->nr_overflow))
		return 0;
	go3s_lock_irqsave(&l->lock, flags);
	n = l->nr_overflow;
	n -= n / 2;
	n = min3(n, room, (u32)GO3S_RUNQ_RING / 2);
	for (i = 0; i < n; i++) {
		co = list_first_entry(&l->overflow, struct go3s_co, rq_node);
		list_del(&co->rq_node);
		WRITE_ONCE(dst->slot[(dt + i) & GO3S_RUNQ_MASK], co);
	}
	WRITE_ONCE(l->nr_overflow, l->nr_overflow - n);
	go3s_unlock_irqrestore(&l->lock, flags);
	return n;
}

/*
 * Thief: move half of @v's movable entries into @d's ring, publishing all
 * but the newest, which it returns (NULL if none moved); *@nr how many.
 */
static struct go3s_co *go3s_runq_steal_level(struct go3s_runq_level *d,
					     struct go3s_runq_level *v,
					     unsigned int *nr)
{
	u32 dh, dt, room, n, i;

	if (READ_ONCE(d->nr_overflow))
		return NULL;
	/*
	 * Acquire: our slots the head has left are free.  Partner: the
	 * release compare-and-swap of the head by our own thieves.
	 */
	dh = smp_load_acquire(&d->head);
	dt = d->tail;
	room = GO3S_RUNQ_RING - (dt - dh);
	if (!room)
		return NULL;
	n = go3s_runq_grab(v, d, dt, room);
	if (!n)
		n = go3s_runq_grab_overflow(v, d, dt, room);
	if (!n)
		return NULL;
	for (i = 0; i < n - 1; i++)
		d->slot_seq[(dt + i) & GO3S_RUNQ_MASK] = d->seq++;
	if (n > 1)
		/* Release; partner: smp_load_acquire() of the tail in grab. */
		smp_store_release(&d->tail, dt + n - 1);
	*nr = n;
	return d->slot[(dt + n - 1) & GO3S_RUNQ_MASK];
}

/**
 * go3s_runq_steal() - take half of another CPU's movable coroutines
 * @dst: the run queue of the calling CPU, the thief
 * @victim: another CPU's run queue
 * @nr: set to how many coroutines moved, the returned one included
 *
 * Looks at @victim's levels from the highest; from the first whose ring
 * (or else overflow) is not empty, takes half of its entries, rounded up,
 * oldest first, into the same level of @dst's ring, and returns the newest
 * of them to run.  Pinned coroutines and run-next never move.  A level of
 * @dst that has spilled to its overflow takes nothing (the thief has work
 * of its own there).
 *
 * A coroutine taken may still be switching out on @victim's CPU (a yield
 * puts itself on the ring before it switches, a wakeup may come before the
 * suspend finishes): the caller must wait until it is off that CPU before
 * running it or any of the ones moved to @dst.
 *
 * Context: the owner of @dst, as for go3s_runq_push(); never @victim's.
 * Return: a coroutine, now off both queues, or NULL if nothing moved.
 */
struct go3s_co *go3s_runq_steal(struct go3s_runq *dst,
				struct go3s_runq *victim, unsigned int *nr)
{
	struct go3s_co *co = NULL;
	int lv;

	go3s_runq_assert_owner();
	*nr = 0;
	if (WARN_ON_ONCE(dst == victim))
		return NULL;
	for (lv = 0; lv < GO3S_NR_PRIO && !co; lv++)
		co = go3s_runq_steal_level(&dst->level[lv],
					   &victim->level[lv], nr);
	if (co)
		WRITE_ONCE(dst->steals, dst->steals + *nr);
	return co;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_steal);

/**
 * go3s_runq_len() - coroutines queued, a snapshot
 * @rq: the run queue
 *
 * Exact for the owner but that the remote list, whose length is unknown
 * without taking it, counts as one while it is not empty.
 *
 * Return: how many coroutines wait on @rq.
 */
unsigned int go3s_runq_len(struct go3s_runq *rq)
{
	unsigned int n = !!READ_ONCE(rq->runnext) + !llist_empty(&rq->remote);
	int i;

	for (i = 0; i < GO3S_NR_PRIO; i++) {
		struct go3s_runq_level *l = &rq->level[i];
		/* Acquire: the tail read after, so never behind the head. */
		u32 h = smp_load_acquire(&l->head);
		u32 t = READ_ONCE(l->tail);

		/* From another CPU the head may be stale: at most a ring. */
		n += min_t(u32, t - h, GO3S_RUNQ_RING) +
		     READ_ONCE(l->nr_pinned) + READ_ONCE(l->nr_overflow);
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_len);

/**
 * go3s_runq_empty() - is nothing queued?
 * @rq: the run queue
 *
 * A snapshot, remote list included; the run loop orders it after clearing
 * its pending flag with a full barrier (see go3s_sched_run()).
 *
 * Return: true if empty.
 */
bool go3s_runq_empty(struct go3s_runq *rq)
{
	return !go3s_runq_len(rq);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_empty);

/**
 * go3s_runq_stealable() - would a thief find anything here?
 * @rq: the run queue
 *
 * Exact for the owner; from another CPU a snapshot, which may see a
 * coroutine a consumer is taking (never an empty ring as full: see
 * go3s_runq_level_empty()).  The remote list does not count: its entries
 * reach the ring only when the owner takes them, and may be pinned.
 *
 * Return: true if a level's ring or overflow holds a coroutine.
 */
bool go3s_runq_stealable(struct go3s_runq *rq)
{
	int i;

	for (i = 0; i < GO3S_NR_PRIO; i++) {
		struct go3s_runq_level *l = &rq->level[i];

		/* Acquire: the tail after the head, as in level_empty. */
		if (smp_load_acquire(&l->head) != READ_ONCE(l->tail) ||
		    READ_ONCE(l->nr_overflow))
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_runq_stealable);
