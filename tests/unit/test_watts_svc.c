/* test_watts_svc.c - the power meter service's profile keys, and the service on the sim. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "hw/hw.h"
#include "hw/knob.h"
#include "hw/sim/plant.h"
#include "supervisor/config/conf-section.h"
#include "supervisor/config/profile.h"
#include "supervisor/services/alarm.h"
#include "supervisor/runtime/box.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/watts-svc.h"
#include "supervisor/util/json.h"
#include "hw/clock.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define SEC(x) ((int64_t)(x)*1000000000LL)
#define MS(x) ((int64_t)(x)*1000000LL)

static int set(struct watts_config *c, const char *sec, const char *key, const char *val)
{
	char err[160] = "";

	return watts_config_set(c, sec, key, val, 7, err, sizeof(err));
}

static void test_defaults_validate(void **state)
{
	struct watts_config c;
	char err[160] = "";
	int line = -1;

	(void)state;
	watts_config_defaults(&c);
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), 0);
	assert_int_equal(c.nmonitors, 1);
	assert_true(c.mon[0].budget);
	assert_float_equal(c.budget.limit_w, 60.0, 0);
	assert_float_equal(c.budget.warn_pct, 85.0, 0);
	assert_float_equal(c.budget.throttle_pct, 95.0, 0);
	assert_float_equal(c.budget.critical_pct, 100.0, 0);
	assert_int_equal(c.nthrottles, 2);
	assert_int_equal(c.nthermals, 1);
	assert_string_equal(c.thermal[0].name, "nic");
}

static void test_sections_and_keys(void **state)
{
	struct watts_config c;
	char err[160] = "";
	int line = -1;

	(void)state;
	watts_config_defaults(&c);
	assert_int_equal(set(&c, "watts", "sample_rate", "100Hz"), 0);
	assert_float_equal(c.sample_hz, 100.0, 0);
	assert_int_equal(set(&c, "watts", "sample_rate", "5000"), -ERANGE);
	assert_int_equal(set(&c, "watts", "log_max_size", "2M"), 0);
	assert_true(c.log_max_bytes == 2u << 20);
	assert_int_equal(set(&c, "watts", "log", "relative.csv"), -EINVAL);
	assert_int_equal(set(&c, "watts", "nonsense", "1"), -ENOENT);

	/* the first [monitor] replaces the built-in one; names come from the section */
	assert_int_equal(set(&c, "monitor h2", "type", "ina219"), 0);
	assert_int_equal(set(&c, "monitor h2", "address", "0x41"), 0);
	assert_int_equal(set(&c, "monitor h2", "shunt", "0.1"), 0);
	assert_int_equal(set(&c, "monitor h2", "max_current", "3.2"), 0);
	assert_int_equal(set(&c, "monitor box", "type", "hwmon"), 0);
	assert_int_equal(set(&c, "monitor box", "hwmon_chip", "ina226-i2c-0-41"), 0);
	assert_int_equal(set(&c, "monitor box", "budget", "yes"), 0);
	assert_int_equal(set(&c, "monitor  h2", "conversion_time", "588us"), 0); /* same section */
	assert_int_equal(c.nmonitors, 2);
	assert_string_equal(c.mon[0].name, "h2");
	assert_int_equal(c.mon[0].ina.chip, INA2XX_INA219);
	assert_int_equal(c.mon[0].ina.addr, 0x41);
	assert_int_equal(c.mon[0].ina.conv_us, 588);
	assert_int_equal(c.mon[1].ina.mode, INA2XX_MODE_HWMON);
	assert_int_equal(set(&c, "monitor h2", "type", "ina999"), -EINVAL);
	assert_int_equal(set(&c, "monitor", "type", "ina226"), -EINVAL); /* needs a name */
	assert_int_equal(set(&c, "monitor a/b", "type", "ina226"), -EINVAL);
	assert_int_equal(set(&c, "budget x", "limit", "60"), -EINVAL); /* takes none */

	assert_int_equal(set(&c, "budget", "limit", "55"), 0);
	assert_int_equal(set(&c, "budget", "warn", "80%"), 0);
	assert_int_equal(set(&c, "budget", "window", "30s"), 0);
	assert_int_equal(c.budget.window_ns, SEC(30));
	assert_int_equal(set(&c, "throttle nic", "type", "tbf"), 0);
	assert_int_equal(set(&c, "throttle nic", "interfaces", "ib0, ib1"), 0);
	assert_int_equal(set(&c, "throttle nic", "rate", "5gbit"), 0);
	assert_int_equal(set(&c, "throttle hook", "type", "hook"), 0);
	assert_int_equal(set(&c, "throttle hook", "command", "/usr/local/bin/slow --gently"), 0);
	/* checked here, split by the one rule when run: quotes group, nothing else is special */
	assert_int_equal(set(&c, "throttle hook", "command",
			     "\"/opt/my hooks/slow\" 'two words' $HOME;x \"a'b\""), 0);
	{
		char buf[512], *argv[WATTS_COMMAND_WORDS_MAX + 1];

		assert_int_equal(watts_config_command_split(c.thr[1].command, buf, sizeof(buf),
							    argv, NULL, 0),
				 4);
		assert_string_equal(argv[0], "/opt/my hooks/slow");
		assert_string_equal(argv[1], "two words");
		assert_string_equal(argv[2], "$HOME;x");
		assert_string_equal(argv[3], "a'b");
		assert_null(argv[4]);
	}
	assert_int_equal(set(&c, "throttle hook", "command", "/bin/x 'open"), -EINVAL);
	assert_int_equal(set(&c, "throttle hook", "command", "slow --gently"), -EINVAL);
	assert_int_equal(set(&c, "throttle hook", "command",
			     "/bin/x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), -EINVAL);
	assert_int_equal(set(&c, "throttle hook", "command", "/usr/local/bin/slow --gently"), 0);
	assert_int_equal(c.nthrottles, 2); /* the defaults are gone */
	assert_int_equal(c.thr[0].nifaces, 2);
	assert_int_equal(set(&c, "budget", "ladder", "hook nic"), 0);
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), 0);

	assert_int_equal(set(&c, "thermal nic", "critical", "75"), 0);
	assert_int_equal(set(&c, "alarm hdd", "emergency", "off"), 0);
	assert_int_equal(set(&c, "thermal hdd", "emergency_action", "alert"), 0);
	assert_int_equal(set(&c, "thermal hdd", "warn_action", "dance"), -EINVAL);
	assert_int_equal(c.nthermals, 2);
	assert_true(isnan(c.thermal[1].emerg_c));
	assert_int_equal(set(&c, "alerts", "alert_command", "/usr/bin/logger -t h2box"), 0);
	assert_int_equal(set(&c, "alerts", "alert_command", "logger"), -EINVAL);
	assert_int_equal(set(&c, "alerts", "alert_command", "/bin/x 'open"), -EINVAL);
	assert_int_equal(set(&c, "alerts", "alert_command",
			     "/bin/x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"), -EINVAL);
	assert_int_equal(set(&c, "alerts", "rate_limit", "10m"), 0);
	assert_int_equal(c.alerts.rate_limit_ns, SEC(600));
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), 0);
}

