/* bare-loop.c - `make bench`'s floor: one timerfd wake-up per period, pread of hwmon files kept open, one pwm write. */
/*
 * Usage: bare-loop PERIOD_US PWM_FILE|- FILE...
 * Every period: read the timerfd once, pread and parse each FILE (descriptors opened once),
 * then, unless PWM_FILE is "-", write a duty derived from the first value to PWM_FILE.
 * This is the least a C fan or power loop can do per cycle on the same files h2boxd reads;
 * the bench divides h2boxd's CPU by this program's.  Runs until killed.  SIGUSR1 prints
 * "ticks N missed M" on stdout: timer periods so far, and those it woke too late to take
 * (the machine's own floor for h2boxd's missed samples at 1 kHz); "ready" on stdout once it
 * takes SIGUSR1 (before that the signal kills it).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define BARE_FILES_MAX 16

static volatile sig_atomic_t bare_report;

static void bare_on_usr1(int sig)
{
	(void)sig;
	bare_report = 1;
}

int main(int argc, char **argv)
{
	int fds[BARE_FILES_MAX], nfds = 0, pwm = -1, tfd;
	uint64_t total = 0, missed = 0;
	struct itimerspec its = { 0 };
	long period_us;
	char *end;

	if (argc < 4 || argc - 3 > BARE_FILES_MAX) {
		fprintf(stderr, "usage: bare-loop PERIOD_US PWM_FILE|- FILE... (at most %d)\n",
			BARE_FILES_MAX);
		return 2;
	}
	period_us = strtol(argv[1], &end, 10);
	if (*end || period_us < 100 || period_us > 60000000) {
		fprintf(stderr, "bare-loop: bad period '%s'\n", argv[1]);
		return 2;
	}
	if (strcmp(argv[2], "-") != 0) {
		pwm = open(argv[2], O_WRONLY | O_CLOEXEC);
		if (pwm < 0) {
			fprintf(stderr, "bare-loop: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
	}
	for (int i = 3; i < argc; i++) {
		fds[nfds] = open(argv[i], O_RDONLY | O_CLOEXEC);
		if (fds[nfds] < 0) {
			fprintf(stderr, "bare-loop: %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		nfds++;
	}
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (tfd < 0) {
		perror("bare-loop: timerfd_create");
		return 1;
	}
	its.it_value.tv_sec = its.it_interval.tv_sec = period_us / 1000000;
	its.it_value.tv_nsec = its.it_interval.tv_nsec = (period_us % 1000000) * 1000;
	if (timerfd_settime(tfd, 0, &its, NULL) < 0) {
		perror("bare-loop: timerfd_settime");
		return 1;
	}
	{
		/* no SA_RESTART: the report is printed at once, not after the next tick */
		struct sigaction sa = { .sa_handler = bare_on_usr1 };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	/* from here SIGUSR1 reports instead of killing: whoever sends it waits for this line */
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		uint64_t ticks;
		long first = 0;

		if (bare_report) {
			bare_report = 0;
			printf("ticks %llu missed %llu\n", (unsigned long long)total,
			       (unsigned long long)missed);
			fflush(stdout);
		}
		if (read(tfd, &ticks, sizeof(ticks)) != (ssize_t)sizeof(ticks)) {
			if (errno == EINTR)
				continue;
			perror("bare-loop: timerfd read");
			return 1;
		}
		total += ticks;
		missed += ticks - 1; /* expirations beyond one: periods gone before it woke */
		for (int i = 0; i < nfds; i++) {
			char buf[32];
			ssize_t n = pread(fds[i], buf, sizeof(buf) - 1, 0);
			long v;

			if (n < 0)
				continue; /* counted as a read like any other: the floor does not retry */
			buf[n] = '\0';
			v = strtol(buf, NULL, 10);
			if (i == 0)
				first = v;
		}
		if (pwm >= 0) {
			/* a linear duty from the first value (a temperature in m°C), 0-255 */
			long duty = (first - 30000) * 255 / 40000;
			char out[8];
			int len;

			duty = duty < 0 ? 0 : duty > 255 ? 255 : duty;
			len = snprintf(out, sizeof(out), "%ld\n", duty);
			if (pwrite(pwm, out, (size_t)len, 0) < 0)
				perror("bare-loop: pwm write");
		}
	}
}
