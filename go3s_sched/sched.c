// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU coroutine schedulers.
 *
 * DOC: scheduling path
 *
 * A wakeup (spawn, resume, cancel, timer, channel) pushes the coroutine on
 * its CPU's run queue and kicks that CPU, unless a kick is already pending:
 * on the same CPU with an irq_work, on another with an asynchronous IPI
 * (irq_work_queue_on() is not exported to modules on the kernels we build
 * for).  The kick, in hard interrupt context on the target CPU, schedules the
 * run loop's bottom half (compat.h: BH workqueue or tasklet).  The run loop
 * pops coroutines and switches to each until it yields, suspends or exits.
 * A yield does the loop's work itself and switches straight to the next
 * coroutine (go3s_co_yield_direct()), unless the loop has to see it: a
 * bad canary, the end of the budget, or a next coroutine that has never
 * run or has failed.
 * A pass ends after GO3S_BUDGET_NS or GO3S_BUDGET_SWITCHES; if work is left,
 * the CPU's go3s/N thread takes over (as ksoftirqd does for softirqs), and
 * runs passes with bottom halves disabled, rescheduling between them, until
 * the queue drains.  Bottom halves being disabled in both places, one CPU
 * never runs two loops at once.  A loop whose own queue is dry steals from
 * the other CPUs (go3s_sched_steal()); a loop that leaves stealable work
 * in its ring may wake one idle CPU to steal it (DOC: idle wake-ups).  An
 * idle CPU has no timer and no thread running for go3s.
 *
 * DOC: idle wake-ups
 *
 * Go's spinning-M rule (runtime/proc.go: wakep(), resetspinning(),
 * findRunnable()), with a CPU for an M and P.  A CPU whose pass ends with
 * nothing to run is idle (s->idle GO3S_IDLE_YES, counted in nr_idle).
 * Whenever a loop is about to run a coroutine and its own ring or
 * overflow still holds movable ones (go3s_sched_spread(): an owner-only
 * look, the only cost when there is nothing to steal), and no thief is
 * looking (nr_spinning == 0) and some CPU is idle, it takes the one thief
 * count with a compare-and-swap from 0 to 1, claims one idle CPU (same
 * NUMA node first; a compare-and-swap of its state to GO3S_IDLE_CLAIMED)
 * and kicks it.  Pinned coroutines, run-next and the remote list wake
 * nobody: no thief could take them.
 *
 * The claimed CPU's next pass makes it the thief (s->spinning): it runs
 * its own queue if it has one, else steals.  Either way, once it has a
 * coroutine to run it drops the count, and if its own ring now holds
 * stolen work it may wake the next idle CPU by the same rule: the load
 * spreads one CPU at a time, with never more than one thief looking (no
 * thundering herd).  A thief that finds nothing goes idle like any CPU.
 *
 * Going idle (go3s_sched_idle()) is Go's "delicate dance": become
 * claimable and drop the thief count first, then, after a full barrier,
 * look again at our own queue, at a claim that came meanwhile, and at
 * every other CPU's rings (go3s_sched_work_elsewhere()); work seen there
 * sends the loop back to steal, at most GO3S_STEAL_PASSES times a pass.
 * A busy CPU publishes its ring, then (full barrier) reads the counts:
 * so either the CPU going idle sees the work or the busy CPU sees the
 * idle CPU and the free thief count.
 *
 * The "steal" parameter off means no idle wake-ups.  A parked CPU is
 * never claimed (->ready is checked inside the run loop's RCU-sched
 * section, and park takes back a claim that landed), and parking takes it
 * off the idle count.  No polling and no timer: a CPU is woken only by a
 * kick.
 *
 * DOC: ordering
 *
 * - Lost kicks: a waker pushes, then sets s->pending with atomic_xchg()
 *   (fully ordered) and kicks only if it was clear.  The loop, finding
 *   nothing, clears s->pending with atomic_set(), issues smp_mb() and looks
 *   at the queue once more.  This is the store-buffering pattern
 *   (memory-barriers.txt): with a full barrier on both sides, one of the two
 *   sees the other's store.  smp_mb__after_atomic() would not do, as
 *   atomic_set() is not a read-modify-write (atomic_t.txt).
 * - Wakeups: every state change is a fully ordered cmpxchg in
 *   go3s_co_transition(); a resume that finds the coroutine still ACTIVE
 *   leaves GO3S_CO_WAKE, which its suspend consumes instead of parking.
 * - Queue hand-off: a wakeup from anywhere but the CPU's own run loop goes
 *   through the run queue's remote list: llist_add() in
 *   go3s_runq_push_remote() pairs with llist_del_all() in go3s_runq_pop()
 *   (both fully ordered); see runq.c for the rest.
 * - Moving a coroutine: its saved stack pointer is written by go3s_switch()
 *   on the CPU it leaves, then ->on_cpu is cleared with
 *   smp_store_release() (go3s_co_off_cpu() in the loop,
 *   go3s_co_finish_switch() after a direct yield); the CPU that pops it
 *   waits for that with smp_cond_load_acquire() (go3s_co_wait_off_cpu())
 *   before it reads anything of it or switches to it.
 *   A coroutine moved off a parked CPU is popped the same way, and so is
 *   every coroutine, pinned ones included (their set may have changed
 *   while they sat on a ring).
 * - Allowed sets: go3s_co_set_allowed() publishes a new &go3s_co.allowed
 *   with rcu_assign_pointer() (release) and frees the old one after a
 *   grace period; readers are the run loop and the wakers, RCU-sched
 *   readers, with rcu_dereference_sched().  Partner of a new set: the
 *   pop, yield or re-home that reads it next (go3s_co_allowed()).
 * - Homeless coroutines: llist_add() in go3s_sched_rehome(), inside an
 *   RCU-sched section that found every CPU of the set parked, pairs with
 *   llist_del_all() in go3s_sched_rehome_homeless(), which
 *   go3s_sched_start() calls after synchronize_rcu().
 * - Finish: smp_store_release() of co->done pairs with smp_load_acquire() in
 *   go3s_join().
 * - Idle wake-ups: a CPU going idle stores its state, the idle count and
 *   the thief count, then issues smp_mb() (the one after clearing pending)
 *   and reads the rings; a busy CPU stores its ring tail, issues smp_mb()
 *   in go3s_sched_wake_thief() and reads the counts and states: store
 *   buffering, one side sees the other.  A claim is a fully ordered
 *   compare-and-swap of the state followed by the kick's atomic_xchg() of
 *   pending; the claimed CPU clears pending, issues smp_mb() and reads its
 *   state: either the kick finds pending clear and raises a pass, or the
 *   CPU sees the claim and stays up.
 *
 * DOC: limits
 *
 * - CPU hotplug and the usable set park a CPU's scheduler (see
 *   go3s_sched_park()): movable coroutines move, pinned ones wait for the
 *   CPU.
 * - Affinity: a coroutine has an allowed set (&go3s_co.allowed): any CPU,
 *   one (pinned), or a mask.  Those with more than one CPU are movable:
 *   they sit on the stealable rings, and a CPU leaving the usable set
 *   hands them on.  Pinned ones never enter a ring.  The set may change
 *   at any time (go3s_set_affinity()); it takes effect when the
 *   coroutine next switches out (a yield on a CPU outside it goes back to
 *   the loop) or is popped: a CPU that pops a coroutine it may not run
 *   passes it on (go3s_sched_forward()) instead of running it.  A thief
 *   may take coroutines not allowed on its CPU (the ring hands out whole
 *   runs of entries); it forwards them, then steals no more in that pass.
 *   A coroutine whose allowed CPUs are all parked waits: a pinned one in
 *   its CPU's queue, others on the homeless list, until a CPU starts.
 * - Work stealing: only movable coroutines move (allowed on more than one
 *   CPU, see above); pinned ones never do.  A thief takes half of one
 *   victim's ring (at most GO3S_RUNQ_RING / 2), or of its overflow only
 *   once the ring is empty, so a CPU with a long overflow keeps most of it
 *   for a while.
 * - Idle wake-ups: a busy CPU checks for idle CPUs only when it picks a
 *   coroutine; work it queues while one coroutine runs for long waits for
 *   its next pick.  While a thief is looking, busy CPUs wake nobody (as in
 *   Go): if that thief steals elsewhere, work left on a busy CPU waits for
 *   that CPU's next pick.  The check costs a full barrier per pick while
 *   the CPU's ring holds stealable work.  Going idle reads every other
 *   CPU's rings once more (linear in the CPUs).
 * - Backtraces: the kernel's unwinders stop at a coroutine stack, so a WARN()
 *   or dump_stack() inside a coroutine prints no frames of it.  go3s prints
 *   its own scan of the coroutine's stack with every warning of its own
 *   (go3s_co_warn()); frames marked "?" may include stale return addresses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/cpuhotplug.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/smpboot.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "sched.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_spawn);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_switch);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_wake);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_complete);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_steal);

