// SPDX-License-Identifier: GPL-2.0
/*
 * ptp-time DEVICE: reads the PTP clock DEVICE (/dev/ptpN), then
 * CLOCK_REALTIME, and prints both in seconds:
 *
 *   ptp S.NNNNNNNNN realtime S.NNNNNNNNN
 *
 * For the test kernel's initramfs, whose busybox cannot read a PTP clock.
 * Built statically by testguest.sh.
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* A dynamic POSIX clock: the clock id of an open file (clock_gettime(2)). */
#define CLOCKFD			3
#define FD_TO_CLOCKID(fd)	((~(clockid_t)(fd) << 3) | CLOCKFD)

int main(int argc, char **argv)
{
	struct timespec ptp, real;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: ptp-time /dev/ptpN\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (clock_gettime(FD_TO_CLOCKID(fd), &ptp) ||
	    clock_gettime(CLOCK_REALTIME, &real)) {
		perror("clock_gettime");
		return 1;
	}
	printf("ptp %lld.%09ld realtime %lld.%09ld\n", (long long)ptp.tv_sec,
	       ptp.tv_nsec, (long long)real.tv_sec, real.tv_nsec);
	close(fd);
	return 0;
}
