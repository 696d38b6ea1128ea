// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: coroutines on the real per-CPU schedulers (sched.c): spawn, yield
 * and complete; suspend/resume racing across CPUs; cancellation at every
 * suspension point; misuse; budget hand-off; backtraces; cancelling
 * thousands of live coroutines as unload does; a tracepoint probe.
 */
#include <kunit/test.h>
#include <linux/bottom_half.h>
#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include <linux/sched/mm.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>

#include "internal.h"
#include "sched.h"
#include "testing.h"
#include "trace.h"

/* spawn, yield, complete */

struct go3s_t_yield {
	atomic_t n;
	int yields;
	atomic_t wrong_cpu;
};

static int go3s_t_yielder(void *arg)
{
	struct go3s_t_yield *y = arg;
	struct go3s_co *self = go3s_current();
	int i;

	for (i = 0; i < y->yields; i++) {
		if (go3s_yield())
			return -1;
		if (!go3s_on_cpu(self) || raw_smp_processor_id() != self->cpu)
			atomic_inc(&y->wrong_cpu);
		atomic_inc(&y->n);
	}
	return 42;
}

static void go3s_test_spawn_yield_complete(struct kunit *test)
{
	struct go3s_t_yield *y = kunit_kzalloc(test, sizeof(*y), GFP_KERNEL);
	unsigned int nr = 6 * num_online_cpus(), i;
	struct go3s_co **co;

	co = kunit_kcalloc(test, nr, sizeof(*co), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, y);
	KUNIT_ASSERT_NOT_NULL(test, co);
	y->yields = 50;
	for (i = 0; i < nr; i++)
		co[i] = go3s_test_spawn(test, go3s_t_yielder, y,
					go3s_test_cpu(i), 0);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, go3s_join(co[i], GO3S_TEST_JOIN_TIMEOUT,
						NULL), 0);
		KUNIT_EXPECT_EQ(test, go3s_state(co[i]), GO3S_STATE_COMPLETING);
		KUNIT_EXPECT_FALSE(test, go3s_on_cpu(co[i]));
		KUNIT_EXPECT_GE(test, co[i]->switches, 51ULL);
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 42);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&y->n), (int)nr * y->yields);
	KUNIT_EXPECT_EQ(test, atomic_read(&y->wrong_cpu), 0);
}

/* A resume that races a suspend is never lost. */

struct go3s_t_race {
	struct go3s_co *sleeper;
	atomic_t count;
	atomic_t bad;
	int rounds;
};

static int go3s_t_race_sleeper(void *arg)
{
	struct go3s_t_race *r = arg;
	int i, ret;

	for (i = 0; i < r->rounds; i++) {
		ret = go3s_suspend();
		if (ret) {
			atomic_inc(&r->bad);
			return ret;
		}
		atomic_inc(&r->count);
	}
	return 0;
}

static int go3s_t_race_waker(void *arg)
{
	struct go3s_t_race *r = arg;
	int i;

	for (i = 0; i < r->rounds; i++) {
		/* One resume per round, sent as soon as the last one landed. */
		while (atomic_read(&r->count) < i)
			if (go3s_yield())
				return -ECANCELED;
		if (go3s_resume(r->sleeper))
			atomic_inc(&r->bad);
	}
	return 0;
}

static void go3s_test_suspend_resume_race(struct kunit *test)
{
	unsigned int pairs = max(2U, num_online_cpus()), i;
	struct go3s_co **waker;
	struct go3s_t_race *r;
	long total = 0;

	r = kunit_kcalloc(test, pairs, sizeof(*r), GFP_KERNEL);
	waker = kunit_kcalloc(test, pairs, sizeof(*waker), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, waker);
	for (i = 0; i < pairs; i++) {
		r[i].rounds = 100000 / pairs;
		r[i].sleeper = go3s_test_spawn(test, go3s_t_race_sleeper, &r[i],
					       go3s_test_cpu(i), 0);
		/* The waker on the next CPU: every resume crosses CPUs. */
		waker[i] = go3s_test_spawn(test, go3s_t_race_waker, &r[i],
					   go3s_test_cpu(i + 1), 0);
	}
	for (i = 0; i < pairs; i++) {
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, r[i].sleeper), 0);
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, waker[i]), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&r[i].count), r[i].rounds);
		KUNIT_EXPECT_EQ(test, atomic_read(&r[i].bad), 0);
		total += atomic_read(&r[i].count);
	}
	kunit_info(test, "%ld suspend/resume rounds over %u CPU pairs\n",
		   total, pairs);
}

/*
 * Lone sleeper (issue 8, defect 1): a coroutine alone on its CPU parks and
 * a kernel thread on another CPU resumes it, a million times in all.  Each
 * round ends the sleeper's CPU's pass with an empty queue, so every resume
 * races the loop clearing its pending flag: a lost kick strands the
 * coroutine on its queue.  Each round waits at most GO3S_T_LONE_WAIT for
 * the coroutine to park again; that bound detects a hang, it is not a
 * timing assertion.
 *
 * The rounds run in slices of GO3S_T_LONE_SLICE, one parameter of the case
 * each: KUnit gives a case 300 s at most, and the hung-task detector of the
 * test kernels reports insmod, which waits for each case uninterruptibly,
 * after 60 s; a slice takes about 5 to 20 s under TCG with KASAN.  The
 * total is a module parameter (lone_sleeper_rounds), the default the
 * million the issue asks for (about 2 to 5 minutes on the KASAN kernel).
 */
#define GO3S_T_LONE_WAIT	(10 * HZ)
#define GO3S_T_LONE_SLICE	50000

static unsigned int go3s_t_lone_rounds = 1000000;
module_param_named(lone_sleeper_rounds, go3s_t_lone_rounds, uint, 0444);
MODULE_PARM_DESC(lone_sleeper_rounds,
		 "resumes of the lone-sleeper KUnit case, in slices of 50000 (default 1000000)");

/* Parameter: the slice number, from 1. */
static const void *go3s_t_lone_gen(const void *prev, char *desc)
{
	unsigned long n = (unsigned long)prev + 1;

	if ((n - 1) * GO3S_T_LONE_SLICE >= go3s_t_lone_rounds)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "slice %lu of %u", n,
		 DIV_ROUND_UP(go3s_t_lone_rounds, GO3S_T_LONE_SLICE));
	return (const void *)n;
}

struct go3s_t_lone {
	struct go3s_co *co;
	unsigned int rounds;
	atomic_t woken;			/* suspends that returned */
	unsigned int stuck;		/* round that timed out, or rounds */
	unsigned int stuck_state;
	bool stuck_on_cpu;
	struct completion done;
};

static int go3s_t_lone_body(void *arg)
{
	struct go3s_t_lone *l = arg;
	unsigned int i;
	int ret;

	for (i = 0; i < l->rounds; i++) {
		ret = go3s_suspend();
		if (ret)
			return ret;
		atomic_inc(&l->woken);
	}
	return 0;
}

static int go3s_t_lone_nop(void *arg)
{
	return 0;
}

static int go3s_t_lone_waker(void *arg)
{
	struct go3s_t_lone *l = arg;
	unsigned long deadline;
	unsigned int i, spins;

	for (i = 0; i < l->rounds; i++) {
		/* Parked again after i resumes. */
		deadline = jiffies + GO3S_T_LONE_WAIT;
		spins = 0;
		while (atomic_read(&l->woken) != i ||
		       go3s_state(l->co) != GO3S_STATE_SUSPENDED) {
			if (!(++spins % 64)) {
				cond_resched();
				if (time_after(jiffies, deadline)) {
					l->stuck_state = go3s_state(l->co);
					l->stuck_on_cpu = go3s_on_cpu(l->co);
					l->stuck = i;
					goto out;
				}
			}
			cpu_relax();
		}
		go3s_resume(l->co);
	}
	l->stuck = l->rounds;
out:
	complete(&l->done);
	return 0;
}

static void go3s_test_lone_sleeper(struct kunit *test)
{
	struct go3s_t_lone *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	int cpu = go3s_test_cpu(1), wcpu = go3s_test_cpu(2);
	struct task_struct *t;
	struct go3s_co *other;
	u64 t0;

	KUNIT_ASSERT_NOT_NULL(test, l);
	if (cpu == wcpu)
		kunit_skip(test, "needs two CPUs");
	l->rounds = min(GO3S_T_LONE_SLICE, go3s_t_lone_rounds -
			((unsigned long)test->param_value - 1) *
			GO3S_T_LONE_SLICE);
	init_completion(&l->done);
	l->co = go3s_test_spawn(test, go3s_t_lone_body, l, cpu, 0);
	t = kthread_create_on_cpu(go3s_t_lone_waker, l, wcpu, "go3s_lone/%u");
	if (IS_ERR(t)) {
		go3s_cancel(l->co);
		go3s_test_join_put(test, l->co);
		KUNIT_FAIL(test, "kthread: %pe", t);
		return;
	}
	t0 = ktime_get_ns();
	wake_up_process(t);
	/* The waker bounds every round itself; we only must not look hung. */
	while (!wait_for_completion_timeout(&l->done, GO3S_T_LONE_WAIT))
		;
	if (l->stuck != l->rounds) {
		KUNIT_FAIL(test,
			   "coroutine on CPU %d not parked again %us after resume %u (state %u, %s): lost kick?",
			   cpu, GO3S_T_LONE_WAIT / HZ, l->stuck,
			   l->stuck_state,
			   l->stuck_on_cpu ? "on its CPU" : "not on its CPU");
		/* Any kick of that CPU runs what is stranded on its queue. */
		other = go3s_spawn(go3s_t_lone_nop, NULL, cpu,
				   GO3S_PRIO_NORMAL, 0, 0);
		if (!IS_ERR(other))
			go3s_test_join_put(test, other);
		go3s_cancel(l->co);
		go3s_test_join_put(test, l->co);
	} else {
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, l->co), 0);
	}
	kunit_info(test, "%u rounds, CPU %d woken from CPU %d, in %llu ms\n",
		   l->stuck, cpu, wcpu,
		   (ktime_get_ns() - t0) / NSEC_PER_MSEC);
}

