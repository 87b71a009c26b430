/* test_loop.c - the event loop in box time: ordered timers, sim advances, plant edges on time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/clock.h"
#include "hw/gpio.h"
#include "hw/hw.h"
#include "hw/sim/plant.h"
#include "supervisor/runtime/loop.h"

#define MS INT64_C(1000000)
#define S INT64_C(1000000000)

struct fixture {
	struct sim_plant *plant;
	struct hw *hw;
	struct loop *loop;
};

struct rec {
	int64_t fired[16];
	int n;
	struct loop_timer *self;
	int64_t rearm;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sim_plant_config cfg;

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	cfg.speed = 0;
	assert_int_equal(sim_plant_new(&cfg, &f->plant), 0);
	assert_int_equal(hw_sim_new(f->plant, &f->hw), 0);
	assert_int_equal(loop_new(f->hw, &f->loop), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	loop_free(f->loop);
	hw_free(f->hw);
	sim_plant_free(f->plant);
	free(f);
	return 0;
}

static void on_timer(struct loop_timer *t, int64_t now, void *userdata)
{
	struct rec *r = userdata;

	r->fired[r->n++] = now;
	if (r->rearm)
		loop_timer_arm_at(t, now + r->rearm);
}

static void test_timers_in_order(void **state)
{
	struct fixture *f = *state;
	struct rec a = { 0 }, b = { 0 };
	struct loop_timer *ta, *tb;
	int64_t t0 = loop_now(f->loop);

	assert_int_equal(loop_timer_new(f->loop, "a", on_timer, &a, &ta), 0);
	assert_int_equal(loop_timer_new(f->loop, "b", on_timer, &b, &tb), 0);
	a.rearm = 1 * S; /* periodic */
	loop_timer_arm_in(ta, 1 * S);
	loop_timer_arm_in(tb, 2500 * MS);
	assert_int_equal(loop_advance(f->loop, 3 * S), 0);
	assert_int_equal(loop_now(f->loop), t0 + 3 * S);
	assert_int_equal(a.n, 3);
	assert_int_equal(a.fired[0], t0 + 1 * S);
	assert_int_equal(a.fired[2], t0 + 3 * S);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.fired[0], t0 + 2500 * MS);
	assert_false(loop_timer_armed(tb));
	loop_timer_disarm(ta);
	assert_int_equal(loop_advance(f->loop, 5 * S), 0);
	assert_int_equal(a.n, 3);
	loop_timer_free(ta);
	loop_timer_free(tb);
}

struct edge_rec {
	struct hw_gpio_line *line;
	struct hw_gpio_event ev[8];
	int n;
};

static void on_edge(int fd, void *userdata)
{
	struct edge_rec *r = userdata;
	struct hw_gpio_event ev;

	while (hw_gpio_line_event_read(r->line, &ev) == 1 && r->n < 8)
		r->ev[r->n++] = ev;
}

/* PWR_OK rises psu_ok_delay after PS_ON: the advance must deliver that edge, stamped exactly. */
static void test_plant_edges_delivered_on_time(void **state)
{
	struct fixture *f = *state;
	struct hw_gpio_line *ps_on, *pwr_ok;
	struct edge_rec rec = { 0 };
	struct loop_io *io;
	struct sim_plant_config cfg;
	int64_t t0;

	sim_plant_config_defaults(&cfg, SIM_BUILD_SFX);
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_ON_N", HW_GPIO_OUTPUT,
					   HW_GPIO_ACTIVE_LOW | HW_GPIO_OPEN_DRAIN, 0, "test", &ps_on), 0);
	assert_int_equal(hw_gpio_line_open(f->hw, "PSU_PWR_OK", HW_GPIO_INPUT, HW_GPIO_EDGES, 0,
					   "test", &pwr_ok), 0);
	rec.line = pwr_ok;
	assert_int_equal(loop_io_add(f->loop, hw_gpio_line_fd(pwr_ok), on_edge, &rec, &io), 0);
	t0 = loop_now(f->loop);
	assert_int_equal(hw_gpio_line_set(ps_on, 1), 0);
	assert_int_equal(loop_advance(f->loop, 1 * S), 0);
	assert_int_equal(rec.n, 1);
	assert_true(rec.ev[0].active);
	assert_int_equal(rec.ev[0].ts_ns, t0 + cfg.psu_ok_delay_ns);
	assert_int_equal(hw_gpio_line_get(pwr_ok), 1);
	loop_io_free(io);
	hw_gpio_line_close(pwr_ok);
	hw_gpio_line_close(ps_on);
}

