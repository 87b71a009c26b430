/* test_alarms.c - active alarms, history, the alert command's environment and its rate limit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "log-capture.h"
#include "sim-box.h"
#include "supervisor/services/alarm.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/runtime/svc.h"
#include "supervisor/util/log.h"
#include "supervisor/util/json.h"
#include "supervisor/services/watts-svc.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#define SEC(x) ((int64_t)(x)*1000000000LL)

static int64_t vnow;

static int64_t fake_now(void *ud)
{
	(void)ud;
	return vnow;
}

static struct sim_box sb;

/* A box on the paused sim with its loop (alert commands are children of the loop). */
static struct box *box_with_alarms_cfg(const char *cmd, int64_t rate_ns, int64_t timeout_ns)
{
	static struct box b;
	struct alarm_config c;

	memset(&b, 0, sizeof(b));
	assert_int_equal(sim_box_open(&sb, SIM_BOX_OFF), 0);
	b.hw = sb.hw;
	assert_int_equal(loop_new(b.hw, &b.loop), 0);
	alarm_config_defaults(&c);
	if (timeout_ns)
		c.command_timeout_ns = timeout_ns;
	c.history = 4;
	if (cmd)
		snprintf(c.alert_command, sizeof(c.alert_command), "%s", cmd);
	c.rate_limit_ns = rate_ns;
	assert_int_equal(alarm_svc_new(&b, &c, &b.alarms), 0);
	alarm_svc_clock_set(b.alarms, fake_now, NULL);
	vnow = 0;
	return &b;
}

static struct box *box_with_alarms(const char *cmd, int64_t rate_ns)
{
	return box_with_alarms_cfg(cmd, rate_ns, 0);
}

static void box_done(struct box *b)
{
	alarm_svc_free(b->alarms);
	loop_free(b->loop);
	sim_box_close(&sb);
}

/* The active list (alarm_svc_status_json) mentions what. */
static bool status_has(struct box *b, const char *what)
{
	struct json *j = json_new();
	const char *txt;
	bool has;

	assert_non_null(j);
	json_object_begin(j, NULL);
	alarm_svc_status_json(b->alarms, j);
	json_object_end(j);
	txt = json_finish(j, NULL);
	assert_non_null(txt);
	has = strstr(txt, what) != NULL;
	json_free(j);
	return has;
}

static void test_raise_clear_levels(void **state)
{
	struct box *b = box_with_alarms(NULL, 0);

	(void)state;
	assert_false(alarm_active(b, "temp-nic"));
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_CLEAR);
	alarm_raise(b, "temp-nic", ALARM_WARN, 71.0, "NIC %.1f C", 71.0);
	assert_true(alarm_active(b, "temp-nic"));
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_WARN);
	alarm_raise(b, "temp-nic", ALARM_CRIT, 81.0, "NIC %.1f C", 81.0);
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_CRIT);
	alarm_raise(b, "sensor-main", ALARM_WARN, NAN, "no reading");
	assert_true(alarm_active(b, "sensor-main"));
	alarm_clear(b, "temp-nic");
	assert_false(alarm_active(b, "temp-nic"));
	assert_true(alarm_active(b, "sensor-main"));
	alarm_clear(b, "temp-nic"); /* clearing twice is harmless */
	alarm_clear(b, "never-raised");
	/* a cleared alarm leaves the active list; clearing one never raised adds nothing */
	assert_true(status_has(b, "sensor-main"));
	assert_false(status_has(b, "temp-nic"));
	assert_false(status_has(b, "never-raised"));
	/* ALARM_CLEAR through raise is a clear */
	alarm_raise(b, "sensor-main", ALARM_CLEAR, NAN, "ok");
	assert_false(alarm_active(b, "sensor-main"));
	assert_string_equal(alarm_level_name(ALARM_EMERG), "emergency");
	/* without a service (early start-up) alarms only log and nothing crashes */
	{
		struct box none = { 0 };

		alarm_raise(&none, "x", ALARM_WARN, 1.0, "early");
		assert_false(alarm_active(&none, "x"));
	}
	box_done(b);
}

static int capture_begin(const char *path)
{
	int saved = dup(1), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	return saved;
}

static void capture_end(int saved)
{
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
}