/*
 * Wakeups from hard interrupt context: a hard hrtimer resumes a coroutine
 * until it has come back from GO3S_T_IRQ_ROUNDS suspensions.  Lockdep sees
 * the run-queue locks taken from hard interrupts here.
 */
#define GO3S_T_IRQ_ROUNDS	200

struct go3s_t_irq {
	struct hrtimer timer;
	struct go3s_co *co;
	atomic_t count;
	atomic_t resumes;
};

static enum hrtimer_restart go3s_t_irq_fn(struct hrtimer *timer)
{
	struct go3s_t_irq *w = container_of(timer, struct go3s_t_irq, timer);

	if (atomic_read(&w->count) >= GO3S_T_IRQ_ROUNDS)
		return HRTIMER_NORESTART;
	if (!go3s_resume(w->co))
		atomic_inc(&w->resumes);
	hrtimer_forward_now(timer, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int go3s_t_irq_body(void *arg)
{
	struct go3s_t_irq *w = arg;
	int ret;

	while (atomic_read(&w->count) < GO3S_T_IRQ_ROUNDS) {
		ret = go3s_suspend();
		if (ret)
			return ret;
		atomic_inc(&w->count);
	}
	return 0;
}

static void go3s_test_resume_from_hardirq(struct kunit *test)
{
	struct go3s_t_irq *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, w);
	w->co = go3s_test_spawn(test, go3s_t_irq_body, w, go3s_test_cpu(1), 0);
	hrtimer_init(&w->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	w->timer.function = go3s_t_irq_fn;
	hrtimer_start(&w->timer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	/* Our own reference: the timer may still touch it until cancelled. */
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(w->co)), 0);
	hrtimer_cancel(&w->timer);
	go3s_put(w->co);
	KUNIT_EXPECT_EQ(test, atomic_read(&w->count), GO3S_T_IRQ_ROUNDS);
	KUNIT_EXPECT_GE(test, atomic_read(&w->resumes), GO3S_T_IRQ_ROUNDS);
}

/* Cancellation at each suspension point. */

enum go3s_t_point {
	GO3S_T_SUSPEND,
	GO3S_T_SLEEP,
	GO3S_T_RECV,
	GO3S_T_SEND,
	GO3S_T_YIELD,
	GO3S_T_NR_POINTS,
};

struct go3s_t_cancel {
	enum go3s_t_point point;
	struct go3s_chan *ch;
	atomic_t reached;
	atomic_t after;
};

static int go3s_t_cancel_body(void *arg)
{
	struct go3s_t_cancel *c = arg;
	void *v;
	int ret;

	atomic_set(&c->reached, 1);
	switch (c->point) {
	case GO3S_T_SUSPEND:
		ret = go3s_suspend();
		break;
	case GO3S_T_SLEEP:
		ret = go3s_sleep(3600ULL * NSEC_PER_SEC);
		break;
	case GO3S_T_RECV:
		ret = go3s_chan_recv(c->ch, &v);
		break;
	case GO3S_T_SEND:
		ret = go3s_chan_send(c->ch, c);
		break;
	default:
		do {
			ret = go3s_yield();
		} while (!ret);
		break;
	}
	/* Cleanup runs; later suspension points return at once. */
	if (go3s_suspend() == -ECANCELED && go3s_should_stop())
		atomic_set(&c->after, 1);
	return ret;
}

static void go3s_test_cancel_points(struct kunit *test)
{
	struct go3s_t_cancel *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct go3s_co *co;
	bool ok;
	void *v;
	int p;

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->ch = go3s_chan_create(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->ch);
	for (p = 0; p < GO3S_T_NR_POINTS; p++) {
		c->point = p;
		atomic_set(&c->reached, 0);
		atomic_set(&c->after, 0);
		co = go3s_test_spawn(test, go3s_t_cancel_body, c,
				     go3s_test_cpu(p + 1), 0);
		if (p == GO3S_T_YIELD) {
			while (!atomic_read(&c->reached))
				usleep_range(200, 1000);
		} else {
			ok = go3s_test_wait_state(co, GO3S_STATE_SUSPENDED);
			KUNIT_EXPECT_TRUE_MSG(test, ok, "point %d", p);
		}
		KUNIT_EXPECT_EQ_MSG(test, go3s_cancel(co), 0, "point %d", p);
		KUNIT_EXPECT_EQ_MSG(test, go3s_test_join_put(test, go3s_get(co)),
				    -ECANCELED, "point %d", p);
		KUNIT_EXPECT_EQ_MSG(test, go3s_state(co), GO3S_STATE_CANCELLED,
				    "point %d", p);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->after), 1,
				    "point %d", p);
		/* Terminal: refused, and nothing changes. */
		KUNIT_EXPECT_EQ(test, go3s_cancel(co), -EALREADY);
		KUNIT_EXPECT_EQ(test, go3s_resume(co), -EINVAL);
		KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_CANCELLED);
		go3s_put(co);
	}
	/* The cancelled sender's value was withdrawn. */
	KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(c->ch, &v), -EAGAIN);

	/* CREATED: cancelled without ever running. */
	atomic_set(&c->reached, 0);
	co = go3s_test_spawn(test, go3s_t_cancel_body, c, GO3S_CPU_ANY,
			     GO3S_SPAWN_SUSPENDED);
	KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_CREATED);
	KUNIT_EXPECT_EQ(test, go3s_cancel(co), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(co)),
			-ECANCELED);
	KUNIT_EXPECT_EQ(test, atomic_read(&c->reached), 0);
	KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_CANCELLED);
	go3s_put(co);
	go3s_chan_put(c->ch);
}

/* should_stop() sees a request on an ACTIVE coroutine; a completed one
 * cannot be cancelled.
 */
static int go3s_t_poll_body(void *arg)
{
	atomic_t *started = arg;

	atomic_set(started, 1);
	while (!go3s_should_stop())
		go3s_yield();
	return 7;
}

static int go3s_t_return(void *arg)
{
	return (long)arg;
}

static void go3s_test_should_stop(struct kunit *test)
{
	atomic_t *started = kunit_kzalloc(test, sizeof(*started), GFP_KERNEL);
	struct go3s_co *co;

	KUNIT_ASSERT_NOT_NULL(test, started);
	co = go3s_test_spawn(test, go3s_t_poll_body, started, go3s_test_cpu(1),
			     0);
	while (!atomic_read(started))
		usleep_range(200, 1000);
	KUNIT_EXPECT_EQ(test, go3s_cancel(co), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(co)), 7);
	KUNIT_EXPECT_TRUE(test, go3s_state(co) == GO3S_STATE_COMPLETING ||
			  go3s_state(co) == GO3S_STATE_CANCELLED);
	go3s_put(co);

	co = go3s_test_spawn(test, go3s_t_return, (void *)5L, GO3S_CPU_ANY, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, go3s_get(co)), 5);
	KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_COMPLETING);
	KUNIT_EXPECT_EQ(test, go3s_cancel(co), -EBUSY);
	KUNIT_EXPECT_EQ(test, go3s_resume(co), -EINVAL);
	KUNIT_EXPECT_EQ(test, go3s_state(co), GO3S_STATE_COMPLETING);
	go3s_put(co);
}

/* The finish notification runs once, before join returns. */
struct go3s_t_notify {
	struct go3s_co *co;
	atomic_t calls;
	int result;
	bool in_bh;
};

static void go3s_t_notify_fn(struct go3s_co *co, void *data)
{
	struct go3s_t_notify *n = data;

	if (co == n->co)
		atomic_inc(&n->calls);
	n->result = co->result;
	n->in_bh = !preemptible();
}

static void go3s_test_notify(struct kunit *test)
{
	struct go3s_t_notify *n = kunit_kzalloc(test, sizeof(*n), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, n);
	n->co = go3s_test_spawn(test, go3s_t_return, (void *)11L, GO3S_CPU_ANY,
				GO3S_SPAWN_SUSPENDED);
	go3s_co_set_notify(n->co, go3s_t_notify_fn, n);
	KUNIT_EXPECT_EQ(test, go3s_resume(n->co), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, n->co), 11);
	KUNIT_EXPECT_EQ(test, atomic_read(&n->calls), 1);
	KUNIT_EXPECT_EQ(test, n->result, 11);
	KUNIT_EXPECT_TRUE(test, n->in_bh);
}

