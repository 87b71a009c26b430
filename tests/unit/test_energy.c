/* test_energy.c - trapezoid integration, chain breaks, record summaries and the state file (written through statefile). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "supervisor/policy/energy.h"
#include "supervisor/services/watts-svc.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEC(x) ((int64_t)((x)*1e9))

static void test_trapezoid(void **state)
{
	struct energy_counter e;

	(void)state;
	energy_counter_init(&e, 100.0, SEC(5));
	assert_float_equal(energy_counter_add(&e, SEC(0), 10.0), 0.0, 1e-12);
	/* a ramp 10 -> 20 W over 2 s is 30 J exactly with trapezoids */
	assert_float_equal(energy_counter_add(&e, SEC(1), 15.0), 12.5, 1e-9);
	assert_float_equal(energy_counter_add(&e, SEC(2), 20.0), 17.5, 1e-9);
	assert_float_equal(e.boot_j, 30.0, 1e-9);
	assert_float_equal(e.install_j, 130.0, 1e-9);
	/* a duplicate timestamp adds nothing */
	assert_float_equal(energy_counter_add(&e, SEC(2), 500.0), 0.0, 1e-12);
	assert_float_equal(e.boot_j, 30.0, 1e-9);
}

static void test_constant_power_hour(void **state)
{
	struct energy_counter e;
	int64_t t;

	(void)state;
	energy_counter_init(&e, 0, SEC(5));
	/* 24 W for an hour at 10 Hz is 24 Wh */
	for (t = 0; t <= SEC(3600); t += SEC(0.1))
		energy_counter_add(&e, t, 24.0);
	assert_float_equal(e.boot_j / ENERGY_J_PER_WH, 24.0, 1e-6);
}

static void test_gaps_and_nan_not_integrated(void **state)
{
	struct energy_counter e;

	(void)state;
	energy_counter_init(&e, 0, SEC(5));
	energy_counter_add(&e, SEC(0), 10.0);
	energy_counter_add(&e, SEC(1), 10.0);  /* +10 J */
	energy_counter_add(&e, SEC(2), NAN);   /* chain broken */
	energy_counter_add(&e, SEC(3), 10.0);  /* new chain: +0 */
	energy_counter_add(&e, SEC(4), 10.0);  /* +10 J */
	energy_counter_add(&e, SEC(60), 10.0); /* gap longer than 5 s: +0 */
	energy_counter_add(&e, SEC(61), 10.0); /* +10 J */
	assert_float_equal(e.boot_j, 30.0, 1e-9);
	assert_int_equal(e.covered_ns, SEC(3));
	/* exactly max_gap is integrated; a nanosecond more is not */
	assert_float_equal(energy_counter_add(&e, SEC(66), 10.0), 50.0, 1e-9);
	assert_float_equal(energy_counter_add(&e, SEC(71) + 1, 10.0), 0.0, 0);
	assert_int_equal(e.covered_ns, SEC(8));
	/* a negative install total from a bad file is not trusted */
	energy_counter_init(&e, -5.0, 0);
	assert_float_equal(e.install_j, 0.0, 0);
}

static void test_record_summary(void **state)
{
	struct energy_record r;
	struct energy_summary s;

	(void)state;
	energy_record_begin(&r, SEC(100), 20.0);
	energy_record_add(&r, SEC(100), 20.0, SEC(5));
	energy_record_add(&r, SEC(101), 40.0, SEC(5));
	energy_record_add(&r, SEC(102), 40.0, SEC(5));
	energy_record_add(&r, SEC(103), 20.0, SEC(5));
	energy_record_summary(&r, SEC(103), &s);
	assert_float_equal(s.duration_s, 3.0, 1e-9);
	assert_float_equal(s.j, 30.0 + 40.0 + 30.0, 1e-9);
	assert_float_equal(s.wh, 100.0 / 3600.0, 1e-12);
	assert_float_equal(s.avg_w, 100.0 / 3.0, 1e-9);
	assert_float_equal(s.peak_w, 40.0, 0);
	assert_float_equal(s.min_w, 20.0, 0);
	assert_float_equal(s.above_baseline_j, 100.0 - 60.0, 1e-9);
	assert_int_equal(s.nsamples, 4);

	energy_record_begin(&r, SEC(0), NAN);
	energy_record_add(&r, SEC(1), 5.0, SEC(5));
	energy_record_summary(&r, SEC(2), &s);
	assert_true(isnan(s.above_baseline_j));
	assert_float_equal(s.duration_s, 2.0, 1e-9);

	/* no monitor reading at all (none configured, or all invalid): unknown, never 0 J */
	energy_record_begin(&r, SEC(0), 24.0);
	energy_record_add(&r, SEC(0), NAN, SEC(5));
	energy_record_add(&r, SEC(1), NAN, SEC(5));
	energy_record_summary(&r, SEC(2), &s);
	assert_int_equal(s.nsamples, 0);
	assert_true(isnan(s.j) && isnan(s.wh) && isnan(s.avg_w));
	assert_true(isnan(s.above_baseline_j) && isnan(s.peak_w));
	assert_float_equal(s.duration_s, 2.0, 1e-9);
}

