// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: FAILSLAB and FAIL_PAGE_ALLOC fail go3s's allocations.
 *
 * One site at a time: /proc/thread-self/fail-nth makes exactly the N-th
 * slab or page allocation of this thread fail (the two attributes must
 * not ignore sleeping or highmem allocations; see inject_setup()).  For
 * every call below, N runs 1, 2, 3... until a call goes through without
 * an injected failure, so every allocation reachable from it fails once.
 * Then at random: a worker thread marked in /proc/thread-self/make-it-fail
 * runs thousands of calls while 1 allocation in FAULT_RANDOM_INTERVAL of
 * its own fails (task-filter).
 *
 * After every failure: the errno is documented for the call, nothing half
 * built is left (STATUS of the id it would have had is ESRCH, WAIT_ANY on
 * an empty session gives ECHILD, CHAN_CLOSE of the next channel id gives
 * ENOENT), nothing was consumed, and the session is still usable.  At the
 * end: go3s's live coroutine count (debugfs) is 0, a session can charge
 * exactly as much stack as a fresh one, and VmallocUsed is back where it
 * was (after the same warm-up fills the per-CPU stack caches both times).
 * The VM plan checks kmemleak after unloading.
 *
 * A stock kernel without fault injection skips.  The diagnostic line
 * "# sites: create=N ..." gives the injection points each call reached
 * (some are allocations of the kernel's own debugging, such as kmemleak
 * metadata, that fail silently) and how many of them made it fail.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include "go3s_race_common.h"
#include "kselftest_harness.h"

#define DBG "/sys/kernel/debug"
#define FAULT_MAX_NTH		4000	/* sites tried per call */
#define FAULT_RANDOM_CALLS	3000
#define FAULT_RANDOM_INTERVAL	7
/*
 * VmallocUsed may grow by a kernel thread's stack or two that the kernel
 * starts meanwhile (a kworker: 32 KiB under KASAN).  A leak at one site
 * of each_site_once hides in that slack, but random_failures fails each
 * site hundreds of times, and kmemleak sees any leaked stack.
 */
#define VM_SLACK_KB		64

static const char * const attrs[] = { "failslab", "fail_page_alloc" };

/* Knobs set for the test, and their old values to restore. */
static const struct knob {
	const char *attr;	/* NULL: every attribute */
	const char *name;
	const char *value;
} knobs[] = {
	{ NULL, "verbose", "0" },	/* no stack dump per injected fault */
	{ NULL, "task-filter", "Y" },
	{ NULL, "probability", "0" },	/* random mode off; fail-nth works */
	{ NULL, "interval", "1" },
	{ NULL, "times", "-1" },
	{ NULL, "space", "0" },
	{ NULL, "ignore-gfp-wait", "N" },	/* GFP_KERNEL fails too */
	{ "failslab", "cache-filter", "N" },
	{ "fail_page_alloc", "ignore-gfp-highmem", "N" },	/* vmalloc */
	{ "fail_page_alloc", "min-order", "0" },
};

#define NR_SAVED 32

static char saved[NR_SAVED][64];
static char saved_path[NR_SAVED][128];
static int nr_saved;

static int write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) == (ssize_t)strlen(val) ? 0 : -1;
	close(fd);
	return ret;
}

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = 0;
	if (r && buf[r - 1] == '\n')
		buf[r - 1] = 0;
	return 0;
}

static int set_knob(const char *attr, const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), DBG "/%s/%s", attr, name);
	if (nr_saved < NR_SAVED &&
	    !read_str(path, saved[nr_saved], sizeof(saved[0]))) {
		snprintf(saved_path[nr_saved], sizeof(saved_path[0]), "%s", path);
		nr_saved++;
	}
	return write_str(path, value);
}

static void restore_knobs(void)
{
	while (nr_saved--)
		write_str(saved_path[nr_saved], saved[nr_saved]);
	nr_saved = 0;
}