/* Misuse is refused with an error, never a crash. */

struct go3s_t_misuse {
	struct go3s_co *other;
	int join, locked, rcu, irqs;
};

static DEFINE_SPINLOCK(go3s_t_lock);

static int go3s_t_misuse_body(void *arg)
{
	struct go3s_t_misuse *m = arg;

	m->join = go3s_join(m->other, 0, NULL);
	spin_lock(&go3s_t_lock);
	m->locked = go3s_yield();
	spin_unlock(&go3s_t_lock);
	rcu_read_lock();
	m->rcu = go3s_suspend();
	rcu_read_unlock();
	local_irq_disable();
	m->irqs = go3s_sleep(1);
	local_irq_enable();
	return 0;
}

static void go3s_test_misuse(struct kunit *test)
{
	struct go3s_t_misuse *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct go3s_chan *ch;
	struct go3s_co *co;
	void *v;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_EXPECT_NULL(test, go3s_current());
	KUNIT_EXPECT_FALSE(test, go3s_should_stop());
	KUNIT_EXPECT_EQ(test, go3s_yield(), -EPERM);
	KUNIT_EXPECT_EQ(test, go3s_suspend(), -EPERM);
	KUNIT_EXPECT_EQ(test, go3s_sleep(1), -EPERM);
	ch = go3s_chan_create(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, go3s_chan_send(ch, NULL), -EPERM);
	KUNIT_EXPECT_EQ(test, go3s_chan_recv(ch, &v), -EPERM);
	go3s_chan_put(ch);

	KUNIT_EXPECT_TRUE(test, IS_ERR(go3s_spawn(NULL, NULL, GO3S_CPU_ANY,
						  GO3S_PRIO_NORMAL, 0, 0)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(go3s_spawn(go3s_t_return, NULL,
						  nr_cpu_ids, GO3S_PRIO_NORMAL,
						  0, 0)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(go3s_spawn(go3s_t_return, NULL,
						  GO3S_CPU_ANY, GO3S_NR_PRIO,
						  0, 0)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(go3s_spawn(go3s_t_return, NULL,
						  GO3S_CPU_ANY,
						  GO3S_PRIO_NORMAL, 4096, 0)));
	KUNIT_EXPECT_TRUE(test, IS_ERR(go3s_spawn(go3s_t_return, NULL,
						  GO3S_CPU_ANY,
						  GO3S_PRIO_NORMAL, 0, 0x80)));

	m->other = go3s_test_spawn(test, go3s_t_return, NULL, GO3S_CPU_ANY,
				   GO3S_SPAWN_SUSPENDED);
	co = go3s_test_spawn(test, go3s_t_misuse_body, m, GO3S_CPU_ANY, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), 0);
	KUNIT_EXPECT_EQ(test, m->join, -EDEADLK);
	KUNIT_EXPECT_EQ(test, m->locked, -EDEADLK);
	KUNIT_EXPECT_EQ(test, m->rcu, -EDEADLK);
	KUNIT_EXPECT_EQ(test, m->irqs, -EDEADLK);
	KUNIT_EXPECT_EQ(test, go3s_cancel(m->other), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, m->other), -ECANCELED);
}

/*
 * Per-task state carried across a switch (issue 8, defect 5): inside each
 * kind of section that belongs to the task the softirq interrupted, every
 * suspension point refuses with -EDEADLK and nothing switches.
 */
enum go3s_t_ctx_kind {
	GO3S_T_MIGRATE,
	GO3S_T_PAGEFAULT,
	GO3S_T_NOIO,
	GO3S_T_SRCU,
	GO3S_T_LOCKDEP,
};

struct go3s_t_ctx_case {
	enum go3s_t_ctx_kind kind;
	const char *name;
	bool lockdep_only;	/* invisible without lockdep */
};

static const struct go3s_t_ctx_case go3s_t_ctx_cases[] = {
	{ GO3S_T_MIGRATE, "migrate_disable" },
	{ GO3S_T_PAGEFAULT, "pagefault_disable" },
	{ GO3S_T_NOIO, "memalloc_noio_save" },
	{ GO3S_T_SRCU, "srcu_read_lock", true },
	{ GO3S_T_LOCKDEP, "lockdep_held_lock", true },
};

static void go3s_t_ctx_desc(const struct go3s_t_ctx_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(go3s_t_ctx, go3s_t_ctx_cases, go3s_t_ctx_desc);

#ifdef CONFIG_LOCKDEP
static struct lockdep_map go3s_t_ctx_map =
	STATIC_LOCKDEP_MAP_INIT("go3s_t_ctx_map", &go3s_t_ctx_map);
#endif

struct go3s_t_ctx {
	enum go3s_t_ctx_kind kind;
	struct srcu_struct srcu;
	int yield, suspend, sleep, recv, after;
	u64 switched;
	struct go3s_chan *ch;
};

static int go3s_t_ctx_body(void *arg)
{
	struct go3s_t_ctx *c = arg;
	struct go3s_co *self = go3s_current();
	unsigned int noio = 0;
	int idx = 0;
	u64 sw;
	void *v;

	switch (c->kind) {
	case GO3S_T_MIGRATE:
		migrate_disable();
		break;
	case GO3S_T_PAGEFAULT:
		pagefault_disable();
		break;
	case GO3S_T_NOIO:
		noio = memalloc_noio_save();
		break;
	case GO3S_T_SRCU:
		idx = srcu_read_lock(&c->srcu);
		break;
	case GO3S_T_LOCKDEP:
#ifdef CONFIG_LOCKDEP
		lock_map_acquire(&go3s_t_ctx_map);
#endif
		break;
	}
	sw = READ_ONCE(self->switches);
	c->yield = go3s_yield();
	c->suspend = go3s_suspend();
	c->sleep = go3s_sleep(1);
	c->recv = go3s_chan_recv(c->ch, &v);
	c->switched = READ_ONCE(self->switches) - sw;
	switch (c->kind) {
	case GO3S_T_MIGRATE:
		migrate_enable();
		break;
	case GO3S_T_PAGEFAULT:
		pagefault_enable();
		break;
	case GO3S_T_NOIO:
		memalloc_noio_restore(noio);
		break;
	case GO3S_T_SRCU:
		srcu_read_unlock(&c->srcu, idx);
		break;
	case GO3S_T_LOCKDEP:
#ifdef CONFIG_LOCKDEP
		lock_map_release(&go3s_t_ctx_map);
#endif
		break;
	}
	/* Out of the section, suspension points work again. */
	c->after = go3s_yield();
	return 0;
}

static void go3s_test_ctx_carried(struct kunit *test)
{
	const struct go3s_t_ctx_case *p = test->param_value;
	struct go3s_t_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct go3s_co *co;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (p->lockdep_only && !IS_ENABLED(CONFIG_LOCKDEP))
		kunit_skip(test, "%s is only visible to lockdep", p->name);
	c->kind = p->kind;
	c->ch = go3s_chan_create(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c->ch);
	KUNIT_ASSERT_EQ(test, init_srcu_struct(&c->srcu), 0);
	co = go3s_test_spawn(test, go3s_t_ctx_body, c, go3s_test_cpu(1), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), 0);
	KUNIT_EXPECT_EQ_MSG(test, c->yield, -EDEADLK, "%s: yield", p->name);
	KUNIT_EXPECT_EQ_MSG(test, c->suspend, -EDEADLK, "%s: suspend",
			    p->name);
	KUNIT_EXPECT_EQ_MSG(test, c->sleep, -EDEADLK, "%s: sleep", p->name);
	KUNIT_EXPECT_EQ_MSG(test, c->recv, -EDEADLK, "%s: recv", p->name);
	KUNIT_EXPECT_EQ_MSG(test, c->switched, 0ULL, "%s: switched", p->name);
	KUNIT_EXPECT_EQ(test, c->after, 0);
	cleanup_srcu_struct(&c->srcu);
	go3s_chan_put(c->ch);
}

/*
 * Budget: a yield storm on one CPU hands off to go3s/N and does not keep
 * an ordinary kernel thread on that CPU from running.
 */
struct go3s_t_storm {
	atomic_t stop;
	struct completion ran;
};

static int go3s_t_storm_body(void *arg)
{
	struct go3s_t_storm *st = arg;

	while (!atomic_read(&st->stop))
		if (go3s_yield())
			return -ECANCELED;
	return 0;
}

static int go3s_t_storm_thread(void *arg)
{
	struct go3s_t_storm *st = arg;

	atomic_set(&st->stop, 1);
	complete(&st->ran);
	return 0;
}

static void go3s_test_budget_fairness(struct kunit *test)
{
	struct go3s_t_storm *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct go3s_sched_stats before, after;
	int cpu = go3s_test_cpu(1);
	struct go3s_co *co[4];
	struct task_struct *t;
	unsigned long left;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, st);
	init_completion(&st->ran);
	go3s_sched_stats_read(cpu, &before);
	for (i = 0; i < ARRAY_SIZE(co); i++)
		co[i] = go3s_test_spawn(test, go3s_t_storm_body, st, cpu, 0);
	/* The storm outlasts a softirq pass and moves to go3s/N... */
	for (i = 0; i < 30000; i++) {
		go3s_sched_stats_read(cpu, &after);
		if (after.handoffs > before.handoffs)
			break;
		usleep_range(1000, 2000);
	}
	KUNIT_EXPECT_GT(test, after.handoffs, before.handoffs);
	/* ...where it does not keep a thread of that CPU from running. */
	t = kthread_create_on_cpu(go3s_t_storm_thread, st, cpu,
				  "go3s_storm/%u");
	if (IS_ERR(t)) {
		atomic_set(&st->stop, 1);
		KUNIT_FAIL(test, "kthread: %pe", t);
	} else {
		wake_up_process(t);
		left = wait_for_completion_timeout(&st->ran,
						   GO3S_TEST_JOIN_TIMEOUT);
		KUNIT_EXPECT_GT(test, left, 0UL);
		atomic_set(&st->stop, 1);
	}
	for (i = 0; i < ARRAY_SIZE(co); i++)
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 0);
	go3s_sched_stats_read(cpu, &after);
	KUNIT_EXPECT_GT(test, after.switches, before.switches);
	kunit_info(test, "CPU %d: %llu switches, %llu passes, %llu hand-offs\n",
		   cpu, after.switches - before.switches,
		   after.passes - before.passes,
		   after.handoffs - before.handoffs);
}

