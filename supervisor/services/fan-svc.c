/* fan-svc.c - the NIC fan service: inputs, fanctl, the PWM chip, alarms and `h2box fan`. */
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/watts-svc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "drivers/nic_fan.h"
#include "drivers/temp_input.h"
#include "hw/clock.h"
#include "supervisor/services/alarm.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/policy/fanctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/parse.h"
#include "supervisor/config/profile.h"
#include "supervisor/util/statefile.h"
#include "supervisor/runtime/svc.h"

#define CHIP_BACKOFF_MIN_NS HW_NSEC_PER_SEC
#define CHIP_BACKOFF_MAX_NS (60 * HW_NSEC_PER_SEC)
#define MANUAL_FOR_MAX_NS (7 * 24 * 3600 * HW_NSEC_PER_SEC)
/* An input whose part is unpowered ([input] powered_by): unknown, by design */
#define ERR_UNPOWERED (-EHOSTDOWN)

static const char fan_usage[] =
	"usage: fan [status | auto | set PCT [--for DURATION] | profile NAME [--until HH:MM] | "
	"calibrate]";

struct fan_svc {
	struct box *b;
	struct fan_config cfg;
	struct fanctl *ctl;
	struct loop_timer *timer;

	struct nic_fan *fan;
	int64_t chip_retry_ns, chip_backoff_ns;
	int chip_err;
	bool chip_alarm;
	bool chip_differs_logged; /* the chip's first quantised/clamped write was logged */

	struct temp_input *in[FAN_INPUTS_MAX];
	int in_err[FAN_INPUTS_MAX];
	struct fanctl_reading temps[FAN_INPUTS_MAX];

	double rpm;
	int tach_err;
	bool idle, have_out;
	double floor_pct;
	struct fanctl_output out;
	char cal_path[PROFILE_PATH_MAX + 200];
	char cal_msg[128];
};

/* ---- helpers ---- */

static const char *errname(int err)
{
	switch (-err) {
	case 0:
		return "ok";
	case ENODATA:
		return "no data";
	case ERANGE:
		return "out of range";
	case ESTALE:
		return "stale";
	case ENOENT:
		return "not found";
	case EAGAIN:
		return "waiting to retry";
	case EHOSTDOWN:
		return "powered off";
	default:
		return strerror(-err);
	}
}

static const char *profile_name(const struct fan_svc *s, int p)
{
	return p >= 0 && p < s->cfg.sched.nprofiles ? s->cfg.sched.profiles[p].name : "?";
}

static void fmt_local_hhmm(char *buf, size_t len, int64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / HW_NSEC_PER_SEC);
	struct tm tm;

	if (wall_ns <= 0 || !localtime_r(&t, &tm))
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static int input_error(const struct fan_svc *s, int i, int64_t now)
{
	int r = s->temps[i].off ? ERR_UNPOWERED : s->in_err[i];

	if (r == 0)
		r = fanctl_reading_check(&s->cfg, i, &s->temps[i], now);
	return r;
}

/* ---- calibration state file ---- */

static void cal_path_resolve(struct fan_svc *s)
{
	const char *dir = s->b->profile ? s->b->profile->daemon.state_dir : "";

	if (s->cfg.calibration_file[0] == '/' || !dir[0])
		snprintf(s->cal_path, sizeof(s->cal_path), "%s", s->cfg.calibration_file);
	else
		snprintf(s->cal_path, sizeof(s->cal_path), "%s/%s", dir, s->cfg.calibration_file);
}

static int cal_load(struct fan_svc *s, struct fan_calibration *cal)
{
	static const char *const keys[] = { "start_duty", "min_duty", "min_rpm", "max_rpm" };
	double *vals[] = { &cal->start_duty, &cal->min_duty, &cal->min_rpm, &cal->max_rpm };
	char buf[512], v[32];
	int n = statefile_read(s->cal_path, buf, sizeof(buf));

	if (n < 0)
		return n;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (statefile_get(buf, keys[i], v, sizeof(v)) < 0 ||
		    parse_double(v, 0, i < 2 ? 100 : 100000, vals[i], NULL, 0) < 0)
			return -EINVAL;
	}
	return 0;
}

static int cal_save(struct fan_svc *s, const struct fan_calibration *cal)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf),
		     "# h2box fan calibration (h2box fan calibrate)\nchip=%s\npwm=%d\n"
		     "start_duty=%.1f\nmin_duty=%.1f\nmin_rpm=%.0f\nmax_rpm=%.0f\n",
		     s->fan ? nic_fan_chip_name(s->fan) : s->cfg.chip, s->cfg.pwm, cal->start_duty,
		     cal->min_duty, cal->min_rpm, cal->max_rpm);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENOSPC;
	return statefile_write(s->cal_path, buf, (size_t)n);
}

/* ---- the chip ---- */

static void chip_lost(struct fan_svc *s, int err, int64_t now)
{
	/* best effort: full duty in case the chip still listens */
	nic_fan_close(s->fan, NIC_FAN_EXIT_FULL);
	s->fan = NULL;
	s->chip_err = err;
	s->chip_retry_ns = now + s->chip_backoff_ns;
	alarm_raise(s->b, "fan-chip", ALARM_CRIT, NAN,
		    "NIC fan controller %s lost (%s); retrying with back-off", s->cfg.chip,
		    errname(err));
	s->chip_alarm = true;
}

