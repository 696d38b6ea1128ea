// SPDX-License-Identifier: GPL-2.0
/*
 * Threads sharing one /dev/go3s session race CREATE, RESUME, SUSPEND,
 * CANCEL, WAIT (one id, the predictable next id, and WAIT_ANY), STATUS,
 * SET_PRIO, CHAN_CREATE/CHAN_CLOSE, read() and close(), with argument
 * structs whose output part lies in a page that another thread makes
 * read-only or unmaps, so copy-outs fault at random.
 *
 * The invariant: every coroutine is accounted for exactly once.  Its id is
 * reported by exactly one successful WAIT or read(), or its CREATE failed
 * and the id never shows up at all; a call that fails (EFAULT included)
 * has consumed nothing; at the end the session is empty (WAIT_ANY gives
 * ECHILD, STATUS gives ESRCH) and a new session works.  A ledger counts
 * creations and reports per id (go3s_race_common.h).
 *
 * The deterministic cases first (each names the defect it catches), then
 * the storms.  GO3S_SCALE (percent, see go3s_scaled()) scales every
 * storm.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <time.h>

#include "go3s_race_common.h"
#include "kselftest_harness.h"

/* Storm sizes at 100 %; chosen so the program stays well under a minute. */
#define RACE_STORM_SESSIONS	6
#define RACE_STORM_OPS		1500	/* per thread and session */
#define RACE_STORM_THREADS	4
#define RACE_ECHILD_ROUNDS	200
#define RACE_FAULT_ROUNDS	1500
#define RACE_CLOSE_ROUNDS	300
#define RACE_KILL_ROUNDS	40

#define EV_SIZE sizeof(struct go3s_event)

static unsigned long long seed_of(void)
{
	const char *env = getenv("GO3S_RACE_SEED");

	return env ? strtoull(env, NULL, 0) : rc_now_ns();
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Spin until the coroutine @id is terminal (as STATUS reports it). */
static int await_end(int fd, unsigned int id)
{
	struct go3s_status st;
	int i;

	for (i = 0; i < 100000; i++) {
		if (go3s_status(fd, id, &st))
			return -1;
		if (st.state >= GO3S_CO_COMPLETING)
			return 0;
		usleep(100);
	}
	errno = ETIMEDOUT;
	return -1;
}

/*
 * Defect 4: a WAIT whose copy-out faults must not have consumed the
 * coroutine; the same WAIT repeated with a good struct reports it.
 */
TEST(wait_efault_keeps_coroutine)
{
	struct go3s_op prog[] = { OP(EXIT, 7, 0) };
	struct go3s_wait *w, *wa;
	struct rc_trap t;
	unsigned int id, any;
	int fd = go3s_open(), code;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, rc_trap_init(&t, 1));
	ASSERT_EQ(0, rc_trap_protect(&t, 0, PROT_READ));
	for (any = 0; any < 2; any++) {
		ASSERT_EQ(0, go3s_create(fd, prog, 1, 0, &id));
		ASSERT_EQ(0, await_end(fd, id));
		/* size and flags readable and writable, the rest read-only. */
		w = rc_trap_arg(&t, 0, 8, (void **)&wa);
		memset(wa, 0, sizeof(*wa));
		wa->size = sizeof(*wa);
		wa->flags = any ? GO3S_WAIT_ANY : 0;
		wa->id = any ? 0 : id;
		wa->timeout_ns = GO3S_FOREVER;
		EXPECT_EQ(-1, ioctl(fd, GO3S_IOC_WAIT, w));
		EXPECT_EQ(EFAULT, errno);
		/* Still there, with its exit code. */
		EXPECT_EQ(0, await_end(fd, id))
			TH_LOG("%s: STATUS after the faulted WAIT: %s",
			       any ? "WAIT_ANY" : "WAIT", strerror(errno));
		code = 0;
		EXPECT_EQ(0, go3s_wait(fd, 0, &id, 0, NULL, &code))
			TH_LOG("%s: the faulted WAIT consumed coroutine %u: %s",
			       any ? "WAIT_ANY" : "WAIT", id, strerror(errno));
		EXPECT_EQ(7, code);
	}
	rc_trap_fini(&t);
	close(fd);
}

/*
 * Defect 4: read() whose copy-out faults, wholly or after some records,
 * must not have consumed the records it could not deliver.
 */
