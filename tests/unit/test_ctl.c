/* test_ctl.c - the control socket's server: fair slots, refusals the client can read, socket path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "hw/hw.h"
#include "log-capture.h"
#include "sim-box.h"
#include "supervisor/cli/cli.h"
#include "supervisor/runtime/ctl-admit.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/log.h"

/*
 * bind() and accept4() of this program (the server's calls land here, before libc's): the
 * system calls themselves, plus what the socket-mode and accept back-off tests observe.
 */
static struct {
	bool armed;           /* watch the next unix-socket bind */
	mode_t mode;          /* the file's mode the moment bind() returned */
	char victim[96];      /* then put a symlink to this file where the socket was */
	unsigned accepts;     /* accept4() calls */
	int fail_errno;       /* when set, every accept4() fails with it (a kernel out of files) */
} spy;

int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
	struct stat st;
	char moved[120];
	long r = syscall(SYS_bind, fd, sa, len);

	if (r == 0 && spy.armed && sa->sa_family == AF_UNIX) {
		spy.armed = false;
		if (lstat(un->sun_path, &st) == 0)
			spy.mode = st.st_mode & 07777;
		/* an attacker with write access to the directory swaps in a symlink */
		if (spy.victim[0]) {
			snprintf(moved, sizeof(moved), "%s.moved", un->sun_path);
			if (rename(un->sun_path, moved) < 0 || symlink(spy.victim, un->sun_path) < 0)
				return -1;
		}
	}
	return (int)r;
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	spy.accepts++;
	if (spy.fail_errno) {
		errno = spy.fail_errno;
		return -1;
	}
	return (int)syscall(SYS_accept4, fd, sa, len, flags);
}

/*
 * The server with real sockets: a loop and a ctl on a temporary path; other users' clients are
 * child processes that setuid() to an unprivileged uid (the tests run as root), and the daemon's
 * side is dispatched here while they connect.
 */
struct rig {
	struct sim_box sb;
	struct loop *loop;
	struct ctl *ctl;
	char dir[32];
	char sock[96];
	int mine[CTL_ADMIT_SLOTS + 8]; /* root's own connections */
	int nmine;
	struct ctl_stream *streams[2 * CTL_ADMIT_SLOTS]; /* held by the `hold` verb */
	int nstreams;
};

struct holder {
	pid_t pid;
	int to, from;
	int busy, open;
};

/* `hold`: a stream that never says anything, as a `watts --follow` between its lines. */
static int rig_cmd_hold(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct rig *r = userdata;

	(void)req;
	if (r->nstreams == (int)(sizeof(r->streams) / sizeof(r->streams[0])))
		return -ENOSPC;
	r->streams[r->nstreams++] = ctl_reply_stream(rep);
	return 0;
}

/* Streams whose client hung up are closed by their owner, as the services do. */
static void rig_streams_reap(struct rig *r)
{
	for (int i = 0; i < r->nstreams;) {
		if (ctl_stream_printf(r->streams[i], "%s", "") < 0) {
			ctl_stream_close(r->streams[i]);
			r->streams[i] = r->streams[--r->nstreams];
		} else {
			i++;
		}
	}
}

static int rig_setup(void **state)
{
	static struct rig r;

	memset(&r, 0, sizeof(r));
	log_init(LOG_TARGET_NONE, 0);
	snprintf(r.dir, sizeof(r.dir), "/tmp/h2box-ctl-XXXXXX");
	if (!mkdtemp(r.dir) || chmod(r.dir, 0755) < 0)
		return -1;
	snprintf(r.sock, sizeof(r.sock), "%s/ctl.sock", r.dir);
	if (sim_box_open(&r.sb, SIM_BOX_OFF) < 0 || loop_new(r.sb.hw, &r.loop) < 0 ||
	    ctl_new(r.loop, r.sock, &r.ctl) < 0 ||
	    ctl_command_register(r.ctl, "hold", "a silent stream", rig_cmd_hold, &r) < 0)
		return -1;
	*state = &r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	for (int i = 0; i < r->nmine; i++)
		close(r->mine[i]);
	ctl_free(r->ctl);
	loop_free(r->loop);
	sim_box_close(&r->sb);
	unlink(r->sock);
	return rmdir(r->dir);
}

