/* cli-metrics.h - `h2box metrics [-o FILE]`: the daemon's Prometheus text, printed or written. */
#ifndef H2BOX_CLI_METRICS_H
#define H2BOX_CLI_METRICS_H

#include <stdbool.h>

/* argv[0] is "metrics".  The exit status (2 usage, 1 failure, 5 no daemon), the outcome printed. */
int cli_metrics_main(const char *path, bool json, int argc, char **argv);

#endif