TEST(read_efault_keeps_records)
{
	struct go3s_op prog[] = { OP(EXIT, 5, 0) };
	struct go3s_event ev[4], *kbuf, *abuf;
	unsigned int id[3], seen = 0, i;
	struct rc_trap t;
	int fd = go3s_open();
	ssize_t r;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_nonblock(fd));
	ASSERT_EQ(0, rc_trap_init(&t, 1));
	ASSERT_EQ(0, rc_trap_protect(&t, 0, PROT_READ));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, go3s_create(fd, prog, 1, 0, &id[i]));
		ASSERT_EQ(0, await_end(fd, id[i]));
	}
	/* Whole buffer read-only: EFAULT, nothing consumed. */
	kbuf = rc_trap_arg(&t, 0, 0, (void **)&abuf);
	EXPECT_EQ(-1, read(fd, kbuf, 2 * EV_SIZE));
	EXPECT_EQ(EFAULT, errno);
	/* One record fits, the second faults: one record, one kept. */
	kbuf = rc_trap_arg(&t, 0, EV_SIZE, (void **)&abuf);
	r = read(fd, kbuf, 2 * EV_SIZE);
	EXPECT_EQ((ssize_t)EV_SIZE, r) TH_LOG("partial read: %zd (%s)", r,
					      r < 0 ? strerror(errno) : "");
	if (r == (ssize_t)EV_SIZE) {
		EXPECT_EQ(5, abuf->exit_code);
		seen++;
	}
	/* The rest is still there. */
	r = read(fd, ev, sizeof(ev));
	if (r < 0)
		TH_LOG("read after the faults: %s", strerror(errno));
	else
		seen += r / EV_SIZE;
	EXPECT_EQ(3, seen) TH_LOG("records lost to faulted reads: %u", 3 - seen);
	for (i = 0; i < 3; i++) {
		struct go3s_status st;

		EXPECT_EQ(-1, go3s_status(fd, id[i], &st));
	}
	rc_trap_fini(&t);
	close(fd);
}

/*
 * CREATE whose copy-out faults (single-threaded): EFAULT, and nothing is
 * left of it: STATUS of the id it would have had is ESRCH, WAIT_ANY gives
 * ECHILD, and the next CREATE works.
 */
TEST(create_efault_leaves_nothing)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	struct go3s_create *c, *ca;
	struct go3s_status st;
	struct rc_trap t;
	unsigned int id, last, i;
	int fd = go3s_open();

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, rc_trap_init(&t, 1));
	ASSERT_EQ(0, rc_trap_protect(&t, 0, PROT_READ));
	ASSERT_EQ(0, go3s_create(fd, prog, 1, 0, &last));
	ASSERT_EQ(0, go3s_wait(fd, 0, &last, GO3S_FOREVER, NULL, NULL));
	for (i = 0; i < 2; i++) {
		c = rc_trap_arg(&t, 0, offsetof(struct go3s_create, id),
				(void **)&ca);
		memset(ca, 0, offsetof(struct go3s_create, id));
		ca->size = sizeof(*ca);
		ca->flags = i ? GO3S_CREATE_SUSPENDED : 0;
		ca->ops = (uintptr_t)prog;
		ca->nr_ops = 1;
		ca->cpu = GO3S_CREATE_CPU_ANY;
		ca->priority = GO3S_CO_PRIO_NORMAL;
		EXPECT_EQ(-1, ioctl(fd, GO3S_IOC_CREATE, c));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, go3s_status(fd, last + 1 + i, &st));
		EXPECT_EQ(ESRCH, errno);
		id = 0;
		EXPECT_EQ(-1, go3s_wait(fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL));
		EXPECT_EQ(ECHILD, errno);
	}
	ASSERT_EQ(0, go3s_create(fd, prog, 1, 0, &id));
	ASSERT_EQ(0, go3s_wait(fd, 0, &id, GO3S_FOREVER, NULL, NULL));
	rc_trap_fini(&t);
	close(fd);
}

/*
 * Defect 4: several threads block in WAIT_ANY on a session with one
 * coroutine; one of them reports it and the others must return ECHILD,
 * as wait4() does, not sleep on.  Their timeout is long and only shows a
 * missed wake-up: a correct kernel answers as soon as the coroutine is
 * reaped.
 */
#define ECHILD_WAITERS 3
#define ECHILD_TIMEOUT_NS (20ULL * 1000000000ULL)

struct echild_arg {
	int fd;
	int ret;
	int err;
	unsigned int id;
	unsigned int *entered;
};

static void *echild_waiter(void *p)
{
	struct echild_arg *a = p;

	a->id = 0;
	__atomic_fetch_add(a->entered, 1, __ATOMIC_RELAXED);
	a->ret = go3s_wait(a->fd, GO3S_WAIT_ANY, &a->id, ECHILD_TIMEOUT_NS,
			   NULL, NULL);
	a->err = errno;
	return NULL;
}

FIXTURE(race) {
	int unused;
};

FIXTURE_SETUP(race)
{
}

FIXTURE_TEARDOWN(race)
{
}

/* KASAN under TCG is slow: a generous harness timeout, never an assertion. */
#define RACE_TEST(name) TEST_F_TIMEOUT(race, name, 900)

RACE_TEST(wait_any_waiters_get_echild)
{
	struct go3s_op prog[] = { OP(EXIT, 3, 0) };
	unsigned int rounds = go3s_scaled(RACE_ECHILD_ROUNDS), r, i, entered, won;
	unsigned long long seed = seed_of();
	struct echild_arg a[ECHILD_WAITERS];
	pthread_t th[ECHILD_WAITERS];
	int fd = go3s_open();
	unsigned int id;

	if (!rc_threads_work())
		SKIP(return, RC_NO_THREADS);

	ASSERT_GE(fd, 0);
	for (r = 0; r < rounds; r++) {
		ASSERT_EQ(0, go3s_create(fd, prog, 1, GO3S_CREATE_SUSPENDED,
					 &id));
		entered = 0;
		for (i = 0; i < ECHILD_WAITERS; i++) {
			a[i].fd = fd;
			a[i].entered = &entered;
			ASSERT_EQ(0, pthread_create(&th[i], NULL, echild_waiter,
						    &a[i]));
		}
		while (__atomic_load_n(&entered, __ATOMIC_RELAXED) <
		       ECHILD_WAITERS)
			sched_yield();
		/* Mostly let them block first; sometimes race them. */
		if (rc_below(&seed, 4))
			usleep(rc_below(&seed, 2000));
		ASSERT_EQ(0, go3s_id_ioctl(fd, GO3S_IOC_RESUME, id));
		won = 0;
		for (i = 0; i < ECHILD_WAITERS; i++) {
			ASSERT_EQ(0, pthread_join(th[i], NULL));
			if (!a[i].ret) {
				EXPECT_EQ(id, a[i].id);
				won++;
			} else {
				ASSERT_EQ(ECHILD, a[i].err)
					TH_LOG("round %u: WAIT_ANY on an empty session: %s",
					       r, strerror(a[i].err));
			}
		}
		ASSERT_EQ(1, won) TH_LOG("round %u", r);
	}
	TH_LOG("%u rounds, %u waiters each", rounds, ECHILD_WAITERS);
	close(fd);
}

