/* test_profile.c - profile loading: keys outside sections, repeats, continuations, warnings, ranges. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/config/profile.h"

/* The lines every profile needs; appended after the text under test so its line numbers hold. */
#define GPIO "[gpio]\npsu_on = A\npsu_ok = B\nbutton = C\nhost_button = D\nhost_alive = E\n"

struct loaded {
	struct profile p;
	struct profile_errors e;
	int r;
};

static struct loaded *load(const char *text)
{
	struct loaded *l = calloc(1, sizeof(*l));

	assert_non_null(l);
	l->r = profile_load_string("t.conf", text, &l->p, &l->e);
	return l;
}

/* The profile is rejected and one of its errors is exactly want. */
static void assert_error(const char *text, const char *want)
{
	struct loaded *l = load(text);
	bool found = false;

	for (int i = 0; i < l->e.count; i++)
		if (strcmp(l->e.msg[i], want) == 0)
			found = true;
	if (l->r != -EINVAL || !found) {
		for (int i = 0; i < l->e.count; i++)
			print_message("  error: %s\n", l->e.msg[i]);
		fail_msg("r=%d; expected the error '%s'", l->r, want);
	}
	free(l);
}

static void test_key_outside_any_section(void **state)
{
	/* a deleted [daemon] header: backend = sim must not be dropped silently */
	assert_error("backend = sim\nname = x\n[sim]\nbuild = sfx\n",
		     "t.conf:1: 'backend' is outside any section: put it under its [section]");
	assert_error("; a comment\n\nspeed = 2\n",
		     "t.conf:3: 'speed' is outside any section: put it under its [section]");
}

static void test_repeated_key(void **state)
{
	assert_error("[daemon]\nbackend = sim\nname = a\nbackend = linux\n",
		     "t.conf:4: 'backend' repeated in [daemon] (first set at line 2)");
	/* the first value stands: the repeat is reported, not applied */
	struct loaded *l = load("[daemon]\nbackend = sim\nbackend = linux\n" GPIO);

	assert_true(l->p.daemon.sim);
	free(l);
	/* every kind of section, through each service's key table */
	assert_error("[sim]\nspeed = 1\nspeed = 2\n",
		     "t.conf:3: 'speed' repeated in [sim] (first set at line 2)");
	assert_error("[power]\nrestore = on\nrestore = off\n",
		     "t.conf:3: 'restore' repeated in [power] (first set at line 2)");
	assert_error("[gpio]\npsu_on = A\npsu_on = B\n",
		     "t.conf:3: 'psu_on' repeated in [gpio] (first set at line 2)");
	assert_error("[fan]\npwm = 1\npwm = 2\n",
		     "t.conf:3: 'pwm' repeated in [fan] (first set at line 2)");
	assert_error("[input nic]\nchip = lm75-*\nlabel = temp1\nchip = x\n",
		     "t.conf:4: 'chip' repeated in [input nic] (first set at line 2)");
	assert_error("[curve c]\npoints = 30:20 60:100\npoints = 30:30 60:100\n",
		     "t.conf:3: 'points' repeated in [curve c] (first set at line 2)");
	assert_error("[fanprofile quiet]\ncap = 30\ncap = 40\n",
		     "t.conf:3: 'cap' repeated in [fanprofile quiet] (first set at line 2)");
	assert_error("[fanschedule]\nquiet = 22:00-06:00\nquiet = 23:00-07:00\n",
		     "t.conf:3: 'quiet' repeated in [fanschedule] (first set at line 2)");
	assert_error("[watts]\nsample_rate = 1\nsample_rate = 2\n",
		     "t.conf:3: 'sample_rate' repeated in [watts] (first set at line 2)");
	assert_error("[monitor main]\nbus = 1\nbus = 2\n",
		     "t.conf:3: 'bus' repeated in [monitor main] (first set at line 2)");
	assert_error("[budget]\nlimit = 60\nlimit = 50\n",
		     "t.conf:3: 'limit' repeated in [budget] (first set at line 2)");
	assert_error("[throttle cpu]\ntype = cpufreq\ntype = rapl\n",
		     "t.conf:3: 'type' repeated in [throttle cpu] (first set at line 2)");
	assert_error("[thermal nic]\nwarn = 60\nwarn = 70\n",
		     "t.conf:3: 'warn' repeated in [thermal nic] (first set at line 2)");
	assert_error("[alerts]\nhistory = 10\nhistory = 20\n",
		     "t.conf:3: 'history' repeated in [alerts] (first set at line 2)");
	assert_error("[ib]\nports = 1\nports = 2\n",
		     "t.conf:3: 'ports' repeated in [ib] (first set at line 2)");
	/* the same setting under its two names */
	assert_error("[fan]\nprofile = quiet\n[fanschedule]\ndefault = full\n",
		     "t.conf:4: 'default' repeated in [fanschedule] (first set at line 2 as [fan] "
		     "profile)");
	assert_error("[throttle ipoib]\ntype = tbf\ninterfaces = ib0\ninterface = ib1\n",
		     "t.conf:4: 'interface' repeated in [throttle ipoib] (first set at line 3 as "
		     "[throttle ipoib] interfaces)");
}