/*
 * [alerts] alert_command and a [throttle] hook's command follow one quoting rule: the same
 * text gives the same words, a quoted program path with a blank included (the alert side
 * used to reject it as "not an absolute path").
 */
static void test_alert_and_hook_split_alike(void **state)
{
	static const char *const cmds[] = {
		"\"/opt/my tools/notify\" --to 'ops team' \"a b\"c",
		"/usr/bin/logger -t 'h2box alarm' $HOME;x",
	};
	struct watts_config c;

	(void)state;
	for (size_t k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		char b1[512], b2[512];
		char *a1[WATTS_COMMAND_WORDS_MAX + 1], *a2[WATTS_COMMAND_WORDS_MAX + 1];
		int n1, n2;

		watts_config_defaults(&c);
		assert_int_equal(set(&c, "throttle hook", "type", "hook"), 0);
		assert_int_equal(set(&c, "throttle hook", "command", cmds[k]), 0);
		assert_int_equal(set(&c, "alerts", "alert_command", cmds[k]), 0);
		n1 = watts_config_command_split(c.thr[0].command, b1, sizeof(b1), a1, NULL, 0);
		n2 = watts_config_command_split(c.alerts.alert_command, b2, sizeof(b2), a2, NULL,
						0);
		assert_true(n1 > 1);
		assert_int_equal(n1, n2);
		for (int i = 0; i < n1; i++)
			assert_string_equal(a1[i], a2[i]);
	}
	assert_string_equal(c.thr[0].command, cmds[1]);
}

