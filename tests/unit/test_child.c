/* test_child.c - children watched through the loop: reaped on exit, their group killed at the deadline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "log-capture.h"
#include "sim-box.h"
#include "supervisor/runtime/child.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#define SEC(x) ((int64_t)(x) * 1000000000LL)

struct fix {
	struct sim_box sb;
	struct loop *loop;
	struct log_capture log;
	struct child *c;
	bool done;
	int status;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sim_box_open(&f->sb, SIM_BOX_OFF), 0);
	assert_int_equal(loop_new(f->sb.hw, &f->loop), 0);
	/* the log (stderr) goes to a file the tests read */
	assert_int_equal(log_capture_begin(&f->log), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	log_capture_end(&f->log);
	loop_free(f->loop);
	sim_box_close(&f->sb);
	free(f);
	return 0;
}

static const char *logged(struct fix *f)
{
	return log_capture_text(&f->log);
}

static void on_exit_cb(struct child *c, int status, void *userdata)
{
	struct fix *f = userdata;

	assert_ptr_equal(c, f->c);
	f->c = NULL;
	f->done = true;
	f->status = status;
}

/* Dispatch the loop's real events (pidfd, deadline) until the child is done; false after 10 s. */
static bool run_until_done(struct fix *f)
{
	int64_t end = log_capture_real_ns() + SEC(10);

	while (!f->done && log_capture_real_ns() < end)
		sd_event_run(loop_event(f->loop), 100000);
	return f->done;
}

/* Start sh -c script with its stdout on a pipe the test reads (the script's own readiness). */
static int start_sh(struct fix *f, const char *script, int64_t timeout_ns, int *out_fd)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	int p[2] = { -1, -1 }, saved = -1, r;

	if (out_fd) {
		assert_int_equal(pipe(p), 0);
		fflush(stdout);
		saved = dup(1);
		dup2(p[1], 1);
	}
	r = child_start(f->loop, "test sh", argv, NULL, timeout_ns, on_exit_cb, f, &f->c);
	if (out_fd) {
		dup2(saved, 1);
		close(saved);
		close(p[1]);
		*out_fd = p[0];
	}
	return r;
}

/* One line the child wrote (blocking read: the child writes it when it is ready). */
static long read_number(int fd)
{
	char buf[64];
	ssize_t n = 0, k;

	while (n < (ssize_t)sizeof(buf) - 1 && (k = read(fd, buf + n, 1)) == 1 && buf[n] != '\n')
		n++;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void test_exit_status_reaped_through_loop(void **state)
{
	struct fix *f = *state;

	assert_int_equal(start_sh(f, "exit 3", SEC(10), NULL), 0);
	assert_true(run_until_done(f));
	assert_true(WIFEXITED(f->status));
	assert_int_equal(WEXITSTATUS(f->status), 3);
	assert_non_null(strstr(logged(f), "test sh exited with status 3"));
}

/* The deadline is real time: box time jumping (sim advance) never kills a child that had no
 * time to run; a child asleep for a minute is ended when its 0.3 s are up, its whole process
 * group with it, and both steps are logged. */
static void test_timeout_kills_the_group(void **state)
{
	struct fix *f = *state;
	int64_t t0 = log_capture_real_ns();
	int fd, gfd;
	pid_t pid, grandchild;
	struct pollfd pfd;

	assert_int_equal(start_sh(f, "sleep 60 & echo $!; wait", SEC(3) / 10, &fd), 0);
	pid = child_pid(f->c);
	grandchild = (pid_t)read_number(fd);
	close(fd);
	assert_true(grandchild > 0);
	gfd = (int)syscall(SYS_pidfd_open, grandchild, 0);
	assert_true(gfd >= 0);
	loop_advance(f->loop, SEC(3600));
	assert_false(f->done);
	assert_int_equal(kill(pid, 0), 0);
	assert_null(strstr(logged(f), "SIGTERM"));
	assert_true(run_until_done(f));
	assert_true(WIFSIGNALED(f->status));
	assert_int_equal(WTERMSIG(f->status), SIGTERM);
	assert_non_null(strstr(logged(f), "test sh still running after 0.3 s: SIGTERM to its process group"));
	assert_non_null(strstr(logged(f), "test sh killed by signal 15 (timed out)"));
	/* the sleep the script started went with it */
	pfd = (struct pollfd){ .fd = gfd, .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	close(gfd);
	assert_true(log_capture_real_ns() - t0 < SEC(5));
}

/* A child that ignores SIGTERM gets SIGKILL after the grace period. */
static void test_sigterm_ignored_then_sigkill(void **state)
{
	struct fix *f = *state;
	int fd;

	assert_int_equal(start_sh(f, "trap '' TERM; echo 1; exec sleep 60", SEC(1) / 10, &fd), 0);
	assert_int_equal(read_number(fd), 1);
	close(fd);
	assert_true(run_until_done(f));
	assert_non_null(strstr(logged(f), "SIGTERM to its process group"));
	assert_true(WIFSIGNALED(f->status));
	assert_int_equal(WTERMSIG(f->status), SIGKILL);
	assert_non_null(strstr(logged(f), "SIGKILL to its process group"));
}

/* Shutdown: child_wait blocks no longer than the budget it is given (real time). */
static void test_wait_is_bounded(void **state)
{
	struct fix *f = *state;
	int64_t budget = 200000000, t0 = log_capture_real_ns();

	assert_int_equal(start_sh(f, "exec sleep 60", SEC(600), NULL), 0);
	child_wait(f->c, &budget);
	assert_true(f->done);
	assert_true(WIFSIGNALED(f->status));
	assert_int_equal(WTERMSIG(f->status), SIGTERM);
	assert_int_equal(budget, 0);
	assert_true(log_capture_real_ns() - t0 < SEC(3));
	assert_non_null(strstr(logged(f), "test sh still running after 0.2 s: SIGTERM"));
}

/* A child that ends in time leaves the rest of the budget. */
static void test_wait_returns_at_exit(void **state)
{
	struct fix *f = *state;
	int64_t budget = SEC(30);

	assert_int_equal(start_sh(f, "exit 0", SEC(600), NULL), 0);
	assert_int_equal(child_wait(f->c, &budget), 0);
	assert_true(f->done);
	assert_true(budget > SEC(20));
	assert_null(strstr(logged(f), "test sh"));
}

/* Started once the loop has finished (a stop undoing a hook): unwatched, child_wait bounds it. */
static void test_start_after_loop_finished(void **state)
{
	struct fix *f = *state;
	int64_t budget = SEC(1) / 5;

	sd_event_exit(loop_event(f->loop), 0);
	assert_int_equal(sd_event_loop(loop_event(f->loop)), 0);
	assert_int_equal(start_sh(f, "exec sleep 60", SEC(600), NULL), 0);
	child_wait(f->c, &budget);
	assert_true(f->done);
	assert_true(WIFSIGNALED(f->status));
	assert_int_equal(WTERMSIG(f->status), SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exit_status_reaped_through_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_kills_the_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_ignored_then_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_returns_at_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_after_loop_finished, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