/* Fault injection, set up so that only what we mark fails. */
static int inject_setup(char *why, size_t len)
{
	unsigned int i, a;

	for (a = 0; a < ARRAY_SIZE(attrs); a++) {
		for (i = 0; i < ARRAY_SIZE(knobs); i++) {
			if (knobs[i].attr && strcmp(knobs[i].attr, attrs[a]))
				continue;
			if (set_knob(attrs[a], knobs[i].name, knobs[i].value)) {
				snprintf(why, len, "%s/%s: %s", attrs[a],
					 knobs[i].name, strerror(errno));
				return -1;
			}
		}
	}
	return 0;
}

/* /proc/thread-self/fail-nth of this thread, kept open. */
static int nth_fd = -1;

static int nth_arm(unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -1;
}

/* Disarm; return 1 if the armed failure was injected. */
static int nth_fired(void)
{
	char buf[16] = "";
	ssize_t r = pread(nth_fd, buf, sizeof(buf) - 1, 0);

	nth_arm(0);
	return r > 0 && strtoul(buf, NULL, 0) == 0;
}

static unsigned long long meminfo_kb(const char *key)
{
	char line[128];
	unsigned long long v = 0;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/* go3s's live coroutines (debugfs stats), or -1 if not there. */
static long go3s_live(void)
{
	char buf[256];
	long v;

	if (read_str(DBG "/go3s/stats", buf, sizeof(buf)) ||
	    sscanf(buf, "live %ld", &v) != 1)
		return -1;
	return v;
}

/*
 * Wait until go3s's live count is back to @base (what lived before the
 * test: the KUnit module leaves coroutines for unload to cancel), and say
 * whether it got there.  True when debugfs does not tell.
 */
static bool go3s_live_back_to(long base)
{
	int i;

	if (base < 0)
		return true;
	for (i = 0; i < 100 && go3s_live() > base; i++)
		usleep(100000);
	return go3s_live() == base;
}

static struct go3s_info get_info(int fd)
{
	struct go3s_info i = { .size = sizeof(i) };

	if (ioctl(fd, GO3S_IOC_GET_INFO, &i))
		memset(&i, 0, sizeof(i));
	return i;
}

/*
 * Fill every CPU's stack cache: twice its size in default-stack
 * coroutines live at once on each CPU, then all ended and reaped.
 */
static int warm_up(void)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	int fd = go3s_open(), ret = 0;
	struct go3s_info in = get_info(fd);
	unsigned int cpu, k, id;

	if (fd < 0)
		return -1;
	for (cpu = 0; cpu < in.nr_possible_cpus && !ret; cpu++)
		for (k = 0; k < 32 && !ret; k++)
			ret = go3s_create_ex(fd, prog, 1, cpu,
					     GO3S_CO_PRIO_NORMAL, 0,
					     GO3S_CREATE_SUSPENDED, &id);
	if (ret && errno == EINVAL)	/* an offline CPU: fine */
		ret = 0;
	close(fd);
	return ret;
}

/*
 * VmallocUsed once settled: stacks are vfree'd late (deferred frees; slow
 * under KASAN and TCG), so wait until it is back at @base or has not
 * moved for three seconds (at most a minute).  @base 0: just settle.
 */
static unsigned long long vmalloc_used(unsigned long long base)
{
	unsigned long long v = meminfo_kb("VmallocUsed"), prev = v;
	int i, still = 0;

	for (i = 0; i < 600 && (!base || v > base) && still < 30; i++) {
		usleep(100000);
		v = meminfo_kb("VmallocUsed");
		still = v == prev ? still + 1 : 0;
		prev = v;
	}
	return v;
}

/*
 * How many coroutines of the largest stack a session can have: the
 * session's stack accounting, compared between a used and a fresh one.
 */
