/* SPDX-License-Identifier: GPL-2.0 */
/*
 * go3s: coroutines for the kernel, the API for other modules.
 *
 * A coroutine runs a function on its own stack, on a CPU of its allowed set
 * (go3s_set_affinity()), from that CPU's go3s scheduler (softirq, or the
 * go3s/N thread with bottom halves disabled).
 * Its body therefore runs in atomic context: it may wait only at the go3s
 * suspension points below (yield, suspend, sleep, channel send and receive),
 * never sleep in the kernel's sense (no mutex, no GFP_KERNEL, no user memory),
 * and never reach a suspension point holding a lock (spinlock, or SRCU and
 * other lockdep-tracked locks on lockdep kernels), with interrupts or
 * preemption disabled, inside an RCU read-side section, kernel_fpu_begin(),
 * migrate_disable(), pagefault_disable() or a memalloc_*_save() scope: all
 * of these belong to the task the scheduler borrowed, not to the coroutine.
 * Such misuse is refused with -EDEADLK, nothing done (and logged on debug
 * kernels).
 *
 * Lifecycle (see Documentation for the full table):
 *   CREATED -> ACTIVE -> SUSPENDED -> ACTIVE ... -> COMPLETING
 *   CREATED or SUSPENDED -> CANCELLED
 * Cancelling an ACTIVE coroutine takes effect at its next suspension point,
 * which then returns -ECANCELED; the body should clean up and return.
 */
#ifndef _GO3S_H
#define _GO3S_H

#include <linux/bits.h>
#include <linux/types.h>

struct module;
struct cpumask;
struct go3s_co;
struct go3s_chan;

/**
 * enum go3s_prio - run-queue priority of a coroutine
 * @GO3S_PRIO_HIGH: runs first.
 * @GO3S_PRIO_NORMAL: the default.
 * @GO3S_PRIO_LOW: runs last, but is never starved: a fixed share of picks
 *	goes to the lower levels first.
 * @GO3S_NR_PRIO: number of levels.
 */
enum go3s_prio {
	GO3S_PRIO_HIGH,
	GO3S_PRIO_NORMAL,
	GO3S_PRIO_LOW,
	GO3S_NR_PRIO,
};

/**
 * enum go3s_state - user-visible lifecycle state of a coroutine
 * @GO3S_STATE_CREATED: exists, has never run.
 * @GO3S_STATE_ACTIVE: started and not suspended: queued or running.
 * @GO3S_STATE_SUSPENDED: parked at a suspension point.
 * @GO3S_STATE_COMPLETING: its body returned; terminal.
 * @GO3S_STATE_CANCELLED: cancelled; terminal.
 * @GO3S_NR_STATES: number of states.
 */
enum go3s_state {
	GO3S_STATE_CREATED,
	GO3S_STATE_ACTIVE,
	GO3S_STATE_SUSPENDED,
	GO3S_STATE_COMPLETING,
	GO3S_STATE_CANCELLED,
	GO3S_NR_STATES,
};

/* go3s_spawn() flags. */
#define GO3S_SPAWN_SUSPENDED	BIT(0)	/* stay CREATED until go3s_resume() */
#define GO3S_SPAWN_FLAGS	GO3S_SPAWN_SUSPENDED

/* go3s_spawn() @cpu: start on the calling CPU, run on any. */
#define GO3S_CPU_ANY		(-1)

/* go3s_spawn() @stack_size: the default size. */
#define GO3S_STACK_SIZE_DEFAULT	0

typedef int (*go3s_fn_t)(void *arg);

struct go3s_co *__go3s_spawn(struct module *owner, go3s_fn_t fn, void *arg,
			     int cpu, enum go3s_prio prio, size_t stack_size,
			     unsigned int flags);

/*
 * go3s_spawn() - start @fn(@arg) as a coroutine; see __go3s_spawn().
 * The calling module is pinned while the coroutine lives.
 */
#define go3s_spawn(fn, arg, cpu, prio, stack_size, flags)		\
	__go3s_spawn(THIS_MODULE, fn, arg, cpu, prio, stack_size, flags)

int go3s_set_affinity(struct go3s_co *co, const struct cpumask *mask);

struct go3s_co *go3s_get(struct go3s_co *co);
void go3s_put(struct go3s_co *co);
struct go3s_co *go3s_current(void);
enum go3s_state go3s_state(struct go3s_co *co);
bool go3s_on_cpu(struct go3s_co *co);
u64 go3s_id(struct go3s_co *co);

int go3s_yield(void);
int go3s_suspend(void);
int go3s_resume(struct go3s_co *co);
int go3s_sleep(u64 ns);
int go3s_cancel(struct go3s_co *co);
bool go3s_should_stop(void);
int go3s_join(struct go3s_co *co, long timeout, int *result);

struct go3s_chan *go3s_chan_create(unsigned int capacity, gfp_t gfp);
struct go3s_chan *go3s_chan_get(struct go3s_chan *ch);
void go3s_chan_put(struct go3s_chan *ch);
int go3s_chan_send(struct go3s_chan *ch, void *val);
int go3s_chan_recv(struct go3s_chan *ch, void **val);
int go3s_chan_try_send(struct go3s_chan *ch, void *val);
int go3s_chan_try_recv(struct go3s_chan *ch, void **val);
int go3s_chan_close(struct go3s_chan *ch);

#endif /* _GO3S_H */
