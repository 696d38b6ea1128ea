/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the go3s coroutine engine, shared by its files and its KUnit
 * suites.  Other modules include go3s.h.
 */
#ifndef _GO3S_SCHED_H
#define _GO3S_SCHED_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "compat.h"
#include "go3s.h"
#include "lock.h"
#include "runq.h"

/*
 * Coroutine state word: the user-visible state in the low bits, and two
 * flags that are not states: a cancellation request on an ACTIVE coroutine,
 * and a wakeup that arrived while it was ACTIVE (so the suspend it is about
 * to do returns at once: a resume racing a suspend wins).
 */
#define GO3S_CO_STATE_MASK	0x7u
#define GO3S_CO_CANCEL_REQ	BIT(3)
#define GO3S_CO_WAKE		BIT(4)

/**
 * enum go3s_req - requests to go3s_co_transition()
 * @GO3S_REQ_RESUME: start a CREATED or wake a SUSPENDED coroutine; on an
 *	ACTIVE one, leave a wakeup for its next suspend.
 * @GO3S_REQ_SUSPEND: the coroutine parks itself (only it asks this).
 * @GO3S_REQ_COMPLETE: its body returned (only it asks this).
 * @GO3S_REQ_CANCEL: cancel it, now if CREATED or SUSPENDED, at its next
 *	suspension point if ACTIVE.
 * @GO3S_REQ_FAIL: its stack canary is gone: end it like a cancellation.
 * @GO3S_NR_REQS: number of requests.
 */
enum go3s_req {
	GO3S_REQ_RESUME,
	GO3S_REQ_SUSPEND,
	GO3S_REQ_COMPLETE,
	GO3S_REQ_CANCEL,
	GO3S_REQ_FAIL,
	GO3S_NR_REQS,
};

/* Why a coroutine switched back to its scheduler. */
enum go3s_switch_reason {
	GO3S_SWITCH_YIELD,
	GO3S_SWITCH_SUSPEND,
	GO3S_SWITCH_EXIT,
	GO3S_SWITCH_HANDOVER,		/* yielded, requeued: run s->next */
};

/* A coroutine blocked on a channel; embedded in the coroutine. */
struct go3s_chan_wait {
	struct list_head node;		/* on chan->sendq or chan->recvq */
	struct go3s_chan *chan;		/* set while waiting */
	void *val;
	bool done;			/* under chan->lock */
	bool closed;			/* under chan->lock */
};

typedef void (*go3s_notify_fn)(struct go3s_co *co, void *data);

/*
 * Who writes what: "own" fields are written and read on the coroutine's CPU
 * only (the run loop, the coroutine, its pinned timer); fields read from
 * other CPUs say how.
 *
 * Flags read with READ_ONCE() from another CPU or context are u8, not bool:
 * GCC 12 with UBSAN_BOOL (the test kernels) range-checks a bool load and
 * emits it as a plain access, which KCSAN then reports as a data race.
 */
struct go3s_co {
	/* Saved stack pointer while switched out; own. */
	unsigned long sp;
	atomic_t state;			/* go3s_co_transition() only */
	int cpu;			/* WRITE_ONCE(): see go3s_co_wait_off_cpu() */
	u8 prio;			/* WRITE_ONCE() any time; READ_ONCE() */
	u8 reason;			/* own; enum go3s_switch_reason */
	bool started;			/* own */
	bool failed;			/* own */
	u8 on_cpu;			/* running or switching out (sched.c) */
	u8 movable;			/* stealable: go3s_co_set_allowed(), WRITE_ONCE() */
	bool timer_fired;		/* own, WRITE_ONCE() from its timer */
	u16 all_cpu;			/* registry slot: set at spawn */
	/*
	 * The CPUs it may run on: NULL for any, cpumask_of() its one CPU, or
	 * a copy of its own (go3s_allowed_new()).  go3s_co_set_allowed()
	 * replaces it at any time; readers are RCU-sched readers (the run
	 * loop, wakers with preemption disabled), see sched.c.
	 */
	const struct cpumask __rcu *allowed;
	refcount_t ref;
	u64 id;
	go3s_fn_t fn;
	void *arg;
	int result;
	int done;			/* finished: smp_store_release() */
	struct module *owner;
	go3s_notify_fn notify;		/* go3s_co_set_notify() */
	void *notify_data;
	void *stack;			/* lowest address; canary there */
	unsigned int stack_size;
	unsigned long canary;		/* its -fstack-protector value */
	struct list_head rq_node;	/* run-queue pinned FIFO or overflow */
	struct llist_node wake_node;	/* run-queue remote list */
	u32 rq_seq;			/* FIFO stamp, by the queue's owner */
	struct hlist_node all_node;	/* on all_cpu's registry list */
	struct hrtimer timer;
	struct go3s_chan_wait wait;
	wait_queue_head_t join_wq;
	u64 switches;			/* own, WRITE_ONCE(); READ_ONCE() */
	u64 run_ns;			/* own, WRITE_ONCE(); READ_ONCE() */
	unsigned int stack_hwm;		/* final once ->done */
};