/*
 * The watts sections read their headers with the one section parser (conf_section_parse),
 * called directly too: [monitor "h2"] is [monitor h2], and a bad name gets the words every
 * other section gives it.
 */
static void test_section_headers_one_parser(void **state)
{
	struct watts_config c;
	struct conf_section cs;
	char err[160] = "", want[160] = "";

	(void)state;
	watts_config_defaults(&c);
	assert_int_equal(set(&c, "monitor \"h2\"", "address", "0x41"), 0);
	assert_int_equal(set(&c, "monitor h2", "shunt", "0.01"), 0);
	assert_int_equal(c.nmonitors, 1);
	assert_string_equal(c.mon[0].name, "h2");
	assert_int_equal(c.mon[0].ina.addr, 0x41);

	assert_int_equal(conf_section_parse("monitor \"a b\"", &cs, want, sizeof(want)), -EINVAL);
	assert_int_equal(watts_config_set(&c, "monitor \"a b\"", "bus", "1", 3, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	assert_int_equal(watts_config_set(&c, "thermal nic hdd", "warn", "60", 3, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[thermal nic hdd]: a section is a kind and at most one name");
	assert_int_equal(watts_config_set(&c, "throttle", "type", "tbf", 3, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[throttle] needs a name, e.g. [throttle main]");
	assert_int_equal(watts_config_set(&c, "alerts \"x\"", "history", "3", 3, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "[alerts] takes no name");
	/* ladder entries are instance names: the same rule */
	assert_int_equal(watts_config_set(&c, "budget", "ladder", "ipoib a/b", 3, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "bad ladder entry \"a/b\": name 'a/b': use letters, digits, "
				 "'-', '_', '.'");
	assert_int_equal(c.nmonitors, 1);
}

static void test_validate_errors(void **state)
{
	struct watts_config c;
	char err[160] = "";
	int line = 0;

	(void)state;
	watts_config_defaults(&c);
	set(&c, "budget", "warn", "96%");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "warn"));
	assert_int_equal(line, 7);

	watts_config_defaults(&c);
	set(&c, "budget", "ladder", "ipoib turbo");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "turbo"));

	watts_config_defaults(&c);
	set(&c, "monitor a", "budget", "yes");
	set(&c, "monitor b", "address", "0x41");
	set(&c, "monitor b", "budget", "yes");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);

	watts_config_defaults(&c);
	set(&c, "monitor a", "address", "0x40");
	set(&c, "monitor b", "address", "0x40");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "0x40"));

	watts_config_defaults(&c);
	set(&c, "monitor a", "shunt", "0.00001");
	set(&c, "monitor a", "max_current", "0.01");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);

	watts_config_defaults(&c);
	set(&c, "thermal nic", "critical", "60");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);

	watts_config_defaults(&c);
	set(&c, "throttle h", "type", "hook");
	assert_int_equal(watts_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
}

/* ---- the service on the simulated brick build ---- */

struct fixture {
	struct sim_plant *plant;
	struct box b;
	char dir[64];
};

static int svc_setup(void **state)
{
	static struct fixture f;
	struct sim_plant_config pc;

	memset(&f, 0, sizeof(f));
	log_init(LOG_TARGET_NONE, 0);
	snprintf(f.dir, sizeof(f.dir), "/tmp/h2box-watts-XXXXXX");
	if (!mkdtemp(f.dir))
		return -1;
	sim_plant_config_defaults(&pc, SIM_BUILD_BRICK);
	pc.speed = 0;
	pc.seed = 7;
	if (sim_plant_new(&pc, &f.plant) < 0 || hw_sim_new(f.plant, &f.b.hw) < 0 ||
	    loop_new(f.b.hw, &f.b.loop) < 0)
		return -1;
	f.b.readings.ib_tx_gbps = f.b.readings.ib_rx_gbps = NAN;
	*state = &f;
	return 0;
}

