/* test_powerseq.c - the power sequencer in virtual time: every transition, timeout and race. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/config/power-config.h"
#include "supervisor/policy/powerseq.h"

#define MS INT64_C(1000000)
#define SEC INT64_C(1000000000)

/* A virtual-time rig: feeds the machine and collects what it asked for. */
struct rig {
	struct power_config cfg;
	struct powerseq ps;
	struct powerseq_output out;
	int64_t now;
	unsigned requests;    /* union since the last rig_clear() */
	unsigned warnings;
	enum powerseq_reason reasons[64];
	enum powerseq_state tos[64];
	int nreasons;
	int steps;
};

static void rig_collect(struct rig *r)
{
	r->requests |= r->out.requests;
	r->warnings |= r->out.new_warnings;
	for (int i = 0; i < r->out.ntransitions && r->nreasons < 64; i++) {
		r->reasons[r->nreasons] = r->out.transitions[i].reason;
		r->tos[r->nreasons++] = r->out.transitions[i].to;
	}
}

static void rig_clear(struct rig *r)
{
	r->requests = 0;
	r->warnings = 0;
	r->nreasons = 0;
}

static int rig_input(struct rig *r, const struct powerseq_input *in)
{
	int ret = powerseq_step(&r->ps, in, r->now, &r->out);

	r->steps++;
	rig_collect(r);
	return ret;
}

static void rig_init(struct rig *r, enum power_topology topo)
{
	memset(r, 0, sizeof(*r));
	power_config_defaults(&r->cfg);
	r->cfg.topology = topo;
	r->now = 1000 * SEC;
}

static void rig_start_full(struct rig *r, bool psu_ok, bool alive, bool button,
			   enum powerseq_requested last)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_STARTUP };

	powerseq_init(&r->ps, &r->cfg);
	in.psu_ok = psu_ok;
	in.host_alive = alive;
	in.has_host_alive = r->cfg.topology == POWER_TOPOLOGY_CONTROLLER;
	in.button = button;
	in.last_requested = last;
	assert_int_equal(rig_input(r, &in), 0);
}

static void rig_start(struct rig *r)
{
	rig_start_full(r, false, false, false, POWERSEQ_REQUESTED_UNKNOWN);
}

/* Let virtual time pass, stepping at every deadline the machine asks for, like the loop does. */
static void rig_advance(struct rig *r, int64_t dt)
{
	int64_t target = r->now + dt;
	struct powerseq_input none = { .event = POWERSEQ_EV_NONE };

	while (r->out.next_deadline_ns <= target) {
		assert_true(r->out.next_deadline_ns >= r->now);
		r->now = r->out.next_deadline_ns;
		assert_int_equal(rig_input(r, &none), 0);
	}
	r->now = target;
	assert_int_equal(rig_input(r, &none), 0);
}

static void rig_edge(struct rig *r, enum powerseq_event ev, bool level)
{
	struct powerseq_input in = { .event = ev, .level = level, .stamped = true,
				     .ts_ns = r->now };

	assert_int_equal(rig_input(r, &in), 0);
}

static int rig_cmd(struct rig *r, enum powerseq_command cmd)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_COMMAND, .command = cmd };

	assert_int_equal(rig_input(r, &in), 0);
	return r->out.reply_status;
}

static void rig_answer(struct rig *r, enum powerseq_event ev, bool yes)
{
	struct powerseq_input in = { .event = ev, .level = yes };

	assert_int_equal(rig_input(r, &in), 0);
}

/* A press of `hold`, then enough time for the release to pass the debounce. */
static void rig_press(struct rig *r, int64_t hold)
{
	rig_edge(r, POWERSEQ_EV_BUTTON, true);
	rig_advance(r, hold);
	rig_edge(r, POWERSEQ_EV_BUTTON, false);
	rig_advance(r, r->cfg.debounce_ns);
}

static enum powerseq_state st(const struct rig *r)
{
	return powerseq_state_get(&r->ps);
}

static bool saw_reason(const struct rig *r, enum powerseq_reason reason)
{
	for (int i = 0; i < r->nreasons; i++)
		if (r->reasons[i] == reason)
			return true;
	return false;
}

/* Controller: from off to on through the whole sequence, checking each line on the way. */
static void rig_power_on(struct rig *r)
{
	rig_press(r, 100 * MS);
	assert_int_equal(st(r), POWERSEQ_PSU_STARTING);
	assert_true(r->out.psu_on);
	assert_false(r->out.host_button);
	rig_advance(r, 300 * MS);
	rig_edge(r, POWERSEQ_EV_PSU_OK, true);
	assert_int_equal(st(r), POWERSEQ_HOST_STARTING);
	assert_false(r->out.host_button); /* settling */
	rig_advance(r, r->cfg.settle_ns);
	assert_true(r->out.host_button); /* pulse */
	rig_advance(r, r->cfg.host_button_pulse_ns);
	assert_false(r->out.host_button);
	assert_int_equal(st(r), POWERSEQ_HOST_STARTING);
	rig_advance(r, 20 * SEC);
	rig_edge(r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(r, r->cfg.debounce_ns);
	assert_int_equal(st(r), POWERSEQ_ON);
	assert_true(r->out.psu_on);
	assert_int_equal(r->out.led, POWERSEQ_LED_ON);
}

/* ---- configuration ---- */

static void test_config_defaults_and_keys(void **state)
{
	struct power_config c;
	char err[256];
	int line = -1;

	power_config_defaults(&c);
	assert_int_equal(c.psu_ok_timeout_ns, 500 * MS);
	assert_int_equal(c.host_button_pulse_ns, 200 * MS);
	assert_int_equal(c.force_off_hold_ns, 6 * SEC);
	assert_int_equal(c.long_press_ns, 4 * SEC);
	assert_int_equal(c.debounce_ns, 30 * MS);
	assert_int_equal(c.cycle_delay_ns, 5 * SEC);
	assert_true(c.psu_on_active_low);
	assert_true(c.psu_on_open_drain);
	assert_true(c.button_active_low);
	assert_false(c.host_button_active_low);
	assert_string_equal(c.state_file, "/var/lib/h2box/power.state");

	assert_int_equal(power_config_set(&c, "power", "psu_ok_timeout", "250ms", 3, err,
					  sizeof(err)), 0);
	assert_int_equal(c.psu_ok_timeout_ns, 250 * MS);
	assert_int_equal(power_config_set(&c, "power", "psu_ok_timeout", "3s", 4, err, sizeof(err)),
			 -ERANGE);
	/* the message names the range; the profile loader puts the key in front, once */
	assert_non_null(strstr(err, "out of range"));
	assert_null(strstr(err, "psu_ok_timeout"));
	assert_int_equal(power_config_set(&c, "power", "topology", "self", 5, err, sizeof(err)), 0);
	assert_int_equal(c.topology, POWER_TOPOLOGY_SELF);
	assert_int_equal(power_config_set(&c, "power", "topology", "both", 5, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(power_config_set(&c, "power", "restore", "last", 6, err, sizeof(err)), 0);
	assert_int_equal(power_config_set(&c, "power", "pwr_ok_drop_action", "ignore", 7, err,
					  sizeof(err)), 0);
	assert_int_equal(c.pwr_ok_drop_action, POWER_DROP_IGNORE);
	assert_int_equal(c.host_supply, POWER_HOST_SUPPLY_PSU); /* the SFX feeds everything */
	assert_int_equal(power_config_set(&c, "power", "host_supply", "own", 7, err, sizeof(err)),
			 0);
	assert_int_equal(c.host_supply, POWER_HOST_SUPPLY_OWN);
	assert_string_equal(power_config_host_supply_name(c.host_supply), "own");
	assert_int_equal(power_config_set(&c, "power", "host_supply", "brick", 7, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "must be 'psu' or 'own', got 'brick'");
	assert_int_equal(c.host_supply, POWER_HOST_SUPPLY_OWN);
	assert_int_equal(power_config_set(&c, "power", "no_such_key", "1", 8, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(power_config_set(&c, "gpio", "psu_on", "PSU_ON_N", 9, err, sizeof(err)), 0);
	assert_string_equal(c.psu_on, "PSU_ON_N");
	assert_int_equal(power_config_set(&c, "gpio", "psu_on_active_low", "maybe", 10, err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(power_config_set(&c, "power", "state_file", "relative/path", 11, err,
					  sizeof(err)), -EINVAL);

	/* self needs psu_on, psu_ok, button only */
	power_config_set(&c, "gpio", "psu_ok", "PSU_PWR_OK", 12, err, sizeof(err));
	power_config_set(&c, "gpio", "button", "PWR_BUTTON", 13, err, sizeof(err));
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), 0);
	/* controller without the host lines: error at the topology line */
	power_config_set(&c, "power", "topology", "controller", 14, err, sizeof(err));
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 14);
	assert_non_null(strstr(err, "host_button"));
	power_config_set(&c, "gpio", "host_button", "H2_PWR_BTN", 15, err, sizeof(err));
	power_config_set(&c, "gpio", "host_alive", "PWR_BUTTON", 16, err, sizeof(err));
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 16); /* same line twice */
	power_config_set(&c, "gpio", "host_alive", "H2_PWR_LED", 16, err, sizeof(err));
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), 0);
	power_config_set(&c, "power", "long_press", "500ms", 17, err, sizeof(err));
	power_config_set(&c, "power", "debounce", "600ms", 18, err, sizeof(err));
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_int_equal(line, 17);
	power_config_set(&c, "power", "debounce", "30ms", 18, err, sizeof(err));

	/* an empty value unwires a line: optional ones stay so, required ones are reported */
	assert_int_equal(power_config_set(&c, "gpio", "button_led", "LED", 19, err, sizeof(err)), 0);
	assert_int_equal(power_config_set(&c, "gpio", "button_led", "", 20, err, sizeof(err)), 0);
	assert_string_equal(c.button_led, "");
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), 0);
	assert_int_equal(power_config_set(&c, "gpio", "psu_ok", "", 21, err, sizeof(err)), 0);
	assert_int_equal(power_config_validate(&c, &line, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[gpio] psu_ok is required");
	/* an empty value is no boolean, duration or word */
	assert_int_equal(power_config_set(&c, "gpio", "button_pull_up", "", 22, err, sizeof(err)),
			 -EINVAL);
	assert_true(power_config_set(&c, "power", "settle", "", 23, err, sizeof(err)) < 0);
	assert_int_equal(power_config_set(&c, "power", "restore", "", 24, err, sizeof(err)),
			 -EINVAL);
}

/* ---- controller topology ---- */

static void test_button_on_sequence(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_int_equal(r.out.led, POWERSEQ_LED_OFF);
	rig_clear(&r);
	rig_power_on(&r);
	assert_true(saw_reason(&r, POWERSEQ_R_BUTTON));
	assert_true(saw_reason(&r, POWERSEQ_R_PSU_OK));
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_ALIVE));
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
	assert_true(powerseq_powered(&r.ps));
	/* on: nothing pending */
	assert_true(r.out.next_deadline_ns == INT64_MAX);
}

