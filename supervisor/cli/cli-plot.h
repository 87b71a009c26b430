/* cli-plot.h - the pure parts of `h2box plot`: a record CSV's columns and summary, the gnuplot script. */
#ifndef H2BOX_CLI_PLOT_H
#define H2BOX_CLI_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "supervisor/cli/cli-record.h"

#define CLI_PLOT_MARKERS_MAX 16

/* An alarm raised during the record: where it is marked on every panel. */
struct cli_plot_marker {
	double t; /* seconds since the record's first sample */
	char id[CLI_RECORD_NAME_MAX];
};

/*
 * What a record CSV (`h2box record -o`) holds, read once by the client: gnuplot reads the
 * numbers itself from the file, so this keeps only column numbers, the span, the summary sums
 * and the alarm markers.  Column numbers are gnuplot's (1-based), 0 for a column the file lacks
 * (a CSV from an older h2box has no fan, temperature or alarm columns).
 */
struct cli_plot {
	int col_mono, col_watts, col_energy, col_fan, col_rpm, col_tx, col_rx, col_alarms;
	int col_temp[CLI_RECORD_TEMPS_MAX];
	char temp_name[CLI_RECORD_TEMPS_MAX][CLI_RECORD_NAME_MAX];
	int ntemps;
	int ncols;
	unsigned rows;
	double t0, t1;         /* mono_s of the first and the last row */
	double e0, e1;         /* energy_j of the first and the last row that has one */
	double bytes;          /* IB bytes moved: the rate samples, (tx + rx) Gb/s x dt x 1e9 / 8 */
	double last_t;
	double watt_sum;       /* for the average when the file has no energy column */
	unsigned watt_n;
	char alarms_prev[256];
	struct cli_plot_marker markers[CLI_PLOT_MARKERS_MAX];
	int nmarkers;
};

/* The figures in the plot's title; NaN when the file cannot tell. */
struct cli_plot_summary {
	double duration_s, avg_w, energy_j, wh, gb, j_per_gb;
};

enum cli_plot_format { CLI_PLOT_SVG, CLI_PLOT_PNG };

/* The header line: 0, or -EINVAL with the reason in err (no mono_s or watts column). */
int cli_plot_header(struct cli_plot *p, const char *line, char *err, size_t errlen);
/* One data row (without its newline): 0, or -EINVAL for a row with another number of cells. */
int cli_plot_row(struct cli_plot *p, const char *line);
void cli_plot_summary_get(const struct cli_plot *p, struct cli_plot_summary *s);
/* SVG or PNG from the output file's name (.svg, .png): 0 or -EINVAL. */
int cli_plot_format_of(const char *out_path, enum cli_plot_format *fmt);
/*
 * The gnuplot script that draws csv_path into out_path: four panels against seconds since the
 * start (watts and energy, temperatures, fan duty and rpm, IB Gb/s), start and end and every
 * raised alarm marked, the summary in the title.  0, or -EINVAL for a path gnuplot cannot be
 * given safely (a newline or NUL in it).
 */
int cli_plot_script(const struct cli_plot *p, const struct cli_plot_summary *s,
		    const char *csv_path, const char *out_path, enum cli_plot_format fmt, FILE *f);

#endif
