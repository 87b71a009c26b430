/* fancurve.c - pure fan curve: points, hysteresis, stop/min duty, PID, slew and start kick. */
#include "supervisor/policy/fancurve.h"

#include "hw/clock.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void fancurve_config_defaults(struct fancurve_config *c)
{
	memset(c, 0, sizeof(*c));
	c->hysteresis_c = 3.0;
	c->stop_below_c = NAN;
	c->min_duty = 0.0;
	c->kick_duty = NAN;
	c->kick_ns = HW_NSEC_PER_SEC;
	c->slew_up = 10.0;
	c->slew_down = 3.0;
	c->pid_target_c = NAN;
}

int fancurve_points_parse(struct fancurve_config *c, const char *s, char *err, size_t errlen)
{
	double t[FANCURVE_POINTS_MAX], d[FANCURVE_POINTS_MAX];
	const char *p = s;
	int n = 0;

	if (!s)
		return parse_error(-EINVAL, err, errlen, "empty points");
	for (;;) {
		char tok[48], *colon, *end;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		len = strcspn(p, " \t,");
		if (len >= sizeof(tok))
			return parse_error(-EINVAL, err, errlen, "point '%.20s...' is too long", p);
		memcpy(tok, p, len);
		tok[len] = '\0';
		p += len;
		if (n == FANCURVE_POINTS_MAX)
			return parse_error(-EINVAL, err, errlen, "more than %d points", FANCURVE_POINTS_MAX);
		colon = strchr(tok, ':');
		if (!colon)
			return parse_error(-EINVAL, err, errlen, "point '%s' is not TEMP:DUTY (e.g. 45:35)", tok);
		*colon = '\0';
		errno = 0;
		t[n] = strtod(tok, &end);
		if (end == tok || *end || errno || !isfinite(t[n]) || t[n] < -50 || t[n] > 200)
			return parse_error(-EINVAL, err, errlen, "point %d: bad temperature '%s'", n + 1, tok);
		if (colon[1] && colon[strlen(colon + 1)] == '%')
			colon[strlen(colon + 1)] = '\0';
		errno = 0;
		d[n] = strtod(colon + 1, &end);
		if (end == colon + 1 || *end || errno || !isfinite(d[n]))
			return parse_error(-EINVAL, err, errlen, "point %d: bad duty '%s'", n + 1, colon + 1);
		if (d[n] < 0 || d[n] > 100)
			return parse_error(-EINVAL, err, errlen, "point %d: duty %g%% is outside 0..100%%", n + 1,
				    d[n]);
		if (n > 0 && t[n] <= t[n - 1])
			return parse_error(-EINVAL, err, errlen,
				    "points are not monotonic: %g C follows %g C "
				    "(temperatures must increase)", t[n], t[n - 1]);
		if (n > 0 && d[n] < d[n - 1])
			return parse_error(-EINVAL, err, errlen,
				    "points are not monotonic: duty falls from %g%% to %g%% as the "
				    "temperature rises to %g C", d[n - 1], d[n], t[n]);
		n++;
	}
	if (n == 0)
		return parse_error(-EINVAL, err, errlen, "no points (expected e.g. \"30:20 45:35 55:60 65:100\")");
	memcpy(c->temp_c, t, sizeof(t[0]) * (size_t)n);
	memcpy(c->duty, d, sizeof(d[0]) * (size_t)n);
	c->npoints = n;
	return 0;
}

int fancurve_config_check(const struct fancurve_config *c, char *err, size_t errlen)
{
	if (c->npoints < 1)
		return parse_error(-EINVAL, err, errlen, "curve '%s' has no points", c->name);
	if (!isnan(c->pid_target_c) && c->pid_kp == 0 && c->pid_ki == 0 && c->pid_kd == 0)
		return parse_error(-EINVAL, err, errlen, "curve '%s': pid_target needs pid_kp, pid_ki or pid_kd",
			    c->name);
	if (!isnan(c->kick_duty) && c->kick_duty < c->min_duty)
		return parse_error(-EINVAL, err, errlen, "curve '%s': kick_duty %g%% is below min_duty %g%%",
			    c->name, c->kick_duty, c->min_duty);
	return 0;
}

double fancurve_interp(const struct fancurve_config *c, double temp_c)
{
	int i;

	if (c->npoints < 1 || isnan(temp_c))
		return 100.0; /* nothing sensible to follow: cool */
	if (temp_c <= c->temp_c[0])
		return c->duty[0];
	for (i = 1; i < c->npoints; i++) {
		if (temp_c <= c->temp_c[i]) {
			double f = (temp_c - c->temp_c[i - 1]) / (c->temp_c[i] - c->temp_c[i - 1]);

			return c->duty[i - 1] + f * (c->duty[i] - c->duty[i - 1]);
		}
	}
	return c->duty[c->npoints - 1];
}

void fancurve_state_reset(struct fancurve_state *s)
{
	memset(s, 0, sizeof(*s));
}

static double pid_step(const struct fancurve_config *c, struct fancurve_state *s, double temp_c,
		       double dt)
{
	double e = temp_c - c->pid_target_c, d = 0;

	if (dt > 0) {
		s->integ = clamp(s->integ + c->pid_ki * e * dt, 0.0, 100.0);
		d = c->pid_kd * (temp_c - s->prev_c) / dt;
	}
	s->prev_c = temp_c;
	return clamp(c->pid_kp * e + s->integ + d, 0.0, 100.0);
}

double fancurve_demand(const struct fancurve_config *c, struct fancurve_state *s, double temp_c,
		       int64_t now_ns)
{
	double dt = 0, duty;

	if (!s->init) {
		s->init = true;
		s->ref_c = temp_c;
		s->prev_c = temp_c;
	} else {
		dt = (double)(now_ns - s->last_ns) / (double)HW_NSEC_PER_SEC;
		/* up at once, down only after falling hysteresis_c below the reference */
		if (temp_c > s->ref_c)
			s->ref_c = temp_c;
		else if (temp_c < s->ref_c - c->hysteresis_c)
			s->ref_c = temp_c + c->hysteresis_c;
	}
	s->last_ns = now_ns;

	duty = fancurve_interp(c, s->ref_c);
	if (!isnan(c->pid_target_c))
		duty = fmax(duty, pid_step(c, s, temp_c, dt));
	if (!isnan(c->stop_below_c) && s->ref_c < c->stop_below_c)
		return 0.0;
	return clamp(fmax(duty, c->min_duty), 0.0, 100.0);
}

double fancurve_slew(double prev, double target, double up, double down, int64_t dt_ns)
{
	double dt = (double)dt_ns / (double)HW_NSEC_PER_SEC;

	if (isnan(prev))
		return target;
	if (dt < 0)
		dt = 0;
	if (target > prev && up > 0)
		return fmin(target, prev + up * dt);
	if (target < prev && down > 0)
		return fmax(target, prev - down * dt);
	return target;
}

double fancurve_kick_apply(struct fancurve_kick *k, double kick_duty, int64_t kick_ns,
			   double prev_out, double target, int64_t now_ns)
{
	if (target <= 0) {
		k->running = false;
		return target;
	}
	if (!k->running && prev_out <= 0 && kick_ns > 0 && kick_duty > target) {
		k->running = true;
		k->until_ns = now_ns + kick_ns;
	}
	if (k->running) {
		if (now_ns < k->until_ns)
			return fmax(target, kick_duty);
		k->running = false;
	}
	return target;
}
