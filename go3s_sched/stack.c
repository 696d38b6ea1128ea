// SPDX-License-Identifier: GPL-2.0
/*
 * Coroutine stacks.
 *
 * A stack is vmalloc'd like a VMAP_STACK task stack: vmalloc leaves an
 * unmapped guard page after every area, so the page below a stack is never
 * mapped and an overflow faults instead of corrupting a neighbour.  The
 * lowest word holds GO3S_STACK_CANARY, checked by the run loop at every
 * switch-out; a smaller overflow that skipped the guard or a stray write
 * shows up there.  Stacks start zeroed, so the high-water mark is the
 * distance from the top to the lowest non-zero word above the canary.
 *
 * Freed default-size stacks go to a small per-CPU cache, re-zeroed only as
 * deep as they were used, so spawn/exit churn does not reach vmalloc.  The
 * cache is also what spawns from atomic context draw on (vmalloc may
 * sleep); a worker tops it up from process context.  A spawn takes from
 * the cache of the CPU the coroutine will run on, and a stack goes back to
 * the cache of the CPU its coroutine finished on, so cached stacks stay on
 * that CPU's memory node, where go3s_stack_vmalloc() puts new ones.
 *
 * No stale KASAN stack poison survives in a stack that goes back to the
 * cache: a coroutine only finishes through go3s_co_main(), whose callees
 * have all returned (and unpoisoned their redzones) by then.
 */
#include <linux/cpumask.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "sched.h"

struct go3s_stack_cache {
	spinlock_t lock;		/* nr and stack[] */
	unsigned int nr;
	void *stack[GO3S_STACK_CACHE];
};

static DEFINE_PER_CPU(struct go3s_stack_cache, go3s_stack_caches);
static struct work_struct go3s_stack_refill_work;
static u8 go3s_stack_dying;	/* u8: see struct go3s_co */

/* Under KASAN the kernel doubles its own stacks; so do we. */
#define GO3S_STACK_SCALE	(IS_ENABLED(CONFIG_KASAN) ? 2 : 1)

/**
 * go3s_stack_size() - real size of a stack asked for with @req bytes
 * @req: 0 for the default, else at least %GO3S_STACK_MIN and at most
 *       %GO3S_STACK_MAX
 *
 * Return: the size to allocate (page-rounded, doubled under KASAN), or 0
 * if @req is out of range.
 */
size_t go3s_stack_size(size_t req)
{
	if (!req)
		req = GO3S_STACK_DEFAULT;
	if (req < GO3S_STACK_MIN || req > GO3S_STACK_MAX)
		return 0;
	return PAGE_ALIGN(req) * GO3S_STACK_SCALE;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_stack_size);

static size_t go3s_stack_default(void)
{
	return go3s_stack_size(0);
}

static void *go3s_stack_cache_get(int cpu)
{
	struct go3s_stack_cache *c = per_cpu_ptr(&go3s_stack_caches, cpu);
	unsigned long flags;
	void *stack = NULL;

	spin_lock_irqsave(&c->lock, flags);
	/* ->nr is read unlocked by go3s_stack_cached(). */
	if (c->nr) {
		WRITE_ONCE(c->nr, c->nr - 1);
		stack = c->stack[c->nr];
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return stack;
}

static bool go3s_stack_cache_put(int cpu, void *stack)
{
	struct go3s_stack_cache *c = per_cpu_ptr(&go3s_stack_caches, cpu);
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&c->lock, flags);
	if (c->nr < GO3S_STACK_CACHE && !READ_ONCE(go3s_stack_dying)) {
		c->stack[c->nr] = stack;
		WRITE_ONCE(c->nr, c->nr + 1);
		ok = true;
	}
	spin_unlock_irqrestore(&c->lock, flags);
	return ok;
}

/*
 * A stack for a coroutine on @cpu, on @cpu's memory node.  Neither 6.1
 * nor 6.12 exports a node-aware vmalloc that takes gfp flags, so on a
 * single-node machine __vmalloc() keeps __GFP_NOWARN (a failure is the
 * caller's -ENOMEM, not a report in the log); with several nodes
 * vzalloc_node() places the stack, and a failure is also logged.
 */