static void test_led_blinks_while_busy(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_press(&r, 100 * MS);
	assert_int_equal(r.out.led, POWERSEQ_LED_BLINK);
}

static void test_host_starts_on_power_skips_pulse(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	r.cfg.host_starts_on_power = true;
	rig_start(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	for (int i = 0; i < 50; i++) {
		rig_advance(&r, 100 * MS);
		assert_false(r.out.host_button);
	}
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, 50 * MS);
	assert_int_equal(st(&r), POWERSEQ_ON);
}

static void test_button_off_acpi(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	rig_press(&r, 150 * MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_true(r.out.host_button);
	assert_true(r.out.psu_on);
	rig_advance(&r, r.cfg.host_button_pulse_ns);
	assert_false(r.out.host_button);
	rig_advance(&r, 8 * SEC); /* the H2 shuts down */
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STOPPING);
	assert_true(r.out.psu_on); /* psu_off_delay */
	rig_advance(&r, r.cfg.psu_off_delay_ns - MS);
	assert_true(r.out.psu_on);
	rig_advance(&r, MS);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_false(r.out.host_button);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
	assert_false(powerseq_powered(&r.ps));
}

static void test_shutdown_escalation(void **state)
{
	struct rig r;
	int64_t t0;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	/* up longer than a boot may take: its OS hears the press (see test_early_off_presses_again) */
	rig_advance(&r, r.cfg.host_boot_timeout_ns);
	rig_clear(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_string_equal(r.out.reply, "powering off");
	t0 = r.now;
	rig_advance(&r, r.cfg.host_button_pulse_ns + r.cfg.host_shutdown_timeout_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_false(r.out.host_button);
	rig_advance(&r, MS);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT));
	assert_true(r.out.host_button); /* held */
	assert_true(r.out.psu_on);
	rig_advance(&r, r.cfg.force_off_hold_ns - MS);
	assert_true(r.out.host_button);
	rig_advance(&r, MS);
	/* the hung H2 still shows its LED: the PSU is cut regardless after the delay */
	assert_int_equal(st(&r), POWERSEQ_PSU_STOPPING);
	assert_false(r.out.host_button);
	rig_advance(&r, r.cfg.psu_off_delay_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_int_equal(r.now - t0, r.cfg.host_button_pulse_ns + r.cfg.host_shutdown_timeout_ns +
					     r.cfg.force_off_hold_ns + r.cfg.psu_off_delay_ns);
}

/*
 * `power off` just after the H2 came up: its power LED lights as its firmware starts, long
 * before its OS listens to the power button, so the one soft-off press went unheard and the
 * H2 was forced off after host_shutdown_timeout.  A press made while the H2 had been up for
 * less than host_boot_timeout is repeated once at that timeout before escalating.
 */
static void test_early_off_presses_again(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_advance(&r, 3 * SEC);
	rig_clear(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	rig_advance(&r, r.cfg.host_button_pulse_ns + r.cfg.host_shutdown_timeout_ns);
	/* not forced: pressed once more, now that its OS had the time to come up */
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_false(saw_reason(&r, POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT));
	assert_true(r.out.host_button);
	assert_true(r.requests & POWERSEQ_REQ_SOFT_OFF_AGAIN);
	rig_advance(&r, r.cfg.host_button_pulse_ns);
	assert_false(r.out.host_button);
	/* this time its OS shuts down */
	rig_advance(&r, 8 * SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STOPPING);
	assert_false(saw_reason(&r, POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT));

	/* a young H2 that never shuts down is forced off after the second wait, once */
	rig_advance(&r, r.cfg.psu_off_delay_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	rig_advance(&r, 300 * MS);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_advance(&r, r.cfg.settle_ns + r.cfg.host_button_pulse_ns + SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_ON);
	rig_clear(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	rig_advance(&r, 2 * (r.cfg.host_button_pulse_ns + r.cfg.host_shutdown_timeout_ns) - MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	rig_advance(&r, MS);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_SHUTDOWN_TIMEOUT));
}

static void test_force_off_releases_early_when_host_goes(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 0);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(r.out.host_button);
	rig_advance(&r, 4 * SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STOPPING);
	assert_false(r.out.host_button);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 0);
	assert_string_equal(r.out.reply, "power cut");
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 0);
	assert_string_equal(r.out.reply, "already off");
}

static void test_host_initiated_poweroff(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	rig_advance(&r, 3600 * SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false); /* `poweroff` typed on the H2 */
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STOPPING);
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_POWEROFF));
	assert_true(r.out.psu_on);
	rig_advance(&r, r.cfg.psu_off_delay_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
}

static void test_psu_ok_timeout_fault_then_press_clears(void **state)
{
	struct rig r;
	int64_t at;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	rig_advance(&r, r.cfg.psu_ok_timeout_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	rig_advance(&r, MS);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r.ps, &at), POWERSEQ_FAULT_PSU_OK_TIMEOUT);
	assert_int_equal(at, r.now);
	assert_false(r.out.psu_on);
	assert_int_equal(r.out.led, POWERSEQ_LED_BLINK_CODE);
	assert_int_equal(r.out.led_code, 2);
	/* latched: time does not clear it, commands are refused with the way out */
	rig_advance(&r, 600 * SEC);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
	assert_string_equal(r.out.reply, "fault latched: psu-ok-timeout (h2box power clear)");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 3);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	/* first press clears, the next one starts normally */
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_NONE);
	assert_int_equal(powerseq_last_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_TIMEOUT);
	rig_power_on(&r);
}

static void test_clear_command(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
	assert_string_equal(r.out.reply, "no fault latched");
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_non_null(strstr(r.out.reply, "already off (fault latched"));
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
	assert_string_equal(r.out.reply, "fault cleared: psu-ok-timeout");
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
}

static void test_psu_ok_edge_timestamp_beats_late_processing(void **state)
{
	struct rig r;
	struct powerseq_input in = { .event = POWERSEQ_EV_PSU_OK, .level = true, .stamped = true };

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_cmd(&r, POWERSEQ_CMD_ON);
	/* PWR_OK rose at 480 ms but the edge is only read at 520 ms */
	in.ts_ns = r.now + 480 * MS;
	r.now += 520 * MS;
	assert_int_equal(rig_input(&r, &in), 0);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	/* an edge stamped in the future is refused */
	in.ts_ns = r.now + SEC;
	assert_int_equal(powerseq_step(&r.ps, &in, r.now, &r.out), -EINVAL);
}

static void test_psu_ok_drop_while_on(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_DROP);
	assert_true(saw_reason(&r, POWERSEQ_R_PSU_OK_DROP));
	assert_false(r.out.psu_on);
	assert_true(powerseq_psu_drop_alarm(&r.ps));
	assert_int_equal(r.out.led_code, 3);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
	assert_false(powerseq_psu_drop_alarm(&r.ps));
	assert_int_equal(st(&r), POWERSEQ_OFF);
}

static void test_host_boot_timeout(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_advance(&r, r.cfg.settle_ns + r.cfg.host_button_pulse_ns +
				r.cfg.host_boot_timeout_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	rig_advance(&r, MS);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_HOST_BOOT_TIMEOUT);
	assert_false(r.out.psu_on);
	assert_false(r.out.host_button);
	assert_int_equal(r.out.led_code, 4);
}

