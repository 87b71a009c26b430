/* fan-svc-status.c - the fan service's status: `h2box fan status` text, its JSON members. */
#include "supervisor/services/fan-svc.h"
#include "supervisor/services/fan-svc-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hw/clock.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/timefmt.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/prom.h"

const char *fan_svc_status_errname(int err)
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

const char *fan_svc_status_profile_name(const struct fan_svc *s, int p)
{
	return p >= 0 && p < s->cfg.sched.nprofiles ? s->cfg.sched.profiles[p].name : "?";
}

/* "22:00" for a schedule's change, "?" when unknown */
static void fan_svc_status_hhmm(char *buf, size_t len, int64_t wall_ns)
{
	timefmt_local(wall_ns, "%H:%M", buf, len);
}

int fan_svc_status_input_error(const struct fan_svc *s, int i, int64_t now)
{
	int r = s->temps[i].off ? FAN_SVC_ERR_UNPOWERED : s->in_err[i];

	if (r == 0)
		r = fanctl_reading_check(&s->cfg, i, &s->temps[i], now);
	return r;
}

const char *fan_svc_status_decided_by(const struct fan_svc *s)
{
	if (s->idle || !s->cfg.enabled)
		return NULL;
	/* from the chip's open to the first step the driver holds full duty: the failsafe's */
	return s->have_out ? fanctl_why_name(s->out.why) : "failsafe";
}

