/* reader-slot.c - one attribute file's I/O on its kept descriptors, in a reader's worker; the reader's clock. */
#include "hw/linux/reader-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "hw/clock.h"

int64_t hw_linux_reader_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

/* One pread on the kept descriptor; on an error reopen once (ENODEV after a driver rebind). */
int hw_linux_slot_read(struct hw_linux_slot *s, long *value, unsigned *opens)
{
	char buf[64];
	int r = -EIO;

	for (int attempt = 0; attempt < 2; attempt++) {
		ssize_t n;

		if (s->fd < 0) {
			s->fd = open(s->path, O_RDONLY | O_CLOEXEC);
			if (s->fd < 0)
				return -errno;
			(*opens)++;
		}
		do
			n = pread(s->fd, buf, sizeof(buf) - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n >= 0) {
			buf[n] = '\0';
			return hw_linux_parse_long(buf, value);
		}
		r = -errno;
		/* a chip answering "no data yet" keeps its file: reopening changes nothing */
		if (r == -ENODATA || r == -EAGAIN)
			return r;
		close(s->fd);
		s->fd = -1;
	}
	return r;
}

/*
 * One pwrite on the kept write descriptor (a duty a cycle: no open, O_TRUNC and close each
 * time); on an error the descriptor is dropped and the next write reopens, and a vanished
 * attribute (ENODEV after a driver rebind, a stale descriptor) is reopened and written once
 * more at once.  sysfs takes the whole value in one write at any offset and answers with the
 * store()'s error; a regular file (a fake tree, a control file outside sysfs) is cut after the
 * value so that it holds it alone, as `echo v > file` leaves it.
 */
int hw_linux_slot_write(struct hw_linux_slot *s, long value, unsigned *opens)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld\n", value);
	int r = -EIO;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct statfs fs;
		ssize_t n;

		if (s->wfd < 0) {
			s->wfd = open(s->path, O_WRONLY | O_CLOEXEC);
			if (s->wfd < 0)
				return -errno;
			(*opens)++;
			s->wtrunc = fstatfs(s->wfd, &fs) < 0 || fs.f_type != SYSFS_MAGIC;
		}
		do
			n = pwrite(s->wfd, buf, (size_t)len, 0);
		while (n < 0 && errno == EINTR);
		if (n == len && (!s->wtrunc || ftruncate(s->wfd, len) == 0))
			return 0;
		r = n < 0 || n == len ? -errno : -EIO;
		close(s->wfd);
		s->wfd = -1;
		if (r != -ENODEV && r != -EBADF && r != -ESTALE)
			return r;
	}
	return r;
}