DEFINE_PER_CPU_ALIGNED(struct go3s_sched, go3s_scheds);

/**
 * go3s_sched_kick() - make a CPU's run loop look at its queue
 * @s: the CPU's scheduler
 *
 * Context: any but NMI.
 */
void go3s_sched_kick(struct go3s_sched *s)
{
	int cpu;

	/*
	 * The whole kick, from the check of ->ready to the IPI or irq_work
	 * being queued, runs with preemption disabled: an RCU read-side
	 * section.  Partner: synchronize_rcu() after clearing ->ready in
	 * go3s_sched_quiesce(), so no kick starts once a CPU is stopping.
	 */
	cpu = get_cpu();
	/*
	 * Fully ordered: our push before the read of pending.  Partner:
	 * smp_mb() after clearing pending in go3s_sched_run().
	 */
	if (likely(READ_ONCE(s->ready)) && !atomic_xchg(&s->pending, 1)) {
		if (cpu == s->cpu)
			irq_work_queue(&s->kick);
		else
			smp_call_function_single_async(s->cpu, &s->csd);
	}
	put_cpu();
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_kick);

/* Rotor spreading re-homed coroutines over the running CPUs. */
static atomic_t go3s_rehome_rr = ATOMIC_INIT(0);

/* At unload: every coroutine may leave a parked CPU (go3s_sched_evacuate()). */
static u8 go3s_evacuating;

/*
 * Coroutines none of whose CPUs ran when they had to be queued (their
 * allowed set is all parked), linked by &go3s_co.wake_node.  Every
 * go3s_sched_start() looks at them again.  Pinned coroutines do not come
 * here: they wait in their own CPU's queue.
 */
static LLIST_HEAD(go3s_homeless);

/*
 * The CPUs @co may run on, NULL for any; any during unload, so that every
 * coroutine can finish.  Caller: an RCU-sched reader (preemption or bottom
 * halves disabled, which the run loop and go3s_sched_enqueue() are): a set
 * that go3s_co_set_allowed() replaced is freed after a grace period.
 */
static __always_inline const struct cpumask *go3s_co_mask(struct go3s_co *co)
{
	if (unlikely(READ_ONCE(go3s_evacuating)))
		return NULL;
	return rcu_dereference_sched(co->allowed);
}

/* May @co run on @cpu?  Caller: an RCU-sched reader. */
static __always_inline bool go3s_co_allowed(struct go3s_co *co, int cpu)
{
	const struct cpumask *m = go3s_co_mask(co);

	return !m || cpumask_test_cpu(cpu, m);
}

/*
 * How many running CPUs go3s_sched_pick_cpu() compares before it settles
 * for the least loaded so far: enough to find an idle CPU beside a few
 * busy ones, few enough that a pick stays cheap on a machine of thousands.
 */
#define GO3S_PICK_SCAN		8

/*
 * A running CPU (its scheduler ready: online and in the usable set) of
 * @allowed (NULL: any) to queue a coroutine on, the one with the shortest
 * run queue among the first GO3S_PICK_SCAN from a rotating start; -1 if
 * none runs.  Caller: an RCU-sched reader, see go3s_sched_enqueue().
 */
static int go3s_sched_pick_cpu(const struct cpumask *allowed)
{
	unsigned int start, len, best_len = UINT_MAX, seen = 0;
	int cpu, best = -1;

	if (!allowed)
		allowed = cpu_possible_mask;
	start = (unsigned int)atomic_inc_return(&go3s_rehome_rr) % nr_cpu_ids;
	for_each_cpu_wrap(cpu, allowed, start) {
		struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

		/* Partner: smp_store_release() in go3s_sched_start(). */
		if (!cpu_possible(cpu) || !smp_load_acquire(&s->ready))
			continue;
		len = go3s_runq_len(&s->rq);
		if (len < best_len) {
			best = cpu;
			best_len = len;
		}
		if (!len || ++seen == GO3S_PICK_SCAN)
			break;
	}
	return best;
}

/*
 * @co, runnable, cannot stay where ->cpu says: that CPU is parked (not
 * ready), or it popped @co and @co may not run there.  Put it on a
 * running CPU of its allowed set and kick that one; if none runs, a
 * coroutine pinned to its ->cpu stays (the caller queues it there), any
 * other goes on go3s_homeless.  Caller: an RCU-sched reader, from its read
 * of the CPUs' ->ready to the push.
 * Return: false if it stays (the caller queues it on its ->cpu).
 */
static bool go3s_sched_rehome(struct go3s_co *co)
{
	const struct cpumask *allowed = go3s_co_mask(co);
	struct go3s_sched *s;
	int cpu;

	cpu = go3s_sched_pick_cpu(allowed);
	if (cpu < 0) {
		/* A set of one CPU is always cpumask_of() it. */
		if (allowed == cpumask_of(co->cpu))
			return false;
		/*
		 * Every CPU of its set was parked when we looked, in this
		 * RCU-sched section: a go3s_sched_start() since then waits
		 * for us in synchronize_rcu() and then takes the list.
		 * Partner: llist_del_all() in go3s_sched_rehome_homeless().
		 */
		llist_add(&co->wake_node, &go3s_homeless);
		return true;
	}
	/*
	 * Nobody else writes ->cpu now: only the one waker that made @co
	 * runnable, or the CPU or drain that popped it, holds it.  Its new
	 * CPU reads
	 * ->cpu and ->sp after the run-queue hand-off below (llist_add() in
	 * go3s_runq_push_remote(), llist_del_all() in go3s_runq_pop(), both
	 * fully ordered).  Its old CPU wrote
	 * ->sp before it was parked; partner of that: the release of
	 * ->ready = false in go3s_sched_park() and the acquire by which the
	 * caller saw it (or, for a drain, the same CPU or the hotplug lock;
	 * for a CPU that popped it, go3s_co_wait_off_cpu()).
	 */
	WRITE_ONCE(co->cpu, cpu);
	s = per_cpu_ptr(&go3s_scheds, cpu);
	go3s_runq_push_remote(&s->rq, co);
	go3s_sched_kick(s);
	return true;
}

/*
 * go3s_sched_rehome(), and if @co stays, queue it on its parked ->cpu,
 * without a kick: go3s_sched_start() kicks a CPU whose queue is not empty.
 * Caller: an RCU-sched reader.
 */
