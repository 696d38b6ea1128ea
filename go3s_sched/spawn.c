// SPDX-License-Identifier: GPL-2.0
/*
 * Spawning coroutines, and the registry of every unfinished one: the live
 * count and the memory charged against the module's limits, the lists that
 * go3s_cancel_all() walks at unload, and go3s_co_finish(), which releases a
 * coroutine when the run loop is done with it.  All of it per CPU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/export.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "internal.h"
#include "sched.h"
#include "trace.h"

/*
 * The registry.  Nothing here is shared by spawns and finishes on different
 * CPUs in the common case (a coroutine finishing on the CPU that spawned
 * it): every CPU has a slot, in its own cache lines, with
 *
 * - the list of the coroutines it spawned (a coroutine records its slot in
 *   ->all_cpu and leaves that list wherever it finishes), for unload;
 * - their number, ->live: go3s_nr_live() sums the slots;
 * - a batch of coroutine ids taken GO3S_ID_BATCH at a time from
 *   go3s_next_id, so ids are unique and never reused but no longer in
 *   spawn order across CPUs (nothing relies on that order);
 * - unused reserves of the two module-wide limits (see go3s_quota_take()).
 *
 * Every field is written under the slot's lock; ->live and the reserves
 * are also read without it (READ_ONCE()) for snapshots.
 */
#define GO3S_ID_BATCH		1024
#define GO3S_CO_BATCH		32		/* coroutines */
#define GO3S_BYTE_BATCH		(256 * 1024)	/* stack and channel bytes */

struct go3s_reg {
	spinlock_t lock;		/* all of the slot */
	u8 dying;			/* refuse spawns: go3s_cancel_all() */
	unsigned int live;		/* coroutines on ->all */
	long co_credit;			/* reserved from go3s_co_quota, unused */
	long byte_credit;		/* reserved from go3s_byte_quota, unused */
	u64 next_id;			/* ids next_id..end_id-1 are ours */
	u64 end_id;
	struct hlist_head all;
} ____cacheline_aligned_in_smp;

/*
 * A slot of its own per CPU: the cache lines of one CPU's slot hold
 * nothing another CPU's spawns or finishes write.  The locks are set up by
 * go3s_registry_init(), not statically: a lock class keyed by the address
 * of a module's per-CPU data would outlive an unload.
 */
static DEFINE_PER_CPU_ALIGNED(struct go3s_reg, go3s_regs);
static_assert(sizeof(struct go3s_reg) % SMP_CACHE_BYTES == 0);
static_assert(CONFIG_NR_CPUS - 1 <= U16_MAX, "go3s_co.all_cpu is a u16");

/*
 * A module-wide limit, charged in batches: ->reserved counts what every
 * CPU charged plus what it holds in reserve in its slot.  Touched once per
 * batch, in a cache line of its own.
 */
struct go3s_quota {
	atomic_long_t reserved;
	long batch;
} ____cacheline_aligned_in_smp;

static struct go3s_quota go3s_co_quota = { .batch = GO3S_CO_BATCH };
static struct go3s_quota go3s_byte_quota = { .batch = GO3S_BYTE_BATCH };
static atomic64_t go3s_next_id ____cacheline_aligned_in_smp;
static DECLARE_WAIT_QUEUE_HEAD(go3s_live_wq);

/*
 * Take @n units of @q for a charge, from the slot's reserve @credit if it
 * has them, else together with a new reserve of @q->batch.  The limit is
 * never exceeded: near it, only @n is taken; a charge that does not fit
 * then fails, and __go3s_charge() reclaims the other CPUs' reserves and
 * tries once more.  So a charge fails only when the limit is reached,
 * give or take the reserves other CPUs took while it ran (at most a batch
 * each: 32 coroutines, 256 KiB).
 */
static bool go3s_quota_take(struct go3s_quota *q, long *credit, long n,
			    unsigned long limit)
{
	long have = *credit;

	if (have >= n) {
		WRITE_ONCE(*credit, have - n);
		return true;
	}
	if (atomic_long_add_return(n - have + q->batch, &q->reserved) <=
	    limit) {
		WRITE_ONCE(*credit, q->batch);
		return true;
	}
	if (atomic_long_sub_return(q->batch, &q->reserved) <= limit) {
		WRITE_ONCE(*credit, 0);
		return true;
	}
	atomic_long_sub(n - have, &q->reserved);
	return false;
}

