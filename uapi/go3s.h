/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * go3s: in-kernel coroutine scheduler, user-space interface.
 *
 * Every ioctl takes a pointer to a struct whose first field is its size in
 * bytes, as the caller knows it (copy_struct_from_user() semantics): an older
 * caller passes a smaller struct, a newer caller a larger one whose unknown
 * tail must be zero.  The size encoded in each command number is frozen at
 * the struct's first version, so a struct that grows keeps its command; the
 * kernel accepts any encoded size from the first version up.  read() records
 * carry their size too.  Flags fields reject unknown bits with EINVAL.
 * Pointers travel as __u64, times as __u64 nanoseconds.  Nothing the kernel
 * copies out contains a kernel pointer or uninitialised bytes.
 */
#ifndef _UAPI_GO3S_H
#define _UAPI_GO3S_H

#include <linux/const.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Checked free in Documentation/userspace-api/ioctl/ioctl-number.rst (6.12). */
#define GO3S_IOC_MAGIC		0xC6

/* Bumped on every incompatible change; additions only extend structs. */
#define GO3S_ABI_VERSION	1

/* Feature bits reported in &go3s_info.features. */
#define GO3S_FEATURE_COMPAT_IOCTL	_BITULL(0)
#define GO3S_FEATURE_COROUTINES		_BITULL(1)	/* CREATE .. CHAN_CLOSE, read() */

/**
 * struct go3s_info - what the loaded module is and what it allows
 * @size: in: size of this struct as the caller knows it; at least
 *        %GO3S_INFO_SIZE_VER0.  out: bytes the kernel filled in.
 * @flags: in: must be zero.
 * @abi_version: %GO3S_ABI_VERSION of the module.
 * @nr_possible_cpus: CPUs that can ever come online.
 * @nr_online_cpus: CPUs online at the time of the call.
 * @default_stack_size: stack size in bytes of a coroutine that asks for none.
 * @features: %GO3S_FEATURE_* bits.
 * @min_stack_size: smallest stack size in bytes a coroutine may ask for.
 * @max_stack_size: largest stack size in bytes a coroutine may ask for.
 * @max_coroutines: module-wide limit on live coroutines.
 * @max_session_coroutines: limit on live coroutines per open file.
 * @max_stack_bytes: module-wide limit on stack memory in bytes.
 * @max_session_stack_bytes: limit on stack memory in bytes per open file.
 * @nr_usable_cpus: CPUs that run coroutines at the time of the call: online
 *        and in the usable-CPU set (module parameter ``cpus``).  Since
 *        %GO3S_INFO_SIZE_VER1; a module that fills only %GO3S_INFO_SIZE_VER0
 *        bytes returns that size.
 * @pad: zero.
 */
struct go3s_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 nr_possible_cpus;
	__u32 nr_online_cpus;
	__u32 default_stack_size;
	__u64 features;
	__u32 min_stack_size;
	__u32 max_stack_size;
	__u32 max_coroutines;
	__u32 max_session_coroutines;
	__u64 max_stack_bytes;
	__u64 max_session_stack_bytes;
	__u32 nr_usable_cpus;
	__u32 pad;
};

#define GO3S_INFO_SIZE_VER0	64
#define GO3S_INFO_SIZE_VER1	72

/*
 * Workload programs (§9): a coroutine created from user space runs an
 * array of operations, validated completely when it is created.
 */
#define GO3S_OP_EXIT		0	/* a: exit code (as __s32); b: 0 */
#define GO3S_OP_YIELD		1	/* a, b: 0 */
#define GO3S_OP_SPIN		2	/* b: ns of busy work, 1..GO3S_SPIN_MAX_NS */
#define GO3S_OP_SLEEP		3	/* b: ns to sleep, 1..GO3S_SLEEP_MAX_NS */
#define GO3S_OP_SUSPEND		4	/* a, b: 0; waits for GO3S_IOC_RESUME */
#define GO3S_OP_SEND		5	/* a: channel id; b: the value */
#define GO3S_OP_RECV		6	/* a: channel id; b: 0 */
#define GO3S_OP_LOOP		7	/* a: earlier op index; b: 1..GO3S_LOOP_MAX */

#define GO3S_PROG_MAX_OPS	256
#define GO3S_SPIN_MAX_NS	1000000000ULL		/* 1 s */
#define GO3S_SLEEP_MAX_NS	3600000000000ULL	/* 1 h */
#define GO3S_LOOP_MAX		1000000000ULL

