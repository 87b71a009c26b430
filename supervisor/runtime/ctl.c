/* ctl.c - the control socket's server: a request line in, a reply out, commands by verb. */
#include "supervisor/runtime/ctl.h"

#include "supervisor/runtime/ctl-admit.h"
#include "supervisor/runtime/ctl-listen.h"
#include "supervisor/runtime/ctl-private.h"
#include "supervisor/util/group.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#define CTL_OUT_MAX (4u << 20) /* a stream whose client stops reading is cut, not buffered forever */
/*
 * accept() failing for lack of descriptors or memory leaves the connection queued and the
 * listening socket readable: retried at once, the loop would spin.  New connections wait
 * instead, from CTL_BACKOFF_MIN_USEC doubling to CTL_BACKOFF_MAX_USEC, or until one of our own
 * connections closes (which frees a descriptor).
 */
#define CTL_BACKOFF_MIN_USEC (50ULL * 1000ULL)
#define CTL_BACKOFF_MAX_USEC (1000ULL * 1000ULL)

struct ctl_stream {
	struct ctl_conn *conn;
};

struct ctl_conn {
	struct ctl *ctl;
	int fd;
	sd_event_source *io;
	sd_event_source *idle;
	char in[WIRE_REQUEST_MAX + 1];
	size_t inlen;
	char *out;
	size_t outlen, outpos, outcap;
	bool replied;     /* the request was handled */
	bool streaming;   /* stays open after the reply */
	bool dead;        /* client gone or error: drop output */
	bool owner_done;  /* the stream owner called ctl_stream_close() */
	struct ctl_stream stream;
	struct ucred peer;          /* SO_PEERCRED at accept */
	enum ctl_admit_rank rank;   /* what the peer may take (ctl-admit.h) */
	struct ctl_conn *next;
};


static void ctl_conn_free(struct ctl_conn *c);
static int ctl_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* ---- output ---- */

static int ctl_conn_queue(struct ctl_conn *c, const char *s, size_t n)
{
	if (c->dead)
		return -EPIPE;
	if (c->outlen + n > CTL_OUT_MAX) {
		c->dead = true;
		return -ENOBUFS;
	}
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 1024;
		char *nb;

		while (cap < c->outlen + n)
			cap *= 2;
		nb = realloc(c->out, cap);
		if (!nb)
			return -ENOMEM;
		c->out = nb;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
	return 0;
}

/* Write what we can without blocking; a slow client never stalls the daemon. */
static void ctl_conn_flush(struct ctl_conn *c)
{
	while (!c->dead && c->outpos < c->outlen) {
		ssize_t w = send(c->fd, c->out + c->outpos, c->outlen - c->outpos,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			c->dead = true;
			break;
		}
		c->outpos += (size_t)w;
	}
	if (c->outpos == c->outlen) {
		c->outpos = c->outlen = 0;
	}
	if (c->io)
		sd_event_source_set_io_events(c->io, c->outlen ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* A connection is finished when its reply is out and no stream owner holds it. */
static void ctl_conn_maybe_close(struct ctl_conn *c)
{
	if (c->streaming && !c->owner_done) {
		if (c->dead && c->io) {
			/* keep the struct for the owner, release the socket now */
			sd_event_source_disable_unref(c->io);
			c->io = NULL;
			close(c->fd);
			c->fd = -1;
		}
		return;
	}
	if (c->dead || (c->replied && c->outlen == 0))
		ctl_conn_free(c);
}

/* ---- requests ---- */

/* The peer's credentials and rank; -errno when the kernel cannot tell (the peer is refused). */
static int ctl_peer_rank(struct ctl *ctl, int fd, struct ucred *cred, enum ctl_admit_rank *rank)
{
	socklen_t len = sizeof(*cred);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);

	*rank = CTL_ADMIT_ANYONE;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0)
		return -errno;
	/* root, the daemon's own user (make run as a developer), or the h2box group */
	if (cred->uid == 0 || cred->uid == geteuid()) {
		*rank = CTL_ADMIT_ROOT;
		return 0;
	}
	if (!ctl->have_group)
		return 0;
	if (cred->gid == ctl->group) {
		*rank = CTL_ADMIT_GROUP;
		return 0;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0) {
		for (size_t i = 0; i < glen / sizeof(gid_t); i++)
			if (groups[i] == ctl->group)
				*rank = CTL_ADMIT_GROUP;
	}
	return 0;
}