/* Give @n units back to the slot's reserve; keep at most two batches. */
static void go3s_quota_give(struct go3s_quota *q, long *credit, long n)
{
	long have = *credit + n;

	if (have > 2 * q->batch) {
		atomic_long_sub(have - q->batch, &q->reserved);
		have = q->batch;
	}
	WRITE_ONCE(*credit, have);
}

/* Return every CPU's unused reserves to the quotas. */
static void go3s_quota_reclaim(void)
{
	struct go3s_reg *reg;
	unsigned long flags;
	int cpu;

	for_each_possible_cpu(cpu) {
		reg = per_cpu_ptr(&go3s_regs, cpu);
		spin_lock_irqsave(&reg->lock, flags);
		atomic_long_sub(reg->co_credit, &go3s_co_quota.reserved);
		atomic_long_sub(reg->byte_credit, &go3s_byte_quota.reserved);
		WRITE_ONCE(reg->co_credit, 0);
		WRITE_ONCE(reg->byte_credit, 0);
		spin_unlock_irqrestore(&reg->lock, flags);
	}
}

static int go3s_charge_once(long cos, unsigned long bytes)
{
	struct go3s_reg *reg = raw_cpu_ptr(&go3s_regs);
	unsigned long flags;
	int err = 0;

	/* Any slot will do; this CPU's, unless preempted since. */
	spin_lock_irqsave(&reg->lock, flags);
	if (!go3s_quota_take(&go3s_co_quota, &reg->co_credit, cos,
			     go3s_max_coroutines)) {
		err = -EAGAIN;
	} else if (!go3s_quota_take(&go3s_byte_quota, &reg->byte_credit,
				    bytes, go3s_max_stack_bytes)) {
		go3s_quota_give(&go3s_co_quota, &reg->co_credit, cos);
		err = -ENOMEM;
	}
	spin_unlock_irqrestore(&reg->lock, flags);
	return err;
}

/*
 * Charge @cos coroutines and @bytes bytes to the module-wide limits.
 * Return: 0, -EAGAIN (coroutines) or -ENOMEM (bytes); nothing charged then.
 */
static int __go3s_charge(long cos, unsigned long bytes)
{
	if (!go3s_charge_once(cos, bytes))
		return 0;
	go3s_quota_reclaim();
	return go3s_charge_once(cos, bytes);
}

/* Give back what __go3s_charge() took, to @reg (its lock held). */
static void go3s_uncharge_locked(struct go3s_reg *reg, long cos,
				 unsigned long bytes)
{
	lockdep_assert_held(&reg->lock);
	go3s_quota_give(&go3s_co_quota, &reg->co_credit, cos);
	go3s_quota_give(&go3s_byte_quota, &reg->byte_credit, bytes);
}

static void go3s_uncharge(long cos, unsigned long bytes)
{
	struct go3s_reg *reg = raw_cpu_ptr(&go3s_regs);
	unsigned long flags;

	spin_lock_irqsave(&reg->lock, flags);
	go3s_uncharge_locked(reg, cos, bytes);
	spin_unlock_irqrestore(&reg->lock, flags);
}

/*
 * Enter @co in this CPU's registry slot and give it an id, unless
 * go3s_cancel_all() runs.  Return: 0 or -ESHUTDOWN.
 */