/**
 * struct go3s_op - one operation of a workload program
 * @code: %GO3S_OP_*.
 * @a: first operand: exit code, channel id or loop target, per @code;
 *     zero when @code takes none.
 * @b: second operand: nanoseconds, value or loop count, per @code;
 *     zero when @code takes none.
 *
 * %GO3S_OP_LOOP jumps back to op @a, @b times, then goes on; loops
 * must nest (a loop inside another lies wholly within it).  A program that
 * runs past its last op exits with code 0.
 */
struct go3s_op {
	__u32 code;
	__u32 a;
	__u64 b;
};

/* Coroutine states, as in &go3s_status.state and &go3s_event.state. */
#define GO3S_CO_CREATED		0	/* exists, has never run */
#define GO3S_CO_ACTIVE		1	/* queued to run, or running */
#define GO3S_CO_SUSPENDED	2	/* parked at a suspension point */
#define GO3S_CO_COMPLETING	3	/* program ended; terminal */
#define GO3S_CO_CANCELLED	4	/* cancelled; terminal */

/* Priorities, &go3s_create.priority and &go3s_set_prio.priority. */
#define GO3S_CO_PRIO_HIGH	0
#define GO3S_CO_PRIO_NORMAL	1
#define GO3S_CO_PRIO_LOW	2

/*
 * &go3s_create.cpu: any CPU; go3s picks the online CPU, within
 * &go3s_create.cpu_mask if one is given, with the shortest run queue, and
 * the coroutine may move within that set afterwards.
 */
#define GO3S_CREATE_CPU_ANY	0xffffffffU

/* &go3s_create.flags */
#define GO3S_CREATE_SUSPENDED	_BITUL(0)	/* stay CREATED until resumed */

/**
 * struct go3s_create - GO3S_IOC_CREATE: a coroutine running a program
 * @size: size of this struct, at least %GO3S_CREATE_SIZE_VER0.
 * @flags: %GO3S_CREATE_* bits.
 * @ops: user pointer to @nr_ops &struct go3s_op.
 * @nr_ops: 1 to %GO3S_PROG_MAX_OPS.
 * @cpu: the CPU it is pinned to, or %GO3S_CREATE_CPU_ANY.
 * @priority: %GO3S_CO_PRIO_*.
 * @stack_size: bytes, 0 for the default; else between the minimum and
 *              maximum of &struct go3s_info.
 * @id: out: the coroutine's id in this open file; never 0.
 * @pad: must be zero.
 * @cpu_mask: with %GO3S_CREATE_CPU_ANY, 0 or a user pointer to a CPU mask
 *            that limits where it may run (see &struct go3s_affinity).
 * @cpu_mask_size: bytes at @cpu_mask: a multiple of 8, at most 1024.
 * @pad2: must be zero.
 *
 * @cpu and @cpu_mask give its allowed set: one CPU pins it there for
 * good; %GO3S_CREATE_CPU_ANY lets it run on any CPU go3s uses, or on those
 * of @cpu_mask: idle CPUs of the set take it from busy ones, and a CPU of
 * the set that goes offline or leaves the usable set hands it to another.
 * %GO3S_IOC_SET_AFFINITY changes the set at any time.
 */
struct go3s_create {
	__u32 size;
	__u32 flags;
	__u64 ops;
	__u32 nr_ops;
	__u32 cpu;
	__u32 priority;
	__u32 stack_size;
	__u32 id;
	__u32 pad;
	__u64 cpu_mask;
	__u32 cpu_mask_size;
	__u32 pad2;
};

#define GO3S_CREATE_SIZE_VER0	56

/* Largest CPU mask accepted, in bytes (8192 CPUs). */
#define GO3S_CPU_MASK_MAX	1024

/**
 * struct go3s_affinity - GO3S_IOC_SET_AFFINITY: where a coroutine may run
 * @size: size of this struct, at least %GO3S_AFFINITY_SIZE_VER0.
 * @flags: must be zero.
 * @id: the coroutine, in any state but ended (COMPLETING or CANCELLED:
 *      EBUSY).
 * @cpu: a CPU to pin it to, or %GO3S_CREATE_CPU_ANY for @cpu_mask.
 * @cpu_mask: with %GO3S_CREATE_CPU_ANY, 0 for any CPU or a user pointer to
 *            an array of __u64 words, CPU n being bit n % 64 of word
 *            n / 64.  A mask of one CPU pins it there.
 * @cpu_mask_size: bytes at @cpu_mask: a multiple of 8, at most
 *                 %GO3S_CPU_MASK_MAX.
 * @pad: must be zero.
 *
 * The set must have a CPU that is online and in the usable set now
 * (EINVAL otherwise).  A CREATED coroutine is moved to the CPU of the set
 * with the shortest run queue and starts there.  A running one goes on
 * where it is until it next switches (yields, or suspends and is woken),
 * then runs only on CPUs of the set, moving if its CPU is not one of
 * them; a suspended one moves when woken.  &go3s_status.cpu shows the
 * CPU it runs or waits on.  If later no CPU of the set is online and
 * usable, the coroutine waits, queued, until one is.
 */