/* A walk taken inside a coroutine names the coroutine's own functions. */
struct go3s_t_bt {
	unsigned long entries[32];
	unsigned int n;
	int sum;
};

static noinline int go3s_t_bt_leaf(struct go3s_t_bt *bt)
{
	bt->n = go3s_co_walk(go3s_current(), current_stack_pointer,
			     bt->entries, ARRAY_SIZE(bt->entries));
	go3s_co_warn(go3s_current(), "test");
	return bt->n;
}

static noinline int go3s_t_bt_body(void *arg)
{
	struct go3s_t_bt *bt = arg;

	/* Not a tail call: the return address into this body stays. */
	bt->sum = go3s_t_bt_leaf(bt) + 1;
	go3s_yield();
	return bt->sum;
}

static bool go3s_t_bt_has(struct go3s_t_bt *bt, const char *name)
{
	char buf[KSYM_SYMBOL_LEN];
	size_t len = strlen(name);
	unsigned int i;

	for (i = 0; i < bt->n; i++) {
		sprint_symbol(buf, bt->entries[i]);
		if (!strncmp(buf, name, len) && buf[len] == '+')
			return true;
	}
	return false;
}

static void go3s_test_backtrace(struct kunit *test)
{
	struct go3s_t_bt *bt = kunit_kzalloc(test, sizeof(*bt), GFP_KERNEL);
	struct go3s_co *co;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, bt);
	co = go3s_test_spawn(test, go3s_t_bt_body, bt, GO3S_CPU_ANY, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), (int)bt->n + 1);
	KUNIT_EXPECT_GT(test, bt->n, 0U);
	for (i = 0; i < bt->n; i++)
		kunit_info(test, "frame %u: %pS\n", i, (void *)bt->entries[i]);
	KUNIT_EXPECT_TRUE(test, go3s_t_bt_has(bt, "go3s_t_bt_body"));
	KUNIT_EXPECT_TRUE(test, go3s_t_bt_has(bt, "go3s_co_main"));
	/* Nothing above the coroutine's own stack. */
	KUNIT_EXPECT_FALSE(test, go3s_t_bt_has(bt, "go3s_sched_run"));
}

/*
 * Unload: thousands of live coroutines (yielding, sleeping, blocked on a
 * channel, suspended, never started) are all cancelled and finish.
 */
#define GO3S_T_LIVE	2000

static int go3s_t_live_body(void *arg)
{
	struct go3s_chan *ch = arg;
	u64 id = go3s_id(go3s_current());
	void *v;
	int ret;

	switch (id % 4) {
	case 0:
		do {
			ret = go3s_yield();
		} while (!ret);
		return ret;
	case 1:
		return go3s_sleep(3600ULL * NSEC_PER_SEC);
	case 2:
		return go3s_chan_recv(ch, &v);
	default:
		return go3s_suspend();
	}
}

static void go3s_test_cancel_all_live(struct kunit *test)
{
	struct go3s_chan *ch = go3s_chan_create(0, GFP_KERNEL);
	struct go3s_co **co;
	unsigned int i, base = go3s_nr_live();
	int result;

	co = kvcalloc(GO3S_T_LIVE, sizeof(*co), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, co);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	for (i = 0; i < GO3S_T_LIVE; i++) {
		co[i] = go3s_spawn(go3s_t_live_body, ch, go3s_test_cpu(i),
				   i % GO3S_NR_PRIO, 0,
				   i % 10 ? 0 : GO3S_SPAWN_SUSPENDED);
		if (IS_ERR(co[i])) {
			KUNIT_FAIL(test, "spawn %u: %pe", i, co[i]);
			co[i] = NULL;
			break;
		}
	}
	KUNIT_EXPECT_EQ(test, go3s_nr_live(), base + i);
	msleep(100);
	go3s_cancel_all(false);
	KUNIT_EXPECT_EQ(test, go3s_nr_live(), 0U);
	for (i = 0; i < GO3S_T_LIVE && co[i]; i++) {
		KUNIT_EXPECT_EQ(test, go3s_join(co[i], 0, &result), 0);
		KUNIT_EXPECT_EQ(test, go3s_state(co[i]), GO3S_STATE_CANCELLED);
		KUNIT_EXPECT_EQ(test, result, -ECANCELED);
		go3s_put(co[i]);
	}
	go3s_chan_put(ch);
	/* Spawning works again afterwards. */
	co[0] = go3s_test_spawn(test, go3s_t_return, (void *)3L, GO3S_CPU_ANY,
				0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[0]), 3);
	kvfree(co);
}

/*
 * Unload barrier (issue 8, defect 9): kernel threads on the other CPUs
 * kick one CPU's run loop without pause while that CPU's kicks and bottom
 * half are stopped as unload stops them, and started again, many times.
 * Nothing may land on a stopped CPU: no IPI or irq_work function, no
 * bottom half (go3s_sched_late_kicks()).
 */
#define GO3S_T_STOP_ROUNDS	200

/*
 * go3s_sched_test_kick() - kick a CPU's run loop, for the unload race test
 * @cpu: a CPU go3s runs on
 */
static void go3s_sched_test_kick(int cpu)
{
	go3s_sched_kick(go3s_sched_of(cpu));
}

/*
 * go3s_sched_test_stop() - stop a CPU's kicks and bottom half as unload does
 * @cpu: a CPU go3s runs on, with nothing queued and no coroutine alive
 *
 * Context: process context, may sleep.
 * Return: 0, or -EBUSY if a coroutine lives.
 */
static int go3s_sched_test_stop(int cpu)
{
	struct go3s_sched *s = go3s_sched_of(cpu);

	if (go3s_nr_live())
		return -EBUSY;
	WRITE_ONCE(s->ready, false);
	synchronize_rcu();
	go3s_sched_quiesce(s);
	return 0;
}

/*
 * go3s_sched_test_start() - undo go3s_sched_test_stop()
 * @cpu: the CPU
 */
static void go3s_sched_test_start(int cpu)
{
	struct go3s_sched *s = go3s_sched_of(cpu);

	/* A kick may have set pending and been cut off with the BH. */
	atomic_set(&s->pending, 0);
	WRITE_ONCE(s->stopped, false);
	WRITE_ONCE(s->ready, true);
}

struct go3s_t_kicker {
	int cpu;
	atomic_t stop;
	atomic_long_t kicks;
};

static int go3s_t_kicker_fn(void *arg)
{
	struct go3s_t_kicker *k = arg;

	while (!atomic_read(&k->stop)) {
		go3s_sched_test_kick(k->cpu);
		atomic_long_inc(&k->kicks);
		if (!(atomic_long_read(&k->kicks) % 256))
			cond_resched();
	}
	return 0;
}

static void go3s_test_stop_kick_race(struct kunit *test)
{
	struct go3s_t_kicker *k = kunit_kzalloc(test, sizeof(*k), GFP_KERNEL);
	int cpu = go3s_test_cpu(1), c, n = 0, i, ret;
	struct task_struct **t;
	unsigned long late;
	struct go3s_co *co;

	t = kunit_kcalloc(test, nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, t);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	if (go3s_nr_live())
		kunit_skip(test, "coroutines alive");
	k->cpu = cpu;
	for_each_online_cpu(c) {
		if (c == cpu)
			continue;
		t[n] = kthread_run_on_cpu(go3s_t_kicker_fn, k, c,
					  "go3s_kick/%u");
		if (IS_ERR(t[n])) {
			KUNIT_FAIL(test, "kthread: %pe", t[n]);
			break;
		}
		get_task_struct(t[n]);
		n++;
	}
	late = go3s_sched_late_kicks();
	for (i = 0; i < GO3S_T_STOP_ROUNDS; i++) {
		ret = go3s_sched_test_stop(cpu);
		if (ret) {
			KUNIT_FAIL(test, "stop: %d", ret);
			break;
		}
		/* Anything still in flight would land now. */
		usleep_range(200, 200 + 20 * (i % 32));
		KUNIT_EXPECT_EQ_MSG(test, go3s_sched_late_kicks(), late,
				    "round %d", i);
		late = go3s_sched_late_kicks();
		go3s_sched_test_start(cpu);
		usleep_range(100, 100 + 20 * (i % 16));
	}
	atomic_set(&k->stop, 1);
	for (i = 0; i < n; i++) {
		kthread_stop(t[i]);
		put_task_struct(t[i]);
	}
	/* The CPU runs coroutines as before. */
	co = go3s_test_spawn(test, go3s_t_lone_nop, NULL, cpu, 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), 0);
	kunit_info(test, "%ld kicks of CPU %d from %d threads over %d stops\n",
		   atomic_long_read(&k->kicks), cpu, n, GO3S_T_STOP_ROUNDS);
}

