/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel stand-in for the fuzz library: errno values. */
#ifndef _SHIM_LINUX_ERRNO_H
#define _SHIM_LINUX_ERRNO_H
#include <asm/errno.h>	/* not <errno.h>: it includes this file */
#endif