static void *go3s_stack_vmalloc(size_t size, int cpu)
{
	void *stack;

	if (nr_node_ids == 1)
		stack = __vmalloc(size, GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
	else
		stack = vzalloc_node(size, cpu_to_node(cpu));

	if (stack)
		*(unsigned long *)stack = GO3S_STACK_CANARY;
	return stack;
}

/*
 * Fill every CPU's cache to half from process context: enough for bursts
 * of spawns from coroutines, without pinning the whole cache's worth of
 * memory on every CPU of a big machine.
 */
static void go3s_stack_refill(struct work_struct *work)
{
	size_t size = go3s_stack_default();
	void *stack;
	int cpu;

	for_each_online_cpu(cpu) {
		while (!READ_ONCE(go3s_stack_dying) &&
		       go3s_stack_cached(cpu) < GO3S_STACK_CACHE / 2) {
			stack = go3s_stack_vmalloc(size, cpu);
			if (!stack)
				return;
			if (!go3s_stack_cache_put(cpu, stack)) {
				vfree(stack);
				break;
			}
		}
	}
}

/**
 * go3s_stack_alloc() - get a zeroed stack with its canary in place
 * @size: from go3s_stack_size()
 * @cpu: the CPU the coroutine will run on: the stack comes from its cache
 *       (filled by its own finishing coroutines) or from its memory node
 * @atomic: the caller cannot sleep: only the cache can serve it
 *
 * Return: the lowest address of the stack, or NULL.
 */
void *go3s_stack_alloc(size_t size, int cpu, bool atomic)
{
	void *stack = NULL;

	if (size == go3s_stack_default()) {
		stack = go3s_stack_cache_get(cpu);
		if (atomic && go3s_stack_cached(cpu) < GO3S_STACK_CACHE / 2 &&
		    !READ_ONCE(go3s_stack_dying))
			schedule_work(&go3s_stack_refill_work);
	}
	if (!stack && !atomic)
		stack = go3s_stack_vmalloc(size, cpu);
	return stack;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_stack_alloc);

/*
 * Lowest word in use above the canary.  Reads words a suspended coroutine
 * may own, hence READ_ONCE_NOCHECK(): no KASAN report for a live redzone.
 */
static unsigned long *go3s_stack_lowest_used(void *stack, size_t size)
{
	unsigned long *p = (unsigned long *)stack + 1;
	unsigned long *top = (unsigned long *)(stack + size);

	while (p < top && !READ_ONCE_NOCHECK(*p))
		p++;
	return p;
}

/**
 * go3s_stack_hwm() - high-water mark of a stack
 * @stack: lowest address
 * @size: its size
 *
 * Return: bytes from the top of @stack down to the deepest word ever
 * written.
 */
unsigned int go3s_stack_hwm(void *stack, size_t size)
{
	return stack + size - (void *)go3s_stack_lowest_used(stack, size);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_stack_hwm);

/**
 * go3s_stack_canary_ok() - is the canary at the far end of @stack intact?
 * @stack: lowest address
 *
 * Return: true if intact.
 */
bool go3s_stack_canary_ok(void *stack)
{
	return READ_ONCE_NOCHECK(*(unsigned long *)stack) == GO3S_STACK_CANARY;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_stack_canary_ok);

/**
 * go3s_stack_free() - release a stack no coroutine runs on any more
 * @stack: lowest address
 * @size: its size
 *
 * Default-size stacks with an intact canary are re-zeroed as deep as they
 * were used and cached on this CPU; others are vfree'd (deferred by vfree()
 * itself when called from a bottom half).
 */
void go3s_stack_free(void *stack, size_t size)
{
	unsigned long *low;
	int cpu;

	if (!stack)
		return;
	if (size == go3s_stack_default() && go3s_stack_canary_ok(stack)) {
		low = go3s_stack_lowest_used(stack, size);
		memset(low, 0, stack + size - (void *)low);
		cpu = get_cpu();
		if (go3s_stack_cache_put(cpu, stack)) {
			put_cpu();
			return;
		}
		put_cpu();
	}
	vfree(stack);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_stack_free);

/**
 * go3s_stack_cached() - stacks in a CPU's cache
 * @cpu: the CPU
 *
 * Return: how many stacks wait in @cpu's cache.
 */
unsigned int go3s_stack_cached(int cpu)
{
	return READ_ONCE(per_cpu_ptr(&go3s_stack_caches, cpu)->nr);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_stack_cached);

void go3s_stack_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(&go3s_stack_caches, cpu)->lock);
	INIT_WORK(&go3s_stack_refill_work, go3s_stack_refill);
	WRITE_ONCE(go3s_stack_dying, false);
	schedule_work(&go3s_stack_refill_work);
}

/* After the last coroutine is gone. */
void go3s_stack_exit(void)
{
	void *stack;
	int cpu;

	WRITE_ONCE(go3s_stack_dying, true);
	cancel_work_sync(&go3s_stack_refill_work);
	for_each_possible_cpu(cpu) {
		while ((stack = go3s_stack_cache_get(cpu)))
			vfree(stack);
	}
}
