// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the lifecycle rule (co.c), walked over every (state, request)
 * pair, with and without the two flags an ACTIVE coroutine can carry.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

#define C	GO3S_STATE_CREATED
#define A	GO3S_STATE_ACTIVE
#define S	GO3S_STATE_SUSPENDED
#define D	GO3S_STATE_COMPLETING
#define X	GO3S_STATE_CANCELLED
#define CR	GO3S_CO_CANCEL_REQ
#define WK	GO3S_CO_WAKE

struct go3s_rule_case {
	unsigned int old;
	enum go3s_req req;
	int ret;
	unsigned int new;	/* when ret == 0 */
};

static const struct go3s_rule_case go3s_rule_cases[] = {
	/* CREATED */
	{ C, GO3S_REQ_RESUME, 0, A },
	{ C, GO3S_REQ_SUSPEND, -EINVAL },
	{ C, GO3S_REQ_COMPLETE, -EINVAL },
	{ C, GO3S_REQ_CANCEL, 0, X },
	{ C, GO3S_REQ_FAIL, 0, X },
	/* ACTIVE */
	{ A, GO3S_REQ_RESUME, 0, A | WK },
	{ A, GO3S_REQ_SUSPEND, 0, S },
	{ A, GO3S_REQ_COMPLETE, 0, D },
	{ A, GO3S_REQ_CANCEL, 0, A | CR },
	{ A, GO3S_REQ_FAIL, 0, X },
	/* ACTIVE with a pending wakeup */
	{ A | WK, GO3S_REQ_RESUME, 0, A | WK },
	{ A | WK, GO3S_REQ_SUSPEND, 0, A },
	{ A | WK, GO3S_REQ_COMPLETE, 0, D },
	{ A | WK, GO3S_REQ_CANCEL, 0, A | WK | CR },
	{ A | WK, GO3S_REQ_FAIL, 0, X },
	/* ACTIVE with a cancellation request */
	{ A | CR, GO3S_REQ_RESUME, 0, A | CR | WK },
	{ A | CR, GO3S_REQ_SUSPEND, 0, X },
	{ A | CR, GO3S_REQ_COMPLETE, 0, D },
	{ A | CR, GO3S_REQ_CANCEL, -EALREADY },
	{ A | CR, GO3S_REQ_FAIL, 0, X },
	/* both: cancellation wins over the wakeup */
	{ A | CR | WK, GO3S_REQ_RESUME, 0, A | CR | WK },
	{ A | CR | WK, GO3S_REQ_SUSPEND, 0, X },
	{ A | CR | WK, GO3S_REQ_COMPLETE, 0, D },
	{ A | CR | WK, GO3S_REQ_CANCEL, -EALREADY },
	{ A | CR | WK, GO3S_REQ_FAIL, 0, X },
	/* SUSPENDED */
	{ S, GO3S_REQ_RESUME, 0, A },
	{ S, GO3S_REQ_SUSPEND, -EINVAL },
	{ S, GO3S_REQ_COMPLETE, -EINVAL },
	{ S, GO3S_REQ_CANCEL, 0, X },
	{ S, GO3S_REQ_FAIL, 0, X },
	/* COMPLETING: terminal */
	{ D, GO3S_REQ_RESUME, -EINVAL },
	{ D, GO3S_REQ_SUSPEND, -EINVAL },
	{ D, GO3S_REQ_COMPLETE, -EINVAL },
	{ D, GO3S_REQ_CANCEL, -EBUSY },
	{ D, GO3S_REQ_FAIL, -EBUSY },
	/* CANCELLED: terminal */
	{ X, GO3S_REQ_RESUME, -EINVAL },
	{ X, GO3S_REQ_SUSPEND, -ECANCELED },
	{ X, GO3S_REQ_COMPLETE, -ECANCELED },
	{ X, GO3S_REQ_CANCEL, -EALREADY },
	{ X, GO3S_REQ_FAIL, -EALREADY },
};