/* tracepoints */

struct go3s_t_trace {
	u64 id;
	atomic_t hits;
};

static void go3s_t_trace_complete(void *data, u64 id, int cpu, int result)
{
	struct go3s_t_trace *t = data;

	if (id == READ_ONCE(t->id) && result == 7)
		atomic_inc(&t->hits);
}

static int go3s_t_seven(void *arg)
{
	return 7;
}

/* go3s_complete fires once, with the coroutine's id and result. */
static void go3s_test_trace_complete(struct kunit *test)
{
	struct go3s_t_trace t = {};
	struct go3s_co *co;
	int ret = 0;

	KUNIT_ASSERT_EQ(test, register_trace_go3s_complete(go3s_t_trace_complete,
							   &t), 0);
	co = go3s_spawn(go3s_t_seven, NULL, GO3S_CPU_ANY, GO3S_PRIO_NORMAL, 0,
			GO3S_SPAWN_SUSPENDED);
	if (!IS_ERR(co)) {
		WRITE_ONCE(t.id, go3s_id(co));
		KUNIT_EXPECT_EQ(test, go3s_resume(co), 0);
		KUNIT_EXPECT_EQ(test, go3s_join(co, MAX_SCHEDULE_TIMEOUT, &ret),
				0);
		KUNIT_EXPECT_EQ(test, ret, 7);
		go3s_put(co);
	}
	unregister_trace_go3s_complete(go3s_t_trace_complete, &t);
	tracepoint_synchronize_unregister();
	KUNIT_ASSERT_FALSE(test, IS_ERR(co));
	KUNIT_EXPECT_EQ(test, atomic_read(&t.hits), 1);
}

/* work stealing */

#define GO3S_T_STEAL_MOVABLE	2000
#define GO3S_T_STEAL_YIELDS	100
#define GO3S_T_STEAL_PINNED	2	/* pacers per other CPU */

struct go3s_t_steal_co {
	struct go3s_t_steal *st;
	atomic_t running;		/* bodies of this coroutine running */
	atomic_t done;			/* times its body returned */
	unsigned long cpus;		/* CPUs it ran on (below BITS_PER_LONG) */
	int pin;			/* the CPU of a pinned one, or -1 */
};

struct go3s_t_steal {
	atomic_t movable_done;		/* movable bodies returned */
	atomic_t twice;			/* seen running on two CPUs at once */
	atomic_t wrong_cpu;		/* ran where ->cpu does not say */
	atomic_t moved_pinned;		/* a pinned one ran off its CPU */
};

/* Check where it runs, once per stretch between two yields. */
static void go3s_t_steal_check(struct go3s_t_steal_co *c,
			       struct go3s_co *self)
{
	int cpu = raw_smp_processor_id();

	if (atomic_inc_return(&c->running) != 1)
		atomic_inc(&c->st->twice);
	if (READ_ONCE(self->cpu) != cpu || !go3s_on_cpu(self))
		atomic_inc(&c->st->wrong_cpu);
	if (c->pin >= 0 && cpu != c->pin)
		atomic_inc(&c->st->moved_pinned);
	if (cpu < BITS_PER_LONG)
		c->cpus |= BIT(cpu);
	atomic_dec(&c->running);
}

static int go3s_t_steal_body(void *arg)
{
	struct go3s_t_steal_co *c = arg;
	struct go3s_co *self = go3s_current();
	int i;

	go3s_t_steal_check(c, self);
	if (c->pin >= 0) {
		/*
		 * A pacer: its CPU's loop runs dry after every sleep and
		 * steals, beside the idle wake-ups (which this case does
		 * not depend on: see go3s_test_skew_spreads for those).
		 */
		while (atomic_read(&c->st->movable_done) <
		       GO3S_T_STEAL_MOVABLE) {
			if (go3s_sleep(200 * NSEC_PER_USEC) == -ECANCELED)
				return -1;
			go3s_t_steal_check(c, self);
		}
	} else {
		for (i = 0; i < GO3S_T_STEAL_YIELDS; i++) {
			if (go3s_yield())
				return -1;
			go3s_t_steal_check(c, self);
		}
		atomic_inc(&c->st->movable_done);
	}
	atomic_inc(&c->done);
	return 11;
}

/*
 * Thousands of movable coroutines all start on one CPU, beside a few
 * pinned pacers on every other CPU that sleep until the movable ones are
 * done: each time a pacer sleeps, its CPU's loop finds nothing and
 * steals.  Every coroutine completes exactly once, never runs on two CPUs
 * at once, runs where its ->cpu says, and the pinned ones never leave
 * their CPU.
 */
static void go3s_test_steal(struct kunit *test)
{
	unsigned int nr_other = num_online_cpus() - 1, nr, i, n = 0;
	u64 steals_before = 0, steals_after = 0;
	struct go3s_sched_stats stats;
	struct go3s_t_steal_co *c;
	unsigned long seen = 0;
	struct go3s_t_steal *st;
	struct go3s_co **co;
	int cpu, c0;

	if (!nr_other)
		kunit_skip(test, "needs two CPUs");
	c0 = cpumask_first(cpu_online_mask);
	nr = GO3S_T_STEAL_MOVABLE + GO3S_T_STEAL_PINNED * nr_other;
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	c = kunit_kcalloc(test, nr, sizeof(*c), GFP_KERNEL);
	co = kunit_kcalloc(test, nr, sizeof(*co), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, co);
	for_each_online_cpu(cpu) {
		go3s_sched_stats_read(cpu, &stats);
		steals_before += stats.steals;
	}
	for (i = 0; i < nr; i++) {
		c[i].st = st;
		c[i].pin = -1;
		if (i >= GO3S_T_STEAL_MOVABLE) {
			do
				cpu = go3s_test_cpu(n++);
			while (cpu == c0);
			c[i].pin = cpu;
		}
		co[i] = go3s_test_spawn(test, go3s_t_steal_body, &c[i],
					c[i].pin >= 0 ? c[i].pin : c0,
					GO3S_SPAWN_SUSPENDED);
		/* Any CPU: it stays on c0 until it runs, then may move. */
		if (c[i].pin < 0)
			KUNIT_EXPECT_EQ(test, go3s_set_affinity(co[i], NULL), 0);
	}
	/* The pinned ones first, so that their CPUs run dry early. */
	for (i = nr; i-- > 0;)
		KUNIT_EXPECT_EQ(test, go3s_resume(co[i]), 0);
	for (i = 0; i < nr; i++) {
		if (c[i].pin >= 0)
			KUNIT_EXPECT_EQ(test, READ_ONCE(co[i]->cpu), c[i].pin);
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 11);
		KUNIT_EXPECT_EQ(test, atomic_read(&c[i].done), 1);
		if (c[i].pin < 0)
			seen |= c[i].cpus;
	}
	for_each_online_cpu(cpu) {
		go3s_sched_stats_read(cpu, &stats);
		steals_after += stats.steals;
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&st->twice), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->wrong_cpu), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->moved_pinned), 0);
	KUNIT_EXPECT_GT(test, steals_after, steals_before);
	KUNIT_EXPECT_GT(test, (int)hweight_long(seen), 1);
	kunit_info(test, "steals %llu, movable ones ran on %d CPUs\n",
		   steals_after - steals_before, (int)hweight_long(seen));
}

/*
 * Skewed load (issue 9): a kernel thread bound to the first CPU spawns
 * thousands of movable coroutines (GO3S_CPU_ANY: queued on the spawning
 * CPU) and starts them all at once, while every other CPU has nothing of
 * go3s to run.  Nothing kicks
 * the other CPUs but the idle wake-up rule, so with stealing on the load
 * must reach every CPU, and with it off it must stay where it was spawned.
 * Every run of a body between two yields is counted on the CPU it ran on:
 * the counts add up to exactly (skew_yields + 1) per coroutine.
 */
static unsigned int go3s_t_skew_nr = 2000;
module_param_named(skew_coroutines, go3s_t_skew_nr, uint, 0444);
MODULE_PARM_DESC(skew_coroutines,
		 "coroutines of the skewed-load KUnit cases (default 10000)");

static unsigned int go3s_t_skew_yields = 20;
module_param_named(skew_yields, go3s_t_skew_yields, uint, 0444);
MODULE_PARM_DESC(skew_yields,
		 "yields of each coroutine of the skewed-load KUnit cases (default 20)");

/*
 * The least share of the runs, in per mille, that every CPU must take.
 * An even spread over 4 CPUs gives each 250; TCG runs vCPUs unevenly.
 */