static void test_repeated_section(void **state)
{
	assert_error("[daemon]\nname = a\n[sim]\nspeed = 1\n[daemon]\nsocket = /tmp/s\n",
		     "t.conf:5: section [daemon] repeated (first at line 1): keep its keys in one "
		     "section");
	/* a byte order mark does not hide the first header */
	assert_error("\xEF\xBB\xBF[sim]\nspeed = 1\n[sim]\n",
		     "t.conf:3: section [sim] repeated (first at line 1): keep its keys in one "
		     "section");
	assert_error("[power]\nrestore = on\n[power]\n",
		     "t.conf:3: section [power] repeated (first at line 1): keep its keys in one "
		     "section");
	assert_error("[input nic]\nchip = a\n[input  nic]\nlabel = b\n",
		     "t.conf:3: section [input  nic] repeated (first at line 1): keep its keys in "
		     "one section");
	assert_error("[fanschedule]\nquiet = 22:00-06:00\n[schedule]\ndefault = quiet\n",
		     "t.conf:3: section [schedule] repeated (first at line 1 as [fanschedule]): "
		     "keep its keys in one section");
	assert_error("[thermal nic]\nwarn = 60\n[alarm nic]\ncritical = 80\n",
		     "t.conf:3: section [alarm nic] repeated (first at line 1 as [thermal nic]): "
		     "keep its keys in one section");
	/* different names are different sections */
	struct loaded *l = load("[input a]\nfile = /x\n[input b]\nfile = /y\n" GPIO);

	assert_int_equal(l->r, 0);
	assert_int_equal(l->p.fan.ninputs, 2);
	free(l);
}

/* Every section header is read one way: [input "a"] is [input a], whoever owns the section. */
static void test_section_header_one_syntax(void **state)
{
	struct loaded *l = load("[ input   \"a\" ]\nfile = /x\n[input b]\nfile = /y\n" GPIO);

	assert_int_equal(l->r, 0);
	assert_int_equal(l->p.fan.ninputs, 2);
	assert_string_equal(l->p.fan.inputs[0].spec.name, "a");
	assert_string_equal(l->p.fan.inputs[1].spec.name, "b");
	free(l);
	assert_error("[input a]\nfile = /x\n[input \"a\"]\nfile = /y\n",
		     "t.conf:3: section [input \"a\"] repeated (first at line 1): keep its keys in one"
		     " section");
	assert_error("[input \"a b\"]\nfile = /x\n",
		     "t.conf:1: [input \"a b\"]: name 'a b': use letters, digits, '-', '_', '.'");
	assert_error("[monitor h2 extra]\naddress = 0x40\n",
		     "t.conf:1: [monitor h2 extra]: a section is a kind and at most one name");
	assert_error("[daemon main]\nname = x\n", "t.conf:1: unknown section [daemon main]");
}