static void go3s_sched_resend(struct go3s_co *co)
{
	if (!go3s_sched_rehome(co))
		go3s_runq_push_remote(&per_cpu_ptr(&go3s_scheds, co->cpu)->rq,
				      co);
}

/*
 * Send the homeless coroutines on again: a CPU started, or a set changed.
 * Context: process context.
 */
static void go3s_sched_rehome_homeless(void)
{
	struct llist_node *list;
	struct go3s_co *co, *tmp;

	if (llist_empty(&go3s_homeless))
		return;
	/* Fully ordered.  Partner: llist_add() in go3s_sched_rehome(). */
	list = llist_del_all(&go3s_homeless);
	/* An RCU-sched reader, as go3s_sched_rehome() wants. */
	local_bh_disable();
	/* _safe: once queued, a coroutine may run and reuse ->wake_node. */
	llist_for_each_entry_safe(co, tmp, list, wake_node)
		go3s_sched_resend(co);
	local_bh_enable();
}

/* Queue @co, just made runnable, on its CPU and kick the CPU if needed. */
void go3s_sched_enqueue(struct go3s_co *co)
{
	/*
	 * Changes while CREATED (GO3S_IOC_SET_AFFINITY), or by whoever holds
	 * @co runnable (go3s_sched_rehome(), the CPU that pops it): that is
	 * us.  If @co may no longer run there, that CPU passes it on when it
	 * pops it (go3s_sched_forward()).
	 */
	int cpu = READ_ONCE(co->cpu);
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);
	struct go3s_co *cur = go3s_current();

	trace_go3s_wake(co->id, cpu);
	/* Woken by a coroutine of its own CPU: the loop is running. */
	if (cur && cur->cpu == cpu) {
		go3s_runq_push_next(&s->rq, co);
		return;
	}
	/*
	 * Any other context, hard interrupts included: the remote list.
	 * An RCU-sched reader from the ->ready test to the push: a CPU being
	 * parked waits for us (synchronize_rcu() in go3s_sched_park()) and
	 * then drains its queue, so a push we made after seeing it ready is
	 * moved or kept there; one being started waits for us too and then
	 * kicks itself if its queue is not empty (go3s_sched_start()).
	 */
	preempt_disable();
	/*
	 * Acquire: a parked CPU's last switch-out of @co is visible before
	 * we move it.  Partner: smp_store_release() of ->ready in
	 * go3s_sched_park().
	 */
	if (likely(smp_load_acquire(&s->ready))) {
		go3s_runq_push_remote(&s->rq, co);
		go3s_sched_kick(s);
	} else if (!go3s_sched_rehome(co)) {
		/* Pinned: it waits there, queued, until the CPU runs again. */
		go3s_runq_push_remote(&s->rq, co);
	}
	preempt_enable();
}

/*
 * Kicks that land after go3s_sched_quiesce(): none may (the KUnit case
 * go3s_test_stop_kick_race counts them).
 */
static atomic_long_t go3s_late_kicks = ATOMIC_LONG_INIT(0);

static bool go3s_sched_late(struct go3s_sched *s)
{
	if (likely(!READ_ONCE(s->stopped)))
		return false;
	atomic_long_inc(&go3s_late_kicks);
	return true;
}

/* Hard interrupt context, on s->cpu. */
static void go3s_sched_kick_irq_work(struct irq_work *work)
{
	struct go3s_sched *s = container_of(work, struct go3s_sched, kick);

	if (!go3s_sched_late(s))
		go3s_bh_schedule(&s->bh);
}

static void go3s_sched_kick_ipi(void *info)
{
	struct go3s_sched *s = info;

	if (!go3s_sched_late(s))
		go3s_bh_schedule(&s->bh);
}

/*
 * @co, switched out for good on this CPU (its ->sp saved, the loop done
 * with it), may now run elsewhere.  Release: its ->sp and every field the
 * loop or the coroutine wrote before.  Partner: smp_cond_load_acquire() in
 * go3s_co_wait_off_cpu().  A movable coroutine may be on a ring already
 * (it yielded with go3s_runq_yield() before switching out, or handed
 * over): after this store, touch nothing of it.
 */
static __always_inline void go3s_co_off_cpu(struct go3s_co *co)
{
	/* Partner: smp_cond_load_acquire() in go3s_co_wait_off_cpu(). */
	smp_store_release(&co->on_cpu, 0);
}

/*
 * Before running @co, popped from this CPU's run queue: it may have been
 * taken from a ring while its old CPU was still switching it out (a yield
 * queues itself before go3s_switch() saves its stack pointer), or sent
 * here from another CPU by a waker or a forward.  Any coroutine may have
 * moved (a pinned one too: its set may have changed while it was on a
 * ring), so every pop waits; for one that never left this CPU the load
 * finds 0 at once.
 * Wait until it is off that CPU, as try_to_wake_up() waits on p->on_cpu;
 * acquire, partner: go3s_co_off_cpu() after the loop's switch back in
 * go3s_sched_run_one(), or go3s_co_finish_switch() after a direct yield.
 * The wait is short and cannot be circular: a CPU that waits here either
 * is in its loop (nothing of its own is switching out) or yields directly
 * to a coroutine from its own ring, and a coroutine switching out on
 * another CPU reaches our ring only by a steal in our loop, before the
 * coroutine we are switching out started to run.
 *
 * Then, if it may run here, the coroutine belongs to this CPU: wakers
 * queue it here from now on.  Only the CPU that popped it writes ->cpu,
 * and a waker reads it only after the coroutine suspends here (the fully
 * ordered state transitions order the two).  Entries moved by a steal
 * keep their old ->cpu while they wait in our ring (a status snapshot may
 * show it): no waker can queue an ACTIVE coroutine.  One that may not run
 * here keeps its ->cpu too, until go3s_sched_forward() sends it on.
 *
 * Return: false if @co may not run on this CPU (its allowed set).
 */
static __always_inline bool go3s_co_wait_off_cpu(struct go3s_sched *s,
						 struct go3s_co *co)
{
	smp_cond_load_acquire(&co->on_cpu, !VAL);
	if (unlikely(!go3s_co_allowed(co, s->cpu)))
		return false;
	if (co->cpu != s->cpu)
		WRITE_ONCE(co->cpu, s->cpu);
	return true;
}

/*
 * @co, popped here and off every CPU (go3s_co_wait_off_cpu()), may not run
 * on this CPU: its allowed set changed, or a thief took it from a CPU it
 * may run on.  Send it to a running CPU of its set (or let it wait for
 * one).  A CPU whose steals bring it only such coroutines would steal them
 * again and again while their CPUs are busy: it steals no more in this
 * pass.
 */
static void go3s_sched_forward(struct go3s_sched *s, struct go3s_co *co)
{
	s->no_steal = true;
	go3s_sched_resend(co);
}

/* The canary at the far end of @co's stack is gone: fail it, touch nothing. */
static void go3s_co_fail(struct go3s_sched *s, struct go3s_co *co)
{
	unsigned long entries[16];
	unsigned int old;
	int ret;

	s->stats.canary_failures++;
	co->failed = true;
	/* Switched out: its frames lie above its saved stack pointer. */
	go3s_co_report(co, co->sp, entries, ARRAY_SIZE(entries),
		       "stack canary overrun (coroutine failed)");
	if (co->reason == GO3S_SWITCH_EXIT) {
		go3s_co_off_cpu(co);
		go3s_co_finish(s, co);
		return;
	}
	co->result = -EFAULT;
	ret = go3s_co_transition(co, GO3S_REQ_FAIL, &old, NULL);
	/*
	 * It is on the run queue (it handed over after requeueing itself), or
	 * it switched out SUSPENDED and a waker has queued it since (the
	 * state moved on): it is finished when popped, seeing ->failed.
	 */
	if (co->reason == GO3S_SWITCH_HANDOVER ||
	    (co->reason == GO3S_SWITCH_SUSPEND &&
	     !(!ret && (old & GO3S_CO_STATE_MASK) == GO3S_STATE_SUSPENDED))) {
		go3s_co_off_cpu(co);
		return;
	}
	go3s_co_off_cpu(co);
	go3s_co_finish(s, co);
}

