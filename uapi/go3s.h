/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * go3s: in-kernel coroutine scheduler, user-space interface.
 *
 * Every ioctl takes a pointer to a struct whose first field is its size in
 * bytes, as the caller knows it (copy_struct_from_user() semantics): an older
 * caller passes a smaller struct, a newer caller a larger one whose unknown
 * tail must be zero.  Flags fields reject unknown bits with EINVAL.  Pointers
 * travel as __u64, times as __u64 nanoseconds.  Nothing the kernel copies out
 * contains a kernel pointer or uninitialised bytes.
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
};

#define GO3S_INFO_SIZE_VER0	64

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

/*
 * The size encoded in an ioctl number is the first version of its struct;
 * the kernel reads the real size from the struct's size field.
 */
#define GO3S_IOC_GET_INFO	_IOWR(GO3S_IOC_MAGIC, 0x00, struct go3s_info)

#endif /* _UAPI_GO3S_H */