static sd_event *rig_ev(struct rig *r)
{
	return loop_event(r->loop);
}

/* Dispatch until nothing is pending: every queued connection accepted or refused. */
static void rig_settle(struct rig *r)
{
	for (int i = 0; i < 10000 && sd_event_run(rig_ev(r), 0) > 0; i++)
		;
}

static int rig_connect_nb(struct rig *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->sock);
	/* a full backlog says EAGAIN: let the server accept, then again */
	for (int i = 0; connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0; i++) {
		assert_int_equal(errno, EAGAIN);
		assert_true(i < 1000);
		sd_event_run(rig_ev(r), 1000);
	}
	return fd;
}

/* Root opens n silent connections of its own. */
static void rig_hold_root(struct rig *r, int n)
{
	for (int i = 0; i < n; i++) {
		assert_true(r->nmine < (int)(sizeof(r->mine) / sizeof(r->mine[0])));
		r->mine[r->nmine++] = rig_connect_nb(r);
		rig_settle(r);
	}
}

/* Root opens n `hold` streams: slots taken for good, whatever the idle timeout. */
static void rig_hold_root_streams(struct rig *r, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = rig_connect_nb(r);

		assert_int_equal(write(fd, "text hold\n", 10), 10);
		r->mine[r->nmine++] = fd;
		rig_settle(r);
	}
}

static void rig_release_root(struct rig *r)
{
	for (int i = 0; i < r->nmine; i++)
		close(r->mine[i]);
	r->nmine = 0;
	rig_settle(r);
	rig_streams_reap(r);
	rig_settle(r);
}

/* The reply on fd, the daemon dispatched until it closes; fd is closed. */
static void rig_read_reply(struct rig *r, int fd, char *reply, size_t len)
{
	size_t got = 0;

	for (int i = 0; i < 2000; i++) {
		ssize_t n = recv(fd, reply + got, len - 1 - got, MSG_DONTWAIT);

		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
		else
			sd_event_run(rig_ev(r), 1000);
	}
	reply[got] = '\0';
	close(fd);
}

/* One request from root in this process, the daemon dispatched until the reply is complete. */
static void rig_root_request(struct rig *r, const char *line, char *reply, size_t len)
{
	int fd = rig_connect_nb(r);

	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	rig_read_reply(r, fd, reply, len);
}

/*
 * A child as `uid` opens n `hold` streams (blocking connects: the server is dispatched here
 * meanwhile), then counts those refused with "error 3" and those admitted ("ok").  It keeps
 * them until holder_release().
 */