static int svc_teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	loop_free(f->b.loop);
	hw_free(f->b.hw);
	hw_knob_sim_forget(f->plant);
	sim_plant_free(f->plant);
	snprintf(p, sizeof(p), "%s/energy.state", f->dir);
	unlink(p);
	return rmdir(f->dir);
}

static void boot(struct fixture *f)
{
	sim_plant_line_set(f->plant, SIM_LINE_PSU_ON_N, 0);
	loop_advance(f->b.loop, SEC(1));
	sim_plant_line_set(f->plant, SIM_LINE_H2_PWR_BTN, 1);
	loop_advance(f->b.loop, MS(300));
	sim_plant_line_set(f->plant, SIM_LINE_H2_PWR_BTN, 0);
	loop_advance(f->b.loop, SEC(80));
}

/* a fresh watts config with the CSV log at dir/watts.csv (path), one row a second */
static void log_config(struct fixture *f, struct watts_config *c, char *path, size_t len)
{
	char err[160];

	watts_config_defaults(c);
	snprintf(path, len, "%s/watts.csv", f->dir);
	assert_int_equal(watts_config_set(c, "watts", "log", path, 1, err, sizeof(err)), 0);
	assert_int_equal(watts_config_set(c, "watts", "log_interval", "1s", 1, err, sizeof(err)), 0);
	assert_int_equal(watts_config_set(c, "watts", "sample_rate", "10", 1, err, sizeof(err)), 0);
	assert_int_equal(watts_config_set(c, "watts", "log_keep", "3", 1, err, sizeof(err)), 0);
}

static int lines_of(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "r");
	size_t n;
	int lines = 0;

	buf[0] = '\0';
	if (!fp)
		return -1;
	n = fread(buf, 1, len - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/*
 * Issue 13, defect 3: the box starts off (nothing is read yet), then powers on and its inputs
 * are read.  The log's columns are the profile's inputs from the first row: one header, empty
 * cells while off, no rotation at power-on, and every line of the history still there.
 */
static void test_svc_log_box_off_then_on(void **state)
{
	static struct profile prof;
	struct fixture *f = *state;
	struct watts_config c;
	struct box *b = &f->b;
	char path[128], p1[160], buf[32768], *last;
	int lines;

	memset(&prof, 0, sizeof(prof));
	prof.fan.ninputs = 2;
	snprintf(prof.fan.inputs[0].spec.name, sizeof(prof.fan.inputs[0].spec.name), "nic");
	snprintf(prof.fan.inputs[1].spec.name, sizeof(prof.fan.inputs[1].spec.name), "cpu");
	b->profile = &prof;
	log_config(f, &c, path, sizeof(path));
	snprintf(p1, sizeof(p1), "%s.1", path);

	b->power_off = true;
	assert_int_equal(alarm_svc_new(b, &c.alerts, &b->alarms), 0);
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0);
	loop_advance(b->loop, SEC(42));
	/* power on: the fan service reads the NIC's input, the H2's CPU is still booting */
	b->power_off = false;
	boot(f);
	box_temp_set(b, "nic", 45.0, loop_now(b->loop));
	loop_advance(b->loop, SEC(10));
	watts_svc_free(b->watts);
	b->watts = NULL;
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
	b->profile = NULL;

	lines = lines_of(path, buf, sizeof(buf));
	assert_int_equal(access(p1, F_OK), -1); /* nothing rotated */
	assert_int_equal(strncmp(buf, "time,mono_s,volts,amps,watts,nic_temp_c,cpu_temp_c,fan_duty_pct,",
				 64), 0);
	assert_null(strstr(buf, "\ntime,")); /* the header once */
	/* 42 s off + 81.3 s booting + 10 s on, a row a second, and the header */
	assert_in_range(lines, 1 + 132, 1 + 135);
	/* the first row (box off): both temperature cells empty */
	{
		char *row = strchr(buf, '\n') + 1;
		int commas = 0;

		while (commas < 5)
			commas += *row++ == ',';
		assert_int_equal(strncmp(row, ",,", 2), 0);
	}
	/* the last row: the NIC's temperature, the CPU's still empty */
	buf[strlen(buf) - 1] = '\0';
	last = strrchr(buf, '\n') + 1;
	assert_non_null(strstr(last, ",45.0,,"));
	unlink(path);
}

