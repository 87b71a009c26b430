/* cli-record.c - `h2box record`: watts, energy and IB traffic while a command runs. */
#include "supervisor/cli/cli-record.h"
#include "supervisor/cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/parse.h"

extern char **environ;

#define RECORD_COPY_BUF (1u << 20)

static const char record_usage[] =
	"usage: h2box [--json] record [-o FILE.csv] [--interval S] -- COMMAND [ARGS...]\n"
	"       h2box [--json] record [-o FILE.csv] [--interval S] --copy SRC DST|DIR\n"
	"       h2box [--json] record begin | end ID      (the daemon's verbs)\n";

/* ---- pure parts ---- */

int cli_record_args_parse(int argc, char **argv, struct cli_record_opts *o, char *err,
			  size_t errlen)
{
	char perr[96];
	int i;

	memset(o, 0, sizeof(*o));
	o->interval_s = 1.0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			o->help = true;
			return 0;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				snprintf(err, errlen, "%s needs a file name", a);
				return -EINVAL;
			}
			o->out_path = argv[++i];
		} else if (!strcmp(a, "--interval") || !strcmp(a, "-i")) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a number of seconds", a);
				return -EINVAL;
			}
			if (parse_double(argv[++i], 0.001, 3600, &o->interval_s, perr, sizeof(perr)) <
			    0) {
				snprintf(err, errlen, "%s: %s", a, perr);
				return -EINVAL;
			}
		} else if (!strcmp(a, "--copy")) {
			if (i + 2 >= argc || !argv[i + 1][0] || !argv[i + 2][0]) {
				snprintf(err, errlen, "--copy needs SRC and DST");
				return -EINVAL;
			}
			o->copy = true;
			o->copy_src = argv[++i];
			o->copy_dst = argv[++i];
		} else {
			snprintf(err, errlen, "unknown option '%.40s'", a);
			return -EINVAL;
		}
	}
	o->cmd = argv + i;
	o->ncmd = argc - i;
	if (o->copy && o->ncmd > 0) {
		snprintf(err, errlen, "give either --copy SRC DST or a command, not both");
		return -EINVAL;
	}
	if (!o->copy && o->ncmd == 0) {
		snprintf(err, errlen, "no command to run (put it after --)");
		return -EINVAL;
	}
	return 0;
}

/* The value after "key": in a flat JSON line (top-level keys come before "monitors"). */
static const char *json_find(const char *line, const char *key)
{
	char pat[40];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	return p ? p + strlen(pat) : NULL;
}

static int json_num(const char *line, const char *key, double *v)
{
	const char *p = json_find(line, key);
	char *end;

	if (!p)
		return -ENOENT;
	if (!strncmp(p, "null", 4)) {
		*v = NAN;
		return 0;
	}
	errno = 0;
	*v = strtod(p, &end);
	if (end == p || errno == ERANGE || !isfinite(*v))
		return -EINVAL;
	return 0;
}

static int json_str(const char *line, const char *key, char *dst, size_t len)
{
	const char *p = json_find(line, key);
	size_t n = 0;

	dst[0] = '\0';
	if (!p)
		return -ENOENT;
	if (!strncmp(p, "null", 4))
		return 0;
	if (*p++ != '"')
		return -EINVAL;
	for (; *p && *p != '"'; p++) {
		if (n + 1 >= len)
			return -EINVAL;
		/* only what a CSV cell may hold unquoted */
		dst[n++] = (*p == ',' || *p == '\\' || (unsigned char)*p < 0x20) ? '_' : *p;
	}
	dst[n] = '\0';
	return *p == '"' ? 0 : -EINVAL;
}

