/* loop.h - the daemon's event loop: sd-event underneath, timers in (possibly virtual) box time. */
#ifndef H2BOX_LOOP_H
#define H2BOX_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct hw;
struct json;
struct loop;
struct loop_timer;
struct loop_io;

/*
 * Timers are kept in box time: hw_clock_mono_ns(), which is CLOCK_MONOTONIC
 * on real hardware and the plant's virtual clock in the simulator.  One
 * sd-event CLOCK_MONOTONIC source is armed for the earliest deadline,
 * converted through the sim's speed factor; loop_advance() runs virtual
 * time forward as fast as the CPU allows, firing timers, plant events and
 * queued I/O in time order, so tests are deterministic.
 */
typedef void (*loop_timer_fn)(struct loop_timer *t, int64_t now_ns, void *userdata);
typedef void (*loop_io_fn)(int fd, void *userdata);

int loop_new(struct hw *hw, struct loop **out);
void loop_free(struct loop *l);
/* The sd_event behind the loop (for signals, sd_notify watchdog, the control socket). */
struct sd_event *loop_event(struct loop *l);
struct hw *loop_hw(struct loop *l);
int64_t loop_now(struct loop *l);
/* Wall clock in ns (virtual in the simulator). */
int64_t loop_real_now(struct loop *l);

int loop_timer_new(struct loop *l, const char *name, loop_timer_fn fn, void *userdata,
		   struct loop_timer **out);
/*
 * A timer in real CLOCK_MONOTONIC time whatever the box's clock (a status line for a person
 * watching): it never fires inside loop_advance(), and shares the loop's one sd-event time
 * source with the box-time timers.  now_ns and deadlines are real monotonic ns.
 */
int loop_timer_new_real(struct loop *l, const char *name, loop_timer_fn fn, void *userdata,
			struct loop_timer **out);
void loop_timer_free(struct loop_timer *t);
void loop_timer_arm_at(struct loop_timer *t, int64_t deadline_ns);
void loop_timer_arm_in(struct loop_timer *t, int64_t delay_ns);
/*
 * Periodic timers run on a grid: multiples of their period on their clock.  Periods then do
 * not drift by the wake-up latency, and timers whose periods divide each other (a 1 s fan
 * cycle, 10 Hz watts) share their wake-ups whenever they started.  arm_first: the first grid
 * point after now (returns it); arm_next, from the callback: the grid point after the
 * deadline it fired for, or, when that has passed already, the first after now: missed runs
 * are skipped, never burst, and their number returned (0 on time).
 */
int64_t loop_timer_arm_first(struct loop_timer *t, int64_t period_ns);
int64_t loop_timer_arm_next(struct loop_timer *t, int64_t period_ns);
void loop_timer_disarm(struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);
int64_t loop_timer_deadline(const struct loop_timer *t);

/*
 * The armed timers as a JSON array under key: {"name", "clock": "box"|"real", "due_in_s"}
 * (what wakes the daemon; `h2box --json status` shows it under "daemon").
 */
void loop_timers_json(struct loop *l, struct json *j, const char *key);

/* Watch a pollable fd (gpio edge events, sockets) for input. */
int loop_io_add(struct loop *l, int fd, loop_io_fn fn, void *userdata, struct loop_io **out);
void loop_io_free(struct loop_io *io);

/*
 * Sim only: run virtual time forward by delta_ns now, in order.  Returns 0,
 * -ENOTSUP on real hardware, -EBUSY when called from inside an advance.
 */
int loop_advance(struct loop *l, int64_t delta_ns);
/* Re-arm the real sd-event timer after the clock speed changed. */
void loop_clock_changed(struct loop *l);
/* Run until loop_exit(); returns the exit code. */
int loop_run(struct loop *l);
void loop_exit(struct loop *l, int code);

#endif
