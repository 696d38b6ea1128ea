/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stealable ring of go3s issue 9 (RING-DESIGN.md section 1, after Go's
 * runqput/runqputslow/runqget/runqgrab), on x86-TSO (tso.pml).
 *
 * CPU 0 is the owner: it puts items 1..K, taking some back with get at
 * points it chooses, overflows to the lock-protected list when the ring is
 * full, and finally gets until the ring is empty.  CPUs 1..NTHIEF are
 * thieves, each doing GRABS grabs.  Checked:
 * - every item is returned exactly once (no loss, no duplicate);
 * - a returned item is the one put at the position it was claimed at
 *   (no stale or never-written slot);
 * - the slow path finds the ring exactly full (Go's "queue is not full").
 *
 * Scaled down: RING slots (half = HALF), u32 counters become counters
 * modulo M that start at START, so they wrap during the run; M exceeds the
 * number of items, so a stale head cannot come back around (ABA needs 2^32
 * claims between two loads of one thief in the kernel).
 *
 * -DREAD_AFTER_CAS: a thief reads the slots after its cmpxchg instead of
 * before it.  The owner may then have refilled a claimed slot: the model
 * must report a stale read or a duplicate.
 */

/* Overridable with -D: NTHIEF (1 or 2), GRABS, SB, K (at most M - 1). */
#ifndef NTHIEF
#define NTHIEF	2
#endif
#ifndef GRABS
#define GRABS	1
#endif
#define NCPU	(NTHIEF + 1)
#ifndef SB
#define SB	3
#endif
#define RING	4
#define HALF	2
#define M	16
#define START	13
#ifndef K
#define K	5
#endif

#define HEAD	0
#define TAIL	1
#define SLOT	2
#define NMEM	(SLOT + RING)

#include "tso.pml"

/* Ghost state: sequentially consistent, invisible to the protocol. */
byte taken[K + 1];	/* times item i was returned */
byte seq[K + 1];	/* ring position item i was put at */
byte ndone;		/* owner and thieves finished */

#define DIST(t, h)	(((t) - (h) + M) % M)

/* A consumer's cmpxchg claimed ring position pos and it read item co there. */
inline take(co, pos)
{
	d_step {
		assert(co >= 1 && co <= K);
		assert(seq[co] == (pos));
		assert(taken[co] == 0);
		taken[co]++
	}
}

init
{
	mem[HEAD] = START;
	mem[TAIL] = START;
	atomic {
		run drainer(0);
		run owner();
		run thief(1);
#if NTHIEF > 1
		run thief(2)
#endif
	}
}

/* put (owner only), RING-DESIGN.md 1; Go's runqput + runqputslow. */
inline ring_put(co)
{
	do
	:: LOAD(0, HEAD, h);	/* smp_load_acquire(&head) */
	   LOAD(0, TAIL, t);	/* the owner's own tail, plain */
	   if
	   :: DIST(t, h) < RING ->
		atomic {
			seq[co] = t;
			STORE(0, SLOT + t % RING, co)	/* WRITE_ONCE(slot) */
		};
		STORE(0, TAIL, (t + 1) % M);	/* smp_store_release(&tail) */
		break
	   :: else ->
		/* Slow path: the oldest half plus co to the overflow list. */
		assert(DIST(t, h) == RING);
		LOAD(0, SLOT + h % RING, v0);
		LOAD(0, SLOT + (h + 1) % RING, v1);
		CAS(0, HEAD, h, (h + HALF) % M, ok);
		if
		:: ok ->
			/* The list is lock-protected: these are consumed here. */
			take(v0, h);
			take(v1, (h + 1) % M);
			d_step {
				assert(taken[co] == 0);
				taken[co]++
			}
			break
		:: else	/* a consumer moved head: the ring has room now */
		fi
	   fi;
	   h = 0; t = 0; ok = 0; v0 = 0; v1 = 0
	od;
	atomic { h = 0; t = 0; ok = 0; v0 = 0; v1 = 0 }
}

/*
 * get (owner only): the oldest item, or NULL when the ring is empty.
 * Leaves ok = 1 if it returned an item.
 */
inline ring_get()
{
	do
	:: LOAD(0, HEAD, h);	/* smp_load_acquire(&head) */
	   LOAD(0, TAIL, t);	/* own */
	   if
	   :: t == h -> break
	   :: else ->
		LOAD(0, SLOT + h % RING, v0);	/* READ_ONCE(slot) */
		CAS(0, HEAD, h, (h + 1) % M, ok);	/* try_cmpxchg_release */
		if
		:: ok -> take(v0, h); break
		:: else -> atomic { h = 0; t = 0; v0 = 0 }
		fi
	   fi
	od;
	atomic { h = 0; t = 0; v0 = 0 }
}

proctype owner()
{
	byte h, t, ok, v0, v1, np;

	/* Puts, with gets wherever the run loop could pick. */
	do
	:: np < K -> np++; ring_put(np)
	:: np < K -> ring_get(); ok = 0
	:: np == K -> break
	od;
	/* Then the owner empties its ring: get until it returns NULL. */
	do
	:: ring_get();
	   if
	   :: ok -> ok = 0
	   :: else -> break
	   fi
	od;
	ndone++
}

proctype thief(byte c)
{
	byte h, t, n, b0, b1, ok, g;

	do
	:: g < GRABS ->
		g++;
		do
		:: LOAD(c, HEAD, h);	/* smp_load_acquire(&head) */
		   LOAD(c, TAIL, t);	/* smp_load_acquire(&tail) */
		   d_step {
			n = DIST(t, h);
			n = n - n / 2
		   };
		   if
		   :: n == 0 -> break
		   :: n > HALF -> skip	/* inconsistent h/t snapshot: retry */
		   :: else ->
#ifndef READ_AFTER_CAS
			LOAD(c, SLOT + h % RING, b0);
			if
			:: n == 2 -> LOAD(c, SLOT + (h + 1) % RING, b1)
			:: else
			fi;
			CAS(c, HEAD, h, (h + n) % M, ok);
#else
			CAS(c, HEAD, h, (h + n) % M, ok);
			LOAD(c, SLOT + h % RING, b0);
			if
			:: n == 2 -> LOAD(c, SLOT + (h + 1) % RING, b1)
			:: else
			fi;
#endif
			if
			:: ok ->
				take(b0, h);
				if
				:: n == 2 -> take(b1, (h + 1) % M)
				:: else
				fi;
				break
			:: else
			fi
		   fi;
		   atomic { h = 0; t = 0; n = 0; b0 = 0; b1 = 0; ok = 0 }
		od;
		atomic { h = 0; t = 0; n = 0; b0 = 0; b1 = 0; ok = 0 }
	:: else -> break
	od;
	ndone++
}

/* Everyone finished: every item was returned exactly once. */
active proctype check()
{
	byte i;

	ndone == NTHIEF + 1;
	i = 1;
	do
	:: i <= K -> assert(taken[i] == 1); i++
	:: else -> break
	od
}