static void ctl_reply_send(struct ctl_conn *c, struct ctl_reply *rep)
{
	char head[WIRE_HEAD_MAX];
	const char *body;
	size_t n = 0;

	if (rep->tf) {
		fclose(rep->tf);
		rep->tf = NULL;
	}
	wire_reply_head_format(rep->status, head, sizeof(head));
	ctl_conn_queue(c, head, strlen(head));
	if (rep->json) {
		if (rep->status) {
			json_free(rep->j);
			rep->j = json_new();
			if (rep->j)
				wire_error_json(rep->j, rep->status, rep->err);
		} else if (rep->j) {
			json_object_end(rep->j);
		}
		body = rep->j ? json_finish(rep->j, &n) : NULL;
		if (!body) {
			body = "{\"ok\":false,\"status\":1,\"error\":\"internal error building the reply\"}";
			n = strlen(body);
		}
		ctl_conn_queue(c, body, n);
		ctl_conn_queue(c, "\n", 1);
	} else {
		if (rep->status) {
			ctl_conn_queue(c, rep->err, strlen(rep->err));
			ctl_conn_queue(c, "\n", 1);
		} else if (rep->text && rep->textlen) {
			ctl_conn_queue(c, rep->text, rep->textlen);
		}
	}
	json_free(rep->j);
	free(rep->text);
}

static void ctl_handle_line(struct ctl_conn *c, char *line)
{
	struct ctl *ctl = c->ctl;
	struct ctl_reply rep = { .conn = c };
	struct ctl_request req = { 0 };
	char *argv[CTL_ARGS_MAX + 2];
	int argc, r;

	rep.tf = open_memstream(&rep.text, &rep.textlen);
	argc = wire_request_split(line, argv, CTL_ARGS_MAX + 1);
	if (argc > 0 && strcmp(argv[0], "json") == 0)
		rep.json = true;
	else if (argc > 0 && strcmp(argv[0], "text") != 0)
		argc = -EPROTO;
	if (rep.json) {
		rep.j = json_new();
		if (rep.j) {
			json_object_begin(rep.j, NULL);
			json_bool(rep.j, "ok", true);
		}
	}
	req.uid = c->peer.uid;
	req.gid = c->peer.gid;
	req.pid = c->peer.pid;
	req.privileged = c->rank != CTL_ADMIT_ANYONE;
	req.json = rep.json;
	if (argc == -E2BIG) {
		ctl_reply_error(&rep, 2, "too many arguments (at most %d)", CTL_ARGS_MAX);
	} else if (argc < 0) {
		ctl_reply_error(&rep, 2, "malformed request");
	} else if (argc < 2) {
		ctl_reply_error(&rep, 2, "empty request: try 'h2box help'");
	} else {
		const struct ctl_command *cmd = NULL;

		req.argc = argc - 1;
		req.argv = argv + 1;
		req.argv[req.argc] = NULL;
		for (int i = 0; i < ctl->ncmds; i++)
			if (strcmp(ctl->cmds[i].verb, req.argv[0]) == 0)
				cmd = &ctl->cmds[i];
		if (!cmd) {
			ctl_reply_error(&rep, 2, "unknown command '%.64s': try 'h2box help'", req.argv[0]);
		} else {
			r = cmd->fn(&req, &rep, cmd->userdata);
			if (r < 0 && !rep.status)
				ctl_reply_error(&rep, 1, "%s failed: %s", cmd->verb, strerror(-r));
		}
	}
	if (rep.stream && !rep.status)
		c->streaming = true;
	ctl_reply_send(c, &rep);
	c->replied = true;
	ctl_conn_flush(c);
}

