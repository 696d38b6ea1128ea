/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the race and fault kselftests: a per-thread random number
 * generator, a ledger that counts every coroutine id created and reported,
 * argument slots whose output part lies in a page another thread can make
 * read-only or unmapped, and a first-failure record that worker threads
 * fill (the harness's ASSERT/EXPECT belong to the main thread only).
 */
#ifndef _GO3S_RACE_COMMON_H
#define _GO3S_RACE_COMMON_H

#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "go3s_util.h"

/* xorshift64*; @s must not be 0. */
static inline unsigned long long rc_rnd(unsigned long long *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static inline unsigned int rc_below(unsigned long long *s, unsigned int n)
{
	return n ? rc_rnd(s) % n : 0;
}

/* Failures seen by worker threads: how many, and the first one's text. */
struct rc_fails {
	unsigned int n;
	char first[512];
};

static inline void rc_fail(struct rc_fails *f, const char *fmt, ...)
{
	va_list ap;

	if (__atomic_fetch_add(&f->n, 1, __ATOMIC_RELAXED))
		return;
	va_start(ap, fmt);
	vsnprintf(f->first, sizeof(f->first), fmt, ap);
	va_end(ap);
}

/*
 * Ids are allocated cyclically from 1 in each session and never reused
 * within one (far fewer than 2^32 are made), so a plain array indexed by
 * id counts each coroutine.
 */
#define RC_MAX_IDS 65536

struct rc_ledger {
	unsigned int created[RC_MAX_IDS];
	unsigned int reported[RC_MAX_IDS];
	unsigned int last_id;		/* highest id a CREATE returned */
	unsigned long long nr_created;
	unsigned long long nr_reported;
};

static inline void rc_created(struct rc_ledger *lg, struct rc_fails *f,
			      unsigned int id)
{
	unsigned int last;

	if (!id || id >= RC_MAX_IDS) {
		rc_fail(f, "CREATE returned id %u", id);
		return;
	}
	if (__atomic_fetch_add(&lg->created[id], 1, __ATOMIC_RELAXED))
		rc_fail(f, "CREATE returned id %u twice", id);
	__atomic_fetch_add(&lg->nr_created, 1, __ATOMIC_RELAXED);
	last = __atomic_load_n(&lg->last_id, __ATOMIC_RELAXED);
	while (id > last &&
	       !__atomic_compare_exchange_n(&lg->last_id, &last, id, 0,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static inline void rc_reported(struct rc_ledger *lg, struct rc_fails *f,
			       unsigned int id, unsigned int state,
			       const char *how)
{
	if (!id || id >= RC_MAX_IDS) {
		rc_fail(f, "%s reported id %u", how, id);
		return;
	}
	if (state != GO3S_CO_COMPLETING && state != GO3S_CO_CANCELLED)
		rc_fail(f, "%s reported id %u in state %u", how, id, state);
	if (__atomic_fetch_add(&lg->reported[id], 1, __ATOMIC_RELAXED))
		rc_fail(f, "%s reported id %u a second time", how, id);
	__atomic_fetch_add(&lg->nr_reported, 1, __ATOMIC_RELAXED);
}

/*
 * Check, after the session was drained, that every id was created and
 * reported the same number of times (0 or 1).  Return: the number of bad
 * ids; the first is described in @why.
 */
static inline unsigned int rc_ledger_check(struct rc_ledger *lg, char *why,
					   size_t len)
{
	unsigned int id, bad = 0;

	for (id = 1; id < RC_MAX_IDS; id++) {
		unsigned int c = lg->created[id], r = lg->reported[id];

		if (c == r && c <= 1)
			continue;
		if (!bad++)
			snprintf(why, len, "id %u: created %u times, reported %u times%s",
				 id, c, r, !c ? " (its CREATE failed or never ran)" :
				 !r ? " (lost)" : "");
	}
	return bad;
}

/*
 * Argument slots: one memfd mapped twice.  The test writes and reads
 * through @alias, always read-write; the kernel gets addresses in @view,
 * where slot i is page 2i (read-write) followed by page 2i+1, whose
 * protection a toggler thread changes.  An argument placed with its first
 * @in bytes at the end of page 2i has its output part in page 2i+1.
 */
struct rc_trap {
	unsigned char *alias;
	unsigned char *view;
	size_t page;
	unsigned int nslots;
	int fd;
};

static inline int rc_trap_init(struct rc_trap *t, unsigned int nslots)
{
	size_t len;

	t->page = sysconf(_SC_PAGESIZE);
	t->nslots = nslots;
	len = 2 * nslots * t->page;
	t->fd = memfd_create("go3s-trap", MFD_CLOEXEC);
	if (t->fd < 0 || ftruncate(t->fd, len))
		return -1;
	t->alias = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	t->view = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (t->alias == MAP_FAILED || t->view == MAP_FAILED)
		return -1;
	return 0;
}

static inline void rc_trap_fini(struct rc_trap *t)
{
	size_t len = 2 * t->nslots * t->page;

	munmap(t->alias, len);
	munmap(t->view, len);
	close(t->fd);
}

/* Kernel address of slot @i with @in bytes before the page boundary. */
static inline void *rc_trap_arg(struct rc_trap *t, unsigned int i, size_t in,
				void **alias)
{
	size_t off = (2 * i + 1) * t->page - in;

	*alias = t->alias + off;
	return t->view + off;
}

/* Protection of the second page of slot @i. */
static inline int rc_trap_protect(struct rc_trap *t, unsigned int i, int prot)
{
	return mprotect(t->view + (2 * i + 1) * t->page, t->page, prot);
}

/*
 * Unmap the second page of slot @i and map it back: the kernel may meet
 * the hole.  MAP_FIXED_NOREPLACE: never clobber what another thread may
 * have mapped there meanwhile (the slot then stays a hole).
 */
static inline void rc_trap_unmap_remap(struct rc_trap *t, unsigned int i)
{
	unsigned char *p = t->view + (2 * i + 1) * t->page;

	if (munmap(p, t->page))
		return;
	mmap(p, t->page, PROT_READ | PROT_WRITE,
	     MAP_SHARED | MAP_FIXED_NOREPLACE, t->fd, (2 * i + 1) * t->page);
}

/*
 * 32-bit glibc joins threads and sleeps on contended locks with the
 * time32 futex syscall, which a kernel without CONFIG_COMPAT_32BIT_TIME
 * does not have: glibc then aborts ("The futex facility returned an
 * unexpected error code").  Return: 0 where that is so.
 */
static inline int rc_threads_work(void)
{
	int word = 0;

	return syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0) >= 0;
}

#define RC_NO_THREADS \
	"no time32 futex for 32-bit programs (CONFIG_COMPAT_32BIT_TIME=n): glibc threads abort"

static inline unsigned long long rc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

#endif /* _GO3S_RACE_COMMON_H */
