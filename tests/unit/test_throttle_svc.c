/* test_throttle_svc.c - a hook step: spawned by the profile's rule, its exit logged once. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor/config/watts-config.h"
#include "supervisor/services/throttle-svc.h"
#include "supervisor/util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* Run fn with stderr (the log) going to a file; returns what was logged. */
static char *logged(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/h2box-throttle-svc-XXXXXX";
	static char buf[4096];
	int fd = mkstemp(path), saved;
	ssize_t n;

	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

struct run {
	struct throttle_config cfg;
	int applied, undone;
};

static void apply_undo_free(void *arg)
{
	struct run *r = arg;
	struct throttle_svc *t;

	assert_int_equal(throttle_svc_new(NULL, &r->cfg, &t), 0);
	assert_string_equal(throttle_svc_describe(t), "hook /bin/sh -c 'exit \"$0\"' 3");
	r->applied = throttle_svc_apply(t);
	assert_true(throttle_svc_applied(t));
	throttle_svc_poll(t);		  /* may or may not be done: logged once either way */
	r->undone = throttle_svc_undo(t); /* waits for the apply run first */
	assert_false(throttle_svc_applied(t));
	throttle_svc_free(t); /* waits for the undo run */
}

static void test_hook_exit_status_logged_once_per_run(void **state)
{
	struct run r;
	char *out, *p;
	int n = 0;

	(void)state;
	log_init(LOG_TARGET_STDERR, LOG_INFO);
	throttle_config_defaults(&r.cfg, "slow");
	r.cfg.kind = THROTTLE_HOOK;
	/* quotes group blanks as in alert_command; sh gets $0 = 3, then the verb: exit 3 */
	snprintf(r.cfg.command, sizeof(r.cfg.command), "/bin/sh -c 'exit \"$0\"' 3");
	out = logged(apply_undo_free, &r);
	assert_int_equal(r.applied, 0);
	assert_int_equal(r.undone, 0);
	for (p = out; (p = strstr(p, "throttle slow: hook exited with status 3")); p++)
		n++;
	assert_int_equal(n, 2); /* apply and undo: each run's failure once */
	log_init(LOG_TARGET_NONE, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hook_exit_status_logged_once_per_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
