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
 * never runs two loops at once.  An idle CPU has no timer and no thread
 * running for go3s.
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
 * - A coroutine's saved stack pointer is written and read on its own CPU
 *   only (coroutines are pinned).
 * - Finish: smp_store_release() of co->done pairs with smp_load_acquire() in
 *   go3s_join().
 *
 * DOC: limits
 *
 * - Schedulers exist for the CPUs online at load time; coroutines are pinned
 *   and CPU hotplug is not handled (a CPU that goes offline strands its
 *   coroutines until it returns).  Work stealing is not implemented.
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
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"
#include "sched.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_spawn);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_switch);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_wake);
EXPORT_TRACEPOINT_SYMBOL_GPL(go3s_complete);

DEFINE_PER_CPU_ALIGNED(struct go3s_sched, go3s_scheds);

/* Every unfinished coroutine, for unload. */
static LIST_HEAD(go3s_all);
static DEFINE_SPINLOCK(go3s_all_lock);
static bool go3s_dying;			/* under go3s_all_lock */
static atomic_t go3s_live = ATOMIC_INIT(0);
static atomic_long_t go3s_stack_bytes = ATOMIC_LONG_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(go3s_live_wq);
static atomic64_t go3s_next_id = ATOMIC64_INIT(0);

/* go3s_co_entry uses the coroutine pointer as the slot for its last switch. */
static_assert(offsetof(struct go3s_co, sp) == 0);

static int go3s_misuse(const char *what, int err, unsigned long ip)
{
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP))
		pr_warn_ratelimited("%s misused (%pe) from %pS\n", what,
				    ERR_PTR(err), (void *)ip);
	return err;
}

/*
 * Does @v look like a return address: in kernel or module text, just after
 * a call instruction?  Read without faulting; the value may be anything.
 */
static bool go3s_is_return_address(unsigned long v)
{
	u8 b[8];

	if (v < __START_KERNEL_map + 8 || v >= MODULES_END)
		return false;
	if (copy_from_kernel_nofault(b, (void *)(v - 8), sizeof(b)))
		return false;
	return b[3] == 0xe8 ||				/* call rel32 */
	       (b[6] == 0xff && (b[7] & 0xf8) == 0xd0) ||	/* call *%reg */
	       (b[2] == 0xff && b[3] == 0x15);		/* call *m(%rip) */
}

/**
 * go3s_co_walk() - return addresses on a coroutine's stack
 * @co: the coroutine; the caller keeps it from finishing
 * @sp: where to start (its saved or current stack pointer)
 * @entries: filled with the addresses found, innermost first
 * @max: room in @entries
 *
 * The kernel's unwinders only walk task, interrupt, exception and entry
 * stacks; on a coroutine stack they stop at once and print an empty trace.
 * This walk scans the words of the coroutine's own stack instead and keeps
 * those that point just after a call instruction in kernel text, like the
 * kernel's "?" entries: every real frame is there, and a stale return
 * address may be too.
 *
 * Return: the number of entries stored.
 */