struct go3s_affinity {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 cpu;
	__u64 cpu_mask;
	__u32 cpu_mask_size;
	__u32 pad;
};

#define GO3S_AFFINITY_SIZE_VER0	32

/**
 * struct go3s_id_arg - GO3S_IOC_RESUME, _SUSPEND, _CANCEL, _CHAN_CLOSE
 * @size: size of this struct, at least %GO3S_ID_ARG_SIZE_VER0.
 * @flags: must be zero.
 * @id: the coroutine or channel.
 * @pad: must be zero.
 */
struct go3s_id_arg {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 pad;
};

#define GO3S_ID_ARG_SIZE_VER0	16

/* &go3s_wait.flags */
#define GO3S_WAIT_ANY		_BITUL(0)	/* any finished coroutine; @id out */

/**
 * struct go3s_wait - GO3S_IOC_WAIT: wait for a coroutine to finish
 * @size: size of this struct, at least %GO3S_WAIT_SIZE_VER0.
 * @flags: %GO3S_WAIT_* bits.
 * @id: in: the coroutine (0 with %GO3S_WAIT_ANY); out: the one that ended.
 * @state: out: %GO3S_CO_COMPLETING or %GO3S_CO_CANCELLED.
 * @timeout_ns: how long to wait; 0 polls, ~0ULL waits forever.
 * @exit_code: out: the program's exit code; -ECANCELED if cancelled.
 * @pad: must be zero.
 *
 * A coroutine whose end has been returned by GO3S_IOC_WAIT or read() is
 * gone: its id is no longer valid and its limits are given back.
 */
struct go3s_wait {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 state;
	__u64 timeout_ns;
	__s32 exit_code;
	__u32 pad;
};

#define GO3S_WAIT_SIZE_VER0	32

/**
 * struct go3s_status - GO3S_IOC_STATUS: one coroutine, as it is now
 * @size: size of this struct, at least %GO3S_STATUS_SIZE_VER0.
 * @flags: must be zero.
 * @id: in: the coroutine.
 * @state: %GO3S_CO_* state.
 * @cpu: the CPU it runs or is queued on, or last ran on (a snapshot: a
 *       coroutine that may move can be on another by now).
 * @on_cpu: 1 while it runs on its CPU, 0 when queued or waiting.
 * @priority: %GO3S_CO_PRIO_*.
 * @pc: index of the op it is at (or ended at).
 * @switches: times it was switched to.
 * @run_ns: time it has run, in nanoseconds.
 * @stack_size: bytes.
 * @stack_hwm: stack high-water mark in bytes (measured when it ends).
 * @exit_code: valid when @state is terminal.
 * @pad: zero.
 */
struct go3s_status {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 state;
	__u32 cpu;
	__u32 on_cpu;
	__u32 priority;
	__u32 pc;
	__u64 switches;
	__u64 run_ns;
	__u32 stack_size;
	__u32 stack_hwm;
	__s32 exit_code;
	__u32 pad;
};

#define GO3S_STATUS_SIZE_VER0	64

/**
 * struct go3s_cpu_stats - GO3S_IOC_CPU_STATS: one CPU's scheduler counters
 * @size: size of this struct, at least %GO3S_CPU_STATS_SIZE_VER0.
 * @flags: must be zero.
 * @cpu: in: a possible CPU.
 * @online: 1 if @cpu is online.
 * @switches: switches into coroutines.
 * @spawns: coroutines started on this CPU.
 * @completions: coroutines ended on this CPU.
 * @passes: run-loop passes.
 * @handoffs: passes that used up their budget and handed off to go3s/N.
 * @backoff_rounds: backoff rounds on contended run-queue locks.
 * @queue_depth: coroutines queued now.
 * @co_ns: time spent in coroutine bodies.
 * @sched_ns: time spent in run-loop passes, bodies included.
 * @steals: coroutines this CPU took from other CPUs' run queues.  Since
 *          %GO3S_CPU_STATS_SIZE_VER1, as is @wakes_idle; a module that
 *          fills only %GO3S_CPU_STATS_SIZE_VER0 bytes returns that size.
 * @wakes_idle: idle CPUs this CPU woke to steal from it.
 */
struct go3s_cpu_stats {
	__u32 size;
	__u32 flags;
	__u32 cpu;
	__u32 online;
	__u64 switches;
	__u64 spawns;
	__u64 completions;
	__u64 passes;
	__u64 handoffs;
	__u64 backoff_rounds;
	__u64 queue_depth;
	__u64 co_ns;
	__u64 sched_ns;
	__u64 steals;
	__u64 wakes_idle;
};

