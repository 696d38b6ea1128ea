/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel stand-in for the fuzz library: time, from the shim's fake clock. */
#ifndef _SHIM_LINUX_KTIME_H
#define _SHIM_LINUX_KTIME_H
#include <linux/types.h>
#define NSEC_PER_USEC	1000ULL
#define NSEC_PER_MSEC	1000000ULL
#define NSEC_PER_SEC	1000000000ULL
u64 ktime_get_ns(void);
#endif
