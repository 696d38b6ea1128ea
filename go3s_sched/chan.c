// SPDX-License-Identifier: GPL-2.0
/*
 * Channels in the Go sense, carrying pointers.
 *
 * A channel has a ring of @capacity values (0: unbuffered, every send meets
 * a receive) and two FIFO queues of blocked coroutines.  Each coroutine
 * blocks on at most one channel at a time, so its wait record is embedded
 * in it.
 *
 * DOC: channel wakeups and lifetimes
 *
 * The channel lock covers the queues, the ring and the wait records on
 * them, nothing else (§4).  A waker, under the lock, takes a record off its
 * queue, completes it (value, done, closed) and takes a reference on the
 * coroutine (go3s_get()); after unlocking it resumes the coroutine and
 * drops the reference.  So no run-queue lock nests in a channel lock and no
 * IPI is sent with one held.
 *
 * - The waiter re-checks its record under the lock after every wakeup.  It
 *   may be woken by something else between the completion and the
 *   waker's resume (a cancellation, a stray go3s_resume()); it then sees
 *   done and closed as the waker set them, and returns.  A record not yet
 *   completed is still on its queue, so a cancelled waiter takes it off
 *   under the lock and no waker can complete it afterwards.
 * - Once completed, the record is the waiter's again: the waker touches
 *   only the coroutine, through its reference, so the coroutine may have
 *   returned, finished, or be blocked on another channel by then.  The
 *   late resume is then an ordinary early wakeup (kept for the next
 *   suspension point, or refused if it finished); a channel wait absorbs
 *   it by re-checking its record.
 * - The lock's release and acquire order the value between the two.
 *
 * Close sets closed, which keeps new waiters out, then wakes the waiters
 * one at a time, dropping the lock for each resume.  Receivers get -EPIPE
 * once the buffer is drained, senders get -EPIPE; a receive on a closed
 * channel never takes a sender's value.
 */
#include <linux/export.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "internal.h"
#include "sched.h"

struct go3s_chan {
	struct go3s_spinlock lock;
	refcount_t ref;
	unsigned int cap;
	unsigned int head;
	unsigned int count;
	bool closed;
	struct list_head sendq;
	struct list_head recvq;
	void *buf[];
};

/**
 * go3s_chan_create() - create a channel
 * @capacity: buffered values; 0 for an unbuffered channel
 * @gfp: allocation flags (GFP_ATOMIC from a coroutine)
 *
 * Return: the channel with one reference, or NULL.
 */
struct go3s_chan *go3s_chan_create(unsigned int capacity, gfp_t gfp)
{
	struct go3s_chan *ch;

	ch = kzalloc(struct_size(ch, buf, capacity), gfp);
	if (!ch)
		return NULL;
	go3s_lock_init(&ch->lock);
	refcount_set(&ch->ref, 1);
	ch->cap = capacity;
	INIT_LIST_HEAD(&ch->sendq);
	INIT_LIST_HEAD(&ch->recvq);
	return ch;
}
EXPORT_SYMBOL_GPL(go3s_chan_create);

/**
 * go3s_chan_bytes() - memory a channel of @capacity takes
 * @capacity: its buffered values
 *
 * Return: the bytes go3s_chan_create() allocates, for charging to limits.
 */
size_t go3s_chan_bytes(unsigned int capacity)
{
	struct go3s_chan *ch;

	/* What the slab really hands out: a large ring rounds up a lot. */
	return kmalloc_size_roundup(struct_size(ch, buf, capacity));
}

/**
 * go3s_chan_get() - take a reference on a channel
 * @ch: the channel
 *
 * Return: @ch.
 */
struct go3s_chan *go3s_chan_get(struct go3s_chan *ch)
{
	refcount_inc(&ch->ref);
	return ch;
}
EXPORT_SYMBOL_GPL(go3s_chan_get);

/**
 * go3s_chan_put() - drop a reference on a channel
 * @ch: the channel, or NULL
 *
 * Blocked coroutines hold references of their own, so the last put never
 * leaves a waiter behind.
 */
void go3s_chan_put(struct go3s_chan *ch)
{
	if (ch && refcount_dec_and_test(&ch->ref))
		kfree(ch);
}
EXPORT_SYMBOL_GPL(go3s_chan_put);