static int go3s_reg_add(struct go3s_co *co)
{
	struct go3s_reg *reg;
	unsigned long flags;
	int cpu;

	local_irq_save(flags);
	cpu = smp_processor_id();
	reg = per_cpu_ptr(&go3s_regs, cpu);
	spin_lock(&reg->lock);
	if (reg->dying) {
		spin_unlock_irqrestore(&reg->lock, flags);
		return -ESHUTDOWN;
	}
	if (reg->next_id == reg->end_id) {
		/* Ids start at 1. */
		reg->next_id = atomic64_fetch_add(GO3S_ID_BATCH,
						  &go3s_next_id) + 1;
		reg->end_id = reg->next_id + GO3S_ID_BATCH;
	}
	co->id = reg->next_id++;
	co->all_cpu = cpu;
	hlist_add_head(&co->all_node, &reg->all);
	WRITE_ONCE(reg->live, reg->live + 1);
	spin_unlock_irqrestore(&reg->lock, flags);
	return 0;
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
	unsigned long flags, bytes = 0;
	struct go3s_reg *reg;
	unsigned int live;
	bool dying;

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
		bytes = co->stack_size;
	}
	s->stats.completions++;
	trace_go3s_complete(co->id, co->cpu, co->result);

	/* Limits first: a joiner may spawn again at once. */
	reg = per_cpu_ptr(&go3s_regs, co->all_cpu);
	spin_lock_irqsave(&reg->lock, flags);
	hlist_del_init(&co->all_node);
	go3s_uncharge_locked(reg, 1, bytes);
	spin_unlock_irqrestore(&reg->lock, flags);

	if (co->notify)
		co->notify(co, co->notify_data);
	/* Release; partner: smp_load_acquire() in go3s_join(). */
	smp_store_release(&co->done, 1);
	wake_up_all(&co->join_wq);

	/*
	 * Live count last: go3s_cancel_all() returns, and the module may go,
	 * once it reaches zero.  The slot's lock orders this decrement before
	 * a later go3s_cancel_all()'s look at ->dying and its sums (partner:
	 * the lock in go3s_cancel_all()); a go3s_cancel_all() already waiting
	 * set ->dying under it earlier, so we see that and wake it up after
	 * the store (partner: wait_event_timeout() there, ordered by the wait
	 * queue's lock).  Outside unload nobody waits, and the wait queue's
	 * cache line stays untouched.
	 */
	spin_lock_irqsave(&reg->lock, flags);
	live = reg->live - 1;
	WRITE_ONCE(reg->live, live);
	dying = reg->dying;
	spin_unlock_irqrestore(&reg->lock, flags);
	if (!live && dying)
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
 * @cpu: the CPU it is pinned to, or %GO3S_CPU_ANY: it starts on the
 *       calling CPU and may run on any (other CPUs steal it, a CPU leaving
 *       go3s hands it on); go3s_set_affinity() changes this later
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

	err = __go3s_charge(1, size);
	if (err)
		return ERR_PTR(err);
	err = -ENOMEM;
	co = kzalloc_node(sizeof(*co), atomic ? GFP_ATOMIC : GFP_KERNEL,
			  cpu_to_node(cpu));
	if (!co)
		goto err_charge;
	co->stack = go3s_stack_alloc(size, cpu, atomic);
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
	RCU_INIT_POINTER(co->allowed, movable ? NULL : cpumask_of(cpu));
	co->prio = prio;
	refcount_set(&co->ref, 2);	/* the caller's and the scheduler's */
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

	err = go3s_reg_add(co);
	if (err)
		goto err_module;
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
err_charge:
	go3s_uncharge(1, size);
	return ERR_PTR(err);
}
EXPORT_SYMBOL_GPL(__go3s_spawn);

/*
 * Allowed sets.  &go3s_co.allowed is NULL (any CPU), cpumask_of() a CPU
 * (pinned; a constant of the kernel's, shared), or a copy of a mask of
 * two CPUs or more in a struct go3s_cpus of its own: a mask is stored
 * only where one is given, sized for the CPUs this boot can have
 * (cpumask_size()), never a whole NR_CPUS-bit struct cpumask.
 */
struct go3s_cpus {
	struct rcu_head rcu;
	unsigned long bits[];
};

/* Writers of &go3s_co.allowed and &go3s_co.movable, so the two agree. */
static DEFINE_MUTEX(go3s_affinity_mutex);

static bool go3s_allowed_is_copy(const struct cpumask *allowed)
{
	return allowed && allowed != cpumask_of(cpumask_first(allowed));
}

/**
 * go3s_allowed_new() - an allowed set for &go3s_co.allowed
 * @mask: the CPUs, or NULL for any
 * @gfp: for the copy
 *
 * Only possible CPUs count.  A set of every possible CPU is NULL, a set of
 * one is cpumask_of() it, anything else a copy.
 *
 * Return: the set (NULL included), ERR_PTR(-EINVAL) if @mask has no
 * possible CPU, or ERR_PTR(-ENOMEM).  go3s_allowed_free() it unless
 * go3s_co_set_allowed() took it.
 */