static int ctl_on_conn_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ctl_conn *c = userdata;

	if (revents & EPOLLOUT)
		ctl_conn_flush(c);
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (c->replied) {
			char junk[256];
			ssize_t n = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);

			/* after the request only a hang-up matters (stream clients) */
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				c->dead = true;
		} else {
			ssize_t n = recv(fd, c->in + c->inlen, WIRE_REQUEST_MAX - c->inlen, MSG_DONTWAIT);
			char *nl;

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				c->dead = true;
			} else if (n > 0) {
				c->inlen += (size_t)n;
				c->in[c->inlen] = '\0';
				nl = memchr(c->in, '\n', c->inlen);
				if (nl) {
					*nl = '\0';
					if (memchr(c->in, '\0', (size_t)(nl - c->in)) != NULL) {
						struct ctl_reply rep = { .conn = c };

						ctl_reply_error(&rep, 2, "malformed request");
						ctl_reply_send(c, &rep);
						c->replied = true;
						ctl_conn_flush(c);
					} else {
						ctl_handle_line(c, c->in);
					}
				} else if (c->inlen >= WIRE_REQUEST_MAX) {
					struct ctl_reply rep = { .conn = c };

					ctl_reply_error(&rep, 2, "request longer than %d bytes",
							WIRE_REQUEST_MAX);
					ctl_reply_send(c, &rep);
					c->replied = true;
					ctl_conn_flush(c);
				}
			}
		}
	}
	ctl_conn_maybe_close(c);
	return 0;
}

static int ctl_on_idle(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctl_conn *c = userdata;

	if (!c->replied) {
		c->dead = true;
		ctl_conn_maybe_close(c);
	}
	return 0;
}

