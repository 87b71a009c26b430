/* cli-record-run.c - `h2box record`'s workload: a command without a shell, or the copy. */
#include "supervisor/cli/cli-record-run.h"

#include "supervisor/util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLI_RECORD_RUN_COPY_BUF (1u << 20)

int cli_record_run_command(char **cmd, int ncmd)
{
	static const struct spawn_opts opts = { .search_path = true };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	char **args;
	pid_t pid;
	int r, status = 0;

	args = calloc((size_t)ncmd + 1, sizeof(*args));
	if (!args)
		return 126;
	memcpy(args, cmd, sizeof(*args) * (size_t)ncmd);
	/* like system(): a ^C stops the workload, and we still close the record and report */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	r = spawn_start(args, &opts, &pid);
	free(args);
	if (r < 0) {
		fprintf(stderr, "h2box: record: cannot run '%s': %s\n", cmd[0], strerror(-r));
		status = r == -ENOENT ? 127 : 126;
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "h2box: record: waitpid: %s\n", strerror(errno));
			status = 1 << 8;
			break;
		}
	}
	if (WIFEXITED(status))
		status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		status = 128 + WTERMSIG(status);
	else
		status = 1;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return status;
}

static double cli_record_run_mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_record_run_copy_open(const char *src, const char *dst, int *in_fd, int *out_fd,
			     char *dstbuf, size_t dstlen, char *err, size_t errlen)
{
	struct stat si, so;
	const char *base;
	int in, out, r;

	*in_fd = *out_fd = -1;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &si) < 0) {
		r = -errno;
		snprintf(err, errlen, "%.250s: %s", src, strerror(-r));
		goto fail_in;
	}
	if (S_ISDIR(si.st_mode)) {
		r = -EISDIR;
		snprintf(err, errlen, "%.250s: %s", src, strerror(EISDIR));
		goto fail_in;
	}
	snprintf(dstbuf, dstlen, "%s", dst);
	if (stat(dst, &so) == 0 && S_ISDIR(so.st_mode)) {
		base = strrchr(src, '/');
		base = base ? base + 1 : src;
		if ((size_t)snprintf(dstbuf, dstlen, "%s%s%s", dst,
				     dst[strlen(dst) - 1] == '/' ? "" : "/", base) >= dstlen) {
			r = -ENAMETOOLONG;
			snprintf(err, errlen, "%.250s: %s", dst, strerror(ENAMETOOLONG));
			goto fail_in;
		}
	}
	/* no O_TRUNC: the same-file check below comes first */
	out = open(dstbuf, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (out < 0 || fstat(out, &so) < 0) {
		r = -errno;
		snprintf(err, errlen, "%.250s: %s", dstbuf, strerror(-r));
		goto fail_out;
	}
	if (so.st_dev == si.st_dev && so.st_ino == si.st_ino) {
		r = -EEXIST;
		snprintf(err, errlen, "'%.250s' and '%.250s' are the same file", src, dstbuf);
		goto fail_out;
	}
	if (S_ISREG(so.st_mode) && ftruncate(out, 0) < 0) {
		r = -errno;
		snprintf(err, errlen, "%.250s: %s", dstbuf, strerror(-r));
		goto fail_out;
	}
	*in_fd = in;
	*out_fd = out;
	return 0;

fail_out:
	if (out >= 0)
		close(out);
fail_in:
	if (in >= 0)
		close(in);
	return r;
}

bool cli_record_run_same_file(const char *path, int fd)
{
	struct stat a, b;

	return fd >= 0 && stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int cli_record_run_copy(int in, int out, const char *src, const char *dst, uint64_t *bytes,
			double *secs)
{
	char *buf = NULL;
	int r = 0;
	double t0;

	*bytes = 0;
	*secs = 0;
	buf = malloc(CLI_RECORD_RUN_COPY_BUF);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	t0 = cli_record_run_mono_s();
	for (;;) {
		ssize_t n = read(in, buf, CLI_RECORD_RUN_COPY_BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			fprintf(stderr, "h2box: record: reading %s: %s\n", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				r = -errno;
				fprintf(stderr, "h2box: record: writing %s: %s\n", dst,
					strerror(errno));
				goto out;
			}
			off += w;
		}
		*bytes += (uint64_t)n;
	}
	if (fsync(out) < 0 && errno != EINVAL && errno != EROFS) {
		r = -errno;
		fprintf(stderr, "h2box: record: fsync %s: %s\n", dst, strerror(errno));
		goto out;
	}
	*secs = cli_record_run_mono_s() - t0;
out:
	free(buf);
	if (close(out) < 0 && r == 0) {
		r = -errno;
		fprintf(stderr, "h2box: record: closing %s: %s\n", dst, strerror(errno));
	}
	close(in);
	return r;
}
