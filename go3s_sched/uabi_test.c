// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the ioctl struct helpers (uabi.c), GET_INFO (info.c) and
 * the parts of sessions (session.c) user space cannot reach.
 *
 * The copy helpers are exercised on real user memory from kunit_vm_mmap(),
 * so the EFAULT, EINVAL and E2BIG paths are the ones user space hits.
 */
#include <kunit/test.h>
#include <linux/cpumask.h>
#include <linux/mman.h>
#include <linux/uaccess.h>

#include "go3s.h"
#include "internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static void go3s_test_size_check(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(0, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(63, 64), -EINVAL);
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(64, 64), 0);
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(65, 64), 0);
	/* No upper bound: a larger struct only needs a zero tail. */
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(PAGE_SIZE, 64), 0);
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(PAGE_SIZE + 1, 64), 0);
	KUNIT_EXPECT_EQ(test, go3s_uabi_size_check(U32_MAX, 64), 0);
}

struct go3s_t_arg {
	u32 size;
	u32 flags;
	u64 val;
};

struct go3s_t_arg_v1 {
	u32 size;
	u32 flags;
	u64 val;
	u64 more;
};

static int go3s_t_calls;

static long go3s_t_handler(struct go3s_session *s, void *karg,
			   struct go3s_uabi_out *out)
{
	struct go3s_t_arg *a = karg;

	go3s_t_calls++;
	if (a->flags == 1)
		return -EINVAL;
	a->val = a->val * 2 + 1;
	if (a->flags == 2) {
		/* Commits after its own copy-out; the table must not redo it. */
		int ret = go3s_uabi_put(out, a);

		a->val = 12345;
		return ret;
	}
	return 0;
}

static const struct go3s_ioc_desc go3s_t_iocs[] = {
	GO3S_IOC_ROW(0, _IOC_READ | _IOC_WRITE, struct go3s_t_arg, 16,
		     go3s_t_handler),
	GO3S_IOC_ROW(2, _IOC_WRITE, struct go3s_t_arg, 16, go3s_t_handler),
};

#define GO3S_T_N	ARRAY_SIZE(go3s_t_iocs)

static const struct go3s_ioc_desc *go3s_t_lookup(unsigned int dir,
						 unsigned int type,
						 unsigned int nr,
						 unsigned int size)
{
	return go3s_uabi_lookup(go3s_t_iocs, GO3S_T_N,
				_IOC(dir, type, nr, size));
}

static long go3s_t_call(unsigned int cmd, void __user *u)
{
	return go3s_uabi_call(go3s_t_iocs, GO3S_T_N, cmd, u, NULL);
}

static void go3s_test_lookup(struct kunit *test)
{
	const struct go3s_ioc_desc *rw = &go3s_t_iocs[0], *w = &go3s_t_iocs[2];
	const unsigned int m = GO3S_IOC_MAGIC, wr = _IOC_READ | _IOC_WRITE;

	KUNIT_EXPECT_PTR_EQ(test, go3s_t_lookup(wr, m, 0, 16), rw);
	/* Any encoded size from the first version up. */
	KUNIT_EXPECT_PTR_EQ(test, go3s_t_lookup(wr, m, 0, 24), rw);
	KUNIT_EXPECT_PTR_EQ(test, go3s_t_lookup(wr, m, 0, _IOC_SIZEMASK), rw);
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(wr, m, 0, 15));
	/* The direction must match exactly. */
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(_IOC_READ, m, 0, 16));
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(_IOC_WRITE, m, 0, 16));
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(_IOC_NONE, m, 0, 16));
	KUNIT_EXPECT_PTR_EQ(test, go3s_t_lookup(_IOC_WRITE, m, 2, 16), w);
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(wr, m, 2, 16));
	/* An unused row, past the end, another type. */
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(_IOC_WRITE, m, 1, 16));
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(_IOC_WRITE, m, 3, 16));
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(_IOC_WRITE, m, 0xff, 16));
	KUNIT_EXPECT_NULL(test, go3s_t_lookup(wr, m + 1, 0, 16));
}

static void go3s_test_info_fill(struct kunit *test)
{
	struct go3s_info info;

	memset(&info, 0xa5, sizeof(info));
	go3s_info_fill(&info);
	KUNIT_EXPECT_EQ(test, info.size, (u32)sizeof(info));
	KUNIT_EXPECT_EQ(test, info.flags, 0u);
	KUNIT_EXPECT_EQ(test, info.abi_version, (u32)GO3S_ABI_VERSION);
	KUNIT_EXPECT_EQ(test, info.nr_possible_cpus, num_possible_cpus());
	KUNIT_EXPECT_EQ(test, info.nr_online_cpus, num_online_cpus());
	KUNIT_EXPECT_LE(test, info.nr_online_cpus, info.nr_possible_cpus);
	KUNIT_EXPECT_LE(test, info.min_stack_size, info.default_stack_size);
	KUNIT_EXPECT_LE(test, info.default_stack_size, info.max_stack_size);
	KUNIT_EXPECT_GE(test, info.min_stack_size, 8192u);
	KUNIT_EXPECT_TRUE(test, info.features & GO3S_FEATURE_COMPAT_IOCTL);
	KUNIT_EXPECT_LE(test, info.max_session_coroutines, info.max_coroutines);
	KUNIT_EXPECT_LE(test, info.max_session_stack_bytes, info.max_stack_bytes);
}

