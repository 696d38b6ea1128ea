// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target prog_validate: go3s_prog_validate() (go3s_sched/prog.c)
 * on arbitrary programs, against the reference checker of oracle.h.  The
 * input is the program itself, 16 bytes (struct go3s_op) per op; a
 * program the kernel accepts and the oracle rejects, or the reverse,
 * aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "oracle.h"

int fuzz_one(const unsigned char *data, size_t size)
{
	size_t nr = size / sizeof(struct go3s_op);
	struct go3s_op *ops;
	const char *why;
	int ret;

	/* Exactly @nr ops on the heap, so ASan sees any read past them. */
	ops = malloc(nr ? nr * sizeof(*ops) : 1);
	if (!ops)
		abort();
	memcpy(ops, data, nr * sizeof(*ops));
	ret = go3s_prog_validate(ops, nr);
	why = ref_prog_invalid(ops, nr);
	if (ret != 0 && ret != -EINVAL) {
		fprintf(stderr, "go3s_prog_validate: undocumented %d\n", ret);
		abort();
	}
	if (!ret && why) {
		fprintf(stderr, "accepted-but-invalid program (%s)\n", why);
		abort();
	}
	if (ret && !why) {
		fprintf(stderr, "valid program rejected\n");
		abort();
	}
	free(ops);
	return 0;
}
