/* test_fanctl.c - control steps: failsafe, override, manual, stall, calibration, config errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervisor/config/fan-config.h"
#include "supervisor/policy/fanctl.h"

#define S INT64_C(1000000000)

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			 .tm_min = mi };

	return (int64_t)timegm(&tm) * S;
}

/* A virtual box: one period per step, readings taken "now" unless made stale. */
struct rig {
	struct fan_config cfg;
	struct fanctl *ctl;
	struct fanctl_reading temps[FAN_INPUTS_MAX];
	int64_t now, wall;
	double rpm;
	bool held;       /* the chip's read-back of the last period (held_pct) is known */
	double held_pct;
	struct fanctl_output out;
};

static void set(struct fan_config *c, const char *section, const char *key, const char *value)
{
	char err[200] = "";

	if (fan_config_set(c, section, key, value, 1, err, sizeof(err)) != 0)
		fail_msg("%s.%s = %s: %s", section, key, value, err);
}

static struct rig *rig_new(void (*tune)(struct fan_config *))
{
	struct rig *r = calloc(1, sizeof(*r));
	char err[200];
	int line;

	assert_non_null(r);
	fan_config_defaults(&r->cfg);
	/* no slew or kick unless a test asks: exact duties are easier to check */
	set(&r->cfg, "curve default", "slew_up", "0");
	set(&r->cfg, "curve default", "slew_down", "0");
	set(&r->cfg, "curve default", "kick_time", "0");
	if (tune)
		tune(&r->cfg);
	assert_int_equal(fan_config_validate(&r->cfg, &line, err, sizeof(err)), 0);
	assert_int_equal(fanctl_new(&r->cfg, &r->ctl), 0);
	r->now = 100 * S;
	r->wall = utc(2026, 6, 10, 12, 0); /* 14:00 in Paris, balanced */
	r->rpm = NAN;
	return r;
}

static void rig_free(struct rig *r)
{
	fanctl_free(r->ctl);
	free(r);
}

/* One period: input 0 reads t (NAN = failed) now. */
static const struct fanctl_output *step(struct rig *r, double t)
{
	struct fanctl_input in = { .now_ns = r->now, .wall_ns = r->wall, .temps = r->temps,
				   .rpm = r->rpm, .held = r->held, .held_pct = r->held_pct };

	r->temps[0].celsius = t;
	if (!isnan(t))
		r->temps[0].updated_ns = r->now;
	fanctl_step(r->ctl, &in, &r->out);
	r->now += r->cfg.period_ns;
	r->wall += r->cfg.period_ns;
	return &r->out;
}

static int paris_setup(void **state)
{
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return 0;
}

static void test_failsafe_until_first_valid(void **state)
{
	struct rig *r = rig_new(NULL);
	const struct fanctl_output *o;

	o = step(r, NAN);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	assert_float_equal(o->duty, 100, 1e-9);
	assert_true(o->input_bad & 1);
	assert_true(o->events & FANCTL_EV_INPUT);
	o = step(r, NAN);
	assert_float_equal(o->duty, 100, 1e-9);
	assert_false(o->events & FANCTL_EV_INPUT); /* no repeat */
	/* the first valid reading ends the start-up failsafe at once */
	o = step(r, 40);
	assert_int_equal(o->mode, FANCTL_AUTO);
	assert_true(o->events & FANCTL_EV_FAILSAFE_EXIT);
	assert_true(o->events & FANCTL_EV_MODE);
	assert_float_equal(o->duty, 30, 1e-9); /* 30:20 .. 45:35 */
	rig_free(r);
}

static void test_failsafe_entry_and_exit(void **state)
{
	struct rig *r = rig_new(NULL);
	const struct fanctl_output *o;

	step(r, 40);
	/* invalid -> failsafe within the same period */
	o = step(r, NAN);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	assert_true(o->events & FANCTL_EV_FAILSAFE_ENTER);
	assert_float_equal(o->duty, 100, 1e-9);
	/* after a fault it takes recover_readings good cycles (3) to leave */
	assert_int_equal(step(r, 40)->mode, FANCTL_FAILSAFE);
	assert_int_equal(step(r, 40)->mode, FANCTL_FAILSAFE);
	o = step(r, 40);
	assert_int_equal(o->mode, FANCTL_AUTO);
	assert_true(o->events & FANCTL_EV_FAILSAFE_EXIT);
	assert_float_equal(o->duty, 30, 1e-9);

	/* out of range (a disconnected sensor reading 255 C, or -40) */
	o = step(r, 200);
	assert_true(o->events & FANCTL_EV_FAILSAFE_ENTER);
	assert_float_equal(o->duty, 100, 1e-9);
	step(r, 40), step(r, 40), step(r, 40);
	assert_int_equal(r->out.mode, FANCTL_AUTO);
	o = step(r, -40);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	step(r, 40), step(r, 40), step(r, 40);

	/* stale: the value stays, its timestamp ages past stale_after (2 s) */
	r->temps[0].celsius = 40;
	int64_t t0 = r->temps[0].updated_ns;
	struct fanctl_input in = { .temps = r->temps, .rpm = NAN, .wall_ns = r->wall };

	in.now_ns = t0 + 2 * S;
	fanctl_step(r->ctl, &in, &r->out);
	assert_int_equal(r->out.mode, FANCTL_AUTO);
	in.now_ns = t0 + 3 * S; /* the very next period */
	fanctl_step(r->ctl, &in, &r->out);
	assert_int_equal(r->out.mode, FANCTL_FAILSAFE);
	assert_true(r->out.events & FANCTL_EV_FAILSAFE_ENTER);
	assert_int_equal(fanctl_reading_check(&r->cfg, 0, &r->temps[0], in.now_ns), -ESTALE);
	rig_free(r);
}

