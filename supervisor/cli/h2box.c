/* h2box.c - main() of the command-line client: talks to h2boxd over its control socket. */
#include "supervisor/cli/cli-main.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
