/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel stand-in for the fuzz library: user memory is plain memory, with
 * a fault model.  "User" addresses are host pointers; an access faults
 * unless it lies in a region the harness mapped with shim_user_map()
 * (read-only or writable).  Each call behaves as its kernel namesake does
 * on a fault: copy_{from,to}_user() copy what they can and return the
 * number of bytes not copied (copy_from_user() zeroes the rest of the
 * destination), get_user() stores 0 and returns -EFAULT.
 */
#ifndef _SHIM_LINUX_UACCESS_H
#define _SHIM_LINUX_UACCESS_H
#include <linux/errno.h>
#include <linux/types.h>

void shim_user_reset(void);
void shim_user_map(const void *p, size_t len, bool writable);

unsigned long copy_from_user(void *to, const void __user *from,
			     unsigned long n);
unsigned long copy_to_user(void __user *to, const void *from,
			   unsigned long n);
int check_zeroed_user(const void __user *from, size_t size);
int copy_struct_from_user(void *dst, size_t ksize, const void __user *src,
			  size_t usize);

int shim_get_user(void *x, const void __user *ptr, size_t size);

/* Reads sizeof(x) bytes: the callers' x and *ptr have the same type. */
#define get_user(x, ptr)	shim_get_user(&(x), (ptr), sizeof(x))
#endif
