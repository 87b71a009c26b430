/* test_fancurve.c - curve interpolation, hysteresis, stop/min duty, PID, slew and start kick. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "supervisor/policy/fancurve.h"

#define S INT64_C(1000000000)

static void curve_std(struct fancurve_config *c)
{
	fancurve_config_defaults(c);
	assert_int_equal(fancurve_points_parse(c, "30:20 45:35 55:60 65:100", NULL, 0), 0);
}

static void test_interp_points_and_clamp(void **state)
{
	struct fancurve_config c;

	curve_std(&c);
	assert_int_equal(c.npoints, 4);
	/* below the first point and above the last: clamped to the end duties */
	assert_float_equal(fancurve_interp(&c, -10), 20, 1e-9);
	assert_float_equal(fancurve_interp(&c, 30), 20, 1e-9);
	assert_float_equal(fancurve_interp(&c, 65), 100, 1e-9);
	assert_float_equal(fancurve_interp(&c, 120), 100, 1e-9);
	/* exact points and linear between them */
	assert_float_equal(fancurve_interp(&c, 45), 35, 1e-9);
	assert_float_equal(fancurve_interp(&c, 37.5), 27.5, 1e-9);
	assert_float_equal(fancurve_interp(&c, 50), 47.5, 1e-9);
	assert_float_equal(fancurve_interp(&c, 60), 80, 1e-9);
	/* an unknown temperature never means less cooling */
	assert_float_equal(fancurve_interp(&c, NAN), 100, 1e-9);
}

static void test_points_parse_errors(void **state)
{
	struct fancurve_config c;
	char err[160];

	fancurve_config_defaults(&c);
	assert_int_equal(fancurve_points_parse(&c, "30:20, 45:35%,65:100", err, sizeof(err)), 0);
	assert_int_equal(c.npoints, 3);
	assert_float_equal(c.duty[1], 35, 1e-9);

	assert_int_equal(fancurve_points_parse(&c, "30:20 45:135", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "outside 0..100"));
	assert_int_equal(fancurve_points_parse(&c, "30:20 30:40", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not monotonic"));
	assert_int_equal(fancurve_points_parse(&c, "50:20 40:40", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not monotonic"));
	assert_int_equal(fancurve_points_parse(&c, "30:60 40:40", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "duty falls"));
	assert_int_equal(fancurve_points_parse(&c, "30-60", err, sizeof(err)), -EINVAL);
	assert_int_equal(fancurve_points_parse(&c, "  ", err, sizeof(err)), -EINVAL);
	assert_int_equal(fancurve_points_parse(&c, "x:10", err, sizeof(err)), -EINVAL);
	/* a failed parse leaves the previous points alone */
	assert_int_equal(c.npoints, 3);
}

static void test_hysteresis_on_the_way_down(void **state)
{
	struct fancurve_config c;
	struct fancurve_state s = { 0 };

	curve_std(&c);
	c.hysteresis_c = 3;
	assert_float_equal(fancurve_demand(&c, &s, 50, 0), 47.5, 1e-9);
	/* up immediately */
	assert_float_equal(fancurve_demand(&c, &s, 55, 1 * S), 60, 1e-9);
	/* down by less than the hysteresis: holds */
	assert_float_equal(fancurve_demand(&c, &s, 53, 2 * S), 60, 1e-9);
	assert_float_equal(fancurve_demand(&c, &s, 52, 3 * S), 60, 1e-9);
	/* below 55 - 3: follows, lagging by 3 C */
	assert_float_equal(fancurve_demand(&c, &s, 50, 4 * S), fancurve_interp(&c, 53), 1e-9);
	/* a small rise within the band does not move it up */
	assert_float_equal(fancurve_demand(&c, &s, 52, 5 * S), fancurve_interp(&c, 53), 1e-9);
	/* rising above the reference moves up at once */
	assert_float_equal(fancurve_demand(&c, &s, 54, 6 * S), fancurve_interp(&c, 54), 1e-9);
}

static void test_stop_below_and_min_duty(void **state)
{
	struct fancurve_config c;
	struct fancurve_state s = { 0 };

	curve_std(&c);
	c.stop_below_c = 35;
	c.hysteresis_c = 2;
	c.min_duty = 25;
	assert_float_equal(fancurve_demand(&c, &s, 30, 0), 0, 1e-9);
	assert_float_equal(fancurve_demand(&c, &s, 34.9, 1 * S), 0, 1e-9);
	/* restarts at the threshold, with the minimum duty as floor */
	assert_float_equal(fancurve_demand(&c, &s, 35, 2 * S), 25, 1e-9);
	/* stops again only hysteresis below it */
	assert_float_equal(fancurve_demand(&c, &s, 33.5, 3 * S), 25, 1e-9);
	assert_float_equal(fancurve_demand(&c, &s, 32.9, 4 * S), 0, 1e-9);

	/* without stop_below the minimum duty holds at any low temperature */
	fancurve_state_reset(&s);
	c.stop_below_c = NAN;
	assert_float_equal(fancurve_demand(&c, &s, 0, 0), 25, 1e-9);
	assert_float_equal(fancurve_demand(&c, &s, 60, 1 * S), 80, 1e-9);
}

static void test_slew_limits(void **state)
{
	/* 10 %/s up, 3 %/s down */
	assert_float_equal(fancurve_slew(20, 80, 10, 3, 1 * S), 30, 1e-9);
	assert_float_equal(fancurve_slew(20, 80, 10, 3, S / 2), 25, 1e-9);
	assert_float_equal(fancurve_slew(20, 25, 10, 3, 1 * S), 25, 1e-9);
	assert_float_equal(fancurve_slew(80, 20, 10, 3, 1 * S), 77, 1e-9);
	assert_float_equal(fancurve_slew(80, 20, 10, 3, 10 * S), 50, 1e-9);
	assert_float_equal(fancurve_slew(21, 20, 10, 3, 1 * S), 20, 1e-9);
	/* 0 = unlimited; unknown previous output jumps to the target */
	assert_float_equal(fancurve_slew(20, 80, 0, 3, 1 * S), 80, 1e-9);
	assert_float_equal(fancurve_slew(80, 20, 10, 0, 1 * S), 20, 1e-9);
	assert_float_equal(fancurve_slew(NAN, 42, 10, 3, 1 * S), 42, 1e-9);
	/* a ramp from 20 to 80 takes 6 s at 10 %/s */
	double v = 20;
	int steps = 0;

	while (v < 80 && steps < 100) {
		v = fancurve_slew(v, 80, 10, 3, 1 * S);
		steps++;
	}
	assert_int_equal(steps, 6);
}

static void test_start_kick(void **state)
{
	struct fancurve_kick k = { 0 };

	/* stopped, asked for 25 %: kicked at 60 % for 2 s, then the target */
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 0, 25, 10 * S), 60, 1e-9);
	assert_true(k.running);
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 60, 25, 11 * S), 60, 1e-9);
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 60, 25, 12 * S), 25, 1e-9);
	assert_false(k.running);
	/* already running: no kick */
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 25, 30, 13 * S), 30, 1e-9);
	/* a target above the kick needs none */
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 0, 80, 14 * S), 80, 1e-9);
	assert_false(k.running);
	/* stop during a kick ends it; the next start kicks again */
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 0, 20, 20 * S), 60, 1e-9);
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 60, 0, 21 * S), 0, 1e-9);
	assert_float_equal(fancurve_kick_apply(&k, 60, 2 * S, 0, 20, 22 * S), 60, 1e-9);
	/* kick_time 0 disables it */
	k = (struct fancurve_kick){ 0 };
	assert_float_equal(fancurve_kick_apply(&k, 60, 0, 0, 20, 30 * S), 20, 1e-9);
}