/* 1 Hz samples of w(t) for t in [from, to] seconds. */
static void baseline_feed(struct energy_baseline *b, int from, int to, double (*w)(int))
{
	for (int t = from; t <= to; t++)
		energy_baseline_add(b, SEC(t), w(t));
}

static double steady(int t)
{
	return 24.0 + ((t % 2) ? 0.2 : -0.2); /* a meter's ripple */
}

/* A copy that ended at t = 97: the box falls back to idle over a few seconds. */
static double settling(int t)
{
	return t < 97 ? 35.0 : t < 99 ? 30.7 : 24.0;
}

static void test_baseline_settled_or_not(void **state)
{
	struct energy_baseline b;

	(void)state;
	/* 5 s before t = 100: the window (95, 100] holds 96..99 */
	energy_baseline_begin(&b, SEC(100), SEC(5));
	baseline_feed(&b, 80, 99, steady);
	energy_baseline_end(&b);
	assert_float_equal(b.w, 24.0, 0.11);
	assert_true(b.settled);
	assert_float_equal(b.drift_w, 0.0, 1e-9);

	/* mid-transition: the mean is no idle figure, and says so */
	energy_baseline_begin(&b, SEC(100), SEC(5));
	baseline_feed(&b, 80, 99, settling);
	energy_baseline_end(&b);
	assert_false(b.settled);
	assert_true(b.w > 27.0);
	assert_float_equal(b.drift_w, (30.7 + 24.0) / 2 - (35.0 + 30.7) / 2, 1e-9);

	/* samples outside the window do not count; too few to tell is not settled */
	energy_baseline_begin(&b, SEC(100), SEC(5));
	energy_baseline_add(&b, SEC(90), 50.0);
	energy_baseline_add(&b, SEC(99), 24.0);
	energy_baseline_end(&b);
	assert_float_equal(b.w, 24.0, 1e-9);
	assert_false(b.settled);
	assert_true(isnan(b.drift_w));

	energy_baseline_begin(&b, SEC(100), SEC(5));
	energy_baseline_end(&b);
	assert_true(isnan(b.w));
	assert_false(b.settled);
}

static void test_record_never_negative_above_baseline(void **state)
{
	struct energy_record r;
	struct energy_summary s;

	(void)state;
	/* the record: a 30.7 W baseline taken mid-transition, the box really at 24 W */
	energy_record_begin(&r, SEC(100), 30.7);
	for (int t = 100; t <= 110; t++)
		energy_record_add(&r, SEC(t), 24.0, SEC(5));
	energy_record_summary(&r, SEC(110), &s);
	assert_float_equal(s.j, 240.0, 1e-9);
	assert_true(s.above_baseline_j == 0.0 && !signbit(s.above_baseline_j));
	assert_true(s.below_baseline);

	/* a steady load at its own baseline: noise a hair below is 0 J, not -0.0, not flagged */
	energy_record_begin(&r, SEC(0), 24.0);
	energy_record_add(&r, SEC(0), 24.0, SEC(5));
	energy_record_add(&r, SEC(1), 23.99, SEC(5));
	energy_record_summary(&r, SEC(1), &s);
	assert_true(s.above_baseline_j == 0.0 && !signbit(s.above_baseline_j));
	assert_false(s.below_baseline);

	/* above stays as measured */
	energy_record_begin(&r, SEC(0), 24.0);
	energy_record_add(&r, SEC(0), 32.0, SEC(5));
	energy_record_add(&r, SEC(10), 32.0, SEC(5));
	energy_record_summary(&r, SEC(10), &s);
	assert_float_equal(s.above_baseline_j, 0.0, 1e-9); /* a 10 s gap is not integrated */
	energy_record_add(&r, SEC(11), 32.0, SEC(5));
	energy_record_summary(&r, SEC(11), &s);
	assert_float_equal(s.above_baseline_j, 8.0, 1e-9);
	assert_false(s.below_baseline);
}