/*
 * The run loop's clock.  Every timestamp of a pass is taken on the pass's
 * one CPU with bottom halves disabled, and only differences between two of
 * them are used, for which the CPU's raw sched_clock() is exact.
 * local_clock() adds the cross-CPU filtering of sched_clock_cpu() when the
 * TSC is unstable (as under QEMU), which costs more than a switch; a switch
 * reads this clock twice.  A step backwards counts as zero.
 */
static __always_inline u64 go3s_clock(void)
{
	return sched_clock();
}

static __always_inline u64 go3s_clock_delta(u64 from, u64 to)
{
	s64 d = to - from;

	return d > 0 ? d : 0;
}

/* @co, running on @s's CPU, switched out at @now: count its run. */
static void go3s_sched_account(struct go3s_sched *s, struct go3s_co *co,
			       u64 now)
{
	u64 d = go3s_clock_delta(s->cur_t0, now);

	s->cur = NULL;
	/*
	 * Read by any CPU (status); only the CPU running it writes them.
	 * ->on_cpu stays set: see go3s_co_off_cpu().
	 */
	WRITE_ONCE(co->switches, co->switches + 1);
	WRITE_ONCE(co->run_ns, co->run_ns + d);
	s->stats.switches++;
	s->stats.co_ns += d;
	s->pass_n++;
}

/* @co, started and not failed, is about to be switched to. */
static void go3s_sched_enter(struct go3s_sched *s, struct go3s_co *co)
{
	trace_go3s_switch(co->id, s->cpu);
	s->cur = co;
	WRITE_ONCE(co->on_cpu, true);
	s->cur_t0 = go3s_clock();
}

/* Is there budget left in this pass after one more switch at @now? */
static bool go3s_sched_budget_left(struct go3s_sched *s, u64 now)
{
	return s->pass_n < GO3S_BUDGET_SWITCHES &&
	       go3s_clock_delta(s->pass_start, now) < GO3S_BUDGET_NS;
}

/*
 * Runs @co until a coroutine switches back to the loop: @co, or another
 * one that @co or its successors yielded to directly (go3s_yield()).
 * *@now gets the clock after that, for the budget.  Returns the coroutine
 * that switched back if it yielded: the caller requeues it (with the next
 * pop, see go3s_runq_yield()).
 */
static struct go3s_co *go3s_sched_run_one(struct go3s_sched *s,
					  struct go3s_co *co, u64 *now)
{
	enum go3s_switch_reason reason;

	if (unlikely(!go3s_co_wait_off_cpu(s, co))) {
		go3s_sched_forward(s, co);
		s->pass_n++;
		*now = go3s_clock();
		return NULL;
	}
	if (co->failed || (!co->started &&
			   go3s_co_state(co) == GO3S_STATE_CANCELLED)) {
		go3s_co_finish(s, co);
		s->pass_n++;
		*now = go3s_clock();
		return NULL;
	}
	if (!co->started) {
		co->started = true;
		s->stats.spawns++;
	}
	go3s_sched_enter(s, co);
	go3s_canary_set(co->canary);
	go3s_switch(&s->sp, &co->sp);
	go3s_canary_set(s->task_canary);
	*now = go3s_clock();
	co = s->cur;
	go3s_sched_account(s, co, *now);

	if (unlikely(!go3s_stack_canary_intact(co->stack))) {
		go3s_co_fail(s, co);
		return NULL;
	}
	/*
	 * go3s_switch() has saved its stack pointer: it is off this CPU.  A
	 * handed-over one is on a ring and may run elsewhere from here on.
	 */
	reason = co->reason;
	go3s_co_off_cpu(co);
	switch (reason) {
	case GO3S_SWITCH_YIELD:
		return co;
	case GO3S_SWITCH_SUSPEND:
		/* Whoever resumes or cancels it queues it. */
		break;
	case GO3S_SWITCH_EXIT:
		go3s_co_finish(s, co);
		break;
	case GO3S_SWITCH_HANDOVER:
		/* Requeued already; s->next runs next. */
		break;
	}
	return NULL;
}

/* Passes over the other CPUs a CPU that ran dry makes looking for work. */
#define GO3S_STEAL_PASSES	2

/*
 * Take half of the movable coroutines of one other CPU: victims are the
 * online CPUs whose scheduler is ready, from a random one on, the CPUs of
 * our NUMA node in the first pass, all of them in the others.  Returns the
 * coroutine to run, the others moved now wait in our ring; NULL if nothing
 * was found.  A victim's ->ready is read in our pass, which runs with
 * bottom halves disabled: an RCU read-side section, so a victim's run
 * queue is not destroyed under us (partner: synchronize_rcu() after
 * clearing ->ready in go3s_sched_park() and go3s_sched_quiesce()).
 */
static struct go3s_co *go3s_sched_steal(struct go3s_sched *s)
{
	const struct cpumask *node = cpumask_of_node(cpu_to_node(s->cpu));
	unsigned int pass, nr, start;
	struct go3s_sched *v;
	struct go3s_co *co;
	int cpu;

	/* The "steal" parameter: a hint, read once per pass. */
	if (s->no_steal || !READ_ONCE(go3s_steal_enabled) ||
	    num_online_cpus() < 2)
		return NULL;
	start = get_random_u32_below(nr_cpu_ids);
	for (pass = 0; pass < GO3S_STEAL_PASSES; pass++) {
		for_each_cpu_wrap(cpu, cpu_online_mask, start) {
			if (cpu == s->cpu ||
			    (!pass && !cpumask_test_cpu(cpu, node)))
				continue;
			v = per_cpu_ptr(&go3s_scheds, cpu);
			if (!READ_ONCE(v->ready) || go3s_runq_empty(&v->rq))
				continue;
			co = go3s_runq_steal(&s->rq, &v->rq, &nr);
			if (co) {
				trace_go3s_steal(co->id, cpu, s->cpu, nr);
				return co;
			}
		}
	}
	return NULL;
}

/*
 * Idle wake-ups (see "DOC: idle wake-ups").  s->idle (enum go3s_idle)
 * says whether a CPU may be woken to steal.  Two counts let a busy CPU
 * skip the search: CPUs in GO3S_IDLE_YES, and thieves (claimed, or
 * spinning in their pass), which the rule keeps at 0 or 1.
 */
static atomic_t go3s_nr_idle = ATOMIC_INIT(0);
static atomic_t go3s_nr_spinning = ATOMIC_INIT(0);

/* A thief gives up its count: it found work, or goes idle. */
static void go3s_sched_unspin(struct go3s_sched *s)
{
	WRITE_ONCE(s->spinning, 0);
	atomic_dec(&go3s_nr_spinning);
}

/*
 * A pass starts on @s's CPU: it is not idle any more.  If a busy CPU
 * claimed it, it is the thief now (the count passes to it).
 */
static void go3s_sched_busy(struct go3s_sched *s)
{
	if (likely(atomic_read(&s->idle) == GO3S_IDLE_NO))
		return;
	/* Its claimer took it off the idle count already. */
	if (atomic_xchg(&s->idle, GO3S_IDLE_NO) == GO3S_IDLE_CLAIMED)
		WRITE_ONCE(s->spinning, 1);
	else
		atomic_dec(&go3s_nr_idle);
}

