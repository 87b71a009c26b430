/* cli-probe.h - `h2box probe`: the box's parts found without h2boxd, and a profile for them. */
#ifndef H2BOX_CLI_PROBE_H
#define H2BOX_CLI_PROBE_H

#include <stdbool.h>

/* argv is the command's words ("probe" ...).  The exit status (0, 1 failed, 2 usage, 3 refused). */
int cli_probe_main(bool json, int argc, char **argv);

#endif
