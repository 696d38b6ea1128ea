// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: what one open file of /dev/go3s owns.
 *
 * DOC: sessions
 *
 * A session is the open file description, not the process: after fork()
 * parent and child share it, see the same ids, and it ends when the last
 * descriptor is closed.  It owns the coroutines and channels created
 * through it, named by ids that mean nothing in another session (-ESRCH,
 * or -ENOENT for channels).
 *
 * A user coroutine (struct go3s_ucoro) wraps an engine coroutine that runs
 * a workload program.  When the engine finishes it, go3s_ucoro_finished()
 * (called once, on its CPU with bottom halves off) queues it on the
 * session's done list and wakes readers and waiters.  The done list is
 * unbounded but holds only this session's coroutines, at most
 * max_session_coroutines, so no completion is ever dropped.  A coroutine
 * is reaped (its id freed, its limits given back) exactly once: by the
 * GO3S_IOC_WAIT or read() that reports its end, or when the session ends.
 *
 * DOC: session lifetimes
 *
 * - Publication: an id is first reserved (xa_alloc() of NULL, which
 *   lookups see as absent), then written out to the caller, and only then
 *   is the object stored under it.  An id the caller could not learn is
 *   undone before anyone else can see it, and a published object is never
 *   taken back by the call that made it.
 * - The xarray holds one reference on each ucoro.  The reaper is whoever
 *   sets u->reaped under done_lock; it takes the ucoro off the done list in
 *   the same critical section, then erases the id and drops the xarray's
 *   reference.  Readers take their own reference under done_lock (done
 *   list) or the xarray lock (lookup by id), so they never see a freed one.
 * - A completion is consumed only once it has reached the caller: WAIT and
 *   read() copy the record out first and reap afterwards; a faulting copy
 *   leaves the coroutine on the done list for the next caller.
 * - Channels: published channels leave the xarray only when the session is
 *   freed (CHAN_CLOSE closes, it does not erase), so a reference taken
 *   under the xarray lock (go3s_session_chan_get()) is always to a live
 *   channel.
 * - u->finished is set with smp_store_release() in go3s_ucoro_finished();
 *   partner: smp_load_acquire() in go3s_ucoro_done().
 * - Closing cancels every coroutine and waits, killably and at most
 *   GO3S_CLOSE_WAIT, until nr_unfinished is 0.  If it is not, closing is
 *   set under done_lock and the go3s_ucoro_finished() that takes the count
 *   to 0 queues the rest of the teardown (go3s_session_free_work()) on
 *   go3s_session_wq, which module unload drains after go3s_cancel_all().
 *   go3s_ucoro_finished() touches the session only inside done_lock, and
 *   whoever frees the session takes done_lock after the last finish, so no
 *   callback reaches a freed session.
 */
#include <linux/cpumask.h>
#include <linux/export.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "internal.h"
#include "sched.h"

static_assert(GO3S_CO_CREATED == GO3S_STATE_CREATED);
static_assert(GO3S_CO_ACTIVE == GO3S_STATE_ACTIVE);
static_assert(GO3S_CO_SUSPENDED == GO3S_STATE_SUSPENDED);
static_assert(GO3S_CO_COMPLETING == GO3S_STATE_COMPLETING);
static_assert(GO3S_CO_CANCELLED == GO3S_STATE_CANCELLED);
static_assert(GO3S_CO_PRIO_HIGH == GO3S_PRIO_HIGH);
static_assert(GO3S_CO_PRIO_NORMAL == GO3S_PRIO_NORMAL);
static_assert(GO3S_CO_PRIO_LOW == GO3S_PRIO_LOW);
static_assert(sizeof(struct go3s_create) == GO3S_CREATE_SIZE_VER0);
static_assert(sizeof(struct go3s_id_arg) == GO3S_ID_ARG_SIZE_VER0);
static_assert(sizeof(struct go3s_wait) == GO3S_WAIT_SIZE_VER0);
static_assert(sizeof(struct go3s_status) == GO3S_STATUS_SIZE_VER0);
static_assert(sizeof(struct go3s_cpu_stats) == GO3S_CPU_STATS_SIZE_VER1);
static_assert(sizeof(struct go3s_set_prio) == GO3S_SET_PRIO_SIZE_VER0);
static_assert(sizeof(struct go3s_chan_create) == GO3S_CHAN_CREATE_SIZE_VER0);
static_assert(sizeof(struct go3s_affinity) == GO3S_AFFINITY_SIZE_VER0);
static_assert(sizeof(struct go3s_event) == GO3S_EVENT_SIZE_VER0);

/*
 * Locking legend: L: s->lock; D: s->done_lock; X: the xarray's own lock.
 */
struct go3s_session {
	struct xarray cos;		/* X: id -> struct go3s_ucoro */
	struct xarray chans;		/* X: id -> struct go3s_chan */
	u32 next_co;			/* X: xa_alloc_cyclic() cursor */
	/* Limits, and where CREATED coroutines start (see SET_AFFINITY). */
	struct mutex lock;
	unsigned int nr_cos;		/* L: charged, published or not */
	unsigned long bytes;		/* L: stacks and channel buffers */
	unsigned long chan_bytes;	/* L: channel buffers, also global */
	spinlock_t done_lock;
	struct list_head done;		/* D: ended, not yet reaped */
	unsigned int nr_unreaped;	/* D: published and not yet reaped */
	unsigned int nr_unfinished;	/* D: spawned, not yet finished */
	bool closing;			/* D: the last finish frees it */
	wait_queue_head_t wq;
	struct work_struct free_work;
};

