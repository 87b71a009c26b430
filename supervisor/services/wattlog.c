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
	char header[WATTLOG_LINE_MAX];
	bool header_checked;
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

static int open_fd(struct wattlog *w)
{
	struct stat st;
	int r;

	w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return -errno;
	/* pread needs read access: repair through a separate descriptor */
	{
		int rfd = open(w->path, O_RDWR | O_CLOEXEC);
		int64_t cut = 0;

		if (rfd < 0)
			return -errno;
		r = repair(rfd, &cut);
		close(rfd);
		if (r < 0)
			return r;
		w->repaired += cut;
	}
	if (fstat(w->fd, &st) < 0)
		return -errno;
	w->size = (uint64_t)st.st_size;
	w->header_checked = false;
	return 0;
}

int wattlog_open(const char *path, uint64_t max_bytes, int keep, struct wattlog **out)
{
	struct wattlog *w;
	int r;

	if (!path || !*path || strlen(path) >= sizeof(w->path) - 16)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->max_bytes = max_bytes;
	w->keep = keep < 0 ? 0 : keep;
	r = open_fd(w);
	if (r < 0) {
		wattlog_close(w);
		return r;
	}
	*out = w;
	return 0;
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

const char *wattlog_path(const struct wattlog *w)
{
	return w->path;
}

int wattlog_rotate(struct wattlog *w)
{
	char from[4200], to[4200];
	int i;

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->keep == 0) {
		if (unlink(w->path) < 0 && errno != ENOENT)
			return -errno;
	} else {
		for (i = w->keep - 1; i >= 1; i--) {
			snprintf(from, sizeof(from), "%s.%d", w->path, i);
			snprintf(to, sizeof(to), "%s.%d", w->path, i + 1);
			if (rename(from, to) < 0 && errno != ENOENT)
				return -errno;
		}
		snprintf(to, sizeof(to), "%s.1", w->path);
		if (rename(w->path, to) < 0 && errno != ENOENT)
			return -errno;
	}
	return open_fd(w);
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

static int make_header(const struct wattlog_row *row, char *buf, size_t len)
{
	size_t off = 0;
	char nm[40];

	put(buf, len, &off, "time,mono_s,volts,amps,watts");
	for (int i = 0; i < row->ntemps && i < WATTLOG_TEMPS_MAX; i++) {
		csv_name(nm, sizeof(nm), row->temp_names[i]);
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

/* An existing file with other columns (temperature inputs changed) starts a new file. */
static int check_header(struct wattlog *w)
{
	char first[WATTLOG_LINE_MAX];
	size_t hl = strlen(w->header);
	ssize_t n;
	int fd;

	w->header_checked = true;
	if (w->size == 0)
		return 0;
	fd = open(w->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, first, hl, 0);
	close(fd);
	if (n == (ssize_t)hl && !memcmp(first, w->header, hl))
		return 0;
	return wattlog_rotate(w);
}

int wattlog_write(struct wattlog *w, const struct wattlog_row *row)
{
	char line[WATTLOG_LINE_MAX], hdr[WATTLOG_LINE_MAX], ts[40];
	size_t off = 0, hl;
	int r;

	if (w->fd < 0) {
		r = open_fd(w);
		if (r < 0)
			return r;
	}
	r = make_header(row, hdr, sizeof(hdr));
	if (r < 0)
		return r;
	if (strcmp(hdr, w->header)) {
		snprintf(w->header, sizeof(w->header), "%s", hdr);
		w->header_checked = false;
	}
	if (!w->header_checked) {
		r = check_header(w);
		if (r < 0)
			return r;
	}
	if (timefmt_iso(row->real_ns, true, ts, sizeof(ts)) < 0)
		snprintf(ts, sizeof(ts), "1970-01-01T00:00:00.000Z");
	put(line, sizeof(line), &off, "%s,%.3f", ts, (double)row->mono_ns / 1e9);
	put_num(line, sizeof(line), &off, row->volts, 3);
	put_num(line, sizeof(line), &off, row->amps, 4);
	put_num(line, sizeof(line), &off, row->watts, 3);
	for (int i = 0; i < row->ntemps && i < WATTLOG_TEMPS_MAX; i++)
		put_num(line, sizeof(line), &off, row->temps[i], 1);
	put_num(line, sizeof(line), &off, row->fan_duty_pct, 1);
	put_num(line, sizeof(line), &off, row->fan_rpm, 0);
	put_num(line, sizeof(line), &off, row->ib_tx_gbps, 3);
	put_num(line, sizeof(line), &off, row->ib_rx_gbps, 3);
	r = put(line, sizeof(line), &off, ",%s\n", row->budget_state ? row->budget_state : "");
	if (r < 0)
		return -EOVERFLOW;
	hl = strlen(w->header);
	if (w->max_bytes && w->size > 0 && w->size + off > w->max_bytes) {
		r = wattlog_rotate(w);
		if (r < 0)
			return r;
		w->header_checked = true;
	}
	if (w->size == 0) {
		r = write_line(w, w->header, hl);
		if (r < 0)
			return r;
		w->header_checked = true;
	}
	return write_line(w, line, off);
}