struct nested_ctx {
	int r;
	struct loop *l;
};

static void nested(struct loop_timer *t, int64_t now, void *userdata)
{
	struct nested_ctx *c = userdata;

	c->r = loop_advance(c->l, 1 * S);
}

static void test_advance_guards(void **state)
{
	struct fixture *f = *state;
	struct loop_timer *t;
	struct nested_ctx ctx = { 0, f->loop };

	assert_int_equal(loop_advance(f->loop, -1), -EINVAL);
	assert_int_equal(loop_timer_new(f->loop, "nested", nested, &ctx, &t), 0);
	loop_timer_arm_in(t, 10 * MS);
	assert_int_equal(loop_advance(f->loop, 1 * S), 0);
	assert_int_equal(ctx.r, -EBUSY); /* an advance from inside an advance is refused */
	loop_timer_free(t);
}

/* A periodic timer on the grid: period is rec.rearm; a jump of the box clock inside the
 * callback (rec.self set) makes it late by that much (a wake-up that came late) */
struct grid_rec {
	int64_t fired[16];
	int n;
	int64_t period, late_by;
	int64_t skipped;
	struct fixture *f;
};

static void on_grid(struct loop_timer *t, int64_t now, void *userdata)
{
	struct grid_rec *r = userdata;

	r->fired[r->n++] = now;
	if (r->late_by) {
		hw_clock_advance_to(r->f->hw, now + r->late_by);
		r->late_by = 0;
	}
	r->skipped += loop_timer_arm_next(t, r->period);
}

/*
 * Periodic timers run on multiples of their period: started at different times, a 1 s and a
 * 250 ms timer share every whole-second wake-up (the armed list shows one due time), a run
 * that could not happen on time is skipped and counted, never burst.
 */
static void test_periodic_timers_share_the_grid(void **state)
{
	struct fixture *f = *state;
	struct grid_rec a = { .period = 1 * S, .f = f }, b = { .period = 250 * MS, .f = f };
	struct loop_timer *ta, *tb;
	int64_t t0 = loop_now(f->loop);

	assert_int_equal(loop_timer_new(f->loop, "a", on_grid, &a, &ta), 0);
	assert_int_equal(loop_timer_new(f->loop, "b", on_grid, &b, &tb), 0);
	loop_timer_arm_in(ta, 0); /* a first run at once, as the fan does */
	assert_int_equal(loop_advance(f->loop, 123 * MS), 0);
	assert_int_equal(loop_timer_arm_first(tb, 250 * MS) % (250 * MS), 0);
	assert_int_equal(loop_advance(f->loop, 3 * S), 0);
	assert_int_equal(a.fired[0], t0);
	for (int i = 1; i < a.n; i++)
		assert_int_equal(a.fired[i] % S, 0);
	for (int i = 0; i < b.n; i++)
		assert_int_equal(b.fired[i] % (250 * MS), 0);
	/* from the second run on, a's due time is one of b's */
	assert_int_equal(loop_timer_deadline(ta) % (250 * MS), 0);
	assert_int_equal(a.skipped + b.skipped, 0);

	/* b comes back 1.1 s late once: four slots missed, none burst */
	b.n = 0;
	b.late_by = 1100 * MS;
	assert_int_equal(loop_advance(f->loop, 300 * MS), 0);
	assert_int_equal(b.skipped, 4);
	assert_true(b.n <= 3);
	for (int i = 1; i < b.n; i++)
		assert_true(b.fired[i] - b.fired[i - 1] >= 250 * MS);
	loop_timer_free(ta);
	loop_timer_free(tb);
}

static void on_real(struct loop_timer *t, int64_t now, void *userdata)
{
	(*(int *)userdata)++;
}

/* A real-time timer is not box time: an advance of the sim never fires it. */
static void test_real_timer_ignores_advance(void **state)
{
	struct fixture *f = *state;
	struct loop_timer *t;
	int fired = 0;

	assert_int_equal(loop_timer_new_real(f->loop, "status", on_real, &fired, &t), 0);
	loop_timer_arm_in(t, 3600 * S);
	assert_int_equal(loop_advance(f->loop, 7200 * S), 0);
	assert_int_equal(fired, 0);
	assert_true(loop_timer_armed(t));
	loop_timer_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_timers_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plant_edges_delivered_on_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_advance_guards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_periodic_timers_share_the_grid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_timer_ignores_advance, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
