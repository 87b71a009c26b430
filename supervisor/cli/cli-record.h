/* cli-record.h - the pure parts of `h2box record`: arguments, sample lines, CSV rows. */
#ifndef H2BOX_CLI_RECORD_H
#define H2BOX_CLI_RECORD_H

#include <stdbool.h>
#include <stddef.h>

struct cli_record_opts {
	const char *out_path;  /* -o FILE.csv, NULL = progress lines on stderr */
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

/* One line of `json watts --follow`; numbers the daemon sent as null are NaN. */
struct cli_record_sample {
	char time[40];
	double mono_s, watts, volts, amps, avg_w, ib_tx_gbps, ib_rx_gbps, energy_j;
	char budget[24];
};

/* The number after "key": in a flat JSON line (null is NaN): 0, -ENOENT, -EINVAL. */
int cli_record_json_number(const char *line, const char *key, double *v);
/* 0, or -EINVAL when the line is not a sample (the {interval_ns} reply object, garbage). */
int cli_record_sample_parse(const char *line, struct cli_record_sample *s);
/* The CSV header / one CSV row with "\n"; unknown numbers are empty fields.  Length or -ENOSPC. */
int cli_record_csv_header(char *buf, size_t len);
int cli_record_csv_row(const struct cli_record_sample *s, char *buf, size_t len);
/* bytes x 8 / s / 1e9, the article's formula; NaN when s <= 0. */
double cli_record_gbps(double bytes, double seconds);

#endif
