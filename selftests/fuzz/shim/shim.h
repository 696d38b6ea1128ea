/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the fuzz harnesses see of the shim (shim.c): the kernel stand-ins
 * and the fake engine the program interpreter runs on.
 */
#ifndef _GO3S_FUZZ_SHIM_H
#define _GO3S_FUZZ_SHIM_H

#include <linux/errno.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "go3s_sched/internal.h"

/* kvzalloc() fails while this is set. */
extern bool shim_fail_alloc;

/**
 * struct shim_engine - the fake coroutine engine and clock
 * @co: the one coroutine; its switch count is what prog.c reads.
 * @now: the fake clock; every read advances it by @step_ns.
 * @step_ns: cost of one clock read, i.e. of one step of the interpreter.
 * @clock_reads: reads so far.
 * @slice_start: clock when the coroutine was last switched in.
 * @max_slice: longest slice seen, in ns.
 * @switches: switches so far.
 * @sleeps: go3s_sleep() calls; every other one is cut short (-EINTR).
 * @chan_refs: channel references held.
 * @max_switches: after this many switches the program is cancelled.
 * @max_ns: after this much fake time the program is cancelled.
 * @cancelled: every later suspension point returns -ECANCELED.
 */
struct shim_engine {
	struct go3s_co co;
	u64 now;
	u64 step_ns;
	u64 clock_reads;
	u64 slice_start;
	u64 max_slice;
	u64 switches;
	u64 sleeps;
	long chan_refs;
	u64 max_switches;
	u64 max_ns;
	bool cancelled;
};

extern struct shim_engine shim;

/* libFuzzer's entry point, under a name in kernel style. */
int fuzz_one(const unsigned char *data, size_t size)
	__asm__("LLVMFuzzerTestOneInput");

#endif /* _GO3S_FUZZ_SHIM_H */