/*
 * How long close waits for cancelled coroutines before it leaves the rest
 * of the teardown to the last of them: long enough that an ordinary close,
 * thousands of coroutines cancelled under emulation, ends synchronously
 * and the caller finds the limits given back; short enough that a stuck
 * coroutine does not hold the closing process noticeably.
 */
#define GO3S_CLOSE_WAIT		(5 * HZ)

static struct workqueue_struct *go3s_session_wq;
/* Sessions allocated and not yet freed, closed ones with deferred ends too. */
static atomic_t go3s_nr_sessions = ATOMIC_INIT(0);

struct go3s_ucoro {
	struct kref kref;
	struct go3s_session *sess;
	struct go3s_co *co;		/* our reference */
	u32 id;
	u32 stack_bytes;		/* as charged to the session */
	int finished;			/* smp_store_release() */
	bool reaped;			/* D */
	struct list_head done_node;	/* D: on sess->done */
	u64 created_ns;
	u64 ended_ns;
	struct go3s_prog *prog;
};

static void go3s_ucoro_release(struct kref *kref)
{
	struct go3s_ucoro *u = container_of(kref, struct go3s_ucoro, kref);

	go3s_put(u->co);
	go3s_prog_free(u->prog);
	kfree(u);
}

static void go3s_ucoro_put(struct go3s_ucoro *u)
{
	kref_put(&u->kref, go3s_ucoro_release);
}

static bool go3s_ucoro_done(struct go3s_ucoro *u)
{
	/* Acquire; partner: smp_store_release() in go3s_ucoro_finished(). */
	return smp_load_acquire(&u->finished);
}

/* Engine callback: @co will not run again.  Its CPU, bottom halves off. */
static void go3s_ucoro_finished(struct go3s_co *co, void *data)
{
	struct go3s_ucoro *u = data;
	struct go3s_session *s = u->sess;
	unsigned long flags;

	u->ended_ns = ktime_get_ns();
	spin_lock_irqsave(&s->done_lock, flags);
	list_add_tail(&u->done_node, &s->done);
	/* Release; partner: smp_load_acquire() in go3s_ucoro_done(). */
	smp_store_release(&u->finished, 1);
	WRITE_ONCE(s->nr_unfinished, s->nr_unfinished - 1);
	/*
	 * Wake and queue under done_lock: whoever frees the session takes
	 * done_lock first (go3s_session_close() to read nr_unfinished,
	 * go3s_session_free_work() before freeing), so the session outlives
	 * this critical section, and nothing of it is touched after.
	 */
	wake_up_all(&s->wq);
	if (!s->nr_unfinished && s->closing)
		queue_work(go3s_session_wq, &s->free_work);
	spin_unlock_irqrestore(&s->done_lock, flags);
}

/*
 * Reap @u if nobody did yet: its end has reached a caller.  The caller holds
 * a reference.  Return: true if this call reaped it.
 */
static bool go3s_ucoro_reap(struct go3s_session *s, struct go3s_ucoro *u)
{
	spin_lock_irq(&s->done_lock);
	if (u->reaped) {
		spin_unlock_irq(&s->done_lock);
		return false;
	}
	u->reaped = true;
	list_del_init(&u->done_node);
	WRITE_ONCE(s->nr_unreaped, s->nr_unreaped - 1);
	/* The last one: WAIT_ANY sleepers have nothing left to wait for. */
	if (!s->nr_unreaped)
		wake_up_all(&s->wq);
	spin_unlock_irq(&s->done_lock);

	xa_erase(&s->cos, u->id);
	mutex_lock(&s->lock);
	s->nr_cos--;
	s->bytes -= u->stack_bytes;
	mutex_unlock(&s->lock);
	go3s_ucoro_put(u);		/* the xarray's */
	return true;
}

static u32 go3s_ucoro_state(struct go3s_ucoro *u)
{
	return go3s_state(u->co);
}

static int go3s_ucoro_exit_code(struct go3s_ucoro *u)
{
	return u->co->result;
}

/* Look @id up and take a reference. */
static struct go3s_ucoro *go3s_ucoro_find(struct go3s_session *s, u32 id)
{
	struct go3s_ucoro *u;

	xa_lock(&s->cos);
	u = xa_load(&s->cos, id);
	if (u)
		kref_get(&u->kref);
	xa_unlock(&s->cos);
	return u;
}

/**
 * go3s_session_chan_get() - look a channel of a session up
 * @s: the session
 * @id: the channel's id
 *
 * The reference is taken under the xarray lock, so the channel cannot be
 * erased and freed between the lookup and the get (today nothing erases a
 * published channel before the session ends, see "session lifetimes").
 *
 * Return: the channel with a reference (go3s_chan_put() it), or NULL.
 */
struct go3s_chan *go3s_session_chan_get(struct go3s_session *s, u32 id)
{
	struct go3s_chan *ch;

	xa_lock(&s->chans);
	ch = xa_load(&s->chans, id);
	if (ch)
		go3s_chan_get(ch);
	xa_unlock(&s->chans);
	return ch;
}

