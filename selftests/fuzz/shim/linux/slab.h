/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stand-in for the fuzz library: allocations over malloc, failing
 * when the harness asks (shim_fail_alloc).
 */
#ifndef _SHIM_LINUX_SLAB_H
#define _SHIM_LINUX_SLAB_H
#include <linux/types.h>
#define GFP_KERNEL		0u
#define GFP_KERNEL_ACCOUNT	0u
void *kvzalloc(size_t size, gfp_t gfp);
void kvfree(const void *p);
#endif
