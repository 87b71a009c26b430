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

/*
 * Create the temporary file in dfd, never through something planted there: O_EXCL|O_NOFOLLOW.
 * A leftover of ours (a crash between write and rename: a regular file, one link) is removed
 * and the create tried once more; a symlink (-ELOOP) or anything else (-EPERM) is refused and
 * left for the caller to report.
 */
static int tmp_create(int dfd, const char *tmp)
{
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	struct stat st;
	int fd = openat(dfd, tmp, flags, 0644);

	if (fd >= 0 || errno != EEXIST)
		return fd >= 0 ? fd : -errno;
	if (fstatat(dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1)
		return -EPERM;
	if (unlinkat(dfd, tmp, 0) < 0)
		return -errno;
	fd = openat(dfd, tmp, flags, 0644);
	return fd >= 0 ? fd : -errno;
}

int statefile_write(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *base;
	int fd = -1, dfd = -1, r;

	if (!path || !*path || (!data && len))
		return -EINVAL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!*base)
		return -EINVAL;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", base) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	r = dir_of(path, dir, sizeof(dir));
	if (r < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	/* everything below is relative to this directory: a symlink put in its place is refused */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return -errno;

	fd = tmp_create(dfd, tmp);
	if (fd < 0) {
		r = fd;
		fd = -1;
		goto out; /* not ours: leave it in place */
	}
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
	if (renameat(dfd, tmp, dfd, base) < 0) {
		r = -errno;
		goto fail_unlink;
	}
	/* The rename itself is only durable once the directory is synced. */
	r = fsync(dfd) < 0 ? -errno : 0;
	goto out;

fail_unlink:
	if (fd >= 0)
		close(fd);
	unlinkat(dfd, tmp, 0);
out:
	close(dfd);
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
