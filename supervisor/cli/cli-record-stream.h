/* cli-record-stream.h - `h2box record`'s samples: a `watts --follow` stream read by a thread. */
#ifndef H2BOX_CLI_RECORD_STREAM_H
#define H2BOX_CLI_RECORD_STREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "supervisor/cli/cli-record.h"

/* Set fd = -1 and csv before cli_record_stream_start(); samples and write_err after the stop. */
struct cli_record_stream {
	int fd;
	FILE *csv; /* NULL: progress lines on stderr */
	pthread_t thread;
	bool running;
	unsigned samples;
	int write_err;
	struct cli_record_cols cols; /* from the daemon's reply, set before the reader starts */
};

/*
 * Ask h2boxd for `watts --follow` and read its answer here, before anything runs: a refused
 * interval is a usage error of the record, not a record without samples.  0 with the reader
 * thread running, -errno for a connection failure, or the daemon's error status with its
 * message in err.
 */
int cli_record_stream_start(struct cli_record_stream *st, const char *path, double interval_s,
			    char *err, size_t errlen);
/* Hang up and join the reader; no-op when it is not running. */
void cli_record_stream_stop(struct cli_record_stream *st);

#endif