/* [monitor "h2"] is [monitor h2]: the watts sections read their headers like every other. */
static void test_monitor_header_like_input(void **state)
{
	static const char *const forms[] = { "[monitor \"h2\"]", "[monitor h2]", "[ monitor\th2 ]" };
	struct loaded *ref = NULL;

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char text[512];
		struct loaded *l;

		snprintf(text, sizeof(text), "%s\naddress = 0x41\nshunt = 0.01\n" GPIO, forms[i]);
		l = load(text);
		assert_int_equal(l->r, 0);
		assert_int_equal(l->p.watts.nmonitors, 1);
		assert_string_equal(l->p.watts.mon[0].name, "h2");
		assert_int_equal(l->p.watts.mon[0].ina.addr, 0x41);
		if (!ref)
			ref = l;
		else {
			assert_memory_equal(&l->p.watts, &ref->p.watts, sizeof(l->p.watts));
			free(l);
		}
	}
	free(ref);
	/* a bad name is refused in the words [input "a b"] gets */
	assert_error("[input \"a b\"]\nfile = /x\n",
		     "t.conf:1: [input \"a b\"]: name 'a b': use letters, digits, '-', '_', '.'");
	assert_error("[monitor \"a b\"]\naddress = 0x40\n",
		     "t.conf:1: [monitor \"a b\"]: name 'a b': use letters, digits, '-', '_', '.'");
	assert_error("[throttle \"a/b\"]\ntype = tbf\n",
		     "t.conf:1: [throttle \"a/b\"]: name 'a/b': use letters, digits, '-', '_', '.'");
}

/* The error the profile reports on line, without its "t.conf:N: KEY: " prefix. */
static void error_on(const char *text, int line, const char *key, char *out, size_t len)
{
	struct loaded *l = load(text);
	char prefix[64];

	snprintf(prefix, sizeof(prefix), "t.conf:%d: %s: ", line, key);
	out[0] = '\0';
	for (int i = 0; i < l->e.count; i++)
		if (strncmp(l->e.msg[i], prefix, strlen(prefix)) == 0)
			snprintf(out, len, "%s", l->e.msg[i] + strlen(prefix));
	if (!out[0]) {
		for (int i = 0; i < l->e.count; i++)
			print_message("  error: %s\n", l->e.msg[i]);
		fail_msg("no error starting '%s'", prefix);
	}
	free(l);
}

/*
 * One rule for every section: [fan], [input], [curve], [power], [gpio] and [ib] take the same
 * duration and boolean syntax and refuse it in the same words, their word lists say the same
 * thing the same way, and [input X], [curve X] and [fanprofile X] take the same names.
 */
