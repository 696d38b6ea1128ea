// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for workload program validation (prog.c).
 */
#include <kunit/test.h>

#include "internal.h"

#define OP(c, x, y) { .code = GO3S_OP_##c, .a = (x), .b = (y) }

static int validate(const struct go3s_op *ops, u32 nr)
{
	return go3s_prog_validate(ops, nr);
}

static void go3s_test_prog_good(struct kunit *test)
{
	const struct go3s_op all[] = {
		OP(YIELD, 0, 0),
		OP(SPIN, 0, 1000),
		OP(SLEEP, 0, GO3S_SLEEP_MAX_NS),
		OP(SUSPEND, 0, 0),
		OP(SEND, 1, 42),
		OP(RECV, 2, 0),
		OP(LOOP, 0, GO3S_LOOP_MAX),
		OP(EXIT, (u32)-5, 0),
	};
	const struct go3s_op nested[] = {
		OP(YIELD, 0, 0),
		OP(YIELD, 0, 0),
		OP(LOOP, 1, 3),		/* inner: 1..2 */
		OP(LOOP, 0, 2),		/* outer: 0..3 */
		OP(YIELD, 0, 0),
		OP(LOOP, 4, 1),		/* after the outer one */
		OP(LOOP, 4, 1),		/* around that one, same start */
		OP(LOOP, 0, 1),		/* around everything */
	};
	const struct go3s_op one = OP(EXIT, 0, 0);

	KUNIT_EXPECT_EQ(test, validate(all, ARRAY_SIZE(all)), 0);
	KUNIT_EXPECT_EQ(test, validate(nested, ARRAY_SIZE(nested)), 0);
	KUNIT_EXPECT_EQ(test, validate(&one, 1), 0);
}

static void go3s_test_prog_length(struct kunit *test)
{
	struct go3s_op *ops;
	u32 i;

	ops = kunit_kcalloc(test, GO3S_PROG_MAX_OPS + 1, sizeof(*ops), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ops);
	for (i = 0; i <= GO3S_PROG_MAX_OPS; i++)
		ops[i].code = GO3S_OP_YIELD;
	KUNIT_EXPECT_EQ(test, validate(ops, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(ops, GO3S_PROG_MAX_OPS), 0);
	KUNIT_EXPECT_EQ(test, validate(ops, GO3S_PROG_MAX_OPS + 1), -EINVAL);
}

static void go3s_test_prog_operands(struct kunit *test)
{
	const struct go3s_op bad[] = {
		OP(EXIT, 0, 1),
		OP(YIELD, 1, 0),
		OP(YIELD, 0, 1),
		OP(SUSPEND, 0, 1),
		OP(SPIN, 0, 0),
		OP(SPIN, 0, GO3S_SPIN_MAX_NS + 1),
		OP(SPIN, 1, 10),
		OP(SLEEP, 0, 0),
		OP(SLEEP, 0, GO3S_SLEEP_MAX_NS + 1),
		OP(SEND, 0, 1),
		OP(RECV, 0, 0),
		OP(RECV, 1, 1),
		{ .code = GO3S_OP_LOOP + 1 },
		{ .code = U32_MAX },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		/* A good op first, so a loop target of 0 would be legal. */
		struct go3s_op prog[2] = { OP(YIELD, 0, 0), bad[i] };

		KUNIT_EXPECT_EQ_MSG(test, validate(prog, 2), -EINVAL,
				    "op %u (code %u) accepted", i, bad[i].code);
	}
}

static void go3s_test_prog_loops(struct kunit *test)
{
	const struct go3s_op self[] = { OP(YIELD, 0, 0), OP(LOOP, 1, 1) };
	const struct go3s_op fwd[] = { OP(LOOP, 1, 1), OP(YIELD, 0, 0) };
	const struct go3s_op zero[] = { OP(YIELD, 0, 0), OP(LOOP, 0, 0) };
	const struct go3s_op many[] = {
		OP(YIELD, 0, 0), OP(LOOP, 0, GO3S_LOOP_MAX + 1) };
	/* Crossing loops: the second starts inside the first and ends after. */
	const struct go3s_op cross[] = {
		OP(YIELD, 0, 0), OP(YIELD, 0, 0),
		OP(LOOP, 0, 2), OP(LOOP, 1, 2) };

	KUNIT_EXPECT_EQ(test, validate(self, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(fwd, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(zero, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(many, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(cross, 4), -EINVAL);
}

/*
 * A loop whose target is itself a loop op overlaps it: bodies [1..2] and
 * [0..1].  The validator used to look at the loops strictly after the
 * target only; the fuzzer (selftests/fuzz, prog_validate) found this one,
 * [SEND, LOOP 0, LOOP 1], in about 14,000 to 59,000 runs.
 */
static void go3s_test_prog_loop_onto_loop(struct kunit *test)
{
	const struct go3s_op onto[] = {
		OP(YIELD, 0, 0), OP(LOOP, 0, 2), OP(LOOP, 1, 2) };
	const struct go3s_op found[] = {
		OP(SEND, 1, 1), OP(LOOP, 0, 9), OP(LOOP, 1, 6488064) };
	/* Further out: the target loop is nested in a third one. */
	const struct go3s_op deep[] = {
		OP(YIELD, 0, 0), OP(YIELD, 0, 0), OP(LOOP, 1, 2),
		OP(LOOP, 0, 2), OP(LOOP, 2, 2) };
	/* Same start, one inside the other: nested, legal. */
	const struct go3s_op same[] = {
		OP(YIELD, 0, 0), OP(LOOP, 0, 2), OP(LOOP, 0, 2) };

	KUNIT_EXPECT_EQ(test, validate(onto, ARRAY_SIZE(onto)), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(found, ARRAY_SIZE(found)), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(deep, ARRAY_SIZE(deep)), -EINVAL);
	KUNIT_EXPECT_EQ(test, validate(same, ARRAY_SIZE(same)), 0);
}

static struct kunit_case go3s_prog_cases[] = {
	KUNIT_CASE(go3s_test_prog_good),
	KUNIT_CASE(go3s_test_prog_length),
	KUNIT_CASE(go3s_test_prog_operands),
	KUNIT_CASE(go3s_test_prog_loops),
	KUNIT_CASE(go3s_test_prog_loop_onto_loop),
	{}
};

static struct kunit_suite go3s_prog_suite = {
	.name = "go3s_prog",
	.test_cases = go3s_prog_cases,
};

kunit_test_suite(go3s_prog_suite);
