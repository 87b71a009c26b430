/* cli.h - the h2box client's exchange with h2boxd: a request, then a reply or a stream. */
#ifndef H2BOX_CLI_H
#define H2BOX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* How long the client waits for h2boxd to accept and to answer, unless --timeout says. */
#define CLI_TIMEOUT_DEFAULT_MS 10000

struct cli_reply {
	int status;     /* 0 = ok, else the daemon's error status */
	char *body;     /* NUL-terminated, owned */
	size_t len;
};

/* Connect with the connect and reply timeouts set; the fd or -errno (-ETIMEDOUT: no answer). */
int cli_connect(const char *path);
/* Connect and send one request; returns the connected fd (the reply follows on it) or -errno. */
int cli_connect_send(const char *path, bool json, int argc, char *const *argv);
/* Connect, send, read the whole reply. 0 or -errno (connection problems). */
int cli_call(const char *socket_path, bool json, int argc, char *const *argv,
	     struct cli_reply *rep);
/*
 * cli_call(), then the reply as h2box shows every reply: the body on stdout, a refusal's
 * message on stderr (in JSON both on stdout).  what prefixes a request that cannot be sent
 * ("record: ").  The exit status.
 */
int cli_call_print(const char *socket_path, bool json, int argc, char *const *argv,
		   const char *what);
/* Connect, send, then copy every reply line to out until the daemon or the caller ends it. */
int cli_stream(const char *socket_path, bool json, int argc, char *const *argv, FILE *out);
/* Exit status a finished stream's last line reports (a worker's late failure), else 0. */
int cli_stream_tail_status(bool json, int argc, char *const *argv, const char *last);
void cli_reply_free(struct cli_reply *rep);
/* Connect and reply timeouts in ms for every later connection (0 = none). */
void cli_timeout_set(int connect_ms, int reply_ms);
/* The first line of a stream arrived: from now on the reader waits as long as the stream lasts. */
void cli_stream_started(int fd);
/*
 * A client-side failure: "h2box: MESSAGE" on stderr, or with --json the same error as
 * {"ok":false,"status":N,"error":...} on stdout, as the daemon's errors come, so every
 * outcome is one JSON document.  Returns status (the exit status).
 */
int cli_fail(bool json, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * A client-side success as one JSON document: cli_json_ok_begin() opens {"ok":true (NULL when
 * out of memory), the caller adds its members, cli_json_ok_print() closes it, prints it on stdout
 * and frees it.  The exit status: 0, or 1 through cli_fail() ("WHAT: out of memory").
 */
struct json;
struct json *cli_json_ok_begin(void);
int cli_json_ok_print(struct json *j, const char *what);
/* A connection failure (-errno of cli_call and friends) reported with cli_fail(); returns 5. */
int cli_report_connect_error(bool json, const char *path, int r);

#endif