static void ctl_spare_take(struct ctl *ctl)
{
	if (ctl->spare_fd < 0)
		ctl->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void ctl_accept_resume(struct ctl *ctl)
{
	if (ctl->src)
		sd_event_source_set_enabled(ctl->src, SD_EVENT_ON);
}

/* Try at once: a failure re-arms the back-off, an empty queue (EAGAIN) ends the episode. */
static int ctl_on_backoff(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct ctl *ctl = userdata;

	ctl_accept_resume(ctl);
	return ctl_on_accept(ctl->src, ctl->fd, EPOLLIN, ctl);
}

/* An episode of refused accepts begins (logged once, with what the server does meanwhile);
 * false when one is already going on. */
static bool ctl_episode_begin(struct ctl *ctl, int err, const char *what)
{
	if (ctl->backing_off)
		return false;
	log_warn(err, "control socket: %s", what);
	ctl->backing_off = true;
	ctl->backoff_refused = 0;
	ctl->backoff_usec = CTL_BACKOFF_MIN_USEC;
	return true;
}

/*
 * The kernel refused an accept for lack of resources: stop watching the listening socket for a
 * while.  Logged once per episode (when it starts and when it ends), not per attempt.  The wait
 * is in real time (sd-event's CLOCK_MONOTONIC, as the idle deadlines): descriptors are freed by
 * real processes, and a paused simulator's box time would not move until a request came in.
 */
static void ctl_accept_backoff(struct ctl *ctl, int err, uint64_t now)
{
	sd_event *e = loop_event(ctl->loop);

	if (ctl_episode_begin(ctl, err, "cannot accept a connection; pausing new connections "
					"until descriptors or memory come free")) {
		/* the first wait is the shortest */
	} else if (ctl->backoff_usec < CTL_BACKOFF_MAX_USEC) {
		ctl->backoff_usec *= 2;
		if (ctl->backoff_usec > CTL_BACKOFF_MAX_USEC)
			ctl->backoff_usec = CTL_BACKOFF_MAX_USEC;
	}
	ctl->backoff_refused++;
	sd_event_source_set_enabled(ctl->src, SD_EVENT_OFF);
	if (ctl->backoff) {
		sd_event_source_set_time(ctl->backoff, now + ctl->backoff_usec);
		sd_event_source_set_enabled(ctl->backoff, SD_EVENT_ONESHOT);
	} else if (sd_event_add_time(e, &ctl->backoff, CLOCK_MONOTONIC, now + ctl->backoff_usec, 0,
				     ctl_on_backoff, ctl) < 0) {
		ctl_accept_resume(ctl); /* without a timer, spinning beats never accepting again */
	}
}

static void ctl_accept_backoff_end(struct ctl *ctl)
{
	if (!ctl->backing_off)
		return;
	log_info("control socket: accepting connections again (%u accepts refused by the kernel "
		 "in this episode)",
		 ctl->backoff_refused);
	ctl->backing_off = false;
	if (ctl->backoff)
		sd_event_source_set_enabled(ctl->backoff, SD_EVENT_OFF);
}

static void ctl_conn_free(struct ctl_conn *c)
{
	struct ctl_conn **pp;

	for (pp = &c->ctl->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->ctl->nconns--;
			break;
		}
	}
	sd_event_source_disable_unref(c->idle);
	sd_event_source_disable_unref(c->io);
	if (c->fd >= 0) {
		char junk[4096];

		/* unread input makes close() send a reset that can destroy our error reply */
		for (int i = 0; i < 16 && recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
			;
		shutdown(c->fd, SHUT_WR);
		close(c->fd);
	}
	/* a descriptor came free: a paused accept may succeed now, and the spare be had again */
	ctl_spare_take(c->ctl);
	if (c->ctl->backing_off)
		ctl_accept_resume(c->ctl);
	free(c->out);
	free(c);
}

/*
 * A refused peer gets its reason as a reply ("error 3"), not a bare close: what it already
 * sent is read first (unread input makes close() reset the connection, and the client would
 * see that instead of the message), then the write side is shut so the client reads to EOF.
 */
static void ctl_refuse(int fd, const char *why)
{
	char msg[WIRE_HEAD_MAX + 256], junk[4096];
	int n = wire_reply_head_format(3, msg, sizeof(msg));

	snprintf(msg + n, sizeof(msg) - (size_t)n, "%s", why);
	for (int i = 0; i < 4 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	(void)!send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 4 && recv(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0; i++)
		;
	close(fd);
}

/* Slots running short: every connection still silent gets the short deadline (ctl-admit.h). */
static void ctl_idle_tighten(struct ctl *ctl, uint64_t now)
{
	uint64_t limit = now + ctl_admit_idle_usec(ctl->nconns), t;

	for (struct ctl_conn *c = ctl->conns; c; c = c->next)
		if (!c->replied && c->idle && sd_event_source_get_time(c->idle, &t) >= 0 &&
		    t > limit)
			sd_event_source_set_time(c->idle, limit);
}

/*
 * Out of descriptors with a client waiting: rather than leave it in the backlog in silence until
 * one comes free, the spare descriptor is let go for a moment so the client can be accepted and
 * told why it is refused (it prints "h2boxd is busy" and exits 3), then taken again.  Part of the
 * back-off episode's log.  False when that did not work (no spare, or the kernel still refuses):
 * then the back-off waits.
 */
static bool ctl_refuse_spare(struct ctl *ctl, int err)
{
	int cfd;

	if (ctl->spare_fd < 0)
		return false;
	close(ctl->spare_fd);
	ctl->spare_fd = -1;
	cfd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (cfd >= 0)
		ctl_refuse(cfd, "h2boxd is busy: it is out of file descriptors; try again\n");
	ctl_spare_take(ctl);
	if (cfd < 0)
		return false;
	ctl_episode_begin(ctl, err, "out of descriptors; refusing new clients with that reason "
				    "until some come free");
	ctl->backoff_refused++;
	return true;
}

static int ctl_on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct ctl *ctl = userdata;
	struct ctl_conn *c;
	struct ucred peer;
	enum ctl_admit_rank rank;
	enum ctl_admit_verdict v;
	char why[160];
	uint64_t now;
	int same = 0;
	int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int err = errno;

	sd_event_now(loop_event(ctl->loop), CLOCK_MONOTONIC, &now);
	if (cfd < 0) {
		if ((err == EMFILE || err == ENFILE) && ctl_refuse_spare(ctl, err))
			return 0;
		if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
			ctl_accept_backoff(ctl, err, now);
		else if (err == EAGAIN)
			ctl_accept_backoff_end(ctl); /* the waiting client gave up meanwhile */
		return 0;
	}
	ctl_accept_backoff_end(ctl);
	if (ctl_peer_rank(ctl, cfd, &peer, &rank) < 0) {
		ctl_refuse(cfd, "h2boxd cannot tell who you are (no peer credentials)\n");
		return 0;
	}
	for (c = ctl->conns; c; c = c->next)
		same += c->peer.uid == peer.uid;
	v = ctl_admit_decide(ctl->nconns, same, rank);
	if (v != CTL_ADMIT_OK) {
		if (v == CTL_ADMIT_SHARE)
			snprintf(why, sizeof(why),
				 "h2boxd is busy: uid %u already holds %d connections, the most one "
				 "user may\n",
				 (unsigned)peer.uid, same);
		else
			snprintf(why, sizeof(why),
				 "h2boxd is busy: too many clients (%d connections open); try again\n",
				 ctl->nconns);
		ctl_refuse(cfd, why);
		/* whoever holds the slots must speak soon or let go */
		ctl_idle_tighten(ctl, now);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(cfd);
		return 0;
	}
	c->ctl = ctl;
	c->fd = cfd;
	c->stream.conn = c;
	c->peer = peer;
	c->rank = rank;
	if (sd_event_add_io(loop_event(ctl->loop), &c->io, cfd, EPOLLIN, ctl_on_conn_io, c) < 0) {
		close(cfd);
		free(c);
		return 0;
	}
	c->next = ctl->conns;
	ctl->conns = c;
	ctl->nconns++;
	sd_event_add_time(loop_event(ctl->loop), &c->idle, CLOCK_MONOTONIC,
			  now + ctl_admit_idle_usec(ctl->nconns), 0, ctl_on_idle, c);
	ctl_idle_tighten(ctl, now);
	return 0;
}

/* ---- built-in verbs ---- */

static int ctl_cmd_help(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct ctl *ctl = userdata;

	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_array_begin(j, "commands");
		for (int i = 0; i < ctl->ncmds; i++) {
			json_object_begin(j, NULL);
			json_string(j, "verb", ctl->cmds[i].verb);
			json_string(j, "help", ctl->cmds[i].help);
			json_object_end(j);
		}
		json_array_end(j);
		return 0;
	}
	for (int i = 0; i < ctl->ncmds; i++)
		ctl_reply_printf(rep, "  %-10s %s\n", ctl->cmds[i].verb, ctl->cmds[i].help);
	return 0;
}

