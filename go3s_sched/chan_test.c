// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: channels (chan.c): unbuffered hand-off order, buffered capacity
 * and FIFO, close waking every waiter, many senders and receivers on all
 * CPUs.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"
#include "testing.h"

struct go3s_t_pp {
	struct go3s_chan *ch;
	int n;
	int bad;
};

static int go3s_t_pp_sender(void *arg)
{
	struct go3s_t_pp *p = arg;
	long i;
	int ret;

	for (i = 1; i <= p->n; i++) {
		ret = go3s_chan_send(p->ch, (void *)i);
		if (ret)
			return ret;
	}
	return 0;
}

static int go3s_t_pp_receiver(void *arg)
{
	struct go3s_t_pp *p = arg;
	long i;
	void *v;
	int ret;

	for (i = 1; i <= p->n; i++) {
		ret = go3s_chan_recv(p->ch, &v);
		if (ret)
			return ret;
		if ((long)v != i)
			p->bad++;
	}
	/* Closed and drained. */
	return go3s_chan_recv(p->ch, &v) == -EPIPE ? 0 : -EINVAL;
}

/* One sender, one receiver, on two CPUs then on one: values in order. */
static void go3s_test_chan_order(struct kunit *test)
{
	struct go3s_t_pp *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct go3s_co *tx, *rx;
	unsigned int cap, same;

	KUNIT_ASSERT_NOT_NULL(test, p);
	for (same = 0; same < 2; same++) {
		for (cap = 0; cap <= 4; cap += 4) {
			p->ch = go3s_chan_create(cap, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p->ch);
			p->n = 2000;
			p->bad = 0;
			rx = go3s_test_spawn(test, go3s_t_pp_receiver, p,
					     go3s_test_cpu(0), 0);
			tx = go3s_test_spawn(test, go3s_t_pp_sender, p,
					     go3s_test_cpu(same ? 0 : 1), 0);
			KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, tx), 0);
			KUNIT_EXPECT_EQ(test, go3s_chan_close(p->ch), 0);
			KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, rx), 0);
			KUNIT_EXPECT_EQ_MSG(test, p->bad, 0, "cap %u same %u",
					    cap, same);
			go3s_chan_put(p->ch);
		}
	}
}

/* Buffered: capacity honoured without waiting, FIFO, then -EAGAIN. */
static void go3s_test_chan_buffered(struct kunit *test)
{
	struct go3s_chan *ch = go3s_chan_create(3, GFP_KERNEL);
	long i;
	void *v;

	KUNIT_ASSERT_NOT_NULL(test, ch);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, go3s_chan_try_send(ch, (void *)i), 0);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_send(ch, (void *)9L), -EAGAIN);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(ch, &v), 0);
	KUNIT_EXPECT_EQ(test, (long)v, 0L);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_send(ch, (void *)3L), 0);
	for (i = 1; i <= 3; i++) {
		KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(ch, &v), 0);
		KUNIT_EXPECT_EQ(test, (long)v, i);
	}
	KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(ch, &v), -EAGAIN);
	/* Close keeps buffered values receivable. */
	KUNIT_EXPECT_EQ(test, go3s_chan_try_send(ch, (void *)4L), 0);
	KUNIT_EXPECT_EQ(test, go3s_chan_close(ch), 0);
	KUNIT_EXPECT_EQ(test, go3s_chan_close(ch), -EALREADY);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_send(ch, (void *)5L), -EPIPE);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(ch, &v), 0);
	KUNIT_EXPECT_EQ(test, (long)v, 4L);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(ch, &v), -EPIPE);
	/* Unbuffered: nothing without a waiting peer. */
	go3s_chan_put(ch);
	ch = go3s_chan_create(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ch);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_send(ch, NULL), -EAGAIN);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_recv(ch, &v), -EAGAIN);
	go3s_chan_put(ch);
}

/* Close wakes every blocked receiver and sender. */
static int go3s_t_close_rx(void *arg)
{
	void *v;

	return go3s_chan_recv(arg, &v);
}

static int go3s_t_close_tx(void *arg)
{
	return go3s_chan_send(arg, NULL);
}

