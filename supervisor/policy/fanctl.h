/* fanctl.h - pure NIC fan controller: its config struct, one control step, manual modes. */
#ifndef H2BOX_FANCTL_H
#define H2BOX_FANCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/nic_fan.h"
#include "drivers/temp_input.h"
#include "hw/clock.h"
#include "supervisor/policy/fancal.h"
#include "supervisor/policy/fancurve.h"
#include "supervisor/policy/fansched.h"

/*
 * Profile sections (every key optional; defaults in brackets), parsed into struct
 * fan_config by supervisor/config/fan-config.c; the struct lives here, with the
 * controller that reads it, because policy may not include config.
 *
 * [fan]
 *   enabled = yes                 no: the service does not touch the fan at all
 *   chip = emc2305-*              libsensors pattern of the PWM controller chip
 *   pwm = 1                       N of pwmN / pwmN_enable / fanN_input
 *   period = 1s                   control period (100ms..10s)
 *   failsafe_duty = 100%          duty until the first valid readings and on any fault
 *   stale_after = 2s              a reading older than this is invalid
 *   recover_readings = 3          consecutive good cycles to leave a fault's failsafe
 *                                 (the very first valid cycle leaves the start-up failsafe)
 *   on_exit = restore             restore | full | keep: what a clean exit leaves on the chip
 *   stall_duty = 30%              a fan driven at >= this must turn: a tach below ...
 *   stall_rpm = 300               ... this ...
 *   stall_time = 5s               ... for this long -> alarm fan-stall + full duty;
 *                                 below stall_duty (but above 0 %): probe first (below)
 *   rpm_tolerance = 35%           |rpm - expected| above this fraction of expected ...
 *   rpm_warn_time = 15s           ... for this long -> warning (needs max_rpm)
 *   override_hysteresis = 3       C below override_temp before the cap returns
 *   start_duty = 0                calibration results (0 = unknown); a calibration
 *   min_duty = 0                  file written by `h2box fan calibrate` replaces them
 *   min_rpm = 0
 *   max_rpm = 0
 *   calibration_file = fan.cal     relative paths are under [daemon] state_dir
 *   profile = balanced            alias of [fanschedule] default
 *
 * [input NAME]                    up to 8; with none, "nic" = lm75-* / temp1 / curve default
 *   chip = lm75-*  label = temp1  libsensors chip pattern + feature label, or
 *   file = /sys/.../temp          a file in millidegrees (chip/label ignored)
 *   offset = 0                    C added to the reading
 *   min = -20  max = 150          plausible range; outside -> invalid -> failsafe
 *   curve = default               [curve NAME] this input follows
 *   override_temp = (none)        per-input critical temperature lifting a profile cap;
 *                                 the lower of it and the active profile's applies
 *   required = yes                no: a failed input drops out (alarm) instead of failsafe
 *   powered_by = psu              what feeds the sensor's part: psu (the NIC's SFX, which
 *                                 h2boxd switches), host (the H2: CPU, disks) or always; a
 *                                 part without power reads unknown, which is no failure
 *
 * [curve NAME]                    up to 8; "default" = "30:20 45:35 55:60 65:100" built in
 *   points = "30:20 45:35 55:60 65:100"   C:duty%, temperatures increasing, duty not falling
 *   hysteresis = 3                C the temperature must fall before the duty does
 *   stop_below = (none)           C: fan stopped below it, restarts at it
 *   min_duty = 0%                 floor while running
 *   kick_duty = (fan start_duty, else 50%)   start kick when spinning up from stop
 *   kick_time = 1s                0 = no kick
 *   slew_up = 10                  %/s, 0 = unlimited (never limits failsafe/override/stall)
 *   slew_down = 3                 %/s, 0 = unlimited (never limits leaving failsafe/stall)
 *   pid_target, pid_kp, pid_ki, pid_kd   optional PID toward pid_target C; the points
 *                                 stay a floor under its output
 *
 * [fanprofile NAME]               quiet (cap 40%, override 65 C), balanced (override 75 C)
 *   cap = 100%                    and full (floor 100%) built in; up to 8
 *   floor = 0%
 *   scale = 1                     running demand x scale + offset
 *   offset = 0%
 *   override_temp = 75            C on any input: cap lifted (logged); "none" = only an
 *                                 input's own override_temp lifts it (the lower one wins)
 *
 * [fanschedule]                   (alias [schedule]) local time, end exclusive, may wrap
 *   default = balanced            profile outside every range
 *   quiet = 22:30-07:00           NAME = HH:MM-HH:MM[, HH:MM-HH:MM...]; no overlaps
 */