static void chip_try_open(struct fan_svc *s, int64_t now)
{
	char d[32];
	int r;

	if (s->fan || now < s->chip_retry_ns)
		return;
	r = nic_fan_open(s->b->hw, s->cfg.chip, s->cfg.pwm, &s->fan);
	if (r < 0) {
		s->fan = NULL;
		if (r != s->chip_err || !s->chip_alarm)
			log_warn(r, "fan: controller chip %s pwm%d", s->cfg.chip, s->cfg.pwm);
		s->chip_err = r;
		s->chip_retry_ns = now + s->chip_backoff_ns;
		alarm_raise(s->b, "fan-chip", ALARM_CRIT, NAN,
			    "NIC fan controller %s not available (%s); retrying every %s",
			    s->cfg.chip, errname(r),
			    parse_format_duration(s->chip_backoff_ns, d, sizeof(d)));
		s->chip_alarm = true;
		s->chip_backoff_ns *= 2;
		if (s->chip_backoff_ns > CHIP_BACKOFF_MAX_NS)
			s->chip_backoff_ns = CHIP_BACKOFF_MAX_NS;
		return;
	}
	s->chip_err = 0;
	s->chip_backoff_ns = CHIP_BACKOFF_MIN_NS;
	log_event(LOG_NOTICE,
		  (const char *[]){ "H2BOX_EVENT=fan-chip", "H2BOX_STATE=open", NULL },
		  "fan: controller %s pwm%d in manual mode", nic_fan_chip_name(s->fan),
		  s->cfg.pwm);
	if (s->chip_alarm) {
		alarm_clear(s->b, "fan-chip");
		s->chip_alarm = false;
	}
}

/*
 * The first time the chip holds a duty other than the one written (Linux
 * 6.1's emc2305 keeps one of 10 steps; other chips clamp), once per run:
 * status shows both from then on, a log line per sample would be noise.
 * Not a fault: the controller goes on commanding its own duty.
 */
static void chip_differs_note(struct fan_svc *s)
{
	char want[48], held[48];

	if (s->chip_differs_logged || !nic_fan_duty_differs(s->fan))
		return;
	s->chip_differs_logged = true;
	snprintf(want, sizeof(want), "H2BOX_DUTY_PCT=%.1f", s->out.duty);
	snprintf(held, sizeof(held), "H2BOX_DUTY_ACTUAL_PCT=%.1f", nic_fan_duty_held(s->fan));
	log_event(LOG_NOTICE,
		  (const char *[]){ "H2BOX_EVENT=fan-chip", "H2BOX_STATE=quantises", want, held,
				    NULL },
		  "fan: controller %s pwm%d holds %.1f%% for %.1f%% written: it quantises or clamps "
		  "the duty; status shows both", nic_fan_chip_name(s->fan), s->cfg.pwm,
		  nic_fan_duty_held(s->fan), s->out.duty);
}

/* ---- events -> journal and alarms ---- */

static void log_state(int prio, const char *event, const char *state, const char *msg)
{
	char ev[48], st[48];

	snprintf(ev, sizeof(ev), "H2BOX_EVENT=%s", event);
	snprintf(st, sizeof(st), "H2BOX_STATE=%s", state);
	log_event(prio, (const char *[]){ ev, st, NULL }, "fan: %s", msg);
}

static void input_events(struct fan_svc *s, const struct fanctl_output *o, int64_t now)
{
	char id[64];

	for (int i = 0; i < s->cfg.ninputs; i++) {
		const struct fan_input_config *ic = &s->cfg.inputs[i];

		if (!(o->input_changed & (1u << i)))
			continue;
		snprintf(id, sizeof(id), "fan-sensor-%s", ic->spec.name);
		if (o->input_bad & (1u << i))
			alarm_raise(s->b, id, ic->required ? ALARM_CRIT : ALARM_WARN,
				    s->temps[i].celsius, "temperature input %s: %s%s",
				    ic->spec.name, errname(input_error(s, i, now)),
				    ic->required ? "; fan at failsafe duty" : "; ignored");
		else if (s->temps[i].off)
			alarm_clear_reason(s->b, id, "powered off");
		else
			alarm_clear(s->b, id);
	}
}

