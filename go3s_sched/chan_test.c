// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: channels (chan.c): unbuffered hand-off order, buffered capacity
 * and FIFO, close waking every waiter, many senders and receivers on all
 * CPUs, wakeups sent outside the channel lock, cancellation racing
 * completion.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"
#include "testing.h"
#include "trace.h"

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

/*
 * Wakeups leave the channel lock first (issue 8, defect 11): a probe on
 * the go3s_wake tracepoint (inside go3s_resume(), after the transition)
 * sees whether interrupts were disabled there.  The channel lock is only
 * ever held with interrupts disabled, and the wakers here (a coroutine in
 * softirq, and go3s_chan_close() from this process) run with interrupts
 * on, so a wake with interrupts disabled was sent under the channel lock.
 */
#define GO3S_T_WU_RX	8

struct go3s_t_wu {
	struct go3s_chan *ch;
	u64 ids[GO3S_T_WU_RX];	/* of the receivers; 0 until spawned */
	atomic_t wakes;
	atomic_t locked;
};

static void go3s_t_wu_probe(void *data, u64 id, int cpu)
{
	struct go3s_t_wu *wu = data;
	int i;

	/* Ids are not in spawn order across CPUs: look each one up. */
	for (i = 0; i < GO3S_T_WU_RX && READ_ONCE(wu->ids[i]) != id; i++)
		;
	if (i == GO3S_T_WU_RX)
		return;
	atomic_inc(&wu->wakes);
	if (irqs_disabled())
		atomic_inc(&wu->locked);
}

static int go3s_t_wu_tx(void *arg)
{
	struct go3s_t_wu *wu = arg;
	long i;
	int ret;

	for (i = 1; i <= GO3S_T_WU_RX / 2; i++) {
		ret = go3s_chan_send(wu->ch, (void *)i);
		if (ret)
			return ret;
	}
	return 0;
}

static void go3s_test_chan_wake_unlocked(struct kunit *test)
{
	struct go3s_t_wu *wu = kunit_kzalloc(test, sizeof(*wu), GFP_KERNEL);
	struct go3s_co *rx[GO3S_T_WU_RX], *tx;
	int i, got = 0, piped = 0, ret;

	KUNIT_ASSERT_NOT_NULL(test, wu);
	wu->ch = go3s_chan_create(0, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, wu->ch);
	KUNIT_ASSERT_EQ(test, register_trace_go3s_wake(go3s_t_wu_probe, wu),
			0);
	for (i = 0; i < GO3S_T_WU_RX; i++) {
		rx[i] = go3s_test_spawn(test, go3s_t_close_rx, wu->ch,
					go3s_test_cpu(i), 0);
		KUNIT_EXPECT_TRUE(test, go3s_test_wait_state(rx[i],
							     GO3S_STATE_SUSPENDED));
	}
	for (i = 0; i < GO3S_T_WU_RX; i++)
		WRITE_ONCE(wu->ids[i], go3s_id(rx[i]));
	/* Half are woken by a sender, the rest by close. */
	tx = go3s_test_spawn(test, go3s_t_wu_tx, wu, go3s_test_cpu(1), 0);
	KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, tx), 0);
	KUNIT_EXPECT_EQ(test, go3s_chan_close(wu->ch), 0);
	for (i = 0; i < GO3S_T_WU_RX; i++) {
		ret = go3s_test_join_put(test, rx[i]);
		if (!ret)
			got++;
		else if (ret == -EPIPE)
			piped++;
	}
	unregister_trace_go3s_wake(go3s_t_wu_probe, wu);
	tracepoint_synchronize_unregister();
	KUNIT_EXPECT_EQ(test, got, GO3S_T_WU_RX / 2);
	KUNIT_EXPECT_EQ(test, piped, GO3S_T_WU_RX / 2);
	KUNIT_EXPECT_GE(test, atomic_read(&wu->wakes), GO3S_T_WU_RX);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&wu->locked), 0,
			    "resumes sent under the channel lock");
	go3s_chan_put(wu->ch);
}

/*
 * Cancellation racing completion: receivers are cancelled one by one while
 * a sender on another CPU feeds them.  The waker resumes a receiver after
 * unlocking, by then perhaps cancelled, returned and finished (its
 * reference keeps it; KASAN would see a use after free).  Every value that
 * a send reported delivered is received exactly once, and no other.
 */
#define GO3S_T_CR_ROUNDS	20
#define GO3S_T_CR_RX		4

struct go3s_t_cr {
	struct go3s_chan *ch;
	atomic_long_t sent_sum, recv_sum;
	atomic_t sent, received;
};

static int go3s_t_cr_rx(void *arg)
{
	struct go3s_t_cr *c = arg;
	void *v;
	int ret;

	for (;;) {
		ret = go3s_chan_recv(c->ch, &v);
		if (ret)
			return ret;
		atomic_long_add((long)v, &c->recv_sum);
		atomic_inc(&c->received);
	}
}

static int go3s_t_cr_tx(void *arg)
{
	struct go3s_t_cr *c = arg;
	long i;
	int ret;

	for (i = 1;; i++) {
		ret = go3s_chan_send(c->ch, (void *)i);
		if (ret)
			return ret;
		atomic_long_add(i, &c->sent_sum);
		atomic_inc(&c->sent);
	}
}

static void go3s_test_chan_cancel_race(struct kunit *test)
{
	struct go3s_t_cr *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	struct go3s_co *rx[GO3S_T_CR_RX], *tx;
	unsigned int round;
	int i, ret;

	KUNIT_ASSERT_NOT_NULL(test, c);
	for (round = 0; round < GO3S_T_CR_ROUNDS; round++) {
		c->ch = go3s_chan_create(0, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, c->ch);
		for (i = 0; i < GO3S_T_CR_RX; i++)
			rx[i] = go3s_test_spawn(test, go3s_t_cr_rx, c,
						go3s_test_cpu(i % 2), 0);
		tx = go3s_test_spawn(test, go3s_t_cr_tx, c, go3s_test_cpu(2),
				     0);
		for (i = 0; i < GO3S_T_CR_RX; i++) {
			usleep_range(100, 100 + 200 * (round % 8));
			ret = go3s_cancel(rx[i]);
			KUNIT_EXPECT_TRUE(test, !ret || ret == -EALREADY);
			ret = go3s_test_join_put(test, rx[i]);
			KUNIT_EXPECT_EQ(test, ret, -ECANCELED);
		}
		/* No receiver left: the sender blocks until the close. */
		KUNIT_EXPECT_EQ(test, go3s_chan_close(c->ch), 0);
		KUNIT_EXPECT_EQ(test, go3s_test_join_put(test, tx), -EPIPE);
		go3s_chan_put(c->ch);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&c->received), atomic_read(&c->sent));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&c->recv_sum),
			atomic_long_read(&c->sent_sum));
	kunit_info(test, "%d values over %u rounds\n", atomic_read(&c->sent),
		   GO3S_T_CR_ROUNDS);
}

static struct kunit_case go3s_chan_cases[] = {
	KUNIT_CASE(go3s_test_chan_order),
	KUNIT_CASE(go3s_test_chan_buffered),
	KUNIT_CASE(go3s_test_chan_close_wakes_all),
	KUNIT_CASE(go3s_test_chan_many),
	KUNIT_CASE(go3s_test_chan_wake_unlocked),
	KUNIT_CASE(go3s_test_chan_cancel_race),
	{}
};

static struct kunit_suite go3s_chan_suite = {
	.name = "go3s_chan",
	.test_cases = go3s_chan_cases,
};

kunit_test_suite(go3s_chan_suite);