static void tune_two_inputs(struct fan_config *c)
{
	set(c, "input nic", "chip", "lm75-*");
	set(c, "input nic", "label", "temp1");
	set(c, "input disk", "chip", "drivetemp-*");
	set(c, "input disk", "label", "temp1");
	set(c, "input disk", "required", "no");
	set(c, "input disk", "curve", "disk");
	set(c, "curve disk", "points", "30:10 50:90");
	set(c, "curve disk", "slew_up", "0");
	set(c, "curve disk", "slew_down", "0");
	set(c, "curve disk", "kick_time", "0");
}

static void test_highest_demand_and_optional_input(void **state)
{
	struct rig *r = rig_new(tune_two_inputs);
	const struct fanctl_output *o;

	assert_int_equal(r->cfg.ninputs, 2); /* the built-in "nic" was replaced */
	r->temps[1] = (struct fanctl_reading){ 45, r->now, false };
	o = step(r, 40); /* nic 30 %, disk 70 % */
	assert_float_equal(o->demand[0], 30, 1e-9);
	assert_float_equal(o->demand[1], 70, 1e-9);
	assert_float_equal(o->duty, 70, 1e-9);
	/* an optional input failing drops out without failsafe */
	r->temps[1].celsius = NAN;
	o = step(r, 40);
	assert_int_equal(o->mode, FANCTL_AUTO);
	assert_true(o->input_bad & 2);
	assert_true(o->input_changed & 2);
	assert_float_equal(o->duty, 30, 1e-9);
	rig_free(r);
}

static void test_override_lifts_quiet_cap(void **state)
{
	struct rig *r = rig_new(NULL);
	const struct fanctl_output *o;

	assert_int_equal(fanctl_profile_force(r->ctl, "quiet", -1, r->wall), 0);
	o = step(r, 60); /* curve 80 %, quiet cap 40 % */
	assert_float_equal(o->duty, 40, 1e-9);
	assert_false(o->override);
	o = step(r, 64.9);
	assert_float_equal(o->duty, 40, 1e-9);
	/* at the override temperature the cap goes, and says so once */
	o = step(r, 65);
	assert_true(o->override);
	assert_int_equal(o->why, FANCTL_WHY_OVERRIDE);
	assert_true(o->events & FANCTL_EV_OVERRIDE_ON);
	assert_int_equal(o->override_input, 0);
	assert_float_equal(o->duty, 100, 1e-9);
	o = step(r, 66);
	assert_false(o->events & FANCTL_EV_OVERRIDE_ON);
	/* it returns only override_hysteresis (3 C) below */
	o = step(r, 62.5);
	assert_true(o->override);
	assert_true(o->duty > 40);
	o = step(r, 61.9);
	assert_false(o->override);
	assert_true(o->events & FANCTL_EV_OVERRIDE_OFF);
	assert_float_equal(o->duty, 40, 1e-9);
	rig_free(r);
}

static void tune_input_override(struct fan_config *c)
{
	set(c, "input nic", "chip", "lm75-*");
	set(c, "input nic", "label", "temp1");
	set(c, "input nic", "override_temp", "70");
	set(c, "fanprofile quiet", "override_temp", "65");
}

/* The lower of the input's and the active profile's override_temp lifts the cap. */
static void test_override_lower_of_input_and_profile(void **state)
{
	struct rig *r = rig_new(tune_input_override);
	int quiet = fansched_profile_find(&r->cfg.sched, "quiet");
	int balanced = fansched_profile_find(&r->cfg.sched, "balanced");

	assert_float_equal(fanctl_override_temp(&r->cfg, 0, quiet), 65, 1e-9);
	assert_float_equal(fanctl_override_temp(&r->cfg, 0, balanced), 70, 1e-9);
	/* quiet at night: its 65 C is not shadowed by the input's 70 C */
	assert_int_equal(fanctl_profile_force(r->ctl, "quiet", -1, r->wall), 0);
	assert_false(step(r, 64)->override);
	assert_true(step(r, 65)->override);
	assert_float_equal(r->out.duty, 100, 1e-9);
	/* balanced (75 C): the input's own 70 C is lower and applies */
	assert_int_equal(fanctl_profile_force(r->ctl, "balanced", -1, r->wall), 0);
	assert_false(step(r, 60)->override);
	assert_false(step(r, 69)->override);
	assert_true(step(r, 70)->override);
	rig_free(r);
}

static void tune_sched(struct fan_config *c)
{
	set(c, "fanschedule", "quiet", "22:30-07:00");
}