static int ctl_cmd_ping(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	if (req->json)
		json_string(ctl_reply_json(rep), "pong", "h2boxd");
	else
		ctl_reply_printf(rep, "pong\n");
	return 0;
}

/* ---- setup ---- */

int ctl_new(struct loop *l, const char *socket_path, struct ctl **out)
{
	struct ctl *ctl;
	int r;

	if (!socket_path || strlen(socket_path) >= sizeof(ctl->path))
		return -ENAMETOOLONG;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ctl->loop = l;
	ctl->spare_fd = -1;
	ctl_spare_take(ctl);
	snprintf(ctl->path, sizeof(ctl->path), "%s", socket_path);
	snprintf(ctl->group_name, sizeof(ctl->group_name), "h2box");
	if (group_gid_lookup(NULL, "h2box", &ctl->group) == 0)
		ctl->have_group = true;
	ctl->fd = ctl_listen_open(socket_path);
	if (ctl->fd < 0) {
		r = ctl->fd;
		goto fail;
	}
	r = sd_event_add_io(loop_event(l), &ctl->src, ctl->fd, EPOLLIN, ctl_on_accept, ctl);
	if (r < 0)
		goto fail_unlink;
	ctl_command_register(ctl, "help", "list the daemon's commands", ctl_cmd_help, ctl);
	ctl_command_register(ctl, "ping", "check that the daemon answers", ctl_cmd_ping, ctl);
	*out = ctl;
	return 0;

fail_unlink:
	close(ctl->fd);
	unlink(socket_path);
fail:
	if (ctl->spare_fd >= 0)
		close(ctl->spare_fd);
	free(ctl);
	return r;
}

void ctl_free(struct ctl *ctl)
{
	if (!ctl)
		return;
	while (ctl->conns)
		ctl_conn_free(ctl->conns);
	sd_event_source_disable_unref(ctl->backoff);
	sd_event_source_disable_unref(ctl->src);
	close(ctl->fd);
	if (ctl->spare_fd >= 0)
		close(ctl->spare_fd);
	unlink(ctl->path);
	free(ctl);
}

