/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels go3s supports (Debian 6.1, Debian
 * 6.12, the 6.12 test kernel) lives here and nowhere else.
 */
#ifndef _GO3S_COMPAT_H
#define _GO3S_COMPAT_H

#include <linux/version.h>
#include <linux/export.h>
#include <kunit/visibility.h>

/*
 * Configurations go3s cannot work on, refused here so that the build
 * stops with a reason (dkms.conf keeps DKMS from trying them).
 * PREEMPT_RT: softirqs are preemptible threads there, so a coroutine body
 * could be preempted mid-way and its CPU's run loop entered again.
 * KASAN without KASAN_VMALLOC: coroutine stacks are vmalloc'ed and need
 * real shadow memory for their redzones (VMAP_STACK has the same rule).
 */
#ifdef CONFIG_PREEMPT_RT
#error "go3s does not support PREEMPT_RT (preemptible softirqs)"
#endif
#if defined(CONFIG_KASAN) && !defined(CONFIG_KASAN_VMALLOC)
#error "go3s needs KASAN_VMALLOC with KASAN (vmalloc'ed coroutine stacks)"
#endif

/*
 * Coroutine engine.  switch_64.S includes this header too, so the part for
 * assembly and the part for C are kept apart.  Differences are probed from
 * the target's own headers, not from its version number.
 */
#ifdef __ASSEMBLY__

/*
 * 6.4 split UNWIND_HINT_EMPTY into UNWIND_HINT_END_OF_STACK and
 * UNWIND_HINT_UNDEFINED, with new hint type numbers (switch_64.S includes
 * <linux/objtool.h> first).
 */
#ifndef UNWIND_HINT_TYPE_END_OF_STACK
#define UNWIND_HINT_END_OF_STACK	UNWIND_HINT_EMPTY
#endif

/*
 * Call-depth tracking arrived in 6.2 with CREDIT_CALL_DEPTH and the
 * CALL_DEPTH_ACCOUNT macro (switch_64.S includes <asm/nospec-branch.h>
 * first); before it there is nothing to account.
 */
#ifndef CREDIT_CALL_DEPTH
.macro CALL_DEPTH_ACCOUNT
.endm
#endif

#else /* !__ASSEMBLY__ */

#include <linux/interrupt.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

/*
 * Per-task state that must not ride along a coroutine switch (see
 * go3s_ctx_save() in sched.h).  PF_MEMALLOC_PIN is gone from newer kernels;
 * migration_disabled exists only on SMP, lockdep_depth only with LOCKDEP.
 */
#ifdef PF_MEMALLOC_PIN
#define GO3S_PF_MEMALLOC_MASK \
	(PF_MEMALLOC | PF_MEMALLOC_NOFS | PF_MEMALLOC_NOIO | PF_MEMALLOC_PIN)
#else
#define GO3S_PF_MEMALLOC_MASK \
	(PF_MEMALLOC | PF_MEMALLOC_NOFS | PF_MEMALLOC_NOIO)
#endif

static __always_inline unsigned int go3s_migration_disabled(struct task_struct *t)
{
#ifdef CONFIG_SMP
	return t->migration_disabled;
#else
	return 0;
#endif
}

static __always_inline int go3s_lockdep_depth(struct task_struct *t)
{
#ifdef CONFIG_LOCKDEP
	return t->lockdep_depth;
#else
	return 0;
#endif
}

/*
 * The run loop's bottom half: the BH workqueue where the kernel has one
 * (6.9; WORK_OFFQ_BH marks a workqueue that knows BH work items), a tasklet
 * before.  go3s_bh_schedule() is called on @bh's own CPU.
 */
struct go3s_bh;
typedef void (*go3s_bh_fn_t)(struct go3s_bh *bh);

#ifdef WORK_OFFQ_BH
struct go3s_bh {
	struct work_struct work;
	go3s_bh_fn_t fn;
	int cpu;
};

static inline void go3s_bh_work(struct work_struct *work)
{
	struct go3s_bh *bh = container_of(work, struct go3s_bh, work);

	bh->fn(bh);
}

static inline void go3s_bh_init(struct go3s_bh *bh, int cpu, go3s_bh_fn_t fn)
{
	INIT_WORK(&bh->work, go3s_bh_work);
	bh->fn = fn;
	bh->cpu = cpu;
}

static inline void go3s_bh_schedule(struct go3s_bh *bh)
{
	queue_work_on(bh->cpu, system_bh_wq, &bh->work);
}

static inline void go3s_bh_kill(struct go3s_bh *bh)
{
	cancel_work_sync(&bh->work);
}
#else
struct go3s_bh {
	struct tasklet_struct tasklet;
	go3s_bh_fn_t fn;
	int cpu;
};

static inline void go3s_bh_tasklet(struct tasklet_struct *t)
{
	struct go3s_bh *bh = from_tasklet(bh, t, tasklet);

	bh->fn(bh);
}

static inline void go3s_bh_init(struct go3s_bh *bh, int cpu, go3s_bh_fn_t fn)
{
	tasklet_setup(&bh->tasklet, go3s_bh_tasklet);
	bh->fn = fn;
	bh->cpu = cpu;
}

static inline void go3s_bh_schedule(struct go3s_bh *bh)
{
	tasklet_schedule(&bh->tasklet);
}

static inline void go3s_bh_kill(struct go3s_bh *bh)
{
	tasklet_kill(&bh->tasklet);
}
#endif

#endif /* __ASSEMBLY__ */

#endif /* _GO3S_COMPAT_H */
