// SPDX-License-Identifier: GPL-2.0
/*
 * A randomised ioctl fuzzer for /dev/go3s: random commands (ours with
 * random direction and size bits, and foreign ones), random struct sizes,
 * flags, ids and pointers (valid, NULL, unmapped, read-only, kernel), and
 * random, mostly invalid, programs.  It asserts only what must hold for
 * every call: the kernel survives, answers with a documented errno, and
 * reads and writes nothing it should not.  The VM run then unloads the
 * module and checks the console and kmemleak.
 *
 * FUZZ_THREADS threads share each session; a session ends (and a new one
 * starts) when a thread has created 256 coroutines or after a random
 * number of calls.  GO3S_FUZZ_CALLS sets the total number of calls, else
 * it depends on the kernel (fuzz_default_calls()); GO3S_FUZZ_SEED sets
 * the seed (printed, for replay; the order of calls between threads is
 * not replayed).
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>

#include "go3s_util.h"
#include "kselftest_harness.h"

#define FUZZ_THREADS 4

/*
 * Calls per run of each binary (64- and 32-bit) by kernel: make check
 * boots Debian's kernel (64- and 32-bit runs), the KASAN and the KCSAN
 * one (64-bit runs): 1.15 million calls in all.
 * Measured under TCG, 4 vCPUs: Debian 6.1 about 80,000 calls/s, KASAN
 * 6,000 (150,000 in 25 s), KCSAN 10,000 (150,000 in 14 s); every run
 * stays under 45 s.
 */
#define FUZZ_CALLS_STOCK	400000
#define FUZZ_CALLS_KASAN	250000
#define FUZZ_CALLS_KCSAN	100000

static __thread unsigned long long rng_state;

static unsigned long long rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static unsigned int rnd_below(unsigned int n)
{
	return rnd() % n;
}

static const unsigned long cmds[] = {
	GO3S_IOC_GET_INFO, GO3S_IOC_CREATE, GO3S_IOC_RESUME, GO3S_IOC_SUSPEND,
	GO3S_IOC_CANCEL, GO3S_IOC_WAIT, GO3S_IOC_STATUS, GO3S_IOC_CPU_STATS,
	GO3S_IOC_SET_PRIO, GO3S_IOC_CHAN_CREATE, GO3S_IOC_CHAN_CLOSE,
	GO3S_IOC_SET_AFFINITY,
};

/* Every errno the documentation allows from an ioctl of /dev/go3s. */
static int documented(int e)
{
	switch (e) {
	case ENOTTY: case EFAULT: case EINVAL: case E2BIG: case ESRCH:
	case ENOENT: case EAGAIN: case ENOMEM: case EBUSY: case EALREADY:
	case ETIMEDOUT: case ECHILD: case EINTR:
		return 1;
	}
	return 0;
}

static unsigned int rnd_id(unsigned int *ids, unsigned int nids)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd();
	case 1:
		return rnd_below(8);
	default:
		return nids ? ids[rnd_below(nids)] : 1;
	}
}

static void rnd_program(struct go3s_op *ops, unsigned int n, unsigned int *chans,
			unsigned int nchans)
{
	for (unsigned int i = 0; i < n; i++) {
		ops[i].code = rnd_below(10);
		ops[i].a = rnd_below(3) ? rnd_below(4) : (unsigned int)rnd();
		ops[i].b = rnd_below(3) ? rnd_below(100000) : rnd();
		if ((ops[i].code == GO3S_OP_SEND || ops[i].code == GO3S_OP_RECV) &&
		    nchans && rnd_below(2))
			ops[i].a = chans[rnd_below(nchans)];
		if (ops[i].code == GO3S_OP_LOOP && i && rnd_below(2)) {
			ops[i].a = rnd_below(i);
			ops[i].b = 1 + rnd_below(3);
		}
		if (ops[i].code == GO3S_OP_SLEEP && rnd_below(2))
			ops[i].b = 1 + rnd_below(1000000);
		if (ops[i].code == GO3S_OP_SPIN && rnd_below(2))
			ops[i].b = 1 + rnd_below(20000);
	}
}