unsigned int go3s_co_walk(struct go3s_co *co, unsigned long sp,
			  unsigned long *entries, unsigned int max)
{
	unsigned long base = (unsigned long)co->stack;
	unsigned long top = base + co->stack_size;
	unsigned long *p;
	unsigned int n = 0;

	if (sp < base || sp >= top)
		return 0;
	for (p = (unsigned long *)ALIGN(sp, sizeof(long));
	     (unsigned long)p < top && n < max; p++) {
		unsigned long v = READ_ONCE_NOCHECK(*p);

		if (go3s_is_return_address(v))
			entries[n++] = v;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_walk);

static void go3s_co_report(struct go3s_co *co, unsigned long sp,
			   unsigned long *entries, unsigned int max,
			   const char *what)
{
	unsigned int i, n;

	n = go3s_co_walk(co, sp, entries, max);
	pr_warn("%s in coroutine %llu (entry %ps) on CPU %d; its frames:\n",
		what, co->id, co->fn, co->cpu);
	for (i = 0; i < n; i++)
		pr_warn("  ? %pS\n", (void *)entries[i]);
}

/**
 * go3s_co_warn() - report a problem in the running coroutine
 * @co: the running coroutine
 * @what: what went wrong
 *
 * Prints the coroutine's id, entry function and a walk of its own frames,
 * which the kernel's backtrace cannot show (see go3s_co_walk()).
 */
void go3s_co_warn(struct go3s_co *co, const char *what)
{
	unsigned long entries[16];

	/* Start above our own array: it holds stale words of earlier calls. */
	go3s_co_report(co, (unsigned long)(entries + ARRAY_SIZE(entries)),
		       entries, ARRAY_SIZE(entries), what);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_warn);

static void go3s_sched_kick(struct go3s_sched *s)
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

static void go3s_sched_enqueue(struct go3s_co *co)
{
	/* Changes only while CREATED (GO3S_IOC_SET_AFFINITY). */
	int cpu = READ_ONCE(co->cpu);
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);
	struct go3s_co *cur = go3s_current();

	trace_go3s_wake(co->id, cpu);
	/* Woken by a coroutine of its own CPU: the loop is running. */
	if (cur && cur->cpu == cpu) {
		go3s_runq_push_next(&s->rq, co);
		return;
	}
	/* Any other context, hard interrupts included: the remote list. */
	go3s_runq_push_remote(&s->rq, co);
	go3s_sched_kick(s);
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

/**
 * go3s_co_finish() - release a coroutine that will not run again
 * @s: its CPU's scheduler
 * @co: the coroutine, off every queue
 *
 * Context: @co's CPU, bottom halves disabled.
 */
void go3s_co_finish(struct go3s_sched *s, struct go3s_co *co)
{
	struct module *owner = co->owner;
	unsigned long flags;

	go3s_timer_stop(co);
	go3s_chan_wait_abort(co);
	if (!co->started)
		co->result = -ECANCELED;
	if (co->stack) {
		if (go3s_stack_canary_ok(co->stack))
			co->stack_hwm = go3s_stack_hwm(co->stack,
						       co->stack_size);
		go3s_stack_free(co->stack, co->stack_size);
		co->stack = NULL;
		atomic_long_sub(co->stack_size, &go3s_stack_bytes);
	}
	s->stats.completions++;
	trace_go3s_complete(co->id, co->cpu, co->result);

	spin_lock_irqsave(&go3s_all_lock, flags);
	list_del_init(&co->all_node);
	spin_unlock_irqrestore(&go3s_all_lock, flags);

	if (co->notify)
		co->notify(co, co->notify_data);
	/* Release; partner: smp_load_acquire() in go3s_join(). */
	smp_store_release(&co->done, 1);
	wake_up_all(&co->join_wq);
	if (atomic_dec_and_test(&go3s_live))
		wake_up_all(&go3s_live_wq);
	go3s_put(co);			/* the scheduler's reference */
	if (owner != THIS_MODULE)
		module_put(owner);
}

/**
 * go3s_co_set_notify() - have a function called when a coroutine finishes
 * @co: a coroutine that cannot have finished yet: spawned with
 *      %GO3S_SPAWN_SUSPENDED and not yet resumed or cancelled
 * @fn: called once, on @co's CPU with bottom halves disabled, after its
 *      stack is released and its result and counters are final, before
 *      go3s_join() returns for it
 * @data: passed to @fn
 */
void go3s_co_set_notify(struct go3s_co *co, go3s_notify_fn fn, void *data)
{
	WARN_ON_ONCE(go3s_co_state(co) != GO3S_STATE_CREATED);
	co->notify_data = data;
	co->notify = fn;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_set_notify);

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
	     !(!ret && (old & GO3S_CO_STATE_MASK) == GO3S_STATE_SUSPENDED)))
		return;
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
	/* Read by any CPU (status); only this one writes them. */
	WRITE_ONCE(co->on_cpu, false);
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
	switch (co->reason) {
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

/*
 * One pass of the run loop.  Returns true if it stopped for the budget
 * (s->pending stays set: the caller must run another pass), false once the
 * queue is empty and s->pending is clear.
 */
static bool go3s_sched_run(struct go3s_sched *s)
{
	struct go3s_co *co, *yielded = NULL;
	bool more = true;
	u64 now;

	s->stats.passes++;
	s->pass_start = go3s_clock();
	s->pass_n = 0;
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
		if (!co) {
			atomic_set(&s->pending, 0);
			/*
			 * Store buffering against a waker: we clear pending
			 * then read the queue, it writes the queue then reads
			 * pending.  Both sides need a full barrier between
			 * their store and their load; smp_mb__after_atomic()
			 * would be none here (it orders only read-modify-write
			 * atomics, and atomic_set() is a plain store).
			 * Partner: atomic_xchg() in go3s_sched_kick().
			 */
			smp_mb();
			if (go3s_runq_empty(&s->rq)) {
				more = false;
				break;
			}
			atomic_set(&s->pending, 1);
			continue;
		}
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

static void go3s_sched_bh(struct go3s_bh *bh)
{
	struct go3s_sched *s = container_of(bh, struct go3s_sched, bh);

	if (WARN_ON_ONCE(smp_processor_id() != s->cpu) || go3s_sched_late(s))
		return;
	if (READ_ONCE(s->handoff)) {
		wake_up_process(s->thread);
		return;
	}
	if (go3s_sched_run(s)) {
		s->stats.handoffs++;
		WRITE_ONCE(s->handoff, true);
		wake_up_process(s->thread);
	}
}

/* go3s/N: runs the loop while a softirq pass would not be enough. */
static int go3s_sched_thread(void *data)
{
	struct go3s_sched *s = data;
	bool ran;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		/* Partner: the write in go3s_sched_bh() before its wakeup. */
		if (!READ_ONCE(s->handoff)) {
			schedule();
			continue;
		}
		__set_current_state(TASK_RUNNING);
		ran = false;
		local_bh_disable();
		if (smp_processor_id() == s->cpu) {
			ran = true;
			if (!go3s_sched_run(s))
				WRITE_ONCE(s->handoff, false);
		}
		local_bh_enable();
		if (ran)
			cond_resched();
		else
			schedule_timeout_interruptible(HZ);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/**
 * go3s_co_main() - run a coroutine's body; called by go3s_co_entry
 * @co: the coroutine
 *
 * Return: the slot holding the run loop's stack pointer, for the last
 * switch.
 */
unsigned long *go3s_co_main(struct go3s_co *co)
{
	struct go3s_sched *s;
	const char *bad;
	int ret;

	ret = co->fn(co->arg);
	s = this_cpu_ptr(&go3s_scheds);
	bad = go3s_ctx_diff(&s->base);
	if (bad)
		go3s_co_warn(co, bad);
	if (unlikely(!go3s_stack_canary_intact(co->stack))) {
		/*
		 * Overran: failed, not completed, whatever it returned.  The
		 * switch-out finds the canary too, and reports and counts it
		 * (go3s_co_fail()).
		 */
		co->result = -EFAULT;
		go3s_co_transition(co, GO3S_REQ_FAIL, NULL, NULL);
	} else {
		co->result = ret;
		go3s_co_transition(co, GO3S_REQ_COMPLETE, NULL, NULL);
	}
	co->reason = GO3S_SWITCH_EXIT;
	return &s->sp;
}

/*
 * Refuse to switch away with interrupts disabled, holding a lock, inside
 * an RCU read-side section, kernel_fpu_begin(), migrate_disable(),
 * pagefault_disable() or a memalloc_*_save() scope: the context must be
 * what the run loop had when the pass started (struct go3s_ctx).
 */
static int go3s_co_check(struct go3s_sched *s, struct go3s_co *co,
			 const char *what)
{
	const char *bad = go3s_ctx_diff(&s->base);

	if (likely(!bad))
		return 0;
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "%s: %s", what, bad);
		go3s_co_warn(co, msg);
	}
	return -EDEADLK;
}

/**
 * go3s_co_may_switch() - may the running coroutine switch away now?
 * @co: the running coroutine
 * @what: the suspension point, for the report
 *
 * For suspension points that do work before parking (sleep, channels):
 * check first, so that a refusal leaves nothing done.
 *
 * Return: 0, or -EDEADLK (reported on debug kernels).
 */
int go3s_co_may_switch(struct go3s_co *co, const char *what)
{
	return go3s_co_check(this_cpu_ptr(&go3s_scheds), co, what);
}

static void go3s_co_switch_out(struct go3s_sched *s, struct go3s_co *co,
			       enum go3s_switch_reason reason)
{
	co->reason = reason;
	go3s_switch(&co->sp, &s->sp);
}

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
static bool go3s_co_yield_direct(struct go3s_sched *s, struct go3s_co *co)
{
	struct go3s_co *next;
	u64 now;

	if (unlikely(!go3s_stack_canary_intact(co->stack)))
		return false;
	now = go3s_clock();
	if (s->pass_n + 1 >= GO3S_BUDGET_SWITCHES ||
	    go3s_clock_delta(s->pass_start, now) >= GO3S_BUDGET_NS)
		return false;
	next = go3s_runq_yield(&s->rq, co);
	if (next != co && (!next->started || next->failed)) {
		/* A first run or a finish: the loop's job. */
		s->next = next;
		go3s_co_switch_out(s, co, GO3S_SWITCH_HANDOVER);
		return true;
	}
	go3s_sched_account(s, co, now);
	go3s_sched_enter(s, next);
	if (next == co)
		return true;
	go3s_canary_set(next->canary);
	go3s_switch(&co->sp, &next->sp);
	/* Resumed, by the loop or a yielding coroutine: it set the slot. */
	return true;
}

/**
 * go3s_co_park() - suspend the running coroutine until resumed or cancelled
 * @co: the running coroutine
 *
 * Return: 0 when resumed (at once if a resume came first), -ECANCELED if
 * cancelled, -EDEADLK if it may not switch now.
 */
int go3s_co_park(struct go3s_co *co)
{
	struct go3s_sched *s = this_cpu_ptr(&go3s_scheds);
	unsigned int new;
	int ret;

	ret = go3s_co_check(s, co, "suspension point in atomic state");
	if (ret)
		return ret;
	ret = go3s_co_transition(co, GO3S_REQ_SUSPEND, NULL, &new);
	if (ret)
		return ret;
	switch (new & GO3S_CO_STATE_MASK) {
	case GO3S_STATE_CANCELLED:
		return -ECANCELED;
	case GO3S_STATE_ACTIVE:
		return 0;
	}
	go3s_co_switch_out(s, co, GO3S_SWITCH_SUSPEND);
	return go3s_co_state(co) == GO3S_STATE_CANCELLED ? -ECANCELED : 0;
}

/**
 * go3s_current() - the coroutine running this code
 *
 * Context: any.  Interrupt handlers that interrupt a coroutine are not
 * part of it.
 * Return: the coroutine, or NULL outside one.
 */
struct go3s_co *go3s_current(void)
{
	unsigned long sp = current_stack_pointer;
	struct go3s_co *co;

	if (in_hardirq() || in_nmi())
		return NULL;
	/* A coroutine runs with bottom halves, hence preemption, disabled. */
	if (!preempt_count())
		return NULL;
	co = raw_cpu_read(go3s_scheds.cur);
	if (co && sp - (unsigned long)co->stack >= co->stack_size)
		co = NULL;
	return co;
}
EXPORT_SYMBOL_GPL(go3s_current);

/**
 * go3s_yield() - let the other coroutines of this CPU run
 *
 * The caller goes to the tail of its run-queue level.  A yield is a
 * suspension point for cancellation.
 *
 * Context: a coroutine.
 * Return: 0; -ECANCELED if the coroutine is cancelled (it still yielded);
 * -EPERM outside a coroutine; -EDEADLK (nothing done) with interrupts
 * or preemption disabled, a lock held, or inside an RCU, SRCU, migrate-,
 * pagefault-disabled or memalloc_*_save() section (go3s_co_may_switch()).
 */
int go3s_yield(void)
{
	struct go3s_co *co = go3s_current();
	struct go3s_sched *s;

	if (!co)
		return go3s_misuse("go3s_yield", -EPERM, _RET_IP_);
	s = this_cpu_ptr(&go3s_scheds);
	if (go3s_co_check(s, co, "yield in atomic state"))
		return -EDEADLK;
	if (atomic_read(&co->state) & GO3S_CO_CANCEL_REQ)
		go3s_co_transition(co, GO3S_REQ_SUSPEND, NULL, NULL);
	if (!go3s_co_yield_direct(s, co))
		go3s_co_switch_out(s, co, GO3S_SWITCH_YIELD);
	return go3s_co_state(co) == GO3S_STATE_CANCELLED ? -ECANCELED : 0;
}
EXPORT_SYMBOL_GPL(go3s_yield);

/**
 * go3s_suspend() - park the running coroutine until go3s_resume()
 *
 * Context: a coroutine.
 * Return: 0 when resumed (at once if a resume arrived since it last
 * parked), -ECANCELED if cancelled, -EPERM outside a coroutine, -EDEADLK
 * (nothing done) where it may not switch, as for go3s_yield().
 */
int go3s_suspend(void)
{
	struct go3s_co *co = go3s_current();

	if (!co)
		return go3s_misuse("go3s_suspend", -EPERM, _RET_IP_);
	return go3s_co_park(co);
}
EXPORT_SYMBOL_GPL(go3s_suspend);

/**
 * go3s_resume() - start a CREATED or wake a SUSPENDED coroutine
 * @co: the coroutine
 *
 * On an ACTIVE coroutine the wakeup is kept and its next suspension point
 * returns at once, so a resume racing a suspend is never lost.
 *
 * Context: any but NMI.
 * Return: 0, or -EINVAL if @co is COMPLETING or CANCELLED.
 */
int go3s_resume(struct go3s_co *co)
{
	unsigned int old;
	int ret;

	ret = go3s_co_transition(co, GO3S_REQ_RESUME, &old, NULL);
	if (ret)
		return ret;
	if ((old & GO3S_CO_STATE_MASK) != GO3S_STATE_ACTIVE)
		go3s_sched_enqueue(co);
	return 0;
}
EXPORT_SYMBOL_GPL(go3s_resume);

/**
 * go3s_cancel() - cancel a coroutine
 * @co: the coroutine
 *
 * A CREATED coroutine is cancelled without running.  A SUSPENDED one is
 * cancelled now and runs once more: its suspension point returns
 * -ECANCELED and its body should return.  On an ACTIVE one the request
 * takes effect at its next suspension point; go3s_should_stop() sees it at
 * once.
 *
 * Context: any but NMI.
 * Return: 0; -EBUSY if COMPLETING; -EALREADY if cancelled or requested.
 */
int go3s_cancel(struct go3s_co *co)
{
	unsigned int old;
	int ret;

	ret = go3s_co_transition(co, GO3S_REQ_CANCEL, &old, NULL);
	if (ret)
		return ret;
	if ((old & GO3S_CO_STATE_MASK) != GO3S_STATE_ACTIVE)
		go3s_sched_enqueue(co);
	return 0;
}
EXPORT_SYMBOL_GPL(go3s_cancel);

/**
 * go3s_should_stop() - has the running coroutine been asked to stop?
 *
 * Return: true if it is cancelled or a cancellation is pending; false
 * outside a coroutine.
 */
bool go3s_should_stop(void)
{
	struct go3s_co *co = go3s_current();
	unsigned int st;

	if (!co)
		return false;
	st = atomic_read(&co->state);
	return (st & GO3S_CO_CANCEL_REQ) ||
	       (st & GO3S_CO_STATE_MASK) == GO3S_STATE_CANCELLED;
}
EXPORT_SYMBOL_GPL(go3s_should_stop);

static bool go3s_co_done(struct go3s_co *co)
{
	/* Acquire; partner: smp_store_release() in go3s_co_finish(). */
	return smp_load_acquire(&co->done);
}

/**
 * go3s_join() - wait for a coroutine to finish
 * @co: the coroutine; the caller holds a reference
 * @timeout: in jiffies, or %MAX_SCHEDULE_TIMEOUT
 * @result: if not NULL, gets the body's return value (-ECANCELED if it
 *          never ran, -EFAULT if it failed its stack canary)
 *
 * Finished means its body returned (or it never ran) and its stack is
 * released: after a cancellation, join also waits for the cleanup.
 *
 * Context: process context, may sleep; not from a coroutine.
 * Return: 0; -ETIMEDOUT; -ERESTARTSYS if interrupted by a signal;
 * -EDEADLK if called from a coroutine or atomic context.
 */
int go3s_join(struct go3s_co *co, long timeout, int *result)
{
	long ret;

	if (go3s_current() || !in_task() || irqs_disabled() ||
	    (IS_ENABLED(CONFIG_PREEMPT_COUNT) && preempt_count()))
		return go3s_misuse("go3s_join", -EDEADLK, _RET_IP_);
	ret = wait_event_interruptible_timeout(co->join_wq, go3s_co_done(co),
					       timeout);
	if (ret < 0)
		return ret;
	if (!ret)
		return -ETIMEDOUT;
	if (result)
		*result = co->result;
	return 0;
}
EXPORT_SYMBOL_GPL(go3s_join);

/*
 * A new coroutine's stack: go3s_switch() pops six callee-saved registers
 * (%rbx = the coroutine) and returns into go3s_co_entry, with the stack
 * 16-byte aligned for its call; the two words above stay zero.
 */
static void go3s_co_init_frame(struct go3s_co *co)
{
	unsigned long *top = co->stack + co->stack_size;
	unsigned long *sp = top - 3 - 6;

	sp[0] = 0;				/* r15 */
	sp[1] = 0;				/* r14 */
	sp[2] = 0;				/* r13 */
	sp[3] = 0;				/* r12 */
	sp[4] = (unsigned long)co;		/* rbx */
	sp[5] = 0;				/* rbp */
	sp[6] = (unsigned long)go3s_co_entry;	/* return address */
	co->sp = (unsigned long)sp;
}

/**
 * __go3s_spawn() - create a coroutine
 * @owner: module of @fn, pinned until the coroutine finishes (go3s_spawn()
 *         passes THIS_MODULE)
 * @fn: the body; runs in atomic context (see go3s.h) and returns a result
 * @arg: its argument
 * @cpu: the CPU it is pinned to, or %GO3S_CPU_ANY for the calling CPU
 * @prio: its run-queue level
 * @stack_size: bytes, 0 for the default (16 KiB); at least 8 KiB
 * @flags: %GO3S_SPAWN_SUSPENDED to leave it CREATED until go3s_resume()
 *
 * Context: any but NMI.  In atomic context the stack must come from the
 * per-CPU cache of default-size stacks.
 * Return: the coroutine with a reference for the caller (go3s_put() it),
 * or ERR_PTR(): -EINVAL for bad arguments or a CPU go3s does not run on,
 * -EAGAIN at the coroutine limit or with no cached stack in atomic context,
 * -ENOMEM, -ESHUTDOWN while go3s unloads.
 */
struct go3s_co *__go3s_spawn(struct module *owner, go3s_fn_t fn, void *arg,
			     int cpu, enum go3s_prio prio, size_t stack_size,
			     unsigned int flags)
{
	bool atomic = !in_task() || !preemptible();
	size_t size = go3s_stack_size(stack_size);
	unsigned long irqflags;
	struct go3s_co *co;
	int err;

	if (!fn || prio >= GO3S_NR_PRIO || (flags & ~GO3S_SPAWN_FLAGS) ||
	    !size)
		return ERR_PTR(-EINVAL);
	if (cpu == GO3S_CPU_ANY)
		cpu = raw_smp_processor_id();
	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu) ||
	    !READ_ONCE(per_cpu_ptr(&go3s_scheds, cpu)->ready))
		return ERR_PTR(-EINVAL);

	if (atomic_inc_return(&go3s_live) > go3s_max_coroutines) {
		err = -EAGAIN;
		goto err_live;
	}
	if (atomic_long_add_return(size, &go3s_stack_bytes) >
	    go3s_max_stack_bytes) {
		err = -ENOMEM;
		goto err_bytes;
	}
	err = -ENOMEM;
	co = kzalloc(sizeof(*co), atomic ? GFP_ATOMIC : GFP_KERNEL);
	if (!co)
		goto err_bytes;
	co->stack = go3s_stack_alloc(size, atomic);
	if (!co->stack) {
		err = atomic ? -EAGAIN : -ENOMEM;
		goto err_co;
	}
	err = -ENOENT;
	if (owner != THIS_MODULE && !try_module_get(owner))
		goto err_stack;

	atomic_set(&co->state, GO3S_STATE_CREATED);
	co->cpu = cpu;
	co->prio = prio;
	refcount_set(&co->ref, 2);	/* the caller's and the scheduler's */
	co->id = atomic64_inc_return(&go3s_next_id);
	co->fn = fn;
	co->arg = arg;
	co->owner = owner;
	co->stack_size = size;
	co->canary = get_random_long();
	INIT_LIST_HEAD(&co->rq_node);
	INIT_LIST_HEAD(&co->wait.node);
	init_waitqueue_head(&co->join_wq);
	go3s_timer_setup(co);
	go3s_co_init_frame(co);

	spin_lock_irqsave(&go3s_all_lock, irqflags);
	if (go3s_dying) {
		spin_unlock_irqrestore(&go3s_all_lock, irqflags);
		err = -ESHUTDOWN;
		goto err_module;
	}
	list_add_tail(&co->all_node, &go3s_all);
	spin_unlock_irqrestore(&go3s_all_lock, irqflags);
	trace_go3s_spawn(co->id, cpu);

	if (!(flags & GO3S_SPAWN_SUSPENDED))
		go3s_resume(co);
	return co;

