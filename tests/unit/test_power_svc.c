/* test_power_svc.c - the power service on the simulated SFX box, driven in virtual time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "hw/host.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "sim-box.h"
#include "supervisor/config/power-config.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/alarm.h"
#include "supervisor/services/power-svc.h"
#include "supervisor/util/log.h"
#include "supervisor/util/statefile.h"

#define SEC(x) ((int64_t)(x) * 1000000000LL)
#define MS(x) ((int64_t)(x) * 1000000LL)
#define NOBODY 65534

/*
 * A daemon's worth of context built by hand: the sim hw over a paused plant, a loop on its
 * virtual clock, the control socket (so verbs are sent as a client would, with real peer
 * credentials), and the power service in the controller topology.
 */
struct rig {
	struct sim_box sb;
	struct box b;
	struct power_config cfg;
	struct power_svc *svc;
	char dir[32];
	char sock[96];
	char state[128];
};

static int rig_setup(void **state)
{
	static struct rig r;
	char err[160];

	memset(&r, 0, sizeof(r));
	log_init(LOG_TARGET_NONE, 0);
	snprintf(r.dir, sizeof(r.dir), "/tmp/h2box-power-XXXXXX");
	if (!mkdtemp(r.dir) || chmod(r.dir, 0755) < 0)
		return -1;
	snprintf(r.sock, sizeof(r.sock), "%s/ctl.sock", r.dir);
	snprintf(r.state, sizeof(r.state), "%s/power.state", r.dir);
	if (sim_box_open(&r.sb, SIM_BOX_OFF) < 0)
		return -1;
	r.b.hw = r.sb.hw;
	if (loop_new(r.b.hw, &r.b.loop) < 0 || ctl_new(r.b.loop, r.sock, &r.b.ctl) < 0)
		return -1;
	power_config_defaults(&r.cfg);
	if (power_config_set(&r.cfg, "power", "restore", "off", 1, err, sizeof(err)) < 0 ||
	    power_config_set(&r.cfg, "power", "state_file", r.state, 2, err, sizeof(err)) < 0)
		return -1;
	snprintf(r.cfg.psu_on, sizeof(r.cfg.psu_on), "PSU_ON_N");
	snprintf(r.cfg.psu_ok, sizeof(r.cfg.psu_ok), "PSU_PWR_OK");
	snprintf(r.cfg.button, sizeof(r.cfg.button), "PWR_BUTTON");
	snprintf(r.cfg.button_led, sizeof(r.cfg.button_led), "PWR_LED");
	snprintf(r.cfg.host_button, sizeof(r.cfg.host_button), "H2_PWR_BTN");
	snprintf(r.cfg.host_alive, sizeof(r.cfg.host_alive), "H2_PWR_LED");
	*state = &r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	power_svc_free(r->svc);
	alarm_svc_free(r->b.alarms);
	ctl_free(r->b.ctl);
	loop_free(r->b.loop);
	sim_box_close(&r->sb);
	unlink(r->state);
	unlink(r->sock);
	return rmdir(r->dir);
}

static void rig_start(struct rig *r)
{
	char err[160];
	int line = 0;

	assert_int_equal(power_config_validate(&r->cfg, &line, err, sizeof(err)), 0);
	assert_int_equal(power_svc_new(&r->b, &r->cfg, &r->svc), 0);
}

/*
 * Send one request line over the control socket from a child process (as uid `nobody` when
 * unprivileged), dispatching the daemon's side here until the child has its answer; reply gets
 * what the client read ("ok\n..." or "error N\n...").
 */
