/* notify-wait.c - test tool: start a daemon with NOTIFY_SOCKET and return once it sends READY=1. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile pid_t child;

/* A test that stops the wrapper stops the daemon: SIGTERM/SIGINT go on to the child. */
static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

/*
 * usage: notify-wait NOTIFY_PATH TIMEOUT_S -- COMMAND ARGS...
 * Prints the daemon's pid, "CONTROL" when the daemon says its control socket answers
 * (X_H2BOX_CONTROL=1), then "READY" when READY=1 arrives, then stays the daemon's parent
 * and exits with the daemon's exit status, so a test can `wait` for it; SIGTERM or SIGINT to
 * it are passed on to the daemon.  Prints "FAILED" and
 * exits 125 when the daemon exits first or the timeout passes.  Explicit readiness, no sleeps.
 */
int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char env[sizeof(sa.sun_path) + 16];
	char buf[4096];
	double timeout;
	pid_t pid;
	int fd, status, r;
	struct timespec start, now;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: notify-wait NOTIFY_PATH TIMEOUT_S -- COMMAND ARGS...\n");
		return 2;
	}
	timeout = atof(argv[2]);
	if (strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("notify-wait: socket");
		return 1;
	}
	snprintf(env, sizeof(env), "NOTIFY_SOCKET=%s", argv[1]);
	putenv(env);
	r = posix_spawn(&pid, argv[4], NULL, NULL, argv + 4, environ);
	if (r) {
		fprintf(stderr, "notify-wait: cannot start %s: %s\n", argv[4], strerror(r));
		return 1;
	}
	child = pid;
	{
		struct sigaction sa_fwd = { .sa_handler = forward };

		sigemptyset(&sa_fwd.sa_mask);
		sigaction(SIGTERM, &sa_fwd, NULL);
		sigaction(SIGINT, &sa_fwd, NULL);
	}
	printf("%d\n", (int)pid);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double elapsed;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "notify-wait: %s exited (status %d) before READY=1\n", argv[4],
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
			printf("FAILED\n");
			return 125;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (elapsed > timeout) {
			fprintf(stderr, "notify-wait: no READY=1 within %.0f s\n", timeout);
			kill(pid, SIGTERM);
			waitpid(pid, &status, 0);
			printf("FAILED\n");
			return 125;
		}
		/* wake every 100 ms to notice the child exiting; the datagram itself wakes us at once */
		if (poll(&pfd, 1, 100) == 1) {
			ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

			if (n > 0) {
				buf[n] = '\0';
				for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
					if (strcmp(line, "READY=1") == 0)
						goto ready;
					/* the control socket is up: a test may talk before readiness */
					if (strcmp(line, "X_H2BOX_CONTROL=1") == 0) {
						printf("CONTROL\n");
						fflush(stdout);
					}
				}
			}
		}
	}
ready:
	printf("READY\n");
	fflush(stdout);
	close(fd);
	unlink(argv[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
