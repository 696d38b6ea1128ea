// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target prog_run: load a program the way GO3S_IOC_CREATE does
 * (go3s_prog_load(): copy-in with faults, validation, channel binding) and
 * run the interpreter (go3s_prog_run()) on the shim's fake engine and
 * clock.  Input: byte 0, the cost of one interpreter step in microseconds
 * (1..64); byte 1, the failures to inject (bit 0: allocation; bit 1: the
 * last op's bytes unreadable); then the program, 16 bytes per op.
 *
 * Checked: the load's result agrees with the oracle and with the injected
 * failure; no channel reference is left behind; the run ends with a
 * documented result; and no slice, the time between two switches, is
 * longer than the run loop's budget (2 ms, GO3S-SPEC §3) -- the rule of
 * defect 6.  ASan catches any op or counter read out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "oracle.h"

#define BUDGET_NS	(2 * NSEC_PER_MSEC)

/* Channel 0 never exists; ids that are multiples of 5 are not this session's. */
static void *fake_chan_load(struct xarray *xa, unsigned long id)
{
	static char chan;

	(void)xa;
	return id && id % 5 ? &chan : NULL;
}

static void fail(const char *what, long v)
{
	fprintf(stderr, "prog_run: %s (%ld)\n", what, v);
	abort();
}

int fuzz_one(const unsigned char *data, size_t size)
{
	struct xarray chans = { .load = fake_chan_load };
	struct go3s_op *ops;
	struct go3s_prog *p;
	bool unreadable, no_chan = false;
	const char *why;
	long expect;
	size_t nr, i;
	int ret;

	if (size < 2)
		return -1;
	nr = (size - 2) / sizeof(*ops);
	ops = malloc(nr ? nr * sizeof(*ops) : 1);
	if (!ops)
		abort();
	memcpy(ops, data + 2, nr * sizeof(*ops));

	memset(&shim, 0, sizeof(shim));
	shim.step_ns = (data[0] % 64 + 1) * NSEC_PER_USEC;
	shim.max_switches = 100;
	shim.max_ns = 50 * NSEC_PER_MSEC;
	shim_fail_alloc = data[1] & 1;
	unreadable = data[1] & 2;
	shim_user_reset();
	shim_user_map(ops, (nr - (unreadable && nr)) * sizeof(*ops), false);

	why = ref_prog_invalid(ops, nr);
	for (i = 0; !why && i < nr; i++)
		if ((ops[i].code == GO3S_OP_SEND ||
		     ops[i].code == GO3S_OP_RECV) &&
		    !fake_chan_load(NULL, ops[i].a))
			no_chan = true;
	/* The documented order: length, allocation, copy, validation, channels. */
	if (nr < 1 || nr > GO3S_PROG_MAX_OPS)
		expect = -EINVAL;
	else if (shim_fail_alloc)
		expect = -ENOMEM;
	else if (unreadable)
		expect = -EFAULT;
	else if (why)
		expect = -EINVAL;
	else if (no_chan)
		expect = -ENOENT;
	else
		expect = 0;

	p = go3s_prog_load(ops, nr, &chans);
	if (IS_ERR(p) ? PTR_ERR(p) != expect : expect != 0)
		fail("load: unexpected result", IS_ERR(p) ? PTR_ERR(p) : 0);
	if (IS_ERR(p)) {
		if (shim.chan_refs)
			fail("failed load kept channel references",
			     shim.chan_refs);
		goto out;
	}

	ret = go3s_prog_run(p);
	if (shim.max_slice > BUDGET_NS)
		fail("a slice overran the 2 ms budget (ns)",
		     (long)shim.max_slice);
	if (ret != 0 && ret != -ECANCELED) {
		for (i = 0; i < nr; i++)
			if (ops[i].code == GO3S_OP_EXIT &&
			    (int)ops[i].a == ret)
				break;
		if (i == nr)
			fail("undocumented result", ret);
	}
	if (go3s_prog_pc(p) > nr)
		fail("pc past the end", go3s_prog_pc(p));
	go3s_prog_free(p);
	if (shim.chan_refs)
		fail("channel references left", shim.chan_refs);
out:
	shim_fail_alloc = false;
	free(ops);
	return 0;
}