/*
 * Complete @w and take it off its queue, under ch->lock.  Returns its
 * coroutine with a reference, for go3s_chan_resume() after unlocking.
 */
static struct go3s_co *go3s_chan_complete(struct go3s_chan_wait *w,
					  bool closed)
{
	list_del_init(&w->node);
	w->done = true;
	w->closed = closed;
	return go3s_get(container_of(w, struct go3s_co, wait));
}

/* Resume what go3s_chan_complete() returned; ch->lock not held. */
static void go3s_chan_resume(struct go3s_co *co)
{
	if (co) {
		go3s_resume(co);
		go3s_put(co);
	}
}

/*
 * Block the running coroutine on @q; entered and left with ch->lock held.
 * Takes a reference on @ch for the caller to drop once unlocked.  Returns 0
 * once completed by a peer, -EPIPE if completed by close, else the error of
 * the suspension point (the record is withdrawn).
 */
static int go3s_chan_block(struct go3s_chan *ch, struct go3s_co *co,
			   struct list_head *q, unsigned long *flags)
{
	struct go3s_chan_wait *w = &co->wait;
	int ret;

	w->chan = go3s_chan_get(ch);
	w->done = false;
	w->closed = false;
	list_add_tail(&w->node, q);
	for (;;) {
		go3s_unlock_irqrestore(&ch->lock, *flags);
		ret = go3s_co_park(co);
		go3s_lock_irqsave(&ch->lock, *flags);
		if (w->done) {
			ret = w->closed ? -EPIPE : 0;
			break;
		}
		if (ret) {
			list_del_init(&w->node);
			break;
		}
		/* A resume meant for go3s_suspend(): keep waiting. */
	}
	w->chan = NULL;
	return ret;
}

static int go3s_chan_do_send(struct go3s_chan *ch, void *val, bool block)
{
	struct go3s_co *co = NULL, *wake = NULL;
	struct go3s_chan_wait *w;
	bool blocked = false;
	unsigned long flags;
	int ret = 0;

	if (block) {
		co = go3s_current();
		if (!co)
			return -EPERM;
		/* A suspension point even when it need not wait. */
		ret = go3s_co_may_switch(co, "channel operation");
		if (ret)
			return ret;
	}
	go3s_lock_irqsave(&ch->lock, flags);
	if (ch->closed) {
		ret = -EPIPE;
	} else if (!list_empty(&ch->recvq)) {
		w = list_first_entry(&ch->recvq, struct go3s_chan_wait, node);
		w->val = val;
		wake = go3s_chan_complete(w, false);
	} else if (ch->count < ch->cap) {
		ch->buf[(ch->head + ch->count) % ch->cap] = val;
		ch->count++;
	} else if (!block) {
		ret = -EAGAIN;
	} else {
		co->wait.val = val;
		ret = go3s_chan_block(ch, co, &ch->sendq, &flags);
		blocked = true;
	}
	go3s_unlock_irqrestore(&ch->lock, flags);
	go3s_chan_resume(wake);
	if (blocked)
		go3s_chan_put(ch);
	return ret;
}

static int go3s_chan_do_recv(struct go3s_chan *ch, void **val, bool block)
{
	struct go3s_co *co = NULL, *wake = NULL;
	struct go3s_chan_wait *w;
	bool blocked = false;
	unsigned long flags;
	int ret = 0;

	if (block) {
		co = go3s_current();
		if (!co)
			return -EPERM;
		/* A suspension point even when it need not wait. */
		ret = go3s_co_may_switch(co, "channel operation");
		if (ret)
			return ret;
	}
	go3s_lock_irqsave(&ch->lock, flags);
	/* Closed: the senders still queued are being failed by the closer. */
	w = ch->closed ? NULL :
		list_first_entry_or_null(&ch->sendq, struct go3s_chan_wait, node);
	if (ch->count) {
		*val = ch->buf[ch->head];
		ch->head = (ch->head + 1) % ch->cap;
		ch->count--;
		if (w) {
			/* A sender waited for room: its value joins the tail. */
			ch->buf[(ch->head + ch->count) % ch->cap] = w->val;
			ch->count++;
			wake = go3s_chan_complete(w, false);
		}
	} else if (w) {
		*val = w->val;
		wake = go3s_chan_complete(w, false);
	} else if (ch->closed) {
		ret = -EPIPE;
	} else if (!block) {
		ret = -EAGAIN;
	} else {
		ret = go3s_chan_block(ch, co, &ch->recvq, &flags);
		if (!ret)
			*val = co->wait.val;
		blocked = true;
	}
	go3s_unlock_irqrestore(&ch->lock, flags);
	go3s_chan_resume(wake);
	if (blocked)
		go3s_chan_put(ch);
	return ret;
}