static unsigned int go3s_t_skew_min_pm = 20;
module_param_named(skew_min_permille, go3s_t_skew_min_pm, uint, 0444);
MODULE_PARM_DESC(skew_min_permille,
		 "least share of the skewed load each CPU must run, per mille (default 20)");

struct go3s_t_skew;

struct go3s_t_skew_co {
	struct go3s_t_skew *sk;
	atomic_t done;			/* times its body returned */
};

struct go3s_t_skew {
	/* In. */
	unsigned int nr;
	unsigned int yields;
	unsigned int batch;		/* started at once */
	unsigned int gap_us;		/* between two batches */
	bool steal;
	bool sample;			/* sample the thieves meanwhile */
	/* Out. */
	atomic_long_t *runs;		/* per CPU: stretches run there */
	long total;
	int cpu0;			/* where it was spawned */
	u64 wakes;			/* idle wake-ups, all CPUs */
	u64 steals;
	unsigned long samples;
	unsigned long thief_samples;	/* samples that saw a thief */
	int max_spinning;		/* go3s_sched_nr_spinning() */
	int max_thieves;		/* CPUs claimed or spinning at once */
	/* Inside. */
	struct go3s_t_skew_co *c;
	struct go3s_co **co;
	unsigned int spawned;
	long spawn_err;
	u64 spawn_ns;			/* spawning them all, suspended */
	atomic_t stop;
	struct completion spawned_all;
};

static int go3s_t_skew_body(void *arg)
{
	struct go3s_t_skew_co *c = arg;
	struct go3s_t_skew *sk = c->sk;
	unsigned int i;

	for (i = 0; ; i++) {
		atomic_long_inc(&sk->runs[raw_smp_processor_id()]);
		if (i == sk->yields)
			break;
		if (go3s_yield())
			return -1;
	}
	atomic_inc(&c->done);
	return 11;
}

/*
 * Spawn them all, then start them in batches of sk->batch with bottom
 * halves off, so that each batch is queued before the CPU's run loop
 * sees any of it: started one by one, each would run to its end in the
 * bottom half of its own kick before the next is spawned, and there would
 * be nothing to steal.  Between batches the CPU runs what it has.
 */
static int go3s_t_skew_spawner(void *arg)
{
	struct go3s_t_skew *sk = arg;
	u64 t0 = ktime_get_ns();
	struct go3s_co *co;
	unsigned int i, j;

	for (i = 0; i < sk->nr; i++) {
		co = go3s_spawn(go3s_t_skew_body, &sk->c[i], GO3S_CPU_ANY,
				GO3S_PRIO_NORMAL, 0, GO3S_SPAWN_SUSPENDED);
		if (IS_ERR(co)) {
			sk->spawn_err = PTR_ERR(co);
			break;
		}
		sk->co[i] = co;
		if (!(i % 64))
			cond_resched();
	}
	sk->spawned = i;
	sk->spawn_ns = ktime_get_ns() - t0;
	for (i = 0; i < sk->spawned; i += sk->batch) {
		local_bh_disable();
		for (j = i; j < min(sk->spawned, i + sk->batch); j++)
			if (go3s_resume(sk->co[j]))
				sk->spawn_err = -EINVAL;
		local_bh_enable();
		if (i + sk->batch < sk->spawned)
			usleep_range(sk->gap_us, 2 * sk->gap_us);
	}
	complete(&sk->spawned_all);
	return 0;
}

/*
 * Count the thieves now: the global count, and the CPUs that are one
 * (claimed by a busy CPU, or spinning in their pass).  The scan of the
 * CPUs is not a snapshot: it may see a thief just before it hands over
 * and the next one just after.
 */
static int go3s_t_skew_sampler(void *arg)
{
	struct go3s_t_skew *sk = arg;
	unsigned long flags;
	struct go3s_sched *s;
	int n, cpu;

	while (!atomic_read(&sk->stop)) {
		n = go3s_sched_nr_spinning();
		sk->max_spinning = max(sk->max_spinning, n);
		n = 0;
		/* A short window: nothing of this CPU cuts into the scan. */
		local_irq_save(flags);
		for_each_online_cpu(cpu) {
			s = go3s_sched_of(cpu);
			n += READ_ONCE(s->spinning) ||
			     atomic_read(&s->idle) == GO3S_IDLE_CLAIMED;
		}
		local_irq_restore(flags);
		sk->max_thieves = max(sk->max_thieves, n);
		sk->thief_samples += !!n;
		sk->samples++;
		usleep_range(20, 100);
	}
	return 0;
}

static void go3s_t_skew_counts(u64 *wakes, u64 *steals)
{
	struct go3s_sched_stats st;
	int cpu;

	*wakes = 0;
	*steals = 0;
	for_each_possible_cpu(cpu) {
		go3s_sched_stats_read(cpu, &st);
		*wakes += st.wakes_idle;
		*steals += st.steals;
	}
}

/* Run the skewed load @sk describes; false on a failure (reported). */
static bool go3s_t_skew_run(struct kunit *test, struct go3s_t_skew *sk)
{
	struct task_struct *t, *sampler = NULL;
	u64 wakes0, steals0, t0;
	unsigned int i, bad = 0;
	bool old, ok = false;
	int cpu;

	sk->cpu0 = cpumask_first(cpu_online_mask);
	sk->runs = kunit_kcalloc(test, nr_cpu_ids, sizeof(*sk->runs),
				 GFP_KERNEL);
	sk->c = kvcalloc(sk->nr, sizeof(*sk->c), GFP_KERNEL);
	sk->co = kvcalloc(sk->nr, sizeof(*sk->co), GFP_KERNEL);
	if (!sk->runs || !sk->c || !sk->co) {
		KUNIT_FAIL(test, "no memory for %u coroutines", sk->nr);
		goto out;
	}
	for (i = 0; i < sk->nr; i++)
		sk->c[i].sk = sk;
	init_completion(&sk->spawned_all);
	t = kthread_create_on_cpu(go3s_t_skew_spawner, sk, sk->cpu0,
				  "go3s_skew/%u");
	if (IS_ERR(t)) {
		KUNIT_FAIL(test, "kthread: %pe", t);
		goto out;
	}
	if (sk->sample) {
		sampler = kthread_run(go3s_t_skew_sampler, sk, "go3s_skew_smp");
		if (IS_ERR(sampler)) {
			KUNIT_FAIL(test, "kthread: %pe", sampler);
			sampler = NULL;
		} else {
			get_task_struct(sampler);
		}
	}
	old = go3s_sched_steal_set(sk->steal);
	go3s_t_skew_counts(&wakes0, &steals0);
	t0 = ktime_get_ns();
	wake_up_process(t);
	wait_for_completion(&sk->spawned_all);
	KUNIT_EXPECT_EQ(test, sk->spawned, sk->nr);
	KUNIT_EXPECT_EQ(test, sk->spawn_err, 0L);
	for (i = 0; i < sk->spawned; i++) {
		if (go3s_test_join_put(test, sk->co[i]) != 11 ||
		    atomic_read(&sk->c[i].done) != 1)
			bad++;
	}
	t0 = ktime_get_ns() - t0;
	go3s_t_skew_counts(&sk->wakes, &sk->steals);
	sk->wakes -= wakes0;
	sk->steals -= steals0;
	go3s_sched_steal_set(old);
	if (sampler) {
		atomic_set(&sk->stop, 1);
		kthread_stop(sampler);
		put_task_struct(sampler);
	}
	KUNIT_EXPECT_EQ(test, bad, 0U);
	for_each_possible_cpu(cpu)
		sk->total += atomic_long_read(&sk->runs[cpu]);
	KUNIT_EXPECT_EQ(test, sk->total, (long)sk->spawned * (sk->yields + 1));
	for_each_online_cpu(cpu)
		kunit_info(test, "steal %s: CPU %d ran %ld of %ld (%ld per mille)\n",
			   sk->steal ? "on" : "off", cpu,
			   atomic_long_read(&sk->runs[cpu]), sk->total,
			   sk->total ? atomic_long_read(&sk->runs[cpu]) * 1000 /
			   sk->total : 0);
	kunit_info(test, "steal %s: %llu idle wake-ups, %llu coroutines stolen; spawned in %llu ms, all done in %llu ms\n",
		   sk->steal ? "on" : "off", sk->wakes, sk->steals,
		   sk->spawn_ns / NSEC_PER_MSEC, t0 / NSEC_PER_MSEC);
	ok = true;
out:
	kvfree(sk->c);
	kvfree(sk->co);
	return ok;
}

static struct go3s_t_skew *go3s_t_skew_new(struct kunit *test, bool steal)
{
	struct go3s_t_skew *sk = kunit_kzalloc(test, sizeof(*sk), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sk);
	sk->nr = go3s_t_skew_nr;
	sk->yields = go3s_t_skew_yields;
	sk->batch = sk->nr;
	sk->steal = steal;
	return sk;
}

