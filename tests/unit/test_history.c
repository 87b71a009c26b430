/* test_history.c - the history ring (order, wrap-around, unknowns as null) and its service in virtual time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim-box.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/services/history-svc.h"
#include "supervisor/services/history.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SEC(x) ((int64_t)(x)*HW_NSEC_PER_SEC)

/* Readings with every number unknown and the named temperatures listed, NAN. */
static void readings_unknown(struct box_readings *r, const char *const *names, int n)
{
	memset(r, 0, sizeof(*r));
	r->watts = r->volts = r->amps = NAN;
	r->fan_duty_pct = r->fan_duty_actual_pct = r->fan_rpm = NAN;
	r->ib_rx_gbps = r->ib_tx_gbps = NAN;
	for (int i = 0; i < n; i++) {
		snprintf(r->temps[i].name, sizeof(r->temps[i].name), "%s", names[i]);
		r->temps[i].celsius = NAN;
	}
	r->ntemps = n;
}

/* The ring's JSON as one document, in buf. */
static void ring_json(const struct history *h, int64_t now, char *buf, size_t len)
{
	struct json *j = json_new();
	const char *doc;

	assert_non_null(j);
	json_object_begin(j, NULL);
	history_json(h, j, now);
	json_object_end(j);
	doc = json_finish(j, NULL);
	assert_non_null(doc);
	assert_true(strlen(doc) < len);
	snprintf(buf, len, "%s", doc);
	json_free(j);
}

static void test_ring_order_and_wrap(void **state)
{
	struct history *h;
	struct box_readings r;
	const char *names[] = { "nic" };

	(void)state;
	assert_int_equal(history_new(&h), 0);
	assert_int_equal(history_count(h), 0);
	assert_null(history_point_at(h, 0));
	readings_unknown(&r, names, 1);
	for (int i = 0; i < HISTORY_POINTS + 40; i++) {
		r.watts = i;
		r.temps[0].celsius = 30 + i % 7;
		history_sample(h, &r, SEC(10) * (i + 1), SEC(1000) + SEC(10) * (i + 1));
		assert_int_equal(history_count(h), i + 1 < HISTORY_POINTS ? i + 1 : HISTORY_POINTS);
		/* the newest is always the last, whatever slot it went to */
		assert_float_equal(history_point_at(h, history_count(h) - 1)->watts, i, 0);
	}
	/* full: the oldest 40 went, the rest in order, 10 s apart */
	assert_int_equal(history_count(h), HISTORY_POINTS);
	assert_float_equal(history_point_at(h, 0)->watts, 40, 0);
	for (int i = 1; i < HISTORY_POINTS; i++) {
		const struct history_point *a = history_point_at(h, i - 1), *b = history_point_at(h, i);

		assert_float_equal(b->watts, a->watts + 1, 0);
		assert_true(b->mono_ns - a->mono_ns == SEC(10));
		assert_float_equal(b->temps_c[0], 30 + (40 + i) % 7, 0);
	}
	assert_null(history_point_at(h, HISTORY_POINTS));
	assert_null(history_point_at(h, -1));
	assert_int_equal(history_ntemps(h), 1);
	assert_string_equal(history_temp_name(h, 0), "nic");
	assert_null(history_temp_name(h, 1));
	history_free(h);
}

static void test_unknowns_stay_null(void **state)
{
	struct history *h;
	struct box_readings r;
	const char *names[] = { "nic", "cpu" };
	static char doc[8192];

	(void)state;
	assert_int_equal(history_new(&h), 0);
	/* the first two samples know only the nic input, and it has failed */
	readings_unknown(&r, names, 1);
	r.watts = 20.5;
	history_sample(h, &r, SEC(10), SEC(1000));
	r.watts = NAN;
	r.fan_duty_pct = 100;
	history_sample(h, &r, SEC(20), SEC(1010));
	/* then cpu appears, nic comes back, and IB is known */
	readings_unknown(&r, names, 2);
	r.watts = 0; /* a real 0 W (the box off) is a number */
	r.temps[0].celsius = 41.5;
	r.temps[1].celsius = 33;
	r.ib_rx_gbps = 1.25;
	r.ib_tx_gbps = 0;
	history_sample(h, &r, SEC(30), SEC(1020));
	/* and then cpu is missing from the readings: unknown, not its last value */
	readings_unknown(&r, names, 1);
	r.temps[0].celsius = 42;
	history_sample(h, &r, SEC(40), SEC(1030));

	assert_int_equal(history_ntemps(h), 2);
	assert_string_equal(history_temp_name(h, 1), "cpu");
	assert_true(isnan(history_point_at(h, 0)->temps_c[1]));
	assert_true(isnan(history_point_at(h, 3)->temps_c[1]));
	ring_json(h, SEC(40), doc, sizeof(doc));
	assert_non_null(strstr(doc, "\"period_s\":10,\"capacity\":360,\"count\":4,"));
	assert_non_null(strstr(doc, "\"age_s\":[30.0,20.0,10.0,0.0]"));
	assert_non_null(strstr(doc, "\"watts\":[20.50,null,0.00,null]"));
	assert_non_null(strstr(doc, "\"fan_duty_pct\":[null,100.0,null,null]"));
	assert_non_null(strstr(doc, "\"fan_duty_actual_pct\":[null,null,null,null]"));
	assert_non_null(strstr(doc, "\"ib_rx_gbps\":[null,null,1.250,null]"));
	assert_non_null(strstr(doc, "\"ib_tx_gbps\":[null,null,0.000,null]"));
	assert_non_null(strstr(doc, "\"temps_c\":{\"nic\":[null,null,41.5,42.0],\"cpu\":[null,null,33.0,null]}"));
	assert_non_null(strstr(doc, "\"time\":[\"1970-01-01T00:16:40.000Z\","));
	history_free(h);
}

