// SPDX-License-Identifier: GPL-2.0
/*
 * Workload programs: validation.
 *
 * A program is checked completely before anything is allocated for its
 * coroutine, so the interpreter never meets a bad operand: every code is
 * known, unused operands are zero, times and counts are within bounds, and
 * every loop jumps backwards to an op inside any loop that encloses it.
 * Proper nesting is what lets the interpreter keep one counter per loop op
 * and reset it when the loop ends.
 */
#include <linux/errno.h>

#include "internal.h"

static int go3s_op_check(const struct go3s_op *ops, u32 i)
{
	const struct go3s_op *op = &ops[i];
	u32 j;

	switch (op->code) {
	case GO3S_OP_EXIT:
		return op->b ? -EINVAL : 0;
	case GO3S_OP_YIELD:
	case GO3S_OP_SUSPEND:
		return op->a || op->b ? -EINVAL : 0;
	case GO3S_OP_SPIN:
		return op->a || !op->b || op->b > GO3S_SPIN_MAX_NS ? -EINVAL : 0;
	case GO3S_OP_SLEEP:
		return op->a || !op->b || op->b > GO3S_SLEEP_MAX_NS ? -EINVAL : 0;
	case GO3S_OP_SEND:
		return op->a ? 0 : -EINVAL;
	case GO3S_OP_RECV:
		return !op->a || op->b ? -EINVAL : 0;
	case GO3S_OP_LOOP:
		if (op->a >= i || !op->b || op->b > GO3S_LOOP_MAX)
			return -EINVAL;
		/* A loop between target and here must not reach before it. */
		for (j = op->a + 1; j < i; j++)
			if (ops[j].code == GO3S_OP_LOOP && ops[j].a < op->a)
				return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * go3s_prog_validate() - check a workload program completely
 * @ops: the operations, already copied from user space
 * @nr: how many; 1 to %GO3S_PROG_MAX_OPS
 *
 * Return: 0 when the interpreter can run the program as is, -EINVAL
 * otherwise.
 */
int go3s_prog_validate(const struct go3s_op *ops, u32 nr)
{
	u32 i;
	int ret;

	if (!nr || nr > GO3S_PROG_MAX_OPS)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		ret = go3s_op_check(ops, i);
		if (ret)
			return ret;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_prog_validate);
