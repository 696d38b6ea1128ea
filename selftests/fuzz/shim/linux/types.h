/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel stand-in for the fuzz library: integer types. */
#ifndef _SHIM_LINUX_TYPES_H
#define _SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>	/* ssize_t */
#include <asm/types.h>		/* __u8 .. __u64, __s8 .. __s64 */

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;
#define __bitwise
typedef unsigned int __bitwise gfp_t;
typedef unsigned int __bitwise __poll_t;

#define __user
#define __force

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* One thread: relaxed atomics are all READ_ONCE() needs to be. */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

typedef struct { int counter; } atomic_t;
#define atomic_read(v)		READ_ONCE((v)->counter)
#define atomic_set(v, i)	WRITE_ONCE((v)->counter, (i))
static inline int atomic_xchg(atomic_t *v, int i)
{
	int old = v->counter;

	v->counter = i;
	return old;
}

static inline void cpu_relax(void)
{
}

#endif