static void test_long_press_emergency(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_ON); /* a long press does nothing before 4 s */
	assert_true(r.out.psu_on);
	rig_advance(&r, MS);
	/* detected while still held */
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_true(saw_reason(&r, POWERSEQ_R_LONG_PRESS));
	assert_true(r.requests & POWERSEQ_REQ_EMERGENCY);
	/* releasing it afterwards is not a short press */
	rig_advance(&r, 2 * SEC);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_OFF);
}

static void test_long_press_during_shutdown(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_cmd(&r, POWERSEQ_CMD_OFF);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	assert_true(r.out.host_button);
	rig_advance(&r, r.cfg.long_press_ns + r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_false(r.out.host_button);
}

static void test_debounce_glitch_ignored(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	/* 10 ms glitches: never a press */
	for (int i = 0; i < 20; i++) {
		rig_edge(&r, POWERSEQ_EV_BUTTON, true);
		rig_advance(&r, 10 * MS);
		rig_edge(&r, POWERSEQ_EV_BUTTON, false);
		rig_advance(&r, 500 * MS);
	}
	assert_int_equal(st(&r), POWERSEQ_OFF);
	/* bounce on press and release around a real press still counts once */
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, 2 * MS);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, 1 * MS);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, 200 * MS);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, 3 * MS);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, 3 * MS);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
}

static void test_debounce_edges_read_late(void **state)
{
	struct rig r;
	struct powerseq_input in = { .event = POWERSEQ_EV_BUTTON, .stamped = true };

	/* a 100 ms press whose two edges are both read 150 ms after it began */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	r.now = 0; /* the simulator's clock starts at 0: an edge at 0 is a real time */
	rig_start(&r);
	int64_t t0 = r.now;

	r.now = t0 + 150 * MS;
	in.level = true;
	in.ts_ns = t0;
	assert_int_equal(rig_input(&r, &in), 0);
	in.level = false;
	in.ts_ns = t0 + 100 * MS;
	assert_int_equal(rig_input(&r, &in), 0);
	rig_advance(&r, 50 * MS);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
}

static void test_host_alive_glitch_ignored(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, 5 * MS);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_ON);
}

static void test_button_held_at_startup(void **state)
{
	struct rig r;

	/* a running box, the button stuck (or held) while the daemon restarts */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_full(&r, true, true, true, POWERSEQ_REQUESTED_ON);
	assert_int_equal(st(&r), POWERSEQ_ON);
	rig_advance(&r, 10 * SEC); /* not a long press */
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_true(r.out.psu_on);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, SEC); /* and its release is not a short press */
	assert_int_equal(st(&r), POWERSEQ_ON);
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
}

static void test_command_races(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_string_equal(r.out.reply, "already off");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 3);
	assert_string_equal(r.out.reply, "not on (use 'h2box power on')");

	/* off while waiting for PWR_OK: the host is untouched, so the start-up is undone */
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_string_equal(r.out.reply, "powering on");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_string_equal(r.out.reply, "already starting");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_string_equal(r.out.reply, "start-up aborted: off");
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);

	/* off while the H2 boots: refused as busy, nothing half-done */
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_advance(&r, r.cfg.settle_ns + 50 * MS);
	assert_true(r.out.host_button);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 3);
	assert_non_null(strstr(r.out.reply, "busy: starting"));
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 3);
	assert_string_equal(r.out.reply, "busy: starting");
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	assert_true(r.out.host_button); /* the pulse goes on unchanged */
	rig_advance(&r, 150 * MS);
	assert_false(r.out.host_button);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_string_equal(r.out.reply, "already on");

	/* on while stopping: busy */
	rig_cmd(&r, POWERSEQ_CMD_OFF);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
	assert_string_equal(r.out.reply, "busy: stopping");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_string_equal(r.out.reply, "already stopping");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 3);
	assert_string_equal(r.out.reply, "busy: stopping");
	/* button while stopping: ignored */
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
}

static void test_button_aborts_before_host_pulse(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
}

static void test_cycle(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 0);
	assert_non_null(strstr(r.out.reply, "power cycle"));
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 0);
	assert_string_equal(r.out.reply, "already cycling");
	rig_advance(&r, 8 * SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns + r.cfg.psu_off_delay_ns);
	assert_int_equal(st(&r), POWERSEQ_CYCLE_WAIT);
	assert_false(r.out.psu_on);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	rig_advance(&r, r.cfg.cycle_delay_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_CYCLE_WAIT);
	rig_advance(&r, MS);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_true(r.out.psu_on);
	assert_true(saw_reason(&r, POWERSEQ_R_CYCLE_DELAY));
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
}

static void test_cycle_cancelled_by_off(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_cmd(&r, POWERSEQ_CMD_CYCLE);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_string_equal(r.out.reply, "already stopping (cycle cancelled)");
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns + r.cfg.psu_off_delay_ns + r.cfg.cycle_delay_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
}

static void test_restore(void **state)
{
	static const struct {
		enum power_restore restore;
		enum powerseq_requested last;
		enum powerseq_state want;
	} cases[] = {
		{ POWER_RESTORE_OFF, POWERSEQ_REQUESTED_ON, POWERSEQ_OFF },
		{ POWER_RESTORE_OFF, POWERSEQ_REQUESTED_UNKNOWN, POWERSEQ_OFF },
		{ POWER_RESTORE_ON, POWERSEQ_REQUESTED_OFF, POWERSEQ_PSU_STARTING },
		{ POWER_RESTORE_ON, POWERSEQ_REQUESTED_UNKNOWN, POWERSEQ_PSU_STARTING },
		{ POWER_RESTORE_LAST, POWERSEQ_REQUESTED_ON, POWERSEQ_PSU_STARTING },
		{ POWER_RESTORE_LAST, POWERSEQ_REQUESTED_OFF, POWERSEQ_OFF },
		{ POWER_RESTORE_LAST, POWERSEQ_REQUESTED_UNKNOWN, POWERSEQ_OFF },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig r;

		rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
		r.cfg.restore = cases[i].restore;
		rig_start_full(&r, false, false, false, cases[i].last);
		assert_int_equal(st(&r), cases[i].want);
		assert_int_equal(r.out.psu_on, cases[i].want == POWERSEQ_PSU_STARTING);
		if (cases[i].want == POWERSEQ_PSU_STARTING) {
			assert_true(saw_reason(&r, POWERSEQ_R_RESTORE));
			rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
			rig_advance(&r, r.cfg.settle_ns);
			assert_true(r.out.host_button);
		}
	}
}

static void test_daemon_restart_adopts_running_box(void **state)
{
	struct rig r;

	/* PSU and host up: on, untouched (restore = off does not apply: no mains loss) */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	r.cfg.restore = POWER_RESTORE_OFF;
	rig_start_full(&r, true, true, false, POWERSEQ_REQUESTED_ON);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_true(saw_reason(&r, POWERSEQ_R_ADOPT));
	assert_true(r.out.psu_on);
	assert_false(r.out.host_button);

	/* PSU up, host off, last asked on: start the host */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_full(&r, true, false, false, POWERSEQ_REQUESTED_ON);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	assert_true(r.out.psu_on);

	/* PSU up, host off, last asked off (it shut down while we were away): finish the job */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_full(&r, true, false, false, POWERSEQ_REQUESTED_OFF);
	assert_int_equal(st(&r), POWERSEQ_PSU_STOPPING);
	assert_true(r.out.psu_on);
	rig_advance(&r, r.cfg.psu_off_delay_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
}

static void test_host_on_own_supply_starts_psu(void **state)
{
	struct rig r;

	/* brick build: the H2 came up by itself while the PSU is off */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	r.cfg.restore = POWER_RESTORE_OFF;
	rig_start(&r);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_advance(&r, r.cfg.settle_ns);
	/* already alive: on without pressing its button (which would switch it off) */
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_false(r.out.host_button);
}

/* ---- controller, the H2 on its own supply (brick build) ---- */

static void rig_init_own(struct rig *r)
{
	rig_init(r, POWER_TOPOLOGY_CONTROLLER);
	r->cfg.host_supply = POWER_HOST_SUPPLY_OWN;
}

static void test_own_supply_long_press_forces_h2_off(void **state)
{
	struct rig r;
	int64_t t0;

	rig_init_own(&r);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_false(r.out.host_button);
	rig_advance(&r, MS);
	/* the PSU goes at once; the H2 keeps running on its brick, so its button is held */
	t0 = r.now;
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_false(r.out.psu_on);
	assert_true(r.out.host_button);
	assert_true(r.requests & POWERSEQ_REQ_EMERGENCY);
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_LONG_PRESS));
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_NONE);
	/* the front button's release is not a short press, and nothing starts again */
	rig_advance(&r, SEC);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(r.out.host_button);
	/* the H2 gives up after its 4 s hold: LED out -> off, button released, PSU still off */
	rig_advance(&r, t0 + 4 * SEC - r.now);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_OFF));
	assert_int_equal(r.tos[r.nreasons - 1], POWERSEQ_OFF);
	assert_false(r.out.host_button);
	assert_false(r.out.psu_on);
	assert_int_equal(r.out.led, POWERSEQ_LED_OFF);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
	rig_advance(&r, 600 * SEC);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_false(r.out.host_button);
}