static void rig_verb(struct rig *r, const char *line, bool unprivileged, char *reply, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int p[2], status = -1;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[4096];
		size_t have = 0;
		int fd;

		close(p[0]);
		if (unprivileged && (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 ||
				     setuid(NOBODY) < 0))
			_exit(90);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", r->sock);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			_exit(91);
		if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
			_exit(92);
		while (have < sizeof(buf) && (n = read(fd, buf + have, sizeof(buf) - have)) > 0)
			have += (size_t)n;
		if (write(p[1], buf, have) != (ssize_t)have)
			_exit(93);
		_exit(0);
	}
	close(p[1]);
	for (int i = 0; i < 2000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		sd_event_run(loop_event(r->b.loop), 5000);
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	while (got + 1 < len && (n = read(p[0], reply + got, len - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	close(p[0]);
}

static void rig_state_is(struct rig *r, const char *want)
{
	assert_non_null(r->b.readings.power_state);
	assert_string_equal(r->b.readings.power_state, want);
}

static bool rig_file_has(struct rig *r, const char *key, const char *want)
{
	char text[256], val[64];

	if (statefile_read(r->state, text, sizeof(text)) < 0)
		return false;
	return statefile_get(text, key, val, sizeof(val)) == 0 && strcmp(val, want) == 0;
}

/* `power on` from a privileged client: PS_ON asserted, PWR_OK seen, the H2 pressed and up. */
static void test_power_on_reaches_on(void **state)
{
	struct rig *r = *state;
	char reply[512];

	rig_start(r);
	rig_state_is(r, "off");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 1);
	assert_true(r->b.power_off);

	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_string_equal(reply, "ok\npowering on\n");
	rig_state_is(r, "psu_starting");
	/* PS_ON# is driven low at once; the plant's PWR_OK follows after 300 ms */
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 0);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_PWR_OK), 0);

	assert_int_equal(loop_advance(r->b.loop, MS(350)), 0);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_PWR_OK), 1);
	rig_state_is(r, "host_starting"); /* settling, then the H2's button is pulsed */

	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "on");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 0);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_PWR_OK), 1);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_H2_PWR_LED), 1);
	/* the H2's button was only pulsed, and the button LED shows on */
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_H2_PWR_BTN), 0);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PWR_LED), 1);
	assert_false(r->b.power_off);
	assert_false(r->b.host_off);
	assert_true(rig_file_has(r, "requested", "on"));
}

/* PWR_OK never rises: psu_ok_timeout latches the fault, PS_ON released, saved across restarts. */
static void test_psu_ok_never_comes_faults(void **state)
{
	struct rig *r = *state;
	char reply[512];

	assert_int_equal(sim_plant_fault_set(r->sb.plant, "psu-ok-timeout", true), 0);
	rig_start(r);
	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_string_equal(reply, "ok\npowering on\n");
	assert_int_equal(loop_advance(r->b.loop, MS(400)), 0);
	rig_state_is(r, "psu_starting"); /* psu_ok_timeout is 500 ms */
	assert_int_equal(loop_advance(r->b.loop, MS(200)), 0);
	rig_state_is(r, "fault");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 1);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_H2_PWR_BTN), 0);
	assert_true(r->b.power_off);
	assert_true(rig_file_has(r, "fault", "psu-ok-timeout"));
	assert_true(rig_file_has(r, "requested", "off"));

	/* latched: `power on` is refused until cleared, and nothing is driven */
	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_string_equal(reply, "error 3\nfault latched: psu-ok-timeout (h2box power clear)\n");
	assert_int_equal(loop_advance(r->b.loop, SEC(5)), 0);
	rig_state_is(r, "fault");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 1);
}

/* A client without privilege may read the status but not switch the box off. */
static void test_unprivileged_off_refused(void **state)
{
	struct rig *r = *state;
	char reply[512];

	if (geteuid() != 0)
		skip(); /* needs to connect as another uid */
	rig_start(r);
	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "on");

	rig_verb(r, "text power off\n", true, reply, sizeof(reply));
	assert_memory_equal(reply, "error 4\n", 8);
	assert_int_equal(loop_advance(r->b.loop, SEC(10)), 0);
	rig_state_is(r, "on");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 0);
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_H2_PWR_BTN), 0);
	assert_true(rig_file_has(r, "requested", "on"));

	/* status needs no privilege */
	rig_verb(r, "text power status\n", true, reply, sizeof(reply));
	assert_memory_equal(reply, "ok\nstate:      on since", 22);

	/* the same verb from a privileged client does switch it off (the refusal above was it) */
	rig_verb(r, "text power off\n", false, reply, sizeof(reply));
	assert_string_equal(reply, "ok\npowering off\n");
	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "off");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 1);
}

/* Another service's orderly off (thermal emergency) runs the normal soft-off. */
static void test_request_off_from_another_service(void **state)
{
	struct rig *r = *state;
	char reply[4096];

	rig_start(r);
	/* already off: nothing to do, and nothing driven */
	assert_int_equal(power_svc_request_off(r->svc, POWERSEQ_R_THERMAL_EMERGENCY, "test"), 0);
	rig_state_is(r, "off");
	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "on");
	assert_int_equal(power_svc_request_off(r->svc, POWERSEQ_R_THERMAL_EMERGENCY, "test"), 0);
	rig_state_is(r, "host_stopping");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_H2_PWR_BTN), 1);
	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "off");
	assert_int_equal(sim_plant_line_get(r->sb.plant, SIM_LINE_PSU_ON_N), 1);
	assert_true(rig_file_has(r, "requested", "off"));
	rig_verb(r, "json power status\n", true, reply, sizeof(reply));
	assert_non_null(strstr(reply, "\"reason\":\"thermal-emergency\""));
}