static void holder_start(struct rig *r, struct holder *h, uid_t uid, int n)
{
	int down[2], up[2];
	char c;

	assert_int_equal(pipe(down), 0);
	assert_int_equal(pipe(up), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fds[64], counts[2] = { 0, 0 };
		char buf[256];

		close(down[1]);
		close(up[0]);
		if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
			_exit(90);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->sock);
		for (int i = 0; i < n && i < 64; i++) {
			fds[i] = socket(AF_UNIX, SOCK_STREAM, 0);
			if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
				_exit(91);
			/* a refused one may be closed already: no matter */
			(void)!send(fds[i], "text hold\n", 10, MSG_NOSIGNAL);
		}
		if (write(up[1], "o", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(92);
		for (int i = 0; i < n && i < 64; i++) {
			ssize_t m = recv(fds[i], buf, sizeof(buf) - 1, MSG_DONTWAIT);

			if (m > 0 && strncmp(buf, "error 3\n", 8) == 0)
				counts[0]++;
			else if (m > 0 && strncmp(buf, "ok\n", 3) == 0)
				counts[1]++;
		}
		if (write(up[1], counts, sizeof(counts)) != sizeof(counts))
			_exit(93);
		(void)!read(down[0], &c, 1); /* hold until released */
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	h->to = down[1];
	h->from = up[0];
	for (int i = 0;; i++) {
		struct pollfd p = { .fd = h->from, .events = POLLIN };

		assert_true(i < 5000);
		if (poll(&p, 1, 0) == 1)
			break;
		sd_event_run(rig_ev(r), 1000);
	}
	assert_int_equal(read(h->from, &c, 1), 1);
	rig_settle(r);
	assert_int_equal(write(h->to, "g", 1), 1);
	{
		int counts[2];

		assert_int_equal(read(h->from, counts, sizeof(counts)), (ssize_t)sizeof(counts));
		h->busy = counts[0];
		h->open = counts[1];
	}
}

static void holder_release(struct rig *r, struct holder *h)
{
	int status;

	/* a byte, not EOF: the later children hold copies of this pipe's write end */
	assert_int_equal(write(h->to, "q", 1), 1);
	close(h->to);
	close(h->from);
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	rig_settle(r);
	rig_streams_reap(r);
	rig_settle(r);
}

/* The admission rule alone: reserves by rank, a share per uid, root unlimited per uid. */
static void test_admit_decide(void **state)
{
	(void)state;
	assert_int_equal(ctl_admit_decide(0, 0, CTL_ADMIT_ANYONE), CTL_ADMIT_OK);
	assert_int_equal(ctl_admit_decide(10, CTL_ADMIT_UID_SHARE, CTL_ADMIT_ANYONE),
			 CTL_ADMIT_SHARE);
	assert_int_equal(ctl_admit_decide(10, CTL_ADMIT_UID_SHARE, CTL_ADMIT_GROUP),
			 CTL_ADMIT_SHARE);
	assert_int_equal(ctl_admit_decide(10, CTL_ADMIT_UID_SHARE, CTL_ADMIT_ROOT), CTL_ADMIT_OK);
	/* the privileged reserve is closed to anyone, the root reserve to the group */
	assert_int_equal(ctl_admit_decide(CTL_ADMIT_SLOTS - CTL_ADMIT_RESERVE_PRIVILEGED, 0,
					  CTL_ADMIT_ANYONE),
			 CTL_ADMIT_FULL);
	assert_int_equal(ctl_admit_decide(CTL_ADMIT_SLOTS - CTL_ADMIT_RESERVE_PRIVILEGED, 0,
					  CTL_ADMIT_GROUP),
			 CTL_ADMIT_OK);
	assert_int_equal(ctl_admit_decide(CTL_ADMIT_SLOTS - CTL_ADMIT_RESERVE_ROOT, 0,
					  CTL_ADMIT_GROUP),
			 CTL_ADMIT_FULL);
	assert_int_equal(ctl_admit_decide(CTL_ADMIT_SLOTS - 1, 0, CTL_ADMIT_ROOT), CTL_ADMIT_OK);
	assert_int_equal(ctl_admit_decide(CTL_ADMIT_SLOTS, 0, CTL_ADMIT_ROOT), CTL_ADMIT_FULL);
	/* silent connections get less time once free slots run low */
	assert_true(ctl_admit_idle_usec(0) == CTL_ADMIT_IDLE_USEC);
	assert_true(ctl_admit_idle_usec(CTL_ADMIT_SLOTS - CTL_ADMIT_LOW_FREE) == CTL_ADMIT_IDLE_USEC);
	assert_true(ctl_admit_idle_usec(CTL_ADMIT_SLOTS - CTL_ADMIT_LOW_FREE + 1) <
		    CTL_ADMIT_IDLE_USEC);
}

/*
 * Defect 1: four unprivileged users open 20 connections each (80, more than the 64 slots) and
 * keep them (streams: no idle timeout frees them).  Each gets its share, the privileged
 * reserve stays free, and root still gets its answers.
 */
static void test_unprivileged_cannot_lock_root_out(void **state)
{
	struct rig *r = *state;
	struct holder h[4];
	char reply[256];
	int open = 0;

	for (int i = 0; i < 4; i++) {
		holder_start(r, &h[i], 65534 - (uid_t)i, 20);
		open += h[i].open;
		assert_int_equal(h[i].open + h[i].busy, 20);
	}
	/* one user: its share and no more, the rest told "busy" */
	assert_int_equal(h[0].open, CTL_ADMIT_UID_SHARE);
	assert_int_equal(h[1].open, CTL_ADMIT_UID_SHARE);
	assert_int_equal(open, CTL_ADMIT_SLOTS - CTL_ADMIT_RESERVE_PRIVILEGED);
	for (int i = 0; i < 3; i++) {
		rig_root_request(r, "text ping\n", reply, sizeof(reply));
		assert_string_equal(reply, "ok\npong\n");
	}
	for (int i = 0; i < 4; i++)
		holder_release(r, &h[i]);
	/* the slots are back: a user gets its share again */
	holder_start(r, &h[0], 65534, 4);
	assert_int_equal(h[0].open, 4);
	holder_release(r, &h[0]);
}

/* Silent connections are closed well before the relaxed timeout once slots run short. */
static void test_silent_closed_sooner_when_short(void **state)
{
	struct rig *r = *state;
	int closed = 0;
	uint64_t t0, t1;

	rig_hold_root(r, CTL_ADMIT_SLOTS - CTL_ADMIT_LOW_FREE + 4);
	sd_event_now(rig_ev(r), CLOCK_MONOTONIC, &t0);
	while (closed < r->nmine) {
		char c;

		sd_event_run(rig_ev(r), 100000);
		sd_event_now(rig_ev(r), CLOCK_MONOTONIC, &t1);
		assert_true(t1 - t0 < CTL_ADMIT_IDLE_USEC); /* the old 10 s: too long */
		closed = 0;
		for (int i = 0; i < r->nmine; i++)
			closed += recv(r->mine[i], &c, 1, MSG_DONTWAIT) == 0;
	}
	rig_release_root(r);
}

/*
 * Defect 9: a refused client reads the daemon's reason ("error 3", busy) through the real
 * client code, whether its request went out before the daemon closed or not.
 */
static void test_busy_reply_reaches_the_client(void **state)
{
	struct rig *r = *state;

	rig_hold_root_streams(r, CTL_ADMIT_SLOTS);
	for (int round = 0; round < 4; round++) {
		int p[2], status = -1;
		pid_t pid;
		char out[512] = "";
		ssize_t n;

		assert_int_equal(pipe(p), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char *argv[] = { "ping" };
			struct cli_reply rep;
			char msg[512];
			int rr;

			close(p[0]);
			rr = cli_call(r->sock, false, 1, argv, &rep);
			snprintf(msg, sizeof(msg), "%d %d %s", rr, rr == 0 ? rep.status : -1,
				 rr == 0 ? rep.body : strerror(-rr));
			(void)!write(p[1], msg, strlen(msg));
			_exit(0);
		}
		close(p[1]);
		for (int i = 0; i < 5000; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid)
				break;
			/* odd rounds: the request is sent before the daemon looks */
			sd_event_run(rig_ev(r), round % 2 ? 20000 : 1000);
		}
		assert_true(WIFEXITED(status));
		n = read(p[0], out, sizeof(out) - 1);
		close(p[0]);
		assert_true(n > 0);
		out[n] = '\0';
		if (strncmp(out, "0 3 h2boxd is busy", 18) != 0)
			fail_msg("round %d: the client got '%s', not the busy reply", round, out);
	}
	rig_release_root(r);
}

/* Defect 6: -s naming a regular file is an error and the file survives; a stale socket goes. */
static void test_socket_path_only_replaces_a_stale_socket(void **state)
{
	struct rig *r = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96], text[16] = "";
	struct ctl *c = NULL;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/precious", r->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep me\n", 8), 8);
	close(fd);
	assert_true(ctl_new(r->loop, path, &c) < 0);
	assert_null(c);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, text, sizeof(text) - 1), 8);
	close(fd);
	assert_string_equal(text, "keep me\n");
	assert_int_equal(unlink(path), 0);

	/* a live socket is someone else's */
	assert_int_equal(ctl_new(r->loop, r->sock, &c), -EADDRINUSE);

	/* a socket nobody listens on (a crashed daemon's) is replaced */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(ctl_new(r->loop, path, &c), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	ctl_free(c);
}