static void test_empty_json(void **state)
{
	struct history *h;
	char doc[512];

	(void)state;
	assert_int_equal(history_new(&h), 0);
	ring_json(h, SEC(5), doc, sizeof(doc));
	assert_string_equal(doc, "{\"period_s\":10,\"capacity\":360,\"count\":0,\"time\":[],"
				 "\"age_s\":[],\"watts\":[],\"fan_duty_pct\":[],"
				 "\"fan_duty_actual_pct\":[],\"ib_rx_gbps\":[],\"ib_tx_gbps\":[],"
				 "\"temps_c\":{}}");
	history_free(h);
}

/* The service on a paused simulated box: box time alone fills the ring, one point a period. */
static void test_service_in_virtual_time(void **state)
{
	struct sim_box sb;
	struct box b;
	struct history_svc *s;
	const struct history *h;
	const char *names[] = { "nic" };
	int64_t t0;

	(void)state;
	log_init(LOG_TARGET_NONE, 0);
	memset(&b, 0, sizeof(b));
	assert_int_equal(sim_box_open(&sb, SIM_BOX_OFF), 0);
	b.hw = sb.hw;
	assert_int_equal(loop_new(b.hw, &b.loop), 0);
	readings_unknown(&b.readings, names, 1);
	b.readings.watts = 20;
	t0 = loop_now(b.loop);
	assert_int_equal(history_svc_new(&b, &s), 0);
	h = history_svc_ring(s);

	assert_int_equal(loop_advance(b.loop, SEC(9)), 0);
	assert_int_equal(history_count(h), 0); /* the first point one period in */
	assert_int_equal(loop_advance(b.loop, SEC(1)), 0);
	assert_int_equal(history_count(h), 1);
	assert_int_equal(loop_advance(b.loop, SEC(30 * 60) - SEC(10)), 0);
	assert_int_equal(history_count(h), 180);
	b.readings.watts = 30;
	b.readings.temps[0].celsius = 45;
	assert_int_equal(loop_advance(b.loop, SEC(30 * 60)), 0);
	assert_int_equal(history_count(h), HISTORY_POINTS); /* an hour: full */
	for (int i = 0; i < HISTORY_POINTS; i++) {
		const struct history_point *p = history_point_at(h, i);

		assert_true(p->mono_ns == t0 + SEC(10) * (i + 1));
		assert_float_equal(p->watts, i < 180 ? 20 : 30, 0);
		assert_true(i < 180 ? isnan(p->temps_c[0]) : p->temps_c[0] == 45);
	}
	/* ten more minutes: 60 new points, the oldest 60 gone */
	assert_int_equal(loop_advance(b.loop, SEC(10 * 60)), 0);
	assert_int_equal(history_count(h), HISTORY_POINTS);
	assert_true(history_point_at(h, 0)->mono_ns == t0 + SEC(10) * 61);
	assert_float_equal(history_point_at(h, 119)->watts, 20, 0);
	assert_float_equal(history_point_at(h, 120)->watts, 30, 0);
	assert_true(history_point_at(h, HISTORY_POINTS - 1)->mono_ns == t0 + SEC(70 * 60));

	history_svc_free(s);
	loop_free(b.loop);
	sim_box_close(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_order_and_wrap),
		cmocka_unit_test(test_unknowns_stay_null),
		cmocka_unit_test(test_empty_json),
		cmocka_unit_test(test_service_in_virtual_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