/*
 * The storm: one session, threads doing random ops on it, a toggler
 * changing the protection of the pages the output parts lie in.
 */
struct storm {
	int fd;
	int closing;			/* EBADF ends a worker */
	int stop;
	unsigned long ops;		/* per worker */
	struct rc_ledger *lg;
	struct rc_fails fails;
	struct rc_trap trap;
	unsigned int chans[32];		/* ring of channel ids */
	unsigned int chan_pos;
	unsigned int recent[64];	/* ring of coroutine ids */
	unsigned int recent_pos;
	unsigned int last_chan;
	/* Figures. */
	unsigned long long nr_ops, nr_efault, nr_phantom_chan;
};

struct worker {
	struct storm *s;
	unsigned int slot;
	unsigned long long seed;
	pthread_t th;
};

static void ring_put(unsigned int *ring, unsigned int n, unsigned int *pos,
		     unsigned int id)
{
	unsigned int i = __atomic_fetch_add(pos, 1, __ATOMIC_RELAXED) % n;

	__atomic_store_n(&ring[i], id, __ATOMIC_RELAXED);
}

static unsigned int live(struct storm *s)
{
	return __atomic_load_n(&s->lg->nr_created, __ATOMIC_RELAXED) -
	       __atomic_load_n(&s->lg->nr_reported, __ATOMIC_RELAXED);
}

/* A coroutine id to act on: a recent one, the next ones, or any; not 0. */
static unsigned int target(struct storm *s, unsigned long long *seed)
{
	unsigned int last = __atomic_load_n(&s->lg->last_id, __ATOMIC_RELAXED);
	unsigned int id;

	switch (rc_below(seed, 4)) {
	case 0:
		return last + 1 + rc_below(seed, 3);
	case 1:
		return 1 + rc_below(seed, last + 2);
	default:
		id = __atomic_load_n(&s->recent[rc_below(seed, 64)],
				     __ATOMIC_RELAXED);
		return id ? id : last + 1;
	}
}

/* A channel id: a recent one, or one of the next; never 0 (invalid). */
static unsigned int chan_target(struct storm *s, unsigned long long *seed)
{
	unsigned int ch = 0;

	if (rc_below(seed, 3))
		ch = __atomic_load_n(&s->chans[rc_below(seed, 32)],
				     __ATOMIC_RELAXED);
	if (!ch)
		ch = __atomic_load_n(&s->last_chan, __ATOMIC_RELAXED) + 1 +
		     rc_below(seed, 2);
	return ch;
}

static int errno_ok(int e, const int *ok)
{
	for (; *ok; ok++)
		if (e == *ok)
			return 1;
	return 0;
}

#define OK(...) ((const int[]){ __VA_ARGS__, 0 })

