/* cli.c - the h2box client's exchange with h2boxd: a request, then a reply or a stream. */
#include "supervisor/cli/cli.h"

#include "supervisor/util/json.h"
#include "supervisor/util/wire.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CLI_REPLY_MAX (16u << 20)

/*
 * How long the client waits for h2boxd to accept a connection and to answer (a stopped or
 * hung daemon must not hang the shell); 0 = no limit.  A stream is limited until its first
 * line only, `sim advance` not at all once connected (it runs the box as long as it takes).
 */
static int cli_connect_timeout_ms = CLI_TIMEOUT_DEFAULT_MS;
static int cli_reply_timeout_ms = CLI_TIMEOUT_DEFAULT_MS;

int cli_fail(bool json, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (!json)
		fprintf(stderr, "h2box: %s%s", msg, n && msg[n - 1] == '\n' ? "" : "\n");
	if (json) {
		struct json *j = json_new();
		const char *doc;

		while (n && msg[n - 1] == '\n')
			msg[--n] = '\0';
		if (j)
			wire_error_json(j, status, msg);
		doc = j ? json_finish(j, NULL) : NULL;
		printf("%s\n", doc ? doc : "{\"ok\":false,\"status\":1,\"error\":\"out of memory\"}");
		fflush(stdout);
		json_free(j);
	}
	return status;
}

void cli_timeout_set(int connect_ms, int reply_ms)
{
	cli_connect_timeout_ms = connect_ms;
	cli_reply_timeout_ms = reply_ms;
}

/* SO_SNDTIMEO bounds connect() and send() on a unix socket, SO_RCVTIMEO each recv(). */
static int cli_sock_timeout(int fd, int opt, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0 ? -errno : 0;
}

void cli_stream_started(int fd)
{
	(void)cli_sock_timeout(fd, SO_RCVTIMEO, 0);
}

/* A socket timeout shows as EAGAIN; the caller reports it as a daemon that does not answer. */
static int cli_errno(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS ? -ETIMEDOUT
									       : -errno;
}

int cli_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = cli_sock_timeout(fd, SO_SNDTIMEO, cli_connect_timeout_ms);
	if (r == 0)
		r = cli_sock_timeout(fd, SO_RCVTIMEO, cli_reply_timeout_ms);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = cli_errno();
		close(fd);
		return r;
	}
	return fd;
}