static int stack_capacity(int fd)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	struct go3s_info in = get_info(fd);
	unsigned int id;
	int n = 0;

	while (!go3s_create_ex(fd, prog, 1, GO3S_CREATE_CPU_ANY,
			       GO3S_CO_PRIO_NORMAL, in.max_stack_size,
			       GO3S_CREATE_SUSPENDED, &id))
		n++;
	return errno == ENOMEM ? n : -1;
}

/* Everything that ended in @fd, reaped; the count. */
static int reap_all(int fd)
{
	unsigned int id;
	int n = 0;

	for (;;) {
		id = 0;
		if (go3s_wait(fd, GO3S_WAIT_ANY, &id, GO3S_FOREVER, NULL, NULL))
			return errno == ECHILD ? n : -1;
		n++;
	}
}

/* Cancel @id (any state) and reap it. */
static int finish(int fd, unsigned int id)
{
	go3s_id_ioctl(fd, GO3S_IOC_CANCEL, id);
	return go3s_wait(fd, 0, &id, GO3S_FOREVER, NULL, NULL);
}

struct call;

/* State of one enumeration: the session and what a call left. */
struct ctx {
	int fd;
	unsigned int id;		/* coroutine the call works on or made */
	unsigned int last_id;		/* highest id the session ever gave */
	unsigned int nchans;		/* channels in the session */
	struct go3s_info info;
	__u64 mask[2];
	struct go3s_op big[GO3S_PROG_MAX_OPS];
	char why[256];
};

struct call {
	const char *name;
	const char *group;		/* for the sites line */
	int (*prepare)(struct ctx *c);
	int (*call)(struct ctx *c);	/* 0 or -1 with errno */
	int (*undo)(struct ctx *c);	/* after success: back to the start */
	int (*check)(struct ctx *c);	/* after failure: nothing half built */
	const int *errnos;		/* documented failures */
};

#define ERRNOS(...) ((const int[]){ __VA_ARGS__, 0 })

static const struct go3s_op exit_prog[] = { OP(EXIT, 3, 0) };

/* CREATE: the session is empty before and after. */
static int create_prep(struct ctx *c)
{
	return 0;
}

static int do_create(struct ctx *c, unsigned int flags, unsigned int stack,
		     const __u64 *mask, unsigned int mask_size,
		     const struct go3s_op *ops, unsigned int nr)
{
	int ret = go3s_create_full(c->fd, ops, nr, GO3S_CREATE_CPU_ANY, mask,
				   mask_size, GO3S_CO_PRIO_HIGH, stack, flags,
				   &c->id);

	if (!ret && c->id > c->last_id)
		c->last_id = c->id;
	return ret;
}

static int create_plain(struct ctx *c)
{
	return do_create(c, 0, 0, NULL, 0, exit_prog, 1);
}

static int create_suspended(struct ctx *c)
{
	return do_create(c, GO3S_CREATE_SUSPENDED, 0, NULL, 0, exit_prog, 1);
}

static int create_big_stack(struct ctx *c)
{
	return do_create(c, 0, c->info.max_stack_size, NULL, 0, exit_prog, 1);
}

static int create_min_stack_mask(struct ctx *c)
{
	return do_create(c, 0, c->info.min_stack_size, c->mask,
			 sizeof(c->mask), exit_prog, 1);
}

static int create_big_prog(struct ctx *c)
{
	return do_create(c, 0, 0, NULL, 0, c->big, GO3S_PROG_MAX_OPS);
}

static int create_undo(struct ctx *c)
{
	return finish(c->fd, c->id);
}

