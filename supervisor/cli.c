/* cli.c - the h2box command-line client: request encoding, the socket exchange, local commands. */
#include "supervisor/cli.h"
#include "supervisor/cli-bench.h"

#include "supervisor/ctl.h"
#include "supervisor/daemon.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CLI_REPLY_MAX (16u << 20)

static const char cli_help[] =
	"usage: h2box [-s SOCKET] [--json] COMMAND [ARGS...]\n"
	"Talks to h2boxd, the ODROID-H2 box supervisor.\n\n"
	"Commands:\n"
	"  status                         power, watts, temperatures, fan, IB, alarms\n"
	"  power on|off|cycle|force-off|clear|status\n"
	"  fan auto | set PCT [--for DURATION] | profile NAME [--until HH:MM] | status | calibrate\n"
	"  watts [--follow] [--interval S]\n"
	"  record [-o FILE.csv] [--interval S] -- COMMAND ARGS...\n"
	"  record --copy SRC DST\n"
	"  alarms                         active alarms and history\n"
	"  ib link | counters | bench ...\n"
	"  ib bench --local ...           the benchmark in this process, without h2boxd (a peer host)\n"
	"  sim button [--hold S] | workload NAME|--list | ambient C | load W |\n"
	"      fault NAME on|off | fault --list | time [HH:MM] | speed F | advance DURATION |\n"
	"      poweroff | status\n"
	"  help                           the commands this daemon serves\n\n"
	"Options:\n"
	"  -s, --socket PATH   the daemon's socket (default $H2BOX_SOCKET, /run/h2box/h2box.sock)\n"
	"  -j, --json          machine-readable output (accepted anywhere on the line)\n"
	"  -h, --help          this help\n"
	"Exit status: 0 ok, 1 failed, 2 usage, 3 refused or busy, 4 permission denied,\n"
	"5 daemon not reachable.\n";

const char *cli_socket_path(const char *opt, char *buf, size_t len)
{
	if (opt)
		return opt;
	return daemon_default_socket(buf, (unsigned)len);
}

int cli_request_encode(bool json, int argc, char *const *argv, char *buf, size_t len)
{
	size_t n = 0;
	int w = snprintf(buf, len, "%s", json ? "json" : "text");

	if (w < 0 || (size_t)w >= len)
		return -E2BIG;
	n = (size_t)w;
	if (argc > CTL_ARGS_MAX)
		return -E2BIG;
	for (int i = 0; i < argc; i++) {
		if (n + 1 >= len)
			return -E2BIG;
		buf[n++] = ' ';
		if (!argv[i][0]) {
			return -EINVAL; /* an empty word cannot cross the protocol */
		}
		for (const unsigned char *p = (const unsigned char *)argv[i]; *p; p++) {
			if (*p > 0x20 && *p < 0x7f && *p != '%') {
				if (n + 1 >= len)
					return -E2BIG;
				buf[n++] = (char)*p;
			} else {
				if (n + 3 >= len)
					return -E2BIG;
				snprintf(buf + n, 4, "%%%02X", *p);
				n += 3;
			}
		}
	}
	if (n + 2 > len)
		return -E2BIG;
	buf[n++] = '\n';
	buf[n] = '\0';
	return (int)n;
}

int cli_connect_send(const char *path, bool json, int argc, char *const *argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[CTL_REQUEST_MAX + 1];
	int fd, n, r;

	n = cli_request_encode(json, argc, argv, req, sizeof(req));
	if (n < 0)
		return n;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	for (int off = 0; off < n;) {
		ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		off += (int)w;
	}
	return fd;
}

