/* history.h - the last hour of the box's readings in a fixed ring: watts, temperatures, fan, IB. */
#ifndef H2BOX_HISTORY_H
#define H2BOX_HISTORY_H

/*
 * Why it works this way.
 *
 * The status page draws the last hour, and `h2box history` prints it, without a database and
 * without touching the disk: one sample of the shared readings every HISTORY_PERIOD_NS of box
 * time into a ring of HISTORY_POINTS, allocated once by history_new() (about 45 KB), so a
 * sample never allocates and a daemon that runs for months holds the same memory.  Box time
 * drives it: in the simulator `h2box sim advance 1h` fills it, as an hour fills it on the box.
 *
 * An unknown value stays unknown: every column holds NAN where the reading was NAN (a failed
 * sensor, an unpowered part, no IB counters), which the JSON writer prints as null; a chart
 * leaves a gap there, never a drop to 0.  Temperatures are columns by input name, assigned in
 * the order the names first appear in the readings (at most BOX_TEMPS_MAX, as the readings
 * hold); a column that appears later is NAN in the points before it.
 */

#include "hw/clock.h"
#include "supervisor/runtime/box.h"

#include <stdint.h>

struct json;
struct history;

#define HISTORY_PERIOD_NS (10 * HW_NSEC_PER_SEC)
#define HISTORY_POINTS 360 /* one hour at HISTORY_PERIOD_NS */

/* One sample; every number NAN when unknown. */
struct history_point {
	int64_t mono_ns; /* box time */
	int64_t real_ns; /* wall clock (virtual in the simulator) */
	double watts;
	double fan_duty_pct;        /* what the controller commands */
	double fan_duty_actual_pct; /* what the fan chip holds (read back) */
	double ib_rx_gbps, ib_tx_gbps;
	double temps_c[BOX_TEMPS_MAX]; /* by column: history_temp_name() */
};

/* The ring, empty.  0 or -ENOMEM. */
int history_new(struct history **out);
void history_free(struct history *h);
/* Append a sample of r taken at (mono_ns, real_ns), dropping the oldest when full. */
void history_sample(struct history *h, const struct box_readings *r, int64_t mono_ns,
		    int64_t real_ns);
/* Number of samples held, 0..HISTORY_POINTS. */
int history_count(const struct history *h);
/* Sample i, 0 = the oldest, history_count() - 1 = the newest; NULL out of range. */
const struct history_point *history_point_at(const struct history *h, int i);
/* Temperature columns: how many, and the input name of column k (NULL out of range). */
int history_ntemps(const struct history *h);
const char *history_temp_name(const struct history *h, int k);
/*
 * Write the ring as members of the current JSON object (docs/JSON.md, `h2box --json history`):
 * period_s, capacity, count, then one array per quantity, oldest first: time (ISO 8601),
 * age_s (box seconds before now_ns), watts, fan_duty_pct, fan_duty_actual_pct, ib_rx_gbps,
 * ib_tx_gbps, and temps_c, an object of one array per input name.
 */
void history_json(const struct history *h, struct json *j, int64_t now_ns);

#endif