static void test_schedule_and_forced_profile(void **state)
{
	struct rig *r = rig_new(tune_sched);
	const struct fanctl_output *o;
	struct fanctl_status st;

	r->wall = utc(2026, 6, 10, 21, 30); /* 23:30 CEST */
	o = step(r, 60);
	assert_string_equal(r->cfg.sched.profiles[o->profile].name, "quiet");
	assert_true(o->events & FANCTL_EV_PROFILE);
	assert_float_equal(o->duty, 40, 1e-9);

	/* fan profile balanced --until 01:00, then the schedule's quiet again */
	assert_int_equal(fanctl_profile_force(r->ctl, "balanced", 60, r->wall), 0);
	assert_int_equal(fanctl_profile_force(r->ctl, "nosuch", 60, r->wall), -ENOENT);
	o = step(r, 60);
	assert_string_equal(r->cfg.sched.profiles[o->profile].name, "balanced");
	assert_float_equal(o->duty, 80, 1e-9);
	fanctl_status_get(r->ctl, r->wall, &st);
	assert_true(st.profile_forced);
	assert_true(st.force_until_wall_ns == utc(2026, 6, 10, 23, 0));
	r->wall = utc(2026, 6, 10, 22, 59);
	step(r, 60);
	assert_float_equal(r->out.duty, 80, 1e-9);
	r->wall = utc(2026, 6, 10, 23, 0); /* 01:00 CEST */
	o = step(r, 60);
	assert_true(o->events & FANCTL_EV_FORCE_EXPIRED);
	assert_string_equal(r->cfg.sched.profiles[o->profile].name, "quiet");
	assert_float_equal(o->duty, 40, 1e-9);

	/* fan auto drops a forced profile */
	fanctl_profile_force(r->ctl, "full", -1, r->wall);
	assert_float_equal(step(r, 30)->duty, 100, 1e-9);
	fanctl_auto(r->ctl);
	/* hysteresis: down from 60 C the curve follows 30 + 3 C */
	assert_float_equal(step(r, 30)->duty, 23, 1e-9);
	rig_free(r);
}

static void test_manual_set_expiry_and_floor(void **state)
{
	struct rig *r = rig_new(NULL);
	const struct fanctl_output *o;

	step(r, 40);
	assert_int_equal(fanctl_manual_set(r->ctl, 101, 0, r->now), -EINVAL);
	assert_int_equal(fanctl_manual_set(r->ctl, 15, 10 * S, r->now), 0);
	o = step(r, 40);
	assert_int_equal(o->mode, FANCTL_MANUAL);
	assert_true(o->events & FANCTL_EV_MODE);
	assert_float_equal(o->duty, 15, 1e-9);
	assert_int_equal(o->why, FANCTL_WHY_MANUAL);
	/* over the critical temperature manual duty cannot hold the fan down */
	o = step(r, 76); /* balanced override_temp 75 */
	assert_int_equal(o->mode, FANCTL_MANUAL);
	assert_float_equal(o->duty, 100, 1e-9);
	assert_int_equal(o->why, FANCTL_WHY_OVERRIDE);
	step(r, 60), step(r, 40);
	assert_float_equal(r->out.duty, 15, 1e-9);
	/* expires 10 s after it was set */
	for (int i = 0; i < 6; i++)
		step(r, 40);
	assert_int_equal(r->out.mode, FANCTL_MANUAL);
	o = step(r, 40);
	assert_int_equal(o->mode, FANCTL_AUTO);
	assert_true(o->events & FANCTL_EV_MANUAL_EXPIRED);
	assert_float_equal(o->duty, 33, 1e-9); /* curve at 40 + 3 C hysteresis */

	/* a sensor fault beats a low manual duty */
	fanctl_manual_set(r->ctl, 10, 0, r->now);
	o = step(r, NAN);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	assert_float_equal(o->duty, 100, 1e-9);
	assert_int_equal(o->why, FANCTL_WHY_FAILSAFE);
	rig_free(r);
}

static void tune_slew_kick(struct fan_config *c)
{
	set(c, "curve default", "slew_up", "10");
	set(c, "curve default", "slew_down", "5");
	set(c, "curve default", "kick_time", "2s");
	set(c, "curve default", "kick_duty", "70%");
	set(c, "curve default", "stop_below", "35");
	set(c, "curve default", "hysteresis", "2");
}

static void test_output_slew_and_kick(void **state)
{
	struct rig *r = rig_new(tune_slew_kick);
	const struct fanctl_output *o;

	/* start-up: leaving the failsafe goes straight to the curve (stopped below 35 C) */
	assert_float_equal(step(r, 30)->duty, 0, 1e-9);
	for (int i = 0; i < 30; i++)
		step(r, 30);
	assert_float_equal(r->out.duty, 0, 1e-9); /* below stop_below: stopped */
	/* restart: the kick holds 70 % for 2 s, then slews down to the demand */
	o = step(r, 40);
	assert_float_equal(o->duty, 70, 1e-9);
	assert_float_equal(step(r, 40)->duty, 70, 1e-9);
	assert_float_equal(step(r, 40)->duty, 65, 1e-9);
	assert_float_equal(step(r, 40)->duty, 60, 1e-9);
	for (int i = 0; i < 20; i++)
		step(r, 40);
	assert_float_equal(r->out.duty, 30, 1e-9);
	/* up at 10 %/s */
	assert_float_equal(step(r, 65)->duty, 40, 1e-9);
	assert_float_equal(step(r, 65)->duty, 50, 1e-9);
	/* a fault jumps straight to failsafe, no slew */
	assert_float_equal(step(r, NAN)->duty, 100, 1e-9);
	rig_free(r);
}

