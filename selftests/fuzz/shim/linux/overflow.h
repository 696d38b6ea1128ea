/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stand-in for the fuzz library: size helpers that saturate at
 * SIZE_MAX on overflow, as the kernel's do.
 */
#ifndef _SHIM_LINUX_OVERFLOW_H
#define _SHIM_LINUX_OVERFLOW_H
#include <linux/types.h>

static inline size_t shim_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t shim_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define array_size(a, b)	shim_mul(a, b)
#define struct_size(p, member, n)					\
	shim_add(sizeof(p[0]), shim_mul(n, sizeof(__typeof__(p[0].member[0]))))
#endif