/*
 * An H2 that hangs at shutdown: the soft-off escalates to the force-off hold, which raises a
 * warning alarm and runs the alert command; the alarm clears once the box is off.  The user's
 * own `power force-off` is no escalation and raises nothing.
 */
static void test_forced_off_escalation_alarms(void **state)
{
	struct rig *r = *state;
	struct alarm_config ac;
	char reply[4096];
	unsigned spawned;

	alarm_config_defaults(&ac);
	snprintf(ac.alert_command, sizeof(ac.alert_command), "/bin/true");
	ac.rate_limit_ns = 0;
	assert_int_equal(alarm_svc_new(&r->b, &ac, &r->b.alarms), 0);
	rig_start(r);
	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "on");
	/* up longer than host_boot_timeout: one press, then the escalation */
	assert_int_equal(loop_advance(r->b.loop, r->cfg.host_boot_timeout_ns), 0);
	assert_int_equal(sim_plant_fault_set(r->sb.plant, "host-hang-shutdown", true), 0);
	rig_verb(r, "text power off\n", false, reply, sizeof(reply));
	assert_int_equal(loop_advance(r->b.loop, r->cfg.host_shutdown_timeout_ns), 0);
	rig_state_is(r, "host_stopping");
	assert_false(alarm_active(&r->b, "power-forced-off"));
	assert_int_equal(alarm_svc_spawned(r->b.alarms), 0);
	assert_int_equal(loop_advance(r->b.loop, SEC(1)), 0);
	rig_state_is(r, "force_off");
	assert_int_equal(alarm_level_get(&r->b, "power-forced-off"), ALARM_WARN);
	assert_int_equal(alarm_svc_spawned(r->b.alarms), 1);
	assert_int_equal(loop_advance(r->b.loop, SEC(30)), 0);
	rig_state_is(r, "off");
	assert_false(alarm_active(&r->b, "power-forced-off"));
	spawned = alarm_svc_spawned(r->b.alarms); /* the clearing is alerted too */
	assert_int_equal(sim_plant_fault_set(r->sb.plant, "host-hang-shutdown", false), 0);

	/* the user's own force-off: no alarm */
	rig_verb(r, "text power on\n", false, reply, sizeof(reply));
	assert_int_equal(loop_advance(r->b.loop, SEC(60)), 0);
	rig_state_is(r, "on");
	rig_verb(r, "text power force-off\n", false, reply, sizeof(reply));
	assert_int_equal(loop_advance(r->b.loop, SEC(1)), 0);
	rig_state_is(r, "force_off");
	assert_false(alarm_active(&r->b, "power-forced-off"));
	assert_int_equal(alarm_svc_spawned(r->b.alarms), spawned);
	alarm_svc_wait(r->b.alarms);
}

/* The simulator shows its H2's LED from outside (the self topology watches it); linux never. */
static void test_sim_host_alive_line(void **state)
{
	struct rig *r = *state;

	assert_string_equal(hw_host_alive_line(r->b.hw), "H2_PWR_LED");
}

/* A profile without [power] and [gpio]: no service, no line opened, no verb, no status. */
static void test_unwired_profile_has_no_service(void **state)
{
	struct rig *r = *state;
	struct power_config c;
	struct power_svc *s = (struct power_svc *)r; /* anything but NULL */

	power_config_defaults(&c);
	assert_false(c.wired);
	assert_int_equal(power_svc_new(&r->b, &c, &s), 0);
	assert_null(s);
	power_svc_status_json(NULL, NULL); /* the daemon's table calls it with the empty slot */
	power_svc_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_power_on_reaches_on, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_psu_ok_never_comes_faults, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_unprivileged_off_refused, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_request_off_from_another_service, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_forced_off_escalation_alarms, rig_setup,
						rig_teardown),
		cmocka_unit_test_setup_teardown(test_sim_host_alive_line, rig_setup, rig_teardown),
		cmocka_unit_test_setup_teardown(test_unwired_profile_has_no_service, rig_setup,
						rig_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