/**
 * struct go3s_sched_stats - per-CPU counters, written by the owner CPU
 * @switches: switches into coroutines.
 * @spawns: coroutines spawned on this CPU.
 * @completions: coroutines finished on this CPU.
 * @passes: run-loop passes.
 * @handoffs: passes that ran out of budget and handed off to go3s/N.
 * @canary_failures: coroutines failed for a corrupted stack canary.
 * @co_ns: time spent in coroutine bodies.
 * @sched_ns: time spent in run-loop passes, bodies included.
 * @steals: coroutines this CPU took from other CPUs' run queues (filled
 *	in by go3s_sched_stats_read() from &go3s_runq.steals).
 * @wakes_idle: idle CPUs this CPU woke to steal from it (see "DOC: idle
 *	wake-ups" in sched.c).
 */
struct go3s_sched_stats {
	u64 switches;
	u64 spawns;
	u64 completions;
	u64 passes;
	u64 handoffs;
	u64 canary_failures;
	u64 co_ns;
	u64 sched_ns;
	u64 steals;
	u64 wakes_idle;
};

/*
 * The context a coroutine runs in, as far as it must be the same at every
 * switch-out as when the pass started: a coroutine that switches away
 * inside a preempt-, RCU-, migrate- or pagefault-disabled section, a
 * memalloc_*_save() scope or with a lock held (lockdep's count, which also
 * covers srcu_read_lock()) would leave that state to whatever task the
 * softirq interrupted, or take the state of another task with it.  A few
 * loads, on the yield path.
 */
struct go3s_ctx {
	unsigned int preempt;		/* preempt_count() */
	int rcu;			/* rcu_preempt_depth() */
	int pagefault;			/* pagefault_disabled() */
	unsigned int pflags;		/* GO3S_PF_MEMALLOC_MASK of ->flags */
	unsigned int migrate;		/* ->migration_disabled (SMP) */
	int lockdep;			/* ->lockdep_depth (LOCKDEP) */
};

static __always_inline void go3s_ctx_save(struct go3s_ctx *c)
{
	struct task_struct *t = current;

	c->preempt = preempt_count();
	c->rcu = rcu_preempt_depth();
	c->pagefault = pagefault_disabled();
	c->pflags = t->flags & GO3S_PF_MEMALLOC_MASK;
	c->migrate = go3s_migration_disabled(t);
	c->lockdep = go3s_lockdep_depth(t);
}

/* NULL if the current context matches @c, else what differs. */
static __always_inline const char *go3s_ctx_diff(const struct go3s_ctx *c)
{
	struct task_struct *t = current;

	if (unlikely(irqs_disabled()))
		return "interrupts disabled";
	if (unlikely(preempt_count() != c->preempt))
		return "preemption count (lock held, kernel_fpu_begin()...)";
	if (unlikely(rcu_preempt_depth() != c->rcu))
		return "RCU read-side section";
	if (unlikely(pagefault_disabled() != c->pagefault))
		return "page faults disabled";
	if (unlikely((t->flags & GO3S_PF_MEMALLOC_MASK) != c->pflags))
		return "memalloc_*_save() scope";
	if (unlikely(go3s_migration_disabled(t) != c->migrate))
		return "migration disabled";
	if (unlikely(go3s_lockdep_depth(t) != c->lockdep))
		return "lock held (lockdep: lock, srcu_read_lock()...)";
	return NULL;
}

/**
 * enum go3s_idle - may a CPU be woken to steal? (&go3s_sched.idle)
 * @GO3S_IDLE_NO: it runs a pass, or is parked.
 * @GO3S_IDLE_YES: its last pass ended with nothing to run.
 * @GO3S_IDLE_CLAIMED: a busy CPU chose it as the one thief (a
 *	compare-and-swap from @GO3S_IDLE_YES) and holds the thief count for
 *	it until its next pass takes it over.
 */
enum go3s_idle {
	GO3S_IDLE_NO,
	GO3S_IDLE_YES,
	GO3S_IDLE_CLAIMED,
};