static void handle_events(struct fan_svc *s, const struct fanctl_output *o, int64_t now)
{
	unsigned ev = o->events;
	char msg[200], d[32];
	int n = 0;

	if (ev & FANCTL_EV_INPUT)
		input_events(s, o, now);
	if (ev & FANCTL_EV_FAILSAFE_ENTER) {
		for (int i = 0; i < s->cfg.ninputs && n < (int)sizeof(msg) - 40; i++)
			if (o->input_bad & (1u << i))
				n += snprintf(msg + n, sizeof(msg) - (size_t)n, " %s (%s)",
					      s->cfg.inputs[i].spec.name,
					      errname(input_error(s, i, now)));
		snprintf(d, sizeof(d), "%.0f%%", s->cfg.failsafe_duty);
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=fan-failsafe", "H2BOX_STATE=enter", NULL },
			  "fan: failsafe at %s, invalid input:%s", d, n ? msg : " none valid");
	}
	if (ev & FANCTL_EV_FAILSAFE_EXIT)
		log_state(LOG_NOTICE, "fan-failsafe", "exit", "valid readings, failsafe ends");
	if (ev & FANCTL_EV_PROFILE) {
		struct fanctl_status st;

		fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
		snprintf(msg, sizeof(msg), "%s (%s)", profile_name(s, o->profile),
			 st.profile_forced ? "forced" : "schedule");
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=fan-profile", NULL },
			  "fan: profile %s", msg);
	}
	if (ev & FANCTL_EV_OVERRIDE_ON) {
		int i = o->override_input;

		snprintf(msg, sizeof(msg),
			 "override: %s at %.1f C: %s cap (%.0f%%) and manual duty lifted",
			 i >= 0 ? s->cfg.inputs[i].spec.name : "?",
			 i >= 0 ? s->temps[i].celsius : NAN, profile_name(s, o->profile),
			 s->cfg.sched.profiles[o->profile].cap);
		log_state(LOG_WARNING, "fan-override", "on", msg);
	}
	if (ev & FANCTL_EV_OVERRIDE_OFF)
		log_state(LOG_NOTICE, "fan-override", "off", "override ends, profile cap back");
	if (ev & FANCTL_EV_STALL)
		alarm_raise(s->b, "fan-stall", ALARM_CRIT, s->rpm,
			    "NIC fan stalled: %.0f rpm below %.0f for %s; full duty to restart it",
			    s->rpm, s->cfg.stall_rpm,
			    parse_format_duration(s->cfg.stall_time_ns, d, sizeof(d)));
	if (ev & FANCTL_EV_STALL_CLEAR)
		alarm_clear(s->b, "fan-stall");
	if (ev & FANCTL_EV_RPM_WARN)
		alarm_raise(s->b, "fan-rpm", ALARM_WARN, s->rpm,
			    "NIC fan at %.0f rpm, expected about %.0f at %.0f%%", s->rpm,
			    o->expected_rpm, o->duty);
	if (ev & FANCTL_EV_RPM_OK)
		alarm_clear(s->b, "fan-rpm");
	if (ev & FANCTL_EV_MANUAL_EXPIRED)
		log_state(LOG_NOTICE, "fan-manual", "expired", "manual duty expired");
	if (ev & FANCTL_EV_FORCE_EXPIRED)
		log_state(LOG_NOTICE, "fan-profile", "expired",
			  "forced profile expired, back to the schedule");
	if (ev & FANCTL_EV_CAL_DONE) {
		const struct fan_calibration *c = fanctl_calibration(s->ctl);
		int r = cal_save(s, c);

		snprintf(s->cal_msg, sizeof(s->cal_msg),
			 "start %.0f%%, min %.0f%% (%.0f rpm), max %.0f rpm%s", c->start_duty,
			 c->min_duty, c->min_rpm, c->max_rpm, r < 0 ? " (not saved)" : "");
		if (r < 0)
			log_warn(r, "fan: saving calibration to %s", s->cal_path);
		snprintf(msg, sizeof(msg), "calibration done: %s", s->cal_msg);
		log_state(LOG_NOTICE, "fan-calibration", "done", msg);
	}
	if (ev & FANCTL_EV_CAL_FAILED) {
		const struct fancal *k = fanctl_calibration_run(s->ctl);

		snprintf(s->cal_msg, sizeof(s->cal_msg), "failed: %s", k->error ? k->error : "?");
		snprintf(msg, sizeof(msg), "calibration %s", s->cal_msg);
		log_state(LOG_WARNING, "fan-calibration", "failed", msg);
	}
	if (ev & FANCTL_EV_MODE) {
		snprintf(msg, sizeof(msg), "mode %s", fanctl_mode_name(o->mode));
		log_state(o->mode == FANCTL_AUTO || o->mode == FANCTL_MANUAL ? LOG_NOTICE
									     : LOG_WARNING,
			  "fan-mode", fanctl_mode_name(o->mode), msg);
	}
}

/* ---- the control period ---- */

static void idle_enter(struct fan_svc *s)
{
	static const char *const ids[] = { "fan-stall", "fan-rpm", "fan-tach", "fan-chip" };
	char id[64];

	s->idle = true;
	s->rpm = NAN;
	s->b->readings.fan_duty_pct = NAN;
	s->b->readings.fan_duty_actual_pct = NAN;
	s->b->readings.fan_rpm = NAN;
	/* an unpowered controller and sensors are not faults */
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
		alarm_clear_reason(s->b, ids[k], "powered off");
	s->chip_alarm = false;
	s->tach_err = 0;
	for (int i = 0; i < s->cfg.ninputs; i++) {
		snprintf(id, sizeof(id), "fan-sensor-%s", s->cfg.inputs[i].spec.name);
		alarm_clear_reason(s->b, id, "powered off");
	}
	/*
	 * What the controller knew of the running fan (stall, override, demands) is not true of
	 * an unpowered one; power-on starts again from the failsafe duty (fan_cycle).
	 */
	fanctl_reset(s->ctl);
	memset(&s->out, 0, sizeof(s->out));
	s->out.duty = NAN;
	s->out.expected_rpm = NAN;
	s->out.override_input = -1;
	s->have_out = false;
	log_state(LOG_NOTICE, "fan-mode", "idle", "box power off, fan control idle");
}

