// SPDX-License-Identifier: GPL-2.0
/*
 * Coroutine sleeps.
 *
 * Each coroutine embeds one hrtimer in soft, pinned mode: it is armed on the
 * coroutine's own CPU, fires in that CPU's HRTIMER_SOFTIRQ and resumes the
 * coroutine like any waker.  Because it is pinned, its callback and the
 * coroutine (which runs there with bottom halves disabled) never run at the
 * same time, so cancelling it never has to wait.  Nothing is armed while no
 * coroutine sleeps.
 */
#include <linux/export.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>

#include "internal.h"
#include "sched.h"

static enum hrtimer_restart go3s_timer_fn(struct hrtimer *timer)
{
	struct go3s_co *co = container_of(timer, struct go3s_co, timer);

	/*
	 * Ordered before the wakeup by the cmpxchg in go3s_resume(); partner:
	 * the read in go3s_sleep() after its suspension point returns.
	 */
	WRITE_ONCE(co->timer_fired, true);
	go3s_resume(co);
	return HRTIMER_NORESTART;
}

void go3s_timer_setup(struct go3s_co *co)
{
	hrtimer_init(&co->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_SOFT);
	co->timer.function = go3s_timer_fn;
}

/*
 * On the coroutine's CPU with bottom halves disabled.  A movable coroutine
 * may have moved since it armed the timer, whose callback may then be
 * running on the old CPU: wait for it (a soft hrtimer's callback never
 * waits for us, and on the CPU it is pinned to it cannot be running now).
 */
void go3s_timer_stop(struct go3s_co *co)
{
	hrtimer_cancel(&co->timer);
}

/**
 * go3s_sleep() - suspend the running coroutine for a while
 * @ns: nanoseconds, at least
 *
 * The coroutine is SUSPENDED and off the run queues meanwhile.
 *
 * Context: a coroutine.
 * Return: 0 after @ns; -EINTR if go3s_resume() woke it earlier (or had
 * left a wakeup pending); -ECANCELED if cancelled; -EPERM outside a
 * coroutine; -EDEADLK (no timer armed) where it may not switch, as for
 * go3s_yield().
 */
int go3s_sleep(u64 ns)
{
	struct go3s_co *co = go3s_current();
	int ret;

	if (!co)
		return -EPERM;
	/* Before arming anything: a refusal leaves nothing done. */
	ret = go3s_co_may_switch(co, "sleep");
	if (ret)
		return ret;
	if (go3s_should_stop()) {
		ret = go3s_co_park(co);
		return ret ? ret : -EINTR;
	}
	WRITE_ONCE(co->timer_fired, false);
	hrtimer_start(&co->timer, ns_to_ktime(min_t(u64, ns, KTIME_MAX)),
		      HRTIMER_MODE_REL_PINNED_SOFT);
	ret = go3s_co_park(co);
	if (!READ_ONCE(co->timer_fired)) {
		go3s_timer_stop(co);
		if (!ret)
			ret = -EINTR;
	}
	return ret;
}
EXPORT_SYMBOL_GPL(go3s_sleep);