/**
 * go3s_chan_send() - send a value, waiting for room or a receiver
 * @ch: the channel
 * @val: the value
 *
 * Context: a coroutine.
 * Return: 0 once the value is buffered or taken; -EPIPE if the channel is
 * or gets closed; -ECANCELED if the coroutine is cancelled first; -EPERM
 * outside a coroutine; -EDEADLK (checked first, nothing done) where it may
 * not switch, as for go3s_yield().
 */
int go3s_chan_send(struct go3s_chan *ch, void *val)
{
	return go3s_chan_do_send(ch, val, true);
}
EXPORT_SYMBOL_GPL(go3s_chan_send);

/**
 * go3s_chan_recv() - receive a value, waiting for one
 * @ch: the channel
 * @val: gets the value
 *
 * Context: a coroutine.
 * Return: 0 with *@val set; -EPIPE once the channel is closed and drained;
 * -ECANCELED if the coroutine is cancelled first; -EPERM outside a
 * coroutine; -EDEADLK (checked first, nothing done) where it may not
 * switch, as for go3s_yield().
 */
int go3s_chan_recv(struct go3s_chan *ch, void **val)
{
	return go3s_chan_do_recv(ch, val, true);
}
EXPORT_SYMBOL_GPL(go3s_chan_recv);

/**
 * go3s_chan_try_send() - send a value if that needs no wait
 * @ch: the channel
 * @val: the value
 *
 * Context: any but NMI.
 * Return: 0, -EAGAIN if it would wait, -EPIPE if closed.
 */
int go3s_chan_try_send(struct go3s_chan *ch, void *val)
{
	return go3s_chan_do_send(ch, val, false);
}
EXPORT_SYMBOL_GPL(go3s_chan_try_send);

/**
 * go3s_chan_try_recv() - receive a value if one is ready
 * @ch: the channel
 * @val: gets the value
 *
 * Context: any but NMI.
 * Return: 0, -EAGAIN if it would wait, -EPIPE if closed and drained.
 */
int go3s_chan_try_recv(struct go3s_chan *ch, void **val)
{
	return go3s_chan_do_recv(ch, val, false);
}
EXPORT_SYMBOL_GPL(go3s_chan_try_recv);

/**
 * go3s_chan_close() - close a channel and wake everyone blocked on it
 * @ch: the channel
 *
 * Buffered values can still be received.
 *
 * Context: any but NMI.
 * Return: 0, or -EALREADY if already closed.
 */
int go3s_chan_close(struct go3s_chan *ch)
{
	struct go3s_chan_wait *w;
	unsigned long flags;
	struct go3s_co *co;

	go3s_lock_irqsave(&ch->lock, flags);
	if (ch->closed) {
		go3s_unlock_irqrestore(&ch->lock, flags);
		return -EALREADY;
	}
	/* No new waiter from here on: the queues only shrink. */
	ch->closed = true;
	for (;;) {
		w = list_first_entry_or_null(&ch->recvq, struct go3s_chan_wait,
					     node);
		if (!w)
			w = list_first_entry_or_null(&ch->sendq,
						     struct go3s_chan_wait, node);
		if (!w)
			break;
		co = go3s_chan_complete(w, true);
		go3s_unlock_irqrestore(&ch->lock, flags);
		go3s_chan_resume(co);
		go3s_lock_irqsave(&ch->lock, flags);
	}
	go3s_unlock_irqrestore(&ch->lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(go3s_chan_close);

/* A failed coroutine leaves the channel it was blocked on. */
void go3s_chan_wait_abort(struct go3s_co *co)
{
	struct go3s_chan *ch = co->wait.chan;
	unsigned long flags;

	if (!ch)
		return;
	go3s_lock_irqsave(&ch->lock, flags);
	list_del_init(&co->wait.node);
	co->wait.chan = NULL;
	go3s_unlock_irqrestore(&ch->lock, flags);
	go3s_chan_put(ch);
}