static void test_pid_sanity(void **state)
{
	struct fancurve_config c;
	struct fancurve_state s = { 0 };
	double d0, d1, prev;
	char err[128];

	fancurve_config_defaults(&c);
	assert_int_equal(fancurve_points_parse(&c, "30:10 80:10", NULL, 0), 0);
	c.pid_target_c = 50;
	c.pid_kp = 5;
	c.pid_ki = 0.5;
	assert_int_equal(fancurve_config_check(&c, err, sizeof(err)), 0);

	/* below target: the points are the floor */
	assert_float_equal(fancurve_demand(&c, &s, 40, 0), 10, 1e-9);
	/* above target: proportional + growing integral */
	d0 = fancurve_demand(&c, &s, 54, 1 * S);
	assert_true(d0 >= 20);
	prev = d0;
	for (int i = 2; i < 10; i++) {
		d1 = fancurve_demand(&c, &s, 54, i * S);
		assert_true(d1 > prev);
		prev = d1;
	}
	/* saturates at 100, never beyond */
	for (int i = 10; i < 200; i++)
		d1 = fancurve_demand(&c, &s, 70, i * S);
	assert_float_equal(d1, 100, 1e-9);
	/* back under target the output falls again (integral bleeds off) */
	for (int i = 200; i < 600; i++)
		d1 = fancurve_demand(&c, &s, 45, i * S);
	assert_true(d1 < 50);
	assert_true(d1 >= 10);

	/* a target without gains is a configuration error */
	c.pid_kp = c.pid_ki = 0;
	assert_int_equal(fancurve_config_check(&c, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interp_points_and_clamp),
		cmocka_unit_test(test_points_parse_errors),
		cmocka_unit_test(test_hysteresis_on_the_way_down),
		cmocka_unit_test(test_stop_below_and_min_duty),
		cmocka_unit_test(test_slew_limits),
		cmocka_unit_test(test_start_kick),
		cmocka_unit_test(test_pid_sanity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
