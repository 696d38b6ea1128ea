// SPDX-License-Identifier: GPL-2.0
/*
 * Spawning coroutines, and the registry of every unfinished one: the live
 * count and the memory charged against the module's limits, the list that
 * go3s_cancel_all() walks at unload, and go3s_co_finish(), which releases a
 * coroutine when the run loop is done with it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "internal.h"
#include "sched.h"
#include "trace.h"

/* Every unfinished coroutine, for unload. */
static LIST_HEAD(go3s_all);
static DEFINE_SPINLOCK(go3s_all_lock);
static bool go3s_dying;			/* under go3s_all_lock */
static atomic_t go3s_live = ATOMIC_INIT(0);
static atomic_long_t go3s_stack_bytes = ATOMIC_LONG_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(go3s_live_wq);
static atomic64_t go3s_next_id = ATOMIC64_INIT(0);

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
	bool movable = false;
	unsigned long irqflags;
	struct go3s_co *co;
	int err;

	if (!fn || prio >= GO3S_NR_PRIO || (flags & ~GO3S_SPAWN_FLAGS) ||
	    !size)
		return ERR_PTR(-EINVAL);
	/* Movable: a parked CPU (hotplug, usable set) hands it on. */
	if (cpu == GO3S_CPU_ANY)
		movable = true;
	if (movable)
		cpu = raw_smp_processor_id();
	else if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu) ||
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
	co->movable = movable;
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

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Coroutines of go3s itself, left alive on purpose for "rmmod go3s" to
 * cancel and free (the unload test): their bodies live in go3s.ko, so they
 * do not pin another module.  That is why this KUnit-only code is not in
 * go3s_kunit.ko: the VM plan removes that module first, with the orphans
 * still alive, and a body there would either pin it or be freed under them.
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

/* Called by go3s_sched_exit(), after every orphan finished. */
void go3s_orphans_free(void)
{
	go3s_chan_put(go3s_orphan_chan);
	go3s_orphan_chan = NULL;
}
#else
void go3s_orphans_free(void)
{
}
#endif