err_module:
	if (owner != THIS_MODULE)
		module_put(owner);
err_stack:
	go3s_stack_free(co->stack, size);
err_co:
	kfree(co);
err_bytes:
	atomic_long_sub(size, &go3s_stack_bytes);
err_live:
	atomic_dec(&go3s_live);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(__go3s_spawn);

/**
 * go3s_mem_charge() - charge memory to the module-wide byte limit
 * @bytes: how many
 *
 * Stacks and the buffers of session channels share one counter, bounded by
 * the max_stack_bytes module parameter.
 *
 * Return: 0, or -ENOMEM (nothing charged) if the limit would be exceeded.
 */
int go3s_mem_charge(unsigned long bytes)
{
	if (atomic_long_add_return(bytes, &go3s_stack_bytes) >
	    go3s_max_stack_bytes) {
		atomic_long_sub(bytes, &go3s_stack_bytes);
		return -ENOMEM;
	}
	return 0;
}

/**
 * go3s_mem_uncharge() - give back what go3s_mem_charge() took
 * @bytes: how many
 */
void go3s_mem_uncharge(unsigned long bytes)
{
	atomic_long_sub(bytes, &go3s_stack_bytes);
}

/**
 * go3s_nr_live() - coroutines not yet finished
 *
 * Return: the count, a snapshot.
 */
