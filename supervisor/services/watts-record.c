/* watts-record.c - `record begin` / `record end ID`: a workload's energy, baseline, IB bytes. */
#include "supervisor/services/watts-priv.h"

#include "drivers/ib_port.h"
#include "hw/hw.h"
#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/util/json.h"
#include "supervisor/util/log.h"
#include "supervisor/util/parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int watts_record_counter(struct hw *hw, const char *dev, int port, const char *name,
				uint64_t *v, int *bits)
{
	char n64[64];
	int r;

	snprintf(n64, sizeof(n64), "%s_64", name);
	r = hw_ib_counter_read(hw, dev, port, n64, v, bits);
	if (r == -ENOENT) {
		r = hw_ib_counter_read(hw, dev, port, name, v, bits);
		if (r == 0 && *bits != 64)
			*bits = 32;
	}
	return r;
}

static void watts_record_ib_snapshot(struct watts_svc *s, struct watts_ib_snap *snap)
{
	char names[4][HW_IB_NAME_MAX];
	int ndev, d, port, nports;

	memset(snap, 0, sizeof(*snap));
	if (s->cfg.ib_device[0]) {
		snprintf(names[0], sizeof(names[0]), "%s", s->cfg.ib_device);
		ndev = 1;
	} else {
		ndev = hw_ib_devices(s->b->hw, names, 4);
		if (ndev < 0)
			return;
		if (ndev > 4)
			ndev = 4;
	}
	for (d = 0; d < ndev; d++) {
		nports = hw_ib_port_count(s->b->hw, names[d]);
		for (port = 1; port <= nports && snap->n < WATTS_IB_PORTS_MAX; port++) {
			struct watts_ib_port_snap *p = &snap->p[snap->n++];

			snprintf(p->dev, sizeof(p->dev), "%.63s", names[d]);
			p->port = port;
			p->ok = watts_record_counter(s->b->hw, names[d], port, "port_xmit_data",
						     &p->tx, &p->tx_bits) == 0 &&
				watts_record_counter(s->b->hw, names[d], port, "port_rcv_data",
						     &p->rx, &p->rx_bits) == 0;
		}
	}
}

static void watts_record_ib_bytes(const struct watts_ib_snap *a, const struct watts_ib_snap *b,
				  double *tx, double *rx)
{
	*tx = *rx = 0;
	if (!a->n || a->n != b->n) {
		*tx = *rx = NAN;
		return;
	}
	for (int i = 0; i < a->n; i++) {
		if (!a->p[i].ok || !b->p[i].ok) {
			*tx = *rx = NAN;
			return;
		}
		/* 4-octet words; ib_port's rule for falling, wrapping and stuck counters */
		*tx += 4.0 * ib_port_counter_delta(a->p[i].tx, b->p[i].tx, a->p[i].tx_bits, NULL);
		*rx += 4.0 * ib_port_counter_delta(a->p[i].rx, b->p[i].rx, a->p[i].rx_bits, NULL);
	}
}

/* Text: why the baseline is no settled idle figure, or "" when it is. */
static void watts_record_baseline_note(const struct energy_baseline *b, char *buf, size_t len)
{
	if (b->settled || !isfinite(b->w))
		snprintf(buf, len, "%s", "");
	else if (isfinite(b->drift_w))
		snprintf(buf, len, " (not settled: moved %+.2f W within the window)", b->drift_w);
	else
		snprintf(buf, len, " (not settled: too few samples to tell)");
}

struct watts_record *watts_record_lookup(struct watts_svc *s, const char *arg, uid_t asker,
					 struct ctl_reply *rep)
{
	unsigned long id;
	char err[64];

	if (parse_uint_any_base(arg, 1, UINT32_MAX, &id, err, sizeof(err)) < 0) {
		ctl_reply_error(rep, 2, "usage: record end ID");
		return NULL;
	}
	for (int i = 0; i < s->nrec; i++) {
		if (s->rec[i].id != id)
			continue;
		/* ids are sequential: without an owner anyone could end anyone's measurement */
		if (asker != 0 && asker != s->rec[i].owner) {
			ctl_reply_error(rep, 4, "permission denied: record %lu belongs to another user",
					id);
			return NULL;
		}
		return &s->rec[i];
	}
	ctl_reply_error(rep, 1, "no open record %lu", id);
	return NULL;
}

static int watts_record_count(const struct watts_svc *s, uid_t owner)
{
	int n = 0;

	for (int i = 0; i < s->nrec; i++)
		n += s->rec[i].owner == owner;
	return n;
}

/*
 * The table is full (clients that never said `record end`): the oldest record of the user
 * holding the most goes, the asker's own on a tie, so nobody's `record begin` loop can push
 * out another user's measurement.
 */
static void watts_record_drop_one(struct watts_svc *s, uid_t asker)
{
	uid_t victim = asker;
	int most = watts_record_count(s, asker), idx = 0;

	for (int i = 0; i < s->nrec; i++) {
		int n = watts_record_count(s, s->rec[i].owner);

		if (n > most) {
			most = n;
			victim = s->rec[i].owner;
		}
	}
	while (s->rec[idx].owner != victim)
		idx++;
	log_info("record %u dropped: too many open records", s->rec[idx].id);
	memmove(&s->rec[idx], &s->rec[idx + 1], sizeof(s->rec[0]) * (size_t)(s->nrec - idx - 1));
	s->nrec--;
}

