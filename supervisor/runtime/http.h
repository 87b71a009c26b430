/* http.h - the daemon's small HTTP listener (libmicrohttpd, driven from the sd-event loop). */
#ifndef H2BOX_HTTP_H
#define H2BOX_HTTP_H

#include <stddef.h>

struct loop;
struct http;

struct http_response {
	int status;               /* 200, 404, ... */
	const char *content_type; /* static string */
	char *body;               /* malloc'd; the listener frees it */
	size_t len;
};

/* Fill resp for a GET of path (query string stripped).  Return 0, or -errno (-> 500). */
typedef int (*http_handler_fn)(void *userdata, const char *path, struct http_response *resp);

/*
 * Listen on addr:port (addr an IPv4 or IPv6 literal; port 0 picks a free one, http_port() says
 * which).  Nothing runs on a thread of its own: the listener's sockets are watched by the
 * loop's sd-event, every request is answered from the daemon's thread, and no client (slow,
 * silent or sending garbage) can hold the loop: sockets are non-blocking and idle connections
 * time out.  0, or -errno (-EADDRINUSE, -EINVAL for an address that is not a literal).
 */
int http_new(struct loop *l, const char *addr, int port, struct http **out);
void http_free(struct http *h);

/* Exact-path route; a second route on the same path is -EEXIST. */
int http_route_add(struct http *h, const char *path, http_handler_fn fn, void *userdata);
void http_route_remove(struct http *h, const char *path);
/* The bound port (useful with port 0) */
int http_port(const struct http *h);

#endif
