/* watts-follow.c - `watts --follow` streams: one text or JSON line per interval to each client. */
#include "supervisor/services/watts-priv.h"
#include "supervisor/services/alarm.h"

#include "supervisor/runtime/box.h"
#include "supervisor/runtime/ctl.h"
#include "supervisor/runtime/loop.h"
#include "supervisor/util/json.h"
#include "supervisor/util/parse.h"
#include "supervisor/util/timefmt.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* One JSON line of a --json follower, through the one JSON writer (names escaped, UTF-8 kept). */
static int watts_follow_json_line(struct watts_svc *s, struct watts_follower *f, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	struct json *j = json_new();
	const char *doc;
	int r;

	if (!j)
		return -ENOMEM;
	json_object_begin(j, NULL);
	json_time(j, "time", s->b->loop ? loop_real_now(s->b->loop) : 0);
	json_number(j, "mono_s", (double)now / 1e9, 3);
	json_number(j, "watts", rd->watts, 3);
	json_number(j, "volts", rd->volts, 3);
	json_number(j, "amps", rd->amps, 4);
	json_number(j, "avg_w", s->budget_on ? budget_average(&s->budget) : NAN, 2);
	json_string(j, "budget_state", rd->budget_state ? rd->budget_state : "off");
	json_number(j, "ib_tx_gbps", rd->ib_tx_gbps, 3);
	json_number(j, "ib_rx_gbps", rd->ib_rx_gbps, 3);
	json_number(j, "energy_j", watts_monitor_main(s)->energy.boot_j, 3);
	/* what `h2box record -o` and `h2box plot` draw beside the watts: the log's temperature
	 * inputs (fixed by the profile, named in the reply object), the fan and active alarms */
	json_number(j, "fan_duty_pct", rd->fan_duty_pct, 1);
	json_number(j, "fan_rpm", rd->fan_rpm, 0);
	json_object_begin(j, "temps_c");
	for (int i = 0; i < s->log_ntemps; i++)
		json_number(j, s->log_temps[i], box_temp_get(s->b, s->log_temps[i]), 2);
	json_object_end(j);
	alarm_svc_active_ids_json(s->b->alarms, j, "alarms");
	json_object_begin(j, "monitors");
	for (int i = 0; i < s->nmon; i++)
		json_number(j, s->mon[i].cfg.name, s->mon[i].valid ? s->mon[i].last.watts : NAN, 3);
	json_object_end(j);
	json_object_end(j);
	doc = json_finish(j, NULL);
	r = doc ? ctl_stream_printf(f->st, "%s\n", doc) : -ENOMEM;
	json_free(j);
	return r;
}

static int watts_follow_line(struct watts_svc *s, struct watts_follower *f, int64_t now)
{
	struct box_readings *rd = &s->b->readings;
	char ts[40], w[24], v[24], a[24], avg[24], tx[24], rx[24], extra[256] = "";
	size_t off = 0;
	int i;

	timefmt_iso(s->b->loop ? loop_real_now(s->b->loop) : 0, true, ts, sizeof(ts));
	parse_format_number(w, sizeof(w), 3, rd->watts, "null");
	parse_format_number(v, sizeof(v), 3, rd->volts, "null");
	parse_format_number(a, sizeof(a), 4, rd->amps, "null");
	parse_format_number(avg, sizeof(avg), 2, s->budget_on ? budget_average(&s->budget) : NAN,
			    "null");
	parse_format_number(tx, sizeof(tx), 3, rd->ib_tx_gbps, "null");
	parse_format_number(rx, sizeof(rx), 3, rd->ib_rx_gbps, "null");
	if (f->json)
		return watts_follow_json_line(s, f, now);
	for (i = 0; i < s->nmon && off < sizeof(extra); i++) {
		if (i == s->main_idx)
			continue;
		off += (size_t)snprintf(
			extra + off, sizeof(extra) - off, "  %s %s W", s->mon[i].cfg.name,
			s->mon[i].valid ? (snprintf(w, sizeof(w), "%.2f", s->mon[i].last.watts), w)
					: "-");
	}
	return ctl_stream_printf(
		f->st, "%s %s W %s V %s A  avg %s W  %s%s\n", ts,
		isfinite(rd->watts) ? (snprintf(w, sizeof(w), "%7.2f", rd->watts), w) : "      -",
		isfinite(rd->volts) ? (snprintf(v, sizeof(v), "%6.3f", rd->volts), v) : "     -",
		isfinite(rd->amps) ? (snprintf(a, sizeof(a), "%6.3f", rd->amps), a) : "     -", avg,
		rd->budget_state ? rd->budget_state : "off", extra);
}

void watts_follow_feed(struct watts_svc *s, int64_t now)
{
	int i = 0;

	while (i < s->nfol) {
		struct watts_follower *f = &s->fol[i];

		if (now >= f->next_ns) {
			f->next_ns += f->interval_ns;
			if (f->next_ns <= now)
				f->next_ns = now + f->interval_ns;
			if (watts_follow_line(s, f, now) < 0) {
				ctl_stream_close(f->st);
				s->fol[i] = s->fol[--s->nfol];
				continue;
			}
		}
		i++;
	}
}

void watts_follow_add(struct watts_svc *s, double interval, bool json, struct ctl_reply *rep)
{
	struct watts_follower *f = &s->fol[s->nfol];
	int64_t iv = isfinite(interval) ? (int64_t)(interval * 1e9) : HW_NSEC_PER_SEC;
	int64_t now = loop_now(s->b->loop);

	if (s->nfol >= WATTS_FOLLOWERS_MAX) {
		ctl_reply_error(rep, 3, "too many watts --follow clients");
		return;
	}
	if (iv < s->period_ns) {
		/* no faster than we sample: say so rather than stretch it silently */
		ctl_reply_error(rep, 2,
				"watts: --interval %g s is shorter than the sampling period: "
				"give %g to 3600 s",
				interval, (double)s->period_ns / 1e9);
		return;
	}
	f->st = ctl_reply_stream(rep);
	if (!f->st) {
		ctl_reply_error(rep, 1, "cannot stream");
		return;
	}
	f->interval_ns = iv;
	f->next_ns = now;
	f->json = json;
	s->nfol++;
	if (json) {
		struct json *j = ctl_reply_json(rep);

		json_number(j, "interval_s", (double)iv / 1e9, 3);
		/* the temperature inputs every line carries, in order: a recorder's CSV columns */
		json_array_begin(j, "temps");
		for (int i = 0; i < s->log_ntemps; i++)
			json_string(j, NULL, s->log_temps[i]);
		json_array_end(j);
	}
	else
		ctl_reply_printf(rep, "# every %.3f s: time, W, V, A, average W, budget state\n",
				 (double)iv / 1e9);
}

void watts_follow_close_all(struct watts_svc *s)
{
	for (int i = 0; i < s->nfol; i++)
		ctl_stream_close(s->fol[i].st);
	s->nfol = 0;
}
