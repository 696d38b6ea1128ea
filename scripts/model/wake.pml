/* SPDX-License-Identifier: GPL-2.0 */
/*
 * go3s remote wakeups and the kick/pending handshake (RING-DESIGN.md
 * sections 3 and 4; go3s_sched_kick() and the end of a pass in
 * go3s_sched_run()), on x86-TSO (tso.pml).
 *
 * CPU 0 runs the owner's run loop.  A waker on CPU 1 wakes nodes 1..NREMOTE
 * one after the other, a waker on CPU 2 wakes node NREMOTE + 1, and a hard
 * interrupt on CPU 0 (same store buffer as the run loop) wakes node
 * NREMOTE + 2.  A wake is llist_add() (load first, plain store of
 * node->next, cmpxchg of first) and then the kick: atomic_xchg(&pending, 1),
 * and if it was 0, the IPI or irq_work, which schedules the run loop's
 * bottom half (bh).  The run loop, in a pass: llist_del_all() (xchg), runs
 * every node of the batch; when the batch is empty: atomic_set(&pending,
 * 0); smp_mb(); if the list is still empty the pass ends and the CPU idles
 * until the next bh, else atomic_set(&pending, 1) and loop.
 *
 * -DLOCKED_RUNQ: the queue is today's go3s_runq instead (go3s_runq_push()
 * and go3s_runq_level_pop() under the level's spinlock, the unlocked
 * READ_ONCE(l->nr) test in the pop and in go3s_runq_empty()).  A lock is a
 * cmpxchg; its release is a plain store (x86 queued_spin_unlock()).
 *
 * Checked: every node runs exactly once; the list walk sees each node's
 * next pointer; and no lost wakeup: once nothing can move (every process
 * idle or done: pan's timeout), every node has run.
 *
 * -DNO_MB: the smp_mb() after atomic_set(&pending, 0) is left out, which is
 * what the old smp_mb__after_atomic() amounted to (atomic_set() is not a
 * read-modify-write, atomic_t.txt).  The model must find the lost kick.
 */

#ifndef NREMOTE
#define NREMOTE	2
#endif
#define NNODE	(NREMOTE + 2)
#define ALL	((1 << NNODE) - 1)
#define NCPU	3
#ifndef SB
#define SB	2
#endif

#define FIRST	0		/* the llist_head: s->remote.first */
#define PENDING	1		/* s->pending */
#define NEXT	2		/* mem[NEXT + n]: node n's wake_node.next */
#define NMEM	(NEXT + NNODE + 1)
/* -DLOCKED_RUNQ: mem[FIRST] is the queue, a bit mask of queued nodes. */
#define LOCK	NEXT		/* the level's spinlock */

#include "tso.pml"

bit bh;			/* the bottom half is scheduled (tasklet/BH work) */
byte ran;		/* ghost: bit n - 1 set once node n has run */
bit lost;		/* ghost: the final check failed */

#define BIT(n)	(1 << ((n) - 1))

#ifndef LOCKED_RUNQ
/* llist_add(&node->wake_node, &s->remote) on CPU c. */
inline push(c, node)
{
	do
	:: LOAD(c, FIRST, f);		/* READ_ONCE(head->first) */
	   STORE(c, NEXT + node, f);	/* new_last->next = first */
	   CAS(c, FIRST, f, node, ok);	/* try_cmpxchg(&head->first, ...) */
	   if
	   :: ok -> break
	   :: else -> f = 0
	   fi
	od;
	f = 0;
	ok = 0
}
#else
inline lock(c)
{
	do
	:: CAS(c, LOCK, 0, 1, ok);
	   if
	   :: ok -> break
	   :: else
	   fi
	od;
	ok = 0
}

/* go3s_runq_push(): add the node under the level lock. */
inline push(c, node)
{
	lock(c);
	LOAD(c, FIRST, f);
	STORE(c, FIRST, f | BIT(node));
	STORE(c, LOCK, 0);	/* spin_unlock: a plain store on x86 */
	f = 0
}
#endif

/* The run loop runs node n. */
inline run_node(n)
{
	d_step {
		assert(n >= 1 && n <= NNODE);
		assert((ran & BIT(n)) == 0);
		ran = ran | BIT(n)
	}
}

/*
 * go3s_sched_kick(): ->ready is taken as set (quiesce is not modelled).
 * atomic_xchg() is fully ordered: the push above is in memory before
 * pending is read.  Partner: smp_mb() after clearing pending in the loop.
 */
inline kick(c)
{
	XCHG(c, PENDING, 1, old);
	if
	:: old == 0 -> bh = 1	/* IPI or irq_work -> go3s_bh_schedule() */
	:: else
	fi;
	old = 0
}

/* A waker on another CPU. */
proctype waker(byte c; byte first_node; byte nr)
{
	byte n, f, ok, old;

	n = first_node;
	do
	:: n < first_node + nr ->
		push(c, n);
		kick(c);
		n++
	:: else -> break
	od
}

/* The run loop's bottom half on CPU 0: passes, idle in between. */
active proctype owner()
{
	byte b, nx, v, ok;

idle:
end_idle:
	atomic {
		bh ->
		bh = 0
	}
	do
#ifndef LOCKED_RUNQ
	:: XCHG(0, FIRST, 0, b);	/* llist_del_all(&s->remote) */
	   if
	   :: b != 0 ->
		/* Run the batch (the order does not matter here). */
		do
		:: b != 0 ->
			LOAD(0, NEXT + b, nx);
			run_node(b);
			d_step {
				b = nx;
				nx = 0
			}
		:: else -> break
		od
#else
	:: LOAD(0, FIRST, b);		/* READ_ONCE(l->nr) in the pop */
	   if
	   :: b != 0 ->
		lock(0);
		LOAD(0, FIRST, b);
		d_step {
			/* Take one queued node (which one does not matter). */
			nx = 1;
			do
			:: (b & BIT(nx)) == 0 -> nx++
			:: else -> break
			od;
			b = b & ~BIT(nx)
		};
		STORE(0, FIRST, b);
		STORE(0, LOCK, 0);
		run_node(nx);
		d_step {
			b = 0;
			nx = 0
		}
#endif
	   :: else ->
		/* Nothing found to run. */
		STORE(0, PENDING, 0);	/* atomic_set(&s->pending, 0) */
#ifndef NO_MB
		MB(0);			/* smp_mb(); partner: xchg in kick */
#endif
		LOAD(0, FIRST, v);	/* the queue and remote list empty? */
		if
		:: v == 0 -> goto idle
		:: else ->
			v = 0;
			STORE(0, PENDING, 1)	/* atomic_set(&s->pending, 1) */
		fi
	   fi
	od
}

init
{
	atomic {
		run drainer(0);
		run drainer(1);
		run drainer(2);
		run waker(1, 1, NREMOTE);
		run waker(2, NREMOTE + 1, 1);
		run waker(0, NREMOTE + 2, 1)	/* hard irq on CPU 0 */
	}
}

/*
 * No lost wakeup: when no process can move (the owner idle with no bh
 * scheduled, the wakers done, the store buffers empty), every node ran.
 */
active proctype check()
{
	timeout ->
	lost = (ran != ALL);
	assert(!lost)
}