static void test_alert_command_environment(void **state)
{
	char path[] = "/tmp/h2box-alarm-env-XXXXXX", buf[65536];
	struct box *b;
	int fd, saved;
	ssize_t n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* an argv, not a shell line: the quoted word reaches env as one argument */
	b = box_with_alarms("/usr/bin/env 'H2BOX_TEST=two words'", SEC(300));
	saved = capture_begin(path);
	alarm_raise(b, "temp-nic", ALARM_CRIT, 82.5, "NIC heatsink %.1f C; $(touch /tmp/x)", 82.5);
	alarm_svc_wait(b->alarms);
	capture_end(saved);
	assert_int_equal(alarm_svc_spawned(b->alarms), 1);

	fd = open(path, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "H2BOX_ALARM=temp-nic\n"));
	assert_non_null(strstr(buf, "H2BOX_LEVEL=critical\n"));
	assert_non_null(strstr(buf, "H2BOX_VALUE=82.500\n"));
	/* no shell ever sees the message */
	assert_non_null(strstr(buf, "H2BOX_MESSAGE=NIC heatsink 82.5 C; $(touch /tmp/x)\n"));
	assert_non_null(strstr(buf, "H2BOX_TEST=two words\n"));
	box_done(b);
}

static void test_rate_limit(void **state)
{
	struct box *b = box_with_alarms("/bin/true", SEC(300));
	struct alarm_svc *a = b->alarms;

	(void)state;
	alarm_raise(b, "budget", ALARM_WARN, 52.0, "warn");
	assert_int_equal(alarm_svc_spawned(a), 1);
	alarm_raise(b, "budget", ALARM_WARN, 53.0, "warn again"); /* same level: quiet */
	assert_int_equal(alarm_svc_spawned(a), 1);
	vnow = SEC(10);
	alarm_clear(b, "budget"); /* within 5 min: held back */
	assert_int_equal(alarm_svc_spawned(a), 1);
	vnow = SEC(20);
	alarm_raise(b, "budget", ALARM_WARN, 52.0, "warn"); /* flapping: held back */
	assert_int_equal(alarm_svc_spawned(a), 1);
	vnow = SEC(30);
	alarm_raise(b, "budget", ALARM_CRIT, 61.0, "critical"); /* escalation goes out */
	assert_int_equal(alarm_svc_spawned(a), 2);
	vnow = SEC(31);
	alarm_raise(b, "temp-nic", ALARM_WARN, 71.0, "other id"); /* per alarm id */
	assert_int_equal(alarm_svc_spawned(a), 3);
	vnow = SEC(40);
	alarm_clear(b, "budget");
	assert_int_equal(alarm_svc_spawned(a), 3);
	vnow = SEC(400);
	alarm_raise(b, "budget", ALARM_WARN, 52.0, "again"); /* after the interval */
	assert_int_equal(alarm_svc_spawned(a), 4);
	assert_int_equal(alarm_svc_wait(a), 0);
	box_done(b);
}

/* alarm_svc_ops' keep/adopt across a reload (free, new, adopt: what daemon-services does), the new
 * service on the clock given */
static void reload_alarms_clock(struct box *b, int64_t (*now)(void *), void *ud)
{
	struct alarm_config c;
	void *kept = alarm_svc_ops.keep(b);

	assert_non_null(kept);
	alarm_svc_wait(b->alarms);
	alarm_svc_free(b->alarms);
	alarm_config_defaults(&c);
	c.history = 4;
	snprintf(c.alert_command, sizeof(c.alert_command), "/bin/true");
	c.rate_limit_ns = SEC(300);
	assert_int_equal(alarm_svc_new(b, &c, &b->alarms), 0);
	alarm_svc_clock_set(b->alarms, now, ud);
	alarm_svc_ops.adopt(b, kept);
}

static void reload_alarms(struct box *b)
{
	reload_alarms_clock(b, fake_now, NULL);
}

