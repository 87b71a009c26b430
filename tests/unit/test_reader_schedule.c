/* test_reader_schedule.c - the linux reader's periodic sampling on a temporary tree, real thread, real clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hw/clock.h"
#include "hw/hw.h"
#include "hw/linux/linux.h"

/*
 * Nothing here asserts how fast a loaded machine runs the worker: every wait is a bounded loop
 * on a condition (ticks drained, operations done, time passed), and a tick the worker missed is
 * accounted, never assumed away.
 */
#define PERIOD (2 * HW_NSEC_PER_MSEC)
#define PATIENCE (60 * HW_NSEC_PER_SEC)

struct tree {
	char root[64];
	char a[PATH_MAX], b[PATH_MAX], fifo[PATH_MAX];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

/* Let the worker run: a millisecond, the pace of a polling loop's condition. */
static void yield_ms(void)
{
	struct timespec ts = { 0, 1000000 };

	nanosleep(&ts, NULL);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	snprintf(t->root, sizeof(t->root), "/tmp/h2box-sched-XXXXXX");
	assert_non_null(mkdtemp(t->root));
	snprintf(t->a, sizeof(t->a), "%s/in1_input", t->root);
	snprintf(t->b, sizeof(t->b), "%s/power1_input", t->root);
	snprintf(t->fifo, sizeof(t->fifo), "%s/curr1_input", t->root);
	put(t->a, "12100\n");
	put(t->b, "18150000\n");
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	char p[PATH_MAX];

	unlink(t->a);
	unlink(t->b);
	unlink(t->fifo);
	snprintf(p, sizeof(p), "%s/old", t->root);
	unlink(p);
	rmdir(t->root);
	free(t);
	return 0;
}

static int64_t grid_after(int64_t t)
{
	return (t / PERIOD + 1) * PERIOD;
}

/*
 * The worker samples by itself: the ticks come in order on the grid with their values, and
 * every tick from the first to the last drained was either delivered or counted missed.
 */
static void test_schedule_delivers_every_tick(void **state)
{
	struct tree *t = *state;
	struct hw_linux_reader *rd;
	struct hw_linux_reader_stats st;
	struct hw_linux_tick tk[64];
	int idx[2];
	int64_t first, last = 0, end;
	uint64_t missed = 0, got = 0;

	assert_int_equal(hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &rd), 0);
	idx[0] = hw_linux_reader_slot(rd, t->a);
	idx[1] = hw_linux_reader_slot(rd, t->b);
	assert_int_equal(hw_linux_reader_drain(rd, now_ns(), tk, 64, NULL), -ENOENT);
	first = grid_after(now_ns());
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 2, PERIOD, first, 512), 0);
	end = now_ns() + PATIENCE;
	while (got < 200 && now_ns() < end) {
		uint64_t m = 0;
		int n = hw_linux_reader_drain(rd, now_ns(), tk, 64, &m);

		assert_true(n >= 0);
		missed += m;
		for (int i = 0; i < n; i++) {
			assert_true(tk[i].t_ns >= first && (tk[i].t_ns - first) % PERIOD == 0);
			assert_true(tk[i].t_ns > last);
			assert_int_equal(tk[i].errs[0], 0);
			assert_int_equal(tk[i].errs[1], 0);
			assert_int_equal(tk[i].values[0], 12100);
			assert_int_equal(tk[i].values[1], 18150000);
			last = tk[i].t_ns;
			got++;
		}
		if (n == 0)
			yield_ms();
	}
	assert_true(got >= 200);
	/* no gap unaccounted: delivered + missed covers every tick of the span */
	assert_true((uint64_t)((last - first) / PERIOD + 1) == got + missed);
	/* the descriptors stay open: two opens for hundreds of reads, no hand-off, no reply */
	hw_linux_reader_stats_get(rd, &st);
	assert_int_equal(st.opens, 2);
	assert_int_equal(st.handoffs, 0);
	assert_int_equal(st.replies, 0);
	/* a request between ticks still works */
	{
		long v = 0;

		assert_int_equal(hw_linux_reader_read(rd, idx[0], &v), 0);
		assert_int_equal(v, 12100);
	}
	hw_linux_reader_unschedule(rd);
	assert_int_equal(hw_linux_reader_drain(rd, now_ns(), tk, 64, NULL), -ENOENT);
	hw_linux_reader_free(rd);
}

/* Wait until the clock passes t. */
static void until(int64_t t)
{
	while (now_ns() < t)
		yield_ms();
}