void watts_record_begin(struct watts_svc *s, int64_t now, const struct energy_baseline *basep,
			uid_t owner, bool json, struct ctl_reply *rep)
{
	struct energy_baseline base = *basep;
	struct watts_record *r;
	struct json *j;

	if (s->nrec == WATTS_RECORDS_MAX)
		watts_record_drop_one(s, owner);
	r = &s->rec[s->nrec++];
	memset(r, 0, sizeof(*r));
	r->id = ++s->next_id;
	r->owner = owner;
	r->base = base;
	energy_record_begin(&r->er, now, base.w);
	energy_record_add(&r->er, now, s->b->readings.watts, s->cfg.max_gap_ns);
	watts_record_ib_snapshot(s, &r->ib0);
	if (json) {
		j = ctl_reply_json(rep);
		json_uint(j, "id", r->id);
		json_number(j, "baseline_w", base.w, 3);
		json_number(j, "baseline_s", (double)s->cfg.baseline_ns / 1e9, 1);
		json_bool(j, "baseline_settled", base.settled);
		json_number(j, "baseline_drift_w", base.drift_w, 3);
		json_number(j, "start_mono_s", (double)now / 1e9, 3);
	} else {
		char bs[32], note[96];

		if (isfinite(base.w))
			snprintf(bs, sizeof(bs), "%.2f W", base.w);
		else
			snprintf(bs, sizeof(bs), "unknown");
		watts_record_baseline_note(&base, note, sizeof(note));
		ctl_reply_printf(rep,
				 "record %u started; idle baseline %s over the last %.0f s%s\n",
				 r->id, bs, (double)s->cfg.baseline_ns / 1e9, note);
	}
}

void watts_record_end(struct watts_svc *s, struct watts_record *r, int64_t now, bool json,
		      struct ctl_reply *rep)
{
	struct energy_summary sum;
	struct watts_ib_snap ib1;
	double tx, rx, bytes, gbps, jpg, jpg_above;
	char note[96];
	int idx;

	energy_record_summary(&r->er, now, &sum);
	watts_record_ib_snapshot(s, &ib1);
	watts_record_ib_bytes(&r->ib0, &ib1, &tx, &rx);
	bytes = tx + rx;
	gbps = sum.duration_s > 0 ? bytes * 8.0 / sum.duration_s / 1e9 : NAN;
	jpg = bytes > 0 ? sum.j / (bytes / 1e9) : NAN;
	jpg_above = bytes > 0 ? sum.above_baseline_j / (bytes / 1e9) : NAN;
	if (json) {
		struct json *j = ctl_reply_json(rep);

		json_uint(j, "id", r->id);
		json_number(j, "duration_s", sum.duration_s, 3);
		json_number(j, "avg_w", sum.avg_w, 3);
		json_number(j, "peak_w", sum.peak_w, 3);
		json_number(j, "min_w", sum.min_w, 3);
		json_number(j, "energy_j", sum.j, 3);
		json_number(j, "baseline_w", sum.baseline_w, 3);
		json_bool(j, "baseline_settled", r->base.settled);
		json_number(j, "baseline_drift_w", r->base.drift_w, 3);
		json_number(j, "above_baseline_j", sum.above_baseline_j, 3);
		json_bool(j, "below_baseline", sum.below_baseline);
		json_number(j, "ib_tx_bytes", tx, 0);
		json_number(j, "ib_rx_bytes", rx, 0);
		json_number(j, "ib_bytes", bytes, 0);
		json_number(j, "avg_gbps", gbps, 3);
		json_number(j, "j_per_gb", jpg, 3);
		json_number(j, "j_per_gb_above_baseline", jpg_above, 3);
		json_uint(j, "samples", sum.nsamples);
	} else {
		ctl_reply_printf(rep, "record %u\n", r->id);
		ctl_reply_printf(rep, "duration      %.3f s\n", sum.duration_s);
		if (isfinite(sum.avg_w) && isfinite(sum.j)) {
			ctl_reply_printf(rep, "power         avg %.2f W, peak %.2f W, min %.2f W\n",
					 sum.avg_w, sum.peak_w, sum.min_w);
			ctl_reply_printf(rep, "energy        %.4f Wh (%.1f J)\n", sum.wh, sum.j);
		} else {
			ctl_reply_printf(rep, "power         unknown (no valid monitor reading)\n");
			ctl_reply_printf(rep, "energy        unknown\n");
		}
		watts_record_baseline_note(&r->base, note, sizeof(note));
		if (isfinite(sum.above_baseline_j) && sum.below_baseline)
			ctl_reply_printf(
				rep,
				"above idle    0.0 J: the record averaged %.2f W, below the"
				" %.2f W baseline%s, which was no idle figure\n",
				sum.avg_w, sum.baseline_w, note);
		else if (isfinite(sum.above_baseline_j))
			ctl_reply_printf(rep, "above idle    %.1f J over a %.2f W baseline%s\n",
					 sum.above_baseline_j, sum.baseline_w, note);
		else
			ctl_reply_printf(rep, "above idle    unknown (no baseline)\n");
		if (isfinite(bytes)) {
			ctl_reply_printf(rep,
					 "IB moved      %.0f bytes (tx %.0f, rx %.0f), %.2f Gb/s\n",
					 bytes, tx, rx, gbps);
			if (isfinite(jpg))
				ctl_reply_printf(rep,
						 "energy/GB     %.2f J/GB (%.2f J/GB above idle)\n",
						 jpg, jpg_above);
		} else {
			ctl_reply_printf(rep, "IB moved      unknown (no usable port counters)\n");
		}
	}
	idx = (int)(r - s->rec);
	memmove(&s->rec[idx], &s->rec[idx + 1], sizeof(s->rec[0]) * (size_t)(s->nrec - idx - 1));
	s->nrec--;
}

void watts_record_feed(struct watts_svc *s, int64_t now, double watts)
{
	for (int i = 0; i < s->nrec; i++)
		energy_record_add(&s->rec[i].er, now, watts, s->cfg.max_gap_ns);
}
