/* test_thermal.c - temperature levels: consecutive readings, hysteresis, actions per level. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor/policy/thermal.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static int feed_n(struct thermal *t, double c, int n, int *changes)
{
	enum thermal_level from;

	for (int i = 0; i < n; i++)
		if (thermal_update(t, c, &from))
			(*changes)++;
	return t->level;
}

/* Warn 60, critical 70, emergency 80 C, a 3 C band, `consecutive` readings to change. */
static void levels_60_70_80(struct thermal_config *c, int consecutive)
{
	thermal_config_defaults(c, "nic");
	c->warn_c = 60;
	c->crit_c = 70;
	c->emerg_c = 80;
	c->hysteresis_c = 3;
	c->consecutive = consecutive;
}

static void test_consecutive_readings(void **state)
{
	struct thermal_config c;
	struct thermal t;
	enum thermal_level from;
	int ch = 0;

	(void)state;
	levels_60_70_80(&c, 3);
	thermal_init(&t, &c);
	/* two hot readings then a cool one: no change */
	feed_n(&t, 65, 2, &ch);
	feed_n(&t, 50, 1, &ch);
	feed_n(&t, 65, 2, &ch);
	assert_int_equal(t.level, THERMAL_OK);
	assert_int_equal(ch, 0);
	assert_true(thermal_update(&t, 65, &from));
	assert_int_equal(from, THERMAL_OK);
	assert_int_equal(t.level, THERMAL_WARN);
	/* disagreeing readings (warn, critical, warn...) never settle on critical */
	for (int i = 0; i < 10; i++) {
		thermal_update(&t, 72, &from);
		thermal_update(&t, 65, &from);
	}
	assert_int_equal(t.level, THERMAL_WARN);
	/* an invalid reading restarts the count */
	feed_n(&t, 72, 2, &ch);
	thermal_update(&t, NAN, &from);
	feed_n(&t, 72, 2, &ch);
	assert_int_equal(t.level, THERMAL_WARN);
	feed_n(&t, 72, 1, &ch);
	assert_int_equal(t.level, THERMAL_CRIT);
	/* jumping straight to emergency after three agreeing readings */
	assert_int_equal(feed_n(&t, 85, 3, &ch), THERMAL_EMERG);
}

static void test_hysteresis(void **state)
{
	struct thermal_config c;
	int ch = 0;
	struct thermal t;

	(void)state;
	thermal_config_defaults(&c, "nic");
	c.warn_c = 60;
	c.crit_c = 70;
	c.emerg_c = NAN; /* disabled */
	c.hysteresis_c = 3;
	c.consecutive = 1;
	thermal_init(&t, &c);
	assert_int_equal(feed_n(&t, 71, 1, &ch), THERMAL_CRIT);
	assert_int_equal(feed_n(&t, 68, 1, &ch), THERMAL_CRIT); /* 70 - 3 = 67 */
	assert_int_equal(feed_n(&t, 66.9, 1, &ch), THERMAL_WARN);
	assert_int_equal(feed_n(&t, 57.5, 1, &ch), THERMAL_WARN); /* 60 - 3 = 57 */
	assert_int_equal(feed_n(&t, 56.9, 1, &ch), THERMAL_OK);
	assert_int_equal(feed_n(&t, 150, 1, &ch), THERMAL_CRIT); /* emergency disabled */
	assert_int_equal(thermal_classify(&c, THERMAL_CRIT, 40), THERMAL_OK);
	assert_int_equal(thermal_classify(&c, THERMAL_OK, 65), THERMAL_WARN);
}