/* Each pair through the real transition function on a real object. */
static void go3s_test_lifecycle_table(struct kunit *test)
{
	struct go3s_co *co = kunit_kzalloc(test, sizeof(*co), GFP_KERNEL);
	unsigned int i, old, new;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, co);
	for (i = 0; i < ARRAY_SIZE(go3s_rule_cases); i++) {
		const struct go3s_rule_case *c = &go3s_rule_cases[i];

		atomic_set(&co->state, c->old);
		old = 0xdead;
		new = 0xdead;
		ret = go3s_co_transition(co, c->req, &old, &new);
		KUNIT_EXPECT_EQ_MSG(test, ret, c->ret, "case %u: %#x req %d",
				    i, c->old, c->req);
		if (ret) {
			/* Refused: nothing changed, nothing reported. */
			KUNIT_EXPECT_EQ_MSG(test, (unsigned int)atomic_read(&co->state),
					    c->old, "case %u", i);
			KUNIT_EXPECT_EQ(test, old, 0xdeadu);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, (unsigned int)atomic_read(&co->state),
					    c->new, "case %u", i);
			KUNIT_EXPECT_EQ(test, old, c->old);
			KUNIT_EXPECT_EQ(test, new, c->new);
		}
	}
}

/* Every (state, request) pair is covered, and only legal moves happen. */
static void go3s_test_lifecycle_complete(struct kunit *test)
{
	/* §1, and ACTIVE -> ACTIVE for the flags (WAKE, CANCEL_REQ). */
	static const bool legal[GO3S_NR_STATES][GO3S_NR_STATES] = {
		[C][A] = true, [C][X] = true, [A][S] = true, [A][D] = true,
		[S][A] = true, [S][X] = true,
		[A][A] = true,
	};
	/* Every state word a coroutine can have. */
	static const unsigned int words[] = {
		C, A, A | WK, A | CR, A | CR | WK, S, D, X,
	};
	unsigned int w, st, req, i, new, to;
	bool seen;

	for (w = 0; w < ARRAY_SIZE(words); w++) {
		st = words[w];
		for (req = 0; req < GO3S_NR_REQS; req++) {
			seen = false;
			for (i = 0; i < ARRAY_SIZE(go3s_rule_cases); i++)
				if (go3s_rule_cases[i].old == st &&
				    go3s_rule_cases[i].req == req)
					seen = true;
			KUNIT_EXPECT_TRUE_MSG(test, seen, "word %#x req %u untested",
					      st, req);
			if (go3s_co_rule(st, req, &new))
				continue;
			to = new & GO3S_CO_STATE_MASK;
			/*
			 * ACTIVE -> CANCELLED only in one step through
			 * SUSPENDED: the coroutine parks for good (a suspend
			 * with a cancellation request, or a failure).
			 */
			if ((st & GO3S_CO_STATE_MASK) == A && to == X) {
				KUNIT_EXPECT_TRUE(test, legal[A][S] && legal[S][X]);
				KUNIT_EXPECT_TRUE_MSG(test,
						      req == GO3S_REQ_SUSPEND ||
						      req == GO3S_REQ_FAIL,
						      "req %u: ACTIVE -> CANCELLED",
						      req);
				continue;
			}
			KUNIT_EXPECT_TRUE_MSG(test,
					      legal[st & GO3S_CO_STATE_MASK][to],
					      "word %#x req %u -> %#x", st, req,
					      new);
		}
	}
	/* Terminal states accept nothing. */
	for (req = 0; req < GO3S_NR_REQS; req++) {
		KUNIT_EXPECT_NE(test, go3s_co_rule(D, req, &new), 0);
		KUNIT_EXPECT_NE(test, go3s_co_rule(X, req, &new), 0);
	}
	KUNIT_EXPECT_EQ(test, go3s_co_rule(A, GO3S_NR_REQS, &new), -EINVAL);
}

static struct kunit_case go3s_co_cases[] = {
	KUNIT_CASE(go3s_test_lifecycle_table),
	KUNIT_CASE(go3s_test_lifecycle_complete),
	{}
};

static struct kunit_suite go3s_co_suite = {
	.name = "go3s_co",
	.test_cases = go3s_co_cases,
};

kunit_test_suite(go3s_co_suite);
