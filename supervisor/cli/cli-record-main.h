/* cli-record-main.h - `h2box record`: watts, energy and IB traffic while a command runs. */
#ifndef H2BOX_CLI_RECORD_MAIN_H
#define H2BOX_CLI_RECORD_MAIN_H

#include <stdbool.h>

/* argv[0] is "record"; `record begin|end` go to the daemon as they are.  The exit status. */
int cli_record_main(const char *socket_path, bool json, int argc, char **argv);

#endif
