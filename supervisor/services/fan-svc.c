/* fan-svc.c - the NIC fan service's wiring: inputs, fanctl, the PWM chip, alarms, its timer. */
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/fan-svc-priv.h"

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
#include "hw/hwmon.h"
#include "supervisor/config/profile.h"
#include "supervisor/policy/fanctl.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/alarm.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/statefile.h"
#include "supervisor/runtime/svc.h"

#define CHIP_BACKOFF_MIN_NS HW_NSEC_PER_SEC
#define CHIP_BACKOFF_MAX_NS (60 * HW_NSEC_PER_SEC)

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
		    fan_svc_status_errname(err));
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
			    s->cfg.chip, fan_svc_status_errname(r),
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
				    ic->spec.name, fan_svc_status_errname(fan_svc_status_input_error(s, i, now)),
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
					      fan_svc_status_errname(fan_svc_status_input_error(s, i, now)));
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
		snprintf(msg, sizeof(msg), "%s (%s)", fan_svc_status_profile_name(s, o->profile),
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
			 i >= 0 ? s->temps[i].celsius : NAN, fan_svc_status_profile_name(s, o->profile),
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

/* The tach's answer: its alarm on the first failure, cleared on the first good read after. */
static void tach_update(struct fan_svc *s, int r)
{
	if (r < 0 && s->tach_err == 0)
		alarm_raise(s->b, "fan-tach", ALARM_WARN, NAN,
			    "NIC fan tach unreadable (%s): no stall detection", fan_svc_status_errname(r));
	else if (r == 0 && s->tach_err < 0)
		alarm_clear(s->b, "fan-tach");
	s->tach_err = r;
}

_Static_assert(NIC_FAN_READ_REQS + FAN_INPUTS_MAX <= HW_HWMON_QUERIES_MAX,
	       "a cycle's reads fit one batch");

/*
 * The cycle's reads in one batch (with_fan: the chip's tach, held duty and mode too): every
 * chip's worker gets its share at once and the loop waits once, under one deadline.
 */
static void read_all(struct fan_svc *s, int64_t now, bool with_fan)
{
	struct hw_hwmon_read_req req[NIC_FAN_READ_REQS + FAN_INPUTS_MAX];
	int at[FAN_INPUTS_MAX], err[FAN_INPUTS_MAX];
	unsigned n = 0;
	bool fan = with_fan && s->fan;

	s->rpm = NAN;
	if (fan)
		n = nic_fan_read_reqs(s->fan, req);
	for (int i = 0; i < s->cfg.ninputs; i++) {
		at[i] = -1;
		/* an unpowered part is not read: unknown, never its last value */
		s->temps[i].off = input_unpowered(s, i);
		if (s->temps[i].off)
			continue;
		err[i] = temp_input_req(s->in[i], now, &req[n]);
		if (err[i] == 0)
			at[i] = (int)n++;
	}
	if (n)
		(void)hw_hwmon_read_batch(s->b->hw, req, n);
	if (fan)
		tach_update(s, nic_fan_read_take(s->fan, req, &s->rpm));
	for (int i = 0; i < s->cfg.ninputs; i++) {
		double c = NAN;
		int r;

		if (s->temps[i].off) {
			s->in_err[i] = 0;
			s->temps[i].celsius = NAN;
			box_temp_set_off(s->b, s->cfg.inputs[i].spec.name);
			continue;
		}
		r = at[i] >= 0 ? temp_input_take(s->in[i], &req[at[i]], &c) : err[i];
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

/* Blind: the chip unreachable and a required input invalid (see fan_svc_blind_get()). */
static void blind_update(struct fan_svc *s, int64_t now)
{
	bool was = s->blind;
	int n, e;

	s->blind = false;
	if (s->idle || s->fan)
		return;
	n = snprintf(s->blind_why, sizeof(s->blind_why), "fan chip %s (%s)", s->cfg.chip,
		     fan_svc_status_errname(s->chip_err));
	for (int i = 0; i < s->cfg.ninputs; i++) {
		if (!s->cfg.inputs[i].required || s->temps[i].off)
			continue;
		e = fan_svc_status_input_error(s, i, now);
		if (e == 0)
			continue;
		s->blind = true;
		if (n > 0 && n < (int)sizeof(s->blind_why))
			n += snprintf(s->blind_why + n, sizeof(s->blind_why) - (size_t)n,
				      ", input %s (%s)", s->cfg.inputs[i].spec.name,
				      fan_svc_status_errname(e));
	}
	if (s->blind && !was)
		s->blind_since_ns = now;
}

void fan_svc_blind_get(const struct fan_svc *s, struct fan_svc_blind *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || !s->blind)
		return;
	out->blind = true;
	out->since_ns = s->blind_since_ns;
	out->poweroff_after_ns = s->cfg.blind_poweroff_ns;
	snprintf(out->why, sizeof(out->why), "%s", s->blind_why);
}

static void fan_cycle(struct fan_svc *s, int64_t now)
{
	struct fanctl_input in = {
		.now_ns = now,
		.wall_ns = loop_real_now(s->b->loop),
		.temps = s->temps,
		/* pushed by fan_svc_floor_set() (a thermal alarm asking for full cooling) */
		.floor_pct = s->floor_pct,
	};
	int r;

	if (s->b->power_off) {
		if (!s->idle)
			idle_enter(s);
		s->blind = false;
		/* the fan's side is dark: its inputs read unknown; the H2's may still run */
		read_all(s, now, false);
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
	read_all(s, now, true);
	in.rpm = s->rpm;
	/*
	 * stall detection judges the duty the fan got through the period the tach reflects: pwmN
	 * as read with the tach, before this cycle's write
	 */
	in.held_pct = s->fan && s->have_out ? nic_fan_duty_held(s->fan) : NAN;
	in.held = isfinite(in.held_pct);
	fanctl_step(s->ctl, &in, &s->out);
	s->have_out = true;
	if (s->fan) {
		r = nic_fan_duty_set(s->fan, s->out.duty);
		if (r == 1)
			log_state(LOG_WARNING, "fan-chip", "reasserted",
				  "pwm_enable changed behind our back; manual mode re-asserted");
		/*
		 * a failed read-back (or the last posted write reported failed with it) is a chip
		 * failure like a failed write: full duty, alarm
		 */
		if (r < 0)
			chip_lost(s, r, now);
		else
			chip_differs_note(s);
	}
	blind_update(s, now);
	s->b->readings.fan_duty_pct = s->fan ? s->out.duty : NAN;
	s->b->readings.fan_duty_actual_pct = s->fan ? nic_fan_duty_held(s->fan) : NAN;
	s->b->readings.fan_rpm = s->rpm;
	handle_events(s, &s->out, now);
}

static void timer_fn(struct loop_timer *t, int64_t now_ns, void *userdata)
{
	struct fan_svc *s = userdata;
	struct timespec t0, t1;

	/* what the cycle costs in real time (the sim's clock stands still inside it): metrics */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fan_cycle(s, now_ns);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->cycle_cost_ns = (t1.tv_sec - t0.tv_sec) * HW_NSEC_PER_SEC + (t1.tv_nsec - t0.tv_nsec);
	/* the fan loop is the daemon's control cycle: its completion feeds the systemd watchdog */
	box_cycle_done(s->b, now_ns);
	loop_timer_arm_next(t, s->cfg.period_ns);
}

/* ---- life cycle ---- */

void fan_svc_floor_set(struct fan_svc *s, double pct, const char *reason)
{
	double floor;
	char d[48];

	if (!s)
		return;
	floor = isfinite(pct) && pct > 0 ? fmin(pct, 100.0) : 0.0;
	if (floor == 0.0)
		reason = NULL;
	/* callers may push every cycle: log the changes only */
	if (floor == s->floor_pct && strcmp(reason ? reason : "", s->floor_reason) == 0)
		return;
	s->floor_pct = floor;
	snprintf(s->floor_reason, sizeof(s->floor_reason), "%s",
		 reason ? reason : (floor > 0 ? "requested" : ""));
	snprintf(d, sizeof(d), "H2BOX_DUTY_PCT=%.0f", floor);
	if (floor > 0)
		log_event(LOG_WARNING,
			  (const char *[]){ "H2BOX_EVENT=fan-floor", "H2BOX_STATE=set", d, NULL },
			  "fan: floor %.0f%% (%s): the duty never goes below it", floor,
			  s->floor_reason);
	else
		log_event(LOG_NOTICE,
			  (const char *[]){ "H2BOX_EVENT=fan-floor", "H2BOX_STATE=clear", d, NULL },
			  "fan: floor cleared");
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
	r = ctl_command_register(b->ctl, "fan", fan_svc_verbs_help, fan_svc_verbs_run, s);
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
	ctl_command_unregister(s->b->ctl, "fan");
	svc_close(s, s->cfg.on_exit);
}

/* the daemon's entry points (runtime/svc.h) */
SVC_OPS_DEFINE(fan_svc, "fan", fan, fan, true);
