/* clock.h - monotonic and wall time as the box sees it (real, or the sim's virtual time). */
#ifndef H2BOX_HW_CLOCK_H
#define H2BOX_HW_CLOCK_H

#include <stdint.h>

struct hw;

#define HW_NSEC_PER_SEC INT64_C(1000000000)
#define HW_NSEC_PER_MSEC INT64_C(1000000)

/* CLOCK_MONOTONIC in ns on linux; the plant's virtual monotonic time in sim. */
int64_t hw_clock_mono_ns(struct hw *hw);
/* CLOCK_REALTIME in ns on linux; virtual wall time in sim (settable, for schedules). */
int64_t hw_clock_real_ns(struct hw *hw);
/*
 * Virtual seconds per real second: 1 on linux, the sim's speed factor in sim,
 * 0 when the sim is paused and only moves on explicit advances.
 */
double hw_clock_speed(struct hw *hw);
/* Sim only: move virtual time forward to mono_ns (never backwards). -ENOTSUP on linux. */
int hw_clock_advance_to(struct hw *hw, int64_t mono_ns);
/* Sim only: change the speed factor (>= 0), keeping time continuous. -ENOTSUP on linux. */
int hw_clock_set_speed(struct hw *hw, double speed);
/* Sim only: set the virtual wall clock so that it now reads real_ns. -ENOTSUP on linux. */
int hw_clock_set_real(struct hw *hw, int64_t real_ns);
/*
 * The box's next discrete event of its own (the sim plant's PWR_OK edge,
 * boot done, a button release...), so the owner of the timers wakes for it
 * even with no timer due.  INT64_MAX when none: always on linux.
 */
int64_t hw_clock_next_event_ns(struct hw *hw);
/*
 * Sim: a running clock stops at mono_ns until the horizon moves (INT64_MAX:
 * none).  The owner of the box's timers sets it to its next deadline, so a
 * process that wakes late replays its timers and the box's edges in order
 * instead of finding time far past both.  Explicit advances go past it.
 * No-op on linux.
 */
void hw_clock_horizon_set(struct hw *hw, int64_t mono_ns);

#endif
