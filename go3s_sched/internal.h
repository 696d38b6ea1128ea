/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the files of go3s.ko; not for other modules
 * (they include go3s.h).
 */
#ifndef _GO3S_INTERNAL_H
#define _GO3S_INTERNAL_H

#include <linux/types.h>
#include <uapi/go3s.h>

#include "compat.h"

/* Module parameters, set in main.c. */
extern unsigned int go3s_max_coroutines;
extern unsigned int go3s_max_session_coroutines;
extern unsigned long go3s_max_stack_bytes;
extern unsigned long go3s_max_session_stack_bytes;

#define GO3S_STACK_DEFAULT	(16 * 1024)
#define GO3S_STACK_MIN		(8 * 1024)
#define GO3S_STACK_MAX		(1024 * 1024)

/* uabi.c: size-carrying ioctl structs. */
int go3s_uabi_size_check(u32 usize, size_t ver0);
int go3s_copy_in(void *dst, size_t ksize, size_t ver0, const void __user *src);
int go3s_copy_out(void __user *dst, u32 usize, void *src, size_t ksize);

/* info.c */
void go3s_info_fill(struct go3s_info *info);

/* prog.c */
int go3s_prog_validate(const struct go3s_op *ops, u32 nr);

/* dev.c */
int go3s_dev_init(void);
void go3s_dev_exit(void);

#endif /* _GO3S_INTERNAL_H */