/* Check the result of one call; 1 if the worker must stop (closed). */
static int check(struct storm *s, const char *what, int ret, int trapped,
		 const int *ok)
{
	if (ret >= 0)
		return 0;
	if (errno == EBADF && s->closing)
		return 1;
	if (errno == EFAULT && trapped) {
		__atomic_fetch_add(&s->nr_efault, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (!errno_ok(errno, ok))
		rc_fail(&s->fails, "%s: unexpected %s", what, strerror(errno));
	return 0;
}

static void report_events(struct storm *s, const struct go3s_event *ev,
			  ssize_t r)
{
	ssize_t i;

	if (r % EV_SIZE) {
		rc_fail(&s->fails, "read() returned %zd bytes", r);
		return;
	}
	for (i = 0; i < r / (ssize_t)EV_SIZE; i++)
		rc_reported(s->lg, &s->fails, ev[i].id, ev[i].state, "read()");
}

static int op_create(struct storm *s, struct worker *w)
{
	static const struct go3s_op exit_p[] = { OP(EXIT, 1, 0) };
	static const struct go3s_op yield_p[] = { OP(YIELD, 0, 0),
						  OP(EXIT, 2, 0) };
	static const struct go3s_op susp_p[] = { OP(SUSPEND, 0, 0),
						 OP(EXIT, 3, 0) };
	static const struct go3s_op sleep_p[] = { OP(SLEEP, 0, 50000),
						  OP(EXIT, 4, 0) };
	unsigned long long *seed = &w->seed;
	struct go3s_op chan_p[2];
	struct go3s_create *c, *ca, local;
	const struct go3s_op *prog;
	unsigned int nr = 2, ch = 0;
	int trapped = !rc_below(seed, 3), ret;

	switch (rc_below(seed, 6)) {
	case 0:
		prog = exit_p;
		nr = 1;
		break;
	case 1:
		prog = yield_p;
		break;
	case 2:
		prog = susp_p;
		break;
	case 3:
		prog = sleep_p;
		break;
	default:
		ch = chan_target(s, seed);
		chan_p[0] = rc_below(seed, 2) ? OP(RECV, ch, 0) : OP(SEND, ch, 9);
		chan_p[1] = OP(EXIT, 5, 0);
		prog = chan_p;
	}
	if (trapped) {
		c = rc_trap_arg(&s->trap, w->slot,
				offsetof(struct go3s_create, id), (void **)&ca);
	} else {
		c = &local;
		ca = &local;
	}
	memset(ca, 0, sizeof(*ca));
	ca->size = sizeof(*ca);
	ca->flags = rc_below(seed, 4) ? 0 : GO3S_CREATE_SUSPENDED;
	ca->ops = (uintptr_t)prog;
	ca->nr_ops = nr;
	ca->cpu = GO3S_CREATE_CPU_ANY;
	ca->priority = rc_below(seed, 3);
	ret = ioctl(s->fd, GO3S_IOC_CREATE, c);
	if (!ret) {
		unsigned int id = ca->id;

		rc_created(s->lg, &s->fails, id);
		ring_put(s->recent, 64, &s->recent_pos, id);
	}
	if (ret && errno == EINVAL)
		rc_fail(&s->fails, "CREATE (%s, flags %u, op %u/%u, prio %u): EINVAL",
			trapped ? "trapped" : "plain", ca->flags, prog[0].code,
			prog[0].a, ca->priority);
	/* ENOENT: a program naming a channel that is not there (yet). */
	return check(s, "CREATE", ret, trapped, OK(EAGAIN, ENOMEM, ENOENT));
}

static int op_wait(struct storm *s, struct worker *w, int any)
{
	unsigned long long *seed = &w->seed;
	struct go3s_wait *k, *a, local;
	int trapped = !rc_below(seed, 3), ret;
	unsigned int id = any ? 0 : target(s, seed);

	if (trapped) {
		k = rc_trap_arg(&s->trap, w->slot, 8, (void **)&a);
	} else {
		k = &local;
		a = &local;
	}
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->flags = any ? GO3S_WAIT_ANY : 0;
	a->id = id;
	a->timeout_ns = rc_below(seed, 2) ? 0 : rc_below(seed, 2000000);
	ret = ioctl(s->fd, GO3S_IOC_WAIT, k);
	if (!ret) {
		if (!any && a->id != id)
			rc_fail(&s->fails, "WAIT for %u reported %u", id, a->id);
		rc_reported(s->lg, &s->fails, a->id, a->state,
			    any ? "WAIT_ANY" : "WAIT");
	}
	return check(s, any ? "WAIT_ANY" : "WAIT", ret, trapped,
		     any ? OK(ECHILD, ETIMEDOUT) : OK(ESRCH, ETIMEDOUT));
}

static int op_read(struct storm *s, struct worker *w)
{
	unsigned long long *seed = &w->seed;
	unsigned int n = 1 + rc_below(seed, 4);
	struct go3s_event local[4], *k, *a;
	int trapped = !rc_below(seed, 3);
	ssize_t r;

	if (trapped) {
		k = rc_trap_arg(&s->trap, w->slot, rc_below(seed, n) * EV_SIZE,
				(void **)&a);
	} else {
		k = local;
		a = local;
	}
	r = read(s->fd, k, n * EV_SIZE);
	if (r > 0)
		report_events(s, a, r);
	else if (!r)
		rc_fail(&s->fails, "read() returned 0");
	return check(s, "read()", r, trapped, OK(EAGAIN));
}

static int op_status(struct storm *s, struct worker *w)
{
	unsigned long long *seed = &w->seed;
	struct go3s_status *k, *a, local;
	int trapped = !rc_below(seed, 3), ret;
	unsigned int id = target(s, seed);

	if (trapped) {
		k = rc_trap_arg(&s->trap, w->slot, 12, (void **)&a);
	} else {
		k = &local;
		a = &local;
	}
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->id = id;
	ret = ioctl(s->fd, GO3S_IOC_STATUS, k);
	if (!ret && (a->id != id || a->state > GO3S_CO_CANCELLED))
		rc_fail(&s->fails, "STATUS of %u: id %u state %u", id, a->id,
			a->state);
	return check(s, "STATUS", ret, trapped, OK(ESRCH));
}

static int op_chan_create(struct storm *s, struct worker *w)
{
	unsigned long long *seed = &w->seed;
	struct go3s_chan_create *k, *a, local;
	int trapped = !rc_below(seed, 3), ret;

	if (trapped) {
		k = rc_trap_arg(&s->trap, w->slot, 12, (void **)&a);
	} else {
		k = &local;
		a = &local;
	}
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->capacity = rc_below(seed, 3);
	ret = ioctl(s->fd, GO3S_IOC_CHAN_CREATE, k);
	if (!ret) {
		unsigned int id = a->id, last;

		ring_put(s->chans, 32, &s->chan_pos, id);
		last = __atomic_load_n(&s->last_chan, __ATOMIC_RELAXED);
		if (id > last)
			__atomic_store_n(&s->last_chan, id, __ATOMIC_RELAXED);
	}
	return check(s, "CHAN_CREATE", ret, trapped, OK(EAGAIN));
}

/* One random operation on the storm's session. */
static int storm_op(struct storm *s, struct worker *w)
{
	unsigned long long *seed = &w->seed;
	unsigned int pick = rc_below(seed, 18);
	int ret, d;

	/* Keep the session from filling up: reap rather than create. */
	if (pick < 4 && live(s) > 256)
		pick = 8;
	switch (pick) {
	case 0 ... 3:
		return op_create(s, w);
	case 4:
		ret = go3s_id_ioctl(s->fd, GO3S_IOC_RESUME, target(s, seed));
		return check(s, "RESUME", ret, 0, OK(ESRCH, EINVAL));
	case 5:
		ret = go3s_id_ioctl(s->fd, GO3S_IOC_SUSPEND, target(s, seed));
		return check(s, "SUSPEND", ret, 0, OK(ESRCH, EINVAL, EALREADY));
	case 6:
		ret = go3s_id_ioctl(s->fd, GO3S_IOC_CANCEL, target(s, seed));
		return check(s, "CANCEL", ret, 0, OK(ESRCH, EALREADY, EBUSY));
	case 7 ... 8:
		return op_wait(s, w, 0);
	case 9 ... 10:
		return op_wait(s, w, 1);
	case 11:
		return op_status(s, w);
	case 12 ... 13:
		return op_read(s, w);
	case 14:
		return op_chan_create(s, w);
	case 15:
		ret = go3s_id_ioctl(s->fd, GO3S_IOC_CHAN_CLOSE,
				    chan_target(s, seed));
		return check(s, "CHAN_CLOSE", ret, 0, OK(ENOENT, EALREADY));
	case 16: {
		struct go3s_set_prio p = {
			.size = sizeof(p), .id = target(s, seed),
			.priority = rc_below(seed, 3),
		};

		ret = ioctl(s->fd, GO3S_IOC_SET_PRIO, &p);
		return check(s, "SET_PRIO", ret, 0, OK(ESRCH, EINVAL));
	}
	default:
		/* A second descriptor of the session, closed while others work. */
		d = dup(s->fd);
		if (d < 0)
			return check(s, "dup", d, 0, OK(EMFILE));
		ret = go3s_id_ioctl(d, GO3S_IOC_CANCEL, target(s, seed));
		close(d);
		return check(s, "CANCEL (dup)", ret, 0,
			     OK(ESRCH, EALREADY, EBUSY));
	}
}

static void *storm_worker(void *p)
{
	struct worker *w = p;
	struct storm *s = w->s;
	unsigned long i;

	for (i = 0; i < s->ops && !__atomic_load_n(&s->stop, __ATOMIC_RELAXED);
	     i++) {
		if (storm_op(s, w))
			break;
	}
	__atomic_fetch_add(&s->nr_ops, i, __ATOMIC_RELAXED);
	return NULL;
}

/* Makes the output pages of the slots read-only, absent or writable. */
static void *storm_toggler(void *p)
{
	struct worker *w = p;
	struct storm *s = w->s;
	static const int prots[] = { PROT_READ | PROT_WRITE, PROT_READ,
				     PROT_NONE };
	unsigned int i;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		i = rc_below(&w->seed, s->trap.nslots);
		if (!rc_below(&w->seed, 16))
			rc_trap_unmap_remap(&s->trap, i);
		else
			rc_trap_protect(&s->trap, i, prots[rc_below(&w->seed, 3)]);
		if (rc_below(&w->seed, 2))
			sched_yield();
	}
	return NULL;
}

static int storm_init(struct storm *s, unsigned int nthreads)
{
	memset(s, 0, sizeof(*s));
	s->lg = calloc(1, sizeof(*s->lg));
	if (!s->lg || rc_trap_init(&s->trap, nthreads))
		return -1;
	s->fd = go3s_open();
	if (s->fd < 0 || set_nonblock(s->fd))
		return -1;
	return 0;
}

static void storm_fini(struct storm *s)
{
	rc_trap_fini(&s->trap);
	free(s->lg);
}

/* Start @n workers (and a toggler when @toggle); @w has n + 1 entries. */
static int storm_start(struct storm *s, struct worker *w, unsigned int n,
		       int toggle, unsigned long long *seed)
{
	unsigned int i;

	for (i = 0; i <= n; i++) {
		w[i].s = s;
		w[i].slot = i;
		w[i].seed = rc_rnd(seed) | 1;
		if (i == n && !toggle)
			break;
		if (pthread_create(&w[i].th, NULL,
				   i < n ? storm_worker : storm_toggler, &w[i]))
			return -1;
	}
	return 0;
}

static void storm_join(struct storm *s, struct worker *w, unsigned int n,
		       int toggle)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		pthread_join(w[i].th, NULL);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
	if (toggle)
		pthread_join(w[n].th, NULL);
	for (i = 0; i < s->trap.nslots; i++)
		rc_trap_protect(&s->trap, i, PROT_READ | PROT_WRITE);
}