/* Free what the session owns; every coroutine of it has finished. */
static void go3s_session_free(struct go3s_session *s)
{
	struct go3s_ucoro *u;
	struct go3s_chan *ch;
	unsigned long id;

	xa_for_each(&s->cos, id, u)
		go3s_ucoro_reap(s, u);
	xa_for_each(&s->chans, id, ch) {
		xa_erase(&s->chans, id);
		go3s_chan_put(ch);
	}
	go3s_mem_uncharge(s->chan_bytes);
	xa_destroy(&s->cos);
	xa_destroy(&s->chans);
	mutex_destroy(&s->lock);
	kfree(s);
	atomic_dec(&go3s_nr_sessions);
}

/* The deferred end of a close: queued by the last go3s_ucoro_finished(). */
static void go3s_session_free_work(struct work_struct *work)
{
	struct go3s_session *s = container_of(work, struct go3s_session,
					      free_work);

	/*
	 * The queuer still held done_lock: wait until it has let go, it
	 * touches nothing of the session afterwards.
	 */
	spin_lock_irq(&s->done_lock);
	spin_unlock_irq(&s->done_lock);
	go3s_session_free(s);
}

/**
 * go3s_session_init() - set up what sessions share
 *
 * Return: 0 or -ENOMEM.
 */
int go3s_session_init(void)
{
	go3s_session_wq = alloc_workqueue("go3s_session", WQ_UNBOUND, 0);
	return go3s_session_wq ? 0 : -ENOMEM;
}

/**
 * go3s_session_exit() - wait for every deferred session teardown
 *
 * Context: module unload, after misc_deregister() (no new session) and
 * go3s_cancel_all() (every coroutine finished, so every deferred teardown
 * is queued): the work items still run module code.
 */
void go3s_session_exit(void)
{
	destroy_workqueue(go3s_session_wq);
}

/**
 * go3s_session_flush() - wait for the deferred ends queued so far
 */
void go3s_session_flush(void)
{
	flush_workqueue(go3s_session_wq);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_session_flush);

/**
 * go3s_sessions_live() - sessions not yet freed
 *
 * Return: the count, closed sessions whose end is deferred included.
 */
unsigned int go3s_sessions_live(void)
{
	return atomic_read(&go3s_nr_sessions);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_sessions_live);

/**
 * go3s_session_open() - a new session for an open file
 *
 * Return: the session, or NULL without memory.
 */
struct go3s_session *go3s_session_open(void)
{
	struct go3s_session *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (!s)
		return NULL;
	xa_init_flags(&s->cos, XA_FLAGS_ALLOC1);
	xa_init_flags(&s->chans, XA_FLAGS_ALLOC1);
	mutex_init(&s->lock);
	spin_lock_init(&s->done_lock);
	INIT_LIST_HEAD(&s->done);
	init_waitqueue_head(&s->wq);
	INIT_WORK(&s->free_work, go3s_session_free_work);
	atomic_inc(&go3s_nr_sessions);
	return s;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_session_open);

/**
 * go3s_session_close() - end a session: cancel everything, free it
 * @s: the session; nobody else uses it any more
 *
 * Cancels every coroutine and closes every channel, then waits killably,
 * and at most %GO3S_CLOSE_WAIT, for the coroutines to finish.  If they did,
 * the session is freed now; otherwise the last one to finish queues the
 * rest of the teardown on go3s_session_wq and the caller goes on: a killed
 * process never hangs in close, whatever its coroutines do.
 *
 * Context: process context.
 */
void go3s_session_close(struct go3s_session *s)
{
	struct go3s_ucoro *u;
	struct go3s_chan *ch;
	unsigned long id;
	bool later;

	xa_for_each(&s->cos, id, u)
		go3s_cancel(u->co);
	/* Closed channels wake their waiters, which then see the cancel. */
	xa_for_each(&s->chans, id, ch)
		go3s_chan_close(ch);
	/* Partner: the wake-up under done_lock in go3s_ucoro_finished(). */
	wait_event_killable_timeout(s->wq, !READ_ONCE(s->nr_unfinished),
				    GO3S_CLOSE_WAIT);

	spin_lock_irq(&s->done_lock);
	later = s->nr_unfinished;
	s->closing = later;
	spin_unlock_irq(&s->done_lock);
	if (!later)
		go3s_session_free(s);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_session_close);

/*
 * The CPU choice of CREATE and SET_AFFINITY: @cpu alone, or with
 * GO3S_CREATE_CPU_ANY any CPU (no @umask) or the CPUs of the user's mask at
 * @umask.  *@allowedp gets the set, from go3s_allowed_new(): the caller
 * gives it to the coroutine or frees it.
 *
 * Return: where it starts: @cpu, or the online CPU with a scheduler, in
 * the set, whose run queue is shortest; -EINVAL, -EFAULT or -ENOMEM.
 */