/*
 * 32-bit glibc joins threads with the time32 futex syscall, which a kernel
 * without CONFIG_COMPAT_32BIT_TIME does not have (glibc then aborts).
 */
static int threads_work(void)
{
	int word = 0;

	return syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0) >= 0;
}

/* The debug kernels are many times slower: fewer calls there. */
static unsigned long long fuzz_default_calls(const char **kind)
{
	struct utsname u;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	if (strstr(u.release, "kasan")) {
		*kind = "KASAN";
		return FUZZ_CALLS_KASAN;
	}
	if (strstr(u.release, "kcsan")) {
		*kind = "KCSAN";
		return FUZZ_CALLS_KCSAN;
	}
	*kind = "stock";
	return FUZZ_CALLS_STOCK;
}

struct fuzz {
	int fd;
	unsigned long long calls;	/* per thread, this session */
	unsigned long long seed;
	unsigned long long done;	/* all threads, all sessions */
	unsigned long long ok;
	unsigned int nfail;
	char why[256];
};

struct fuzz_thread {
	struct fuzz *f;
	unsigned long long seed;
	pthread_t th;
	long page;
	unsigned char *buf, *ro, *hole;
	struct go3s_op *ops;
	unsigned int ids[256], nids;
	unsigned int chans[32], nchans;
};

/*
 * An address no user mapping can have.  A 32-bit process has no kernel
 * addresses: any random one may be its own memory, which the kernel would
 * then overwrite; the top page is above its TASK_SIZE.
 */
static void *kernel_ptr(void)
{
	if (sizeof(void *) == 8)
		return (void *)(uintptr_t)(rnd() | (1ULL << 63));
	return (void *)(uintptr_t)(0xfffff000UL + rnd_below(4096));
}

static void fuzz_fail(struct fuzz *f, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&f->nfail, 1, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
}

/* read() and poll() with random buffers: whole records or nothing. */
static void fuzz_read(struct fuzz_thread *t)
{
	struct fuzz *f = t->f;
	struct pollfd p = { .fd = f->fd, .events = POLLIN };
	size_t len = rnd_below(4) ? rnd_below(5) * sizeof(struct go3s_event) :
		     rnd_below(256);
	void *at;
	ssize_t r;

	switch (rnd_below(8)) {
	case 0:
		at = NULL;
		break;
	case 1:
		at = t->hole - rnd_below(2 * sizeof(struct go3s_event));
		break;
	case 2:
		at = t->ro;
		break;
	case 3:
		poll(&p, 1, 0);
		return;
	default:
		at = t->buf;
		len = len > 2 * t->page ? 2 * t->page : len;
	}
	r = read(f->fd, at, len);
	if (r >= 0) {
		if (r % sizeof(struct go3s_event) || (size_t)r > len || !r)
			fuzz_fail(f, "read(%zu) returned %zd", len, r);
		else
			__atomic_fetch_add(&f->ok, 1, __ATOMIC_RELAXED);
	} else if (errno != EAGAIN && errno != EINVAL && errno != EFAULT) {
		fuzz_fail(f, "read(%zu): errno %d", len, errno);
	}
}