/* The shipped SFX profile's NIC curve and night schedule. */
static void tune_night(struct fan_config *c)
{
	set(c, "curve default", "points", "35:20 45:30 55:55 65:100");
	set(c, "curve default", "slew_up", "10");
	set(c, "curve default", "slew_down", "3");
	set(c, "curve default", "hysteresis", "3");
	set(c, "fanschedule", "quiet", "22:30-07:00");
}

static void test_failsafe_exit_is_not_slewed(void **state)
{
	struct rig *r = rig_new(tune_night);
	const struct fanctl_output *o;

	r->wall = utc(2026, 6, 10, 22, 0); /* midnight in Paris: quiet, cap 40 % */
	/* power-on: no reading yet, the start-up failsafe */
	o = step(r, NAN);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	assert_float_equal(o->duty, 100, 1e-9);
	/* the first valid reading: the curve's value at once, not 3 %/s down from 100 */
	o = step(r, 45);
	assert_int_equal(o->mode, FANCTL_AUTO);
	assert_true(o->events & FANCTL_EV_FAILSAFE_EXIT);
	assert_float_equal(o->duty, 30, 1e-9);
	/* the curve's own changes are still slew-limited: 50 C (42.5 %) is quiet's 40 % cap */
	assert_float_equal(step(r, 50)->duty, 40, 1e-9);
	assert_float_equal(step(r, 40)->duty, 37, 1e-9); /* hysteresis holds 40, slew 3 %/s */

	/* a fault: failsafe at once (never less cooling), ... */
	o = step(r, NAN);
	assert_true(o->events & FANCTL_EV_FAILSAFE_ENTER);
	assert_float_equal(o->duty, 100, 1e-9);
	/* ... held for recover_readings (3) good cycles, then the curve's value at once */
	assert_float_equal(step(r, 45)->duty, 100, 1e-9);
	assert_float_equal(step(r, 45)->duty, 100, 1e-9);
	o = step(r, 45);
	assert_true(o->events & FANCTL_EV_FAILSAFE_EXIT);
	assert_float_equal(o->duty, 30, 1e-9);
	/* and the next step slews again from there */
	assert_float_equal(step(r, 20)->duty, 27, 1e-9);
	rig_free(r);
}

static void tune_stall(struct fan_config *c)
{
	set(c, "fan", "stall_duty", "30%");
	set(c, "fan", "stall_rpm", "300");
	set(c, "fan", "stall_time", "5s");
	set(c, "fan", "max_rpm", "6000");
	set(c, "fan", "rpm_tolerance", "35%");
	set(c, "fan", "rpm_warn_time", "10s");
}

static void test_stall_detection_timing(void **state)
{
	struct rig *r = rig_new(tune_stall);
	const struct fanctl_output *o;

	r->rpm = 3000;
	step(r, 50); /* 47.5 % */
	assert_float_equal(r->out.duty, 47.5, 1e-9);
	r->rpm = 0; /* rotor blocked */
	for (int i = 0; i < 5; i++) {
		o = step(r, 50);
		assert_false(o->stalled);
	}
	o = step(r, 50); /* 5 s after the first low reading */
	assert_true(o->stalled);
	assert_true(o->events & FANCTL_EV_STALL);
	assert_int_equal(o->mode, FANCTL_STALL);
	assert_int_equal(o->why, FANCTL_WHY_STALL);
	assert_float_equal(o->duty, 100, 1e-9);
	o = step(r, 50);
	assert_false(o->events & FANCTL_EV_STALL);
	/* spins again: cleared after stall_time of good readings */
	r->rpm = 5900;
	for (int i = 0; i < 5; i++)
		assert_true(step(r, 50)->stalled);
	o = step(r, 50);
	assert_false(o->stalled);
	assert_true(o->events & FANCTL_EV_STALL_CLEAR);
	assert_int_equal(o->mode, FANCTL_AUTO);

	/* a fan stopped on purpose (0 %) is no stall, and is not probed */
	assert_int_equal(fanctl_manual_set(r->ctl, 0, 0, r->now), 0);
	r->rpm = 0;
	for (int i = 0; i < 100; i++) {
		o = step(r, 31);
		assert_false(o->stalled);
		assert_false(o->probing);
		assert_float_equal(o->duty, 0, 1e-9);
	}
	rig_free(r);
}

/*
 * The night's idle duty (25 %) is below stall_duty (30 %): a seized fan reads 0 rpm there
 * like a fan below its running minimum.  A probe at the start duty tells them apart.
 */
