/* statefile.h - small state files: atomic writes (tmp, fsync, rename, fsync dir), bounded reads. */
#ifndef H2BOX_STATEFILE_H
#define H2BOX_STATEFILE_H

#include <stddef.h>

/* Largest state file we ever read; anything bigger is not ours. */
#define STATEFILE_MAX 4096

/*
 * Replace `path` with `data` so that a power cut at any moment leaves either
 * the old or the new content: write "<path>.tmp", fsync it, rename over
 * path, fsync the directory.  Creates the directory (one level, 0755) when it
 * is missing.  Never writes through a planted link: the directory is opened
 * O_NOFOLLOW (a symlink in its place: -ENOTDIR or -ELOOP) and the temporary
 * file is created O_EXCL|O_NOFOLLOW in it; a leftover regular tmp file of a
 * crash is replaced, a symlink there is -ELOOP, anything else (a hard link to
 * another file) -EPERM.  Returns 0 or -errno.
 */
int statefile_write(const char *path, const char *data, size_t len);
/*
 * Read the whole file into buf (NUL-terminated).  Returns the length, -ENOENT
 * when missing, -EFBIG when it does not fit in buflen - 1 bytes (or exceeds
 * STATEFILE_MAX), -EINVAL when it holds a NUL byte, or -errno.
 */
int statefile_read(const char *path, char *buf, size_t buflen);
/*
 * Find "key=value" on a line of its own in a state file's text and copy the
 * value (up to the end of the line, at most vallen - 1 bytes).  Returns 0,
 * -ENOENT when absent, -ERANGE when the value is too long.
 */
int statefile_get(const char *text, const char *key, char *val, size_t vallen);

#endif
