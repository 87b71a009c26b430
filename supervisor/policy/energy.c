/* energy.c - trapezoid energy integration and the energy state file's text (written by statefile). */
#include "supervisor/policy/energy.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void energy_counter_init(struct energy_counter *e, double install_j, int64_t max_gap_ns)
{
	memset(e, 0, sizeof(*e));
	e->install_j = isfinite(install_j) && install_j >= 0 ? install_j : 0.0;
	e->max_gap_ns = max_gap_ns > 0 ? max_gap_ns : INT64_MAX;
}

double energy_counter_add(struct energy_counter *e, int64_t now_ns, double watts)
{
	double inc = 0.0;
	int64_t dt;

	if (!isfinite(watts)) {
		e->have_last = false;
		return 0.0;
	}
	if (e->have_last) {
		dt = now_ns - e->last_ns;
		if (dt <= 0)
			return 0.0; /* duplicate timestamp: keep the first */
		if (dt <= e->max_gap_ns) {
			inc = (watts + e->last_w) * 0.5 * ((double)dt / 1e9);
			e->install_j += inc;
			e->boot_j += inc;
			e->covered_ns += dt;
		}
	}
	e->last_ns = now_ns;
	e->last_w = watts;
	e->have_last = true;
	return inc;
}

double energy_baseline_tolerance_w(double baseline_w)
{
	return fmax(0.5, 0.02 * fabs(baseline_w));
}

void energy_baseline_begin(struct energy_baseline *b, int64_t now_ns, int64_t window_ns)
{
	memset(b, 0, sizeof(*b));
	b->from_ns = now_ns - window_ns;
	b->mid_ns = now_ns - window_ns / 2;
	b->to_ns = now_ns;
	b->w = b->drift_w = NAN;
}

void energy_baseline_add(struct energy_baseline *b, int64_t t_ns, double watts)
{
	int half;

	if (!isfinite(watts) || t_ns <= b->from_ns || t_ns > b->to_ns)
		return;
	half = t_ns > b->mid_ns;
	b->sum[half] += watts;
	b->n[half]++;
}

void energy_baseline_end(struct energy_baseline *b)
{
	int n = b->n[0] + b->n[1];

	b->w = n ? (b->sum[0] + b->sum[1]) / n : NAN;
	b->drift_w = b->n[0] && b->n[1] ? b->sum[1] / b->n[1] - b->sum[0] / b->n[0] : NAN;
	/* too few samples to tell is not settled either */
	b->settled = isfinite(b->drift_w) &&
		     fabs(b->drift_w) <= energy_baseline_tolerance_w(b->w);
}

void energy_record_begin(struct energy_record *r, int64_t now_ns, double baseline_w)
{
	memset(r, 0, sizeof(*r));
	r->active = true;
	r->start_ns = r->last_ns = now_ns;
	r->baseline_w = baseline_w;
	r->peak_w = NAN;
	r->min_w = NAN;
}

void energy_record_add(struct energy_record *r, int64_t now_ns, double watts, int64_t max_gap_ns)
{
	int64_t dt;

	if (!r->active)
		return;
	if (now_ns > r->last_ns)
		r->last_ns = now_ns;
	if (!isfinite(watts)) {
		r->have_prev = false;
		return;
	}
	if (r->have_prev) {
		dt = now_ns - r->prev_ns;
		if (dt <= 0)
			return;
		if (max_gap_ns <= 0 || dt <= max_gap_ns) {
			r->j += (watts + r->prev_w) * 0.5 * ((double)dt / 1e9);
			r->covered_ns += dt;
		}
	}
	r->prev_w = watts;
	r->prev_ns = now_ns;
	r->have_prev = true;
	r->sum_w += watts;
	r->nsamples++;
	if (!(watts <= r->peak_w))
		r->peak_w = watts;
	if (!(watts >= r->min_w))
		r->min_w = watts;
}

void energy_record_summary(const struct energy_record *r, int64_t now_ns, struct energy_summary *s)
{
	int64_t end = now_ns > r->last_ns ? now_ns : r->last_ns;

	memset(s, 0, sizeof(*s));
	s->duration_s = (double)(end - r->start_ns) / 1e9;
	s->nsamples = r->nsamples;
	s->avg_w = r->nsamples ? r->sum_w / (double)r->nsamples : NAN;
	/* prefer the time-weighted mean when there is integrated time */
	if (r->covered_ns > 0)
		s->avg_w = r->j / ((double)r->covered_ns / 1e9);
	s->peak_w = r->peak_w;
	s->min_w = r->min_w;
	s->j = r->j;
	s->wh = r->j / ENERGY_J_PER_WH;
	s->baseline_w = r->baseline_w;
	if (isfinite(r->baseline_w)) {
		double covered_s = (double)r->covered_ns / 1e9;
		double above = r->j - r->baseline_w * covered_s;

		/*
		 * Below the idle baseline is no energy: the baseline was taken
		 * above idle (mid-transition).  Clamped to +0 (never "-0.0 J"), and
		 * flagged when the shortfall is beyond the meter's ripple.
		 */
		s->above_baseline_j = above > 0 ? above : 0.0;
		s->below_baseline =
			above < -energy_baseline_tolerance_w(r->baseline_w) * covered_s;
	} else {
		s->above_baseline_j = NAN;
	}
	if (r->nsamples == 0) {
		/* not one valid reading: the energy is unknown, not 0 J */
		s->j = s->wh = s->above_baseline_j = NAN;
		s->peak_w = s->min_w = NAN;
	}
}

/* ---- state file ---- */

static uint32_t fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

int energy_state_format(const struct energy_state *st, char *buf, size_t len)
{
	int n, m;

	n = snprintf(buf, len,
		     "h2box-energy 1\ninstall_j %.6f\nsince_real_ns %" PRId64
		     "\nsaved_real_ns %" PRId64 "\n",
		     st->install_j, st->since_real_ns, st->saved_real_ns);
	if (n < 0 || (size_t)n + 16 >= len)
		return -EOVERFLOW;
	m = snprintf(buf + n, len - (size_t)n, "check %08x\n", fnv1a(buf, (size_t)n));
	return n + m;
}

int energy_state_parse(char *buf, struct energy_state *st)
{
	char *line, *save = NULL, *check;
	unsigned int want;
	int seen = 0;
	struct energy_state s = { 0 };

	memset(st, 0, sizeof(*st));
	check = strstr(buf, "check ");
	if (!check || sscanf(check, "check %8x\n", &want) != 1 ||
	    fnv1a(buf, (size_t)(check - buf)) != want)
		return -EBADMSG;
	*check = '\0';
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double d;
		int64_t v;
		char tail;

		if (!strcmp(line, "h2box-energy 1"))
			seen |= 1;
		else if (sscanf(line, "install_j %lf%c", &d, &tail) == 1 && isfinite(d) && d >= 0) {
			s.install_j = d;
			seen |= 2;
		} else if (sscanf(line, "since_real_ns %" SCNd64 "%c", &v, &tail) == 1) {
			s.since_real_ns = v;
			seen |= 4;
		} else if (sscanf(line, "saved_real_ns %" SCNd64 "%c", &v, &tail) == 1) {
			s.saved_real_ns = v;
			seen |= 8;
		} else {
			return -EBADMSG;
		}
	}
	if (seen != 15)
		return -EBADMSG;
	*st = s;
	return 0;
}
