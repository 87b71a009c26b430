/* wattlog.c - CSV watts log with rotation; one write() per whole line on an O_APPEND fd. */
#include "supervisor/services/wattlog.h"

#include "supervisor/util/timefmt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WATTLOG_LINE_MAX 1024

struct wattlog {
	char path[4096];
	int fd;
	uint64_t size;
	uint64_t max_bytes;
	int keep;
	int64_t repaired;
	int rotations;
	int ntemps;
	char header[WATTLOG_LINE_MAX];
};

/* Cut a torn last line: everything after the last '\n' goes. */
static int repair(int fd, int64_t *cut)
{
	char buf[4096];
	struct stat st;
	off_t end, pos;

	*cut = 0;
	if (fstat(fd, &st) < 0)
		return -errno;
	end = st.st_size;
	pos = end;
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t n = pread(fd, buf, chunk, pos - (off_t)chunk);

		if (n != (ssize_t)chunk)
			return n < 0 ? -errno : -EIO;
		for (ssize_t i = n - 1; i >= 0; i--) {
			if (buf[i] == '\n') {
				off_t keep = pos - (off_t)chunk + i + 1;

				if (keep == end)
					return 0;
				if (ftruncate(fd, keep) < 0)
					return -errno;
				*cut = end - keep;
				return 0;
			}
		}
		pos -= (off_t)chunk;
	}
	if (end > 0) {
		if (ftruncate(fd, 0) < 0)
			return -errno;
		*cut = end;
	}
	return 0;
}

static int put(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return -ENOSPC;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off) {
		*off = len;
		return -ENOSPC;
	}
	*off += (size_t)n;
	return 0;
}

/* NAN is an empty field: an unknown reading never becomes a number. */
static void put_num(char *buf, size_t len, size_t *off, double v, int decimals)
{
	if (isfinite(v))
		put(buf, len, off, ",%.*f", decimals, v);
	else
		put(buf, len, off, ",");
}

static void csv_name(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		dst[i++] = (*s == ',' || *s == '"' || *s == '\n' || *s == '\r' || *s == ' ') ? '_'
											     : *s;
	dst[i] = '\0';
}

static int make_header(const char *const *names, int n, char *buf, size_t len)
{
	size_t off = 0;
	char nm[40];

	put(buf, len, &off, "time,mono_s,volts,amps,watts");
	for (int i = 0; i < n; i++) {
		csv_name(nm, sizeof(nm), names[i]);
		put(buf, len, &off, ",%s_temp_c", nm);
	}
	return put(buf, len, &off, ",fan_duty_pct,fan_rpm,ib_tx_gbps,ib_rx_gbps,budget_state\n");
}

static int write_line(struct wattlog *w, const char *line, size_t n)
{
	ssize_t k = write(w->fd, line, n);

	if (k == (ssize_t)n) {
		w->size += n;
		return 0;
	}
	/* a short write (disk full) would tear the line: take it back */
	if (k > 0 && ftruncate(w->fd, (off_t)w->size) < 0)
		return -errno;
	return k < 0 ? -errno : -ENOSPC;
}


/*
 * Open path for appending without ever writing through something planted there: no symlink
 * (O_NOFOLLOW), no FIFO or device (O_NONBLOCK, then a regular-file check), no second name of
 * another file (a hard link).  fresh: the path was just rotated away, so create it or fail.
 */
