/* cli.c - the h2box command-line client: request encoding, the socket exchange, local commands. */
#include "supervisor/cli/cli.h"
#include "supervisor/cli/cli-bench.h"

#include "drivers/ib_bench.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/daemon/daemon.h"
#include "supervisor/util/json.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define CLI_REPLY_MAX (16u << 20)
#define CLI_TIMEOUT_DEFAULT_MS 10000

/*
 * How long the client waits for h2boxd to accept a connection and to answer (a stopped or
 * hung daemon must not hang the shell); 0 = no limit.  A stream is limited until its first
 * line only, `sim advance` not at all once connected (it runs the box as long as it takes).
 */
static int cli_connect_timeout_ms = CLI_TIMEOUT_DEFAULT_MS;
static int cli_reply_timeout_ms = CLI_TIMEOUT_DEFAULT_MS;

/* One entry per command: its usage lines, for `h2box --help` and `h2box COMMAND --help`. */
static const struct cli_usage {
	const char *verb;
	const char *lines;
} cli_usages[] = {
	{ "status", "  status                         power, watts, temperatures, fan, IB, alarms\n" },
	{ "power", "  power on|off|cycle|force-off|clear|status\n" },
	{ "fan", "  fan auto | set PCT [--for DURATION] | profile NAME [--until HH:MM] | status | calibrate\n" },
	{ "watts", "  watts [--follow] [--interval S]\n" },
	{ "record", "  record [-o FILE.csv] [--interval S] -- COMMAND ARGS...\n"
		    "  record [-o FILE.csv] [--interval S] --copy SRC DST|DIR\n" },
	{ "alarms", "  alarms                         active alarms and history\n" },
	{ "budget", "  budget                         power budget governor and throttle ladder\n" },
	{ "ib", "  ib link | counters | bench [--local] " IB_BENCH_USAGE_OPTIONS "\n"
		"                                 (--local: the benchmark in this process, without\n"
		"                                 h2boxd, e.g. on the peer host)\n" },
	{ "sim", "  sim button [--hold S] | workload NAME|--list | ambient C | load W |\n"
		 "      fault NAME on|off | fault --list | time [HH:MM] | speed F | advance DURATION |\n"
		 "      poweroff | status\n" },
	{ "ping", "  ping                           check that h2boxd answers\n" },
	{ "help", "  help                           the commands this daemon serves\n" },
};

static const char cli_help_head[] =
	"usage: h2box [-s SOCKET] [--json] [--timeout S] COMMAND [ARGS...]\n";
static const char cli_help_options[] =
	"Options:\n"
	"  -s, --socket PATH   the daemon's socket (default $H2BOX_SOCKET, /run/h2box/h2box.sock)\n"
	"  -j, --json          machine-readable output (accepted anywhere on the line): exactly\n"
	"                      one JSON document on stdout (JSON lines for streams), errors too\n"
	"  -t, --timeout S     give up when h2boxd does not accept or answer within S seconds\n"
	"                      (default 10; 0 waits for ever; streams and `sim advance` are not\n"
	"                      limited once they started)\n"
	"  -h, --help          this help; `h2box COMMAND --help` for one command\n"
	"Exit status: 0 ok, 1 failed, 2 usage, 3 refused or busy, 4 permission denied,\n"
	"5 daemon not reachable or not answering.\n";