static void test_own_supply_force_hold_times_out(void **state)
{
	struct rig r;
	int64_t t0;

	/* an H2 whose LED stays lit through the whole hold: released after force_off_hold */
	rig_init_own(&r);
	rig_start(&r);
	rig_power_on(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	t0 = r.now;
	rig_clear(&r);
	rig_advance(&r, r.cfg.force_off_hold_ns - MS);
	assert_true(r.out.host_button);
	rig_advance(&r, MS);
	assert_int_equal(r.now - t0, r.cfg.force_off_hold_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_FORCE_OFF_DONE));
	assert_false(r.out.host_button);
	assert_false(r.out.psu_on);
}

static void test_own_supply_long_press_h2_dark_cuts_only(void **state)
{
	struct rig r;

	/* PSU on, the H2 pulsed but still dark: holding its button would start it, so don't */
	rig_init_own(&r);
	rig_start(&r);
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_advance(&r, r.cfg.settle_ns + r.cfg.host_button_pulse_ns);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	assert_false(r.out.host_button);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_false(r.out.host_button);
	assert_true(saw_reason(&r, POWERSEQ_R_LONG_PRESS));

	/* PSU-fed H2 (the default): the PSU cut stops it, its button is never touched */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.host_button);
}

static void test_own_supply_force_off_command_while_starting(void **state)
{
	struct rig r;

	/* the H2 came up by itself: `power force-off` before PWR_OK holds it off too */
	rig_init_own(&r);
	r.cfg.restore = POWER_RESTORE_OFF;
	rig_start(&r);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 0);
	assert_string_equal(r.out.reply, "PSU cut, holding the H2 power button for 6s");
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_false(r.out.psu_on);
	assert_true(r.out.host_button);
	rig_advance(&r, 4 * SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.host_button);
}

static void test_own_supply_psu_drop_forces_h2_off_then_latches(void **state)
{
	struct rig r;
	int64_t drop, at;

	rig_init_own(&r);
	rig_start(&r);
	rig_power_on(&r);
	rig_clear(&r);
	drop = r.now;
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	/* PS_ON released at once, the H2 held off; the fault shows from the start */
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_PSU_OK_DROP));
	assert_false(r.out.psu_on);
	assert_true(r.out.host_button);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_DROP);
	assert_true(powerseq_psu_drop_alarm(&r.ps));
	assert_int_equal(r.out.led, POWERSEQ_LED_BLINK_CODE);
	assert_int_equal(r.out.led_code, 3);
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
	/* during the hold: nothing restarts, clearing waits, a long press changes nothing */
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 3);
	assert_non_null(strstr(r.out.reply, "fault psu-ok-drop latches next"));
	assert_true(powerseq_psu_drop_alarm(&r.ps));
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns - 2 * SEC); /* 2 s: still inside the hold */
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(r.out.host_button);
	/* the H2 goes dark 4 s into the hold: the fault latches, everything released */
	rig_advance(&r, drop + 4 * SEC - r.now);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r.ps, &at), POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(at, drop); /* when it happened, not when it latched */
	assert_false(r.out.host_button);
	assert_false(r.out.psu_on);
	assert_int_equal(r.out.led_code, 3);
	/* the front button, still held past long_press, does not undo the fault */
	rig_advance(&r, 3 * SEC);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
	/* cleared: off, and it stays off */
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
	assert_string_equal(r.out.reply, "fault cleared: psu-ok-drop");
	rig_advance(&r, 600 * SEC);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_false(r.out.host_button);
}

static void test_own_supply_psu_ok_timeout_with_h2_running(void **state)
{
	struct rig r;

	/* the H2 came up by itself and asked for the PSU, which never gives PWR_OK */
	rig_init_own(&r);
	r.cfg.restore = POWER_RESTORE_OFF;
	rig_start(&r);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
	rig_clear(&r);
	rig_advance(&r, r.cfg.psu_ok_timeout_ns);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(r.out.host_button);
	assert_false(r.out.psu_on);
	/* this H2 never lets go of its LED: the hold ends after force_off_hold all the same */
	rig_advance(&r, r.cfg.force_off_hold_ns);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_true(saw_reason(&r, POWERSEQ_R_FORCE_OFF_DONE));
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_TIMEOUT);
	assert_false(r.out.host_button);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
}

static void test_own_supply_host_boot_timeout_leaves_dark_h2(void **state)
{
	struct rig r;

	rig_init_own(&r);
	rig_start(&r);
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_advance(&r, r.cfg.settle_ns + r.cfg.host_button_pulse_ns + r.cfg.host_boot_timeout_ns);
	/* its LED never lit: latched at once, its button untouched */
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_HOST_BOOT_TIMEOUT);
	assert_false(r.out.host_button);
	assert_false(r.out.psu_on);
}

/* ---- start-up: the H2 found running on its own supply, the PSU off ---- */

/* Every (restore, saved request) pair: join the H2 (PSU up) or finish the off (force it). */
static void test_own_supply_startup_h2_running_psu_off(void **state)
{
	static const struct {
		enum power_restore restore;
		enum powerseq_requested last;
		bool finish_off;
	} cases[] = {
		{ POWER_RESTORE_LAST, POWERSEQ_REQUESTED_ON, false },
		{ POWER_RESTORE_LAST, POWERSEQ_REQUESTED_UNKNOWN, false },
		{ POWER_RESTORE_LAST, POWERSEQ_REQUESTED_OFF, true },
		{ POWER_RESTORE_OFF, POWERSEQ_REQUESTED_ON, false },
		{ POWER_RESTORE_OFF, POWERSEQ_REQUESTED_UNKNOWN, false },
		{ POWER_RESTORE_OFF, POWERSEQ_REQUESTED_OFF, true },
		{ POWER_RESTORE_ON, POWERSEQ_REQUESTED_ON, false },
		{ POWER_RESTORE_ON, POWERSEQ_REQUESTED_UNKNOWN, false },
		{ POWER_RESTORE_ON, POWERSEQ_REQUESTED_OFF, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rig r;

		rig_init_own(&r);
		r.cfg.restore = cases[i].restore;
		rig_start_full(&r, false, true, false, cases[i].last);
		assert_int_equal(r.nreasons, 1);
		if (cases[i].finish_off) {
			/* the PSU stays off, the H2's button is held, nothing new to save */
			assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
			assert_int_equal(r.reasons[0], POWERSEQ_R_FINISH_OFF);
			assert_false(r.out.psu_on);
			assert_true(r.out.host_button);
			assert_int_equal(r.out.led, POWERSEQ_LED_BLINK);
			assert_false(r.requests & POWERSEQ_REQ_SAVE);
			assert_false(r.requests & POWERSEQ_REQ_EMERGENCY);
			assert_int_equal(r.out.next_deadline_ns, r.now + r.cfg.force_off_hold_ns);
			assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_NONE);
		} else {
			/* PS_ON now; the H2's button is never touched (a press would stop it) */
			assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
			assert_int_equal(r.reasons[0], POWERSEQ_R_ADOPT);
			assert_true(r.out.psu_on);
			assert_false(r.out.host_button);
			assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
			assert_int_equal(!!(r.requests & POWERSEQ_REQ_SAVE),
					 cases[i].last != POWERSEQ_REQUESTED_ON);
		}
	}
}

/* Requested on: the PSU comes up to join the running H2, which ends on, never pressed. */
static void test_own_supply_startup_joins_running_h2(void **state)
{
	struct rig r;

	rig_init_own(&r);
	r.cfg.restore = POWER_RESTORE_OFF; /* decides only for a dark box */
	rig_start_full(&r, false, true, false, POWERSEQ_REQUESTED_ON);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	rig_advance(&r, 300 * MS);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	rig_advance(&r, r.cfg.settle_ns);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_ALIVE));
	assert_true(r.out.psu_on);
	assert_int_equal(r.out.led, POWERSEQ_LED_ON);
	rig_advance(&r, 600 * SEC);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_false(r.out.host_button);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
}

/* Requested off: the H2 is held off, the PSU never switched on, and the box ends off. */
static void test_own_supply_startup_finishes_off(void **state)
{
	static const enum power_restore restores[] = { POWER_RESTORE_LAST, POWER_RESTORE_OFF };

	for (size_t i = 0; i < 2; i++) {
		struct rig r;
		int64_t t0;

		rig_init_own(&r);
		r.cfg.restore = restores[i];
		rig_start_full(&r, false, true, false, POWERSEQ_REQUESTED_OFF);
		t0 = r.now;
		assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
		rig_clear(&r);
		/* during the hold: no power-on, no clear to do, a short press changes nothing */
		assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
		assert_string_equal(r.out.reply, "busy: stopping");
		assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 0);
		assert_string_equal(r.out.reply, "already forcing off");
		rig_press(&r, 100 * MS);
		assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
		assert_true(r.out.host_button);
		assert_false(r.out.psu_on);
		/* the H2 gives up 4 s into the hold: off, button released, PSU still off */
		rig_advance(&r, t0 + 4 * SEC - r.now);
		assert_true(r.out.host_button);
		rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
		rig_advance(&r, r.cfg.debounce_ns);
		assert_int_equal(st(&r), POWERSEQ_OFF);
		assert_true(saw_reason(&r, POWERSEQ_R_HOST_OFF));
		assert_false(r.out.host_button);
		assert_false(r.out.psu_on);
		assert_int_equal(r.out.led, POWERSEQ_LED_OFF);
		assert_false(r.requests & POWERSEQ_REQ_SAVE);
		assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
		for (int k = 0; k < r.nreasons; k++)
			assert_int_not_equal(r.tos[k], POWERSEQ_PSU_STARTING);
		rig_advance(&r, 600 * SEC);
		assert_int_equal(st(&r), POWERSEQ_OFF);
		assert_false(r.out.psu_on);
		assert_false(r.out.host_button);
	}
}

