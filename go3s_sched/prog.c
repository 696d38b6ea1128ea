// SPDX-License-Identifier: GPL-2.0
/*
 * Workload programs: validation and the interpreter.
 *
 * A program is checked completely before anything is allocated for its
 * coroutine, so the interpreter never meets a bad operand: every code is
 * known, unused operands are zero, times and counts are within bounds, and
 * every loop jumps backwards to an op inside any loop that encloses it.
 * Proper nesting is what lets the interpreter keep one counter per loop op
 * and reset it when the loop ends.
 */
#include <linux/errno.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "internal.h"
#include "sched.h"

/*
 * DOC: slices
 *
 * A program's body runs in the run loop (softirq, or go3s/N with bottom
 * halves disabled), which can end its pass only when the program switches.
 * So the interpreter measures its slice, the time since its coroutine was
 * last switched in, across ops: before every op and inside spins, it
 * yields once the slice reaches GO3S_PROG_SLICE_NS.  A switch is seen as a
 * change of the coroutine's switch count (go3s_co.switches, bumped by the
 * scheduler each time it switches the coroutine out), not by which calls
 * the interpreter made: a channel op or a suspend with a wakeup pending
 * returns without switching, and must not start a new slice.
 *
 * GO3S_PROG_SLICE_NS is a quarter of the pass budget (GO3S_BUDGET_NS, 2 ms):
 * a pass checks its budget only at switches, so it can overrun by one slice
 * (at most 2.5 ms in all), several programs on one CPU each get a turn
 * within a pass, and a cancellation takes effect within half a millisecond;
 * a switch costs about a microsecond, so the yields cost well under 1%.
 *
 * Slices and spins are timed with sched_clock(), the clock the scheduler
 * accounts run time with (GO3S_IOC_STATUS run_ns): one CPU's raw clock is
 * exact for differences taken on that CPU, and every difference here is
 * (the coroutine runs with bottom halves disabled, and a move to another
 * CPU would be a switch, which starts a new slice); it is also cheap,
 * where ktime_get_ns() may read an emulated HPET (QEMU with an unstable
 * TSC), slow enough to distort a spin.
 *
 * GO3S_PROG_SLICE_OPS is a backstop: a run of that many ops without a
 * switch ends in a yield however little time it took, so a program's
 * progress never depends on the clock alone.
 */
#define GO3S_PROG_SLICE_NS	(500 * NSEC_PER_USEC)
#define GO3S_PROG_SLICE_OPS	64

/**
 * struct go3s_prog - a validated program and its interpreter state
 * @nr: number of ops.
 * @pc: the op being run; read by GO3S_IOC_STATUS.
 * @suspend_req: GO3S_IOC_SUSPEND asked it to park at the next op.
 * @chans: per op, the channel of a send or receive (a reference each).
 * @counts: per op, jumps taken so far by a loop.
 * @ops: the program.
 */
struct go3s_prog {
	u32 nr;
	u32 pc;
	atomic_t suspend_req;
	struct go3s_chan **chans;
	u32 *counts;
	struct go3s_op ops[];
};

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
		/*
		 * Loops nest: every loop from the target (itself possibly a
		 * loop op) up to here lies within this one, so none of them
		 * may jump before the target.
		 */
		for (j = op->a; j < i; j++)
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

/**
 * go3s_prog_load() - copy a program in, validate it, bind its channels
 * @uops: user pointer to @nr ops
 * @nr: number of ops
 * @chans: the session's channels, by id
 *
 * Context: process context.
 * Return: the program, ERR_PTR(-EINVAL) if it is invalid, -EFAULT,
 * -ENOENT if it names a channel @chans does not have, or -ENOMEM.
 */
struct go3s_prog *go3s_prog_load(const struct go3s_op __user *uops, u32 nr,
				 struct xarray *chans)
{
	struct go3s_prog *p;
	size_t size;
	u32 i;
	int ret;