static void go3s_test_chan_close_wakes_all(struct kunit *test)
{
	struct go3s_chan *rxch = go3s_chan_create(0, GFP_KERNEL);
	struct go3s_chan *txch = go3s_chan_create(1, GFP_KERNEL);
	struct go3s_co *co[16];
	bool ok;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, rxch);
	KUNIT_ASSERT_NOT_NULL(test, txch);
	KUNIT_EXPECT_EQ(test, go3s_chan_try_send(txch, NULL), 0);	/* full */
	for (i = 0; i < ARRAY_SIZE(co); i++)
		co[i] = go3s_test_spawn(test, i % 2 ? go3s_t_close_tx :
					go3s_t_close_rx,
					i % 2 ? txch : rxch, go3s_test_cpu(i),
					0);
	for (i = 0; i < ARRAY_SIZE(co); i++) {
		ok = go3s_test_wait_state(co[i], GO3S_STATE_SUSPENDED);
		KUNIT_EXPECT_TRUE(test, ok);
	}
	/* Dropping the creator's references does not free them under waiters. */
	go3s_chan_get(rxch);
	go3s_chan_get(txch);
	KUNIT_EXPECT_EQ(test, go3s_chan_close(rxch), 0);
	KUNIT_EXPECT_EQ(test, go3s_chan_close(txch), 0);
	go3s_chan_put(rxch);
	go3s_chan_put(txch);
	for (i = 0; i < ARRAY_SIZE(co); i++)
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, co[i]), -EPIPE);
	go3s_chan_put(rxch);
	go3s_chan_put(txch);
}

/* Many senders and receivers on every CPU: every value arrives once. */
#define GO3S_T_MANY	8
#define GO3S_T_PER	500

struct go3s_t_many {
	struct go3s_chan *ch;
	atomic_long_t sum;
	atomic_t received;
};

static int go3s_t_many_tx(void *arg)
{
	struct go3s_t_many *m = arg;
	long i;
	int ret;

	for (i = 1; i <= GO3S_T_PER; i++) {
		ret = go3s_chan_send(m->ch, (void *)i);
		if (ret)
			return ret;
	}
	return 0;
}

static int go3s_t_many_rx(void *arg)
{
	struct go3s_t_many *m = arg;
	void *v;
	int ret;

	for (;;) {
		ret = go3s_chan_recv(m->ch, &v);
		if (ret)
			return ret == -EPIPE ? 0 : ret;
		atomic_long_add((long)v, &m->sum);
		atomic_inc(&m->received);
	}
}

static void go3s_test_chan_many(struct kunit *test)
{
	struct go3s_t_many *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct go3s_co *tx[GO3S_T_MANY], *rx[GO3S_T_MANY];
	unsigned int cap;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	for (cap = 0; cap <= 16; cap += 16) {
		m->ch = go3s_chan_create(cap, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m->ch);
		atomic_long_set(&m->sum, 0);
		atomic_set(&m->received, 0);
		for (i = 0; i < GO3S_T_MANY; i++) {
			rx[i] = go3s_test_spawn(test, go3s_t_many_rx, m,
						go3s_test_cpu(i), 0);
			tx[i] = go3s_test_spawn(test, go3s_t_many_tx, m,
						go3s_test_cpu(i + 1), 0);
		}
		for (i = 0; i < GO3S_T_MANY; i++)
			KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, tx[i]), 0);
		KUNIT_EXPECT_EQ(test, go3s_chan_close(m->ch), 0);
		for (i = 0; i < GO3S_T_MANY; i++)
			KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, rx[i]), 0);
		KUNIT_EXPECT_EQ(test, atomic_read(&m->received),
				GO3S_T_MANY * GO3S_T_PER);
		KUNIT_EXPECT_EQ(test, atomic_long_read(&m->sum),
				GO3S_T_MANY * (long)GO3S_T_PER *
				(GO3S_T_PER + 1) / 2);
		go3s_chan_put(m->ch);
	}
}

static struct kunit_case go3s_chan_cases[] = {
	KUNIT_CASE(go3s_test_chan_order),
	KUNIT_CASE(go3s_test_chan_buffered),
	KUNIT_CASE(go3s_test_chan_close_wakes_all),
	KUNIT_CASE(go3s_test_chan_many),
	{}
};

static struct kunit_suite go3s_chan_suite = {
	.name = "go3s_chan",
	.test_cases = go3s_chan_cases,
};

kunit_test_suite(go3s_chan_suite);
