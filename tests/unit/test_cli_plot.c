/* test_cli_plot.c - `h2box plot`: a record CSV's columns, summary and alarm marks; the gnuplot script. */
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

#include "supervisor/cli/cli-plot.h"

static const char header[] = "time,mono_s,watts,volts,amps,avg_w,budget_state,ib_tx_gbps,"
			     "ib_rx_gbps,energy_j,fan_duty_pct,fan_rpm,nic_temp_c,cpu_temp_c,alarms";

static void feed(struct cli_plot *p)
{
	char err[200];

	assert_int_equal(cli_plot_header(p, header, err, sizeof(err)), 0);
	/* 30 W for 10 s (300 J), 8 Gb/s out and 0 in: 10 GB moved */
	assert_int_equal(cli_plot_row(p, "t,100.000,30.0,12,2.5,30,ok,8.000,0.000,1000.000,30.0,2000,50.00,40.00,"), 0);
	assert_int_equal(cli_plot_row(p, "t,105.000,30.0,12,2.5,30,ok,8.000,0.000,1150.000,30.0,2000,,40.00,fan-sensor-nic"), 0);
	assert_int_equal(cli_plot_row(p, "t,107.000,30.0,12,2.5,30,ok,8.000,0.000,1210.000,100.0,4000,,41.00,fan-sensor-nic;nic-hot"), 0);
	assert_int_equal(cli_plot_row(p, "t,110.000,30.0,12,2.5,30,ok,8.000,0.000,1300.000,30.0,2000,52.00,41.00,"), 0);
}

static void test_columns(void **state)
{
	struct cli_plot p;
	char err[200];

	assert_int_equal(cli_plot_header(&p, header, err, sizeof(err)), 0);
	assert_int_equal(p.col_mono, 2);
	assert_int_equal(p.col_watts, 3);
	assert_int_equal(p.col_energy, 10);
	assert_int_equal(p.col_fan, 11);
	assert_int_equal(p.col_rpm, 12);
	assert_int_equal(p.ntemps, 2);
	assert_string_equal(p.temp_name[0], "nic");
	assert_int_equal(p.col_temp[1], 14);
	assert_int_equal(p.col_alarms, 15);
	/* a CSV of an older h2box: ten columns, no fan, temperature or alarm columns */
	assert_int_equal(cli_plot_header(&p, "time,mono_s,watts,volts,amps,avg_w,budget_state,"
					     "ib_tx_gbps,ib_rx_gbps,energy_j",
					 err, sizeof(err)),
			 0);
	assert_int_equal(p.col_fan, 0);
	assert_int_equal(p.ntemps, 0);
	assert_int_equal(p.col_alarms, 0);
	/* anything else is not a record */
	assert_int_equal(cli_plot_header(&p, "a,b,c", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "mono_s and watts"));
}

static void test_summary(void **state)
{
	struct cli_plot p;
	struct cli_plot_summary s;

	feed(&p);
	cli_plot_summary_get(&p, &s);
	assert_int_equal(p.rows, 4);
	assert_true(fabs(s.duration_s - 10.0) < 1e-9);
	assert_true(fabs(s.energy_j - 300.0) < 1e-9);
	assert_true(fabs(s.avg_w - 30.0) < 1e-9);
	assert_true(fabs(s.wh - 300.0 / 3600.0) < 1e-12);
	assert_true(fabs(s.gb - 10.0) < 1e-9);
	assert_true(fabs(s.j_per_gb - 30.0) < 1e-9);

	/* no traffic: J/GB unknown, never infinite or 0 */
	{
		char err[200];

		assert_int_equal(cli_plot_header(&p, header, err, sizeof(err)), 0);
		assert_int_equal(cli_plot_row(&p, "t,0,24,12,2,24,ok,0,0,0,25,1500,40,35,"), 0);
		assert_int_equal(cli_plot_row(&p, "t,10,24,12,2,24,ok,0,0,240,25,1500,40,35,"), 0);
		cli_plot_summary_get(&p, &s);
		assert_true(fabs(s.avg_w - 24.0) < 1e-9);
		assert_true(isnan(s.j_per_gb));
	}
}