static void fuzz_ioctl(struct fuzz_thread *t)
{
	unsigned long cmd = cmds[rnd_below(ARRAY_SIZE(cmds))];
	unsigned char *buf = t->buf;
	unsigned int size = 0, k, nops;
	struct fuzz *f = t->f;
	void *arg;
	int ret;

	switch (rnd_below(20)) {
	case 0:	/* another direction or size in the number */
		cmd ^= (unsigned long)(rnd_below(4)) << _IOC_DIRSHIFT;
		cmd ^= (unsigned long)(rnd_below(256)) << _IOC_SIZESHIFT;
		break;
	case 1:	/* another command number or type */
		cmd = _IOC(rnd_below(4), rnd_below(3) ? GO3S_IOC_MAGIC :
			   rnd_below(256), rnd_below(256), rnd_below(512));
		break;
	}

	/* The struct: random bytes, then mostly sensible fields. */
	for (k = 0; k < 128; k += 8)
		*(unsigned long long *)(buf + k) = rnd_below(2) ? rnd() : 0;
	switch (rnd_below(8)) {
	case 0:
		size = rnd();
		break;
	case 1:
		size = rnd_below(256);
		break;
	default:
		size = _IOC_SIZE(cmd) ? _IOC_SIZE(cmd) : 16;
	}
	((unsigned int *)buf)[0] = size;
	if (rnd_below(2))
		((unsigned int *)buf)[1] = 0;		/* flags */
	if (cmd == GO3S_IOC_CREATE && rnd_below(4)) {
		struct go3s_create *c = (void *)buf;

		nops = 1 + rnd_below(rnd_below(8) ? 8 : GO3S_PROG_MAX_OPS + 4);
		rnd_program(t->ops, nops, t->chans, t->nchans);
		c->size = sizeof(*c);
		c->flags = rnd_below(4) ? rnd_below(2) : rnd();
		c->ops = rnd_below(16) ? (uintptr_t)t->ops : rnd();
		c->nr_ops = rnd_below(16) ? nops : rnd();
		c->cpu = rnd_below(2) ? GO3S_CREATE_CPU_ANY : rnd_below(6);
		c->priority = rnd_below(4);
		c->stack_size = rnd_below(2) ? 0 : rnd_below(2 << 20);
		c->id = 0;
		c->pad = 0;
		c->pad2 = 0;
		if (rnd_below(4)) {
			c->cpu_mask = 0;
			c->cpu_mask_size = 0;
		}
	} else if (cmd != GO3S_IOC_GET_INFO && cmd != GO3S_IOC_CPU_STATS &&
		   cmd != GO3S_IOC_CHAN_CREATE && size >= 12) {
		((unsigned int *)buf)[2] = rnd_id(t->ids, t->nids);
		if (cmd == GO3S_IOC_CHAN_CLOSE && t->nchans && rnd_below(2))
			((unsigned int *)buf)[2] = t->chans[rnd_below(t->nchans)];
		if (cmd == GO3S_IOC_WAIT) {
			((unsigned int *)buf)[3] = 0;
			/* Never wait long: 0 or up to 10 us. */
			*(unsigned long long *)(buf + 16) = rnd_below(10000);
			*(unsigned long long *)(buf + 24) = 0;
		}
		if (cmd == GO3S_IOC_SET_AFFINITY && rnd_below(2)) {
			((unsigned int *)buf)[3] = rnd_below(2) ?
				rnd_below(6) : GO3S_CREATE_CPU_ANY;
			*(unsigned long long *)(buf + 16) = rnd_below(2) ?
				0 : (uintptr_t)(buf + 64);
			((unsigned int *)buf)[6] = 8 * rnd_below(3);
			((unsigned int *)buf)[7] = 0;
		}
	} else if (cmd == GO3S_IOC_CPU_STATS) {
		((unsigned int *)buf)[2] = rnd_below(3) ? rnd_below(8) : rnd();
	} else if (cmd == GO3S_IOC_CHAN_CREATE) {
		((unsigned int *)buf)[2] = rnd_below(4) ? rnd_below(8) : rnd();
		((unsigned int *)buf)[3] = 0;
	}

	switch (rnd_below(16)) {
	case 0:
		arg = NULL;
		break;
	case 1:
		arg = t->hole - rnd_below(64);	/* runs into the hole */
		break;
	case 2:
		arg = t->ro;
		break;
	case 3:
		arg = kernel_ptr();
		break;
	default:
		arg = buf;
	}

	ret = ioctl(f->fd, cmd, arg);
	if (ret == 0) {
		__atomic_fetch_add(&f->ok, 1, __ATOMIC_RELAXED);
		if (arg == buf && cmd == GO3S_IOC_CREATE && t->nids < 256)
			t->ids[t->nids++] = ((struct go3s_create *)buf)->id;
		if (arg == buf && cmd == GO3S_IOC_CHAN_CREATE && t->nchans < 32)
			t->chans[t->nchans++] = ((struct go3s_chan_create *)buf)->id;
	} else if (ret != -1 || !documented(errno)) {
		fuzz_fail(f, "cmd %#lx size %u: ret %d errno %d", cmd, size,
			  ret, errno);
	}
}

