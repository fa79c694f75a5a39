// SPDX-License-Identifier: GPL-2.0
/*
 * vmbus-vmm: plays a VMM and its guest against /dev/vmbus_server.
 *
 * Every assertion prints "ok - what" or "not ok - what"; the last line
 * counts them and the exit status is 0 only when all passed (1 when one
 * failed, 2 for a usage error).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

/* b4d1e6f2-3c9a-4e57-9f1d-7a2c5e8b0d63, in wire order. */
const uint8_t sample_type[16] = {
	0xf2, 0xe6, 0xd1, 0xb4, 0x9a, 0x3c, 0x57, 0x4e,
	0x9f, 0x1d, 0x7a, 0x2c, 0x5e, 0x8b, 0x0d, 0x63,
};

struct config cfg = {
	.device = "/dev/vmbus_server",
	.timeout_ms = 10000,
	.version = VMBUS_VERSION(5, 3),
	.packets = 100,
	.cycles = 1000,
	.ring_pages = 8,
};

static unsigned int n_ok, n_not_ok;
static const char *scenario_name = "?";
static const char *watched;

/* The transcript; errno survives it, so "%m" works after a say(). */
void say(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	if (cfg.quiet || cfg.hush)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	errno = err;
}

bool check(bool ok, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	if (ok)
		n_ok += !cfg.hush;
	else
		n_not_ok++;
	if (!ok || !cfg.hush) {
		printf(ok ? "ok - " : "not ok - ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	}
	errno = err;
	return ok;
}

void hexdump(const char *what, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	if (cfg.quiet || cfg.hush)
		return;
	printf("  %s, %zu bytes:", what, len);
	for (i = 0; i < len; i++)
		printf("%s%02x", i % 16 ? " " : "\n    ", p[i]);
	putchar('\n');
}

/*
 * A system call that may block in the kernel (close, device removal) must
 * not hang the harness: if it has not returned after the timeout, say so
 * and end.  The handler only runs if the call sleeps interruptibly.
 */
static void watchdog_fired(int sig)
{
	char buf[256];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf),
		     "not ok - %s returned within %d s\nvmbus-vmm: %s: %u ok, %u not ok\n",
		     watched, cfg.timeout_ms / 1000 + 1, scenario_name, n_ok,
		     n_not_ok + 1);
	if (write(STDOUT_FILENO, buf, n) < 0)
		_exit(1);
	_exit(1);
}

void watchdog(const char *what)
{
	struct sigaction sa = { .sa_handler = watchdog_fired };

	if (what && !watched)
		sigaction(SIGALRM, &sa, NULL);
	watched = what ? what : watched;
	alarm(what ? cfg.timeout_ms / 1000 + 1 : 0);
}

double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Text 8-4-4-4-12 to wire order: the first three groups are
 * little-endian on the wire, the last two are bytes in order.
 */
int guid_parse(const char *s, uint8_t g[16])
{
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
				       8, 9, 10, 11, 12, 13, 14, 15 };
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10) {
			if (*s++ != '-')
				return -1;
		}
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -1;
		hi = isdigit((unsigned char)s[0]) ? s[0] - '0' :
						    tolower(s[0]) - 'a' + 10;
		lo = isdigit((unsigned char)s[1]) ? s[1] - '0' :
						    tolower(s[1]) - 'a' + 10;
		g[order[i]] = hi << 4 | lo;
		s += 2;
	}
	return *s ? -1 : 0;
}

const char *guid_str(const uint8_t g[16], char buf[37])
{
	snprintf(buf, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
	return buf;
}

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
	printf("vmbus-vmm: %s: %u ok, %u not ok\n", scenarios[i].name, n_ok,
	       n_not_ok);
	return n_not_ok ? 1 : 0;

bad:
	fprintf(stderr, "vmbus-vmm: bad value \"%s\" for --%s\n", optarg,
		opts[li].name);
	return 2;
usage:
	fprintf(stderr, "usage: vmbus-vmm [options] SCENARIO [N]; see --help\n");
	return 2;
}
