// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest for sessions under load: thousands of coroutines in one
 * session, closing or killing a session full of live coroutines, many
 * processes at once, and the per-session limits.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "go3s_util.h"
#include "kselftest_harness.h"

static struct go3s_info info(int fd)
{
	struct go3s_info i = { .size = sizeof(i) };

	if (ioctl(fd, GO3S_IOC_GET_INFO, &i))
		memset(&i, 0, sizeof(i));
	return i;
}

/*
 * Fill @fd with @n live coroutines of every kind: a few that keep their
 * CPUs busy (spinning, yielding), the rest sleeping, suspended, blocked on
 * a channel either way, or never started.
 */
static int populate(int fd, unsigned int n)
{
	struct go3s_op spin[] = { OP(SPIN, 0, 50000), OP(LOOP, 0, 1000000000) };
	struct go3s_op sleep[] = { OP(SLEEP, 0, 3600000000000ULL) };
	struct go3s_op suspend[] = { OP(SUSPEND, 0, 0) };
	struct go3s_op yield[] = { OP(YIELD, 0, 0), OP(LOOP, 0, 1000000000) };
	unsigned int ch, i, id;

	if (go3s_chan(fd, 0, &ch))
		return -1;
	struct go3s_op recv[] = { OP(RECV, ch, 0) };
	struct go3s_op send[] = { OP(SEND, ch, 1), OP(LOOP, 0, 1000000000) };

	for (i = 0; i < n; i++) {
		int ret;

		switch (i % 6) {
		case 0:
			if (i < 24)
				ret = go3s_create(fd, spin, 2, 0, &id);
			else
				ret = go3s_create(fd, sleep, 1, 0, &id);
			break;
		case 1:
			ret = go3s_create(fd, sleep, 1, 0, &id);
			break;
		case 2:
			ret = go3s_create(fd, suspend, 1, 0, &id);
			break;
		case 3:
			ret = go3s_create(fd, recv, 1, 0, &id);
			break;
		case 4:
			ret = go3s_create(fd, i < 24 ? yield : send, 2, 0, &id);
			break;
		default:
			ret = go3s_create(fd, suspend, 1,
					  GO3S_CREATE_SUSPENDED, &id);
			break;
		}
		if (ret)
			return -1;
	}
	return 0;
}

/* TCG and KASAN make these slow: give each ten minutes, not thirty seconds. */
#define LONG_TEST(name) TEST_F_TIMEOUT(stress, name, 600)

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

LONG_TEST(thousands_in_one_session)
{
	struct go3s_op prog[] = { OP(YIELD, 0, 0), OP(EXIT, 1, 0) };
	unsigned int i, id, n = go3s_scaled(10000), got = 0;
	struct go3s_event ev[64];
	int fd = go3s_open();
	ssize_t r;

	ASSERT_GE(fd, 0);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, go3s_create_ex(fd, prog, 2, GO3S_CREATE_CPU_ANY,
					    GO3S_CO_PRIO_NORMAL, 8192, 0, &id))
			TH_LOG("coroutine %u: %s", i, strerror(errno));
	while (got < n) {
		r = read(fd, ev, sizeof(ev));
		ASSERT_GT(r, 0);
		for (i = 0; i < r / sizeof(ev[0]); i++) {
			EXPECT_EQ(1, ev[i].exit_code);
			EXPECT_EQ(GO3S_CO_COMPLETING, ev[i].state);
		}
		got += r / sizeof(ev[0]);
	}
	EXPECT_EQ(n, got);
	close(fd);
}

LONG_TEST(close_with_thousands_live)
{
	struct go3s_op prog[] = { OP(EXIT, 0, 0) };
	unsigned int id;
	int fd = go3s_open();

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, populate(fd, go3s_scaled(3000))) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, close(fd));
	/* Everything is gone and the device works on. */
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, go3s_create(fd, prog, 1, 0, &id));
	ASSERT_EQ(0, go3s_wait(fd, 0, &id, GO3S_FOREVER, NULL, NULL));
	close(fd);
}

