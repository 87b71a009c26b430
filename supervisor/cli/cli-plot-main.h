/* cli-plot-main.h - `h2box plot RECORD.csv -o FILE.svg|png`: a record drawn by gnuplot. */
#ifndef H2BOX_CLI_PLOT_MAIN_H
#define H2BOX_CLI_PLOT_MAIN_H

#include <stdbool.h>
#include <stddef.h>

struct cli_plot_summary;

/* argv[0] is "plot".  The exit status (2 usage, 1 failure), the outcome printed. */
int cli_plot_main(bool json, int argc, char **argv);
/*
 * Draw csv into out (.svg or .png, by gnuplot, started without a shell), the summary filled.
 * 0, or -errno with the reason in err.  `record --plot` calls it after its record.
 */
int cli_plot_file(const char *csv, const char *out, struct cli_plot_summary *sum, char *err,
		  size_t errlen);

#endif
