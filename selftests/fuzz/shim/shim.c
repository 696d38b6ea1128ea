// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel services the fuzzed go3s sources call, in user space: user
 * memory with faults, allocation with injected failures, a fake clock, and
 * a fake coroutine engine for the program interpreter.  See shim.h.
 */
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* --- user memory ------------------------------------------------------ */

struct shim_region {
	const char *p;
	size_t len;
	bool writable;
};

static struct shim_region shim_regions[4];
static unsigned int shim_nr_regions;

void shim_user_reset(void)
{
	shim_nr_regions = 0;
}

void shim_user_map(const void *p, size_t len, bool writable)
{
	if (shim_nr_regions == ARRAY_SIZE(shim_regions))
		abort();
	shim_regions[shim_nr_regions++] = (struct shim_region){
		.p = p, .len = len, .writable = writable };
}

/* Is the user byte at @p mapped (and writable, if @write)? */
static bool shim_user_ok(const void *p, bool write)
{
	unsigned int i;

	for (i = 0; i < shim_nr_regions; i++) {
		const struct shim_region *r = &shim_regions[i];

		if ((const char *)p >= r->p && (const char *)p < r->p + r->len &&
		    (r->writable || !write))
			return true;
	}
	return false;
}

unsigned long copy_from_user(void *to, const void __user *from,
			     unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n && shim_user_ok((const char *)from + i, false); i++)
		((char *)to)[i] = ((const char *)from)[i];
	memset((char *)to + i, 0, n - i);
	return n - i;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n && shim_user_ok((char *)to + i, true); i++)
		((char *)to)[i] = ((const char *)from)[i];
	return n - i;
}

int shim_get_user(void *x, const void __user *ptr, size_t size)
{
	if (copy_from_user(x, ptr, size)) {
		memset(x, 0, size);
		return -EFAULT;
	}
	return 0;
}

int check_zeroed_user(const void __user *from, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		if (!shim_user_ok((const char *)from + i, false))
			return -EFAULT;
		if (((const char *)from)[i])
			return 0;
	}
	return 1;
}

/* As include/linux/uaccess.h (6.12), without the object-size check. */
int copy_struct_from_user(void *dst, size_t ksize, const void __user *src,
			  size_t usize)
{
	size_t size = usize < ksize ? usize : ksize;
	size_t rest = (usize > ksize ? usize : ksize) - size;
	int ret;

	if (usize < ksize) {
		memset((char *)dst + size, 0, rest);
	} else if (usize > ksize) {
		ret = check_zeroed_user((const char *)src + size, rest);
		if (ret <= 0)
			return ret ?: -E2BIG;
	}
	if (copy_from_user(dst, src, size))
		return -EFAULT;
	return 0;
}

/* --- allocation ------------------------------------------------------- */

bool shim_fail_alloc;

void *kvzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	if (shim_fail_alloc || size > (64u << 20))
		return NULL;
	return calloc(1, size);
}

void kvfree(const void *p)
{
	free((void *)p);
}

/* --- clock and engine ------------------------------------------------- */

struct shim_engine shim;

static u64 shim_tick(void)
{
	shim.now += shim.step_ns;
	shim.clock_reads++;
	return shim.now;
}

u64 sched_clock(void)
{
	return shim_tick();
}

u64 ktime_get_ns(void)
{
	return shim_tick();
}

struct go3s_co *go3s_current(void)
{
	return &shim.co;
}

/*
 * A switch: check the slice that ends here, then time passes off the CPU.
 * The engine cancels the program once it has had its share of the run.
 */
static int shim_switch(void)
{
	u64 slice = shim.now - shim.slice_start;

	if (slice > shim.max_slice)
		shim.max_slice = slice;
	shim.co.switches++;
	shim.switches++;
	shim.now += 1000;
	shim.slice_start = shim.now;
	if (shim.switches >= shim.max_switches || shim.now >= shim.max_ns)
		shim.cancelled = true;
	return shim.cancelled ? -ECANCELED : 0;
}

int go3s_yield(void)
{
	return shim_switch();
}

int go3s_suspend(void)
{
	return shim_switch();
}

int go3s_sleep(u64 ns)
{
	int ret;

	/* Every other sleep is cut short by a stray resume. */
	if (shim.cancelled)
		return -ECANCELED;
	ret = shim_switch();
	if (ret)
		return ret;
	if (++shim.sleeps & 1)
		return -EINTR;
	shim.now += ns < 1000000 ? ns : 1000000;
	return 0;
}

struct go3s_chan *go3s_chan_get(struct go3s_chan *ch)
{
	shim.chan_refs++;
	return ch;
}

void go3s_chan_put(struct go3s_chan *ch)
{
	if (ch)
		shim.chan_refs--;
}

/* A buffered channel that is ready: no switch, unless the harness says. */
int go3s_chan_send(struct go3s_chan *ch, void *val)
{
	(void)ch;
	(void)val;
	return shim.cancelled ? -ECANCELED : 0;
}

int go3s_chan_recv(struct go3s_chan *ch, void **val)
{
	(void)ch;
	*val = NULL;
	return shim.cancelled ? -ECANCELED : 0;
}