/* The part an input measures has no power: the box is off, or (host side) the H2 is down. */
static bool input_unpowered(const struct fan_svc *s, int i)
{
	switch (s->cfg.inputs[i].power) {
	case FAN_INPUT_POWER_PSU:
		return s->b->power_off;
	case FAN_INPUT_POWER_HOST:
		return s->b->host_off;
	case FAN_INPUT_POWER_ALWAYS:
		break;
	}
	return false;
}

static void read_tach(struct fan_svc *s)
{
	int r;

	s->rpm = NAN;
	if (!s->fan)
		return;
	r = nic_fan_rpm_read(s->fan, &s->rpm);
	if (r < 0 && s->tach_err == 0)
		alarm_raise(s->b, "fan-tach", ALARM_WARN, NAN,
			    "NIC fan tach unreadable (%s): no stall detection", errname(r));
	else if (r == 0 && s->tach_err < 0)
		alarm_clear(s->b, "fan-tach");
	s->tach_err = r;
}

static void read_inputs(struct fan_svc *s, int64_t now)
{
	for (int i = 0; i < s->cfg.ninputs; i++) {
		double c;
		int r;

		/* an unpowered part is not read: unknown, never its last value */
		s->temps[i].off = input_unpowered(s, i);
		if (s->temps[i].off) {
			s->in_err[i] = 0;
			s->temps[i].celsius = NAN;
			box_temp_set_off(s->b, s->cfg.inputs[i].spec.name);
			continue;
		}
		r = temp_input_read(s->in[i], now, &c);
		s->in_err[i] = r;
		if (r == 0) {
			s->temps[i].celsius = c;
			s->temps[i].updated_ns = now;
		} else {
			/* out of range keeps its number for status, fanctl rejects it anyway */
			s->temps[i].celsius = r == -ERANGE ? c : NAN;
		}
		box_temp_set(s->b, s->cfg.inputs[i].spec.name, r == 0 ? c : NAN, now);
	}
}

static void fan_cycle(struct fan_svc *s, int64_t now)
{
	struct fanctl_input in = {
		.now_ns = now,
		.wall_ns = loop_real_now(s->b->loop),
		.temps = s->temps,
		/* a critical NIC temperature (watts-svc's thermal levels) asks for full cooling */
		.floor_pct = s->b->watts && watts_svc_fan_full_wanted(s->b->watts) ? 100.0 :
									     s->floor_pct,
	};
	int r;

	if (s->b->power_off) {
		if (!s->idle)
			idle_enter(s);
		/* the fan's side is dark: its inputs read unknown; the H2's may still run */
		read_inputs(s, now);
		return;
	}
	if (s->idle) {
		s->idle = false;
		fanctl_reset(s->ctl);
		s->chip_retry_ns = now;
		log_state(LOG_NOTICE, "fan-mode", "failsafe",
			  "box power on, fan control resumes at failsafe duty");
	}
	chip_try_open(s, now);
	read_tach(s);
	read_inputs(s, now);
	in.rpm = s->rpm;
	fanctl_step(s->ctl, &in, &s->out);
	s->have_out = true;
	if (s->fan) {
		r = nic_fan_duty_set(s->fan, s->out.duty);
		if (r == 1)
			log_state(LOG_WARNING, "fan-chip", "reasserted",
				  "pwm_enable changed behind our back; manual mode re-asserted");
		/* a failed read-back is a chip failure like a failed write: full duty, alarm */
		if (r < 0)
			chip_lost(s, r, now);
		else
			chip_differs_note(s);
	}
	s->b->readings.fan_duty_pct = s->fan ? s->out.duty : NAN;
	s->b->readings.fan_duty_actual_pct = s->fan ? nic_fan_duty_held(s->fan) : NAN;
	s->b->readings.fan_rpm = s->rpm;
	handle_events(s, &s->out, now);
}

static void timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct fan_svc *s = userdata;

	fan_cycle(s, now_ns);
	/* the fan loop is the daemon's control cycle: its completion feeds the systemd watchdog */
	box_cycle_done(s->b, now_ns);
	loop_timer_arm_in(t, s->cfg.period_ns);
}

/* ---- status ---- */