static void test_one_value_rule_across_sections(void **state)
{
	struct loaded *l = load("[fan]\nperiod = 1.5s\nstale_after = 250ms\nenabled = off\n"
				"[input a.b-c_9]\nfile = /x\nrequired = No\ncurve = a.b-c_9\n"
				"[curve a.b-c_9]\npoints = 30:20 60:100\nkick_time = 250ms\n"
				"[fanprofile a.b-c_9]\ncap = 50%\n"
				"[fanschedule]\ndefault = a.b-c_9\n"
				"[power]\npsu_ok_timeout = 250ms\nsettle = 1.5s\nhost_starts_on_power = TRUE\n"
				"[ib]\nsample_period = 1.5s\nbench_timeout = 250ms\n"
				"pcie_narrow_expected = on\n"
				"[gpio]\nbutton_pull_up = 1\n"
				"psu_on = A\npsu_ok = B\nbutton = C\nhost_button = D\nhost_alive = E\n");
	char a[256], b[256], c[256];

	for (int i = 0; i < l->e.count; i++)
		print_message("  error: %s\n", l->e.msg[i]);
	assert_int_equal(l->r, 0);
	assert_true(l->p.fan.period_ns == 1500000000LL);
	assert_true(l->p.fan.stale_after_ns == 250000000LL);
	assert_true(l->p.fan.curves[1].c.kick_ns == 250000000LL);
	assert_true(l->p.power.psu_ok_timeout_ns == 250000000LL);
	assert_true(l->p.power.settle_ns == 1500000000LL);
	assert_true(l->p.ib.sample_ns == 1500000000LL);
	assert_true(l->p.ib.bench_timeout_ns == 250000000LL);
	assert_false(l->p.fan.enabled);
	assert_false(l->p.fan.inputs[0].required);
	assert_true(l->p.power.host_starts_on_power);
	assert_true(l->p.power.button_pull_up);
	assert_true(l->p.ib.pcie_narrow_expected);
	assert_string_equal(l->p.fan.inputs[0].spec.name, "a.b-c_9");
	assert_string_equal(l->p.fan.sched.default_profile, "a.b-c_9");
	free(l);

	/* a bad duration: one message, whichever section */
	error_on("[fan]\nperiod = 1.5 fortnights\n" GPIO, 2, "period", a, sizeof(a));
	error_on("[power]\nsettle = 1.5 fortnights\n" GPIO, 2, "settle", b, sizeof(b));
	error_on("[ib]\nsample_period = 1.5 fortnights\n" GPIO, 2, "sample_period", c, sizeof(c));
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	/* a bad boolean: one message */
	error_on("[fan]\nenabled = maybe\n" GPIO, 2, "enabled", a, sizeof(a));
	error_on("[gpio]\nbutton_pull_up = maybe\n" GPIO, 2, "button_pull_up", b, sizeof(b));
	error_on("[ib]\npcie_narrow_expected = maybe\n" GPIO, 2, "pcie_narrow_expected", c,
		 sizeof(c));
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	/* a word not in a list: every list says its words the same way */
	error_on("[fan]\non_exit = later\n" GPIO, 2, "on_exit", a, sizeof(a));
	assert_string_equal(a, "must be 'restore', 'full' or 'keep', got 'later'");
	error_on("[input a]\nfile = /x\npowered_by = later\n" GPIO, 3, "powered_by", a, sizeof(a));
	assert_string_equal(a, "must be 'psu', 'host' or 'always', got 'later'");
	error_on("[power]\nrestore = later\n" GPIO, 2, "restore", a, sizeof(a));
	assert_string_equal(a, "must be 'off', 'on' or 'last', got 'later'");

	/* one name rule for [input X], [curve X] and [fanprofile X] */
	assert_error("[input \"a b\"]\nfile = /x\n",
		     "t.conf:1: [input \"a b\"]: name 'a b': use letters, digits, '-', '_', '.'");
	assert_error("[curve \"a b\"]\npoints = 30:20 60:100\n",
		     "t.conf:1: [curve \"a b\"]: name 'a b': use letters, digits, '-', '_', '.'");
	assert_error("[fanprofile \"a b\"]\ncap = 50\n",
		     "t.conf:1: [fanprofile \"a b\"]: name 'a b': use letters, digits, '-', '_', '.'");
	assert_error("[curve a23456789012345678901234567890123]\npoints = 30:20 60:100\n",
		     "t.conf:1: [curve a23456789012345678901234567890123]: name longer than 31"
		     " characters");
	assert_error("[input a23456789012345678901234567890123]\nfile = /x\n",
		     "t.conf:1: [input a23456789012345678901234567890123]: name longer than 31"
		     " characters");
	/* a schedule entry names a profile by the same rule */
	error_on("[fanschedule]\ndefault = a/b\n" GPIO, 2, "default", a, sizeof(a));
	assert_string_equal(a, "name 'a/b': use letters, digits, '-', '_', '.'");
}

static void test_indented_continuation(void **state)
{
	/* inih would make "bar" the new name: a stray indent must not change a value */
	assert_error("[daemon]\nname = foo\n   bar\n",
		     "t.conf:3: indented line continues 'name': a value is one line (remove the "
		     "indentation)");
	/* nor hide a section header */
	assert_error("[daemon]\nname = foo\n  [sim]\n",
		     "t.conf:3: indented line continues 'name': a value is one line (remove the "
		     "indentation)");
	/* indentation right after a header is only layout */
	struct loaded *l = load("[daemon]\n  name = foo\n" GPIO);

	assert_int_equal(l->r, 0);
	assert_string_equal(l->p.daemon.name, "foo");
	free(l);
}

