/* SPDX-License-Identifier: GPL-2.0 */
/*
 * go3s tracepoints (§7): spawn, switch, wake, complete, steal.  Each event
 * carries the coroutine's id (go3s_id()) and its CPU.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM go3s

#if !defined(_GO3S_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _GO3S_TRACE_H

#include <linux/tracepoint.h>

DECLARE_EVENT_CLASS(go3s_co_event,
		    TP_PROTO(u64 id, int cpu),
		    TP_ARGS(id, cpu),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(int, cpu)),
		    TP_fast_assign(__entry->id = id;
				   __entry->cpu = cpu;),
		    TP_printk("id=%llu cpu=%d", __entry->id, __entry->cpu));

/* A coroutine was created (before it is first queued). */
DEFINE_EVENT(go3s_co_event, go3s_spawn,
	     TP_PROTO(u64 id, int cpu),
	     TP_ARGS(id, cpu));

/* Its CPU is about to switch into it. */
DEFINE_EVENT(go3s_co_event, go3s_switch,
	     TP_PROTO(u64 id, int cpu),
	     TP_ARGS(id, cpu));

/* It was made runnable and queued (resume, cancel, timer, channel). */
DEFINE_EVENT(go3s_co_event, go3s_wake,
	     TP_PROTO(u64 id, int cpu),
	     TP_ARGS(id, cpu));

/* It finished: its result is final and its stack released. */
TRACE_EVENT(go3s_complete,
	    TP_PROTO(u64 id, int cpu, int result),
	    TP_ARGS(id, cpu, result),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(int, cpu)
			     __field(int, result)),
	    TP_fast_assign(__entry->id = id;
			   __entry->cpu = cpu;
			   __entry->result = result;),
	    TP_printk("id=%llu cpu=%d result=%d", __entry->id, __entry->cpu,
		      __entry->result));

/*
 * A CPU that ran dry took @nr coroutines from @from's run queue; @id is
 * the one it runs first, the others wait in its own.
 */
TRACE_EVENT(go3s_steal,
	    TP_PROTO(u64 id, int from, int cpu, unsigned int nr),
	    TP_ARGS(id, from, cpu, nr),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(int, from)
			     __field(int, cpu)
			     __field(unsigned int, nr)),
	    TP_fast_assign(__entry->id = id;
			   __entry->from = from;
			   __entry->cpu = cpu;
			   __entry->nr = nr;),
	    TP_printk("id=%llu from=%d cpu=%d nr=%u", __entry->id,
		      __entry->from, __entry->cpu, __entry->nr));

#endif /* _GO3S_TRACE_H */

/* Out of tree: Kbuild passes -I to the module's top directory. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH go3s_sched
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