static int open_fd(struct wattlog *w, bool fresh)
{
	int flags = O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
	struct stat st;
	int64_t cut = 0;
	int r;

	w->fd = open(w->path, flags | (fresh ? O_EXCL : 0), 0644);
	if (w->fd < 0)
		return -errno;
	if (fstat(w->fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		r = -EPERM;
		goto fail;
	}
	/* a regular file never blocks: the flag only guarded the open itself */
	if (fcntl(w->fd, F_SETFL, O_APPEND) < 0) {
		r = -errno;
		goto fail;
	}
	r = repair(w->fd, &cut);
	if (r < 0)
		goto fail;
	w->repaired += cut;
	w->size = (uint64_t)(st.st_size - cut);
	return 0;
fail:
	close(w->fd);
	w->fd = -1;
	return r;
}

/* path.1 .. path.keep-1 move up one (what was path.keep goes), path becomes path.1 (keep 0: goes). */
static int rotate(struct wattlog *w, int keep)
{
	char from[4200], to[4200];
	int i;

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->rotations++;
	if (keep == 0) {
		if (unlink(w->path) < 0 && errno != ENOENT)
			return -errno;
	} else {
		for (i = keep - 1; i >= 1; i--) {
			snprintf(from, sizeof(from), "%s.%d", w->path, i);
			snprintf(to, sizeof(to), "%s.%d", w->path, i + 1);
			if (rename(from, to) < 0 && errno != ENOENT)
				return -errno;
		}
		snprintf(to, sizeof(to), "%s.1", w->path);
		if (rename(w->path, to) < 0 && errno != ENOENT)
			return -errno;
	}
	return open_fd(w, true);
}

/*
 * An empty file gets the header.  One that starts with other columns (the profile's inputs
 * changed) is rotated once, keeping it as path.1 even with keep 0: never mixed, never deleted.
 */
static int header_settle(struct wattlog *w)
{
	char first[WATTLOG_LINE_MAX];
	size_t hl = strlen(w->header);
	ssize_t n;
	int r;

	if (w->size > 0) {
		n = pread(w->fd, first, hl, 0);
		if (n == (ssize_t)hl && !memcmp(first, w->header, hl))
			return 0;
		r = rotate(w, w->keep > 0 ? w->keep : 1);
		if (r < 0)
			return r;
	}
	return write_line(w, w->header, hl);
}

int wattlog_open(const char *path, const char *const *temp_names, int ntemps, uint64_t max_bytes,
		 int keep, struct wattlog **out)
{
	struct wattlog *w;
	int r;

	if (!path || !*path || strlen(path) >= sizeof(w->path) - 16 || ntemps < 0 ||
	    ntemps > WATTLOG_TEMPS_MAX || (ntemps && !temp_names))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->max_bytes = max_bytes;
	w->keep = keep < 0 ? 0 : keep;
	w->ntemps = ntemps;
	r = make_header(temp_names, ntemps, w->header, sizeof(w->header));
	if (r < 0)
		goto fail;
	r = open_fd(w, false);
	if (r < 0)
		goto fail;
	r = header_settle(w);
	if (r < 0)
		goto fail;
	*out = w;
	return 0;
fail:
	wattlog_close(w);
	return r;
}

void wattlog_close(struct wattlog *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

int64_t wattlog_repaired_bytes(const struct wattlog *w)
{
	return w->repaired;
}

int wattlog_rotations(const struct wattlog *w)
{
	return w->rotations;
}

const char *wattlog_path(const struct wattlog *w)
{
	return w->path;
}

int wattlog_rotate(struct wattlog *w)
{
	int r = rotate(w, w->keep);

	return r < 0 ? r : write_line(w, w->header, strlen(w->header));
}

int wattlog_write(struct wattlog *w, const struct wattlog_row *row)
{
	char line[WATTLOG_LINE_MAX], ts[40];
	size_t off = 0;
	int r;

	if (w->fd < 0) {
		/* a failed rotation left no open file: start one with its header */
		r = open_fd(w, false);
		if (r == 0)
			r = header_settle(w);
		if (r < 0)
			return r;
	}
	if (timefmt_iso(row->real_ns, true, ts, sizeof(ts)) < 0)
		snprintf(ts, sizeof(ts), "1970-01-01T00:00:00.000Z");
	put(line, sizeof(line), &off, "%s,%.3f", ts, (double)row->mono_ns / 1e9);
	put_num(line, sizeof(line), &off, row->volts, 3);
	put_num(line, sizeof(line), &off, row->amps, 4);
	put_num(line, sizeof(line), &off, row->watts, 3);
	for (int i = 0; i < w->ntemps; i++)
		put_num(line, sizeof(line), &off, row->temps[i], 1);
	put_num(line, sizeof(line), &off, row->fan_duty_pct, 1);
	put_num(line, sizeof(line), &off, row->fan_rpm, 0);
	put_num(line, sizeof(line), &off, row->ib_tx_gbps, 3);
	put_num(line, sizeof(line), &off, row->ib_rx_gbps, 3);
	r = put(line, sizeof(line), &off, ",%s\n", row->budget_state ? row->budget_state : "");
	if (r < 0)
		return -EOVERFLOW;
	/* only size rotates a running log: its columns never change while it is open */
	if (w->max_bytes && w->size > strlen(w->header) && w->size + off > w->max_bytes) {
		r = wattlog_rotate(w);
		if (r < 0)
			return r;
	}
	return write_line(w, line, off);
}