unsigned int go3s_nr_live(void)
{
	return atomic_read(&go3s_live);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_nr_live);

/**
 * go3s_cancel_all() - cancel every coroutine and wait until all finished
 * @final: keep refusing spawns afterwards (module unload)
 *
 * Context: process context, may sleep.
 */
void go3s_cancel_all(bool final)
{
	unsigned long flags;
	struct go3s_co *co;

	spin_lock_irqsave(&go3s_all_lock, flags);
	go3s_dying = true;
	list_for_each_entry(co, &go3s_all, all_node)
		go3s_cancel(co);
	spin_unlock_irqrestore(&go3s_all_lock, flags);

	while (!wait_event_timeout(go3s_live_wq, !atomic_read(&go3s_live),
				   10 * HZ))
		pr_warn("waiting for %u cancelled coroutines to return\n",
			atomic_read(&go3s_live));

	if (!final) {
		spin_lock_irqsave(&go3s_all_lock, flags);
		go3s_dying = false;
		spin_unlock_irqrestore(&go3s_all_lock, flags);
	}
}
EXPORT_SYMBOL_IF_KUNIT(go3s_cancel_all);

/**
 * go3s_sched_stats_read() - copy a CPU's counters
 * @cpu: the CPU
 * @st: where to copy them (a racy snapshot)
 */