static void *fuzz_thread(void *p)
{
	struct fuzz_thread *t = p;
	unsigned long long i;

	rng_state = t->seed;
	for (i = 0; i < t->f->calls && t->nids < 256; i++) {
		if (rnd_below(16))
			fuzz_ioctl(t);
		else
			fuzz_read(t);
	}
	__atomic_fetch_add(&t->f->done, i, __ATOMIC_RELAXED);
	t->seed = rng_state;
	return NULL;
}

/* buf: two pages, then a hole; ro: read-only. */
static int fuzz_thread_init(struct fuzz_thread *t, struct fuzz *f)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->page = sysconf(_SC_PAGESIZE);
	t->buf = mmap(NULL, 3 * t->page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->buf == MAP_FAILED)
		return -1;
	t->hole = t->buf + 2 * t->page;
	if (munmap(t->hole, t->page))
		return -1;
	t->ro = mmap(NULL, t->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		     -1, 0);
	t->ops = malloc(sizeof(*t->ops) * (GO3S_PROG_MAX_OPS + 8));
	return t->ro == MAP_FAILED || !t->ops ? -1 : 0;
}

static void fuzz_thread_fini(struct fuzz_thread *t)
{
	munmap(t->buf, 2 * t->page);
	munmap(t->ro, t->page);
	free(t->ops);
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* A generous harness timeout for the debug kernels under TCG. */
TEST_F_TIMEOUT(fuzz, ioctls, 900)
{
	unsigned long long calls, seed, t0, secs;
	struct fuzz_thread th[FUZZ_THREADS];
	struct fuzz f = { 0 };
	unsigned int i, sessions = 0;
	const char *env, *kind;

	if (!threads_work())
		SKIP(return, "no time32 futex for 32-bit programs (CONFIG_COMPAT_32BIT_TIME=n)");
	calls = fuzz_default_calls(&kind);
	env = getenv("GO3S_FUZZ_CALLS");
	if (env) {
		calls = strtoull(env, NULL, 0);
		kind = "GO3S_FUZZ_CALLS";
	}
	env = getenv("GO3S_FUZZ_SEED");
	seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);
	rng_state = seed | 1;
	TH_LOG("seed %llu, %llu calls (%s), %u threads per session", seed,
	       calls, kind, FUZZ_THREADS);
	for (i = 0; i < FUZZ_THREADS; i++) {
		ASSERT_EQ(0, fuzz_thread_init(&th[i], &f));
		th[i].seed = rnd() | 1;
	}
	t0 = time(NULL);
	while (f.done < calls && !f.nfail) {
		unsigned long long left = calls - f.done;

		f.fd = go3s_open();
		ASSERT_GE(f.fd, 0);
		ASSERT_EQ(0, fcntl(f.fd, F_SETFL, O_NONBLOCK));
		/* Sessions of a few thousand calls. */
		f.calls = 1 + rnd_below(4000);
		if (f.calls * FUZZ_THREADS > left)
			f.calls = (left + FUZZ_THREADS - 1) / FUZZ_THREADS;
		for (i = 0; i < FUZZ_THREADS; i++) {
			th[i].nids = 0;
			th[i].nchans = 0;
			ASSERT_EQ(0, pthread_create(&th[i].th, NULL,
						    fuzz_thread, &th[i]));
		}
		for (i = 0; i < FUZZ_THREADS; i++)
			ASSERT_EQ(0, pthread_join(th[i].th, NULL));
		ASSERT_EQ(0, close(f.fd));
		sessions++;
	}
	secs = time(NULL) - t0;
	for (i = 0; i < FUZZ_THREADS; i++)
		fuzz_thread_fini(&th[i]);
	ASSERT_EQ(0, f.nfail) TH_LOG("%u failures, first: %s", f.nfail, f.why);
	/* A diagnostic line for the figures of make check. */
	printf("# fuzz: calls=%llu succeeded=%llu sessions=%u threads=%u kernel=%s seconds=%llu\n",
	       f.done, f.ok, sessions, FUZZ_THREADS, kind, secs);
	fflush(stdout);
	EXPECT_GE(f.done, calls);
	EXPECT_GT(f.ok, f.done / 100);
}

TEST_HARNESS_MAIN