static int go3s_place(u32 cpu, u64 umask, u32 size,
		      const struct cpumask **allowedp)
{
	unsigned int best = UINT_MAX, len;
	const struct cpumask *allowed;
	cpumask_var_t mask;
	int c, pick = -EINVAL;

	if (cpu != GO3S_CREATE_CPU_ANY) {
		if (umask || size || cpu >= nr_cpu_ids || !cpu_online(cpu) ||
		    !READ_ONCE(per_cpu_ptr(&go3s_scheds, cpu)->ready))
			return -EINVAL;
		*allowedp = cpumask_of(cpu);
		return cpu;
	}
	if (!umask != !size || size % sizeof(u64) || size > GO3S_CPU_MASK_MAX)
		return -EINVAL;
	if (!zalloc_cpumask_var(&mask, GFP_KERNEL))
		return -ENOMEM;
	if (!umask) {
		cpumask_copy(mask, cpu_possible_mask);
	} else if (copy_from_user(cpumask_bits(mask), u64_to_user_ptr(umask),
				  min_t(size_t, size, cpumask_size()))) {
		pick = -EFAULT;
		goto out;
	}
	for_each_cpu_and(c, mask, cpu_online_mask) {
		struct go3s_sched *sc = per_cpu_ptr(&go3s_scheds, c);

		if (!READ_ONCE(sc->ready))
			continue;
		len = go3s_runq_len(&sc->rq);
		if (len < best) {
			best = len;
			pick = c;
		}
	}
	if (pick < 0)
		goto out;
	allowed = go3s_allowed_new(mask, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(allowed))
		pick = PTR_ERR(allowed);
	else
		*allowedp = allowed;
out:
	free_cpumask_var(mask);
	return pick;
}

/*
 * Make @u, whose id is reserved and whose coroutine is spawned CREATED,
 * visible under its id, and start it if @start.
 */
static void go3s_ucoro_publish(struct go3s_session *s, struct go3s_ucoro *u,
			       bool start)
{
	spin_lock_irq(&s->done_lock);
	WRITE_ONCE(s->nr_unreaped, s->nr_unreaped + 1);
	WRITE_ONCE(s->nr_unfinished, s->nr_unfinished + 1);
	spin_unlock_irq(&s->done_lock);
	go3s_co_set_notify(u->co, go3s_ucoro_finished, u);
	/*
	 * Once stored, another thread may cancel, wait for and reap it: keep
	 * a reference of our own until we are done with it.
	 */
	kref_get(&u->kref);
	xa_store(&s->cos, u->id, u, GFP_KERNEL);
	if (start) {
		mutex_lock(&s->lock);
		go3s_resume(u->co);
		mutex_unlock(&s->lock);
	}
	go3s_ucoro_put(u);
}

/**
 * go3s_session_adopt() - make a kernel coroutine one of a session's
 * @s: the session
 * @co: spawned with %GO3S_SPAWN_SUSPENDED; the caller's reference passes to
 *      the session
 *
 * For KUnit: lets a test give a session a coroutine whose body it chooses,
 * for instance one that does not end when cancelled.  It is started.
 *
 * Return: its id, or a negative errno (the reference is then still the
 * caller's).
 */
int go3s_session_adopt(struct go3s_session *s, struct go3s_co *co)
{
	struct go3s_ucoro *u = kzalloc(sizeof(*u), GFP_KERNEL);
	int ret;

	if (!u)
		return -ENOMEM;
	kref_init(&u->kref);
	u->sess = s;
	INIT_LIST_HEAD(&u->done_node);
	u->created_ns = ktime_get_ns();
	ret = xa_alloc_cyclic(&s->cos, &u->id, NULL, xa_limit_32b,
			      &s->next_co, GFP_KERNEL);
	if (ret < 0) {
		kfree(u);
		return ret;
	}
	mutex_lock(&s->lock);
	s->nr_cos++;
	mutex_unlock(&s->lock);
	u->co = co;
	go3s_ucoro_publish(s, u, true);
	return u->id;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_session_adopt);

static long go3s_ioc_create(struct go3s_session *s, void *karg,
			    struct go3s_uabi_out *out)
{
	struct go3s_create *arg = karg;
	const struct cpumask *allowed;
	struct go3s_ucoro *u;
	struct go3s_co *co;
	size_t stack;
	int cpu, ret;

	if ((arg->flags & ~GO3S_CREATE_SUSPENDED) || arg->pad || arg->pad2 ||
	    arg->id || arg->priority > GO3S_CO_PRIO_LOW)
		return -EINVAL;
	stack = go3s_stack_size(arg->stack_size);
	if (!stack)
		return -EINVAL;
	cpu = go3s_place(arg->cpu, arg->cpu_mask, arg->cpu_mask_size,
			 &allowed);
	if (cpu < 0)
		return cpu;

	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u) {
		go3s_allowed_free(allowed);
		return -ENOMEM;
	}
	kref_init(&u->kref);
	u->sess = s;
	INIT_LIST_HEAD(&u->done_node);
	u->created_ns = ktime_get_ns();
	u->stack_bytes = stack;

	u->prog = go3s_prog_load(u64_to_user_ptr(arg->ops), arg->nr_ops,
				 &s->chans);
	if (IS_ERR(u->prog)) {
		ret = PTR_ERR(u->prog);
		u->prog = NULL;
		goto err_free;
	}

	mutex_lock(&s->lock);
	if (s->nr_cos >= go3s_max_session_coroutines) {
		ret = -EAGAIN;
	} else if (s->bytes + stack > go3s_max_session_stack_bytes) {
		ret = -ENOMEM;
	} else {
		s->nr_cos++;
		s->bytes += stack;
		ret = 0;
	}
	mutex_unlock(&s->lock);
	if (ret)
		goto err_free;

	/* Reserve the id: lookups see nothing until it is published. */
	ret = xa_alloc_cyclic(&s->cos, &u->id, NULL, xa_limit_32b,
			      &s->next_co, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err_uncharge;
	/*
	 * Tell the caller first: a fault here undoes a coroutine that nobody
	 * else can see and that never existed for the engine.
	 */
	arg->id = u->id;
	ret = go3s_uabi_put(out, arg);
	if (ret)
		goto err_erase;

	co = go3s_spawn(go3s_prog_run, u->prog, cpu, arg->priority,
			arg->stack_size, GO3S_SPAWN_SUSPENDED);
	if (IS_ERR(co)) {
		ret = PTR_ERR(co);
		goto err_erase;
	}
	/* CREATED: nothing of it is queued yet, nobody else sees it. */
	go3s_co_set_allowed(co, allowed);
	u->co = co;
	go3s_ucoro_publish(s, u, !(arg->flags & GO3S_CREATE_SUSPENDED));
	return 0;

err_erase:
	xa_erase(&s->cos, u->id);
err_uncharge:
	mutex_lock(&s->lock);
	s->nr_cos--;
	s->bytes -= stack;
	mutex_unlock(&s->lock);
err_free:
	go3s_prog_free(u->prog);
	kfree(u);
	go3s_allowed_free(allowed);
	return ret;
}