/* The FIFO answers from now on: a file takes its name, the writer releases the blocked open. */
static void fifo_release(struct tree *t)
{
	char next[PATH_MAX], old[PATH_MAX];
	int w;

	snprintf(next, sizeof(next), "%s/next", t->root);
	snprintf(old, sizeof(old), "%s/old", t->root);
	put(next, "1500\n");
	assert_int_equal(link(t->fifo, old), 0);
	assert_int_equal(rename(next, t->fifo), 0);
	w = open(old, O_WRONLY | O_CLOEXEC);
	assert_true(w >= 0);
	close(w);
}

/*
 * A worker held in a read (a FIFO without a writer, as a wedged I2C device holds its driver):
 * the ticks due meanwhile are missed, counted when it comes back; its first tick comes with
 * the values, and sampling goes on.
 */
static void test_schedule_held_worker_counts_missed(void **state)
{
	struct tree *t = *state;
	struct hw_linux_reader *rd;
	struct hw_linux_tick tk[64];
	int idx[2];
	int64_t first, end;
	uint64_t missed = 0;
	bool good = false;

	assert_int_equal(mkfifo(t->fifo, 0600), 0);
	/* a long deadline: the drain never answers for the worker, what it skipped is missed */
	assert_int_equal(hw_linux_reader_new(PATIENCE, &rd), 0);
	idx[0] = hw_linux_reader_slot(rd, t->a);
	idx[1] = hw_linux_reader_slot(rd, t->fifo);
	first = grid_after(now_ns());
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 2, PERIOD, first, 512), 0);
	/* the first tick cannot end before a writer: ten ticks are due meanwhile */
	until(first + 11 * PERIOD);
	assert_int_equal(hw_linux_reader_drain(rd, now_ns(), tk, 64, &missed), 0);
	fifo_release(t);
	end = now_ns() + PATIENCE;
	while (!good && now_ns() < end) {
		uint64_t m = 0;
		int n = hw_linux_reader_drain(rd, now_ns(), tk, 64, &m);

		missed += m;
		for (int i = 0; i < n; i++)
			good = good || (tk[i].errs[0] == 0 && tk[i].errs[1] == 0 &&
					tk[i].values[1] == 1500 && tk[i].t_ns >= first + 10 * PERIOD);
		if (n == 0)
			yield_ms();
	}
	assert_true(good);
	assert_true(missed >= 9);
	hw_linux_reader_free(rd);
}

/*
 * Stuck past the deadline: the drain answers the ticks up to now -ETIMEDOUT at once (the loop
 * never waits); the stuck tick's late result is dropped; sampling resumes when it answers.
 */
static void test_schedule_wedged_worker_times_out_at_once(void **state)
{
	struct tree *t = *state;
	struct hw_linux_reader *rd;
	struct hw_linux_tick tk[512];
	int idx[2];
	int64_t first, deadline = 100 * HW_NSEC_PER_MSEC, end, last = 0, t0;
	int n;
	bool good = false;

	assert_int_equal(mkfifo(t->fifo, 0600), 0);
	assert_int_equal(hw_linux_reader_new(deadline, &rd), 0);
	idx[0] = hw_linux_reader_slot(rd, t->a);
	idx[1] = hw_linux_reader_slot(rd, t->fifo);
	first = grid_after(now_ns());
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 2, PERIOD, first, 512), 0);
	/*
	 * The drain gives up on the worker once it has been in its tick's read for the deadline.
	 * On a loaded machine the worker may enter that tick late, so the time-out is not
	 * assumed at first + deadline: each drain answers at once, and one of them times out.
	 */
	until(first + deadline + 2 * PERIOD);
	end = now_ns() + PATIENCE;
	do {
		t0 = now_ns();
		n = hw_linux_reader_drain(rd, t0, tk, 512, NULL);
		assert_true(n >= 0);
		if (n == 0)
			yield_ms();
	} while (n == 0 && t0 < end);
	/* every tick from the first up to now, none skipped: at least a deadline's worth */
	assert_true(n >= (int)(deadline / PERIOD));
	for (int i = 0; i < n; i++) {
		assert_true(tk[i].t_ns == first + i * PERIOD);
		assert_int_equal(tk[i].errs[0], -ETIMEDOUT);
		assert_int_equal(tk[i].errs[1], -ETIMEDOUT);
		last = tk[i].t_ns;
	}
	assert_true(last <= t0 && last > t0 - PERIOD);
	fifo_release(t);
	end = now_ns() + PATIENCE;
	while (!good && now_ns() < end) {
		n = hw_linux_reader_drain(rd, now_ns(), tk, 512, NULL);
		for (int i = 0; i < n; i++) {
			/* in order, never the stuck tick again */
			assert_true(tk[i].t_ns > last);
			last = tk[i].t_ns;
			good = good || (tk[i].errs[0] == 0 && tk[i].errs[1] == 0 &&
					tk[i].values[1] == 1500);
		}
		if (n == 0)
			yield_ms();
	}
	assert_true(good);
	hw_linux_reader_free(rd);
}

