/* cli-socket.h - which socket the h2box client talks to: -s, $H2BOX_SOCKET, else the system's then the user's. */
#ifndef H2BOX_CLI_SOCKET_H
#define H2BOX_CLI_SOCKET_H

#include <stdbool.h>

#define CLI_SOCKET_CANDIDATES 2

/*
 * The paths to try, in order: the one -s or $H2BOX_SOCKET names; else the system daemon's
 * socket (util/wire.h's wire_system_socket(), so a member of the admin group reaches a root
 * daemon whatever its own environment says), then the user's own daemon's.
 */
struct cli_socket {
	int n;
	bool chosen;                  /* -s or $H2BOX_SOCKET: one path, no search */
	char path[CLI_SOCKET_CANDIDATES][108];
	int err[CLI_SOCKET_CANDIDATES]; /* why each one did not answer (-errno), 0 untried */
};

void cli_socket_candidates(struct cli_socket *s, const char *opt);
/*
 * The path to use: a chosen one as is (its errors come with the request); else the first
 * candidate that accepts a connection (closed at once).  NULL when none does.
 */
const char *cli_socket_pick(struct cli_socket *s);
/* Nothing answered: every path tried with its error, text or --json ("tried": [...]); 5. */
int cli_socket_report(bool json, const struct cli_socket *s);

#endif
