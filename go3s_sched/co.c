// SPDX-License-Identifier: GPL-2.0
/*
 * The coroutine object: reference counting, accessors, and the one rule
 * that decides every lifecycle transition (§1).
 *
 * go3s_co_transition() only changes the state word, atomically; what a
 * transition implies (queueing the coroutine, switching away) is done by
 * its caller from the old and new values it reports.  Exactly one caller
 * wins each transition into ACTIVE or CANCELLED from CREATED or SUSPENDED,
 * and that caller alone queues the coroutine, so it is never queued twice.
 */
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "sched.h"

/**
 * go3s_co_rule() - the lifecycle rule, as a pure function
 * @old: current state word (state | %GO3S_CO_CANCEL_REQ | %GO3S_CO_WAKE)
 * @req: the request
 * @newp: the state word after the request, when it is accepted
 *
 * ===========  ===========================================================
 * RESUME       CREATED, SUSPENDED -> ACTIVE; ACTIVE -> ACTIVE + WAKE
 * SUSPEND      ACTIVE -> SUSPENDED; ACTIVE + WAKE -> ACTIVE (the wakeup
 *              is consumed); ACTIVE + CANCEL_REQ -> CANCELLED (through
 *              SUSPENDED, in one step); CANCELLED: -ECANCELED
 * COMPLETE     ACTIVE -> COMPLETING; CANCELLED: -ECANCELED
 * CANCEL       CREATED, SUSPENDED -> CANCELLED; ACTIVE -> ACTIVE +
 *              CANCEL_REQ; COMPLETING: -EBUSY; already requested or
 *              CANCELLED: -EALREADY
 * FAIL         (its stack canary is gone; it has switched out for good)
 *              CREATED, SUSPENDED -> CANCELLED; ACTIVE (with or without
 *              WAKE or CANCEL_REQ) -> CANCELLED, through SUSPENDED in one
 *              step, as a suspend with CANCEL_REQ; COMPLETING: -EBUSY;
 *              CANCELLED: -EALREADY
 * ===========  ===========================================================
 *
 * Every other pair is refused with -EINVAL.
 *
 * Return: 0 if accepted (*@newp set), else the errno; a refused request
 * changes nothing.
 */