	if (!nr || nr > GO3S_PROG_MAX_OPS)
		return ERR_PTR(-EINVAL);
	size = struct_size(p, ops, nr) + nr * (sizeof(*p->chans) +
					       sizeof(*p->counts));
	p = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->nr = nr;
	p->chans = (struct go3s_chan **)&p->ops[nr];
	p->counts = (u32 *)&p->chans[nr];

	ret = -EFAULT;
	if (copy_from_user(p->ops, uops, array_size(nr, sizeof(*uops))))
		goto err;
	ret = go3s_prog_validate(p->ops, nr);
	if (ret)
		goto err;
	for (i = 0; i < nr; i++) {
		struct go3s_chan *ch;

		if (p->ops[i].code != GO3S_OP_SEND &&
		    p->ops[i].code != GO3S_OP_RECV)
			continue;
		/*
		 * The reference is taken under the xarray's lock, so this does
		 * not rely on published channels staying until the session
		 * ends (session.c).
		 */
		xa_lock(chans);
		ch = xa_load(chans, p->ops[i].a);
		if (ch)
			go3s_chan_get(ch);
		xa_unlock(chans);
		ret = -ENOENT;
		if (!ch)
			goto err;
		p->chans[i] = ch;
	}
	return p;
err:
	go3s_prog_free(p);
	return ERR_PTR(ret);
}

/**
 * go3s_prog_free() - drop a program and its channel references
 * @p: the program, or NULL
 */
void go3s_prog_free(struct go3s_prog *p)
{
	u32 i;

	if (!p)
		return;
	for (i = 0; i < p->nr; i++)
		go3s_chan_put(p->chans[i]);
	kvfree(p);
}

/**
 * go3s_prog_pc() - the op a program is at
 * @p: the program
 *
 * Return: its index.
 */
u32 go3s_prog_pc(struct go3s_prog *p)
{
	return READ_ONCE(p->pc);
}

/**
 * go3s_prog_request_suspend() - ask a running program to park
 * @p: the program
 * @state: its coroutine's state now
 *
 * The program parks before its next op, as if it ran %GO3S_OP_SUSPEND.
 *
 * Return: 0; -EALREADY if SUSPENDED; -EINVAL if CREATED (it has not run)
 * or ended.
 */
int go3s_prog_request_suspend(struct go3s_prog *p, unsigned int state)
{
	switch (state) {
	case GO3S_STATE_ACTIVE:
		atomic_set(&p->suspend_req, 1);
		return 0;
	case GO3S_STATE_SUSPENDED:
		return -EALREADY;
	default:
		return -EINVAL;
	}
}

/**
 * struct go3s_prog_slice - the running program's time on its CPU
 * @co: its coroutine.
 * @switches: @co's switch count when the slice began.
 * @start: clock when the slice began.
 * @ops: ops run in the slice.
 */
struct go3s_prog_slice {
	struct go3s_co *co;
	u64 switches;
	u64 start;
	unsigned int ops;
};

static void go3s_prog_slice_start(struct go3s_prog_slice *sl, u64 now)
{
	/*
	 * Written by this coroutine's scheduler while the coroutine is
	 * switched out, so never concurrently with this read.
	 */
	sl->switches = sl->co->switches;
	sl->start = now;
	sl->ops = 0;
}

/* The interpreter's clock; see DOC: slices. */
static u64 go3s_prog_clock(void)
{
	return sched_clock();
}

/* Nanoseconds since the coroutine was last switched in, at @now. */
static u64 go3s_prog_slice_ns(struct go3s_prog_slice *sl, u64 now)
{
	if (sl->co->switches != sl->switches)
		go3s_prog_slice_start(sl, now);
	/* A step backwards counts as zero. */
	return now > sl->start ? now - sl->start : 0;
}

/* Yield, and count a new slice from now. */
static int go3s_prog_yield(struct go3s_prog_slice *sl)
{
	int ret = go3s_yield();

	go3s_prog_slice_start(sl, go3s_prog_clock());
	return ret;
}