/*
 * Claim one idle CPU other than @s's, of @s's node first, and kick it.
 * Caller: holds the go3s_nr_spinning count the thief will own; an
 * RCU-sched reader (the run loop), so a CPU seen ready is not parked
 * under us: go3s_sched_park() clears ->ready, waits for a grace period,
 * then takes back a claim that landed (go3s_sched_idle_reset()).
 */
static bool go3s_sched_claim_idle(struct go3s_sched *s)
{
	const struct cpumask *node = cpumask_of_node(cpu_to_node(s->cpu));
	struct go3s_sched *t;
	int pass, cpu;

	for (pass = 0; pass < 2; pass++) {
		for_each_cpu_wrap(cpu, cpu_online_mask, s->cpu) {
			if (cpu == s->cpu ||
			    (!pass && !cpumask_test_cpu(cpu, node)) ||
			    (pass && cpumask_test_cpu(cpu, node)))
				continue;
			t = per_cpu_ptr(&go3s_scheds, cpu);
			if (!READ_ONCE(t->ready) ||
			    atomic_read(&t->idle) != GO3S_IDLE_YES ||
			    atomic_cmpxchg(&t->idle, GO3S_IDLE_YES,
					   GO3S_IDLE_CLAIMED) != GO3S_IDLE_YES)
				continue;
			atomic_dec(&go3s_nr_idle);
			/*
			 * The claim before our read of its pending flag
			 * (atomic_xchg(), fully ordered).  Partner: the
			 * smp_mb() in go3s_sched_idle() between clearing its
			 * pending flag and reading its state: either we kick
			 * it or it sees the claim and stays up.
			 */
			go3s_sched_kick(t);
			return true;
		}
	}
	return false;
}

/*
 * @s's run queue has something a thief could take (ring or overflow) and
 * its CPU is busy: if no thief is looking and some CPU is idle, wake one
 * (Go's wakep()).  At most one thief at a time: the count goes from 0 to
 * 1 only with a compare-and-swap, and a thief drops it before it wakes
 * the next one.
 */
static noinline void go3s_sched_wake_thief(struct go3s_sched *s)
{
	/* The "steal" parameter: a hint, as in go3s_sched_steal(). */
	if (!READ_ONCE(go3s_steal_enabled))
		return;
	/*
	 * Store buffering against a CPU going idle: we published work in our
	 * ring and now read the thief count and the idle CPUs; it marks itself
	 * idle (and drops its thief count) and then reads every ring.  One of
	 * the two sees the other.  Partner: smp_mb() in go3s_sched_idle().
	 */
	smp_mb();
	if (atomic_read(&go3s_nr_spinning) || !atomic_read(&go3s_nr_idle))
		return;
	if (atomic_cmpxchg(&go3s_nr_spinning, 0, 1))
		return;
	if (go3s_sched_claim_idle(s)) {
		s->stats.wakes_idle++;
		return;
	}
	/*
	 * Nobody to claim.  A CPU going idle after our reads of the idle
	 * states sees our ring (partner as above) and steals by itself.
	 */
	atomic_dec(&go3s_nr_spinning);
}

/*
 * @s's CPU is about to run a coroutine (from the loop or a direct yield):
 * a thief that found work stops looking, and work left in the ring may
 * wake an idle CPU.  The cheap test, an owner-only look at our own ring,
 * comes first: a CPU with one movable coroutine pays nothing more.
 */
static __always_inline void go3s_sched_spread(struct go3s_sched *s)
{
	if (unlikely(s->spinning))
		go3s_sched_unspin(s);
	if (unlikely(go3s_runq_stealable(&s->rq)))
		go3s_sched_wake_thief(s);
}

/* Is there work to steal on another running CPU?  A snapshot. */
static bool go3s_sched_work_elsewhere(struct go3s_sched *s)
{
	struct go3s_sched *v;
	int cpu;

	if (!READ_ONCE(go3s_steal_enabled) || num_online_cpus() < 2)
		return false;
	for_each_online_cpu(cpu) {
		if (cpu == s->cpu)
			continue;
		v = per_cpu_ptr(&go3s_scheds, cpu);
		if (READ_ONCE(v->ready) && go3s_runq_stealable(&v->rq))
			return true;
	}
	return false;
}

/*
 * @s is parked (or stopping): not claimable any more, and a claim that
 * landed before gives its count back.  On @s's CPU with no pass running,
 * after a grace period since ->ready was cleared (go3s_sched_park()), so
 * no claimer is still looking at it.  No pass is half done, so @s is not
 * spinning (a pass drops that before it runs anything or ends).
 */
static void go3s_sched_idle_reset(struct go3s_sched *s)
{
	switch (atomic_xchg(&s->idle, GO3S_IDLE_NO)) {
	case GO3S_IDLE_YES:
		atomic_dec(&go3s_nr_idle);
		break;
	case GO3S_IDLE_CLAIMED:
		atomic_dec(&go3s_nr_spinning);
		break;
	}
	WARN_ON_ONCE(s->spinning);
}

/*
 * The loop found nothing to run, its own or stolen.  Go idle: become
 * claimable, drop the thief count if we held it, clear s->pending, and
 * then look once more (Go's "delicate dance" in findRunnable()) at our
 * own queue, at a claim that came meanwhile, and at the other CPUs'
 * rings.  Returns true to keep looping (s->pending set again, the CPU
 * busy again), false to end the pass idle.  *@retries bounds the rounds
 * spent on work seen elsewhere that other thieves keep taking first.
 */
static bool go3s_sched_idle(struct go3s_sched *s, unsigned int *retries)
{
	/* From GO3S_IDLE_NO: only a pass moves it on from YES or CLAIMED. */
	atomic_set(&s->idle, GO3S_IDLE_YES);
	atomic_inc(&go3s_nr_idle);
	if (s->spinning)
		go3s_sched_unspin(s);
	atomic_set(&s->pending, 0);
	/*
	 * Store buffering, twice: we clear pending, mark ourselves idle and
	 * drop the thief count, then read our queue, our state and the other
	 * rings; a waker writes our queue then reads pending (Partner:
	 * atomic_xchg() in go3s_sched_kick()), a claimer writes our state
	 * then reads pending (same partner), a busy CPU writes its ring then
	 * reads the count and the idle states (Partner: smp_mb() in
	 * go3s_sched_wake_thief()).  Both sides need a full barrier between
	 * their stores and their loads; smp_mb__after_atomic() would be none
	 * here (it orders only read-modify-write atomics, and atomic_set() is
	 * a plain store).
	 */
	smp_mb();
	if (go3s_runq_empty(&s->rq) &&
	    atomic_read(&s->idle) != GO3S_IDLE_CLAIMED) {
		if (*retries >= GO3S_STEAL_PASSES ||
		    !go3s_sched_work_elsewhere(s))
			return false;
		(*retries)++;
	}
	atomic_set(&s->pending, 1);
	go3s_sched_busy(s);
	return true;
}

/*
 * One pass of the run loop.  Returns true if it stopped for the budget
 * (s->pending stays set: the caller must run another pass), false once the
 * queue is empty and s->pending is clear.
 */