int cli_record_sample_parse(const char *line, struct cli_record_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (line[0] != '{')
		return -EINVAL;
	/* mono_s and watts make a sample; the reply object {interval_ns} has neither */
	if (json_num(line, "mono_s", &s->mono_s) < 0 || json_num(line, "watts", &s->watts) < 0)
		return -EINVAL;
	if (json_num(line, "volts", &s->volts) < 0)
		s->volts = NAN;
	if (json_num(line, "amps", &s->amps) < 0)
		s->amps = NAN;
	if (json_num(line, "avg_w", &s->avg_w) < 0)
		s->avg_w = NAN;
	if (json_num(line, "ib_tx_gbps", &s->ib_tx_gbps) < 0)
		s->ib_tx_gbps = NAN;
	if (json_num(line, "ib_rx_gbps", &s->ib_rx_gbps) < 0)
		s->ib_rx_gbps = NAN;
	if (json_num(line, "energy_j", &s->energy_j) < 0)
		s->energy_j = NAN;
	if (json_str(line, "time", s->time, sizeof(s->time)) < 0)
		s->time[0] = '\0';
	if (json_str(line, "budget_state", s->budget, sizeof(s->budget)) < 0)
		s->budget[0] = '\0';
	return 0;
}

int cli_record_csv_header(char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 "time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,ib_rx_gbps,energy_j\n");

	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static size_t csv_num(char *buf, size_t len, double v, int dec, bool comma)
{
	int n;

	if (isfinite(v))
		n = snprintf(buf, len, "%.*f%s", dec, v, comma ? "," : "");
	else
		n = snprintf(buf, len, "%s", comma ? "," : "");
	return n < 0 ? len : (size_t)n;
}

int cli_record_csv_row(const struct cli_record_sample *s, char *buf, size_t len)
{
	size_t n;
	int w;

	w = snprintf(buf, len, "%s,", s->time);
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	n = (size_t)w;
	n += csv_num(buf + n, n < len ? len - n : 0, s->mono_s, 3, true);
	n += csv_num(buf + n, n < len ? len - n : 0, s->watts, 3, true);
	n += csv_num(buf + n, n < len ? len - n : 0, s->volts, 3, true);
	n += csv_num(buf + n, n < len ? len - n : 0, s->amps, 4, true);
	n += csv_num(buf + n, n < len ? len - n : 0, s->avg_w, 2, true);
	if (n < len) {
		w = snprintf(buf + n, len - n, "%s,", s->budget);
		n += w < 0 ? len : (size_t)w;
	}
	n += csv_num(buf + n, n < len ? len - n : 0, s->ib_tx_gbps, 3, true);
	n += csv_num(buf + n, n < len ? len - n : 0, s->ib_rx_gbps, 3, true);
	n += csv_num(buf + n, n < len ? len - n : 0, s->energy_j, 3, false);
	if (n + 1 >= len)
		return -ENOSPC;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

double cli_record_gbps(double bytes, double seconds)
{
	return seconds > 0 ? bytes * 8.0 / seconds / 1e9 : NAN;
}

/* ---- the sample stream: a second connection read by a thread while the command runs ---- */

struct streamer {
	int fd;
	FILE *csv; /* NULL: progress lines on stderr */
	pthread_t thread;
	bool running;
	unsigned samples;
	int write_err;
};

static int stream_connect(const char *path, double interval_s)
{
	char iv[32];
	char *words[] = { "watts", "--follow", "--interval", iv };

	snprintf(iv, sizeof(iv), "%.3f", interval_s);
	return cli_connect_send(path, true, 4, words);
}

static void streamer_line(struct streamer *st, const char *line)
{
	struct cli_record_sample s;
	char row[512];
	int n;

	if (cli_record_sample_parse(line, &s) < 0)
		return;
	st->samples++;
	if (!st->csv) {
		char w[16], avg[16];

		snprintf(w, sizeof(w), isfinite(s.watts) ? "%.2f" : "--", s.watts);
		snprintf(avg, sizeof(avg), isfinite(s.avg_w) ? "%.2f" : "--", s.avg_w);
		fprintf(stderr, "record: %s  %s W  avg %s W  %s\n", s.time, w, avg, s.budget);
		return;
	}
	n = cli_record_csv_row(&s, row, sizeof(row));
	/* whole lines only, flushed at once: a killed client leaves no torn row */
	if (n > 0 && (fwrite(row, 1, (size_t)n, st->csv) != (size_t)n || fflush(st->csv) != 0))
		st->write_err = errno ? errno : EIO;
}

static void *streamer_run(void *arg)
{
	struct streamer *st = arg;
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
			streamer_line(st, p);
			p = nl + 1;
		}
		len = strlen(p);
		memmove(buf, p, len + 1);
		if (len + 1 >= sizeof(buf))
			len = 0; /* an absurd line: drop it rather than stall */
	}
	return NULL;
}

