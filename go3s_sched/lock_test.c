// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the backoff spinlock (lock.h) excludes under contention from a
 * thread on every online CPU, and from interrupts.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

#define GO3S_LOCK_ROUNDS	20000

struct go3s_lock_fixture {
	struct go3s_spinlock lock;
	atomic_t started;
	unsigned int nr_threads;
	unsigned long counter;		/* plain: only the lock protects it */
	u8 inside;		/* u8: see struct go3s_co */
	unsigned int overlaps;
	struct completion done;
	atomic_t finished;
};

static int go3s_lock_thread(void *data)
{
	struct go3s_lock_fixture *f = data;
	unsigned long flags, v;
	int i;

	/* Start together, so that they contend. */
	atomic_inc(&f->started);
	while (atomic_read(&f->started) < f->nr_threads)
		cpu_relax();
	for (i = 0; i < GO3S_LOCK_ROUNDS; i++) {
		go3s_lock_irqsave(&f->lock, flags);
		if (READ_ONCE(f->inside))
			f->overlaps++;
		WRITE_ONCE(f->inside, true);
		v = f->counter;
		cpu_relax();
		f->counter = v + 1;
		WRITE_ONCE(f->inside, false);
		go3s_unlock_irqrestore(&f->lock, flags);
	}
	if (atomic_inc_return(&f->finished) == f->nr_threads)
		complete(&f->done);
	return 0;
}

static void go3s_test_lock_exclusion(struct kunit *test)
{
	struct go3s_lock_fixture *f;
	struct task_struct **t;
	unsigned int n = 0, i;
	int cpu;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	t = kunit_kcalloc(test, nr_cpu_ids, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_NOT_NULL(test, t);
	go3s_lock_init(&f->lock);
	init_completion(&f->done);
	cpus_read_lock();
	for_each_online_cpu(cpu) {
		t[n] = kthread_create_on_cpu(go3s_lock_thread, f, cpu,
					     "go3s_lock_test/%u");
		if (IS_ERR(t[n]))
			break;
		n++;
	}
	f->nr_threads = n;
	if (n < num_online_cpus()) {
		/* Never woken: they stop without running. */
		for (i = 0; i < n; i++)
			kthread_stop(t[i]);
		cpus_read_unlock();
		KUNIT_FAIL(test, "no thread for every CPU");
		return;
	}
	for (i = 0; i < n; i++)
		wake_up_process(t[i]);
	cpus_read_unlock();
	wait_for_completion(&f->done);

	KUNIT_EXPECT_EQ(test, f->counter,
			(unsigned long)f->nr_threads * GO3S_LOCK_ROUNDS);
	KUNIT_EXPECT_EQ(test, f->overlaps, 0U);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->lock.val), 0);
	/* Counters only grow together: no backoff without contention. */
	KUNIT_EXPECT_LE(test, (unsigned long)f->lock.contended,
			f->lock.backoff_rounds);
	kunit_info(test, "%u CPUs: %u contended acquisitions, %lu backoff rounds\n",
		   f->nr_threads, f->lock.contended, f->lock.backoff_rounds);
}

static struct kunit_case go3s_lock_cases[] = {
	KUNIT_CASE(go3s_test_lock_exclusion),
	{}
};

static struct kunit_suite go3s_lock_suite = {
	.name = "go3s_lock",
	.test_cases = go3s_lock_cases,
};

kunit_test_suite(go3s_lock_suite);