static void status_members(struct fan_svc *s, struct json *j)
{
	int64_t now = loop_now(s->b->loop);
	const struct fan_calibration *cal = fanctl_calibration(s->ctl);
	const struct fancal *run = fanctl_calibration_run(s->ctl);
	const struct fansched_profile *p;
	struct fanctl_status st;
	char hhmm[16];

	fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
	json_bool(j, "enabled", s->cfg.enabled);
	json_string(j, "chip", s->fan ? nic_fan_chip_name(s->fan) : NULL);
	json_string(j, "chip_pattern", s->cfg.chip);
	json_int(j, "pwm", s->cfg.pwm);
	json_bool(j, "idle", s->idle);
	json_string(j, "mode", s->idle ? "idle" : s->have_out ? fanctl_mode_name(st.mode)
							       : "starting");
	json_string(j, "profile", st.profile >= 0 ? profile_name(s, st.profile) : NULL);
	json_string(j, "profile_source", st.profile_forced ? "forced" : "schedule");
	if (st.profile_forced && st.force_until_wall_ns > 0) {
		fmt_local_hhmm(hhmm, sizeof(hhmm), st.force_until_wall_ns);
		json_string(j, "profile_until", hhmm);
	} else {
		json_null(j, "profile_until");
	}
	p = st.profile >= 0 ? &s->cfg.sched.profiles[st.profile] : NULL;
	json_number(j, "cap_pct", p ? p->cap : NAN, 0);
	/* duty_pct is the commanded duty; duty_actual_pct what pwmN read back after it */
	json_number(j, "duty_pct", s->fan && s->have_out && !s->idle ? s->out.duty : NAN, 1);
	json_number(j, "duty_actual_pct",
		    s->fan && s->have_out && !s->idle ? nic_fan_duty_held(s->fan) : NAN, 1);
	json_number(j, "rpm", s->rpm, 0);
	json_number(j, "expected_rpm", s->have_out ? s->out.expected_rpm : NAN, 0);
	json_bool(j, "failsafe", !s->idle && (s->have_out ? s->out.failsafe : true));
	json_bool(j, "override", s->out.override);
	json_string(j, "override_input", s->out.override && s->out.override_input >= 0
				 ? s->cfg.inputs[s->out.override_input].spec.name : NULL);
	json_bool(j, "stalled", s->out.stalled);
	json_bool(j, "rpm_warn", s->out.rpm_warn);
	json_number(j, "manual_pct", st.manual_pct, 1);
	if (!isnan(st.manual_pct) && st.manual_until_ns > 0)
		json_number(j, "manual_remaining_s",
			    (double)(st.manual_until_ns - now) / HW_NSEC_PER_SEC, 0);
	else
		json_null(j, "manual_remaining_s");
	json_number(j, "floor_pct", s->floor_pct, 0);
	json_array_begin(j, "inputs");
	for (int i = 0; i < s->cfg.ninputs; i++) {
		int err = input_error(s, i, now);

		json_object_begin(j, NULL);
		json_string(j, "name", s->cfg.inputs[i].spec.name);
		json_number(j, "temp_c", err == 0 ? s->temps[i].celsius : NAN, 1);
		json_bool(j, "valid", err == 0);
		json_string(j, "error", err ? errname(err) : NULL);
		json_number(j, "demand_pct", s->have_out ? s->out.demand[i] : NAN, 1);
		json_string(j, "curve", s->cfg.inputs[i].curve);
		json_bool(j, "required", s->cfg.inputs[i].required);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_begin(j, "calibration");
	json_number(j, "start_duty", cal->start_duty > 0 ? cal->start_duty : NAN, 1);
	json_number(j, "min_duty", cal->min_duty > 0 ? cal->min_duty : NAN, 1);
	json_number(j, "min_rpm", cal->min_rpm > 0 ? cal->min_rpm : NAN, 0);
	json_number(j, "max_rpm", cal->max_rpm > 0 ? cal->max_rpm : NAN, 0);
	json_bool(j, "running", st.calibrating);
	json_string(j, "phase", fancal_phase_name(run->phase));
	json_string(j, "result", s->cal_msg[0] ? s->cal_msg : NULL);
	json_string(j, "file", s->cal_path);
	json_object_end(j);
}

void fan_svc_status_json(struct fan_svc *s, struct json *j)
{
	json_object_begin(j, "fan");
	status_members(s, j);
	json_object_end(j);
}

static void fmt_pct(char *buf, size_t len, double v)
{
	if (isfinite(v))
		snprintf(buf, len, "%.0f%%", v);
	else
		snprintf(buf, len, "n/a");
}

static void fmt_rpm(char *buf, size_t len, double v)
{
	if (isfinite(v))
		snprintf(buf, len, "%.0f rpm", v);
	else
		snprintf(buf, len, "unknown");
}

/*
 * The commanded duty in duty ("47%"), and in held "chip holds 50%" when the
 * chip holds more than one pwm step off it, else "".
 */
static void fmt_duty(struct fan_svc *s, char *duty, size_t dlen, char *held, size_t hlen)
{
	bool known = s->fan && s->have_out && !s->idle;
	char b[16];

	fmt_pct(duty, dlen, known ? s->out.duty : NAN);
	held[0] = '\0';
	if (known && nic_fan_duty_differs(s->fan)) {
		fmt_pct(b, sizeof(b), nic_fan_duty_held(s->fan));
		snprintf(held, hlen, "chip holds %s", b);
	}
}

/* "auto, profile quiet (schedule until 07:00)" */
static void mode_line(struct fan_svc *s, char *buf, size_t len)
{
	struct fanctl_status st;
	char until[32] = "", hhmm[16];

	fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
	if (st.profile_forced) {
		if (st.force_until_wall_ns > 0) {
			fmt_local_hhmm(hhmm, sizeof(hhmm), st.force_until_wall_ns);
			snprintf(until, sizeof(until), " until %s", hhmm);
		} else {
			snprintf(until, sizeof(until), " until fan auto");
		}
	}
	snprintf(buf, len, "%s, profile %s (%s%s)%s%s",
		 s->idle ? "idle (power off)" : s->have_out ? fanctl_mode_name(st.mode) : "starting",
		 st.profile >= 0 ? profile_name(s, st.profile) : "?",
		 st.profile_forced ? "forced" : "schedule", until,
		 s->out.override ? ", override" : "", s->out.stalled ? ", STALLED" : "");
}

void fan_svc_status_text(struct fan_svc *s, struct ctl_reply *rep)
{
	char mode[160], duty[16], held[32], rpm[24];

	if (!s->cfg.enabled) {
		ctl_reply_printf(rep, "fan: disabled in the profile\n");
		return;
	}
	mode_line(s, mode, sizeof(mode));
	fmt_duty(s, duty, sizeof(duty), held, sizeof(held));
	fmt_rpm(rpm, sizeof(rpm), s->rpm);
	ctl_reply_printf(rep, "fan: %s%s%s%s %s  %s%s\n", duty, held[0] ? " (" : "", held,
			 held[0] ? ")" : "", rpm, mode, s->fan ? "" : "  (no controller chip)");
}

static void status_text_full(struct fan_svc *s, struct ctl_reply *rep)
{
	const struct fan_calibration *cal = fanctl_calibration(s->ctl);
	const struct fancal *run = fanctl_calibration_run(s->ctl);
	int64_t now = loop_now(s->b->loop);
	struct fanctl_status st;
	char mode[160], a[24], b[24], d[32], held[32], cap[64] = "";

	fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
	mode_line(s, mode, sizeof(mode));
	ctl_reply_printf(rep, "mode: %s\n", mode);
	fmt_duty(s, a, sizeof(a), held, sizeof(held));
	if (st.profile >= 0 && s->cfg.sched.profiles[st.profile].cap < 100)
		snprintf(cap, sizeof(cap), "cap %.0f%%%s", s->cfg.sched.profiles[st.profile].cap,
			 s->out.override ? ", lifted by temperature" : "");
	/* "duty: 47% (chip holds 50%; cap 60%)" */
	if (held[0] || cap[0])
		ctl_reply_printf(rep, "duty: %s (%s%s%s)\n", a, held, held[0] && cap[0] ? "; " : "",
				 cap);
	else
		ctl_reply_printf(rep, "duty: %s\n", a);
	if (!isnan(st.manual_pct))
		ctl_reply_printf(rep, "manual: %.0f%% %s%s\n", st.manual_pct,
				 st.manual_until_ns > 0 ? "for another " : "until fan auto",
				 st.manual_until_ns > 0 ? parse_format_duration(
					 st.manual_until_ns - now, d, sizeof(d)) : "");
	fmt_rpm(a, sizeof(a), s->rpm);
	fmt_rpm(b, sizeof(b), s->out.expected_rpm);
	/* without a calibration there is no expected figure: say so rather than "n/a rpm" */
	ctl_reply_printf(rep, "tach: %s (expected %s)%s%s\n", a,
			 isfinite(s->out.expected_rpm) ? b : "unknown until `h2box fan calibrate`",
			 s->out.stalled ? ", STALLED" : "", s->out.rpm_warn ? ", off target" : "");
	if (s->fan)
		ctl_reply_printf(rep, "chip: %s pwm%d\n", nic_fan_chip_name(s->fan), s->cfg.pwm);
	else
		ctl_reply_printf(rep, "chip: %s pwm%d not available (%s)\n", s->cfg.chip,
				 s->cfg.pwm, errname(s->chip_err));
	ctl_reply_printf(rep, "inputs:\n");
	for (int i = 0; i < s->cfg.ninputs; i++) {
		int err = input_error(s, i, now);

		fmt_pct(a, sizeof(a), s->have_out ? s->out.demand[i] : NAN);
		if (err == 0)
			ctl_reply_printf(rep, "  %-8s %6.1f C  -> %s (curve %s)\n",
					 s->cfg.inputs[i].spec.name, s->temps[i].celsius, a,
					 s->cfg.inputs[i].curve);
		else
			ctl_reply_printf(rep, "  %-8s    n/a     (%s)\n",
					 s->cfg.inputs[i].spec.name, errname(err));
	}
	if (st.calibrating)
		ctl_reply_printf(rep, "calibration: running (%s, %.0f%%)\n",
				 fancal_phase_name(run->phase), run->duty);
	else if (cal->max_rpm > 0)
		ctl_reply_printf(rep,
				 "calibration: start %.0f%%, min %.0f%% (%.0f rpm), max %.0f rpm\n",
				 cal->start_duty, cal->min_duty, cal->min_rpm, cal->max_rpm);
	else
		ctl_reply_printf(rep, "calibration: none (run `h2box fan calibrate`)\n");
	if (s->cal_msg[0] && st.mode != FANCTL_CALIBRATE)
		ctl_reply_printf(rep, "last calibration: %s\n", s->cal_msg);
}

/* ---- `h2box fan ...` ---- */

/* "--opt VALUE" or "--opt=VALUE" at argv[i]; returns the value and advances *i. */
static const char *opt_value(const struct ctl_request *req, int *i, const char *opt)
{
	size_t n = strlen(opt);
	const char *a = req->argv[*i];

	if (strcmp(a, opt) == 0) {
		if (*i + 1 >= req->argc)
			return NULL;
		*i += 1;
		return req->argv[*i];
	}
	if (strncmp(a, opt, n) == 0 && a[n] == '=')
		return a + n + 1;
	return NULL;
}

static void reply_ok(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep,
		     const char *msg)
{
	if (req->json) {
		struct json *j = ctl_reply_json(rep);

		json_string(j, "message", msg); /* "ok" is the reply's own first member */
		status_members(s, j);
	} else {
		ctl_reply_printf(rep, "%s\n", msg);
	}
}

static int cmd_set(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	int64_t for_ns = 0, now = loop_now(s->b->loop);
	char err[96], msg[160], d[32];
	double pct;
	const char *v;
	int i;

	if (req->argc < 3 || parse_percent(req->argv[2], 0, 100, &pct, err, sizeof(err)) < 0) {
		ctl_reply_error(rep, 2, "fan set: %s\n%s",
				req->argc < 3 ? "missing PCT" : err, fan_usage);
		return 0;
	}
	for (i = 3; i < req->argc; i++) {
		v = opt_value(req, &i, "--for");
		if (!v || parse_duration_ns(v, HW_NSEC_PER_SEC, MANUAL_FOR_MAX_NS, &for_ns, err,
					    sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "fan set: %s\n%s", v ? err : "bad argument",
					fan_usage);
			return 0;
		}
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	fanctl_manual_set(s->ctl, pct, for_ns, now);
	if (for_ns)
		snprintf(msg, sizeof(msg), "fan: manual %.0f%% for %s (never below the critical "
			 "override)", pct, parse_format_duration(for_ns, d, sizeof(d)));
	else
		snprintf(msg, sizeof(msg), "fan: manual %.0f%% until `fan auto` (never below the "
			 "critical override)", pct);
	log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=fan-manual", "H2BOX_STATE=set", NULL },
		  "%s, by uid %u", msg, (unsigned)req->uid);
	reply_ok(s, req, rep, msg);
	return 0;
}

static int cmd_profile(struct fan_svc *s, const struct ctl_request *req, struct ctl_reply *rep)
{
	int until = -1, i, r;
	char err[96], msg[160];
	const char *v;

	if (req->argc < 3) {
		ctl_reply_error(rep, 2, "fan profile: missing NAME\n%s", fan_usage);
		return 0;
	}
	for (i = 3; i < req->argc; i++) {
		v = opt_value(req, &i, "--until");
		if (!v || parse_time_of_day(v, &until, err, sizeof(err)) < 0) {
			ctl_reply_error(rep, 2, "fan profile: %s\n%s", v ? err : "bad argument",
					fan_usage);
			return 0;
		}
	}
	if (fansched_profile_find(&s->cfg.sched, req->argv[2]) < 0) {
		char known[FANSCHED_PROFILES_MAX * (FANSCHED_NAME_MAX + 1)] = "";
		size_t n = 0;

		for (int k = 0; k < s->cfg.sched.nprofiles && n < sizeof(known); k++)
			n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", k ? ", " : "",
					      s->cfg.sched.profiles[k].name);
		ctl_reply_error(rep, 2, "fan profile: unknown profile '%.40s' (known: %s)",
				req->argv[2], known);
		return 0;
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	r = fanctl_profile_force(s->ctl, req->argv[2], until, loop_real_now(s->b->loop));
	if (r < 0) {
		ctl_reply_error(rep, 1, "fan profile: %s", errname(r));
		return 0;
	}
	if (until >= 0)
		snprintf(msg, sizeof(msg), "fan: profile %s until %02d:%02d", req->argv[2],
			 until / 60, until % 60);
	else
		snprintf(msg, sizeof(msg), "fan: profile %s until `fan auto`", req->argv[2]);
	log_event(LOG_NOTICE, (const char *[]){ "H2BOX_EVENT=fan-profile", NULL },
		  "%s, by uid %u", msg, (unsigned)req->uid);
	reply_ok(s, req, rep, msg);
	return 0;
}

static int fan_cmd(const struct ctl_request *req, struct ctl_reply *rep, void *userdata)
{
	struct fan_svc *s = userdata;
	const char *sub = req->argc >= 2 ? req->argv[1] : "status";
	char msg[sizeof(s->cal_path) + 120];
	int r;

	if (strcmp(sub, "status") == 0) {
		if (req->argc > 2) {
			ctl_reply_error(rep, 2, "%s", fan_usage);
			return 0;
		}
		if (req->json)
			status_members(s, ctl_reply_json(rep));
		else if (!s->cfg.enabled)
			fan_svc_status_text(s, rep);
		else
			status_text_full(s, rep);
		return 0;
	}
	if (strcmp(sub, "auto") != 0 && strcmp(sub, "set") != 0 && strcmp(sub, "profile") != 0 &&
	    strcmp(sub, "calibrate") != 0) {
		ctl_reply_error(rep, 2, "%s", fan_usage);
		return 0;
	}
	if (!s->cfg.enabled) {
		ctl_reply_error(rep, 1, "fan control is disabled ([fan] enabled = no)");
		return 0;
	}
	if (strcmp(sub, "set") == 0)
		return cmd_set(s, req, rep);
	if (strcmp(sub, "profile") == 0)
		return cmd_profile(s, req, rep);
	if (req->argc > 2) {
		ctl_reply_error(rep, 2, "%s", fan_usage);
		return 0;
	}
	if (!ctl_require_privilege(req, rep))
		return 0;
	if (strcmp(sub, "auto") == 0) {
		fanctl_auto(s->ctl);
		snprintf(msg, sizeof(msg), "fan: automatic, profile from the schedule");
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=fan-manual", "H2BOX_STATE=auto", NULL },
			  "%s, by uid %u", msg, (unsigned)req->uid);
		reply_ok(s, req, rep, msg);
		return 0;
	}
	/* calibrate */
	if (!s->fan) {
		ctl_reply_error(rep, 1, "fan calibrate: controller chip %s not available",
				s->cfg.chip);
		return 0;
	}
	if (s->idle) {
		ctl_reply_error(rep, 3, "fan calibrate: the box is powered off");
		return 0;
	}
	r = fanctl_calibrate_start(s->ctl, loop_now(s->b->loop));
	if (r == -EALREADY) {
		ctl_reply_error(rep, 3, "fan calibrate: a calibration is already running");
		return 0;
	}
	if (r < 0) {
		ctl_reply_error(rep, 3, "fan calibrate: refused while %s (cooling comes first)",
				s->out.failsafe ? "in failsafe"
				: s->out.stalled ? "stalled" : "a temperature override is active");
		return 0;
	}
	s->cal_msg[0] = '\0';
	snprintf(msg, sizeof(msg), "fan: calibration started (a few minutes; the fan stops once); "
		 "see `h2box fan status`; results go to %s", s->cal_path);
	log_state(LOG_NOTICE, "fan-calibration", "start", msg + 5);
	reply_ok(s, req, rep, msg);
	return 0;
}