/* Issue 13, defect 7: a symlink planted at the log's path is refused with an error logged. */
static void test_svc_log_symlink_refused(void **state)
{
	struct fixture *f = *state;
	struct watts_config c;
	struct box *b = &f->b;
	char path[128], victim[160], errpath[160], buf[4096];
	int fd, saved;

	log_config(f, &c, path, sizeof(path));
	snprintf(victim, sizeof(victim), "%s/victim", f->dir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", f->dir);
	fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious\n", 9), 9);
	close(fd);
	assert_int_equal(symlink(victim, path), 0);

	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 2);
	close(fd);
	log_init(LOG_TARGET_STDERR, LOG_INFO);
	assert_int_equal(alarm_svc_new(b, &c.alerts, &b->alarms), 0);
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0); /* the service runs, unlogged */
	boot(f);
	watts_svc_free(b->watts);
	b->watts = NULL;
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	log_init(LOG_TARGET_NONE, 0);

	assert_int_equal(lines_of(victim, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "precious\n");
	lines_of(errpath, buf, sizeof(buf));
	assert_non_null(strstr(buf, "watts log"));
	assert_non_null(strstr(buf, "disabled"));
	unlink(path);
	unlink(victim);
	unlink(errpath);
}

static void test_svc_energy_budget_sensor(void **state)
{
	struct fixture *f = *state;
	struct sim_plant_truth t1;
	struct watts_config c;
	struct box *b = &f->b;
	char path[128], err[160];

	watts_config_defaults(&c);
	snprintf(path, sizeof(path), "%s/energy.state", f->dir);
	assert_int_equal(watts_config_set(&c, "watts", "state_file", path, 1, err, sizeof(err)), 0);
	assert_int_equal(watts_config_set(&c, "watts", "sample_rate", "10", 1, err, sizeof(err)),
			 0);
	assert_int_equal(alarm_svc_new(b, &c.alerts, &b->alarms), 0);
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0);
	boot(f);
	assert_true(isfinite(b->readings.watts));
	assert_string_equal(b->readings.budget_state, "ok");

	/*
	 * Energy across a daemon restart, through the state file, within 0.5 % of
	 * the plant's exact integral (monitoring started with the plant).
	 */
	sim_plant_workload_set(f->plant, "iperf3-tx");
	loop_advance(b->loop, SEC(200));
	watts_svc_free(b->watts);
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0);
	sim_plant_workload_set(f->plant, "idle");
	loop_advance(b->loop, SEC(200));
	watts_svc_free(b->watts);
	b->watts = NULL;
	sim_plant_truth_get(f->plant, &t1);
	{
		FILE *fp = fopen(path, "r");
		double saved = -1;
		char line[128];

		assert_non_null(fp);
		while (fgets(line, sizeof(line), fp))
			sscanf(line, "install_j %lf", &saved);
		fclose(fp);
		assert_true(t1.energy_j > 10000.0);
		assert_float_equal(saved, t1.energy_j, t1.energy_j * 0.005);
	}

	/* brick + 12 W extra + iperf3: throttled, then undone when the load goes */
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0);
	sim_plant_workload_set(f->plant, "iperf3-tx");
	sim_plant_load_set(f->plant, 12.0);
	loop_advance(b->loop, SEC(60));
	assert_string_equal(b->readings.budget_state, "throttle");
	assert_true(alarm_active(b, "power-budget"));
	assert_float_equal(b->readings.watts, 57.0, 2.0);
	sim_plant_load_set(f->plant, 0);
	loop_advance(b->loop, SEC(120));
	assert_string_equal(b->readings.budget_state, "ok");
	assert_false(alarm_active(b, "power-budget"));
	{
		struct sim_plant_truth t;

		sim_plant_truth_get(f->plant, &t);
		assert_float_equal(t.ib_tx_gbps, 11.1, 0.3); /* tbf removed */
	}

	/* garbage from the chip: no number, a sensor alarm, and back */
	sim_plant_fault_set(f->plant, "ina-garbage", true);
	loop_advance(b->loop, SEC(2));
	assert_true(isnan(b->readings.watts));
	assert_true(alarm_active(b, "sensor-main"));
	sim_plant_fault_set(f->plant, "ina-garbage", false);
	loop_advance(b->loop, SEC(2));
	assert_true(isfinite(b->readings.watts));
	assert_false(alarm_active(b, "sensor-main"));

	/* NIC overheating walks warn -> critical -> emergency and asks for a power-off */
	for (int i = 0; i < 5; i++) {
		box_temp_set(b, "nic", 75.0, loop_now(b->loop));
		loop_advance(b->loop, MS(100));
	}
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_WARN);
	assert_false(watts_svc_fan_full_wanted(b->watts));
	for (int i = 0; i < 5; i++) {
		box_temp_set(b, "nic", 85.0, loop_now(b->loop));
		loop_advance(b->loop, MS(100));
	}
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_CRIT);
	assert_true(watts_svc_fan_full_wanted(b->watts));
	for (int i = 0; i < 5; i++) {
		box_temp_set(b, "nic", 95.0, loop_now(b->loop));
		loop_advance(b->loop, MS(100));
	}
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_EMERG);
	/* a NAN reading (a failed sensor) keeps the level: cooling never drops on a lost sensor */
	for (int i = 0; i < 5; i++) {
		box_temp_set(b, "nic", NAN, loop_now(b->loop));
		loop_advance(b->loop, MS(100));
	}
	assert_int_equal(alarm_level_get(b, "temp-nic"), ALARM_EMERG);
	/* the box is off and the NIC unpowered: its level lets go, and with it the fan request */
	b->power_off = b->host_off = true;
	box_temp_set_off(b, "nic");
	loop_advance(b->loop, SEC(1));
	assert_false(alarm_active(b, "temp-nic"));
	assert_false(watts_svc_fan_full_wanted(b->watts));
	assert_string_equal(b->readings.budget_state, "ok");
	assert_true(isnan(box_temp_get(b, "nic")));
	b->power_off = b->host_off = false;
	watts_svc_free(b->watts);
	b->watts = NULL;
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
}

