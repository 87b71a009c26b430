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

#endif