int cli_connect_send(const char *path, bool json, int argc, char *const *argv)
{
	char req[WIRE_REQUEST_MAX + 1];
	int fd, n, r;

	n = wire_request_encode(json, argc, argv, req, sizeof(req));
	if (n < 0)
		return n;
	fd = cli_connect(path);
	if (fd < 0)
		return fd;
	for (int off = 0; off < n;) {
		ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		/* the daemon refused us and closed (busy): its reason is waiting to be read */
		if (w < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;
		if (w < 0) {
			r = cli_errno();
			close(fd);
			return r;
		}
		off += (int)w;
	}
	return fd;
}

/* An "error N" head and a whole message line: a refusal the daemon sent before it closed. */
static bool cli_reply_is_error(const char *buf, size_t len)
{
	size_t off;
	int status;

	return wire_reply_head_parse(buf, len, &status, &off) == 0 && status != 0 && len > off &&
	       buf[len - 1] == '\n';
}

int cli_call(const char *socket_path, bool json, int argc, char *const *argv,
	     struct cli_reply *rep)
{
	size_t cap = 4096, len = 0, off = 0;
	char *buf;
	int fd, r;

	memset(rep, 0, sizeof(*rep));
	fd = cli_connect_send(socket_path, json, argc, argv);
	if (fd < 0)
		return fd;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb;

			if (cap >= CLI_REPLY_MAX) {
				r = -EFBIG;
				goto fail;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		/* a refusal closed before reading our request: its error reply is complete */
		if (n < 0 && errno == ECONNRESET && cli_reply_is_error(buf, len))
			break;
		if (n < 0) {
			r = cli_errno();
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	r = wire_reply_head_parse(buf, len, &rep->status, &off);
	if (r < 0) {
		r = -EPROTO;
		goto fail;
	}
	memmove(buf, buf + off, len - off + 1);
	rep->body = buf;
	rep->len = len - off;
	close(fd);
	return 0;
fail:
	free(buf);
	close(fd);
	return r;
}

/*
 * A stream said "ok" before its work ended (ib bench runs in a worker thread), so a later
 * failure arrives as the stream's last line: "ib bench failed: ..." in text (the words of
 * the command, then "failed:"), {"ok":false,"status":N,...} in JSON.  0 when it succeeded.
 */
int cli_stream_tail_status(bool json, int argc, char *const *argv, const char *last)
{
	char prefix[96];
	const char *p;
	size_t n = 0;

	if (json) {
		if (!strstr(last, "\"ok\":false"))
			return 0;
		p = strstr(last, "\"status\":");
		if (p) {
			long v = strtol(p + 9, NULL, 10);

			if (v > 0 && v < 126)
				return (int)v;
		}
		return 1;
	}
	for (int i = 0; i < argc && i < 2; i++)
		n += (size_t)snprintf(prefix + n, sizeof(prefix) - n, "%.40s ", argv[i]);
	snprintf(prefix + n, sizeof(prefix) - n, "failed:");
	return strncmp(last, prefix, strlen(prefix)) == 0 ? 1 : 0;
}

/* One finished line of a stream: a late failure goes to stderr as an h2box error, in text. */
static int cli_stream_line(bool json, int argc, char *const *argv, const char *line, size_t n,
			   FILE *out)
{
	if (!json && cli_stream_tail_status(false, argc, argv, line)) {
		fprintf(stderr, "h2box: %.*s", (int)n, line);
		return 0;
	}
	return fwrite(line, 1, n, out) == n && fflush(out) == 0 ? 0 : -EPIPE;
}

int cli_stream(const char *socket_path, bool json, int argc, char *const *argv, FILE *out)
{
	char buf[4096], line[4096], last[4096] = "";
	size_t len = 0, off, ll = 0;
	bool head = false;
	int fd, status = 0, r = 0;

	fd = cli_connect_send(socket_path, json, argc, argv);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !head) {
			r = cli_errno();
			break;
		}
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (!head) {
			if (wire_reply_head_parse(buf, len, &status, &off) < 0) {
				if (len + 1 >= sizeof(buf))
					break;
				continue;
			}
			head = true;
			cli_stream_started(fd);
			memmove(buf, buf + off, len - off + 1);
			len -= off;
		}
		if (status) {
			/* the request was refused: its one error reply, as every command's */
			if (json)
				fwrite(buf, 1, len, out);
			else if (len)
				fprintf(stderr, "h2box: %s", buf);
			len = 0;
			continue;
		}
		/* whole lines, so a late failure can be told from the report */
		for (size_t i = 0; i < len && r == 0; i++) {
			line[ll++] = buf[i];
			if (buf[i] != '\n' && ll + 1 < sizeof(line))
				continue;
			line[ll] = '\0';
			if (buf[i] == '\n' && ll > 1) {
				memcpy(last, line, ll - 1);
				last[ll - 1] = '\0';
			}
			r = cli_stream_line(json, argc, argv, line, ll, out);
			ll = 0;
		}
		len = 0;
		if (r < 0)
			break; /* our reader went away (a pipe closed): stop */
	}
	close(fd);
	if (ll && r == 0) {
		line[ll] = '\0';
		memcpy(last, line, ll + 1);
		(void)cli_stream_line(json, argc, argv, line, ll, out);
	}
	if (!head)
		return r < 0 ? r : -EPROTO;
	if (status == 0)
		status = cli_stream_tail_status(json, argc, argv, last);
	return status;
}

int cli_call_print(const char *socket_path, bool json, int argc, char *const *argv,
		   const char *what)
{
	struct cli_reply rep;
	int r = cli_call(socket_path, json, argc, argv, &rep);

	if (r == -E2BIG || r == -EINVAL)
		return cli_fail(json, 2, "%srequest too long or has an empty argument", what);
	if (r < 0)
		return cli_report_connect_error(json, socket_path, r);
	if (rep.status && !json)
		fprintf(stderr, "h2box: %s", rep.body);
	else
		fwrite(rep.body, 1, rep.len, stdout);
	r = rep.status;
	cli_reply_free(&rep);
	return r;
}

void cli_reply_free(struct cli_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
}

/* A connection failure as one h2box error (and one JSON document with --json); exit 5. */
struct json *cli_json_ok_begin(void)
{
	struct json *j = json_new();

	if (j) {
		json_object_begin(j, NULL);
		json_bool(j, "ok", true);
	}
	return j;
}

int cli_json_ok_print(struct json *j, const char *what)
{
	const char *doc = NULL;

	if (j) {
		json_object_end(j);
		doc = json_finish(j, NULL);
	}
	if (doc)
		printf("%s\n", doc);
	json_free(j);
	return doc ? 0 : cli_fail(true, 1, "%s: out of memory", what);
}

int cli_report_connect_error(bool json, const char *path, int r)
{
	if (r == -ETIMEDOUT)
		return cli_fail(json, 5,
				"h2boxd at %s did not answer within %.1f s (stopped or hung?); "
				"--timeout S waits longer",
				path,
				(cli_reply_timeout_ms > cli_connect_timeout_ms ? cli_reply_timeout_ms
									       : cli_connect_timeout_ms) /
					1000.0);
	if (r == -ENOENT || r == -ECONNREFUSED)
		return cli_fail(json, 5,
				"cannot reach h2boxd at %s: %s\n"
				"h2box: is h2boxd running? (-s PATH or H2BOX_SOCKET name its socket)",
				path, strerror(-r));
	return cli_fail(json, 5, "cannot reach h2boxd at %s: %s", path, strerror(-r));
}
