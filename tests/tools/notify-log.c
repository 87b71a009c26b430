/* notify-log.c - test tool: listen on a NOTIFY_SOCKET path and print every line a daemon sends. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * usage: notify-log PATH             bind PATH (replacing what is there), print "LISTENING",
 *                                    then each line of each datagram as it arrives, until killed
 *        notify-log --send PATH TEXT send TEXT as one datagram to PATH (a test's marker)
 *
 * Datagrams on one socket are received in the order they were sent, so a test that sends a
 * marker and reads up to it has seen everything the daemon sent before: explicit readiness for
 * counting WATCHDOG=1 pings, no sleeps.  (notify-wait lets go of the socket after READY=1; this
 * takes it over.)
 */
int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	bool send_mode = argc == 4 && strcmp(argv[1], "--send") == 0;
	const char *path = send_mode ? argv[2] : argv[1];
	int fd;

	if (!(argc == 2 || send_mode) || strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify-log PATH | notify-log --send PATH TEXT\n");
		return 2;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("notify-log: socket");
		return 1;
	}
	if (send_mode) {
		if (sendto(fd, argv[3], strlen(argv[3]), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			perror("notify-log: send");
			return 1;
		}
		return 0;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify-log: bind");
		return 1;
	}
	printf("LISTENING\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("notify-log: recv");
			return 1;
		}
		buf[n] = '\0';
		for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			printf("%s\n", line);
		if (fflush(stdout) != 0)
			return 1;
	}
}
