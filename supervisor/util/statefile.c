/* statefile.c - small state files: atomic writes (tmp, fsync, rename, fsync dir), bounded reads. */
#include "supervisor/util/statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory part of path ("." when there is none). */
static int dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash) {
		snprintf(dir, len, ".");
		return 0;
	}
	n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/file" lives in "/" */
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

int statefile_write(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd = -1, dfd = -1, r;

	if (!path || !*path || (!data && len))
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	r = dir_of(path, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r < 0)
		goto fail_unlink;
	if (fsync(fd) < 0) {
		r = -errno;
		goto fail_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		goto fail_unlink;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail_unlink;
	}
	/* The rename itself is only durable once the directory is synced. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = fsync(dfd) < 0 ? -errno : 0;
	close(dfd);
	return r;

fail_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r;
}

int statefile_read(const char *path, char *buf, size_t buflen)
{
	size_t n = 0;
	int fd, r = 0;

	if (!path || !buf || buflen < 2)
		return -EINVAL;
	if (buflen > STATEFILE_MAX + 1)
		buflen = STATEFILE_MAX + 1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (n == buflen - 1) {
			char extra;

			/* Full: one more byte tells "exactly fits" from "too big". */
			got = read(fd, &extra, 1);
			if (got < 0 && errno == EINTR)
				continue;
			r = got > 0 ? -EFBIG : got < 0 ? -errno : 0;
			break;
		}
		got = read(fd, buf + n, buflen - 1 - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return -EINVAL;
	return (int)n;
}

int statefile_get(const char *text, const char *key, char *val, size_t vallen)
{
	size_t klen = strlen(key);
	const char *p = text;

	if (!text || !val || vallen == 0 || klen == 0)
		return -EINVAL;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t linelen = eol ? (size_t)(eol - p) : strlen(p);

		if (linelen > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t vl = linelen - klen - 1;

			if (vl > 0 && v[vl - 1] == '\r')
				vl--;
			if (vl >= vallen)
				return -ERANGE;
			memcpy(val, v, vl);
			val[vl] = '\0';
			return 0;
		}
		p += linelen;
		if (*p == '\n')
			p++;
	}
	return -ENOENT;
}
