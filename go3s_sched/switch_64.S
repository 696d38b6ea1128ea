/* SPDX-License-Identifier: GPL-2.0 */
/*
 * go3s: x86_64 coroutine context switch and entry trampoline.
 *
 * Modelled on __switch_to_asm and ret_from_fork_asm in
 * arch/x86/entry/entry_64.S: the same frame (callee-saved registers pushed
 * below the return address), the same stack-pointer swap through memory that
 * objtool understands, and the same return-stack-buffer refill when the CPU
 * needs it on a context switch.  The per-CPU stack-protector slot is swapped
 * by the run loop in C (sched.c), not here.
 */
#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "compat.h"

	.text

/*
 * void go3s_switch(unsigned long *save_sp, unsigned long *load_sp)
 *
 * Saves the callee-saved registers on the current stack and the stack
 * pointer in *save_sp, then loads the stack pointer from *load_sp and
 * returns on that stack: into whatever go3s_switch() call saved it, or for a
 * new coroutine into go3s_co_entry (see the frame built in unwind_64.c).
 */
SYM_FUNC_START(go3s_switch)
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15

	movq	%rsp, (%rdi)
	movq	(%rsi), %rsp

	/*
	 * Switching from a shallow call stack to a deeper one may underflow
	 * the RSB; refill it where the kernel does so on task switches.
	 */
	FILL_RETURN_BUFFER %r12, RSB_CLEAR_LOOPS, X86_FEATURE_RSB_CTXSW

	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	RET
SYM_FUNC_END(go3s_switch)

/*
 * First code of every coroutine, reached by the RET of go3s_switch() with
 * %rbx holding the coroutine.  It is the bottom of the coroutine's stack:
 * unwinders stop here.  go3s_co_main() runs the body and returns the slot
 * holding its run loop's stack pointer; the last switch goes there and
 * never comes back (the slot saved in the coroutine, at offset 0, is never
 * loaded again).
 */
SYM_CODE_START(go3s_co_entry)
	UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR	/* reached by RET, never by an indirect call */
	CALL_DEPTH_ACCOUNT
	movq	%rbx, %rdi
	call	go3s_co_main
	movq	%rbx, %rdi
	movq	%rax, %rsi
	call	go3s_switch
	ud2
SYM_CODE_END(go3s_co_entry)
