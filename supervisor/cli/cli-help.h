/* cli-help.h - the h2box client's usage text: `h2box --help` and `h2box COMMAND --help`. */
#ifndef H2BOX_CLI_HELP_H
#define H2BOX_CLI_HELP_H

#include <stdbool.h>
#include <stdio.h>

/* Every command's usage and the global options (`h2box --help`) into f. */
void cli_help_print(FILE *f);
/* `h2box VERB --help` (VERB NULL: all commands) on stdout, as JSON {"ok":true,"usage":...}
 * with json; the exit status (2 for an unknown VERB). */
int cli_help_command(bool json, const char *verb);

#endif
