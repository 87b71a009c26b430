/* log-capture.h - unit-test helper: the daemon's log (stderr) into a file the test reads; real time. */
#ifndef H2BOX_TEST_LOG_CAPTURE_H
#define H2BOX_TEST_LOG_CAPTURE_H

#include "supervisor/util/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

struct log_capture {
	char path[64];
	int fd, saved;
};

/* From now on log lines (LOG_INFO and up) go to a temporary file.  0 or -1. */
static inline int log_capture_begin(struct log_capture *c)
{
	snprintf(c->path, sizeof(c->path), "/tmp/h2box-log-XXXXXX");
	c->fd = mkstemp(c->path);
	if (c->fd < 0)
		return -1;
	fflush(stderr);
	c->saved = dup(2);
	dup2(c->fd, 2);
	log_init(LOG_TARGET_STDERR, LOG_INFO);
	return 0;
}

/* Everything logged so far (the first 8 KiB). */
static inline const char *log_capture_text(struct log_capture *c)
{
	static char buf[8192];
	ssize_t n;

	fflush(stderr);
	n = pread(c->fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static inline void log_capture_end(struct log_capture *c)
{
	log_init(LOG_TARGET_NONE, 0);
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	close(c->fd);
	unlink(c->path);
}

/* CLOCK_MONOTONIC in ns: the bound of a wait on a real process. */
static inline int64_t log_capture_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif
