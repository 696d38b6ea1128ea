// SPDX-License-Identifier: GPL-2.0
/*
 * Microbenchmark, read from debugfs (go3s/bench): each read runs it once
 * and prints ns per operation next to the kernel's own mechanisms.
 *
 *  (a) the bare register switch: go3s_switch() between the reader's stack
 *      and a coroutine stack, no scheduler;
 *  (b) a yield-switch between two coroutines of one CPU, through the run
 *      queues and the run loop;
 *  (c) two kernel threads bound to one CPU waking each other;
 *  (d) a work item that re-queues itself on one CPU;
 *  (e) spawn and completion of a coroutine, and kthread creation and exit.
 *
 * Figures are printed, never asserted: under TCG, task switches are far
 * slower than plain code, so only (b)/(a) says what go3s itself costs.
 */
#include <linux/completion.h>
#include <linux/dcache.h>
#include <linux/debugfs.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "sched.h"

#define GO3S_BENCH_SWITCHES	200000
#define GO3S_BENCH_YIELDS	50000
#define GO3S_BENCH_KTHREAD	5000
#define GO3S_BENCH_WORK		20000
#define GO3S_BENCH_SPAWNS	2000
#define GO3S_BENCH_KTHREAD_RUNS	200

static DEFINE_MUTEX(go3s_bench_lock);

/* (a) */
struct go3s_bench_bare {
	struct go3s_co co;		/* only ->sp, ->fn, ->arg are used */
	unsigned long main_sp;
	unsigned int rounds;
};

/*
 * Runs on the bare stack, reached through go3s_co_entry/go3s_co_main; it
 * never returns, the reader abandons the stack after the last switch.
 */
static int go3s_bench_bare_body(void *arg)
{
	struct go3s_bench_bare *b = arg;

	for (;;)
		go3s_switch(&b->co.sp, &b->main_sp);
	return 0;
}

static u64 go3s_bench_bare(void)
{
	size_t size = go3s_stack_size(0);
	struct go3s_bench_bare *b;
	u64 t0, t1;
	int i;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return 0;
	b->co.stack = vzalloc(size);
	if (!b->co.stack) {
		kfree(b);
		return 0;
	}
	b->co.stack_size = size;
	b->co.fn = go3s_bench_bare_body;
	b->co.arg = b;
	go3s_co_init_frame(&b->co);

	preempt_disable();
	go3s_switch(&b->main_sp, &b->co.sp);		/* warm up, enter */
	t0 = local_clock();
	for (i = 0; i < GO3S_BENCH_SWITCHES; i++)
		go3s_switch(&b->main_sp, &b->co.sp);
	t1 = local_clock();
	preempt_enable();

	/* The body's frames are abandoned with the stack: never cached. */
	vfree(b->co.stack);
	kfree(b);
	/* Two switches per round trip. */
	return div_u64(t1 - t0, 2 * GO3S_BENCH_SWITCHES);
}

/* (b) */
struct go3s_bench_yield {
	atomic_t running;
	u64 t0;
	u64 t1;
};

static int go3s_bench_yield_body(void *arg)
{
	struct go3s_bench_yield *y = arg;
	int i;

	if (atomic_inc_return(&y->running) == 2)
		y->t0 = local_clock();
	/* Both started before either counts. */
	while (atomic_read(&y->running) < 2)
		go3s_yield();
	for (i = 0; i < GO3S_BENCH_YIELDS; i++)
		if (go3s_yield())
			break;
	if (atomic_dec_return(&y->running) == 0)
		y->t1 = local_clock();
	return 0;
}

static u64 go3s_bench_yield(void)
{
	struct go3s_bench_yield y = {};
	struct go3s_co *co[2];
	int cpu = raw_smp_processor_id(), i;

	for (i = 0; i < 2; i++) {
		co[i] = go3s_spawn(go3s_bench_yield_body, &y, cpu,
				   GO3S_PRIO_NORMAL, 0, 0);
		if (IS_ERR(co[i])) {
			if (i)
				go3s_cancel(co[0]);
			while (i--) {
				go3s_join(co[i], MAX_SCHEDULE_TIMEOUT, NULL);
				go3s_put(co[i]);
			}
			return 0;
		}
	}
	for (i = 0; i < 2; i++) {
		go3s_join(co[i], MAX_SCHEDULE_TIMEOUT, NULL);
		go3s_put(co[i]);
	}
	/* One coroutine-to-coroutine switch per yield, through the loop. */
	return div_u64(y.t1 - y.t0, 2 * GO3S_BENCH_YIELDS);
}

/* (c) */
struct go3s_bench_pp {
	struct task_struct *t[2];
	atomic_t turn;
	struct completion done;
};

