/* cli.h - the h2box command-line client: request encoding, the socket exchange, local commands. */
#ifndef H2BOX_CLI_H
#define H2BOX_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cli_reply {
	int status;     /* 0 = ok, else the daemon's error status */
	char *body;     /* NUL-terminated, owned */
	size_t len;
};

/* Encode words into one request line ("json status\n"), %XX-escaping; -E2BIG when too long. */
int cli_request_encode(bool json, int argc, char *const *argv, char *buf, size_t len);
/* Connect and send one request; returns the connected fd (the reply follows on it) or -errno. */
int cli_connect_send(const char *path, bool json, int argc, char *const *argv);
/* Connect, send, read the whole reply. 0 or -errno (connection problems). */
int cli_call(const char *socket_path, bool json, int argc, char *const *argv,
	     struct cli_reply *rep);
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
/* `h2box VERB --help` (VERB NULL: all commands) on stdout, as JSON with json; exit status. */
int cli_command_help(bool json, const char *verb);
/* A connection failure (-errno of cli_call and friends) reported with cli_fail(); returns 5. */
int cli_report_connect_error(bool json, const char *path, int r);
const char *cli_socket_path(const char *opt, char *buf, size_t len);
int cli_main(int argc, char **argv);

/* h2box record (cli-record.c) */
int cli_record_main(const char *socket_path, bool json, int argc, char **argv);

#endif
