/* sysfs.c - the small sysfs/control-file helpers the linux buses share: paths, read, write. */
#include "hw/linux/linux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hw_linux_path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int hw_linux_file_read_str(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd, r = 0;

	if (len == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs hands a small attribute over in one read; loop anyway for regular files */
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return r;
}

static const char *hw_linux_skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

int hw_linux_file_read_long(const char *path, long *value)
{
	char buf[64];
	int r = hw_linux_file_read_str(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	return hw_linux_parse_long(buf, value);
}

int hw_linux_parse_long(const char *buf, long *value)
{
	char *end;
	long v;

	if (*hw_linux_skip_space(buf) == '\0')
		return -ENODATA;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == buf || *hw_linux_skip_space(end) != '\0')
		return -EINVAL;
	*value = v;
	return 0;
}

int hw_linux_file_read_u64(const char *path, uint64_t *value)
{
	char buf[64];
	const char *p;
	char *end;
	unsigned long long v;
	int r = hw_linux_file_read_str(path, buf, sizeof(buf));

	if (r < 0)
		return r;
	p = hw_linux_skip_space(buf);
	if (*p == '\0')
		return -ENODATA;
	if (*p == '-') /* strtoull would quietly wrap a negative number */
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == p || *hw_linux_skip_space(end) != '\0')
		return -EINVAL;
	*value = (uint64_t)v;
	return 0;
}

int hw_linux_file_write_str(const char *path, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;
	int fd, r = 0;

	/* O_TRUNC as `echo v > file` opens it: sysfs ignores it, a regular file (a fake tree,
	 * a control file outside sysfs) then holds the value alone, not over a longer old one */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* sysfs takes the whole value in one write and answers with the store()'s error */
	do
		n = write(fd, s, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
