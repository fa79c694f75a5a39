// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus-vmm: plays a VMM and its guest against /dev/vmbus_server.
 *
 * Every assertion prints "ok - what" or "not ok - what"; the last line
 * counts them and the exit status is 0 only when all passed (1 when one
 * failed, 2 for a usage error).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "vmm.h"

static const struct {
	const char *name;
	int (*run)(void);
	const char *help;
} scenarios[] = {
	{ "run", scenario_run,
	  "connect, open the sample's channel, exchange packets, tear down" },
	{ "traffic", scenario_traffic,
	  "open the channel, print \"traffic running\", exchange packets forever" },
	{ "two-vms", scenario_two_vms,
	  "two VMs on two opens: nothing of one is reachable from the other" },
	{ "no-release", scenario_no_release,
	  "remove the device, never release the relid, close: nothing blocks" },
	{ "stop-reading", scenario_stop_reading,
	  "stop reading host messages: posts get EAGAIN, nothing is lost" },
	{ "bad-ioctls", scenario_bad_ioctls,
	  "every ioctl, write() and read() with bad arguments gets its errno" },
	{ "outside-table", scenario_outside_table,
	  "ring GPADL frames outside the memory table: the open fails cleanly" },
	{ "munmap-open", scenario_munmap_open,
	  "unmap guest memory under an open channel, then close the device" },
	{ "reset", scenario_reset,
	  "VMBS_RESET with a channel open: the guest reboots and opens it again" },
	{ "memlock", scenario_memlock,
	  "without CAP_IPC_LOCK, RLIMIT_MEMLOCK too small for a ring: refused" },
	{ "faults", scenario_faults,
	  "fail each allocation of each VMM call in turn: refused or done, never broken" },
	{ "cycles", scenario_cycles,
	  "[N] open, connect, open the channel, one packet, close; N times" },
	{ "selftest", scenario_selftest,
	  "the tool's ring code against itself, no device needed" },
};

static void print_help(void)
{
	unsigned int i;

	printf("usage: vmbus-vmm [options] SCENARIO [N]\n"
	       "Plays a VMM and its Hyper-V guest against /dev/vmbus_server.\n\n"
	       "scenarios:\n");
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		printf("  %-14s %s\n", scenarios[i].name, scenarios[i].help);
	printf("\noptions:\n"
	       "  --device PATH        the char device (default /dev/vmbus_server)\n"
	       "  --timeout SEC        longest wait for anything (default 10)\n"
	       "  --version MAJ.MIN    VMBus protocol the guest asks for (default 5.3)\n"
	       "  --instance GUID      the sample device's instance\n"
	       "                       (default 5a3e0c1d-9b47-4f26-a18d-3c72905e6104)\n"
	       "  --mmio MB[:OPT_MB]   pass the sample these MMIO sizes (OPT_MB default 0)\n"
	       "                       and expect them in its offer (else 8:16)\n"
	       "  --packets N          round trips in run (default 100)\n"
	       "  --cycles N           cycles of the cycles scenario (default 1000)\n"
	       "  --ring-pages N       pages of each ring, control page included\n"
	       "                       (default 8, 2..512)\n"
	       "  -q, --quiet          only ok/not ok lines and the summary\n"
	       "  -v, --verbose        hex dump every message (twice: packets too)\n"
	       "  -h, --help           this text\n");
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || *s == '-' || *out < min ||
	       *out > max ? -1 : 0;
}

static int parse_pair(const char *s, char sep, unsigned long max,
		      unsigned long *a, unsigned long *b)
{
	char buf[64], *p;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -1;
	p = strchr(buf, sep);
	*b = 0;
	if (p) {
		*p++ = '\0';
		if (parse_ulong(p, 0, max, b))
			return -1;
	}
	return parse_ulong(buf, 0, max, a);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "version", required_argument, NULL, 'V' },
		{ "instance", required_argument, NULL, 'i' },
		{ "mmio", required_argument, NULL, 'm' },
		{ "packets", required_argument, NULL, 'p' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "ring-pages", required_argument, NULL, 'r' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long a, b;
	unsigned int i;
	struct rlimit rl;
	int c, ret, li = 0;

	guid_parse("5a3e0c1d-9b47-4f26-a18d-3c72905e6104", cfg.instance);
	while ((c = getopt_long(argc, argv, "qvh", opts, &li)) != -1) {
		switch (c) {
		case 'd':
			cfg.device = optarg;
			break;
		case 't':
			if (parse_ulong(optarg, 1, 3600, &a))
				goto bad;
			cfg.timeout_ms = a * 1000;
			break;
		case 'V':
			if (parse_pair(optarg, '.', 0xffff, &a, &b))
				goto bad;
			cfg.version = VMBUS_VERSION(a, b);
			break;
		case 'i':
			if (guid_parse(optarg, cfg.instance))
				goto bad;
			break;
		case 'm':
			if (parse_pair(optarg, ':', 0xffff, &a, &b))
				goto bad;
			cfg.mmio_set = true;
			cfg.mmio_mb = a;
			cfg.mmio_opt_mb = b;
			break;
		case 'p':
			if (parse_ulong(optarg, 1, ~0ul, &cfg.packets))
				goto bad;
			break;
		case 'c':
			if (parse_ulong(optarg, 1, ~0ul, &cfg.cycles))
				goto bad;
			break;
		case 'r':
			if (parse_ulong(optarg, 2, 512, &a))
				goto bad;
			cfg.ring_pages = a;
			break;
		case 'q':
			cfg.quiet = true;
			break;
		case 'v':
			cfg.verbose++;
			break;
		case 'h':
			print_help();
			return 0;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		if (!strcmp(argv[optind], scenarios[i].name))
			break;
	if (i == ARRAY_SIZE(scenarios))
		goto usage;
	if (argc - optind > 2 ||
	    (argc - optind == 2 && (strcmp(argv[optind], "cycles") ||
	     parse_ulong(argv[optind + 1], 1, ~0ul, &cfg.cycles))))
		goto usage;

	/* The server pins rings and GPADLs under RLIMIT_MEMLOCK. */
	if (!getrlimit(RLIMIT_MEMLOCK, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MEMLOCK, &rl);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	scenario_name = scenarios[i].name;
	ret = scenarios[i].run();
	if (ret)
		check(false, "%s: the scenario ran to its end",
		      scenarios[i].name);
	return report_summary();

bad:
	fprintf(stderr, "vmbus-vmm: bad value \"%s\" for --%s\n", optarg,
		opts[li].name);
	return 2;
usage:
	fprintf(stderr, "usage: vmbus-vmm [options] SCENARIO [N]; see --help\n");
	return 2;
}
