/* watts-svc.h - the power service: monitors, energy, record, budget, thermal alarms, alerts. */
#ifndef H2BOX_WATTS_SVC_H
#define H2BOX_WATTS_SVC_H

/*
 * Profile keys (defaults in brackets).  Section names arrive as
 * "monitor h2", "throttle ipoib", "thermal nic".
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
 *   ib_device =                RDMA device for record byte counts ("" = every device)
 *
 * [monitor NAME]               several allowed; without any, one "main" monitor with defaults
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
 *                              '...' or "..." group blanks into one argument, nothing else is
 *                              special; at most 16 words, the first an absolute path
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
 *   alert_command =            absolute path + arguments, run without a shell; environment
 *                              H2BOX_ALARM, H2BOX_LEVEL, H2BOX_VALUE, H2BOX_MESSAGE
 *   rate_limit = 5m            per alarm id; an escalation to a higher level is never held back
 *   history = 64               alarm changes kept for `h2box alarms`
 *
 * Control verbs (text replies shown; JSON replies carry the same numbers, null when unknown):
 *   watts                      one line per monitor "main  24.03 W  12.010 V  2.001 A  (budget)",
 *                              budget and energy lines.  JSON: watts, volts, amps, budget_state,
 *                              avg_w, limit_w, energy_boot_j, energy_poweron_j, energy_total_j,
 *                              energy_since_real_ns, monitors[{name, chip, device, budget, valid,
 *                              watts, volts, amps, energy_boot_j, error?}]
 *   watts --follow [--interval S]   a stream: text "# every S s: ..." then one line per interval
 *                              "<ISO time> W V A  avg W  state  [name W ...]"; JSON: the reply
 *                              object {interval_ns}, then one JSON object per line: time, mono_s,
 *                              watts, volts, amps, avg_w, budget, ib_tx_gbps, ib_rx_gbps,
 *                              energy_j, monitors{name: W}.  Ends when the client hangs up.
 *   record begin               JSON {id, baseline_w, baseline_s, baseline_settled,
 *                              baseline_drift_w, start_mono_ns}; text "record N started; idle
 *                              baseline B W over the last S s[ (not settled: ...)]".  Settled:
 *                              the window's two halves agree within 0.5 W or 2 %; drift is the
 *                              later half's mean minus the earlier's (null when a half is empty)
 *   record end ID              JSON {id, duration_s, avg_w, peak_w, min_w, energy_j,
 *                              baseline_w, baseline_settled, baseline_drift_w, above_baseline_j,
 *                              below_baseline, ib_tx_bytes, ib_rx_bytes,
 *                              ib_bytes, avg_gbps, j_per_gb, j_per_gb_above_baseline, samples};
 *                              error 1 "no open record N".  above_baseline_j is never below 0:
 *                              a record below its baseline gives 0 and below_baseline = true
 *                              when it averaged more than the tolerance below (the baseline
 *                              was taken above idle, e.g. mid-transition)
 *   budget [status]            state, average, thresholds, release level, ladder with applied
 *                              flags.  JSON: enabled, state, avg_w, watts, limit_w, warn_w,
 *                              throttle_w, critical_w, release_w, window_s, warn_only,
 *                              thermal_throttle, applied, ladder[{name, action, applied}]
 *   alarms                     (registered by the alarm service) JSON {active[], history[]},
 *                              entries {id, level, value, message, mono_ns, time}
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/ina2xx.h"
#include "drivers/throttle.h"
#include "supervisor/policy/budget.h"
#include "supervisor/policy/thermal.h"

struct svc_ops;
struct box;
struct json;
struct ctl_reply;
struct watts_svc;
struct alarm_svc;

#define WATTS_MONITORS_MAX 4
#define WATTS_THROTTLES_MAX 8
#define WATTS_THERMALS_MAX 8
#define WATTS_PATH_MAX 256

struct watts_monitor_config {
	char name[32];
	struct ina2xx_config ina;
	bool budget;
	int line;
};

struct alarm_config {
	char alert_command[512];
	int64_t rate_limit_ns;
	int history;
	int line;
};

struct watts_config {
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
int watts_config_validate(const struct watts_config *c, int *line, char *err, size_t errlen);
/* True when `section` ("monitor h2", "budget", ...) belongs to this module. */
bool watts_config_owns_section(const char *section);

int watts_svc_new(struct box *b, const struct watts_config *cfg, struct watts_svc **out);
void watts_svc_free(struct watts_svc *s);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops watts_svc_ops;
void watts_svc_status_json(struct watts_svc *s, struct json *j);
void watts_svc_status_text(struct watts_svc *s, struct ctl_reply *rep);

/*
 * What thermal alarms ask of other services: the fan service should run the
 * NIC fan at 100 % while this returns true; the power service gets an
 * orderly power-off request through the callback (set by the daemon).
 */
bool watts_svc_fan_full_wanted(const struct watts_svc *s);
typedef void (*watts_poweroff_fn)(void *userdata, const char *reason);
void watts_svc_poweroff_handler_set(struct watts_svc *s, watts_poweroff_fn fn, void *userdata);
/* Run one sample now (tests and the scenario harness; the timer calls the same). */
void watts_svc_sample(struct watts_svc *s, int64_t now_ns);

/* ---- the alarm service (supervisor/services/alarms.c implements supervisor/services/alarm.h) ---- */
void alarm_config_defaults(struct alarm_config *c);
int alarm_svc_new(struct box *b, const struct alarm_config *cfg, struct alarm_svc **out);
void alarm_svc_free(struct alarm_svc *a);
/* Its entry points for the daemon's service table (runtime/svc.h). */
extern const struct svc_ops alarm_svc_ops;
void alarm_svc_status_json(struct alarm_svc *a, struct json *j);
void alarm_svc_status_text(struct alarm_svc *a, struct ctl_reply *rep);
/* Time source override for tests (default: loop_now(b->loop)). */
void alarm_svc_clock_set(struct alarm_svc *a, int64_t (*now)(void *userdata), void *userdata);
/* Reap finished alert commands; block = wait for them (tests). Returns how many still run. */
int alarm_svc_reap(struct alarm_svc *a, bool block);
/* How many alert commands were started (tests). */
unsigned alarm_svc_spawned(const struct alarm_svc *a);

#endif