enum go3s_id_op { GO3S_ID_RESUME, GO3S_ID_SUSPEND, GO3S_ID_CANCEL };

static long go3s_ioc_id(struct go3s_session *s, struct go3s_id_arg *arg,
			enum go3s_id_op op)
{
	struct go3s_ucoro *u;
	int ret;

	if (arg->flags || arg->pad)
		return -EINVAL;
	u = go3s_ucoro_find(s, arg->id);
	if (!u)
		return -ESRCH;
	/* s->lock: a CREATED coroutine starts on the CPU it was last placed. */
	mutex_lock(&s->lock);
	switch (op) {
	case GO3S_ID_RESUME:
		ret = go3s_resume(u->co);
		break;
	case GO3S_ID_SUSPEND:
		ret = go3s_prog_request_suspend(u->prog, go3s_state(u->co));
		break;
	default:
		ret = go3s_cancel(u->co);
		break;
	}
	mutex_unlock(&s->lock);
	go3s_ucoro_put(u);
	return ret;
}

static long go3s_ioc_resume(struct go3s_session *s, void *karg,
			    struct go3s_uabi_out *out)
{
	return go3s_ioc_id(s, karg, GO3S_ID_RESUME);
}

static long go3s_ioc_suspend(struct go3s_session *s, void *karg,
			     struct go3s_uabi_out *out)
{
	return go3s_ioc_id(s, karg, GO3S_ID_SUSPEND);
}

static long go3s_ioc_cancel(struct go3s_session *s, void *karg,
			    struct go3s_uabi_out *out)
{
	return go3s_ioc_id(s, karg, GO3S_ID_CANCEL);
}

static long go3s_ioc_chan_close(struct go3s_session *s, void *karg,
				struct go3s_uabi_out *out)
{
	struct go3s_id_arg *arg = karg;
	struct go3s_chan *ch;
	int ret;

	if (arg->flags || arg->pad)
		return -EINVAL;
	ch = go3s_session_chan_get(s, arg->id);
	if (!ch)
		return -ENOENT;
	ret = go3s_chan_close(ch);
	go3s_chan_put(ch);
	return ret;
}

static long go3s_ioc_set_affinity(struct go3s_session *s, void *karg,
				  struct go3s_uabi_out *out)
{
	struct go3s_affinity *arg = karg;
	const struct cpumask *allowed;
	struct go3s_ucoro *u;
	unsigned int state;
	int cpu, ret = 0;

	if (arg->flags || arg->pad)
		return -EINVAL;
	u = go3s_ucoro_find(s, arg->id);
	if (!u)
		return -ESRCH;
	cpu = go3s_place(arg->cpu, arg->cpu_mask, arg->cpu_mask_size,
			 &allowed);
	if (cpu < 0) {
		ret = cpu;
		goto out;
	}
	/*
	 * s->lock: RESUME and CANCEL take it too, so a CREATED coroutine is
	 * not queued while we move it to the CPU it starts on; nothing of it
	 * is queued, armed or cached on a CPU yet.  A started one keeps its
	 * CPU until its next switch or wakeup, which sees the new set.
	 */
	mutex_lock(&s->lock);
	state = go3s_state(u->co);
	if (state >= GO3S_STATE_COMPLETING) {
		ret = -EBUSY;
	} else {
		if (state == GO3S_STATE_CREATED)
			WRITE_ONCE(u->co->cpu, cpu);
		go3s_co_set_allowed(u->co, allowed);
		allowed = NULL;
	}
	mutex_unlock(&s->lock);
	go3s_allowed_free(allowed);
	if (!ret)
		go3s_sched_affinity_changed(u->co);
out:
	go3s_ucoro_put(u);
	return ret;
}

static long go3s_timeout_jiffies(u64 ns)
{
	if (ns == U64_MAX || ns / NSEC_PER_MSEC >= MAX_JIFFY_OFFSET)
		return MAX_SCHEDULE_TIMEOUT;
	return nsecs_to_jiffies(ns) + (ns ? 1 : 0);
}

/*
 * The first ended coroutine on the done list, with a reference; it stays
 * on the list until reaped.  *@none is set when nothing is left to wait
 * for: the session has no published, unreaped coroutine.
 */
static struct go3s_ucoro *go3s_done_peek(struct go3s_session *s, bool *none)
{
	struct go3s_ucoro *u;

	spin_lock_irq(&s->done_lock);
	u = list_first_entry_or_null(&s->done, struct go3s_ucoro, done_node);
	if (u)
		kref_get(&u->kref);
	*none = !s->nr_unreaped;
	spin_unlock_irq(&s->done_lock);
	return u;
}

