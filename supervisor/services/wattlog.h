/* wattlog.h - the optional CSV watts log: whole lines only, size rotation, torn-line repair. */
#ifndef H2BOX_WATTLOG_H
#define H2BOX_WATTLOG_H

#include <stdint.h>

struct wattlog;

#define WATTLOG_TEMPS_MAX 8

struct wattlog_row {
	int64_t real_ns, mono_ns;
	double volts, amps, watts;
	int ntemps;
	const char *temp_names[WATTLOG_TEMPS_MAX];
	double temps[WATTLOG_TEMPS_MAX];
	double fan_duty_pct, fan_rpm;
	double ib_tx_gbps, ib_rx_gbps;
	const char *budget_state;
};

/*
 * Open (create) the log for appending.  A last line left torn by an older
 * crash is cut off (the file is truncated after its last newline).  Lines go
 * out with one write() each on an O_APPEND descriptor, so a crash can only
 * lose the line being written, never corrupt an earlier one.
 * keep: rotated files kept as path.1 .. path.keep.  0 or -errno.
 */
int wattlog_open(const char *path, uint64_t max_bytes, int keep, struct wattlog **out);
void wattlog_close(struct wattlog *w);
/* Append one row (and a header first in an empty file). 0 or -errno. */
int wattlog_write(struct wattlog *w, const struct wattlog_row *row);
/* Rotate now (also done when a line would cross max_bytes). */
int wattlog_rotate(struct wattlog *w);
/* Bytes cut off by the torn-line repair on open (tests, logs). */
int64_t wattlog_repaired_bytes(const struct wattlog *w);
const char *wattlog_path(const struct wattlog *w);

#endif
