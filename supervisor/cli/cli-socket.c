/* cli-socket.c - which socket the h2box client talks to: -s, $H2BOX_SOCKET, else the system's then the user's. */
#include "supervisor/cli/cli-socket.h"

#include "supervisor/cli/cli.h"
#include "supervisor/util/json.h"
#include "supervisor/util/wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_socket_candidates(struct cli_socket *s, const char *opt)
{
	const char *env = getenv("H2BOX_SOCKET");
	char user[108];

	memset(s, 0, sizeof(*s));
	if (opt || (env && *env)) {
		s->chosen = true;
		s->n = 1;
		snprintf(s->path[0], sizeof(s->path[0]), "%s", opt ? opt : env);
		return;
	}
	snprintf(s->path[s->n++], sizeof(s->path[0]), "%s", wire_system_socket());
	wire_user_socket(user, sizeof(user));
	if (strcmp(user, s->path[0]) != 0)
		snprintf(s->path[s->n++], sizeof(s->path[0]), "%s", user);
}

const char *cli_socket_pick(struct cli_socket *s)
{
	if (s->chosen)
		return s->path[0];
	for (int i = 0; i < s->n; i++) {
		int fd = cli_connect(s->path[i]);

		if (fd >= 0) {
			close(fd);
			return s->path[i];
		}
		s->err[i] = fd;
	}
	return NULL;
}

/* "No such file or directory" says little about a socket: absent means no daemon there. */
static const char *cli_socket_why(int err)
{
	if (err == -ENOENT)
		return "absent";
	if (err == -ECONNREFUSED)
		return "nobody listening";
	if (err == -ETIMEDOUT)
		return "no answer";
	return strerror(-err);
}

int cli_socket_report(bool json, const struct cli_socket *s)
{
	char tried[512] = "", msg[560];
	size_t off = 0;
	struct json *j;
	const char *doc;

	for (int i = 0; i < s->n && off < sizeof(tried); i++)
		off += (size_t)snprintf(tried + off, sizeof(tried) - off, "%s%s (%s)", i ? ", " : "",
					s->path[i], cli_socket_why(s->err[i]));
	if (!json) {
		fprintf(stderr,
			"h2box: cannot reach h2boxd: tried %s\n"
			"h2box: is h2boxd running? (-s PATH or H2BOX_SOCKET name its socket)\n",
			tried);
		return 5;
	}
	/* wire_error_json()'s document with the paths as a list */
	j = json_new();
	if (j) {
		json_object_begin(j, NULL);
		json_bool(j, "ok", false);
		json_int(j, "status", 5);
		snprintf(msg, sizeof(msg), "cannot reach h2boxd: tried %s", tried);
		json_string(j, "error", msg);
		json_array_begin(j, "tried");
		for (int i = 0; i < s->n; i++) {
			json_object_begin(j, NULL);
			json_string(j, "path", s->path[i]);
			json_string(j, "error", cli_socket_why(s->err[i]));
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	doc = j ? json_finish(j, NULL) : NULL;
	printf("%s\n", doc ? doc : "{\"ok\":false,\"status\":5,\"error\":\"cannot reach h2boxd\"}");
	fflush(stdout);
	json_free(j);
	return 5;
}