/*
 * An I2C error part way through a sample (one INA register fails) is no reading: never 0 W,
 * a sensor alarm, and the budget neither releases the throttle nor undoes the ladder.
 */
/* The alarms and the watts service with the default profile at 10 Hz. */
static void svc_start_10hz(struct box *b)
{
	struct watts_config c;
	char err[160];

	watts_config_defaults(&c);
	assert_int_equal(watts_config_set(&c, "watts", "sample_rate", "10", 1, err, sizeof(err)),
			 0);
	assert_int_equal(alarm_svc_new(b, &c.alerts, &b->alarms), 0);
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0);
}

static void svc_stop(struct box *b)
{
	watts_svc_free(b->watts);
	b->watts = NULL;
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
}

static void test_svc_partial_read_fools_nothing(void **state)
{
	static const char *const faults[] = { "i2c-ina-bus", "i2c-ina-current", "i2c-ina-power" };
	struct fixture *f = *state;
	struct box *b = &f->b;

	svc_start_10hz(b);
	boot(f);
	sim_plant_workload_set(f->plant, "iperf3-tx");
	sim_plant_load_set(f->plant, 12.0);
	loop_advance(b->loop, SEC(60));
	assert_string_equal(b->readings.budget_state, "throttle");
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		assert_int_equal(sim_plant_fault_set(f->plant, faults[i], true), 0);
		loop_advance(b->loop, SEC(30));
		assert_true(isnan(b->readings.watts));
		assert_true(isnan(b->readings.volts) && isnan(b->readings.amps));
		assert_true(alarm_active(b, "sensor-main"));
		assert_string_equal(b->readings.budget_state, "throttle");
		assert_int_equal(sim_plant_fault_set(f->plant, faults[i], false), 0);
		loop_advance(b->loop, SEC(2));
		assert_float_equal(b->readings.watts, 57.0, 4.0);
		assert_false(alarm_active(b, "sensor-main"));
		assert_string_equal(b->readings.budget_state, "throttle");
	}
	svc_stop(b);
}