/* @ns of busy work, yielding whenever the slice is used up. */
static int go3s_prog_spin(struct go3s_prog_slice *sl, u64 ns)
{
	u64 t = go3s_prog_clock(), now, d;
	int ret;

	for (;;) {
		now = go3s_prog_clock();
		d = now > t ? now - t : 0;
		t = now;
		if (d >= ns)
			return 0;
		ns -= d;
		if (go3s_prog_slice_ns(sl, now) >= GO3S_PROG_SLICE_NS) {
			ret = go3s_prog_yield(sl);
			if (ret)
				return ret;
			/* Time off the CPU is not busy work. */
			t = go3s_prog_clock();
			continue;
		}
		cpu_relax();
	}
}

/*
 * A SLEEP op lasts @ns whatever wakes its coroutine early.  go3s_sleep()
 * returns -EINTR for an early go3s_resume() (GO3S_IOC_RESUME of a sleeping
 * program); the op absorbs that stray wakeup, as channel ops do, and
 * sleeps again until its deadline.  Cancellation still ends it with
 * -ECANCELED.  Each -EINTR consumes one wakeup, so this ends.
 */
static int go3s_prog_sleep(u64 ns)
{
	u64 deadline = ktime_get_ns() + ns, now;
	int ret;

	for (;;) {
		ret = go3s_sleep(ns);
		if (ret != -EINTR)
			return ret;
		now = ktime_get_ns();
		if (now >= deadline)
			return 0;
		ns = deadline - now;
	}
}

/**
 * go3s_prog_run() - interpret a program: the body of a user coroutine
 * @arg: the &struct go3s_prog
 *
 * Context: a go3s coroutine.
 * Return: the exit code of %GO3S_OP_EXIT, 0 past the last op,
 * -ECANCELED when cancelled, -EPIPE when a channel it uses is closed.
 */
int go3s_prog_run(void *arg)
{
	struct go3s_prog_slice sl = { .co = go3s_current() };
	struct go3s_prog *p = arg;
	const struct go3s_op *op;
	u32 pc = 0;
	void *val;
	int ret;

	go3s_prog_slice_start(&sl, go3s_prog_clock());
	while (pc < p->nr) {
		op = &p->ops[pc];
		WRITE_ONCE(p->pc, pc);
		ret = 0;
		if (atomic_read(&p->suspend_req) &&
		    atomic_xchg(&p->suspend_req, 0))
			ret = go3s_suspend();
		else if (go3s_prog_slice_ns(&sl, go3s_prog_clock()) >=
			 GO3S_PROG_SLICE_NS ||
			 ++sl.ops > GO3S_PROG_SLICE_OPS)
			ret = go3s_prog_yield(&sl);
		if (ret)
			return ret;

		switch (op->code) {
		case GO3S_OP_EXIT:
			return (s32)op->a;
		case GO3S_OP_YIELD:
			ret = go3s_prog_yield(&sl);
			break;
		case GO3S_OP_SPIN:
			ret = go3s_prog_spin(&sl, op->b);
			break;
		case GO3S_OP_SLEEP:
			ret = go3s_prog_sleep(op->b);
			break;
		case GO3S_OP_SUSPEND:
			ret = go3s_suspend();
			break;
		case GO3S_OP_SEND:
			ret = go3s_chan_send(p->chans[pc],
					     (void *)(uintptr_t)op->b);
			break;
		case GO3S_OP_RECV:
			ret = go3s_chan_recv(p->chans[pc], &val);
			break;
		case GO3S_OP_LOOP:
			if (++p->counts[pc] <= op->b) {
				pc = op->a;
				continue;
			}
			p->counts[pc] = 0;
			break;
		}
		if (ret)
			return ret;
		pc++;
	}
	WRITE_ONCE(p->pc, pc);
	return 0;
}