static void test_stall_at_low_duty(void **state)
{
	struct rig *r = rig_new(tune_stall);
	const struct fanctl_output *o;

	r->rpm = 1500;
	assert_float_equal(step(r, 35)->duty, 25, 1e-9); /* 30:20 .. 45:35 */
	r->rpm = 0; /* seized */
	for (int i = 0; i < 5; i++) {
		o = step(r, 35);
		assert_false(o->stalled);
		assert_false(o->probing);
		assert_float_equal(o->duty, 25, 1e-9);
	}
	/* stall_time of silence at 25 %: probe at the start duty (50 % uncalibrated) */
	o = step(r, 35);
	assert_true(o->probing);
	assert_int_equal(o->why, FANCTL_WHY_PROBE);
	assert_float_equal(o->duty, 50, 1e-9);
	assert_false(o->events & FANCTL_EV_STALL);
	for (int i = 0; i < 4; i++) {
		o = step(r, 35);
		assert_true(o->probing);
		assert_false(o->stalled);
		assert_float_equal(o->duty, 50, 1e-9);
	}
	/* silent through stall_time at 50 %: seized -> stall, full duty */
	o = step(r, 35);
	assert_true(o->stalled);
	assert_false(o->probing);
	assert_true(o->events & FANCTL_EV_STALL);
	assert_int_equal(o->mode, FANCTL_STALL);
	assert_float_equal(o->duty, 100, 1e-9);
	rig_free(r);
}

/* A healthy fan that does not turn at 25 %: the probe starts it, no stall, no probe storm. */
static void test_stall_probe_healthy_fan(void **state)
{
	struct rig *r = rig_new(tune_stall);
	const struct fanctl_output *o;
	int i;

	r->rpm = 0;
	step(r, 35);
	for (i = 0; i < 6; i++)
		o = step(r, 35);
	assert_true(o->probing);
	r->rpm = 2500; /* it turns at the probe's duty */
	o = step(r, 35);
	assert_false(o->probing);
	assert_false(o->stalled);
	assert_false(o->events & FANCTL_EV_STALL);
	assert_float_equal(o->duty, 25, 1e-9); /* back at once, no slew from the probe */
	/* stops again below its minimum: no new probe within the hold-off */
	r->rpm = 0;
	for (i = 0; i < 59; i++) {
		o = step(r, 35);
		assert_false(o->probing);
		assert_false(o->stalled);
	}
	o = step(r, 35);
	assert_true(o->probing);
	rig_free(r);
}

/* Judged on the duty the chip held, not the one commanded: the chip quantised 25 % to 30 %. */
static void test_stall_judged_on_held_duty(void **state)
{
	struct rig *r = rig_new(tune_stall);
	const struct fanctl_output *o;

	r->rpm = 1500;
	assert_float_equal(step(r, 35)->duty, 25, 1e-9);
	r->held = true;
	r->held_pct = 30;
	r->rpm = 0;
	for (int i = 0; i < 5; i++)
		assert_false(step(r, 35)->stalled);
	o = step(r, 35); /* no probe: 30 % held must turn the fan */
	assert_true(o->stalled);
	assert_true(o->events & FANCTL_EV_STALL);
	rig_free(r);
}

/* A calibrated fan keeps turning down to its min_duty: silence above it is a stall at once. */
static void test_stall_calibrated_min_duty(void **state)
{
	struct rig *r = rig_new(tune_stall);
	struct fan_calibration cal = { .start_duty = 35, .min_duty = 20, .max_rpm = 6000 };
	const struct fanctl_output *o;

	fanctl_calibration_set(r->ctl, &cal);
	r->rpm = 1500;
	assert_float_equal(step(r, 35)->duty, 25, 1e-9);
	r->rpm = 0;
	for (int i = 0; i < 5; i++)
		assert_false(step(r, 35)->stalled);
	o = step(r, 35);
	assert_true(o->stalled);
	assert_false(o->probing);
	rig_free(r);
}

static void tune_stall_slew(struct fan_config *c)
{
	tune_stall(c);
	set(c, "curve default", "slew_down", "3");
}

/* Like failsafe, the stall's full duty is no curve change: its end is not slewed down from. */
static void test_stall_exit_is_not_slewed(void **state)
{
	struct rig *r = rig_new(tune_stall_slew);
	const struct fanctl_output *o;

	r->rpm = 3000;
	assert_float_equal(step(r, 50)->duty, 47.5, 1e-9);
	r->rpm = 0;
	for (int i = 0; i < 6; i++)
		o = step(r, 50);
	assert_true(o->stalled);
	assert_float_equal(o->duty, 100, 1e-9);
	r->rpm = 5900;
	for (int i = 0; i < 5; i++)
		step(r, 50);
	o = step(r, 50);
	assert_true(o->events & FANCTL_EV_STALL_CLEAR);
	assert_float_equal(o->duty, 47.5, 1e-9);
	/* the curve's own changes slew again */
	assert_float_equal(step(r, 40)->duty, 44.5, 1e-9);
	rig_free(r);
}

static void test_rpm_far_from_expected(void **state)
{
	struct rig *r = rig_new(tune_stall);
	const struct fanctl_output *o;

	r->rpm = 2850; /* 47.5 % of 6000 */
	for (int i = 0; i < 12; i++) {
		o = step(r, 50);
		assert_false(o->rpm_warn);
	}
	assert_float_equal(o->expected_rpm, 2850, 1e-6);
	r->rpm = 1200; /* worn bearing: well under the expected rpm, but turning */
	for (int i = 0; i < 10; i++)
		assert_false(step(r, 50)->rpm_warn);
	o = step(r, 50);
	assert_true(o->rpm_warn);
	assert_true(o->events & FANCTL_EV_RPM_WARN);
	assert_false(o->stalled);
	r->rpm = 2800;
	for (int i = 0; i < 10; i++)
		assert_true(step(r, 50)->rpm_warn);
	o = step(r, 50);
	assert_false(o->rpm_warn);
	assert_true(o->events & FANCTL_EV_RPM_OK);
	rig_free(r);
}

