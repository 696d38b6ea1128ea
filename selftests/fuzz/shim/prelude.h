/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forced in front of every go3s source file built for the user-space fuzz
 * library (-include), before the kernel stand-ins of linux/ and kunit/.
 *
 * Two go3s headers are kept out rather than stood in for: compat.h (kernel
 * version differences, bottom halves) and sched.h (the engine's internals),
 * by defining their include guards here.  Neither is needed by the pure
 * parts we fuzz, and both change with the engine; what the interpreter uses
 * of sched.h (a coroutine's switch count) is declared below instead.
 */
#ifndef _GO3S_FUZZ_PRELUDE_H
#define _GO3S_FUZZ_PRELUDE_H

#define _GO3S_COMPAT_H
#define _GO3S_SCHED_H

#include <linux/types.h>
#include <linux/err.h>
#include <kunit/visibility.h>

#include "go3s_sched/go3s.h"

/* What prog.c reads of the engine's coroutine. */
struct go3s_co {
	u64 switches;
};

#endif /* _GO3S_FUZZ_PRELUDE_H */