static bool go3s_done_pending(struct go3s_session *s)
{
	return !list_empty_careful(&s->done);
}

/*
 * Something for WAIT_ANY: an end to report, or nothing left to wait for.
 * Partner: the wake-ups under done_lock in go3s_ucoro_finished() and
 * go3s_ucoro_reap(), after the list or the count changed.
 */
static bool go3s_wait_any_ready(struct go3s_session *s)
{
	return go3s_done_pending(s) || !READ_ONCE(s->nr_unreaped);
}

/*
 * Wait for any coroutine to end: the first on the done list, with a
 * reference but not reaped, or an ERR_PTR.  @timeout (jiffies) is updated.
 */
static struct go3s_ucoro *go3s_wait_any(struct go3s_session *s, u64 ns,
					long *timeout)
{
	struct go3s_ucoro *u;
	bool none;
	long left;

	for (;;) {
		u = go3s_done_peek(s, &none);
		if (u)
			return u;
		/* As wait4(): nothing left, or another waiter took the last. */
		if (none)
			return ERR_PTR(-ECHILD);
		if (!ns)
			return ERR_PTR(-ETIMEDOUT);
		left = wait_event_interruptible_timeout(s->wq,
							go3s_wait_any_ready(s),
							*timeout);
		if (left < 0)
			return ERR_PTR(left);
		if (!left)
			return ERR_PTR(-ETIMEDOUT);
		*timeout = left;
	}
}

/* Wait for coroutine @id to end: it, with a reference, or an ERR_PTR. */
static struct go3s_ucoro *go3s_wait_one(struct go3s_session *s, u32 id, u64 ns)
{
	struct go3s_ucoro *u = go3s_ucoro_find(s, id);
	long left;

	if (!u)
		return ERR_PTR(-ESRCH);
	if (ns)
		left = wait_event_interruptible_timeout(s->wq,
							go3s_ucoro_done(u),
							go3s_timeout_jiffies(ns));
	else
		left = go3s_ucoro_done(u);
	if (left <= 0) {
		go3s_ucoro_put(u);
		return ERR_PTR(left < 0 ? left : -ETIMEDOUT);
	}
	return u;
}

static long go3s_ioc_wait(struct go3s_session *s, void *karg,
			  struct go3s_uabi_out *out)
{
	struct go3s_wait *arg = karg;
	struct go3s_ucoro *u;
	bool any, reaped;
	long timeout;
	int ret;

	if ((arg->flags & ~GO3S_WAIT_ANY) || arg->pad || arg->state ||
	    arg->exit_code || (arg->flags & GO3S_WAIT_ANY && arg->id))
		return -EINVAL;
	any = arg->flags & GO3S_WAIT_ANY;
	timeout = go3s_timeout_jiffies(arg->timeout_ns);
	for (;;) {
		if (any)
			u = go3s_wait_any(s, arg->timeout_ns, &timeout);
		else
			u = go3s_wait_one(s, arg->id, arg->timeout_ns);
		if (IS_ERR(u))
			return PTR_ERR(u);

		arg->id = u->id;
		arg->state = go3s_ucoro_state(u);
		arg->exit_code = go3s_ucoro_exit_code(u);
		/* Consume it only once the caller has it. */
		ret = go3s_uabi_put(out, arg);
		reaped = !ret && go3s_ucoro_reap(s, u);
		go3s_ucoro_put(u);
		if (ret || reaped)
			return ret;
		/* Another WAIT or a read() reported it first. */
		if (!any)
			return -ESRCH;
		arg->id = 0;
	}
}

static long go3s_ioc_status(struct go3s_session *s, void *karg,
			    struct go3s_uabi_out *out)
{
	struct go3s_status *arg = karg;
	struct go3s_ucoro *u;
	struct go3s_co *co;

	if (arg->flags)
		return -EINVAL;
	u = go3s_ucoro_find(s, arg->id);
	if (!u)
		return -ESRCH;
	co = u->co;
	memset(arg, 0, sizeof(*arg));
	arg->id = u->id;
	arg->state = go3s_state(co);
	/* A snapshot; see go3s_co_wait_off_cpu() for its writers. */
	arg->cpu = READ_ONCE(co->cpu);
	arg->on_cpu = go3s_on_cpu(co);
	/*
	 * Between its last transition and go3s_ucoro_finished() it is still
	 * leaving its CPU: terminal only once its result and stack are final.
	 */
	if (arg->state >= GO3S_STATE_COMPLETING && !go3s_ucoro_done(u)) {
		arg->state = GO3S_STATE_ACTIVE;
		arg->on_cpu = 1;
	}
	arg->priority = READ_ONCE(co->prio);
	arg->pc = go3s_prog_pc(u->prog);
	arg->switches = READ_ONCE(co->switches);
	arg->run_ns = READ_ONCE(co->run_ns);
	arg->stack_size = co->stack_size;
	if (go3s_ucoro_done(u)) {
		arg->stack_hwm = co->stack_hwm;
		arg->exit_code = co->result;
	}
	go3s_ucoro_put(u);
	return 0;
}

static long go3s_ioc_cpu_stats(struct go3s_session *s, void *karg,
			       struct go3s_uabi_out *out)
{
	struct go3s_cpu_stats *arg = karg;
	struct go3s_sched_stats st;
	u32 cpu;