static char dir[64];

static int mkdir_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/h2box-energy-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int rm_teardown(void **state)
{
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/energy.state", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/energy.state.tmp", dir);
	unlink(p);
	return rmdir(dir);
}

/* Issue 13, defect 7: a link planted at the energy state's temporary path is never written. */
static void test_state_tmp_link_refused(void **state)
{
	struct energy_state st = { .install_j = 1.0 }, back;
	char path[128], tmp[140], victim[140], buf[32];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/energy.state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	fd = open(victim, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "precious\n", 9), 9);
	close(fd);

	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(watts_energy_state_save(path, &st), -ELOOP);
	assert_int_equal(unlink(tmp), 0);
	assert_int_equal(link(victim, tmp), 0);
	assert_int_equal(watts_energy_state_save(path, &st), -EPERM);
	assert_int_equal(unlink(tmp), 0);

	fd = open(victim, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 9);
	close(fd);
	assert_memory_equal(buf, "precious\n", 9);
	assert_int_equal(watts_energy_state_load(path, &back), -ENOENT);
	assert_int_equal(unlink(victim), 0);
}

static void test_state_roundtrip_and_corruption(void **state)
{
	struct energy_state st = { .install_j = 123456.789,
				   .since_real_ns = 42,
				   .saved_real_ns = 1700000000000000000LL },
			    back;
	char path[128], tmp[140];
	FILE *f;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/energy.state", dir);
	assert_int_equal(watts_energy_state_load(path, &back), -ENOENT);
	assert_float_equal(back.install_j, 0, 0);

	assert_int_equal(watts_energy_state_save(path, &st), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(access(tmp, F_OK), -1); /* renamed away */
	assert_int_equal(watts_energy_state_load(path, &back), 0);
	assert_float_equal(back.install_j, st.install_j, 1e-6);
	assert_int_equal(back.since_real_ns, 42);
	assert_int_equal(back.saved_real_ns, st.saved_real_ns);

	/* flip one digit: the checksum catches it */
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "9", 1, 25), 1);
	close(fd);
	assert_int_equal(watts_energy_state_load(path, &back), -EBADMSG);
	assert_float_equal(back.install_j, 0, 0);

	/* truncated and garbage files */
	f = fopen(path, "w");
	fputs("h2box-energy 1\ninstall_j 12", f);
	fclose(f);
	assert_int_equal(watts_energy_state_load(path, &back), -EBADMSG);
	f = fopen(path, "w");
	fputs("\x01\x02 binary junk", f);
	fclose(f);
	assert_int_equal(watts_energy_state_load(path, &back), -EBADMSG);
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(watts_energy_state_load(path, &back), -EBADMSG);

	/* a stale tmp from a crash does not matter: save replaces both */
	f = fopen(tmp, "w");
	fputs("half", f);
	fclose(f);
	assert_int_equal(watts_energy_state_save(path, &st), 0);
	assert_int_equal(watts_energy_state_load(path, &back), 0);
	assert_float_equal(back.install_j, st.install_j, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trapezoid),
		cmocka_unit_test(test_constant_power_hour),
		cmocka_unit_test(test_gaps_and_nan_not_integrated),
		cmocka_unit_test(test_record_summary),
		cmocka_unit_test(test_baseline_settled_or_not),
		cmocka_unit_test(test_record_never_negative_above_baseline),
		cmocka_unit_test_setup_teardown(test_state_tmp_link_refused, mkdir_setup,
						rm_teardown),
		cmocka_unit_test_setup_teardown(test_state_roundtrip_and_corruption, mkdir_setup,
						rm_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
