/* ctl.h - the control socket's server: a request line in, a reply out, commands by verb. */
#ifndef H2BOX_CTL_H
#define H2BOX_CTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "supervisor/util/wire.h"

struct loop;
struct json;
struct ctl;
struct ctl_reply;

/* The server side of util/wire.h's protocol; a handler sees at most CTL_ARGS_MAX words. */
#define CTL_ARGS_MAX WIRE_ARGS_MAX

struct ctl_request {
	int argc;
	char **argv;    /* argv[0] is the verb, e.g. "power" */
	bool json;      /* the client wants JSON */
	uid_t uid;      /* peer credentials (SO_PEERCRED) */
	gid_t gid;
	pid_t pid;
	bool privileged; /* root, the daemon's user, or a member of the admin group */
	const char *origin; /* a verb run inside the daemon (ctl_dispatch): "mqtt"; NULL for a client */
};

/* Who asked, for the logs: "uid 1000" for a socket client, the origin ("mqtt") otherwise. */
const char *ctl_request_who(const struct ctl_request *req, char *buf, size_t len);

/* Return 0 when the reply is complete, or a negative errno when the handler failed. */
typedef int (*ctl_handler_fn)(const struct ctl_request *req, struct ctl_reply *rep, void *userdata);

int ctl_new(struct loop *l, const char *socket_path, struct ctl **out);
void ctl_free(struct ctl *c);
const char *ctl_socket_path(const struct ctl *c);
/*
 * Besides root and the daemon's own user, members of this group are privileged (may change
 * the box): a name, or a numeric gid.  The default is group "h2box" when it exists.  -ENOENT
 * for an unknown name.
 */
int ctl_admin_group_set(struct ctl *c, const char *group);
/* verb: the first word; help: one line for `h2box help`.  Registering a verb again replaces it. */
int ctl_command_register(struct ctl *c, const char *verb, const char *help, ctl_handler_fn fn,
			 void *userdata);

/*
 * Services stopped by a reload drop their verbs, so no request reaches freed state.  c may be
 * NULL (a daemon without a control socket, tests): then nothing happens.
 */
void ctl_command_unregister(struct ctl *c, const char *verb);

/*
 * Run a verb for a caller inside the daemon (MQTT commands): the socket's own handler, as a
 * privileged request without a connection (never a streaming verb).  Logged with origin as
 * H2BOX_ORIGIN= and the command as H2BOX_COMMAND=.  Returns the reply's exit status (0 done,
 * util/wire.h's codes otherwise) and its message (the reply's text or the error) in msg.
 */
int ctl_dispatch(struct ctl *c, const char *origin, int argc, char **argv, char *msg,
		 size_t msglen);

/* Reply builders.  Text goes to the body as is; JSON through the writer. */
void ctl_reply_printf(struct ctl_reply *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
struct json *ctl_reply_json(struct ctl_reply *rep);
/* Mark the reply failed: exit status (1 = failed, 2 = usage, 3 = refused/busy, 4 = permission). */
void ctl_reply_error(struct ctl_reply *rep, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refuses with status 4 and a clear message unless the peer is privileged; returns req->privileged. */
bool ctl_require_privilege(const struct ctl_request *req, struct ctl_reply *rep);

/*
 * Streaming: keep the connection after the handler returns; the owner then
 * writes lines with ctl_stream_printf() until it returns -EPIPE (client
 * gone), and must call ctl_stream_close().
 */
struct ctl_stream;
struct ctl_stream *ctl_reply_stream(struct ctl_reply *rep);
int ctl_stream_printf(struct ctl_stream *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ctl_stream_close(struct ctl_stream *s);

#endif
