/* cli-main.h - the h2box command line: global options, then h2boxd, record or a local bench. */
#ifndef H2BOX_CLI_MAIN_H
#define H2BOX_CLI_MAIN_H

/* h2box's main: the exit status (0 ok, 1 failed, 2 usage, 3 refused, 4 permission, 5 no daemon). */
int cli_main(int argc, char **argv);

#endif