/* Stealing on: every CPU go3s runs on takes a fair part of the load. */
static void go3s_test_skew_spreads(struct kunit *test)
{
	struct go3s_t_skew *sk = go3s_t_skew_new(test, true);
	long n;
	int cpu;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	if (!go3s_t_skew_run(test, sk))
		return;
	for_each_online_cpu(cpu) {
		if (!READ_ONCE(go3s_sched_of(cpu)->ready))
			continue;
		n = atomic_long_read(&sk->runs[cpu]);
		KUNIT_EXPECT_GT_MSG(test, n, 0L, "CPU %d ran none of it", cpu);
		KUNIT_EXPECT_GE_MSG(test, n * 1000,
				    sk->total * (long)go3s_t_skew_min_pm,
				    "CPU %d ran %ld of %ld", cpu, n, sk->total);
	}
	/* Nothing but a wake-up makes an idle CPU look. */
	KUNIT_EXPECT_GT(test, sk->wakes, 0ULL);
	KUNIT_EXPECT_GT(test, sk->steals, 0ULL);
}

/* Stealing off: the same load stays on the CPU it was spawned on. */
static void go3s_test_skew_no_steal(struct kunit *test)
{
	struct go3s_t_skew *sk = go3s_t_skew_new(test, false);

	if (!go3s_t_skew_run(test, sk))
		return;
	KUNIT_EXPECT_EQ(test, atomic_long_read(&sk->runs[sk->cpu0]),
			sk->total);
	KUNIT_EXPECT_EQ(test, sk->wakes, 0ULL);
	KUNIT_EXPECT_EQ(test, sk->steals, 0ULL);
}

/*
 * No thundering herd: while one CPU keeps producing stealable work (a
 * quarter of the skewed load, started GO3S_T_HERD_BATCH at a time with a
 * pause between, so that the other CPUs keep running dry and being
 * woken), at most one thief is ever looking.  The rule's count is sampled
 * exactly; the CPUs marked as thieves are sampled one by one (a hand-over
 * from a thief that found work to the next one it wakes can show both),
 * so they get one of slack.
 */
#define GO3S_T_HERD_BATCH	16
#define GO3S_T_HERD_GAP_US	1000	/* the other CPUs run dry meanwhile */

static void go3s_test_idle_wake_no_herd(struct kunit *test)
{
	struct go3s_t_skew *sk = go3s_t_skew_new(test, true);

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	sk->nr = max(1U, sk->nr / 4);
	sk->batch = GO3S_T_HERD_BATCH;
	sk->gap_us = GO3S_T_HERD_GAP_US;
	sk->sample = true;
	if (!go3s_t_skew_run(test, sk))
		return;
	kunit_info(test, "%lu samples, %lu saw a thief; at most %d counted, %d CPUs marked\n",
		   sk->samples, sk->thief_samples, sk->max_spinning,
		   sk->max_thieves);
	KUNIT_EXPECT_GT(test, sk->samples, 0UL);
	KUNIT_EXPECT_GT(test, sk->wakes, 0ULL);
	KUNIT_EXPECT_LE(test, sk->max_spinning, 1);
	KUNIT_EXPECT_LE(test, sk->max_thieves, 2);
}

/*
 * Only stealable work wakes an idle CPU: pinned coroutines yielding on
 * one CPU never do (they are not on the ring), and nothing is stolen.
 */
#define GO3S_T_PINNED_NR	8
#define GO3S_T_PINNED_YIELDS	2000

static void go3s_test_idle_wake_pinned(struct kunit *test)
{
	struct go3s_t_yield *y = kunit_kzalloc(test, sizeof(*y), GFP_KERNEL);
	struct go3s_co *co[GO3S_T_PINNED_NR];
	u64 wakes0, steals0, wakes, steals;
	int cpu = go3s_test_cpu(1), i;

	KUNIT_ASSERT_NOT_NULL(test, y);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	y->yields = GO3S_T_PINNED_YIELDS;
	go3s_t_skew_counts(&wakes0, &steals0);
	for (i = 0; i < GO3S_T_PINNED_NR; i++)
		co[i] = go3s_test_spawn(test, go3s_t_yielder, y, cpu, 0);
	for (i = 0; i < GO3S_T_PINNED_NR; i++)
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 42);
	go3s_t_skew_counts(&wakes, &steals);
	KUNIT_EXPECT_EQ(test, atomic_read(&y->n),
			GO3S_T_PINNED_NR * GO3S_T_PINNED_YIELDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&y->wrong_cpu), 0);
	KUNIT_EXPECT_EQ(test, wakes - wakes0, 0ULL);
	KUNIT_EXPECT_EQ(test, steals - steals0, 0ULL);
}

/* affinity: sets changed at runtime, stealing within sets */

#define GO3S_T_AFF_NR		12	/* coroutines of the runtime change */
#define GO3S_T_AFF_STRETCHES	600	/* stretches run after the change */

struct go3s_t_aff {
	int phase;			/* 0, 1: new sets given, 2: stop */
	atomic_t after;			/* stretches begun in phase 1 */
	atomic_t outside;		/* of those, run outside the new set */
};

struct go3s_t_aff_co {
	struct go3s_t_aff *t;
	struct cpumask *want;		/* the new set */
};

static int go3s_t_aff_body(void *arg)
{
	struct go3s_t_aff_co *c = arg;
	int phase;

	for (;;) {
		/*
		 * Acquire: phase 1 means our new set is published, so the
		 * yield below is a switch after go3s_set_affinity().
		 * Partner: smp_store_release() of ->phase in the test.
		 */
		phase = smp_load_acquire(&c->t->phase);
		if (phase == 2)
			return 7;
		if (go3s_yield())
			return -1;
		if (phase == 1) {
			atomic_inc(&c->t->after);
			if (!cpumask_test_cpu(raw_smp_processor_id(), c->want))
				atomic_inc(&c->t->outside);
		}
	}
}

/* @n CPUs from the @i-th online one on, wrapping. */
static void go3s_t_aff_mask(struct cpumask *m, unsigned int i, unsigned int n)
{
	cpumask_clear(m);
	while (n--)
		cpumask_set_cpu(go3s_test_cpu(i++), m);
}

/*
 * Yielding coroutines, pinned, on any CPU or on a mask, get a new set
 * while they run (pinned elsewhere, two CPUs, one CPU): from their next
 * switch on they run only on CPUs of it, and end on one.
 */
static void go3s_test_affinity_change(struct kunit *test)
{
	unsigned int ncpu = num_online_cpus(), i;
	struct go3s_t_aff_co *c;
	struct go3s_co **co;
	struct go3s_t_aff *t;
	struct cpumask *old;
	unsigned long end;

	if (ncpu < 2)
		kunit_skip(test, "needs two CPUs");
	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	c = kunit_kcalloc(test, GO3S_T_AFF_NR, sizeof(*c), GFP_KERNEL);
	co = kunit_kcalloc(test, GO3S_T_AFF_NR, sizeof(*co), GFP_KERNEL);
	old = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, co);
	KUNIT_ASSERT_NOT_NULL(test, old);
	for (i = 0; i < GO3S_T_AFF_NR; i++) {
		c[i].t = t;
		c[i].want = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, c[i].want);
		switch (i % 3) {
		case 0:		/* pinned, then pinned to the next CPU */
			co[i] = go3s_test_spawn(test, go3s_t_aff_body, &c[i],
						go3s_test_cpu(i), 0);
			go3s_t_aff_mask(c[i].want, i + 1, 1);
			break;
		case 1:		/* any CPU, then two */
			co[i] = go3s_test_spawn(test, go3s_t_aff_body, &c[i],
						GO3S_CPU_ANY, 0);
			go3s_t_aff_mask(c[i].want, i, 2);
			break;
		default:	/* two CPUs, then one of the others */
			go3s_t_aff_mask(old, i, 2);
			co[i] = go3s_test_spawn(test, go3s_t_aff_body, &c[i],
						go3s_test_cpu(i),
						GO3S_SPAWN_SUSPENDED);
			KUNIT_EXPECT_EQ(test, go3s_set_affinity(co[i], old), 0);
			KUNIT_EXPECT_EQ(test, go3s_resume(co[i]), 0);
			go3s_t_aff_mask(c[i].want, i + 2, 1);
			break;
		}
	}
	/* All of them running. */
	end = jiffies + GO3S_TEST_JOIN_TIMEOUT;
	for (i = 0; i < GO3S_T_AFF_NR; i++)
		while (READ_ONCE(co[i]->switches) < 3 && time_before(jiffies, end))
			usleep_range(100, 500);
	for (i = 0; i < GO3S_T_AFF_NR; i++)
		KUNIT_EXPECT_EQ(test, go3s_set_affinity(co[i], c[i].want), 0);
	/* Partner: smp_load_acquire() in go3s_t_aff_body(). */
	smp_store_release(&t->phase, 1);
	while (atomic_read(&t->after) < GO3S_T_AFF_STRETCHES &&
	       time_before(jiffies, end))
		usleep_range(1000, 2000);
	WRITE_ONCE(t->phase, 2);
	for (i = 0; i < GO3S_T_AFF_NR; i++) {
		/* Ended where it ran last, a CPU of the new set. */
		if (!go3s_join(co[i], GO3S_TEST_JOIN_TIMEOUT, NULL))
			KUNIT_EXPECT_TRUE(test,
					  cpumask_test_cpu(READ_ONCE(co[i]->cpu),
							   c[i].want));
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 7);
	}
	KUNIT_EXPECT_GE(test, atomic_read(&t->after), GO3S_T_AFF_STRETCHES);
	KUNIT_EXPECT_EQ(test, atomic_read(&t->outside), 0);
}

