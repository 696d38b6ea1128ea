// SPDX-License-Identifier: GPL-2.0
/*
 * GO3S_IOC_GET_INFO: what this module is and what it allows.
 */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <linux/string.h>

#include "internal.h"
#include "sched.h"

static_assert(sizeof(struct go3s_info) == GO3S_INFO_SIZE_VER1);

/**
 * go3s_info_fill() - describe the running module
 * @info: filled completely, padding included; @info->size is set to the
 *        size of the struct this module knows
 */
void go3s_info_fill(struct go3s_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->abi_version = GO3S_ABI_VERSION;
	info->nr_possible_cpus = num_possible_cpus();
	info->nr_online_cpus = num_online_cpus();
	info->default_stack_size = GO3S_STACK_DEFAULT;
	info->min_stack_size = GO3S_STACK_MIN;
	info->max_stack_size = GO3S_STACK_MAX;
	info->features = GO3S_FEATURE_COMPAT_IOCTL | GO3S_FEATURE_COROUTINES;
	info->max_coroutines = go3s_max_coroutines;
	info->max_session_coroutines = go3s_max_session_coroutines;
	info->max_stack_bytes = go3s_max_stack_bytes;
	info->max_session_stack_bytes = go3s_max_session_stack_bytes;
	info->nr_usable_cpus = go3s_sched_nr_running();
}
EXPORT_SYMBOL_IF_KUNIT(go3s_info_fill);

/**
 * go3s_ioc_get_info() - GO3S_IOC_GET_INFO
 * @s: unused: the same for every session
 * @karg: the caller's &struct go3s_info, copied in
 * @out: unused: the table copies the result out
 *
 * Return: 0, or -EINVAL for unknown flags.
 */
long go3s_ioc_get_info(struct go3s_session *s, void *karg,
		       struct go3s_uabi_out *out)
{
	struct go3s_info *info = karg;

	if (info->flags)
		return -EINVAL;
	go3s_info_fill(info);
	return 0;
}
