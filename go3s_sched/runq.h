/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU run queues (runq.c): the types and calls the scheduler and the
 * KUnit suites use.
 */
#ifndef _GO3S_RUNQ_H
#define _GO3S_RUNQ_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/types.h>

#include "go3s.h"
#include "lock.h"

/*
 * Entries of one level's stealable ring.  A power of two, so that the u32
 * head and tail wrap round the ring and round 2^32 together; 256 as in a Go
 * P: enough to absorb a burst of wakeups, small enough that a thief's half
 * (at most GO3S_RUNQ_RING / 2) is a bounded amount of work to move.
 */
#define GO3S_RUNQ_RING		256

/*
 * Fairness: one pick in GO3S_FAIR_NORMAL tries NORMAL first, one in
 * GO3S_FAIR_LOW LOW first, so that a level always busy above them slows
 * NORMAL to a quarter and LOW to a sixteenth of the picks but never
 * starves them.
 */
#define GO3S_FAIR_NORMAL	4
#define GO3S_FAIR_LOW		16

/**
 * struct go3s_runq_level - one priority level of a run queue
 * @head: ring position of the oldest entry; any consumer (the owner or a
 *	thief) advances it with a compare-and-swap, u32 arithmetic.
 * @tail: ring position after the newest entry; the owner writes it with
 *	smp_store_release(), thieves read it with smp_load_acquire().
 * @slot: the ring, GO3S_RUNQ_RING entries; the owner writes the slots past
 *	@tail, thieves read the slots from @head.
 * @slot_seq: the FIFO stamp of each ring entry; owner only.
 * @seq: the next FIFO stamp; owner only.
 * @nr_pinned: entries on @pinned; the owner writes, READ_ONCE() elsewhere.
 * @pinned: coroutines that may not move, oldest first, linked by
 *	&go3s_co.rq_node; owner only.
 * @lock: protects @overflow and @nr_overflow; backoff, counted.
 * @nr_overflow: entries on @overflow; written under @lock, READ_ONCE()
 *	elsewhere.  Only the owner makes it grow.
 * @overflow: movable coroutines that did not fit in the ring, oldest first,
 *	all newer than every ring entry; linked by &go3s_co.rq_node.
 *
 * Owner: the CPU the run queue belongs to, in its run loop's context (see
 * go3s_runq_push()).  FIFO within the level: each push stamps the coroutine
 * with @seq, and a pop takes the older of the ring's (or overflow's) head
 * and @pinned's head.
 */
struct go3s_runq_level {
	u32 head;
	u32 tail;
	struct go3s_co **slot;
	u32 *slot_seq;
	u32 seq;
	unsigned int nr_pinned;
	struct list_head pinned;
	/* The overflow, apart from the ring's line: thieves take both. */
	struct go3s_spinlock lock ____cacheline_aligned_in_smp;
	unsigned int nr_overflow;
	struct list_head overflow;
} ____cacheline_aligned_in_smp;

/**
 * struct go3s_runq - the run queue of one CPU
 * @level: the priority levels, GO3S_PRIO_HIGH first.
 * @runnext: the coroutine the running one just woke on this CPU; owner
 *	only, READ_ONCE() by go3s_runq_len().
 * @tick: picks so far, for the fairness rule; owner only.
 * @steals: coroutines this CPU took as a thief; the owner writes with
 *	WRITE_ONCE(), READ_ONCE() elsewhere.
 * @remote: wakeups from other CPUs and from hard interrupts, linked by
 *	&go3s_co.wake_node; any context adds, the owner empties it.
 */
struct go3s_runq {
	struct go3s_runq_level level[GO3S_NR_PRIO];
	struct go3s_co *runnext;
	unsigned int tick;
	unsigned long steals;
	struct llist_head remote ____cacheline_aligned_in_smp;
};

int go3s_runq_init(struct go3s_runq *rq, int node);
void go3s_runq_destroy(struct go3s_runq *rq);
void go3s_runq_push(struct go3s_runq *rq, struct go3s_co *co);
bool go3s_runq_push_remote(struct go3s_runq *rq, struct go3s_co *co);
void go3s_runq_push_next(struct go3s_runq *rq, struct go3s_co *co);
struct go3s_co *go3s_runq_pop(struct go3s_runq *rq);
struct go3s_co *go3s_runq_yield(struct go3s_runq *rq, struct go3s_co *co);
struct go3s_co *go3s_runq_steal(struct go3s_runq *dst,
				struct go3s_runq *victim, unsigned int *nr);
bool go3s_runq_empty(struct go3s_runq *rq);
bool go3s_runq_stealable(struct go3s_runq *rq);
unsigned int go3s_runq_len(struct go3s_runq *rq);

#endif /* _GO3S_RUNQ_H */