static void cli_print_help(FILE *f)
{
	fputs(cli_help_head, f);
	fputs("Talks to h2boxd, the ODROID-H2 box supervisor.\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof(cli_usages) / sizeof(cli_usages[0]); i++)
		fputs(cli_usages[i].lines, f);
	fputc('\n', f);
	fputs(cli_help_options, f);
}

/* `h2box COMMAND --help` (verb NULL: `h2box --help`) on stdout; JSON: {"ok":true,"usage":...}. */
int cli_command_help(bool json, const char *verb)
{
	const struct cli_usage *u = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	for (size_t i = 0; verb && i < sizeof(cli_usages) / sizeof(cli_usages[0]); i++)
		if (strcmp(cli_usages[i].verb, verb) == 0)
			u = &cli_usages[i];
	if (verb && !u)
		return cli_fail(json, 2, "unknown command '%.64s': try 'h2box --help'", verb);
	f = open_memstream(&text, &len);
	if (!f)
		return cli_fail(json, 1, "out of memory");
	if (u)
		fprintf(f, "%s%s", cli_help_head, u->lines);
	else
		cli_print_help(f);
	if (fclose(f) != 0) {
		free(text);
		return cli_fail(json, 1, "out of memory");
	}
	if (json) {
		struct json *j = json_new();
		const char *doc;

		if (j) {
			json_object_begin(j, NULL);
			json_bool(j, "ok", true);
			json_string(j, "command", verb);
			json_string(j, "usage", text);
			json_object_end(j);
		}
		doc = j ? json_finish(j, NULL) : NULL;
		if (doc)
			printf("%s\n", doc);
		json_free(j);
		free(text);
		return doc ? 0 : 1;
	}
	fputs(text, stdout);
	free(text);
	return 0;
}

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
		if (j) {
			json_object_begin(j, NULL);
			json_bool(j, "ok", false);
			json_int(j, "status", status);
			json_string(j, "error", msg);
			json_object_end(j);
		}
		doc = j ? json_finish(j, NULL) : NULL;
		printf("%s\n", doc ? doc : "{\"ok\":false,\"status\":1,\"error\":\"out of memory\"}");
		fflush(stdout);
		json_free(j);
	}
	return status;
}

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
	for (int off = 0; off < n;) {
		ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			r = cli_errno();
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
			r = cli_errno();
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
			if (cli_parse_head(buf, len, &status, &off) < 0) {
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

void cli_reply_free(struct cli_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
}

/* A connection failure as one h2box error (and one JSON document with --json); exit 5. */
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

/*
 * `--help` or `-h` among a command's words (before "--"): its usage, without the daemon.
 * record's command may follow its options without "--" (`record ls -h`): record decides.
 */
static bool cli_wants_help(int argc, char **argv)
{
	if (strcmp(argv[0], "record") == 0)
		return false;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

int cli_main(int argc, char **argv)
{
	char sockbuf[108], perr[96];
	const char *sock_opt = NULL, *path;
	char **words;
	int nwords = 0, r, timeout_ms = -1;
	bool json = false, dashdash = false, help = false;
	struct cli_reply rep;

	words = calloc((size_t)argc + 1, sizeof(*words));
	if (!words)
		return 1;
	/* --json is accepted anywhere before "--": find it first, so every error can honour it */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			json = true;
	/* Global options come first. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && (strcmp(a, "--json") == 0 || strcmp(a, "-j") == 0)) {
			continue;
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-s") == 0 || strcmp(a, "--socket") == 0)) {
			if (i + 1 >= argc) {
				free(words);
				return cli_fail(json, 2, "%s needs a path", a);
			}
			sock_opt = argv[++i];
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-t") == 0 || strcmp(a, "--timeout") == 0)) {
			double t;

			if (i + 1 >= argc ||
			    parse_double(argv[i + 1], 0, 3600, &t, perr, sizeof(perr)) < 0) {
				free(words);
				return cli_fail(json, 2, "%s: seconds from 0 (no limit) to 3600%s%s", a,
						i + 1 < argc ? ": " : "", i + 1 < argc ? perr : "");
			}
			timeout_ms = (int)lround(t * 1000);
			i++;
		} else if (!dashdash && nwords == 0 && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			help = true;
		} else if (!dashdash && nwords == 0 && a[0] == '-') {
			free(words);
			return cli_fail(json, 2, "unknown option '%s': try 'h2box --help'", a);
		} else {
			if (strcmp(a, "--") == 0)
				dashdash = true;
			words[nwords++] = argv[i];
		}
	}
	if (help && nwords == 0) {
		free(words);
		return cli_command_help(json, NULL);
	}
	if (nwords == 0) {
		free(words);
		if (json)
			return cli_fail(true, 2, "no command: try 'h2box --help'");
		cli_print_help(stderr);
		return 2;
	}
	if (help || cli_wants_help(nwords, words)) {
		r = cli_command_help(json, words[0]);
		free(words);
		return r;
	}
	if (timeout_ms >= 0)
		cli_timeout_set(timeout_ms, timeout_ms);
	else if (nwords >= 2 && strcmp(words[0], "sim") == 0 && strcmp(words[1], "advance") == 0)
		cli_timeout_set(CLI_TIMEOUT_DEFAULT_MS, 0);
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
		if (r == -E2BIG || r == -EINVAL)
			r = cli_fail(json, 2, "request too long or has an empty argument");
		else if (r < 0)
			r = cli_report_connect_error(json, path, r);
		free(words);
		return r;
	}
	r = cli_call(path, json, nwords, words, &rep);
	free(words);
	if (r == -E2BIG || r == -EINVAL)
		return cli_fail(json, 2, "request too long or has an empty argument");
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