/*
 * The daemon's answer to `watts --follow` is read here, before anything runs: a refused
 * interval is a usage error of the record, not a record without samples.  0, -errno for a
 * connection failure, or the daemon's error status with its message in err.
 */
static int streamer_start(struct streamer *st, const char *path, double interval_s, char *err,
			  size_t errlen)
{
	char head[1024];
	size_t len = 0;
	char *nl = NULL;

	st->fd = stream_connect(path, interval_s);
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
	if (strncmp(head, "ok\n", 3) != 0) {
		int status = 1;
		const char *msg = strstr(nl + 1, "\"error\":\"");

		sscanf(head, "error %d", &status);
		/* the JSON error's message, up to its closing quote */
		snprintf(err, errlen, "%s", msg ? msg + 9 : nl + 1);
		if (strrchr(err, '"'))
			*strrchr(err, '"') = '\0';
		close(st->fd);
		st->fd = -1;
		return status > 0 ? status : 1;
	}
	cli_stream_started(st->fd);
	if (pthread_create(&st->thread, NULL, streamer_run, st) != 0) {
		close(st->fd);
		st->fd = -1;
		snprintf(err, errlen, "cannot start a thread");
		return 1;
	}
	st->running = true;
	return 0;
}

static void streamer_stop(struct streamer *st)
{
	if (!st->running)
		return;
	shutdown(st->fd, SHUT_RDWR); /* wakes the reader's recv() with end of file */
	pthread_join(st->thread, NULL);
	close(st->fd);
	st->fd = -1;
	st->running = false;
}

/* ---- the workload ---- */

/* Runs the command without a shell; its status, 128+signal, or 126/127 when it cannot start. */
static int record_run(char **cmd, int ncmd)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	posix_spawnattr_t attr;
	sigset_t def;
	char **args;
	pid_t pid;
	int r, status = 0;

	args = calloc((size_t)ncmd + 1, sizeof(*args));
	if (!args)
		return 126;
	memcpy(args, cmd, sizeof(*args) * (size_t)ncmd);
	posix_spawnattr_init(&attr);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGQUIT);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
	/* like system(): a ^C stops the workload, and we still close the record and report */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	r = posix_spawnp(&pid, args[0], NULL, &attr, args, environ);
	posix_spawnattr_destroy(&attr);
	free(args);
	if (r != 0) {
		fprintf(stderr, "h2box: record: cannot run '%s': %s\n", cmd[0], strerror(r));
		status = r == ENOENT ? 127 : 126;
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "h2box: record: waitpid: %s\n", strerror(errno));
			status = 1 << 8;
			break;
		}
	}
	if (WIFEXITED(status))
		status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		status = 128 + WTERMSIG(status);
	else
		status = 1;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return status;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Opens the copy's files before anything is recorded, like cp: a directory as DST receives
 * SRC's base name, and DST is truncated only once it is known not to be SRC (through a
 * symlink or a hard link too).  0 with both fds set, or -errno with the message in err.
 */
