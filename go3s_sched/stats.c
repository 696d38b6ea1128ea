// SPDX-License-Identifier: GPL-2.0
/*
 * Observability: the per-CPU counters in debugfs (go3s/stats) and a
 * periodic scheduler trace to the kernel log, like Go's schedtrace, while
 * the schedtrace_ms module parameter is non-zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "sched.h"

struct dentry *go3s_debugfs_dir;

static unsigned int go3s_schedtrace_ms;
static bool go3s_schedtrace_ready;	/* under go3s_schedtrace_lock */
static DEFINE_MUTEX(go3s_schedtrace_lock);
static struct delayed_work go3s_schedtrace_work;

static void go3s_schedtrace_arm(void)
{
	unsigned int ms = READ_ONCE(go3s_schedtrace_ms);

	if (ms)
		mod_delayed_work(system_wq, &go3s_schedtrace_work,
				 msecs_to_jiffies(ms));
}

static void go3s_schedtrace_fn(struct work_struct *work)
{
	struct go3s_sched_stats st;
	int cpu;

	pr_info("schedtrace: %u live coroutines\n", go3s_nr_live());
	for_each_online_cpu(cpu) {
		go3s_sched_stats_read(cpu, &st);
		pr_info("schedtrace: cpu%d switches=%llu spawns=%llu done=%llu passes=%llu handoffs=%llu steals=%llu wakes_idle=%llu queued=%u backoff=%lu co_ms=%llu sched_ms=%llu\n",
			cpu, st.switches, st.spawns, st.completions, st.passes,
			st.handoffs, st.steals, st.wakes_idle,
			go3s_runq_len(&per_cpu_ptr(&go3s_scheds, cpu)->rq),
			go3s_sched_backoff_rounds(cpu),
			st.co_ns / NSEC_PER_MSEC, st.sched_ns / NSEC_PER_MSEC);
	}
	go3s_schedtrace_arm();
}

static int go3s_schedtrace_set(const char *val, const struct kernel_param *kp)
{
	int ret;

	mutex_lock(&go3s_schedtrace_lock);
	ret = param_set_uint(val, kp);
	if (!ret && go3s_schedtrace_ready) {
		if (go3s_schedtrace_ms)
			go3s_schedtrace_arm();
		else
			cancel_delayed_work(&go3s_schedtrace_work);
	}
	mutex_unlock(&go3s_schedtrace_lock);
	return ret;
}

static const struct kernel_param_ops go3s_schedtrace_ops = {
	.set = go3s_schedtrace_set,
	.get = param_get_uint,
};

module_param_cb(schedtrace_ms, &go3s_schedtrace_ops, &go3s_schedtrace_ms,
		0644);
MODULE_PARM_DESC(schedtrace_ms,
		 "Print the per-CPU scheduler counters every this many ms (0: off)");

static int go3s_stats_show(struct seq_file *m, void *v)
{
	struct go3s_sched_stats st;
	int cpu;

	seq_printf(m, "live %u\n", go3s_nr_live());
	seq_puts(m, "cpu switches spawns completions passes handoffs canary_failures queued backoff_rounds co_ns sched_ns stacks_cached steals wakes_idle\n");
	for_each_possible_cpu(cpu) {
		go3s_sched_stats_read(cpu, &st);
		seq_printf(m, "%d %llu %llu %llu %llu %llu %llu %u %lu %llu %llu %u %llu %llu\n",
			   cpu, st.switches, st.spawns, st.completions,
			   st.passes, st.handoffs, st.canary_failures,
			   go3s_runq_len(&per_cpu_ptr(&go3s_scheds, cpu)->rq),
			   go3s_sched_backoff_rounds(cpu), st.co_ns,
			   st.sched_ns, go3s_stack_cached(cpu), st.steals,
			   st.wakes_idle);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(go3s_stats);

/**
 * go3s_stats_init() - create go3s/ in debugfs and start the trace if asked
 *
 * Debugfs failures are not fatal; the module works without it.
 */
void go3s_stats_init(void)
{
	go3s_debugfs_dir = debugfs_create_dir("go3s", NULL);
	debugfs_create_file("stats", 0400, go3s_debugfs_dir, NULL,
			    &go3s_stats_fops);
	INIT_DELAYED_WORK(&go3s_schedtrace_work, go3s_schedtrace_fn);
	mutex_lock(&go3s_schedtrace_lock);
	go3s_schedtrace_ready = true;
	go3s_schedtrace_arm();
	mutex_unlock(&go3s_schedtrace_lock);
}

/**
 * go3s_stats_exit() - stop the trace and remove go3s/ from debugfs
 */
void go3s_stats_exit(void)
{
	mutex_lock(&go3s_schedtrace_lock);
	go3s_schedtrace_ready = false;
	mutex_unlock(&go3s_schedtrace_lock);
	/* It re-arms itself: the flag is off, so this stops it for good. */
	cancel_delayed_work_sync(&go3s_schedtrace_work);
	debugfs_remove_recursive(go3s_debugfs_dir);
}