static bool go3s_sched_run(struct go3s_sched *s)
{
	struct go3s_co *co, *yielded = NULL;
	unsigned int retries = 0;
	bool more = true;
	u64 now;

	go3s_sched_busy(s);
	s->stats.passes++;
	s->pass_start = go3s_clock();
	s->pass_n = 0;
	s->no_steal = false;
	/* What the coroutines must give back at every switch-out. */
	go3s_ctx_save(&s->base);
	s->task_canary = go3s_canary_get();
	for (;;) {
		if (s->next) {
			co = s->next;
			s->next = NULL;
		} else if (yielded) {
			co = go3s_runq_yield(&s->rq, yielded);
		} else {
			co = go3s_runq_pop(&s->rq);
		}
		yielded = NULL;
		/*
		 * Our queue is dry (or thieves took what a yield left): look
		 * at the other CPUs before going idle.  Liveness never
		 * depends on this: every CPU runs its own queue.
		 */
		if (!co)
			co = go3s_sched_steal(s);
		if (!co) {
			/* Clears pending, and looks once more: see there. */
			if (!go3s_sched_idle(s, &retries)) {
				more = false;
				break;
			}
			continue;
		}
		go3s_sched_spread(s);
		yielded = go3s_sched_run_one(s, co, &now);
		/* A handed-over coroutine was popped: it runs in this pass. */
		if (!s->next && !go3s_sched_budget_left(s, now))
			break;
	}
	/* Out of budget right after a yield: it waits for the next pass. */
	if (yielded)
		go3s_runq_push(&s->rq, yielded);
	s->stats.sched_ns += go3s_clock_delta(s->pass_start, go3s_clock());
	return more;
}

static DEFINE_PER_CPU(struct task_struct *, go3s_threads);

static void go3s_sched_bh(struct go3s_bh *bh)
{
	struct go3s_sched *s = container_of(bh, struct go3s_sched, bh);

	if (WARN_ON_ONCE(smp_processor_id() != s->cpu) || go3s_sched_late(s))
		return;
	/*
	 * Parked: no pass runs.  Written on this CPU in process context
	 * (go3s_sched_park()), which a bottom half interrupts or follows.
	 */
	if (!READ_ONCE(s->ready))
		return;
	if (READ_ONCE(s->handoff)) {
		wake_up_process(per_cpu(go3s_threads, s->cpu));
		return;
	}
	if (go3s_sched_run(s)) {
		s->stats.handoffs++;
		WRITE_ONCE(s->handoff, true);
		wake_up_process(per_cpu(go3s_threads, s->cpu));
	}
}

/*
 * go3s/N, an smpboot thread (as ksoftirqd): runs the loop while a softirq
 * pass would not be enough.  smpboot binds it to its CPU, parks it before
 * the CPU goes down and unparks it when it comes back.  Partner of
 * ->handoff: the write in go3s_sched_bh() before its wakeup.
 */
static int go3s_thread_should_run(unsigned int cpu)
{
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

	return READ_ONCE(s->handoff) && READ_ONCE(s->ready);
}

static void go3s_thread_fn(unsigned int cpu)
{
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

	local_bh_disable();
	if (!READ_ONCE(s->ready) || !go3s_sched_run(s))
		WRITE_ONCE(s->handoff, false);
	local_bh_enable();
	cond_resched();
}

static struct smp_hotplug_thread go3s_smpboot = {
	.store			= &go3s_threads,
	.thread_should_run	= go3s_thread_should_run,
	.thread_fn		= go3s_thread_fn,
	.thread_comm		= "go3s/%u",
};

/*
 * The yield of @co, running on @s's CPU, without going back to the run
 * loop: requeue it and switch straight to the next coroutine, doing what
 * the loop would do on both sides of the switch (canary check, accounting,
 * budget, pick).  Returns false, having done nothing, when the loop must
 * see this switch-out: a bad canary, or the budget ends with it.
 *
 * The run queue, s->cur and the per-CPU stack-protector slot are the run
 * loop's, owner-CPU only; the loop is in its go3s_switch() call for this
 * whole time (bottom halves disabled), so they are ours to update.
 */
bool go3s_co_yield_direct(struct go3s_sched *s, struct go3s_co *co)
{
	struct go3s_co *next;
	u64 now;

	if (unlikely(!go3s_stack_canary_intact(co->stack)))
		return false;
	/* Its allowed set no longer has this CPU: the loop forwards it. */
	if (unlikely(!go3s_co_allowed(co, s->cpu)))
		return false;
	now = go3s_clock();
	if (s->pass_n + 1 >= GO3S_BUDGET_SWITCHES ||
	    go3s_clock_delta(s->pass_start, now) >= GO3S_BUDGET_NS)
		return false;
	next = go3s_runq_yield(&s->rq, co);
	if (next)
		go3s_sched_spread(s);
	if (!next) {
		/*
		 * Thieves took everything, @co included: it is on another
		 * CPU's ring already.  The loop switches it out (clearing
		 * ->on_cpu once its stack pointer is saved) and looks for
		 * work.
		 */
		go3s_co_switch_out(s, co, GO3S_SWITCH_HANDOVER);
		return true;
	}
	if (next != co) {
		if (!go3s_co_wait_off_cpu(s, next) || !next->started ||
		    next->failed) {
			/* A forward, first run or finish: the loop's job. */
			s->next = next;
			go3s_co_switch_out(s, co, GO3S_SWITCH_HANDOVER);
			return true;
		}
	}
	go3s_sched_account(s, co, now);
	go3s_sched_enter(s, next);
	if (next == co)
		return true;
	go3s_canary_set(next->canary);
	/*
	 * @co may be on our ring, stealable, from go3s_runq_yield() on: its
	 * ->on_cpu stays set until go3s_switch() has saved its stack
	 * pointer.  @next clears it once resumed (go3s_co_finish_switch()).
	 */
	s->prev = co;
	go3s_switch(&co->sp, &next->sp);
	/* Resumed, by the loop or a yielding coroutine, maybe elsewhere. */
	go3s_co_finish_switch();
	return true;
}

/**
 * go3s_sched_stats_read() - copy a CPU's counters
 * @cpu: the CPU
 * @st: where to copy them (a racy snapshot)
 */
void go3s_sched_stats_read(int cpu, struct go3s_sched_stats *st)
{
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

	/*
	 * The owner CPU bumps these with plain stores on its hot path; a
	 * snapshot from another CPU may be a little stale, and 64-bit loads
	 * and stores of aligned words do not tear on x86_64 (the only
	 * architecture go3s builds for).  Benign.
	 */
	data_race(*st = s->stats);
	st->steals = READ_ONCE(s->rq.steals);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_stats_read);

/**
 * go3s_sched_backoff_rounds() - backoff rounds on a CPU's run-queue locks
 * @cpu: the CPU
 *
 * Return: the sum over its three levels, a snapshot.
 */
unsigned long go3s_sched_backoff_rounds(int cpu)
{
	struct go3s_runq *rq = &per_cpu_ptr(&go3s_scheds, cpu)->rq;
	unsigned long n = 0;
	int i;

	for (i = 0; i < GO3S_NR_PRIO; i++)
		n += READ_ONCE(rq->level[i].lock.backoff_rounds);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_backoff_rounds);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * go3s_sched_of() - a CPU's scheduler, for the KUnit suites
 * @cpu: the CPU
 *
 * Return: its &struct go3s_sched.
 */
struct go3s_sched *go3s_sched_of(int cpu)
{
	return per_cpu_ptr(&go3s_scheds, cpu);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_of);

/**
 * go3s_sched_late_kicks() - kicks that arrived after their CPU stopped
 *
 * Return: the count since load.
 */
unsigned long go3s_sched_late_kicks(void)
{
	return atomic_long_read(&go3s_late_kicks);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_late_kicks);

/**
 * go3s_sched_steal_set() - turn work stealing on or off, as the "steal"
 * module parameter does
 * @on: the new setting
 *
 * Return: the previous setting.
 */
bool go3s_sched_steal_set(bool on)
{
	bool old = READ_ONCE(go3s_steal_enabled);

	WRITE_ONCE(go3s_steal_enabled, on);
	return old;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_steal_set);