/*
 * Stall detection is judged on the duty the fan actually got during the last
 * period (the chip's read-back when known: chips quantise and clamp; else the
 * duty the controller commanded), never on the duty about to be written.
 *
 * - 0 % applied: a fan that stopped on purpose (stop_below, fan set 0): no
 *   rotation expected, never a stall.
 * - applied >= stall_duty, or >= the calibrated min_duty when one is known (a
 *   calibrated fan keeps turning down to it): rotation expected; a tach below
 *   stall_rpm for stall_time is a stall.
 * - 0 % < applied < that: the fan may legitimately stand still below its
 *   running minimum (uncalibrated fans differ), or be seized -- the tach reads
 *   0 either way.  The night's idle duty (25 %) sits here, so silence is no
 *   proof: after stall_time of a tach below stall_rpm the controller probes,
 *   holding the fan's start duty (calibrated start_duty, else 50 %, at least
 *   stall_duty) for stall_time.  A fan that turns during the probe is healthy
 *   (it returns to its duty at once, and is not probed again for
 *   FANCTL_PROBE_HOLDOFF_NS); one that still reads below stall_rpm is seized:
 *   stall, as above.  A seized fan at 25 % is thus found within 2 x stall_time,
 *   at the price of a short burst of duty for a fan that cannot turn at 25 %
 *   (calibrate it, or raise the curve's min_duty, to avoid the bursts).
 */
#define FANCTL_PROBE_HOLDOFF_NS (60 * HW_NSEC_PER_SEC)

#define FAN_INPUTS_MAX 8
#define FAN_CURVES_MAX 8

/* [input] powered_by: which supply the measured part is on. */
enum fan_input_power {
	FAN_INPUT_POWER_PSU,    /* off while the box is off (b->power_off) */
	FAN_INPUT_POWER_HOST,   /* off while the H2 is down (b->host_off) */
	FAN_INPUT_POWER_ALWAYS, /* never off */
};

struct fan_input_config {
	struct temp_input_spec spec;
	enum fan_input_power power;
	char curve[FANCURVE_NAME_MAX];
	double override_temp; /* NAN: the profile's */
	bool required;
	bool builtin;
	int line, curve_line;
};

struct fan_curve_config {
	struct fancurve_config c;
	bool builtin;
	int line;
};

struct fan_config {
	bool enabled;
	char chip[64];
	int pwm;
	int64_t period_ns;
	double failsafe_duty;
	int64_t stale_after_ns;
	int recover_readings;
	enum nic_fan_on_exit on_exit;
	double stall_duty, stall_rpm;
	int64_t stall_time_ns;
	double rpm_tolerance; /* percent */
	int64_t rpm_warn_time_ns;
	double override_hysteresis;
	double start_duty, min_duty, min_rpm, max_rpm;
	char calibration_file[160];
	/* blind (chip unreachable, a required input invalid) this long: orderly power-off; 0 never */
	int64_t blind_poweroff_ns;
	struct fan_input_config inputs[FAN_INPUTS_MAX];
	int ninputs;
	struct fan_curve_config curves[FAN_CURVES_MAX];
	int ncurves;
	struct fansched sched;
	int line; /* first [fan] line */
};

/*
 * The temperature at which input `input` lifts the cap of profile `profile`
 * (index in c->sched.profiles): the lower of the input's and the profile's
 * override_temp, NAN when neither sets one.
 */
double fanctl_override_temp(const struct fan_config *c, int input, int profile);
/* Index of a curve by name, or -ENOENT. */
int fanctl_curve_find(const struct fan_config *c, const char *name);

/* ---- the controller ---- */

enum fanctl_mode {
	FANCTL_FAILSAFE,
	FANCTL_AUTO,
	FANCTL_MANUAL,    /* fan set PCT */
	FANCTL_CALIBRATE,
	FANCTL_STALL,     /* full duty to restart a stalled fan */
};

/* What decided the duty of a step (the last rule that set it). */
enum fanctl_why {
	FANCTL_WHY_CURVE,     /* the curves under the active profile */
	FANCTL_WHY_OVERRIDE,  /* the curves with the profile's cap lifted by temperature */
	FANCTL_WHY_MANUAL,    /* fan set PCT */
	FANCTL_WHY_CALIBRATE, /* a calibration step */
	FANCTL_WHY_FAILSAFE,  /* no trustworthy reading: failsafe_duty */
	FANCTL_WHY_FLOOR,     /* the external minimum (fanctl_input.floor_pct) */
	FANCTL_WHY_STALL,     /* full duty to restart a stalled fan */
	FANCTL_WHY_PROBE,     /* start duty: does a fan silent at a low duty turn? */
};

