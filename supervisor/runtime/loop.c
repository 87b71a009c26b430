/* loop.c - the daemon's event loop: sd-event underneath, timers in (possibly virtual) box time. */
#include "supervisor/runtime/loop.h"

#include "hw/clock.h"
#include "hw/hw.h"
#include "supervisor/util/json.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <time.h>

/* An advance that keeps firing without time moving is a bug in a service; stop it loudly. */
#define LOOP_ADVANCE_STEPS_MAX 10000000

struct loop_timer {
	struct loop *loop;
	char name[32];
	loop_timer_fn fn;
	void *userdata;
	bool armed;
	bool real; /* deadline in real CLOCK_MONOTONIC ns, not box time (loop_timer_new_real) */
	int64_t deadline;
	struct loop_timer *next;
};

struct loop_io {
	struct loop *loop;
	int fd;
	loop_io_fn fn;
	void *userdata;
	sd_event_source *src;
	struct loop_io *next;
};

struct loop {
	struct hw *hw;
	sd_event *event;
	sd_event_source *wake;
	struct loop_timer *timers;
	struct loop_io *ios;
	bool advancing;
	bool rearm_pending;
};

static void loop_rearm(struct loop *l);

static int64_t real_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * HW_NSEC_PER_SEC + ts.tv_nsec;
}

struct hw *loop_hw(struct loop *l)
{
	return l->hw;
}

struct sd_event *loop_event(struct loop *l)
{
	return l->event;
}

int64_t loop_now(struct loop *l)
{
	return hw_clock_mono_ns(l->hw);
}

int64_t loop_real_now(struct loop *l)
{
	return hw_clock_real_ns(l->hw);
}

/* The earliest armed timer on one clock: box time (real = false) or real time. */
static struct loop_timer *loop_earliest_on(struct loop *l, bool real)
{
	struct loop_timer *best = NULL;

	for (struct loop_timer *t = l->timers; t; t = t->next)
		if (t->armed && t->real == real && (!best || t->deadline < best->deadline))
			best = t;
	return best;
}

static struct loop_timer *loop_earliest(struct loop *l)
{
	return loop_earliest_on(l, false);
}

/* The box's next discrete event (the sim's), so edges happen on time even with no timer due. */
static int64_t loop_box_next(struct loop *l)
{
	return hw_clock_next_event_ns(l->hw);
}

/* Fire every timer due at or before now, earliest first. */
static void loop_fire_due(struct loop *l, int64_t now)
{
	for (int guard = 0; guard < 100000; guard++) {
		struct loop_timer *t = loop_earliest(l);

		if (!t || t->deadline > now)
			return;
		t->armed = false;
		t->fn(t, now, t->userdata);
	}
}

/* Fire every real-time timer due at or before the real clock's now, earliest first. */
static void loop_fire_due_real(struct loop *l)
{
	for (int guard = 0; guard < 100000; guard++) {
		struct loop_timer *t = loop_earliest_on(l, true);
		int64_t now = real_mono_ns();

		if (!t || t->deadline > now)
			return;
		t->armed = false;
		t->fn(t, now, t->userdata);
	}
}

/*
 * The one sd-event time source of the loop: box-time and real-time timers all go through it,
 * so a wake-up costs sd-event one timerfd_settime for the next deadline.  A second sd-event
 * time source firing in the same wake-up would be dispatched in its own iteration, with a
 * re-arm in between.  Timers re-armed by their callbacks set the source's time once, at the
 * end (rearm_pending), not once per loop_timer_arm_*().
 */
static int loop_on_wake(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct loop *l = userdata;
	bool advancing = l->advancing;

	l->advancing = true; /* defer the re-arms of the callbacks to the one below */
	loop_fire_due(l, loop_now(l));
	loop_fire_due_real(l);
	l->advancing = advancing;
	l->rearm_pending = false;
	loop_rearm(l);
	return 0;
}

