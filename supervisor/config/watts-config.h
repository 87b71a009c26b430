/* watts-config.h - the [watts] [monitor] [budget] [throttle] [thermal] [alerts] profile keys. */
#ifndef H2BOX_WATTS_CONFIG_H
#define H2BOX_WATTS_CONFIG_H

/*
 * Profile keys (defaults in brackets).  Each section is a struct conf_key table in
 * watts-config.c; its header is read by conf_section_parse(), so [monitor h2] and
 * [monitor "h2"] are one section and NAME follows conf_name_check() like every other section.
 *
 * [watts]
 *   sample_rate = 1            samples per second, 0.1..1000 (100 Hz and more work)
 *   state_file = /var/lib/h2box/energy.state   energy totals kept across restarts ("" = none)
 *   save_interval = 10m        how often the state file is rewritten (and on exit)
 *   log =                      CSV watts log path ("" = no log)
 *   log_interval = 1s          one CSV line per interval (not per sample)
 *   log_max_size = 10485760    bytes before rotation (suffixes k/M allowed)
 *   log_keep = 3               rotated files kept (path.1 .. path.N)
 *   baseline = 5s              idle baseline window before `record begin`
 *   max_gap = 5s               longer sample gaps are not integrated into energy
 *   batch = 1s                 hwmon monitors: samples taken by the chip's worker, handled in
 *                              batches this often (1ms..10s, at least one sample period)
 *   ib_device =                RDMA device for record byte counts ("" = every device)
 *
 * [monitor NAME]               several allowed; without any, one "main" monitor with defaults
 *
 * Without any [watts] [monitor] [budget] [throttle] [thermal] or [alarm] section the power
 * meter service is off (enabled = false): no monitor opened, no sample timer, no thermal levels.
 *   type = auto                auto | ina219 | ina226 | ina260 | hwmon
 *   bus = 1                    I2C adapter number (/dev/i2c-N)
 *   address = 0x40
 *   shunt = 0.002              ohms (INA219/INA226)
 *   max_current = 8            amperes; sets the current LSB
 *   averages = 16              INA226/260: 1..1024; INA219: 1..128
 *   conversion_time = 1100us   INA226/260 per channel
 *   hwmon_chip = ina226-*      type = hwmon: libsensors chip pattern
 *   in_label = in1, curr_label = curr1, power_label = power1
 *   budget = no                the monitor the budget governs; the first monitor if none says yes
 *
 * [budget]
 *   enabled = yes
 *   limit = 60                 watts
 *   warn = 85%, throttle = 95%, critical = 100%
 *   critical_hold = 10s        critical only after being over it this long
 *   window = 10s               moving average window
 *   hysteresis = 5%            of the limit; levels are left this far below their entry
 *   step_dwell = 15s           minimum time between two ladder steps (critical_dwell = 2s)
 *   warn_only = no             log and alert, never throttle
 *   ladder = ipoib cpu         throttle names in apply order (default: [throttle] sections in
 *                              file order; without any, "ipoib" = tbf on ib0 at 8gbit, then
 *                              "cpu" = cpufreq 60 %)
 *
 * [throttle NAME]
 *   type = tbf | cpufreq | pstate | rapl | hook
 *   interfaces = ib0           tbf: IPoIB interfaces (RDMA traffic bypasses a qdisc!)
 *   rate = 8gbit               tbf rate (kbit/mbit/gbit, k/M/G = bits)
 *   burst = 0                  tbf bytes (0 = 10 ms of rate, at least 64 KiB)
 *   max = 60%                  cpufreq: % of cpuinfo_max_freq; pstate: max_perf_pct
 *   limit = 8                  rapl watts
 *   path = /sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw
 *   command = /usr/local/bin/hook arg    hook: run with "apply" / "undo" appended, no shell;
 *                              split like alert_command (watts_config_command_split)
 *
 * [thermal NAME] (or [alarm NAME])   NAME = box readings temperature input (default: "nic")
 *   warn = 70, critical = 80, emergency = 90   degrees C ("off" disables a level)
 *   hysteresis = 3
 *   consecutive = 3            agreeing readings before a level changes
 *   warn_action = alert
 *   critical_action = alert,fan,throttle
 *   emergency_action = alert,fan,throttle,poweroff
 *
 * [alerts]
 *   alert_command =            absolute path + arguments, run without a shell; '...' or "..."
 *                              group blanks into one word (the program's path too), nothing else
 *                              is special; at most 16 words.  Environment: the daemon's without
 *                              H2BOX_*, plus H2BOX_ALARM, H2BOX_LEVEL, H2BOX_VALUE, H2BOX_MESSAGE
 *   rate_limit = 5m            per alarm id; an escalation to a higher level is never held back
 *   history = 64               alarm changes kept for `h2box alarms`
 *
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/ina2xx.h"
#include "drivers/throttle.h"
#include "supervisor/config/conf-keys.h"
#include "supervisor/policy/budget.h"
#include "supervisor/policy/thermal.h"

#define WATTS_MONITORS_MAX 4
#define WATTS_THROTTLES_MAX 8
#define WATTS_THERMALS_MAX 8
#define WATTS_PATH_MAX 256
/* words of a profile command ([alerts] alert_command, [throttle] command), program included */
#define WATTS_COMMAND_WORDS_MAX 16