/* The profile loads and its warnings are exactly want (NULL-terminated). */
static void assert_warnings(const char *text, const char *const *want)
{
	struct loaded *l = load(text);
	int n = 0;

	for (int i = 0; i < l->e.count; i++)
		print_message("  error: %s\n", l->e.msg[i]);
	assert_int_equal(l->r, 0);
	for (int i = 0; i < l->e.nwarnings; i++)
		print_message("  warning: %s\n", l->e.warning[i]);
	while (want[n])
		n++;
	assert_int_equal(l->e.nwarnings, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(l->e.warning[i], want[i]);
	free(l);
}

#define NIC "[input nic]\nchip = lm75-*\nlabel = temp1\n"

static void test_keys_that_never_take_effect(void **state)
{
	/* the shipped night setup: quiet's 65 C is below the input's 70 C and applies at night */
	assert_warnings(NIC "override_temp = 70\n[fanprofile quiet]\noverride_temp = 65\n" GPIO,
			(const char *const[]){ NULL });
	/* an input's override above every profile's is always shadowed */
	assert_warnings(NIC "override_temp = 80\n" GPIO,
			(const char *const[]){
				"t.conf:4: warning: [input nic] override_temp = 80 never takes effect:"
				" every fan profile's is lower (at most 75), and the lower one applies",
				NULL });
	/* a profile's override above every input's likewise */
	assert_warnings(NIC "override_temp = 70\n[fanprofile balanced]\noverride_temp = 72\n"
			GPIO,
			(const char *const[]){
				"t.conf:6: warning: [fanprofile balanced] override_temp = 72 never takes"
				" effect: every [input]'s is lower (at most 70), and the lower one"
				" applies",
				NULL });
	/* the simulated box's section on real hardware */
	assert_warnings("[daemon]\nbackend = linux\n[sim]\nspeed = 2\n" GPIO,
			(const char *const[]){
				"t.conf:3: warning: [sim] has no effect with backend = linux (only"
				" under h2boxd --sim)",
				NULL });
	/* a curve no input follows */
	assert_warnings("[curve spare]\npoints = 30:20 60:100\n" GPIO,
			(const char *const[]){
				"t.conf:1: warning: [curve spare] is not used by any [input]", NULL });
	/* PID gains without a target */
	assert_warnings("[curve c]\npoints = 30:20 60:100\npid_ki = 0.1\n" NIC "curve = c\n" GPIO,
			(const char *const[]){
				"t.conf:3: warning: [curve c] pid_ki has no effect without pid_target",
				NULL });
	/* chip/label next to file = */
	assert_warnings("[input nic]\nfile = /sys/x/temp\nlabel = temp1\n" GPIO,
			(const char *const[]){
				"t.conf:3: warning: [input nic] label is ignored: the input reads"
				" file =",
				NULL });
}

/*
 * [sim] seed takes any unsigned 64-bit number.  Its upper bound was (double)~0UL, which is 2^64
 * and does not convert back to an unsigned long (undefined: gcc on x86-64 made it 0, so every
 * seed but 0 was "out of range"); found by tests/fuzz/fuzz_profile under UBSan.
 */
static void test_sim_seed_full_range(void **state)
{
	struct loaded *l = load("[sim]\nseed = 42\n" GPIO);

	for (int i = 0; i < l->e.count; i++)
		print_message("  error: %s\n", l->e.msg[i]);
	assert_int_equal(l->r, 0);
	assert_true(l->p.sim.plant.seed == 42);
	free(l);
	l = load("[sim]\nseed = 0xffffffffffffffff\n" GPIO);
	assert_int_equal(l->r, 0);
	assert_true(l->p.sim.plant.seed == UINT64_MAX);
	free(l);
	assert_error("[sim]\nseed = 0x10000000000000000\n" GPIO,
		     "t.conf:2: seed: expected an unsigned integer, got '0x10000000000000000'");
}

/*
 * A profile without [power] and [gpio] (a fan-only controller, or the bench's fake hwmon tree)
 * loads: power sequencing is simply not configured.  A [power] section without its lines is
 * still an error.
 */
static void test_no_power_section_needs_no_gpio(void **state)
{
	struct loaded *l = load("[fan]\nperiod = 1s\n");

	(void)state;
	for (int i = 0; i < l->e.count; i++)
		print_message("  error: %s\n", l->e.msg[i]);
	assert_int_equal(l->r, 0);
	assert_false(l->p.power.wired);
	free(l);
	l = load("[fan]\nperiod = 1s\n" GPIO);
	assert_int_equal(l->r, 0);
	assert_true(l->p.power.wired);
	free(l);
	assert_error("[power]\nrestore = off\n", "t.conf: [gpio] psu_on is required");
}

/* [metrics]: listen = [ADDR:]PORT, localhost by default; nothing listens without the key. */
static void test_metrics_section(void **state)
{
	struct loaded *l = load("[daemon]\nbackend = sim\n" GPIO);

	assert_int_equal(l->r, 0);
	assert_false(l->p.metrics.listen);
	assert_string_equal(l->p.metrics.textfile, "");
	free(l);
	l = load("[daemon]\nbackend = sim\n[metrics]\nlisten = 9100\ntextfile = /var/lib/t.prom\n"
		 "textfile_interval = 30s\n" GPIO);
	assert_int_equal(l->r, 0);
	assert_true(l->p.metrics.listen);
	assert_string_equal(l->p.metrics.addr, "127.0.0.1");
	assert_int_equal(l->p.metrics.port, 9100);
	assert_string_equal(l->p.metrics.textfile, "/var/lib/t.prom");
	assert_int_equal(l->p.metrics.textfile_interval_ns, 30000000000LL);
	free(l);
	l = load("[metrics]\nlisten = 0.0.0.0:0\n" GPIO);
	assert_string_equal(l->p.metrics.addr, "0.0.0.0");
	assert_int_equal(l->p.metrics.port, 0);
	free(l);
	l = load("[metrics]\nlisten = [::1]:9100\n" GPIO);
	assert_string_equal(l->p.metrics.addr, "::1");
	free(l);
	l = load("[metrics]\nlisten = localhost:9100\n" GPIO);
	assert_string_equal(l->p.metrics.addr, "127.0.0.1");
	free(l);
	assert_error("[metrics]\nlisten = 70000\n",
		     "t.conf:2: listen: '70000' is not [ADDR:]PORT (a port 0..65535)");
	assert_error("[metrics]\n\nlisten = nas.lan:9100\n",
		     "t.conf:3: listen: 'nas.lan' is not an IP address (0.0.0.0, 127.0.0.1, [::1], localhost)");
	assert_error("[metrics]\nlisten = ::1:9100\n",
		     "t.conf:2: listen: '::1:9100': write an IPv6 address in brackets, [::1]:9100");
	assert_error("[metrics]\ntextfile = h2box.prom\n",
		     "t.conf:2: textfile: must be an absolute path (or empty for none)");
	assert_error("[metrics]\nport = 9100\n", "t.conf:2: unknown key 'port' in [metrics]");
}

/* The IB watch runs only for a profile with an [ib] section, a bare header included. */
static void test_ib_section_enables_the_watch(void **state)
{
	static const struct {
		const char *text;
		bool enabled;
	} cases[] = {
		{ "[daemon]\nbackend = sim\n" GPIO, false },
		{ "[daemon]\nbackend = sim\n[ib]\n" GPIO, true },
		{ "[daemon]\nbackend = sim\n[ ib ]\n" GPIO, true },
		{ "[daemon]\nbackend = sim\n[ib]\nsample_period = 2s\n" GPIO, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct loaded *l = load(cases[i].text);

		if (l->r != 0)
			fail_msg("case %zu: r=%d %s", i, l->r, l->e.count ? l->e.msg[0] : "");
		assert_int_equal(l->p.ib.enabled, cases[i].enabled);
		free(l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_value_rule_across_sections),
		cmocka_unit_test(test_key_outside_any_section),
		cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_repeated_section),
		cmocka_unit_test(test_section_header_one_syntax),
		cmocka_unit_test(test_monitor_header_like_input),
		cmocka_unit_test(test_indented_continuation),
		cmocka_unit_test(test_keys_that_never_take_effect),
		cmocka_unit_test(test_sim_seed_full_range),
		cmocka_unit_test(test_no_power_section_needs_no_gpio),
		cmocka_unit_test(test_metrics_section),
		cmocka_unit_test(test_ib_section_enables_the_watch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
