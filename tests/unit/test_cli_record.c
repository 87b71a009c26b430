/* test_cli_record.c - `h2box record`: argument parsing, sample lines, CSV rows, the copy rate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "supervisor/cli/cli-record.h"

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })
#define NARGS(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) \
	cli_record_args_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), (o), (err), sizeof(err))

static void test_args_command(void **state)
{
	struct cli_record_opts o;
	char err[160] = "";

	assert_int_equal(PARSE(&o, err, "record", "-o", "x.csv", "--interval", "0.5", "--",
			       "iperf3", "-c", "--", "h"),
			 0);
	assert_string_equal(o.out_path, "x.csv");
	assert_true(fabs(o.interval_s - 0.5) < 1e-12);
	assert_false(o.copy);
	assert_int_equal(o.ncmd, 4);
	assert_string_equal(o.cmd[0], "iperf3");
	/* a "--" after the command belongs to the command */
	assert_string_equal(o.cmd[2], "--");

	/* defaults; the command may also start without "--" */
	assert_int_equal(PARSE(&o, err, "record", "sleep", "2"), 0);
	assert_null(o.out_path);
	assert_true(fabs(o.interval_s - 1.0) < 1e-12);
	assert_int_equal(o.ncmd, 2);
	assert_string_equal(o.cmd[0], "sleep");
	/* options of the command are not ours */
	assert_int_equal(PARSE(&o, err, "record", "--", "ls", "-o"), 0);
	assert_null(o.out_path);
	assert_int_equal(o.ncmd, 2);
}

static void test_args_copy(void **state)
{
	struct cli_record_opts o;
	char err[160] = "";

	assert_int_equal(PARSE(&o, err, "record", "--copy", "/a", "/b"), 0);
	assert_true(o.copy);
	assert_string_equal(o.copy_src, "/a");
	assert_string_equal(o.copy_dst, "/b");
	assert_int_equal(o.ncmd, 0);
}