	if (arg->flags)
		return -EINVAL;
	if (arg->cpu >= nr_cpu_ids || !cpu_possible(arg->cpu))
		return -EINVAL;
	cpu = arg->cpu;
	go3s_sched_stats_read(cpu, &st);
	memset(arg, 0, sizeof(*arg));
	arg->cpu = cpu;
	arg->online = cpu_online(cpu);
	arg->switches = st.switches;
	arg->spawns = st.spawns;
	arg->completions = st.completions;
	arg->passes = st.passes;
	arg->handoffs = st.handoffs;
	arg->backoff_rounds = go3s_sched_backoff_rounds(cpu);
	arg->queue_depth = go3s_runq_len(&per_cpu_ptr(&go3s_scheds, cpu)->rq);
	arg->co_ns = st.co_ns;
	arg->sched_ns = st.sched_ns;
	arg->steals = st.steals;
	arg->wakes_idle = st.wakes_idle;
	return 0;
}

static long go3s_ioc_set_prio(struct go3s_session *s, void *karg,
			      struct go3s_uabi_out *out)
{
	struct go3s_set_prio *arg = karg;
	struct go3s_ucoro *u;
	int ret = 0;

	if (arg->flags || arg->priority > GO3S_CO_PRIO_LOW)
		return -EINVAL;
	u = go3s_ucoro_find(s, arg->id);
	if (!u)
		return -ESRCH;
	/* The level is read when it is next queued; a torn u8 cannot be. */
	if (go3s_state(u->co) >= GO3S_STATE_COMPLETING)
		ret = -EINVAL;
	else
		WRITE_ONCE(u->co->prio, arg->priority);
	go3s_ucoro_put(u);
	return ret;
}

/*
 * A channel's buffer counts against the same byte limits as stacks, the
 * session's and the module-wide one; it is given back when the session is
 * freed, the only time a published channel is released.
 */
static int go3s_chan_charge(struct go3s_session *s, unsigned long bytes)
{
	int ret = 0;

	mutex_lock(&s->lock);
	if (s->bytes + bytes > go3s_max_session_stack_bytes) {
		ret = -ENOMEM;
	} else {
		s->bytes += bytes;
		s->chan_bytes += bytes;
	}
	mutex_unlock(&s->lock);
	if (ret)
		return ret;
	ret = go3s_mem_charge(bytes);
	if (ret) {
		mutex_lock(&s->lock);
		s->bytes -= bytes;
		s->chan_bytes -= bytes;
		mutex_unlock(&s->lock);
	}
	return ret;
}

static void go3s_chan_uncharge(struct go3s_session *s, unsigned long bytes)
{
	go3s_mem_uncharge(bytes);
	mutex_lock(&s->lock);
	s->bytes -= bytes;
	s->chan_bytes -= bytes;
	mutex_unlock(&s->lock);
}

static long go3s_ioc_chan_create(struct go3s_session *s, void *karg,
				 struct go3s_uabi_out *out)
{
	struct go3s_chan_create *arg = karg;
	struct go3s_chan *ch;
	unsigned long bytes;
	int ret;

	if (arg->flags || arg->id || arg->capacity > GO3S_CHAN_MAX_CAP)
		return -EINVAL;
	bytes = go3s_chan_bytes(arg->capacity);
	ret = go3s_chan_charge(s, bytes);
	if (ret)
		return ret;
	/* A failure is the caller's -ENOMEM, not a reason for a splat. */
	ch = go3s_chan_create(arg->capacity, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ch) {
		go3s_chan_uncharge(s, bytes);
		return -ENOMEM;
	}
	/*
	 * As many channels as coroutines may live in a session.  Reserve the
	 * id, tell the caller, then publish: a fault undoes a channel nobody
	 * else could see.
	 */
	ret = xa_alloc(&s->chans, &arg->id, NULL,
		       XA_LIMIT(1, go3s_max_session_coroutines),
		       GFP_KERNEL_ACCOUNT);
	if (ret) {
		ret = ret == -EBUSY ? -EAGAIN : ret;
		goto err_put;
	}
	ret = go3s_uabi_put(out, arg);
	if (ret) {
		xa_erase(&s->chans, arg->id);
		goto err_put;
	}
	xa_store(&s->chans, arg->id, ch, GFP_KERNEL);
	return 0;

err_put:
	go3s_chan_put(ch);
	go3s_chan_uncharge(s, bytes);
	return ret;
}

/*
 * Every ioctl of /dev/go3s: number, direction, first and current size of
 * its struct, handler.  go3s_uabi_call() does the copying and size rules.
 */