const struct cpumask *go3s_allowed_new(const struct cpumask *mask, gfp_t gfp)
{
	struct go3s_cpus *c;
	unsigned int first;

	if (!mask || cpumask_subset(cpu_possible_mask, mask))
		return NULL;
	first = cpumask_first_and(mask, cpu_possible_mask);
	if (first >= nr_cpu_ids)
		return ERR_PTR(-EINVAL);
	if (cpumask_next_and(first, mask, cpu_possible_mask) >= nr_cpu_ids)
		return cpumask_of(first);
	c = kmalloc(sizeof(*c) + cpumask_size(), gfp);
	if (!c)
		return ERR_PTR(-ENOMEM);
	cpumask_and(to_cpumask(c->bits), mask, cpu_possible_mask);
	return to_cpumask(c->bits);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_allowed_new);

/**
 * go3s_allowed_free() - free what go3s_allowed_new() made
 * @allowed: the set; NULL and cpumask_of() sets need nothing
 *
 * After an RCU grace period: the run loop and wakers may still read a set
 * just replaced (see go3s_co_mask()).
 */
void go3s_allowed_free(const struct cpumask *allowed)
{
	struct go3s_cpus *c;

	if (!go3s_allowed_is_copy(allowed))
		return;
	c = container_of((unsigned long *)cpumask_bits(allowed),
			 struct go3s_cpus, bits[0]);
	kfree_rcu(c, rcu);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_allowed_free);

/**
 * go3s_co_set_allowed() - give a coroutine a new allowed set
 * @co: the coroutine
 * @allowed: from go3s_allowed_new(); @co owns it from now on
 *
 * Movable (stealable) follows: a set of more than one CPU.  A coroutine on
 * a run queue keeps the kind of slot it has (ring or pinned FIFO) until it
 * is queued again; a CPU that pops it where it may not run passes it on.
 *
 * Context: process context, may sleep.
 */
void go3s_co_set_allowed(struct go3s_co *co, const struct cpumask *allowed)
{
	const struct cpumask *old;

	mutex_lock(&go3s_affinity_mutex);
	/*
	 * Release: the copy's bits before the pointer.  Partner:
	 * rcu_dereference_sched() in go3s_co_mask() (sched.c).
	 */
	old = rcu_replace_pointer(co->allowed, allowed,
				  lockdep_is_held(&go3s_affinity_mutex));
	WRITE_ONCE(co->movable, !allowed || go3s_allowed_is_copy(allowed));
	mutex_unlock(&go3s_affinity_mutex);
	go3s_allowed_free(old);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_set_allowed);

/**
 * go3s_set_affinity() - change the CPUs a coroutine may run on
 * @co: the coroutine; the caller holds a reference
 * @mask: the CPUs (only possible CPUs count), or NULL for any CPU go3s
 *        uses.  One CPU pins @co there; more make it movable: idle CPUs
 *        of the set steal it, and a CPU of the set that goes offline or
 *        leaves the usable set hands it to another.
 *
 * Allowed in any state.  A CREATED coroutine starts within the new set; a
 * running one keeps running until it next switches out (yields, or
 * suspends and is woken), then runs only on CPUs of @mask, moving if its
 * CPU is not one of them; a suspended one moves when woken.  If no CPU of
 * @mask runs coroutines later (offline, or out of the usable set), @co
 * waits, queued, until one does.
 *
 * Context: process context, may sleep.  Not from a coroutine.
 * Return: 0; -EINVAL if no CPU of @mask is online and in the usable set
 * now; -EBUSY if @co has ended (COMPLETING or CANCELLED); -ENOMEM.
 */
int go3s_set_affinity(struct go3s_co *co, const struct cpumask *mask)
{
	const struct cpumask *allowed;

	might_sleep();
	if (go3s_co_state(co) >= GO3S_STATE_COMPLETING)
		return -EBUSY;
	if (mask && !go3s_sched_mask_usable(mask))
		return -EINVAL;
	allowed = go3s_allowed_new(mask, GFP_KERNEL);
	if (IS_ERR(allowed))
		return PTR_ERR(allowed);
	go3s_co_set_allowed(co, allowed);
	go3s_sched_affinity_changed(co);
	return 0;
}
EXPORT_SYMBOL_GPL(go3s_set_affinity);