/* Whether the service's status object has this exact JSON text. */
static bool status_has(struct box *b, const char *want)
{
	struct json *j = json_new();
	const char *text;
	bool found;

	assert_non_null(j);
	json_object_begin(j, NULL);
	watts_svc_status_json(b->watts, j);
	json_object_end(j);
	text = json_finish(j, NULL);
	assert_non_null(text);
	found = strstr(text, want) != NULL;
	if (!found)
		print_message("  no '%s' in %s\n", want, text);
	json_free(j);
	return found;
}

/*
 * `make bench` holds 1 kHz sampling to "no missed sample": the status counts every sample and
 * every slot skipped because the timer fired late (the loop busy, the machine loaded).
 */
static void test_svc_counts_samples_and_missed_slots(void **state)
{
	struct fixture *f = *state;
	struct box *b = &f->b;

	svc_start_10hz(b);
	loop_advance(b->loop, SEC(10));
	assert_true(status_has(b, "\"samples\":100,"));
	assert_true(status_has(b, "\"missed\":0"));
	/* the clock jumps 350 ms past the next deadline: that sample comes late, three slots lost */
	assert_int_equal(hw_clock_advance_to(b->hw, loop_now(b->loop) + MS(450)), 0);
	loop_advance(b->loop, 0);
	assert_true(status_has(b, "\"samples\":101,"));
	assert_true(status_has(b, "\"missed\":3"));
	svc_stop(b);
}

/* 1 kHz sampling (the top of sample_rate) in virtual time: every slot runs, none is missed. */
static void test_svc_1khz_every_slot(void **state)
{
	struct fixture *f = *state;
	struct watts_config c;
	struct box *b = &f->b;
	struct json *j = json_new();
	char err[160];
	const char *doc;

	watts_config_defaults(&c);
	assert_int_equal(watts_config_set(&c, "watts", "sample_rate", "1000", 1, err, sizeof(err)),
			 0);
	assert_int_equal(alarm_svc_new(b, &c.alerts, &b->alarms), 0);
	assert_int_equal(watts_svc_new(b, &c, &b->watts), 0);
	assert_int_equal(loop_advance(b->loop, SEC(2)), 0);
	json_object_begin(j, NULL);
	watts_svc_status_json(b->watts, j);
	json_object_end(j);
	doc = json_finish(j, NULL);
	assert_non_null(doc);
	assert_non_null(strstr(doc, "\"sample_hz\":1000"));
	assert_non_null(strstr(doc, "\"samples\":2000,"));
	assert_non_null(strstr(doc, "\"missed\":0"));
	json_free(j);
	watts_svc_free(b->watts);
	b->watts = NULL;
	alarm_svc_free(b->alarms);
	b->alarms = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_validate),
		cmocka_unit_test(test_sections_and_keys),
		cmocka_unit_test(test_alert_and_hook_split_alike),
		cmocka_unit_test(test_section_headers_one_parser),
		cmocka_unit_test(test_validate_errors),
		cmocka_unit_test_setup_teardown(test_svc_log_box_off_then_on, svc_setup,
						svc_teardown),
		cmocka_unit_test_setup_teardown(test_svc_log_symlink_refused, svc_setup,
						svc_teardown),
		cmocka_unit_test_setup_teardown(test_svc_energy_budget_sensor, svc_setup,
						svc_teardown),
		cmocka_unit_test_setup_teardown(test_svc_1khz_every_slot, svc_setup, svc_teardown),
		cmocka_unit_test_setup_teardown(test_svc_partial_read_fools_nothing, svc_setup,
						svc_teardown),
		cmocka_unit_test_setup_teardown(test_svc_counts_samples_and_missed_slots, svc_setup,
						svc_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