/**
 * go3s_sched_nr_spinning() - thieves looking for work now
 *
 * Return: the count of CPUs woken to steal that have not found work or
 * gone idle yet, a snapshot (the idle wake-up rule keeps it at 0 or 1).
 */
int go3s_sched_nr_spinning(void)
{
	return atomic_read(&go3s_nr_spinning);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_nr_spinning);
#endif

static void go3s_ipi_barrier(void *info)
{
}

/* Is the kick IPI's call_single_data still queued or about to run? */
static bool go3s_csd_busy(call_single_data_t *csd)
{
	/* Acquire; partner: smp_store_release() in csd_unlock(), kernel/smp.c. */
	return smp_load_acquire(&csd->node.u_flags) & CSD_FLAG_LOCK;
}

/* go3s_sched_quiesce() without marking the CPU stopped: see there. */
static void go3s_sched_kicks_flush(struct go3s_sched *s)
{
	while (go3s_csd_busy(&s->csd))
		usleep_range(50, 100);
	if (cpu_online(s->cpu))
		smp_call_function_single(s->cpu, go3s_ipi_barrier, NULL, 1);
	irq_work_sync(&s->kick);
	go3s_bh_kill(&s->bh);
}

/**
 * go3s_sched_quiesce() - stop a CPU's kicks and kill its bottom half
 * @s: the CPU's scheduler
 *
 * Wait until no kick of @s can schedule its bottom half any more, then
 * kill the bottom half.  The caller has cleared s->ready and waited for
 * an RCU grace period since, so every go3s_sched_kick() has either seen
 * ->ready clear or finished queueing its IPI or irq_work.
 *
 * The IPI is asynchronous, and __flush_smp_call_function_queue() releases
 * an asynchronous CSD before it calls its function; within one flush it
 * also runs synchronous CSDs before asynchronous ones.  So a synchronous
 * IPI sent while ours is queued may well return first: wait for the CSD
 * to be released, then send the synchronous one.  It is queued after
 * that release, so it runs in a later flush, after the function of ours
 * has returned.  On our own CPU (smp_call_function_single() then runs the
 * barrier in place) the flush that released the CSD ran with interrupts
 * off and has finished before this task runs there again.
 *
 * Context: process context, may sleep.
 */
void go3s_sched_quiesce(struct go3s_sched *s)
{
	go3s_sched_kicks_flush(s);
	WRITE_ONCE(s->stopped, true);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_quiesce);

/*
 * Move what @s's queue holds: movable coroutines to a running CPU, pinned
 * ones back to the tail of @s's queue, where they wait for the CPU.  @s is
 * parked: no pass runs on it, so we may pop as its owner (on its CPU from
 * go3s_sched_park(), or from any CPU at unload while the hotplug lock
 * keeps it parked).  Wakers may push concurrently (go3s_sched_enqueue()),
 * to the remote list: a pinned coroutine pushed back comes round again, so
 * everything is taken off first and the pinned ones are queued after.
 */
static void go3s_sched_drain(struct go3s_sched *s)
{
	struct go3s_co *co, *tmp;
	LIST_HEAD(stay);

	/* Also an RCU-sched reader, as go3s_sched_rehome() wants. */
	local_bh_disable();
	WRITE_ONCE(s->handoff, false);
	/* Popped: ->rq_node is free until it is queued again. */
	while ((co = go3s_runq_pop(&s->rq)))
		if (!go3s_sched_rehome(co))
			list_add_tail(&co->rq_node, &stay);
	list_for_each_entry_safe(co, tmp, &stay, rq_node) {
		list_del(&co->rq_node);
		go3s_runq_push(&s->rq, co);
	}
	local_bh_enable();
}

/*
 * Park @s: no kick, bottom half or go3s/N pass runs on it any more, and
 * its movable coroutines go elsewhere.  Runs on @s's CPU in process
 * context (cpuhp callback, or work_on_cpu() for the usable set), so no
 * pass of it is half done: passes run there with bottom halves disabled.
 * Caller: holds the CPU hotplug lock (or is a hotplug callback).
 */
static long go3s_sched_park(void *arg)
{
	struct go3s_sched *s = arg;

	WARN_ON_ONCE(raw_smp_processor_id() != s->cpu);
	if (!READ_ONCE(s->ready))
		return 0;
	/*
	 * Release: this CPU's passes (switch-outs: ->sp) happen before.
	 * Partner: smp_load_acquire() of ->ready in go3s_sched_enqueue()
	 * and go3s_sched_pick_cpu().
	 */
	smp_store_release(&s->ready, false);
	/* Every enqueue or kick that saw it ready has pushed and queued. */
	synchronize_rcu();
	go3s_sched_kicks_flush(s);
	/* A kick cut off with the bottom half may have left it set. */
	atomic_set(&s->pending, 0);
	go3s_sched_idle_reset(s);
	go3s_sched_drain(s);
	return 0;
}

/*
 * Start @s (again): its CPU is online and usable.  Caller: holds the CPU
 * hotplug lock (or is a hotplug callback).
 */
static void go3s_sched_start(struct go3s_sched *s)
{
	if (READ_ONCE(s->ready))
		return;
	atomic_set(&s->pending, 0);
	WRITE_ONCE(s->handoff, false);
	WRITE_ONCE(s->stopped, false);
	/* Idle until its first pass: a busy CPU may wake it to steal. */
	atomic_set(&s->idle, GO3S_IDLE_YES);
	atomic_inc(&go3s_nr_idle);
	/*
	 * Partner: smp_load_acquire() in go3s_sched_enqueue(); the state
	 * above before it, for go3s_sched_claim_idle().
	 */
	smp_store_release(&s->ready, true);
	/*
	 * Every enqueue that saw it parked has pushed (Partner: the
	 * RCU-sched section in go3s_sched_enqueue()); later ones kick.
	 */
	synchronize_rcu();
	if (!go3s_runq_empty(&s->rq))
		go3s_sched_kick(s);
	/* Some of them may run here now. */
	go3s_sched_rehome_homeless();
}

/*
 * The usable-CPU set (module parameter "cpus").  Written under
 * go3s_cpus_mutex with the CPU hotplug lock held for reading; the hotplug
 * callbacks hold it for writing, so they read it without the mutex.
 */
static struct cpumask go3s_usable;
static bool go3s_usable_given;
static bool go3s_sched_up;		/* under go3s_cpus_mutex */
static DEFINE_MUTEX(go3s_cpus_mutex);
static int go3s_cpuhp_state;
static struct cpumask go3s_rq_ready;	/* run queues initialised */

static int go3s_cpu_online(unsigned int cpu)
{
	if (cpumask_test_cpu(cpu, &go3s_usable))
		go3s_sched_start(per_cpu_ptr(&go3s_scheds, cpu));
	return 0;
}

static int go3s_cpu_offline(unsigned int cpu)
{
	go3s_sched_park(per_cpu_ptr(&go3s_scheds, cpu));
	return 0;
}

/**
 * go3s_sched_set_cpus() - set the usable-CPU set
 * @mask: the CPUs go3s may run coroutines on
 *
 * CPUs leaving the set are parked as when they go offline: movable
 * coroutines move to a CPU of the set, pinned ones wait there, queued,
 * until the CPU is usable again.  Before the engine is up (a parameter
 * given at load) only the mask is recorded.
 *
 * Context: process context, may sleep.
 * Return: 0, or -EINVAL if @mask has no online CPU.
 */