static int record_copy_open(const char *src, const char *dst, int *in_fd, int *out_fd,
			    char *dstbuf, size_t dstlen, char *err, size_t errlen)
{
	struct stat si, so;
	const char *base;
	int in, out, r;

	*in_fd = *out_fd = -1;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &si) < 0) {
		r = -errno;
		snprintf(err, errlen, "%.250s: %s", src, strerror(-r));
		goto fail_in;
	}
	if (S_ISDIR(si.st_mode)) {
		r = -EISDIR;
		snprintf(err, errlen, "%.250s: %s", src, strerror(EISDIR));
		goto fail_in;
	}
	snprintf(dstbuf, dstlen, "%s", dst);
	if (stat(dst, &so) == 0 && S_ISDIR(so.st_mode)) {
		base = strrchr(src, '/');
		base = base ? base + 1 : src;
		if ((size_t)snprintf(dstbuf, dstlen, "%s%s%s", dst,
				     dst[strlen(dst) - 1] == '/' ? "" : "/", base) >= dstlen) {
			r = -ENAMETOOLONG;
			snprintf(err, errlen, "%.250s: %s", dst, strerror(ENAMETOOLONG));
			goto fail_in;
		}
	}
	/* no O_TRUNC: the same-file check below comes first */
	out = open(dstbuf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (out < 0 || fstat(out, &so) < 0) {
		r = -errno;
		snprintf(err, errlen, "%.250s: %s", dstbuf, strerror(-r));
		goto fail_out;
	}
	if (so.st_dev == si.st_dev && so.st_ino == si.st_ino) {
		r = -EEXIST;
		snprintf(err, errlen, "'%.250s' and '%.250s' are the same file", src, dstbuf);
		goto fail_out;
	}
	if (S_ISREG(so.st_mode) && ftruncate(out, 0) < 0) {
		r = -errno;
		snprintf(err, errlen, "%.250s: %s", dstbuf, strerror(-r));
		goto fail_out;
	}
	*in_fd = in;
	*out_fd = out;
	return 0;

fail_out:
	if (out >= 0)
		close(out);
fail_in:
	if (in >= 0)
		close(in);
	return r;
}

