/* http.c - the HTTP listener: libmicrohttpd without threads, its epoll fd watched by sd-event. */
#include "supervisor/runtime/http.h"

#include "supervisor/runtime/loop.h"
#include "hw/dlib.h"
#include "supervisor/util/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#define HTTP_ROUTES_MAX 16
/* Few readers (a Prometheus, a browser); a slow or silent one is dropped after this long. */
#define HTTP_CONNECTIONS_MAX 16
#define HTTP_IDLE_TIMEOUT_S 10

struct http_route {
	char *path;
	http_handler_fn fn;
	void *userdata;
};

struct http {
	struct loop *loop;
	struct MHD_Daemon *mhd;
	sd_event_source *io;    /* MHD's epoll fd: a listener or a connection has something */
	sd_event_source *timer; /* MHD's next timeout (an idle connection to close) */
	int port;
	struct http_route routes[HTTP_ROUTES_MAX];
};

/*
 * libmicrohttpd (and the TLS stack it links) is loaded by the first http_new(), only when a
 * profile sets [metrics] listen: a daemon without it maps none of it (issue #16).
 */
static struct {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_run) *run;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} http_mhd;

#define HTTP_MHD_SYM(fn) { "MHD_" #fn, (void **)&http_mhd.fn }
static const struct hw_dlib_sym http_mhd_syms[] = {
	HTTP_MHD_SYM(start_daemon),	   HTTP_MHD_SYM(stop_daemon),
	HTTP_MHD_SYM(get_daemon_info),	   HTTP_MHD_SYM(get_timeout),
	HTTP_MHD_SYM(run),		   HTTP_MHD_SYM(create_response_from_buffer),
	HTTP_MHD_SYM(add_response_header), HTTP_MHD_SYM(queue_response),
	HTTP_MHD_SYM(destroy_response),
};
_Static_assert(sizeof(http_mhd_syms) / sizeof(http_mhd_syms[0]) ==
		       sizeof(http_mhd) / sizeof(http_mhd.run),
	       "every libmicrohttpd function pointer has its name");

static struct hw_dlib http_mhd_lib =
	HW_DLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12", http_mhd_syms);

static const char http_text[] = "text/plain; charset=utf-8";

static struct http_route *http_route_find(struct http *h, const char *path)
{
	for (int i = 0; i < HTTP_ROUTES_MAX; i++)
		if (h->routes[i].path && strcmp(h->routes[i].path, path) == 0)
			return &h->routes[i];
	return NULL;
}

int http_route_add(struct http *h, const char *path, http_handler_fn fn, void *userdata)
{
	if (http_route_find(h, path))
		return -EEXIST;
	for (int i = 0; i < HTTP_ROUTES_MAX; i++) {
		if (h->routes[i].path)
			continue;
		h->routes[i].path = strdup(path);
		if (!h->routes[i].path)
			return -ENOMEM;
		h->routes[i].fn = fn;
		h->routes[i].userdata = userdata;
		return 0;
	}
	return -ENOSPC;
}

void http_route_remove(struct http *h, const char *path)
{
	struct http_route *r = h ? http_route_find(h, path) : NULL;

	if (!r)
		return;
	free(r->path);
	memset(r, 0, sizeof(*r));
}

int http_port(const struct http *h)
{
	return h->port;
}

static enum MHD_Result http_queue(struct MHD_Connection *conn, int status, const char *type,
				  char *body, size_t len, bool allow)
{
	struct MHD_Response *resp;
	enum MHD_Result r;

	if (body)
		resp = http_mhd.create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	else
		resp = http_mhd.create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	http_mhd.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type ? type : http_text);
	/* live figures: a cache must ask again */
	http_mhd.add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (allow)
		http_mhd.add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	r = http_mhd.queue_response(conn, (unsigned)status, resp);
	http_mhd.destroy_response(resp);
	return r;
}

static enum MHD_Result http_error(struct MHD_Connection *conn, int status, const char *msg)
{
	char *body = strdup(msg);

	return http_queue(conn, status, http_text, body, body ? strlen(body) : 0,
			  status == MHD_HTTP_METHOD_NOT_ALLOWED);
}

/* Answered on the first call: GET and HEAD carry no body, and any other method gets 405. */
static enum MHD_Result http_on_request(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	struct http *h = cls;
	struct http_response resp = { .status = 200 };
	struct http_route *route;
	int r;

	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return http_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
	route = http_route_find(h, url);
	if (!route)
		return http_error(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	r = route->fn(route->userdata, url, &resp);
	if (r < 0) {
		free(resp.body);
		log_warn(r, "http: GET %s failed", url);
		return http_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
	}
	return http_queue(conn, resp.status ? resp.status : 200, resp.content_type, resp.body,
			  resp.body ? resp.len : 0, false);
}

/* After every run: wake again when MHD's earliest connection timeout is due. */
static void http_rearm(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	uint64_t now;

	if (http_mhd.get_timeout(h->mhd, &ms) != MHD_YES) {
		sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_now(loop_event(h->loop), CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(h->timer, now + (uint64_t)ms * 1000);
	sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
}

/* http_mhd.run() in epoll mode waits for nothing: it handles what is ready and returns. */
static void http_run(struct http *h)
{
	http_mhd.run(h->mhd);
	http_rearm(h);
}

static int http_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	http_run(userdata);
	return 0;
}

static int http_on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	http_run(userdata);
	return 0;
}

/* addr: an IPv4 literal, or an IPv6 one (with or without brackets). */
static int http_sockaddr(const char *addr, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(addr);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		return 0;
	}
	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']' && n - 2 < sizeof(buf)) {
		memcpy(buf, addr + 1, n - 2);
		buf[n - 2] = '\0';
		addr = buf;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		return 0;
	}
	return -EINVAL;
}

int http_new(struct loop *l, const char *addr, int port, struct http **out)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_EPOLL;
	struct http *h;
	sd_event *e = loop_event(l);
	int r;

	if (port < 0 || port > 65535 || http_sockaddr(addr, port, &ss) < 0)
		return -EINVAL;
	r = hw_dlib_load(&http_mhd_lib);
	if (r < 0)
		return r;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = l;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	h->mhd = http_mhd.start_daemon(flags, (uint16_t)port, NULL, NULL, http_on_request, h,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS_MAX,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
				  MHD_OPTION_END);
	if (!h->mhd) {
		r = errno ? -errno : -EADDRINUSE;
		goto fail;
	}
	info = http_mhd.get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		r = -EIO;
		goto fail;
	}
	r = sd_event_add_io(e, &h->io, info->epoll_fd, EPOLLIN, http_on_io, h);
	if (r < 0)
		goto fail;
	r = sd_event_add_time(e, &h->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, http_on_timer, h);
	if (r < 0)
		goto fail;
	info = http_mhd.get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : port;
	http_rearm(h);
	*out = h;
	return 0;
fail:
	http_free(h);
	return r;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	sd_event_source_disable_unref(h->timer);
	sd_event_source_disable_unref(h->io);
	if (h->mhd)
		http_mhd.stop_daemon(h->mhd);
	for (int i = 0; i < HTTP_ROUTES_MAX; i++)
		free(h->routes[i].path);
	free(h);
}
