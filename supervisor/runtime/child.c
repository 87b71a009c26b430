/* child.c - a command the daemon started, watched through the loop: reaped on exit, killed at its deadline. */
#include "supervisor/runtime/child.h"

#include "supervisor/runtime/loop.h"
#include "supervisor/util/log.h"
#include "supervisor/util/spawn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

enum child_stage { CHILD_RUNNING, CHILD_TERMED, CHILD_KILLED };

struct child {
	struct loop *loop;
	char what[128];
	pid_t pid;
	int pidfd;
	struct loop_io *io;
	sd_event_source *timer; /* real time: a child is a real process, even on the sim */
	int64_t timeout_ns;
	enum child_stage stage;
	child_exit_fn fn;
	void *userdata;
};

static int64_t child_real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

pid_t child_pid(const struct child *c)
{
	return c->pid;
}

/* The next step against a child past its time: SIGTERM to its group, then SIGKILL; logged with
 * fields (H2BOX_EVENT=child-timeout) so a watcher of the journal can act on it. */
static void child_escalate(struct child *c, int64_t after_ns, int64_t grace_ns)
{
	char f_pid[32], f_cmd[sizeof(c->what) + 16];
	const char *fields[] = { "H2BOX_EVENT=child-timeout", NULL, f_pid, f_cmd, NULL };

	snprintf(f_pid, sizeof(f_pid), "H2BOX_PID=%d", (int)c->pid);
	snprintf(f_cmd, sizeof(f_cmd), "H2BOX_CHILD=%s", c->what);
	if (c->stage == CHILD_RUNNING) {
		fields[1] = "H2BOX_SIGNAL=TERM";
		log_event(LOG_WARNING, fields,
			  "%s still running after %.1f s: SIGTERM to its process group %d", c->what,
			  (double)after_ns / HW_NSEC_PER_SEC, (int)c->pid);
		kill(-c->pid, SIGTERM);
		c->stage = CHILD_TERMED;
	} else if (c->stage == CHILD_TERMED) {
		fields[1] = "H2BOX_SIGNAL=KILL";
		log_event(LOG_WARNING, fields,
			  "%s still running %.1f s after SIGTERM: SIGKILL to its process group %d",
			  c->what, (double)grace_ns / HW_NSEC_PER_SEC, (int)c->pid);
		kill(-c->pid, SIGKILL);
		c->stage = CHILD_KILLED;
	}
}

/* Reaped: log how it ended when that is news (not a clean 0), tell the owner, free. */
static void child_finish(struct child *c, int status)
{
	if (status == -1)
		log_warnx("%s: exit status lost", c->what);
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		log_warnx("%s exited with status %d", c->what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("%s killed by signal %d%s", c->what, WTERMSIG(status),
			  c->stage != CHILD_RUNNING ? " (timed out)" : "");
	loop_io_free(c->io);
	sd_event_source_disable_unref(c->timer);
	close(c->pidfd);
	if (c->fn)
		c->fn(c, status, c->userdata);
	free(c);
}

/* Collect the exit status; 1 when done (status set), 0 while it still runs. */
static int child_reap(struct child *c, int options, int *status)
{
	pid_t r;

	do
		r = waitpid(c->pid, status, options);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r < 0)
		*status = -1; /* ECHILD: someone else reaped it (SIGCHLD ignored) */
	return 1;
}

static void child_on_exit(int fd, void *userdata)
{
	struct child *c = userdata;
	int status;

	(void)fd;
	if (child_reap(c, WNOHANG, &status))
		child_finish(c, status);
}

static int child_on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct child *c = userdata;

	(void)usec;
	child_escalate(c, c->timeout_ns, CHILD_GRACE_NS);
	if (c->stage == CHILD_TERMED) {
		sd_event_source_set_time_relative(s, CHILD_GRACE_NS / 1000);
		sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	}
	return 0;
}

int child_start(struct loop *l, const char *what, char *const argv[], const struct spawn_opts *o,
		int64_t timeout_ns, child_exit_fn fn, void *userdata, struct child **out)
{
	struct spawn_opts so = { 0 };
	struct child *c;
	int r, status;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = l;
	c->pidfd = -1;
	c->timeout_ns = timeout_ns > 0 ? timeout_ns : CHILD_TIMEOUT_DEFAULT_NS;
	c->fn = fn;
	c->userdata = userdata;
	snprintf(c->what, sizeof(c->what), "%s", what);
	/* a loop that has finished (shutdown, reload) takes no new sources: child_wait() bounds it */
	if (sd_event_get_state(loop_event(l)) != SD_EVENT_FINISHED) {
		/* accuracy 1 ms: sd-event's default slack (250 ms) is more than a short timeout */
		r = sd_event_add_time_relative(loop_event(l), &c->timer, CLOCK_MONOTONIC,
					       (uint64_t)c->timeout_ns / 1000, 1000,
					       child_on_deadline, c);
		if (r < 0)
			goto fail_free;
	}
	if (o)
		so = *o;
	so.own_group = true;
	r = spawn_start(argv, &so, &c->pid);
	if (r < 0)
		goto fail_timer;
	/* a pidfd turns readable at exit: the loop sees it like any input (Linux 5.3) */
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	if (c->pidfd < 0) {
		r = -errno;
		goto fail_kill;
	}
	r = c->timer ? loop_io_add(l, c->pidfd, child_on_exit, c, &c->io) : 0;
	if (r < 0)
		goto fail_close;
	*out = c;
	return 0;

fail_close:
	close(c->pidfd);
fail_kill:
	/* unwatched it would run without a bound: end it now (SIGKILL cannot be held off) */
	kill(-c->pid, SIGKILL);
	child_reap(c, 0, &status);
fail_timer:
	sd_event_source_disable_unref(c->timer);
fail_free:
	free(c);
	return r;
}

int child_wait(struct child *c, int64_t *budget_ns)
{
	int64_t start = child_real_ns(), end, grace_end = start + CHILD_STOP_GRACE_NS;
	int status;

	/* at shutdown the bound is what the caller has left, in real time */
	end = start + (*budget_ns > 0 ? *budget_ns : 0);
	for (;;) {
		struct pollfd pfd = { .fd = c->pidfd, .events = POLLIN };
		int64_t now = child_real_ns(), until = c->stage == CHILD_RUNNING ? end : grace_end;
		int ms = until > now ? (int)((until - now + 999999) / 1000000) : 0;

		/* after SIGKILL only the kernel can hold it: wait for it without a bound */
		if (poll(&pfd, 1, c->stage == CHILD_KILLED ? -1 : ms) > 0 &&
		    child_reap(c, WNOHANG, &status))
			break;
		if (c->stage != CHILD_KILLED && child_real_ns() >= until) {
			child_escalate(c, *budget_ns > 0 ? *budget_ns : 0, CHILD_STOP_GRACE_NS);
			grace_end = child_real_ns() + CHILD_STOP_GRACE_NS;
		}
	}
	*budget_ns -= child_real_ns() - start;
	if (*budget_ns < 0)
		*budget_ns = 0;
	child_finish(c, status);
	return status;
}