/* A page of user memory, or the test is skipped for want of an mm. */
static void __user *go3s_test_user_page(struct kunit *test)
{
	unsigned long addr;

	addr = kunit_vm_mmap(test, NULL, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_ANONYMOUS | MAP_PRIVATE, 0);
	KUNIT_ASSERT_NE_MSG(test, addr, 0UL, "no user memory for the test");
	KUNIT_ASSERT_FALSE(test, IS_ERR_VALUE(addr));
	return (void __user *)addr;
}

static void go3s_test_call(struct kunit *test)
{
	unsigned int rw = _IOC(_IOC_READ | _IOC_WRITE, GO3S_IOC_MAGIC, 0, 16);
	unsigned int w = _IOC(_IOC_WRITE, GO3S_IOC_MAGIC, 2, 16);
	void __user *u = go3s_test_user_page(test);
	struct go3s_t_arg_v1 big;
	struct go3s_t_arg a;

	/* Copied in, handled, copied back. */
	a = (struct go3s_t_arg){ .size = sizeof(a), .val = 20 };
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &a, sizeof(a)), 0UL);
	go3s_t_calls = 0;
	KUNIT_EXPECT_EQ(test, go3s_t_call(rw, u), 0L);
	KUNIT_ASSERT_EQ(test, copy_from_user(&a, u, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, a.val, 41ULL);
	KUNIT_EXPECT_EQ(test, go3s_t_calls, 1);

	/* A failing handler: nothing copied back. */
	a = (struct go3s_t_arg){ .size = sizeof(a), .flags = 1, .val = 20 };
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &a, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_t_call(rw, u), -EINVAL);
	KUNIT_ASSERT_EQ(test, copy_from_user(&a, u, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, a.val, 20ULL);

	/* A handler that copied out itself is not copied out again. */
	a = (struct go3s_t_arg){ .size = sizeof(a), .flags = 2, .val = 20 };
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &a, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_t_call(rw, u), 0L);
	KUNIT_ASSERT_EQ(test, copy_from_user(&a, u, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, a.val, 41ULL);

	/* A write-only command copies nothing back. */
	a = (struct go3s_t_arg){ .size = sizeof(a), .val = 20 };
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &a, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_t_call(w, u), 0L);
	KUNIT_ASSERT_EQ(test, copy_from_user(&a, u, sizeof(a)), 0UL);
	KUNIT_EXPECT_EQ(test, a.val, 20ULL);

	/* A newer caller: larger encoded size and struct, zero tail. */
	big = (struct go3s_t_arg_v1){ .size = sizeof(big), .val = 1 };
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &big, sizeof(big)), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_t_call(_IOC(_IOC_READ | _IOC_WRITE,
					       GO3S_IOC_MAGIC, 0, sizeof(big)),
					  u), 0L);
	KUNIT_ASSERT_EQ(test, copy_from_user(&big, u, sizeof(big)), 0UL);
	KUNIT_EXPECT_EQ(test, big.size, (u32)sizeof(a));
	KUNIT_EXPECT_EQ(test, big.val, 3ULL);
	/* ...and with something in the tail. */
	big = (struct go3s_t_arg_v1){ .size = sizeof(big), .more = 1 };
	KUNIT_ASSERT_EQ(test, copy_to_user(u, &big, sizeof(big)), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_t_call(rw, u), -E2BIG);

	/* Unknown command, unreadable argument. */
	go3s_t_calls = 0;
	KUNIT_EXPECT_EQ(test, go3s_t_call(_IOC(_IOC_READ, GO3S_IOC_MAGIC, 0,
					       16), u), -ENOTTY);
	KUNIT_EXPECT_EQ(test, go3s_t_call(rw, (void __user *)8), -EFAULT);
	KUNIT_EXPECT_EQ(test, go3s_t_calls, 0);
}

