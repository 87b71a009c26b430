/* cli-record-run.h - `h2box record`'s workload: a command without a shell, or the copy. */
#ifndef H2BOX_CLI_RECORD_RUN_H
#define H2BOX_CLI_RECORD_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Runs the command (looked up in PATH, no shell); its status, 128+signal, 126/127 when it
 * cannot start.  ^C and ^\ stop the command while the record goes on to report. */
int cli_record_run_command(char **cmd, int ncmd);
/*
 * Opens the copy's files before anything is recorded, like cp: a directory as DST receives
 * SRC's base name, and DST is truncated only once it is known not to be SRC (through a
 * symlink or a hard link too).  0 with both fds set, or -errno with the message in err.
 */
int cli_record_run_copy_open(const char *src, const char *dst, int *in_fd, int *out_fd,
			     char *dstbuf, size_t dstlen, char *err, size_t errlen);
/* The article's copy test: a plain read/write loop, fsync before the clock stops.  Closes both. */
int cli_record_run_copy(int in, int out, const char *src, const char *dst, uint64_t *bytes,
			double *secs);
/* path names the file open on fd (the CSV must not overwrite the copy's SRC or DST). */
bool cli_record_run_same_file(const char *path, int fd);

#endif