/* Events of one step: log/alarm these, they fire on changes only. */
enum {
	FANCTL_EV_MODE = 1u << 0,           /* mode changed */
	FANCTL_EV_PROFILE = 1u << 1,        /* active profile changed */
	FANCTL_EV_FAILSAFE_ENTER = 1u << 2,
	FANCTL_EV_FAILSAFE_EXIT = 1u << 3,
	FANCTL_EV_OVERRIDE_ON = 1u << 4,    /* a cap was lifted by temperature */
	FANCTL_EV_OVERRIDE_OFF = 1u << 5,
	FANCTL_EV_STALL = 1u << 6,
	FANCTL_EV_STALL_CLEAR = 1u << 7,
	FANCTL_EV_RPM_WARN = 1u << 8,
	FANCTL_EV_RPM_OK = 1u << 9,
	FANCTL_EV_INPUT = 1u << 10,         /* see fanctl_output.input_bad vs. input_changed */
	FANCTL_EV_MANUAL_EXPIRED = 1u << 11,
	FANCTL_EV_FORCE_EXPIRED = 1u << 12, /* fan profile NAME --until reached */
	FANCTL_EV_CAL_DONE = 1u << 13,
	FANCTL_EV_CAL_FAILED = 1u << 14,
};

struct fanctl_reading {
	double celsius;     /* offset applied; NAN = read failed */
	int64_t updated_ns; /* box time of that reading (celsius is NAN until one) */
	bool off;           /* the part is unpowered ([input] powered_by): neither a valid
			     * reading nor a failed one, no demand; all inputs off = failsafe */
};

struct fanctl_input {
	int64_t now_ns;  /* box monotonic time */
	int64_t wall_ns; /* wall clock for the schedule */
	const struct fanctl_reading *temps; /* one per configured input, in config order */
	double rpm;      /* tach, NAN = unknown (taken after a period at the last duty) */
	bool held;       /* held_pct is the duty the chip held through that period ... */
	double held_pct; /* ... (its read-back); without it the last commanded duty counts */
	double floor_pct; /* external minimum duty (thermal escalation), 0 = none */
};

struct fanctl_output {
	double duty;           /* percent to write */
	enum fanctl_mode mode;
	enum fanctl_why why;   /* which rule set duty */
	int profile;           /* index in cfg->sched.profiles */
	bool failsafe, override, stalled, rpm_warn;
	bool probing;           /* the stall probe holds the start duty (see above) */
	unsigned events;
	unsigned input_bad;     /* bit i: input i invalid, out of range or stale */
	unsigned input_changed; /* bits whose state changed this step */
	int override_input;     /* input that lifted the cap, -1 */
	double demand[FAN_INPUTS_MAX]; /* per-input curve demand, NAN when invalid */
	double expected_rpm;    /* NAN when unknown */
};

/* Why a reading is invalid: 0 ok, else -ENODATA (NAN), -ERANGE, -ESTALE. */
int fanctl_reading_check(const struct fan_config *cfg, int input,
			 const struct fanctl_reading *r, int64_t now_ns);

struct fanctl;

/* cfg must outlive the controller.  0 or -ENOMEM. */
int fanctl_new(const struct fan_config *cfg, struct fanctl **out);
void fanctl_free(struct fanctl *c);
/* Back to the start-up failsafe (after the box's power returns). */
void fanctl_reset(struct fanctl *c);
void fanctl_step(struct fanctl *c, const struct fanctl_input *in, struct fanctl_output *out);

/* fan set PCT [--for D]: for_ns 0 = until fan auto.  -EINVAL for pct outside 0..100. */
int fanctl_manual_set(struct fanctl *c, double pct, int64_t for_ns, int64_t now_ns);
/*
 * fan profile NAME [--until HH:MM]: until_min -1 = until fan auto; the next
 * local HH:MM (DST-aware).  Ends a manual duty.  -ENOENT unknown profile.
 */
int fanctl_profile_force(struct fanctl *c, const char *name, int until_min, int64_t wall_ns);
/* fan auto: drop manual duty, forced profile and a running calibration. */
void fanctl_auto(struct fanctl *c);
/* -EBUSY while in failsafe or stalled (cooling first); -EALREADY while one runs. */
int fanctl_calibrate_start(struct fanctl *c, int64_t now_ns);
/* Use these calibration results (start/min duty, expected rpm). */
void fanctl_calibration_set(struct fanctl *c, const struct fan_calibration *cal);
const struct fan_calibration *fanctl_calibration(const struct fanctl *c);
const struct fancal *fanctl_calibration_run(const struct fanctl *c);

/* What status shows. */
struct fanctl_status {
	enum fanctl_mode mode;
	int profile;
	bool profile_forced;
	int64_t force_until_wall_ns; /* 0 = until fan auto */
	double manual_pct;           /* NAN when not manual */
	int64_t manual_until_ns;     /* 0 = until fan auto */
	double duty;
	bool calibrating;            /* a calibration runs, or starts at the next step */
};
/* wall_ns: the profile shown is the one the next step uses (forced or scheduled). */
void fanctl_status_get(const struct fanctl *c, int64_t wall_ns, struct fanctl_status *st);
const char *fanctl_mode_name(enum fanctl_mode m);
/* "curve", "override", "manual", "calibrate", "failsafe", "floor", "stall", "probe". */
const char *fanctl_why_name(enum fanctl_why w);

#endif
