/* wattlog.h - the optional CSV watts log: whole lines only, size rotation, torn-line repair. */
#ifndef H2BOX_WATTLOG_H
#define H2BOX_WATTLOG_H

#include <stdint.h>

struct wattlog;

#define WATTLOG_TEMPS_MAX 8

struct wattlog_row {
	int64_t real_ns, mono_ns;
	double volts, amps, watts;
	/* one per column named at open, in that order; NAN (unknown) is an empty cell */
	double temps[WATTLOG_TEMPS_MAX];
	double fan_duty_pct, fan_rpm;
	double ib_tx_gbps, ib_rx_gbps;
	const char *budget_state;
};

/*
 * Open (create) the log for appending.  The columns are fixed here: one
 * "<name>_temp_c" per temperature input the profile names (temp_names, ntemps
 * <= WATTLOG_TEMPS_MAX), whether or not it can be read yet.  An empty file
 * gets the header at once.  A last line left torn by an older crash is cut
 * off (the file is truncated after its last newline).  An existing file whose
 * header differs (the profile's inputs changed) is rotated once, so its
 * history stays as path.1 (even with keep 0).  Lines go out with one write()
 * each on an O_APPEND descriptor, so a crash can only lose the line being
 * written, never corrupt an earlier one.
 * The file is opened as statefile.c opens its own: a symlink (-ELOOP), a
 * non-regular file or one with other hard links (-EPERM) is refused, never
 * written through; a file rotation creates is made with O_EXCL.
 * keep: rotated files kept as path.1 .. path.keep.  0 or -errno.
 */
int wattlog_open(const char *path, const char *const *temp_names, int ntemps, uint64_t max_bytes,
		 int keep, struct wattlog **out);
void wattlog_close(struct wattlog *w);
/* Append one row. 0 or -errno. */
int wattlog_write(struct wattlog *w, const struct wattlog_row *row);
/* Rotate now by size (also done when a line would cross max_bytes). */
int wattlog_rotate(struct wattlog *w);
/* Rotations done since open, of either kind (tests, logs). */
int wattlog_rotations(const struct wattlog *w);
/* Bytes cut off by the torn-line repair on open (tests, logs). */
int64_t wattlog_repaired_bytes(const struct wattlog *w);
const char *wattlog_path(const struct wattlog *w);

#endif