static void test_markers(void **state)
{
	struct cli_plot p;

	feed(&p);
	/* each alarm once, where it was raised, relative to the first sample */
	assert_int_equal(p.nmarkers, 2);
	assert_string_equal(p.markers[0].id, "fan-sensor-nic");
	assert_true(fabs(p.markers[0].t - 5.0) < 1e-9);
	assert_string_equal(p.markers[1].id, "nic-hot");
	assert_true(fabs(p.markers[1].t - 7.0) < 1e-9);
}

static void test_bad_rows(void **state)
{
	struct cli_plot p;
	char err[200];

	assert_int_equal(cli_plot_header(&p, header, err, sizeof(err)), 0);
	assert_int_equal(cli_plot_row(&p, "t,1,2"), -EINVAL);                  /* torn */
	assert_int_equal(cli_plot_row(&p, "t,,30,12,2.5,30,ok,,,,,,,,"), -EINVAL); /* no time */
	assert_int_equal(cli_plot_row(&p, "t,x,30,12,2.5,30,ok,,,,,,,,"), -EINVAL);
	assert_int_equal(p.rows, 0);
}

static char *script_of(const struct cli_plot *p, const char *csv, const char *out,
		       enum cli_plot_format fmt, int *r)
{
	struct cli_plot_summary s;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	cli_plot_summary_get(p, &s);
	*r = cli_plot_script(p, &s, csv, out, fmt, f);
	fclose(f);
	return text;
}

static void test_script(void **state)
{
	struct cli_plot p;
	enum cli_plot_format fmt;
	char *t;
	int r;

	feed(&p);
	t = script_of(&p, "/tmp/it's.csv", "/tmp/o.svg", CLI_PLOT_SVG, &r);
	assert_int_equal(r, 0);
	assert_non_null(strstr(t, "set terminal svg"));
	/* the path as one gnuplot string, its quote doubled: no way out of the string */
	assert_non_null(strstr(t, "plot '/tmp/it''s.csv' using (column(2)-100.000):"));
	assert_non_null(strstr(t, "set output '/tmp/o.svg'"));
	/* every quantity drawn, an unknown cell a gap */
	assert_non_null(strstr(t, "strcol(3) eq '' ? 1/0 : column(3)"));
	assert_non_null(strstr(t, "title 'nic'"));
	assert_non_null(strstr(t, "title 'cpu'"));
	assert_non_null(strstr(t, "title 'fan duty %'"));
	assert_non_null(strstr(t, "title 'IB tx Gb/s'"));
	/* the summary and the marks */
	assert_non_null(strstr(t, "avg 30.00 W"));
	assert_non_null(strstr(t, "30.0 J/GB"));
	assert_non_null(strstr(t, "'fan-sensor-nic' at 5.000"));
	assert_non_null(strstr(t, "'nic-hot' at 7.000"));
	assert_non_null(strstr(t, "to 10.000, graph 1"));
	free(t);

	t = script_of(&p, "/tmp/a.csv", "/tmp/o.png", CLI_PLOT_PNG, &r);
	assert_int_equal(r, 0);
	assert_non_null(strstr(t, "set terminal pngcairo"));
	free(t);
	/* a line break would end the string and start a gnuplot command */
	t = script_of(&p, "/tmp/a.csv\nsystem 'x'", "/tmp/o.svg", CLI_PLOT_SVG, &r);
	assert_int_equal(r, -EINVAL);
	free(t);

	assert_int_equal(cli_plot_format_of("x.SVG", &fmt), 0);
	assert_int_equal(fmt, CLI_PLOT_SVG);
	assert_int_equal(cli_plot_format_of("x.png", &fmt), 0);
	assert_int_equal(fmt, CLI_PLOT_PNG);
	assert_int_equal(cli_plot_format_of("x.pdf", &fmt), -EINVAL);
	assert_int_equal(cli_plot_format_of(".svg", &fmt), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns), cmocka_unit_test(test_summary),
		cmocka_unit_test(test_markers), cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_script),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
