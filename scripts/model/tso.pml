/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-TSO for the go3s Promela models (scripts/model.sh).
 *
 * The including model defines NCPU (CPUs), SB (store-buffer entries per
 * CPU) and NMEM (shared memory words), then includes this file.
 *
 * - Shared memory is mem[]; every word is a byte (small values only).
 * - A plain store (WRITE_ONCE, atomic_set, smp_store_release, a spinlock
 *   release) goes into its CPU's FIFO store buffer: STORE().  A full buffer
 *   stalls the store until an entry drains.
 * - One drainer process per CPU (drainer()) writes the oldest entry of that
 *   CPU's buffer to mem[] at any moment it chooses: nondeterministic drain,
 *   in FIFO order (x86 never reorders store with store).
 * - A plain load (READ_ONCE, atomic_read, smp_load_acquire) returns the
 *   newest entry for that address in its own CPU's buffer, else mem[]:
 *   LOAD() (store forwarding).  Loads are not reordered with loads, and a
 *   load can pass only the CPU's own buffered stores: the one x86-TSO
 *   relaxation, store->load.
 * - smp_load_acquire() and smp_store_release() are plain loads and stores
 *   on x86-TSO (a compiler barrier only), so the models use LOAD()/STORE()
 *   for them.
 * - A locked read-modify-write (cmpxchg, xchg, the cmpxchg in llist_add(),
 *   the xchg in llist_del_all(), atomic_xchg(), atomic_try_cmpxchg*()) first
 *   waits for its CPU's buffer to drain, then reads and writes mem[] in one
 *   indivisible step: CAS(), XCHG().  smp_mb() (a locked instruction or
 *   MFENCE on x86) waits for the drain: MB().
 * - Processes that run on the same CPU (the owner's run loop and a hard
 *   interrupt on that CPU) pass the same CPU number and so share a buffer.
 */

byte mem[NMEM];
byte sb_a[NCPU * SB];	/* buffered store: address */
byte sb_v[NCPU * SB];	/* buffered store: value */
byte sb_n[NCPU];	/* entries in each CPU's buffer, oldest at index 0 */

/*
 * Scratch for the indivisible steps below, always 0 between steps (not
 * "hidden": pan's breadth-first search refuses hidden variables).
 */
byte tso_i;
byte tso_f;

inline STORE(c, a, v)
{
	d_step {
		sb_n[c] < SB ->
		sb_a[c * SB + sb_n[c]] = (a);
		sb_v[c * SB + sb_n[c]] = (v);
		sb_n[c]++
	}
}

inline LOAD(c, a, v)
{
	d_step {
		tso_i = sb_n[c];
		tso_f = 0;
		do
		:: tso_i > 0 && !tso_f ->
			tso_i--;
			if
			:: sb_a[c * SB + tso_i] == (a) ->
				v = sb_v[c * SB + tso_i];
				tso_f = 1
			:: else
			fi
		:: else -> break
		od;
		if
		:: !tso_f -> v = mem[a]
		:: else
		fi;
		tso_i = 0;
		tso_f = 0
	}
}

/* smp_mb(): wait until this CPU's stores are all in memory. */
inline MB(c)
{
	sb_n[c] == 0
}

/* ok = cmpxchg(&mem[a], old, new) == old; fully ordered. */
inline CAS(c, a, old, new, ok)
{
	d_step {
		sb_n[c] == 0 ->
		if
		:: mem[a] == (old) -> mem[a] = (new); ok = 1
		:: else -> ok = 0
		fi
	}
}

/* old = xchg(&mem[a], new); fully ordered. */
inline XCHG(c, a, new, old)
{
	d_step {
		sb_n[c] == 0 ->
		old = mem[a];
		mem[a] = (new)
	}
}

/* The store buffer of CPU c draining to memory, one entry at a time. */
proctype drainer(byte c)
{
end:
	do
	:: d_step {
		sb_n[c] > 0 ->
		mem[sb_a[c * SB]] = sb_v[c * SB];
		tso_i = 1;
		do
		:: tso_i < sb_n[c] ->
			sb_a[c * SB + tso_i - 1] = sb_a[c * SB + tso_i];
			sb_v[c * SB + tso_i - 1] = sb_v[c * SB + tso_i];
			tso_i++
		:: else -> break
		od;
		sb_n[c]--;
		sb_a[c * SB + sb_n[c]] = 0;
		sb_v[c * SB + sb_n[c]] = 0;
		tso_i = 0
	   }
	od
}
