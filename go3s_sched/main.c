// SPDX-License-Identifier: GPL-2.0
/*
 * go3s: coroutines for the kernel, scheduled per CPU from softirq.
 *
 * Module entry points and the module parameters that bound what go3s may
 * consume.  Everything else lives in the file named after its concept.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"
#include "sched.h"

unsigned int go3s_max_coroutines = 65536;
module_param_named(max_coroutines, go3s_max_coroutines, uint, 0444);
MODULE_PARM_DESC(max_coroutines, "Module-wide limit on live coroutines");

unsigned int go3s_max_session_coroutines = 16384;
module_param_named(max_session_coroutines, go3s_max_session_coroutines,
		   uint, 0444);
MODULE_PARM_DESC(max_session_coroutines,
		 "Limit on live coroutines per open file of /dev/go3s");

unsigned long go3s_max_stack_bytes = 1UL << 30;
module_param_named(max_stack_bytes, go3s_max_stack_bytes, ulong, 0444);
MODULE_PARM_DESC(max_stack_bytes,
		 "Module-wide limit on coroutine stacks and channel buffers, bytes");

unsigned long go3s_max_session_stack_bytes = 256UL << 20;
module_param_named(max_session_stack_bytes, go3s_max_session_stack_bytes,
		   ulong, 0444);
MODULE_PARM_DESC(max_session_stack_bytes,
		 "Limit on coroutine stacks and channel buffers per open file of /dev/go3s, bytes");

/*
 * The usable-CPU set, the GOMAXPROCS analogue: a CPU list ("0-3,6"), as
 * workqueue's cpumask.  Writable at any time; see go3s_sched_set_cpus().
 */
static int go3s_cpus_set(const char *val, const struct kernel_param *kp)
{
	cpumask_var_t mask;
	char *buf;
	int ret;

	buf = kstrdup(val, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL)) {
		kfree(buf);
		return -ENOMEM;
	}
	ret = cpulist_parse(strim(buf), mask);
	if (!ret) {
		cpumask_and(mask, mask, cpu_possible_mask);
		ret = go3s_sched_set_cpus(mask);
	}
	free_cpumask_var(mask);
	kfree(buf);
	return ret;
}

static int go3s_cpus_get(char *buf, const struct kernel_param *kp)
{
	cpumask_var_t mask;
	int n;

	if (!alloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	go3s_sched_get_cpus(mask);
	n = scnprintf(buf, PAGE_SIZE, "%*pbl\n", cpumask_pr_args(mask));
	free_cpumask_var(mask);
	return n;
}

static const struct kernel_param_ops go3s_cpus_ops = {
	.set = go3s_cpus_set,
	.get = go3s_cpus_get,
};

module_param_cb(cpus, &go3s_cpus_ops, NULL, 0644);
MODULE_PARM_DESC(cpus,
		 "CPUs that run coroutines, a CPU list (default: all possible)");

bool go3s_steal_enabled = true;
module_param_named(steal, go3s_steal_enabled, bool, 0644);
MODULE_PARM_DESC(steal,
		 "CPUs that run dry take movable coroutines from others (default: on)");

static int go3s_params_check(void)
{
	if (!go3s_max_coroutines || !go3s_max_session_coroutines ||
	    go3s_max_session_coroutines > go3s_max_coroutines) {
		pr_err("invalid coroutine limits %u/%u\n",
		       go3s_max_session_coroutines, go3s_max_coroutines);
		return -EINVAL;
	}
	if (go3s_max_session_stack_bytes < GO3S_STACK_MIN ||
	    go3s_max_session_stack_bytes > go3s_max_stack_bytes) {
		pr_err("invalid stack limits %lu/%lu\n",
		       go3s_max_session_stack_bytes, go3s_max_stack_bytes);
		return -EINVAL;
	}
	return 0;
}

static int __init go3s_init(void)
{
	int ret;

	ret = go3s_params_check();
	if (ret)
		return ret;

	go3s_registry_init();
	ret = go3s_sched_init();
	if (ret)
		return ret;
	ret = go3s_session_init();
	if (ret)
		goto err_sched;
	ret = go3s_dev_init();
	if (ret)
		goto err_session;
	go3s_stats_init();
	go3s_bench_init();

	pr_info("loaded, ABI %u, %u CPUs online\n", GO3S_ABI_VERSION,
		num_online_cpus());
	return 0;

err_session:
	go3s_session_exit();
err_sched:
	go3s_sched_exit();
	return ret;
}

static void __exit go3s_exit(void)
{
	go3s_bench_exit();
	go3s_stats_exit();
	/*
	 * No new session; then every coroutine ends, and with the last of each
	 * closed session its deferred teardown is queued, which must run
	 * before the engine goes.
	 */
	go3s_dev_exit();
	/* Coroutines parked on an offline or unusable CPU must finish too. */
	go3s_sched_evacuate();
	go3s_cancel_all(true);
	go3s_session_exit();
	go3s_sched_exit();
	pr_info("unloaded\n");
}

module_init(go3s_init);
module_exit(go3s_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The go3s developers");
MODULE_DESCRIPTION("Coroutines for the kernel, scheduled per CPU from softirq");
MODULE_VERSION("0.1.0");