/*
 * Take the session apart: cancel every id it may have (the ledger's and
 * those just past, where a CREATE whose copy-out faulted would have left
 * one), close its channels, and reap everything with WAIT_ANY until
 * ECHILD.  Then every id must have been created and reported equally
 * often, STATUS must know none of them, and read() must have nothing.
 * Return: -1 (with @why) if the session could not be emptied, else the
 * number of ids created and reported unequally (the first one in @why).
 */
static int storm_drain(struct storm *s, char *why, size_t len)
{
	unsigned int id, last = s->lg->last_id + 64, n = 0;
	struct go3s_event ev;
	struct go3s_status st;
	int ret;

	if (last >= RC_MAX_IDS)
		last = RC_MAX_IDS - 1;
	for (id = 1; id <= last; id++) {
		ret = go3s_id_ioctl(s->fd, GO3S_IOC_CANCEL, id);
		if (ret && errno != ESRCH && errno != EALREADY && errno != EBUSY) {
			snprintf(why, len, "drain: CANCEL %u: %s", id,
				 strerror(errno));
			return -1;
		}
	}
	for (id = 1; id <= s->last_chan + 2; id++)
		go3s_id_ioctl(s->fd, GO3S_IOC_CHAN_CLOSE, id);
	for (;;) {
		unsigned int state;

		id = 0;
		ret = go3s_wait(s->fd, GO3S_WAIT_ANY, &id,
				60ULL * 1000000000ULL, &state, NULL);
		if (ret)
			break;
		rc_reported(s->lg, &s->fails, id, state, "WAIT_ANY (drain)");
		n++;
	}
	if (errno != ECHILD) {
		snprintf(why, len, "drain: WAIT_ANY after %u: %s", n,
			 strerror(errno));
		return -1;
	}
	if (read(s->fd, &ev, sizeof(ev)) != -1 || errno != EAGAIN) {
		snprintf(why, len, "drain: read() found a record of id %u after ECHILD",
			 ev.id);
		return -1;
	}
	for (id = 1; id <= last; id++) {
		if (!go3s_status(s->fd, id, &st) || errno != ESRCH) {
			snprintf(why, len, "drain: STATUS %u after ECHILD: %s",
				 id, strerror(errno));
			return -1;
		}
	}
	return rc_ledger_check(s->lg, why, len);
}

