/* ctl-listen.c - the control socket's listening end: a stale socket replaced, the new one born 0666. */
#include "supervisor/runtime/ctl-listen.h"

#include "supervisor/util/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * A socket file left by a crashed daemon is removed; one that answers is someone else's, and
 * anything that is not a socket (a mistyped -s naming a file) is never deleted.
 */
static int ctl_listen_remove_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r, err;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("%s exists and is not a socket: not removing it", path);
		return -EEXIST;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	close(fd);
	if (r == 0) {
		log_warnx("%s: another daemon answers on this socket", path);
		return -EADDRINUSE;
	}
	if (err == ENOENT)
		return 0;
	if (err != ECONNREFUSED)
		return -err; /* cannot tell it is stale (EACCES, ...): leave it */
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

static void ctl_listen_mkdir_parent(const char *path)
{
	char dir[108];
	mode_t old_mask;
	char *slash;
	int r, err;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	/* born 0755 whatever the umask (systemd's UMask=0077 would make it 0700 and hide the
	 * 0666 socket from the group and the readers it is for); an existing one is left as is */
	old_mask = umask(022);
	r = mkdir(dir, 0755);
	err = errno;
	umask(old_mask);
	if (r < 0 && err != EEXIST)
		log_warn(err, "cannot create %s", dir);
}

int ctl_listen_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_mask;
	int fd, r, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	ctl_listen_mkdir_parent(path);
	r = ctl_listen_remove_stale(path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/*
	 * Anyone may read status; power-changing verbs check SO_PEERCRED themselves, so the socket
	 * is 0666.  It is born with that mode: bind() applies the umask, and a chmod() by path
	 * afterwards would leave a window where the file has the umask's mode, and would follow a
	 * symlink someone with write access to the directory put there meanwhile (root making
	 * another file world-writable).  umask is process-wide: ctl_new() runs at start-up,
	 * before any thread (the ib bench job's) exists.
	 */
	old_mask = umask(0111);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	umask(old_mask);
	if (r < 0) {
		close(fd);
		return -err;
	}
	if (listen(fd, 16) < 0) {
		err = errno;
		close(fd);
		unlink(path);
		return -err;
	}
	return fd;
}