int ctl_admin_group_set(struct ctl *c, const char *group)
{
	unsigned long gid;
	char *end;
	int r;

	errno = 0;
	gid = strtoul(group, &end, 10);
	if (*group && !*end && !errno && gid < (gid_t)-1) {
		/* a number needs no entry in /etc/group (a test's throwaway gid) */
		c->group = (gid_t)gid;
		if (group_name_lookup(NULL, c->group, c->group_name, sizeof(c->group_name)) < 0)
			snprintf(c->group_name, sizeof(c->group_name), "%u", (unsigned)c->group);
	} else {
		r = group_gid_lookup(NULL, group, &c->group);
		if (r < 0)
			return -ENOENT;
		snprintf(c->group_name, sizeof(c->group_name), "%s", group);
	}
	c->have_group = true;
	return 0;
}

const char *ctl_socket_path(const struct ctl *c)
{
	return c->path;
}

int ctl_command_register(struct ctl *c, const char *verb, const char *help, ctl_handler_fn fn,
			 void *userdata)
{
	struct ctl_command *cmd;

	cmd = NULL;
	/* a service restarted by a reload registers its verbs again: replace them */
	for (int i = 0; i < c->ncmds; i++)
		if (strcmp(c->cmds[i].verb, verb) == 0)
			cmd = &c->cmds[i];
	if (!cmd) {
		if (c->ncmds >= CTL_COMMANDS_MAX)
			return -ENOSPC;
		cmd = &c->cmds[c->ncmds++];
	}
	snprintf(cmd->verb, sizeof(cmd->verb), "%s", verb);
	snprintf(cmd->help, sizeof(cmd->help), "%s", help ? help : "");
	cmd->fn = fn;
	cmd->userdata = userdata;
	return 0;
}

void ctl_command_unregister(struct ctl *c, const char *verb)
{
	/* NULL: the daemon runs without a control socket (tests): nothing to drop */
	for (int i = 0; c && i < c->ncmds; i++) {
		if (strcmp(c->cmds[i].verb, verb) == 0) {
			memmove(&c->cmds[i], &c->cmds[i + 1],
				(size_t)(c->ncmds - i - 1) * sizeof(c->cmds[0]));
			c->ncmds--;
			return;
		}
	}
}

void ctl_reply_printf(struct ctl_reply *rep, const char *fmt, ...)
{
	va_list ap;

	if (!rep->tf)
		return;
	va_start(ap, fmt);
	vfprintf(rep->tf, fmt, ap);
	va_end(ap);
}

struct json *ctl_reply_json(struct ctl_reply *rep)
{
	/* a text request gets a throwaway writer so handlers need no special case */
	if (!rep->j)
		rep->j = json_new();
	return rep->j;
}

void ctl_reply_error(struct ctl_reply *rep, int status, const char *fmt, ...)
{
	va_list ap;

	rep->status = status > 0 ? status : 1;
	va_start(ap, fmt);
	vsnprintf(rep->err, sizeof(rep->err), fmt, ap);
	va_end(ap);
}

bool ctl_require_privilege(const struct ctl_request *req, struct ctl_reply *rep)
{
	if (!req->privileged)
		ctl_reply_error(rep, 4,
				"permission denied: '%s' changes the box; run as root or as a member "
				"of group %s",
				req->argv[0], rep->conn && rep->conn->ctl ? rep->conn->ctl->group_name
								 : "h2box");
	return req->privileged;
}

struct ctl_stream *ctl_reply_stream(struct ctl_reply *rep)
{
	assert(rep->conn); /* ctl_dispatch()'s callers never ask for a streaming verb */
	rep->stream = true;
	return &rep->conn->stream;
}

int ctl_stream_printf(struct ctl_stream *s, const char *fmt, ...)
{
	struct ctl_conn *c = s->conn;
	char buf[2048];
	va_list ap;
	int n, r;

	if (c->dead)
		return -EPIPE;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = ctl_conn_queue(c, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	if (r < 0)
		return r;
	ctl_conn_flush(c);
	return c->dead ? -EPIPE : 0;
}

void ctl_stream_close(struct ctl_stream *s)
{
	struct ctl_conn *c = s->conn;

	c->owner_done = true;
	c->dead = c->dead || c->outlen == 0;
	ctl_conn_maybe_close(c);
}