static const struct go3s_ioc_desc go3s_iocs[] = {
	GO3S_IOC_ROW(0x00, _IOC_READ | _IOC_WRITE, struct go3s_info,
		     GO3S_INFO_SIZE_VER0, go3s_ioc_get_info),
	GO3S_IOC_ROW(0x01, _IOC_READ | _IOC_WRITE, struct go3s_create,
		     GO3S_CREATE_SIZE_VER0, go3s_ioc_create),
	GO3S_IOC_ROW(0x02, _IOC_WRITE, struct go3s_id_arg,
		     GO3S_ID_ARG_SIZE_VER0, go3s_ioc_resume),
	GO3S_IOC_ROW(0x03, _IOC_WRITE, struct go3s_id_arg,
		     GO3S_ID_ARG_SIZE_VER0, go3s_ioc_suspend),
	GO3S_IOC_ROW(0x04, _IOC_WRITE, struct go3s_id_arg,
		     GO3S_ID_ARG_SIZE_VER0, go3s_ioc_cancel),
	GO3S_IOC_ROW(0x05, _IOC_READ | _IOC_WRITE, struct go3s_wait,
		     GO3S_WAIT_SIZE_VER0, go3s_ioc_wait),
	GO3S_IOC_ROW(0x06, _IOC_READ | _IOC_WRITE, struct go3s_status,
		     GO3S_STATUS_SIZE_VER0, go3s_ioc_status),
	GO3S_IOC_ROW(0x07, _IOC_READ | _IOC_WRITE, struct go3s_cpu_stats,
		     GO3S_CPU_STATS_SIZE_VER0, go3s_ioc_cpu_stats),
	GO3S_IOC_ROW(0x08, _IOC_WRITE, struct go3s_set_prio,
		     GO3S_SET_PRIO_SIZE_VER0, go3s_ioc_set_prio),
	GO3S_IOC_ROW(0x09, _IOC_READ | _IOC_WRITE, struct go3s_chan_create,
		     GO3S_CHAN_CREATE_SIZE_VER0, go3s_ioc_chan_create),
	GO3S_IOC_ROW(0x0a, _IOC_WRITE, struct go3s_id_arg,
		     GO3S_ID_ARG_SIZE_VER0, go3s_ioc_chan_close),
	GO3S_IOC_ROW(0x0b, _IOC_WRITE, struct go3s_affinity,
		     GO3S_AFFINITY_SIZE_VER0, go3s_ioc_set_affinity),
};

/* ABI 1's command numbers; a struct that grows keeps its number. */
static_assert(GO3S_IOC_GET_INFO == 0xc040c600);
static_assert(GO3S_IOC_CREATE == 0xc038c601);
static_assert(GO3S_IOC_RESUME == 0x4010c602);
static_assert(GO3S_IOC_SUSPEND == 0x4010c603);
static_assert(GO3S_IOC_CANCEL == 0x4010c604);
static_assert(GO3S_IOC_WAIT == 0xc020c605);
static_assert(GO3S_IOC_STATUS == 0xc040c606);
static_assert(GO3S_IOC_CPU_STATS == 0xc058c607);
static_assert(GO3S_IOC_SET_PRIO == 0x4010c608);
static_assert(GO3S_IOC_CHAN_CREATE == 0xc010c609);
static_assert(GO3S_IOC_CHAN_CLOSE == 0x4010c60a);
static_assert(GO3S_IOC_SET_AFFINITY == 0x4020c60b);

/**
 * go3s_session_ioctl() - the ioctls of /dev/go3s
 * @s: the session
 * @cmd: the command
 * @uarg: its argument
 *
 * Return: as documented per command; -ENOTTY for an unknown one.
 */
long go3s_session_ioctl(struct go3s_session *s, unsigned int cmd,
			void __user *uarg)
{
	return go3s_uabi_call(go3s_iocs, ARRAY_SIZE(go3s_iocs), cmd, uarg, s);
}

/**
 * go3s_session_read() - read completion events
 * @s: the session
 * @buf: user buffer for whole &struct go3s_event records
 * @count: its size
 * @nonblock: fail with -EAGAIN instead of waiting
 *
 * Return: bytes read (whole records, each &go3s_event.size bytes), -EINVAL
 * for a buffer smaller than one record, -EAGAIN, -ERESTARTSYS, or -EFAULT.
 */
ssize_t go3s_session_read(struct go3s_session *s, char __user *buf,
			  size_t count, bool nonblock)
{
	struct go3s_event ev;
	struct go3s_ucoro *u;
	size_t done = 0;
	bool none;
	int ret;

	if (count < sizeof(ev))
		return -EINVAL;
	while (done + sizeof(ev) <= count) {
		u = go3s_done_peek(s, &none);
		if (!u) {
			if (done)
				break;
			if (nonblock)
				return -EAGAIN;
			ret = wait_event_interruptible(s->wq,
						       go3s_done_pending(s));
			if (ret)
				return ret;
			continue;
		}
		memset(&ev, 0, sizeof(ev));
		ev.size = sizeof(ev);
		ev.id = u->id;
		ev.state = go3s_ucoro_state(u);
		ev.exit_code = go3s_ucoro_exit_code(u);
		ev.created_ns = u->created_ns;
		ev.ended_ns = u->ended_ns;
		ev.run_ns = u->co->run_ns;
		/*
		 * Copy first, reap second: the record that faults stays at the
		 * head of the done list for the next reader.  A record whose
		 * coroutine another caller reaped meanwhile is overwritten.
		 */
		if (copy_to_user(buf + done, &ev, sizeof(ev))) {
			go3s_ucoro_put(u);
			return done ? done : -EFAULT;
		}
		if (go3s_ucoro_reap(s, u))
			done += sizeof(ev);
		go3s_ucoro_put(u);
	}
	return done;
}

/**
 * go3s_session_poll() - readable while completion events are pending
 * @s: the session
 * @file: its file
 * @wait: poll table
 *
 * Return: EPOLLIN | EPOLLRDNORM when read() would not wait.
 */
__poll_t go3s_session_poll(struct go3s_session *s, struct file *file,
			   poll_table *wait)
{
	poll_wait(file, &s->wq, wait);
	return go3s_done_pending(s) ? EPOLLIN | EPOLLRDNORM : 0;
}