/* A reload neither repeats an ongoing alarm (journal, history, alert command) nor loses one. */
static void test_reload_carries_active_alarms(void **state)
{
	struct box *b = box_with_alarms("/bin/true", SEC(300));

	(void)state;
	vnow = SEC(1);
	alarm_raise(b, "temp-nic", ALARM_WARN, 71.0, "NIC 71 C");
	alarm_raise(b, "fan-rpm", ALARM_WARN, 900.0, "slow");
	alarm_raise(b, "monitor-h2", ALARM_WARN, NAN, "no valid reading");
	assert_int_equal(alarm_svc_spawned(b->alarms), 3);
	assert_int_equal(alarm_svc_history_len(b->alarms), 3);

	vnow = SEC(30);
	reload_alarms(b);
	/* history kept; the active alarms still listed and active before any new service looks,
	 * marked carried */
	assert_int_equal(alarm_svc_history_len(b->alarms), 3);
	assert_true(alarm_active(b, "temp-nic"));
	assert_int_equal(alarm_level_get(b, "fan-rpm"), ALARM_WARN);
	assert_true(status_has(b, "\"id\":\"monitor-h2\",\"level\":\"warn\""));
	assert_true(status_has(b, "\"carried\":true"));

	/* raised again at the same level: the same alarm, since 1 s, no new entry, no alert */
	alarm_raise(b, "temp-nic", ALARM_WARN, 72.0, "NIC 72 C");
	assert_true(alarm_active(b, "temp-nic"));
	assert_true(status_has(b, "\"mono_s\":1.000"));
	assert_int_equal(alarm_svc_history_len(b->alarms), 3);
	assert_int_equal(alarm_svc_spawned(b->alarms), 0);

	/* escalated after the reload: an escalation, with its alert */
	alarm_raise(b, "fan-rpm", ALARM_CRIT, 300.0, "stalling");
	assert_int_equal(alarm_level_get(b, "fan-rpm"), ALARM_CRIT);
	assert_int_equal(alarm_svc_history_len(b->alarms), 4);
	assert_int_equal(alarm_svc_spawned(b->alarms), 1);

	/* cleared after the reload: a clear of the alarm raised before it; its alert waits out the
	 * rate limit that began before the reload */
	vnow = SEC(40);
	alarm_clear(b, "temp-nic");
	assert_false(alarm_active(b, "temp-nic"));
	assert_int_equal(alarm_svc_spawned(b->alarms), 1);

	/* a service that clears only what alarm_active() says is active (the power monitors) sees
	 * the carried alarm and ends it: a real clear */
	vnow = SEC(400);
	if (alarm_active(b, "monitor-h2"))
		alarm_clear(b, "monitor-h2");
	assert_false(status_has(b, "monitor-h2"));
	assert_false(status_has(b, "\"carried\""));
	assert_int_equal(alarm_svc_spawned(b->alarms), 2);
	assert_int_equal(alarm_svc_wait(b->alarms), 0);
	box_done(b);
}

static int64_t box_clock(void *ud)
{
	return loop_now(((struct box *)ud)->loop);
}

/*
 * An alarm carried over a reload that no new service raises or clears again (its feature left
 * the profile, or it ended while the services restarted) is cleared when the grace ends, by the
 * loop's timer: journal, history, alert.  Reloads in a row do not restart its grace.
 */
static void test_reload_carry_grace_clears_what_no_one_raises(void **state)
{
	struct box *b = box_with_alarms("/bin/true", SEC(300));
	int64_t t0;

	(void)state;
	alarm_svc_clock_set(b->alarms, box_clock, b);
	t0 = loop_now(b->loop);
	alarm_raise(b, "gone", ALARM_WARN, 1.0, "its feature leaves the profile");
	alarm_raise(b, "stays", ALARM_CRIT, 2.0, "raised again by its service");
	assert_int_equal(alarm_svc_spawned(b->alarms), 2);
	assert_int_equal(loop_advance(b->loop, SEC(60)), 0);
	reload_alarms_clock(b, box_clock, b); /* grace until t0 + 60 s + 15 min */
	assert_int_equal(loop_advance(b->loop, SEC(60)), 0);
	alarm_raise(b, "stays", ALARM_CRIT, 2.0, "raised again by its service");
	assert_int_equal(loop_advance(b->loop, SEC(5 * 60)), 0);
	reload_alarms_clock(b, box_clock, b); /* 7 min in: "gone" keeps its grace, "stays" gets one */
	assert_true(alarm_active(b, "gone"));
	assert_int_equal(alarm_svc_history_len(b->alarms), 2);

	/* just before the first grace ends: still there */
	assert_int_equal(loop_advance(b->loop, t0 + SEC(60 + 15 * 60) - loop_now(b->loop) - 1), 0);
	assert_true(alarm_active(b, "gone"));
	assert_int_equal(alarm_svc_spawned(b->alarms), 0);
	/* at its end: cleared by the timer, with the reason, into history, the alert told */
	assert_int_equal(loop_advance(b->loop, 1), 0);
	assert_false(alarm_active(b, "gone"));
	assert_int_equal(alarm_svc_history_len(b->alarms), 3);
	assert_int_equal(alarm_svc_spawned(b->alarms), 1);
	assert_true(alarm_active(b, "stays"));
	/* the one carried again at 7 min goes when its own grace ends, unless raised meanwhile */
	assert_int_equal(loop_advance(b->loop, SEC(15 * 60)), 0);
	assert_false(alarm_active(b, "stays"));
	assert_false(status_has(b, "carried"));
	assert_int_equal(alarm_svc_history_len(b->alarms), 4);
	assert_int_equal(alarm_svc_wait(b->alarms), 0);
	box_done(b);
}

