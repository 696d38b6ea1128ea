// SPDX-License-Identifier: GPL-2.0
/*
 * The coroutine verbs: what a coroutine calls to switch away (yield,
 * suspend, the suspension points' park), what anyone calls to wake, cancel
 * or wait for one, and the body's trampoline go3s_co_main().  The run loop
 * they hand over to is in sched.c; see its DOC comments.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/export.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/wait.h>

#include "sched.h"

static int go3s_misuse(const char *what, int err, unsigned long ip)
{
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP))
		pr_warn_ratelimited("%s misused (%pe) from %pS\n", what,
				    ERR_PTR(err), (void *)ip);
	return err;
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