/* ---- life cycle ---- */

void fan_svc_floor_set(struct fan_svc *s, double pct)
{
	if (!s)
		return;
	s->floor_pct = isfinite(pct) && pct > 0 ? fmin(pct, 100.0) : 0.0;
}

static void svc_close(struct fan_svc *s, enum nic_fan_on_exit how)
{
	loop_timer_free(s->timer);
	for (int i = 0; i < FAN_INPUTS_MAX; i++)
		temp_input_free(s->in[i]);
	nic_fan_close(s->fan, how);
	fanctl_free(s->ctl);
	s->b->readings.fan_duty_pct = NAN;
	s->b->readings.fan_duty_actual_pct = NAN;
	s->b->readings.fan_rpm = NAN;
	free(s);
}

int fan_svc_new(struct box *b, const struct fan_config *cfg, struct fan_svc **out)
{
	struct fan_calibration cal;
	struct fan_svc *s;
	char d[32];
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b = b;
	s->cfg = *cfg;
	s->rpm = NAN;
	s->chip_backoff_ns = CHIP_BACKOFF_MIN_NS;
	b->readings.fan_duty_pct = NAN;
	b->readings.fan_duty_actual_pct = NAN;
	b->readings.fan_rpm = NAN;
	cal_path_resolve(s);
	r = fanctl_new(&s->cfg, &s->ctl);
	if (r < 0)
		goto fail;
	r = cal_load(s, &cal);
	if (r == 0) {
		fanctl_calibration_set(s->ctl, &cal);
		log_info("fan: calibration from %s: start %.0f%%, min %.0f%%, max %.0f rpm",
			 s->cal_path, cal.start_duty, cal.min_duty, cal.max_rpm);
	} else if (r != -ENOENT) {
		log_warn(r, "fan: ignoring calibration file %s", s->cal_path);
	}
	for (int i = 0; i < s->cfg.ninputs; i++) {
		s->temps[i].celsius = NAN;
		r = temp_input_new(b->hw, &s->cfg.inputs[i].spec, &s->in[i]);
		if (r < 0)
			goto fail;
	}
	r = ctl_command_register(b->ctl, "fan",
				 "status|auto|set PCT [--for D]|profile NAME [--until HH:MM]|"
				 "calibrate: the NIC fan", fan_cmd, s);
	if (r < 0)
		goto fail;
	if (!s->cfg.enabled) {
		log_info("fan: disabled in the profile");
		*out = s;
		return 0;
	}
	/* full duty from the first moment; the first cycle decides */
	chip_try_open(s, loop_now(b->loop));
	r = loop_timer_new(b->loop, "fan", timer_fn, s, &s->timer);
	if (r < 0)
		goto fail;
	loop_timer_arm_in(s->timer, 0);
	log_info("fan: %d input(s), period %s, failsafe %.0f%%, on exit %s", s->cfg.ninputs,
		 parse_format_duration(s->cfg.period_ns, d, sizeof(d)), s->cfg.failsafe_duty,
		 nic_fan_on_exit_name(s->cfg.on_exit));
	*out = s;
	return 0;

fail:
	/* a failed start is a failure path: leave the fan at full duty */
	svc_close(s, NIC_FAN_EXIT_FULL);
	return r;
}

void fan_svc_free(struct fan_svc *s)
{
	if (!s)
		return;
	if (s->b->ctl)
		ctl_command_unregister(s->b->ctl, "fan");
	svc_close(s, s->cfg.on_exit);
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(fan_svc, "fan", fan, fan, true);
