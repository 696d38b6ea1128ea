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
 * GO3S_FUZZ_CALLS sets the number of calls (default 200000),
 * GO3S_FUZZ_SEED the seed (printed, for replay).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#include "go3s_util.h"
#include "kselftest_harness.h"

static unsigned long long rng_state;

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

TEST(fuzz_ioctls)
{
	unsigned long long calls = 200000, seed, i, ok = 0;
	unsigned int ids[256], nids = 0, chans[32], nchans = 0;
	const char *env;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *buf, *ro, *hole;
	struct go3s_op *ops;
	int fd = go3s_open();

	ASSERT_GE(fd, 0);
	env = getenv("GO3S_FUZZ_CALLS");
	if (env)
		calls = strtoull(env, NULL, 0);
	env = getenv("GO3S_FUZZ_SEED");
	seed = env ? strtoull(env, NULL, 0) : (unsigned long long)time(NULL);
	rng_state = seed | 1;
	TH_LOG("seed %llu, %llu calls", seed, calls);

	/* buf: two pages, the second unmapped; ro: read-only. */
	buf = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(buf != MAP_FAILED);
	hole = buf + 2 * page;
	ASSERT_EQ(0, munmap(hole, page));
	ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	ops = malloc(sizeof(*ops) * (GO3S_PROG_MAX_OPS + 8));
	ASSERT_FALSE(!ops);

	for (i = 0; i < calls; i++) {
		unsigned long cmd = cmds[rnd_below(ARRAY_SIZE(cmds))];
		unsigned int size = 0, k, nops;
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
			rnd_program(ops, nops, chans, nchans);
			c->size = sizeof(*c);
			c->flags = rnd_below(4) ? rnd_below(2) : rnd();
			c->ops = rnd_below(16) ? (uintptr_t)ops : rnd();
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
			((unsigned int *)buf)[2] = rnd_id(ids, nids);
			if (cmd == GO3S_IOC_CHAN_CLOSE && nchans && rnd_below(2))
				((unsigned int *)buf)[2] = chans[rnd_below(nchans)];
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
			arg = hole - rnd_below(64);	/* runs into the hole */
			break;
		case 2:
			arg = ro;
			break;
		case 3:
			arg = (void *)(uintptr_t)(rnd() | (1ULL << 63));
			break;
		default:
			arg = buf;
		}

		ret = ioctl(fd, cmd, arg);
		if (ret == 0) {
			ok++;
			if (arg == buf && cmd == GO3S_IOC_CREATE && nids < 256)
				ids[nids++] = ((struct go3s_create *)buf)->id;
			if (arg == buf && cmd == GO3S_IOC_CHAN_CREATE && nchans < 32)
				chans[nchans++] = ((struct go3s_chan_create *)buf)->id;
		} else {
			ASSERT_EQ(-1, ret);
			ASSERT_TRUE(documented(errno))
				TH_LOG("call %llu: cmd %#lx size %u: errno %d",
				       i, cmd, size, errno);
		}
		/* Keep the session from filling up: start over now and then. */
		if (nids == 256 || rnd_below(5000) == 0) {
			close(fd);
			fd = go3s_open();
			ASSERT_GE(fd, 0);
			nids = 0;
			nchans = 0;
		}
	}
	TH_LOG("%llu calls, %llu succeeded", calls, ok);
	EXPECT_GT(ok, calls / 100);
	close(fd);
	free(ops);
}

TEST_HARNESS_MAIN