/* A new session still works. */
static int fresh_session_works(void)
{
	struct go3s_op prog[] = { OP(EXIT, 11, 0) };
	unsigned int id;
	int fd = go3s_open(), code = 0, ret;

	if (fd < 0)
		return -1;
	ret = go3s_create(fd, prog, 1, 0, &id) ||
	      go3s_wait(fd, 0, &id, GO3S_FOREVER, NULL, &code) || code != 11;
	close(fd);
	return ret ? -1 : 0;
}

/*
 * Worker failures and ledger mismatches do not stop the storm: every
 * session runs, and the counts tell how often each kind of defect hit.
 */
RACE_TEST(storm_one_session)
{
	unsigned int sessions = go3s_scaled(RACE_STORM_SESSIONS), n, bad_sessions = 0;
	unsigned int nthreads = RACE_STORM_THREADS;
	unsigned long long seed = seed_of(), ops = 0, efault = 0;
	unsigned long long created = 0, reported = 0, bad_ids = 0, fails = 0;
	struct worker w[RACE_STORM_THREADS + 1];
	struct storm s;
	char why[512];
	int bad;

	if (!rc_threads_work())
		SKIP(return, RC_NO_THREADS);

	TH_LOG("seed %llu (GO3S_RACE_SEED replays it)", seed);
	for (n = 0; n < sessions; n++) {
		ASSERT_EQ(0, storm_init(&s, nthreads));
		s.ops = go3s_scaled(RACE_STORM_OPS);
		ASSERT_EQ(0, storm_start(&s, w, nthreads, 1, &seed));
		storm_join(&s, w, nthreads, 1);
		bad = storm_drain(&s, why, sizeof(why));
		ASSERT_LE(0, bad) TH_LOG("session %u: %s", n, why);
		if (bad)
			TH_LOG("session %u: %d ids unaccounted for, first: %s",
			       n, bad, why);
		if (s.fails.n)
			TH_LOG("session %u: %u failures, first: %s", n,
			       s.fails.n, s.fails.first);
		bad_sessions += bad || s.fails.n;
		bad_ids += bad;
		fails += s.fails.n;
		ops += s.nr_ops;
		efault += s.nr_efault;
		created += s.lg->nr_created;
		reported += s.lg->nr_reported;
		close(s.fd);
		storm_fini(&s);
		ASSERT_EQ(0, fresh_session_works());
	}
	TH_LOG("%u sessions x %u threads: %llu ops, %llu EFAULTs",
	       sessions, nthreads, ops, efault);
	TH_LOG("%llu coroutines created, %llu reports", created, reported);
	EXPECT_EQ(0, bad_sessions)
		TH_LOG("%llu ids unaccounted for, %llu failed calls",
		       bad_ids, fails);
}

/*
 * Defect 2: CREATE publishes the coroutine before its copy-out; when the
 * copy-out faults, it undoes while other threads may already have reaped
 * it (WAIT on the predictable next id, WAIT_ANY, read()).  The id of a
 * CREATE that failed must never be reported; KASAN sees the use after
 * free of the undo path.
 */