LONG_TEST(kill_with_thousands_live)
{
	int status, round;
	pid_t pid;

	for (round = 0; round < 2; round++) {
		int ready[2];
		char c;

		ASSERT_EQ(0, pipe(ready));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			int fd = go3s_open();

			if (fd < 0 || populate(fd, go3s_scaled(2000)))
				_exit(1);
			if (write(ready[1], "x", 1) != 1)
				_exit(2);
			pause();
			_exit(3);
		}
		close(ready[1]);
		/* Round 0 dies mid-creation; the others once populated. */
		ASSERT_EQ(1, round ? read(ready[0], &c, 1) : !usleep(20000));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		close(ready[0]);
	}
}

LONG_TEST(many_processes_at_once)
{
	unsigned int nproc = 8, i;
	int status;

	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (pid == 0) {
			unsigned int ch, a, b, k, code_ok = 1;
			int fd = go3s_open(), code;

			if (fd < 0 || go3s_chan(fd, 4, &ch))
				_exit(1);
			struct go3s_op tx[] = { OP(SEND, ch, 7), OP(LOOP, 0, 199),
						OP(EXIT, 1, 0) };
			struct go3s_op rx[] = { OP(RECV, ch, 0), OP(LOOP, 0, 199),
						OP(EXIT, 2, 0) };
			for (k = 0; k < 25; k++) {
				if (go3s_create(fd, tx, 3, 0, &a) ||
				    go3s_create(fd, rx, 3, 0, &b))
					_exit(2);
				if (go3s_wait(fd, 0, &a, GO3S_FOREVER, NULL, &code))
					_exit(3);
				code_ok &= code == 1;
				if (go3s_wait(fd, 0, &b, GO3S_FOREVER, NULL, &code))
					_exit(4);
				code_ok &= code == 2;
			}
			_exit(code_ok ? 0 : 5);
		}
	}
	for (i = 0; i < nproc; i++) {
		ASSERT_GT(wait(&status), 0);
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
}

LONG_TEST(session_coroutine_limit_is_eagain)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	int fd = go3s_open();
	struct go3s_info in = info(fd);
	unsigned int i, id;

	ASSERT_GE(fd, 0);
	ASSERT_GT(in.max_session_coroutines, 0);
	/* Smallest stacks, so the count limit is met before the byte one. */
	ASSERT_LE((unsigned long long)in.max_session_coroutines * 2 *
		  in.min_stack_size, in.max_session_stack_bytes);
	for (i = 0; i < in.max_session_coroutines; i++)
		ASSERT_EQ(0, go3s_create_ex(fd, prog, 1, GO3S_CREATE_CPU_ANY,
					    GO3S_CO_PRIO_NORMAL,
					    in.min_stack_size,
					    GO3S_CREATE_SUSPENDED, &id))
			TH_LOG("coroutine %u: %s", i, strerror(errno));
	EXPECT_EQ(-1, go3s_create(fd, prog, 1, GO3S_CREATE_SUSPENDED, &id));
	EXPECT_EQ(EAGAIN, errno);
	/* Another session has its own allowance. */
	int fd2 = go3s_open();

	ASSERT_GE(fd2, 0);
	EXPECT_EQ(0, go3s_create(fd2, prog, 1, GO3S_CREATE_SUSPENDED, &id));
	close(fd2);
	close(fd);
}

LONG_TEST(session_stack_limit_is_enomem)
{
	struct go3s_op prog[] = { OP(SUSPEND, 0, 0) };
	int fd = go3s_open();
	struct go3s_info in = info(fd);
	unsigned int n = 0, id;

	ASSERT_GE(fd, 0);
	while (!go3s_create_ex(fd, prog, 1, GO3S_CREATE_CPU_ANY,
			       GO3S_CO_PRIO_NORMAL, in.max_stack_size,
			       GO3S_CREATE_SUSPENDED, &id))
		n++;
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_GE(n, 1);
	EXPECT_LE((unsigned long long)n * in.max_stack_size,
		  in.max_session_stack_bytes);
	/* Closing gives it all back. */
	close(fd);
	fd = go3s_open();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, go3s_create_ex(fd, prog, 1, GO3S_CREATE_CPU_ANY,
				    GO3S_CO_PRIO_NORMAL, in.max_stack_size,
				    GO3S_CREATE_SUSPENDED, &id));
	close(fd);
}

TEST_HARNESS_MAIN