/* An H2 that ignores the hold: released after force_off_hold, off, and not pressed again. */
static void test_own_supply_startup_finish_off_hold_times_out(void **state)
{
	struct rig r;
	int64_t t0;

	rig_init_own(&r);
	rig_start_full(&r, false, true, false, POWERSEQ_REQUESTED_OFF);
	t0 = r.now;
	rig_advance(&r, r.cfg.force_off_hold_ns - MS);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_true(r.out.host_button);
	rig_advance(&r, MS);
	assert_int_equal(r.now - t0, r.cfg.force_off_hold_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_FORCE_OFF_DONE));
	assert_false(r.out.host_button);
	assert_false(r.out.psu_on);
	rig_advance(&r, 600 * SEC);
	assert_false(r.out.host_button);
	assert_false(r.out.psu_on);
}

/* The PSU-fed H2 cannot run with PWR_OK down: a lit LED there still brings the PSU up. */
static void test_psu_supply_startup_h2_lit_psu_off_unchanged(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_full(&r, false, true, false, POWERSEQ_REQUESTED_OFF);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_true(saw_reason(&r, POWERSEQ_R_ADOPT));
	assert_true(r.out.psu_on);
	assert_false(r.out.host_button);
}

/* ---- a latched fault is remembered as "requested off" ---- */

static void test_fault_saves_requested_off(void **state)
{
	static const enum power_host_supply supplies[] = { POWER_HOST_SUPPLY_PSU,
							   POWER_HOST_SUPPLY_OWN };

	for (size_t i = 0; i < 2; i++) {
		struct rig r;
		enum powerseq_requested saved;

		rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
		r.cfg.host_supply = supplies[i];
		r.cfg.restore = POWER_RESTORE_LAST;
		rig_start(&r);
		rig_power_on(&r);
		assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
		rig_clear(&r);
		rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
		rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
		rig_advance(&r, r.cfg.debounce_ns);
		assert_int_equal(st(&r), POWERSEQ_FAULT);
		assert_true(r.requests & POWERSEQ_REQ_SAVE);
		assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
		assert_int_equal(r.out.fault, POWERSEQ_FAULT_PSU_OK_DROP); /* saved with it */
		/* clearing does not power on, nor does time; it takes the fault out of the file */
		rig_clear(&r);
		assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
		assert_true(r.out.requests & POWERSEQ_REQ_SAVE);
		assert_int_equal(r.out.fault, POWERSEQ_FAULT_NONE);
		assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
		rig_clear(&r);
		rig_advance(&r, 3600 * SEC);
		assert_int_equal(st(&r), POWERSEQ_OFF);
		assert_false(r.out.psu_on);
		assert_false(r.requests & POWERSEQ_REQ_SAVE); /* nothing more to write */
		saved = powerseq_requested_get(&r.ps);
		assert_int_equal(saved, POWERSEQ_REQUESTED_OFF);

		/* mains loss, then the controller restarts with what was saved: off */
		rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
		r.cfg.host_supply = supplies[i];
		r.cfg.restore = POWER_RESTORE_LAST;
		rig_start_full(&r, false, false, false, saved);
		assert_int_equal(st(&r), POWERSEQ_OFF);
		assert_false(saw_reason(&r, POWERSEQ_R_RESTORE));
		rig_advance(&r, 600 * SEC);
		assert_int_equal(st(&r), POWERSEQ_OFF);
		assert_false(r.out.psu_on);
		assert_false(r.out.host_button);
	}

	/* every fault reason, from a box that was asked to be on */
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_clear(&r);
	rig_advance(&r, r.cfg.psu_ok_timeout_ns);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_TIMEOUT);
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
	rig_cmd(&r, POWERSEQ_CMD_CLEAR);
	rig_cmd(&r, POWERSEQ_CMD_ON);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
	rig_clear(&r);
	rig_advance(&r, r.cfg.settle_ns + r.cfg.host_button_pulse_ns + r.cfg.host_boot_timeout_ns);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_HOST_BOOT_TIMEOUT);
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
	/* the press that acknowledges the fault does not power on either */
	rig_press(&r, 100 * MS);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
}


/* ---- a fault saved before the daemon started comes back latched ---- */

static const enum powerseq_fault all_faults[] = {
	POWERSEQ_FAULT_PSU_OK_TIMEOUT,
	POWERSEQ_FAULT_PSU_OK_DROP,
	POWERSEQ_FAULT_HOST_BOOT_TIMEOUT,
	POWERSEQ_FAULT_UNKNOWN,
};
static const enum power_restore all_restores[] = { POWER_RESTORE_OFF, POWER_RESTORE_ON,
						    POWER_RESTORE_LAST };

/* Start-up as the service does it, with a fault from the state file named at fault_ns. */
static void rig_start_saved(struct rig *r, bool psu_ok, bool alive, enum powerseq_requested last,
			    enum powerseq_fault f, int64_t fault_ns)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_STARTUP };

	powerseq_init(&r->ps, &r->cfg);
	in.psu_ok = psu_ok;
	in.host_alive = alive;
	in.has_host_alive = r->cfg.topology == POWER_TOPOLOGY_CONTROLLER;
	in.last_requested = last;
	in.saved_fault = f;
	in.saved_fault_ns = fault_ns;
	assert_int_equal(rig_input(r, &in), 0);
}

static bool went_to(const struct rig *r, enum powerseq_state s)
{
	for (int i = 0; i < r->nreasons; i++)
		if (r->tos[i] == s)
			return true;
	return false;
}

/* Latched now and for the next hour: PS_ON released, button free, the code blinking. */
static void expect_latched(struct rig *r, enum powerseq_fault f, int64_t fault_ns)
{
	int64_t at;

	assert_int_equal(st(r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r->ps, &at), f);
	assert_int_equal(at, fault_ns);
	assert_int_equal(powerseq_last_fault_get(&r->ps, NULL), f);
	assert_false(powerseq_powered(&r->ps));
	assert_false(r->out.psu_on);
	assert_false(r->out.host_button);
	assert_int_equal(r->out.led, POWERSEQ_LED_BLINK_CODE);
	assert_int_equal(r->out.led_code, (int)f);
	assert_int_equal(powerseq_psu_drop_alarm(&r->ps), f == POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(powerseq_requested_get(&r->ps), POWERSEQ_REQUESTED_OFF);
	rig_clear(r);
	rig_advance(r, 3600 * SEC);
	assert_int_equal(st(r), POWERSEQ_FAULT);
	assert_false(r->out.psu_on);
	assert_false(r->out.host_button);
	assert_false(went_to(r, POWERSEQ_PSU_STARTING));
	assert_false(r->requests & POWERSEQ_REQ_SAVE);
	/* power-on and cycle are refused with the way out, as before the restart */
	assert_int_equal(rig_cmd(r, POWERSEQ_CMD_ON), 3);
	assert_non_null(strstr(r->out.reply, "fault latched: "));
	assert_non_null(strstr(r->out.reply, powerseq_fault_name(f)));
	assert_int_equal(rig_cmd(r, POWERSEQ_CMD_CYCLE), 3);
	assert_int_equal(st(r), POWERSEQ_FAULT);
	assert_false(r->out.psu_on);
}

/* A dark box with a saved fault: latched again whatever restore and the saved request say. */
static void test_saved_fault_latches_for_every_restore(void **state)
{
	static const enum powerseq_requested lasts[] = { POWERSEQ_REQUESTED_OFF,
							 POWERSEQ_REQUESTED_ON,
							 POWERSEQ_REQUESTED_UNKNOWN };
	static const enum power_host_supply supplies[] = { POWER_HOST_SUPPLY_PSU,
							   POWER_HOST_SUPPLY_OWN };

	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < 3; i++)
			for (size_t k = 0; k < 3; k++)
				for (size_t f = 0; f < 4; f++) {
					struct rig r;
					int64_t at;

					rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
					r.cfg.host_supply = supplies[s];
					r.cfg.restore = all_restores[i];
					at = r.now - 3 * 3600 * SEC;
					rig_start_saved(&r, false, false, lasts[k],
							all_faults[f], at);
					assert_int_equal(r.nreasons, 1);
					assert_int_equal(r.reasons[0], POWERSEQ_R_RESTORED_FAULT);
					assert_int_equal(r.tos[0], POWERSEQ_FAULT);
					/* the file already says so, unless requested was not off */
					assert_int_equal(!!(r.requests & POWERSEQ_REQ_SAVE),
							 lasts[k] != POWERSEQ_REQUESTED_OFF);
					assert_int_equal(r.out.fault, all_faults[f]);
					assert_int_equal(r.out.fault_ns, at);
					assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
					expect_latched(&r, all_faults[f], at);
				}
}