static void *reaper(void *p)
{
	struct worker *w = p;
	struct storm *s = w->s;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		switch (rc_below(&w->seed, 4)) {
		case 0:
			op_read(s, w);
			break;
		case 1:
			op_wait(s, w, 1);
			break;
		default: {
			unsigned int id, state;
			int ret;

			id = __atomic_load_n(&s->lg->last_id, __ATOMIC_RELAXED) +
			     1 + rc_below(&w->seed, 2);
			ret = go3s_wait(s->fd, 0, &id, rc_below(&w->seed, 2) ?
					0 : 1000000, &state, NULL);
			if (!ret)
				rc_reported(s->lg, &s->fails, id, state,
					    "WAIT (next id)");
			check(s, "WAIT (next id)", ret, 0, OK(ESRCH, ETIMEDOUT));
		}
		}
	}
	return NULL;
}

RACE_TEST(create_fault_vs_reapers)
{
	static const struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	unsigned int rounds = go3s_scaled(RACE_FAULT_ROUNDS), r, i, faulted = 0;
	unsigned long long seed = seed_of();
	struct worker w[4];
	struct go3s_create *c, *ca;
	struct storm s;
	char why[512];
	int ret;

	if (!rc_threads_work())
		SKIP(return, RC_NO_THREADS);

	TH_LOG("seed %llu", seed);
	ASSERT_EQ(0, storm_init(&s, 4));
	for (i = 1; i < 4; i++) {
		w[i].s = &s;
		w[i].slot = i;
		w[i].seed = rc_rnd(&seed) | 1;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, reaper, &w[i]));
	}
	ASSERT_EQ(0, rc_trap_protect(&s.trap, 0, PROT_READ));
	c = rc_trap_arg(&s.trap, 0, offsetof(struct go3s_create, id),
			(void **)&ca);
	for (r = 0; r < rounds; r++) {
		unsigned int id;

		if (r % 4 == 3) {
			ret = go3s_create(s.fd, prog, 1, 0, &id);
			if (!ret)
				rc_created(s.lg, &s.fails, id);
			ASSERT_TRUE(!ret || errno == EAGAIN);
			continue;
		}
		memset(ca, 0, offsetof(struct go3s_create, id));
		ca->size = sizeof(*ca);
		ca->flags = r & 1 ? GO3S_CREATE_SUSPENDED : 0;
		ca->ops = (uintptr_t)prog;
		ca->nr_ops = 1;
		ca->cpu = GO3S_CREATE_CPU_ANY;
		ret = ioctl(s.fd, GO3S_IOC_CREATE, c);
		ASSERT_EQ(-1, ret);
		ASSERT_TRUE(errno == EFAULT || errno == EAGAIN);
		faulted += errno == EFAULT;
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	for (i = 1; i < 4; i++)
		pthread_join(w[i].th, NULL);
	ASSERT_EQ(0, rc_trap_protect(&s.trap, 0, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, s.fails.n) TH_LOG("%u failures, first: %s", s.fails.n,
				       s.fails.first);
	EXPECT_EQ(0, storm_drain(&s, why, sizeof(why))) TH_LOG("%s", why);
	TH_LOG("%u CREATEs, %u with a faulting copy-out, %llu coroutines",
	       rounds, faulted, s.lg->nr_created);
	close(s.fd);
	storm_fini(&s);
	ASSERT_EQ(0, fresh_session_works());
}

/*
 * Defect 3: CHAN_CREATE publishes the channel before its copy-out and on
 * a fault erases and frees it while CHAN_CLOSE and program loading (which
 * look it up without a reference) may hold it.  KASAN sees the use after
 * free; the test counts channels that were usable although their CREATE
 * failed.
 */
static void *chan_user(void *p)
{
	struct worker *w = p;
	struct storm *s = w->s;

	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		unsigned int ch = __atomic_load_n(&s->last_chan, __ATOMIC_RELAXED) +
				  1 + rc_below(&w->seed, 2);
		int ret;

		if (rc_below(&w->seed, 2)) {
			ret = go3s_id_ioctl(s->fd, GO3S_IOC_CHAN_CLOSE, ch);
			if (!ret)
				__atomic_fetch_add(&s->nr_phantom_chan, 1,
						   __ATOMIC_RELAXED);
			check(s, "CHAN_CLOSE (next id)", ret, 0,
			      OK(ENOENT, EALREADY));
		} else {
			struct go3s_op prog[] = { OP(RECV, ch, 0), OP(EXIT, 0, 0) };
			unsigned int id;

			if (live(s) > 64) {
				op_wait(s, w, 1);
				continue;
			}
			ret = go3s_create(s->fd, prog, 2, 0, &id);
			if (!ret)
				rc_created(s->lg, &s->fails, id);
			check(s, "CREATE (next channel)", ret, 0,
			      OK(ENOENT, EAGAIN));
		}
		if (!rc_below(&w->seed, 4))
			op_wait(s, w, 1);
	}
	return NULL;
}