/* A scripted fan: starts from stop at >= 27 %, keeps turning down to 12 %, 6000 rpm max. */
struct fanmodel {
	bool spinning;
};

static double model_rpm(struct fanmodel *m, double duty)
{
	if (!m->spinning && duty >= 27)
		m->spinning = true;
	else if (m->spinning && duty < 12)
		m->spinning = false;
	return m->spinning ? 6000 * duty / 100 : 0;
}

static void test_calibration_state_machine(void **state)
{
	struct fancal k;
	struct fanmodel m = { .spinning = true };
	double duty = 100, rpm = 0;
	int64_t now = 0;
	int steps = 0;

	fancal_start(&k, 5, 300, 3 * S, now);
	while (k.phase != FANCAL_DONE && k.phase != FANCAL_FAILED && steps < 1000) {
		now += S;
		duty = fancal_step(&k, rpm, now);
		rpm = model_rpm(&m, duty); /* the tach read next period sees this duty */
		steps++;
	}
	assert_int_equal(k.phase, FANCAL_DONE);
	assert_float_equal(k.result.max_rpm, 6000, 1e-6);
	/* lowest turning step 15 %, one step of margin */
	assert_float_equal(k.result.min_duty, 20, 1e-6);
	assert_float_equal(k.result.min_rpm, 900, 1e-6);
	/* first starting step 30 %, one step of margin */
	assert_float_equal(k.result.start_duty, 35, 1e-6);
	assert_true(steps < 200);

	/* a fan that never turns fails at the first measurement, at full duty */
	fancal_start(&k, 5, 300, 3 * S, 0);
	for (now = S; now < 20 * S && k.phase != FANCAL_FAILED; now += S)
		duty = fancal_step(&k, 0, now);
	assert_int_equal(k.phase, FANCAL_FAILED);
	assert_float_equal(duty, 100, 1e-9);
	assert_non_null(k.error);
}

static void test_calibration_through_controller(void **state)
{
	struct rig *r = rig_new(NULL);
	struct fanmodel m = { .spinning = true };
	const struct fanctl_output *o;
	int i;

	r->rpm = 3000;
	step(r, 40);
	assert_int_equal(fanctl_calibrate_start(r->ctl, r->now), 0);
	/* a second request would restart it: refused, and the status says it runs already */
	assert_int_equal(fanctl_calibrate_start(r->ctl, r->now), -EALREADY);
	{
		struct fanctl_status st;

		fanctl_status_get(r->ctl, 0, &st);
		assert_true(st.calibrating);
	}
	for (i = 0; i < 1000; i++) {
		o = step(r, 40);
		if (o->events & (FANCTL_EV_CAL_DONE | FANCTL_EV_CAL_FAILED))
			break;
		assert_int_equal(o->mode, FANCTL_CALIBRATE);
		assert_false(o->stalled); /* stopping on purpose is no stall */
		r->rpm = model_rpm(&m, o->duty);
	}
	assert_true(r->out.events & FANCTL_EV_CAL_DONE);
	assert_int_equal(r->out.mode, FANCTL_AUTO);
	assert_float_equal(fanctl_calibration(r->ctl)->min_duty, 20, 1e-6);
	assert_float_equal(fanctl_calibration(r->ctl)->start_duty, 35, 1e-6);

	/* a sensor fault aborts a calibration */
	assert_int_equal(fanctl_calibrate_start(r->ctl, r->now), 0);
	step(r, 40);
	o = step(r, NAN);
	assert_true(o->events & FANCTL_EV_CAL_FAILED);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	assert_int_equal(fanctl_calibrate_start(r->ctl, r->now), -EBUSY);
	rig_free(r);
}

static void test_calibrated_min_duty_floor(void **state)
{
	struct rig *r = rig_new(NULL);
	struct fan_calibration cal = { .start_duty = 35, .min_duty = 25, .max_rpm = 6000 };

	fanctl_calibration_set(r->ctl, &cal);
	/* the curve asks 20 % but the fan stalls below 25 % */
	assert_float_equal(step(r, 30)->duty, 25, 1e-9);
	rig_free(r);
}

/*
 * An input whose part is unpowered ([input] powered_by, the H2 down while the NIC runs) is no
 * fault: no failsafe, no alarm, no demand.  Every input off leaves nothing valid: failsafe.
 */