/* Cleared (command or first press): off, out of the state file, and power-on works again. */
static void test_saved_fault_clear_then_power_on(void **state)
{
	for (size_t i = 0; i < 3; i++) {
		for (int by_press = 0; by_press < 2; by_press++) {
			struct rig r;

			rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
			r.cfg.restore = all_restores[i];
			rig_start_saved(&r, false, false, POWERSEQ_REQUESTED_OFF,
					POWERSEQ_FAULT_PSU_OK_DROP, r.now - 60 * SEC);
			assert_int_equal(st(&r), POWERSEQ_FAULT);
			rig_clear(&r);
			if (by_press) {
				rig_press(&r, 100 * MS);
			} else {
				assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
				assert_string_equal(r.out.reply, "fault cleared: psu-ok-drop");
			}
			assert_int_equal(st(&r), POWERSEQ_OFF);
			assert_true(r.requests & POWERSEQ_REQ_SAVE);
			assert_int_equal(r.out.fault, POWERSEQ_FAULT_NONE);
			assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
			assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_NONE);
			assert_int_equal(powerseq_last_fault_get(&r.ps, NULL),
					 POWERSEQ_FAULT_PSU_OK_DROP);
			assert_false(powerseq_psu_drop_alarm(&r.ps));
			assert_int_equal(r.out.led, POWERSEQ_LED_OFF);
			/* clearing does not power on, whatever restore says */
			rig_advance(&r, 600 * SEC);
			assert_int_equal(st(&r), POWERSEQ_OFF);
			assert_false(r.out.psu_on);
			/* the next press (or power on) goes through the whole sequence */
			rig_clear(&r);
			rig_power_on(&r);
			assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
			assert_true(r.requests & POWERSEQ_REQ_SAVE);
			assert_int_equal(r.out.fault, POWERSEQ_FAULT_NONE);
		}
	}
}

/*
 * Own supply, the H2 found running with the PSU off and a fault saved: the off the fault began
 * is finished whatever restore says (even on, which joins after a plain off), and the fault
 * latches once the H2 is dark; the PSU is never started.
 */
static void test_saved_fault_own_supply_h2_running_finishes_off(void **state)
{
	for (size_t i = 0; i < 3; i++) {
		for (int times_out = 0; times_out < 2; times_out++) {
			struct rig r;
			int64_t t0, at = 0;

			rig_init_own(&r);
			r.cfg.restore = all_restores[i];
			rig_start_saved(&r, false, true, POWERSEQ_REQUESTED_OFF,
					POWERSEQ_FAULT_PSU_OK_DROP, r.now - 10 * SEC);
			t0 = r.now;
			assert_int_equal(r.nreasons, 1);
			assert_int_equal(r.reasons[0], POWERSEQ_R_FINISH_OFF);
			assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
			assert_false(r.out.psu_on);
			assert_true(r.out.host_button);
			/* named from the start, as before: alarm and code, not latched yet */
			assert_int_equal(powerseq_fault_get(&r.ps, &at),
					 POWERSEQ_FAULT_PSU_OK_DROP);
			assert_int_equal(at, t0 - 10 * SEC);
			assert_int_equal(r.out.led, POWERSEQ_LED_BLINK_CODE);
			assert_int_equal(r.out.led_code, 3);
			assert_false(r.requests & POWERSEQ_REQ_SAVE);
			/* during the hold: no power-on, and clearing waits for the latch */
			assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
			assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 3);
			if (times_out) {
				rig_advance(&r, r.cfg.force_off_hold_ns);
				assert_true(saw_reason(&r, POWERSEQ_R_FORCE_OFF_DONE));
			} else {
				rig_advance(&r, 4 * SEC);
				rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
				rig_advance(&r, r.cfg.debounce_ns);
				assert_true(saw_reason(&r, POWERSEQ_R_HOST_OFF));
			}
			expect_latched(&r, POWERSEQ_FAULT_PSU_OK_DROP, t0 - 10 * SEC);
			assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
			assert_int_equal(r.out.fault, POWERSEQ_FAULT_NONE);
			assert_true(r.out.requests & POWERSEQ_REQ_SAVE);
			if (!times_out) {
				rig_clear(&r);
				rig_power_on(&r);
			}
		}
	}
}

/*
 * A box found powered with a fault saved (something else powered it): the fault's safe state
 * wins over adopting, PS_ON released at once; an own-supply H2 is held off first.
 */
static void test_saved_fault_found_powered(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	r.cfg.restore = POWER_RESTORE_ON;
	rig_start_saved(&r, true, true, POWERSEQ_REQUESTED_ON, POWERSEQ_FAULT_HOST_BOOT_TIMEOUT,
			r.now - SEC);
	assert_int_equal(r.reasons[0], POWERSEQ_R_RESTORED_FAULT);
	assert_true(r.requests & POWERSEQ_REQ_SAVE); /* requested on -> off */
	expect_latched(&r, POWERSEQ_FAULT_HOST_BOOT_TIMEOUT, r.now - SEC);

	rig_init_own(&r);
	r.cfg.restore = POWER_RESTORE_ON;
	rig_start_saved(&r, true, true, POWERSEQ_REQUESTED_OFF, POWERSEQ_FAULT_PSU_OK_TIMEOUT,
			r.now - SEC);
	assert_int_equal(st(&r), POWERSEQ_FORCE_OFF);
	assert_int_equal(r.reasons[0], POWERSEQ_R_FINISH_OFF);
	assert_false(r.out.psu_on);
	assert_true(r.out.host_button);
	rig_advance(&r, r.cfg.force_off_hold_ns);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_TIMEOUT);
}

/* A fault time from the future (the wall clock went back) counts as now. */
static void test_saved_fault_time_clamped(void **state)
{
	struct rig r;
	int64_t at;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_saved(&r, false, false, POWERSEQ_REQUESTED_OFF, POWERSEQ_FAULT_UNKNOWN,
			r.now + 3600 * SEC);
	assert_int_equal(powerseq_fault_get(&r.ps, &at), POWERSEQ_FAULT_UNKNOWN);
	assert_int_equal(at, r.now);
	assert_int_equal(r.out.led_code, 5);
	assert_string_equal(powerseq_fault_name(POWERSEQ_FAULT_UNKNOWN), "unknown");
	assert_false(r.requests & POWERSEQ_REQ_SAVE);
}

/* Self: the supply off (as the fault left it) keeps it latched; up, it is not cut under us. */
static void test_saved_fault_self(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	rig_start_saved(&r, false, false, POWERSEQ_REQUESTED_OFF, POWERSEQ_FAULT_PSU_OK_TIMEOUT,
			r.now - SEC);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_int_equal(r.reasons[0], POWERSEQ_R_RESTORED_FAULT);
	assert_true(r.requests & POWERSEQ_REQ_READY); /* start-up over: READY=1 */
	assert_false(r.out.psu_on);
	expect_latched(&r, POWERSEQ_FAULT_PSU_OK_TIMEOUT, r.now - SEC);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
	assert_int_equal(r.out.fault, POWERSEQ_FAULT_NONE);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_true(r.out.psu_on);

	rig_init(&r, POWER_TOPOLOGY_SELF);
	rig_start_saved(&r, true, false, POWERSEQ_REQUESTED_OFF, POWERSEQ_FAULT_PSU_OK_TIMEOUT,
			r.now - SEC);
	assert_int_equal(st(&r), POWERSEQ_NIC_WAIT);
	assert_true(r.out.psu_on);
	assert_int_equal(powerseq_fault_get(&r.ps, NULL), POWERSEQ_FAULT_NONE);
	assert_int_equal(powerseq_last_fault_get(&r.ps, NULL), POWERSEQ_FAULT_PSU_OK_TIMEOUT);
	assert_true(r.requests & POWERSEQ_REQ_SAVE); /* out of the state file */
	assert_int_equal(r.out.fault, POWERSEQ_FAULT_NONE);
}