/* Arm the one real timer for the earliest box-time deadline, through the sim's speed. */
static void loop_rearm(struct loop *l)
{
	struct loop_timer *t, *rt;
	int64_t deadline, now, real_deadline = INT64_MAX;
	double speed;

	if (l->advancing) {
		l->rearm_pending = true;
		return;
	}
	t = loop_earliest(l);
	deadline = t ? t->deadline : INT64_MAX;
	if (loop_box_next(l) < deadline)
		deadline = loop_box_next(l);
	speed = hw_clock_speed(l->hw);
	/*
	 * A running sim clock waits at the deadline until this loop has handled
	 * it: a wake that comes late (a loaded machine, a high speed factor) then
	 * sees the PWR_OK edge before the timeout that would have followed it.
	 */
	hw_clock_horizon_set(l->hw, speed > 0.0 ? deadline : INT64_MAX);
	if (deadline != INT64_MAX && speed > 0.0) {
		now = loop_now(l);
		real_deadline = real_mono_ns();
		if (deadline > now) {
			double delta = (double)(deadline - now) / speed;

			real_deadline += delta > 4e18 ? INT64_C(4000000000000000000)
						      : (int64_t)ceil(delta);
		}
	}
	rt = loop_earliest_on(l, true);
	if (rt && rt->deadline < real_deadline)
		real_deadline = rt->deadline;
	if (real_deadline == INT64_MAX) {
		sd_event_source_set_enabled(l->wake, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(l->wake, (uint64_t)(real_deadline / 1000 + 1));
	sd_event_source_set_enabled(l->wake, SD_EVENT_ONESHOT);
}

void loop_clock_changed(struct loop *l)
{
	loop_rearm(l);
}

int loop_new(struct hw *hw, struct loop **out)
{
	struct loop *l;
	int r;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->hw = hw;
	r = sd_event_new(&l->event);
	if (r < 0)
		goto fail_free;
	/* accuracy 1 us: 0 would mean sd-event's default 250 ms slack, which a sim speed factor
	 * multiplies into many seconds of box time between timer runs */
	r = sd_event_add_time(l->event, &l->wake, CLOCK_MONOTONIC, UINT64_MAX, 1, loop_on_wake, l);
	if (r < 0)
		goto fail_event;
	sd_event_source_set_enabled(l->wake, SD_EVENT_OFF);
	*out = l;
	return 0;

fail_event:
	sd_event_unref(l->event);
fail_free:
	free(l);
	return r;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	assert(!l->timers && !l->ios); /* services free their timers and watches first */
	sd_event_source_unref(l->wake);
	sd_event_unref(l->event);
	free(l);
}

static int loop_timer_add(struct loop *l, const char *name, bool real, loop_timer_fn fn,
			  void *userdata, struct loop_timer **out)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	assert(fn);
	if (!t)
		return -ENOMEM;
	t->loop = l;
	t->real = real;
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "timer");
	t->fn = fn;
	t->userdata = userdata;
	t->next = l->timers;
	l->timers = t;
	*out = t;
	return 0;
}

int loop_timer_new(struct loop *l, const char *name, loop_timer_fn fn, void *userdata,
		   struct loop_timer **out)
{
	return loop_timer_add(l, name, false, fn, userdata, out);
}

int loop_timer_new_real(struct loop *l, const char *name, loop_timer_fn fn, void *userdata,
			struct loop_timer **out)
{
	return loop_timer_add(l, name, true, fn, userdata, out);
}

