/* cli-record.h - the pure parts of `h2box record`: arguments, sample lines, CSV rows. */
#ifndef H2BOX_CLI_RECORD_H
#define H2BOX_CLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>

struct cli_record_opts {
	const char *out_path;  /* -o FILE.csv, NULL = progress lines on stderr */
	const char *plot_path; /* --plot FILE.svg|png: drawn at the end (the CSV in /tmp when no -o) */
	double interval_s;     /* --interval S (box seconds between samples), default 1 */
	bool help;             /* --help or -h among the options: print the usage, run nothing */
	bool copy;             /* --copy SRC DST instead of a command */
	const char *copy_src, *copy_dst;
	char **cmd;            /* the command and its arguments (points into argv) */
	int ncmd;
};

/*
 * argv[0] is "record".  0, or -EINVAL with a message in err (the caller exits 2).
 * Options end at "--" or at the first word that is not an option.
 */
int cli_record_args_parse(int argc, char **argv, struct cli_record_opts *o, char *err,
			  size_t errlen);

#define CLI_RECORD_TEMPS_MAX 8
#define CLI_RECORD_NAME_MAX 32

/*
 * The columns a stream carries beyond the fixed ones: the temperature inputs of the daemon's
 * profile, named once in the `watts --follow` reply object ("temps":[...]), so the CSV header is
 * fixed before the first sample and every row has the same cells.
 */
struct cli_record_cols {
	char temps[CLI_RECORD_TEMPS_MAX][CLI_RECORD_NAME_MAX];
	int ntemps;
};

/* One line of `json watts --follow`; numbers the daemon sent as null are NaN. */
struct cli_record_sample {
	char time[40];
	double mono_s, watts, volts, amps, avg_w, ib_tx_gbps, ib_rx_gbps, energy_j;
	double fan_duty_pct, fan_rpm;
	double temps[CLI_RECORD_TEMPS_MAX]; /* in cli_record_cols order */
	char budget[24];
	char alarms[256]; /* active alarm ids joined by ';', "" when none */
};

/* The number after "key": in a flat JSON line (null is NaN): 0, -ENOENT, -EINVAL. */
int cli_record_json_number(const char *line, const char *key, double *v);
/* The reply object's "temps" names (none when it has no such array): 0 or -EINVAL. */
int cli_record_cols_parse(const char *line, struct cli_record_cols *c);
/*
 * 0, or -EINVAL when the line is not a sample (the {interval_s} reply object, garbage).
 * c: the stream's columns (NULL: none); a named input missing from the line is NaN.
 */
int cli_record_sample_parse(const char *line, const struct cli_record_cols *c,
			    struct cli_record_sample *s);
/* The CSV header / one CSV row with "\n"; unknown numbers are empty fields.  Length or -ENOSPC. */
int cli_record_csv_header(const struct cli_record_cols *c, char *buf, size_t len);
int cli_record_csv_row(const struct cli_record_cols *c, const struct cli_record_sample *s,
		       char *buf, size_t len);
/* bytes x 8 / s / 1e9, the article's formula; NaN when s <= 0. */
double cli_record_gbps(double bytes, double seconds);

#endif