static void test_unpowered_input(void **state)
{
	struct rig *r = rig_new(tune_two_inputs);
	const struct fanctl_output *o;
	char err[200];

	r->temps[1] = (struct fanctl_reading){ 45, r->now, false };
	o = step(r, 40);
	assert_float_equal(o->duty, 70, 1e-9);
	r->temps[1] = (struct fanctl_reading){ NAN, 0, true };
	o = step(r, 40);
	assert_int_equal(o->mode, FANCTL_AUTO);
	assert_false(o->input_bad & 2);
	assert_false(o->input_changed & 2);
	assert_true(isnan(o->demand[1]));
	assert_float_equal(o->duty, 30, 1e-9);
	r->temps[0].off = true;
	o = step(r, NAN);
	assert_int_equal(o->mode, FANCTL_FAILSAFE);
	assert_float_equal(o->duty, 100, 1e-9);
	assert_int_equal(o->input_bad, 0);

	assert_int_equal(r->cfg.inputs[0].power, FAN_INPUT_POWER_PSU);
	assert_int_equal(fan_config_set(&r->cfg, "input disk", "powered_by", "host", 1, err,
					sizeof(err)), 0);
	assert_int_equal(r->cfg.inputs[1].power, FAN_INPUT_POWER_HOST);
	assert_int_equal(fan_config_set(&r->cfg, "input disk", "powered_by", "always", 1, err,
					sizeof(err)), 0);
	assert_int_equal(r->cfg.inputs[1].power, FAN_INPUT_POWER_ALWAYS);
	assert_int_equal(fan_config_set(&r->cfg, "input disk", "powered_by", "brick", 1, err,
					sizeof(err)), -EINVAL);
	assert_string_equal(err, "must be 'psu', 'host' or 'always', got 'brick'");
	rig_free(r);
}

static void test_reset_returns_to_failsafe(void **state)
{
	struct rig *r = rig_new(NULL);

	step(r, 40);
	assert_int_equal(r->out.mode, FANCTL_AUTO);
	fanctl_reset(r->ctl);
	r->temps[0].updated_ns = 0;
	assert_int_equal(step(r, NAN)->mode, FANCTL_FAILSAFE);
	assert_int_equal(step(r, 40)->mode, FANCTL_AUTO);
	rig_free(r);
}

/* ---- profile errors through fan_config_set / validate ---- */

static int cset(struct fan_config *c, const char *sec, const char *key, const char *val, int line,
		char *err, size_t len)
{
	err[0] = '\0';
	return fan_config_set(c, sec, key, val, line, err, len);
}

static void test_config_errors(void **state)
{
	struct fan_config c;
	char err[256];
	int line = 0;

	fan_config_defaults(&c);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), 0);

	/* values rejected at set time with a message */
	assert_int_equal(cset(&c, "curve nic", "points", "30:20 45:35 40:60", 12, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not monotonic"));
	assert_int_equal(cset(&c, "curve nic", "points", "30:20 45:135", 13, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "outside 0..100"));
	assert_int_equal(cset(&c, "fan", "failsafe_duty", "120%", 3, err, sizeof(err)), -ERANGE);
	assert_int_equal(cset(&c, "fan", "on_exit", "maybe", 3, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "restore"));
	assert_int_equal(cset(&c, "fan", "period", "1ms", 3, err, sizeof(err)), -ERANGE);
	assert_int_equal(cset(&c, "fanprofile quiet", "cap", "140", 3, err, sizeof(err)), -ERANGE);
	assert_int_equal(cset(&c, "input bad name!", "chip", "x", 3, err, sizeof(err)), -EINVAL);
	/* the header is read by the one section reader: quotes and blanks, the one name rule */
	assert_int_equal(cset(&c, "input \"ssd\"", "chip", "x", 3, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, " input   ssd ", "label", "temp1", 3, err, sizeof(err)), 0);
	assert_string_equal(c.inputs[c.ninputs - 1].spec.name, "ssd");
	assert_string_equal(c.inputs[c.ninputs - 1].spec.label, "temp1");
	assert_int_equal(cset(&c, "curve a23456789012345678901234567890123", "hysteresis", "1", 3,
			      err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "name longer than 31 characters"));
	assert_int_equal(cset(&c, "fanprofile a/b", "cap", "50", 3, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "use letters, digits"));
	/* unknown keys are profile.c's to report */
	assert_int_equal(cset(&c, "fan", "colour", "red", 3, err, sizeof(err)), -ENOENT);
	assert_int_equal(cset(&c, "curve nic", "colour", "red", 3, err, sizeof(err)), -ENOENT);
	assert_int_equal(cset(&c, "inputs", "chip", "x", 3, err, sizeof(err)), -ENOENT);

	/* unknown curve name: reported on the input's curve line */
	fan_config_defaults(&c);
	assert_int_equal(cset(&c, "input nic", "chip", "lm75-*", 20, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input nic", "label", "temp1", 21, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input nic", "curve", "nicc", 22, err, sizeof(err)), 0);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 22);
	assert_non_null(strstr(err, "unknown curve 'nicc'"));

	/* an input without a source */
	fan_config_defaults(&c);
	assert_int_equal(cset(&c, "input cpu", "offset", "-2", 30, err, sizeof(err)), 0);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 30);
	assert_non_null(strstr(err, "chip + label, or file"));

	/* unknown profile in the schedule */
	fan_config_defaults(&c);
	assert_int_equal(cset(&c, "fanschedule", "silent", "22:30-07:00", 40, err, sizeof(err)), 0);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 40);
	assert_non_null(strstr(err, "unknown fan profile 'silent'"));

	/* overlapping schedule entries ([schedule] is accepted as an alias) */
	fan_config_defaults(&c);
	assert_int_equal(cset(&c, "schedule", "quiet", "22:30-07:00", 50, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "schedule", "full", "06:00-09:00", 51, err, sizeof(err)), 0);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 51);
	assert_non_null(strstr(err, "overlaps"));

	/* unknown default profile */
	fan_config_defaults(&c);
	assert_int_equal(cset(&c, "fanschedule", "default", "loud", 60, err, sizeof(err)), 0);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 60);

	/* a good full profile */
	fan_config_defaults(&c);
	assert_int_equal(cset(&c, "fan", "chip", "max6650-*", 1, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "fan", "on_exit", "full", 2, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input nic", "chip", "lm75-*", 3, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input nic", "label", "temp1", 4, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input nic", "curve", "nic", 5, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input cpu", "file", "/sys/class/thermal/thermal_zone0/temp", 6,
			      err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "input cpu", "offset", "-1.5", 7, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "curve nic", "points", "35:0 40:25 60:100", 8, err, sizeof(err)),
			 0);
	assert_int_equal(cset(&c, "curve nic", "stop_below", "33", 9, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "fanprofile night", "cap", "30%", 10, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "fanprofile night", "override_temp", "60", 11, err, sizeof(err)),
			 0);
	assert_int_equal(cset(&c, "fanschedule", "night", "23:00-06:30", 12, err, sizeof(err)), 0);
	assert_int_equal(cset(&c, "fanschedule", "default", "quiet", 13, err, sizeof(err)), 0);
	assert_int_equal(fan_config_validate(&c, &line, err, sizeof(err)), 0);
	assert_int_equal(c.ninputs, 2);
	assert_string_equal(c.inputs[1].spec.name, "cpu");
	assert_float_equal(c.inputs[1].spec.offset_c, -1.5, 1e-9);
	assert_int_equal(c.on_exit, NIC_FAN_EXIT_FULL);
	assert_int_equal(fanctl_curve_find(&c, "nic"), 1);
	assert_string_equal(c.sched.default_profile, "quiet");
}