/* path names the file open on fd (the CSV must not overwrite the copy's SRC or DST) */
static bool record_same_file(const char *path, int fd)
{
	struct stat a, b;

	return fd >= 0 && stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The article's copy test: a plain read/write loop, fsync before the clock stops.  Closes both. */
static int record_copy(int in, int out, const char *src, const char *dst, uint64_t *bytes,
		       double *secs)
{
	char *buf = NULL;
	int r = 0;
	double t0;

	*bytes = 0;
	*secs = 0;
	buf = malloc(RECORD_COPY_BUF);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	t0 = mono_s();
	for (;;) {
		ssize_t n = read(in, buf, RECORD_COPY_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			fprintf(stderr, "h2box: record: reading %s: %s\n", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = -errno;
				fprintf(stderr, "h2box: record: writing %s: %s\n", dst,
					strerror(errno));
				goto out;
			}
			off += w;
		}
		*bytes += (uint64_t)n;
	}
	if (fsync(out) < 0 && errno != EINVAL && errno != EROFS) {
		r = -errno;
		fprintf(stderr, "h2box: record: fsync %s: %s\n", dst, strerror(errno));
		goto out;
	}
	*secs = mono_s() - t0;
out:
	free(buf);
	if (close(out) < 0 && r == 0) {
		r = -errno;
		fprintf(stderr, "h2box: record: closing %s: %s\n", dst, strerror(errno));
	}
	close(in);
	return r;
}

/* ---- talking to the daemon ---- */

/* `record begin` / `record end ID` typed by hand: the daemon's verbs, passed through. */
static int record_passthrough(const char *path, bool json, int argc, char **argv)
{
	struct cli_reply rep;
	int r = cli_call(path, json, argc, argv, &rep);

	if (r == -E2BIG || r == -EINVAL)
		return cli_fail(json, 2, "record: request too long or has an empty argument");
	if (r < 0)
		return cli_report_connect_error(json, path, r);
	if (rep.status && !json)
		fprintf(stderr, "h2box: %s", rep.body);
	else
		fwrite(rep.body, 1, rep.len, stdout);
	r = rep.status;
	cli_reply_free(&rep);
	return r;
}

struct record_result {
	int status;
	bool copied;
	uint64_t copy_bytes;
	double copy_s;
	unsigned samples;
};

/* What only the client knows, as JSON members for the daemon's summary; NULL on error. */
static struct json *record_extra_json(const struct cli_record_opts *o,
				      const struct record_result *res)
{
	struct json *j = json_new();

	if (!j)
		return NULL;
	json_object_begin(j, NULL);
	json_int(j, "exit_status", res->status);
	json_uint(j, "stream_samples", res->samples);
	json_array_begin(j, "command");
	if (o->copy) {
		json_string(j, NULL, "copy");
		json_string(j, NULL, o->copy_src);
		json_string(j, NULL, o->copy_dst);
	}
	for (int i = 0; i < o->ncmd; i++)
		json_string(j, NULL, o->cmd[i]);
	json_array_end(j);
	if (o->copy && res->copied) {
		json_uint(j, "copy_bytes", res->copy_bytes);
		json_number(j, "copy_s", res->copy_s, 6);
		json_number(j, "copy_gbps", cli_record_gbps((double)res->copy_bytes, res->copy_s),
			    4);
	}
	if (o->out_path)
		json_string(j, "csv", o->out_path);
	json_object_end(j);
	return j;
}

static void record_print(const struct cli_record_opts *o, bool json, const struct cli_reply *end,
			 const struct record_result *res)
{
	if (json) {
		struct json *x = record_extra_json(o, res);
		const char *extra = x ? json_finish(x, NULL) : NULL;
		size_t n = end->len;

		/* the daemon's summary object, with what only the client knows added inside it */
		while (n > 0 && (end->body[n - 1] == '\n' || end->body[n - 1] == ' '))
			n--;
		if (n == 0 || end->body[n - 1] != '}' || !extra || extra[0] != '{') {
			fwrite(end->body, 1, end->len, stdout);
		} else {
			fwrite(end->body, 1, n - 1, stdout);
			printf(",%s\n", extra + 1);
		}
		json_free(x);
		return;
	}
	if (o->copy) {
		printf("command       copy %s -> %s (exit %d)\n", o->copy_src, o->copy_dst,
		       res->status);
		if (res->copied)
			printf("copy          %llu bytes in %.3f s = %.3f Gb/s (bytes x 8 / s / 1e9)\n",
			       (unsigned long long)res->copy_bytes, res->copy_s,
			       cli_record_gbps((double)res->copy_bytes, res->copy_s));
	} else {
		printf("command       ");
		for (int i = 0; i < o->ncmd; i++)
			printf("%s%s", i ? " " : "", o->cmd[i]);
		printf(" (exit %d)\n", res->status);
	}
	fwrite(end->body, 1, end->len, stdout);
	if (o->out_path)
		printf("samples       %u written to %s\n", res->samples, o->out_path);
}

/* The daemon refused a request: its message with --json as the one document, else on stderr. */
static int record_daemon_error(bool json, const char *what, struct cli_reply *rep)
{
	int status = rep->status;
	char *msg = rep->body;
	size_t n = strlen(msg);

	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (json && msg[0] == '{')
		printf("%s\n", msg); /* already {"ok":false,...} */
	else if (json)
		cli_fail(json, status, "record %s: %s", what, msg);
	else
		fprintf(stderr, "h2box: record %s: %s\n", what, msg);
	cli_reply_free(rep);
	return status;
}

int cli_record_main(const char *socket_path, bool json, int argc, char **argv)
{
	struct cli_record_opts o;
	struct streamer st = { .fd = -1 };
	struct record_result res = { 0 };
	struct cli_reply rep;
	char err[600], idbuf[24], hdr[128], dstbuf[4096];
	char *begin_words[] = { "record", "begin" };
	char *end_words[] = { "record", "end", idbuf };
	int in = -1, out = -1;
	double id;
	int r, ret = 1;

	if (argc >= 2 && (!strcmp(argv[1], "begin") || !strcmp(argv[1], "end")))
		return record_passthrough(socket_path, json, argc, argv);
	if (cli_record_args_parse(argc, argv, &o, err, sizeof(err)) < 0)
		return cli_fail(json, 2, "record: %s\n%s", err, record_usage);
	if (o.help)
		return cli_command_help(json, "record");
	if (o.copy) {
		r = record_copy_open(o.copy_src, o.copy_dst, &in, &out, dstbuf, sizeof(dstbuf), err,
				     sizeof(err));
		if (r < 0)
			return cli_fail(json, 1, "record: %s", err);
		o.copy_dst = dstbuf;
	}
	if (o.out_path && (record_same_file(o.out_path, in) || record_same_file(o.out_path, out))) {
		ret = cli_fail(json, 1, "record: -o %s is a file of the copy", o.out_path);
		goto out_files;
	}
	if (o.out_path) {
		st.csv = fopen(o.out_path, "we");
		if (!st.csv) {
			ret = cli_fail(json, 1, "record: %s: %s", o.out_path, strerror(errno));
			goto out_files;
		}
		r = cli_record_csv_header(hdr, sizeof(hdr));
		if (r < 0 || fwrite(hdr, 1, (size_t)r, st.csv) != (size_t)r || fflush(st.csv)) {
			ret = cli_fail(json, 1, "record: %s: %s", o.out_path, strerror(errno));
			goto out_files;
		}
	}

	err[0] = '\0';
	r = streamer_start(&st, socket_path, o.interval_s, err, sizeof(err));
	if (r < 0) {
		ret = cli_report_connect_error(json, socket_path, r);
		goto out_files;
	}
	if (r > 0) {
		ret = cli_fail(json, r, "record: %s", err);
		goto out_files;
	}
	r = cli_call(socket_path, true, 2, begin_words, &rep);
	if (r < 0) {
		ret = cli_report_connect_error(json, socket_path, r);
		goto out_stream;
	}
	if (rep.status) {
		ret = record_daemon_error(json, "begin", &rep);
		goto out_stream;
	}
	if (json_num(rep.body, "id", &id) < 0 || !(id >= 1)) {
		cli_reply_free(&rep);
		ret = cli_fail(json, 1, "record begin: no record id in the reply");
		goto out_stream;
	}
	cli_reply_free(&rep);
	snprintf(idbuf, sizeof(idbuf), "%.0f", id);

	if (o.copy) {
		r = record_copy(in, out, o.copy_src, o.copy_dst, &res.copy_bytes, &res.copy_s);
		in = out = -1;
		res.copied = r == 0;
		res.status = r == 0 ? 0 : 1;
	} else {
		res.status = record_run(o.cmd, o.ncmd);
	}
	streamer_stop(&st);
	res.samples = st.samples;
	if (st.write_err)
		fprintf(stderr, "h2box: record: writing %s: %s\n", o.out_path,
			strerror(st.write_err));

	r = cli_call(socket_path, json, 3, end_words, &rep);
	if (r < 0) {
		ret = cli_report_connect_error(json, socket_path, r);
		ret = res.status ? res.status : ret;
		goto out_files;
	}
	if (rep.status) {
		ret = record_daemon_error(json, "end", &rep);
		ret = res.status ? res.status : ret;
		goto out_files;
	}
	record_print(&o, json, &rep, &res);
	fflush(stdout);
	cli_reply_free(&rep);
	ret = st.write_err && !res.status ? 1 : res.status;
	goto out_files;
out_stream:
	streamer_stop(&st);
out_files:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (st.csv && fclose(st.csv) != 0 && ret == 0) {
		fprintf(stderr, "h2box: record: %s: %s\n", o.out_path, strerror(errno));
		ret = 1;
	}
	return ret;
}