void go3s_sched_stats_read(int cpu, struct go3s_sched_stats *st)
{
	/*
	 * The owner CPU bumps these with plain stores on its hot path; a
	 * snapshot from another CPU may be a little stale, and 64-bit loads
	 * and stores of aligned words do not tear on x86_64 (the only
	 * architecture go3s builds for).  Benign.
	 */
	data_race(*st = per_cpu_ptr(&go3s_scheds, cpu)->stats);
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
/*
 * Coroutines of go3s itself, left alive on purpose for "rmmod go3s" to
 * cancel and free (the unload test): their bodies live in go3s.ko, so they
 * do not pin another module.
 */
static struct go3s_chan *go3s_orphan_chan;

static int go3s_orphan_body(void *arg)
{
	void *v;
	int ret;

	switch ((unsigned long)arg % 4) {
	case 0:
		return go3s_sleep(3600ULL * NSEC_PER_SEC);
	case 1:
		return go3s_suspend();
	case 2:
		return go3s_chan_recv(go3s_orphan_chan, &v);
	default:
		/* Runs now and then until cancelled. */
		do {
			ret = go3s_sleep(20 * NSEC_PER_MSEC);
		} while (!ret);
		return ret;
	}
}

/**
 * go3s_spawn_orphans() - leave coroutines behind for module unload
 * @n: how many: sleeping, suspended, blocked on a channel, and (one in 64)
 *     waking up periodically; every tenth never started
 *
 * Return: how many were spawned.
 */
unsigned int go3s_spawn_orphans(unsigned int n)
{
	unsigned int i, ok = 0;
	unsigned long kind;
	struct go3s_co *co;

	if (!go3s_orphan_chan)
		go3s_orphan_chan = go3s_chan_create(0, GFP_KERNEL);
	if (!go3s_orphan_chan)
		return 0;
	for (i = 0; i < n; i++) {
		kind = i % 64 ? i % 3 : 3;	/* few periodic runners */
		co = __go3s_spawn(THIS_MODULE, go3s_orphan_body, (void *)kind,
				  cpumask_nth(i % num_online_cpus(),
					      cpu_online_mask),
				  i % GO3S_NR_PRIO, 0,
				  i % 10 ? 0 : GO3S_SPAWN_SUSPENDED);
		if (IS_ERR(co))
			break;
		go3s_put(co);
		ok++;
	}
	return ok;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_spawn_orphans);

static void go3s_orphans_free(void)
{
	go3s_chan_put(go3s_orphan_chan);
	go3s_orphan_chan = NULL;
}

static void go3s_sched_quiesce(struct go3s_sched *s);

/**
 * go3s_sched_test_kick() - kick a CPU's run loop, for the unload race test
 * @cpu: a CPU go3s runs on
 */
void go3s_sched_test_kick(int cpu)
{
	go3s_sched_kick(per_cpu_ptr(&go3s_scheds, cpu));
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_test_kick);

/**
 * go3s_sched_test_stop() - stop a CPU's kicks and bottom half as unload does
 * @cpu: a CPU go3s runs on, with nothing queued and no coroutine alive
 *
 * Context: process context, may sleep.
 * Return: 0, or -EBUSY if a coroutine lives.
 */
int go3s_sched_test_stop(int cpu)
{
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

	if (go3s_nr_live())
		return -EBUSY;
	WRITE_ONCE(s->ready, false);
	synchronize_rcu();
	go3s_sched_quiesce(s);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_test_stop);

/**
 * go3s_sched_test_start() - undo go3s_sched_test_stop()
 * @cpu: the CPU
 */
void go3s_sched_test_start(int cpu)
{
	struct go3s_sched *s = per_cpu_ptr(&go3s_scheds, cpu);

	/* A kick may have set pending and been cut off with the BH. */
	atomic_set(&s->pending, 0);
	WRITE_ONCE(s->stopped, false);
	WRITE_ONCE(s->ready, true);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sched_test_start);

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
#else
static void go3s_orphans_free(void)
{
}
#endif

static void go3s_sched_cpu_stop(struct go3s_sched *s)
{
	WRITE_ONCE(s->ready, false);
	if (s->thread) {
		kthread_stop(s->thread);
		s->thread = NULL;
	}
	go3s_runq_destroy(&s->rq);
}

static void go3s_ipi_barrier(void *info)
{
}

/* Is the kick IPI's call_single_data still queued or about to run? */
static bool go3s_csd_busy(call_single_data_t *csd)
{
	/* Acquire; partner: smp_store_release() in csd_unlock(), kernel/smp.c. */
	return smp_load_acquire(&csd->node.u_flags) & CSD_FLAG_LOCK;
}

/*
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
 */
static void go3s_sched_quiesce(struct go3s_sched *s)
{
	while (go3s_csd_busy(&s->csd))
		usleep_range(50, 100);
	if (cpu_online(s->cpu))
		smp_call_function_single(s->cpu, go3s_ipi_barrier, NULL, 1);
	irq_work_sync(&s->kick);
	go3s_bh_kill(&s->bh);
	WRITE_ONCE(s->stopped, true);
}

/* Stop every CPU's machinery; no coroutine is left. */
static void go3s_sched_stop_all(void)
{
	struct go3s_sched *s;
	int cpu;

	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&go3s_scheds, cpu);
		if (s->thread)
			WRITE_ONCE(s->ready, false);
	}
	/*
	 * Every kick that saw ->ready set has queued its IPI or irq_work.
	 * Partner: the get_cpu() section in go3s_sched_kick().
	 */
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&go3s_scheds, cpu);
		if (!s->thread)
			continue;
		go3s_sched_quiesce(s);
		go3s_sched_cpu_stop(s);
	}
}

