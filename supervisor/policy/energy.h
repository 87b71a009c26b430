/* energy.h - trapezoid integration of power into energy; totals, records, the state file. */
#ifndef H2BOX_ENERGY_H
#define H2BOX_ENERGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENERGY_J_PER_WH 3600.0

/*
 * The integrator is pure: samples (now_ns, watts) in, joules out.  A NAN
 * sample or a gap longer than max_gap_ns breaks the chain: the interval is
 * not integrated (unknown power never becomes energy) and the next good
 * sample starts a new chain.
 */
struct energy_counter {
	double install_j; /* since install (persisted) */
	double boot_j;    /* since this daemon started (power-on of the box as h2boxd sees it) */
	int64_t max_gap_ns;
	int64_t last_ns;
	double last_w;
	bool have_last;
	int64_t covered_ns; /* time actually integrated since start */
};

void energy_counter_init(struct energy_counter *e, double install_j, int64_t max_gap_ns);
/* Add one sample; returns the joules added by it (0 for the first of a chain or a NAN). */
double energy_counter_add(struct energy_counter *e, int64_t now_ns, double watts);

/*
 * The idle baseline a record compares against: the mean of the samples in
 * the window (now - window, now].  Honest about what it measured: it is
 * settled only when the means of the window's two halves agree within
 * energy_baseline_tolerance_w(); a baseline taken while the box still
 * settles after a workload change is flagged, with its drift.
 */
struct energy_baseline {
	int64_t from_ns, mid_ns, to_ns;
	double sum[2];
	int n[2];
	/* after energy_baseline_end() */
	double w;       /* mean over the window, NAN without samples */
	double drift_w; /* later half's mean - earlier half's, NAN when a half is empty */
	bool settled;
};

/* Watts two figures of one steady level may differ by: 0.5 W or 2 %, whichever is more. */
double energy_baseline_tolerance_w(double baseline_w);
void energy_baseline_begin(struct energy_baseline *b, int64_t now_ns, int64_t window_ns);
void energy_baseline_add(struct energy_baseline *b, int64_t t_ns, double watts);
void energy_baseline_end(struct energy_baseline *b);

/* Per-record statistics ("h2box record"). */
struct energy_record {
	bool active;
	int64_t start_ns, last_ns;
	double baseline_w; /* idle baseline measured before begin, NAN if unknown */
	double j;          /* trapezoid energy between begin and the last sample */
	double peak_w, min_w;
	double sum_w; /* for the average over samples */
	uint64_t nsamples;
	int64_t covered_ns; /* integrated time (excludes gaps) */
	double prev_w;
	int64_t prev_ns;
	bool have_prev;
};

struct energy_summary {
	double duration_s;
	double avg_w, peak_w, min_w;
	double j, wh;
	/*
	 * j - baseline x covered time, never below 0 (nor -0.0); NAN without a
	 * baseline.  below_baseline: the record averaged more than the
	 * baseline's tolerance below it, so the baseline was no idle figure and
	 * the 0 J only says "not above".
	 */
	double above_baseline_j;
	bool below_baseline;
	double baseline_w;
	uint64_t nsamples;
};

void energy_record_begin(struct energy_record *r, int64_t now_ns, double baseline_w);
void energy_record_add(struct energy_record *r, int64_t now_ns, double watts, int64_t max_gap_ns);
void energy_record_summary(const struct energy_record *r, int64_t now_ns, struct energy_summary *s);

/*
 * The state file's text, checksummed; the service writes it through statefile (atomically: a
 * power cut leaves the old or the new file, never half).
 */
struct energy_state {
	double install_j;
	int64_t since_real_ns; /* wall time the install counter started */
	int64_t saved_real_ns;
};
/* Into buf: the length, or -EOVERFLOW. */
int energy_state_format(const struct energy_state *st, char *buf, size_t len);
/* From buf (changed in place): 0, or -EBADMSG when corrupt (then *st is zeroed). */
int energy_state_parse(char *buf, struct energy_state *st);

#endif