RACE_TEST(chan_create_fault_vs_users)
{
	unsigned int rounds = go3s_scaled(RACE_FAULT_ROUNDS), r, i, faulted = 0;
	unsigned long long seed = seed_of();
	struct go3s_chan_create *c, *ca;
	struct worker w[4];
	struct storm s;
	char why[512];
	int ret;

	if (!rc_threads_work())
		SKIP(return, RC_NO_THREADS);

	TH_LOG("seed %llu", seed);
	ASSERT_EQ(0, storm_init(&s, 4));
	for (i = 1; i < 4; i++) {
		w[i].s = &s;
		w[i].slot = i;
		w[i].seed = rc_rnd(&seed) | 1;
		ASSERT_EQ(0, pthread_create(&w[i].th, NULL, chan_user, &w[i]));
	}
	ASSERT_EQ(0, rc_trap_protect(&s.trap, 0, PROT_READ));
	c = rc_trap_arg(&s.trap, 0, offsetof(struct go3s_chan_create, id),
			(void **)&ca);
	for (r = 0; r < rounds; r++) {
		unsigned int id;

		if (r % 64 == 63) {
			/* A real one now and then, so the next id moves. */
			ret = go3s_chan(s.fd, 1, &id);
			ASSERT_TRUE(!ret || errno == EAGAIN);
			if (!ret && id > s.last_chan)
				__atomic_store_n(&s.last_chan, id,
						 __ATOMIC_RELAXED);
			continue;
		}
		memset(ca, 0, offsetof(struct go3s_chan_create, id));
		ca->size = sizeof(*ca);
		ca->capacity = r & 1;
		ret = ioctl(s.fd, GO3S_IOC_CHAN_CREATE, c);
		ASSERT_EQ(-1, ret);
		ASSERT_TRUE(errno == EFAULT || errno == EAGAIN);
		faulted += errno == EFAULT;
	}
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELAXED);
	for (i = 1; i < 4; i++)
		pthread_join(w[i].th, NULL);
	ASSERT_EQ(0, rc_trap_protect(&s.trap, 0, PROT_READ | PROT_WRITE));
	EXPECT_EQ(0, s.fails.n) TH_LOG("%u failures, first: %s", s.fails.n,
				       s.fails.first);
	EXPECT_EQ(0, storm_drain(&s, why, sizeof(why))) TH_LOG("%s", why);
	TH_LOG("%u CHAN_CREATEs with a faulting copy-out", faulted);
	TH_LOG("%llu CHAN_CLOSEs of an id no CHAN_CREATE returned worked",
	       s.nr_phantom_chan);
	close(s.fd);
	storm_fini(&s);
	ASSERT_EQ(0, fresh_session_works());
}

/*
 * The last close() of a session races ioctls in flight on it: workers
 * run until their descriptor is gone (EBADF); the session ends when the
 * last of their calls returns.
 */
RACE_TEST(last_close_races_ioctls)
{
	unsigned int rounds = go3s_scaled(RACE_CLOSE_ROUNDS), r, nthreads = 3;
	unsigned long long seed = seed_of(), ops = 0;
	struct worker w[4];
	struct storm s;

	if (!rc_threads_work())
		SKIP(return, RC_NO_THREADS);

	TH_LOG("seed %llu", seed);
	for (r = 0; r < rounds; r++) {
		ASSERT_EQ(0, storm_init(&s, nthreads));
		s.ops = ~0UL;
		s.closing = 1;
		ASSERT_EQ(0, storm_start(&s, w, nthreads, 0, &seed));
		usleep(rc_below(&seed, 3000));
		ASSERT_EQ(0, close(s.fd));
		storm_join(&s, w, nthreads, 0);
		ASSERT_EQ(0, s.fails.n) TH_LOG("round %u: %s", r, s.fails.first);
		ops += s.nr_ops;
		storm_fini(&s);
	}
	ASSERT_EQ(0, fresh_session_works());
	TH_LOG("%u rounds, %llu ops", rounds, ops);
}

/*
 * A process dies by SIGKILL while its threads are in ioctls and blocking
 * waits on its session: the exit closes it under them.
 */
RACE_TEST(kill_during_ioctls)
{
	unsigned int rounds = go3s_scaled(RACE_KILL_ROUNDS), r;
	unsigned long long seed = seed_of();
	int status;

	if (!rc_threads_work())
		SKIP(return, RC_NO_THREADS);

	for (r = 0; r < rounds; r++) {
		unsigned long long child_seed = rc_rnd(&seed) | 1;
		int ready[2];
		pid_t pid;
		char c;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			struct go3s_op susp[] = { OP(SUSPEND, 0, 0) };
			struct worker w[4];
			struct storm s;
			unsigned int id;

			if (storm_init(&s, 3))
				_exit(1);
			s.ops = ~0UL;
			if (go3s_create(s.fd, susp, 1, 0, &id))
				_exit(2);
			if (storm_start(&s, w, 3, 1, &child_seed))
				_exit(3);
			if (write(ready[1], "x", 1) != 1)
				_exit(4);
			/* A blocking wait of our own, on a suspended one. */
			go3s_wait(s.fd, 0, &id, GO3S_FOREVER, NULL, NULL);
			for (;;)
				pause();
		}
		close(ready[1]);
		ASSERT_EQ(1, read(ready[0], &c, 1));
		usleep(rc_below(&seed, 5000));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		close(ready[0]);
	}
	ASSERT_EQ(0, fresh_session_works());
	TH_LOG("%u rounds", rounds);
}

TEST_HARNESS_MAIN