int go3s_sched_set_cpus(const struct cpumask *mask)
{
	struct go3s_sched *s;
	int cpu, ret = 0;

	if (cpumask_empty(mask))
		return -EINVAL;
	cpus_read_lock();
	mutex_lock(&go3s_cpus_mutex);
	if (go3s_sched_up && !cpumask_intersects(mask, cpu_online_mask)) {
		ret = -EINVAL;
		goto out;
	}
	cpumask_copy(&go3s_usable, mask);
	go3s_usable_given = true;
	if (!go3s_sched_up)
		goto out;
	/* Grow first: the coroutines of the CPUs leaving need somewhere. */
	for_each_cpu_and(cpu, mask, cpu_online_mask)
		go3s_sched_start(per_cpu_ptr(&go3s_scheds, cpu));
	for_each_online_cpu(cpu) {
		s = per_cpu_ptr(&go3s_scheds, cpu);
		if (!cpumask_test_cpu(cpu, mask) && READ_ONCE(s->ready))
			work_on_cpu(cpu, go3s_sched_park, s);
	}
out:
	mutex_unlock(&go3s_cpus_mutex);
	cpus_read_unlock();
	return ret;
}

/**
 * go3s_sched_get_cpus() - the usable-CPU set
 * @mask: gets it
 */
void go3s_sched_get_cpus(struct cpumask *mask)
{
	mutex_lock(&go3s_cpus_mutex);
	if (go3s_usable_given)
		cpumask_copy(mask, &go3s_usable);
	else
		cpumask_copy(mask, cpu_possible_mask);
	mutex_unlock(&go3s_cpus_mutex);
}

/**
 * go3s_sched_nr_running() - CPUs that run coroutines now
 *
 * Return: the CPUs both online and usable (a snapshot).
 */
unsigned int go3s_sched_nr_running(void)
{
	unsigned int n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += !!READ_ONCE(per_cpu_ptr(&go3s_scheds, cpu)->ready);
	return n;
}

/**
 * go3s_sched_evacuate() - let every coroutine leave a parked CPU (unload)
 *
 * Before the final cancellation: from now on pinned coroutines too are
 * moved off parked CPUs (offline or outside the usable set) to a running
 * one, so that they can finish and the module can go.
 *
 * Context: process context, may sleep.
 */
void go3s_sched_evacuate(void)
{
	int cpu;

	cpus_read_lock();
	mutex_lock(&go3s_cpus_mutex);
	WRITE_ONCE(go3s_evacuating, 1);
	/* Every enqueue from now on sees it.  Partner: go3s_sched_rehome(). */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

		if (cpumask_test_cpu(cpu, &go3s_rq_ready) &&
		    !READ_ONCE(s->ready))
			go3s_sched_drain(s);
	}
	go3s_sched_rehome_homeless();
	mutex_unlock(&go3s_cpus_mutex);
	cpus_read_unlock();
}

/**
 * go3s_sched_affinity_changed() - a coroutine's allowed set changed
 * @co: the coroutine, its new set published (go3s_co_set_allowed())
 *
 * A running or queued coroutine sees its new set at its next switch or
 * pop.  One waiting for a parked CPU is looked at only when a CPU starts:
 * if its new set has a running CPU, send it there now, draining its parked
 * CPU's queue (and the homeless list) as go3s_sched_evacuate() does.  A
 * snapshot of ->cpu will do: a coroutine leaves a parked CPU only through
 * such a drain, under the locks we take.
 *
 * Context: process context, may sleep.
 */
void go3s_sched_affinity_changed(struct go3s_co *co)
{
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, READ_ONCE(co->cpu));

	if (READ_ONCE(s->ready) && llist_empty(&go3s_homeless))
		return;
	cpus_read_lock();
	mutex_lock(&go3s_cpus_mutex);
	/* Parked, and kept so by both locks (see go3s_sched_drain()). */
	if (go3s_sched_up && !READ_ONCE(s->ready))
		go3s_sched_drain(s);
	go3s_sched_rehome_homeless();
	mutex_unlock(&go3s_cpus_mutex);
	cpus_read_unlock();
}

/**
 * go3s_sched_mask_usable() - does a CPU set have a CPU that runs coroutines?
 * @mask: the set
 *
 * Return: true if a CPU of @mask is online and in the usable set (its
 * scheduler ready), a snapshot.
 */
bool go3s_sched_mask_usable(const struct cpumask *mask)
{
	int cpu;

	for_each_cpu_and(cpu, mask, cpu_online_mask)
		if (READ_ONCE(per_cpu_ptr(&go3s_scheds, cpu)->ready))
			return true;
	return false;
}

/* Stop every CPU's machinery; no coroutine is left. */
static void go3s_sched_stop_all(bool threads)
{
	struct go3s_sched *s;
	int cpu, state;

	mutex_lock(&go3s_cpus_mutex);
	go3s_sched_up = false;
	state = go3s_cpuhp_state;
	go3s_cpuhp_state = 0;
	mutex_unlock(&go3s_cpus_mutex);
	/* Parks every online CPU, on that CPU (offline ones are parked). */
	if (state > 0)
		cpuhp_remove_state(state);
	/* Every claim was taken back by its CPU's park. */
	WARN_ON_ONCE(atomic_read(&go3s_nr_spinning));
	if (threads)
		smpboot_unregister_percpu_thread(&go3s_smpboot);
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&go3s_scheds, cpu);
		WRITE_ONCE(s->stopped, true);
		if (cpumask_test_cpu(cpu, &go3s_rq_ready))
			go3s_runq_destroy(&s->rq);
	}
	cpumask_clear(&go3s_rq_ready);
}

int go3s_sched_init(void)
{
	struct go3s_sched *s;
	int cpu, err = 0;

	go3s_stack_init();
	WRITE_ONCE(go3s_evacuating, 0);
	atomic_set(&go3s_nr_idle, 0);
	atomic_set(&go3s_nr_spinning, 0);
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&go3s_scheds, cpu);
		s->cpu = cpu;
		s->cur = NULL;
		s->handoff = false;
		s->stopped = false;
		s->ready = false;
		s->spinning = 0;
		atomic_set(&s->pending, 0);
		atomic_set(&s->idle, GO3S_IDLE_NO);
		err = go3s_runq_init(&s->rq, cpu_to_node(cpu));
		if (err)
			goto err_rq;
		cpumask_set_cpu(cpu, &go3s_rq_ready);
		init_irq_work(&s->kick, go3s_sched_kick_irq_work);
		INIT_CSD(&s->csd, go3s_sched_kick_ipi, s);
		go3s_bh_init(&s->bh, cpu, go3s_sched_bh);
	}
	err = smpboot_register_percpu_thread(&go3s_smpboot);
	if (err)
		goto err_rq;
	cpus_read_lock();
	mutex_lock(&go3s_cpus_mutex);
	if (!go3s_usable_given)
		cpumask_copy(&go3s_usable, cpu_possible_mask);
	/* Calls go3s_cpu_online() on every online CPU, there. */
	err = cpuhp_setup_state_cpuslocked(CPUHP_AP_ONLINE_DYN, "go3s:online",
					   go3s_cpu_online, go3s_cpu_offline);
	if (err >= 0) {
		go3s_cpuhp_state = err;
		go3s_sched_up = true;
		err = 0;
	}
	mutex_unlock(&go3s_cpus_mutex);
	cpus_read_unlock();
	if (err) {
		go3s_sched_stop_all(true);
		go3s_stack_exit();
	}
	return err;

err_rq:
	go3s_sched_stop_all(false);
	go3s_stack_exit();
	return err;
}

void go3s_sched_exit(void)
{
	go3s_sched_evacuate();
	go3s_cancel_all(true);
	go3s_orphans_free();
	go3s_sched_stop_all(true);
	go3s_stack_exit();
}