struct go3s_sched {
	/* Owner CPU only. */
	unsigned long sp;		/* run loop's stack pointer */
	struct go3s_co *cur;
	struct go3s_co *next;		/* popped by a yield for the loop */
	struct go3s_co *prev;		/* yielded directly, still on_cpu */
	u64 cur_t0;			/* clock when cur was switched in */
	u64 pass_start;			/* clock when this pass started */
	unsigned int pass_n;		/* switches in this pass */
	unsigned long task_canary;
	struct go3s_ctx base;		/* at pass start: go3s_ctx_save() */
	u8 handoff;			/* READ_ONCE(): BH and go3s/N */
	u8 ready;			/* running: release/acquire, any CPU */
	u8 stopped;			/* bottom half killed (unload) */
	u8 spinning;			/* a thief, counted in nr_spinning; READ_ONCE() */
	u8 no_steal;			/* this pass forwarded: steal no more */
	int cpu;
	struct go3s_sched_stats stats;
	struct go3s_bh bh;
	struct irq_work kick;
	call_single_data_t csd;
	/* Any CPU. */
	atomic_t pending ____cacheline_aligned_in_smp;
	atomic_t idle;			/* enum go3s_idle; see sched.c */
	struct go3s_runq rq;
};

DECLARE_PER_CPU_ALIGNED(struct go3s_sched, go3s_scheds);

/* Budget of one run-loop pass (§3): whichever comes first. */
#define GO3S_BUDGET_NS		(2 * NSEC_PER_MSEC)
#define GO3S_BUDGET_SWITCHES	512

/* switch_64.S */
void go3s_switch(unsigned long *save_sp, unsigned long *load_sp);
void go3s_co_entry(void);

/*
 * A switched-out coroutine resumes here, on whatever CPU now runs it.  If
 * the coroutine before it yielded to it directly (go3s_co_yield_direct()),
 * that one's stack pointer is saved now: it is off this CPU.
 *
 * Release: the yielder's saved ->sp and everything it wrote before its
 * switch, before ->on_cpu reads 0.  Partner: smp_cond_load_acquire() in
 * go3s_co_wait_off_cpu(), on the CPU that stole it.
 */
static __always_inline void go3s_co_finish_switch(void)
{
	struct go3s_sched *s = this_cpu_ptr(&go3s_scheds);
	struct go3s_co *prev = s->prev;

	if (prev) {
		s->prev = NULL;
		/* Partner: smp_cond_load_acquire(), go3s_co_wait_off_cpu(). */
		smp_store_release(&prev->on_cpu, 0);
	}
}

/* Switch from the running coroutine @co back to @s's run loop. */
static __always_inline void go3s_co_switch_out(struct go3s_sched *s,
					       struct go3s_co *co,
					       enum go3s_switch_reason reason)
{
	co->reason = reason;
	go3s_switch(&co->sp, &s->sp);
	/* Resumed, by the loop or by a coroutine's direct yield. */
	go3s_co_finish_switch();
}

/* unwind_64.c */
void go3s_co_init_frame(struct go3s_co *co);
unsigned int go3s_co_walk(struct go3s_co *co, unsigned long sp,
			  unsigned long *entries, unsigned int max);
void go3s_co_report(struct go3s_co *co, unsigned long sp,
		    unsigned long *entries, unsigned int max, const char *what);
void go3s_co_warn(struct go3s_co *co, const char *what);

/* sched.c */
int go3s_sched_init(void);
void go3s_sched_exit(void);
void go3s_sched_kick(struct go3s_sched *s);
void go3s_sched_enqueue(struct go3s_co *co);
bool go3s_co_yield_direct(struct go3s_sched *s, struct go3s_co *co);
void go3s_sched_quiesce(struct go3s_sched *s);
int go3s_sched_set_cpus(const struct cpumask *mask);
void go3s_sched_get_cpus(struct cpumask *mask);
unsigned int go3s_sched_nr_running(void);
void go3s_sched_evacuate(void);
struct go3s_sched *go3s_sched_of(int cpu);
unsigned long go3s_sched_late_kicks(void);
bool go3s_sched_steal_set(bool on);
int go3s_sched_nr_spinning(void);
void go3s_sched_stats_read(int cpu, struct go3s_sched_stats *st);
unsigned long go3s_sched_backoff_rounds(int cpu);
void go3s_sched_affinity_changed(struct go3s_co *co);
bool go3s_sched_mask_usable(const struct cpumask *mask);