/* The loop does not drain: the ring keeps the oldest `capacity` ticks, the rest are missed. */
static void test_schedule_ring_overflow_is_missed(void **state)
{
	struct tree *t = *state;
	struct hw_linux_reader *rd;
	struct hw_linux_reader_stats st;
	struct hw_linux_tick tk[16];
	int idx[1];
	int64_t first, end;
	uint64_t missed = 0;
	unsigned long taken;
	int n;

	assert_int_equal(hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &rd), 0);
	idx[0] = hw_linux_reader_slot(rd, t->a);
	first = grid_after(now_ns());
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 1, PERIOD, first, 4), 0);
	end = now_ns() + PATIENCE;
	do {
		yield_ms();
		hw_linux_reader_stats_get(rd, &st);
	} while (st.ops < 12 && now_ns() < end);
	taken = st.ops;
	assert_true(taken >= 12);
	n = hw_linux_reader_drain(rd, now_ns(), tk, 16, &missed);
	assert_int_equal(n, 4);
	for (int i = 1; i < n; i++)
		assert_true(tk[i].t_ns > tk[i - 1].t_ns);
	assert_true(missed >= taken - 4);
	hw_linux_reader_free(rd);
}

/* Stopped, replaced and freed while the worker samples: no use after free (ASan), no hang. */
static void test_schedule_stop_and_free_while_running(void **state)
{
	struct tree *t = *state;
	struct hw_linux_reader *rd;
	struct hw_linux_reader_stats st;
	struct hw_linux_tick tk[8];
	int idx[2];
	int64_t end;

	assert_int_equal(hw_linux_reader_new(HW_LINUX_READ_DEADLINE_NS, &rd), 0);
	idx[0] = hw_linux_reader_slot(rd, t->a);
	idx[1] = hw_linux_reader_slot(rd, t->b);
	for (int round = 0; round < 50; round++) {
		assert_int_equal(hw_linux_reader_schedule(rd, idx, 2, HW_NSEC_PER_MSEC / 10,
							  grid_after(now_ns()), 8),
				 0);
		assert_true(hw_linux_reader_drain(rd, now_ns(), tk, 8, NULL) >= 0);
		if (round % 2)
			hw_linux_reader_unschedule(rd);
	}
	/* left running: the free below stops a worker in the middle of its sampling */
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 2, HW_NSEC_PER_MSEC / 10,
						  grid_after(now_ns()), 8),
			 0);
	end = now_ns() + PATIENCE;
	do {
		yield_ms();
		hw_linux_reader_stats_get(rd, &st);
	} while (st.ops < 20 && now_ns() < end);
	assert_true(st.ops >= 20);
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 0, PERIOD, 0, 8), -EINVAL);
	assert_int_equal(hw_linux_reader_schedule(rd, idx, 2, PERIOD, 0, 0), -EINVAL);
	assert_int_equal(hw_linux_reader_schedule(rd, (int[]){ 0, 9 }, 2, PERIOD, 0, 8), -EINVAL);
	hw_linux_reader_free(rd);
}

/*
 * A chip closed while its worker is stuck in a tick: the reader stays with its directory (like
 * one stuck in a request), so opening the chip again finds it instead of starting another
 * worker to wedge.
 */
static void test_schedule_stuck_tick_keeps_the_reader(void **state)
{
	struct tree *t = *state;
	struct hw_linux_reader *rd, *again;
	struct hw *hw;
	int64_t end;
	int idx;

	assert_int_equal(mkfifo(t->fifo, 0600), 0);
	assert_int_equal(hw_linux_new(&hw), 0);
	assert_int_equal(hw_linux_reader_get(hw, t->root, &rd), 0);
	idx = hw_linux_reader_slot(rd, t->fifo);
	assert_int_equal(hw_linux_reader_schedule(rd, &idx, 1, PERIOD, grid_after(now_ns()), 8), 0);
	end = now_ns() + PATIENCE;
	while (hw_linux_reader_idle(rd) && now_ns() < end)
		yield_ms();
	assert_false(hw_linux_reader_idle(rd));
	hw_linux_reader_unschedule(rd);
	hw_linux_reader_put(hw, rd);
	assert_int_equal(hw_linux_reader_get(hw, t->root, &again), 0);
	assert_ptr_equal(again, rd);
	fifo_release(t);
	hw_linux_reader_put(hw, again);
	hw_free(hw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schedule_delivers_every_tick, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_schedule_held_worker_counts_missed, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_schedule_wedged_worker_times_out_at_once,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_schedule_ring_overflow_is_missed, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_schedule_stop_and_free_while_running,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_schedule_stuck_tick_keeps_the_reader,
						tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