void fan_svc_status_members(struct fan_svc *s, struct json *j)
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
	json_string(j, "profile", st.profile >= 0 ? fan_svc_status_profile_name(s, st.profile) : NULL);
	json_string(j, "profile_source", st.profile_forced ? "forced" : "schedule");
	if (st.profile_forced && st.force_until_wall_ns > 0) {
		fan_svc_status_hhmm(hhmm, sizeof(hhmm), st.force_until_wall_ns);
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
	json_string(j, "floor_reason", s->floor_pct > 0 ? s->floor_reason : NULL);
	json_string(j, "decided_by", fan_svc_status_decided_by(s));
	json_array_begin(j, "inputs");
	for (int i = 0; i < s->cfg.ninputs; i++) {
		int err = fan_svc_status_input_error(s, i, now);

		json_object_begin(j, NULL);
		json_string(j, "name", s->cfg.inputs[i].spec.name);
		json_number(j, "temp_c", err == 0 ? s->temps[i].celsius : NAN, 1);
		json_bool(j, "valid", err == 0);
		json_string(j, "error", err ? fan_svc_status_errname(err) : NULL);
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
	fan_svc_status_members(s, j);
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

/* "auto, profile quiet (schedule until 07:00)[, override][, STALLED][, floor 100%]" */
static void mode_line(struct fan_svc *s, char *buf, size_t len)
{
	struct fanctl_status st;
	char until[32] = "", hhmm[16], floor[24] = "";

	fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
	if (st.profile_forced) {
		if (st.force_until_wall_ns > 0) {
			fan_svc_status_hhmm(hhmm, sizeof(hhmm), st.force_until_wall_ns);
			snprintf(until, sizeof(until), " until %s", hhmm);
		} else {
			snprintf(until, sizeof(until), " until fan auto");
		}
	}
	if (s->floor_pct > 0)
		snprintf(floor, sizeof(floor), ", floor %.0f%%", s->floor_pct);
	snprintf(buf, len, "%s, profile %s (%s%s)%s%s%s",
		 s->idle ? "idle (power off)" : s->have_out ? fanctl_mode_name(st.mode) : "starting",
		 st.profile >= 0 ? fan_svc_status_profile_name(s, st.profile) : "?",
		 st.profile_forced ? "forced" : "schedule", until,
		 s->out.override ? ", override" : "", s->out.stalled ? ", STALLED" : "", floor);
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

void fan_svc_status_full(struct fan_svc *s, struct ctl_reply *rep)
{
	const struct fan_calibration *cal = fanctl_calibration(s->ctl);
	const struct fancal *run = fanctl_calibration_run(s->ctl);
	int64_t now = loop_now(s->b->loop);
	struct fanctl_status st;
	const char *why = fan_svc_status_decided_by(s);
	char mode[160], a[24], b[24], d[32], held[32], cap[64] = "", by[32] = "";

	fanctl_status_get(s->ctl, loop_real_now(s->b->loop), &st);
	mode_line(s, mode, sizeof(mode));
	ctl_reply_printf(rep, "mode: %s\n", mode);
	fmt_duty(s, a, sizeof(a), held, sizeof(held));
	if (st.profile >= 0 && s->cfg.sched.profiles[st.profile].cap < 100)
		snprintf(cap, sizeof(cap), "cap %.0f%%%s", s->cfg.sched.profiles[st.profile].cap,
			 s->out.override ? ", lifted by temperature" : "");
	if (why)
		snprintf(by, sizeof(by), "set by %s", why);
	/* "duty: 47% (chip holds 50%; cap 60%; set by curve)": what holds it there, last */
	if (held[0] || cap[0] || by[0])
		ctl_reply_printf(rep, "duty: %s (%s%s%s%s%s)\n", a, held,
				 held[0] && cap[0] ? "; " : "", cap,
				 (held[0] || cap[0]) && by[0] ? "; " : "", by);
	else
		ctl_reply_printf(rep, "duty: %s\n", a);
	if (s->floor_pct > 0)
		ctl_reply_printf(rep, "floor: %.0f%% (%s)\n", s->floor_pct, s->floor_reason);
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
				 s->cfg.pwm, fan_svc_status_errname(s->chip_err));
	ctl_reply_printf(rep, "inputs:\n");
	for (int i = 0; i < s->cfg.ninputs; i++) {
		int err = fan_svc_status_input_error(s, i, now);

		fmt_pct(a, sizeof(a), s->have_out ? s->out.demand[i] : NAN);
		if (err == 0)
			ctl_reply_printf(rep, "  %-8s %6.1f C  -> %s (curve %s)\n",
					 s->cfg.inputs[i].spec.name, s->temps[i].celsius, a,
					 s->cfg.inputs[i].curve);
		else
			ctl_reply_printf(rep, "  %-8s    n/a     (%s)\n",
					 s->cfg.inputs[i].spec.name, fan_svc_status_errname(err));
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

/*
 * Duties as ratios 0..1 (Prometheus' base unit; node_exporter's hwmon pwm is 0..255): commanded
 * is what fanctl decided, held what the chip reads back.  Temperatures by input name: a failed
 * input is NaN, an unpowered one is left out (unknown by design, box.h).
 */
void fan_svc_metrics(struct fan_svc *s, struct prom *p)
{
	int64_t now = loop_now(s->b->loop);
	bool known = s->fan && s->have_out && !s->idle;

	prom_family(p, "h2box_fan_duty_ratio", PROM_GAUGE,
		    "Fan duty commanded by h2box, 0 to 1.");
	prom_family(p, "h2box_fan_duty_held_ratio", PROM_GAUGE,
		    "Fan duty the fan controller holds (read back), 0 to 1.");
	prom_family(p, "h2box_fan_speed_rpm", PROM_GAUGE, "Fan speed from its tachometer.");
	prom_family(p, "h2box_fan_failsafe", PROM_GAUGE,
		    "The fan runs the failsafe duty (1): an input it needs is unreadable.");
	prom_family(p, "h2box_temperature_celsius", PROM_GAUGE,
		    "Temperature by profile input name; NaN when the sensor fails.");
	prom_family(p, "h2box_control_cycle_duration_seconds", PROM_GAUGE,
		    "Real time the last control cycle (the fan loop) took.");
	if (!s->cfg.enabled)
		return;
	prom_sample(p, "h2box_fan_duty_ratio", known ? s->out.duty / 100.0 : NAN, NULL);
	prom_sample(p, "h2box_fan_duty_held_ratio",
		    known ? nic_fan_duty_held(s->fan) / 100.0 : NAN, NULL);
	prom_sample(p, "h2box_fan_speed_rpm", s->idle ? NAN : s->rpm, NULL);
	prom_sample(p, "h2box_fan_failsafe", !s->idle && (s->have_out ? s->out.failsafe : true),
		    NULL);
	for (int i = 0; i < s->cfg.ninputs; i++) {
		const char *name = s->cfg.inputs[i].spec.name;
		const struct box_temp *bt = box_temp_find(s->b, name);
		int err = fan_svc_status_input_error(s, i, now);

		if (bt && bt->off)
			continue;
		prom_sample(p, "h2box_temperature_celsius", err == 0 ? s->temps[i].celsius : NAN,
			    "input", name, NULL);
	}
	if (s->cycle_cost_ns > 0)
		prom_sample(p, "h2box_control_cycle_duration_seconds",
			    (double)s->cycle_cost_ns / HW_NSEC_PER_SEC, NULL);
}
