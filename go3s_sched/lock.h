/* SPDX-License-Identifier: GPL-2.0 */
/*
 * go3s backoff spinlock, for the contended paths (run-queue levels, channels).
 *
 * A test-and-test-and-set lock: a waiter spins on a plain read and, each time
 * the lock is seen taken, waits a doubling number of cpu_relax() rounds up to
 * GO3S_BACKOFF_CAP, so that waiters on many CPUs do not hammer the line the
 * owner needs to release.  Contended acquisitions and backoff rounds are
 * counted in the lock itself, updated by the new owner while it holds the
 * lock, so the counters need no atomics and share the lock's cache line.
 *
 * The lock is always taken with interrupts disabled (wakeups come from hard
 * interrupts too), which also keeps the holder from being preempted; lockdep
 * sees it as a spinlock of its own class.
 */
#ifndef _GO3S_LOCK_H
#define _GO3S_LOCK_H

#include <linux/atomic.h>
#include <linux/irqflags.h>
#include <linux/lockdep.h>
#include <asm/processor.h>

/* Longest backoff, in cpu_relax() rounds: about a cache miss or two. */
#define GO3S_BACKOFF_CAP	256

struct go3s_spinlock {
	atomic_t val;
	unsigned int contended;
	unsigned long backoff_rounds;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	struct lockdep_map dep_map;
#endif
};

static inline void __go3s_lock_init(struct go3s_spinlock *l, const char *name,
				    struct lock_class_key *key)
{
	atomic_set(&l->val, 0);
	l->contended = 0;
	l->backoff_rounds = 0;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	lockdep_init_map(&l->dep_map, name, key, 0);
#endif
}

#define go3s_lock_init(l)						\
	do {								\
		static struct lock_class_key __key;			\
									\
		__go3s_lock_init((l), #l, &__key);			\
	} while (0)

/* Caller has interrupts disabled. */
static inline void go3s_lock(struct go3s_spinlock *l)
{
	unsigned int delay = 1, i;
	unsigned long rounds = 0;

	lockdep_assert_irqs_disabled();
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	spin_acquire(&l->dep_map, 0, 0, _RET_IP_);
#endif
	/* Acquire: pairs with the release in go3s_unlock(). */
	while (atomic_cmpxchg_acquire(&l->val, 0, 1) != 0) {
		do {
			for (i = 0; i < delay; i++)
				cpu_relax();
			rounds++;
			if (delay < GO3S_BACKOFF_CAP)
				delay <<= 1;
		} while (atomic_read(&l->val));
	}
	/* Read unlocked by statistics (go3s_sched_backoff_rounds()). */
	if (rounds) {
		WRITE_ONCE(l->contended, l->contended + 1);
		WRITE_ONCE(l->backoff_rounds, l->backoff_rounds + rounds);
	}
}

static inline void go3s_unlock(struct go3s_spinlock *l)
{
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	spin_release(&l->dep_map, _RET_IP_);
#endif
	/* Release: pairs with the acquire in go3s_lock(). */
	atomic_set_release(&l->val, 0);
}

#define go3s_lock_irqsave(l, flags)					\
	do {								\
		local_irq_save(flags);					\
		go3s_lock(l);						\
	} while (0)

static inline void go3s_unlock_irqrestore(struct go3s_spinlock *l,
					  unsigned long flags)
{
	go3s_unlock(l);
	local_irq_restore(flags);
}

#endif /* _GO3S_LOCK_H */