struct watts_monitor_config {
	char name[32];
	struct ina2xx_config ina;
	bool budget;
	int line;
};

struct alarm_config {
	char alert_command[512];
	int64_t rate_limit_ns;
	int64_t command_timeout_ns; /* a command still running then is killed (its process group) */
	int history;
	int line;
};

struct watts_config {
	bool enabled; /* a [watts] [monitor] [budget] [throttle] [thermal] or [alarm] section */
	/* [watts] */
	double sample_hz;
	char state_file[WATTS_PATH_MAX];
	int64_t save_interval_ns;
	char log_path[WATTS_PATH_MAX];
	int64_t log_interval_ns;
	uint64_t log_max_bytes;
	int log_keep;
	int64_t baseline_ns;
	int64_t max_gap_ns;
	int64_t batch_ns; /* hwmon monitors: how often the worker's samples are drained */
	char ib_device[64];

	struct watts_monitor_config mon[WATTS_MONITORS_MAX];
	int nmonitors;
	bool mon_defaulted; /* mon[0] is the built-in default, replaced by the first section */

	/* [budget] */
	bool budget_enabled;
	struct budget_config budget;
	char ladder[WATTS_THROTTLES_MAX][32];
	int nladder; /* 0 = every throttle in file order */
	int ladder_line;
	int budget_line;

	struct throttle_config thr[WATTS_THROTTLES_MAX];
	int nthrottles;
	bool thr_defaulted;

	struct thermal_config thermal[WATTS_THERMALS_MAX];
	int nthermals;
	bool thermal_defaulted;
	int thermal_line[WATTS_THERMALS_MAX];

	/* [alerts] */
	struct alarm_config alerts;
};

void watts_config_defaults(struct watts_config *c);
int watts_config_set(struct watts_config *c, const char *section, const char *key,
		     const char *value, int line, char *err, size_t errlen);
/* Every key of [watts], [monitor NAME], [budget], [throttle NAME], [thermal NAME], [alarm NAME], [alerts]. */
void watts_config_keys_each(conf_keys_each_fn fn, void *ctx);
int watts_config_validate(const struct watts_config *c, int *line, char *err, size_t errlen);
void alarm_config_defaults(struct alarm_config *c);

/*
 * The one rule for a command written in the profile (alert_command, a hook's command): copied
 * into buf and split in place by parse_argv_split() (blanks separate words, '...' or "..."
 * group blanks, nothing else is special, no shell); at most WATTS_COMMAND_WORDS_MAX words, the
 * first an absolute path.  argv needs WATTS_COMMAND_WORDS_MAX + 1 slots; extra slots after the
 * NULL are the caller's (a hook appends its verb).  Returns the word count or -EINVAL / -E2BIG
 * with a message in err (may be NULL).
 */
int watts_config_command_split(const char *cmd, char *buf, size_t buflen, char **argv, char *err,
			       size_t errlen);

#endif