/* A failed CREATE left no coroutine: none to wait for, no next id. */
static int create_check(struct ctx *c)
{
	struct go3s_status st;
	unsigned int id = 0, k;

	if (!go3s_wait(c->fd, GO3S_WAIT_ANY, &id, 0, NULL, NULL) ||
	    errno != ECHILD) {
		snprintf(c->why, sizeof(c->why),
			 "WAIT_ANY after a failed CREATE: id %u, %s", id,
			 strerror(errno));
		return -1;
	}
	for (k = 1; k <= 4; k++) {
		if (!go3s_status(c->fd, c->last_id + k, &st) || errno != ESRCH) {
			snprintf(c->why, sizeof(c->why),
				 "STATUS of id %u after a failed CREATE: %s",
				 c->last_id + k, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int chan_prep(struct ctx *c)
{
	return 0;
}

static int chan_small(struct ctx *c)
{
	int ret = go3s_chan(c->fd, 0, &c->id);

	c->nchans += !ret;
	return ret;
}

static int chan_large(struct ctx *c)
{
	int ret = go3s_chan(c->fd, 4096, &c->id);

	c->nchans += !ret;
	return ret;
}

static int chan_undo(struct ctx *c)
{
	return 0;
}

/* Channel ids are the lowest free ones: the next must not exist. */
static int chan_check(struct ctx *c)
{
	if (!go3s_id_ioctl(c->fd, GO3S_IOC_CHAN_CLOSE, c->nchans + 1) ||
	    errno != ENOENT) {
		snprintf(c->why, sizeof(c->why),
			 "CHAN_CLOSE of channel %u after a failed CHAN_CREATE: %s",
			 c->nchans + 1, strerror(errno));
		return -1;
	}
	return 0;
}

/* WAIT, read(): one coroutine has ended and waits to be reported. */
static int ended_prep(struct ctx *c)
{
	struct go3s_status st;
	int i;

	if (create_plain(c))
		return -1;
	for (i = 0; i < 100000; i++) {
		if (go3s_status(c->fd, c->id, &st))
			return -1;
		if (st.state >= GO3S_CO_COMPLETING)
			return 0;
		usleep(100);
	}
	return -1;
}

static int wait_one(struct ctx *c)
{
	unsigned int id = c->id;
	int code = 0, ret = go3s_wait(c->fd, 0, &id, GO3S_FOREVER, NULL, &code);

	if (!ret && (id != c->id || code != 3)) {
		snprintf(c->why, sizeof(c->why), "WAIT: id %u code %d", id,
			 code);
		errno = EPROTO;
		return -1;
	}
	return ret;
}

static int wait_any(struct ctx *c)
{
	unsigned int id = 0;
	int ret = go3s_wait(c->fd, GO3S_WAIT_ANY, &id, GO3S_FOREVER, NULL,
			    NULL);

	if (!ret && id != c->id) {
		snprintf(c->why, sizeof(c->why), "WAIT_ANY: id %u", id);
		errno = EPROTO;
		return -1;
	}
	return ret;
}

static int read_one(struct ctx *c)
{
	struct go3s_event ev[2];
	ssize_t r = read(c->fd, ev, sizeof(ev));

	if (r < 0)
		return -1;
	if (r != sizeof(ev[0]) || ev[0].id != c->id || ev[0].exit_code != 3) {
		snprintf(c->why, sizeof(c->why), "read(): %zd bytes, id %u",
			 r, ev[0].id);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

static int nothing_undo(struct ctx *c)
{
	return 0;
}

/* The failed call consumed nothing: the coroutine is still reported. */
static int ended_check(struct ctx *c)
{
	if (wait_one(c)) {
		snprintf(c->why, sizeof(c->why),
			 "coroutine %u lost by a failed call: %s", c->id,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* STATUS, SET_AFFINITY, RESUME: a CREATED coroutine. */
static int created_prep(struct ctx *c)
{
	return create_suspended(c);
}

static int status_call(struct ctx *c)
{
	struct go3s_status st;

	return go3s_status(c->fd, c->id, &st);
}

static int affinity_call(struct ctx *c)
{
	struct go3s_affinity a = {
		.size = sizeof(a),
		.id = c->id,
		.cpu = GO3S_CREATE_CPU_ANY,
		.cpu_mask = (uintptr_t)c->mask,
		.cpu_mask_size = sizeof(c->mask),
	};

	return ioctl(c->fd, GO3S_IOC_SET_AFFINITY, &a);
}

static int resume_call(struct ctx *c)
{
	return go3s_id_ioctl(c->fd, GO3S_IOC_RESUME, c->id);
}

static int cancel_call(struct ctx *c)
{
	return go3s_id_ioctl(c->fd, GO3S_IOC_CANCEL, c->id);
}

static int created_undo(struct ctx *c)
{
	return finish(c->fd, c->id);
}

/* Still there, and still ends normally. */
static int created_check(struct ctx *c)
{
	struct go3s_status st;

	if (go3s_status(c->fd, c->id, &st)) {
		snprintf(c->why, sizeof(c->why), "STATUS of %u: %s", c->id,
			 strerror(errno));
		return -1;
	}
	return finish(c->fd, c->id);
}

static int info_call(struct ctx *c)
{
	struct go3s_info in = get_info(c->fd);

	return in.size ? 0 : -1;
}

static int open_call(struct ctx *c)
{
	int fd = go3s_open();

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static const struct call calls[] = {
	{ "open", "open", chan_prep, open_call, chan_undo, chan_undo,
	  ERRNOS(ENOMEM) },
	{ "GET_INFO", "info", chan_prep, info_call, chan_undo, chan_undo,
	  ERRNOS(ENOMEM) },
	{ "CREATE", "create", create_prep, create_plain, create_undo,
	  create_check, ERRNOS(ENOMEM, EAGAIN) },
	{ "CREATE suspended", "create", create_prep, create_suspended,
	  create_undo, create_check, ERRNOS(ENOMEM, EAGAIN) },
	{ "CREATE largest stack", "create", create_prep, create_big_stack,
	  create_undo, create_check, ERRNOS(ENOMEM, EAGAIN) },
	{ "CREATE smallest stack, CPU mask", "create", create_prep,
	  create_min_stack_mask, create_undo, create_check,
	  ERRNOS(ENOMEM, EAGAIN) },
	{ "CREATE 256 ops with channels", "create", create_prep,
	  create_big_prog, create_undo, create_check, ERRNOS(ENOMEM, EAGAIN) },
	{ "CHAN_CREATE unbuffered", "chan_create", chan_prep, chan_small,
	  chan_undo, chan_check, ERRNOS(ENOMEM, EAGAIN) },
	{ "CHAN_CREATE 4096", "chan_create", chan_prep, chan_large, chan_undo,
	  chan_check, ERRNOS(ENOMEM, EAGAIN) },
	{ "WAIT", "wait", ended_prep, wait_one, nothing_undo, ended_check,
	  ERRNOS(EINTR) },
	{ "WAIT_ANY", "wait", ended_prep, wait_any, nothing_undo, ended_check,
	  ERRNOS(EINTR) },
	{ "read", "read", ended_prep, read_one, nothing_undo, ended_check,
	  ERRNOS(EINTR) },
	{ "STATUS", "status", created_prep, status_call, created_undo,
	  created_check, ERRNOS(0) },
	{ "SET_AFFINITY mask", "set_affinity", created_prep, affinity_call,
	  created_undo, created_check, ERRNOS(0) },
	{ "RESUME", "resume", created_prep, resume_call, created_undo,
	  created_check, ERRNOS(0) },
	{ "CANCEL", "cancel", created_prep, cancel_call, created_undo,
	  created_check, ERRNOS(0) },
};

static int errno_in(int e, const int *list)
{
	for (; *list; list++)
		if (e == *list)
			return 1;
	return 0;
}

FIXTURE(fault) {
	int unused;
};

FIXTURE_SETUP(fault)
{
	char why[256];

	if (access(DBG "/failslab", F_OK))
		SKIP(return, "no fault injection (%s/failslab: %s): a stock kernel",
		     DBG, strerror(errno));
	ASSERT_EQ(0, inject_setup(why, sizeof(why))) TH_LOG("%s", why);
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE))
		TH_LOG("mlockall: %s", strerror(errno));
}

FIXTURE_TEARDOWN(fault)
{
	if (nth_fd >= 0)
		nth_arm(0);
	write_str("/proc/thread-self/make-it-fail", "0");
	restore_knobs();
}

static void ctx_init(struct ctx *c, int fd)
{
	unsigned int i, ch = 0;

	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->info = get_info(fd);
	c->mask[0] = ~0ULL;
	c->mask[1] = ~0ULL;
	go3s_chan(fd, 1, &ch);
	c->nchans = 1;
	for (i = 0; i < GO3S_PROG_MAX_OPS; i++)
		c->big[i] = i % 2 ? OP(SEND, ch, i) : OP(YIELD, 0, 0);
	c->big[GO3S_PROG_MAX_OPS - 1] = OP(EXIT, 3, 0);
	/* Buffered: 128 sends fit only if someone receives; one RECV op. */
	c->big[1] = OP(RECV, ch, 0);
}

/* The figures of the sites line, per group. */
struct sites {
	const char *group;
	unsigned int points, failed;
};

/*
 * Every allocation reachable from each call fails once, one call at a
 * time, in a session used for nothing else; then the leak checks.
 */
TEST_F_TIMEOUT(fault, each_site_once, 900)
{
	struct sites sites[ARRAY_SIZE(calls)] = { { 0 } };
	unsigned int i, n, g, ng = 0, total = 0;
	unsigned long long vm0, vm1;
	char line[512];
	int len = 0, cap_before, cap_after;
	struct ctx *c = calloc(1, sizeof(*c));
	long live0 = go3s_live();
	int fd;

	ASSERT_FALSE(!c);
	ASSERT_EQ(0, warm_up());
	vm0 = vmalloc_used(0);
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	cap_before = stack_capacity(fd);
	close(fd);
	ASSERT_TRUE(go3s_live_back_to(live0));
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	ASSERT_GE(nth_fd, 0) TH_LOG("fail-nth: %s", strerror(errno));
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	ctx_init(c, fd);

	for (i = 0; i < ARRAY_SIZE(calls); i++) {
		const struct call *k = &calls[i];
		unsigned int points = 0, failed = 0;

		for (n = 1; n <= FAULT_MAX_NTH; n++) {
			int ret, err, fired;

			ASSERT_EQ(0, k->prepare(c))
				TH_LOG("%s: prepare: %s", k->name, strerror(errno));
			ASSERT_EQ(0, nth_arm(n));
			ret = k->call(c);
			err = errno;
			fired = nth_fired();
			if (!fired) {
				ASSERT_EQ(0, ret) TH_LOG("%s: %s %s", k->name,
							 strerror(err), c->why);
				ASSERT_EQ(0, k->undo(c));
				break;
			}
			points++;
			if (!ret) {
				/* The failure was absorbed (or retried). */
				ASSERT_EQ(0, k->undo(c)) TH_LOG("%s: undo: %s",
								k->name,
								strerror(errno));
				continue;
			}
			failed++;
			ASSERT_TRUE(errno_in(err, k->errnos))
				TH_LOG("%s, allocation %u failed: undocumented %s %s",
				       k->name, n, strerror(err), c->why);
			ASSERT_EQ(0, k->check(c)) TH_LOG("%s, allocation %u failed: %s",
							 k->name, n, c->why);
		}
		ASSERT_LE(n, FAULT_MAX_NTH) TH_LOG("%s: still failing", k->name);
		for (g = 0; g < ng && strcmp(sites[g].group, k->group); g++)
			;
		if (g == ng)
			sites[ng++].group = k->group;
		sites[g].points += points;
		sites[g].failed += failed;
		total += points;
		TH_LOG("%s: %u injection points, %u made it fail", k->name,
		       points, failed);
	}
	close(nth_fd);
	nth_fd = -1;

	/*
	 * A fresh session holds as much after every failure as before.  (The
	 * used session's own capacity is lower by its channels' buffers,
	 * which are charged to the same limit until it closes.)
	 */
	ASSERT_LE(0, reap_all(fd));
	close(fd);
	EXPECT_TRUE(go3s_live_back_to(live0)) TH_LOG("coroutines left behind");
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	cap_after = stack_capacity(fd);
	close(fd);
	EXPECT_GT(cap_before, 0);
	EXPECT_EQ(cap_before, cap_after) TH_LOG("stack accounting leaked");
	EXPECT_TRUE(go3s_live_back_to(live0));
	ASSERT_EQ(0, warm_up());
	vm1 = vmalloc_used(vm0);
	EXPECT_LE(vm1, vm0 + VM_SLACK_KB)
		TH_LOG("VmallocUsed %llu kB before, %llu kB after", vm0, vm1);

	for (g = 0; g < ng; g++)
		len += snprintf(line + len, sizeof(line) - len, " %s=%u/%u",
				sites[g].group, sites[g].points, sites[g].failed);
	printf("# sites (injection points/failures):%s total=%u\n", line,
	       total);
	fflush(stdout);
	free(c);
}

/*
 * Random failures: a worker marked make-it-fail runs calls of every kind
 * on one session while 1 of FAULT_RANDOM_INTERVAL of its allocations
 * fails; every result must be documented and every coroutine created
 * must be reported once.
 */
struct rnd_arg {
	int fd;
	unsigned long long seed;
	unsigned long calls;
	unsigned long failures;
	struct rc_ledger *lg;
	struct rc_fails fails;
};

static void *random_worker(void *p)
{
	struct rnd_arg *a = p;
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(EXIT, 1, 0) };
	struct go3s_op susp[] = { OP(SUSPEND, 0, 0) };
	struct go3s_event ev[4];
	unsigned int id, ch, state;
	unsigned long i;
	int ret, e;

	if (write_str("/proc/thread-self/make-it-fail", "1")) {
		rc_fail(&a->fails, "make-it-fail: %s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < a->calls; i++) {
		unsigned int last = a->lg->last_id;

		switch (rc_below(&a->seed, 8)) {
		case 0 ... 2: {
			int y = rc_below(&a->seed, 2);

			ret = go3s_create_ex(a->fd, y ? prog : susp, y ? 2 : 1,
					     GO3S_CREATE_CPU_ANY, 1,
					     rc_below(&a->seed, 4) ? 0 : 65536,
					     0, &id);
			if (!ret)
				rc_created(a->lg, &a->fails, id);
			else if (errno != ENOMEM && errno != EAGAIN)
				rc_fail(&a->fails, "CREATE: %s", strerror(errno));
			break;
		}
		case 3:
			ret = go3s_chan(a->fd, rc_below(&a->seed, 64), &ch);
			if (ret && errno != ENOMEM && errno != EAGAIN)
				rc_fail(&a->fails, "CHAN_CREATE: %s",
					strerror(errno));
			break;
		case 4:
			id = 0;
			ret = go3s_wait(a->fd, GO3S_WAIT_ANY, &id, 1000000,
					&state, NULL);
			if (!ret)
				rc_reported(a->lg, &a->fails, id, state, "WAIT_ANY");
			else if (errno != ECHILD && errno != ETIMEDOUT)
				rc_fail(&a->fails, "WAIT_ANY: %s", strerror(errno));
			break;
		case 5: {
			ssize_t r = read(a->fd, ev, sizeof(ev)), k;

			for (k = 0; r > 0 && k < r / (ssize_t)sizeof(ev[0]); k++)
				rc_reported(a->lg, &a->fails, ev[k].id,
					    ev[k].state, "read()");
			if (r < 0 && errno != EAGAIN)
				rc_fail(&a->fails, "read: %s", strerror(errno));
			break;
		}
		case 6:
			id = 1 + rc_below(&a->seed, last + 1);
			ret = go3s_id_ioctl(a->fd, rc_below(&a->seed, 2) ?
					    GO3S_IOC_RESUME : GO3S_IOC_CANCEL, id);
			e = errno;
			if (ret && e != ESRCH && e != EINVAL && e != EALREADY &&
			    e != EBUSY)
				rc_fail(&a->fails, "RESUME/CANCEL: %s", strerror(e));
			break;
		default: {
			struct go3s_status st;

			id = 1 + rc_below(&a->seed, last + 1);
			if (go3s_status(a->fd, id, &st) && errno != ESRCH)
				rc_fail(&a->fails, "STATUS: %s", strerror(errno));
		}
		}
	}
	write_str("/proc/thread-self/make-it-fail", "0");
	return NULL;
}

TEST_F_TIMEOUT(fault, random_failures, 900)
{
	struct rnd_arg a = { 0 };
	unsigned long long vm0, vm1, injected[2];
	unsigned int id, last, i, n = 0;
	char path[128], buf[64], why[512];
	pthread_t th;
	long live0 = go3s_live();
	int ret;

	ASSERT_EQ(0, warm_up());
	vm0 = vmalloc_used(0);
	a.lg = calloc(1, sizeof(*a.lg));
	ASSERT_FALSE(!a.lg);
	a.fd = go3s_open();
	ASSERT_GE(a.fd, 0);
	ASSERT_EQ(0, fcntl(a.fd, F_SETFL, O_NONBLOCK));
	a.seed = rc_now_ns() | 1;
	a.calls = go3s_scaled(FAULT_RANDOM_CALLS);
	TH_LOG("seed %llu", a.seed);
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		/* Failures left: counts down from a large number. */
		ASSERT_EQ(0, set_knob(attrs[i], "times", "1000000000"));
		snprintf(buf, sizeof(buf), "%u", FAULT_RANDOM_INTERVAL);
		ASSERT_EQ(0, set_knob(attrs[i], "interval", buf));
		ASSERT_EQ(0, set_knob(attrs[i], "probability", "100"));
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, random_worker, &a));
	ASSERT_EQ(0, pthread_join(th, NULL));
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), DBG "/%s/times", attrs[i]);
		ASSERT_EQ(0, read_str(path, buf, sizeof(buf)));
		injected[i] = 1000000000ULL - strtoull(buf, NULL, 0);
		ASSERT_EQ(0, set_knob(attrs[i], "probability", "0"));
	}
	EXPECT_EQ(0, a.fails.n) TH_LOG("%u failures, first: %s", a.fails.n,
				       a.fails.first);

	/* Drain: cancel everything, reap until ECHILD; all accounted for. */
	last = a.lg->last_id;
	for (id = 1; id <= last + 64; id++)
		go3s_id_ioctl(a.fd, GO3S_IOC_CANCEL, id);
	for (;;) {
		unsigned int state;

		id = 0;
		ret = go3s_wait(a.fd, GO3S_WAIT_ANY, &id, GO3S_FOREVER, &state,
				NULL);
		if (ret)
			break;
		rc_reported(a.lg, &a.fails, id, state, "WAIT_ANY (drain)");
		n++;
	}
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(0, rc_ledger_check(a.lg, why, sizeof(why))) TH_LOG("%s", why);
	EXPECT_EQ(0, a.fails.n) TH_LOG("%s", a.fails.first);
	close(a.fd);
	free(a.lg);

	EXPECT_TRUE(go3s_live_back_to(live0)) TH_LOG("coroutines left behind");
	ASSERT_EQ(0, warm_up());
	vm1 = vmalloc_used(vm0);
	EXPECT_LE(vm1, vm0 + VM_SLACK_KB)
		TH_LOG("VmallocUsed %llu kB before, %llu kB after", vm0, vm1);
	printf("# random: calls=%lu failslab=%llu fail_page_alloc=%llu interval=%u\n",
	       a.calls, injected[0], injected[1],
	       FAULT_RANDOM_INTERVAL);
	fflush(stdout);
}

TEST_HARNESS_MAIN