static void test_actions(void **state)
{
	struct thermal_config c;
	struct thermal t;
	unsigned a;
	char buf[64];
	int ch = 0;

	(void)state;
	thermal_config_defaults(&c, "nic");
	c.consecutive = 1;
	thermal_init(&t, &c);
	assert_int_equal(thermal_actions(&t), 0);
	feed_n(&t, c.warn_c + 1, 1, &ch);
	assert_int_equal(thermal_actions(&t), THERMAL_ACT_ALERT);
	feed_n(&t, c.crit_c + 1, 1, &ch);
	a = thermal_actions(&t);
	assert_true((a & THERMAL_ACT_FAN) && (a & THERMAL_ACT_THROTTLE));
	assert_false(a & THERMAL_ACT_POWEROFF);
	feed_n(&t, c.emerg_c + 1, 1, &ch);
	assert_true(thermal_actions(&t) & THERMAL_ACT_POWEROFF);

	assert_int_equal(thermal_actions_parse("alert, fan+throttle", &a), 0);
	assert_int_equal(a, THERMAL_ACT_ALERT | THERMAL_ACT_FAN | THERMAL_ACT_THROTTLE);
	assert_int_equal(thermal_actions_parse("none", &a), 0);
	assert_int_equal(a, 0);
	assert_int_equal(thermal_actions_parse("explode", &a), -EINVAL);
	assert_string_equal(
		thermal_actions_format(THERMAL_ACT_FAN | THERMAL_ACT_POWEROFF, buf, sizeof(buf)),
		"fan,poweroff");
	/* configurable: emergency without power-off */
	c.actions[THERMAL_EMERG] = THERMAL_ACT_ALERT;
	c.actions[THERMAL_CRIT] = THERMAL_ACT_ALERT;
	thermal_init(&t, &c);
	feed_n(&t, c.emerg_c + 5, 1, &ch);
	assert_int_equal(t.level, THERMAL_EMERG);
	assert_int_equal(thermal_actions(&t), THERMAL_ACT_ALERT);
}

/* A powered-off part: NAN keeps an emergency (a failed sensor), power-off lets it go at once. */
static void test_power_off(void **state)
{
	enum thermal_level from = THERMAL_OK;
	struct thermal_config c;
	struct thermal t;
	int ch = 0;

	(void)state;
	thermal_config_defaults(&c, "nic");
	thermal_init(&t, &c);
	assert_int_equal(feed_n(&t, c.emerg_c + 1, 3, &ch), THERMAL_EMERG);
	assert_int_equal(feed_n(&t, NAN, 10, &ch), THERMAL_EMERG);
	assert_true(thermal_power_off(&t, &from));
	assert_int_equal(from, THERMAL_EMERG);
	assert_int_equal(t.level, THERMAL_OK);
	assert_int_equal(thermal_actions(&t), 0);
	assert_false(thermal_power_off(&t, &from)); /* already ok: no change to report */
	/* back on and hot: the usual consecutive readings raise it again */
	assert_int_equal(feed_n(&t, c.crit_c + 1, 2, &ch), THERMAL_OK);
	assert_int_equal(feed_n(&t, c.crit_c + 1, 1, &ch), THERMAL_CRIT);
}

/* Each level is entered at exactly its temperature and left only below it minus the band. */
static void test_exact_thresholds(void **state)
{
	struct thermal_config c;
	struct thermal t;
	int ch = 0;

	(void)state;
	levels_60_70_80(&c, 1);
	thermal_init(&t, &c);
	assert_int_equal(feed_n(&t, 59.99, 1, &ch), THERMAL_OK);
	assert_int_equal(feed_n(&t, 60, 1, &ch), THERMAL_WARN);
	assert_int_equal(feed_n(&t, 70, 1, &ch), THERMAL_CRIT);
	assert_int_equal(feed_n(&t, 80, 1, &ch), THERMAL_EMERG);
	assert_int_equal(feed_n(&t, 77, 1, &ch), THERMAL_EMERG); /* exactly 80 - 3: held */
	assert_int_equal(feed_n(&t, 76.99, 1, &ch), THERMAL_CRIT);
	assert_int_equal(feed_n(&t, 67, 1, &ch), THERMAL_CRIT);
	assert_int_equal(feed_n(&t, 66.99, 1, &ch), THERMAL_WARN);
	assert_int_equal(feed_n(&t, 57, 1, &ch), THERMAL_WARN);
	assert_int_equal(feed_n(&t, 56.99, 1, &ch), THERMAL_OK);
	assert_int_equal(ch, 6);
}

/* A lost reading says nothing about the temperature: the level holds however long it lasts. */
static void test_invalid_reading_holds_level(void **state)
{
	struct thermal_config c;
	struct thermal t;
	enum thermal_level from;
	int ch = 0;

	(void)state;
	thermal_config_defaults(&c, "nic");
	c.consecutive = 1;
	thermal_init(&t, &c);
	assert_int_equal(feed_n(&t, c.crit_c + 1, 1, &ch), THERMAL_CRIT);
	for (int i = 0; i < 10; i++)
		assert_false(thermal_update(&t, NAN, &from));
	assert_int_equal(t.level, THERMAL_CRIT);
	assert_true(isnan(t.last_c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_off),
		cmocka_unit_test(test_consecutive_readings),
		cmocka_unit_test(test_hysteresis),
		cmocka_unit_test(test_actions),
		cmocka_unit_test(test_exact_thresholds),
		cmocka_unit_test(test_invalid_reading_holds_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
