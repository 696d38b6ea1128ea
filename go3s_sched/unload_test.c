// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: leave thousands of live coroutines of go3s itself behind, for the
 * VM plan's "rmmod go3s" (after this module is gone) to cancel and free;
 * the plan's kmemleak scan and clean console then judge the unload.  This
 * suite links last, so the other suites do not run beside them.
 */
#include <kunit/test.h>

#include "internal.h"
#include "sched.h"

#define GO3S_T_ORPHANS	3000

static void go3s_test_unload_orphans(struct kunit *test)
{
	unsigned int base = go3s_nr_live();

	KUNIT_EXPECT_EQ(test, go3s_spawn_orphans(GO3S_T_ORPHANS),
			GO3S_T_ORPHANS);
	KUNIT_EXPECT_EQ(test, go3s_nr_live(), base + GO3S_T_ORPHANS);
}

static struct kunit_case go3s_unload_cases[] = {
	KUNIT_CASE(go3s_test_unload_orphans),
	{}
};

static struct kunit_suite go3s_unload_suite = {
	.name = "go3s_unload",
	.test_cases = go3s_unload_cases,
};

kunit_test_suite(go3s_unload_suite);
