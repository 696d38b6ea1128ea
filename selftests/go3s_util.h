/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small wrappers around the /dev/go3s ioctls, shared by the selftests and
 * the go3s tool.  Each returns what ioctl() returns (0 or -1 with errno).
 */
#ifndef _GO3S_UTIL_H
#define _GO3S_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <uapi/go3s.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * @n scaled by GO3S_SCALE (percent, default 100), at least 1: the volume of
 * the long randomised tests (rounds, storms).  make check lowers it on the
 * debug kernels, ten times slower than a stock one; the guest gets it from
 * the kernel command line.
 */
static inline unsigned int go3s_scaled(unsigned int n)
{
	const char *env = getenv("GO3S_SCALE");
	unsigned long pct = env ? strtoul(env, NULL, 0) : 100;

	n = (unsigned long long)n * pct / 100;
	return n ? n : 1;
}

#define GO3S_DEV "/dev/go3s"
#define GO3S_FOREVER (~0ULL)

#define OP(c, x, y) ((struct go3s_op){ .code = GO3S_OP_##c, .a = (x), .b = (y) })

static inline int go3s_open(void)
{
	return open(GO3S_DEV, O_RDWR | O_CLOEXEC);
}

static inline int go3s_create_full(int fd, const struct go3s_op *ops,
				   unsigned int nr, unsigned int cpu,
				   const __u64 *mask, unsigned int mask_size,
				   unsigned int prio, unsigned int stack,
				   unsigned int flags, unsigned int *id)
{
	struct go3s_create c = {
		.size = sizeof(c),
		.flags = flags,
		.ops = (uintptr_t)ops,
		.nr_ops = nr,
		.cpu = cpu,
		.priority = prio,
		.stack_size = stack,
		.cpu_mask = (uintptr_t)mask,
		.cpu_mask_size = mask_size,
	};
	int ret = ioctl(fd, GO3S_IOC_CREATE, &c);

	if (!ret && id)
		*id = c.id;
	return ret;
}

static inline int go3s_create_ex(int fd, const struct go3s_op *ops,
				 unsigned int nr, unsigned int cpu,
				 unsigned int prio, unsigned int stack,
				 unsigned int flags, unsigned int *id)
{
	return go3s_create_full(fd, ops, nr, cpu, NULL, 0, prio, stack, flags,
				id);
}

static inline int go3s_create(int fd, const struct go3s_op *ops,
			      unsigned int nr, unsigned int flags,
			      unsigned int *id)
{
	return go3s_create_ex(fd, ops, nr, GO3S_CREATE_CPU_ANY,
			      GO3S_CO_PRIO_NORMAL, 0, flags, id);
}

static inline int go3s_id_ioctl(int fd, unsigned long cmd, unsigned int id)
{
	struct go3s_id_arg a = { .size = sizeof(a), .id = id };

	return ioctl(fd, cmd, &a);
}

static inline int go3s_wait(int fd, unsigned int flags, unsigned int *id,
			    unsigned long long timeout_ns, unsigned int *state,
			    int *exit_code)
{
	struct go3s_wait w = {
		.size = sizeof(w),
		.flags = flags,
		.id = *id,
		.timeout_ns = timeout_ns,
	};
	int ret = ioctl(fd, GO3S_IOC_WAIT, &w);

	if (!ret) {
		*id = w.id;
		if (state)
			*state = w.state;
		if (exit_code)
			*exit_code = w.exit_code;
	}
	return ret;
}

static inline int go3s_status(int fd, unsigned int id, struct go3s_status *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->id = id;
	return ioctl(fd, GO3S_IOC_STATUS, st);
}

static inline int go3s_chan(int fd, unsigned int capacity, unsigned int *id)
{
	struct go3s_chan_create c = { .size = sizeof(c), .capacity = capacity };
	int ret = ioctl(fd, GO3S_IOC_CHAN_CREATE, &c);

	if (!ret)
		*id = c.id;
	return ret;
}

static inline int go3s_cpu_stats(int fd, unsigned int cpu,
				 struct go3s_cpu_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->cpu = cpu;
	return ioctl(fd, GO3S_IOC_CPU_STATS, st);
}

/* Poll the state of @id until it is @state; at most @tries * 1 ms. */
static inline int go3s_await_state(int fd, unsigned int id, unsigned int state,
				   int tries)
{
	struct go3s_status st;

	while (tries-- > 0) {
		if (go3s_status(fd, id, &st))
			return -1;
		if (st.state == state)
			return 0;
		usleep(1000);
	}
	errno = ETIMEDOUT;
	return -1;
}

static inline const char *go3s_state_name(unsigned int state)
{
	static const char * const names[] = {
		[GO3S_CO_CREATED] = "CREATED",
		[GO3S_CO_ACTIVE] = "ACTIVE",
		[GO3S_CO_SUSPENDED] = "SUSPENDED",
		[GO3S_CO_COMPLETING] = "COMPLETING",
		[GO3S_CO_CANCELLED] = "CANCELLED",
	};

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

#endif /* _GO3S_UTIL_H */