/* Errors: an empty or unusable set, an ended coroutine. */
static int go3s_t_aff_quick(void *arg)
{
	return 5;
}

static void go3s_test_affinity_errors(struct kunit *test)
{
	struct cpumask *m = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
	struct go3s_co *co;
	int cpu;

	KUNIT_ASSERT_NOT_NULL(test, m);
	co = go3s_test_spawn(test, go3s_t_aff_quick, NULL, GO3S_CPU_ANY,
			     GO3S_SPAWN_SUSPENDED);
	KUNIT_EXPECT_EQ(test, go3s_set_affinity(co, m), -EINVAL);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			cpumask_set_cpu(cpu, m);
	KUNIT_EXPECT_EQ(test, go3s_set_affinity(co, m), -EINVAL);
	/* Refused: unchanged, still any CPU. */
	KUNIT_EXPECT_TRUE(test, co->movable);
	KUNIT_EXPECT_NULL(test, rcu_access_pointer(co->allowed));
	cpumask_set_cpu(go3s_test_cpu(1), m);
	KUNIT_EXPECT_EQ(test, go3s_set_affinity(co, m), 0);
	/* One usable CPU (offline ones kept): movable only if it has more. */
	KUNIT_EXPECT_EQ(test, (bool)co->movable, cpumask_weight(m) > 1);
	KUNIT_EXPECT_EQ(test, go3s_resume(co), 0);
	KUNIT_EXPECT_EQ(test, go3s_join(co, GO3S_TEST_JOIN_TIMEOUT, NULL), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(co->cpu), go3s_test_cpu(1));
	KUNIT_EXPECT_EQ(test, go3s_set_affinity(co, NULL), -EBUSY);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co), 5);
}

#define GO3S_T_AFFS_NR		600	/* masked and pinned coroutines */
#define GO3S_T_AFFS_YIELDS	60

struct go3s_t_affs {
	atomic_t done;			/* bodies of the c0 ones returned */
	atomic_t outside;		/* a stretch run outside its set */
	atomic_t twice;			/* seen running on two CPUs at once */
};

struct go3s_t_affs_co {
	struct go3s_t_affs *st;
	struct cpumask *set;		/* NULL: a pacer, pinned to ->pin */
	int pin;
	atomic_t running;
	unsigned long cpus;		/* CPUs it ran on (below BITS_PER_LONG) */
};

static void go3s_t_affs_check(struct go3s_t_affs_co *c)
{
	int cpu = raw_smp_processor_id();

	if (atomic_inc_return(&c->running) != 1)
		atomic_inc(&c->st->twice);
	if (c->set ? !cpumask_test_cpu(cpu, c->set) : cpu != c->pin)
		atomic_inc(&c->st->outside);
	if (cpu < BITS_PER_LONG)
		c->cpus |= BIT(cpu);
	atomic_dec(&c->running);
}

static int go3s_t_affs_body(void *arg)
{
	struct go3s_t_affs_co *c = arg;
	int i;

	go3s_t_affs_check(c);
	if (!c->set) {
		/* A pacer: its CPU runs dry after every sleep and steals. */
		while (atomic_read(&c->st->done) < GO3S_T_AFFS_NR) {
			if (go3s_sleep(200 * NSEC_PER_USEC) == -ECANCELED)
				return -1;
			go3s_t_affs_check(c);
		}
		return 3;
	}
	for (i = 0; i < GO3S_T_AFFS_YIELDS; i++) {
		if (go3s_yield())
			return -1;
		go3s_t_affs_check(c);
	}
	atomic_inc(&c->st->done);
	return 3;
}

/*
 * Hundreds of coroutines all start on one CPU, c0, beside pinned pacers on
 * every other CPU whose loops run dry and steal.  A quarter are pinned to
 * c0, the others have masks: c0 and one other CPU, every CPU but one
 * other, or one other CPU and c1 (not c0 at all).  Thieves take masked
 * ones whether their CPU is in the set or not: every stretch between two
 * yields runs on a CPU of the coroutine's set, pinned ones never leave
 * c0, and masked ones do get stolen (they ran on more than one CPU).
 */
static void go3s_test_affinity_steal(struct kunit *test)
{
	unsigned int ncpu = num_online_cpus(), nr, i, n = 0;
	u64 steals_before = 0, steals_after = 0;
	struct go3s_sched_stats stats;
	struct go3s_t_affs_co *c;
	unsigned long seen = 0;
	struct go3s_t_affs *st;
	struct go3s_co **co;
	int cpu, c0, other;

	if (ncpu < 3)
		kunit_skip(test, "needs three CPUs");
	c0 = go3s_test_cpu(0);
	nr = GO3S_T_AFFS_NR + 2 * (ncpu - 1);
	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	c = kunit_kcalloc(test, nr, sizeof(*c), GFP_KERNEL);
	co = kunit_kcalloc(test, nr, sizeof(*co), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_NOT_NULL(test, co);
	for_each_online_cpu(cpu) {
		go3s_sched_stats_read(cpu, &stats);
		steals_before += stats.steals;
	}
	for (i = 0; i < nr; i++) {
		c[i].st = st;
		if (i >= GO3S_T_AFFS_NR) {
			c[i].pin = go3s_test_cpu(1 + n++ % (ncpu - 1));
			co[i] = go3s_test_spawn(test, go3s_t_affs_body, &c[i],
						c[i].pin, GO3S_SPAWN_SUSPENDED);
			continue;
		}
		c[i].set = kunit_kzalloc(test, cpumask_size(), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, c[i].set);
		other = go3s_test_cpu(1 + i % (ncpu - 1));
		switch (i % 4) {
		case 0:
			cpumask_set_cpu(c0, c[i].set);
			break;
		case 1:
			cpumask_set_cpu(c0, c[i].set);
			cpumask_set_cpu(other, c[i].set);
			break;
		case 2:
			cpumask_copy(c[i].set, cpu_online_mask);
			cpumask_clear_cpu(other, c[i].set);
			break;
		default:
			cpumask_set_cpu(other, c[i].set);
			cpumask_set_cpu(go3s_test_cpu(1), c[i].set);
			break;
		}
		co[i] = go3s_test_spawn(test, go3s_t_affs_body, &c[i], c0,
					GO3S_SPAWN_SUSPENDED);
		/* CREATED: it is queued on c0, its set applies from there. */
		KUNIT_EXPECT_EQ(test, go3s_set_affinity(co[i], c[i].set), 0);
	}
	/* The pacers first, so that their CPUs run dry early. */
	for (i = nr; i-- > 0;)
		KUNIT_EXPECT_EQ(test, go3s_resume(co[i]), 0);
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), 3);
		if (i < GO3S_T_AFFS_NR && i % 4 && i % 4 != 3)
			seen |= c[i].cpus & ~BIT(c0);
	}
	for_each_online_cpu(cpu) {
		go3s_sched_stats_read(cpu, &stats);
		steals_after += stats.steals;
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&st->outside), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->twice), 0);
	KUNIT_EXPECT_GT(test, steals_after, steals_before);
	/* Masked ones with c0 in their set left it: they were stolen. */
	KUNIT_EXPECT_NE(test, seen, 0UL);
	kunit_info(test, "steals %llu, masked ones left c0 for %d CPUs\n",
		   steals_after - steals_before, (int)hweight_long(seen));
}

static struct kunit_case go3s_sched_cases[] = {
	KUNIT_CASE(go3s_test_spawn_yield_complete),
	KUNIT_CASE_SLOW(go3s_test_suspend_resume_race),
	KUNIT_CASE_PARAM_ATTR(go3s_test_lone_sleeper, go3s_t_lone_gen,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(go3s_test_resume_from_hardirq),
	KUNIT_CASE(go3s_test_cancel_points),
	KUNIT_CASE(go3s_test_should_stop),
	KUNIT_CASE(go3s_test_notify),
	KUNIT_CASE(go3s_test_misuse),
	KUNIT_CASE_PARAM(go3s_test_ctx_carried, go3s_t_ctx_gen_params),
	KUNIT_CASE(go3s_test_budget_fairness),
	KUNIT_CASE(go3s_test_backtrace),
	KUNIT_CASE(go3s_test_trace_complete),
	KUNIT_CASE(go3s_test_cancel_all_live),
	KUNIT_CASE(go3s_test_stop_kick_race),
	KUNIT_CASE_SLOW(go3s_test_steal),
	KUNIT_CASE_SLOW(go3s_test_skew_spreads),
	KUNIT_CASE_SLOW(go3s_test_skew_no_steal),
	KUNIT_CASE_SLOW(go3s_test_idle_wake_no_herd),
	KUNIT_CASE(go3s_test_idle_wake_pinned),
	/* affinity */
	KUNIT_CASE(go3s_test_affinity_change),
	KUNIT_CASE(go3s_test_affinity_errors),
	KUNIT_CASE_SLOW(go3s_test_affinity_steal),
	{}
};

static struct kunit_suite go3s_sched_suite = {
	.name = "go3s_sched",
	.test_cases = go3s_sched_cases,
};

kunit_test_suite(go3s_sched_suite);