/*
 * Issue #13: the socket is born 0666, whatever the umask, and the daemon never changes a mode
 * by path afterwards (a chmod after bind had a window with the umask's mode, and followed a
 * symlink swapped in meanwhile).  The spy reads the mode the instant bind() returns; what it
 * cannot prove is the absence of every other path-based call, only that of a chmod that would
 * reach the victim.
 */
static void test_socket_born_with_its_mode(void **state)
{
	struct rig *r = *state;
	char path[96], moved[120];
	struct ctl *c = NULL;
	struct stat st;
	mode_t old;
	int fd;

	snprintf(spy.victim, sizeof(spy.victim), "%s/victim", r->dir);
	fd = open(spy.victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/born.sock", r->dir);
	old = umask(077);
	spy.armed = true;
	spy.mode = 0;
	assert_int_equal(ctl_new(r->loop, path, &c), 0);
	umask(old);
	assert_false(spy.armed);
	assert_int_equal(spy.mode, 0666);
	assert_int_equal(stat(spy.victim, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	ctl_free(c);
	snprintf(moved, sizeof(moved), "%s.moved", path);
	unlink(moved);
	unlink(path);
	unlink(spy.victim);
	spy.victim[0] = '\0';
}

/*
 * The socket's directory, when h2boxd creates it, is 0755 whatever the umask: under systemd's
 * UMask=0077 a 0700 directory would hide the 0666 socket from everyone but h2boxd's user.
 */
static void test_socket_dir_born_searchable(void **state)
{
	struct rig *r = *state;
	char dir[80], path[96];
	struct ctl *c = NULL;
	struct stat st;
	mode_t old;

	snprintf(dir, sizeof(dir), "%s/sub", r->dir);
	snprintf(path, sizeof(path), "%s/h2box.sock", dir);
	old = umask(077);
	assert_int_equal(ctl_new(r->loop, path, &c), 0);
	umask(old);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	ctl_free(c);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * Issue #13 and after: out of descriptors (the process's real RLIMIT_NOFILE), a queued client
 * makes the listening socket readable while accept() fails.  The server lets its spare
 * descriptor go for a moment, accepts the client and tells it why it is refused, at once: no
 * client waits in the backlog in silence, and the loop does not spin.  Logged once per episode;
 * once descriptors are free a client is served again.
 */
static void test_refuses_with_reason_without_descriptors(void **state)
{
	struct rig *r = *state;
	struct rlimit saved, low;
	struct log_capture lc;
	int fill[64], nfill = 0, fd, fd2, lowest;
	char reply[256] = "";
	const char *log;
	unsigned before;

	assert_int_equal(log_capture_begin(&lc), 0);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	low = saved;
	low.rlim_cur = (rlim_t)lowest + 8;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	/* every descriptor below the limit taken, then one left for the client */
	while (nfill < 64 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fill[nfill++] = fd;
	assert_int_equal(errno, EMFILE);
	close(fill[--nfill]);
	fd = rig_connect_nb(r);
	assert_int_equal(write(fd, "text ping\n", 10), 10);

	before = spy.accepts;
	for (int i = 0; i < 200; i++)
		sd_event_run(rig_ev(r), 0);
	/* the failed accept, then the one with the spare descriptor; nothing more */
	assert_int_equal(spy.accepts - before, 2);
	rig_read_reply(r, fd, reply, sizeof(reply));
	assert_non_null(strstr(reply, "h2boxd is busy: it is out of file descriptors"));

	/* a second client while still short: refused the same way, logged once */
	fd2 = rig_connect_nb(r);
	assert_int_equal(write(fd2, "text ping\n", 10), 10);
	rig_read_reply(r, fd2, reply, sizeof(reply));
	assert_non_null(strstr(reply, "out of file descriptors"));
	log = log_capture_text(&lc);
	assert_non_null(strstr(log, "refusing new clients"));
	assert_null(strstr(strstr(log, "refusing new clients") + 1, "refusing new clients"));

	/* descriptors free again: served */
	while (nfill > 0)
		close(fill[--nfill]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	fd = rig_connect_nb(r);
	assert_int_equal(write(fd, "text ping\n", 10), 10);
	rig_read_reply(r, fd, reply, sizeof(reply));
	assert_non_null(strstr(reply, "pong"));
	log = log_capture_text(&lc);
	assert_non_null(strstr(log, "accepting connections again"));
	log_capture_end(&lc);
}

/*
 * When even the spare descriptor does not help (the kernel's file table full: every accept
 * fails), the server must not retry on every loop iteration: the spy counts accept4() calls
 * over 200 dispatches; once in back-off the loop has nothing to do (a retry needs the back-off
 * timer, 50 ms at least).  Logged once however many retries fail; the queued client gets its
 * answer once the kernel accepts again.
 */
static void test_accept_backs_off_when_the_kernel_refuses(void **state)
{
	struct rig *r = *state;
	struct log_capture lc;
	char reply[256] = "";
	const char *log;
	unsigned before;
	int fd;

	assert_int_equal(log_capture_begin(&lc), 0);
	fd = rig_connect_nb(r);
	assert_int_equal(write(fd, "text ping\n", 10), 10);
	spy.fail_errno = ENFILE;
	before = spy.accepts;
	for (int i = 0; i < 200; i++)
		sd_event_run(rig_ev(r), 0);
	assert_in_range(spy.accepts - before, 1, 3);

	/* still refused: the retries fail, and stay quiet in the log */
	for (int i = 0; i < 200 && spy.accepts - before < 6; i++)
		sd_event_run(rig_ev(r), 100000);
	assert_true(spy.accepts - before >= 6);
	log = log_capture_text(&lc);
	assert_non_null(strstr(log, "pausing new connections"));
	assert_null(strstr(strstr(log, "pausing new connections") + 1, "pausing new connections"));

	/* the kernel accepts again: the queued client is served */
	spy.fail_errno = 0;
	rig_read_reply(r, fd, reply, sizeof(reply));
	assert_non_null(strstr(reply, "pong"));
	log = log_capture_text(&lc);
	assert_non_null(strstr(log, "accepting connections again"));
	log_capture_end(&lc);
}

/* A verb that echoes what it was given and whether the caller was privileged. */
static int rig_cmd_echo(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	if (req->argc > 1 && strcmp(req->argv[1], "fail") == 0) {
		ctl_reply_error(rep, 3, "refused: %s", req->argv[1]);
		return 0;
	}
	ctl_reply_printf(rep, "echo %s privileged=%d\n", req->argc > 1 ? req->argv[1] : "-",
			 req->privileged);
	return 0;
}

/* ctl_dispatch (MQTT's commands): the socket's own handler, privileged, logged with its origin. */
static void test_dispatch_runs_the_verb(void **state)
{
	struct rig *r = *state;
	struct log_capture lc;
	char msg[128];
	const char *log;

	assert_int_equal(ctl_command_register(r->ctl, "echo", "test", rig_cmd_echo, r), 0);
	log_capture_begin(&lc);
	assert_int_equal(ctl_dispatch(r->ctl, "mqtt", 2, (char *[]){ "echo", "on", NULL }, msg,
				      sizeof(msg)),
			 0);
	assert_string_equal(msg, "echo on privileged=1");
	assert_int_equal(ctl_dispatch(r->ctl, "mqtt", 2, (char *[]){ "echo", "fail", NULL }, msg,
				      sizeof(msg)),
			 3);
	assert_string_equal(msg, "refused: fail");
	assert_int_equal(ctl_dispatch(r->ctl, "mqtt", 1, (char *[]){ "nosuch", NULL }, msg,
				      sizeof(msg)),
			 2);
	log = log_capture_text(&lc);
	assert_non_null(strstr(log, "mqtt: echo on: echo on privileged=1"));
	assert_non_null(strstr(log, "H2BOX_ORIGIN=mqtt"));
	assert_non_null(strstr(log, "H2BOX_COMMAND=echo fail"));
	log_capture_end(&lc);
}

/* Services drop their verbs on free without asking whether the daemon has a socket. */
static void test_unregister_without_ctl(void **state)
{
	(void)state;
	ctl_command_unregister(NULL, "fan");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admit_decide),
		cmocka_unit_test(test_unregister_without_ctl),
		cmocka_unit_test_setup_teardown(test_unprivileged_cannot_lock_root_out, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_silent_closed_sooner_when_short, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_busy_reply_reaches_the_client, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_socket_path_only_replaces_a_stale_socket,
						rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_socket_dir_born_searchable, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_socket_born_with_its_mode, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_refuses_with_reason_without_descriptors,
						rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_accept_backs_off_when_the_kernel_refuses,
						rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_dispatch_runs_the_verb, rig_setup,
						rig_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