static void test_missing_command_does_not_break(void **state)
{
	struct box *b = box_with_alarms("/nonexistent/h2box-alert", 0);

	(void)state;
	alarm_raise(b, "fan-stall", ALARM_CRIT, 0, "fan stopped");
	assert_true(alarm_active(b, "fan-stall"));
	alarm_svc_wait(b->alarms);
	box_done(b);
}

/*
 * An alert command that hangs (issue 13): raising returns at once, box time goes on, the
 * command is killed at [alerts] command_timeout (real time) with its group, and that is logged.
 */
static void test_hung_alert_command_killed_at_timeout(void **state)
{
	struct log_capture log;
	struct box *b;
	int64_t t0, end;

	(void)state;
	assert_int_equal(log_capture_begin(&log), 0);
	b = box_with_alarms_cfg("/bin/sleep 60", SEC(300), SEC(3) / 10);
	t0 = log_capture_real_ns();
	alarm_raise(b, "fan-stall", ALARM_CRIT, 0, "fan stopped");
	assert_true(log_capture_real_ns() - t0 < SEC(1));
	assert_int_equal(alarm_svc_spawned(b->alarms), 1);
	loop_advance(b->loop, SEC(60));
	/* a jump of box time is no time for a process */
	assert_null(strstr(log_capture_text(&log), "SIGTERM"));
	/* the deadline and the kill's end arrive through the loop like any event */
	end = log_capture_real_ns() + SEC(10);
	while (!strstr(log_capture_text(&log), "killed by signal") && log_capture_real_ns() < end)
		sd_event_run(loop_event(b->loop), 100000);
	assert_non_null(strstr(log_capture_text(&log),
			       "alert command still running after 0.3 s: SIGTERM to its process group"));
	assert_non_null(strstr(log_capture_text(&log), "alert command killed by signal 15 (timed out)"));
	assert_int_equal(alarm_svc_wait(b->alarms), 0);
	assert_true(log_capture_real_ns() - t0 < SEC(10));
	box_done(b);
	log_capture_end(&log);
}

/* Shutdown with an alert command hung: free waits command_timeout of real time, no more. */
static void test_free_bounded_by_command_timeout(void **state)
{
	struct box *b = box_with_alarms_cfg("/bin/sleep 60", SEC(300), SEC(1) / 4);
	int64_t t0;

	(void)state;
	alarm_raise(b, "fan-stall", ALARM_CRIT, 0, "fan stopped");
	t0 = log_capture_real_ns();
	box_done(b);
	assert_true(log_capture_real_ns() - t0 < SEC(3));
}

/* [alerts] command_timeout: a duration, bounded. */
static void test_command_timeout_key(void **state)
{
	struct watts_config c;
	char err[128];

	(void)state;
	watts_config_defaults(&c);
	assert_int_equal(c.alerts.command_timeout_ns, SEC(10));
	assert_int_equal(watts_config_set(&c, "alerts", "command_timeout", "30s", 1, err, sizeof(err)), 0);
	assert_int_equal(c.alerts.command_timeout_ns, SEC(30));
	assert_true(watts_config_set(&c, "alerts", "command_timeout", "0", 1, err, sizeof(err)) < 0);
	assert_true(watts_config_set(&c, "alerts", "command_timeout", "2h", 1, err, sizeof(err)) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise_clear_levels),
		cmocka_unit_test(test_alert_command_environment),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_reload_carries_active_alarms),
		cmocka_unit_test(test_reload_carry_grace_clears_what_no_one_raises),
		cmocka_unit_test(test_missing_command_does_not_break),
		cmocka_unit_test(test_hung_alert_command_killed_at_timeout),
		cmocka_unit_test(test_free_bounded_by_command_timeout),
		cmocka_unit_test(test_command_timeout_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
