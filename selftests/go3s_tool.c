// SPDX-License-Identifier: GPL-2.0
/*
 * go3s: a command-line tool for /dev/go3s.
 *
 *   go3s info
 *   go3s stats [-i MS] [-n COUNT]
 *   go3s run [-c CAP]... [-l] PROGRAM [-- PROGRAM]...
 *
 * A PROGRAM is [options] OP[,OP]... with options -C CPU, -m CPUMASK (hex),
 * -p high|normal|low,
 * -s STACK, -S (start suspended), -x N (N copies) and ops yield, spin:NS,
 * sleep:NS, suspend, send:CHAN:VALUE, recv:CHAN, loop:TARGET:COUNT,
 * exit:CODE.  Times take an ns, us, ms or s suffix.  -c creates a channel
 * of that capacity before the programs; channels are numbered from 1 in
 * order.  run prints a table of the coroutines (-l) and one line per
 * coroutine as it ends.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "go3s_util.h"

#define MAX_COS 4096

static void die(const char *what)
{
	fprintf(stderr, "go3s: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void print_usage(void)
{
	fputs("usage: go3s info\n"
	      "       go3s stats [-i MS] [-n COUNT]\n"
	      "       go3s run [-c CAP]... [-l] PROGRAM [-- PROGRAM]...\n"
	      "PROGRAM: [-C CPU | -m MASK] [-p high|normal|low] [-s STACK] [-S] [-x N] OP[,OP]...\n"
	      "OP: yield spin:NS sleep:NS suspend send:CHAN:VAL recv:CHAN\n"
	      "    loop:TARGET:COUNT exit:CODE   (NS takes ns/us/ms/s)\n", stderr);
	exit(2);
}

static unsigned long long parse_ns(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (!strcmp(end, "us"))
		return v * 1000;
	if (!strcmp(end, "ms"))
		return v * 1000000;
	if (!strcmp(end, "s"))
		return v * 1000000000ULL;
	if (*end && strcmp(end, "ns"))
		print_usage();
	return v;
}

static unsigned int parse_ops(char *spec, struct go3s_op *ops)
{
	unsigned int n = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(spec, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *arg = strchr(tok, ':');
		char *arg2 = NULL;

		if (n == GO3S_PROG_MAX_OPS)
			print_usage();
		if (arg) {
			*arg++ = 0;
			arg2 = strchr(arg, ':');
			if (arg2)
				*arg2++ = 0;
		}
		memset(&ops[n], 0, sizeof(ops[n]));
		if (!strcmp(tok, "yield")) {
			ops[n].code = GO3S_OP_YIELD;
		} else if (!strcmp(tok, "suspend")) {
			ops[n].code = GO3S_OP_SUSPEND;
		} else if (!strcmp(tok, "spin") && arg) {
			ops[n].code = GO3S_OP_SPIN;
			ops[n].b = parse_ns(arg);
		} else if (!strcmp(tok, "sleep") && arg) {
			ops[n].code = GO3S_OP_SLEEP;
			ops[n].b = parse_ns(arg);
		} else if (!strcmp(tok, "send") && arg && arg2) {
			ops[n].code = GO3S_OP_SEND;
			ops[n].a = strtoul(arg, NULL, 0);
			ops[n].b = strtoull(arg2, NULL, 0);
		} else if (!strcmp(tok, "recv") && arg) {
			ops[n].code = GO3S_OP_RECV;
			ops[n].a = strtoul(arg, NULL, 0);
		} else if (!strcmp(tok, "loop") && arg && arg2) {
			ops[n].code = GO3S_OP_LOOP;
			ops[n].a = strtoul(arg, NULL, 0);
			ops[n].b = strtoull(arg2, NULL, 0);
		} else if (!strcmp(tok, "exit")) {
			ops[n].code = GO3S_OP_EXIT;
			ops[n].a = arg ? (unsigned int)strtol(arg, NULL, 0) : 0;
		} else {
			fprintf(stderr, "go3s: unknown op '%s'\n", tok);
			print_usage();
		}
		n++;
	}
	return n;
}

static int cmd_info(int fd)
{
	struct go3s_info in = { .size = sizeof(in) };

	if (ioctl(fd, GO3S_IOC_GET_INFO, &in))
		die("GET_INFO");
	printf("go3s ABI %u, %u of %u CPUs online\n", in.abi_version,
	       in.nr_online_cpus, in.nr_possible_cpus);
	printf("stacks     %u KiB default, %u KiB to %u KiB\n",
	       in.default_stack_size >> 10, in.min_stack_size >> 10,
	       in.max_stack_size >> 10);
	printf("coroutines %u per open file, %u in all\n",
	       in.max_session_coroutines, in.max_coroutines);
	printf("stack mem  %llu MiB per open file, %llu MiB in all\n",
	       (unsigned long long)in.max_session_stack_bytes >> 20,
	       (unsigned long long)in.max_stack_bytes >> 20);
	printf("features  %s%s\n",
	       in.features & GO3S_FEATURE_COMPAT_IOCTL ? " compat_ioctl" : "",
	       in.features & GO3S_FEATURE_COROUTINES ? " coroutines" : "");
	return 0;
}

static void print_stats(int fd, struct go3s_cpu_stats *prev, double secs)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	struct go3s_cpu_stats st;

	printf("%-4s %12s %10s %10s %8s %8s %8s %8s %7s %7s\n", "cpu",
	       secs ? "switches/s" : "switches", "spawns", "done", "handoffs",
	       "steals", "backoff", "queued", "co%", "sched%");
	for (long c = 0; c < ncpu && c < 256; c++) {
		if (go3s_cpu_stats(fd, c, &st))
			continue;
		double sw = st.switches - (prev ? prev[c].switches : 0);
		double busy = st.sched_ns - (prev ? prev[c].sched_ns : 0);
		double body = st.co_ns - (prev ? prev[c].co_ns : 0);

		printf("%-4ld %12.0f %10llu %10llu %8llu %8llu %8llu %8llu %6.1f%% %6.1f%%%s\n",
		       c, secs ? sw / secs : sw,
		       (unsigned long long)st.spawns,
		       (unsigned long long)st.completions,
		       (unsigned long long)st.handoffs,
		       (unsigned long long)st.steals,
		       (unsigned long long)st.backoff_rounds,
		       (unsigned long long)st.queue_depth,
		       secs ? 100 * body / (secs * 1e9) : 0,
		       secs ? 100 * busy / (secs * 1e9) : 0,
		       st.online ? "" : "  (offline)");
		if (prev)
			prev[c] = st;
	}
}

static int cmd_stats(int fd, int argc, char **argv)
{
	struct go3s_cpu_stats prev[256];
	int interval = 0, count = 1, o;

	while ((o = getopt(argc, argv, "i:n:")) != -1) {
		if (o == 'i')
			interval = atoi(optarg);
		else if (o == 'n')
			count = atoi(optarg);
		else
			print_usage();
	}
	if (!interval) {
		print_stats(fd, NULL, 0);
		return 0;
	}
	memset(prev, 0, sizeof(prev));
	for (int c = 0; c < 256; c++)
		go3s_cpu_stats(fd, c, &prev[c]);
	while (count-- > 0) {
		usleep(interval * 1000);
		printf("\n");
		print_stats(fd, prev, interval / 1000.0);
		fflush(stdout);
	}
	return 0;
}

static void list(int fd, unsigned int *ids, unsigned int n)
{
	static const char * const prio[] = { "high", "normal", "low" };
	struct go3s_status st;

	printf("%6s %-11s %4s %-6s %4s %9s %10s %8s\n", "id", "state", "cpu",
	       "prio", "pc", "switches", "run_us", "stack");
	for (unsigned int i = 0; i < n; i++) {
		if (go3s_status(fd, ids[i], &st))
			continue;
		printf("%6u %-11s %4u %-6s %4u %9llu %10.1f %7uK%s\n", st.id,
		       go3s_state_name(st.state), st.cpu,
		       st.priority < 3 ? prio[st.priority] : "?", st.pc,
		       (unsigned long long)st.switches, st.run_ns / 1e3,
		       st.stack_size >> 10, st.on_cpu ? "  on cpu" : "");
	}
}

static int cmd_run(int fd, int argc, char **argv)
{
	static struct go3s_op ops[GO3S_PROG_MAX_OPS];
	static unsigned int ids[MAX_COS];
	unsigned int n = 0, done = 0, cpu, prio, stack, flags, copies, ch;
	__u64 mask;
	int i = 0, show = 0;
	struct go3s_event ev;

	/* Channels and listing come first. */
	while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--")) {
		if (!strcmp(argv[i], "-c") && i + 1 < argc) {
			if (go3s_chan(fd, atoi(argv[i + 1]), &ch))
				die("CHAN_CREATE");
			printf("channel %u: capacity %s\n", ch, argv[i + 1]);
			i += 2;
		} else if (!strcmp(argv[i], "-l")) {
			show = 1;
			i++;
		} else {
			break;
		}
	}
	while (i < argc) {
		cpu = GO3S_CREATE_CPU_ANY;
		prio = GO3S_CO_PRIO_NORMAL;
		stack = 0;
		flags = 0;
		copies = 1;
		mask = 0;
		for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
			if (!strcmp(argv[i], "--"))
				continue;
			if (!strcmp(argv[i], "-S")) {
				flags |= GO3S_CREATE_SUSPENDED;
				continue;
			}
			if (i + 1 >= argc)
				print_usage();
			if (!strcmp(argv[i], "-C"))
				cpu = atoi(argv[++i]);
			else if (!strcmp(argv[i], "-m"))
				mask = strtoull(argv[++i], NULL, 16);
			else if (!strcmp(argv[i], "-p"))
				prio = !strcmp(argv[++i], "high") ? 0 :
				       !strcmp(argv[i], "low") ? 2 : 1;
			else if (!strcmp(argv[i], "-s"))
				stack = strtoul(argv[++i], NULL, 0);
			else if (!strcmp(argv[i], "-x"))
				copies = atoi(argv[++i]);
			else
				print_usage();
		}
		if (i >= argc)
			print_usage();
		unsigned int nops = parse_ops(argv[i++], ops);

		while (copies-- > 0 && n < MAX_COS) {
			if (go3s_create_full(fd, ops, nops, cpu,
					     mask ? &mask : NULL,
					     mask ? sizeof(mask) : 0, prio, stack,
					     flags, &ids[n]))
				die("CREATE");
			n++;
		}
	}
	if (!n)
		print_usage();
	printf("created %u coroutine%s\n", n, n > 1 ? "s" : "");
	if (show)
		list(fd, ids, n);
	while (done < n) {
		if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
			die("read");
		done++;
		printf("coroutine %u %s, exit code %d, ran %.1f us, lived %.1f us\n",
		       ev.id, go3s_state_name(ev.state), ev.exit_code,
		       ev.run_ns / 1e3, (ev.ended_ns - ev.created_ns) / 1e3);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2)
		print_usage();
	fd = go3s_open();
	if (fd < 0)
		die("open " GO3S_DEV);
	if (!strcmp(argv[1], "info"))
		return cmd_info(fd);
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(fd, argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(fd, argc - 2, argv + 2);
	print_usage();
	return 2;
}
