/* SPDX-License-Identifier: GPL-2.0 */
/* Kernel stand-in for the fuzz library: the x86-64 page size. */
#ifndef _SHIM_LINUX_MM_H
#define _SHIM_LINUX_MM_H
#define PAGE_SIZE	4096UL
#endif
