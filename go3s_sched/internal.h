/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the files of go3s.ko; not for other modules
 * (they include go3s.h).
 */
#ifndef _GO3S_INTERNAL_H
#define _GO3S_INTERNAL_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <uapi/go3s.h>

#include "compat.h"

/* Module parameters, set in main.c. */
extern unsigned int go3s_max_coroutines;
extern unsigned int go3s_max_session_coroutines;
extern unsigned long go3s_max_stack_bytes;
extern unsigned long go3s_max_session_stack_bytes;
extern bool go3s_steal_enabled;

#define GO3S_STACK_DEFAULT	(16 * 1024)
#define GO3S_STACK_MIN		(8 * 1024)
#define GO3S_STACK_MAX		(1024 * 1024)

/* uabi.c: the ioctl table and its size-carrying structs. */
struct go3s_session;

/**
 * struct go3s_uabi_out - where an ioctl's result goes
 * @uptr: the caller's struct
 * @usize: its size as the caller gave it
 * @ksize: the size of the struct this module knows
 * @done: copied out already (or nothing to copy out)
 */
struct go3s_uabi_out {
	void __user *uptr;
	u32 usize;
	u32 ksize;
	bool done;
};

/**
 * struct go3s_ioc_desc - one row of an ioctl table, indexed by _IOC_NR()
 * @fn: the handler: gets the kernel copy of the struct, copied in and
 *      size-checked; returns 0 or a negative errno.  It may copy out itself
 *      with go3s_uabi_put() to commit only after the caller has the result.
 * @ver0: size of the first version of the struct, the size the command
 *        number encodes
 * @ksize: size of the struct this module knows
 * @dir: _IOC_WRITE, or _IOC_READ | _IOC_WRITE for a struct copied back
 */
struct go3s_ioc_desc {
	long (*fn)(struct go3s_session *s, void *karg,
		   struct go3s_uabi_out *out);
	u16 ver0;
	u16 ksize;
	u8 dir;
};

/* The largest kernel struct of any row; go3s_uabi_call() keeps it on stack. */
#define GO3S_UABI_KARG_MAX	128

#define GO3S_IOC_ROW(_nr, _dir, _type, _ver0, _fn)			\
	[_nr] = {							\
		.fn = (_fn),						\
		.ver0 = (_ver0),					\
		.ksize = sizeof(_type) +				\
			 BUILD_BUG_ON_ZERO(sizeof(_type) > GO3S_UABI_KARG_MAX), \
		.dir = (_dir),						\
	}

int go3s_uabi_size_check(u32 usize, size_t ver0);
int go3s_copy_in(void *dst, size_t ksize, size_t ver0, const void __user *src);
int go3s_copy_out(void __user *dst, u32 usize, void *src, size_t ksize);
int go3s_uabi_put(struct go3s_uabi_out *out, void *karg);
const struct go3s_ioc_desc *go3s_uabi_lookup(const struct go3s_ioc_desc *tbl,
					     unsigned int n, unsigned int cmd);
long go3s_uabi_call(const struct go3s_ioc_desc *tbl, unsigned int n,
		    unsigned int cmd, void __user *uarg, struct go3s_session *s);

/* info.c */
void go3s_info_fill(struct go3s_info *info);
long go3s_ioc_get_info(struct go3s_session *s, void *karg,
		       struct go3s_uabi_out *out);

/* prog.c */
struct go3s_prog;
struct xarray;
int go3s_prog_validate(const struct go3s_op *ops, u32 nr);
struct go3s_prog *go3s_prog_load(const struct go3s_op __user *uops, u32 nr,
				 struct xarray *chans);
void go3s_prog_free(struct go3s_prog *p);
u32 go3s_prog_pc(struct go3s_prog *p);
int go3s_prog_request_suspend(struct go3s_prog *p, unsigned int state);
int go3s_prog_run(void *arg);

/* session.c */
struct file;
struct poll_table_struct;
int go3s_session_init(void);
void go3s_session_exit(void);
void go3s_session_flush(void);
unsigned int go3s_sessions_live(void);
struct go3s_session *go3s_session_open(void);
void go3s_session_close(struct go3s_session *s);
struct go3s_chan;
struct go3s_chan *go3s_session_chan_get(struct go3s_session *s, u32 id);
struct go3s_co;
int go3s_session_adopt(struct go3s_session *s, struct go3s_co *co);
long go3s_session_ioctl(struct go3s_session *s, unsigned int cmd,
			void __user *uarg);
ssize_t go3s_session_read(struct go3s_session *s, char __user *buf,
			  size_t count, bool nonblock);
__poll_t go3s_session_poll(struct go3s_session *s, struct file *file,
			   struct poll_table_struct *wait);

/* stats.c */
extern struct dentry *go3s_debugfs_dir;
void go3s_stats_init(void);
void go3s_stats_exit(void);

/* dev.c */
int go3s_dev_init(void);
void go3s_dev_exit(void);

#endif /* _GO3S_INTERNAL_H */
