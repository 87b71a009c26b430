/* ctl-listen.h - the control socket's listening end: a stale socket replaced, the new one born 0666. */
#ifndef H2BOX_CTL_LISTEN_H
#define H2BOX_CTL_LISTEN_H

/*
 * Create the parent directory if missing, remove a stale socket at path (never anything else:
 * a regular file is -EEXIST, a live daemon's socket -EADDRINUSE), then bind and listen.  The
 * listening fd (non-blocking, close-on-exec) or -errno.
 */
int ctl_listen_open(const char *path);

#endif
