/* fancurve.h - pure fan curve: points, hysteresis, stop/min duty, PID, slew and start kick. */
#ifndef H2BOX_FANCURVE_H
#define H2BOX_FANCURVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FANCURVE_POINTS_MAX 16
#define FANCURVE_NAME_MAX 32

/*
 * One curve as the profile's [curve NAME] section describes it.  Duties are
 * percent (0..100), temperatures degrees C, rates percent per second.
 * NAN in an optional field means "not set".
 */
struct fancurve_config {
	char name[FANCURVE_NAME_MAX];
	int npoints;
	double temp_c[FANCURVE_POINTS_MAX]; /* strictly increasing */
	double duty[FANCURVE_POINTS_MAX];   /* never decreasing */
	double hysteresis_c;  /* the duty only falls once T dropped this far, default 3 */
	double stop_below_c;  /* NAN: never stop; else duty 0 below it (restart at it) */
	double min_duty;      /* floor while running, default 0 */
	double kick_duty;     /* start kick from stop; NAN: the fan's start duty, else 50 */
	int64_t kick_ns;      /* start kick length, default 1 s, 0 = no kick */
	double slew_up;       /* %/s, default 10, 0 = unlimited */
	double slew_down;     /* %/s, default 3, 0 = unlimited */
	double pid_target_c;  /* NAN: no PID */
	double pid_kp, pid_ki, pid_kd;
};

/* Per-input running state of a curve; zero-initialise (or fancurve_state_reset). */
struct fancurve_state {
	bool init;
	double ref_c;       /* temperature the duty follows (T, lagging by hysteresis downwards) */
	double integ;       /* PID integral term, in duty percent */
	double prev_c;      /* PID derivative */
	int64_t last_ns;
};

/* Start kick at the fan output: armed when the output leaves 0. */
struct fancurve_kick {
	bool running;
	int64_t until_ns;
};

void fancurve_config_defaults(struct fancurve_config *c);
/*
 * "30:20 45:35 55:60 65:100" (degC:duty%, blanks or commas between points).
 * Rejects duty outside 0..100, temperatures not strictly increasing and duty
 * falling as temperature rises.  0 or -EINVAL with a message.
 */
int fancurve_points_parse(struct fancurve_config *c, const char *s, char *err, size_t errlen);
/* Cross-field checks of one curve; 0 or -EINVAL with a message. */
int fancurve_config_check(const struct fancurve_config *c, char *err, size_t errlen);

/* Plain piecewise-linear interpolation, clamped to the first/last point's duty. */
double fancurve_interp(const struct fancurve_config *c, double temp_c);

void fancurve_state_reset(struct fancurve_state *s);
/*
 * The curve's demand for one valid reading at now_ns: hysteresis on the way
 * down, PID (the points stay a floor, so a badly tuned PID never cools less
 * than the curve), stop below / minimum duty.  No slew: that belongs to the
 * fan output, see fancurve_slew().
 */
double fancurve_demand(const struct fancurve_config *c, struct fancurve_state *s, double temp_c,
		       int64_t now_ns);

/* Move prev towards target by at most up/down %/s over dt_ns (0 rate = unlimited). */
double fancurve_slew(double prev, double target, double up, double down, int64_t dt_ns);

/*
 * Start kick: when the previous output was 0 and target > 0, hold at least
 * kick_duty for kick_ns.  Returns the duty to apply.
 */
double fancurve_kick_apply(struct fancurve_kick *k, double kick_duty, int64_t kick_ns,
			   double prev_out, double target, int64_t now_ns);

#endif