#define GO3S_CPU_STATS_SIZE_VER0	88
#define GO3S_CPU_STATS_SIZE_VER1	104

/**
 * struct go3s_set_prio - GO3S_IOC_SET_PRIO
 * @size: size of this struct, at least %GO3S_SET_PRIO_SIZE_VER0.
 * @flags: must be zero.
 * @id: the coroutine.
 * @priority: %GO3S_CO_PRIO_*; takes effect the next time it is queued.
 */
struct go3s_set_prio {
	__u32 size;
	__u32 flags;
	__u32 id;
	__u32 priority;
};

#define GO3S_SET_PRIO_SIZE_VER0	16

/**
 * struct go3s_chan_create - GO3S_IOC_CHAN_CREATE
 * @size: size of this struct, at least %GO3S_CHAN_CREATE_SIZE_VER0.
 * @flags: must be zero.
 * @capacity: 0 for an unbuffered channel, else up to %GO3S_CHAN_MAX_CAP.
 * @id: out: the channel's id in this open file; never 0.
 */
struct go3s_chan_create {
	__u32 size;
	__u32 flags;
	__u32 capacity;
	__u32 id;
};

#define GO3S_CHAN_CREATE_SIZE_VER0	16
#define GO3S_CHAN_MAX_CAP		65536

/**
 * struct go3s_event - what read() on /dev/go3s returns: a coroutine ended
 * @id: the coroutine; it is gone once its event is read.
 * @state: %GO3S_CO_COMPLETING or %GO3S_CO_CANCELLED.
 * @exit_code: the program's exit code; -ECANCELED if cancelled.
 * @size: bytes of this record, at least %GO3S_EVENT_SIZE_VER0.  A later
 *        kernel may append fields: a reader steps to the next record by
 *        @size and reads the fields it knows.
 * @created_ns: CLOCK_MONOTONIC time of GO3S_IOC_CREATE.
 * @ended_ns: CLOCK_MONOTONIC time it ended.
 * @run_ns: time it ran.
 */
struct go3s_event {
	__u32 id;
	__u32 state;
	__s32 exit_code;
	__u32 size;
	__u64 created_ns;
	__u64 ended_ns;
	__u64 run_ns;
};

#define GO3S_EVENT_SIZE_VER0	40

/*
 * The size encoded in an ioctl number is that of the first version of its
 * struct, frozen: appending a field to the struct does not change the
 * number.  The kernel reads the real size from the struct's size field and
 * accepts any encoded size from the first version up.
 */
#define GO3S_IOWR_VER0(nr, size) \
	_IOC(_IOC_READ | _IOC_WRITE, GO3S_IOC_MAGIC, (nr), (size))
#define GO3S_IOW_VER0(nr, size) \
	_IOC(_IOC_WRITE, GO3S_IOC_MAGIC, (nr), (size))

#define GO3S_IOC_GET_INFO	GO3S_IOWR_VER0(0x00, GO3S_INFO_SIZE_VER0)
#define GO3S_IOC_CREATE		GO3S_IOWR_VER0(0x01, GO3S_CREATE_SIZE_VER0)
#define GO3S_IOC_RESUME		GO3S_IOW_VER0(0x02, GO3S_ID_ARG_SIZE_VER0)
#define GO3S_IOC_SUSPEND	GO3S_IOW_VER0(0x03, GO3S_ID_ARG_SIZE_VER0)
#define GO3S_IOC_CANCEL		GO3S_IOW_VER0(0x04, GO3S_ID_ARG_SIZE_VER0)
#define GO3S_IOC_WAIT		GO3S_IOWR_VER0(0x05, GO3S_WAIT_SIZE_VER0)
#define GO3S_IOC_STATUS		GO3S_IOWR_VER0(0x06, GO3S_STATUS_SIZE_VER0)
#define GO3S_IOC_CPU_STATS	GO3S_IOWR_VER0(0x07, GO3S_CPU_STATS_SIZE_VER0)
#define GO3S_IOC_SET_PRIO	GO3S_IOW_VER0(0x08, GO3S_SET_PRIO_SIZE_VER0)
#define GO3S_IOC_CHAN_CREATE	GO3S_IOWR_VER0(0x09, GO3S_CHAN_CREATE_SIZE_VER0)
#define GO3S_IOC_CHAN_CLOSE	GO3S_IOW_VER0(0x0a, GO3S_ID_ARG_SIZE_VER0)
#define GO3S_IOC_SET_AFFINITY	GO3S_IOW_VER0(0x0b, GO3S_AFFINITY_SIZE_VER0)

#endif /* _UAPI_GO3S_H */