/* A fault is saved whenever it is named, even when requested was off already. */
static void test_fault_saved_when_requested_already_off(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start(&r);
	rig_power_on(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_OFF);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(r.out.fault, POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(r.out.fault_ns, r.now);
	assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
}

static void test_invalid_inputs(void **state)
{
	struct rig r;
	struct powerseq_input in = { .event = POWERSEQ_EV_BUTTON, .level = true };

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	powerseq_init(&r.ps, &r.cfg);
	assert_int_equal(powerseq_step(&r.ps, &in, r.now, &r.out), -EINVAL);
	assert_false(r.out.psu_on);
	rig_start(&r);
	in.event = POWERSEQ_EV_STARTUP;
	assert_int_equal(powerseq_step(&r.ps, &in, r.now, &r.out), -EALREADY);
	/* answers in the wrong state are ignored */
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	for (int s = 0; s < POWERSEQ_STATE_COUNT; s++)
		assert_string_not_equal(powerseq_state_name(s), "?");
	for (int x = 0; x < POWERSEQ_R_COUNT; x++)
		assert_string_not_equal(powerseq_reason_name(x), "?");
}

/* ---- self topology ---- */

static void self_to_on(struct rig *r, bool psu_was_on)
{
	rig_start_full(r, psu_was_on, false, false, POWERSEQ_REQUESTED_UNKNOWN);
	assert_true(r->out.psu_on);
	if (!psu_was_on) {
		assert_int_equal(st(r), POWERSEQ_PSU_STARTING);
		rig_advance(r, 300 * MS);
		rig_edge(r, POWERSEQ_EV_PSU_OK, true);
	}
	assert_int_equal(st(r), POWERSEQ_NIC_WAIT);
}

static void test_self_start_nic_rescan_ib(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, false);
	assert_true(r.out.requests & POWERSEQ_REQ_PCI_RESCAN); /* just switched on */
	assert_false(r.out.requests & POWERSEQ_REQ_NIC_CHECK);
	assert_false(r.requests & POWERSEQ_REQ_READY);
	rig_clear(&r);
	rig_advance(&r, r.cfg.nic_poll_ns);
	assert_true(r.requests & POWERSEQ_REQ_NIC_CHECK);
	rig_clear(&r);
	rig_answer(&r, POWERSEQ_EV_NIC, false);
	assert_true(r.requests & POWERSEQ_REQ_PCI_RESCAN);
	rig_advance(&r, r.cfg.nic_poll_ns);
	assert_true(r.requests & POWERSEQ_REQ_NIC_CHECK);
	rig_clear(&r);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	assert_int_equal(st(&r), POWERSEQ_IB_WAIT);
	assert_true(r.requests & POWERSEQ_REQ_IB_CHECK);
	rig_clear(&r);
	rig_answer(&r, POWERSEQ_EV_IB, false);
	assert_false(r.requests & POWERSEQ_REQ_IB_CHECK);
	rig_advance(&r, r.cfg.ib_poll_ns);
	assert_true(r.requests & POWERSEQ_REQ_IB_CHECK);
	assert_false(r.requests & POWERSEQ_REQ_READY);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_true(r.requests & POWERSEQ_REQ_READY);
	assert_int_equal(powerseq_warnings(&r.ps), 0);
	assert_true(r.out.psu_on);
}

static void test_self_psu_held_nic_timeout_ib_timeout(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	/* PSU already on: check at once, no rescan needed */
	assert_true(r.out.requests & POWERSEQ_REQ_NIC_CHECK);
	assert_false(r.out.requests & POWERSEQ_REQ_PCI_RESCAN);
	for (int64_t t = 0; t < r.cfg.nic_timeout_ns; t += r.cfg.nic_poll_ns) {
		if (r.out.requests & POWERSEQ_REQ_NIC_CHECK)
			rig_answer(&r, POWERSEQ_EV_NIC, false);
		rig_advance(&r, r.cfg.nic_poll_ns);
	}
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_true(r.warnings & POWERSEQ_WARN_NIC_MISSING);
	assert_true(r.requests & POWERSEQ_REQ_READY);

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	assert_int_equal(st(&r), POWERSEQ_IB_WAIT);
	rig_answer(&r, POWERSEQ_EV_IB, false);
	rig_advance(&r, r.cfg.ib_active_timeout_ns);
	assert_int_equal(st(&r), POWERSEQ_ON); /* a warning, not a failure */
	assert_true(powerseq_warnings(&r.ps) & POWERSEQ_WARN_IB_DOWN);
	assert_true(saw_reason(&r, POWERSEQ_R_IB_TIMEOUT));
}

static void test_self_psu_ok_timeout(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	rig_start(&r);
	rig_advance(&r, r.cfg.psu_ok_timeout_ns);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_false(r.out.psu_on);
	assert_true(r.requests & POWERSEQ_REQ_READY); /* READY=1 still goes out */
}

static void test_self_button_asks_logind(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	rig_clear(&r);
	rig_press(&r, 200 * MS);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_true(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
	assert_true(r.out.psu_on); /* the shutdown hook releases it, not us */
	assert_false(r.out.host_button);
	rig_clear(&r);
	rig_press(&r, 200 * MS); /* a second press is not a second power-off */
	assert_false(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
	/* in the simulator the host's LED going out stands for the hook */
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
}

static void test_self_poweroff_refused_returns_to_on(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_string_equal(r.out.reply, "already stopping");
	rig_advance(&r, r.cfg.host_shutdown_timeout_ns);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_true(r.out.psu_on);
}

static void test_self_psu_drop(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_true(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
	assert_true(r.requests & POWERSEQ_REQ_EMERGENCY);
	assert_true(powerseq_psu_drop_alarm(&r.ps));

	rig_init(&r, POWER_TOPOLOGY_SELF);
	r.cfg.pwr_ok_drop_action = POWER_DROP_IGNORE;
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	assert_int_equal(st(&r), POWERSEQ_ON);
	assert_false(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
	assert_true(r.warnings & POWERSEQ_WARN_PSU_OK_LOST);
	assert_true(powerseq_psu_drop_alarm(&r.ps));
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	assert_false(powerseq_psu_drop_alarm(&r.ps));
}

static void test_self_commands(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CYCLE), 3);
	assert_non_null(strstr(r.out.reply, "not available in the self topology"));
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_string_equal(r.out.reply, "already on");
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 0);
	assert_string_equal(r.out.reply, "power cut");
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	/* brick build: the H2 lives on, `power on` brings the NIC and disks back */
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_true(r.out.psu_on);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	assert_int_equal(st(&r), POWERSEQ_NIC_WAIT);
	assert_true(r.out.requests & POWERSEQ_REQ_PCI_RESCAN);
}

static void test_self_long_press_cuts(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_true(r.requests & POWERSEQ_REQ_EMERGENCY);
	assert_false(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
}

/* ---- automatic actions carry their own reason (issue 11, item 7) ---- */

static void test_thermal_off_has_its_own_reason(void **state)
{
	struct rig r;
	struct powerseq_input in = { .event = POWERSEQ_EV_COMMAND, .command = POWERSEQ_CMD_OFF,
				     .cause = POWERSEQ_R_THERMAL_EMERGENCY };

	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_full(&r, true, true, false, POWERSEQ_REQUESTED_ON);
	assert_int_equal(st(&r), POWERSEQ_ON);
	rig_clear(&r);
	assert_int_equal(rig_input(&r, &in), 0);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_true(saw_reason(&r, POWERSEQ_R_THERMAL_EMERGENCY));
	assert_false(saw_reason(&r, POWERSEQ_R_CMD_OFF));
	assert_string_equal(powerseq_reason_name(POWERSEQ_R_THERMAL_EMERGENCY),
			    "thermal-emergency");
	/* the user's own off keeps its name */
	rig_init(&r, POWER_TOPOLOGY_CONTROLLER);
	rig_start_full(&r, true, true, false, POWERSEQ_REQUESTED_ON);
	rig_clear(&r);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_OFF), 0);
	assert_true(saw_reason(&r, POWERSEQ_R_CMD_OFF));
}

/* ---- self topology with the H2's power LED watched (the simulator's observer) ---- */

/* h2boxd starts with the H2's LED as given (the simulator: dark, or just booted). */
static void self_start_lit(struct rig *r, bool psu_ok, bool alive)
{
	struct powerseq_input in = { .event = POWERSEQ_EV_STARTUP };

	powerseq_init(&r->ps, &r->cfg);
	in.psu_ok = psu_ok;
	in.host_alive = alive;
	in.has_host_alive = true;
	in.last_requested = POWERSEQ_REQUESTED_UNKNOWN;
	assert_int_equal(rig_input(r, &in), 0);
}

/* The dark H2 boots (its own button header): h2boxd starts its work once the OS is up. */
static void self_boot(struct rig *r)
{
	rig_edge(r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(r, r->cfg.debounce_ns);
	assert_int_equal(st(r), POWERSEQ_HOST_STARTING);
	assert_false(r->out.psu_on); /* nobody runs to switch the SFX on yet */
	rig_clear(r);
	rig_advance(r, r->cfg.ib_poll_ns);
	assert_true(r->requests & POWERSEQ_REQ_HOST_CHECK);
	rig_answer(r, POWERSEQ_EV_HOST_UP, false); /* still booting */
	assert_int_equal(st(r), POWERSEQ_HOST_STARTING);
	rig_clear(r);
	rig_advance(r, r->cfg.ib_poll_ns);
	assert_true(r->requests & POWERSEQ_REQ_HOST_CHECK);
	rig_answer(r, POWERSEQ_EV_HOST_UP, true);
}

static void test_self_dark_h2_press_boots_then_starts(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_start_lit(&r, false, false);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_true(r.requests & POWERSEQ_REQ_READY);
	/* h2boxd runs on the H2: with the H2 dark no command can run */
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
	assert_non_null(strstr(r.out.reply, "press the button"));
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_FORCE_OFF), 3);
	/* the press goes to the H2's header; it is no OS power-off */
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, 60 * MS);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true); /* the H2 lights up while still held */
	rig_advance(&r, 140 * MS);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, r.cfg.debounce_ns);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	assert_true(saw_reason(&r, POWERSEQ_R_HOST_STARTED));
	assert_false(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
	assert_false(saw_reason(&r, POWERSEQ_R_BUTTON));
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
	assert_non_null(strstr(r.out.reply, "booting"));
	/* the SFX (NIC, fan) stays dark until h2boxd starts: not powered for the NIC's services */
	assert_false(powerseq_powered(&r.ps));
	assert_int_equal(powerseq_host_get(&r.ps), POWERSEQ_H2_BOOTING);
	rig_clear(&r);
	rig_advance(&r, r.cfg.ib_poll_ns);
	rig_answer(&r, POWERSEQ_EV_HOST_UP, true);
	/* as a daemon starting on the H2 would: the SFX, the NIC, the IB port */
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
	assert_true(saw_reason(&r, POWERSEQ_R_STARTUP));
	assert_true(r.out.psu_on);
	assert_int_equal(powerseq_requested_get(&r.ps), POWERSEQ_REQUESTED_ON);
	rig_advance(&r, 300 * MS);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	assert_int_equal(st(&r), POWERSEQ_NIC_WAIT);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	assert_int_equal(st(&r), POWERSEQ_ON);
	/* a long hold: the PSU is cut, and the H2's own header forces it off at 4 s */
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_BUTTON, true);
	rig_advance(&r, r.cfg.long_press_ns);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_true(saw_reason(&r, POWERSEQ_R_LONG_PRESS));
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, SEC);
	rig_edge(&r, POWERSEQ_EV_BUTTON, false);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 3);
}

