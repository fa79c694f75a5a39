// SPDX-License-Identifier: GPL-2.0
/*
 * What every part of vmbus-vmm stands on: the run's settings, the
 * transcript and the checks it counts, a watchdog for calls that may hang,
 * the clock and GUID text.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

struct config cfg = {
	.device = "/dev/vmbus_server",
	.timeout_ms = 10000,
	.version = 5 << 16 | 3,	/* VMBus 5.3 */
	.packets = 100,
	.cycles = 1000,
	.ring_pages = 8,
};

static unsigned int n_ok, n_not_ok, n_trial_failed;
static char trial_first[200];
const char *scenario_name = "?";
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

	if (!ok && cfg.trial) {
		if (!n_trial_failed++) {
			va_start(ap, fmt);
			vsnprintf(trial_first, sizeof(trial_first), fmt, ap);
			va_end(ap);
		}
		errno = err;
		return false;
	}
	if (ok)
		n_ok += !cfg.hush && !cfg.trial;
	else
		n_not_ok++;
	if (!ok || (!cfg.hush && !cfg.trial)) {
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

/* The last line: the counts; the exit status says whether all passed. */
int report_summary(void)
{
	printf("vmbus-vmm: %s: %u ok, %u not ok\n", scenario_name, n_ok,
	       n_not_ok);
	return n_not_ok ? 1 : 0;
}

/*
 * Checks that failed in trials since the last call (cfg.trial), and the
 * first of them.
 */
unsigned int report_trial_failures(const char **first)
{
	unsigned int n = n_trial_failed;

	*first = n ? trial_first : "";
	n_trial_failed = 0;
	return n;
}