/* verbs.c */
unsigned long *go3s_co_main(struct go3s_co *co);
int go3s_co_park(struct go3s_co *co);
int go3s_co_may_switch(struct go3s_co *co, const char *what);

/* spawn.c */
void go3s_registry_init(void);
void go3s_cancel_all(bool final);
unsigned int go3s_nr_live(void);
unsigned long go3s_mem_used(void);
unsigned long go3s_mem_limit(void);
bool go3s_registry_span(int cpu, unsigned long *start, size_t *len);
int go3s_mem_charge(unsigned long bytes);
void go3s_mem_uncharge(unsigned long bytes);
void go3s_co_finish(struct go3s_sched *s, struct go3s_co *co);
void go3s_co_set_notify(struct go3s_co *co, go3s_notify_fn fn, void *data);
unsigned int go3s_spawn_orphans(unsigned int n);
void go3s_orphans_free(void);
const struct cpumask *go3s_allowed_new(const struct cpumask *mask, gfp_t gfp);
void go3s_allowed_free(const struct cpumask *allowed);
void go3s_co_set_allowed(struct go3s_co *co, const struct cpumask *allowed);

/**
 * struct go3s_co_info - per-coroutine status (§7), a snapshot
 * @id: go3s_id()
 * @state: &enum go3s_state
 * @on_cpu: running rather than queued (meaningful when ACTIVE)
 * @finished: its stack is released; @result and @stack_hwm are final
 * @cpu: the CPU it runs or is queued on (or last ran on)
 * @prio: &enum go3s_prio
 * @result: the body's return value, once finished
 * @switches: switches into it
 * @run_ns: time spent running
 * @stack_size: bytes
 * @stack_hwm: high-water mark in bytes, once finished (0 before)
 */
struct go3s_co_info {
	u64 id;
	u32 state;
	bool on_cpu;
	bool finished;
	int cpu;
	u32 prio;
	int result;
	u64 switches;
	u64 run_ns;
	u32 stack_size;
	u32 stack_hwm;
};

/* co.c */
void go3s_co_info_get(struct go3s_co *co, struct go3s_co_info *info);
int go3s_co_rule(unsigned int old, enum go3s_req req, unsigned int *newp);
int go3s_co_transition(struct go3s_co *co, enum go3s_req req,
		       unsigned int *oldp, unsigned int *newp);

static inline unsigned int go3s_co_state(struct go3s_co *co)
{
	return atomic_read(&co->state) & GO3S_CO_STATE_MASK;
}

/* stack.c */
#define GO3S_STACK_CANARY	0x676f3373c0deca7eUL
#define GO3S_STACK_CACHE	16

size_t go3s_stack_size(size_t req);
void *go3s_stack_alloc(size_t size, int cpu, bool atomic);
void go3s_stack_free(void *stack, size_t size);
bool go3s_stack_canary_ok(void *stack);

/* go3s_stack_canary_ok() inline, for the check at every switch-out. */
static __always_inline bool go3s_stack_canary_intact(void *stack)
{
	return READ_ONCE_NOCHECK(*(unsigned long *)stack) == GO3S_STACK_CANARY;
}

unsigned int go3s_stack_hwm(void *stack, size_t size);
unsigned int go3s_stack_cached(int cpu);
void go3s_stack_init(void);
void go3s_stack_exit(void);

/* bench.c */
void go3s_bench_init(void);
void go3s_bench_exit(void);

/* timer.c */
void go3s_timer_setup(struct go3s_co *co);
void go3s_timer_stop(struct go3s_co *co);

/* chan.c */
void go3s_chan_wait_abort(struct go3s_co *co);
size_t go3s_chan_bytes(unsigned int capacity);

/*
 * -fstack-protector: each task has its own canary in a per-CPU slot that
 * __switch_to() reloads.  A coroutine may suspend under one task and resume
 * under another, so it carries a canary of its own and the switch path
 * swaps the slot, as __switch_to_asm does for tasks.
 */
#ifdef CONFIG_STACKPROTECTOR
static __always_inline unsigned long go3s_canary_get(void)
{
	return this_cpu_read(fixed_percpu_data.stack_canary);
}

static __always_inline void go3s_canary_set(unsigned long canary)
{
	this_cpu_write(fixed_percpu_data.stack_canary, canary);
}
#else
static __always_inline unsigned long go3s_canary_get(void)
{
	return 0;
}

static __always_inline void go3s_canary_set(unsigned long canary)
{
}
#endif

#endif /* _GO3S_SCHED_H */
