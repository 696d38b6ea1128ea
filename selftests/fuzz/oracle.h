/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reference checker for workload programs: what uapi/go3s.h says a
 * valid program is, written independently of go3s_prog_validate() and as
 * plainly as possible (every pair of loops is compared), so that the two
 * can be checked against each other.
 */
#ifndef _GO3S_FUZZ_ORACLE_H
#define _GO3S_FUZZ_ORACLE_H

#include <stdbool.h>
#include <uapi/go3s.h>

/* Why @ops is invalid, or NULL if it is valid. */
static const char *ref_prog_invalid(const struct go3s_op *ops, __u32 nr)
{
	__u32 i, j;

	if (nr < 1 || nr > GO3S_PROG_MAX_OPS)
		return "length";
	for (i = 0; i < nr; i++) {
		const struct go3s_op *o = &ops[i];

		switch (o->code) {
		case GO3S_OP_EXIT:		/* a: any exit code */
			if (o->b != 0)
				return "EXIT operand b";
			break;
		case GO3S_OP_YIELD:
		case GO3S_OP_SUSPEND:
			if (o->a != 0 || o->b != 0)
				return "YIELD/SUSPEND operands";
			break;
		case GO3S_OP_SPIN:
			if (o->a != 0 || o->b < 1 || o->b > GO3S_SPIN_MAX_NS)
				return "SPIN operands";
			break;
		case GO3S_OP_SLEEP:
			if (o->a != 0 || o->b < 1 || o->b > GO3S_SLEEP_MAX_NS)
				return "SLEEP operands";
			break;
		case GO3S_OP_SEND:		/* b: any value */
			if (o->a == 0)		/* channel ids are never 0 */
				return "SEND channel";
			break;
		case GO3S_OP_RECV:
			if (o->a == 0 || o->b != 0)
				return "RECV operands";
			break;
		case GO3S_OP_LOOP:
			if (o->a >= i)
				return "LOOP target not backwards";
			if (o->b < 1 || o->b > GO3S_LOOP_MAX)
				return "LOOP count";
			break;
		default:
			return "unknown code";
		}
	}
	/* Loop bodies [target, loop]: any two are disjoint or nested. */
	for (i = 0; i < nr; i++) {
		if (ops[i].code != GO3S_OP_LOOP)
			continue;
		for (j = 0; j < i; j++) {
			if (ops[j].code != GO3S_OP_LOOP)
				continue;
			/* j ends first: before i's body, or wholly inside. */
			if (j < ops[i].a || ops[j].a >= ops[i].a)
				continue;
			return "overlapping loops";
		}
	}
	return NULL;
}

#endif /* _GO3S_FUZZ_ORACLE_H */
