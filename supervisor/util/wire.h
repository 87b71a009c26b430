/* wire.h - the control socket's wire format, for h2boxd and h2box: request line, reply head. */
#ifndef H2BOX_WIRE_H
#define H2BOX_WIRE_H

#include <stdbool.h>
#include <stddef.h>

struct json;

/*
 * Wire protocol (documented in docs/ARCHITECTURE.md): the client sends one
 * line of at most WIRE_REQUEST_MAX bytes: "json" or "text", then the words
 * of the command, separated by single spaces, with %XX escapes for bytes
 * outside [!-~] and for '%'.  The daemon answers "ok\n" or "error N\n" (N an
 * exit status for the CLI) followed by the body, then closes the connection
 * -- unless the handler made the reply a stream (watts --follow), in which
 * case body lines follow until the client hangs up.
 */
#define WIRE_REQUEST_MAX 4096
#define WIRE_ARGS_MAX 32
/* The longest reply head, "error 125\n" with room to spare. */
#define WIRE_HEAD_MAX 32

/* Encode words into one request line ("json status\n"); its length, -E2BIG when too long or
 * more than WIRE_ARGS_MAX words, -EINVAL for an empty word (it cannot cross the protocol). */
int wire_request_encode(bool json, int argc, char *const *argv, char *buf, size_t len);
/* Split a request line (without its newline) into words in place, undoing the escapes: the
 * word count, -E2BIG for more than max words, -EINVAL for a malformed line. */
int wire_request_split(char *line, char **argv, int max);
/* "ok\n" (status 0) or "error N\n" into buf; its length. */
int wire_reply_head_format(int status, char *buf, size_t len);
/* Parse the head line: 0 with the status and the body's offset, -EAGAIN when the line is not
 * complete yet, -EPROTO when it is not a head. */
int wire_reply_head_parse(const char *buf, size_t len, int *status, size_t *body_off);
/* A failed reply as JSON, the same from daemon and client: {"ok":false,"status":N,"error":msg}. */
void wire_error_json(struct json *j, int status, const char *msg);
/* The system daemon's socket; $H2BOX_SYSTEM_SOCKET moves it (for tests, never /run on a CI box). */
#define WIRE_SYSTEM_SOCKET "/run/h2box/h2box.sock"
const char *wire_system_socket(void);
/* A user's own daemon: $XDG_RUNTIME_DIR/h2box.sock, else /tmp/h2box-UID.sock. */
const char *wire_user_socket(char *buf, size_t len);
/* The daemon's socket path when none is configured: $H2BOX_SOCKET, the system socket (root),
 * else the user's own. */
const char *wire_default_socket(char *buf, size_t len);

#endif
