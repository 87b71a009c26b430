/* test_daemon_i2c.c - the daemon's I2C pass on the sim: created once, logged, taken left alone. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hw/sim/sim-state.h"
#include "supervisor/config/profile.h"
#include "supervisor/daemon/daemon-i2c.h"
#include "tests/unit/log-capture.h"
#include "tests/unit/sim-box.h"

#define GPIO "[gpio]\npsu_on = A\npsu_ok = B\nbutton = C\nhost_button = D\nhost_alive = E\n"
/* the plant's emc2305 (bound), a kernel INA226 it lacks, and an lm75 named as a tmp102 */
#define PROFILE                                                                          \
	"[daemon]\nbackend = sim\n[fan]\nchip = emc2305-i2c-1-2e\n"                      \
	"[input nic]\nchip = tmp102-i2c-1-48\nlabel = temp1\n"                           \
	"[monitor box]\ntype = ina226\nbus = 1\naddress = 0x40\n"                        \
	"[monitor kern]\ntype = hwmon\nhwmon_chip = ina226-i2c-1-41\n" GPIO

static struct profile *load(const char *text)
{
	struct profile_errors e;
	struct profile *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	assert_int_equal(profile_load_string("t.conf", text, p, &e), 0);
	return p;
}

static void test_created_once_and_logged(void **state)
{
	struct sim_box box;
	struct log_capture lc;
	struct profile *p = load(PROFILE);
	struct hw_sim_state *st;
	const char *log;

	assert_int_equal(sim_box_open(&box, SIM_BOX_OFF), 0);
	st = hw_sim_state(box.hw);
	assert_int_equal(log_capture_begin(&lc), 0);
	assert_int_equal(daemon_i2c_ensure(box.hw, p), 0);
	log = log_capture_text(&lc);
	/* only the absent device is created, never the own-driver INA226 at 0x40 */
	assert_int_equal(st->ni2c_created, 1);
	assert_string_equal(st->i2c_created[0].name, "ina226");
	assert_int_equal(st->i2c_created[0].addr, 0x41);
	assert_non_null(strstr(log, "i2c: created ina226 at i2c-1 0x41 for [monitor kern] hwmon_chip"
				    " = ina226-i2c-1-41"));
	assert_non_null(strstr(log, "H2BOX_EVENT=i2c-created"));
	assert_non_null(strstr(log, "H2BOX_I2C_ADDRESS=0x41"));
	/* the plant's lm75 at 0x48 is not the tmp102 the profile names: a warning, left alone */
	assert_non_null(strstr(log, "i2c: i2c-1 0x48 holds lm75 (driver lm75), not the tmp102 that"
				    " [input nic] chip = tmp102-i2c-1-48 names: left alone"));
	assert_non_null(strstr(log, "H2BOX_EVENT=i2c-taken"));
	assert_null(strstr(log, "created emc2305"));
	log_capture_end(&lc);

	/* a restart (or reload) creates nothing */
	assert_int_equal(log_capture_begin(&lc), 0);
	assert_int_equal(daemon_i2c_ensure(box.hw, p), 0);
	assert_null(strstr(log_capture_text(&lc), "i2c: created"));
	assert_int_equal(st->ni2c_created, 1);
	log_capture_end(&lc);
	free(p);

	/* switched off: nothing created, nothing said */
	p = load("[daemon]\nbackend = sim\ni2c_instantiate = no\n"
		 "[monitor kern]\ntype = hwmon\nhwmon_chip = ina226-i2c-1-42\n" GPIO);
	assert_int_equal(daemon_i2c_ensure(box.hw, p), 0);
	assert_int_equal(st->ni2c_created, 1);
	free(p);
	sim_box_close(&box);
}

static void test_no_adapter_counts_as_failed(void **state)
{
	struct sim_box box;
	struct log_capture lc;
	struct profile *p = load("[daemon]\nbackend = sim\n[fan]\nchip = emc2305-i2c-7-2e\n" GPIO);

	assert_int_equal(sim_box_open(&box, SIM_BOX_OFF), 0);
	assert_int_equal(log_capture_begin(&lc), 0);
	assert_int_equal(daemon_i2c_ensure(box.hw, p), 1);
	assert_non_null(strstr(log_capture_text(&lc), "i2c: no adapter i2c-7 for [fan] chip ="
						      " emc2305-i2c-7-2e"));
	log_capture_end(&lc);
	free(p);
	sim_box_close(&box);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_once_and_logged),
		cmocka_unit_test(test_no_adapter_counts_as_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
