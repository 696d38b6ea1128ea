/* SPDX-License-Identifier: GPL-2.0 */
/* Stand-in for the kernel's <linux/build_bug.h>. */
#ifndef _SHIM_LINUX_BUILD_BUG_H
#define _SHIM_LINUX_BUILD_BUG_H

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(char[1 - 2 * !!(e)]) - 1))
#define BUILD_BUG_ON(e)		((void)BUILD_BUG_ON_ZERO(e))

/* A kernel warning is a finding here: stop with the input. */
#define WARN_ON_ONCE(cond) ({						\
	int __c = !!(cond);						\
	if (__c) {							\
		fprintf(stderr, "WARN_ON_ONCE(%s) at %s:%d\n", #cond,	\
			__FILE__, __LINE__);				\
		abort();						\
	}								\
	__c;								\
})

#endif