/**
 * go3s_mem_charge() - charge memory to the module-wide byte limit
 * @bytes: how many
 *
 * Stacks and the buffers of session channels share one limit, the
 * max_stack_bytes module parameter, charged in per-CPU batches (see
 * go3s_quota_take()).
 *
 * Return: 0, or -ENOMEM (nothing charged) if the limit would be exceeded.
 */
int go3s_mem_charge(unsigned long bytes)
{
	return __go3s_charge(0, bytes);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_mem_charge);

/**
 * go3s_mem_uncharge() - give back what go3s_mem_charge() took
 * @bytes: how many
 */
void go3s_mem_uncharge(unsigned long bytes)
{
	go3s_uncharge(0, bytes);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_mem_uncharge);

/**
 * go3s_mem_used() - bytes charged to the module-wide limit
 *
 * Return: a snapshot, exact when no charge runs concurrently.
 */
unsigned long go3s_mem_used(void)
{
	long sum = atomic_long_read(&go3s_byte_quota.reserved);
	int cpu;

	for_each_possible_cpu(cpu)
		sum -= READ_ONCE(per_cpu_ptr(&go3s_regs, cpu)->byte_credit);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_mem_used);

/**
 * go3s_mem_limit() - the module-wide byte limit
 *
 * Return: the max_stack_bytes module parameter.
 */
unsigned long go3s_mem_limit(void)
{
	return go3s_max_stack_bytes;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_mem_limit);

/**
 * go3s_nr_live() - coroutines not yet finished
 *
 * The sum of the per-CPU counts.  While go3s_cancel_all() refuses spawns
 * the counts only go down, so a sum of zero then means none is left.
 *
 * Return: the count, a snapshot.
 */
unsigned int go3s_nr_live(void)
{
	unsigned int sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(&go3s_regs, cpu)->live);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_nr_live);

/**
 * go3s_registry_span() - where a CPU's registry slot lies
 * @cpu: a possible CPU
 * @start: its address
 * @len: its size
 *
 * For the test that no two CPUs' slots share a cache line.
 *
 * Return: true if the slot is aligned to and a multiple of
 * %SMP_CACHE_BYTES.
 */
bool go3s_registry_span(int cpu, unsigned long *start, size_t *len)
{
	*start = (unsigned long)per_cpu_ptr(&go3s_regs, cpu);
	*len = sizeof(struct go3s_reg);
	return IS_ALIGNED(*start, SMP_CACHE_BYTES) &&
	       IS_ALIGNED(*len, SMP_CACHE_BYTES);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_registry_span);

/* Before the first spawn. */
void go3s_registry_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(&go3s_regs, cpu)->lock);
}

static void go3s_set_dying(bool dying)
{
	struct go3s_reg *reg;
	unsigned long flags;
	struct go3s_co *co;
	int cpu;

	for_each_possible_cpu(cpu) {
		reg = per_cpu_ptr(&go3s_regs, cpu);
		spin_lock_irqsave(&reg->lock, flags);
		reg->dying = dying;
		if (dying)
			hlist_for_each_entry(co, &reg->all, all_node)
				go3s_cancel(co);
		spin_unlock_irqrestore(&reg->lock, flags);
	}
}

/**
 * go3s_cancel_all() - cancel every coroutine and wait until all finished
 * @final: keep refusing spawns afterwards (module unload)
 *
 * Once every slot refuses spawns, the per-CPU live counts only go down,
 * so their sum reaching zero is exact.  A finish that brings a slot to
 * zero after that wakes us (partner: the end of go3s_co_finish()).
 *
 * Context: process context, may sleep.
 */
void go3s_cancel_all(bool final)
{
	go3s_set_dying(true);
	while (!wait_event_timeout(go3s_live_wq, !go3s_nr_live(), 10 * HZ))
		pr_warn("waiting for %u cancelled coroutines to return\n",
			go3s_nr_live());
	if (!final)
		go3s_set_dying(false);
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