/* "ok\n" or "error N\n": the first line of every reply. */
static int cli_parse_head(const char *buf, size_t len, int *status, size_t *body_off)
{
	const char *nl = memchr(buf, '\n', len);

	if (!nl)
		return -EAGAIN;
	if (nl - buf == 2 && memcmp(buf, "ok", 2) == 0)
		*status = 0;
	else if (sscanf(buf, "error %d", status) != 1 || *status <= 0 || *status > 125)
		return -EPROTO;
	*body_off = (size_t)(nl - buf) + 1;
	return 0;
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
		if (n < 0) {
			r = -errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	r = cli_parse_head(buf, len, &rep->status, &off);
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

int cli_stream(const char *socket_path, bool json, int argc, char *const *argv, FILE *out)
{
	char buf[4096], line[1024] = "", last[1024] = "";
	size_t len = 0, off, ll = 0;
	bool head = false;
	int fd, status = 0;

	fd = cli_connect_send(socket_path, json, argc, argv);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = recv(fd, buf + len, sizeof(buf) - len - 1, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (!head) {
			if (cli_parse_head(buf, len, &status, &off) < 0) {
				if (len + 1 >= sizeof(buf))
					break;
				continue;
			}
			head = true;
			memmove(buf, buf + off, len - off + 1);
			len -= off;
		}
		if (fwrite(buf, 1, len, status ? stderr : out) != len || fflush(out) != 0)
			break; /* our reader went away (a pipe closed): stop */
		/* remember the last line: a late failure is reported there */
		for (size_t i = 0; i < len; i++) {
			if (buf[i] == '\n') {
				line[ll] = '\0';
				if (ll)
					memcpy(last, line, ll + 1);
				ll = 0;
			} else if (ll + 1 < sizeof(line)) {
				line[ll++] = buf[i];
			}
		}
		len = 0;
	}
	close(fd);
	if (ll) {
		line[ll] = '\0';
		memcpy(last, line, ll + 1);
	}
	if (head && status == 0)
		status = cli_stream_tail_status(json, argc, argv, last);
	return head ? status : -EPROTO;
}

void cli_reply_free(struct cli_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
}

static void cli_report_connect_error(const char *path, int r)
{
	fprintf(stderr, "h2box: cannot reach h2boxd at %s: %s\n", path, strerror(-r));
	if (r == -ENOENT || r == -ECONNREFUSED)
		fprintf(stderr, "h2box: is h2boxd running? (-s PATH or H2BOX_SOCKET name its socket)\n");
}

static bool cli_is_stream(int argc, char **argv)
{
	/* a benchmark on real hardware reports from a worker thread as a stream */
	if (argc >= 2 && strcmp(argv[0], "ib") == 0 && strcmp(argv[1], "bench") == 0)
		return true;
	if (argc >= 1 && strcmp(argv[0], "watts") == 0)
		for (int i = 1; i < argc; i++)
			if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
				return true;
	return false;
}

int cli_main(int argc, char **argv)
{
	char sockbuf[108];
	const char *sock_opt = NULL, *path;
	char **words;
	int nwords = 0, r;
	bool json = false, dashdash = false;
	struct cli_reply rep;

	words = calloc((size_t)argc + 1, sizeof(*words));
	if (!words)
		return 1;
	/* Global options may come first; --json is accepted anywhere before "--". */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0)) {
			json = true;
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "h2box: %s needs a path\n", a);
				free(words);
				return 2;
			}
			sock_opt = argv[++i];
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			fputs(cli_help, stdout);
			free(words);
			return 0;
		} else if (!dashdash && nwords == 0 && a[0] == '-') {
			fprintf(stderr, "h2box: unknown option '%s'\n%s", a, cli_help);
			free(words);
			return 2;
		} else {
			if (strcmp(a, "--") == 0)
				dashdash = true;
			words[nwords++] = argv[i];
		}
	}
	if (nwords == 0) {
		fputs(cli_help, stderr);
		free(words);
		return 2;
	}
	if (cli_bench_is_local(nwords, words)) {
		r = cli_bench_local_main(json, nwords, words);
		free(words);
		return r;
	}
	path = cli_socket_path(sock_opt, sockbuf, sizeof(sockbuf));

	if (strcmp(words[0], "record") == 0) {
		r = cli_record_main(path, json, nwords, words);
		free(words);
		return r;
	}
	if (cli_is_stream(nwords, words)) {
		r = cli_stream(path, json, nwords, words, stdout);
		if (r < 0) {
			cli_report_connect_error(path, r);
			r = 5;
		}
		free(words);
		return r;
	}
	r = cli_call(path, json, nwords, words, &rep);
	free(words);
	if (r == -E2BIG || r == -EINVAL) {
		fprintf(stderr, "h2box: request too long or has an empty argument\n");
		return 2;
	}
	if (r < 0) {
		cli_report_connect_error(path, r);
		return 5;
	}
	if (rep.status && !json)
		fprintf(stderr, "h2box: %s", rep.body);
	else
		fwrite(rep.body, 1, rep.len, stdout);
	r = rep.status;
	cli_reply_free(&rep);
	return r;
}
