/* test_budget.c - budget governor: levels, hold time, hysteresis, the ladder in virtual time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor/policy/budget.h"

#include <math.h>
#include <string.h>

#define SEC(x) ((int64_t)((x)*1e9))

struct log {
	struct budget_event ev[64];
	int64_t t[64];
	int n;
};

static int feed(struct budget *b, int64_t now, double w, bool force, struct log *lg)
{
	struct budget_input in = {
		.watts = w, .ib_tx_gbps = 11.1, .ib_rx_gbps = 0.2, .force_throttle = force
	};
	struct budget_event ev[BUDGET_EVENTS_MAX];
	int n = budget_update(b, now, &in, ev, BUDGET_EVENTS_MAX);

	for (int i = 0; i < n && lg && lg->n < 64; i++) {
		lg->t[lg->n] = now;
		lg->ev[lg->n++] = ev[i];
	}
	return n;
}

static void test_levels_and_hysteresis(void **state)
{
	struct budget_config c;
	struct budget b;
	struct log lg = { 0 };
	int64_t t = 0;

	(void)state;
	budget_config_defaults(&c);
	c.window_ns = SEC(1);
	budget_init(&b, &c, 0);
	assert_float_equal(budget_threshold_w(&c, BUDGET_WARN), 51.0, 1e-9);
	assert_float_equal(budget_threshold_w(&c, BUDGET_THROTTLE), 57.0, 1e-9);

	for (; t < SEC(5); t += SEC(1))
		feed(&b, t, 40.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	assert_int_equal(lg.n, 0);
	for (; t < SEC(10); t += SEC(1))
		feed(&b, t, 52.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	assert_int_equal(lg.n, 1);
	assert_int_equal(lg.ev[0].kind, BUDGET_EV_STATE);
	assert_int_equal(lg.ev[0].from, BUDGET_OK);
	assert_int_equal(lg.ev[0].to, BUDGET_WARN);
	/* the event names the IB traffic at that moment */
	assert_float_equal(lg.ev[0].ib_tx_gbps, 11.1, 1e-9);
	assert_float_equal(lg.ev[0].ib_rx_gbps, 0.2, 1e-9);
	/* 49 W is under warn (51) but inside the 3 W band: stays warn */
	for (; t < SEC(15); t += SEC(1))
		feed(&b, t, 49.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	for (; t < SEC(20); t += SEC(1))
		feed(&b, t, 47.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	/* straight from ok to throttle */
	for (; t < SEC(25); t += SEC(1))
		feed(&b, t, 58.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	/* 55 W: below throttle, above its release (54): held */
	for (; t < SEC(30); t += SEC(1))
		feed(&b, t, 55.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	/* 52 W: leaves throttle, lands in warn (still >= 51 - 3) */
	for (; t < SEC(35); t += SEC(1))
		feed(&b, t, 52.0, false, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
}

static void test_critical_needs_hold(void **state)
{
	struct budget_config c;
	struct budget b;
	int64_t t;

	(void)state;
	budget_config_defaults(&c);
	c.window_ns = SEC(1);
	c.critical_hold_ns = SEC(10);
	budget_init(&b, &c, 0);
	/* a 5 s spike over 60 W is throttle, not critical */
	for (t = 0; t < SEC(5); t += SEC(1))
		feed(&b, t, 65.0, false, NULL);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	for (; t < SEC(8); t += SEC(1))
		feed(&b, t, 58.0, false, NULL);
	for (; t < SEC(17); t += SEC(1))
		feed(&b, t, 62.0, false, NULL);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE); /* hold restarted at 8 s */
	for (; t <= SEC(19); t += SEC(1))
		feed(&b, t, 62.0, false, NULL);
	assert_int_equal(budget_state_get(&b), BUDGET_CRITICAL);
}

static void test_moving_average(void **state)
{
	struct budget_config c;
	struct budget b;
	int64_t t;

	(void)state;
	budget_config_defaults(&c);
	c.window_ns = SEC(10);
	budget_init(&b, &c, 0);
	assert_true(isnan(budget_average(&b)));
	for (t = 0; t < SEC(10); t += SEC(1))
		feed(&b, t, t < SEC(5) ? 40.0 : 60.0, false, NULL);
	assert_float_equal(budget_average(&b), 50.0, 1e-9);
	/* short spikes are averaged away: one 90 W sample in ten does not throttle */
	budget_init(&b, &c, 0);
	for (t = 0; t < SEC(20); t += SEC(1))
		feed(&b, t, t == SEC(15) ? 90.0 : 45.0, false, NULL);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	/* old samples leave the window */
	for (; t < SEC(40); t += SEC(1))
		feed(&b, t, 30.0, false, NULL);
	assert_float_equal(budget_average(&b), 30.0, 1e-9);
}

/* The brick build: iperf3 49.5 W + 12 W extra load; tbf saves 2 W, the CPU cap 3 W. */
static double plant_w(double extra, const bool *applied)
{
	return 49.5 + extra - (applied[0] ? 2.0 : 0.0) - (applied[1] ? 3.0 : 0.0);
}

static void test_brick_iperf_extra_load_ladder(void **state)
{
	struct budget_config c;
	struct budget b;
	struct log lg = { 0 };
	bool applied[2] = { false, false };
	int order[8], norder = 0;
	int64_t t;

	(void)state;
	budget_config_defaults(&c);
	c.nsteps = 2;
	budget_init(&b, &c, 0);
	for (t = 0; t <= SEC(200); t += SEC(1)) {
		double extra = t < SEC(100) ? 12.0 : 0.0;
		int from = lg.n;

		feed(&b, t, plant_w(extra, applied), false, &lg);
		for (int i = from; i < lg.n; i++) {
			if (lg.ev[i].kind == BUDGET_EV_APPLY) {
				assert_false(applied[lg.ev[i].step]);
				applied[lg.ev[i].step] = true;
				order[norder++] = lg.ev[i].step + 1;
			} else if (lg.ev[i].kind == BUDGET_EV_UNDO) {
				assert_true(applied[lg.ev[i].step]);
				applied[lg.ev[i].step] = false;
				order[norder++] = -(lg.ev[i].step + 1);
			}
		}
		if (t == SEC(90)) {
			/* both steps on, power held inside the band below the throttle level */
			assert_true(applied[0] && applied[1]);
			assert_true(budget_average(&b) < 57.0);
			assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
		}
	}
	/* applied one at a time, undone in reverse order */
	assert_int_equal(norder, 4);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 2);
	assert_int_equal(order[2], -2);
	assert_int_equal(order[3], -1);
	assert_false(applied[0] || applied[1]);
	assert_int_equal(budget_applied(&b), 0);
	/* steps respect the dwell */
	for (int i = 1, last = -1; i < lg.n; i++) {
		if (lg.ev[i].kind == BUDGET_EV_STATE)
			continue;
		if (last >= 0)
			assert_true(lg.t[i] - lg.t[last] >= c.step_dwell_ns);
		last = i;
	}
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
}

static void test_warn_only_and_sensor_loss(void **state)
{
	struct budget_config c;
	struct budget b;
	struct log lg = { 0 };
	int64_t t;

	(void)state;
	budget_config_defaults(&c);
	c.nsteps = 2;
	c.warn_only = true;
	c.window_ns = SEC(2);
	budget_init(&b, &c, 0);
	for (t = 0; t < SEC(60); t += SEC(1))
		feed(&b, t, 62.0, false, &lg);
	for (int i = 0; i < lg.n; i++)
		assert_int_equal(lg.ev[i].kind, BUDGET_EV_STATE);
	assert_int_equal(budget_state_get(&b), BUDGET_CRITICAL);
	assert_int_equal(budget_applied(&b), 0);

	/* a lost sensor never undoes a throttle */
	c.warn_only = false;
	budget_init(&b, &c, 0);
	lg.n = 0;
	feed(&b, 0, 62.0, false, &lg);
	assert_int_equal(budget_applied(&b), 1);
	for (t = SEC(1); t < SEC(100); t += SEC(1))
		feed(&b, t, NAN, false, &lg);
	assert_int_equal(budget_applied(&b), 1);
	assert_true(isnan(budget_average(&b)));
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
}

static void test_thermal_force(void **state)
{
	struct budget_config c;
	struct budget b;
	int64_t t;

	(void)state;
	budget_config_defaults(&c);
	c.nsteps = 2;
	budget_init(&b, &c, 0);
	/* low power, but a thermal alarm asks for the ladder */
	for (t = 0; t < SEC(40); t += SEC(1))
		feed(&b, t, 30.0, true, NULL);
	assert_int_equal(budget_applied(&b), 2);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	for (; t < SEC(80); t += SEC(1))
		feed(&b, t, 30.0, false, NULL);
	assert_int_equal(budget_applied(&b), 0);
}

/* The box powers off with the ladder applied and the budget critical: all of it lets go at once. */
static void test_power_off_releases(void **state)
{
	struct budget_input in = { .watts = 0.0, .force_throttle = true, .powered_off = true };
	struct budget_event ev[BUDGET_EVENTS_MAX];
	struct budget_config c;
	struct budget b;
	struct log lg = { .n = 0 };
	int64_t t;
	int n;

	(void)state;
	budget_config_defaults(&c);
	c.nsteps = 2;
	budget_init(&b, &c, 0);
	for (t = 0; t < SEC(60); t += SEC(1))
		feed(&b, t, 70.0, true, &lg);
	assert_int_equal(budget_applied(&b), 2);
	assert_int_equal(budget_state_get(&b), BUDGET_CRITICAL);
	/* still forced by a (stale) thermal alarm and inside the step dwell: off wins */
	n = budget_update(&b, t, &in, ev, BUDGET_EVENTS_MAX);
	assert_int_equal(n, 3);
	assert_int_equal(ev[0].kind, BUDGET_EV_STATE);
	assert_int_equal(ev[0].to, BUDGET_OK);
	assert_true(ev[0].powered_off);
	assert_int_equal(ev[1].kind, BUDGET_EV_UNDO);
	assert_int_equal(ev[1].step, 1);
	assert_int_equal(ev[2].kind, BUDGET_EV_UNDO);
	assert_int_equal(ev[2].step, 0);
	assert_int_equal(budget_applied(&b), 0);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	/* more samples while off: nothing more to say */
	assert_int_equal(budget_update(&b, t + SEC(1), &in, ev, BUDGET_EVENTS_MAX), 0);
	/* events that do not fit are sent by the next calls */
	for (t += SEC(2); t < SEC(120); t += SEC(1))
		feed(&b, t, 70.0, true, NULL);
	assert_int_equal(budget_applied(&b), 2);
	n = budget_update(&b, t, &in, ev, 2);
	assert_int_equal(n, 2);
	assert_int_equal(budget_applied(&b), 1);
	assert_int_equal(budget_update(&b, t + SEC(1), &in, ev, 2), 1);
	assert_int_equal(budget_applied(&b), 0);
}

/* Defaults with a 1 s window and a ladder of nsteps; dwell_ns 0 keeps the default dwell. */
static void ladder_init(struct budget *b, struct budget_config *c, int nsteps, int64_t dwell_ns)
{
	budget_config_defaults(c);
	c->window_ns = SEC(1);
	c->nsteps = nsteps;
	if (dwell_ns)
		c->step_dwell_ns = dwell_ns;
	budget_init(b, c, 0);
}

/* Feed a constant w for secs seconds from *t (1 s samples); checks every ladder step's state. */
static void hold(struct budget *b, int64_t *t, int secs, double w, struct log *lg)
{
	for (int i = 0; i < secs; i++, *t += SEC(1)) {
		int from = lg ? lg->n : 0;

		feed(b, *t, w, false, lg);
		for (int k = from; lg && k < lg->n; k++) {
			/* the ladder moves up only while the state itself says throttle or critical */
			if (lg->ev[k].kind == BUDGET_EV_APPLY)
				assert_true(lg->ev[k].from >= BUDGET_THROTTLE);
		}
	}
}

/* Every level is entered at exactly its threshold and left only below threshold - band. */
static void test_exact_thresholds(void **state)
{
	struct budget_config c;
	struct budget b;
	struct log lg = { 0 };
	int64_t t = 0;

	(void)state;
	ladder_init(&b, &c, 2, SEC(5));
	/* 51 W is exactly 85 % of 60 W: warn, and no ladder step */
	hold(&b, &t, 3, 50.99, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	hold(&b, &t, 3, 51.0, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	assert_int_equal(budget_applied(&b), 0);
	/* 48 W is exactly warn - 3 W: still inside the band, held */
	hold(&b, &t, 3, 48.0, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	hold(&b, &t, 3, 47.99, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_OK);
	/* 57 W is exactly 95 %: throttle, and the first ladder step at once */
	hold(&b, &t, 3, 56.99, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	assert_int_equal(budget_applied(&b), 0);
	hold(&b, &t, 1, 57.0, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	assert_int_equal(budget_applied(&b), 1);
	/* at exactly the throttle level the ladder keeps climbing once the dwell is over */
	hold(&b, &t, 4, 57.0, &lg);
	assert_int_equal(budget_applied(&b), 1);
	hold(&b, &t, 1, 57.0, &lg);
	assert_int_equal(budget_applied(&b), 2);
	/* 54 W is exactly throttle - 3 W: state and ladder held */
	hold(&b, &t, 10, 54.0, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	assert_int_equal(budget_applied(&b), 2);
	/* just below: back to warn (53.99 >= 48), and the ladder comes down one step per dwell */
	hold(&b, &t, 1, 53.99, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	assert_int_equal(budget_applied(&b), 1);
	hold(&b, &t, 4, 53.99, &lg);
	assert_int_equal(budget_applied(&b), 1);
	hold(&b, &t, 1, 53.99, &lg);
	assert_int_equal(budget_applied(&b), 0);

	/* 60 W is exactly 100 %: critical after exactly the hold time, not a sample earlier */
	budget_init(&b, &c, 0);
	t = 0;
	hold(&b, &t, 10, 60.0, &lg); /* over since 0, now 9 s */
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	hold(&b, &t, 1, 60.0, &lg); /* 10 s: held for exactly critical_hold_ns */
	assert_int_equal(budget_state_get(&b), BUDGET_CRITICAL);
	/* critical is left like the others: at exactly 60 - 3 W it holds, below it drops */
	hold(&b, &t, 3, 57.0, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_CRITICAL);
	hold(&b, &t, 1, 56.99, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	/* 59.99 W held for long never becomes critical */
	budget_init(&b, &c, 0);
	t = 0;
	hold(&b, &t, 30, 59.99, &lg);
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
}

/* Critical climbs the ladder at its own short dwell, not the throttle level's. */
static void test_critical_dwell(void **state)
{
	struct budget_config c;
	struct budget b;
	struct log lg = { 0 };
	int64_t t = 0;

	(void)state;
	ladder_init(&b, &c, 3, 0);
	hold(&b, &t, 10, 65.0, &lg); /* 0..9 s: throttle, the first step at 0 s */
	assert_int_equal(budget_state_get(&b), BUDGET_THROTTLE);
	assert_int_equal(budget_applied(&b), 1);
	hold(&b, &t, 1, 65.0, &lg); /* 10 s: critical, and 10 s > the 2 s critical dwell */
	assert_int_equal(budget_state_get(&b), BUDGET_CRITICAL);
	assert_int_equal(budget_applied(&b), 2);
	hold(&b, &t, 1, 65.0, &lg); /* 11 s: 1 s after the last step */
	assert_int_equal(budget_applied(&b), 2);
	hold(&b, &t, 1, 65.0, &lg); /* 12 s: 2 s after it */
	assert_int_equal(budget_applied(&b), 3);
}

/*
 * After a thermal force the ladder is undone only below the throttle release level: at 55 W
 * (warn, inside the band under 57 W) undoing a step could push the box straight over again.
 */
static void test_forced_ladder_held_in_band(void **state)
{
	struct budget_config c;
	struct budget b;
	int64_t t;

	(void)state;
	ladder_init(&b, &c, 2, SEC(5));
	for (t = 0; t < SEC(20); t += SEC(1))
		feed(&b, t, 55.0, true, NULL);
	assert_int_equal(budget_applied(&b), 2);
	assert_int_equal(budget_state_get(&b), BUDGET_WARN);
	for (; t < SEC(60); t += SEC(1))
		feed(&b, t, 54.0, false, NULL); /* exactly 57 - 3: still held */
	assert_int_equal(budget_applied(&b), 2);
	for (; t < SEC(80); t += SEC(1))
		feed(&b, t, 53.99, false, NULL);
	assert_int_equal(budget_applied(&b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_and_hysteresis),
		cmocka_unit_test(test_critical_needs_hold),
		cmocka_unit_test(test_moving_average),
		cmocka_unit_test(test_brick_iperf_extra_load_ladder),
		cmocka_unit_test(test_warn_only_and_sensor_loss),
		cmocka_unit_test(test_thermal_force),
		cmocka_unit_test(test_power_off_releases),
		cmocka_unit_test(test_exact_thresholds),
		cmocka_unit_test(test_critical_dwell),
		cmocka_unit_test(test_forced_ladder_held_in_band),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
