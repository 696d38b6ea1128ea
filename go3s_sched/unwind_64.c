// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 side of coroutine stacks, beside switch_64.S: the first frame
 * a new coroutine's stack gets (what go3s_switch() pops to enter it), and
 * go3s's own scan of a coroutine stack for its warnings (see DOC: limits
 * in sched.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/export.h>
#include <linux/printk.h>
#include <linux/uaccess.h>

#include "sched.h"

/* go3s_co_entry uses the coroutine pointer as the slot for its last switch. */
static_assert(offsetof(struct go3s_co, sp) == 0);

/*
 * Does @v look like a return address: in kernel or module text, just after
 * a call instruction?  Read without faulting; the value may be anything.
 */
static bool go3s_is_return_address(unsigned long v)
{
	u8 b[8];

	if (v < __START_KERNEL_map + 8 || v >= MODULES_END)
		return false;
	if (copy_from_kernel_nofault(b, (void *)(v - 8), sizeof(b)))
		return false;
	return b[3] == 0xe8 ||				/* call rel32 */
	       (b[6] == 0xff && (b[7] & 0xf8) == 0xd0) ||	/* call *%reg */
	       (b[2] == 0xff && b[3] == 0x15);		/* call *m(%rip) */
}

/**
 * go3s_co_walk() - return addresses on a coroutine's stack
 * @co: the coroutine; the caller keeps it from finishing
 * @sp: where to start (its saved or current stack pointer)
 * @entries: filled with the addresses found, innermost first
 * @max: room in @entries
 *
 * The kernel's unwinders only walk task, interrupt, exception and entry
 * stacks; on a coroutine stack they stop at once and print an empty trace.
 * This walk scans the words of the coroutine's own stack instead and keeps
 * those that point just after a call instruction in kernel text, like the
 * kernel's "?" entries: every real frame is there, and a stale return
 * address may be too.
 *
 * Return: the number of entries stored.
 */
unsigned int go3s_co_walk(struct go3s_co *co, unsigned long sp,
			  unsigned long *entries, unsigned int max)
{
	unsigned long base = (unsigned long)co->stack;
	unsigned long top = base + co->stack_size;
	unsigned long *p;
	unsigned int n = 0;

	if (sp < base || sp >= top)
		return 0;
	for (p = (unsigned long *)ALIGN(sp, sizeof(long));
	     (unsigned long)p < top && n < max; p++) {
		unsigned long v = READ_ONCE_NOCHECK(*p);

		if (go3s_is_return_address(v))
			entries[n++] = v;
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_walk);

/**
 * go3s_co_report() - print a coroutine's frames under a heading
 * @co: the coroutine; the caller keeps it from finishing
 * @sp: where the walk starts (see go3s_co_walk())
 * @entries: scratch room for the walk
 * @max: room in @entries
 * @what: the heading: what went wrong
 */
void go3s_co_report(struct go3s_co *co, unsigned long sp,
		    unsigned long *entries, unsigned int max, const char *what)
{
	unsigned int i, n;

	n = go3s_co_walk(co, sp, entries, max);
	pr_warn("%s in coroutine %llu (entry %ps) on CPU %d; its frames:\n",
		what, co->id, co->fn, co->cpu);
	for (i = 0; i < n; i++)
		pr_warn("  ? %pS\n", (void *)entries[i]);
}

/**
 * go3s_co_warn() - report a problem in the running coroutine
 * @co: the running coroutine
 * @what: what went wrong
 *
 * Prints the coroutine's id, entry function and a walk of its own frames,
 * which the kernel's backtrace cannot show (see go3s_co_walk()).
 */
void go3s_co_warn(struct go3s_co *co, const char *what)
{
	unsigned long entries[16];

	/* Start above our own array: it holds stale words of earlier calls. */
	go3s_co_report(co, (unsigned long)(entries + ARRAY_SIZE(entries)),
		       entries, ARRAY_SIZE(entries), what);
}
EXPORT_SYMBOL_IF_KUNIT(go3s_co_warn);

/**
 * go3s_co_init_frame() - build the frame a new coroutine is entered through
 * @co: its ->stack and ->stack_size set
 *
 * A new coroutine's stack: go3s_switch() pops six callee-saved registers
 * (%rbx = the coroutine) and returns into go3s_co_entry, with the stack
 * 16-byte aligned for its call; the two words above stay zero.  Sets
 * ->sp; go3s_co_entry then calls go3s_co_main(), which runs ->fn(->arg).
 * Spawn uses it, and so does the bare-switch benchmark (bench.c).
 */
void go3s_co_init_frame(struct go3s_co *co)
{
	unsigned long *top = co->stack + co->stack_size;
	unsigned long *sp = top - 3 - 6;

	sp[0] = 0;				/* r15 */
	sp[1] = 0;				/* r14 */
	sp[2] = 0;				/* r13 */
	sp[3] = 0;				/* r12 */
	sp[4] = (unsigned long)co;		/* rbx */
	sp[5] = 0;				/* rbp */
	sp[6] = (unsigned long)go3s_co_entry;	/* return address */
	co->sp = (unsigned long)sp;
}