/* An external minimum (a thermal escalation from the thermal service) holds over the curve. */
static void test_external_floor_holds(void **state)
{
	struct rig *r = rig_new(NULL);
	struct fanctl_input in;
	double cool;

	(void)state;
	cool = step(r, 30)->duty;
	assert_true(cool < 60);
	assert_int_equal(r->out.why, FANCTL_WHY_CURVE);
	assert_string_equal(fanctl_why_name(r->out.why), "curve");
	for (double floor = 60; floor <= 100; floor += 40) {
		in = (struct fanctl_input){ .now_ns = r->now, .wall_ns = r->wall, .temps = r->temps,
					    .rpm = r->rpm, .floor_pct = floor };
		r->temps[0].updated_ns = r->now;
		fanctl_step(r->ctl, &in, &r->out);
		r->now += r->cfg.period_ns;
		r->wall += r->cfg.period_ns;
		assert_int_equal(r->out.mode, FANCTL_AUTO);
		assert_float_equal(r->out.duty, floor, 1e-9);
		assert_int_equal(r->out.why, FANCTL_WHY_FLOOR);
		assert_string_equal(fanctl_why_name(r->out.why), "floor");
	}
	/* the floor gone, the curve again */
	assert_float_equal(step(r, 30)->duty, cool, 1e-9);
	assert_int_equal(r->out.why, FANCTL_WHY_CURVE);
	/* a floor below what the curve asks decides nothing */
	in = (struct fanctl_input){ .now_ns = r->now, .wall_ns = r->wall, .temps = r->temps,
				    .rpm = r->rpm, .floor_pct = cool / 2 };
	r->temps[0].updated_ns = r->now;
	fanctl_step(r->ctl, &in, &r->out);
	assert_int_equal(r->out.why, FANCTL_WHY_CURVE);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failsafe_until_first_valid),
		cmocka_unit_test(test_failsafe_entry_and_exit),
		cmocka_unit_test(test_highest_demand_and_optional_input),
		cmocka_unit_test(test_override_lifts_quiet_cap),
		cmocka_unit_test(test_override_lower_of_input_and_profile),
		cmocka_unit_test(test_schedule_and_forced_profile),
		cmocka_unit_test(test_manual_set_expiry_and_floor),
		cmocka_unit_test(test_output_slew_and_kick),
		cmocka_unit_test(test_failsafe_exit_is_not_slewed),
		cmocka_unit_test(test_stall_detection_timing),
		cmocka_unit_test(test_stall_at_low_duty),
		cmocka_unit_test(test_stall_probe_healthy_fan),
		cmocka_unit_test(test_stall_judged_on_held_duty),
		cmocka_unit_test(test_stall_calibrated_min_duty),
		cmocka_unit_test(test_stall_exit_is_not_slewed),
		cmocka_unit_test(test_rpm_far_from_expected),
		cmocka_unit_test(test_calibration_state_machine),
		cmocka_unit_test(test_calibration_through_controller),
		cmocka_unit_test(test_calibrated_min_duty_floor),
		cmocka_unit_test(test_unpowered_input),
		cmocka_unit_test(test_external_floor_holds),
		cmocka_unit_test(test_reset_returns_to_failsafe),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, paris_setup, NULL);
}