static void test_self_booted_then_h2_forced_off_while_booting(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_start_lit(&r, false, false);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, true);
	rig_advance(&r, 2 * SEC);
	assert_int_equal(st(&r), POWERSEQ_HOST_STARTING);
	/* a 4 s hold of the booting H2 forces it off in hardware: dark again */
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_false(r.out.psu_on);
}

static void test_self_psu_drop_latches_and_comes_back(void **state)
{
	struct rig r;
	int64_t at;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_start_lit(&r, false, false);
	self_boot(&r);
	rig_advance(&r, 300 * MS);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	assert_int_equal(st(&r), POWERSEQ_ON);
	rig_clear(&r);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	/* the OS powers off at once, and the fault is named and saved before it does */
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	assert_true(r.requests & POWERSEQ_REQ_LOGIND_POWEROFF);
	assert_true(r.requests & POWERSEQ_REQ_SAVE);
	assert_int_equal(r.out.fault, POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(r.out.requested, POWERSEQ_REQUESTED_OFF);
	assert_int_equal(powerseq_fault_get(&r.ps, &at), POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 3);
	rig_advance(&r, 8 * SEC);
	rig_edge(&r, POWERSEQ_EV_HOST_ALIVE, false);
	rig_advance(&r, SEC);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_false(r.out.psu_on);
	assert_int_equal(r.out.fault, POWERSEQ_FAULT_PSU_OK_DROP);
	/* dark: h2boxd does not run, so nothing clears it but the next boot's h2boxd */
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 3);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	rig_clear(&r);
	self_boot(&r);
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_true(saw_reason(&r, POWERSEQ_R_RESTORED_FAULT));
	assert_false(r.out.psu_on);
	assert_int_equal(r.out.fault, POWERSEQ_FAULT_PSU_OK_DROP);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_CLEAR), 0);
	assert_int_equal(st(&r), POWERSEQ_OFF);
	assert_int_equal(rig_cmd(&r, POWERSEQ_CMD_ON), 0);
	assert_int_equal(st(&r), POWERSEQ_PSU_STARTING);
}

static void test_self_psu_drop_os_hangs_fault_latches(void **state)
{
	struct rig r;

	rig_init(&r, POWER_TOPOLOGY_SELF);
	self_to_on(&r, true);
	rig_answer(&r, POWERSEQ_EV_NIC, true);
	rig_answer(&r, POWERSEQ_EV_IB, true);
	rig_edge(&r, POWERSEQ_EV_PSU_OK, false);
	assert_int_equal(st(&r), POWERSEQ_HOST_STOPPING);
	rig_advance(&r, r.cfg.host_shutdown_timeout_ns);
	/* the OS did not go down: the fault latches, never back to on with the PSU tripped */
	assert_int_equal(st(&r), POWERSEQ_FAULT);
	assert_false(r.out.psu_on);
}

/* Every state and reason has its own name: a hole in a name table shows as "?" in the log. */
static void test_every_state_and_reason_named(void **state)
{
	(void)state;
	for (int i = 0; i < POWERSEQ_STATE_COUNT; i++) {
		assert_string_not_equal(powerseq_state_name((enum powerseq_state)i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(powerseq_state_name((enum powerseq_state)i),
						powerseq_state_name((enum powerseq_state)j));
	}
	for (int i = 0; i < POWERSEQ_R_COUNT; i++) {
		assert_string_not_equal(powerseq_reason_name((enum powerseq_reason)i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(powerseq_reason_name((enum powerseq_reason)i),
						powerseq_reason_name((enum powerseq_reason)j));
	}
	assert_string_equal(powerseq_state_name(POWERSEQ_STATE_COUNT), "?");
	assert_string_equal(power_config_topology_name(POWER_TOPOLOGY_SELF), "self");
	assert_string_equal(power_config_restore_name(POWER_RESTORE_LAST), "last");
	assert_string_equal(power_config_host_supply_name(POWER_HOST_SUPPLY_OWN), "own");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_and_keys),
		cmocka_unit_test(test_button_on_sequence),
		cmocka_unit_test(test_led_blinks_while_busy),
		cmocka_unit_test(test_host_starts_on_power_skips_pulse),
		cmocka_unit_test(test_button_off_acpi),
		cmocka_unit_test(test_early_off_presses_again),
		cmocka_unit_test(test_shutdown_escalation),
		cmocka_unit_test(test_force_off_releases_early_when_host_goes),
		cmocka_unit_test(test_host_initiated_poweroff),
		cmocka_unit_test(test_psu_ok_timeout_fault_then_press_clears),
		cmocka_unit_test(test_clear_command),
		cmocka_unit_test(test_psu_ok_edge_timestamp_beats_late_processing),
		cmocka_unit_test(test_psu_ok_drop_while_on),
		cmocka_unit_test(test_host_boot_timeout),
		cmocka_unit_test(test_long_press_emergency),
		cmocka_unit_test(test_long_press_during_shutdown),
		cmocka_unit_test(test_debounce_glitch_ignored),
		cmocka_unit_test(test_debounce_edges_read_late),
		cmocka_unit_test(test_host_alive_glitch_ignored),
		cmocka_unit_test(test_button_held_at_startup),
		cmocka_unit_test(test_command_races),
		cmocka_unit_test(test_button_aborts_before_host_pulse),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_cycle_cancelled_by_off),
		cmocka_unit_test(test_restore),
		cmocka_unit_test(test_daemon_restart_adopts_running_box),
		cmocka_unit_test(test_host_on_own_supply_starts_psu),
		cmocka_unit_test(test_own_supply_long_press_forces_h2_off),
		cmocka_unit_test(test_own_supply_force_hold_times_out),
		cmocka_unit_test(test_own_supply_long_press_h2_dark_cuts_only),
		cmocka_unit_test(test_own_supply_force_off_command_while_starting),
		cmocka_unit_test(test_own_supply_psu_drop_forces_h2_off_then_latches),
		cmocka_unit_test(test_own_supply_psu_ok_timeout_with_h2_running),
		cmocka_unit_test(test_own_supply_host_boot_timeout_leaves_dark_h2),
		cmocka_unit_test(test_own_supply_startup_h2_running_psu_off),
		cmocka_unit_test(test_own_supply_startup_joins_running_h2),
		cmocka_unit_test(test_own_supply_startup_finishes_off),
		cmocka_unit_test(test_own_supply_startup_finish_off_hold_times_out),
		cmocka_unit_test(test_psu_supply_startup_h2_lit_psu_off_unchanged),
		cmocka_unit_test(test_fault_saves_requested_off),
		cmocka_unit_test(test_saved_fault_latches_for_every_restore),
		cmocka_unit_test(test_saved_fault_clear_then_power_on),
		cmocka_unit_test(test_saved_fault_own_supply_h2_running_finishes_off),
		cmocka_unit_test(test_saved_fault_found_powered),
		cmocka_unit_test(test_saved_fault_time_clamped),
		cmocka_unit_test(test_saved_fault_self),
		cmocka_unit_test(test_fault_saved_when_requested_already_off),
		cmocka_unit_test(test_invalid_inputs),
		cmocka_unit_test(test_self_start_nic_rescan_ib),
		cmocka_unit_test(test_self_psu_held_nic_timeout_ib_timeout),
		cmocka_unit_test(test_self_psu_ok_timeout),
		cmocka_unit_test(test_self_button_asks_logind),
		cmocka_unit_test(test_self_poweroff_refused_returns_to_on),
		cmocka_unit_test(test_self_psu_drop),
		cmocka_unit_test(test_self_commands),
		cmocka_unit_test(test_self_long_press_cuts),
		cmocka_unit_test(test_thermal_off_has_its_own_reason),
		cmocka_unit_test(test_self_dark_h2_press_boots_then_starts),
		cmocka_unit_test(test_self_booted_then_h2_forced_off_while_booting),
		cmocka_unit_test(test_self_psu_drop_latches_and_comes_back),
		cmocka_unit_test(test_self_psu_drop_os_hangs_fault_latches),
		cmocka_unit_test(test_every_state_and_reason_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
