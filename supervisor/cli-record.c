/* cli-record.c - `h2box record`: watts, energy and IB traffic while a command runs. */
#include "supervisor/cli.h"

#include <stdio.h>

int cli_record_main(const char *socket_path, bool json, int argc, char **argv)
{
	fprintf(stderr, "h2box: record is not available in this build yet\n");
	return 1;
}