static void go3s_test_copy_in(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	void __user *u = go3s_test_user_page(test);
	struct go3s_info k;

	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* Exact size: copied as is. */
	go3s_info_fill((struct go3s_info *)buf);
	((struct go3s_info *)buf)->flags = 7;
	KUNIT_ASSERT_EQ(test, copy_to_user(u, buf, PAGE_SIZE), 0UL);
	memset(&k, 0, sizeof(k));
	KUNIT_EXPECT_EQ(test, go3s_copy_in(&k, sizeof(k), GO3S_INFO_SIZE_VER0, u), 0);
	KUNIT_EXPECT_EQ(test, k.size, (u32)sizeof(k));
	KUNIT_EXPECT_EQ(test, k.flags, 7u);

	/* Too small. */
	*(u32 *)buf = GO3S_INFO_SIZE_VER0 - 4;
	KUNIT_ASSERT_EQ(test, copy_to_user(u, buf, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_copy_in(&k, sizeof(k), GO3S_INFO_SIZE_VER0, u),
			-EINVAL);

	/* Larger with a zero tail: accepted. */
	memset(buf, 0, PAGE_SIZE);
	*(u32 *)buf = sizeof(k) + 64;
	KUNIT_ASSERT_EQ(test, copy_to_user(u, buf, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_copy_in(&k, sizeof(k), GO3S_INFO_SIZE_VER0, u), 0);

	/* Larger with a non-zero tail: the caller wants something we lack. */
	buf[sizeof(k) + 10] = 1;
	KUNIT_ASSERT_EQ(test, copy_to_user(u, buf, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, go3s_copy_in(&k, sizeof(k), GO3S_INFO_SIZE_VER0, u),
			-E2BIG);

	/* Unreadable. */
	KUNIT_EXPECT_EQ(test, go3s_copy_in(&k, sizeof(k), GO3S_INFO_SIZE_VER0,
					   (void __user *)8), -EFAULT);
}

static void go3s_test_copy_out(struct kunit *test)
{
	u8 *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	void __user *u = go3s_test_user_page(test);
	struct go3s_info k;

	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* A caller with an older, smaller struct gets only what it has room for. */
	memset(buf, 0xee, PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, copy_to_user(u, buf, PAGE_SIZE), 0UL);
	go3s_info_fill(&k);
	KUNIT_EXPECT_EQ(test, go3s_copy_out(u, 16, &k, sizeof(k)), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, u, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, *(u32 *)buf, 16u);
	KUNIT_EXPECT_EQ(test, buf[16], 0xee);

	/* A newer, larger one gets our size back and an untouched tail. */
	go3s_info_fill(&k);
	KUNIT_EXPECT_EQ(test, go3s_copy_out(u, sizeof(k) + 8, &k, sizeof(k)), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(buf, u, PAGE_SIZE), 0UL);
	KUNIT_EXPECT_EQ(test, *(u32 *)buf, (u32)sizeof(k));
	KUNIT_EXPECT_EQ(test, buf[sizeof(k)], 0xee);

	KUNIT_EXPECT_EQ(test, go3s_copy_out((void __user *)8, sizeof(k), &k,
					    sizeof(k)), -EFAULT);
}

static struct kunit_case go3s_uabi_cases[] = {
	KUNIT_CASE(go3s_test_size_check),
	KUNIT_CASE(go3s_test_lookup),
	KUNIT_CASE(go3s_test_call),
	KUNIT_CASE(go3s_test_info_fill),
	KUNIT_CASE(go3s_test_copy_in),
	KUNIT_CASE(go3s_test_copy_out),
	{}
};

static struct kunit_suite go3s_uabi_suite = {
	.name = "go3s_uabi",
	.test_cases = go3s_uabi_cases,
};

kunit_test_suite(go3s_uabi_suite);

struct go3s_t_stubborn {
	int stop;
};

/* Ignores cancellation: yields, a suspension point, until told to stop. */
static int go3s_t_stubborn_body(void *arg)
{
	struct go3s_t_stubborn *t = arg;

	while (!READ_ONCE(t->stop))
		go3s_yield();
	return 0;
}

/*
 * Issue 8, defect 8: closing a session whose coroutine does not end
 * returns (after a bounded wait) and leaves the rest of the teardown to
 * the coroutine's end.  Before the fix the close never returned.
 */
static void go3s_test_close_does_not_wait_for_ever(struct kunit *test)
{
	struct go3s_t_stubborn *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct go3s_session *s;
	struct go3s_co *co;
	unsigned int live;

	KUNIT_ASSERT_NOT_NULL(test, t);
	s = go3s_session_open();
	KUNIT_ASSERT_NOT_NULL(test, s);
	live = go3s_sessions_live();
	co = go3s_spawn(go3s_t_stubborn_body, t, GO3S_CPU_ANY,
			GO3S_PRIO_NORMAL, 0, GO3S_SPAWN_SUSPENDED);
	KUNIT_ASSERT_FALSE(test, IS_ERR(co));
	go3s_get(co);			/* ours, for the join */
	KUNIT_ASSERT_GT(test, go3s_session_adopt(s, co), 0);

	go3s_session_close(s);
	/* Returned with the coroutine still running: the end is deferred. */
	KUNIT_EXPECT_EQ(test, go3s_sessions_live(), live);
	WRITE_ONCE(t->stop, 1);
	KUNIT_EXPECT_EQ(test, go3s_join(co, MAX_SCHEDULE_TIMEOUT, NULL), 0);
	go3s_put(co);
	go3s_session_flush();
	KUNIT_EXPECT_EQ(test, go3s_sessions_live(), live - 1);
}

static struct kunit_case go3s_session_cases[] = {
	KUNIT_CASE(go3s_test_close_does_not_wait_for_ever),
	{}
};

static struct kunit_suite go3s_session_suite = {
	.name = "go3s_session",
	.test_cases = go3s_session_cases,
};

kunit_test_suite(go3s_session_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for go3s");