static void test_args_bad(void **state)
{
	struct cli_record_opts o;
	char err[160];

	err[0] = '\0';
	assert_int_equal(PARSE(&o, err, "record"), -EINVAL);
	assert_non_null(strstr(err, "no command"));
	assert_int_equal(PARSE(&o, err, "record", "--"), -EINVAL);
	assert_non_null(strstr(err, "no command"));
	assert_int_equal(PARSE(&o, err, "record", "-o"), -EINVAL);
	assert_non_null(strstr(err, "-o needs"));
	assert_int_equal(PARSE(&o, err, "record", "--interval", "0", "--", "true"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "record", "--interval", "fast", "--", "true"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "record", "--interval"), -EINVAL);
	assert_int_equal(PARSE(&o, err, "record", "--copy", "/a"), -EINVAL);
	assert_non_null(strstr(err, "SRC and DST"));

	/* --help is the record's own only among its options: `record ls -h` runs `ls -h` */
	assert_int_equal(PARSE(&o, err, "record", "-o", "x.csv", "--help"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, err, "record", "ls", "-h"), 0);
	assert_false(o.help);
	assert_int_equal(o.ncmd, 2);
	assert_int_equal(PARSE(&o, err, "record", "--", "ls", "--help"), 0);
	assert_false(o.help);
	assert_int_equal(PARSE(&o, err, "record", "--copy", "/a", "/b", "--", "true"), -EINVAL);
	assert_non_null(strstr(err, "not both"));
	assert_int_equal(PARSE(&o, err, "record", "--bogus", "--", "true"), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
}

static const char sample_line[] =
	"{\"time\":\"2026-11-24T23:30:01.006Z\",\"mono_s\":21.005,\"watts\":32.125,"
	"\"volts\":11.980,\"amps\":2.6816,\"avg_w\":31.50,\"budget_state\":\"warn\","
	"\"ib_tx_gbps\":13.200,\"ib_rx_gbps\":null,\"energy_j\":3114.594,"
	"\"fan_duty_pct\":35.0,\"fan_rpm\":4120,\"temps_c\":{\"nic\":61.25,\"watts\":null},"
	"\"alarms\":[\"nic-hot\",\"fan-stall\"],"
	"\"monitors\":{\"main\":32.125,\"watts\":1.000}}";

/* the reply object naming the temperature columns; "watts" is an input here on purpose */
static const char reply_line[] = "{\"ok\":true,\"interval_s\":1.000,\"temps\":[\"nic\",\"watts\"]}";

static void test_cols_parse(void **state)
{
	struct cli_record_cols c;

	assert_int_equal(cli_record_cols_parse(reply_line, &c), 0);
	assert_int_equal(c.ntemps, 2);
	assert_string_equal(c.temps[0], "nic");
	assert_string_equal(c.temps[1], "watts");
	/* an older daemon names none: the fixed columns only */
	assert_int_equal(cli_record_cols_parse("{\"ok\":true,\"interval_s\":1.000}", &c), 0);
	assert_int_equal(c.ntemps, 0);
	assert_int_equal(cli_record_cols_parse("{\"temps\":[]}", &c), 0);
	assert_int_equal(c.ntemps, 0);
	/* a name that could split a CSV cell, an unterminated list: refused */
	assert_int_equal(cli_record_cols_parse("{\"temps\":[\"a,b\"]}", &c), -EINVAL);
	assert_int_equal(cli_record_cols_parse("{\"temps\":[\"a\"", &c), -EINVAL);
	/* more inputs than columns: the first ones */
	assert_int_equal(cli_record_cols_parse("{\"temps\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\","
					       "\"g\",\"h\",\"i\"]}",
					       &c),
			 0);
	assert_int_equal(c.ntemps, CLI_RECORD_TEMPS_MAX);
	assert_string_equal(c.temps[7], "h");
}

static void test_sample_parse(void **state)
{
	struct cli_record_sample s;
	struct cli_record_cols c;

	assert_int_equal(cli_record_cols_parse(reply_line, &c), 0);
	assert_int_equal(cli_record_sample_parse(sample_line, &c, &s), 0);
	assert_string_equal(s.time, "2026-11-24T23:30:01.006Z");
	assert_true(fabs(s.mono_s - 21.005) < 1e-9);
	/* the top-level figure, not the monitor that happens to be called "watts" */
	assert_true(fabs(s.watts - 32.125) < 1e-9);
	assert_true(fabs(s.amps - 2.6816) < 1e-9);
	assert_true(fabs(s.avg_w - 31.5) < 1e-9);
	assert_string_equal(s.budget, "warn");
	assert_true(fabs(s.ib_tx_gbps - 13.2) < 1e-9);
	assert_true(isnan(s.ib_rx_gbps));
	assert_true(fabs(s.energy_j - 3114.594) < 1e-9);
	assert_true(fabs(s.fan_duty_pct - 35.0) < 1e-9);
	assert_true(fabs(s.fan_rpm - 4120) < 1e-9);
	assert_true(fabs(s.temps[0] - 61.25) < 1e-9);
	/* the input called "watts" is read inside temps_c: null there, not the top-level 32.125 */
	assert_true(isnan(s.temps[1]));
	assert_string_equal(s.alarms, "nic-hot;fan-stall");

	/* the reply object and garbage are not samples */
	assert_int_equal(cli_record_sample_parse("{\"ok\":true,\"interval_s\":1.000}", &c, &s),
			 -EINVAL);
	assert_int_equal(cli_record_sample_parse("# every 1.000 s", &c, &s), -EINVAL);
	assert_int_equal(cli_record_sample_parse("{\"mono_s\":1,\"watts\":oops}", &c, &s), -EINVAL);
	/* a null watts figure stays unknown, never 0 */
	assert_int_equal(cli_record_sample_parse("{\"mono_s\":1.5,\"watts\":null}", &c, &s), 0);
	assert_true(isnan(s.watts));
	assert_true(isnan(s.fan_duty_pct) && isnan(s.temps[0]));
	assert_string_equal(s.alarms, "");
}

static void test_csv(void **state)
{
	struct cli_record_sample s;
	struct cli_record_cols c;
	char buf[512];
	int n;

	assert_int_equal(cli_record_cols_parse(reply_line, &c), 0);
	n = cli_record_csv_header(&c, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	/* the first ten columns as they always were, then fan, inputs, alarms */
	assert_string_equal(buf, "time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,ib_rx_gbps,"
				 "energy_j,fan_duty_pct,fan_rpm,nic_temp_c,watts_temp_c,alarms\n");
	n = cli_record_csv_header(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,ib_rx_gbps,"
				 "energy_j,fan_duty_pct,fan_rpm,alarms\n");

	assert_int_equal(cli_record_sample_parse(sample_line, &c, &s), 0);
	n = cli_record_csv_row(&c, &s, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "2026-11-24T23:30:01.006Z,21.005,32.125,11.980,2.6816,31.50,warn,"
				 "13.200,,3114.594,35.0,4120,61.25,,nic-hot;fan-stall\n");

	/* unknown numbers are empty cells; a comma in a string cannot split a row */
	assert_int_equal(cli_record_sample_parse("{\"time\":\"a,b\",\"mono_s\":2,\"watts\":null,"
						 "\"budget_state\":\"ok\"}",
						 &c, &s),
			 0);
	n = cli_record_csv_row(&c, &s, buf, sizeof(buf));
	/* as many cells as the header, unknown ones empty */
	assert_string_equal(buf, "a_b,2.000,,,,,ok,,,,,,,,\n");

	/* too small a buffer is an error, not a torn line */
	assert_int_equal(cli_record_csv_row(&c, &s, buf, 10), -ENOSPC);
	assert_int_equal(cli_record_csv_header(&c, buf, 10), -ENOSPC);
}

static void test_gbps(void **state)
{
	/* the article: bytes x 8 / s / 1e9 */
	assert_true(fabs(cli_record_gbps(10e9, 8.0) - 10.0) < 1e-12);
	assert_true(fabs(cli_record_gbps(1250000000.0, 1.0) - 10.0) < 1e-12);
	assert_true(isnan(cli_record_gbps(1e9, 0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_command), cmocka_unit_test(test_args_copy),
		cmocka_unit_test(test_args_bad),     cmocka_unit_test(test_cols_parse),
		cmocka_unit_test(test_sample_parse),
		cmocka_unit_test(test_csv),	     cmocka_unit_test(test_gbps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