int go3s_sched_init(void)
{
	struct task_struct *t;
	struct go3s_sched *s;
	int cpu, err = 0;

	go3s_stack_init();
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		s = per_cpu_ptr(&go3s_scheds, cpu);
		s->cpu = cpu;
		s->cur = NULL;
		s->handoff = false;
		s->stopped = false;
		atomic_set(&s->pending, 0);
		err = go3s_runq_init(&s->rq, cpu_to_node(cpu));
		if (err)
			break;
		init_irq_work(&s->kick, go3s_sched_kick_irq_work);
		INIT_CSD(&s->csd, go3s_sched_kick_ipi, s);
		go3s_bh_init(&s->bh, cpu, go3s_sched_bh);
		t = kthread_create_on_cpu(go3s_sched_thread, s, cpu, "go3s/%u");
		if (IS_ERR(t)) {
			go3s_runq_destroy(&s->rq);
			err = PTR_ERR(t);
			break;
		}
		s->thread = t;
		wake_up_process(t);
		WRITE_ONCE(s->ready, true);
	}
	cpus_read_unlock();
	if (err) {
		go3s_sched_stop_all();
		go3s_stack_exit();
	}
	return err;
}

void go3s_sched_exit(void)
{
	go3s_cancel_all(true);
	go3s_orphans_free();
	go3s_sched_stop_all();
	go3s_stack_exit();
}