static int go3s_bench_pp_thread(void *arg)
{
	struct go3s_bench_pp *p = arg;
	int me = current == p->t[1], i;

	for (i = 0; i < GO3S_BENCH_KTHREAD; i++) {
		for (;;) {
			set_current_state(TASK_UNINTERRUPTIBLE);
			if (atomic_read(&p->turn) == me)
				break;
			schedule();
		}
		__set_current_state(TASK_RUNNING);
		atomic_set(&p->turn, !me);
		wake_up_process(p->t[!me]);
	}
	if (me)
		complete(&p->done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

static u64 go3s_bench_kthread_pp(void)
{
	struct go3s_bench_pp *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int cpu = raw_smp_processor_id(), i;
	u64 t0, t1, ns = 0;

	if (!p)
		return 0;
	init_completion(&p->done);
	for (i = 0; i < 2; i++) {
		p->t[i] = kthread_create_on_cpu(go3s_bench_pp_thread, p, cpu,
						"go3s_bench/%u");
		if (IS_ERR(p->t[i])) {
			if (i)
				kthread_stop(p->t[0]);
			kfree(p);
			return 0;
		}
	}
	t0 = local_clock();
	wake_up_process(p->t[0]);
	wake_up_process(p->t[1]);
	wait_for_completion(&p->done);
	t1 = local_clock();
	kthread_stop(p->t[0]);
	kthread_stop(p->t[1]);
	/* Two switches per round. */
	ns = div_u64(t1 - t0, 2 * GO3S_BENCH_KTHREAD);
	kfree(p);
	return ns;
}

/* (d) */
struct go3s_bench_work {
	struct work_struct work;
	int cpu;
	int left;
	struct completion done;
};

static void go3s_bench_work_fn(struct work_struct *work)
{
	struct go3s_bench_work *w = container_of(work, struct go3s_bench_work,
						 work);

	if (--w->left)
		queue_work_on(w->cpu, system_wq, &w->work);
	else
		complete(&w->done);
}

static u64 go3s_bench_workqueue(void)
{
	struct go3s_bench_work w;
	u64 t0, t1;

	INIT_WORK_ONSTACK(&w.work, go3s_bench_work_fn);
	init_completion(&w.done);
	w.cpu = raw_smp_processor_id();
	w.left = GO3S_BENCH_WORK;
	t0 = local_clock();
	queue_work_on(w.cpu, system_wq, &w.work);
	wait_for_completion(&w.done);
	t1 = local_clock();
	flush_work(&w.work);
	destroy_work_on_stack(&w.work);
	return div_u64(t1 - t0, GO3S_BENCH_WORK);
}

/* (e) */
static int go3s_bench_nop(void *arg)
{
	return 0;
}

/* Spawn them all, then join them all: the joins rarely have to sleep. */
static u64 go3s_bench_spawn(void)
{
	int cpu = raw_smp_processor_id(), i, n;
	struct go3s_co **co;
	u64 t0, t1;

	co = kvcalloc(GO3S_BENCH_SPAWNS, sizeof(*co), GFP_KERNEL);
	if (!co)
		return 0;
	t0 = local_clock();
	for (n = 0; n < GO3S_BENCH_SPAWNS; n++) {
		co[n] = go3s_spawn(go3s_bench_nop, NULL, cpu, GO3S_PRIO_NORMAL,
				   0, 0);
		if (IS_ERR(co[n]))
			break;
	}
	for (i = 0; i < n; i++) {
		go3s_join(co[i], MAX_SCHEDULE_TIMEOUT, NULL);
		go3s_put(co[i]);
	}
	t1 = local_clock();
	kvfree(co);
	return n == GO3S_BENCH_SPAWNS ? div_u64(t1 - t0, n) : 0;
}

struct go3s_bench_kt {
	struct completion done;
};

static int go3s_bench_kt_fn(void *arg)
{
	struct go3s_bench_kt *k = arg;

	complete(&k->done);
	return 0;
}

static u64 go3s_bench_kthread_run(void)
{
	struct go3s_bench_kt k;
	struct task_struct *t;
	u64 t0, t1;
	int i;

	t0 = local_clock();
	for (i = 0; i < GO3S_BENCH_KTHREAD_RUNS; i++) {
		init_completion(&k.done);
		t = kthread_run(go3s_bench_kt_fn, &k, "go3s_bench_kt");
		if (IS_ERR(t))
			return 0;
		wait_for_completion(&k.done);
	}
	t1 = local_clock();
	return div_u64(t1 - t0, GO3S_BENCH_KTHREAD_RUNS);
}

/* "name: x.y ns/op" and "a vs b: x.yx" with one decimal. */
static void go3s_bench_ratio(struct seq_file *m, const char *what, u64 num,
			     u64 den)
{
	u64 r;

	if (!num || !den) {
		seq_printf(m, "%s: n/a\n", what);
		return;
	}
	r = div64_u64(num * 10, den);
	seq_printf(m, "%s: %llu.%llux\n", what, r / 10, r % 10);
}

static int go3s_bench_show(struct seq_file *m, void *v)
{
	u64 bare, yield, kpp, wq, spawn, krun;

	mutex_lock(&go3s_bench_lock);
	bare = go3s_bench_bare();
	yield = go3s_bench_yield();
	kpp = go3s_bench_kthread_pp();
	wq = go3s_bench_workqueue();
	spawn = go3s_bench_spawn();
	krun = go3s_bench_kthread_run();
	mutex_unlock(&go3s_bench_lock);

	seq_printf(m, "bare switch: %llu ns\n", bare);
	seq_printf(m, "go3s yield switch: %llu ns\n", yield);
	seq_printf(m, "kthread switch: %llu ns\n", kpp);
	seq_printf(m, "workqueue hop: %llu ns\n", wq);
	seq_printf(m, "go3s spawn+complete: %llu ns\n", spawn);
	seq_printf(m, "kthread_run+exit: %llu ns\n", krun);
	go3s_bench_ratio(m, "yield vs bare switch", yield, bare);
	go3s_bench_ratio(m, "kthread vs yield switch", kpp, yield);
	go3s_bench_ratio(m, "workqueue vs yield switch", wq, yield);
	go3s_bench_ratio(m, "kthread_run vs spawn", krun, spawn);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(go3s_bench);

/* go3s/bench in debugfs; stats.c owns the directory. */
void go3s_bench_init(void)
{
	debugfs_create_file("bench", 0400, go3s_debugfs_dir, NULL,
			    &go3s_bench_fops);
}

void go3s_bench_exit(void)
{
	debugfs_lookup_and_remove("bench", go3s_debugfs_dir);
}
