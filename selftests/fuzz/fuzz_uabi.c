// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target uabi: the decoding of size-carrying ioctl structs,
 * copy-in then copy-out as every go3s ioctl does, against a reference
 * model of the rules in uapi/go3s.h (copy_struct_from_user() semantics).
 *
 * Input: byte 0 picks the struct (its size here and its first version);
 * bytes 1-2, how many bytes of the argument are readable (little endian);
 * bytes 3-4, how many are writable on the way out; the rest is the
 * argument as user space passes it.  A fault is any access beyond the
 * readable or writable part (shim/linux/uaccess.h).  Bytes 1-4 read as
 * one word are also an ioctl command number for go3s_uabi_lookup(), the
 * table lookup every ioctl goes through, checked against a model of the
 * dispatch rules (magic, number in the table, exact direction, encoded
 * size at least the first version).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"

/* The decoder under test.  Point these at the table-driven one. */
static int uabi_in(void *karg, size_t ksize, size_t ver0, const void *uarg)
{
	return go3s_copy_in(karg, ksize, ver0, uarg);
}

static int uabi_out(void *uarg, u32 usize, void *karg, size_t ksize)
{
	return go3s_copy_out(uarg, usize, karg, ksize);
}

/* A table like session.c's: a row per struct, at its index. */
static long fuzz_handler(struct go3s_session *s, void *karg,
			 struct go3s_uabi_out *out)
{
	return 0;
}

#define ROW(nr, dir, t, v)	GO3S_IOC_ROW(nr, dir, struct t, v, fuzz_handler)
static const struct go3s_ioc_desc table[] = {
	ROW(0, _IOC_READ | _IOC_WRITE, go3s_info, GO3S_INFO_SIZE_VER0),
	ROW(1, _IOC_READ | _IOC_WRITE, go3s_create, GO3S_CREATE_SIZE_VER0),
	ROW(2, _IOC_WRITE, go3s_affinity, GO3S_AFFINITY_SIZE_VER0),
	ROW(3, _IOC_WRITE, go3s_id_arg, GO3S_ID_ARG_SIZE_VER0),
	/* 4 is a hole, as a retired command would leave. */
	ROW(5, _IOC_READ | _IOC_WRITE, go3s_wait, GO3S_WAIT_SIZE_VER0),
};

static void check_lookup(unsigned int cmd)
{
	const struct go3s_ioc_desc *d, *want = NULL;
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) == GO3S_IOC_MAGIC && nr < ARRAY_SIZE(table) &&
	    table[nr].fn && _IOC_DIR(cmd) == table[nr].dir &&
	    _IOC_SIZE(cmd) >= table[nr].ver0)
		want = &table[nr];
	d = go3s_uabi_lookup(table, ARRAY_SIZE(table), cmd);
	if (d != want) {
		fprintf(stderr, "uabi lookup of %#x: got row %ld, want %ld\n",
			cmd, d ? (long)(d - table) : -1L,
			want ? (long)(want - table) : -1L);
		abort();
	}
}

#define S(t, v)	{ sizeof(struct t), v, #t }
static const struct {
	size_t ksize, ver0;
	const char *name;
} structs[] = {
	S(go3s_info, GO3S_INFO_SIZE_VER0),
	S(go3s_create, GO3S_CREATE_SIZE_VER0),
	S(go3s_affinity, GO3S_AFFINITY_SIZE_VER0),
	S(go3s_id_arg, GO3S_ID_ARG_SIZE_VER0),
	S(go3s_wait, GO3S_WAIT_SIZE_VER0),
	S(go3s_status, GO3S_STATUS_SIZE_VER0),
	S(go3s_cpu_stats, GO3S_CPU_STATS_SIZE_VER0),
	S(go3s_set_prio, GO3S_SET_PRIO_SIZE_VER0),
	S(go3s_chan_create, GO3S_CHAN_CREATE_SIZE_VER0),
	/* A struct that grew past its first version. */
	{ 24, 16, "grown" },
};

#define GUARD	0xa5

static void fail(const char *name, const char *what, long got, long want)
{
	fprintf(stderr, "uabi %s: %s: got %ld, want %ld\n", name, what, got,
		want);
	abort();
}

/* copy-in as the rules say: the result, and how many bytes were taken. */
static int ref_in(const unsigned char *u, size_t readable, size_t ksize,
		  size_t ver0, size_t *taken)
{
	u32 usize;
	size_t i;

	if (readable < sizeof(u32))
		return -EFAULT;
	memcpy(&usize, u, sizeof(usize));
	if (usize < ver0)
		return -EINVAL;
	/* An unknown tail must be zero; it is read up to its first non-zero. */
	for (i = ksize; i < usize; i++) {
		if (i >= readable)
			return -EFAULT;
		if (u[i])
			return -E2BIG;
	}
	*taken = usize < ksize ? usize : ksize;
	return *taken > readable ? -EFAULT : 0;
}

int fuzz_one(const unsigned char *data, size_t size)
{
	size_t ksize, ver0, readable, writable, len, taken = 0, n, i;
	unsigned char *u, *k, *out;
	const char *name;
	int ret, want;
	u32 usize;

	if (size < 5)
		return -1;
	check_lookup(data[1] | data[2] << 8 | data[3] << 16 |
		     (unsigned int)data[4] << 24);
	i = data[0] % ARRAY_SIZE(structs);
	ksize = structs[i].ksize;
	ver0 = structs[i].ver0;
	name = structs[i].name;
	len = size - 5;
	readable = (data[1] | data[2] << 8) % (len + 1);
	writable = data[3] | data[4] << 8;

	/* Exact sizes on the heap: ASan sees any access past them. */
	u = malloc(len ? len : 1);
	k = malloc(ksize);
	out = malloc(writable + 64);
	if (!u || !k || !out)
		abort();
	memcpy(u, data + 5, len);
	memset(k, GUARD, ksize);
	shim_user_reset();
	shim_user_map(u, readable, false);

	ret = uabi_in(k, ksize, ver0, u);
	want = ref_in(u, readable, ksize, ver0, &taken);
	if (ret != want)
		fail(name, "copy-in result", ret, want);
	if (ret)
		goto out;
	if (memcmp(k, u, taken))
		fail(name, "copy-in changed the bytes", 0, 0);
	for (i = taken; i < ksize; i++)
		if (k[i])
			fail(name, "copy-in left the unknown part non-zero",
			     (long)i, 0);

	/* Copy-out with the size the caller gave, as every ioctl does. */
	memcpy(&usize, k, sizeof(usize));
	memset(out, GUARD, writable + 64);
	shim_user_reset();
	shim_user_map(out, writable, true);
	n = usize < ksize ? usize : ksize;
	ret = uabi_out(out, usize, k, ksize);
	want = n > writable ? -EFAULT : 0;
	if (ret != want)
		fail(name, "copy-out result", ret, want);
	for (i = n; i < writable + 64; i++)
		if (out[i] != GUARD)
			fail(name, "copy-out wrote past the caller's size",
			     (long)i, (long)n);
	if (!ret) {
		memcpy(&usize, out, sizeof(usize));
		if (usize != n)
			fail(name, "copy-out size field", usize, (long)n);
		if (memcmp(out + sizeof(u32), k + sizeof(u32),
			   n - sizeof(u32)))
			fail(name, "copy-out bytes", 0, 0);
	}
out:
	free(u);
	free(k);
	free(out);
	return 0;
}
