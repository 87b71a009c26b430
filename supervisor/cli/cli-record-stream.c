/* cli-record-stream.c - `h2box record`'s samples: a `watts --follow` stream read by a thread. */
#include "supervisor/cli/cli-record-stream.h"

#include "supervisor/cli/cli.h"
#include "supervisor/cli/cli-record.h"
#include "supervisor/util/wire.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int cli_record_stream_connect(const char *path, double interval_s)
{
	char iv[32];
	char *words[] = { "watts", "--follow", "--interval", iv };

	snprintf(iv, sizeof(iv), "%.3f", interval_s);
	return cli_connect_send(path, true, 4, words);
}

static void cli_record_stream_line(struct cli_record_stream *st, const char *line)
{
	struct cli_record_sample s;
	char row[1024];
	int n;

	if (cli_record_sample_parse(line, &st->cols, &s) < 0)
		return;
	st->samples++;
	if (!st->csv) {
		char w[16], avg[16];

		snprintf(w, sizeof(w), isfinite(s.watts) ? "%.2f" : "--", s.watts);
		snprintf(avg, sizeof(avg), isfinite(s.avg_w) ? "%.2f" : "--", s.avg_w);
		fprintf(stderr, "record: %s  %s W  avg %s W  %s\n", s.time, w, avg, s.budget);
		return;
	}
	n = cli_record_csv_row(&st->cols, &s, row, sizeof(row));
	/* whole lines only, flushed at once: a killed client leaves no torn row */
	if (n > 0 && (fwrite(row, 1, (size_t)n, st->csv) != (size_t)n || fflush(st->csv) != 0))
		st->write_err = errno ? errno : EIO;
}

static void *cli_record_stream_run(void *arg)
{
	struct cli_record_stream *st = arg;
	char buf[8192];
	size_t len = 0;

	for (;;) {
		ssize_t n = recv(st->fd, buf + len, sizeof(buf) - len - 1, 0);
		char *p, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		p = buf;
		while ((nl = strchr(p, '\n'))) {
			*nl = '\0';
			cli_record_stream_line(st, p);
			p = nl + 1;
		}
		len = strlen(p);
		memmove(buf, p, len + 1);
		if (len + 1 >= sizeof(buf))
			len = 0; /* an absurd line: drop it rather than stall */
	}
	return NULL;
}

int cli_record_stream_start(struct cli_record_stream *st, const char *path, double interval_s,
			    char *err, size_t errlen)
{
	char head[1024];
	size_t len = 0, off;
	char *nl = NULL;
	int status;

	st->fd = cli_record_stream_connect(path, interval_s);
	if (st->fd < 0)
		return st->fd;
	/* the head line, then the reply object (one line), byte by byte: samples stay unread */
	while (len + 1 < sizeof(head)) {
		ssize_t n = recv(st->fd, head + len, 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len++;
		head[len] = '\0';
		nl = strchr(head, '\n');
		if (nl && strchr(nl + 1, '\n'))
			break;
	}
	head[len] = '\0';
	if (len == 0 || !nl) {
		int r = len == 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -ETIMEDOUT : -EPROTO;

		close(st->fd);
		st->fd = -1;
		return r;
	}
	if (wire_reply_head_parse(head, len, &status, &off) < 0)
		status = 1;
	if (status) {
		const char *msg = strstr(nl + 1, "\"error\":\"");

		/* the JSON error's message, up to its closing quote */
		snprintf(err, errlen, "%s", msg ? msg + 9 : nl + 1);
		if (strrchr(err, '"'))
			*strrchr(err, '"') = '\0';
		close(st->fd);
		st->fd = -1;
		return status;
	}
	if (cli_record_cols_parse(nl + 1, &st->cols) < 0)
		memset(&st->cols, 0, sizeof(st->cols)); /* an odd name list: the fixed columns only */
	/* the CSV header now that the daemon has named its temperature columns, and before the
	 * reader can write a row */
	if (st->csv) {
		char hdr[512];
		int n = cli_record_csv_header(&st->cols, hdr, sizeof(hdr));

		if (n < 0 || fwrite(hdr, 1, (size_t)n, st->csv) != (size_t)n || fflush(st->csv)) {
			snprintf(err, errlen, "writing the CSV header: %s",
				 strerror(n < 0 ? -n : errno ? errno : EIO));
			close(st->fd);
			st->fd = -1;
			return 1;
		}
	}
	cli_stream_started(st->fd);
	if (pthread_create(&st->thread, NULL, cli_record_stream_run, st) != 0) {
		close(st->fd);
		st->fd = -1;
		snprintf(err, errlen, "cannot start a thread");
		return 1;
	}
	st->running = true;
	return 0;
}

void cli_record_stream_stop(struct cli_record_stream *st)
{
	if (!st->running)
		return;
	shutdown(st->fd, SHUT_RDWR); /* wakes the reader's recv() with end of file */
	pthread_join(st->thread, NULL);
	close(st->fd);
	st->fd = -1;
	st->running = false;
}