int go3s_co_rule(unsigned int old, enum go3s_req req, unsigned int *newp)
{
	unsigned int state = old & GO3S_CO_STATE_MASK;
	unsigned int flags = old & ~GO3S_CO_STATE_MASK;

	switch (req) {
	case GO3S_REQ_RESUME:
		if (state == GO3S_STATE_CREATED ||
		    state == GO3S_STATE_SUSPENDED) {
			*newp = GO3S_STATE_ACTIVE | (flags & GO3S_CO_CANCEL_REQ);
			return 0;
		}
		if (state == GO3S_STATE_ACTIVE) {
			*newp = old | GO3S_CO_WAKE;
			return 0;
		}
		return -EINVAL;
	case GO3S_REQ_SUSPEND:
		if (state == GO3S_STATE_CANCELLED)
			return -ECANCELED;
		if (state != GO3S_STATE_ACTIVE)
			return -EINVAL;
		if (flags & GO3S_CO_CANCEL_REQ)
			*newp = GO3S_STATE_CANCELLED;
		else if (flags & GO3S_CO_WAKE)
			*newp = GO3S_STATE_ACTIVE;
		else
			*newp = GO3S_STATE_SUSPENDED;
		return 0;
	case GO3S_REQ_COMPLETE:
		if (state == GO3S_STATE_CANCELLED)
			return -ECANCELED;
		if (state != GO3S_STATE_ACTIVE)
			return -EINVAL;
		*newp = GO3S_STATE_COMPLETING;
		return 0;
	case GO3S_REQ_CANCEL:
		if (state == GO3S_STATE_CREATED ||
		    state == GO3S_STATE_SUSPENDED) {
			*newp = GO3S_STATE_CANCELLED;
			return 0;
		}
		if (state == GO3S_STATE_ACTIVE) {
			if (flags & GO3S_CO_CANCEL_REQ)
				return -EALREADY;
			*newp = old | GO3S_CO_CANCEL_REQ;
			return 0;
		}
		if (state == GO3S_STATE_COMPLETING)
			return -EBUSY;
		return -EALREADY;
	case GO3S_REQ_FAIL:
		/*
		 * ACTIVE -> CANCELLED is ACTIVE -> SUSPENDED -> CANCELLED:
		 * the failed coroutine has parked for the last time (§1).
		 */
		if (state == GO3S_STATE_CREATED ||
		    state == GO3S_STATE_SUSPENDED ||
		    state == GO3S_STATE_ACTIVE) {
			*newp = GO3S_STATE_CANCELLED;
			return 0;
		}
		if (state == GO3S_STATE_COMPLETING)
			return -EBUSY;
		return -EALREADY;
	default:
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_rule);

/**
 * go3s_co_transition() - apply a lifecycle request to a coroutine
 * @co: the coroutine
 * @req: the request
 * @oldp: if not NULL, the state word the request was applied to
 * @newp: if not NULL, the state word after it
 *
 * The compare-and-exchange is fully ordered: whatever the caller wrote
 * before (a channel value, a timer flag) is visible to whoever sees the new
 * state, and the coroutine's own suspend (which reads the word with the same
 * primitive) sees the waker's writes.  This is the one acquire/release point
 * between a waker and the coroutine it wakes.
 *
 * Return: 0 if accepted, else the errno of go3s_co_rule(); nothing changes
 * on refusal.
 */
int go3s_co_transition(struct go3s_co *co, enum go3s_req req,
		       unsigned int *oldp, unsigned int *newp)
{
	int old = atomic_read(&co->state);
	unsigned int new;
	int ret;

	do {
		ret = go3s_co_rule(old, req, &new);
		if (ret)
			return ret;
	} while (!atomic_try_cmpxchg(&co->state, &old, new));
	if (oldp)
		*oldp = old;
	if (newp)
		*newp = new;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_transition);

/**
 * go3s_get() - take a reference on a coroutine
 * @co: the coroutine
 *
 * Context: any.
 * Return: @co.
 */
struct go3s_co *go3s_get(struct go3s_co *co)
{
	refcount_inc(&co->ref);
	return co;
}
EXPORT_SYMBOL_GPL(go3s_get);

/**
 * go3s_put() - drop a reference on a coroutine
 * @co: the coroutine, or NULL
 *
 * The memory goes with the last reference; the scheduler holds one until
 * the coroutine has finished, so dropping the spawner's reference never
 * stops a coroutine.
 *
 * Context: any.
 */
void go3s_put(struct go3s_co *co)
{
	if (co && refcount_dec_and_test(&co->ref)) {
		/* Nobody holds it: nobody reads its set. */
		go3s_allowed_free(rcu_dereference_protected(co->allowed, 1));
		kfree(co);
	}
}
EXPORT_SYMBOL_GPL(go3s_put);

/**
 * go3s_state() - user-visible state of a coroutine
 * @co: the coroutine
 *
 * Return: its &enum go3s_state, a snapshot.
 */
enum go3s_state go3s_state(struct go3s_co *co)
{
	return go3s_co_state(co);
}
EXPORT_SYMBOL_GPL(go3s_state);

/**
 * go3s_on_cpu() - is an ACTIVE coroutine running rather than queued?
 * @co: the coroutine
 *
 * Return: true while @co runs on its CPU, a snapshot.
 */
bool go3s_on_cpu(struct go3s_co *co)
{
	return READ_ONCE(co->on_cpu);
}
EXPORT_SYMBOL_GPL(go3s_on_cpu);

/**
 * go3s_co_info_get() - status of a coroutine
 * @co: the coroutine; the caller holds a reference
 * @info: filled completely
 *
 * Counters of a live coroutine are read racily; they are final once
 * @info->finished is set (acquire; partner: the release in
 * go3s_co_finish()).
 */
void go3s_co_info_get(struct go3s_co *co, struct go3s_co_info *info)
{
	memset(info, 0, sizeof(*info));
	/* Acquire; partner: smp_store_release() in go3s_co_finish(). */
	info->finished = smp_load_acquire(&co->done);
	info->id = co->id;
	info->state = go3s_co_state(co);
	info->on_cpu = READ_ONCE(co->on_cpu);
	info->cpu = READ_ONCE(co->cpu);
	info->prio = READ_ONCE(co->prio);
	info->switches = READ_ONCE(co->switches);
	info->run_ns = READ_ONCE(co->run_ns);
	info->stack_size = co->stack_size;
	if (info->finished) {
		info->result = co->result;
		info->stack_hwm = co->stack_hwm;
	}
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_info_get);

/**
 * go3s_id() - identifier of a coroutine, unique while the module is loaded
 * @co: the coroutine
 *
 * Return: the id, never 0.
 */
u64 go3s_id(struct go3s_co *co)
{
	return co->id;
}
EXPORT_SYMBOL_GPL(go3s_id);