void loop_timer_free(struct loop_timer *t)
{
	struct loop_timer **pp;

	if (!t)
		return;
	for (pp = &t->loop->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	loop_rearm(t->loop);
	free(t);
}

void loop_timer_arm_at(struct loop_timer *t, int64_t deadline_ns)
{
	t->armed = true;
	t->deadline = deadline_ns;
	loop_rearm(t->loop);
}

void loop_timer_arm_in(struct loop_timer *t, int64_t delay_ns)
{
	int64_t now = t->real ? real_mono_ns() : loop_now(t->loop);

	loop_timer_arm_at(t, now + (delay_ns > 0 ? delay_ns : 0));
}

/* The first multiple of period strictly after t (clock values are >= 0). */
static int64_t loop_grid_after(int64_t t, int64_t period)
{
	return (t >= 0 ? t / period + 1 : 0) * period;
}

int64_t loop_timer_arm_first(struct loop_timer *t, int64_t period_ns)
{
	int64_t now = t->real ? real_mono_ns() : loop_now(t->loop);

	assert(period_ns > 0);
	loop_timer_arm_at(t, loop_grid_after(now, period_ns));
	return t->deadline;
}

int64_t loop_timer_arm_next(struct loop_timer *t, int64_t period_ns)
{
	int64_t now = t->real ? real_mono_ns() : loop_now(t->loop);
	int64_t next = loop_grid_after(t->deadline, period_ns), skipped = 0;

	assert(period_ns > 0);
	if (next <= now) {
		skipped = (now - next) / period_ns + 1;
		next = loop_grid_after(now, period_ns);
	}
	loop_timer_arm_at(t, next);
	return skipped;
}

void loop_timer_disarm(struct loop_timer *t)
{
	t->armed = false;
	loop_rearm(t->loop);
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

int64_t loop_timer_deadline(const struct loop_timer *t)
{
	return t->armed ? t->deadline : INT64_MAX;
}

void loop_timers_json(struct loop *l, struct json *j, const char *key)
{
	int64_t box_now = loop_now(l), real_now = real_mono_ns();

	json_array_begin(j, key);
	for (struct loop_timer *t = l->timers; t; t = t->next) {
		if (!t->armed)
			continue;
		json_object_begin(j, NULL);
		json_string(j, "name", t->name);
		json_string(j, "clock", t->real ? "real" : "box");
		json_number(j, "due_in_s",
			    (double)(t->deadline - (t->real ? real_now : box_now)) / 1e9, 3);
		json_object_end(j);
	}
	json_array_end(j);
}

static int loop_on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct loop_io *io = userdata;
	struct loop *l = io->loop; /* the callback may free its own watch */

	io->fn(fd, io->userdata);
	loop_rearm(l);
	return 0;
}

int loop_io_add(struct loop *l, int fd, loop_io_fn fn, void *userdata, struct loop_io **out)
{
	struct loop_io *io = calloc(1, sizeof(*io));
	int r;

	if (!io)
		return -ENOMEM;
	io->loop = l;
	io->fd = fd;
	io->fn = fn;
	io->userdata = userdata;
	r = sd_event_add_io(l->event, &io->src, fd, EPOLLIN, loop_on_io, io);
	if (r < 0) {
		free(io);
		return r;
	}
	io->next = l->ios;
	l->ios = io;
	*out = io;
	return 0;
}

void loop_io_free(struct loop_io *io)
{
	struct loop_io **pp;

	if (!io)
		return;
	for (pp = &io->loop->ios; *pp; pp = &(*pp)->next) {
		if (*pp == io) {
			*pp = io->next;
			break;
		}
	}
	sd_event_source_disable_unref(io->src);
	free(io);
}

/* Dispatch every watched fd that has input now (the sim's gpio eventfds during an advance). */
static void loop_poll_ios(struct loop *l)
{
	for (int round = 0; round < 64; round++) {
		bool any = false;

		for (struct loop_io *io = l->ios; io; io = io->next) {
			struct pollfd pfd = { .fd = io->fd, .events = POLLIN };

			if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
				any = true;
				io->fn(io->fd, io->userdata);
				break; /* the list may have changed under the callback */
			}
		}
		if (!any)
			return;
	}
}

int loop_advance(struct loop *l, int64_t delta_ns)
{
	int64_t target, now;
	long steps = 0;

	if (hw_kind_get(l->hw) != HW_KIND_SIM)
		return -ENOTSUP; /* real time cannot be moved */
	if (l->advancing)
		return -EBUSY;
	if (delta_ns < 0)
		return -EINVAL;
	l->advancing = true;
	now = loop_now(l);
	target = now + delta_ns;
	for (;;) {
		struct loop_timer *t;
		int64_t next = target;

		/* work already due (a button edge the plant made just now) goes before time moves */
		loop_poll_ios(l);
		loop_fire_due(l, now);
		loop_poll_ios(l);
		if (now >= target)
			break;
		t = loop_earliest(l);
		if (t && t->deadline < next)
			next = t->deadline;
		if (loop_box_next(l) < next)
			next = loop_box_next(l);
		if (next > now)
			hw_clock_advance_to(l->hw, next);
		now = loop_now(l);
		if (++steps > LOOP_ADVANCE_STEPS_MAX)
			break;
	}
	l->advancing = false;
	l->rearm_pending = false;
	loop_rearm(l);
	return steps > LOOP_ADVANCE_STEPS_MAX ? -ELOOP : 0;
}

int loop_run(struct loop *l)
{
	loop_rearm(l);
	return sd_event_loop(l->event);
}

void loop_exit(struct loop *l, int code)
{
	sd_event_exit(l->event, code);
}
