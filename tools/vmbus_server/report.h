/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmbus-vmm's ground (report.c): settings, transcript, checks, watchdog,
 * clock and GUID text.
 */
#ifndef VMBUS_VMM_REPORT_H
#define VMBUS_VMM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the kernel's headers would give; user space defines its own. */
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define VMM_ATTRIBUTE(x)	__attribute__(x)
#define __printf(a, b)		VMM_ATTRIBUTE((format(printf, a, b)))

/* The run's settings: main.c sets them from the options. */
struct config {
	const char *device;
	int timeout_ms;
	uint32_t version;
	uint8_t instance[16];
	bool mmio_set;
	uint16_t mmio_mb;
	uint16_t mmio_opt_mb;
	unsigned long packets;
	unsigned long cycles;
	unsigned int ring_pages;
	bool quiet;
	int verbose;
	int hush;	/* > 0: no transcript, checks report failures only */
	/*
	 * > 0: a trial whose checks may fail (the faults scenario's faulted
	 * cycles): failures are counted apart and not printed.
	 */
	int trial;
};

extern struct config cfg;

/* Transcript and checks. */
__printf(1, 2) void say(const char *fmt, ...);
__printf(2, 3) bool check(bool ok, const char *fmt, ...);
void hexdump(const char *what, const void *buf, size_t len);
double now_sec(void);
void watchdog(const char *what);
int guid_parse(const char *s, uint8_t guid[16]);
const char *guid_str(const uint8_t guid[16], char buf[37]);

extern const char *scenario_name;
int report_summary(void);
unsigned int report_trial_failures(const char **first);

#endif /* VMBUS_VMM_REPORT_H */
